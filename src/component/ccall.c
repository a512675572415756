/* ccall.c: a world's exports found in a core module by their canonical-ABI names, and called with
 * component values (see ccall.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/ccall.h"

static bool add(cc_exports *e, size_t *cap, const char *iface, const ct_func *f) {
    if (e->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        cc_export *v = realloc(e->v, ncap * sizeof *v);
        if (!v) return false;
        e->v = v;
        *cap = ncap;
    }
    size_t len = (iface ? strlen(iface) + 1 : 0) + strlen(f->name) + 1;
    char *name = malloc(len);
    if (!name) return false;
    snprintf(name, len, "%s%s%s", iface ? iface : "", iface ? "#" : "", f->name);
    e->v[e->n++] = (cc_export){name, iface, f};
    return true;
}

bool cc_world_exports(const wit_world *w, cc_exports *out) {
    out->v = NULL;
    out->n = 0;
    size_t cap = 0;
    for (uint32_t i = 0; i < w->nexports; i++) {
        const wit_world_item *it = &w->exports[i];
        if (it->kind == WIT_ITEM_FUNC) {
            if (!add(out, &cap, NULL, it->func)) goto nomem;
            continue;
        }
        /* An interface's functions: under its qualified name, or the plain one when inline. */
        const char *iname = it->iface->qualified ? it->iface->qualified : it->name;
        for (uint32_t k = 0; k < it->iface->nfuncs; k++)
            if (!add(out, &cap, iname, &it->iface->funcs[k])) goto nomem;
    }
    return true;
nomem:
    cc_exports_free(out);
    return false;
}

void cc_exports_free(cc_exports *e) {
    for (size_t i = 0; i < e->n; i++) free(e->v[i].core_name);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

/* The interface part of a qualified name without namespace, package and version:
 * "acme:math/ops@0.1.0" -> "ops". */
void cc_short_iface(const char *q, const char **s, size_t *len) {
    const char *slash = strrchr(q, '/');
    const char *start = slash ? slash + 1 : q;
    const char *at = strchr(start, '@');
    *s = start;
    *len = at ? (size_t)(at - start) : strlen(start);
}

const cc_export *cc_find(const cc_exports *e, const char *name, size_t len, char *err,
                         size_t errlen) {
    for (size_t i = 0; i < e->n; i++)
        if (strlen(e->v[i].core_name) == len && memcmp(e->v[i].core_name, name, len) == 0)
            return &e->v[i];
    const char *hash = memchr(name, '#', len);
    const cc_export *found = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < e->n; i++) {
        const cc_export *x = &e->v[i];
        const char *fn = x->func->name;
        bool hit;
        if (hash) { /* "ops#add" */
            if (!x->iface) continue;
            const char *si;
            size_t sl;
            cc_short_iface(x->iface, &si, &sl);
            hit = (size_t)(hash - name) == sl && memcmp(name, si, sl) == 0 &&
                  strlen(fn) == len - sl - 1 && memcmp(hash + 1, fn, len - sl - 1) == 0;
        } else {
            hit = strlen(fn) == len && memcmp(fn, name, len) == 0;
        }
        if (hit) {
            found = x;
            matches++;
        }
    }
    if (matches == 1) return found;
    if (matches == 0) {
        int used = snprintf(err, errlen, "no exported function \"%.*s\"; the world exports:",
                            (int)len, name);
        for (size_t i = 0; i < e->n && used > 0 && (size_t)used < errlen; i++)
            used += snprintf(err + used, errlen - (size_t)used, " %s", e->v[i].core_name);
        return NULL;
    }
    int used = snprintf(err, errlen, "\"%.*s\" is ambiguous; say which:", (int)len, name);
    for (size_t i = 0; i < e->n && used > 0 && (size_t)used < errlen; i++)
        if (strcmp(e->v[i].func->name, found->func->name) == 0)
            used += snprintf(err + used, errlen - (size_t)used, " %s", e->v[i].core_name);
    return NULL;
}


weft_error *cc_call(weft_store *s, weft_instance *inst, const cc_export *x, const cv *args,
                    cv_arena *arena, cv *results) {
    const ct_func *f = x->func;
    for (uint32_t i = 0; i < f->nparams; i++) {
        weft_error *e = abi_check_type(f->params[i].type);
        if (e) return e;
    }
    for (uint32_t i = 0; i < f->nresults; i++) {
        weft_error *e = abi_check_type(f->results[i].type);
        if (e) return e;
    }
    weft_func *core = weft_instance_func(inst, x->core_name);
    if (!core)
        return weft_error_new(WEFT_ERR_LINK, "the module exports no function \"%s\"",
                              x->core_name);
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LIFT, &sig);
    if (!abi_sig_matches(core, &sig))
        return weft_error_new(WEFT_ERR_LINK,
                              "\"%s\" has %zu parameters and %zu results, but its WIT type "
                              "flattens to %zu and %zu",
                              x->core_name, weft_func_param_count(core),
                              weft_func_result_count(core), sig.nparams, sig.nresults);
    abi_cx cx;
    abi_cx_init(&cx, weft_instance_memory(inst), arena);
    abi_guest_realloc_ctx rc = {s, weft_instance_func(inst, "cabi_realloc")};
    if (rc.func && !abi_realloc_typed(rc.func))
        return weft_error_new(WEFT_ERR_LINK, "cabi_realloc is not (i32, i32, i32, i32) -> i32");
    if (rc.func) {
        cx.realloc = abi_guest_realloc;
        cx.realloc_user = &rc;
    }
    weft_val flat[ABI_MAX_FLAT_PARAMS + 1], out[ABI_MAX_FLAT_RESULTS];
    size_t n = 0;
    weft_error *e = abi_lower_params(&cx, f, args, flat, ABI_MAX_FLAT_PARAMS + 1, &n);
    if (e) return e;
    if ((e = weft_func_call(s, core, flat, n, out, sig.nresults))) return e;
    if ((e = abi_lift_results(&cx, f, out, sig.nresults, results))) return e;
    /* cabi_post_<name>: the guest frees what its results held, now that they are lifted. */
    size_t plen = strlen(x->core_name) + 11;
    char *post = malloc(plen);
    if (!post) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    snprintf(post, plen, "cabi_post_%s", x->core_name);
    weft_func *pf = weft_instance_func(inst, post);
    free(post);
    if (pf) {
        if (weft_func_param_count(pf) != sig.nresults || weft_func_result_count(pf) != 0)
            return weft_error_new(WEFT_ERR_LINK, "cabi_post_%s does not take the function's "
                                  "core results", x->core_name);
        if ((e = weft_func_call(s, pf, out, sig.nresults, NULL, 0))) return e;
    }
    return NULL;
}
