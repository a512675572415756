/* weft.h: the one public header for embedders of weft.
 *
 * The engine part: load WebAssembly modules, instantiate them in a store, call their exports,
 * give them host functions, read and write their globals, memories and tables, and get every
 * failure back as a value (weft_error). Everything else in weft is internal.
 *
 * Object model (as in wasmtime):
 *   weft_engine   compilation settings. Thread-safe; outlives every module made with it.
 *   weft_module   decoded, validated and compiled code. Immutable and thread-safe once built;
 *                 reference-counted, so instances keep it alive.
 *   weft_store    one thread's world: instances, functions, globals, memories and tables live in
 *                 a store and die with it. A store is used by one thread at a time; only
 *                 weft_store_interrupt may be called from another thread.
 *   weft_linker   names (module, field) -> definitions, used to resolve a module's imports.
 *
 * Errors: every call that can fail returns a weft_error* (NULL on success) that the caller owns
 * and frees with weft_error_free. Traps are errors of kind WEFT_ERR_TRAP with a trap code, the
 * spec's message ("integer divide by zero", ...) and a backtrace of function names.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define WEFT_API __attribute__((visibility("default")))
#else
#define WEFT_API
#endif

#define WEFT_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------------- */

/* Value types, numbered as in the binary format. */
typedef enum weft_valtype {
    WEFT_I32 = 0x7F,
    WEFT_I64 = 0x7E,
    WEFT_F32 = 0x7D,
    WEFT_F64 = 0x7C,
    WEFT_V128 = 0x7B, /* not supported yet: modules using it fail with WEFT_ERR_UNSUPPORTED */
    WEFT_FUNCREF = 0x70,
    WEFT_EXTERNREF = 0x6F,
} weft_valtype;

typedef struct weft_func weft_func;

/* A typed value. Floats share storage with the integers of the same width, so a float's exact
 * bits (NaN payloads included) are read and written through .i32 / .i64. A null reference is
 * NULL; an externref is any host pointer the embedder chooses (weft never dereferences it).
 * .v128 is reserved for SIMD (not supported yet), so the struct's size will not change. */
typedef struct weft_val {
    weft_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        weft_func *funcref;
        void *externref;
        uint8_t v128[16];
    } of;
} weft_val;

/* Returns "i32", "i64", "f32", "f64", "v128", "funcref", "externref" or "?". Static string. */
WEFT_API const char *weft_valtype_name(weft_valtype t);

/* ---------------------------------------------------------------------------------------------
 * Errors and traps
 * ------------------------------------------------------------------------------------------- */

typedef enum weft_error_kind {
    WEFT_ERR_MALFORMED = 1, /* the bytes are not a well-formed binary module */
    WEFT_ERR_INVALID,       /* well-formed, but does not validate */
    WEFT_ERR_UNSUPPORTED,   /* uses a feature weft does not implement (SIMD) */
    WEFT_ERR_LINK,          /* an import is missing or has the wrong type */
    WEFT_ERR_LIMIT,         /* a host limit refused the request (memory, table, instances) */
    WEFT_ERR_TRAP,          /* the guest trapped; see weft_error_trap_code and the backtrace */
    WEFT_ERR_EXIT,          /* the guest asked to exit (WASI proc_exit); see weft_error_exit_code */
    WEFT_ERR_USAGE,         /* the embedder called the API wrongly (bad argument, type mismatch) */
    WEFT_ERR_NOMEM,         /* the host ran out of memory */
} weft_error_kind;

typedef enum weft_trap_code {
    WEFT_TRAP_NONE = 0,
    WEFT_TRAP_UNREACHABLE,         /* "unreachable" */
    WEFT_TRAP_MEMORY_OOB,          /* "out of bounds memory access" */
    WEFT_TRAP_TABLE_OOB,           /* "out of bounds table access" */
    WEFT_TRAP_UNDEFINED_ELEMENT,   /* "undefined element" */
    WEFT_TRAP_UNINITIALIZED_ELEM,  /* "uninitialized element" */
    WEFT_TRAP_INDIRECT_TYPE,       /* "indirect call type mismatch" */
    WEFT_TRAP_DIV_ZERO,            /* "integer divide by zero" */
    WEFT_TRAP_INT_OVERFLOW,        /* "integer overflow" */
    WEFT_TRAP_INVALID_CONVERSION,  /* "invalid conversion to integer" */
    WEFT_TRAP_STACK_EXHAUSTED,     /* "call stack exhausted" */
    WEFT_TRAP_OUT_OF_FUEL,         /* "all fuel consumed" */
    WEFT_TRAP_INTERRUPTED,         /* "interrupted" (weft_store_interrupt or a deadline) */
    WEFT_TRAP_HOST,                /* a host function returned a trap with its own message */
} weft_trap_code;

typedef struct weft_error weft_error;

/* Frees an error; NULL is a no-op. */
WEFT_API void weft_error_free(weft_error *e);
WEFT_API weft_error_kind weft_error_kind_of(const weft_error *e);
/* "malformed module", "invalid module", "trap", ... Static string. */
WEFT_API const char *weft_error_kind_name(weft_error_kind k);
/* The message, without location. Borrowed: lives as long as e. */
WEFT_API const char *weft_error_message(const weft_error *e);
/* Byte offset in the module where decoding or validation failed, or -1 when not applicable. */
WEFT_API int64_t weft_error_offset(const weft_error *e);
/* Trap code for WEFT_ERR_TRAP errors, else WEFT_TRAP_NONE. */
WEFT_API weft_trap_code weft_error_trap_code(const weft_error *e);
/* Exit code for WEFT_ERR_EXIT errors, else 0. */
WEFT_API int weft_error_exit_code(const weft_error *e);
/* Backtrace of a trap, innermost frame first. A function's name comes from the module's name
 * section, else from its first export name, else it is "func[N]". Borrowed: lives as long as e. Index out of range gives NULL.
 * At most 100 frames are kept (the innermost); weft_error_frames_omitted counts the others. */
WEFT_API size_t weft_error_frame_count(const weft_error *e);
WEFT_API size_t weft_error_frames_omitted(const weft_error *e);
WEFT_API const char *weft_error_frame_name(const weft_error *e, size_t i);
WEFT_API uint32_t weft_error_frame_func_index(const weft_error *e, size_t i);
/* Formats the whole error into one malloc'd string the caller frees: a first line with kind,
 * message and byte offset, then one line per backtrace frame ("  0: name"). Returns NULL only
 * when out of memory. */
WEFT_API char *weft_error_format(const weft_error *e);

/* A new error of any kind with a printf-style message (copied); the caller owns it. For
 * embedders' own failures, e.g. a host function's setup that fails before any guest runs. */
WEFT_API weft_error *weft_error_new(weft_error_kind kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A trap for a host function to return: kind WEFT_ERR_TRAP, code WEFT_TRAP_HOST, message copied
 * from the printf-style format. The caller (weft, once returned from a host function) owns it. */
WEFT_API weft_error *weft_trap_new(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* An exit request (kind WEFT_ERR_EXIT) for a host function to return: unwinds every wasm frame
 * back to the embedder, who reads the code with weft_error_exit_code. */
WEFT_API weft_error *weft_exit_new(int code);

/* ---------------------------------------------------------------------------------------------
 * Engine and modules
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_engine weft_engine;
typedef struct weft_module weft_module;

typedef struct weft_engine_config {
    /* Emit fuel metering into compiled code (counted per basic block). Off by default, and then
     * it costs nothing. A store's fuel is set with weft_store_set_fuel. */
    bool consume_fuel;
    /* Emit interrupt checks at loop heads and function entries so weft_store_interrupt and
     * deadlines can stop a running guest. Off by default, and then it costs nothing. */
    bool interruptible;
    /* Compile to plain instructions only: no superinstructions (immediate operands, fused
     * compare-and-branch, folded addressing, ...). Slower; for testing that fusion changes no
     * result. Builds configured with -DWEFT_FUSION=OFF behave so whatever this says. */
    bool disable_fusion;
} weft_engine_config;

/* cfg may be NULL for defaults. The config is copied. Free with weft_engine_free (NULL is a
 * no-op), after every module made with the engine has been freed. NULL when out of memory. */
WEFT_API weft_engine *weft_engine_new(const weft_engine_config *cfg);
WEFT_API void weft_engine_free(weft_engine *e);

/* Decodes, validates and compiles a binary module. The bytes are copied; the caller keeps them.
 * On success *out is a new module with one reference, released with weft_module_free. */
WEFT_API weft_error *weft_module_new(weft_engine *e, const uint8_t *bytes, size_t len,
                                     weft_module **out);
/* Releases the caller's reference; instances hold their own. NULL is a no-op. */
WEFT_API void weft_module_free(weft_module *m);
/* Checks bytes without keeping anything: NULL if the module is valid, else the error. */
WEFT_API weft_error *weft_module_validate(weft_engine *e, const uint8_t *bytes, size_t len);

typedef enum weft_extern_kind {
    WEFT_EXTERN_FUNC = 0,
    WEFT_EXTERN_TABLE = 1,
    WEFT_EXTERN_MEMORY = 2,
    WEFT_EXTERN_GLOBAL = 3,
} weft_extern_kind;

/* A listing of the internal register code weft compiled function func (an index in the module's
 * function space) into, for engineers tuning the engine. malloc'd text the caller frees; NULL if
 * func is imported, out of range, or memory runs out. The format may change at any time. */
WEFT_API char *weft_module_disasm(const weft_module *m, uint32_t func);
/* Functions in the module's function space, imported ones included. */
WEFT_API uint32_t weft_module_func_count(const weft_module *m);

/* Imports and exports of a module, in order. Names are borrowed from the module (not
 * NUL-safe: names may contain NUL bytes, so lengths are given too). */
WEFT_API size_t weft_module_import_count(const weft_module *m);
WEFT_API void weft_module_import(const weft_module *m, size_t i, const char **module,
                                 size_t *module_len, const char **name, size_t *name_len,
                                 weft_extern_kind *kind);
WEFT_API size_t weft_module_export_count(const weft_module *m);
WEFT_API void weft_module_export(const weft_module *m, size_t i, const char **name,
                                 size_t *name_len, weft_extern_kind *kind);

/* ---------------------------------------------------------------------------------------------
 * Stores and limits
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_store weft_store;
typedef struct weft_instance weft_instance;
typedef struct weft_global weft_global;
typedef struct weft_memory weft_memory;
typedef struct weft_table weft_table;

/* A field left 0 takes its default, so a limit of 0 cannot be expressed. */
typedef struct weft_limits {
    uint32_t max_memory_pages;   /* per memory, 64 KiB pages; 0 = 65536 (4 GiB) */
    uint32_t max_table_elements; /* per table; 0 = 10,000,000 */
    uint32_t max_call_depth;     /* wasm frames active at once, the entry one included; 0 = 10,000 */
    uint32_t max_stack_slots;    /* 8-byte value-stack slots per store; 0 = 1 Mi (8 MiB) */
    uint32_t max_instances;      /* per store; 0 = 10,000 */
} weft_limits;

/* limits may be NULL for defaults; it is copied. The store belongs to one thread at a time.
 * Returns NULL when out of memory. weft_store_free frees everything made in the store (instances,
 * functions, globals, memories, tables) and runs the destructors of host functions' user data;
 * NULL is a no-op. */
WEFT_API weft_store *weft_store_new(weft_engine *e, const weft_limits *limits);
WEFT_API void weft_store_free(weft_store *s);
/* Sets the fuel left (only meaningful with consume_fuel). A guest that runs out traps with
 * WEFT_TRAP_OUT_OF_FUEL. */
WEFT_API void weft_store_set_fuel(weft_store *s, uint64_t fuel);
WEFT_API uint64_t weft_store_get_fuel(const weft_store *s);
/* Asks the running guest to stop with WEFT_TRAP_INTERRUPTED at its next loop head or call (only
 * with interruptible). Safe from any thread and from signal handlers. The request stays set until
 * weft_store_clear_interrupt. */
WEFT_API void weft_store_interrupt(weft_store *s);
WEFT_API void weft_store_clear_interrupt(weft_store *s);
/* Whether an interrupt is pending: host functions that block (sleeping, polling) check it to
 * return early. Safe from any thread. */
WEFT_API bool weft_store_interrupted(const weft_store *s);

/* ---------------------------------------------------------------------------------------------
 * Functions, host functions
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_caller weft_caller;

/* A host function. args holds the parameters (with .type set from the signature); results has
 * room for the results, their .type preset; weft reads each result as its declared type. Return
 * NULL on success, or an error (weft_trap_new, weft_exit_new) to trap: weft takes ownership of it
 * and unwinds the guest. */
typedef weft_error *(*weft_host_fn)(weft_caller *caller, void *user_data, const weft_val *args,
                                    weft_val *results);

/* Creates a host function in the store with the given signature (arrays are copied).
 * user_data is passed to fn; dtor (may be NULL) is called on it when the store is freed.
 * Returns NULL when out of memory or when the signature is not allowed (a v128, more than 1000
 * parameters or results); dtor is then called at once. Owned by the store. */
WEFT_API weft_func *weft_func_new(weft_store *s, const weft_valtype *params, size_t nparams,
                                  const weft_valtype *results, size_t nresults, weft_host_fn fn,
                                  void *user_data, void (*dtor)(void *));

/* Raw values, for hot paths that know a function's signature: each value is one 64-bit slot,
 * i32 and f32 as their bit patterns zero-extended, i64 and f64 as their bits, references as
 * pointers. A raw host function reads its parameters from slots[0..nparams) and writes its
 * results to slots[0..nresults) (the same array), with no weft_val conversions in between. */
typedef weft_error *(*weft_host_fn_raw)(weft_caller *caller, void *user_data, uint64_t *slots);

/* Creates a raw host function: as weft_func_new otherwise. */
WEFT_API weft_func *weft_func_new_raw(weft_store *s, const weft_valtype *params, size_t nparams,
                                      const weft_valtype *results, size_t nresults,
                                      weft_host_fn_raw fn, void *user_data, void (*dtor)(void *));

/* Signature of any function (wasm or host). The arrays are borrowed from the function. */
WEFT_API size_t weft_func_param_count(const weft_func *f);
WEFT_API size_t weft_func_result_count(const weft_func *f);
WEFT_API const weft_valtype *weft_func_params(const weft_func *f);
WEFT_API const weft_valtype *weft_func_results(const weft_func *f);
/* The function's name (as in backtraces; "host" for host functions); borrowed from it. */
WEFT_API const char *weft_func_name(const weft_func *f);

/* Calls f in store s with nargs arguments (types must match the signature) and writes its
 * results, .type included, into results[0..nresults). Returns NULL on success, or the
 * trap/error. May be called from a host function (re-entrant, up to 256 nested calls). */
WEFT_API weft_error *weft_func_call(weft_store *s, weft_func *f, const weft_val *args,
                                    size_t nargs, weft_val *results, size_t nresults);

/* Calls f with its arguments as raw slots (see weft_host_fn_raw) in slots[0..nparams) and leaves
 * its results in slots[0..nresults); nslots is the room in slots. The types are the caller's to
 * get right, as they were checked once against weft_func_params; f may not take references (a
 * pointer made up from bits), and is refused if it does. Errors as weft_func_call. */
WEFT_API weft_error *weft_func_call_raw(weft_store *s, weft_func *f, uint64_t *slots,
                                        size_t nslots);

/* Inside a host function: the calling instance, its memory 0 (NULL if it has none), and the
 * store. All borrowed for the duration of the host call. */
WEFT_API weft_instance *weft_caller_instance(weft_caller *c);
WEFT_API weft_memory *weft_caller_memory(weft_caller *c);
WEFT_API weft_store *weft_caller_store(weft_caller *c);

/* ---------------------------------------------------------------------------------------------
 * Globals, memories, tables
 * ------------------------------------------------------------------------------------------- */

/* Creates a global in the store (owned by the store). NULL if out of memory or init's type is
 * not type. */
WEFT_API weft_global *weft_global_new(weft_store *s, weft_valtype type, bool mutable_,
                                      weft_val init);
WEFT_API weft_valtype weft_global_type(const weft_global *g);
WEFT_API bool weft_global_mutable(const weft_global *g);
WEFT_API weft_val weft_global_get(const weft_global *g);
/* Fails with WEFT_ERR_USAGE if the global is immutable or v has the wrong type. */
WEFT_API weft_error *weft_global_set(weft_global *g, weft_val v);

/* Creates a memory of min pages, growable to max pages (has_max false: up to the store limit).
 * Owned by the store. On failure returns an error and leaves *out NULL. */
WEFT_API weft_error *weft_memory_new(weft_store *s, uint32_t min, bool has_max, uint32_t max,
                                     weft_memory **out);
/* Base address and size in bytes. The base never moves while the memory lives (address space is
 * reserved up front), but the size can grow after any call into the guest. */
WEFT_API uint8_t *weft_memory_data(weft_memory *m);
WEFT_API uint64_t weft_memory_size(const weft_memory *m);
WEFT_API uint32_t weft_memory_pages(const weft_memory *m);
/* Grows by delta pages. Returns the old size in pages, or -1 if the limit refuses it. */
WEFT_API int64_t weft_memory_grow(weft_memory *m, uint32_t delta);
/* How many times growing this memory (by the guest or the host) was refused by its limit: lets an
 * embedder tell "the guest ran out of memory" from other failures. */
WEFT_API uint64_t weft_memory_refused_grows(const weft_memory *m);
/* Checked copies between host buffers and guest memory: false (and nothing copied) unless
 * [offset, offset+len) lies inside the memory. Use these with guest-supplied offsets. */
WEFT_API bool weft_memory_read(const weft_memory *m, uint64_t offset, void *dst, size_t len);
WEFT_API bool weft_memory_write(weft_memory *m, uint64_t offset, const void *src, size_t len);

/* Creates a table of funcref or externref, size min, every element init. Owned by the store. */
WEFT_API weft_error *weft_table_new(weft_store *s, weft_valtype reftype, uint32_t min,
                                    bool has_max, uint32_t max, weft_val init, weft_table **out);
WEFT_API weft_valtype weft_table_type(const weft_table *t);
WEFT_API uint32_t weft_table_size(const weft_table *t);
/* Element get/set; false if the index is out of range or (set) the value has the wrong type. */
WEFT_API bool weft_table_get(const weft_table *t, uint32_t i, weft_val *out);
WEFT_API bool weft_table_set(weft_table *t, uint32_t i, weft_val v);
/* Grows by delta elements set to init. Returns the old size, or -1 if refused. */
WEFT_API int64_t weft_table_grow(weft_table *t, uint32_t delta, weft_val init);

/* ---------------------------------------------------------------------------------------------
 * Linking and instances
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_extern {
    weft_extern_kind kind;
    union {
        weft_func *func;
        weft_table *table;
        weft_memory *memory;
        weft_global *global;
    } of;
} weft_extern;

typedef struct weft_linker weft_linker;

/* A linker maps (module, name) to definitions of one store. Free it with weft_linker_free (NULL
 * is a no-op; definitions stay owned by their store). Returns NULL when out of memory. */
WEFT_API weft_linker *weft_linker_new(weft_store *s);
WEFT_API void weft_linker_free(weft_linker *l);
/* Defines module.name (NUL-terminated strings, copied). A later definition of the same name
 * replaces the earlier one. */
WEFT_API weft_error *weft_linker_define(weft_linker *l, const char *module, const char *name,
                                        weft_extern ext);
/* Shorthand: creates a host function (as weft_func_new: if that fails, dtor is called at once)
 * and defines it. */
WEFT_API weft_error *weft_linker_define_func(weft_linker *l, const char *module,
                                             const char *name, const weft_valtype *params,
                                             size_t nparams, const weft_valtype *results,
                                             size_t nresults, weft_host_fn fn, void *user_data,
                                             void (*dtor)(void *));
/* Defines every export of inst under the module name. */
WEFT_API weft_error *weft_linker_define_instance(weft_linker *l, const char *module,
                                                 weft_instance *inst);

/* Instantiates m in s, resolving imports through l (NULL means no definitions: a module with
 * imports then fails with WEFT_ERR_LINK): allocates its
 * memories, tables and globals, applies active element and data segments in order, runs the
 * start function. On success *out is an instance owned by the store. On failure *out is NULL and
 * the error says why: WEFT_ERR_LINK for a missing or mistyped import, WEFT_ERR_LIMIT, or a trap.
 * As the spec requires, segments written to imported tables or memories before a failing one
 * stay written; so an instance that fails after its functions exist stays in the store (its
 * functions may be in such a table) and counts against max_instances. */
WEFT_API weft_error *weft_instance_new(weft_store *s, weft_module *m, weft_linker *l,
                                       weft_instance **out);
/* Looks an export up by name (NUL-terminated). Returns false if there is none. */
WEFT_API bool weft_instance_export(weft_instance *inst, const char *name, weft_extern *out);
/* The same for a name of name_len bytes, which may contain NUL bytes. */
WEFT_API bool weft_instance_export_n(weft_instance *inst, const char *name, size_t name_len,
                                     weft_extern *out);
/* Shorthand for a function export; NULL if missing or not a function. */
WEFT_API weft_func *weft_instance_func(weft_instance *inst, const char *name);
/* Memory 0 of the instance (imported or defined), or NULL. */
WEFT_API weft_memory *weft_instance_memory(weft_instance *inst);
WEFT_API weft_module *weft_instance_module(weft_instance *inst);

/* Snapshots: an instance's state captured once (after its start-up code ran) and restored many
 * times, so that each request can run in a fresh instance for the price of a few system calls.
 * A snapshot holds the instance's own memory (a sealed copy-on-write image), globals and tables
 * and which segments were dropped; imported ones are not its to capture. It is read-only once
 * taken and may be shared by threads. */
typedef struct weft_snapshot weft_snapshot;
/* Captures inst's state. Fails (WEFT_ERR_USAGE) if a table holds a function that is not in
 * inst's function space or a non-null externref: such entries would mean nothing elsewhere. */
WEFT_API weft_error *weft_snapshot_new(weft_instance *inst, weft_snapshot **out);
/* Frees a snapshot; no instance may be reset to it afterwards. NULL is a no-op. */
WEFT_API void weft_snapshot_free(weft_snapshot *snap);
/* Returns inst, an instance of the snapshot's module (the one it was taken from or any other),
 * to the snapshot's state: memory contents and size, globals, tables, dropped segments. The cost
 * is a system call plus one per page the instance wrote since its last reset. */
WEFT_API weft_error *weft_instance_reset(weft_instance *inst, const weft_snapshot *snap);

/* ---------------------------------------------------------------------------------------------
 * WASI preview 1 (wasi_snapshot_preview1), deny-by-default
 *
 * A weft_wasi context is one program's view of the system: its arguments, its environment, its
 * file descriptors (stdio, preopened directories, listening sockets). The guest sees nothing the
 * configuration did not grant: no directory, no environment variable, no socket. Paths resolve in
 * the kernel beneath a preopened directory (openat2 RESOLVE_BENEATH, or a careful component walk
 * where that is missing), so "..", absolute paths and symlinks cannot leave it.
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_wasi_config weft_wasi_config;
typedef struct weft_wasi weft_wasi;

/* A configuration to build contexts from. NULL when out of memory. Free with
 * weft_wasi_config_free (NULL is a no-op). Every string passed in is copied. */
WEFT_API weft_wasi_config *weft_wasi_config_new(void);
WEFT_API void weft_wasi_config_free(weft_wasi_config *c);
/* The program's arguments, argv[0] included (replaces earlier ones). */
WEFT_API weft_error *weft_wasi_config_args(weft_wasi_config *c, int argc, const char *const *argv);
/* Adds one environment variable (a later one with the same key replaces it). */
WEFT_API weft_error *weft_wasi_config_env(weft_wasi_config *c, const char *key, const char *value);
/* Adds every variable of the host's environment (explicit ones added later still replace). */
WEFT_API weft_error *weft_wasi_config_inherit_env(weft_wasi_config *c);
/* Grants the host directory host_path to the guest under guest_path (e.g. "." or "/data"). The
 * directory is opened now, so a missing one is an error here. read_only: the guest can read and
 * list it but not create, write, rename, delete or change anything beneath it (EROFS, as on a
 * read-only mount). */
WEFT_API weft_error *weft_wasi_config_preopen_dir(weft_wasi_config *c, const char *host_path,
                                                  const char *guest_path, bool read_only);
/* Hands the guest a listening socket (a host fd, duplicated; the caller keeps its own) on which
 * it may sock_accept. The guest's descriptors are stdio (0-2), then the preopened directories
 * in the order given, then the sockets. */
WEFT_API weft_error *weft_wasi_config_preopen_socket(weft_wasi_config *c, int host_fd);
/* The host descriptors behind the guest's fds 0, 1, 2 (duplicated; the caller keeps its own).
 * Default: the process's own stdin, stdout and stderr. A negative fd leaves that one closed. */
WEFT_API weft_error *weft_wasi_config_stdio(weft_wasi_config *c, int stdin_fd, int stdout_fd,
                                            int stderr_fd);

/* Builds a context from c (c stays the caller's, and may build more). On failure *out is NULL.
 * Free with weft_wasi_free (NULL is a no-op) after the store using it is done. */
WEFT_API weft_error *weft_wasi_new(const weft_wasi_config *c, weft_wasi **out);
WEFT_API void weft_wasi_free(weft_wasi *w);
/* Empties w and builds it again from c, as weft_wasi_new would, plus the nenv environment
 * entries ("KEY=VALUE", copied) after c's own. The object stays the same, so functions already
 * bound to it by weft_wasi_define stay valid: a host running a guest per request resets one
 * context instead of building a new linker. Every descriptor the guest opened is closed. On
 * failure w is left with nothing open. */
WEFT_API weft_error *weft_wasi_reset(weft_wasi *w, const weft_wasi_config *c,
                                     const char *const *env, size_t nenv);
/* In-memory stdio: the guest's fd 0 reads the in_len bytes at in (borrowed: they must outlive
 * the run), and what it writes to fds 1 and 2 is kept, up to out_limit and err_limit bytes; a
 * write past a limit keeps what fits and fails with EFBIG. These descriptors cannot seek and are
 * always ready for poll_oneoff. They stay in-memory through weft_wasi_reset, which empties them
 * (stdin reads nothing and writes fail until this is called again), so a reset per request
 * duplicates no host descriptor for stdio. */
WEFT_API weft_error *weft_wasi_stdio_buffers(weft_wasi *w, const void *in, size_t in_len,
                                             size_t out_limit, size_t err_limit);
/* What the guest wrote to fd 1 or 2 with in-memory stdio (borrowed until the next reset or
 * write); *truncated tells whether a write went past the limit. NULL with *len 0 if nothing. */
WEFT_API const uint8_t *weft_wasi_output(const weft_wasi *w, int fd, size_t *len,
                                         bool *truncated);
/* Defines every wasi_snapshot_preview1 function in l, bound to w. A guest calling proc_exit(n)
 * makes the call that ran it fail with a WEFT_ERR_EXIT error whose exit code is n. A guest
 * blocked in poll_oneoff (sleeping) returns within 20 ms of weft_store_interrupt. Writing to a
 * closed pipe raises SIGPIPE in the host process as with any write: embedders that hand pipes to
 * guests should ignore SIGPIPE (sockets are written with MSG_NOSIGNAL). */
WEFT_API weft_error *weft_wasi_define(weft_wasi *w, weft_linker *l);

/* ---------------------------------------------------------------------------------------------
 * Plugins: call code you did not write like a function, bytes in and bytes out
 *
 * A plugin is a WebAssembly module that exports functions of type () -> i32 (0: success) or
 * () -> (), and reads its input, writes its output, reads configuration and keeps variables
 * through the host functions of the module "extism:host/env", the ABI of Extism's PDKs: plugins
 * built with them run on weft unchanged. weft implements that ABI natively: the guest's blocks live
 * in a bounds-checked memory the host manages, apart from the guest's own linear memory.
 *
 * weft_compiled_plugin: the module compiled once, with its options. Thread-safe, shared by
 *                       instances; reference-counted (instances keep it alive).
 * weft_plugin:          one instance: used by one thread at a time (weft_plugin_cancel from any).
 * weft_pool:            instances handed out to concurrent callers, with a bounded wait queue.
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_compiled_plugin weft_compiled_plugin;
typedef struct weft_plugin weft_plugin;
typedef struct weft_pool weft_pool;

/* Log levels, as Extism numbers them. */
typedef enum weft_log_level {
    WEFT_LOG_TRACE = 0,
    WEFT_LOG_DEBUG = 1,
    WEFT_LOG_INFO = 2,
    WEFT_LOG_WARN = 3,
    WEFT_LOG_ERROR = 4,
    WEFT_LOG_OFF = 5,
} weft_log_level;

/* Receives the guest's log messages at or above the plugin's level (msg is not NUL-terminated;
 * borrowed for the duration of the call). Called on the thread running the plugin. */
typedef void (*weft_log_fn)(void *user_data, weft_log_level level, const char *msg, size_t len);

/* A host function a plugin imports (by default from "extism:host/user"). The callback gets the
 * calling instance, to reach its blocks (weft_plugin_block_*) and memory; it returns NULL, or an
 * error (weft_trap_new) that fails the call with that message. */
typedef weft_error *(*weft_plugin_host_cb)(weft_plugin *p, void *user_data, const weft_val *args,
                                           weft_val *results);

typedef struct weft_plugin_host_fn {
    const char *module; /* NULL: "extism:host/user" */
    const char *name;
    const weft_valtype *params;
    size_t nparams;
    const weft_valtype *results;
    size_t nresults;
    weft_plugin_host_cb fn;
    void *user_data; /* shared by every instance; dtor (may be NULL) runs when the compiled
                        plugin is freed, or at once if compiling fails */
    void (*dtor)(void *);
} weft_plugin_host_fn;

typedef struct weft_plugin_kv {
    const char *key, *value;
} weft_plugin_kv;

typedef struct weft_plugin_dir {
    const char *host_path, *guest_path;
    bool read_only;
} weft_plugin_dir;

/* Everything is optional and copied; zero means the default. Nothing is granted by default. */
typedef struct weft_plugin_options {
    const weft_plugin_kv *config;        /* what config_get returns */
    size_t nconfig;
    const char *const *allowed_hosts;    /* hosts http_request may reach: globs ("*.example.com") */
    size_t nallowed_hosts;
    bool wasi;                           /* link WASI preview 1, granting only what follows */
    const weft_plugin_dir *dirs;         /* WASI preopened directories */
    size_t ndirs;
    bool wasi_inherit_stdio;             /* WASI stdout/stderr to the host's (else /dev/null) */
    uint64_t max_memory_bytes;           /* linear memory, and separately blocks: 0 = 64 MiB */
    uint64_t max_output_bytes;           /* 0 = 64 MiB */
    uint64_t max_var_bytes;              /* an instance's vars, keys and values and 32 bytes
                                            per var: 0 = 1 MiB */
    uint64_t max_http_response_bytes;    /* 0 = 50 MiB */
    uint64_t fuel;                       /* per call: 0 = unlimited */
    uint64_t timeout_ms;                 /* wall clock per call: 0 = none */
    uint32_t max_call_depth;             /* 0 = the engine's default */
    weft_log_level log_level;            /* 0 is TRACE: set it, e.g. WEFT_LOG_INFO */
    weft_log_fn log;                     /* NULL: messages are dropped */
    void *log_user_data;
    const weft_plugin_host_fn *host_functions;
    size_t nhost_functions;
} weft_plugin_options;

/* Compiles a plugin (the bytes and options are copied). On failure *out is NULL. */
WEFT_API weft_error *weft_plugin_compile(const uint8_t *wasm, size_t len,
                                         const weft_plugin_options *opts,
                                         weft_compiled_plugin **out);
/* Releases the caller's reference (instances and pools hold their own); NULL is a no-op. */
WEFT_API void weft_compiled_plugin_free(weft_compiled_plugin *cp);
/* A new instance (instantiated; start function, WASI _initialize and a "wizer.initialize"
 * export run, in that order). */
WEFT_API weft_error *weft_plugin_instantiate(weft_compiled_plugin *cp, weft_plugin **out);
/* Both at once, Extism style: NULL on failure, with *err (if err is not NULL) a malloc'd message
 * the caller frees. */
WEFT_API weft_plugin *weft_plugin_new(const uint8_t *wasm, size_t len,
                                      const weft_plugin_options *opts, char **err);
/* Frees an instance; NULL is a no-op. */
WEFT_API void weft_plugin_free(weft_plugin *p);

typedef enum weft_plugin_status {
    WEFT_PLUGIN_OK = 0,
    WEFT_PLUGIN_ERROR = 1,     /* the plugin reported an error (error_set, or a nonzero return) */
    WEFT_PLUGIN_TRAP = 2,      /* it trapped, or a host function failed */
    WEFT_PLUGIN_TIMEOUT = 3,   /* timeout_ms passed */
    WEFT_PLUGIN_CANCELLED = 4, /* weft_plugin_cancel */
    WEFT_PLUGIN_FUEL = 5,      /* it used all its fuel */
    WEFT_PLUGIN_LIMIT = 6,     /* it went over a limit: memory, output, vars, call depth */
    WEFT_PLUGIN_NOT_FOUND = 7, /* no such function (or not of a plugin's type) */
    WEFT_PLUGIN_BUSY = 8,      /* a pool's wait queue is full, or waiting timed out */
} weft_plugin_status;

/* Calls function fn with the input (copied). After any failure the instance can be called again:
 * one that trapped is replaced by a fresh instance first (variables survive). */
WEFT_API weft_plugin_status weft_plugin_call(weft_plugin *p, const char *fn, const void *in,
                                             size_t in_len);
/* The last call's output; borrowed until the next call or free. NULL with length 0 if none. */
WEFT_API const uint8_t *weft_plugin_output(weft_plugin *p, size_t *len);
/* Why the last call failed (NULL after a success); borrowed like the output. */
WEFT_API const char *weft_plugin_error(weft_plugin *p);
WEFT_API bool weft_plugin_function_exists(weft_plugin *p, const char *fn);
/* Stops the call running in p (if any) with WEFT_PLUGIN_CANCELLED. Any thread; a cancel that
 * finds no call running is forgotten. */
WEFT_API void weft_plugin_cancel(weft_plugin *p);
/* Variables (per instance, kept across calls): copies of value; NULL value deletes. */
WEFT_API weft_error *weft_plugin_var_set(weft_plugin *p, const char *key, const void *value,
                                         size_t len);
/* Borrowed until the next call or var_set; NULL if unset. */
WEFT_API const uint8_t *weft_plugin_var_get(weft_plugin *p, const char *key, size_t *len);

/* Inside a host function: blocks of the calling instance. block_get returns the block starting at
 * offset (bounds-checked; NULL if offset is not a block); block_new copies data into a new block
 * and returns its offset (0 if the memory limit refuses it). */
WEFT_API const uint8_t *weft_plugin_block_get(weft_plugin *p, uint64_t offset, size_t *len);
WEFT_API uint64_t weft_plugin_block_new(weft_plugin *p, const void *data, size_t len);
/* The instance's linear memory (memory 0), or NULL. */
WEFT_API weft_memory *weft_plugin_memory(weft_plugin *p);

/* Per-request stdio for a WASI plugin (see weft_plugin_reset): extra environment entries
 * ("KEY=VALUE"), stdin bytes (borrowed until the next reset), and how much of stdout and stderr
 * to keep. */
typedef struct weft_plugin_stdio {
    const char *const *env;
    size_t nenv;
    const void *in;
    size_t in_len;
    size_t out_limit, err_limit;
} weft_plugin_stdio;

/* Returns p to the state of a fresh instance: memory, globals and tables as they were right
 * after start-up (and _initialize), taken once per compiled plugin into a copy-on-write snapshot;
 * no vars; no blocks; WASI rebuilt as configured, with io's stdio if io is not NULL (a plugin
 * compiled with wasi only). Costs a few microseconds plus the pages the last call wrote, against
 * the tens of a new instance: what a server running each request in a fresh instance uses. */
WEFT_API weft_error *weft_plugin_reset(weft_plugin *p, const weft_plugin_stdio *io);
/* With io's stdio: what the guest wrote to stdout / stderr since the reset (borrowed until the
 * next reset); *truncated tells whether it wrote past the limit. */
WEFT_API const uint8_t *weft_plugin_stdout(weft_plugin *p, size_t *len, bool *truncated);
WEFT_API const uint8_t *weft_plugin_stderr(weft_plugin *p, size_t *len, bool *truncated);

/* A pool of up to max_instances instances of cp, created as needed. max_waiting callers may wait
 * for a free instance (others get WEFT_PLUGIN_BUSY at once). Thread-safe. */
WEFT_API weft_error *weft_pool_new(weft_compiled_plugin *cp, size_t max_instances,
                                   size_t max_waiting, weft_pool **out);
/* Frees the pool and its instances; no call may be running. NULL is a no-op. */
WEFT_API void weft_pool_free(weft_pool *pool);
/* Takes a free instance, waiting up to wait_ms (0: not at all) while all are busy; NULL when the
 * queue is full or the wait ends. Give it back with weft_pool_release. */
WEFT_API weft_plugin *weft_pool_acquire(weft_pool *pool, uint64_t wait_ms);
WEFT_API void weft_pool_release(weft_pool *pool, weft_plugin *p);
/* acquire, call, copy the output or the error message into *out (malloc'd, the caller frees),
 * release. */
WEFT_API weft_plugin_status weft_pool_call(weft_pool *pool, const char *fn, const void *in,
                                           size_t in_len, uint64_t wait_ms, uint8_t **out,
                                           size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
