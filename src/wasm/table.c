/* table.c: tables of references (funcref or externref), growable up to their maximum and the
 * store's limit. */
#include <stdlib.h>

#include "error.h"
#include "runtime.h"

weft_error *table_create(weft_store *s, valtype type, const limits *lim, void *init,
                         weft_table **out) {
    *out = NULL;
    uint32_t max = lim->has_max ? lim->max : UINT32_MAX;
    if (max > s->limits.max_table_elements) max = s->limits.max_table_elements;
    if (lim->min > max)
        return err_new(WEFT_ERR_LIMIT, -1, "table of %u elements exceeds the limit of %u",
                       lim->min, max);
    weft_table *t = calloc(1, sizeof *t);
    if (!t) return err_nomem();
    t->type = type;
    t->max = max;
    t->declared = *lim;
    t->cap = lim->min;
    t->elems = malloc(((size_t)lim->min ? lim->min : 1) * sizeof *t->elems);
    if (!t->elems || !store_own(s, OBJ_TABLE, t)) {
        free(t->elems);
        free(t);
        return err_nomem();
    }
    for (uint32_t i = 0; i < lim->min; i++) t->elems[i] = init;
    t->size = lim->min;
    *out = t;
    return NULL;
}

int64_t table_grow(weft_table *t, uint32_t delta, void *init) {
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max) return -1;
    uint32_t n = old + delta;
    if (n > t->cap) {
        uint64_t ncap = (uint64_t)t->cap * 2;
        if (ncap < n) ncap = n;
        if (ncap > t->max) ncap = t->max;
        void **e = realloc(t->elems, (size_t)ncap * sizeof *e);
        if (!e) return -1;
        t->elems = e;
        t->cap = (uint32_t)ncap;
    }
    for (uint32_t i = old; i < n; i++) t->elems[i] = init;
    t->size = n;
    return old;
}

static bool ref_fits(valtype type, const weft_val *v) {
    return (weft_valtype)type == v->type;
}

WEFT_API weft_error *weft_table_new(weft_store *s, weft_valtype reftype, uint32_t min, bool has_max,
                                    uint32_t max, weft_val init, weft_table **out) {
    if ((reftype != WEFT_FUNCREF && reftype != WEFT_EXTERNREF) || init.type != reftype ||
        (has_max && min > max)) {
        *out = NULL;
        return err_new(WEFT_ERR_USAGE, -1, "weft_table_new: invalid type, init value or limits");
    }
    limits lim = {.min = min, .max = max, .has_max = has_max};
    void *v = reftype == WEFT_FUNCREF ? (void *)init.of.funcref : init.of.externref;
    return table_create(s, (valtype)reftype, &lim, v, out);
}

WEFT_API weft_valtype weft_table_type(const weft_table *t) { return (weft_valtype)t->type; }
WEFT_API uint32_t weft_table_size(const weft_table *t) { return t->size; }

WEFT_API bool weft_table_get(const weft_table *t, uint32_t i, weft_val *out) {
    if (i >= t->size) return false;
    out->type = (weft_valtype)t->type;
    if (t->type == WEFT_FUNCREF)
        out->of.funcref = t->elems[i];
    else
        out->of.externref = t->elems[i];
    return true;
}

WEFT_API bool weft_table_set(weft_table *t, uint32_t i, weft_val v) {
    if (i >= t->size || !ref_fits(t->type, &v)) return false;
    t->elems[i] = t->type == WEFT_FUNCREF ? (void *)v.of.funcref : v.of.externref;
    return true;
}

WEFT_API int64_t weft_table_grow(weft_table *t, uint32_t delta, weft_val init) {
    if (!ref_fits(t->type, &init)) return -1;
    return table_grow(t, delta, t->type == WEFT_FUNCREF ? (void *)init.of.funcref : init.of.externref);
}
