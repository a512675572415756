/* func.c: function objects: host functions, calls from the host into wasm (weft_func_call),
 * calls from wasm out to host functions, and the conversions between weft_val and frame slots. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "runtime.h"

/* Nested calls from host functions back into wasm; each one recurses on the C stack. */
#define MAX_REENTRY 256

WEFT_API const char *weft_valtype_name(weft_valtype t) {
    switch (t) {
    case WEFT_I32: return "i32";
    case WEFT_I64: return "i64";
    case WEFT_F32: return "f32";
    case WEFT_F64: return "f64";
    case WEFT_V128: return "v128";
    case WEFT_FUNCREF: return "funcref";
    case WEFT_EXTERNREF: return "externref";
    }
    return "?";
}

uint64_t val_to_bits(const weft_val *v) {
    switch (v->type) {
    case WEFT_I32:
    case WEFT_F32: return (uint32_t)v->of.i32;
    case WEFT_I64:
    case WEFT_F64: return (uint64_t)v->of.i64;
    case WEFT_FUNCREF: return (uint64_t)(uintptr_t)v->of.funcref;
    case WEFT_EXTERNREF: return (uint64_t)(uintptr_t)v->of.externref;
    case WEFT_V128: break;
    }
    return 0;
}

weft_val bits_to_val(valtype t, uint64_t bits) {
    weft_val v;
    memset(&v, 0, sizeof v);
    v.type = (weft_valtype)t;
    switch (t) {
    case VT_I32:
    case VT_F32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case VT_I64:
    case VT_F64: v.of.i64 = (int64_t)bits; break;
    case VT_FUNCREF: v.of.funcref = (weft_func *)(uintptr_t)bits; break;
    case VT_EXTERNREF: v.of.externref = (void *)(uintptr_t)bits; break;
    }
    return v;
}

/* A host function calling fn or raw (one of them is NULL). */
static weft_func *host_new(weft_store *s, const weft_valtype *params, size_t nparams,
                           const weft_valtype *results, size_t nresults, weft_host_fn fn,
                           weft_host_fn_raw raw, void *user_data, void (*dtor)(void *)) {
    weft_func *f = NULL;
    if ((!fn && !raw) || nparams > WEFT_MAX_PARAMS || nresults > WEFT_MAX_RESULTS) goto fail;
    f = calloc(1, sizeof *f);
    if (!f) goto fail;
    f->host_type.types = malloc(nparams + nresults + 1);
    f->host_type.api = malloc((nparams + nresults + 1) * sizeof(weft_valtype));
    if (!f->host_type.types || !f->host_type.api) goto fail;
    for (size_t i = 0; i < nparams; i++) f->host_type.types[i] = (valtype)params[i];
    for (size_t i = 0; i < nresults; i++) f->host_type.types[nparams + i] = (valtype)results[i];
    for (size_t i = 0; i < nparams + nresults; i++) {
        valtype t = f->host_type.types[i];
        if (t != VT_I32 && t != VT_I64 && t != VT_F32 && t != VT_F64 && !vt_is_ref(t)) goto fail;
        f->host_type.api[i] = (weft_valtype)t;
        if (i < nparams && vt_is_ref(t)) f->host_type.ref_params = true;
    }
    f->host_type.nparams = (uint32_t)nparams;
    f->host_type.nresults = (uint32_t)nresults;
    f->host_type.hash = functype_hash(f->host_type.types, (uint32_t)nparams, (uint32_t)nresults);
    f->type = &f->host_type;
    f->store = s;
    f->name = "host";
    f->host = fn;
    f->raw = raw;
    f->user_data = user_data;
    if (!store_own(s, OBJ_FUNC, f)) goto fail;
    f->dtor = dtor;
    return f;
fail:
    if (f) {
        free(f->host_type.types);
        free(f->host_type.api);
        free(f);
    }
    if (dtor) dtor(user_data);
    return NULL;
}

WEFT_API weft_func *weft_func_new(weft_store *s, const weft_valtype *params, size_t nparams,
                                  const weft_valtype *results, size_t nresults, weft_host_fn fn,
                                  void *user_data, void (*dtor)(void *)) {
    return host_new(s, params, nparams, results, nresults, fn, NULL, user_data, dtor);
}

WEFT_API weft_func *weft_func_new_raw(weft_store *s, const weft_valtype *params, size_t nparams,
                                      const weft_valtype *results, size_t nresults,
                                      weft_host_fn_raw fn, void *user_data, void (*dtor)(void *)) {
    return host_new(s, params, nparams, results, nresults, NULL, fn, user_data, dtor);
}

WEFT_API size_t weft_func_param_count(const weft_func *f) { return f->type->nparams; }
WEFT_API size_t weft_func_result_count(const weft_func *f) { return f->type->nresults; }
WEFT_API const weft_valtype *weft_func_params(const weft_func *f) { return f->type->api; }
WEFT_API const weft_valtype *weft_func_results(const weft_func *f) {
    return f->type->api + f->type->nparams;
}
WEFT_API const char *weft_func_name(const weft_func *f) { return f->name; }

WEFT_API weft_instance *weft_caller_instance(weft_caller *c) { return c->inst; }
WEFT_API weft_memory *weft_caller_memory(weft_caller *c) { return c->inst ? c->inst->mem : NULL; }
WEFT_API weft_store *weft_caller_store(weft_caller *c) { return c->store; }

/* One slot's bits as a typed value: what bits_to_val does, inline for the host-call path (only
 * the field of the type is meaningful; the host reads nothing else). */
static inline void fill_val(weft_val *v, valtype t, uint64_t bits) {
    v->type = (weft_valtype)t;
    v->of.i64 = 0;
    switch (t) {
    case VT_I32:
    case VT_F32: v->of.i32 = (int32_t)(uint32_t)bits; break;
    case VT_FUNCREF: v->of.funcref = (weft_func *)(uintptr_t)bits; break;
    case VT_EXTERNREF: v->of.externref = (void *)(uintptr_t)bits; break;
    default: v->of.i64 = (int64_t)bits; break;
    }
}

/* Calls host function f with its arguments in slots[0..nparams); writes its results to
 * slots[0..nresults). Small signatures use the C stack; large ones the heap. This is the path
 * every guest-to-host call takes, so it converts values inline and touches only what it uses. */
weft_error *host_call(weft_store *s, weft_func *f, uint64_t *slots, weft_instance *caller) {
    if (f->raw) {
        weft_caller c = {.store = s, .inst = caller};
        return f->raw(&c, f->user_data, slots);
    }
    const functype *t = f->type;
    weft_val small[8], *vals = small;
    size_t n = (size_t)t->nparams + t->nresults;
    if (n > 8) {
        vals = malloc(n * sizeof *vals);
        if (!vals) return err_nomem();
    }
    weft_val *args = vals, *results = vals + t->nparams;
    const valtype *pt = ft_params(t), *rt = ft_results(t);
    for (uint32_t i = 0; i < t->nparams; i++) fill_val(&args[i], pt[i], slots[i]);
    for (uint32_t i = 0; i < t->nresults; i++) fill_val(&results[i], rt[i], 0);
    weft_caller c = {.store = s, .inst = caller};
    weft_error *err = f->host(&c, f->user_data, args, results);
    if (!err)
        for (uint32_t i = 0; i < t->nresults; i++) {
            const weft_val *r = &results[i]; /* read as the declared type, whatever .type says */
            switch (rt[i]) {
            case VT_I32:
            case VT_F32: slots[i] = (uint32_t)r->of.i32; break;
            case VT_FUNCREF: slots[i] = (uint64_t)(uintptr_t)r->of.funcref; break;
            case VT_EXTERNREF: slots[i] = (uint64_t)(uintptr_t)r->of.externref; break;
            default: slots[i] = (uint64_t)r->of.i64; break;
            }
        }
    if (vals != small) free(vals);
    return err;
}

/* Runs f from the host with its arguments in slots[0..nparams) (bits), leaving its results in
 * slots[0..nresults): on the store's value stack, above whatever runs already. */
static weft_error *run_slots(weft_store *s, weft_func *f, uint64_t *slots) {
    const functype *t = f->type;
    if (s->reentry >= MAX_REENTRY) return err_trap(WEFT_TRAP_STACK_EXHAUSTED);
    uint64_t *base = s->sp;
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (base + need > s->stack_end) return err_trap(WEFT_TRAP_STACK_EXHAUSTED);
    for (uint32_t i = 0; i < t->nparams; i++) base[i] = slots[i];
    s->reentry++;
    weft_error *err;
    if (!f->inst) {
        s->sp = base + need;
        err = host_call(s, f, base, NULL);
    } else {
        err = interp_run(s, f, base);
    }
    s->sp = base;
    s->reentry--;
    if (!err)
        for (uint32_t i = 0; i < t->nresults; i++) slots[i] = base[i];
    return err;
}

WEFT_API weft_error *weft_func_call(weft_store *s, weft_func *f, const weft_val *args,
                                    size_t nargs, weft_val *results, size_t nresults) {
    if (!s || !f) return err_new(WEFT_ERR_USAGE, -1, "weft_func_call: no store or function");
    if (f->store != s) return err_new(WEFT_ERR_USAGE, -1, "weft_func_call: function of another store");
    const functype *t = f->type;
    if (nargs != t->nparams || nresults != t->nresults)
        return err_new(WEFT_ERR_USAGE, -1, "%s expects %u arguments and %u results, got %zu and %zu",
                       f->name, t->nparams, t->nresults, nargs, nresults);
    for (uint32_t i = 0; i < t->nparams; i++)
        if (args[i].type != (weft_valtype)ft_params(t)[i])
            return err_new(WEFT_ERR_USAGE, -1, "%s: argument %u is %s, expected %s", f->name, i,
                           weft_valtype_name(args[i].type),
                           weft_valtype_name((weft_valtype)ft_params(t)[i]));
    uint64_t small[16], *slots = small;
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (need > 16 && !(slots = malloc(need * sizeof *slots))) return err_nomem();
    for (uint32_t i = 0; i < t->nparams; i++) slots[i] = val_to_bits(&args[i]);
    weft_error *err = run_slots(s, f, slots);
    if (!err)
        for (uint32_t i = 0; i < t->nresults; i++) results[i] = bits_to_val(ft_results(t)[i], slots[i]);
    if (slots != small) free(slots);
    return err;
}

WEFT_API weft_error *weft_func_call_raw(weft_store *s, weft_func *f, uint64_t *slots,
                                        size_t nslots) {
    if (!s || !f || !slots) return err_new(WEFT_ERR_USAGE, -1, "weft_func_call_raw: no store, function or slots");
    if (f->store != s) return err_new(WEFT_ERR_USAGE, -1, "weft_func_call_raw: function of another store");
    const functype *t = f->type;
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (nslots < need)
        return err_new(WEFT_ERR_USAGE, -1, "%s takes %u arguments and %u results: %zu slots are too few",
                       f->name, t->nparams, t->nresults, nslots);
    if (t->ref_params)
        return err_new(WEFT_ERR_USAGE, -1, "%s takes a reference: call it with weft_func_call", f->name);
    return run_slots(s, f, slots);
}
