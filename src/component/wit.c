/* wit.c: WIT text to a resolved wit_doc. The grammar of packages, interfaces, worlds and types
 * (tokens from wit_lex.c) builds the model's ct_types directly; a type named before it is known
 * is a placeholder until name resolution, which runs once over all files and packages: `use`,
 * named types (patched to the definitions' ct_type pointers), handles, cycles, world includes and
 * the imports the component model implies. Files are read only by wit_parse_dir.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "component/wit.h"

/* ---- growable arrays and string maps, in an arena ------------------------------------------ */

typedef struct vec {
    void *items;
    uint32_t n, cap;
} vec;

/* A new zeroed slot at the end; a grown array is a copy (the old one stays in the arena). */
static void *vec_push(ct_arena *a, vec *v, size_t size) {
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        void *p = ct_alloc(a, (size_t)cap * size);
        if (!p) return NULL;
        if (v->n) memcpy(p, v->items, (size_t)v->n * size);
        v->items = p;
        v->cap = cap;
    }
    void *slot = (char *)v->items + (size_t)v->n++ * size;
    memset(slot, 0, size);
    return slot;
}

#define AT(v, type, i) (((type *)(v).items)[i])

static bool vec_add(ct_arena *a, vec *v, const void *p) {
    const void **slot = vec_push(a, v, sizeof p);
    if (slot) *slot = p;
    return slot != NULL;
}

typedef struct smap {
    const char **keys;
    void **vals;
    uint32_t n, cap; /* cap: 0 or a power of two, at least twice n */
} smap;

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void *smap_get(const smap *m, const char *k) {
    if (!m->cap) return NULL;
    for (uint32_t i = hash_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return NULL;
        if (!strcmp(m->keys[i], k)) return m->vals[i];
    }
}

/* Adds k, which must not be there yet; false when out of memory. */
static bool smap_put(ct_arena *a, smap *m, const char *k, void *v) {
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 16;
        const char **keys = ct_alloc(a, cap * sizeof *keys);
        void **vals = ct_alloc(a, cap * sizeof *vals);
        if (!keys || !vals) return false;
        for (uint32_t j = 0; j < m->cap; j++) {
            if (!m->keys[j]) continue;
            uint32_t i = hash_str(m->keys[j]) & (cap - 1);
            while (keys[i]) i = (i + 1) & (cap - 1);
            keys[i] = m->keys[j];
            vals[i] = m->vals[j];
        }
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    uint32_t i = hash_str(k) & (m->cap - 1);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = v;
    m->n++;
    return true;
}

/* The names of one list (fields, cases, parameters), for repeats: scanned while few, then
 * hashed. */
typedef struct nameset {
    const char *few[16];
    uint32_t n;
    smap many;
} nameset;

/* 1: added; 0: already there; -1: out of memory. */
static int nameset_add(ct_arena *a, nameset *s, const char *name) {
    if (s->n < 16) {
        for (uint32_t i = 0; i < s->n; i++)
            if (!strcmp(s->few[i], name)) return 0;
        s->few[s->n++] = name;
        if (s->n == 16)
            for (uint32_t i = 0; i < 16; i++)
                if (!smap_put(a, &s->many, s->few[i], s)) return -1;
        return 1;
    }
    if (smap_get(&s->many, name)) return 0;
    s->n++;
    return smap_put(a, &s->many, name, s) ? 1 : -1;
}

/* ---- what the parser keeps for resolution (in the scratch arena) ----------------------------- */

enum { N_IFACE, N_WORLD, N_DEF, N_FUNC, N_ITEM, N_METHOD, N_USE };

/* Anything named in a namespace: found by name, and shown where it was first defined. */
typedef struct wnamed {
    uint8_t kind;
    const char *name;
    const char *path;
    uint32_t line, col;
} wnamed;

typedef struct wpkg wpkg;
typedef struct wfile wfile;
typedef struct wiface wiface;
typedef struct wworld wworld;
typedef struct wdef wdef;
typedef struct wref wref;

/* A path to an interface or world as written: `name` or `ns:pkg/name@version`. A top-level
 * `use` is one too, named (h.name) by what it defines in its file. */
typedef struct wpath {
    wnamed h;
    const char *ns, *pkg, *name, *version; /* ns and pkg NULL for a bare name */
    wfile *file;    /* a bare name looks among this file's top-level uses first (NULL: not) */
    wpkg *in;       /* ... then among this package's interfaces and worlds */
    wnamed *target; /* resolved: a wiface or a wworld */
} wpath;

/* The top-level `use` names of one file (or of one nested package block). */
struct wfile {
    const char *path;
    wpkg *pkg;
    smap uses; /* name -> wpath */
    vec paths; /* wpath*, in order */
};

struct wpkg {
    wit_package *pub;
    bool named;
    const char *decl_path;
    uint32_t decl_line, decl_col;
    smap items;        /* interface and world names -> wiface / wworld */
    vec ifaces;        /* wiface* */
    vec worlds;        /* wworld* */
    wpkg *last_nested; /* the last `package a:b { }` of its files */
    const char *first_path; /* its first item, for a missing declaration */
    uint32_t first_line, first_col;
};

/* The names of an interface or a world, and what it is building. */
typedef struct wscope {
    wpkg *pkg;
    wfile *file;
    const char *what; /* "interface 'x'", "world 'x'", for messages */
    bool in_world;    /* a world's own scope (not an inline interface's) */
    smap names;       /* -> wdef, function, import/export, resource function (N_METHOD) */
    vec types;        /* const ct_type* (main arena) */
    vec funcs;        /* ct_func (main arena): interfaces only */
    vec uses;         /* wpath* of its `use` items */
} wscope;

struct wiface {
    wnamed h;
    wit_interface *pub;
    wscope sc;
    wworld *world; /* of an inline interface */
    vec deps;      /* wiface*: the interfaces its `use`s name, each once */
    vec dep_at;    /* wpath*: where each was first named */
    uint8_t state;
    uint32_t next, seen;
};

typedef struct wwith {
    const char *from, *to;
    uint32_t line, col;
} wwith;

enum { E_IMPORT, E_EXPORT, E_INCLUDE };

/* An import, export or include of a world, as written. */
typedef struct wentry {
    uint8_t what;
    wit_item_kind kind;
    const char *name; /* plain name (INLINE, FUNC) */
    wpath *path;      /* INTERFACE: the interface; E_INCLUDE: the world */
    wiface *iface;    /* INLINE */
    ct_func *func;    /* FUNC */
    wwith *with;
    uint32_t nwith;
    uint32_t line, col;
} wentry;

/* A plain-named import or export in a world's names. */
typedef struct witem {
    wnamed h;
    const void *what; /* its ct_func or wiface: an include of the same item twice is no conflict */
} witem;

struct wworld {
    wnamed h;
    wit_world *pub;
    wscope sc;
    vec entries;             /* wentry */
    vec deps;                /* wiface*: what its `use`s name */
    vec imports, exports;    /* wit_world_item (main arena) */
    vec import_src, export_src; /* wiface* of each item (NULL for functions) */
    smap import_ids, export_ids; /* qualified name -> index + 1 */
    uint8_t state;
};

/* A named type definition: record, variant, enum, flags, resource, `type`, or a `use`d name. */
struct wdef {
    wnamed h;
    ct_type *type;
    wref *direct; /* `type x = y` and `use`: the reference that is its elem */
    uint32_t ref_first, ref_end; /* the references inside its definition, in wctx.refs */
    uint32_t syn_depth, depth, next;
    uint8_t state;
};

enum { R_PLAIN, R_ALIAS, R_HANDLE };
#define PH_MARK 0xFFFFFFFFu /* nfields of a placeholder: no real alias has fields */

/* A type named before resolution. Its placeholder stands where the type goes; resolution writes
 * the real type into slot, where the placeholder was finally stored. */
struct wref {
    ct_type ph; /* first: a placeholder's address is its wref's */
    const ct_type **slot;
    const char *name;
    wscope *scope;    /* where to look the name up */
    wpath *use;       /* or: a `use`d name, looked up in the interface the path names */
    uint8_t ctx;      /* R_PLAIN: a resource becomes own<r>; R_ALIAS: `type x = r` stays r;
                         R_HANDLE: inside own<>/borrow<>, must be a resource */
    const char *handle;
    uint32_t level;   /* types around it in its definition */
    wdef *target;
    const char *path;
    uint32_t line, col;
};

typedef struct wctx {
    ct_arena *a; /* the document's */
    ct_arena *s; /* scratch, freed when parsing ends */
    char *err;   /* the first error (malloc'd) */
    bool failed;
    vec pkgs, files, ifaces, worlds, defs, refs;
    size_t total;       /* bytes of text read */
    uint32_t world_items; /* items and types of all worlds, against WIT_MAX_WORLD_ITEMS */
    uint32_t stamp;
} wctx;

typedef struct wparser {
    wctx *c;
    wit_lexer lx;
    wit_token tok;
    const char *path;
    wfile *file;
    wpkg *pkg;
    wscope *sc;
    wdef *def;      /* whose definition is being parsed */
    uint32_t depth; /* types open around the current one */
    bool need_decl; /* wit_parse: items need the package declared first */
} wparser;

/* ---- errors ------------------------------------------------------------------------------- */

static char *vformat(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static bool nomem(wctx *c) {
    if (!c->failed) {
        c->failed = true;
        c->err = NULL; /* reported as "out of memory" */
    }
    return false;
}

/* Records the first error: "path:line:col: message", or "path: message" when line is 0 and
 * the error is about a file or directory as a whole. Returns false, for `return fail...`. */
static bool vfail(wctx *c, const char *path, uint32_t line, uint32_t col, const char *fmt,
                  va_list ap) {
    if (c->failed) return false;
    c->failed = true;
    char *msg = vformat(fmt, ap);
    if (msg) {
        size_t n = strlen(path) + strlen(msg) + 32;
        if ((c->err = malloc(n))) {
            if (line) snprintf(c->err, n, "%s:%u:%u: %s", path, line, col ? col : 1, msg);
            else snprintf(c->err, n, "%s: %s", path, msg);
        }
    }
    free(msg);
    return false;
}

static bool fail_at(wctx *c, const char *path, uint32_t line, uint32_t col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(c, path, line ? line : 1, col, fmt, ap);
    va_end(ap);
    return false;
}

/* An error about a file or directory as a whole. */
static bool fail_file(wctx *c, const char *path, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(c, path, 0, 0, fmt, ap);
    va_end(ap);
    return false;
}

#define FAIL_AT(c, h, ...) fail_at((c), (h)->path, (h)->line, (h)->col, __VA_ARGS__)

/* "line 3" when old is in path, else "b.wit:3:5": where something was first defined. */
static const char *where(const char *path, const char *old_path, uint32_t line, uint32_t col,
                         char *buf, size_t n) {
    if (!strcmp(path, old_path))
        snprintf(buf, n, "line %u", line);
    else
        snprintf(buf, n, "%s:%u:%u", old_path, line, col);
    return buf;
}

/* A string in the document's arena. */
static char *afmt(wctx *c, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = n < 0 ? NULL : ct_alloc(c->a, (size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (!s) nomem(c);
    return s;
}

/* Adds h to a namespace; an error if the name is taken. */
static bool declare(wctx *c, smap *m, wnamed *h, const char *in) {
    wnamed *old = smap_get(m, h->name);
    if (old) {
        char at[300];
        return FAIL_AT(c, h, "'%s' is already defined in %s (at %s)", h->name, in,
                       where(h->path, old->path, old->line, old->col, at, sizeof at));
    }
    return smap_put(c->s, m, h->name, h) || nomem(c);
}

/* ---- tokens ------------------------------------------------------------------------------- */

static bool lex_error(wparser *p) {
    return fail_at(p->c, p->path, p->lx.err_line, p->lx.err_col, "%s", p->lx.err);
}

static bool advance(wparser *p) { return wit_lex_next(&p->lx, &p->tok) || lex_error(p); }
static bool is(const wparser *p, wit_tok k) { return p->tok.kind == k; }

static bool tok_is(const wit_token *t, const char *s) {
    return t->kind == WT_ID && !t->escaped && strlen(s) == t->len && !memcmp(t->text, s, t->len);
}

static const char *found(const wit_token *t, char *buf, size_t n) {
    if (t->kind == WT_EOF) return "end of file";
    if (t->kind == WT_ID || t->kind == WT_INT)
        snprintf(buf, n, "'%s%.*s%s'", t->escaped ? "%" : "", (int)(t->len > 64 ? 64 : t->len),
                 t->text, t->len > 64 ? "..." : "");
    else
        snprintf(buf, n, "'%s'", wit_tok_text(t->kind));
    return buf;
}

/* "expected WHAT CONTEXT, found TOKEN"; a keyword where a name was wanted gets a hint. */
static bool vexpected(wparser *p, bool name, const char *what, const char *fmt, va_list ap) {
    char ctx[300], tok[100], hint[80] = "";
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    if (name && p->tok.kind >= WT_FIRST_KEYWORD && p->tok.kind != WT_UNDERSCORE)
        snprintf(hint, sizeof hint, " (a keyword: write '%%%s' to use it as a name)",
                 wit_tok_text(p->tok.kind));
    return fail_at(p->c, p->path, p->tok.line, p->tok.col, "expected %s%s%s, found %s%s", what,
                   ctx[0] ? " " : "", ctx, found(&p->tok, tok, sizeof tok), hint);
}

static bool expected(wparser *p, const char *what, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bool r = vexpected(p, false, what, fmt, ap);
    va_end(ap);
    return r;
}

/* Consumes a token of kind k, or fails with "expected 'k' CONTEXT, found ...". */
static bool expect(wparser *p, wit_tok k, const char *fmt, ...) {
    if (p->tok.kind == k) return advance(p);
    char what[32];
    snprintf(what, sizeof what, "'%s'", wit_tok_text(k));
    va_list ap;
    va_start(ap, fmt);
    bool r = vexpected(p, false, what, fmt, ap);
    va_end(ap);
    return r;
}

/* An error at the current token. */
static bool perr(wparser *p, const char *fmt, ...) {
    if (p->c->failed) return false;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg) return nomem(p->c);
    fail_at(p->c, p->path, p->tok.line, p->tok.col, "%s", msg);
    free(msg);
    return false;
}

/* Consumes a name (an identifier, not a keyword) into *out, copied to the document's arena. */
static bool take_name(wparser *p, wnamed *out, const char *fmt, ...) {
    if (p->tok.kind != WT_ID) {
        va_list ap;
        va_start(ap, fmt);
        bool r = vexpected(p, true, "a name", fmt, ap);
        va_end(ap);
        return r;
    }
    memset(out, 0, sizeof *out);
    out->name = ct_strndup(p->c->a, p->tok.text, p->tok.len);
    out->path = p->path;
    out->line = p->tok.line;
    out->col = p->tok.col;
    return out->name ? advance(p) : nomem(p->c);
}

static wnamed *keep_name(wparser *p, const wnamed *nm, uint8_t kind) {
    wnamed *h = ct_alloc(p->c->s, sizeof *h);
    if (!h) {
        nomem(p->c);
        return NULL;
    }
    *h = *nm;
    h->kind = kind;
    return h;
}

/* The current token is '@' or '=' and the lexer stands just after it: a version follows. */
static bool parse_version(wparser *p, const char **out) {
    wit_token v;
    if (!wit_lex_version(&p->lx, &v)) return lex_error(p);
    if (v.len == 0) {
        char what[4] = "'@'";
        if (p->tok.kind == WT_EQ) what[1] = '=';
        return advance(p) && expected(p, "a version", "after %s", what);
    }
    char why[160];
    if (!wit_semver_check(v.text, v.len, why, sizeof why))
        return fail_at(p->c, p->path, v.line, v.col, "bad version '%.*s': %s", (int)v.len, v.text,
                       why);
    if (out && !(*out = ct_strndup(p->c->a, v.text, v.len))) return nomem(p->c);
    return advance(p);
}

/* Feature gates (`@since(version = 1.2.0)`, `@unstable(feature = x)`, `@deprecated(...)`):
 * checked for form, then ignored. */
static bool skip_gates(wparser *p) {
    while (is(p, WT_AT)) {
        if (!advance(p)) return false;
        wit_token g = p->tok;
        if (!tok_is(&g, "since") && !tok_is(&g, "unstable") && !tok_is(&g, "deprecated")) {
            if (g.kind != WT_ID) return expected(p, "'since', 'unstable' or 'deprecated'", "after '@'");
            return perr(p, "unknown gate '@%.*s' (expected @since, @unstable or @deprecated)",
                        (int)(g.len > 64 ? 64 : g.len), g.text);
        }
        int glen = (int)g.len;
        if (!advance(p) || !expect(p, WT_LPAREN, "after '@%.*s'", glen, g.text)) return false;
        for (;;) {
            if (tok_is(&p->tok, "version")) {
                if (!advance(p)) return false;
                if (!is(p, WT_EQ)) return expected(p, "'='", "after 'version'");
                if (!parse_version(p, NULL)) return false;
            } else if (tok_is(&p->tok, "feature")) {
                wnamed f;
                if (!advance(p) || !expect(p, WT_EQ, "after 'feature'") ||
                    !take_name(p, &f, "after 'feature ='"))
                    return false;
            } else {
                return expected(p, "'version' or 'feature'", "in '@%.*s(...)'", glen, g.text);
            }
            if (!is(p, WT_COMMA)) break;
            if (!advance(p)) return false;
        }
        if (!expect(p, WT_RPAREN, "to close '@%.*s('", glen, g.text)) return false;
    }
    return true;
}

/* ---- types ---------------------------------------------------------------------------------- */

static bool is_ph(const ct_type *t) { return t && t->kind == CT_ALIAS && t->nfields == PH_MARK; }

/* Stores t in *slot; a placeholder learns where it ended up. Call it once slot is final. */
static void set_type(const ct_type **slot, const ct_type *t) {
    *slot = t;
    if (is_ph(t)) ((wref *)(void *)(uintptr_t)t)->slot = slot;
}

static wref *new_ref(wparser *p, uint8_t ctx, const char *handle, const wnamed *nm,
                     uint32_t level) {
    wctx *c = p->c;
    wref *r = ct_alloc(c->s, sizeof *r);
    if (!r || !vec_add(c->s, &c->refs, r)) {
        nomem(c);
        return NULL;
    }
    r->ph.kind = CT_ALIAS;
    r->ph.nfields = PH_MARK;
    r->ph.name = nm->name;
    r->name = nm->name;
    r->scope = p->sc;
    r->ctx = ctx;
    r->handle = handle;
    r->level = level;
    r->path = nm->path;
    r->line = nm->line;
    r->col = nm->col;
    return r;
}

static bool parse_type(wparser *p, uint8_t ctx, const ct_type **out);

/* `name: type` entries up to close, separated by ',' (a trailing one allowed): record fields,
 * parameters, named results. */
static bool parse_fields(wparser *p, wit_tok close, const char *what, const char *owner,
                         ct_field **out, uint32_t *nout) {
    wctx *c = p->c;
    vec v = {0};
    nameset seen = {0};
    while (!is(p, close)) {
        if (v.n == WIT_MAX_ITEMS) return perr(p, "more than %d %ss in %s", WIT_MAX_ITEMS, what, owner);
        wnamed nm;
        if (!take_name(p, &nm, "for a %s of %s", what, owner)) return false;
        int added = nameset_add(c->s, &seen, nm.name);
        if (added < 0) return nomem(c);
        if (!added) return FAIL_AT(c, &nm, "duplicate %s '%s' in %s", what, nm.name, owner);
        if (!expect(p, WT_COLON, "after the %s name '%s'", what, nm.name)) return false;
        const ct_type *ty;
        if (!parse_type(p, R_PLAIN, &ty)) return false;
        ct_field *f = vec_push(c->a, &v, sizeof *f);
        if (!f) return nomem(c);
        f->name = nm.name;
        f->type = ty;
        if (is(p, WT_COMMA)) {
            if (!advance(p)) return false;
        } else if (!is(p, close)) {
            return expected(p, close == WT_RPAREN ? "',' or ')'" : "',' or '}'",
                            "after the %s '%s'", what, nm.name);
        }
    }
    for (uint32_t i = 0; i < v.n; i++) set_type(&AT(v, ct_field, i).type, AT(v, ct_field, i).type);
    *out = v.items;
    *nout = v.n;
    return true;
}

/* After list/option: '<' T '>'. */
static bool parse_elem(wparser *p, const char *kw, ct_type *t) {
    const ct_type *e;
    if (!advance(p) || !expect(p, WT_LT, "after '%s'", kw) || !parse_type(p, R_PLAIN, &e))
        return false;
    set_type(&t->elem, e);
    return expect(p, WT_GT, "to close '%s<'", kw);
}

static bool parse_result(wparser *p, ct_type *t) {
    if (!advance(p)) return false;
    if (!is(p, WT_LT)) return true; /* bare `result` */
    if (!advance(p)) return false;
    const ct_type *ok = NULL, *err = NULL;
    if (is(p, WT_UNDERSCORE)) {
        if (!advance(p) || !expect(p, WT_COMMA, "after '_' in 'result<_, E>'") ||
            !parse_type(p, R_PLAIN, &err))
            return false;
    } else {
        if (!parse_type(p, R_PLAIN, &ok)) return false;
        if (is(p, WT_COMMA) && (!advance(p) || !parse_type(p, R_PLAIN, &err))) return false;
    }
    set_type(&t->ok, ok);
    set_type(&t->err, err);
    return expect(p, WT_GT, "to close 'result<'");
}

static bool parse_tuple(wparser *p, ct_type *t) {
    wctx *c = p->c;
    if (!advance(p) || !expect(p, WT_LT, "after 'tuple'")) return false;
    vec v = {0};
    do { /* a trailing ',' is allowed */
        if (v.n == WIT_MAX_ITEMS) return perr(p, "more than %d types in a tuple", WIT_MAX_ITEMS);
        const ct_type *e;
        if (!parse_type(p, R_PLAIN, &e)) return false;
        ct_field *f = vec_push(c->a, &v, sizeof *f);
        if (!f) return nomem(c);
        f->type = e;
        if (!is(p, WT_COMMA)) break;
        if (!advance(p)) return false;
    } while (!is(p, WT_GT));
    for (uint32_t i = 0; i < v.n; i++) set_type(&AT(v, ct_field, i).type, AT(v, ct_field, i).type);
    t->fields = v.items;
    t->nfields = v.n;
    return expect(p, WT_GT, "to close 'tuple<'");
}

/* own<r>, borrow<r>: r must name a resource (checked at resolution). */
static bool parse_handle(wparser *p, ct_type *t) {
    const char *kw = t->kind == CT_OWN ? "own" : "borrow";
    wnamed nm;
    if (!advance(p) || !expect(p, WT_LT, "after '%s'", kw) ||
        !take_name(p, &nm, "of a resource in '%s<...>'", kw))
        return false;
    wref *r = new_ref(p, R_HANDLE, kw, &nm, p->depth);
    if (!r) return false;
    set_type(&t->elem, &r->ph);
    return expect(p, WT_GT, "after '%s<%s'", kw, nm.name);
}

static bool parse_type(wparser *p, uint8_t ctx, const ct_type **out) {
    wctx *c = p->c;
    if (p->depth + 1 > WIT_MAX_NESTING)
        return perr(p, "types nested deeper than %d levels", WIT_MAX_NESTING);
    p->depth++;
    if (p->def && p->depth > p->def->syn_depth) p->def->syn_depth = p->depth;
    ct_kind prim;
    ct_type *t = NULL;
    bool ok;
    switch (p->tok.kind) {
    case WT_BOOL: prim = CT_BOOL; goto primitive;
    case WT_S8: prim = CT_S8; goto primitive;
    case WT_U8: prim = CT_U8; goto primitive;
    case WT_S16: prim = CT_S16; goto primitive;
    case WT_U16: prim = CT_U16; goto primitive;
    case WT_S32: prim = CT_S32; goto primitive;
    case WT_U32: prim = CT_U32; goto primitive;
    case WT_S64: prim = CT_S64; goto primitive;
    case WT_U64: prim = CT_U64; goto primitive;
    case WT_F32: case WT_FLOAT32: prim = CT_F32; goto primitive;
    case WT_F64: case WT_FLOAT64: prim = CT_F64; goto primitive;
    case WT_CHAR: prim = CT_CHAR; goto primitive;
    case WT_STRING: prim = CT_STRING; goto primitive;
    primitive:
        *out = ct_prim(c->a, prim);
        ok = advance(p);
        break;
    case WT_LIST: case WT_OPTION: case WT_RESULT: case WT_TUPLE: case WT_OWN: case WT_BORROW: {
        static const ct_kind kinds[] = {[WT_LIST] = CT_LIST, [WT_OPTION] = CT_OPTION,
                                        [WT_RESULT] = CT_RESULT, [WT_TUPLE] = CT_TUPLE,
                                        [WT_OWN] = CT_OWN, [WT_BORROW] = CT_BORROW};
        wit_tok k = p->tok.kind;
        if (!(t = ct_new(c->a, kinds[k]))) return nomem(c);
        t->line = p->tok.line;
        t->col = p->tok.col;
        *out = t;
        if (k == WT_LIST || k == WT_OPTION)
            ok = parse_elem(p, wit_tok_text(k), t);
        else if (k == WT_RESULT)
            ok = parse_result(p, t);
        else if (k == WT_TUPLE)
            ok = parse_tuple(p, t);
        else
            ok = parse_handle(p, t);
        break;
    }
    case WT_ID: {
        wnamed nm;
        if (!take_name(p, &nm, "")) return false;
        wref *r = new_ref(p, ctx, NULL, &nm, p->depth - 1);
        if (!r) return false;
        *out = &r->ph;
        ok = true;
        break;
    }
    case WT_FUTURE: case WT_STREAM: case WT_ERROR_CONTEXT:
        return perr(p, "'%s' types are not supported", wit_tok_text(p->tok.kind));
    default:
        return expected(p, "a type", "");
    }
    p->depth--;
    return ok;
}

/* ---- definitions -------------------------------------------------------------------------- */

/* A named type of kind k, declared in the current scope. */
static wdef *new_def(wparser *p, const wnamed *nm, ct_kind k) {
    wctx *c = p->c;
    ct_type *t = ct_new(c->a, k);
    wdef *d = ct_alloc(c->s, sizeof *d);
    if (!t || !d) {
        nomem(c);
        return NULL;
    }
    t->name = nm->name;
    t->line = nm->line;
    t->col = nm->col;
    d->h = *nm;
    d->h.kind = N_DEF;
    d->type = t;
    d->ref_first = d->ref_end = c->refs.n;
    if (!declare(c, &p->sc->names, &d->h, p->sc->what)) return NULL;
    if (!vec_add(c->s, &c->defs, d) || !vec_add(c->a, &p->sc->types, t)) {
        nomem(c);
        return NULL;
    }
    return d;
}

static void begin_def(wparser *p, wdef *d) {
    p->def = d;
    p->depth = 1;
    d->syn_depth = 1;
}

static void end_def(wparser *p) {
    p->def->ref_end = p->c->refs.n;
    p->def = NULL;
    p->depth = 0;
}

/* record, variant, enum, flags */
static bool parse_cases(wparser *p, ct_kind k) {
    wctx *c = p->c;
    const char *kw = wit_tok_text(p->tok.kind);
    const char *what = k == CT_RECORD ? "field" : k == CT_FLAGS ? "flag" : "case";
    wnamed nm;
    if (!advance(p) || !take_name(p, &nm, "after '%s'", kw)) return false;
    wdef *d = new_def(p, &nm, k);
    if (!d) return false;
    char owner[300];
    snprintf(owner, sizeof owner, "%s '%s'", kw, nm.name);
    begin_def(p, d);
    if (!expect(p, WT_LBRACE, "after the %s name '%s'", kw, nm.name)) return false;
    if (k == CT_RECORD) {
        if (!parse_fields(p, WT_RBRACE, what, owner, &d->type->fields, &d->type->nfields))
            return false;
    } else {
        vec v = {0};
        nameset seen = {0};
        while (!is(p, WT_RBRACE)) {
            if (v.n == WIT_MAX_ITEMS)
                return perr(p, "more than %d %ss in %s", WIT_MAX_ITEMS, what, owner);
            wnamed cn;
            if (!take_name(p, &cn, "for a %s of %s", what, owner)) return false;
            int added = nameset_add(c->s, &seen, cn.name);
            if (added < 0) return nomem(c);
            if (!added) return FAIL_AT(c, &cn, "duplicate %s '%s' in %s", what, cn.name, owner);
            const ct_type *ty = NULL;
            if (k == CT_VARIANT && is(p, WT_LPAREN)) {
                if (!advance(p) || !parse_type(p, R_PLAIN, &ty) ||
                    !expect(p, WT_RPAREN, "after the type of the case '%s'", cn.name))
                    return false;
            }
            ct_field *f = vec_push(c->a, &v, sizeof *f);
            if (!f) return nomem(c);
            f->name = cn.name;
            f->type = ty;
            if (is(p, WT_COMMA)) {
                if (!advance(p)) return false;
            } else if (!is(p, WT_RBRACE)) {
                return expected(p, "',' or '}'", "after the %s '%s'", what, cn.name);
            }
        }
        for (uint32_t i = 0; i < v.n; i++)
            set_type(&AT(v, ct_field, i).type, AT(v, ct_field, i).type);
        d->type->fields = v.items;
        d->type->nfields = v.n;
    }
    if (d->type->nfields == 0) return perr(p, "%s needs at least one %s", owner, what);
    end_def(p);
    return advance(p);
}

static bool parse_alias(wparser *p) {
    wnamed nm;
    if (!advance(p) || !take_name(p, &nm, "after 'type'")) return false;
    wdef *d = new_def(p, &nm, CT_ALIAS);
    if (!d) return false;
    begin_def(p, d);
    const ct_type *t;
    if (!expect(p, WT_EQ, "after the type name '%s'", nm.name) || !parse_type(p, R_ALIAS, &t))
        return false;
    set_type(&d->type->elem, t);
    if (is_ph(t)) d->direct = (wref *)(void *)(uintptr_t)t;
    end_def(p);
    return expect(p, WT_SEMI, "after the type '%s'", nm.name);
}

/* After 'name:' (the current token 'func'): `func(params) -> results`. */
static bool parse_func_type(wparser *p, ct_func *f, const char *fname) {
    if (is(p, WT_ASYNC)) return perr(p, "async functions are not supported");
    char owner[300];
    snprintf(owner, sizeof owner, "function '%s'", fname);
    if (!expect(p, WT_FUNC, "after '%s:'", fname) || !expect(p, WT_LPAREN, "after 'func'") ||
        !parse_fields(p, WT_RPAREN, "parameter", owner, &f->params, &f->nparams) || !advance(p))
        return false;
    if (!is(p, WT_ARROW)) return true;
    if (!advance(p)) return false;
    if (is(p, WT_LPAREN)) { /* -> (a: T, b: U) */
        return advance(p) &&
               parse_fields(p, WT_RPAREN, "result", owner, &f->results, &f->nresults) &&
               advance(p);
    }
    ct_field *r = ct_alloc(p->c->a, sizeof *r);
    const ct_type *t;
    if (!r) return nomem(p->c);
    if (!parse_type(p, R_PLAIN, &t)) return false;
    set_type(&r->type, t);
    f->results = r;
    f->nresults = 1;
    return true;
}

static bool parse_func_item(wparser *p) {
    wctx *c = p->c;
    wnamed nm;
    if (!take_name(p, &nm, "")) return false;
    wnamed *h = keep_name(p, &nm, N_FUNC);
    if (!h || !declare(c, &p->sc->names, h, p->sc->what)) return false;
    if (!expect(p, WT_COLON, "after the function name '%s'", nm.name)) return false;
    if (is(p, WT_STATIC)) return perr(p, "'static' functions belong in a resource");
    ct_func f = {.name = nm.name, .line = nm.line, .col = nm.col};
    if (!parse_func_type(p, &f, nm.name)) return false;
    ct_func *slot = vec_push(c->a, &p->sc->funcs, sizeof f);
    if (!slot) return nomem(c);
    *slot = f;
    return expect(p, WT_SEMI, "after the function '%s'", nm.name);
}

/* A resource function's key in its interface's names ("[constructor]r", "[func]r.m": methods
 * and static functions share names); an error if it is taken. */
static bool claim_resource_name(wparser *p, const char *key, const wnamed *at, const char *res,
                                const char *fname) {
    wctx *c = p->c;
    wnamed *old = smap_get(&p->sc->names, key);
    if (old) {
        char w[300];
        where(p->path, old->path, old->line, old->col, w, sizeof w);
        if (!fname) return FAIL_AT(c, at, "resource '%s' already has a constructor (at %s)", res, w);
        return FAIL_AT(c, at, "'%s' is already defined in resource '%s' (at %s)", fname, res, w);
    }
    wnamed named = *at;
    named.name = key;
    wnamed *h = keep_name(p, &named, N_METHOD);
    return h && (smap_put(c->s, &p->sc->names, key, h) || nomem(c));
}

/* `constructor(params);` of resource res: it returns own<res>. */
static bool parse_constructor(wparser *p, const char *res, ct_type *own, ct_func *f) {
    wctx *c = p->c;
    wnamed at = {.path = p->path, .line = p->tok.line, .col = p->tok.col};
    char owner[300];
    snprintf(owner, sizeof owner, "the constructor of resource '%s'", res);
    if (!(f->name = afmt(c, "[constructor]%s", res)) ||
        !claim_resource_name(p, f->name, &at, res, NULL) || !advance(p) ||
        !expect(p, WT_LPAREN, "after 'constructor'") ||
        !parse_fields(p, WT_RPAREN, "parameter", owner, &f->params, &f->nparams) || !advance(p))
        return false;
    ct_field *r = ct_alloc(c->a, sizeof *r);
    if (!r) return nomem(c);
    r->type = own;
    f->results = r;
    f->nresults = 1;
    return expect(p, WT_SEMI, "after the constructor of resource '%s'", res);
}

/* `m: func(...);` (a method: `self: borrow<res>` comes first) or `s: static func(...);`. */
static bool parse_method(wparser *p, const char *res, ct_type *borrow, ct_func *f) {
    wctx *c = p->c;
    wnamed m;
    const char *key;
    if (!take_name(p, &m, "") || !(key = afmt(c, "[func]%s.%s", res, m.name)) ||
        !claim_resource_name(p, key, &m, res, m.name) ||
        !expect(p, WT_COLON, "after the function name '%s'", m.name))
        return false;
    bool is_static = is(p, WT_STATIC);
    if ((is_static && !advance(p)) || !parse_func_type(p, f, m.name) ||
        !(f->name = afmt(c, "[%s]%s.%s", is_static ? "static" : "method", res, m.name)))
        return false;
    if (!is_static) {
        for (uint32_t i = 0; i < f->nparams; i++)
            if (!strcmp(f->params[i].name, "self"))
                return FAIL_AT(c, &m, "method '%s' of resource '%s' has a parameter named 'self' "
                                      "(it is implicit)", m.name, res);
        ct_field *ps = ct_alloc(c->a, ((size_t)f->nparams + 1) * sizeof *ps);
        if (!ps) return nomem(c);
        ps[0].name = "self";
        ps[0].type = borrow;
        for (uint32_t i = 0; i < f->nparams; i++) {
            ps[i + 1].name = f->params[i].name;
            set_type(&ps[i + 1].type, f->params[i].type);
        }
        f->params = ps;
        f->nparams++;
    }
    return expect(p, WT_SEMI, "after the function '%s' of resource '%s'", m.name, res);
}

/* `resource r;` or `resource r { constructor(...); m: func(...); s: static func(...); }`: the
 * functions join the interface's, named as the component model names them. */
static bool parse_resource(wparser *p) {
    wctx *c = p->c;
    wnamed nm;
    if (!advance(p) || !take_name(p, &nm, "after 'resource'")) return false;
    wdef *d = new_def(p, &nm, CT_RESOURCE);
    if (!d) return false;
    if (is(p, WT_SEMI)) return advance(p);
    if (!is(p, WT_LBRACE)) return expected(p, "';' or '{'", "after the resource name '%s'", nm.name);
    if (p->sc->in_world)
        return perr(p, "resource functions are supported in interfaces only, not in %s",
                    p->sc->what);
    if (!advance(p)) return false;
    ct_type *own = ct_new(c->a, CT_OWN), *borrow = ct_new(c->a, CT_BORROW);
    if (!own || !borrow) return nomem(c);
    own->elem = borrow->elem = d->type;
    own->line = borrow->line = nm.line;
    own->col = borrow->col = nm.col;
    for (uint32_t count = 0; !is(p, WT_RBRACE); count++) {
        if (count == WIT_MAX_ITEMS)
            return perr(p, "more than %d functions in resource '%s'", WIT_MAX_ITEMS, nm.name);
        if (!skip_gates(p)) return false;
        ct_func f = {.line = p->tok.line, .col = p->tok.col};
        bool ok;
        if (is(p, WT_CONSTRUCTOR))
            ok = parse_constructor(p, nm.name, own, &f);
        else if (is(p, WT_ID))
            ok = parse_method(p, nm.name, borrow, &f);
        else if (is(p, WT_EOF))
            return expected(p, "'}'", "to close resource '%s'", nm.name);
        else
            return expected(p, "'constructor', a function name or '}'", "in resource '%s'",
                            nm.name);
        if (!ok) return false;
        ct_func *slot = vec_push(c->a, &p->sc->funcs, sizeof f);
        if (!slot) return nomem(c);
        *slot = f;
    }
    return advance(p);
}

/* ---- paths and `use` ------------------------------------------------------------------------ */

static const char *path_text(const wpath *u, char *buf, size_t n) {
    if (!u->ns)
        snprintf(buf, n, "%s", u->name);
    else
        snprintf(buf, n, "%s:%s/%s%s%s", u->ns, u->pkg, u->name, u->version ? "@" : "",
                 u->version ? u->version : "");
    return buf;
}

static wpath *new_path(wparser *p, const wnamed *first) {
    wpath *u = ct_alloc(p->c->s, sizeof *u);
    if (!u) {
        nomem(p->c);
        return NULL;
    }
    u->h = *first;
    u->name = first->name;
    u->file = p->file;
    u->in = p->pkg;
    return u;
}

/* After `ns:` (first was the namespace): `pkg/name@version`. */
static bool parse_path_rest(wparser *p, wpath *u) {
    wnamed pk, nm;
    u->ns = u->name;
    if (!take_name(p, &pk, "after '%s:'", u->ns)) return false;
    u->pkg = pk.name;
    if (is(p, WT_COLON))
        return perr(p, "nested namespaces ('%s:%s:...') are not supported", u->ns, u->pkg);
    if (!expect(p, WT_SLASH, "after the package name '%s:%s'", u->ns, u->pkg) ||
        !take_name(p, &nm, "after '%s:%s/'", u->ns, u->pkg))
        return false;
    u->name = nm.name;
    if (is(p, WT_SLASH)) return perr(p, "nested package paths ('%s:%s/%s/...') are not supported",
                                     u->ns, u->pkg, u->name);
    return !is(p, WT_AT) || parse_version(p, &u->version);
}

static wpath *parse_use_path(wparser *p, const char *after) {
    wnamed first;
    if (!take_name(p, &first, "after '%s'", after)) return NULL;
    wpath *u = new_path(p, &first);
    if (!u) return NULL;
    if (is(p, WT_COLON) && (!advance(p) || !parse_path_rest(p, u))) return NULL;
    return u;
}

/* `use path.{a, b as c};` in an interface or world. */
static bool parse_use_item(wparser *p) {
    wctx *c = p->c;
    char pt[600];
    if (!advance(p)) return false;
    wpath *u = parse_use_path(p, "use");
    if (!u) return false;
    path_text(u, pt, sizeof pt);
    if (!expect(p, WT_DOT, "after 'use %s' (as in 'use %s.{name}')", pt, pt) ||
        !expect(p, WT_LBRACE, "after 'use %s.'", pt))
        return false;
    uint32_t n = 0;
    while (!is(p, WT_RBRACE)) {
        if (n++ == WIT_MAX_ITEMS) return perr(p, "more than %d names in one 'use'", WIT_MAX_ITEMS);
        wnamed orig, local;
        if (!take_name(p, &orig, "in 'use %s.{...}'", pt)) return false;
        local = orig;
        if (is(p, WT_AS) && (!advance(p) || !take_name(p, &local, "after 'as'"))) return false;
        wdef *d = new_def(p, &local, CT_ALIAS);
        if (!d) return false;
        wref *r = new_ref(p, R_ALIAS, NULL, &orig, 1);
        if (!r) return false;
        r->scope = NULL;
        r->use = u;
        set_type(&d->type->elem, &r->ph);
        d->direct = r;
        d->syn_depth = 1;
        d->ref_end = c->refs.n;
        if (is(p, WT_COMMA)) {
            if (!advance(p)) return false;
        } else if (!is(p, WT_RBRACE)) {
            return expected(p, "',' or '}'", "after '%s' in 'use %s.{...}'", local.name, pt);
        }
    }
    if (n == 0) return expected(p, "a name", "in 'use %s.{...}'", pt);
    if (!vec_add(c->s, &p->sc->uses, u)) return nomem(c);
    return advance(p) && expect(p, WT_SEMI, "after 'use %s.{...}'", pt);
}

/* A top-level `use ns:pkg/iface@1.0.0 as name;`: a name for this file. */
static bool parse_toplevel_use(wparser *p) {
    wctx *c = p->c;
    char pt[600];
    if (!advance(p)) return false;
    wpath *u = parse_use_path(p, "use");
    if (!u) return false;
    u->file = NULL; /* a bare name here names an item of the package */
    u->h.kind = N_USE;
    if (is(p, WT_AS)) {
        wnamed local;
        if (!advance(p) || !take_name(p, &local, "after 'as'")) return false;
        u->h.name = local.name;
    } else {
        u->h.name = u->name;
    }
    if (!expect(p, WT_SEMI, "after 'use %s'", path_text(u, pt, sizeof pt))) return false;
    return declare(c, &p->file->uses, &u->h, "this file") &&
           (vec_add(c->s, &p->file->paths, u) || nomem(c));
}

/* ---- interfaces and worlds ---------------------------------------------------------------- */

static void init_scope(wparser *p, wscope *sc, const char *what) {
    sc->pkg = p->pkg;
    sc->file = p->file;
    sc->what = what;
}

static bool parse_typedef(wparser *p) {
    switch (p->tok.kind) {
    case WT_TYPE: return parse_alias(p);
    case WT_RECORD: return parse_cases(p, CT_RECORD);
    case WT_VARIANT: return parse_cases(p, CT_VARIANT);
    case WT_ENUM: return parse_cases(p, CT_ENUM);
    case WT_FLAGS: return parse_cases(p, CT_FLAGS);
    case WT_RESOURCE: return parse_resource(p);
    default: return false;
    }
}

static bool is_typedef(wit_tok k) {
    return k == WT_TYPE || k == WT_RECORD || k == WT_VARIANT || k == WT_ENUM || k == WT_FLAGS ||
           k == WT_RESOURCE;
}

/* A package item must come after the package declaration in wit_parse's single file. */
static bool item_allowed(wparser *p) {
    if (!p->pkg->first_path) {
        p->pkg->first_path = p->path;
        p->pkg->first_line = p->tok.line;
        p->pkg->first_col = p->tok.col;
    }
    if (p->need_decl && !p->pkg->named)
        return expected(p, "a package declaration ('package ns:name;')", "before the first item");
    return true;
}

static bool add_to_package(wparser *p, wnamed *h) {
    if (p->pkg->items.n == WIT_MAX_ITEMS)
        return FAIL_AT(p->c, h, "more than %d interfaces and worlds in one package", WIT_MAX_ITEMS);
    return declare(p->c, &p->pkg->items, h, "this package");
}

/* `interface name { ... }`, or with world set, the inline `interface { ... }` of `import name:`. */
static bool parse_interface(wparser *p, wworld *world, const wnamed *inline_name, wiface **out) {
    wctx *c = p->c;
    wnamed nm;
    if (!advance(p)) return false;
    if (world)
        nm = *inline_name;
    else if (!take_name(p, &nm, "after 'interface'"))
        return false;
    wiface *i = ct_alloc(c->s, sizeof *i);
    wit_interface *pub = ct_alloc(c->a, sizeof *pub);
    if (!i || !pub || !vec_add(c->s, &c->ifaces, i)) return nomem(c);
    i->h = nm;
    i->h.kind = N_IFACE;
    i->pub = pub;
    i->world = world;
    pub->name = nm.name;
    pub->path = nm.path;
    pub->line = nm.line;
    pub->col = nm.col;
    const char *what = afmt(c, "interface '%s'", nm.name);
    if (!what) return false;
    init_scope(p, &i->sc, what);
    if (!world &&
        (!add_to_package(p, &i->h) || !(vec_add(c->s, &p->pkg->ifaces, i) || nomem(c))))
        return false;
    if (!expect(p, WT_LBRACE, world ? "after 'interface'" : "after the interface name '%s'",
                nm.name))
        return false;
    wscope *saved = p->sc;
    p->sc = &i->sc;
    for (uint32_t count = 0; !is(p, WT_RBRACE); count++) {
        if (count == WIT_MAX_ITEMS) return perr(p, "more than %d items in %s", WIT_MAX_ITEMS, what);
        if (!skip_gates(p)) return false;
        bool ok;
        if (is(p, WT_USE))
            ok = parse_use_item(p);
        else if (is_typedef(p->tok.kind))
            ok = parse_typedef(p);
        else if (is(p, WT_ID))
            ok = parse_func_item(p);
        else if (is(p, WT_EOF))
            return expected(p, "'}'", "to close %s", what);
        else
            return expected(p, "a type definition, 'use', a function or '}'", "in %s", what);
        if (!ok) return false;
    }
    p->sc = saved;
    if (out) *out = i;
    return advance(p);
}

/* `import ...;` / `export ...;` in a world. */
static bool parse_extern(wparser *p, wworld *w, bool is_export) {
    wctx *c = p->c;
    const char *kw = is_export ? "export" : "import";
    wentry e = {.what = is_export ? E_EXPORT : E_IMPORT};
    wnamed first;
    char pt[600];
    if (!advance(p) || !take_name(p, &first, "after '%s'", kw)) return false;
    e.line = first.line;
    e.col = first.col;
    if (is(p, WT_COLON)) {
        if (!advance(p)) return false;
        if (is(p, WT_FUNC) || is(p, WT_ASYNC)) {
            ct_func *f = ct_alloc(c->a, sizeof *f);
            if (!f) return nomem(c);
            f->name = first.name;
            f->line = first.line;
            f->col = first.col;
            if (!parse_func_type(p, f, first.name) ||
                !expect(p, WT_SEMI, "after the function '%s'", first.name))
                return false;
            e.kind = WIT_ITEM_FUNC;
            e.func = f;
        } else if (is(p, WT_INTERFACE)) {
            if (!parse_interface(p, w, &first, &e.iface)) return false;
            if (is(p, WT_SEMI) && !advance(p)) return false;
            e.kind = WIT_ITEM_INLINE;
        } else if (is(p, WT_ID)) {
            if (!(e.path = new_path(p, &first)) || !parse_path_rest(p, e.path) ||
                !expect(p, WT_SEMI, "after '%s %s'", kw, path_text(e.path, pt, sizeof pt)))
                return false;
            e.kind = WIT_ITEM_INTERFACE;
        } else {
            return expected(p, "'func', 'interface' or a package name", "after '%s %s:'", kw,
                            first.name);
        }
        if (e.kind != WIT_ITEM_INTERFACE) {
            witem *it = ct_alloc(c->s, sizeof *it);
            if (!it) return nomem(c);
            it->h = first;
            it->h.kind = N_ITEM;
            it->what = e.func ? (const void *)e.func : (const void *)e.iface;
            if (!declare(c, &w->sc.names, &it->h, w->sc.what)) return false;
            e.name = first.name;
        }
    } else {
        if (!(e.path = new_path(p, &first)) ||
            !expect(p, WT_SEMI, "after '%s %s'", kw, first.name))
            return false;
        e.kind = WIT_ITEM_INTERFACE;
    }
    wentry *slot = vec_push(c->s, &w->entries, sizeof e);
    if (!slot) return nomem(c);
    *slot = e;
    return true;
}

/* `include path;` or `include path with { a as b, ... };` */
static bool parse_include(wparser *p, wworld *w) {
    wctx *c = p->c;
    wentry e = {.what = E_INCLUDE, .line = p->tok.line, .col = p->tok.col};
    char pt[600];
    if (!advance(p) || !(e.path = parse_use_path(p, "include"))) return false;
    path_text(e.path, pt, sizeof pt);
    if (is(p, WT_WITH)) {
        if (!advance(p) || !expect(p, WT_LBRACE, "after 'with'")) return false;
        vec v = {0};
        nameset seen = {0};
        while (!is(p, WT_RBRACE)) {
            if (v.n == WIT_MAX_ITEMS) return perr(p, "more than %d names in 'with'", WIT_MAX_ITEMS);
            wnamed from, to;
            if (!take_name(p, &from, "in 'include %s with { ... }'", pt)) return false;
            int added = nameset_add(c->s, &seen, from.name);
            if (added < 0) return nomem(c);
            if (!added) return FAIL_AT(c, &from, "'%s' is renamed twice in 'with'", from.name);
            if (!expect(p, WT_AS, "after '%s' in 'with { ... }'", from.name) ||
                !take_name(p, &to, "after '%s as'", from.name))
                return false;
            wwith *x = vec_push(c->s, &v, sizeof *x);
            if (!x) return nomem(c);
            x->from = from.name;
            x->to = to.name;
            x->line = from.line;
            x->col = from.col;
            if (is(p, WT_COMMA)) {
                if (!advance(p)) return false;
            } else if (!is(p, WT_RBRACE)) {
                return expected(p, "',' or '}'", "after '%s as %s'", from.name, to.name);
            }
        }
        if (!v.n) return expected(p, "a renaming ('name as other-name')", "in 'with { }'");
        e.with = v.items;
        e.nwith = v.n;
        if (!advance(p)) return false;
    }
    wentry *slot = vec_push(c->s, &w->entries, sizeof e);
    if (!slot) return nomem(c);
    *slot = e;
    return expect(p, WT_SEMI, "after 'include %s'", pt);
}

static bool parse_world(wparser *p) {
    wctx *c = p->c;
    wnamed nm;
    if (!advance(p) || !take_name(p, &nm, "after 'world'")) return false;
    wworld *w = ct_alloc(c->s, sizeof *w);
    wit_world *pub = ct_alloc(c->a, sizeof *pub);
    if (!w || !pub || !vec_add(c->s, &c->worlds, w) || !vec_add(c->s, &p->pkg->worlds, w))
        return nomem(c);
    w->h = nm;
    w->h.kind = N_WORLD;
    w->pub = pub;
    pub->name = nm.name;
    pub->path = nm.path;
    pub->line = nm.line;
    pub->col = nm.col;
    const char *what = afmt(c, "world '%s'", nm.name);
    if (!what) return false;
    init_scope(p, &w->sc, what);
    w->sc.in_world = true;
    if (!add_to_package(p, &w->h) ||
        !expect(p, WT_LBRACE, "after the world name '%s'", nm.name))
        return false;
    p->sc = &w->sc;
    for (uint32_t count = 0; !is(p, WT_RBRACE); count++) {
        if (count == WIT_MAX_ITEMS) return perr(p, "more than %d items in %s", WIT_MAX_ITEMS, what);
        if (!skip_gates(p)) return false;
        bool ok;
        if (is(p, WT_IMPORT) || is(p, WT_EXPORT))
            ok = parse_extern(p, w, is(p, WT_EXPORT));
        else if (is(p, WT_INCLUDE))
            ok = parse_include(p, w);
        else if (is(p, WT_USE))
            ok = parse_use_item(p);
        else if (is_typedef(p->tok.kind))
            ok = parse_typedef(p);
        else if (is(p, WT_EOF))
            return expected(p, "'}'", "to close %s", what);
        else
            return expected(p, "'import', 'export', 'include', 'use', a type definition or '}'",
                            "in %s", what);
        if (!ok) return false;
    }
    p->sc = NULL;
    return advance(p);
}

/* ---- files and packages ------------------------------------------------------------------- */

static wpkg *new_pkg(wctx *c) {
    wpkg *k = ct_alloc(c->s, sizeof *k);
    if (!k || !(k->pub = ct_alloc(c->a, sizeof *k->pub)) || !vec_add(c->s, &c->pkgs, k)) {
        nomem(c);
        return NULL;
    }
    return k;
}

static wfile *new_file(wctx *c, const char *path, wpkg *pkg) {
    wfile *f = ct_alloc(c->s, sizeof *f);
    if (!f || !vec_add(c->s, &c->files, f)) {
        nomem(c);
        return NULL;
    }
    f->path = path;
    f->pkg = pkg;
    return f;
}

/* After 'package': `ns:name@version`. */
static bool parse_pkg_name(wparser *p, wnamed *ns, wnamed *name, const char **version) {
    *version = NULL;
    if (!take_name(p, ns, "after 'package'") ||
        !expect(p, WT_COLON, "after the namespace '%s' (as in 'package %s:name;')", ns->name,
                ns->name) ||
        !take_name(p, name, "after '%s:'", ns->name))
        return false;
    if (is(p, WT_COLON) || is(p, WT_SLASH))
        return perr(p, "nested namespaces and packages ('%s:%s%s...') are not supported",
                    ns->name, name->name, is(p, WT_COLON) ? ":" : "/");
    return !is(p, WT_AT) || parse_version(p, version);
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static const char *pkg_id(wctx *c, const char *ns, const char *name, const char *version) {
    return version ? afmt(c, "%s:%s@%s", ns, name, version) : afmt(c, "%s:%s", ns, name);
}

static bool parse_items(wparser *p, bool nested);

/* `package a:b { ... }`, the current token '{'. */
static bool parse_nested(wparser *p, const wnamed *at, const wnamed *ns, const wnamed *name,
                         const char *version) {
    wctx *c = p->c;
    wpkg *k = new_pkg(c);
    if (!k) return false;
    k->named = true;
    k->pub->ns = ns->name;
    k->pub->name = name->name;
    k->pub->version = version;
    k->decl_path = p->path;
    k->decl_line = at->line;
    k->decl_col = at->col;
    wfile *f = new_file(c, p->path, k);
    if (!f) return false;
    wpkg *outer = p->pkg;
    wfile *outer_file = p->file;
    outer->last_nested = k;
    p->pkg = k;
    p->file = f;
    bool need = p->need_decl;
    p->need_decl = false;
    if (!advance(p) || !parse_items(p, true)) return false;
    p->need_decl = need;
    p->pkg = outer;
    p->file = outer_file;
    return advance(p);
}

static bool parse_items(wparser *p, bool nested) {
    while (!is(p, nested ? WT_RBRACE : WT_EOF)) {
        if (nested && is(p, WT_EOF))
            return expected(p, "'}'", "to close package '%s:%s'", p->pkg->pub->ns,
                            p->pkg->pub->name);
        if (!skip_gates(p)) return false;
        bool ok;
        switch (p->tok.kind) {
        case WT_PACKAGE: {
            if (nested) return perr(p, "a package cannot be declared inside another");
            wnamed at = {.line = p->tok.line, .col = p->tok.col}, ns, name;
            const char *version;
            if (!advance(p) || !parse_pkg_name(p, &ns, &name, &version)) return false;
            if (!is(p, WT_LBRACE))
                return expected(p, "'{'", "after 'package %s:%s' (a 'package ...;' declaration "
                                          "must come first in the file)", ns.name, name.name);
            ok = parse_nested(p, &at, &ns, &name, version);
            break;
        }
        case WT_USE: ok = item_allowed(p) && parse_toplevel_use(p); break;
        case WT_INTERFACE: ok = item_allowed(p) && parse_interface(p, NULL, NULL, NULL); break;
        case WT_WORLD: ok = item_allowed(p) && parse_world(p); break;
        default:
            return expected(p, "'interface', 'world', 'use' or 'package'",
                            nested ? "in package '%s:%s'" : "at the top level", p->pkg->pub->ns,
                            p->pkg->pub->name);
        }
        if (!ok) return false;
    }
    return true;
}

static bool parse_file(wparser *p) {
    wctx *c = p->c;
    if (!advance(p)) return false;
    if (is(p, WT_PACKAGE)) {
        wnamed at = {.path = p->path, .line = p->tok.line, .col = p->tok.col}, ns, name;
        const char *version;
        if (!advance(p) || !parse_pkg_name(p, &ns, &name, &version)) return false;
        if (is(p, WT_LBRACE)) {
            if (!parse_nested(p, &at, &ns, &name, version)) return false;
        } else if (!is(p, WT_SEMI)) {
            return expected(p, "';' or '{'", "after the package name '%s:%s'", ns.name, name.name);
        } else {
            wpkg *k = p->pkg;
            if (k->named) {
                if (!same_str(k->pub->ns, ns.name) || !same_str(k->pub->name, name.name) ||
                    !same_str(k->pub->version, version)) {
                    const char *mine = pkg_id(c, ns.name, name.name, version);
                    const char *theirs = pkg_id(c, k->pub->ns, k->pub->name, k->pub->version);
                    char w[300];
                    if (!mine || !theirs) return false;
                    return FAIL_AT(c, &at, "package '%s' differs from '%s' declared at %s", mine,
                                   theirs, where("", k->decl_path, k->decl_line, k->decl_col, w,
                                                 sizeof w));
                }
            } else {
                k->named = true;
                k->pub->ns = ns.name;
                k->pub->name = name.name;
                k->pub->version = version;
                k->decl_path = p->path;
                k->decl_line = at.line;
                k->decl_col = at.col;
            }
            if (!advance(p)) return false;
        }
    }
    if (!parse_items(p, false)) return false;
    if (p->need_decl && !p->pkg->named && !p->pkg->last_nested)
        return expected(p, "a package declaration ('package ns:name;')", "");
    return true;
}

/* One file's text into pkg (its top-level items; nested packages of their own). */
static bool parse_text(wctx *c, wpkg *pkg, const char *text, size_t len, const char *path,
                       bool need_decl) {
    if (len > WIT_MAX_FILE_SIZE)
        return fail_file(c, path, "file is larger than %u bytes", WIT_MAX_FILE_SIZE);
    if ((c->total += len) > WIT_MAX_TOTAL_SIZE)
        return fail_file(c, path, "the files read are larger than %u bytes together",
                         WIT_MAX_TOTAL_SIZE);
    wparser p = {.c = c, .pkg = pkg, .need_decl = need_decl};
    if (!(p.path = ct_strndup(c->a, path, strlen(path)))) return nomem(c);
    if (!wit_lex_init(&p.lx, text, len)) return lex_error(&p);
    if (!(p.file = new_file(c, p.path, pkg))) return false;
    return parse_file(&p);
}

/* ---- resolution ----------------------------------------------------------------------------- */

static const char *kind_name(uint8_t kind) {
    switch (kind) {
    case N_IFACE: return "an interface";
    case N_WORLD: return "a world";
    case N_FUNC: return "a function";
    case N_ITEM: return "an import or export";
    default: return "something else";
    }
}

static wpkg *find_pkg(wctx *c, const wpath *u) {
    wpkg *hit = NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->pkgs.n; i++) {
        wpkg *k = AT(c->pkgs, wpkg *, i);
        if (!k->named || strcmp(k->pub->ns, u->ns) || strcmp(k->pub->name, u->pkg)) continue;
        if (u->version ? same_str(k->pub->version, u->version) : true) {
            hit = k;
            n++;
        }
    }
    if (n == 1) return hit;
    if (n > 1)
        FAIL_AT(c, &u->h, "package '%s:%s' is there in several versions: name one ('%s:%s/%s@...')",
                u->ns, u->pkg, u->ns, u->pkg, u->name);
    else if (u->version)
        FAIL_AT(c, &u->h, "unknown package '%s:%s@%s'", u->ns, u->pkg, u->version);
    else
        FAIL_AT(c, &u->h, "unknown package '%s:%s'", u->ns, u->pkg);
    return NULL;
}

enum { WANT_IFACE = 1, WANT_WORLD = 2, WANT_ANY = 3 };

static wnamed *resolve_path(wctx *c, wpath *u, int want) {
    static const char *const wanted[] = {"", "interface", "world", "interface or world"};
    if (!u->target) {
        if (!u->ns) {
            wpath *alias = u->file ? smap_get(&u->file->uses, u->name) : NULL;
            if (alias) {
                if (!(u->target = resolve_path(c, alias, WANT_ANY))) return NULL;
            } else if (!(u->target = smap_get(&u->in->items, u->name))) {
                FAIL_AT(c, &u->h, "unknown %s '%s'", wanted[want], u->name);
                return NULL;
            }
        } else {
            wpkg *k = find_pkg(c, u);
            if (!k) return NULL;
            if (!(u->target = smap_get(&k->items, u->name))) {
                FAIL_AT(c, &u->h, "package '%s' has no %s '%s'", k->pub->id, wanted[want], u->name);
                return NULL;
            }
        }
    }
    if ((want == WANT_IFACE && u->target->kind != N_IFACE) ||
        (want == WANT_WORLD && u->target->kind != N_WORLD)) {
        char pt[600];
        FAIL_AT(c, &u->h, "'%s' is %s, not %s", path_text(u, pt, sizeof pt),
                kind_name(u->target->kind), want == WANT_IFACE ? "an interface" : "a world");
        return NULL;
    }
    return u->target;
}

/* Package ids are unique; every interface and world gets its qualified name. */
static bool name_packages(wctx *c) {
    smap ids = {0};
    for (uint32_t i = 0; i < c->pkgs.n; i++) {
        wpkg *k = AT(c->pkgs, wpkg *, i);
        if (!k->named) continue;
        wit_package *pub = k->pub;
        if (!(pub->id = pkg_id(c, pub->ns, pub->name, pub->version))) return false;
        wpkg *old = smap_get(&ids, pub->id);
        if (old) {
            char w[300];
            return fail_at(c, k->decl_path, k->decl_line, k->decl_col,
                           "package '%s' is defined twice (also at %s)", pub->id,
                           where(k->decl_path, old->decl_path, old->decl_line, old->decl_col, w,
                                 sizeof w));
        }
        if (!smap_put(c->s, &ids, pub->id, k)) return nomem(c);
        const char *at = pub->version ? "@" : "", *v = pub->version ? pub->version : "";
        for (uint32_t j = 0; j < k->ifaces.n; j++) {
            wiface *f = AT(k->ifaces, wiface *, j);
            f->pub->package = pub;
            if (!(f->pub->qualified = afmt(c, "%s:%s/%s%s%s", pub->ns, pub->name, f->h.name, at, v)))
                return false;
        }
        for (uint32_t j = 0; j < k->worlds.n; j++) {
            wworld *w = AT(k->worlds, wworld *, j);
            w->pub->package = pub;
            if (!(w->pub->qualified = afmt(c, "%s:%s/%s%s%s", pub->ns, pub->name, w->h.name, at, v)))
                return false;
            for (uint32_t e = 0; e < w->entries.n; e++) {
                wentry *en = &AT(w->entries, wentry, e);
                if (en->kind == WIT_ITEM_INLINE && en->what != E_INCLUDE) {
                    en->iface->pub->package = pub;
                    en->iface->pub->world = w->pub;
                }
            }
        }
    }
    return true;
}

/* Interfaces named by `use`s become dependencies (each once); paths of worlds resolve. */
static bool resolve_paths(wctx *c) {
    for (uint32_t i = 0; i < c->files.n; i++) {
        wfile *f = AT(c->files, wfile *, i);
        for (uint32_t j = 0; j < f->paths.n; j++) {
            wpath *u = AT(f->paths, wpath *, j);
            if (!resolve_path(c, u, WANT_ANY)) return false;
            wnamed *clash = smap_get(&f->pkg->items, u->h.name);
            if (clash && clash != u->target) {
                char w[300];
                return FAIL_AT(c, &u->h, "'use' defines '%s', which is already %s of the package "
                                         "(at %s)", u->h.name, kind_name(clash->kind),
                               where(u->h.path, clash->path, clash->line, clash->col, w, sizeof w));
            }
        }
    }
    for (uint32_t i = 0; i < c->ifaces.n; i++) {
        wiface *f = AT(c->ifaces, wiface *, i);
        uint32_t stamp = ++c->stamp;
        for (uint32_t j = 0; j < f->sc.uses.n; j++) {
            wpath *u = AT(f->sc.uses, wpath *, j);
            wiface *d = (wiface *)(void *)resolve_path(c, u, WANT_IFACE);
            if (!d) return false;
            if (d->seen == stamp) continue;
            d->seen = stamp;
            if (!vec_add(c->s, &f->deps, d) || !vec_add(c->s, &f->dep_at, u)) return nomem(c);
        }
    }
    for (uint32_t i = 0; i < c->worlds.n; i++) {
        wworld *w = AT(c->worlds, wworld *, i);
        uint32_t stamp = ++c->stamp;
        for (uint32_t j = 0; j < w->sc.uses.n; j++) {
            wiface *d = (wiface *)(void *)resolve_path(c, AT(w->sc.uses, wpath *, j), WANT_IFACE);
            if (!d) return false;
            if (d->seen == stamp) continue;
            d->seen = stamp;
            if (!vec_add(c->s, &w->deps, d)) return nomem(c);
        }
        for (uint32_t j = 0; j < w->entries.n; j++) {
            wentry *e = &AT(w->entries, wentry, j);
            if (e->what == E_INCLUDE ? !resolve_path(c, e->path, WANT_WORLD)
                                     : e->kind == WIT_ITEM_INTERFACE &&
                                           !resolve_path(c, e->path, WANT_IFACE))
                return false;
        }
    }
    return true;
}

/* " (a -> b -> a)": a cycle of count names, closed by back. Past nine, only the first eight
 * and the last are given (names holds those). */
static void cycle_text(char *buf, size_t n, const char *const *names, uint32_t count,
                       const char *back) {
    size_t at = (size_t)snprintf(buf, n, " (");
    uint32_t shown = count > 9 ? 9 : count;
    for (uint32_t i = 0; i < shown && at < n; i++) {
        if (i == 8 && count > 9) at += (size_t)snprintf(buf + at, n - at, "... -> ");
        if (at < n) at += (size_t)snprintf(buf + at, n - at, "%s -> ", names[i]);
    }
    if (at < n) snprintf(buf + at, n - at, "%s)", back);
}

/* The cycle on a depth-first stack of wiface or wdef (each starts with its wnamed), from entry
 * from to the top, closed by back, as cycle_text shows it. */
static void stack_cycle(char *buf, size_t n, const vec *stack, uint32_t from, const char *back) {
    const char *names[9];
    uint32_t k = 0;
    for (uint32_t j = from; j < stack->n; j++) {
        if (k == 8 && stack->n - from > 9) j = stack->n - 1;
        names[k++] = ((const wnamed *const *)stack->items)[j]->name;
    }
    cycle_text(buf, n, names, stack->n - from, back);
}

/* `use`s between interfaces must not form a cycle. Depth first, on a heap stack. */
static bool check_iface_cycles(wctx *c) {
    vec stack = {0};
    for (uint32_t i = 0; i < c->ifaces.n; i++) {
        wiface *root = AT(c->ifaces, wiface *, i);
        if (root->state) continue;
        root->state = 1;
        root->next = 0;
        if (!vec_add(c->s, &stack, root)) return nomem(c);
        while (stack.n) {
            wiface *top = AT(stack, wiface *, stack.n - 1);
            if (top->next == top->deps.n) {
                top->state = 2;
                stack.n--;
                continue;
            }
            wiface *d = AT(top->deps, wiface *, top->next);
            wpath *u = AT(top->dep_at, wpath *, top->next);
            top->next++;
            if (d->state == 1) {
                uint32_t from = stack.n - 1;
                while (AT(stack, wiface *, from) != d) from--;
                char chain[2400];
                stack_cycle(chain, sizeof chain, &stack, from, d->h.name);
                return FAIL_AT(c, &u->h, "interface '%s' uses itself%s", d->h.name, chain);
            }
            if (d->state == 0) {
                d->state = 1;
                d->next = 0;
                if (!vec_add(c->s, &stack, d)) return nomem(c);
            }
        }
    }
    return true;
}

/* Every reference finds its definition. */
static bool lookup_refs(wctx *c) {
    for (uint32_t i = 0; i < c->refs.n; i++) {
        wref *r = AT(c->refs, wref *, i);
        wscope *sc = r->scope;
        if (r->use) sc = &((wiface *)(void *)r->use->target)->sc;
        wnamed *n = smap_get(&sc->names, r->name);
        if (!n) {
            if (r->use)
                return fail_at(c, r->path, r->line, r->col, "%s has no type '%s'", sc->what,
                               r->name);
            return fail_at(c, r->path, r->line, r->col, "unknown type '%s'", r->name);
        }
        if (n->kind != N_DEF)
            return fail_at(c, r->path, r->line, r->col, "'%s' is %s, not a type", r->name,
                           kind_name(n->kind));
        r->target = (wdef *)(void *)n;
    }
    return true;
}

/* No type may contain itself, and none may be deeper than WIT_MAX_TYPE_DEPTH. Depth first over
 * the definitions, on a heap stack; a definition's depth is known when it is left. */
static bool check_defs(wctx *c) {
    vec stack = {0};
    for (uint32_t i = 0; i < c->defs.n; i++) {
        wdef *root = AT(c->defs, wdef *, i);
        if (root->state) continue;
        root->state = 1;
        root->next = root->ref_first;
        if (!vec_add(c->s, &stack, root)) return nomem(c);
        while (stack.n) {
            wdef *top = AT(stack, wdef *, stack.n - 1);
            if (top->next == top->ref_end) {
                uint32_t depth = top->syn_depth;
                for (uint32_t j = top->ref_first; j < top->ref_end; j++) {
                    wref *r = AT(c->refs, wref *, j);
                    if (r->level + r->target->depth > depth) depth = r->level + r->target->depth;
                }
                top->depth = depth;
                if (depth > WIT_MAX_TYPE_DEPTH)
                    return FAIL_AT(c, &top->h, "type '%s' is nested deeper than %d levels "
                                               "(counting the types it names)",
                                   top->h.name, WIT_MAX_TYPE_DEPTH);
                top->state = 2;
                stack.n--;
                continue;
            }
            wref *r = AT(c->refs, wref *, top->next++);
            wdef *d = r->target;
            if (d->state == 1) {
                uint32_t from = stack.n - 1;
                while (AT(stack, wdef *, from) != d) from--;
                char chain[2400];
                stack_cycle(chain, sizeof chain, &stack, from, d->h.name);
                return fail_at(c, r->path, r->line, r->col, "type '%s' refers to itself%s",
                               d->h.name, chain);
            }
            if (d->state == 0) {
                d->state = 1;
                d->next = d->ref_first;
                if (!vec_add(c->s, &stack, d)) return nomem(c);
            }
        }
    }
    return true;
}

static const char *ct_kind_name(ct_kind k) {
    switch (k) {
    case CT_RECORD: return "a record";
    case CT_VARIANT: return "a variant";
    case CT_ENUM: return "an enum";
    case CT_FLAGS: return "a flags type";
    case CT_RESOURCE: return "a resource";
    default: return "a type alias";
    }
}

/* Placeholders give way to the types they name. */
static bool patch_refs(wctx *c) {
    for (uint32_t i = 0; i < c->refs.n; i++) {
        wref *r = AT(c->refs, wref *, i);
        wdef *base = r->target;
        while (base->direct) base = base->direct->target;
        bool resource = base->type->kind == CT_RESOURCE;
        if (!r->slot)
            return fail_at(c, r->path, r->line, r->col, "internal error: type '%s' has no place",
                           r->name);
        if (r->ctx == R_HANDLE) {
            if (!resource)
                return fail_at(c, r->path, r->line, r->col,
                               "%s<%s> needs a resource, but '%s' is %s", r->handle, r->name,
                               r->name, ct_kind_name(base->type->kind));
            *r->slot = base->type;
        } else if (r->ctx == R_PLAIN && resource) { /* a resource by name is an owned handle */
            ct_type *own = ct_new(c->a, CT_OWN);
            if (!own) return nomem(c);
            own->elem = base->type;
            own->line = r->line;
            own->col = r->col;
            *r->slot = own;
        } else {
            *r->slot = r->target->type;
        }
    }
    return true;
}

/* ---- worlds --------------------------------------------------------------------------------- */

/* Includes copy items, with renames even multiply them: each world, and all together, are
 * bounded. */
static bool count_world_item(wctx *c, wworld *w, uint32_t line, uint32_t col) {
    if (w->imports.n + w->exports.n + w->sc.types.n >= WIT_MAX_ITEMS)
        return fail_at(c, w->h.path, line, col, "more than %d imports, exports and types in "
                                                "world '%s'", WIT_MAX_ITEMS, w->h.name);
    if (++c->world_items > WIT_MAX_WORLD_ITEMS)
        return fail_at(c, w->h.path, line, col, "more than %u imports, exports and types in all "
                                                "worlds together", WIT_MAX_WORLD_ITEMS);
    return true;
}

static bool add_item(wctx *c, wworld *w, bool exp, const wit_world_item *it, wiface *src,
                     const wentry *inc, const char *inc_name) {
    vec *v = exp ? &w->exports : &w->imports;
    char at[300];
    const char *path = w->h.path;
    uint32_t line = inc ? inc->line : it->line, col = inc ? inc->col : it->col;
    if (it->kind == WIT_ITEM_INTERFACE) {
        smap *ids = exp ? &w->export_ids : &w->import_ids;
        uintptr_t k = (uintptr_t)smap_get(ids, it->name);
        if (k) {
            const wit_world_item *old = &AT(*v, wit_world_item, k - 1);
            if (inc && old->iface == it->iface) return true; /* the same interface, once */
            return fail_at(c, path, line, col, "interface '%s' is %s twice in world '%s' "
                                               "(first at %s)", it->name,
                           exp ? "exported" : "imported", w->h.name,
                           where(path, old->path, old->line, old->col, at, sizeof at));
        }
        if (!smap_put(c->s, ids, it->name, (void *)(uintptr_t)(v->n + 1))) return nomem(c);
    } else if (inc) { /* a plain name from an included world joins this world's names */
        wnamed *old = smap_get(&w->sc.names, it->name);
        const void *what = it->func ? (const void *)it->func : (const void *)src;
        if (old) {
            if (old->kind == N_ITEM && ((witem *)(void *)old)->what == what) return true;
            return fail_at(c, path, line, col, "'include %s' brings '%s', which is already "
                                               "defined in world '%s' (at %s; rename it with "
                                               "'with { %s as ... }')", inc_name, it->name,
                           w->h.name, where(path, old->path, old->line, old->col, at, sizeof at),
                           it->name);
        }
        witem *wi = ct_alloc(c->s, sizeof *wi);
        if (!wi) return nomem(c);
        wi->h = (wnamed){N_ITEM, it->name, path, line, col};
        wi->what = what;
        if (!smap_put(c->s, &w->sc.names, it->name, wi)) return nomem(c);
    }
    if (!count_world_item(c, w, line, col)) return false;
    wit_world_item *slot = vec_push(c->a, v, sizeof *slot);
    if (!slot || !vec_add(c->s, exp ? &w->export_src : &w->import_src, src)) return nomem(c);
    *slot = *it;
    return true;
}

static bool include_world(wctx *c, wworld *w, const wentry *e, uint32_t depth);

/* A world's items in written order, included worlds' where the include stands. */
static bool resolve_world(wctx *c, wworld *w, uint32_t depth, const wentry *site, wworld *from) {
    if (w->state == 2) return true;
    if (w->state == 1)
        return fail_at(c, from->h.path, site->line, site->col, "world '%s' includes itself",
                       w->h.name);
    if (depth > WIT_MAX_INCLUDE_DEPTH)
        return fail_at(c, from->h.path, site->line, site->col,
                       "worlds include each other deeper than %d levels", WIT_MAX_INCLUDE_DEPTH);
    w->state = 1;
    for (uint32_t i = 0; i < w->entries.n; i++) {
        wentry *e = &AT(w->entries, wentry, i);
        if (e->what == E_INCLUDE) {
            if (!include_world(c, w, e, depth)) return false;
            continue;
        }
        wit_world_item it = {.kind = e->kind, .name = e->name, .path = w->h.path,
                             .line = e->line, .col = e->col};
        wiface *src = NULL;
        if (e->kind == WIT_ITEM_INTERFACE) {
            src = (wiface *)(void *)e->path->target;
            it.iface = src->pub;
            it.name = src->pub->qualified;
        } else if (e->kind == WIT_ITEM_INLINE) {
            src = e->iface;
            it.iface = src->pub;
        } else {
            it.func = e->func;
        }
        if (!add_item(c, w, e->what == E_EXPORT, &it, src, NULL, NULL)) return false;
    }
    w->state = 2;
    return true;
}

static bool include_world(wctx *c, wworld *w, const wentry *e, uint32_t depth) {
    wworld *iw = (wworld *)(void *)e->path->target;
    if (!resolve_world(c, iw, depth + 1, e, w)) return false;
    char pt[600];
    path_text(e->path, pt, sizeof pt);
    smap renames = {0};
    for (uint32_t i = 0; i < e->nwith; i++) {
        wnamed *n = smap_get(&iw->sc.names, e->with[i].from);
        if (!n || n->kind != N_ITEM)
            return fail_at(c, w->h.path, e->with[i].line, e->with[i].col,
                           "world '%s' has no import or export named '%s' to rename",
                           iw->h.name, e->with[i].from);
        if (!smap_put(c->s, &renames, e->with[i].from, (void *)e->with[i].to)) return nomem(c);
    }
    for (int exp = 0; exp < 2; exp++) {
        const vec *v = exp ? &iw->exports : &iw->imports;
        const vec *src = exp ? &iw->export_src : &iw->import_src;
        for (uint32_t i = 0; i < v->n; i++) {
            wit_world_item it = AT(*v, wit_world_item, i);
            if (it.kind != WIT_ITEM_INTERFACE) {
                const char *to = smap_get(&renames, it.name);
                if (to) {
                    it.name = to;
                    if (it.func) {
                        ct_func *f = ct_alloc(c->a, sizeof *f);
                        if (!f) return nomem(c);
                        *f = *it.func;
                        f->name = to;
                        it.func = f;
                    }
                }
            }
            if (!add_item(c, w, exp, &it, AT(*src, wiface *, i), e, pt)) return false;
        }
    }
    for (uint32_t i = 0; i < iw->sc.types.n; i++) { /* its types too, each once */
        const ct_type *t = AT(iw->sc.types, const ct_type *, i);
        wnamed *def = smap_get(&iw->sc.names, t->name);
        wnamed *old = smap_get(&w->sc.names, t->name);
        if (old) {
            if (old == def) continue;
            char at[300];
            return fail_at(c, w->h.path, e->line, e->col, "'include %s' brings type '%s', which "
                                                          "is already defined in world '%s' (at %s)",
                           pt, t->name, w->h.name,
                           where(w->h.path, old->path, old->line, old->col, at, sizeof at));
        }
        if (!count_world_item(c, w, e->line, e->col)) return false;
        if (!smap_put(c->s, &w->sc.names, t->name, def) || !vec_add(c->a, &w->sc.types, t))
            return nomem(c);
    }
    return true;
}

/* Whether the world already has the interface d where a dependency of an import (or, when exp,
 * of an export) looks for it. */
static bool world_has(const wworld *w, const wiface *d, bool exp) {
    return smap_get(&w->import_ids, d->pub->qualified) ||
           (exp && smap_get(&w->export_ids, d->pub->qualified));
}

/* The interfaces root uses, directly or not, that the world lacks become implicit imports,
 * each after those it needs. with_root: root is one of them, not an item itself. */
static bool import_deps(wctx *c, wworld *w, wiface *root, bool with_root, bool exp,
                        uint32_t stamp, const wit_world_item *site, vec *stack) {
    if (with_root && root->seen == stamp) return true;
    root->seen = stamp;
    root->next = 0;
    stack->n = 0;
    if (!vec_add(c->s, stack, root)) return nomem(c);
    while (stack->n) {
        wiface *top = AT(*stack, wiface *, stack->n - 1);
        if (top->next < top->deps.n) {
            wiface *d = AT(top->deps, wiface *, top->next++);
            if (d->seen != stamp) {
                d->seen = stamp;
                d->next = 0;
                if (!vec_add(c->s, stack, d)) return nomem(c);
            }
            continue;
        }
        stack->n--;
        if ((top == root && !with_root) || world_has(w, top, exp)) continue;
        wit_world_item it = {.kind = WIT_ITEM_INTERFACE, .name = top->pub->qualified,
                             .iface = top->pub, .implicit = true, .path = site->path,
                             .line = site->line, .col = site->col};
        if (!add_item(c, w, false, &it, top, NULL, NULL)) return false;
    }
    return true;
}

static bool implicit_imports(wctx *c, wworld *w) {
    vec stack = {0};
    uint32_t stamp = ++c->stamp;
    wit_world_item site = {.path = w->h.path, .line = w->h.line, .col = w->h.col};
    for (uint32_t i = 0; i < w->deps.n; i++)
        if (!import_deps(c, w, AT(w->deps, wiface *, i), true, false, stamp, &site, &stack))
            return false;
    for (int exp = 0; exp < 2; exp++) {
        const vec *v = exp ? &w->exports : &w->imports;
        const vec *src = exp ? &w->export_src : &w->import_src;
        uint32_t n = v->n;
        stamp = ++c->stamp;
        for (uint32_t i = 0; i < n; i++) {
            wiface *f = AT(*src, wiface *, i);
            if (!f) continue;
            site = AT(*v, wit_world_item, i);
            if (!import_deps(c, w, f, false, exp, stamp, &site, &stack)) return false;
        }
    }
    return true;
}

/* ---- the document ------------------------------------------------------------------------- */

static bool resolve(wctx *c) {
    if (!name_packages(c) || !resolve_paths(c) || !check_iface_cycles(c) || !lookup_refs(c) ||
        !check_defs(c) || !patch_refs(c))
        return false;
    for (uint32_t i = 0; i < c->worlds.n; i++) {
        wworld *w = AT(c->worlds, wworld *, i);
        if (!resolve_world(c, w, 0, NULL, NULL)) return false;
    }
    for (uint32_t i = 0; i < c->worlds.n; i++)
        if (!implicit_imports(c, AT(c->worlds, wworld *, i))) return false;
    for (uint32_t i = 0; i < c->ifaces.n; i++) {
        wiface *f = AT(c->ifaces, wiface *, i);
        wit_interface *pub = f->pub;
        pub->types = f->sc.types.items;
        pub->ntypes = f->sc.types.n;
        pub->funcs = f->sc.funcs.items;
        pub->nfuncs = f->sc.funcs.n;
        if (f->deps.n) {
            const wit_interface **uses = ct_alloc(c->a, f->deps.n * sizeof *uses);
            if (!uses) return nomem(c);
            for (uint32_t j = 0; j < f->deps.n; j++) uses[j] = AT(f->deps, wiface *, j)->pub;
            pub->uses = uses;
            pub->nuses = f->deps.n;
        }
    }
    for (uint32_t i = 0; i < c->worlds.n; i++) {
        wworld *w = AT(c->worlds, wworld *, i);
        w->pub->imports = w->imports.items;
        w->pub->nimports = w->imports.n;
        w->pub->exports = w->exports.items;
        w->pub->nexports = w->exports.n;
        w->pub->types = w->sc.types.items;
        w->pub->ntypes = w->sc.types.n;
    }
    for (uint32_t i = 0; i < c->pkgs.n; i++) {
        wpkg *k = AT(c->pkgs, wpkg *, i);
        const wit_interface **ifs = ct_alloc(c->a, (k->ifaces.n + 1) * sizeof *ifs);
        const wit_world **ws = ct_alloc(c->a, (k->worlds.n + 1) * sizeof *ws);
        if (!ifs || !ws) return nomem(c);
        for (uint32_t j = 0; j < k->ifaces.n; j++) ifs[j] = AT(k->ifaces, wiface *, j)->pub;
        for (uint32_t j = 0; j < k->worlds.n; j++) ws[j] = AT(k->worlds, wworld *, j)->pub;
        k->pub->interfaces = ifs;
        k->pub->ninterfaces = k->ifaces.n;
        k->pub->worlds = ws;
        k->pub->nworlds = k->worlds.n;
    }
    return true;
}

static bool ctx_init(wctx *c) {
    memset(c, 0, sizeof *c);
    c->a = ct_arena_new();
    c->s = ct_arena_new();
    return c->a && c->s;
}

/* The package a main file or directory made: its declared one, or if it declared none and held
 * nothing but nested packages, the last of those. */
static wpkg *main_package(wctx *c, wpkg *k, const char *what) {
    if (k->named) return k;
    if (k->first_path) {
        fail_at(c, k->first_path, k->first_line, k->first_col,
                "no package declaration ('package ns:name;') in %s", what);
        return NULL;
    }
    if (k->last_nested) return k->last_nested;
    fail_file(c, what, "no package declaration ('package ns:name;')");
    return NULL;
}

/* Resolves everything, then hands the arena to a new document (main package last), or frees it
 * and reports. */
static wit_doc *finish(wctx *c, wpkg *main, char **err) {
    wit_doc *doc = NULL;
    if (main && !c->failed) {
        /* Unnamed packages held only nested ones: drop them. */
        uint32_t n = 0;
        for (uint32_t i = 0; i < c->pkgs.n; i++)
            if (AT(c->pkgs, wpkg *, i)->named) AT(c->pkgs, wpkg *, n++) = AT(c->pkgs, wpkg *, i);
        c->pkgs.n = n;
        if (resolve(c) && (doc = ct_alloc(c->a, sizeof *doc))) {
            const wit_package **all = ct_alloc(c->a, (n + 1) * sizeof *all);
            if (all) {
                uint32_t k = 0;
                for (uint32_t i = 0; i < n; i++)
                    if (AT(c->pkgs, wpkg *, i) != main) all[k++] = AT(c->pkgs, wpkg *, i)->pub;
                all[k++] = main->pub;
                doc->package = main->pub;
                doc->packages = all;
                doc->npackages = k;
                doc->arena = c->a;
            } else {
                doc = NULL;
            }
        }
        if (!doc) nomem(c);
    }
    if (!c->failed && !doc) nomem(c);
    if (doc) {
        if (err) *err = NULL;
    } else {
        if (err) *err = c->err ? c->err : strdup("out of memory");
        else free(c->err);
        ct_arena_free(c->a);
    }
    ct_arena_free(c->s);
    return doc;
}

wit_doc *wit_parse(const char *text, size_t len, const char *path, char **err) {
    wctx c;
    if (err) *err = NULL;
    if (!ctx_init(&c)) {
        ct_arena_free(c.a);
        ct_arena_free(c.s);
        if (err) *err = strdup("out of memory");
        return NULL;
    }
    if (!path) path = "<input>";
    wpkg *root = new_pkg(&c);
    wpkg *main = NULL;
    if (root && parse_text(&c, root, text ? text : "", text ? len : 0, path, true))
        main = main_package(&c, root, path);
    return finish(&c, main, err);
}

/* ---- directories ---------------------------------------------------------------------------- */

typedef struct dent {
    char *path;
    bool is_dir;
} dent;

static int dent_order(const void *a, const void *b) {
    return strcmp(((const dent *)a)->path, ((const dent *)b)->path);
}

static bool ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), m = strlen(tail);
    return n > m && !strcmp(s + n - m, tail);
}

/* dir's `*.wit` files (and subdirectories when dirs), sorted, paths in the scratch arena. */
static bool list_dir(wctx *c, const char *dir, bool dirs, vec *out) {
    DIR *d = opendir(dir);
    if (!d) return fail_file(c, dir, "cannot open the directory: %s", strerror(errno));
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char *path = ct_alloc(c->s, strlen(dir) + strlen(de->d_name) + 2);
        if (!path) {
            ok = nomem(c);
            break;
        }
        sprintf(path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue; /* a dangling link is no file */
        bool is_dir = S_ISDIR(st.st_mode);
        if (!(dirs && is_dir) && !(S_ISREG(st.st_mode) && ends_with(de->d_name, ".wit"))) continue;
        if (out->n == WIT_MAX_FILES) {
            ok = fail_file(c, dir, "more than %d .wit files or packages", WIT_MAX_FILES);
            break;
        }
        dent *e = vec_push(c->s, out, sizeof *e);
        if (!e) {
            ok = nomem(c);
            break;
        }
        e->path = path;
        e->is_dir = is_dir;
    }
    closedir(d);
    if (ok && out->n) qsort(out->items, out->n, sizeof(dent), dent_order);
    return ok;
}

static bool read_file(wctx *c, const char *path, char **text, size_t *len) {
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return fail_file(c, path, "cannot open: %s", strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    bool ok = buf != NULL || nomem(c);
    while (ok) {
        if (n == cap) {
            if (cap > WIT_MAX_FILE_SIZE) {
                ok = fail_file(c, path, "file is larger than %u bytes", WIT_MAX_FILE_SIZE);
                break;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                ok = nomem(c);
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) ok = fail_file(c, path, "cannot read: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *text = buf;
    *len = n;
    return true;
}

static bool parse_file_at(wctx *c, wpkg *k, const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (!read_file(c, path, &text, &len)) return false;
    bool ok = parse_text(c, k, text, len, path, false);
    free(text);
    return ok;
}

/* Every .wit file of dir into package k. */
static bool parse_dir_files(wctx *c, wpkg *k, const char *dir) {
    vec files = {0};
    if (!list_dir(c, dir, false, &files)) return false;
    if (!files.n) return fail_file(c, dir, "no .wit files");
    for (uint32_t i = 0; i < files.n; i++)
        if (!parse_file_at(c, k, AT(files, dent, i).path)) return false;
    return true;
}

wit_doc *wit_parse_dir(const char *dir, char **err) {
    wctx c;
    if (err) *err = NULL;
    if (!ctx_init(&c)) {
        ct_arena_free(c.a);
        ct_arena_free(c.s);
        if (err) *err = strdup("out of memory");
        return NULL;
    }
    wpkg *root = new_pkg(&c), *main = NULL;
    if (root && parse_dir_files(&c, root, dir) && (main = main_package(&c, root, dir))) {
        char *deps = ct_alloc(c.s, strlen(dir) + 6);
        struct stat st;
        vec entries = {0};
        if (!deps) {
            nomem(&c);
        } else if (sprintf(deps, "%s/deps", dir), stat(deps, &st) == 0 && S_ISDIR(st.st_mode) &&
                   list_dir(&c, deps, true, &entries)) {
            for (uint32_t i = 0; i < entries.n && !c.failed; i++) {
                dent *e = &AT(entries, dent, i);
                wpkg *k = new_pkg(&c);
                if (k && (e->is_dir ? parse_dir_files(&c, k, e->path)
                                    : parse_file_at(&c, k, e->path)))
                    main_package(&c, k, e->path);
            }
        }
    }
    return finish(&c, c.failed ? NULL : main, err);
}

/* ---- queries -------------------------------------------------------------------------------- */

/* Whether query names the item short of ns:pkg/name (with or without the package's version). */
static bool names_item(const wit_package *k, const char *short_name, const char *query) {
    size_t ns = strlen(k->ns), pk = strlen(k->name), nm = strlen(short_name);
    if (strncmp(query, k->ns, ns) || query[ns] != ':') return false;
    query += ns + 1;
    if (strncmp(query, k->name, pk) || query[pk] != '/') return false;
    query += pk + 1;
    if (strncmp(query, short_name, nm)) return false;
    query += nm;
    return !*query || (*query == '@' && k->version && !strcmp(query + 1, k->version));
}

const wit_world *wit_find_world(const wit_doc *doc, const char *name) {
    if (!doc || !name) return NULL;
    bool full = strchr(name, '/') != NULL;
    for (uint32_t i = 0; i < doc->npackages; i++) {
        const wit_package *k = doc->packages[i];
        if (!full && k != doc->package) continue;
        for (uint32_t j = 0; j < k->nworlds; j++)
            if (full ? names_item(k, k->worlds[j]->name, name) : !strcmp(k->worlds[j]->name, name))
                return k->worlds[j];
    }
    return NULL;
}

const wit_interface *wit_find_interface(const wit_doc *doc, const char *name) {
    if (!doc || !name) return NULL;
    bool full = strchr(name, '/') != NULL;
    for (uint32_t i = 0; i < doc->npackages; i++) {
        const wit_package *k = doc->packages[i];
        if (!full && k != doc->package) continue;
        for (uint32_t j = 0; j < k->ninterfaces; j++) {
            const wit_interface *f = k->interfaces[j];
            if (full ? names_item(k, f->name, name) : !strcmp(f->name, name)) return f;
        }
    }
    return NULL;
}

void wit_free(wit_doc *doc) {
    if (doc) ct_arena_free(doc->arena); /* the document itself lives in its arena */
}
