/* weft_component.h: the public API for components (the component model), beside weft.h's engine
 * and plugin API. An embedder compiles a component binary, fills a bundle of imports with C
 * functions (typed by WIT it parses) or with other components' exports, instantiates it in a
 * store, finds an export by name and calls it with typed values. `weft bindgen c --host`
 * generates typed C wrappers over this API for one WIT world.
 *
 * Objects:
 *   weft_component          a compiled component binary (shared, read-only; many instantiations)
 *   weft_component_runtime  the component side of one weft_store: owns every instance, function
 *                           and bundle made in it; one thread at a time, like its store
 *   weft_cinstance          a bundle of named functions and instances: imports given, or exports
 *   weft_cfunc              a component function: an export, or a host function
 *   weft_wit                a parsed WIT document, where function types come from
 *   weft_ctype, weft_cfunc_type   types of values and functions (read-only, opaque)
 *   weft_cval               a value: a transparent tree whose parts live in a weft_cval_arena
 *
 * Errors as in weft.h: a function that can fail returns a weft_error* (NULL on success) that the
 * caller frees; bad arguments (NULL where an object is needed, a value of the wrong type, wrong
 * counts) are WEFT_ERR_USAGE errors, never a crash.
 */
#ifndef WEFT_COMPONENT_H
#define WEFT_COMPONENT_H

#include "weft.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ------------------------------------------------------------------------------------ */

typedef struct weft_ctype weft_ctype;
typedef struct weft_cfunc_type weft_cfunc_type;

/* The kinds of component value types. */
typedef enum weft_ctype_kind {
    WEFT_CT_BOOL, WEFT_CT_S8, WEFT_CT_U8, WEFT_CT_S16, WEFT_CT_U16, WEFT_CT_S32, WEFT_CT_U32,
    WEFT_CT_S64, WEFT_CT_U64, WEFT_CT_F32, WEFT_CT_F64, WEFT_CT_CHAR, WEFT_CT_STRING,
    WEFT_CT_LIST,     /* elem */
    WEFT_CT_OPTION,   /* elem */
    WEFT_CT_RESULT,   /* ok, err: either may be NULL */
    WEFT_CT_TUPLE,    /* fields (no names) */
    WEFT_CT_RECORD,   /* fields */
    WEFT_CT_VARIANT,  /* fields: the cases; a case's type may be NULL */
    WEFT_CT_ENUM,     /* fields: the cases (no types) */
    WEFT_CT_FLAGS,    /* fields: the flags (no types) */
    WEFT_CT_RESOURCE, /* not callable through this API yet */
    WEFT_CT_OWN,
    WEFT_CT_BORROW,
    WEFT_CT_ALIAS,    /* never seen through the accessors below: they resolve aliases */
} weft_ctype_kind;

/* Every accessor takes a type (aliases followed) and returns borrowed data that lives as long as
 * what the type came from (its weft_wit, or the weft_component). NULL / 0 for a NULL type or an
 * index out of range. */
WEFT_API weft_ctype_kind weft_ctype_kind_of(const weft_ctype *t);
/* The declared name ("point"), or NULL for an anonymous type (list<u8>). */
WEFT_API const char *weft_ctype_name(const weft_ctype *t);
/* list, option: the element type; result: ok / err (NULL when that side has no payload). */
WEFT_API const weft_ctype *weft_ctype_elem(const weft_ctype *t);
WEFT_API const weft_ctype *weft_ctype_ok(const weft_ctype *t);
WEFT_API const weft_ctype *weft_ctype_err(const weft_ctype *t);
/* Fields of a record or tuple, cases of a variant or enum, flags of a flags type. */
WEFT_API size_t weft_ctype_field_count(const weft_ctype *t);
WEFT_API const char *weft_ctype_field_name(const weft_ctype *t, size_t i); /* NULL for a tuple */
WEFT_API const weft_ctype *weft_ctype_field_type(const weft_ctype *t, size_t i);
/* Structural equality, as linking compares types (names of fields and cases count, type names
 * do not). */
WEFT_API bool weft_ctype_equal(const weft_ctype *a, const weft_ctype *b);
/* "list<string>", "result<u32, string>", or the type's name, written into buf (NUL-terminated,
 * truncated to len); returns buf. */
WEFT_API const char *weft_ctype_describe(const weft_ctype *t, char *buf, size_t len);

/* A function type: named parameters, and results (one unnamed, several named, or none). */
WEFT_API const char *weft_cfunc_type_name(const weft_cfunc_type *f);
WEFT_API size_t weft_cfunc_type_param_count(const weft_cfunc_type *f);
WEFT_API const char *weft_cfunc_type_param_name(const weft_cfunc_type *f, size_t i);
WEFT_API const weft_ctype *weft_cfunc_type_param(const weft_cfunc_type *f, size_t i);
WEFT_API size_t weft_cfunc_type_result_count(const weft_cfunc_type *f);
/* NULL for the single unnamed result of `-> T`. */
WEFT_API const char *weft_cfunc_type_result_name(const weft_cfunc_type *f, size_t i);
WEFT_API const weft_ctype *weft_cfunc_type_result(const weft_cfunc_type *f, size_t i);
WEFT_API bool weft_cfunc_type_equal(const weft_cfunc_type *a, const weft_cfunc_type *b);

/* ---- WIT: where an embedder's function types come from ---------------------------------------- */

typedef struct wit_doc weft_wit;

/* Parses one WIT file's text (len bytes, not kept) declaring its package; path names it in
 * messages (NULL: "<input>"). *out is freed with weft_wit_free. Errors: WEFT_ERR_INVALID with
 * "path:line:col: message", WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_wit_parse(const char *text, size_t len, const char *path,
                                    weft_wit **out);
/* Reads every *.wit file of dir as one package, with dir/deps/ as packages it may use. Errors as
 * weft_wit_parse (also for files that cannot be read). */
WEFT_API weft_error *weft_wit_parse_dir(const char *dir, weft_wit **out);
/* Frees the document: every type and function type found in it dies with it. NULL is a no-op. */
WEFT_API void weft_wit_free(weft_wit *w);
/* The function "IFACE#FN" of an interface, IFACE written as "ns:pkg/iface@1.0.0",
 * "ns:pkg/iface" or "iface" (the main package's), or "WORLD#FN" for a function a world of the
 * main package imports or exports by itself. Borrowed from w. Errors: WEFT_ERR_USAGE naming what
 * is missing. */
WEFT_API weft_error *weft_wit_find_func(const weft_wit *w, const char *name,
                                        const weft_cfunc_type **out);
/* A named type "IFACE#TYPE" likewise (for building values of it). */
WEFT_API weft_error *weft_wit_find_type(const weft_wit *w, const char *name,
                                        const weft_ctype **out);

/* ---- values ----------------------------------------------------------------------------------- */

typedef struct weft_cval_arena weft_cval_arena;
typedef struct weft_cval weft_cval;

/* A value: its type (resolved, never an alias) and its contents, by kind. Every pointer inside
 * points into a weft_cval_arena (or memory the embedder keeps alive while the value is used).
 * Build a value by setting type and the member of its kind; weft_cfunc_call checks it. */
struct weft_cval {
    const weft_ctype *type;
    union {
        bool b;           /* bool */
        int64_t s;        /* s8 .. s64 */
        uint64_t u;       /* u8 .. u64 */
        float f32;
        double f64;
        uint32_t ch;      /* char: a Unicode scalar value */
        struct {
            const char *ptr; /* string: UTF-8, not NUL-terminated */
            size_t len;
        } str;
        struct {
            weft_cval *items; /* list elements, tuple elements, record fields in order */
            size_t n;
        } seq;
        struct {
            uint32_t disc;      /* variant/enum case; option: 0 none, 1 some; result: 0 ok, 1 err */
            weft_cval *payload; /* NULL when the case has none */
        } var;
        struct {
            uint32_t *words; /* flags: bit i of words[i / 32] is flag i */
        } flags;
        uint32_t handle; /* own, borrow */
    } of;
};

/* An arena that values' parts are allocated in and freed with, all at once. NULL when out of
 * memory. weft_cval_arena_free(NULL) is a no-op; reset empties it for reuse. */
WEFT_API weft_cval_arena *weft_cval_arena_new(void);
WEFT_API void weft_cval_arena_free(weft_cval_arena *a);
WEFT_API void weft_cval_arena_reset(weft_cval_arena *a);
/* Zeroed, 8-aligned memory that lives as long as the arena; NULL when out of memory. */
WEFT_API void *weft_cval_arena_alloc(weft_cval_arena *a, size_t n);

/* Helpers that set *v to a value of type t (copying bytes into a): a string, a list of n zeroed
 * items whose types are set to t's element type (fill them in), a record's or tuple's fields
 * likewise, a case of a variant / option / result / enum (its payload allocated with its type
 * set, or NULL), empty flags. Errors: WEFT_ERR_USAGE when t has another kind or the case is out
 * of range, WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_cval_string(weft_cval_arena *a, const weft_ctype *t, const char *s,
                                      size_t len, weft_cval *v);
WEFT_API weft_error *weft_cval_list(weft_cval_arena *a, const weft_ctype *t, size_t n,
                                    weft_cval *v);
WEFT_API weft_error *weft_cval_fields(weft_cval_arena *a, const weft_ctype *t, weft_cval *v);
WEFT_API weft_error *weft_cval_case(weft_cval_arena *a, const weft_ctype *t, uint32_t disc,
                                    weft_cval *v);
WEFT_API weft_error *weft_cval_flags(weft_cval_arena *a, const weft_ctype *t, weft_cval *v);

/* Checks that v is a well-formed value of type t (kinds, counts, case indexes, UTF-8, chars),
 * through its whole tree. Errors: WEFT_ERR_USAGE saying where and what. */
WEFT_API weft_error *weft_cval_check(const weft_ctype *t, const weft_cval *v);
/* Deep equality (floats bit for bit). */
WEFT_API bool weft_cval_equal(const weft_cval *a, const weft_cval *b);

/* WAVE, the value text syntax of wasmtime and wasm-tools (`{x: 1, y: 2}`, `some("a")`, `[1, 2]`):
 * parses text[0..len) as a value of type t into *v (parts in a). Errors: WEFT_ERR_USAGE with the
 * byte offset and what was expected. */
WEFT_API weft_error *weft_cval_parse(const char *text, size_t len, const weft_ctype *t,
                                     weft_cval_arena *a, weft_cval *v);
/* Parses the arguments of a call `name(a, b)` as f's parameters into args[0..nparams) (room for
 * that many); the name itself is not compared. Errors as weft_cval_parse. */
WEFT_API weft_error *weft_cval_parse_args(const char *text, size_t len, const weft_cfunc_type *f,
                                          weft_cval_arena *a, weft_cval *args);
/* Prints v in WAVE's canonical form into *out, a malloc'd string the caller frees. Errors:
 * WEFT_ERR_USAGE for a value that is not well formed, WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_cval_print(const weft_cval *v, char **out);

/* ---- compiled components ---------------------------------------------------------------------- */

typedef struct ccomp weft_component;

/* Decodes a component binary and compiles its core modules; the bytes are copied. Errors:
 * WEFT_ERR_MALFORMED / INVALID / UNSUPPORTED as the decoder and compiler report them,
 * WEFT_ERR_NOMEM. *out is freed with weft_component_free after every runtime using it. */
WEFT_API weft_error *weft_component_new(weft_engine *e, const uint8_t *bytes, size_t len,
                                        weft_component **out);
WEFT_API void weft_component_free(weft_component *c);

/* ---- runtimes, bundles, instantiation --------------------------------------------------------- */

typedef struct weft_component_runtime weft_component_runtime;
typedef struct cinst weft_cinstance;
typedef struct cfunc weft_cfunc;

/* The component side of store s (borrowed: free the runtime first, then the store). Everything
 * made in a runtime (bundles, host functions, instances) is freed by weft_component_runtime_free.
 * Errors: WEFT_ERR_USAGE (s NULL), WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_component_runtime_new(weft_store *s, weft_component_runtime **out);
WEFT_API void weft_component_runtime_free(weft_component_runtime *r);
/* Empties the runtime's resource handle tables, after the embedder has reset its core instances
 * (weft_instance_reset to snapshots taken after instantiation). */
WEFT_API void weft_component_runtime_reset(weft_component_runtime *r);
/* The core instances instantiations made, in order (for snapshots); NULL past the end. */
WEFT_API size_t weft_component_runtime_core_count(const weft_component_runtime *r);
WEFT_API weft_instance *weft_component_runtime_core(const weft_component_runtime *r, size_t i);

/* An empty bundle, owned by r. Errors: WEFT_ERR_USAGE, WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_cinstance_new(weft_component_runtime *r, weft_cinstance **out);
/* Adds (or replaces) a function or a nested bundle under name (copied): a bundle of imports holds
 * a function per function import ("log") and a bundle per interface import
 * ("acme:math/ops@0.1.0"). f and sub must belong to r. */
WEFT_API weft_error *weft_cinstance_add_func(weft_component_runtime *r, weft_cinstance *i,
                                             const char *name, weft_cfunc *f);
WEFT_API weft_error *weft_cinstance_add_instance(weft_component_runtime *r, weft_cinstance *i,
                                                 const char *name, weft_cinstance *sub);
/* Items of a bundle, in order: name, and the function or bundle (NULL if it is the other sort). */
WEFT_API size_t weft_cinstance_count(const weft_cinstance *i);
WEFT_API const char *weft_cinstance_name(const weft_cinstance *i, size_t k);
WEFT_API weft_cfunc *weft_cinstance_func(const weft_cinstance *i, const char *name);
WEFT_API weft_cinstance *weft_cinstance_instance(const weft_cinstance *i, const char *name);
/* The exported function a name means: "acme:math/ops@0.1.0#add", "ops#add", or "add" (exported
 * directly, or the only one so named in any exported interface). Errors: WEFT_ERR_USAGE saying
 * it is unknown or ambiguous. */
WEFT_API weft_error *weft_cinstance_find_func(const weft_cinstance *exports, const char *name,
                                              weft_cfunc **out);

/* Instantiates c in r's store; imports (NULL when c imports nothing) holds an item per import of
 * c, of exactly the imported type. *out, owned by r, holds c's exports. Errors: WEFT_ERR_LINK for
 * a missing or mistyped import (naming it), WEFT_ERR_UNSUPPORTED, a trap of a start function,
 * WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_component_instantiate(weft_component_runtime *r,
                                                const weft_component *c,
                                                const weft_cinstance *imports,
                                                weft_cinstance **out);

/* ---- functions -------------------------------------------------------------------------------- */

/* A host function: args[0..nparams) are values of the parameter types (borrowed for the call);
 * write results[0..nresults), whose .type is preset to each result's type, with parts allocated
 * in arena (or in memory that outlives the call). Return NULL, or an error (weft_trap_new) that
 * traps the calling component and comes back from the weft_cfunc_call that led here. Results
 * are checked (weft_cval_check) before they are given to the guest. */
typedef weft_error *(*weft_cfunc_host_fn)(void *user_data, const weft_cval *args,
                                          weft_cval_arena *arena, weft_cval *results);

/* A function of type type implemented by fn, owned by r. name (copied) is for messages; type
 * is borrowed and must outlive r (keep its weft_wit until r is freed); user_data is passed to
 * fn as is, and to free_user (when not NULL) once r is freed, or at once when this fails.
 * Errors: WEFT_ERR_USAGE (NULL r, name, type or fn; a type the canonical ABI refuses, or one
 * with resource handles), WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_cfunc_new_host(weft_component_runtime *r, const char *name,
                                         const weft_cfunc_type *type, weft_cfunc_host_fn fn,
                                         void *user_data, void (*free_user)(void *),
                                         weft_cfunc **out);
WEFT_API const weft_cfunc_type *weft_cfunc_get_type(const weft_cfunc *f);
WEFT_API const char *weft_cfunc_name(const weft_cfunc *f);

/* Calls f with args[0..nargs) (checked against its parameter types: counts, kinds, contents);
 * its results go to results[0..nresults) with parts allocated in arena, valid until the arena is
 * reset or freed. nargs and nresults must equal the type's counts. Errors: WEFT_ERR_USAGE for
 * wrong counts or values (naming the parameter), a trap in the callee or in a host function it
 * called (WEFT_ERR_TRAP, naming the function), WEFT_ERR_NOMEM. */
WEFT_API weft_error *weft_cfunc_call(weft_component_runtime *r, weft_cfunc *f,
                                     const weft_cval *args, size_t nargs, weft_cval_arena *arena,
                                     weft_cval *results, size_t nresults);

#ifdef __cplusplus
}
#endif

#endif
