/* cset.c: component sets (see cset.h): instantiating a component and what it imports from, in
 * dependency order, into one store; snapshots of their state; resets. */
#include <stdlib.h>
#include <string.h>

#include "host/app.h"
#include "host/cset.h"

typedef struct builder {
    app *a;
    cset *s;
    cinst **done;  /* per component of the app: its exports in this set, once instantiated */
    bool *active;  /* on the current path: an import cycle if met again */
    size_t *path;
    size_t depth;
} builder;

static char *link_one(builder *b, size_t ci);

static char *cycle_message(builder *b, size_t ci) {
    size_t at = 0;
    while (at < b->depth && b->path[at] != ci) at++;
    size_t len = 64;
    for (size_t i = at; i < b->depth; i++) len += strlen(b->a->comps[b->path[i]].mf->id) + 4;
    len += strlen(b->a->comps[ci].mf->id);
    char *m = malloc(len);
    if (!m) return NULL;
    strcpy(m, "import cycle: ");
    for (size_t i = at; i < b->depth; i++) {
        strcat(m, b->a->comps[b->path[i]].mf->id);
        strcat(m, " -> ");
    }
    strcat(m, b->a->comps[ci].mf->id);
    return m;
}

static char *link_one(builder *b, size_t ci) {
    app_component *c = &b->a->comps[ci];
    const mf_component *mc = c->mf;
    if (b->done[ci]) return NULL;
    if (b->active[ci]) return cycle_message(b, ci);
    if (c->kind != MF_KIND_COMPONENT || !c->cc)
        return app_strf("component '%s' is not a component binary (kind %s), so it cannot be "
                        "linked by interface", mc->id, c->kind == MF_KIND_WAGI ? "wagi" : "plugin");
    b->active[ci] = true;
    b->path[b->depth++] = ci;
    cinst *imports = crt_instance_new(b->s->rt);
    if (!imports) return app_strf("out of memory");
    for (size_t i = 0; i < mc->nimports; i++) {
        const mf_import *im = &mc->imports[i];
        char *err = link_one(b, im->component);
        if (err) return err;
        const char *from = b->a->comps[im->component].mf->id;
        cinst *x = b->done[im->component];
        cinst *iface = cinst_instance(x, im->name);
        cfunc *fn = cinst_func(x, im->name);
        weft_error *e = iface ? cinst_add_instance(b->s->rt, imports, im->name, iface)
                        : fn  ? cinst_add_func(b->s->rt, imports, im->name, fn)
                              : NULL;
        if (!iface && !fn) {
            size_t len = 0;
            for (size_t k = 0; k < cinst_count(x); k++) len += strlen(cinst_name(x, k)) + 2;
            char *list = calloc(1, len + 1);
            for (size_t k = 0; list && k < cinst_count(x); k++) {
                if (k) strcat(list, ", ");
                strcat(list, cinst_name(x, k));
            }
            char *m = app_strf("%s:%d:%d: component '%s' imports '%s' from '%s', which does not "
                               "export it (it exports: %s)", b->a->mf->path, im->line, im->col,
                               mc->id, im->name, from, list && *list ? list : "nothing");
            free(list);
            return m;
        }
        if (e) {
            weft_error_free(e);
            return app_strf("out of memory");
        }
    }
    weft_error *e = crt_instantiate(b->s->rt, c->cc, imports, &b->done[ci]);
    if (e) {
        char *m = app_strf("component '%s': %s", mc->id, weft_error_message(e));
        weft_error_free(e);
        return m;
    }
    b->depth--;
    b->active[ci] = false;
    return NULL;
}

cset *cset_new(app *a, size_t root, char **err) {
    *err = NULL;
    const mf_component *mc = a->comps[root].mf;
    cset *s = calloc(1, sizeof *s);
    builder b = {.a = a, .s = s};
    b.done = calloc(a->ncomps, sizeof *b.done);
    b.active = calloc(a->ncomps, sizeof *b.active);
    b.path = calloc(a->ncomps + 1, sizeof *b.path);
    weft_limits lim = {0};
    if (mc->max_memory) /* at most 65536 pages (4 GiB), the most a 32-bit memory has */
        lim.max_memory_pages = mc->max_memory >= ((uint64_t)65536 << 16)
                                   ? 65536
                                   : (uint32_t)((mc->max_memory + 65535) / 65536);
    if (!s || !b.done || !b.active || !b.path || !(s->store = weft_store_new(a->ceng, &lim)) ||
        !(s->rt = crt_new(s->store))) {
        *err = app_strf("out of memory");
        goto fail;
    }
    s->fuel = mc->fuel;
    if ((*err = link_one(&b, root))) goto fail;
    s->exports = b.done[root];
    /* Snapshot every core instance with a memory (the components' own modules); the others
     * (wit-component's shims and fixups) hold no state a guest can change. */
    size_t n = crt_core_instance_count(s->rt);
    s->insts = calloc(n + 1, sizeof *s->insts);
    s->snaps = calloc(n + 1, sizeof *s->snaps);
    if (!s->insts || !s->snaps) {
        *err = app_strf("out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        weft_instance *inst = crt_core_instance(s->rt, i);
        if (!weft_instance_memory(inst)) continue;
        weft_error *e = weft_snapshot_new(inst, &s->snaps[s->nsnaps]);
        if (e) {
            *err = app_strf("component '%s': cannot snapshot core instance %zu: %s", mc->id, i,
                            weft_error_message(e));
            weft_error_free(e);
            goto fail;
        }
        s->insts[s->nsnaps++] = inst;
    }
    free(b.done);
    free(b.active);
    free(b.path);
    return s;
fail:
    free(b.done);
    free(b.active);
    free(b.path);
    cset_free(s);
    if (!*err) *err = app_strf("out of memory");
    return NULL;
}

weft_error *cset_reset(cset *s) {
    for (size_t i = 0; i < s->nsnaps; i++) {
        weft_error *e = weft_instance_reset(s->insts[i], s->snaps[i]);
        if (e) return e;
    }
    crt_reset(s->rt);
    weft_store_clear_interrupt(s->store);
    if (s->fuel) weft_store_set_fuel(s->store, s->fuel);
    atomic_store(&s->timed_out, false);
    return NULL;
}

void cset_free(cset *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nsnaps; i++) weft_snapshot_free(s->snaps[i]);
    free(s->snaps);
    free(s->insts);
    crt_free(s->rt);
    weft_store_free(s->store);
    free(s);
}
