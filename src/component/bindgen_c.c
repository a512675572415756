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
#include "component/bindgen_gen.h"
#include "component/ccall.h"
#include "wasm/error.h"

/* ---- text and strings ------------------------------------------------------------------------ */


void bg_sb_vprintf(bg_sbuf *b, const char *fmt, va_list ap) {
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

void bg_sb_printf(bg_sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bg_sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* ---- small hash maps: pointer or string keys to an index ------------------------------------- */


static uint64_t hm_hash(const bg_hmap *m, const void *k) {
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

static bool hm_eq(const bg_hmap *m, const void *a, const void *b) {
    return m->strings ? strcmp(a, b) == 0 : a == b;
}

/* The value of key k, or -1. */
int64_t bg_hm_get(const bg_hmap *m, const void *k) {
    if (!m->cap) return -1;
    for (size_t i = hm_hash(m, k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return -1;
        if (hm_eq(m, m->keys[i], k)) return m->vals[i];
    }
}

/* Sets k (borrowed: it must outlive the map) to v; false when out of memory. */
bool bg_hm_put(bg_hmap *m, const void *k, uint32_t v) {
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

void bg_hm_free(bg_hmap *m) {
    free(m->keys);
    free(m->vals);
}

/* ---- the generator's state ------------------------------------------------------------------- */



bool bg_failed(const bg_gen *g) { return g->err != NULL || g->h.oom || g->c.oom; }

void bg_fail(bg_gen *g, weft_error_kind k, const char *fmt, ...) {
    if (g->err) return;
    va_list ap;
    va_start(ap, fmt);
    g->err = err_newv(k, -1, fmt, ap);
    va_end(ap);
}

void bg_nomem(bg_gen *g) {
    if (!g->err) g->err = err_nomem();
}

/* Takes s (malloc'd, or NULL when that failed) into the strings g frees at the end; NULL (and g
 * failed) when out of memory. */
static char *keep(bg_gen *g, char *s) {
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
        bg_nomem(g);
        return NULL;
    }
    g->strs[g->nstrs++] = s;
    return s;
}

/* A formatted string that lives as long as g; "" (and g failed) when out of memory. */
const char *bg_str(bg_gen *g, const char *fmt, ...) {
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
static char *copy_of(bg_gen *g, const char *s) {
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
const char *bg_ident(bg_gen *g, const char *name) {
    char *s = copy_of(g, name);
    if (!s) return "";
    for (char *q = s; *q; q++)
        if (!isalnum((unsigned char)*q)) *q = '_';
    return s;
}

/* A member or parameter name: an identifier, with '_' after a C keyword. */
const char *bg_member(bg_gen *g, const char *name) {
    const char *s = bg_ident(g, name);
    for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++)
        if (strcmp(s, c_keywords[i]) == 0) return bg_str(g, "%s_", s);
    return s;
}

const char *bg_upper(bg_gen *g, const char *s) {
    char *u = copy_of(g, s);
    if (!u) return "";
    for (char *q = u; *q; q++) *q = (char)toupper((unsigned char)*q);
    return u;
}

/* Claims a public C name; a second claim is a clash the author could not resolve in C. */
void bg_claim(bg_gen *g, const char *name, const char *what) {
    if (bg_failed(g)) return;
    if (bg_hm_get(&g->names, name) >= 0) {
        bg_fail(g, WEFT_ERR_USAGE, "two things of the world get the C name %s (the second: %s)", name,
             what);
        return;
    }
    if (!bg_hm_put(&g->names, name, 1)) bg_nomem(g);
}

/* ---- primitive types ------------------------------------------------------------------------- */

bool bg_is_prim(ct_kind k) { return k <= CT_CHAR; }

const char *bg_prim_ctype(ct_kind k) {
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
bool bg_is_scalar(const ct_type *t) {
    t = ct_resolve(t);
    return t && (bg_is_prim(t->kind) || t->kind == CT_ENUM ||
                 (t->kind == CT_FLAGS && t->nfields <= 32));
}

static uint32_t nflat(const ct_type *t) { return (uint32_t)abi_flatten(t, NULL, ABI_MAX_FLAT); }

/* ---- naming ---------------------------------------------------------------------------------- */

static bg_tentry *add_entry(bg_gen *g, const ct_type *t, const char *token) {
    if (bg_failed(g)) return NULL;
    if (g->nents == g->capents) {
        size_t cap = g->capents ? g->capents * 2 : 64;
        bg_tentry *v = realloc(g->ents, cap * sizeof *v);
        if (!v) {
            bg_nomem(g);
            return NULL;
        }
        g->ents = v;
        g->capents = cap;
    }
    bg_tentry *e = &g->ents[g->nents];
    *e = (bg_tentry){t, bg_str(g, "%s_%s", g->p, token), NULL, token, 0};
    e->ctype = bg_str(g, "%s_t", e->name);
    if (!bg_hm_put(&g->by_type, t, (uint32_t)g->nents)) {
        bg_nomem(g);
        return NULL;
    }
    g->nents++;
    return bg_failed(g) ? NULL : e;
}


/* The token of a type in an anonymous type's name: "u8", "string", "iface_point", "list_u8".
 * Aliases count as what they name, so that list<person> is one C type in every interface that
 * uses person, and list<bytes> the same as list<list<u8>>. Returns a primitive's static token or
 * the entry's own string, so that tokens also tell types apart (entries themselves move). */
static const char *token_of(bg_gen *g, const ct_type *t) {
    if (!t) return "void";
    t = ct_resolve(t);
    if (!t) return "";
    if (bg_is_prim(t->kind) || t->kind == CT_STRING) return prim_token(t->kind);
    bg_tentry *e = bg_entry_of(g, t);
    return e ? e->token : "";
}

static bool same_anon(bg_gen *g, const ct_type *a, const ct_type *b) {
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
bg_tentry *bg_entry_of(bg_gen *g, const ct_type *t) {
    if (bg_failed(g) || !t) return NULL;
    int64_t i = bg_hm_get(&g->by_type, t);
    if (i >= 0) return &g->ents[i];
    char b[128];
    switch (t->kind) {
    case CT_ALIAS: /* not declared in an interface of the world: stands for its target */
        return bg_entry_of(g, t->elem);
    case CT_RESOURCE: case CT_OWN: case CT_BORROW:
        bg_fail(g, WEFT_ERR_UNSUPPORTED,
             "%s: resources and handles are not supported by `weft bindgen c` yet",
             ct_describe(t, b, sizeof b));
        return NULL;
    case CT_RECORD: case CT_VARIANT: case CT_ENUM: case CT_FLAGS: /* declared outside the world */
        return add_entry(g, t, bg_ident(g, t->name ? t->name : "anon"));
    case CT_LIST: case CT_OPTION: case CT_RESULT: case CT_TUPLE: break;
    default: return NULL;
    }
    const char *tok;
    if (t->kind == CT_LIST) tok = bg_str(g, "list_%s", token_of(g, t->elem));
    else if (t->kind == CT_OPTION) tok = bg_str(g, "option_%s", token_of(g, t->elem));
    else if (t->kind == CT_RESULT)
        tok = bg_str(g, "result_%s_%s", token_of(g, t->ok), token_of(g, t->err));
    else {
        if (t->nfields == 0) {
            bg_fail(g, WEFT_ERR_UNSUPPORTED, "empty tuples have no C type");
            return NULL;
        }
        tok = bg_str(g, "tuple%u", t->nfields);
        for (uint32_t k = 0; k < t->nfields; k++)
            tok = bg_str(g, "%s_%s", tok, token_of(g, t->fields[k].type));
    }
    if (bg_failed(g)) return NULL;
    int64_t j = bg_hm_get(&g->by_token, tok);
    if (j >= 0) {
        if (!same_anon(g, g->ents[j].t, t)) {
            bg_fail(g, WEFT_ERR_USAGE, "two different types of the world get the C name %s_%s_t",
                 g->p, tok);
            return NULL;
        }
        if (!bg_hm_put(&g->by_type, t, (uint32_t)j)) bg_nomem(g);
        return bg_failed(g) ? NULL : &g->ents[j];
    }
    bg_tentry *e = add_entry(g, t, tok);
    if (e && !bg_hm_put(&g->by_token, e->token, (uint32_t)(e - g->ents))) bg_nomem(g);
    return bg_failed(g) ? NULL : e;
}

/* The C type of t: "int32_t", "w_string_t", "w_iface_point_t". */
const char *bg_ctype_of(bg_gen *g, const ct_type *t) {
    if (!t) return "void";
    if (t->kind != CT_ALIAS || bg_hm_get(&g->by_type, t) < 0) {
        const ct_type *r = ct_resolve(t);
        if (r && bg_is_prim(r->kind)) return bg_prim_ctype(r->kind);
        if (r && r->kind == CT_STRING) return bg_str(g, "%s_string_t", g->p);
    }
    bg_tentry *e = bg_entry_of(g, t);
    return e ? e->ctype : "void";
}

/* Whether a value of t holds memory its owner frees (a string or list somewhere inside). */
bool bg_owns(bg_gen *g, const ct_type *t) {
    t = ct_resolve(t);
    if (!t) return false;
    if (t->kind == CT_STRING || t->kind == CT_LIST) return true;
    if (bg_is_prim(t->kind) || t->kind == CT_ENUM || t->kind == CT_FLAGS) return false;
    int64_t m = bg_hm_get(&g->owns, t);
    if (m >= 0) return m == 2;
    bool o = false;
    if (t->kind == CT_OPTION) o = bg_owns(g, t->elem);
    else if (t->kind == CT_RESULT) o = bg_owns(g, t->ok) || bg_owns(g, t->err);
    else
        for (uint32_t i = 0; i < t->nfields && !o; i++) o = bg_owns(g, t->fields[i].type);
    if (!bg_hm_put(&g->owns, t, o ? 2 : 1)) bg_nomem(g);
    return o;
}

/* The free helper of an owning type: "w_string_free", "w_list_u8_free". */
const char *bg_free_of(bg_gen *g, const ct_type *t) {
    const ct_type *r = ct_resolve(t);
    if (r && r->kind == CT_STRING && (t->kind != CT_ALIAS || bg_hm_get(&g->by_type, t) < 0))
        return bg_str(g, "%s_string_free", g->p);
    bg_tentry *e = bg_entry_of(g, t);
    return e ? bg_str(g, "%s_free", e->name) : "";
}

/* The name of an interface in C names: "ns_pkg_iface" (no version), or an inline one's name. */
const char *bg_iface_key(bg_gen *g, const wit_interface *i, const char *item_name) {
    if (i->qualified && i->package)
        return bg_str(g, "%s_%s_%s", bg_ident(g, i->package->ns), bg_ident(g, i->package->name),
                   bg_ident(g, i->name));
    return bg_ident(g, item_name ? item_name : i->name);
}

/* Registers the named types an interface (or the world, ikey NULL) declares. */
static void add_named(bg_gen *g, const char *ikey, const ct_type *const *types, uint32_t n) {
    for (uint32_t i = 0; i < n && !bg_failed(g); i++) {
        const ct_type *t = types[i];
        if (bg_hm_get(&g->by_type, t) >= 0) continue;
        if (t->kind == CT_RESOURCE) {
            bg_fail(g, WEFT_ERR_UNSUPPORTED,
                 "resource %s: resources are not supported by `weft bindgen c` yet", t->name);
            return;
        }
        const char *tn = bg_ident(g, t->name ? t->name : "anon");
        add_entry(g, t, ikey ? bg_str(g, "%s_%s", ikey, tn) : tn);
    }
}

/* ---- the header's types ---------------------------------------------------------------------- */


/* Writes the C type of t (and what it needs) unless written already. */
void bg_dep(bg_gen *g, const ct_type *t) {
    bg_tentry *e = bg_entry_of(g, t);
    if (e) bg_emit_type(g, (size_t)(e - g->ents));
}

/* The member of a variant-like value's payload: "val", "val.ok", "val.circle". */
const char *bg_payload_member(bg_gen *g, const ct_type *r, uint32_t c) {
    if (r->kind == CT_OPTION) return "val";
    if (r->kind == CT_RESULT) return c == 0 ? "val.ok" : "val.err";
    return bg_str(g, "val.%s", bg_member(g, r->fields[c].name));
}

/* The member of field i of a record or tuple: its name, or f0, f1, ... */
const char *bg_field_member(bg_gen *g, const ct_type *r, uint32_t i) {
    return r->kind == CT_TUPLE ? bg_str(g, "f%u", i) : bg_member(g, r->fields[i].name);
}

/* Writes entry idx's typedef (the types it contains first), its constants and the prototype of its
 * free helper. Entries are added as anonymous types are met, so they are found by index. */
void bg_emit_type(bg_gen *g, size_t idx) {
    bg_tentry *e = &g->ents[idx];
    if (bg_failed(g) || e->state == 2) return;
    if (e->state == 1) {
        bg_fail(g, WEFT_ERR_USAGE, "type %s refers to itself", e->ctype);
        return;
    }
    e->state = 1;
    const ct_type *t = e->t;
    bg_sbuf *h = &g->h;
    if (t->kind == CT_ALIAS) {
        bg_dep(g, t->elem);
        e = &g->ents[idx];
        bg_claim(g, e->ctype, "a type");
        bg_sb_printf(h, "typedef %s %s;\n", bg_ctype_of(g, t->elem), e->ctype);
        if (bg_owns(g, t)) {
            bg_claim(g, bg_str(g, "%s_free", e->name), "a free function");
            bg_sb_printf(h, "static inline void %s_free(%s *v) { %s(v); }\n", e->name, e->ctype,
                      bg_free_of(g, t->elem));
        }
        bg_sb_printf(h, "\n");
        goto done;
    }
    uint32_t ncases = abi_case_count(t);
    switch (t->kind) {
    case CT_LIST: case CT_OPTION: bg_dep(g, t->elem); break;
    case CT_RESULT: bg_dep(g, t->ok); bg_dep(g, t->err); break;
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT:
        for (uint32_t i = 0; i < t->nfields; i++) bg_dep(g, t->fields[i].type);
        break;
    default: break;
    }
    if (bg_failed(g)) return;
    e = &g->ents[idx];
    bg_claim(g, e->ctype, "a type");
    const char *U = bg_upper(g, e->name);
    switch (t->kind) {
    case CT_LIST:
        bg_sb_printf(h, "typedef struct %s {\n    %s *ptr;\n    size_t len;\n} %s;\n", e->ctype,
                  bg_ctype_of(g, t->elem), e->ctype);
        break;
    case CT_OPTION:
        bg_sb_printf(h, "typedef struct %s {\n    bool is_some;\n    %s val;\n} %s;\n", e->ctype,
                  bg_ctype_of(g, t->elem), e->ctype);
        break;
    case CT_RESULT:
        bg_sb_printf(h, "typedef struct %s {\n    bool is_err;\n", e->ctype);
        if (t->ok || t->err) {
            bg_sb_printf(h, "    union {\n");
            if (t->ok) bg_sb_printf(h, "        %s ok;\n", bg_ctype_of(g, t->ok));
            if (t->err) bg_sb_printf(h, "        %s err;\n", bg_ctype_of(g, t->err));
            bg_sb_printf(h, "    } val;\n");
        }
        bg_sb_printf(h, "} %s;\n", e->ctype);
        break;
    case CT_TUPLE: case CT_RECORD:
        if (t->nfields == 0) {
            bg_fail(g, WEFT_ERR_UNSUPPORTED, "%s has no fields: C has no empty structs", e->ctype);
            return;
        }
        bg_sb_printf(h, "typedef struct %s {\n", e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++)
            bg_sb_printf(h, "    %s %s;\n", bg_ctype_of(g, t->fields[i].type), bg_field_member(g, t, i));
        bg_sb_printf(h, "} %s;\n", e->ctype);
        break;
    case CT_VARIANT: {
        bool payload = false;
        for (uint32_t i = 0; i < t->nfields; i++) payload |= t->fields[i].type != NULL;
        bg_sb_printf(h, "typedef struct %s {\n    uint%u_t tag;\n", e->ctype,
                  8 * abi_disc_size(ncases));
        if (payload) {
            bg_sb_printf(h, "    union {\n");
            for (uint32_t i = 0; i < t->nfields; i++)
                if (t->fields[i].type)
                    bg_sb_printf(h, "        %s %s;\n", bg_ctype_of(g, t->fields[i].type),
                              bg_member(g, t->fields[i].name));
            bg_sb_printf(h, "    } val;\n");
        }
        bg_sb_printf(h, "} %s;\n", e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = bg_str(g, "%s_%s", U, bg_upper(g, bg_ident(g, t->fields[i].name)));
            bg_claim(g, c, "a variant case");
            bg_sb_printf(h, "#define %s %u\n", c, i);
        }
        break;
    }
    case CT_ENUM:
        bg_sb_printf(h, "typedef uint%u_t %s;\n", 8 * abi_disc_size(ncases), e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = bg_str(g, "%s_%s", U, bg_upper(g, bg_ident(g, t->fields[i].name)));
            bg_claim(g, c, "an enum case");
            bg_sb_printf(h, "#define %s %u\n", c, i);
        }
        break;
    case CT_FLAGS:
        if (t->nfields == 0) {
            bg_fail(g, WEFT_ERR_UNSUPPORTED, "%s has no flags", e->ctype);
            return;
        }
        if (t->nfields <= 32)
            bg_sb_printf(h, "typedef uint%u_t %s;\n", 8 * abi_flags_size(t->nfields), e->ctype);
        else
            bg_sb_printf(h, "typedef struct %s {\n    uint32_t words[%u];\n} %s;\n", e->ctype,
                      (t->nfields + 31) / 32, e->ctype);
        for (uint32_t i = 0; i < t->nfields; i++) {
            const char *c = bg_str(g, "%s_%s", U, bg_upper(g, bg_ident(g, t->fields[i].name)));
            bg_claim(g, c, "a flag");
            bg_sb_printf(h, "#define %s (1u << %u)\n", c, i % 32);
            if (t->nfields > 32) {
                bg_claim(g, bg_str(g, "%s_WORD", c), "a flag's word");
                bg_sb_printf(h, "#define %s_WORD %u\n", c, i / 32);
            }
        }
        break;
    default:
        bg_fail(g, WEFT_ERR_UNSUPPORTED, "no C type for %s", e->ctype);
        return;
    }
    if (bg_owns(g, t)) {
        bg_claim(g, bg_str(g, "%s_free", e->name), "a free function");
        bg_sb_printf(h, "void %s_free(%s *v);\n", e->name, e->ctype);
    }
    bg_sb_printf(h, "\n");
done:
    g->ents[idx].state = 2;
    if (g->norder == g->caporder) {
        size_t cap = g->caporder ? g->caporder * 2 : 64;
        size_t *v = realloc(g->order, cap * sizeof *v);
        if (!v) {
            bg_nomem(g);
            return;
        }
        g->order = v;
        g->caporder = cap;
    }
    g->order[g->norder++] = idx;
}

/* ---- functions ------------------------------------------------------------------------------- */


/* The single result's type when f has exactly one (named or not), else NULL. */
const ct_type *bg_one_result(const ct_func *f) {
    return f->nresults == 1 ? f->results[0].type : NULL;
}

/* "RET NAME(PARAMS)": the author's names in the header, a0.. and ret.. in the glue. */
static void put_sig(bg_gen *g, bg_sbuf *b, const bg_func *fn, bool glue) {
    const ct_func *f = fn->f;
    const ct_type *one = bg_one_result(f);
    bg_sb_printf(b, "%s %s(", one && bg_is_scalar(one) ? bg_ctype_of(g, one) : "void", fn->cname);
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->nparams; i++, n++) {
        const ct_type *t = f->params[i].type;
        const char *name = glue ? bg_str(g, "a%u", i) : bg_member(g, f->params[i].name);
        if (!glue && strncmp(name, "ret", 3) == 0) name = bg_str(g, "%s_", name);
        bg_sb_printf(b, "%s%s%s %s%s", n ? ", " : "", bg_is_scalar(t) || fn->exported ? "" : "const ",
                  bg_ctype_of(g, t), bg_is_scalar(t) ? "" : "*", name);
    }
    if (one && !bg_is_scalar(one)) {
        bg_sb_printf(b, "%s%s *ret", n ? ", " : "", bg_ctype_of(g, one));
        n++;
    } else if (f->nresults > 1) {
        for (uint32_t i = 0; i < f->nresults; i++, n++)
            bg_sb_printf(b, "%s%s *%s", n ? ", " : "", bg_ctype_of(g, f->results[i].type),
                      glue ? bg_str(g, "ret%u", i) : bg_str(g, "ret_%s", bg_ident(g, f->results[i].name)));
    }
    bg_sb_printf(b, "%s)", n ? "" : "void");
}

/* Flat core values as C variables: prefix0, prefix1, ... of the given core types. */
typedef struct slots {
    const char *prefix;
    const weft_valtype *types;
    size_t n;
} slots;

void bg_line(bg_gen *g, int ind, const char *fmt, ...) {
    bg_sb_printf(&g->c, "%*s", 4 * ind, "");
    va_list ap;
    va_start(ap, fmt);
    bg_sb_vprintf(&g->c, fmt, ap);
    va_end(ap);
    bg_sb_printf(&g->c, "\n");
}

/* Flat slot k read as a value of core type want: the spec's CoerceValueIter for joined variant
 * payloads (an i64 slot holding an i32, f32 or f64; an i32 slot holding an f32). */
static const char *rd(bg_gen *g, const slots *s, size_t k, weft_valtype want) {
    if (k >= s->n) {
        bg_fail(g, WEFT_ERR_USAGE, "internal: flat value %zu of %zu", k, s->n);
        return "0";
    }
    weft_valtype have = s->types[k];
    const char *v = bg_str(g, "%s%zu", s->prefix, k);
    if (have == want) return v;
    if (have == WEFT_I32 && want == WEFT_F32) return bg_str(g, "%s__f32_from_bits(%s)", g->p, v);
    if (have == WEFT_I64 && want == WEFT_I32) return bg_str(g, "(int32_t)%s", v);
    if (have == WEFT_I64 && want == WEFT_F32)
        return bg_str(g, "%s__f32_from_bits((int32_t)%s)", g->p, v);
    if (have == WEFT_I64 && want == WEFT_F64) return bg_str(g, "%s__f64_from_bits(%s)", g->p, v);
    bg_fail(g, WEFT_ERR_USAGE, "internal: flat value %zu cannot hold the type wanted", k);
    return "0";
}

/* Writes expr, a value of core type have, to flat slot k (the spec's lower_flat_variant
 * coercions: i32 zero-extended into i64, floats as their bits). */
static void wr(bg_gen *g, int ind, const slots *s, size_t k, weft_valtype have, const char *expr) {
    if (k >= s->n) {
        bg_fail(g, WEFT_ERR_USAGE, "internal: flat value %zu of %zu", k, s->n);
        return;
    }
    weft_valtype want = s->types[k];
    const char *v = expr;
    if (have == want) v = expr;
    else if (have == WEFT_F32 && want == WEFT_I32) v = bg_str(g, "%s__f32_bits(%s)", g->p, expr);
    else if (have == WEFT_I32 && want == WEFT_I64) v = bg_str(g, "(int64_t)(uint32_t)(%s)", expr);
    else if (have == WEFT_F32 && want == WEFT_I64)
        v = bg_str(g, "(int64_t)(uint32_t)%s__f32_bits(%s)", g->p, expr);
    else if (have == WEFT_F64 && want == WEFT_I64) v = bg_str(g, "%s__f64_bits(%s)", g->p, expr);
    else bg_fail(g, WEFT_ERR_USAGE, "internal: flat value %zu cannot take the type given", k);
    bg_line(g, ind, "%s%zu = %s;", s->prefix, k, v);
}

/* The discriminant's member of a variant-like C value. */
static const char *tag_member(const ct_type *r) {
    return r->kind == CT_OPTION ? "is_some" : r->kind == CT_RESULT ? "is_err" : "tag";
}

/* Code setting lvalue lv (of type t) from flat slots k.. (the spec's lift_flat). */
static void lift(bg_gen *g, int ind, const ct_type *t, const char *lv, const slots *s, size_t k) {
    const ct_type *r = ct_resolve(t);
    if (bg_failed(g) || !r) return;
    switch (r->kind) {
    case CT_BOOL: bg_line(g, ind, "%s = %s != 0;", lv, rd(g, s, k, WEFT_I32)); break;
    case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32: case CT_CHAR:
        bg_line(g, ind, "%s = (%s)%s;", lv, bg_prim_ctype(r->kind), rd(g, s, k, WEFT_I32));
        break;
    case CT_S64: case CT_U64:
        bg_line(g, ind, "%s = (%s)%s;", lv, bg_prim_ctype(r->kind), rd(g, s, k, WEFT_I64));
        break;
    case CT_F32: bg_line(g, ind, "%s = %s;", lv, rd(g, s, k, WEFT_F32)); break;
    case CT_F64: bg_line(g, ind, "%s = %s;", lv, rd(g, s, k, WEFT_F64)); break;
    case CT_STRING: case CT_LIST:
        bg_line(g, ind, "%s.ptr = (%s *)(uintptr_t)(uint32_t)%s;", lv,
             r->kind == CT_STRING ? "uint8_t" : bg_ctype_of(g, r->elem), rd(g, s, k, WEFT_I32));
        bg_line(g, ind, "%s.len = (size_t)(uint32_t)%s;", lv, rd(g, s, k + 1, WEFT_I32));
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < r->nfields; i++) {
            const ct_type *ft = r->fields[i].type;
            lift(g, ind, ft, bg_str(g, "%s.%s", lv, bg_field_member(g, r, i)), s, k);
            k += nflat(ft);
        }
        break;
    case CT_FLAGS:
        if (r->nfields <= 32)
            bg_line(g, ind, "%s = (%s)%s;", lv, bg_ctype_of(g, t), rd(g, s, k, WEFT_I32));
        else
            for (uint32_t i = 0; i < (r->nfields + 31) / 32; i++)
                bg_line(g, ind, "%s.words[%u] = (uint32_t)%s;", lv, i, rd(g, s, k + i, WEFT_I32));
        break;
    case CT_ENUM:
        bg_line(g, ind, "if ((uint32_t)%s >= %uu) __builtin_trap();", rd(g, s, k, WEFT_I32),
             r->nfields);
        bg_line(g, ind, "%s = (%s)%s;", lv, bg_ctype_of(g, t), rd(g, s, k, WEFT_I32));
        break;
    case CT_VARIANT: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(r);
        bg_line(g, ind, "switch ((uint32_t)%s) {", rd(g, s, k, WEFT_I32));
        for (uint32_t c = 0; c < n; c++) {
            bg_line(g, ind, "case %u:", c);
            if (r->kind == CT_VARIANT) bg_line(g, ind + 1, "%s.tag = %u;", lv, c);
            else bg_line(g, ind + 1, "%s.%s = %s;", lv, tag_member(r), c ? "true" : "false");
            const ct_type *pt = abi_case_type(r, c);
            if (pt) lift(g, ind + 1, pt, bg_str(g, "%s.%s", lv, bg_payload_member(g, r, c)), s, k + 1);
            bg_line(g, ind + 1, "break;");
        }
        bg_line(g, ind, "default:");
        bg_line(g, ind + 1, "__builtin_trap();");
        bg_line(g, ind, "}");
        break;
    }
    default:
        bg_fail(g, WEFT_ERR_UNSUPPORTED, "no flat lifting for this type");
    }
}

/* Code writing rv (of type t) to flat slots k.. (the spec's lower_flat); the slots start 0. */
static void lower(bg_gen *g, int ind, const ct_type *t, const char *rv, const slots *s, size_t k) {
    const ct_type *r = ct_resolve(t);
    if (bg_failed(g) || !r) return;
    switch (r->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32:
    case CT_CHAR: case CT_ENUM:
        wr(g, ind, s, k, WEFT_I32, bg_str(g, "(int32_t)%s", rv));
        break;
    case CT_S64: case CT_U64: wr(g, ind, s, k, WEFT_I64, bg_str(g, "(int64_t)%s", rv)); break;
    case CT_F32: wr(g, ind, s, k, WEFT_F32, rv); break;
    case CT_F64: wr(g, ind, s, k, WEFT_F64, rv); break;
    case CT_STRING: case CT_LIST:
        wr(g, ind, s, k, WEFT_I32, bg_str(g, "(int32_t)(uintptr_t)%s.ptr", rv));
        wr(g, ind, s, k + 1, WEFT_I32, bg_str(g, "(int32_t)%s.len", rv));
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < r->nfields; i++) {
            const ct_type *ft = r->fields[i].type;
            lower(g, ind, ft, bg_str(g, "%s.%s", rv, bg_field_member(g, r, i)), s, k);
            k += nflat(ft);
        }
        break;
    case CT_FLAGS:
        if (r->nfields <= 32) wr(g, ind, s, k, WEFT_I32, bg_str(g, "(int32_t)%s", rv));
        else
            for (uint32_t i = 0; i < (r->nfields + 31) / 32; i++)
                wr(g, ind, s, k + i, WEFT_I32, bg_str(g, "(int32_t)%s.words[%u]", rv, i));
        break;
    case CT_VARIANT: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(r);
        wr(g, ind, s, k, WEFT_I32, bg_str(g, "(int32_t)%s.%s", rv, tag_member(r)));
        bool payload = false;
        for (uint32_t c = 0; c < n; c++) payload |= abi_case_type(r, c) != NULL;
        if (!payload) break;
        bg_line(g, ind, "switch ((uint32_t)%s.%s) {", rv, tag_member(r));
        for (uint32_t c = 0; c < n; c++) {
            const ct_type *pt = abi_case_type(r, c);
            if (!pt) continue;
            bg_line(g, ind, "case %u:", c);
            lower(g, ind + 1, pt, bg_str(g, "%s.%s", rv, bg_payload_member(g, r, c)), s, k + 1);
            bg_line(g, ind + 1, "break;");
        }
        bg_line(g, ind, "default:");
        bg_line(g, ind + 1, "break;");
        bg_line(g, ind, "}");
        break;
    }
    default:
        bg_fail(g, WEFT_ERR_UNSUPPORTED, "no flat lowering for this type");
    }
}

/* A C string literal's contents (names of WIT items hold neither quotes nor backslashes, but the
 * generated code must not depend on that). */
const char *bg_c_string(bg_gen *g, const char *s) {
    const char *out = "";
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') out = bg_str(g, "%s\\%c", out, *s);
        else if ((unsigned char)*s < 0x20) out = bg_str(g, "%s\\%03o", out, (unsigned char)*s);
        else out = bg_str(g, "%s%c", out, *s);
    }
    return out;
}

/* A struct of the given fields named f0, f1, ... at file scope: a spilled tuple in memory. */
static void tuple_struct(bg_gen *g, const char *name, const ct_field *fields, uint32_t n) {
    bg_sb_printf(&g->c, "struct %s {\n", name);
    for (uint32_t i = 0; i < n; i++)
        bg_sb_printf(&g->c, "    %s f%u;\n", bg_ctype_of(g, fields[i].type), i);
    bg_sb_printf(&g->c, "};\n_Static_assert(sizeof(struct %s) == %llu && _Alignof(struct %s) == %u,\n"
                     "               \"%s: the canonical ABI's layout\");\n",
              name, (unsigned long long)abi_fields_size(fields, n), name,
              abi_fields_align(fields, n), name);
}

/* The core parameter list "int32_t p0, float p1" (or "void"). */
static const char *core_params(bg_gen *g, const abi_core_sig *sig, const char *prefix) {
    const char *s = sig->nparams ? "" : "void";
    for (size_t i = 0; i < sig->nparams; i++)
        s = bg_str(g, "%s%s%s %s%zu", s, i ? ", " : "", core_ctype(sig->params[i]), prefix, i);
    return s;
}

/* The glue of an export: a core function with the canonical ABI's flat signature that lifts its
 * arguments, calls the author's function, lowers the results (through a static return area when
 * they spill), and its cabi_post_* freeing what the results own. */
static void gen_export(bg_gen *g, const bg_func *fn) {
    const ct_func *f = fn->f;
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LIFT, &sig);
    const char *tag = fn->cname + strlen(g->p) + 1;
    const char *retst = bg_str(g, "%s__ret_%s", g->p, tag);
    const char *argst = bg_str(g, "%s__args_%s", g->p, tag);
    const ct_type *one = bg_one_result(f);
    bg_sb_printf(&g->c, "/* %s */\n", fn->origin);
    if (sig.params_spilled) tuple_struct(g, argst, f->params, f->nparams);
    if (sig.results_spilled) {
        tuple_struct(g, retst, f->results, f->nresults);
        bg_sb_printf(&g->c, "static struct %s %s_area;\n", retst, retst);
    }
    /* declared first for -Wmissing-prototypes: export_name needs external linkage */
    const char *def = bg_str(g, "%s %s__%s(%s)", sig.nresults ? core_ctype(sig.results[0]) : "void",
                          g->p, tag, core_params(g, &sig, "p"));
    bg_sb_printf(&g->c, "__attribute__((export_name(\"%s\")))\n%s;\n%s {\n", bg_c_string(g, fn->module),
              def, def);
    for (uint32_t i = 0; i < f->nparams; i++)
        bg_line(g, 1, "%s a%u;", bg_ctype_of(g, f->params[i].type), i);
    if (sig.params_spilled) {
        bg_line(g, 1, "struct %s *args = (struct %s *)(uintptr_t)(uint32_t)p0;", argst, argst);
        for (uint32_t i = 0; i < f->nparams; i++) bg_line(g, 1, "a%u = args->f%u;", i, i);
        bg_line(g, 1, "%s_free(args);", g->p);
    } else {
        slots s = {"p", sig.params, sig.nparams};
        size_t k = 0;
        for (uint32_t i = 0; i < f->nparams; i++) {
            lift(g, 1, f->params[i].type, bg_str(g, "a%u", i), &s, k);
            k += nflat(f->params[i].type);
        }
    }
    /* the call */
    const char *args = "";
    for (uint32_t i = 0; i < f->nparams; i++)
        args = bg_str(g, "%s%s%sa%u", args, i ? ", " : "", bg_is_scalar(f->params[i].type) ? "" : "&", i);
    const char *sep = f->nparams ? ", " : "";
    if (f->nresults == 0) {
        bg_line(g, 1, "%s(%s);", fn->cname, args);
    } else if (sig.results_spilled) {
        if (one && bg_is_scalar(one)) {
            bg_line(g, 1, "%s_area.f0 = %s(%s);", retst, fn->cname, args);
        } else {
            const char *outs = "";
            for (uint32_t i = 0; i < f->nresults; i++)
                outs = bg_str(g, "%s%s&%s_area.f%u", outs, i ? ", " : "", retst, i);
            bg_line(g, 1, "%s(%s%s%s);", fn->cname, args, sep, outs);
        }
        bg_line(g, 1, "return (int32_t)(uintptr_t)&%s_area;", retst);
    } else if (!one) { /* several results in one flat value: only if some took none */
        bg_fail(g, WEFT_ERR_USAGE, "internal: %s: several results unspilled", fn->origin);
    } else {
        if (bg_is_scalar(one)) {
            bg_line(g, 1, "%s r = %s(%s);", bg_ctype_of(g, one), fn->cname, args);
        } else {
            bg_line(g, 1, "%s r;", bg_ctype_of(g, one));
            bg_line(g, 1, "%s(%s%s&r);", fn->cname, args, sep);
        }
        bg_line(g, 1, "%s r0 = 0;", core_ctype(sig.results[0]));
        slots s = {"r", sig.results, sig.nresults};
        lower(g, 1, one, "r", &s, 0);
        bg_line(g, 1, "return r0;");
    }
    bg_sb_printf(&g->c, "}\n");
    bool post = false;
    for (uint32_t i = 0; i < f->nresults; i++) post |= bg_owns(g, f->results[i].type);
    if (post && sig.results_spilled) {
        const char *pdef = bg_str(g, "void %s__post_%s(int32_t p0)", g->p, tag);
        bg_sb_printf(&g->c, "__attribute__((export_name(\"cabi_post_%s\")))\n%s;\n%s {\n",
                  bg_c_string(g, fn->module), pdef, pdef);
        bg_line(g, 1, "struct %s *r = (struct %s *)(uintptr_t)(uint32_t)p0;", retst, retst);
        for (uint32_t i = 0; i < f->nresults; i++)
            if (bg_owns(g, f->results[i].type))
                bg_line(g, 1, "%s(&r->f%u);", bg_free_of(g, f->results[i].type), i);
        bg_sb_printf(&g->c, "}\n");
    }
    bg_sb_printf(&g->c, "\n");
}

/* The wrapper of an import: lowers the C arguments into flat values (or a tuple on the stack
 * when they spill), calls the core import, and lifts its results (from a return area on the
 * stack when they spill). */
static void gen_import(bg_gen *g, const bg_func *fn) {
    const ct_func *f = fn->f;
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LOWER, &sig);
    const char *tag = fn->cname + strlen(g->p) + 1;
    const char *retst = bg_str(g, "%s__iret_%s", g->p, tag);
    const char *argst = bg_str(g, "%s__iargs_%s", g->p, tag);
    const ct_type *one = bg_one_result(f);
    bg_sb_printf(&g->c, "/* %s */\n", fn->origin);
    if (sig.params_spilled) tuple_struct(g, argst, f->params, f->nparams);
    if (sig.results_spilled) tuple_struct(g, retst, f->results, f->nresults);
    bg_sb_printf(&g->c,
              "__attribute__((import_module(\"%s\"), import_name(\"%s\")))\n"
              "extern %s %s__import_%s(%s);\n",
              bg_c_string(g, fn->module), bg_c_string(g, f->name),
              sig.nresults ? core_ctype(sig.results[0]) : "void", g->p, tag,
              core_params(g, &sig, "p"));
    put_sig(g, &g->c, fn, true);
    bg_sb_printf(&g->c, " {\n");
    size_t nflatp = sig.nparams - (sig.results_spilled ? 1 : 0);
    const char *call = "";
    if (sig.params_spilled) {
        bg_line(g, 1, "struct %s args;", argst);
        for (uint32_t i = 0; i < f->nparams; i++)
            bg_line(g, 1, "args.f%u = %sa%u;", i, bg_is_scalar(f->params[i].type) ? "" : "*", i);
        call = "(int32_t)(uintptr_t)&args";
    } else {
        for (size_t i = 0; i < nflatp; i++) {
            bg_line(g, 1, "%s f%zu = 0;", core_ctype(sig.params[i]), i);
            call = bg_str(g, "%s%sf%zu", call, i ? ", " : "", i);
        }
        slots s = {"f", sig.params, nflatp};
        size_t k = 0;
        for (uint32_t i = 0; i < f->nparams; i++) {
            const ct_type *t = f->params[i].type;
            lower(g, 1, t, bg_is_scalar(t) ? bg_str(g, "a%u", i) : bg_str(g, "(*a%u)", i), &s, k);
            k += nflat(t);
        }
    }
    if (sig.results_spilled) {
        bg_line(g, 1, "struct %s ret_area;", retst);
        call = bg_str(g, "%s%s(int32_t)(uintptr_t)&ret_area", call, *call ? ", " : "");
    }
    if (sig.nresults)
        bg_line(g, 1, "%s r0 = %s__import_%s(%s);", core_ctype(sig.results[0]), g->p, tag, call);
    else bg_line(g, 1, "%s__import_%s(%s);", g->p, tag, call);
    if (sig.results_spilled) {
        if (one && bg_is_scalar(one)) bg_line(g, 1, "return ret_area.f0;");
        else if (one) bg_line(g, 1, "*ret = ret_area.f0;");
        else
            for (uint32_t i = 0; i < f->nresults; i++) bg_line(g, 1, "*ret%u = ret_area.f%u;", i, i);
    } else if (one) {
        slots s = {"r", sig.results, sig.nresults};
        if (bg_is_scalar(one)) {
            bg_line(g, 1, "%s r;", bg_ctype_of(g, one));
            lift(g, 1, one, "r", &s, 0);
            bg_line(g, 1, "return r;");
        } else {
            lift(g, 1, one, "(*ret)", &s, 0);
        }
    }
    bg_sb_printf(&g->c, "}\n\n");
}

/* ---- the free helpers' definitions ----------------------------------------------------------- */

void bg_gen_free(bg_gen *g, size_t idx) {
    const ct_type *t = g->ents[idx].t;
    const char *name = g->ents[idx].name, *ct = g->ents[idx].ctype;
    if (t->kind == CT_ALIAS || !bg_owns(g, t)) return;
    bg_sbuf *c = &g->c;
    bg_sb_printf(c, "void %s_free(%s *v) {\n", name, ct);
    switch (t->kind) {
    case CT_LIST:
        if (bg_owns(g, t->elem))
            bg_line(g, 1, "for (size_t i = 0; i < v->len; i++) %s(&v->ptr[i]);", bg_free_of(g, t->elem));
        bg_line(g, 1, "if (v->len > 0) %s_free(v->ptr);", g->p);
        bg_line(g, 1, "v->ptr = NULL;");
        bg_line(g, 1, "v->len = 0;");
        break;
    case CT_OPTION: bg_line(g, 1, "if (v->is_some) %s(&v->val);", bg_free_of(g, t->elem)); break;
    case CT_RESULT:
        if (bg_owns(g, t->ok)) bg_line(g, 1, "if (!v->is_err) %s(&v->val.ok);", bg_free_of(g, t->ok));
        if (bg_owns(g, t->err)) bg_line(g, 1, "if (v->is_err) %s(&v->val.err);", bg_free_of(g, t->err));
        break;
    case CT_VARIANT:
        bg_line(g, 1, "switch (v->tag) {");
        for (uint32_t i = 0; i < t->nfields; i++)
            if (t->fields[i].type && bg_owns(g, t->fields[i].type))
                bg_line(g, 1, "case %u: %s(&v->val.%s); break;", i, bg_free_of(g, t->fields[i].type),
                     bg_member(g, t->fields[i].name));
        bg_line(g, 1, "default: break;");
        bg_line(g, 1, "}");
        break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < t->nfields; i++)
            if (bg_owns(g, t->fields[i].type))
                bg_line(g, 1, "%s(&v->%s);", bg_free_of(g, t->fields[i].type), bg_field_member(g, t, i));
        break;
    default: break;
    }
    bg_sb_printf(c, "}\n\n");
}

/* ---- the files' fixed parts ------------------------------------------------------------------ */

/* Appends tpl with $p replaced by the world's prefix, $P by it in capitals, $w by the world's
 * qualified name. */
void bg_put_template(bg_gen *g, bg_sbuf *b, const char *tpl) {
    const char *w = g->w->qualified ? g->w->qualified : g->w->name;
    for (const char *s = tpl; *s;) {
        const char *d = strchr(s, '$');
        if (!d) {
            bg_sb_printf(b, "%s", s);
            break;
        }
        bg_sb_printf(b, "%.*s%s", (int)(d - s), s, d[1] == 'p' ? g->p : d[1] == 'P' ? g->P : w);
        s = d + 2;
    }
}

static void header_start(bg_gen *g) {
    bg_put_template(g, &g->h,
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
        bg_claim(g, bg_str(g, "%s_%s", g->p, fixed[i]), "a helper");
}

static void glue_start(bg_gen *g) {
    bg_put_template(g, &g->c,
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


void bg_add_func(bg_gen *g, bg_funcs *fs, const bg_func *fn) {
    if (bg_failed(g)) return;
    const ct_func *f = fn->f;
    if (f->name[0] == '[') {
        bg_fail(g, WEFT_ERR_UNSUPPORTED,
             "%s: resources are not supported by `weft bindgen c` yet", fn->origin);
        return;
    }
    for (uint32_t i = 0; i < f->nparams + f->nresults; i++) {
        const ct_field *x = i < f->nparams ? &f->params[i] : &f->results[i - f->nparams];
        weft_error *e = abi_check_type(x->type);
        if (e) {
            bg_fail(g, weft_error_kind_of(e), "%s: %s", fn->origin, weft_error_message(e));
            weft_error_free(e);
            return;
        }
    }
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 32;
        bg_func *v = realloc(fs->v, cap * sizeof *v);
        if (!v) {
            bg_nomem(g);
            return;
        }
        fs->v = v;
        fs->cap = cap;
    }
    fs->v[fs->n++] = *fn;
}

/* The functions the world imports, then those it exports (in ccall.c's order, with its names). */
void bg_collect(bg_gen *g, const cc_exports *ex, bg_funcs *fs) {
    const wit_world *w = g->w;
    for (uint32_t i = 0; i < w->nimports; i++) {
        const wit_world_item *it = &w->imports[i];
        if (it->kind == WIT_ITEM_FUNC) {
            bg_func fn = {it->func, bg_str(g, "%s_%s", g->p, bg_ident(g, it->func->name)), "$root",
                        it->func->name, false};
            bg_add_func(g, fs, &fn);
            continue;
        }
        const char *key = bg_iface_key(g, it->iface, it->name);
        const char *module = it->iface->qualified ? it->iface->qualified : it->name;
        for (uint32_t k = 0; k < it->iface->nfuncs; k++) {
            const ct_func *f = &it->iface->funcs[k];
            bg_func fn = {f, bg_str(g, "%s_%s_%s", g->p, key, bg_ident(g, f->name)), module,
                        bg_str(g, "%s#%s", module, f->name), false};
            bg_add_func(g, fs, &fn);
        }
    }
    size_t j = 0;
    for (uint32_t i = 0; i < w->nexports; i++) {
        const wit_world_item *it = &w->exports[i];
        const char *key = it->kind == WIT_ITEM_FUNC ? NULL : bg_iface_key(g, it->iface, it->name);
        uint32_t n = it->kind == WIT_ITEM_FUNC ? 1 : it->iface->nfuncs;
        for (uint32_t k = 0; k < n && j < ex->n; k++, j++) {
            const ct_func *f = ex->v[j].func;
            bg_func fn = {f,
                        key ? bg_str(g, "%s_exports_%s_%s", g->p, key, bg_ident(g, f->name))
                            : bg_str(g, "%s_exports_%s", g->p, bg_ident(g, f->name)),
                        ex->v[j].core_name, ex->v[j].core_name, true};
            bg_add_func(g, fs, &fn);
        }
    }
    if (j != ex->n) bg_fail(g, WEFT_ERR_USAGE, "internal: the world's exports counted differently");
}

/* Registers the named types of every interface the world imports or exports, then its own. */
void bg_add_world_types(bg_gen *g) {
    const wit_world *w = g->w;
    bg_hmap seen = {0};
    for (uint32_t i = 0; i < w->nimports + w->nexports && !bg_failed(g); i++) {
        const wit_world_item *it = i < w->nimports ? &w->imports[i] : &w->exports[i - w->nimports];
        if (it->kind == WIT_ITEM_FUNC || bg_hm_get(&seen, it->iface) >= 0) continue;
        if (!bg_hm_put(&seen, it->iface, 1)) bg_nomem(g);
        add_named(g, bg_iface_key(g, it->iface, it->name), it->iface->types, it->iface->ntypes);
    }
    bg_hm_free(&seen);
    add_named(g, NULL, w->types, w->ntypes);
}

/* ---- the API --------------------------------------------------------------------------------- */

bool bg_take(bindgen_file *f, const char *name, bg_sbuf *b) {
    size_t n = strlen(name) + 1;
    if (!(f->name = malloc(n))) return false;
    memcpy(f->name, name, n);
    f->text = b->s;
    f->len = b->len;
    b->s = NULL;
    return true;
}

void bg_begin(bg_gen *g, const wit_world *w, cc_exports *ex, bg_funcs *fs) {
    memset(g, 0, sizeof *g);
    memset(ex, 0, sizeof *ex);
    memset(fs, 0, sizeof *fs);
    g->w = w;
    g->by_token.strings = true;
    g->names.strings = true;
    g->p = bg_ident(g, w->name);
    g->P = bg_upper(g, g->p);
    if (!cc_world_exports(w, ex)) bg_nomem(g);
    bg_add_world_types(g);
    bg_collect(g, ex, fs);
    g->nnamed = g->nents;
}

void bg_header_types(bg_gen *g, const bg_funcs *fs) {
    for (size_t i = 0; i < g->nnamed && !bg_failed(g); i++) bg_emit_type(g, i);
    for (size_t i = 0; i < fs->n && !bg_failed(g); i++) {
        const ct_func *f = fs->v[i].f;
        for (uint32_t k = 0; k < f->nparams; k++) bg_dep(g, f->params[k].type);
        for (uint32_t k = 0; k < f->nresults; k++) bg_dep(g, f->results[k].type);
    }
}

weft_error *bg_end(bg_gen *g, cc_exports *ex, bg_funcs *fs, const char *suffix,
                   bindgen_files *out) {
    if (!bg_failed(g)) {
        if (bg_take(&out->v[0], bg_str(g, "%s%s.h", g->p, suffix), &g->h) &&
            bg_take(&out->v[1], bg_str(g, "%s%s.c", g->p, suffix), &g->c))
            out->n = 2;
        else
            bg_nomem(g);
    }
    if (!g->err && (g->h.oom || g->c.oom)) bg_nomem(g);
    weft_error *err = g->err;
    free(g->h.s);
    free(g->c.s);
    free(g->ents);
    free(g->order);
    bg_hm_free(&g->by_type);
    bg_hm_free(&g->by_token);
    bg_hm_free(&g->names);
    bg_hm_free(&g->owns);
    for (size_t i = 0; i < g->nstrs; i++) free(g->strs[i]);
    free(g->strs);
    free(fs->v);
    cc_exports_free(ex);
    if (err) bindgen_files_free(out);
    return err;
}

weft_error *bindgen_c(const wit_world *w, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    bg_gen g;
    cc_exports ex;
    bg_funcs fs;
    bg_begin(&g, w, &ex, &fs);
    header_start(&g);
    bg_header_types(&g, &fs);
    for (int exported = 0; exported < 2 && !bg_failed(&g); exported++) {
        bg_sb_printf(&g.h, exported ? "/* ---- exports: implement these ---- */\n\n"
                                 : "/* ---- imports: call these ---- */\n\n");
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.v[i].exported != (exported == 1)) continue;
            bg_claim(&g, fs.v[i].cname, fs.v[i].origin);
            bg_sb_printf(&g.h, "/* %s */\n", fs.v[i].origin);
            put_sig(&g, &g.h, &fs.v[i], false);
            bg_sb_printf(&g.h, ";\n");
        }
        bg_sb_printf(&g.h, "\n");
    }
    bg_sb_printf(&g.h, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");

    glue_start(&g);
    for (size_t i = 0; i < g.norder && !bg_failed(&g); i++) {
        const bg_tentry *e = &g.ents[g.order[i]];
        if (e->t->kind == CT_ALIAS) continue;
        bg_sb_printf(&g.c, "_Static_assert(sizeof(%s) == %llu && _Alignof(%s) == %u,\n"
                        "               \"%s: the canonical ABI's layout\");\n",
                  e->ctype, (unsigned long long)abi_size(e->t), e->ctype, abi_align(e->t),
                  e->ctype);
    }
    bg_sb_printf(&g.c, "\n/* ---- free helpers ---- */\n\n");
    for (size_t i = 0; i < g.norder && !bg_failed(&g); i++) bg_gen_free(&g, g.order[i]);
    bg_sb_printf(&g.c, "/* ---- imports ---- */\n\n");
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++)
        if (!fs.v[i].exported) gen_import(&g, &fs.v[i]);
    bg_sb_printf(&g.c, "/* ---- exports ---- */\n\n");
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++)
        if (fs.v[i].exported) gen_export(&g, &fs.v[i]);
    return bg_end(&g, &ex, &fs, "", out);
}

weft_error *bindgen_pick_world(const wit_doc *doc, const char *world, const wit_world **out) {
    const wit_package *p = doc->package;
    *out = NULL;
    if (world && !(*out = wit_find_world(doc, world)))
        return weft_error_new(WEFT_ERR_USAGE, "no world \"%s\" in the WIT", world);
    if (!world) {
        if (!p || p->nworlds != 1)
            return weft_error_new(WEFT_ERR_USAGE, "%s: say which with --world",
                                  p && p->nworlds ? "the WIT package has several worlds"
                                                  : "the WIT has no world");
        *out = p->worlds[0];
    }
    return NULL;
}

weft_error *bindgen_c_doc(const wit_doc *doc, const char *world, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    const wit_world *w = NULL;
    weft_error *e = bindgen_pick_world(doc, world, &w);
    return e ? e : bindgen_c(w, out);
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
