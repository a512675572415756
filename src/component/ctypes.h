/* ctypes.h: the component model's types and values as weft represents them, shared by the WIT
 * parser (wit*.c), the canonical ABI (abi.c), the WAVE value syntax (wave.c), and later the
 * component binary reader, the linker and the bindings generator.
 *
 * Types live in a ct_arena and point at each other (a record's field types, a list's element
 * type); named types (record, variant, enum, flags, resource, and type aliases) carry their name.
 * Values (cv) are trees allocated in a cv_arena, freed all at once: a call lifts its arguments
 * into one arena and drops it when done. Nothing here is global; every function takes its arena.
 */
#ifndef WEFT_COMPONENT_CTYPES_H
#define WEFT_COMPONENT_CTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft_component.h" /* the public names of these types and the value struct */

/* ---- types ---------------------------------------------------------------------------------- */

typedef enum ct_kind {
    CT_BOOL, CT_S8, CT_U8, CT_S16, CT_U16, CT_S32, CT_U32, CT_S64, CT_U64, CT_F32, CT_F64,
    CT_CHAR, CT_STRING,
    CT_LIST,     /* elem */
    CT_OPTION,   /* elem */
    CT_RESULT,   /* ok, err: either may be NULL (result, result<T>, result<_, E>) */
    CT_TUPLE,    /* fields (names NULL) */
    CT_RECORD,   /* fields */
    CT_VARIANT,  /* fields: cases, a case's type may be NULL */
    CT_ENUM,     /* fields: cases, types NULL */
    CT_FLAGS,    /* fields: flags, types NULL */
    CT_RESOURCE, /* a resource type itself (its methods live in the interface) */
    CT_OWN,      /* elem: the CT_RESOURCE */
    CT_BORROW,   /* elem: the CT_RESOURCE */
    CT_ALIAS,    /* `type x = y`, or a type brought in by `use`: elem is the target */
} ct_kind;

typedef struct weft_ctype ct_type;

typedef struct ct_field {
    const char *name;     /* NULL for tuple elements */
    const ct_type *type;  /* NULL for enum cases, flags, and variant cases without payload */
} ct_field;

struct weft_ctype {
    ct_kind kind;
    const char *name;     /* the declared name (kebab-case as written), NULL if anonymous */
    const ct_type *elem;  /* list, option, own, borrow, alias */
    const ct_type *ok, *err; /* result */
    ct_field *fields;     /* tuple, record, variant, enum, flags */
    uint32_t nfields;
    /* Where it was declared, for messages (0 when built in code). */
    uint32_t line, col;
};

/* Follows aliases to the type they name. */
const ct_type *ct_resolve(const ct_type *t);

/* A function's signature: parameters are named; results are either one unnamed type
 * (`-> T`), several named ones (`-> (a: T, b: U)`), or none. */
typedef struct weft_cfunc_type {
    const char *name;     /* "add", or for resources "[constructor]r", "[method]r.m", "[static]r.s" */
    ct_field *params;
    uint32_t nparams;
    ct_field *results;    /* one with name NULL for `-> T` */
    uint32_t nresults;
    uint32_t line, col;
} ct_func;

/* An arena of types and functions (and the strings they hold). */
typedef struct ct_arena ct_arena;
ct_arena *ct_arena_new(void);
void ct_arena_free(ct_arena *a);
/* Zeroed memory from the arena (8-byte aligned); NULL when out of memory. */
void *ct_alloc(ct_arena *a, size_t n);
/* A copy of the len bytes at s, NUL-terminated, in the arena. */
char *ct_strndup(ct_arena *a, const char *s, size_t len);
/* A new type of kind k (everything else zero). */
ct_type *ct_new(ct_arena *a, ct_kind k);
/* The shared primitive type of kind k (bool .. string): the arena keeps one of each. */
const ct_type *ct_prim(ct_arena *a, ct_kind k);

/* Structural equality of types, as linking checks an import against what satisfies it: kinds,
 * element types, and the names of fields, cases and flags count; type names and aliases do not;
 * resources are equal when they have the same name (for now: handles are not yet tied to their
 * resource type's run-time identity). Functions: parameter names and types,
 * result names and types. */
bool ct_type_equal(const ct_type *a, const ct_type *b);
bool ct_func_equal(const ct_func *a, const ct_func *b);

/* "u32", "list<string>", "result<u32, string>", or the type's name: for messages; into buf. */
const char *ct_describe(const ct_type *t, char *buf, size_t len);

/* ---- values --------------------------------------------------------------------------------- */

/* A value: struct weft_cval of weft_component.h, where embedders build and read them. */
typedef struct weft_cval cv;

typedef struct weft_cval_arena cv_arena;
cv_arena *cv_arena_new(void);
void cv_arena_free(cv_arena *a);
/* Zeroed memory from the arena; NULL when out of memory (or past the arena's limit). */
void *cv_alloc(cv_arena *a, size_t n);
/* Limits the bytes an arena may hand out (0: none): lifting a hostile component's values stops
 * with an error instead of exhausting the host. */
void cv_arena_set_limit(cv_arena *a, size_t bytes);
/* Empties an arena for reuse, keeping its newest chunk (its limit stays). */
void cv_arena_reset(cv_arena *a);
/* Deep equality of two values of the same type (floats bit for bit, NaNs equal to NaNs). */
bool cv_equal(const cv *a, const cv *b);

#endif
