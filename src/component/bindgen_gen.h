/* bindgen_gen.h: the machinery the C binding generators share (bindgen_c.c defines it, for itself
 * and for bindgen_host.c): growing text buffers, small hash maps, the generator's state, the C
 * names and C types of a world's component types (one C type per named type or anonymous
 * structure, written in dependency order), their free helpers, and the world's functions with
 * their C names. Internal to the two generators; bindgen.h is the API.
 */
#ifndef WEFT_COMPONENT_BINDGEN_GEN_H
#define WEFT_COMPONENT_BINDGEN_GEN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "component/bindgen.h"
#include "component/ccall.h"

typedef struct bg_sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} bg_sbuf;

typedef struct bg_hmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, n;
    bool strings; /* keys are NUL-terminated strings compared by content */
} bg_hmap;

/* A C type standing for a component type: a named one (record, variant, enum, flags), an alias
 * (`type x = ...` or a `use`), or an anonymous one (list, option, result, tuple) named after its
 * structure, one C type per structure. Primitives and string are not entries. */
typedef struct bg_tentry {
    const ct_type *t;  /* the definition, the alias, or the first anonymous type met */
    const char *name;  /* "w_iface_point": the prefix of its free function and constants */
    const char *ctype; /* "w_iface_point_t" */
    const char *token; /* "iface_point": the name without the world prefix, for anonymous names */
    uint8_t state;     /* 0: not written, 1: being written, 2: written */
} bg_tentry;

typedef struct bg_gen {
    const wit_world *w;
    const char *p, *P; /* the world's prefix: "my_world", "MY_WORLD" */
    bg_sbuf h, c;         /* the header and the glue */
    bg_tentry *ents;
    size_t nents, capents;
    bg_hmap by_type;  /* ct_type* -> entry */
    bg_hmap by_token; /* anonymous token -> entry */
    bg_hmap names;    /* every public C name, to find clashes */
    bg_hmap owns;     /* resolved ct_type* -> 1 + whether it owns memory */
    size_t *order; /* entries in the order they were written */
    size_t norder, caporder;
    size_t nnamed; /* entries of named types (the first ones; bg_begin counts them) */
    char **strs; /* strings made while generating, freed together */
    size_t nstrs, capstrs;
    weft_error *err; /* the first failure */
} bg_gen;

/* A function of the world with its C name and core import or export names. */
typedef struct bg_func {
    const ct_func *f;
    const char *cname;  /* "w_iface_fn" (import) or "w_exports_iface_fn" (export) */
    const char *module; /* import: the core import's module, export: the core export's name */
    const char *origin; /* "ns:pkg/iface@1.0.0#fn", for comments */
    bool exported;
} bg_func;

typedef struct bg_funcs {
    bg_func *v;
    size_t n, cap;
} bg_funcs;

/* ---- text ---- */
void bg_sb_vprintf(bg_sbuf *b, const char *fmt, va_list ap);
void bg_sb_printf(bg_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends tpl with $p replaced by the world's prefix, $P by it in capitals, $w by its name. */
void bg_put_template(bg_gen *g, bg_sbuf *b, const char *tpl);
/* A line of the glue (g->c), indented by ind levels. */
void bg_line(bg_gen *g, int ind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* s as a C string literal's contents (quotes and backslashes escaped). */
const char *bg_c_string(bg_gen *g, const char *s);

/* ---- maps: pointer or string keys to an index ---- */
int64_t bg_hm_get(const bg_hmap *m, const void *k); /* -1 when absent */
bool bg_hm_put(bg_hmap *m, const void *k, uint32_t v); /* false when out of memory */
void bg_hm_free(bg_hmap *m);

/* ---- failures and strings that live as long as g ---- */
bool bg_failed(const bg_gen *g);
void bg_fail(bg_gen *g, weft_error_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bg_nomem(bg_gen *g);
const char *bg_str(bg_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *bg_ident(bg_gen *g, const char *name);  /* '-' (and the like) to '_' */
const char *bg_member(bg_gen *g, const char *name); /* an identifier, '_' after a C keyword */
const char *bg_upper(bg_gen *g, const char *s);
/* Claims a public C name; a second claim of the same name fails g. */
void bg_claim(bg_gen *g, const char *name, const char *what);

/* ---- C types of component types ---- */
bool bg_is_prim(ct_kind k);            /* bool .. char */
const char *bg_prim_ctype(ct_kind k);  /* "int32_t" */
bool bg_is_scalar(const ct_type *t);   /* passed by value: primitives, enums, flags <= 32 */
bg_tentry *bg_entry_of(bg_gen *g, const ct_type *t); /* NULL for primitives and string */
const char *bg_ctype_of(bg_gen *g, const ct_type *t);
bool bg_owns(bg_gen *g, const ct_type *t);          /* holds a string or list */
const char *bg_free_of(bg_gen *g, const ct_type *t); /* its free helper's name */
const char *bg_iface_key(bg_gen *g, const wit_interface *i, const char *item_name);
const char *bg_payload_member(bg_gen *g, const ct_type *r, uint32_t c); /* "val.circle" */
const char *bg_field_member(bg_gen *g, const ct_type *r, uint32_t i);   /* "name", "f0" */
const ct_type *bg_one_result(const ct_func *f);
/* Writes entry idx's typedef into g->h (what it contains first), bg_dep t's. */
void bg_emit_type(bg_gen *g, size_t idx);
void bg_dep(bg_gen *g, const ct_type *t);
/* Writes the definition of entry idx's free helper into g->c (if it owns memory); a list's
 * storage is freed with $p_free. */
void bg_gen_free(bg_gen *g, size_t idx);

/* ---- the world ---- */
void bg_add_world_types(bg_gen *g);
void bg_add_func(bg_gen *g, bg_funcs *fs, const bg_func *fn);
/* The world's functions: imports (module: the instance or "$root"), then exports (module: the
 * export's full name, as cinst_find_func and the core export take it). */
void bg_collect(bg_gen *g, const cc_exports *ex, bg_funcs *fs);
bool bg_take(bindgen_file *f, const char *name, bg_sbuf *b);
/* Starts generating for w: zeroes g, ex and fs, names the world's types and collects its
 * functions (refusing what the generators do not support). */
void bg_begin(bg_gen *g, const wit_world *w, cc_exports *ex, bg_funcs *fs);
/* Writes the C types of the world's named types and of every function's types into g->h. */
void bg_header_types(bg_gen *g, const bg_funcs *fs);
/* Hands g's header and glue over as out's files "PREFIXsuffix.h" and ".c" unless g failed, frees
 * everything of g, ex and fs, and returns g's error (out emptied then). */
weft_error *bg_end(bg_gen *g, cc_exports *ex, bg_funcs *fs, const char *suffix,
                   bindgen_files *out);

#endif
