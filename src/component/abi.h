/* abi.h: the canonical ABI: layouts and flattenings of component types, and lifting (guest memory
 * and flat core values -> cv) and lowering (cv -> guest memory via cabi_realloc, and flat values),
 * whole calls included. UTF-8 strings only; own/borrow pass as plain i32 handles (no handle tables
 * yet). It calls no guest export but cabi_realloc, and links nothing.
 *
 * Every guest pointer, length and alignment is checked against the memory's size in 64-bit
 * arithmetic before a byte is touched: a hostile guest gets a trap naming the problem, never a
 * read or write outside its memory. Sizes and flattenings trust their types (check them once
 * with abi_check_type); lifting and lowering check them again as they go.
 */
#ifndef WEFT_COMPONENT_ABI_H
#define WEFT_COMPONENT_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component/ctypes.h"
#include "weft.h"

/* The spec's limits on flat values of a function: more parameters are passed as one pointer to
 * a tuple in memory, more results through a return pointer. */
#define ABI_MAX_FLAT_PARAMS 16
#define ABI_MAX_FLAT_RESULTS 1
/* The most flat values of one type that abi_lift_flat / abi_lower_flat handle: a function's flat
 * values never exceed ABI_MAX_FLAT_PARAMS, so this only bounds direct uses. */
#define ABI_MAX_FLAT 32
/* The deepest nesting of types lifted, lowered, sized or flattened (lists of records of ...). */
#define ABI_MAX_DEPTH 100
/* The spec's MAX_STRING_BYTE_LENGTH: the longest string lowered into a guest. */
#define ABI_MAX_STRING_BYTES 0x7fffffffu
/* Default cap on the bytes of cv values one abi_cx may lift (abi_cx_init): a guest claiming a
 * list of a billion empty strings gets a limit error, not the host's memory. */
#define ABI_DEFAULT_LIFT_LIMIT ((size_t)64 << 20)

/* ---- layout -------------------------------------------------------------------------------- */

/* Memory layout (the spec's size and alignment), in bytes. */
uint64_t abi_size(const ct_type *t);
uint32_t abi_align(const ct_type *t);
/* Bytes of a variant's discriminant: 1 up to 256 cases, 2 up to 65536, else 4. */
uint32_t abi_disc_size(uint64_t ncases);
/* Bytes of a flags value of n flags: 0, 1 (up to 8), 2 (up to 16), else 4 per 32 flags. */
uint32_t abi_flags_size(uint32_t n);
/* Size and alignment of a tuple of the given fields' types (a record's layout): what a function's
 * spilled parameters or results occupy. */
uint64_t abi_fields_size(const ct_field *fields, uint32_t n);
uint32_t abi_fields_align(const ct_field *fields, uint32_t n);

/* Despecialisation, without building types: a variant, enum, option or result seen as a variant
 * (option: none, some; result: ok, error; enum: cases without payload). abi_case_count is 0 for
 * any other kind; abi_case_type is NULL for a case without payload. */
uint32_t abi_case_count(const ct_type *t);
const ct_type *abi_case_type(const ct_type *t, uint32_t i);

/* NULL if t is a valid value type for the ABI (no missing field types, variants and enums with at
 * least one case, no bare resource, nesting at most ABI_MAX_DEPTH, size below 4 GiB), else an
 * error (WEFT_ERR_USAGE) naming the problem. The caller frees it. */
weft_error *abi_check_type(const ct_type *t);

/* ---- flattening ----------------------------------------------------------------------------- */

/* Flattens t to core value types (WEFT_I32, WEFT_I64, WEFT_F32, WEFT_F64), joining variant cases
 * as the spec's flatten_variant does. Writes at most max types to out (which may be NULL) and
 * returns the count, or max + 1 if there are more than max. A max above ABI_MAX_FLAT counts as
 * ABI_MAX_FLAT: nothing needs to know more (past 16, values go through memory). */
size_t abi_flatten(const ct_type *t, weft_valtype *out, size_t max);

/* Which side of the boundary a function's core signature is for. */
typedef enum abi_dir {
    ABI_LIFT,  /* canon lift: a guest's export, called with lowered arguments */
    ABI_LOWER, /* canon lower: a guest's import, which it calls with flat arguments */
} abi_dir;

/* A component function's core signature. */
typedef struct abi_core_sig {
    weft_valtype params[ABI_MAX_FLAT_PARAMS + 1];
    size_t nparams;
    weft_valtype results[ABI_MAX_FLAT_RESULTS];
    size_t nresults;
    /* More than ABI_MAX_FLAT_PARAMS flat parameters: one i32 pointer to a tuple of them. */
    bool params_spilled;
    /* More than ABI_MAX_FLAT_RESULTS flat results: ABI_LIFT returns one i32 pointer to a tuple
     * of them; ABI_LOWER takes a return pointer as an extra last parameter and returns nothing. */
    bool results_spilled;
} abi_core_sig;

/* The spec's flatten_functype(f, dir). */
void abi_flatten_func(const ct_func *f, abi_dir dir, abi_core_sig *out);
/* Whether core function f has exactly the flat signature sig. */
bool abi_sig_matches(const weft_func *f, const abi_core_sig *sig);

/* ---- the context of lifting and lowering ---------------------------------------------------- */

/* The guest's cabi_realloc(old_ptr, old_size, align, new_size) -> ptr. Returns NULL and sets
 * *out_ptr, or an error (typically the guest's trap), which the caller takes over. */
typedef weft_error *(*abi_realloc_fn)(void *user, uint32_t old_ptr, uint32_t old_size,
                                      uint32_t align, uint32_t new_size, uint32_t *out_ptr);

typedef struct abi_cx {
    /* The guest's linear memory as last seen. When memory is set, mem and mem_size are fetched
     * again from it on entry to every function below and after every call into the guest (the
     * guest may grow it: a result may lie in pages its call added); otherwise they are left as
     * they are (a test's realloc may update them itself). */
    uint8_t *mem;
    uint64_t mem_size;
    weft_memory *memory;
    /* Memory for lowered strings, lists and spilled tuples; NULL: lowering them fails. */
    abi_realloc_fn realloc;
    void *realloc_user;
    /* Where lifted values go (borrowed). */
    cv_arena *arena;
    /* Optional: the function's signature for the direction of the call (ABI_LIFT for
     * abi_lower_params / abi_lift_results, ABI_LOWER for abi_lift_params / abi_lower_results),
     * computed once by abi_flatten_func, so that a caller making many calls does not flatten the
     * function's type on each. NULL: computed per call. */
    const abi_core_sig *sig;
} abi_cx;

/* Fills cx for a guest whose memory is m (may be NULL: nothing to read or write) and lifts into
 * arena, which it limits to ABI_DEFAULT_LIFT_LIMIT bytes (set another limit afterwards with
 * cv_arena_set_limit). No realloc: set cx->realloc and cx->realloc_user for lowering. */
void abi_cx_init(abi_cx *cx, weft_memory *m, cv_arena *arena);

/* A realloc calling a guest's cabi_realloc export: user is an abi_guest_realloc_ctx. */
typedef struct abi_guest_realloc_ctx {
    weft_store *store;
    weft_func *func; /* (i32, i32, i32, i32) -> i32: abi_realloc_typed said so */
} abi_guest_realloc_ctx;
/* Whether f has cabi_realloc's type, (i32, i32, i32, i32) -> i32: check it once, where the
 * function is found, before an abi_guest_realloc_ctx uses it (which calls it raw). */
bool abi_realloc_typed(const weft_func *f);
weft_error *abi_guest_realloc(void *user, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size, uint32_t *out_ptr);

/* Every function below returns NULL on success or an error the caller frees: a trap
 * (WEFT_ERR_TRAP) for what the guest got wrong (pointers, lengths, alignment, UTF-8,
 * discriminants, chars), WEFT_ERR_USAGE for what the host got wrong (a value not of the type,
 * flat values of the wrong core types), WEFT_ERR_LIMIT when lifted values pass the arena's limit
 * or types nest too deeply. Lifted values live in cx->arena; nothing else is allocated. */

/* The index of the first byte of s[0..len) that is not part of UTF-8 as the canonical ABI takes
 * it (no overlongs, no surrogates, nothing past U+10FFFF), or len if all of it is. */
size_t abi_utf8_invalid_at(const uint8_t *s, size_t len);

/* ---- values in memory ----------------------------------------------------------------------- */

/* Loads a value of type t at ptr (aligned for t, inside the memory). */
weft_error *abi_load(abi_cx *cx, const ct_type *t, uint64_t ptr, cv *out);
/* Stores v (of type t) at ptr, allocating through cx->realloc what strings and lists need. */
weft_error *abi_store(abi_cx *cx, const ct_type *t, uint64_t ptr, const cv *v);

/* ---- flat values ---------------------------------------------------------------------------- */

/* Lifts a value of type t from vals[0..n): *used tells how many it took. Each value's .type must
 * be the flat type the spec expects there. */
weft_error *abi_lift_flat(abi_cx *cx, const ct_type *t, const weft_val *vals, size_t n,
                          size_t *used, cv *out);
/* Lowers v into out[0..max): *n tells how many it wrote (with their .type set). */
weft_error *abi_lower_flat(abi_cx *cx, const ct_type *t, const cv *v, weft_val *out, size_t max,
                           size_t *n);

/* ---- whole calls (the spill rules included) ------------------------------------------------- */

/* Calling a guest's export (ABI_LIFT): lowers args[0..f->nparams) into the flat arguments of the
 * core function, out[0..max) (max >= ABI_MAX_FLAT_PARAMS is always enough), spilling them to a
 * tuple in memory got from realloc when there are more than ABI_MAX_FLAT_PARAMS. */
weft_error *abi_lower_params(abi_cx *cx, const ct_func *f, const cv *args, weft_val *out,
                             size_t max, size_t *n);
/* ... and lifts its core results vals[0..n) into out[0..f->nresults): a spilled result is a
 * pointer to a tuple of them. */
weft_error *abi_lift_results(abi_cx *cx, const ct_func *f, const weft_val *vals, size_t n,
                             cv *out);

/* A guest calling an import (ABI_LOWER): lifts its core arguments vals[0..n) (a return pointer
 * included when results spill) into out[0..f->nparams). */
weft_error *abi_lift_params(abi_cx *cx, const ct_func *f, const weft_val *vals, size_t n,
                            cv *out);
/* ... and lowers the import's results[0..f->nresults) into the core results out[0..*n) (room for
 * ABI_MAX_FLAT_RESULTS), or, when they spill, stores them at the return pointer, the last of the
 * core arguments args[0..nargs), and sets *n to 0. */
weft_error *abi_lower_results(abi_cx *cx, const ct_func *f, const cv *results,
                              const weft_val *args, size_t nargs, weft_val *out, size_t *n);

/* ---- fused calls: one guest calling another ------------------------------------------------- */

/* A function's flat parameters and result as one step per flat value, made once when a call is
 * linked, so that each call runs a short loop instead of walking the types. Only for flat
 * signatures (no spilling) of scalars, enums, flags, strings, lists, and records and tuples of
 * these; variants, options and results need the general walk (ok is false). */
typedef struct abi_copy_plan {
    bool ok;
    uint8_t nparams, nresults; /* steps; a string or list takes one step for its two slots */
    uint8_t op[ABI_MAX_FLAT_PARAMS + ABI_MAX_FLAT_RESULTS];
    uint32_t arg[ABI_MAX_FLAT_PARAMS + ABI_MAX_FLAT_RESULTS]; /* enum cases, flags mask */
    const ct_type *type[ABI_MAX_FLAT_PARAMS + ABI_MAX_FLAT_RESULTS]; /* lists */
} abi_copy_plan;
void abi_copy_plan_init(abi_copy_plan *p, const ct_func *f);

/* What abi_lift_params in the caller then abi_lower_params in the callee do, at once and without
 * cv values, on raw slots (weft_host_fn_raw) whose core types are f's flattening (the caller
 * checked the signatures): copies f's arguments from the caller's core arguments args[0..nargs) (from: the
 * caller's memory, its sig ABI_LOWER) into the callee's flat arguments out[0..max) (to: the
 * callee's memory and realloc, its sig ABI_LIFT). Strings, lists and spilled parameters are
 * copied straight from one memory to the other. plan (may be NULL) is abi_copy_plan_init's for f. */
weft_error *abi_copy_params(abi_cx *from, abi_cx *to, const ct_func *f, const abi_copy_plan *plan,
                            const uint64_t *args, size_t nargs, uint64_t *out, size_t max,
                            size_t *n);
/* ... and back: copies the callee's core results vals[0..n) (from: the callee, sig ABI_LIFT)
 * into the caller's core results out[0..*nout), or to the return pointer that ends the caller's
 * core arguments args[0..nargs) when results spill (to: the caller and its realloc). */
weft_error *abi_copy_results(abi_cx *from, abi_cx *to, const ct_func *f,
                             const abi_copy_plan *plan, const uint64_t *vals, size_t n,
                             const uint64_t *args, size_t nargs, uint64_t *out, size_t *nout);

#endif
