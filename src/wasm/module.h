/* module.h: the decoded and compiled form of a WebAssembly module (struct weft_module).
 *
 * A module is built once by decode.c (which calls compile.c for every function body) and is
 * read-only afterwards, so threads may share it. Names and data segment bytes point into the
 * module's own copy of the binary.
 */
#ifndef WEFT_MODULE_H
#define WEFT_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "weft.h"

/* Value types use their binary encoding. VT_ANY is the validator's unknown type, which only
 * appears on the polymorphic stack after unreachable code. */
typedef uint8_t valtype;
enum {
    VT_ANY = 0,
    VT_I32 = 0x7F,
    VT_I64 = 0x7E,
    VT_F32 = 0x7D,
    VT_F64 = 0x7C,
    VT_V128 = 0x7B,
    VT_FUNCREF = 0x70,
    VT_EXTERNREF = 0x6F,
};

static inline bool vt_is_ref(valtype t) { return t == VT_FUNCREF || t == VT_EXTERNREF; }

typedef struct functype {
    uint32_t nparams, nresults;
    valtype *types;         /* nparams parameter types, then nresults result types; owned */
    weft_valtype *api;      /* the same types as the public enum, for weft_func_params; owned */
    uint64_t hash;          /* of the signature, to make mismatches cheap to detect */
    bool ref_params;        /* a parameter is a reference (weft_func_call_raw refuses it) */
} functype;

static inline const valtype *ft_params(const functype *t) { return t->types; }
static inline const valtype *ft_results(const functype *t) { return t->types + t->nparams; }
bool functype_equal(const functype *a, const functype *b);
uint64_t functype_hash(const valtype *types, uint32_t nparams, uint32_t nresults);

typedef struct limits {
    uint32_t min, max;
    bool has_max;
} limits;

/* A constant expression, as 2.0 allows them: one instruction then end. */
enum { CE_CONST, CE_GLOBAL_GET, CE_REF_NULL, CE_REF_FUNC };
typedef struct constexpr_ {
    uint8_t kind;
    valtype type;   /* type of the result */
    uint32_t index; /* global or function index */
    uint64_t bits;  /* value of CE_CONST */
} constexpr_;

typedef struct name_ref {
    const char *ptr; /* into the module's bytes; not NUL-terminated */
    uint32_t len;
} name_ref;

typedef struct global_type {
    valtype type;
    bool mut;
} global_type;

typedef struct table_type {
    valtype reftype;
    limits lim;
} table_type;

typedef struct import {
    name_ref module, name;
    uint8_t kind;   /* WEFT_EXTERN_* */
    uint32_t index; /* index in its own space (functions, tables, memories, globals) */
} import;

typedef struct export {
    name_ref name;
    uint8_t kind;
    uint32_t index;
} export;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct elem_seg {
    uint8_t mode;
    valtype reftype;
    uint32_t table;
    constexpr_ offset;
    uint32_t count;
    constexpr_ *items; /* owned */
} elem_seg;

typedef struct data_seg {
    uint8_t mode;
    uint32_t memory;
    constexpr_ offset;
    uint32_t len;
    const uint8_t *bytes; /* into the module's bytes */
} data_seg;

/* Every function, imported or defined. For defined functions the compiled code lives in
 * module->code at [code_off, code_off + code_len). */
typedef struct func_decl {
    uint32_t type;        /* index into module->types */
    bool imported;
    uint32_t code_off, code_len;
    uint32_t param_slots; /* frame slots taken by parameters */
    uint32_t local_slots; /* frame slots taken by declared locals (zeroed on entry) */
    uint32_t frame_slots; /* all slots the frame needs: params, locals, operand stack */
    uint32_t body_off;    /* byte offset of the body in the binary, for errors */
    uint32_t name_off;    /* offset of the NUL-terminated name in module->names */
} func_decl;

struct weft_module {
    _Atomic uint32_t refs;
    weft_engine *engine;
    uint8_t *bytes; /* owned copy of the binary */
    size_t len;

    uint32_t ntypes;
    functype *types;
    uint32_t *canon; /* per type: the first type index with the same signature */

    uint32_t nimports;
    import *imports;

    uint32_t nfuncs, nfunc_imports;
    func_decl *funcs;

    uint32_t ntables, ntable_imports;
    table_type *tables;

    uint32_t nmems, nmem_imports;
    limits *mems;

    uint32_t nglobals, nglobal_imports;
    global_type *globals;
    constexpr_ *global_inits; /* for defined globals, indexed by global index */

    uint32_t nexports;
    export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    elem_seg *elems;

    bool has_datacount;
    uint32_t ndatas;
    data_seg *datas;

    /* Functions that may be referenced with ref.func in code (declared in elem segments,
     * exports or global initialisers): one bit per function. */
    uint8_t *func_declared;

    uint32_t *code; /* compiled code of all defined functions */
    size_t code_len;

    char *names; /* NUL-terminated function names, at func_decl.name_off */
    size_t names_len;

    /* The initial contents of memory 0, as a sealed memfd that instances map copy-on-write
     * instead of copying the data segments (image.c), or -1. */
    int image_fd;
    size_t image_len;
};

/* Allocates a module (refs = 1) around an owned copy of bytes and fills it in; on failure
 * returns the error and frees everything. */
weft_error *module_build(weft_engine *e, const uint8_t *bytes, size_t len, weft_module **out);
void module_retain(weft_module *m);
/* image.c: builds m's memory image if it can (image_fd stays -1 otherwise), and frees it. */
void image_build(weft_module *m);
void image_free(weft_module *m);
void module_release(weft_module *m);

static inline const char *module_func_name(const weft_module *m, uint32_t f) {
    return m->names + m->funcs[f].name_off;
}

#endif
