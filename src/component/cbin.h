/* cbin.h: component binaries (the component model's layered format, version 0x0d, layer 1) decoded
 * into index spaces a linker can walk: every core and component item, at its index, says how it is
 * defined (an import, an alias, a canon definition, an instantiation, ...), and component-level
 * types are converted to ct_type / ct_func for the canonical ABI.
 *
 * Decoding checks structure, indices, sorts and the kinds of referenced types; it does not check
 * that types match each other (instantiation arguments, canon lift against the core signature,
 * name uniqueness) and it instantiates nothing: that is the linker's. Core modules are kept as
 * byte ranges for weft_module_new, not decoded here.
 *
 * What wit-component (jco new) writes, and an instantiator walks in `defs` order: core module 0 is
 * the guest's; when an import needs the guest's memory or cabi_realloc (which exist only once it
 * is instantiated), a shim module exports a funcref table "$imports" of stubs that call_indirect,
 * the guest is instantiated against the stubs, the imports are lowered with its memory, and a
 * fixup module fills the table. Each exported interface is a nested component that imports
 * "import-func-NAME" / "import-type-NAME" and re-exports them under their plain names, so
 * cbin_instance_export_source leads from an export back to the lifted function here.
 */
#ifndef WEFT_COMPONENT_CBIN_H
#define WEFT_COMPONENT_CBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "component/ctypes.h"
#include "weft.h"

/* ---- limits on untrusted input (each failure names its limit) -------------------------------- */

#define CBIN_VERSION        0x0du        /* the binary version weft reads (wit-component 0.225) */
#define CBIN_MAX_SIZE       (1u << 30)   /* bytes of one component binary */
#define CBIN_MAX_DEPTH      32u          /* nested components and component/instance types */
#define CBIN_MAX_ITEMS      1000000u     /* definitions in one binary, nested ones included */
#define CBIN_MAX_NAME_LEN   100000u      /* bytes of one name */
#define CBIN_MAX_FIELDS     10000u       /* fields, cases, flags or tuple elements of one type */
#define CBIN_MAX_PARAMS     1000u        /* parameters (and named results) of one function type */
#define CBIN_MAX_DECLS      100000u      /* declarations of one component or instance type */
#define CBIN_MAX_CORE_PARAMS 1000u       /* parameters or results of one core function type */
#define CBIN_MAX_WORK       100000000    /* name comparisons and steps spent resolving aliases and
                                            instantiations: their cost grows with the product of
                                            two counts, so a hostile binary is stopped here */

/* ---- sorts: which index space an index is in ------------------------------------------------- */

typedef enum cbin_sort {
    CBIN_CORE_FUNC, CBIN_CORE_TABLE, CBIN_CORE_MEMORY, CBIN_CORE_GLOBAL, CBIN_CORE_TYPE,
    CBIN_CORE_MODULE, CBIN_CORE_INSTANCE,
    CBIN_FUNC, CBIN_VALUE, CBIN_TYPE, CBIN_COMPONENT, CBIN_INSTANCE,
    CBIN_NSORTS
} cbin_sort;

/* "core func", "core table", ..., "func", "value", "type", "component", "instance". Static. */
const char *cbin_sort_name(cbin_sort s);

/* How an item came to be at its index. */
typedef enum cbin_how {
    CBIN_DEFINED,           /* by a definition of this component (see the item's own fields) */
    CBIN_IMPORT,            /* imports[o.index] */
    CBIN_EXPORT,            /* exports[o.index]: the same item as the export's target, re-indexed */
    CBIN_ALIAS_EXPORT,      /* export o.name of component instance o.index */
    CBIN_ALIAS_CORE_EXPORT, /* export o.name of core instance o.index */
    CBIN_ALIAS_OUTER,       /* item o.index of the component o.outer levels out (0 = this one) */
} cbin_how;

typedef struct cbin_origin {
    cbin_how how;
    uint32_t offset;   /* byte offset of the definition in the input */
    uint32_t index;    /* see cbin_how */
    uint32_t outer;    /* CBIN_ALIAS_OUTER only */
    const char *name;  /* CBIN_ALIAS_EXPORT, CBIN_ALIAS_CORE_EXPORT only */
} cbin_origin;

/* ---- types ----------------------------------------------------------------------------------- */

typedef struct cbin_type cbin_type;
typedef struct cbin_core_type cbin_core_type;

typedef enum cbin_type_kind {
    CBIN_TYPE_VALUE,     /* a defined value type: val (a primitive, record, list, own, ...) */
    CBIN_TYPE_FUNC,      /* func */
    CBIN_TYPE_RESOURCE,  /* val is its CT_RESOURCE; own/borrow types point at that ct_type */
    CBIN_TYPE_COMPONENT, /* imports and exports */
    CBIN_TYPE_INSTANCE,  /* exports */
} cbin_type_kind;

/* An import or export as a type declares it: name, sort, and the type of what it carries. */
typedef struct cbin_decl {
    const char *name;
    cbin_sort sort;               /* func, value, type, component, instance, or core module */
    const cbin_type *type;        /* NULL for a core module, or when it cannot be known */
    const cbin_core_type *core_type; /* core module: its module type, when declared */
} cbin_decl;

struct cbin_type {
    cbin_type_kind kind;
    const ct_type *val;           /* VALUE, RESOURCE */
    const ct_func *func; /* FUNC (its name is NULL: functions are named by their exports) */
    const cbin_decl *imports;     /* COMPONENT */
    uint32_t nimports;
    const cbin_decl *exports;     /* COMPONENT, INSTANCE */
    uint32_t nexports;
    /* RESOURCE: abstract ones come from an import or export `(sub resource)`; the others are
     * defined by a component's type section (representation i32), maybe with a destructor. */
    bool abstract;
    bool has_dtor;
    uint32_t dtor;                /* core func index, in the component that defines it */
    uint8_t named_by;             /* private to the decoder */
};

/* A core type: a function type, or a module type (what a core module imports and exports). Only
 * a module type's imports and exports are kept, as decls. */
typedef struct cbin_core_decl {
    const char *module;           /* import's module name; NULL for an export */
    const char *name;
    uint8_t kind;                 /* 0 func, 1 table, 2 memory, 3 global */
    uint32_t type;                /* func: index in the module type's own core type space */
} cbin_core_decl;

struct cbin_core_type {
    bool is_module;
    const uint8_t *params, *results; /* function type: core value type bytes (0x7f = i32, ...) */
    uint32_t nparams, nresults;
    const cbin_core_decl *decls;  /* module type: imports and exports, in order */
    uint32_t ndecls;
};

/* ---- items of the index spaces --------------------------------------------------------------- */

typedef enum cbin_string_encoding { CBIN_UTF8, CBIN_UTF16, CBIN_LATIN1_UTF16 } cbin_string_encoding;

/* Canonical options of a lift or lower. */
typedef struct cbin_canon_opts {
    cbin_string_encoding encoding; /* CBIN_UTF8 when none is given */
    bool has_encoding;            /* whether the binary gave one */
    bool has_memory, has_realloc, has_post_return;
    uint32_t memory;              /* core memory index */
    uint32_t realloc;             /* core func index */
    uint32_t post_return;         /* core func index (lift only) */
} cbin_canon_opts;

typedef enum cbin_canon {
    CBIN_CANON_LOWER,             /* target: a component func index; opts */
    CBIN_CANON_RESOURCE_NEW,      /* target: a resource type index */
    CBIN_CANON_RESOURCE_DROP,
    CBIN_CANON_RESOURCE_REP,
} cbin_canon;

typedef struct cbin_core_func {
    cbin_origin o;                /* DEFINED: a canon definition; or CBIN_ALIAS_CORE_EXPORT */
    cbin_canon canon;
    uint32_t target;
    cbin_canon_opts opts;
} cbin_core_func;

/* Core tables, memories and globals are only ever aliased from core instances' exports. */
typedef struct cbin_core_item {
    cbin_origin o;
} cbin_core_item;

typedef struct cbin_core_type_item {
    cbin_origin o;                /* DEFINED: by the core type section */
    const cbin_core_type *type;
} cbin_core_type_item;

typedef struct cbin_core_module {
    cbin_origin o;
    const uint8_t *bytes;         /* DEFINED or ALIAS_OUTER: the module, borrowed from the input */
    size_t len;
    const cbin_core_type *type;   /* IMPORT: the declared module type */
} cbin_core_module;

/* A name with a sort and index: instantiation arguments and inline exports. */
typedef struct cbin_arg {
    const char *name;
    cbin_sort sort;
    uint32_t index;
} cbin_arg;

typedef struct cbin_core_instance {
    cbin_origin o;                /* always DEFINED */
    bool from_exports; /* true: a bundle of the items in args; false: instantiate module */
    uint32_t module;
    const cbin_arg *args; /* instantiate: each `with` (sort CBIN_CORE_INSTANCE); else exports */
    uint32_t nargs;
} cbin_core_instance;

typedef struct cbin_func {
    cbin_origin o;                /* DEFINED: canon lift of core_func with opts, type type_index */
    const cbin_type *type;        /* its function type (NULL only when it cannot be known) */
    uint32_t core_func;
    uint32_t type_index;
    cbin_canon_opts opts;
} cbin_func;

typedef struct cbin_value {
    cbin_origin o; /* values (the model's 🪙 feature) only come from a start's results */
    const cbin_type *type;
} cbin_value;

typedef struct cbin_type_item {
    cbin_origin o;                /* DEFINED: by the type section */
    const cbin_type *type;
} cbin_type_item;

typedef struct cbin_component cbin_component;

typedef struct cbin_component_item {
    cbin_origin o;
    const cbin_component *def; /* DEFINED (a nested component) or ALIAS_OUTER of one; else NULL */
    const cbin_type *type;        /* its component type (imports and exports) */
} cbin_component_item;

typedef struct cbin_instance {
    cbin_origin o;                /* DEFINED: instantiate component (args) or from exports (args) */
    const cbin_type *type;        /* an instance type: what it exports (NULL when unknown) */
    bool from_exports;
    uint32_t component;
    const cbin_arg *args;
    uint32_t nargs;
} cbin_instance;

/* ---- imports, exports, start, custom sections ------------------------------------------------ */

typedef struct cbin_import {
    const char *name;             /* "acme:math/ops@0.1.0", "log", ... */
    cbin_sort sort;
    uint32_t index;               /* the index it takes in its sort's space */
    const cbin_type *type;        /* the declared type (for sort type: the imported type itself) */
    const cbin_core_type *core_type; /* core module imports */
    uint32_t type_index; /* the type index the descriptor names (type bound eq: the target) */
    bool sub_resource;            /* sort type, bound `(sub resource)` */
    uint32_t offset;
} cbin_import;

typedef struct cbin_export {
    const char *name;
    cbin_sort sort;
    uint32_t target;              /* the exported item: index in its sort's space */
    uint32_t index;               /* the new index the export takes in the same space */
    const cbin_type *type;        /* the ascribed type if given, else the target's */
    bool ascribed;
    uint32_t offset;
} cbin_export;

typedef struct cbin_start {
    uint32_t func;
    const uint32_t *args;         /* value indices */
    uint32_t nargs;
    uint32_t nresults;            /* values appended to the value space */
    uint32_t offset;
} cbin_start;

typedef struct cbin_custom {
    const char *name;
    const uint8_t *data;          /* borrowed from the input */
    size_t len;
} cbin_custom;

/* One definition, in the order of the binary: the order instantiation follows. sort is
 * CBIN_NSORTS for a start (index into starts). */
typedef struct cbin_def {
    cbin_sort sort;
    uint32_t index;
} cbin_def;

/* ---- the component --------------------------------------------------------------------------- */

struct cbin_component {
    const cbin_component *parent; /* NULL for the top one */
    uint32_t depth;               /* 0 for the top one */
    uint32_t offset, size;        /* its bytes in the input (preamble included) */

    cbin_core_func *core_funcs;         uint32_t ncore_funcs;
    cbin_core_item *core_tables;        uint32_t ncore_tables;
    cbin_core_item *core_memories;      uint32_t ncore_memories;
    cbin_core_item *core_globals;       uint32_t ncore_globals;
    cbin_core_type_item *core_types;    uint32_t ncore_types;
    cbin_core_module *core_modules;     uint32_t ncore_modules;
    cbin_core_instance *core_instances; uint32_t ncore_instances;
    cbin_func *funcs;                   uint32_t nfuncs;
    cbin_value *values;                 uint32_t nvalues;
    cbin_type_item *types;              uint32_t ntypes;
    cbin_component_item *components;    uint32_t ncomponents;
    cbin_instance *instances;           uint32_t ninstances;

    cbin_import *imports;               uint32_t nimports;
    cbin_export *exports;               uint32_t nexports;
    cbin_start *starts;                 uint32_t nstarts;
    cbin_custom *customs;               uint32_t ncustoms;
    cbin_def *defs;                     uint32_t ndefs;

    /* Its own type: each import and export with the type of what it carries. */
    const cbin_type *type;
    /* Types, functions, names and every array above live here; owned by the top component. */
    ct_arena *arena;
};

/* Decodes a component binary. On success *out is the component, freed with cbin_free; it
 * borrows from bytes (core modules, custom sections), which must outlive it. On failure *out is
 * NULL and the error (the caller frees it) says what is wrong and where: "component section 6
 * (alias) at byte 123: alias of unknown instance 4"; a core module gets "this is a core module,
 * not a component". Error kinds: WEFT_ERR_MALFORMED, WEFT_ERR_INVALID (a bad index or sort),
 * WEFT_ERR_UNSUPPORTED (async, values, GC types), WEFT_ERR_LIMIT, WEFT_ERR_NOMEM. */
weft_error *cbin_decode(const uint8_t *bytes, size_t len, cbin_component **out);

/* Frees a component from cbin_decode (with its nested ones); NULL is a no-op. Nested components
 * are freed with their top one, never alone. */
void cbin_free(cbin_component *c);

/* Whether bytes start like a component (magic, then layer 1), to choose between this and
 * weft_module_new. */
bool cbin_is_component(const uint8_t *bytes, size_t len);

/* Number of items in one index space, and how item i of it is defined (NULL if out of range). */
uint32_t cbin_count(const cbin_component *c, cbin_sort s);
const cbin_origin *cbin_origin_of(const cbin_component *c, cbin_sort s, uint32_t i);

/* The type of what item i of sort s carries: a func's function type, an instance's instance
 * type, a type item's type, ... NULL for core sorts or when unknown. */
const cbin_type *cbin_item_type(const cbin_component *c, cbin_sort s, uint32_t i);

/* The export named name (NUL-terminated) of the component, or NULL. */
const cbin_export *cbin_find_export(const cbin_component *c, const char *name);
/* The import named name of the component, or NULL. */
const cbin_import *cbin_find_import(const cbin_component *c, const char *name);
/* The export named name of an instance type (or component type), or NULL. */
const cbin_decl *cbin_type_export(const cbin_type *t, const char *name);

/* Where export `name` of instance `instance` of c comes from, when that is known before
 * instantiation: an index of c's own (*sort, *index). It follows inline exports, exports of a
 * nested component that re-export one of its imports (as wit-component writes every exported
 * interface), re-exports and aliases. False when the item is made inside the instance (an
 * instantiated component's own definition) or the instance is imported. */
bool cbin_instance_export_source(const cbin_component *c, uint32_t instance, const char *name,
                                 cbin_sort *sort, uint32_t *index);

/* "func(a: s32, b: s32) -> s32", "instance { add: func, ... }", ... into buf, for messages. */
const char *cbin_describe_type(const cbin_type *t, char *buf, size_t len);

/* Prints a readable summary: imports, every definition in order with its index, nested
 * components indented, exports. For tests and debugging; the format may change. */
void cbin_dump(const cbin_component *c, FILE *f);

#endif
