/* bindgen_c.c: C bindings for a WIT world (see bindgen.h): the C names of its types and functions,
 * a header of C types and prototypes, and the glue: core exports that lift their arguments, call
 * the author's function and lower its results; wrappers that lower a call's arguments for a core
 * import and lift what it returns; cabi_realloc and the post-return functions. Layouts and
 * flattenings are abi.c's; export names ccall.c's. Resources (and own/borrow) are refused for now.
 *
 * The C types are laid out exactly as the canonical ABI lays values out in memory (each checked by
 * a _Static_assert in the glue against abi_size/abi_align), so a list's elements, a spilled tuple
 * or a return area are read and written in place: only flat values need converting.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "component/abi.h"
#include "component/bindgen.h"
#include "component/ccall.h"
#include "wasm/error.h"

/* ---- text and strings ------------------------------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_vprintf(sbuf *b, const char *fmt, va_list ap) {
    if (b->oom) return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (!b->s || b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* ---- small hash maps: pointer or string keys to an index ------------------------------------- */

typedef struct hmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, n;
    bool strings; /* keys are NUL-terminated strings compared by content */
} hmap;

static uint64_t hm_hash(const hmap *m, const void *k) {
    uint64_t h = 1469598103934665603ull;
    if (!m->strings) {
        h = (uint64_t)(uintptr_t)k;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        return h ^ (h >> 33);
    }
    for (const unsigned char *s = k; *s; s++) h = (h ^ *s) * 1099511628211ull;
    return h;
}

static bool hm_eq(const hmap *m, const void *a, const void *b) {
    return m->strings ? strcmp(a, b) == 0 : a == b;
}

/* The value of key k, or -1. */
static int64_t hm_get(const hmap *m, const void *k) {
    if (!m->cap) return -1;
    for (size_t i = hm_hash(m, k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return -1;
        if (hm_eq(m, m->keys[i], k)) return m->vals[i];
    }
}

/* Sets k (borrowed: it must outlive the map) to v; false when out of memory. */
static bool hm_put(hmap *m, const void *k, uint32_t v) {
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const void **keys = calloc(cap, sizeof *keys);
        uint32_t *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t j = hm_hash(m, m->keys[i]) & (cap - 1);
            while (keys[j]) j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = hm_hash(m, k) & (m->cap - 1);
    while (m->keys[i] && !hm_eq(m, m->keys[i], k)) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->n++;
    m->keys[i] = k;
    m->vals[i] = v;
    return true;
}

static void hm_free(hmap *m) {
    free(m->keys);
    free(m->vals);
}

/* ---- the generator's state ------------------------------------------------------------------- */

/* A C type standing for a component type: a named one (record, variant, enum, flags), an alias
 * (`type x = ...` or a `use`), or an anonymous one (list, option, result, tuple) named after its
 * structure, one C type per structure. Primitives and string are not entries. */
typedef struct tentry {
    const ct_type *t;  /* the definition, the alias, or the first anonymous type met */
    const char *name;  /* "w_iface_point": the prefix of its free function and constants */
    const char *ctype; /* "w_iface_point_t" */
    const char *token; /* "iface_point": the name without the world prefix, for anonymous names */
    uint8_t state;     /* 0: not written, 1: being written, 2: written */
} tentry;

typedef struct gen {
    const wit_world *w;
    const char *p, *P; /* the world's prefix: "my_world", "MY_WORLD" */
    sbuf h, c;         /* the header and the glue */
    tentry *ents;
    size_t nents, capents;
    hmap by_type;  /* ct_type* -> entry */
    hmap by_token; /* anonymous token -> entry */
    hmap names;    /* every public C name, to find clashes */
    hmap owns;     /* resolved ct_type* -> 1 + whether it owns memory */
    size_t *order; /* entries in the order they were written */
    size_t norder, caporder;
    char **strs; /* strings made while generating, freed together */
    size_t nstrs, capstrs;
    weft_error *err; /* the first failure */
} gen;

static bool failed(const gen *g) { return g->err != NULL || g->h.oom || g->c.oom; }

static void fail(gen *g, weft_error_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(gen *g, weft_error_kind k, const char *fmt, ...) {
    if (g->err) return;
    va_list ap;
    va_start(ap, fmt);
    g->err = err_newv(k, -1, fmt, ap);
    va_end(ap);
}

static void nomem(gen *g) {
    if (!g->err) g->err = err_nomem();
}

/* Takes s (malloc'd, or NULL when that failed) into the strings g frees at the end; NULL (and g
 * failed) when out of memory. */
static char *keep(gen *g, char *s) {
    if (s && g->nstrs == g->capstrs) {
        size_t cap = g->capstrs ? g->capstrs * 2 : 256;
        char **v = realloc(g->strs, cap * sizeof *v);
        if (v) {
            g->strs = v;
            g->capstrs = cap;
        }
    }
    if (!s || g->nstrs == g->capstrs) {
        free(s);
        nomem(g);
        return NULL;
    }
    g->strs[g->nstrs++] = s;
    return s;
}

/* A formatted string that lives as long as g; "" (and g failed) when out of memory. */
static const char *str(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *str(gen *g, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = keep(g, n >= 0 ? malloc((size_t)n + 1) : NULL);
    if (!s) return "";
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A copy of s to change, living as long as g; NULL (and g failed) when out of memory. */
static char *copy_of(gen *g, const char *s) {
    size_t n = strlen(s) + 1;
    char *c = keep(g, malloc(n));
    if (c) memcpy(c, s, n);
    return c;
}

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "alignas",
    "alignof", "noreturn", "static_assert", "thread_local", "asm", "typeof", "NULL",
};

/* A WIT name as a C identifier: '-' (or anything else C does not take) becomes '_'. */
static const char *ident(gen *g, const char *name) {
    char *s = copy_of(g, name);
    if (!s) return "";
    for (char *q = s; *q; q++)
        if (!isalnum((unsigned char)*q)) *q = '_';
    return s;
}

/* A member or parameter name: an identifier, with '_' after a C keyword. */
static const char *member(gen *g, const char *name) {
    const char *s = ident(g, name);
    for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++)
        if (strcmp(s, c_keywords[i]) == 0) return str(g, "%s_", s);
    return s;
}

static const char *upper(gen *g, const char *s) {
    char *u = copy_of(g, s);
    if (!u) return "";
    for (char *q = u; *q; q++) *q = (char)toupper((unsigned char)*q);
    return u;
}

/* Claims a public C name; a second claim is a clash the author could not resolve in C. */
static void claim(gen *g, const char *name, const char *what) {
    if (failed(g)) return;
    if (hm_get(&g->names, name) >= 0) {
        fail(g, WEFT_ERR_USAGE, "two things of the world get the C name %s (the second: %s)", name,
             what);
        return;
    }
    if (!hm_put(&g->names, name, 1)) nomem(g);
}

/* ---- primitive types ------------------------------------------------------------------------- */

static bool is_prim(ct_kind k) { return k <= CT_CHAR; }

static const char *prim_ctype(ct_kind k) {
    static const char *const v[] = {"bool",     "int8_t",  "uint8_t",  "int16_t",
                                    "uint16_t", "int32_t", "uint32_t", "int64_t",
                                    "uint64_t", "float",   "double",   "uint32_t"};
    return v[k];
}

static const char *prim_token(ct_kind k) {
    static const char *const v[] = {"bool", "s8",  "u8",  "s16", "u16", "s32",  "u32",
                                    "s64",  "u64", "f32", "f64", "char", "string"};
    return v[k];
}

static const char *core_ctype(weft_valtype v) {
    switch (v) {
    case WEFT_I64: return "int64_t";
    case WEFT_F32: return "float";
    case WEFT_F64: return "double";
    default: return "int32_t";
    }
}

/* Passed by value (and returned) in the C API; anything else goes by pointer. */
static bool is_scalar(const ct_type *t) {
    t = ct_resolve(t);
    return t && (is_prim(t->kind) || t->kind == CT_ENUM ||
                 (t->kind == CT_FLAGS && t->nfields <= 32));
}

static uint32_t nflat(const ct_type *t) { return (uint32_t)abi_flatten(t, NULL, ABI_MAX_FLAT); }

/* ---- naming ---------------------------------------------------------------------------------- */

static tentry *add_entry(gen *g, const ct_type *t, const char *token) {
    if (failed(g)) return NULL;
    if (g->nents == g->capents) {
        size_t cap = g->capents ? g->capents * 2 : 64;
        tentry *v = realloc(g->ents, cap * sizeof *v);
        if (!v) {
            nomem(g);
            return NULL;
        }
        g->ents = v;
        g->capents = cap;
    }
    tentry *e = &g->ents[g->nents];
    *e = (tentry){t, str(g, "%s_%s", g->p, token), NULL, token, 0};
    e->ctype = str(g, "%s_t", e->name);
    if (!hm_put(&g->by_type, t, (uint32_t)g->nents)) {
        nomem(g);
        return NULL;
    }
    g->nents++;
    return failed(g) ? NULL : e;
}

static tentry *entry_of(gen *g, const ct_type *t);

/* The token of a type in an anonymous type's name: "u8", "string", "iface_point", "list_u8".
 * Aliases count as what they name, so that list<person> is one C type in every interface that
 * uses person, and list<bytes> the same as list<list<u8>>. Returns a primitive's static token or
 * the entry's own string, so that tokens also tell types apart (entries themselves move). */
static const char *token_of(gen *g, const ct_type *t) {
    if (!t) return "void";
    t = ct_resolve(t);
    if (!t) return "";
    if (is_prim(t->kind) || t->kind == CT_STRING) return prim_token(t->kind);
    tentry *e = entry_of(g, t);
    return e ? e->token : "";
}

static bool same_anon(gen *g, const ct_type *a, const ct_type *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case CT_LIST: case CT_OPTION: return token_of(g, a->elem) == token_of(g, b->elem);
    case CT_RESULT:
        return token_of(g, a->ok) == token_of(g, b->ok) &&
               token_of(g, a->err) == token_of(g, b->err);
    case CT_TUPLE:
        if (a->nfields != b->nfields) return false;
        for (uint32_t i = 0; i < a->nfields; i++)
            if (token_of(g, a->fields[i].type) != token_of(g, b->fields[i].type)) return false;
        return true;
    default: return false;
    }
}

/* The entry of a non-primitive type, made on first sight for anonymous types; NULL for
 * primitives and strings, and when g failed. */
static tentry *entry_of(gen *g, const ct_type *t) {
    if (failed(g) || !t) return NULL;
    int64_t i = hm_get(&g->by_type, t);
    if (i >= 0) return &g->ents[i];
    char b[128];
    switch (t->kind) {
    case CT_ALIAS: /* not declared in an interface of the world: stands for its target */
        return entry_of(g, t->elem);
    case CT_RESOURCE: case CT_OWN: case CT_BORROW:
        fail(g, WEFT_ERR_UNSUPPORTED,
             "%s: resources and handles are not supported by `weft bindgen c` yet",
             ct_describe(t, b, sizeof b));
        return NULL;
    case CT_RECORD: case CT_VARIANT: case CT_ENUM: case CT_FLAGS: /* declared outside the world */
        return add_entry(g, t, ident(g, t->name ? t->name : "anon"));
    case CT_LIST: case CT_OPTION: case CT_RESULT: case CT_TUPLE: break;
    default: return NULL;
    }
    const char *tok;
    if (t->kind == CT_LIST) tok = str(g, "list_%s", token_of(g, t->elem));
    else if (t->kind == CT_OPTION) tok = str(g, "option_%s", token_of(g, t->elem));
    else if (t->kind == CT_RESULT)
        tok = str(g, "result_%s_%s", token_of(g, t->ok), token_of(g, t->err));
    else {
        if (t->nfields == 0) {
            fail(g, WEFT_ERR_UNSUPPORTED, "empty tuples have no C type");
            return NULL;
        }
        tok = str(g, "tuple%u", t->nfields);
        for (uint32_t k = 0; k < t->nfields; k++)
            tok = str(g, "%s_%s", tok, token_of(g, t->fields[k].type));
    }
    if (failed(g)) return NULL;
    int64_t j = hm_get(&g->by_token, tok);
    if (j >= 0) {
        if (!same_anon(g, g->ents[j].t, t)) {
            fail(g, WEFT_ERR_USAGE, "two different types of the world get the C name %s_%s_t",
                 g->p, tok);
            return NULL;
        }
        if (!hm_put(&g->by_type, t, (uint32_t)j)) nomem(g);
        return failed(g) ? NULL : &g->ents[j];
    }
    tentry *e = add_entry(g, t, tok);
    if (e && !hm_put(&g->by_token, e->token, (uint32_t)(e - g->ents))) nomem(g);
    return failed(g) ? NULL : e;
}

/* The C type of t: "int32_t", "w_string_t", "w_iface_point_t". */
static const char *ctype_of(gen *g, const ct_type *t) {
    if (!t) return "void";
    if (t->kind != CT_ALIAS || hm_get(&g->by_type, t) < 0) {
        const ct_type *r = ct_resolve(t);
        if (r && is_prim(r->kind)) return prim_ctype(r->kind);
        if (r && r->kind == CT_STRING) return str(g, "%s_string_t", g->p);
    }
    tentry *e = entry_of(g, t);
    return e ? e->ctype : "void";
}

/* Whether a value of t holds memory its owner frees (a string or list somewhere inside). */
static bool owns(gen *g, const ct_type *t) {
    t = ct_resolve(t);
    if (!t) return false;
    if (t->kind == CT_STRING || t->kind == CT_LIST) return true;
    if (is_prim(t->kind) || t->kind == CT_ENUM || t->kind == CT_FLAGS) return false;
    int64_t m = hm_get(&g->owns, t);
    if (m >= 0) return m == 2;
    bool o = false;
    if (t->kind == CT_OPTION) o = owns(g, t->elem);
    else if (t->kind == CT_RESULT) o = owns(g, t->ok) || owns(g, t->err);
    else
        for (uint32_t i = 0; i < t->nfields && !o; i++) o = owns(g, t->fields[i].type);
    if (!hm_put(&g->owns, t, o ? 2 : 1)) nomem(g);
    return o;
}

/* The free helper of an owning type: "w_string_free", "w_list_u8_free". */
static const char *free_of(gen *g, const ct_type *t) {
    const ct_type *r = ct_resolve(t);
    if (r && r->kind == CT_STRING && (t->kind != CT_ALIAS || hm_get(&g->by_type, t) < 0))
        return str(g, "%s_string_free", g->p);
    tentry *e = entry_of(g, t);
    return e ? str(g, "%s_free", e->name) : "";
}

/* The name of an interface in C names: "ns_pkg_iface" (no version), or an inline one's name. */
static const char *iface_key(gen *g, const wit_interface *i, const char *item_name) {
    if (i->qualified && i->package)
        return str(g, "%s_%s_%s", ident(g, i->package->ns), ident(g, i->package->name),
                   ident(g, i->name));
    return ident(g, item_name ? item_name : i->name);
}

/* Registers the named types an interface (or the world, ikey NULL) declares. */
static void add_named(gen *g, const char *ikey, const ct_type *const *types, uint32_t n) {
    for (uint32_t i = 0; i < n && !failed(g); i++) {
        const ct_type *t = types[i];
        if (hm_get(&g->by_type, t) >= 0) continue;
        if (t->kind == CT_RESOURCE) {
            fail(g, WEFT_ERR_UNSUPPORTED,
                 "resource %s: resources are not supported by `weft bindgen c` yet", t->name);
            return;
        }
        const char *tn = ident(g, t->name ? t->name : "anon");
        add_entry(g, t, ikey ? str(g, "%s_%s", ikey, tn) : tn);
    }
}

/* ---- the header's types ---------------------------------------------------------------------- */

static void emit_type(gen *g, size_t idx);

/* Writes the C type of t (and what it needs) unless written already. */
static void dep(gen *g, const ct_type *t) {
    tentry *e = entry_of(g, t);
    if (e) emit_type(g, (size_t)(e - g->ents));
}

/* The member of a variant-like value's payload: "val", "val.ok", "val.circle". */
static const char *payload_member(gen *g, const ct_type *r, uint32_t c) {
    if (r->kind == CT_OPTION) return "val";
    if (r->kind == CT_RESULT) return c == 0 ? "val.ok" : "val.err";
    return str(g, "val.%s", member(g, r->fields[c].name));
}

/* The member of field i of a record or tuple: its name, or f0, f1, ... */
static const char *field_member(gen *g, const ct_type *r, uint32_t i) {
    return r->kind == CT_TUPLE ? str(g, "f%u", i) : member(g, r->fields[i].name);
}

/* Writes entry idx's typedef (the types it contains first), its constants and the prototype of its
 * free helper. Entries are added as anonymous types are met, so they are found by index. */
static void emit_type(gen *g, size_t idx) {
    tentry *e = &g->ents[idx];
    if (failed(g) || e->state == 2) return;
    if (e->state == 1) {
        fail(g, WEFT_ERR_USAGE, "type %s refers to itself", e->ctype);
        return;
    }
    e->state = 1;
    const ct_type *t = e->t;
    sbuf *h = &g->h;
    if (t->kind == CT_ALIAS) {
        dep(g, t->elem);
        e = &g->ents[idx];
        claim(g, e->ctype, "a type");
        sb_printf(h, "typedef %s %s;\n", ctype_of(g, t->elem), e->ctype);
        if (owns(g, t)) {
            claim(g, str(g, "%s_free", e->name), "a free function");
            sb_printf(h, "static inline void %s_free(%s *v) { %s(v); }\n", e->name, e->ctype,
                      free_of(g, t->elem));
        }
        sb_printf(h, "\n");
        goto done;
    }
    uint32_t ncases = abi_case_count(t);
    switch (t->kind) {
    case CT_LIST: case CT_OPTION: dep(g, t->elem); break;
    case CT_RESULT: dep(g, t->ok); dep(g, t->err); break;
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT:
        for (uint32_t i = 0; i < t->nfields; i++) dep(g, t->fields[i].type);
        break;
    default: break;
    }
    if (failed(g)) return;
    e = &g->ents[idx];
    claim(g, e->ctype, "a type");
    const char *U = upper(g, e->name);
    switch (t->kind) {
    case CT_LIST:
        sb_printf(h, "typedef struct %s {\n    %s *ptr;\n    size_t len;\n} %s;\n", e->ctype,
                  ctype_of(g, t->elem), e->ctype);
        break;
    case CT_OPTION:
        sb_printf(h, "typedef struct %s {\n    bool is_some;\n    %s val;\n} %s;\n", e->ctype,
                  ctype_of(g, t->elem), e->ctype);
        break;
    case CT_RESULT:
        sb_printf(h, "typedef struct %s {\n    bool is_err;\n", e->ctype);
        if (t->ok || t->err) {
            sb_printf(h, "    union {\n");
            if (t->ok) sb_printf(h, "        %s ok;\n", ctype_of(g, t->ok));
            if (t->err) sb_printf(h, "        %s err;\n", ctype_of(g, t->err));
            sb_printf(h, "    } val;\n");
        }
        sb_printf(h, "} %s;\n", e->ctype);
        break;
    case CT_TUPLE: case CT_RECORD:
        if (t->nfields == 0) {
            fail(g, WEFT_ERR_UNSUPPORTED, "%s has no fields: C has no empty structs", e->ctype);
            return;
        }
        sb_printf(h, "typedef struct %s {\n", e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++)
            sb_printf(h, "    %s %s;\n", ctype_of(g, t->fields[i].type), field_member(g, t, i));
        sb_printf(h, "} %s;\n", e->ctype);
        break;
    case CT_VARIANT: {
        bool payload = false;
        for (uint32_t i = 0; i < t->nfields; i++) payload |= t->fields[i].type != NULL;
        sb_printf(h, "typedef struct %s {\n    uint%u_t tag;\n", e->ctype,
                  8 * abi_disc_size(ncases));
        if (payload) {
            sb_printf(h, "    union {\n");
            for (uint32_t i = 0; i < t->nfields; i++)
                if (t->fields[i].type)
                    sb_printf(h, "        %s %s;\n", ctype_of(g, t->fields[i].type),
                              member(g, t->fields[i].name));
            sb_printf(h, "    } val;\n");
        }
        sb_printf(h, "} %s;\n", e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = str(g, "%s_%s", U, upper(g, ident(g, t->fields[i].name)));
            claim(g, c, "a variant case");
            sb_printf(h, "#define %s %u\n", c, i);
        }
        break;
    }
    case CT_ENUM:
        sb_printf(h, "typedef uint%u_t %s;\n", 8 * abi_disc_size(ncases), e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = str(g, "%s_%s", U, upper(g, ident(g, t->fields[i].name)));
            claim(g, c, "an enum case");
            sb_printf(h, "#define %s %u\n", c, i);
        }
        break;
    case CT_FLAGS:
        if (t->nfields == 0) {
            fail(g, WEFT_ERR_UNSUPPORTED, "%s has no flags", e->ctype);
            return;
        }
        if (t->nfields <= 32)
            sb_printf(h, "typedef uint%u_t %s;\n", 8 * abi_flags_size(t->nfields), e->ctype);
        else
            sb_printf(h, "typedef struct %s {\n    uint32_t words[%u];\n} %s;\n", e->ctype,
                      (t->nfields + 31) / 32, e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = str(g, "%s_%s", U, upper(g, ident(g, t->fields[i].name)));
            claim(g, c, "a flag");
            sb_printf(h, "#define %s (1u << %u)\n", c, i % 32);
            if (t->nfields > 32) {
                claim(g, str(g, "%s_WORD", c), "a flag's word");
                sb_printf(h, "#define %s_WORD %u\n", c, i / 32);
            }
        }
        break;
    default:
        fail(g, WEFT_ERR_UNSUPPORTED, "no C type for %s", e->ctype);
        return;
    }
    if (owns(g, t)) {
        claim(g, str(g, "%s_free", e->name), "a free function");
        sb_printf(h, "void %s_free(%s *v);\n", e->name, e->ctype);
    }
    sb_printf(h, "\n");
done:
    g->ents[idx].state = 2;
    if (g->norder == g->caporder) {
        size_t cap = g->caporder ? g->caporder * 2 : 64;
        size_t *v = realloc(g->order, cap * sizeof *v);
        if (!v) {
            nomem(g);
            return;
        }
        g->order = v;
        g->caporder = cap;
    }
    g->order[g->norder++] = idx;
}

/* ---- functions ------------------------------------------------------------------------------- */

/* A function of the world with its C name and core import or export names. */
typedef struct gfunc {
    const ct_func *f;
    const char *cname;  /* "w_iface_fn" (import) or "w_exports_iface_fn" (export) */
    const char *module; /* import: the core import's module, export: the core export's name */
    const char *origin; /* "ns:pkg/iface@1.0.0#fn", for comments */
    bool exported;
} gfunc;

/* The single result's type when f has exactly one (named or not), else NULL. */
static const ct_type *one_result(const ct_func *f) {
    return f->nresults == 1 ? f->results[0].type : NULL;
}

/* "RET NAME(PARAMS)": the author's names in the header, a0.. and ret.. in the glue. */
static void put_sig(gen *g, sbuf *b, const gfunc *fn, bool glue) {
    const ct_func *f = fn->f;
    const ct_type *one = one_result(f);
    sb_printf(b, "%s %s(", one && is_scalar(one) ? ctype_of(g, one) : "void", fn->cname);
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->nparams; i++, n++) {
        const ct_type *t = f->params[i].type;
        const char *name = glue ? str(g, "a%u", i) : member(g, f->params[i].name);
        if (!glue && strncmp(name, "ret", 3) == 0) name = str(g, "%s_", name);
        sb_printf(b, "%s%s%s %s%s", n ? ", " : "", is_scalar(t) || fn->exported ? "" : "const ",
                  ctype_of(g, t), is_scalar(t) ? "" : "*", name);
    }
    if (one && !is_scalar(one)) {
        sb_printf(b, "%s%s *ret", n ? ", " : "", ctype_of(g, one));
        n++;
    } else if (f->nresults > 1) {
        for (uint32_t i = 0; i < f->nresults; i++, n++)
            sb_printf(b, "%s%s *%s", n ? ", " : "", ctype_of(g, f->results[i].type),
                      glue ? str(g, "ret%u", i) : str(g, "ret_%s", ident(g, f->results[i].name)));
    }
    sb_printf(b, "%s)", n ? "" : "void");
}

/* Flat core values as C variables: prefix0, prefix1, ... of the given core types. */
typedef struct slots {
    const char *prefix;
    const weft_valtype *types;
    size_t n;
} slots;

static void line(gen *g, int ind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(gen *g, int ind, const char *fmt, ...) {
    sb_printf(&g->c, "%*s", 4 * ind, "");
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&g->c, fmt, ap);
    va_end(ap);
    sb_printf(&g->c, "\n");
}

/* Flat slot k read as a value of core type want: the spec's CoerceValueIter for joined variant
 * payloads (an i64 slot holding an i32, f32 or f64; an i32 slot holding an f32). */
static const char *rd(gen *g, const slots *s, size_t k, weft_valtype want) {
    if (k >= s->n) {
        fail(g, WEFT_ERR_USAGE, "internal: flat value %zu of %zu", k, s->n);
        return "0";
    }
    weft_valtype have = s->types[k];
    const char *v = str(g, "%s%zu", s->prefix, k);
    if (have == want) return v;
    if (have == WEFT_I32 && want == WEFT_F32) return str(g, "%s__f32_from_bits(%s)", g->p, v);
    if (have == WEFT_I64 && want == WEFT_I32) return str(g, "(int32_t)%s", v);
    if (have == WEFT_I64 && want == WEFT_F32)
        return str(g, "%s__f32_from_bits((int32_t)%s)", g->p, v);
    if (have == WEFT_I64 && want == WEFT_F64) return str(g, "%s__f64_from_bits(%s)", g->p, v);
    fail(g, WEFT_ERR_USAGE, "internal: flat value %zu cannot hold the type wanted", k);
    return "0";
}

/* Writes expr, a value of core type have, to flat slot k (the spec's lower_flat_variant
 * coercions: i32 zero-extended into i64, floats as their bits). */
static void wr(gen *g, int ind, const slots *s, size_t k, weft_valtype have, const char *expr) {
    if (k >= s->n) {
        fail(g, WEFT_ERR_USAGE, "internal: flat value %zu of %zu", k, s->n);
        return;
    }
    weft_valtype want = s->types[k];
    const char *v = expr;
    if (have == want) v = expr;
    else if (have == WEFT_F32 && want == WEFT_I32) v = str(g, "%s__f32_bits(%s)", g->p, expr);
    else if (have == WEFT_I32 && want == WEFT_I64) v = str(g, "(int64_t)(uint32_t)(%s)", expr);
    else if (have == WEFT_F32 && want == WEFT_I64)
        v = str(g, "(int64_t)(uint32_t)%s__f32_bits(%s)", g->p, expr);
    else if (have == WEFT_F64 && want == WEFT_I64) v = str(g, "%s__f64_bits(%s)", g->p, expr);
    else fail(g, WEFT_ERR_USAGE, "internal: flat value %zu cannot take the type given", k);
    line(g, ind, "%s%zu = %s;", s->prefix, k, v);
}

/* The discriminant's member of a variant-like C value. */
static const char *tag_member(const ct_type *r) {
    return r->kind == CT_OPTION ? "is_some" : r->kind == CT_RESULT ? "is_err" : "tag";
}

/* Code setting lvalue lv (of type t) from flat slots k.. (the spec's lift_flat). */
static void lift(gen *g, int ind, const ct_type *t, const char *lv, const slots *s, size_t k) {
    const ct_type *r = ct_resolve(t);
    if (failed(g) || !r) return;
    switch (r->kind) {
    case CT_BOOL: line(g, ind, "%s = %s != 0;", lv, rd(g, s, k, WEFT_I32)); break;
    case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32: case CT_CHAR:
        line(g, ind, "%s = (%s)%s;", lv, prim_ctype(r->kind), rd(g, s, k, WEFT_I32));
        break;
    case CT_S64: case CT_U64:
        line(g, ind, "%s = (%s)%s;", lv, prim_ctype(r->kind), rd(g, s, k, WEFT_I64));
        break;
    case CT_F32: line(g, ind, "%s = %s;", lv, rd(g, s, k, WEFT_F32)); break;
    case CT_F64: line(g, ind, "%s = %s;", lv, rd(g, s, k, WEFT_F64)); break;
    case CT_STRING: case CT_LIST:
        line(g, ind, "%s.ptr = (%s *)(uintptr_t)(uint32_t)%s;", lv,
             r->kind == CT_STRING ? "uint8_t" : ctype_of(g, r->elem), rd(g, s, k, WEFT_I32));
        line(g, ind, "%s.len = (size_t)(uint32_t)%s;", lv, rd(g, s, k + 1, WEFT_I32));
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < r->nfields; i++) {
            const ct_type *ft = r->fields[i].type;
            lift(g, ind, ft, str(g, "%s.%s", lv, field_member(g, r, i)), s, k);
            k += nflat(ft);
        }
        break;
    case CT_FLAGS:
        if (r->nfields <= 32)
            line(g, ind, "%s = (%s)%s;", lv, ctype_of(g, t), rd(g, s, k, WEFT_I32));
        else
            for (uint32_t i = 0; i < (r->nfields + 31) / 32; i++)
                line(g, ind, "%s.words[%u] = (uint32_t)%s;", lv, i, rd(g, s, k + i, WEFT_I32));
        break;
    case CT_ENUM:
        line(g, ind, "if ((uint32_t)%s >= %uu) __builtin_trap();", rd(g, s, k, WEFT_I32),
             r->nfields);
        line(g, ind, "%s = (%s)%s;", lv, ctype_of(g, t), rd(g, s, k, WEFT_I32));
        break;
    case CT_VARIANT: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(r);
        line(g, ind, "switch ((uint32_t)%s) {", rd(g, s, k, WEFT_I32));
        for (uint32_t c = 0; c < n; c++) {
            line(g, ind, "case %u:", c);
            if (r->kind == CT_VARIANT) line(g, ind + 1, "%s.tag = %u;", lv, c);
            else line(g, ind + 1, "%s.%s = %s;", lv, tag_member(r), c ? "true" : "false");
            const ct_type *pt = abi_case_type(r, c);
            if (pt) lift(g, ind + 1, pt, str(g, "%s.%s", lv, payload_member(g, r, c)), s, k + 1);
            line(g, ind + 1, "break;");
        }
        line(g, ind, "default:");
        line(g, ind + 1, "__builtin_trap();");
        line(g, ind, "}");
        break;
    }
    default:
        fail(g, WEFT_ERR_UNSUPPORTED, "no flat lifting for this type");
    }
}

/* Code writing rv (of type t) to flat slots k.. (the spec's lower_flat); the slots start 0. */
static void lower(gen *g, int ind, const ct_type *t, const char *rv, const slots *s, size_t k) {
    const ct_type *r = ct_resolve(t);
    if (failed(g) || !r) return;
    switch (r->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32:
    case CT_CHAR: case CT_ENUM:
        wr(g, ind, s, k, WEFT_I32, str(g, "(int32_t)%s", rv));
        break;
    case CT_S64: case CT_U64: wr(g, ind, s, k, WEFT_I64, str(g, "(int64_t)%s", rv)); break;
    case CT_F32: wr(g, ind, s, k, WEFT_F32, rv); break;
    case CT_F64: wr(g, ind, s, k, WEFT_F64, rv); break;
    case CT_STRING: case CT_LIST:
        wr(g, ind, s, k, WEFT_I32, str(g, "(int32_t)(uintptr_t)%s.ptr", rv));
        wr(g, ind, s, k + 1, WEFT_I32, str(g, "(int32_t)%s.len", rv));
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < r->nfields; i++) {
            const ct_type *ft = r->fields[i].type;
            lower(g, ind, ft, str(g, "%s.%s", rv, field_member(g, r, i)), s, k);
            k += nflat(ft);
        }
        break;
    case CT_FLAGS:
        if (r->nfields <= 32) wr(g, ind, s, k, WEFT_I32, str(g, "(int32_t)%s", rv));
        else
            for (uint32_t i = 0; i < (r->nfields + 31) / 32; i++)
                wr(g, ind, s, k + i, WEFT_I32, str(g, "(int32_t)%s.words[%u]", rv, i));
        break;
    case CT_VARIANT: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(r);
        wr(g, ind, s, k, WEFT_I32, str(g, "(int32_t)%s.%s", rv, tag_member(r)));
        bool payload = false;
        for (uint32_t c = 0; c < n; c++) payload |= abi_case_type(r, c) != NULL;
        if (!payload) break;
        line(g, ind, "switch ((uint32_t)%s.%s) {", rv, tag_member(r));
        for (uint32_t c = 0; c < n; c++) {
            const ct_type *pt = abi_case_type(r, c);
            if (!pt) continue;
            line(g, ind, "case %u:", c);
            lower(g, ind + 1, pt, str(g, "%s.%s", rv, payload_member(g, r, c)), s, k + 1);
            line(g, ind + 1, "break;");
        }
        line(g, ind, "default:");
        line(g, ind + 1, "break;");
        line(g, ind, "}");
        break;
    }
    default:
        fail(g, WEFT_ERR_UNSUPPORTED, "no flat lowering for this type");
    }
}

/* A C string literal's contents (names of WIT items hold neither quotes nor backslashes, but the
 * generated code must not depend on that). */
static const char *c_string(gen *g, const char *s) {
    const char *out = "";
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') out = str(g, "%s\\%c", out, *s);
        else if ((unsigned char)*s < 0x20) out = str(g, "%s\\%03o", out, (unsigned char)*s);
        else out = str(g, "%s%c", out, *s);
    }
    return out;
}

/* A struct of the given fields named f0, f1, ... at file scope: a spilled tuple in memory. */
static void tuple_struct(gen *g, const char *name, const ct_field *fields, uint32_t n) {
    sb_printf(&g->c, "struct %s {\n", name);
    for (uint32_t i = 0; i < n; i++)
        sb_printf(&g->c, "    %s f%u;\n", ctype_of(g, fields[i].type), i);
    sb_printf(&g->c, "};\n_Static_assert(sizeof(struct %s) == %llu && _Alignof(struct %s) == %u,\n"
                     "               \"%s: the canonical ABI's layout\");\n",
              name, (unsigned long long)abi_fields_size(fields, n), name,
              abi_fields_align(fields, n), name);
}

/* The core parameter list "int32_t p0, float p1" (or "void"). */
static const char *core_params(gen *g, const abi_core_sig *sig, const char *prefix) {
    const char *s = sig->nparams ? "" : "void";
    for (size_t i = 0; i < sig->nparams; i++)
        s = str(g, "%s%s%s %s%zu", s, i ? ", " : "", core_ctype(sig->params[i]), prefix, i);
    return s;
}

/* The glue of an export: a core function with the canonical ABI's flat signature that lifts its
 * arguments, calls the author's function, lowers the results (through a static return area when
 * they spill), and its cabi_post_* freeing what the results own. */
static void gen_export(gen *g, const gfunc *fn) {
    const ct_func *f = fn->f;
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LIFT, &sig);
    const char *tag = fn->cname + strlen(g->p) + 1;
    const char *retst = str(g, "%s__ret_%s", g->p, tag);
    const char *argst = str(g, "%s__args_%s", g->p, tag);
    const ct_type *one = one_result(f);
    sb_printf(&g->c, "/* %s */\n", fn->origin);
    if (sig.params_spilled) tuple_struct(g, argst, f->params, f->nparams);
    if (sig.results_spilled) {
        tuple_struct(g, retst, f->results, f->nresults);
        sb_printf(&g->c, "static struct %s %s_area;\n", retst, retst);
    }
    /* declared first for -Wmissing-prototypes: export_name needs external linkage */
    const char *def = str(g, "%s %s__%s(%s)", sig.nresults ? core_ctype(sig.results[0]) : "void",
                          g->p, tag, core_params(g, &sig, "p"));
    sb_printf(&g->c, "__attribute__((export_name(\"%s\")))\n%s;\n%s {\n", c_string(g, fn->module),
              def, def);
    for (uint32_t i = 0; i < f->nparams; i++)
        line(g, 1, "%s a%u;", ctype_of(g, f->params[i].type), i);
    if (sig.params_spilled) {
        line(g, 1, "struct %s *args = (struct %s *)(uintptr_t)(uint32_t)p0;", argst, argst);
        for (uint32_t i = 0; i < f->nparams; i++) line(g, 1, "a%u = args->f%u;", i, i);
        line(g, 1, "%s_free(args);", g->p);
    } else {
        slots s = {"p", sig.params, sig.nparams};
        size_t k = 0;
        for (uint32_t i = 0; i < f->nparams; i++) {
            lift(g, 1, f->params[i].type, str(g, "a%u", i), &s, k);
            k += nflat(f->params[i].type);
        }
    }
    /* the call */
    const char *args = "";
    for (uint32_t i = 0; i < f->nparams; i++)
        args = str(g, "%s%s%sa%u", args, i ? ", " : "", is_scalar(f->params[i].type) ? "" : "&", i);
    const char *sep = f->nparams ? ", " : "";
    if (f->nresults == 0) {
        line(g, 1, "%s(%s);", fn->cname, args);
    } else if (sig.results_spilled) {
        if (one && is_scalar(one)) {
            line(g, 1, "%s_area.f0 = %s(%s);", retst, fn->cname, args);
        } else {
            const char *outs = "";
            for (uint32_t i = 0; i < f->nresults; i++)
                outs = str(g, "%s%s&%s_area.f%u", outs, i ? ", " : "", retst, i);
            line(g, 1, "%s(%s%s%s);", fn->cname, args, sep, outs);
        }
        line(g, 1, "return (int32_t)(uintptr_t)&%s_area;", retst);
    } else if (!one) { /* several results in one flat value: only if some took none */
        fail(g, WEFT_ERR_USAGE, "internal: %s: several results unspilled", fn->origin);
    } else {
        if (is_scalar(one)) {
            line(g, 1, "%s r = %s(%s);", ctype_of(g, one), fn->cname, args);
        } else {
            line(g, 1, "%s r;", ctype_of(g, one));
            line(g, 1, "%s(%s%s&r);", fn->cname, args, sep);
        }
        line(g, 1, "%s r0 = 0;", core_ctype(sig.results[0]));
        slots s = {"r", sig.results, sig.nresults};
        lower(g, 1, one, "r", &s, 0);
        line(g, 1, "return r0;");
    }
    sb_printf(&g->c, "}\n");
    bool post = false;
    for (uint32_t i = 0; i < f->nresults; i++) post |= owns(g, f->results[i].type);
    if (post && sig.results_spilled) {
        const char *pdef = str(g, "void %s__post_%s(int32_t p0)", g->p, tag);
        sb_printf(&g->c, "__attribute__((export_name(\"cabi_post_%s\")))\n%s;\n%s {\n",
                  c_string(g, fn->module), pdef, pdef);
        line(g, 1, "struct %s *r = (struct %s *)(uintptr_t)(uint32_t)p0;", retst, retst);
        for (uint32_t i = 0; i < f->nresults; i++)
            if (owns(g, f->results[i].type))
                line(g, 1, "%s(&r->f%u);", free_of(g, f->results[i].type), i);
        sb_printf(&g->c, "}\n");
    }
    sb_printf(&g->c, "\n");
}

/* The wrapper of an import: lowers the C arguments into flat values (or a tuple on the stack
 * when they spill), calls the core import, and lifts its results (from a return area on the
 * stack when they spill). */
static void gen_import(gen *g, const gfunc *fn) {
    const ct_func *f = fn->f;
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LOWER, &sig);
    const char *tag = fn->cname + strlen(g->p) + 1;
    const char *retst = str(g, "%s__iret_%s", g->p, tag);
    const char *argst = str(g, "%s__iargs_%s", g->p, tag);
    const ct_type *one = one_result(f);
    sb_printf(&g->c, "/* %s */\n", fn->origin);
    if (sig.params_spilled) tuple_struct(g, argst, f->params, f->nparams);
    if (sig.results_spilled) tuple_struct(g, retst, f->results, f->nresults);
    sb_printf(&g->c,
              "__attribute__((import_module(\"%s\"), import_name(\"%s\")))\n"
              "extern %s %s__import_%s(%s);\n",
              c_string(g, fn->module), c_string(g, f->name),
              sig.nresults ? core_ctype(sig.results[0]) : "void", g->p, tag,
              core_params(g, &sig, "p"));
    put_sig(g, &g->c, fn, true);
    sb_printf(&g->c, " {\n");
    size_t nflatp = sig.nparams - (sig.results_spilled ? 1 : 0);
    const char *call = "";
    if (sig.params_spilled) {
        line(g, 1, "struct %s args;", argst);
        for (uint32_t i = 0; i < f->nparams; i++)
            line(g, 1, "args.f%u = %sa%u;", i, is_scalar(f->params[i].type) ? "" : "*", i);
        call = "(int32_t)(uintptr_t)&args";
    } else {
        for (size_t i = 0; i < nflatp; i++) {
            line(g, 1, "%s f%zu = 0;", core_ctype(sig.params[i]), i);
            call = str(g, "%s%sf%zu", call, i ? ", " : "", i);
        }
        slots s = {"f", sig.params, nflatp};
        size_t k = 0;
        for (uint32_t i = 0; i < f->nparams; i++) {
            const ct_type *t = f->params[i].type;
            lower(g, 1, t, is_scalar(t) ? str(g, "a%u", i) : str(g, "(*a%u)", i), &s, k);
            k += nflat(t);
        }
    }
    if (sig.results_spilled) {
        line(g, 1, "struct %s ret_area;", retst);
        call = str(g, "%s%s(int32_t)(uintptr_t)&ret_area", call, *call ? ", " : "");
    }
    if (sig.nresults)
        line(g, 1, "%s r0 = %s__import_%s(%s);", core_ctype(sig.results[0]), g->p, tag, call);
    else line(g, 1, "%s__import_%s(%s);", g->p, tag, call);
    if (sig.results_spilled) {
        if (one && is_scalar(one)) line(g, 1, "return ret_area.f0;");
        else if (one) line(g, 1, "*ret = ret_area.f0;");
        else
            for (uint32_t i = 0; i < f->nresults; i++) line(g, 1, "*ret%u = ret_area.f%u;", i, i);
    } else if (one) {
        slots s = {"r", sig.results, sig.nresults};
        if (is_scalar(one)) {
            line(g, 1, "%s r;", ctype_of(g, one));
            lift(g, 1, one, "r", &s, 0);
            line(g, 1, "return r;");
        } else {
            lift(g, 1, one, "(*ret)", &s, 0);
        }
    }
    sb_printf(&g->c, "}\n\n");
}

/* ---- the free helpers' definitions ----------------------------------------------------------- */

static void gen_free(gen *g, size_t idx) {
    const ct_type *t = g->ents[idx].t;
    const char *name = g->ents[idx].name, *ct = g->ents[idx].ctype;
    if (t->kind == CT_ALIAS || !owns(g, t)) return;
    sbuf *c = &g->c;
    sb_printf(c, "void %s_free(%s *v) {\n", name, ct);
    switch (t->kind) {
    case CT_LIST:
        if (owns(g, t->elem))
            line(g, 1, "for (size_t i = 0; i < v->len; i++) %s(&v->ptr[i]);", free_of(g, t->elem));
        line(g, 1, "if (v->len > 0) %s_free(v->ptr);", g->p);
        line(g, 1, "v->ptr = NULL;");
        line(g, 1, "v->len = 0;");
        break;
    case CT_OPTION: line(g, 1, "if (v->is_some) %s(&v->val);", free_of(g, t->elem)); break;
    case CT_RESULT:
        if (owns(g, t->ok)) line(g, 1, "if (!v->is_err) %s(&v->val.ok);", free_of(g, t->ok));
        if (owns(g, t->err)) line(g, 1, "if (v->is_err) %s(&v->val.err);", free_of(g, t->err));
        break;
    case CT_VARIANT:
        line(g, 1, "switch (v->tag) {");
        for (uint32_t i = 0; i < t->nfields; i++)
            if (t->fields[i].type && owns(g, t->fields[i].type))
                line(g, 1, "case %u: %s(&v->val.%s); break;", i, free_of(g, t->fields[i].type),
                     member(g, t->fields[i].name));
        line(g, 1, "default: break;");
        line(g, 1, "}");
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < t->nfields; i++)
            if (owns(g, t->fields[i].type))
                line(g, 1, "%s(&v->%s);", free_of(g, t->fields[i].type), field_member(g, t, i));
        break;
    default: break;
    }
    sb_printf(c, "}\n\n");
}

/* ---- the files' fixed parts ------------------------------------------------------------------ */

/* Appends tpl with $p replaced by the world's prefix, $P by it in capitals, $w by the world's
 * qualified name. */
static void put_template(gen *g, sbuf *b, const char *tpl) {
    const char *w = g->w->qualified ? g->w->qualified : g->w->name;
    for (const char *s = tpl; *s;) {
        const char *d = strchr(s, '$');
        if (!d) {
            sb_printf(b, "%s", s);
            break;
        }
        sb_printf(b, "%.*s%s", (int)(d - s), s, d[1] == 'p' ? g->p : d[1] == 'P' ? g->P : w);
        s = d + 2;
    }
}

static void header_start(gen *g) {
    put_template(g, &g->h,
        "/* $p.h: C bindings of the WIT world $w, generated by\n"
        " * `weft bindgen c` (do not edit; $p.c is the glue). Implement the functions under\n"
        " * \"exports\"; call those under \"imports\".\n"
        " *\n"
        " * Names: a type declared in interface ns:pkg/iface is $p_ns_pkg_iface_NAME_t (in an\n"
        " * inline interface: $p_iface_NAME_t; in the world: $p_NAME_t). Anonymous types are\n"
        " * named after their structure: $p_list_u8_t, $p_option_string_t,\n"
        " * $p_result_u32_void_t (void: no payload), $p_tuple2_u32_string_t. Variant cases, enum\n"
        " * cases and flags are macros in capitals: $P_NS_PKG_IFACE_COLOR_RED. An imported\n"
        " * function is $p_ns_pkg_iface_FN (a world's own: $p_FN); an exported one, which you\n"
        " * write, is $p_exports_ns_pkg_iface_FN ($p_exports_FN). '-' becomes '_'; a field, case\n"
        " * or parameter named like a C keyword gets a trailing '_'.\n"
        " *\n"
        " * Types: bool, int8_t .. uint64_t, float, double; char is a uint32_t code point;\n"
        " * string is $p_string_t (UTF-8, not NUL-terminated); list<T> is {T *ptr; size_t len};\n"
        " * option<T> {bool is_some; T val}; result<T, E> {bool is_err; union {T ok; E err;}\n"
        " * val}; a variant {uintN_t tag; union {...} val}, a macro per case; an enum a uintN_t;\n"
        " * flags a uintN_t of bit masks (over 32 flags: {uint32_t words[N]}, flag F being the\n"
        " * mask F in words[F_WORD]); a tuple {f0, f1, ...}; a record a struct. Each is laid out\n"
        " * as the canonical ABI lays it out.\n"
        " *\n"
        " * Calls: bool, numbers, char, enums and flags up to 32 go by value, anything else by\n"
        " * pointer. A function returns its one result if that goes by value, else writes it to\n"
        " * *ret; several results go to *ret_NAME, one pointer each.\n"
        " *\n"
        " * Ownership (as with wit-bindgen's C): an export's arguments are yours: free what they\n"
        " * hold with the *_free helpers, or move it into your results (the pointers themselves\n"
        " * point into the glue's storage). An export's results are freed by the glue once the\n"
        " * host has copied them (cabi_post_*): build them from $p_malloc, $p_string_dup or moved\n"
        " * arguments, never from static or stack memory. An import's arguments are only borrowed\n"
        " * for the call; its results are yours to free.\n"
        " *\n"
        " * Memory: $p_malloc and $p_free are malloc and free (wasi-libc); built with\n"
        " * -D$P_NO_LIBC (or -DWEFT_NO_LIBC) and -mbulk-memory for a guest without libc, a\n"
        " * bump allocator that never frees. Resources are not supported yet.\n"
        " */\n"
        "#ifndef $P_BINDINGS_H\n#define $P_BINDINGS_H\n\n"
        "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
        "/* ---- strings and memory ---- */\n\n"
        "typedef struct $p_string_t {\n    uint8_t *ptr;\n    size_t len;\n} $p_string_t;\n\n"
        "/* size bytes (8-aligned) that the glue may free; traps when out of memory. NULL for\n"
        " * size 0: an empty string or list owns nothing (hosts hand empty ones over without\n"
        " * allocating, so the free helpers free a pointer only when the length is not 0). */\n"
        "void *$p_malloc(size_t size);\n"
        "void $p_free(void *ptr);\n"
        "/* s points to cstr, not copied: never free it, nor return it from an export. */\n"
        "void $p_string_set($p_string_t *s, const char *cstr);\n"
        "/* s gets a copy of cstr from $p_malloc. */\n"
        "void $p_string_dup($p_string_t *s, const char *cstr);\n"
        "/* Frees s's bytes and empties it. */\n"
        "void $p_string_free($p_string_t *s);\n\n"
        "/* ---- types ---- */\n\n");
    const char *fixed[] = {"string_t", "malloc", "free", "string_set", "string_dup", "string_free"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        claim(g, str(g, "%s_%s", g->p, fixed[i]), "a helper");
}

static void glue_start(gen *g) {
    put_template(g, &g->c,
        "/* $p.c: the canonical ABI glue of the WIT world $w (see $p.h),\n"
        " * generated by `weft bindgen c` (do not edit): core exports that lift their arguments,\n"
        " * call the author's function and lower its results; wrappers of the core imports;\n"
        " * cabi_realloc and the post-return functions. Build with wasi-libc, or without libc\n"
        " * with -D$P_NO_LIBC -mbulk-memory.\n"
        " */\n"
        "#include \"$p.h\"\n\n"
        "#if defined($P_NO_LIBC) || defined(WEFT_NO_LIBC)\n#define $P__NO_LIBC 1\n#endif\n"
        "#if defined($P__NO_LIBC) && !defined(__wasm_bulk_memory__)\n"
        "#error \"a build without libc ($P_NO_LIBC) needs -mbulk-memory (copies: memory.copy)\"\n"
        "#endif\n"
        "#ifndef $P__NO_LIBC\n#include <stdlib.h>\n#endif\n\n"
        "/* ---- memory ---- */\n\n"
        "#ifdef $P__NO_LIBC\n"
        "extern unsigned char __heap_base;\n"
        "static uintptr_t $p__heap_top;\n\n"
        "/* Bump allocation from __heap_base, growing the memory as needed; nothing is freed. */\n"
        "static void *$p__bump(size_t align, size_t size) {\n"
        "    if (!$p__heap_top) $p__heap_top = (uintptr_t)&__heap_base;\n"
        "    if (align == 0 || (align & (align - 1)) != 0) __builtin_trap();\n"
        "    uint64_t p = ((uint64_t)$p__heap_top + align - 1) & ~(uint64_t)(align - 1);\n"
        "    uint64_t end = p + size;\n"
        "    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;\n"
        "    size_t pages = (size_t)((end - have + 65535u) / 65536u);\n"
        "    if (end > have && __builtin_wasm_memory_grow(0, pages) == (size_t)-1)\n"
        "        __builtin_trap();\n"
        "    $p__heap_top = (uintptr_t)end;\n"
        "    return (void *)(uintptr_t)p;\n"
        "}\n\n"
        "void *$p_malloc(size_t size) { return size ? $p__bump(8, size) : NULL; }\n"
        "void $p_free(void *ptr) { (void)ptr; }\n\n"
        "__attribute__((export_name(\"cabi_realloc\")))\n"
        "void *$p__cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);\n"
        "void *$p__cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {\n"
        "    if (ptr && new_size <= old_size) return ptr;\n"
        "    void *p = $p__bump(align, new_size);\n"
        "    if (ptr) __builtin_memcpy(p, ptr, old_size);\n"
        "    return p;\n"
        "}\n"
        "#else\n"
        "void *$p_malloc(size_t size) {\n"
        "    if (size == 0) return NULL;\n"
        "    void *p = malloc(size);\n"
        "    if (!p) __builtin_trap();\n"
        "    return p;\n"
        "}\n\n"
        "void $p_free(void *ptr) { free(ptr); }\n\n"
        "/* malloc aligns to 8 or more, the most the canonical ABI asks for. */\n"
        "__attribute__((export_name(\"cabi_realloc\")))\n"
        "void *$p__cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);\n"
        "void *$p__cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {\n"
        "    (void)old_size;\n"
        "    if (align > 8) __builtin_trap();\n"
        "    void *p = realloc(ptr, new_size ? new_size : 1);\n"
        "    if (!p) __builtin_trap();\n"
        "    return p;\n"
        "}\n"
        "#endif\n\n"
        "static size_t $p__strlen(const char *s) {\n"
        "    size_t n = 0;\n"
        "    while (s[n]) n++;\n"
        "    return n;\n"
        "}\n\n"
        "void $p_string_set($p_string_t *s, const char *cstr) {\n"
        "    s->ptr = (uint8_t *)(uintptr_t)cstr;\n"
        "    s->len = $p__strlen(cstr);\n"
        "}\n\n"
        "void $p_string_dup($p_string_t *s, const char *cstr) {\n"
        "    size_t n = $p__strlen(cstr);\n"
        "    s->ptr = $p_malloc(n);\n"
        "    if (n) __builtin_memcpy(s->ptr, cstr, n);\n"
        "    s->len = n;\n"
        "}\n\n"
        "void $p_string_free($p_string_t *s) {\n"
        "    if (s->len > 0) $p_free(s->ptr);\n"
        "    s->ptr = NULL;\n"
        "    s->len = 0;\n"
        "}\n\n"
        "/* Floats carried in integer flat values (joined variant payloads). */\n"
        "static inline __attribute__((unused)) int32_t $p__f32_bits(float x) {\n"
        "    union { float f; int32_t i; } u = {.f = x};\n"
        "    return u.i;\n"
        "}\n"
        "static inline __attribute__((unused)) float $p__f32_from_bits(int32_t x) {\n"
        "    union { int32_t i; float f; } u = {.i = x};\n"
        "    return u.f;\n"
        "}\n"
        "static inline __attribute__((unused)) int64_t $p__f64_bits(double x) {\n"
        "    union { double f; int64_t i; } u = {.f = x};\n"
        "    return u.i;\n"
        "}\n"
        "static inline __attribute__((unused)) double $p__f64_from_bits(int64_t x) {\n"
        "    union { int64_t i; double f; } u = {.i = x};\n"
        "    return u.f;\n"
        "}\n\n"
        "/* ---- layouts: each C type as the canonical ABI lays it out ---- */\n\n"
        "_Static_assert(sizeof($p_string_t) == 8 && _Alignof($p_string_t) == 4,\n"
        "               \"$p_string_t: the canonical ABI's layout\");\n");
}

/* ---- the world's functions ------------------------------------------------------------------- */

typedef struct gfuncs {
    gfunc *v;
    size_t n, cap;
} gfuncs;

static void add_func(gen *g, gfuncs *fs, const gfunc *fn) {
    if (failed(g)) return;
    const ct_func *f = fn->f;
    if (f->name[0] == '[') {
        fail(g, WEFT_ERR_UNSUPPORTED,
             "%s: resources are not supported by `weft bindgen c` yet", fn->origin);
        return;
    }
    for (uint32_t i = 0; i < f->nparams + f->nresults; i++) {
        const ct_field *x = i < f->nparams ? &f->params[i] : &f->results[i - f->nparams];
        weft_error *e = abi_check_type(x->type);
        if (e) {
            fail(g, weft_error_kind_of(e), "%s: %s", fn->origin, weft_error_message(e));
            weft_error_free(e);
            return;
        }
    }
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 32;
        gfunc *v = realloc(fs->v, cap * sizeof *v);
        if (!v) {
            nomem(g);
            return;
        }
        fs->v = v;
        fs->cap = cap;
    }
    fs->v[fs->n++] = *fn;
}

/* The functions the world imports, then those it exports (in ccall.c's order, with its names). */
static void collect(gen *g, const cc_exports *ex, gfuncs *fs) {
    const wit_world *w = g->w;
    for (uint32_t i = 0; i < w->nimports; i++) {
        const wit_world_item *it = &w->imports[i];
        if (it->kind == WIT_ITEM_FUNC) {
            gfunc fn = {it->func, str(g, "%s_%s", g->p, ident(g, it->func->name)), "$root",
                        it->func->name, false};
            add_func(g, fs, &fn);
            continue;
        }
        const char *key = iface_key(g, it->iface, it->name);
        const char *module = it->iface->qualified ? it->iface->qualified : it->name;
        for (uint32_t k = 0; k < it->iface->nfuncs; k++) {
            const ct_func *f = &it->iface->funcs[k];
            gfunc fn = {f, str(g, "%s_%s_%s", g->p, key, ident(g, f->name)), module,
                        str(g, "%s#%s", module, f->name), false};
            add_func(g, fs, &fn);
        }
    }
    size_t j = 0;
    for (uint32_t i = 0; i < w->nexports; i++) {
        const wit_world_item *it = &w->exports[i];
        const char *key = it->kind == WIT_ITEM_FUNC ? NULL : iface_key(g, it->iface, it->name);
        uint32_t n = it->kind == WIT_ITEM_FUNC ? 1 : it->iface->nfuncs;
        for (uint32_t k = 0; k < n && j < ex->n; k++, j++) {
            const ct_func *f = ex->v[j].func;
            gfunc fn = {f,
                        key ? str(g, "%s_exports_%s_%s", g->p, key, ident(g, f->name))
                            : str(g, "%s_exports_%s", g->p, ident(g, f->name)),
                        ex->v[j].core_name, ex->v[j].core_name, true};
            add_func(g, fs, &fn);
        }
    }
    if (j != ex->n) fail(g, WEFT_ERR_USAGE, "internal: the world's exports counted differently");
}

/* Registers the named types of every interface the world imports or exports, then its own. */
static void add_world_types(gen *g) {
    const wit_world *w = g->w;
    hmap seen = {0};
    for (uint32_t i = 0; i < w->nimports + w->nexports && !failed(g); i++) {
        const wit_world_item *it = i < w->nimports ? &w->imports[i] : &w->exports[i - w->nimports];
        if (it->kind == WIT_ITEM_FUNC || hm_get(&seen, it->iface) >= 0) continue;
        if (!hm_put(&seen, it->iface, 1)) nomem(g);
        add_named(g, iface_key(g, it->iface, it->name), it->iface->types, it->iface->ntypes);
    }
    hm_free(&seen);
    add_named(g, NULL, w->types, w->ntypes);
}

/* ---- the API --------------------------------------------------------------------------------- */

static bool take(bindgen_file *f, const char *name, sbuf *b) {
    size_t n = strlen(name) + 1;
    if (!(f->name = malloc(n))) return false;
    memcpy(f->name, name, n);
    f->text = b->s;
    f->len = b->len;
    b->s = NULL;
    return true;
}

weft_error *bindgen_c(const wit_world *w, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    gen g = {0};
    g.w = w;
    g.by_token.strings = true;
    g.names.strings = true;
    cc_exports ex = {0};
    gfuncs fs = {0};
    g.p = ident(&g, w->name);
    g.P = upper(&g, g.p);
    if (!cc_world_exports(w, &ex)) nomem(&g);

    add_world_types(&g);
    collect(&g, &ex, &fs);
    size_t nnamed = g.nents;

    header_start(&g);
    for (size_t i = 0; i < nnamed && !failed(&g); i++) emit_type(&g, i);
    for (size_t i = 0; i < fs.n && !failed(&g); i++) {
        const ct_func *f = fs.v[i].f;
        for (uint32_t k = 0; k < f->nparams; k++) dep(&g, f->params[k].type);
        for (uint32_t k = 0; k < f->nresults; k++) dep(&g, f->results[k].type);
    }
    for (int exported = 0; exported < 2 && !failed(&g); exported++) {
        sb_printf(&g.h, exported ? "/* ---- exports: implement these ---- */\n\n"
                                 : "/* ---- imports: call these ---- */\n\n");
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.v[i].exported != (exported == 1)) continue;
            claim(&g, fs.v[i].cname, fs.v[i].origin);
            sb_printf(&g.h, "/* %s */\n", fs.v[i].origin);
            put_sig(&g, &g.h, &fs.v[i], false);
            sb_printf(&g.h, ";\n");
        }
        sb_printf(&g.h, "\n");
    }
    sb_printf(&g.h, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");

    glue_start(&g);
    for (size_t i = 0; i < g.norder && !failed(&g); i++) {
        const tentry *e = &g.ents[g.order[i]];
        if (e->t->kind == CT_ALIAS) continue;
        sb_printf(&g.c, "_Static_assert(sizeof(%s) == %llu && _Alignof(%s) == %u,\n"
                        "               \"%s: the canonical ABI's layout\");\n",
                  e->ctype, (unsigned long long)abi_size(e->t), e->ctype, abi_align(e->t),
                  e->ctype);
    }
    sb_printf(&g.c, "\n/* ---- free helpers ---- */\n\n");
    for (size_t i = 0; i < g.norder && !failed(&g); i++) gen_free(&g, g.order[i]);
    sb_printf(&g.c, "/* ---- imports ---- */\n\n");
    for (size_t i = 0; i < fs.n && !failed(&g); i++)
        if (!fs.v[i].exported) gen_import(&g, &fs.v[i]);
    sb_printf(&g.c, "/* ---- exports ---- */\n\n");
    for (size_t i = 0; i < fs.n && !failed(&g); i++)
        if (fs.v[i].exported) gen_export(&g, &fs.v[i]);

    if (!failed(&g)) {
        if (take(&out->v[0], str(&g, "%s.h", g.p), &g.h) &&
            take(&out->v[1], str(&g, "%s.c", g.p), &g.c))
            out->n = 2;
        else
            nomem(&g);
    }
    if (!g.err && (g.h.oom || g.c.oom)) nomem(&g);

    weft_error *err = g.err;
    free(g.h.s);
    free(g.c.s);
    free(g.ents);
    free(g.order);
    hm_free(&g.by_type);
    hm_free(&g.by_token);
    hm_free(&g.names);
    hm_free(&g.owns);
    for (size_t i = 0; i < g.nstrs; i++) free(g.strs[i]);
    free(g.strs);
    free(fs.v);
    cc_exports_free(&ex);
    return err;
}

weft_error *bindgen_c_doc(const wit_doc *doc, const char *world, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    const wit_package *p = doc->package;
    const wit_world *w = NULL;
    if (world && !(w = wit_find_world(doc, world)))
        return weft_error_new(WEFT_ERR_USAGE, "no world \"%s\" in the WIT", world);
    if (!world) {
        if (!p || p->nworlds != 1)
            return weft_error_new(WEFT_ERR_USAGE, "%s: say which with --world",
                                  p && p->nworlds ? "the WIT package has several worlds"
                                                  : "the WIT has no world");
        w = p->worlds[0];
    }
    return bindgen_c(w, out);
}

void bindgen_files_free(bindgen_files *f) {
    if (!f) return;
    for (size_t i = 0; i < sizeof f->v / sizeof *f->v; i++) {
        free(f->v[i].name);
        free(f->v[i].text);
    }
    memset(f, 0, sizeof *f);
}

weft_error *bindgen_write(const bindgen_files *f, const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0)
            return weft_error_new(WEFT_ERR_USAGE, "%s: cannot create the directory: %s", dir,
                                  strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return weft_error_new(WEFT_ERR_USAGE, "%s: not a directory", dir);
    }
    for (size_t i = 0; i < f->n; i++) {
        size_t n = strlen(dir) + strlen(f->v[i].name) + 2;
        char *path = malloc(n);
        if (!path) return err_nomem();
        snprintf(path, n, "%s/%s", dir, f->v[i].name);
        FILE *fp = fopen(path, "wb");
        bool ok = fp && fwrite(f->v[i].text, 1, f->v[i].len, fp) == f->v[i].len;
        int why = errno;
        if (fp && fclose(fp) != 0 && ok) {
            ok = false;
            why = errno;
        }
        if (!ok) {
            weft_error *e =
                weft_error_new(WEFT_ERR_USAGE, "%s: cannot write: %s", path, strerror(why));
            free(path);
            return e;
        }
        free(path);
    }
    return NULL;
}
