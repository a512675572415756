/* linker.c: a table of definitions by (module, name) used to resolve a module's imports. Names
 * are kept with their lengths, since export names may contain NUL bytes. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linker.h"
#include "runtime.h"

struct weft_linker {
    weft_store *store;
    struct linker_entry {
        char *module, *name;
        size_t module_len, name_len;
        weft_extern ext;
    } *entries;
    size_t n, cap;
};

WEFT_API weft_linker *weft_linker_new(weft_store *s) {
    weft_linker *l = calloc(1, sizeof *l);
    if (l) l->store = s;
    return l;
}

WEFT_API void weft_linker_free(weft_linker *l) {
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->entries[i].module);
        free(l->entries[i].name);
    }
    free(l->entries);
    free(l);
}

static char *dup_bytes(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (s) {
        if (n) memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

static weft_error *define(weft_linker *l, const char *module, size_t module_len, const char *name,
                          size_t name_len, weft_extern ext) {
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        void *e = realloc(l->entries, ncap * sizeof *l->entries);
        if (!e) return err_nomem();
        l->entries = e;
        l->cap = ncap;
    }
    struct linker_entry *e = &l->entries[l->n];
    e->module = dup_bytes(module, module_len);
    e->name = dup_bytes(name, name_len);
    if (!e->module || !e->name) {
        free(e->module);
        free(e->name);
        return err_nomem();
    }
    e->module_len = module_len;
    e->name_len = name_len;
    e->ext = ext;
    l->n++;
    return NULL;
}

WEFT_API weft_error *weft_linker_define(weft_linker *l, const char *module, const char *name,
                                        weft_extern ext) {
    if (!l || !module || !name) return err_new(WEFT_ERR_USAGE, -1, "weft_linker_define: NULL argument");
    return define(l, module, strlen(module), name, strlen(name), ext);
}

WEFT_API weft_error *weft_linker_define_func(weft_linker *l, const char *module, const char *name,
                                             const weft_valtype *params, size_t nparams,
                                             const weft_valtype *results, size_t nresults,
                                             weft_host_fn fn, void *user_data, void (*dtor)(void *)) {
    weft_func *f = weft_func_new(l->store, params, nparams, results, nresults, fn, user_data, dtor);
    if (!f) return err_new(WEFT_ERR_USAGE, -1, "cannot create host function %s.%s (bad signature or out of memory)",
                           module, name);
    weft_extern ext = {.kind = WEFT_EXTERN_FUNC, .of.func = f};
    return weft_linker_define(l, module, name, ext);
}

WEFT_API weft_error *weft_linker_define_instance(weft_linker *l, const char *module,
                                                 weft_instance *inst) {
    const weft_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export *ex = &m->exports[i];
        weft_extern ext = {.kind = (weft_extern_kind)ex->kind};
        switch (ex->kind) {
        case WEFT_EXTERN_FUNC: ext.of.func = inst->funcs[ex->index]; break;
        case WEFT_EXTERN_TABLE: ext.of.table = inst->tables[ex->index]; break;
        case WEFT_EXTERN_MEMORY: ext.of.memory = inst->mem; break;
        case WEFT_EXTERN_GLOBAL: ext.of.global = inst->globals[ex->index]; break;
        }
        weft_error *err = define(l, module, strlen(module), ex->name.ptr, ex->name.len, ext);
        if (err) return err;
    }
    return NULL;
}

bool linker_lookup(const weft_linker *l, const char *module, size_t module_len, const char *name,
                   size_t name_len, weft_extern *out) {
    if (!l) return false;
    for (size_t i = l->n; i-- > 0;) { /* the latest definition wins */
        const struct linker_entry *e = &l->entries[i];
        if (e->module_len == module_len && e->name_len == name_len &&
            memcmp(e->module, module, module_len) == 0 && memcmp(e->name, name, name_len) == 0) {
            *out = e->ext;
            return true;
        }
    }
    return false;
}
