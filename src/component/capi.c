/* capi.c: the public component API of include/weft_component.h over the internal one (cinst.c,
 * ctypes.c, wit.c, wave.c). Types, values, compiled components, bundles and functions are the
 * internal structs under public names; only the runtime is a wrapper, so that it can own the
 * closures of host functions (their checks of results, their user data's destructor). What is
 * added here is the checking a public API owes its callers: NULLs, counts, and every value an
 * embedder hands in (weft_cval_check) before the canonical ABI sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/abi.h"
#include "component/cinst.h"
#include "component/ctypes.h"
#include "component/wave.h"
#include "component/wit.h"
#include "weft_component.h"

_Static_assert((int)WEFT_CT_BOOL == (int)CT_BOOL && (int)WEFT_CT_STRING == (int)CT_STRING &&
                   (int)WEFT_CT_LIST == (int)CT_LIST && (int)WEFT_CT_FLAGS == (int)CT_FLAGS &&
                   (int)WEFT_CT_ALIAS == (int)CT_ALIAS,
               "weft_ctype_kind mirrors ct_kind");

/* Values nest as deep as their types; types nest at most WIT_MAX_TYPE_DEPTH (and ABI_MAX_DEPTH). */
#define CAPI_MAX_VALUE_DEPTH 256

static weft_error *usage(const char *what) {
    return weft_error_new(WEFT_ERR_USAGE, "%s", what);
}

static weft_error *nomem(void) { return weft_error_new(WEFT_ERR_NOMEM, "out of memory"); }

/* ---- types ------------------------------------------------------------------------------------ */

weft_ctype_kind weft_ctype_kind_of(const weft_ctype *t) {
    t = ct_resolve(t);
    return t ? (weft_ctype_kind)t->kind : WEFT_CT_BOOL;
}

const char *weft_ctype_name(const weft_ctype *t) {
    t = ct_resolve(t);
    return t ? t->name : NULL;
}

const weft_ctype *weft_ctype_elem(const weft_ctype *t) {
    t = ct_resolve(t);
    return t && (t->kind == CT_LIST || t->kind == CT_OPTION || t->kind == CT_OWN ||
                 t->kind == CT_BORROW)
               ? ct_resolve(t->elem)
               : NULL;
}

const weft_ctype *weft_ctype_ok(const weft_ctype *t) {
    t = ct_resolve(t);
    return t && t->kind == CT_RESULT ? ct_resolve(t->ok) : NULL;
}

const weft_ctype *weft_ctype_err(const weft_ctype *t) {
    t = ct_resolve(t);
    return t && t->kind == CT_RESULT ? ct_resolve(t->err) : NULL;
}

static bool has_fields(const ct_type *t) {
    return t && (t->kind == CT_TUPLE || t->kind == CT_RECORD || t->kind == CT_VARIANT ||
                 t->kind == CT_ENUM || t->kind == CT_FLAGS);
}

size_t weft_ctype_field_count(const weft_ctype *t) {
    t = ct_resolve(t);
    return has_fields(t) ? t->nfields : 0;
}

const char *weft_ctype_field_name(const weft_ctype *t, size_t i) {
    t = ct_resolve(t);
    return has_fields(t) && i < t->nfields ? t->fields[i].name : NULL;
}

const weft_ctype *weft_ctype_field_type(const weft_ctype *t, size_t i) {
    t = ct_resolve(t);
    return has_fields(t) && i < t->nfields ? ct_resolve(t->fields[i].type) : NULL;
}

bool weft_ctype_equal(const weft_ctype *a, const weft_ctype *b) {
    return a && b && ct_type_equal(a, b);
}

const char *weft_ctype_describe(const weft_ctype *t, char *buf, size_t len) {
    if (!buf || len == 0) return buf;
    if (!t) {
        snprintf(buf, len, "(no type)");
        return buf;
    }
    return ct_describe(t, buf, len);
}

const char *weft_cfunc_type_name(const weft_cfunc_type *f) { return f ? f->name : NULL; }
size_t weft_cfunc_type_param_count(const weft_cfunc_type *f) { return f ? f->nparams : 0; }
size_t weft_cfunc_type_result_count(const weft_cfunc_type *f) { return f ? f->nresults : 0; }

const char *weft_cfunc_type_param_name(const weft_cfunc_type *f, size_t i) {
    return f && i < f->nparams ? f->params[i].name : NULL;
}

const weft_ctype *weft_cfunc_type_param(const weft_cfunc_type *f, size_t i) {
    return f && i < f->nparams ? ct_resolve(f->params[i].type) : NULL;
}

const char *weft_cfunc_type_result_name(const weft_cfunc_type *f, size_t i) {
    return f && i < f->nresults ? f->results[i].name : NULL;
}

const weft_ctype *weft_cfunc_type_result(const weft_cfunc_type *f, size_t i) {
    return f && i < f->nresults ? ct_resolve(f->results[i].type) : NULL;
}

bool weft_cfunc_type_equal(const weft_cfunc_type *a, const weft_cfunc_type *b) {
    return a && b && ct_func_equal(a, b);
}

/* ---- WIT -------------------------------------------------------------------------------------- */

static weft_error *wit_result(wit_doc *doc, char *err, weft_wit **out) {
    if (doc) {
        *out = doc;
        return NULL;
    }
    if (!err) return nomem();
    weft_error *e = weft_error_new(WEFT_ERR_INVALID, "%s", err);
    free(err);
    return e;
}

weft_error *weft_wit_parse(const char *text, size_t len, const char *path, weft_wit **out) {
    if (!out) return usage("weft_wit_parse: out is NULL");
    *out = NULL;
    if (!text && len) return usage("weft_wit_parse: text is NULL");
    char *err = NULL;
    wit_doc *doc = wit_parse(text ? text : "", len, path, &err);
    return wit_result(doc, err, out);
}

weft_error *weft_wit_parse_dir(const char *dir, weft_wit **out) {
    if (!out) return usage("weft_wit_parse_dir: out is NULL");
    *out = NULL;
    if (!dir) return usage("weft_wit_parse_dir: dir is NULL");
    char *err = NULL;
    wit_doc *doc = wit_parse_dir(dir, &err);
    return wit_result(doc, err, out);
}

void weft_wit_free(weft_wit *w) { wit_free(w); }

/* Splits "A#B" at its last '#' into a NUL-terminated copy of A in buf; *b points to B. */
static bool split_hash(const char *name, char *buf, size_t n, const char **b) {
    const char *h = name ? strrchr(name, '#') : NULL;
    if (!h || h == name || !h[1] || (size_t)(h - name) >= n) return false;
    memcpy(buf, name, (size_t)(h - name));
    buf[h - name] = 0;
    *b = h + 1;
    return true;
}

weft_error *weft_wit_find_func(const weft_wit *w, const char *name, const weft_cfunc_type **out) {
    if (!out) return usage("weft_wit_find_func: out is NULL");
    *out = NULL;
    char owner[512];
    const char *fn;
    if (!w || !split_hash(name, owner, sizeof owner, &fn))
        return weft_error_new(WEFT_ERR_USAGE, "weft_wit_find_func: \"%s\" is not IFACE#FUNC",
                              name ? name : "(null)");
    const wit_interface *i = wit_find_interface(w, owner);
    if (i) {
        for (uint32_t k = 0; k < i->nfuncs; k++)
            if (strcmp(i->funcs[k].name, fn) == 0) {
                *out = &i->funcs[k];
                return NULL;
            }
        return weft_error_new(WEFT_ERR_USAGE, "interface %s has no function \"%s\"",
                              i->qualified ? i->qualified : i->name, fn);
    }
    const wit_world *wd = wit_find_world(w, owner);
    if (!wd)
        return weft_error_new(WEFT_ERR_USAGE, "no interface or world \"%s\" in the WIT", owner);
    for (uint32_t k = 0; k < wd->nimports + wd->nexports; k++) {
        const wit_world_item *it =
            k < wd->nimports ? &wd->imports[k] : &wd->exports[k - wd->nimports];
        if (it->kind == WIT_ITEM_FUNC && strcmp(it->name, fn) == 0) {
            *out = it->func;
            return NULL;
        }
    }
    return weft_error_new(WEFT_ERR_USAGE, "world %s imports or exports no function \"%s\"",
                          wd->name, fn);
}

weft_error *weft_wit_find_type(const weft_wit *w, const char *name, const weft_ctype **out) {
    if (!out) return usage("weft_wit_find_type: out is NULL");
    *out = NULL;
    char owner[512];
    const char *tn;
    if (!w || !split_hash(name, owner, sizeof owner, &tn))
        return weft_error_new(WEFT_ERR_USAGE, "weft_wit_find_type: \"%s\" is not IFACE#TYPE",
                              name ? name : "(null)");
    const wit_interface *i = wit_find_interface(w, owner);
    if (!i) return weft_error_new(WEFT_ERR_USAGE, "no interface \"%s\" in the WIT", owner);
    for (uint32_t k = 0; k < i->ntypes; k++)
        if (i->types[k]->name && strcmp(i->types[k]->name, tn) == 0) {
            *out = ct_resolve(i->types[k]);
            return NULL;
        }
    return weft_error_new(WEFT_ERR_USAGE, "interface %s has no type \"%s\"",
                          i->qualified ? i->qualified : i->name, tn);
}

/* ---- values ----------------------------------------------------------------------------------- */

weft_cval_arena *weft_cval_arena_new(void) { return cv_arena_new(); }
void weft_cval_arena_free(weft_cval_arena *a) { cv_arena_free(a); }

void weft_cval_arena_reset(weft_cval_arena *a) {
    if (a) cv_arena_reset(a);
}

void *weft_cval_arena_alloc(weft_cval_arena *a, size_t n) {
    return a ? cv_alloc(a, n ? n : 1) : NULL;
}

/* The resolved type t if it is one of the kinds k1/k2/k3/k4 (-1: unused), else NULL. */
static const ct_type *kind_in(const ct_type *t, int k1, int k2, int k3, int k4) {
    t = ct_resolve(t);
    if (!t) return NULL;
    int k = (int)t->kind;
    return k == k1 || k == k2 || k == k3 || k == k4 ? t : NULL;
}

static weft_error *wrong_kind(const char *fn, const ct_type *t) {
    char b[128];
    return weft_error_new(WEFT_ERR_USAGE, "%s: not for a value of type %s", fn,
                          t ? ct_describe(t, b, sizeof b) : "(none)");
}

weft_error *weft_cval_string(weft_cval_arena *a, const weft_ctype *t, const char *s, size_t len,
                             weft_cval *v) {
    const ct_type *r = kind_in(t, CT_STRING, -1, -1, -1);
    if (!r) return wrong_kind("weft_cval_string", t);
    if (!a || !v || (!s && len)) return usage("weft_cval_string: NULL argument");
    char *p = cv_alloc(a, len + 1);
    if (!p) return nomem();
    if (len) memcpy(p, s, len);
    *v = (cv){.type = r};
    v->of.str.ptr = p;
    v->of.str.len = len;
    return NULL;
}

/* n values in a, each typed as types(t, i) says. */
static cv *typed_items(cv_arena *a, const ct_type *t, size_t n) {
    if (n > SIZE_MAX / sizeof(cv) - 1) return NULL;
    cv *items = cv_alloc(a, (n ? n : 1) * sizeof *items);
    if (!items) return NULL;
    for (size_t i = 0; i < n; i++)
        items[i].type = ct_resolve(t->kind == CT_LIST ? t->elem : t->fields[i].type);
    return items;
}

weft_error *weft_cval_list(weft_cval_arena *a, const weft_ctype *t, size_t n, weft_cval *v) {
    const ct_type *r = kind_in(t, CT_LIST, -1, -1, -1);
    if (!r) return wrong_kind("weft_cval_list", t);
    if (!a || !v) return usage("weft_cval_list: NULL argument");
    cv *items = typed_items(a, r, n);
    if (!items) return nomem();
    *v = (cv){.type = r};
    v->of.seq.items = items;
    v->of.seq.n = n;
    return NULL;
}

weft_error *weft_cval_fields(weft_cval_arena *a, const weft_ctype *t, weft_cval *v) {
    const ct_type *r = kind_in(t, CT_RECORD, CT_TUPLE, -1, -1);
    if (!r) return wrong_kind("weft_cval_fields", t);
    if (!a || !v) return usage("weft_cval_fields: NULL argument");
    cv *items = typed_items(a, r, r->nfields);
    if (!items) return nomem();
    *v = (cv){.type = r};
    v->of.seq.items = items;
    v->of.seq.n = r->nfields;
    return NULL;
}

weft_error *weft_cval_case(weft_cval_arena *a, const weft_ctype *t, uint32_t disc, weft_cval *v) {
    const ct_type *r = kind_in(t, CT_VARIANT, CT_OPTION, CT_RESULT, CT_ENUM);
    if (!r) return wrong_kind("weft_cval_case", t);
    if (!a || !v) return usage("weft_cval_case: NULL argument");
    if (disc >= abi_case_count(r))
        return weft_error_new(WEFT_ERR_USAGE, "weft_cval_case: case %u of %u", disc,
                              abi_case_count(r));
    const ct_type *pt = abi_case_type(r, disc);
    cv *payload = NULL;
    if (pt) {
        if (!(payload = cv_alloc(a, sizeof *payload))) return nomem();
        payload->type = ct_resolve(pt);
    }
    *v = (cv){.type = r};
    v->of.var.disc = disc;
    v->of.var.payload = payload;
    return NULL;
}

weft_error *weft_cval_flags(weft_cval_arena *a, const weft_ctype *t, weft_cval *v) {
    const ct_type *r = kind_in(t, CT_FLAGS, -1, -1, -1);
    if (!r) return wrong_kind("weft_cval_flags", t);
    if (!a || !v) return usage("weft_cval_flags: NULL argument");
    uint32_t *w = cv_alloc(a, ((r->nfields + 31) / 32 + 1) * sizeof *w);
    if (!w) return nomem();
    *v = (cv){.type = r};
    v->of.flags.words = w;
    return NULL;
}

/* A value check's state: the path to the part being checked ("[2].name"), for the message. */
typedef struct vcheck {
    char path[256];
    size_t len;
    char msg[384];
} vcheck;

static bool vfail(vcheck *c, const char *fmt, const char *a, const char *b) {
    int n = c->len ? snprintf(c->msg, sizeof c->msg, "%.200s: ", c->path) : 0;
    snprintf(c->msg + n, sizeof c->msg - (size_t)n, fmt, a, b);
    return false;
}

static bool check_at(vcheck *c, const ct_type *t, const cv *v, int depth);

/* Checks v as part `fmt` (with %s/%u arguments already formatted into part) of the current
 * value, growing and restoring the path. */
static bool check_part(vcheck *c, const char *part, const ct_type *t, const cv *v, int depth) {
    size_t old = c->len;
    if (c->len < sizeof c->path) {
        int n = snprintf(c->path + c->len, sizeof c->path - c->len, "%s", part);
        c->len = n < 0 ? c->len : c->len + (size_t)n;
        if (c->len >= sizeof c->path) c->len = sizeof c->path - 1;
    }
    bool ok = check_at(c, t, v, depth + 1);
    c->len = old;
    c->path[old] = 0;
    return ok;
}

static bool check_at(vcheck *c, const ct_type *t, const cv *v, int depth) {
    char b1[128], b2[128], part[160];
    t = ct_resolve(t);
    if (!t) return vfail(c, "no type%s%s", "", "");
    if (depth > CAPI_MAX_VALUE_DEPTH) return vfail(c, "nested too deeply%s%s", "", "");
    if (!v->type) return vfail(c, "a value with no type where %s%s is expected",
                               ct_describe(t, b1, sizeof b1), "");
    if (v->type != t && !ct_type_equal(v->type, t))
        return vfail(c, "a value of type %s where %s is expected",
                     ct_describe(v->type, b1, sizeof b1), ct_describe(t, b2, sizeof b2));
    switch (t->kind) {
    case CT_BOOL: case CT_F32: case CT_F64: return true;
    case CT_S8: case CT_S16: case CT_S32: case CT_S64: {
        int bits = t->kind == CT_S8 ? 8 : t->kind == CT_S16 ? 16 : t->kind == CT_S32 ? 32 : 64;
        int64_t lo = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
        int64_t hi = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
        if (v->of.s < lo || v->of.s > hi) {
            snprintf(b1, sizeof b1, "%lld", (long long)v->of.s);
            return vfail(c, "%s is out of range for %s", b1, ct_describe(t, b2, sizeof b2));
        }
        return true;
    }
    case CT_U8: case CT_U16: case CT_U32: case CT_U64: {
        int bits = t->kind == CT_U8 ? 8 : t->kind == CT_U16 ? 16 : t->kind == CT_U32 ? 32 : 64;
        if (bits < 64 && v->of.u >> bits) {
            snprintf(b1, sizeof b1, "%llu", (unsigned long long)v->of.u);
            return vfail(c, "%s is out of range for %s", b1, ct_describe(t, b2, sizeof b2));
        }
        return true;
    }
    case CT_CHAR:
        if (v->of.ch > 0x10FFFF || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF)) {
            snprintf(b1, sizeof b1, "0x%x", (unsigned)v->of.ch);
            return vfail(c, "char %s is not a Unicode scalar value%s", b1, "");
        }
        return true;
    case CT_STRING:
        if (v->of.str.len && !v->of.str.ptr) return vfail(c, "a string with a NULL pointer%s%s", "", "");
        if (abi_utf8_invalid_at((const uint8_t *)v->of.str.ptr, v->of.str.len) != v->of.str.len)
            return vfail(c, "a string that is not valid UTF-8%s%s", "", "");
        return true;
    case CT_LIST:
        if (v->of.seq.n && !v->of.seq.items) return vfail(c, "a list with a NULL pointer%s%s", "", "");
        for (size_t i = 0; i < v->of.seq.n; i++) {
            snprintf(part, sizeof part, "[%zu]", i);
            if (!check_part(c, part, t->elem, &v->of.seq.items[i], depth)) return false;
        }
        return true;
    case CT_TUPLE: case CT_RECORD:
        if (v->of.seq.n != t->nfields) {
            snprintf(b1, sizeof b1, "%zu", v->of.seq.n);
            snprintf(b2, sizeof b2, "%u", t->nfields);
            return vfail(c, "%s fields where the type has %s", b1, b2);
        }
        if (t->nfields && !v->of.seq.items) return vfail(c, "fields with a NULL pointer%s%s", "", "");
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (t->kind == CT_RECORD) snprintf(part, sizeof part, ".%.120s", t->fields[i].name);
            else snprintf(part, sizeof part, ".%u", i);
            if (!check_part(c, part, t->fields[i].type, &v->of.seq.items[i], depth)) return false;
        }
        return true;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(t);
        if (v->of.var.disc >= n) {
            snprintf(b1, sizeof b1, "%u", v->of.var.disc);
            snprintf(b2, sizeof b2, "%u", n);
            return vfail(c, "case %s where the type has %s cases", b1, b2);
        }
        const ct_type *pt = abi_case_type(t, v->of.var.disc);
        if (!pt) return true;
        if (!v->of.var.payload) return vfail(c, "a case without its payload%s%s", "", "");
        snprintf(part, sizeof part, "(case %u)", v->of.var.disc);
        return check_part(c, part, pt, v->of.var.payload, depth);
    }
    case CT_FLAGS:
        if (t->nfields && !v->of.flags.words) return vfail(c, "flags with a NULL pointer%s%s", "", "");
        for (uint32_t w = 0; w < (t->nfields + 31) / 32; w++) {
            uint32_t bits = t->nfields - w * 32;
            if (bits < 32 && v->of.flags.words[w] >> bits)
                return vfail(c, "flags set past the type's last flag%s%s", "", "");
        }
        return true;
    default:
        return vfail(c, "%s: resource handles are not supported by the public API yet%s",
                     ct_describe(t, b1, sizeof b1), "");
    }
}

static weft_error *check_value(const char *what, const ct_type *t, const cv *v) {
    vcheck c;
    c.len = 0;
    c.path[0] = 0;
    if (check_at(&c, t, v, 0)) return NULL;
    return weft_error_new(WEFT_ERR_USAGE, "%s%s%s", what ? what : "", what ? ": " : "", c.msg);
}

weft_error *weft_cval_check(const weft_ctype *t, const weft_cval *v) {
    if (!t || !v) return usage("weft_cval_check: NULL argument");
    return check_value(NULL, t, v);
}

bool weft_cval_equal(const weft_cval *a, const weft_cval *b) {
    return a && b && a->type && b->type && cv_equal(a, b);
}

weft_error *weft_cval_parse(const char *text, size_t len, const weft_ctype *t, weft_cval_arena *a,
                            weft_cval *v) {
    if ((!text && len) || !t || !a || !v) return usage("weft_cval_parse: NULL argument");
    char err[512];
    if (wave_parse(text ? text : "", len, t, a, v, err, sizeof err)) return NULL;
    return weft_error_new(WEFT_ERR_USAGE, "%s", err);
}

weft_error *weft_cval_parse_args(const char *text, size_t len, const weft_cfunc_type *f,
                                 weft_cval_arena *a, weft_cval *args) {
    if ((!text && len) || !f || !a || (!args && f->nparams))
        return usage("weft_cval_parse_args: NULL argument");
    char err[512];
    if (wave_parse_call(text ? text : "", len, f, a, args, err, sizeof err)) return NULL;
    return weft_error_new(WEFT_ERR_USAGE, "%s", err);
}

weft_error *weft_cval_print(const weft_cval *v, char **out) {
    if (!out) return usage("weft_cval_print: out is NULL");
    *out = NULL;
    if (!v || !v->type) return usage("weft_cval_print: a value with no type");
    weft_error *e = check_value("weft_cval_print", v->type, v);
    if (e) return e;
    return wave_print(v, out) ? NULL : nomem();
}

/* ---- compiled components ---------------------------------------------------------------------- */

weft_error *weft_component_new(weft_engine *e, const uint8_t *bytes, size_t len,
                               weft_component **out) {
    if (!out) return usage("weft_component_new: out is NULL");
    *out = NULL;
    if (!e || (!bytes && len)) return usage("weft_component_new: NULL engine or bytes");
    return ccomp_new(e, bytes ? bytes : (const uint8_t *)"", len, out);
}

void weft_component_free(weft_component *c) { ccomp_free(c); }

/* ---- runtimes --------------------------------------------------------------------------------- */

/* A host function's closure: the embedder's function and what checking its results needs. */
typedef struct hclosure {
    struct hclosure *next;
    weft_cfunc_host_fn fn;
    void *user;
    void (*free_user)(void *);
    const ct_func *type;
    char *name;
} hclosure;

struct weft_component_runtime {
    crt *rt;
    hclosure *closures;
};

weft_error *weft_component_runtime_new(weft_store *s, weft_component_runtime **out) {
    if (!out) return usage("weft_component_runtime_new: out is NULL");
    *out = NULL;
    if (!s) return usage("weft_component_runtime_new: store is NULL");
    weft_component_runtime *r = calloc(1, sizeof *r);
    if (!r || !(r->rt = crt_new(s))) {
        free(r);
        return nomem();
    }
    *out = r;
    return NULL;
}

void weft_component_runtime_free(weft_component_runtime *r) {
    if (!r) return;
    crt_free(r->rt);
    for (hclosure *h = r->closures, *next; h; h = next) {
        next = h->next;
        if (h->free_user) h->free_user(h->user);
        free(h->name);
        free(h);
    }
    free(r);
}

void weft_component_runtime_reset(weft_component_runtime *r) {
    if (r) crt_reset(r->rt);
}

size_t weft_component_runtime_core_count(const weft_component_runtime *r) {
    return r ? crt_core_instance_count(r->rt) : 0;
}

weft_instance *weft_component_runtime_core(const weft_component_runtime *r, size_t i) {
    return r ? crt_core_instance(r->rt, i) : NULL;
}

/* ---- bundles ---------------------------------------------------------------------------------- */

weft_error *weft_cinstance_new(weft_component_runtime *r, weft_cinstance **out) {
    if (!out) return usage("weft_cinstance_new: out is NULL");
    *out = NULL;
    if (!r) return usage("weft_cinstance_new: runtime is NULL");
    return (*out = crt_instance_new(r->rt)) ? NULL : nomem();
}

weft_error *weft_cinstance_add_func(weft_component_runtime *r, weft_cinstance *i,
                                    const char *name, weft_cfunc *f) {
    if (!r || !i || !name || !f) return usage("weft_cinstance_add_func: NULL argument");
    return cinst_add_func(r->rt, i, name, f);
}

weft_error *weft_cinstance_add_instance(weft_component_runtime *r, weft_cinstance *i,
                                        const char *name, weft_cinstance *sub) {
    if (!r || !i || !name || !sub) return usage("weft_cinstance_add_instance: NULL argument");
    if (sub == i) return usage("weft_cinstance_add_instance: a bundle cannot hold itself");
    return cinst_add_instance(r->rt, i, name, sub);
}

size_t weft_cinstance_count(const weft_cinstance *i) { return i ? cinst_count(i) : 0; }

const char *weft_cinstance_name(const weft_cinstance *i, size_t k) {
    return i && k < cinst_count(i) ? cinst_name(i, k) : NULL;
}

weft_cfunc *weft_cinstance_func(const weft_cinstance *i, const char *name) {
    return i && name ? cinst_func(i, name) : NULL;
}

weft_cinstance *weft_cinstance_instance(const weft_cinstance *i, const char *name) {
    return i && name ? cinst_instance(i, name) : NULL;
}

weft_error *weft_cinstance_find_func(const weft_cinstance *exports, const char *name,
                                     weft_cfunc **out) {
    if (!out) return usage("weft_cinstance_find_func: out is NULL");
    *out = NULL;
    if (!exports || !name) return usage("weft_cinstance_find_func: NULL argument");
    char err[512];
    if ((*out = cinst_find_func(exports, name, strlen(name), err, sizeof err))) return NULL;
    return weft_error_new(WEFT_ERR_USAGE, "%s", err);
}

weft_error *weft_component_instantiate(weft_component_runtime *r, const weft_component *c,
                                       const weft_cinstance *imports, weft_cinstance **out) {
    if (!out) return usage("weft_component_instantiate: out is NULL");
    *out = NULL;
    if (!r || !c) return usage("weft_component_instantiate: NULL runtime or component");
    return crt_instantiate(r->rt, c, imports, out);
}

/* ---- functions -------------------------------------------------------------------------------- */

/* Whether t holds an own or borrow handle somewhere (the public API passes none yet). */
static bool has_handle(const ct_type *t, int depth) {
    t = ct_resolve(t);
    if (!t || depth > CAPI_MAX_VALUE_DEPTH) return false;
    switch (t->kind) {
    case CT_OWN: case CT_BORROW: case CT_RESOURCE: return true;
    case CT_LIST: case CT_OPTION: return has_handle(t->elem, depth + 1);
    case CT_RESULT: return has_handle(t->ok, depth + 1) || has_handle(t->err, depth + 1);
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT:
        for (uint32_t i = 0; i < t->nfields; i++)
            if (has_handle(t->fields[i].type, depth + 1)) return true;
        return false;
    default: return false;
    }
}

/* The internal host function of every public one: presets the results' types, calls the
 * embedder, and checks what it wrote before the guest gets it. */
static weft_error *host_call(void *user, const cv *args, cv_arena *arena, cv *results) {
    hclosure *h = user;
    for (uint32_t i = 0; i < h->type->nresults; i++)
        results[i] = (cv){.type = ct_resolve(h->type->results[i].type)};
    weft_error *e = h->fn(h->user, args, arena, results);
    if (e) return e;
    for (uint32_t i = 0; i < h->type->nresults; i++) {
        vcheck c;
        c.len = 0;
        c.path[0] = 0;
        if (!check_at(&c, h->type->results[i].type, &results[i], 0))
            return weft_trap_new("host function %s: result %u: %s", h->name, i, c.msg);
    }
    return NULL;
}

weft_error *weft_cfunc_new_host(weft_component_runtime *r, const char *name,
                                const weft_cfunc_type *type, weft_cfunc_host_fn fn,
                                void *user_data, void (*free_user)(void *), weft_cfunc **out) {
    weft_error *e = NULL;
    hclosure *h = NULL;
    if (out) *out = NULL;
    if (!out || !r || !name || !type || !fn) {
        e = usage("weft_cfunc_new_host: NULL argument");
        goto fail;
    }
    for (uint32_t i = 0; i < type->nparams + type->nresults; i++) {
        const ct_field *x = i < type->nparams ? &type->params[i] : &type->results[i - type->nparams];
        weft_error *te = abi_check_type(x->type);
        if (te) {
            e = weft_error_new(WEFT_ERR_USAGE, "host function %s: %s", name,
                               weft_error_message(te));
            weft_error_free(te);
            goto fail;
        }
        if (has_handle(x->type, 0)) {
            e = weft_error_new(WEFT_ERR_USAGE,
                               "host function %s: resource handles are not supported by the "
                               "public API yet", name);
            goto fail;
        }
    }
    if (!(h = calloc(1, sizeof *h)) || !(h->name = strdup(name))) goto nomem;
    *h = (hclosure){NULL, fn, user_data, free_user, type, h->name};
    cfunc *f = crt_host_func(r->rt, name, type, host_call, h);
    if (!f) goto nomem;
    h->next = r->closures;
    r->closures = h;
    *out = f;
    return NULL;
nomem:
    e = nomem();
    if (h) free(h->name);
    free(h);
fail:
    if (free_user) free_user(user_data);
    return e;
}

const weft_cfunc_type *weft_cfunc_get_type(const weft_cfunc *f) { return f ? cfunc_type(f) : NULL; }
const char *weft_cfunc_name(const weft_cfunc *f) { return f ? cfunc_name(f) : NULL; }

weft_error *weft_cfunc_call(weft_component_runtime *r, weft_cfunc *f, const weft_cval *args,
                            size_t nargs, weft_cval_arena *arena, weft_cval *results,
                            size_t nresults) {
    if (!r || !f || !arena) return usage("weft_cfunc_call: NULL runtime, function or arena");
    const ct_func *t = cfunc_type(f);
    if (nargs != t->nparams || nresults != t->nresults)
        return weft_error_new(WEFT_ERR_USAGE,
                              "%s takes %u argument%s and gives %u result%s, not %zu and %zu",
                              cfunc_name(f), t->nparams, t->nparams == 1 ? "" : "s", t->nresults,
                              t->nresults == 1 ? "" : "s", nargs, nresults);
    if ((nargs && !args) || (nresults && !results))
        return usage("weft_cfunc_call: NULL arguments or results");
    for (uint32_t i = 0; i < t->nparams; i++) {
        char what[256];
        snprintf(what, sizeof what, "%s: argument %u (%s)", cfunc_name(f), i + 1,
                 t->params[i].name);
        weft_error *e = check_value(what, t->params[i].type, &args[i]);
        if (e) return e;
    }
    for (uint32_t i = 0; i < t->nresults; i++)
        results[i] = (cv){.type = ct_resolve(t->results[i].type)};
    return cfunc_call(r->rt, f, args, arena, results);
}
