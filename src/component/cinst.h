/* cinst.h: component instances at run time. A component binary (decoded by cbin.c) is compiled
 * once (ccomp: its core modules compiled) and instantiated into a crt, the run-time side of one
 * store: core modules become core instances of the store, `canon lift` makes component functions
 * (cfunc) that lower their arguments into the component's own memory and lift the results out,
 * `canon lower` makes core host functions that lift a guest's flat arguments from its memory, call
 * the component function it imported and lower the results back. A call between two components
 * therefore copies values memory to memory through cv trees; neither sees the other's memory.
 *
 * Imports are satisfied by name from a cinst the embedder fills: functions implemented in C
 * (crt_host_func), or another component's exports (linking by interface). Types are checked:
 * a function must have exactly the imported function type (names of fields and cases included).
 *
 * Rules of the component model enforced here: a component instance cannot be re-entered while
 * one of its calls is in progress (A calls B calls A traps); a trap in a lift or lower names the
 * component function. Resource handles: resource.new / .rep / .drop work on a handle table per
 * resource type of each instance; handles passed across components are not yet translated.
 *
 * Ownership: everything made here (instances, functions, closures) belongs to the crt and is
 * freed by crt_free; the core instances and host functions belong to the store, which must be
 * freed after or together with the crt and must not be used after it (its functions point at the
 * crt's closures).
 */
#ifndef WEFT_COMPONENT_CINST_H
#define WEFT_COMPONENT_CINST_H

#include "component/cbin.h"
#include "component/ctypes.h"
#include "weft.h"

typedef struct crt crt;
typedef struct cfunc cfunc;
typedef struct cinst cinst;
typedef struct ccomp ccomp;

/* ---- compiled components --------------------------------------------------------------------- */

/* Decodes a component binary and compiles its core modules (the bytes are copied). Errors as
 * cbin_decode, or the failing core module's, prefixed with which module it is. */
weft_error *ccomp_new(weft_engine *e, const uint8_t *bytes, size_t len, ccomp **out);
void ccomp_free(ccomp *c);
const cbin_component *ccomp_component(const ccomp *c);

/* ---- the run-time side of a store -------------------------------------------------------------- */

/* NULL when out of memory. The store is borrowed. */
crt *crt_new(weft_store *s);
void crt_free(crt *r);
weft_store *crt_store(const crt *r);

/* Returns the crt to its state after instantiation, with its core instances reset by the caller:
 * every resource handle table emptied. */
void crt_reset(crt *r);

/* ---- component functions --------------------------------------------------------------------- */

/* A function implemented by the host: args[0..type->nparams) in, results[0..type->nresults)
 * out, allocated in arena. Return an error (weft_trap_new) to trap the caller. */
typedef weft_error *(*cfunc_host_fn)(void *user, const cv *args, cv_arena *arena, cv *results);

/* A component function calling fn. name (copied) is for messages; type is borrowed and must
 * outlive the crt. NULL when out of memory. */
cfunc *crt_host_func(crt *r, const char *name, const ct_func *type, cfunc_host_fn fn, void *user);

const ct_func *cfunc_type(const cfunc *f);
const char *cfunc_name(const cfunc *f);

/* Calls f: args must be values of its parameter types; results (room for type->nresults) are
 * lifted into arena, so they stay valid after the callee's post-return. A trap in the callee, or
 * in lifting and lowering, is returned (naming the function). */
weft_error *cfunc_call(crt *r, cfunc *f, const cv *args, cv_arena *arena, cv *results);

/* ---- instances: named items ------------------------------------------------------------------ */

/* An empty instance to fill with functions and instances: what imports are given as. */
cinst *crt_instance_new(crt *r);
/* Adds (or replaces) an item; name is copied. Errors only when out of memory. */
weft_error *cinst_add_func(crt *r, cinst *i, const char *name, cfunc *f);
weft_error *cinst_add_instance(crt *r, cinst *i, const char *name, cinst *sub);

size_t cinst_count(const cinst *i);
const char *cinst_name(const cinst *i, size_t k);
cbin_sort cinst_sort(const cinst *i, size_t k);
/* The function or instance named name, or NULL (also when the name has another sort). */
cfunc *cinst_func(const cinst *i, const char *name);
cinst *cinst_instance(const cinst *i, const char *name);

/* Instantiates c in r's store. imports (may be NULL when c imports nothing) holds an item for
 * each import of c under the same name: a function of the same type, or an instance with every
 * export the import's instance type declares. *out is c's exports. Errors: WEFT_ERR_LINK for a
 * missing or mistyped import (naming it), WEFT_ERR_UNSUPPORTED for what weft does not run yet
 * (start functions, values, string encodings other than UTF-8, core module imports), a core
 * instantiation's error (its trap or link error), WEFT_ERR_NOMEM. */
weft_error *crt_instantiate(crt *r, const ccomp *c, const cinst *imports, cinst **out);

/* The core instances instantiating c made, in order (for snapshots and resets). */
size_t crt_core_instance_count(const crt *r);
weft_instance *crt_core_instance(const crt *r, size_t i);

/* ---- finding a function to call --------------------------------------------------------------- */

/* The exported function a call names: `acme:math/ops@0.1.0#add` (an instance export and its
 * function), `ops#add` (the interface's short name), `add` (a function exported directly, or
 * the only one of that name in any exported instance). NULL with a message in err otherwise
 * (unknown, or ambiguous and which ones). */
cfunc *cinst_find_func(const cinst *exports, const char *name, size_t len, char *err,
                       size_t errlen);

#endif
