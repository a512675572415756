/* global.c: global variables, holding their value in the same form as a frame slot. */
#include <stdlib.h>

#include "error.h"
#include "runtime.h"

weft_global *global_create(weft_store *s, valtype type, bool mut, uint64_t bits) {
    weft_global *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->type = type;
    g->mut = mut;
    g->bits = bits;
    if (!store_own(s, OBJ_GLOBAL, g)) {
        free(g);
        return NULL;
    }
    return g;
}

WEFT_API weft_global *weft_global_new(weft_store *s, weft_valtype type, bool mutable_,
                                      weft_val init) {
    if (init.type != type || type == WEFT_V128) return NULL;
    return global_create(s, (valtype)type, mutable_, val_to_bits(&init));
}

WEFT_API weft_valtype weft_global_type(const weft_global *g) { return (weft_valtype)g->type; }
WEFT_API bool weft_global_mutable(const weft_global *g) { return g->mut; }
WEFT_API weft_val weft_global_get(const weft_global *g) { return bits_to_val(g->type, g->bits); }

WEFT_API weft_error *weft_global_set(weft_global *g, weft_val v) {
    if (!g->mut) return err_new(WEFT_ERR_USAGE, -1, "weft_global_set: the global is immutable");
    if (v.type != (weft_valtype)g->type)
        return err_new(WEFT_ERR_USAGE, -1, "weft_global_set: value of type %s for a global of type %s",
                       weft_valtype_name(v.type), weft_valtype_name((weft_valtype)g->type));
    g->bits = val_to_bits(&v);
    return NULL;
}
