/* manifest.c: the app manifest (YAML) parsed strictly into a manifest (see manifest.h).
 * libfyaml's event parser feeds a small tree that keeps every node's position, and the checks walk
 * that tree, so each error points at its node as "path:line:col: message". Loading the components'
 * modules and serving the routes are the host's and the HTTP trigger's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/manifest.h"

/* ---- The YAML tree ---------------------------------------------------------------------- */

typedef enum { YN_SCALAR, YN_MAP, YN_SEQ } yn_type;

typedef struct ynode {
    yn_type type;
    int line, col; /* 1-based; 0 until known (an empty value has no position of its own) */
    bool null;     /* a plain empty, "~" or "null" scalar */
    char *text;    /* a scalar's value, NUL-terminated */
    size_t len;
    size_t n; /* children; a mapping's are key, value, key, value, ... */
    struct ynode *child, *last, *next;
} ynode;

/* Every node and scalar text of the tree, freed together once the manifest is built. */
typedef struct block {
    struct block *next;
    max_align_t data[];
} block;

typedef struct mparse {
    const char *path; /* for messages */
    char *err;        /* the first error, formatted */
    bool failed;      /* an error happened (err may be NULL if even its message found no memory) */
    block *blocks;
    struct fy_parser *fyp;
    struct fy_diag *diag;
    manifest *m;
} mparse;

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

static char *format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* Records "path:line:col: message" unless an earlier error was recorded; returns false so that
 * checks can `return fail(...)`. */
static bool fail_at(mparse *p, int line, int col, const char *fmt, ...) {
    if (p->failed) return false;
    p->failed = true;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (msg) p->err = format("%s:%d:%d: %s", p->path, line > 0 ? line : 1, col > 0 ? col : 1, msg);
    free(msg);
    return false;
}

#define fail(p, node, ...) fail_at((p), (node)->line, (node)->col, __VA_ARGS__)

static bool nomem(mparse *p) {
    if (p->failed) return false;
    p->failed = true;
    p->err = format("%s: out of memory", p->path);
    return false;
}

static void *take(mparse *p, size_t size) {
    block *b = malloc(sizeof *b + size);
    if (!b) {
        nomem(p);
        return NULL;
    }
    b->next = p->blocks;
    p->blocks = b;
    return b->data;
}

/* libfyaml's own first error (positions already 1-based) as ours. */
static void syntax_error(mparse *p) {
    void *it = NULL;
    struct fy_diag_error *de;
    while ((de = fy_diag_errors_iterate(p->diag, &it)))
        if (de->type >= FYET_ERROR) {
            fail_at(p, de->line, de->column, "%s", de->msg ? de->msg : "YAML syntax error");
            return;
        }
    fail_at(p, 1, 1, "YAML syntax error");
}

static struct fy_event *next_event(mparse *p) {
    struct fy_event *ev = fy_parser_parse(p->fyp);
    if (!ev) syntax_error(p);
    return ev;
}

static void set_mark(ynode *n, struct fy_event *ev) {
    const struct fy_mark *mk = fy_event_start_mark(ev);
    if (mk && mk->line >= 0 && mk->column >= 0) {
        n->line = mk->line + 1;
        n->col = mk->column + 1;
    }
}

static int key_order(const void *a, const void *b) {
    const ynode *x = *(const ynode *const *)a, *y = *(const ynode *const *)b;
    int d = strcmp(x->text, y->text);
    if (d) return d;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (x->col > y->col) - (x->col < y->col);
}

/* A mapping's keys must be non-empty scalars, each once. Sorting finds duplicates in n log n;
 * the one reported is the earliest repetition in the file. */
static bool check_keys(mparse *p, const ynode *map) {
    size_t nk = map->n / 2;
    for (const ynode *k = map->child; k; k = k->next->next) {
        if (k->type != YN_SCALAR)
            return fail(p, k, "a key must be a string, found a %s",
                        k->type == YN_MAP ? "mapping" : "list");
        if (k->null || k->len == 0) return fail(p, k, "empty key");
    }
    if (nk < 2) return true;
    const ynode **keys = malloc(nk * sizeof *keys);
    if (!keys) return nomem(p);
    size_t i = 0;
    for (const ynode *k = map->child; k; k = k->next->next) keys[i++] = k;
    qsort(keys, nk, sizeof *keys, key_order);
    const ynode *first = NULL, *dup = NULL;
    for (size_t a = 0, b; a < nk; a = b) { /* keys[a..b) is a run of one key, in file order */
        b = a + 1;
        while (b < nk && !strcmp(keys[a]->text, keys[b]->text)) b++;
        if (b - a < 2) continue;
        const ynode *second = keys[a + 1];
        if (!dup || second->line < dup->line ||
            (second->line == dup->line && second->col < dup->col)) {
            first = keys[a];
            dup = second;
        }
    }
    bool ok = true;
    if (dup) ok = fail(p, dup, "duplicate key '%.100s' (first at line %d)", dup->text, first->line);
    free(keys);
    return ok;
}

static bool is_null_text(const char *s, size_t len) {
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* A scalar token's text (escapes resolved) in a malloc'd buffer; NULL when out of memory.
 * Read through an iterator rather than fy_token_get_text, whose cached copy of a long text
 * libfyaml 0.7.12 leaks when the document is abandoned after an error (found by fuzz-http). */
static char *token_text(struct fy_token *t, size_t *len) {
    size_t cap = 256, n = 0;
    char *buf = malloc(cap);
    struct fy_token_iter *it = fy_token_iter_create(t);
    if (!buf || !it) {
        free(buf);
        if (it) fy_token_iter_destroy(it);
        return NULL;
    }
    const struct fy_iter_chunk *c = NULL;
    int err = 0;
    while ((c = fy_token_iter_chunk_next(it, c, &err))) {
        if (c->len > cap - n) {
            while (c->len > cap - n) cap *= 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fy_token_iter_destroy(it);
                return NULL;
            }
            buf = b;
        }
        if (c->len) memcpy(buf + n, c->str, c->len);
        n += c->len;
    }
    fy_token_iter_destroy(it);
    *len = n;
    return buf;
}

/* Reads the node whose first event is ev (consumed) and, for a collection, its children. */
static ynode *read_node(mparse *p, struct fy_event *ev, int depth) {
    ynode *n = take(p, sizeof *n);
    if (!n) {
        fy_parser_event_free(p->fyp, ev);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    set_mark(n, ev);
    enum fy_event_type type = ev->type;
    if (type == FYET_ALIAS && n->col > 1) n->col--; /* libfyaml marks the name after the '*' */
    if (type == FYET_SCALAR) {
        size_t len = 0;
        char *s = token_text(ev->scalar.value, &len);
        if (!s) {
            fy_parser_event_free(p->fyp, ev);
            nomem(p);
            return NULL;
        }
        n->type = YN_SCALAR;
        enum fy_scalar_style style = fy_token_scalar_style(ev->scalar.value);
        n->null = style == FYSS_PLAIN && is_null_text(s, len);
        /* libfyaml marks a quoted scalar's first character: point at its opening quote. */
        if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && n->col > 1) n->col--;
        n->text = take(p, len + 1);
        if (n->text) {
            if (len) memcpy(n->text, s, len);
            n->text[len] = '\0';
            n->len = len;
        }
        free(s);
        fy_parser_event_free(p->fyp, ev);
        if (!n->text) return NULL;
        if (memchr(n->text, '\0', len)) {
            fail(p, n, "a string may not contain a NUL character");
            return NULL;
        }
        return n;
    }
    fy_parser_event_free(p->fyp, ev);
    if (type == FYET_ALIAS) {
        fail(p, n, "aliases are not supported in a manifest");
        return NULL;
    }
    if (type != FYET_MAPPING_START && type != FYET_SEQUENCE_START) {
        fail(p, n, "unexpected YAML event");
        return NULL;
    }
    if (depth >= MANIFEST_MAX_DEPTH) {
        fail(p, n, "nested more than %d levels deep", MANIFEST_MAX_DEPTH);
        return NULL;
    }
    n->type = type == FYET_MAPPING_START ? YN_MAP : YN_SEQ;
    enum fy_event_type end = type == FYET_MAPPING_START ? FYET_MAPPING_END : FYET_SEQUENCE_END;
    for (;;) {
        struct fy_event *e = next_event(p);
        if (!e) return NULL;
        if (e->type == end) {
            fy_parser_event_free(p->fyp, e);
            break;
        }
        ynode *c = read_node(p, e, depth + 1);
        if (!c) return NULL;
        if (!c->line) { /* an empty value: point at its key (or the collection) */
            const ynode *at = n->last ? n->last : n;
            c->line = at->line;
            c->col = at->col;
        }
        if (n->last)
            n->last->next = c;
        else
            n->child = c;
        n->last = c;
        n->n++;
    }
    if (n->type == YN_MAP && !check_keys(p, n)) return NULL;
    return n;
}

/* The one document of the stream; NULL with no error recorded when the stream is empty. */
static ynode *read_document(mparse *p) {
    struct fy_event *ev = next_event(p);
    if (!ev) return NULL;
    enum fy_event_type t = ev->type;
    fy_parser_event_free(p->fyp, ev);
    if (t != FYET_STREAM_START) {
        fail_at(p, 1, 1, "unexpected YAML event");
        return NULL;
    }
    if (!(ev = next_event(p))) return NULL;
    t = ev->type;
    fy_parser_event_free(p->fyp, ev);
    if (t == FYET_STREAM_END) return NULL;
    if (!(ev = next_event(p))) return NULL;
    ynode *root = read_node(p, ev, 0);
    if (!root) return NULL;
    if (!root->line) root->line = root->col = 1;
    if (!(ev = next_event(p))) return NULL; /* the document's end */
    fy_parser_event_free(p->fyp, ev);
    if (!(ev = next_event(p))) return NULL;
    if (ev->type == FYET_DOCUMENT_START) {
        ynode at = {0};
        set_mark(&at, ev);
        fy_parser_event_free(p->fyp, ev);
        fail(p, &at, "more than one YAML document (a manifest is one document)");
        return NULL;
    }
    fy_parser_event_free(p->fyp, ev);
    return root;
}

/* ---- Values ------------------------------------------------------------------------------ */

typedef enum { NUM_OK, NUM_BAD, NUM_RANGE } num_status;

typedef struct unit {
    const char *suffix;
    uint64_t scale;
} unit;

static const unit size_units[] = {{"", 1},
                                  {"B", 1},
                                  {"KB", 1000},
                                  {"MB", 1000000},
                                  {"GB", 1000000000},
                                  {"KiB", 1024},
                                  {"MiB", 1024 * 1024},
                                  {"GiB", 1024 * 1024 * 1024}};
static const unit duration_units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}};
static const unit plain_units[] = {{"", 1}};

/* Decimal digits, then one of units' suffixes ("" for none), which spaces may precede. */
static num_status parse_scaled(const char *s, const unit *units, size_t nunits, uint64_t *out) {
    if (!s || *s < '0' || *s > '9') return NUM_BAD;
    uint64_t v = 0;
    bool range = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            range = true;
        else
            v = v * 10 + d;
    }
    if (*s == ' ') { /* "10 MiB": spaces only before a suffix */
        while (*s == ' ') s++;
        if (!*s) return NUM_BAD;
    }
    for (size_t i = 0; i < nunits; i++) {
        if (strcmp(s, units[i].suffix) != 0) continue;
        if (range || v > UINT64_MAX / units[i].scale) return NUM_RANGE;
        *out = v * units[i].scale;
        return NUM_OK;
    }
    return NUM_BAD;
}

bool manifest_parse_size(const char *s, uint64_t *out) {
    uint64_t v;
    if (parse_scaled(s, size_units, sizeof size_units / sizeof *size_units, &v) != NUM_OK)
        return false;
    *out = v;
    return true;
}

bool manifest_parse_duration_ms(const char *s, uint64_t *out) {
    uint64_t v;
    if (parse_scaled(s, duration_units, sizeof duration_units / sizeof *duration_units, &v) !=
        NUM_OK)
        return false;
    *out = v;
    return true;
}

static const char *found(const ynode *n) {
    if (n->type == YN_MAP) return "a mapping";
    if (n->type == YN_SEQ) return "a list";
    return n->null ? "an empty value" : "a string";
}

static bool want(mparse *p, const ynode *n, yn_type type, const char *what) {
    if (n->type == type && !(type == YN_SCALAR && n->null)) return true;
    const char *noun = type == YN_MAP ? "a mapping" : type == YN_SEQ ? "a list" : "a string";
    return fail(p, n, "%s must be %s, found %s", what, noun, found(n));
}

/* A malloc'd copy of a scalar for the manifest. */
static char *copy_text(mparse *p, const ynode *n) {
    char *s = malloc(n->len + 1);
    if (!s) {
        nomem(p);
        return NULL;
    }
    memcpy(s, n->text, n->len + 1);
    return s;
}

/* A non-empty string for key `key` (quoted in messages). */
static bool get_string(mparse *p, const ynode *n, const char *key, char **out) {
    char what[128];
    snprintf(what, sizeof what, "'%s'", key);
    if (!want(p, n, YN_SCALAR, what)) return false;
    if (n->len == 0) return fail(p, n, "'%s' must not be empty", key);
    free(*out);
    *out = copy_text(p, n);
    return *out != NULL;
}

static bool get_uint(mparse *p, const ynode *n, const char *key, uint64_t max, uint64_t *out) {
    if (n->type != YN_SCALAR || n->null)
        return fail(p, n, "'%s' must be a number, found %s", key, found(n));
    uint64_t v;
    num_status st = parse_scaled(n->text, plain_units, 1, &v);
    if (st == NUM_BAD) return fail(p, n, "bad number '%.100s' for '%s'", n->text, key);
    if (st == NUM_RANGE || v > max)
        return fail(p, n, "'%s' must be at most %llu", key, (unsigned long long)max);
    *out = v;
    return true;
}

static bool get_size(mparse *p, const ynode *n, const char *key, uint64_t *out) {
    if (n->type != YN_SCALAR || n->null)
        return fail(p, n, "'%s' must be a size, found %s", key, found(n));
    num_status st = parse_scaled(n->text, size_units, sizeof size_units / sizeof *size_units, out);
    if (st == NUM_RANGE) return fail(p, n, "size '%.100s' for '%s' is too large", n->text, key);
    if (st == NUM_BAD)
        return fail(p, n,
                    "bad size '%.100s' for '%s' (expected bytes, or a number with suffix B, KB, "
                    "MB, GB, KiB, MiB or GiB)",
                    n->text, key);
    return true;
}

static bool get_duration(mparse *p, const ynode *n, const char *key, uint64_t *out) {
    if (n->type != YN_SCALAR || n->null)
        return fail(p, n, "'%s' must be a duration, found %s", key, found(n));
    num_status st =
        parse_scaled(n->text, duration_units, sizeof duration_units / sizeof *duration_units, out);
    if (st == NUM_RANGE) return fail(p, n, "duration '%.100s' for '%s' is too large", n->text, key);
    if (st == NUM_BAD)
        return fail(p, n,
                    "bad duration '%.100s' for '%s' (expected milliseconds, or a number with "
                    "suffix ms, s or m)",
                    n->text, key);
    return true;
}

static bool get_bool(mparse *p, const ynode *n, const char *key, bool *out) {
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (n->type == YN_SCALAR && !n->null)
        for (size_t i = 0; i < 3; i++) {
            if (!strcmp(n->text, yes[i]) || !strcmp(n->text, no[i])) {
                *out = !strcmp(n->text, yes[i]);
                return true;
            }
        }
    if (n->type == YN_SCALAR && !n->null)
        return fail(p, n, "'%s' must be true or false, found '%.100s'", key, n->text);
    return fail(p, n, "'%s' must be true or false, found %s", key, found(n));
}

/* The app name and component ids: [a-z0-9][a-z0-9_-]*, at most MANIFEST_MAX_ID bytes. */
static bool valid_id(const char *s) {
    size_t len = strlen(s);
    if (len == 0 || len > MANIFEST_MAX_ID) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
        if (!ok) return false;
    }
    return true;
}

#define ID_RULE                                                                                    \
    "use lowercase letters, digits, '_' and '-', starting with a letter or digit, at most 64 "     \
    "characters"

/* "HOST:PORT", ":PORT" or "[IPV6]:PORT", port 0..65535 (0: any free port). */
static bool valid_addr(const char *s) {
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close == s + 1 || close[1] != ':') return false;
        for (const char *c = s + 1; c < close; c++)
            if (!(*c == ':' || *c == '.' || *c == '%' || (*c >= '0' && *c <= '9') ||
                  (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
                return false;
        colon = close + 1;
    } else {
        colon = strchr(s, ':');
        if (!colon || strchr(colon + 1, ':')) return false;
        for (const char *c = s; c < colon; c++)
            if (!(*c == '.' || *c == '-' || *c == '_' || (*c >= '0' && *c <= '9') ||
                  (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
                return false;
    }
    const char *port = colon + 1;
    size_t n = strlen(port);
    if (n == 0 || n > 5) return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (port[i] < '0' || port[i] > '9') return false;
        v = v * 10 + (unsigned)(port[i] - '0');
    }
    return v <= 65535;
}

static bool get_addr(mparse *p, const ynode *n, const char *key, char **out) {
    char *s = NULL;
    if (!get_string(p, n, key, &s)) return false;
    if (!valid_addr(s)) {
        free(s);
        return fail(p, n,
                    "bad address '%.100s' for '%s' (expected HOST:PORT, :PORT or [IPV6]:PORT, "
                    "port 0-65535)",
                    n->text, key);
    }
    free(*out);
    *out = s;
    return true;
}

/* HTTP token characters (RFC 9110), for header names. */
static bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* ---- Paths ------------------------------------------------------------------------------- */

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* rel against dir, leading "./" dropped; absolute paths and dir "." leave rel as it is. */
static char *resolve_path(mparse *p, const char *dir, const char *rel) {
    char *s;
    if (rel[0] == '/') {
        s = strdup(rel);
    } else {
        while (rel[0] == '.' && rel[1] == '/') {
            rel += 2;
            while (*rel == '/') rel++;
        }
        if (!strcmp(rel, ".")) rel = "";
        size_t dl = strlen(dir);
        if (!strcmp(dir, "."))
            s = strdup(*rel ? rel : ".");
        else if (!*rel)
            s = strdup(dir);
        else
            s = format("%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", rel);
    }
    if (!s) nomem(p);
    return s;
}

/* ---- Sections ---------------------------------------------------------------------------- */

typedef struct field {
    const char *name;
    const ynode *key, *val;
} field;

/* Fills each field's key and value from map; a key not among fields is an error naming where. */
static bool get_fields(mparse *p, const ynode *map, field *f, size_t nf, const char *where) {
    for (const ynode *k = map->child; k; k = k->next->next) {
        size_t i = 0;
        while (i < nf && strcmp(f[i].name, k->text) != 0) i++;
        if (i == nf) return fail(p, k, "unknown key '%.100s' in %s", k->text, where);
        f[i].key = k;
        f[i].val = k->next;
    }
    return true;
}

static const ynode *find_key(const ynode *map, const char *name) {
    for (const ynode *k = map->child; k; k = k->next->next)
        if (!strcmp(k->text, name)) return k->next;
    return NULL;
}

typedef enum { KV_CONFIG, KV_ENV, KV_HEADERS } kv_kind;

/* A mapping of strings to strings (config, env, headers). */
static bool get_kvs(mparse *p, const ynode *n, const char *key, kv_kind kind, mf_kv **out,
                    size_t *nout) {
    char what[64];
    snprintf(what, sizeof what, "'%s'", key);
    if (!want(p, n, YN_MAP, what)) return false;
    size_t count = n->n / 2;
    if (!count) return true;
    *out = calloc(count, sizeof **out);
    if (!*out) return nomem(p);
    *nout = count;
    size_t i = 0;
    for (const ynode *k = n->child; k; k = k->next->next, i++) {
        const ynode *v = k->next;
        if (kind == KV_ENV && strchr(k->text, '='))
            return fail(p, k, "environment variable name '%.100s' contains '='", k->text);
        if (kind == KV_HEADERS)
            for (const char *c = k->text; *c; c++)
                if (!token_char(*c)) return fail(p, k, "invalid header name '%.100s'", k->text);
        if (v->type != YN_SCALAR || v->null)
            return fail(p, v, "the value of '%.100s' in '%s' must be a string, found %s", k->text,
                        key, found(v));
        if (kind == KV_HEADERS)
            for (const char *c = v->text; *c; c++)
                if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
                    return fail(p, v, "header '%.100s' has a control character in its value",
                                k->text);
        (*out)[i].key = copy_text(p, k);
        (*out)[i].value = copy_text(p, v);
        if (!(*out)[i].key || !(*out)[i].value) return false;
    }
    return true;
}

static bool get_dir(mparse *p, const ynode *n, const char *where, mf_dir *d) {
    const char *dir = p->m->dir;
    if (n->type == YN_SCALAR && !n->null) {
        char *s = copy_text(p, n);
        if (!s) return false;
        size_t len = strlen(s);
        if (len > 3 && (!strcmp(s + len - 3, ":ro") || !strcmp(s + len - 3, ":rw"))) {
            d->read_only = s[len - 2] == 'r' && s[len - 1] == 'o';
            s[len -= 3] = '\0';
        }
        char *colon = strrchr(s, ':');
        if (!colon || colon == s || !colon[1]) {
            free(s);
            return fail(p, n, "bad directory '%.100s' in %s (expected HOST:GUEST or HOST:GUEST:ro)",
                        n->text, where);
        }
        *colon = '\0';
        d->host = resolve_path(p, dir, s);
        d->guest = strdup(colon + 1);
        free(s);
        if (!d->host || !d->guest) return nomem(p);
        return true;
    }
    if (n->type != YN_MAP)
        return fail(p, n, "a directory must be a string HOST:GUEST[:ro] or a mapping, found %s",
                    found(n));
    enum { D_HOST, D_GUEST, D_READONLY, ND };
    field f[ND] = {{.name = "host"}, {.name = "guest"}, {.name = "readonly"}};
    char in[160];
    snprintf(in, sizeof in, "a directory of %s", where);
    if (!get_fields(p, n, f, ND, in)) return false;
    for (int i = D_HOST; i <= D_GUEST; i++)
        if (!f[i].val) return fail(p, n, "missing required key '%s' in %s", f[i].name, in);
    char *host = NULL;
    if (!get_string(p, f[D_HOST].val, "host", &host)) return false;
    d->host = resolve_path(p, dir, host);
    free(host);
    if (!d->host) return false;
    if (!get_string(p, f[D_GUEST].val, "guest", &d->guest)) return false;
    if (f[D_READONLY].val && !get_bool(p, f[D_READONLY].val, "readonly", &d->read_only))
        return false;
    return true;
}

static bool get_limits(mparse *p, const ynode *n, const char *where, mf_component *c) {
    if (!want(p, n, YN_MAP, "'limits'")) return false;
    enum { L_MEMORY, L_FUEL, L_TIMEOUT, NL };
    field f[NL] = {{.name = "memory"}, {.name = "fuel"}, {.name = "timeout"}};
    char in[160];
    snprintf(in, sizeof in, "the limits of %s", where);
    if (!get_fields(p, n, f, NL, in)) return false;
    if (f[L_MEMORY].val && !get_size(p, f[L_MEMORY].val, "memory", &c->max_memory)) return false;
    if (f[L_FUEL].val && !get_uint(p, f[L_FUEL].val, "fuel", UINT64_MAX, &c->fuel)) return false;
    if (f[L_TIMEOUT].val && !get_duration(p, f[L_TIMEOUT].val, "timeout", &c->timeout_ms))
        return false;
    return true;
}

static bool get_component(mparse *p, const ynode *key, const ynode *n, mf_component *c) {
    if (!valid_id(key->text))
        return fail(p, key, "invalid component id '%.100s' (" ID_RULE ")", key->text);
    c->line = key->line;
    c->col = key->col;
    if (!(c->id = copy_text(p, key))) return false;
    char where[MANIFEST_MAX_ID + 16];
    snprintf(where, sizeof where, "component '%s'", c->id);
    if (!want(p, n, YN_MAP, where)) return false;
    enum { C_SOURCE, C_KIND, C_FUNCTION, C_CONFIG, C_ENV, C_DIRS, C_HOSTS, C_LIMITS, C_IMPORTS,
           NC };
    field f[NC] = {{.name = "source"},        {.name = "kind"},   {.name = "function"},
                   {.name = "config"},        {.name = "env"},    {.name = "dirs"},
                   {.name = "allowed_hosts"}, {.name = "limits"}, {.name = "imports"}};
    if (!get_fields(p, n, f, NC, where)) return false;
    if (!f[C_SOURCE].val) return fail(p, key, "missing required key 'source' in %s", where);
    char *source = NULL;
    if (!get_string(p, f[C_SOURCE].val, "source", &source)) return false;
    c->source = resolve_path(p, p->m->dir, source);
    free(source);
    if (!c->source) return false;
    if (f[C_KIND].val) {
        const ynode *v = f[C_KIND].val;
        if (!want(p, v, YN_SCALAR, "'kind'")) return false;
        if (!strcmp(v->text, "wagi"))
            c->kind = MF_KIND_WAGI;
        else if (!strcmp(v->text, "plugin"))
            c->kind = MF_KIND_PLUGIN;
        else if (!strcmp(v->text, "component"))
            c->kind = MF_KIND_COMPONENT;
        else
            return fail(p, v, "unknown kind '%.100s' in %s (expected wagi, plugin or component)",
                        v->text, where);
        c->kind_set = true;
    }
    if (f[C_FUNCTION].val && !get_string(p, f[C_FUNCTION].val, "function", &c->function))
        return false;
    if (f[C_CONFIG].val &&
        !get_kvs(p, f[C_CONFIG].val, "config", KV_CONFIG, &c->config, &c->nconfig))
        return false;
    if (f[C_ENV].val && !get_kvs(p, f[C_ENV].val, "env", KV_ENV, &c->env, &c->nenv)) return false;
    if (f[C_DIRS].val) {
        const ynode *v = f[C_DIRS].val;
        if (!want(p, v, YN_SEQ, "'dirs'")) return false;
        if (v->n) {
            if (!(c->dirs = calloc(v->n, sizeof *c->dirs))) return nomem(p);
            c->ndirs = v->n;
        }
        size_t i = 0;
        for (const ynode *d = v->child; d; d = d->next)
            if (!get_dir(p, d, where, &c->dirs[i++])) return false;
    }
    if (f[C_HOSTS].val) {
        const ynode *v = f[C_HOSTS].val;
        if (!want(p, v, YN_SEQ, "'allowed_hosts'")) return false;
        if (v->n) {
            if (!(c->allowed_hosts = calloc(v->n, sizeof *c->allowed_hosts))) return nomem(p);
            c->nallowed_hosts = v->n;
        }
        size_t i = 0;
        for (const ynode *h = v->child; h; h = h->next, i++) {
            if (!want(p, h, YN_SCALAR, "an allowed host")) return false;
            if (h->len == 0 || strpbrk(h->text, " \t/"))
                return fail(p, h,
                            "bad allowed host '%.100s' (expected a host name or a glob such as "
                            "*.example.com, not a URL)",
                            h->text);
            if (!(c->allowed_hosts[i] = copy_text(p, h))) return false;
        }
    }
    if (f[C_LIMITS].val && !get_limits(p, f[C_LIMITS].val, where, c)) return false;
    if (f[C_IMPORTS].val) {
        const ynode *v = f[C_IMPORTS].val;
        if (!want(p, v, YN_MAP, "'imports'")) return false;
        if (c->kind_set && c->kind != MF_KIND_COMPONENT)
            return fail(p, f[C_IMPORTS].key, "'imports' in %s, whose kind is not component",
                        where);
        if (v->n) {
            if (!(c->imports = calloc(v->n / 2, sizeof *c->imports))) return nomem(p);
        }
        for (const ynode *k = v->child; k; k = k->next->next) {
            mf_import *im = &c->imports[c->nimports++];
            im->line = k->next->line;
            im->col = k->next->col;
            if (!k->len || strpbrk(k->text, " \t"))
                return fail(p, k, "bad import name '%.100s' in %s", k->text, where);
            if (!want(p, k->next, YN_SCALAR, "the component satisfying an import")) return false;
            if (!(im->name = copy_text(p, k))) return false;
            /* the component id is resolved once every component is known (link_imports) */
            im->component = SIZE_MAX;
        }
    }
    return true;
}

/* Resolves every import's component id, now that all components are declared: it must exist and
 * not be the importing component itself (longer cycles are found when the app is linked). */
static bool link_imports(mparse *p, const ynode *comps) {
    manifest *m = p->m;
    size_t i = 0;
    for (const ynode *k = comps->child; k; k = k->next->next, i++) {
        mf_component *c = &m->components[i];
        const ynode *v = find_key(k->next, "imports");
        if (!v) continue;
        size_t j = 0;
        for (const ynode *ik = v->child; ik; ik = ik->next->next, j++) {
            const ynode *id = ik->next;
            size_t ci = 0;
            while (ci < m->ncomponents && strcmp(m->components[ci].id, id->text) != 0) ci++;
            if (ci == m->ncomponents)
                return fail(p, id, "import '%.100s' of component '%s' names unknown component "
                            "'%.100s'", ik->text, c->id, id->text);
            if (ci == i)
                return fail(p, id, "component '%s' cannot satisfy its own import '%.100s'",
                            c->id, ik->text);
            c->imports[j].component = ci;
        }
    }
    return true;
}

static bool valid_method(const char *s) {
    if (*s < 'A' || *s > 'Z') return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

static bool methods_overlap(const mf_route *a, const mf_route *b) {
    if (!a->nmethods || !b->nmethods) return true;
    for (size_t i = 0; i < a->nmethods; i++)
        for (size_t j = 0; j < b->nmethods; j++)
            if (!strcmp(a->methods[i], b->methods[j])) return true;
    return false;
}

static bool get_route(mparse *p, const ynode *n, mf_route *r) {
    if (!want(p, n, YN_MAP, "an HTTP route")) return false;
    r->line = n->line;
    r->col = n->col;
    const ynode *pat = find_key(n, "route");
    char where[160];
    if (pat && pat->type == YN_SCALAR && !pat->null)
        snprintf(where, sizeof where, "route '%.100s'", pat->text);
    else
        snprintf(where, sizeof where, "an HTTP route");
    enum { R_ROUTE, R_COMPONENT, R_METHODS, R_HEADERS, NR };
    field f[NR] = {
        {.name = "route"}, {.name = "component"}, {.name = "methods"}, {.name = "headers"}};
    if (!get_fields(p, n, f, NR, where)) return false;
    for (int i = R_ROUTE; i <= R_COMPONENT; i++)
        if (!f[i].val) return fail(p, n, "missing required key '%s' in %s", f[i].name, where);
    if (!get_string(p, f[R_ROUTE].val, "route", &r->pattern)) return false;
    char *rerr = NULL;
    if (!(r->compiled = route_compile(r->pattern, &rerr))) {
        if (!rerr) return nomem(p);
        fail(p, f[R_ROUTE].val, "invalid route '%.100s': %s", r->pattern, rerr);
        free(rerr);
        return false;
    }
    const ynode *comp = f[R_COMPONENT].val;
    if (!want(p, comp, YN_SCALAR, "'component'")) return false;
    const manifest *m = p->m;
    size_t ci = 0;
    while (ci < m->ncomponents && strcmp(m->components[ci].id, comp->text) != 0) ci++;
    if (ci == m->ncomponents)
        return fail(p, comp, "%s names unknown component '%.100s'", where, comp->text);
    r->component = ci;
    if (f[R_METHODS].val) {
        const ynode *v = f[R_METHODS].val;
        if (!want(p, v, YN_SEQ, "'methods'")) return false;
        if (!v->n)
            return fail(p, v,
                        "'methods' must list at least one method (leave it out to allow any)");
        if (!(r->methods = calloc(v->n, sizeof *r->methods))) return nomem(p);
        r->nmethods = v->n;
        size_t i = 0;
        for (const ynode *mt = v->child; mt; mt = mt->next, i++) {
            if (!want(p, mt, YN_SCALAR, "a method")) return false;
            if (!valid_method(mt->text))
                return fail(p, mt, "bad method '%.100s' (expected an uppercase token such as GET)",
                            mt->text);
            for (size_t j = 0; j < i; j++)
                if (!strcmp(r->methods[j], mt->text))
                    return fail(p, mt, "duplicate method '%s'", mt->text);
            if (!(r->methods[i] = copy_text(p, mt))) return false;
        }
    }
    if (f[R_HEADERS].val &&
        !get_kvs(p, f[R_HEADERS].val, "headers", KV_HEADERS, &r->headers, &r->nheaders))
        return false;
    return true;
}

static bool get_http(mparse *p, const ynode *n) {
    manifest *m = p->m;
    if (!want(p, n, YN_MAP, "'http'")) return false;
    enum { H_LISTEN, H_ADMIN, H_WORKERS, H_QUEUE, H_BODY, H_HEADER, H_IDLE, NH };
    field f[NH] = {{.name = "listen"},      {.name = "admin"},    {.name = "workers"},
                   {.name = "queue"},       {.name = "max_body"}, {.name = "max_header"},
                   {.name = "idle_timeout"}};
    if (!get_fields(p, n, f, NH, "'http'")) return false;
    uint64_t v;
    if (f[H_LISTEN].val && !get_addr(p, f[H_LISTEN].val, "listen", &m->listen)) return false;
    if (f[H_ADMIN].val && !get_addr(p, f[H_ADMIN].val, "admin", &m->admin)) return false;
    if (f[H_WORKERS].val) {
        if (!get_uint(p, f[H_WORKERS].val, "workers", MANIFEST_MAX_WORKERS, &v)) return false;
        m->workers = (unsigned)v;
    }
    if (f[H_QUEUE].val) {
        if (!get_uint(p, f[H_QUEUE].val, "queue", MANIFEST_MAX_QUEUE, &v)) return false;
        m->queue = (unsigned)v;
    }
    if (f[H_BODY].val && !get_size(p, f[H_BODY].val, "max_body", &m->max_body)) return false;
    if (f[H_HEADER].val && !get_size(p, f[H_HEADER].val, "max_header", &m->max_header))
        return false;
    if (f[H_IDLE].val && !get_duration(p, f[H_IDLE].val, "idle_timeout", &m->idle_timeout_ms))
        return false;
    return true;
}

static bool get_triggers(mparse *p, const ynode *n) {
    manifest *m = p->m;
    if (!want(p, n, YN_MAP, "'triggers'")) return false;
    field f[] = {{.name = "http"}};
    if (!get_fields(p, n, f, 1, "'triggers'")) return false;
    const ynode *v = f[0].val;
    if (!v) return fail(p, n, "missing required key 'http' in 'triggers'");
    if (!want(p, v, YN_SEQ, "'http' in 'triggers'")) return false;
    if (!v->n) return fail(p, v, "'http' in 'triggers' must list at least one route");
    if (!(m->routes = calloc(v->n, sizeof *m->routes))) return nomem(p);
    m->nroutes = v->n;
    size_t i = 0;
    for (const ynode *r = v->child; r; r = r->next)
        if (!get_route(p, r, &m->routes[i++])) return false;
    /* Two routes matching the same paths must not share a method: neither would be reachable. */
    for (size_t j = 1; j < m->nroutes; j++)
        for (i = 0; i < j; i++) {
            const mf_route *a = &m->routes[i], *b = &m->routes[j];
            if (route_cmp(a->compiled, b->compiled) == 0 && methods_overlap(a, b))
                return fail_at(p, b->line, b->col,
                               "route '%.100s' duplicates route '%.100s' at line %d (same paths, "
                               "overlapping methods)",
                               b->pattern, a->pattern, a->line);
        }
    return true;
}

static bool get_manifest(mparse *p, const ynode *root) {
    manifest *m = p->m;
    if (!root || (root->type == YN_SCALAR && root->null))
        return fail_at(p, root ? root->line : 1, root ? root->col : 1,
                       "empty manifest (expected a mapping with 'name', 'components' and "
                       "'triggers')");
    if (!want(p, root, YN_MAP, "the manifest")) return false;
    enum { T_NAME, T_HTTP, T_COMPONENTS, T_TRIGGERS, NT };
    field f[NT] = {
        {.name = "name"}, {.name = "http"}, {.name = "components"}, {.name = "triggers"}};
    if (!get_fields(p, root, f, NT, "the manifest")) return false;
    for (int i = 0; i < NT; i++)
        if (i != T_HTTP && !f[i].val)
            return fail(p, root, "missing required key '%s' in the manifest", f[i].name);
    if (!get_string(p, f[T_NAME].val, "name", &m->name)) return false;
    if (!valid_id(m->name))
        return fail(p, f[T_NAME].val, "invalid name '%.100s' (" ID_RULE ")", m->name);
    if (f[T_HTTP].val && !get_http(p, f[T_HTTP].val)) return false;
    const ynode *comps = f[T_COMPONENTS].val;
    if (!want(p, comps, YN_MAP, "'components'")) return false;
    if (!comps->n) return fail(p, comps, "'components' must declare at least one component");
    if (!(m->components = calloc(comps->n / 2, sizeof *m->components))) return nomem(p);
    m->ncomponents = comps->n / 2;
    size_t i = 0;
    for (const ynode *k = comps->child; k; k = k->next->next)
        if (!get_component(p, k, k->next, &m->components[i++])) return false;
    if (!link_imports(p, comps)) return false;
    return get_triggers(p, f[T_TRIGGERS].val);
}

/* ---- API --------------------------------------------------------------------------------- */

static bool set_defaults(manifest *m) {
    m->listen = strdup(MANIFEST_DEFAULT_LISTEN);
    m->queue = MANIFEST_DEFAULT_QUEUE;
    m->max_body = MANIFEST_DEFAULT_MAX_BODY;
    m->max_header = MANIFEST_DEFAULT_MAX_HEADER;
    m->idle_timeout_ms = MANIFEST_DEFAULT_IDLE_MS;
    return m->listen != NULL;
}

manifest *manifest_new(void) {
    manifest *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->path = strdup("");
    m->dir = strdup(".");
    m->name = strdup("");
    if (!set_defaults(m) || !m->path || !m->dir || !m->name) {
        manifest_free(m);
        return NULL;
    }
    return m;
}

static void free_kvs(mf_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void manifest_free(manifest *m) {
    if (!m) return;
    for (size_t i = 0; i < m->ncomponents; i++) {
        mf_component *c = &m->components[i];
        free(c->id);
        free(c->source);
        free(c->function);
        for (size_t j = 0; j < c->nimports; j++) free(c->imports[j].name);
        free(c->imports);
        free_kvs(c->config, c->nconfig);
        free_kvs(c->env, c->nenv);
        for (size_t j = 0; j < c->ndirs; j++) {
            free(c->dirs[j].host);
            free(c->dirs[j].guest);
        }
        free(c->dirs);
        for (size_t j = 0; j < c->nallowed_hosts; j++) free(c->allowed_hosts[j]);
        free(c->allowed_hosts);
    }
    free(m->components);
    for (size_t i = 0; i < m->nroutes; i++) {
        mf_route *r = &m->routes[i];
        free(r->pattern);
        route_free(r->compiled);
        for (size_t j = 0; j < r->nmethods; j++) free(r->methods[j]);
        free(r->methods);
        free_kvs(r->headers, r->nheaders);
    }
    free(m->routes);
    free(m->path);
    free(m->dir);
    free(m->name);
    free(m->listen);
    free(m->admin);
    free(m);
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag, (void)user, (void)buf, (void)len;
}

/* Whether text is UTF-8 (no overlong forms, surrogates or code points past U+10FFFF); if not,
 * the 1-based line and column (in characters) of the first bad byte. */
static bool utf8_valid(const char *text, size_t len, size_t *line, size_t *col) {
    const unsigned char *s = (const unsigned char *)text;
    *line = *col = 1;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || n > len - i) return false;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
        i += n;
    }
    return true;
}

manifest *manifest_parse(const char *text, size_t len, const char *path, char **err) {
    mparse p = {.path = path ? path : ""};
    if (err) *err = NULL;
    if (!text) text = "", len = 0;
    manifest *m = NULL;
    if (len > MANIFEST_MAX_BYTES) {
        fail_at(&p, 1, 1, "manifest larger than %u bytes", MANIFEST_MAX_BYTES);
        goto done;
    }
    /* libfyaml 0.7.12 loops forever on some invalid UTF-8 (a '%' directive followed by a bad
     * byte, found by fuzz-http): text that is not UTF-8 never reaches it. */
    size_t bad_line, bad_col;
    if (!utf8_valid(text, len, &bad_line, &bad_col)) {
        fail_at(&p, (int)bad_line, (int)bad_col, "invalid UTF-8 (a manifest is UTF-8 text)");
        goto done;
    }
    if (!(m = p.m = calloc(1, sizeof *m))) {
        nomem(&p);
        goto done;
    }
    m->path = strdup(p.path);
    m->dir = dir_of(p.path);
    if (!set_defaults(m) || !m->path || !m->dir) {
        nomem(&p);
        goto done;
    }
    /* libfyaml's diagnostics are collected for our message, never printed. */
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.level = FYET_ERROR;
    if (!(p.diag = fy_diag_create(&dc))) {
        nomem(&p);
        goto done;
    }
    fy_diag_set_collect_errors(p.diag, true);
    struct fy_parse_cfg pc = {.flags = FYPCF_QUIET, .diag = p.diag};
    if (!(p.fyp = fy_parser_create(&pc)) || fy_parser_set_string(p.fyp, text, len) != 0) {
        nomem(&p);
        goto done;
    }
    ynode *root = read_document(&p);
    if (!p.failed) get_manifest(&p, root);
done:
    if (p.fyp) fy_parser_destroy(p.fyp);
    if (p.diag) fy_diag_destroy(p.diag);
    while (p.blocks) {
        block *b = p.blocks;
        p.blocks = b->next;
        free(b);
    }
    if (p.failed) {
        manifest_free(m);
        m = NULL;
        if (err)
            *err = p.err;
        else
            free(p.err);
    }
    return m;
}

manifest *manifest_load(const char *path, char **err) {
    if (err) *err = NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) goto fail_io;
    for (;;) {
        if (len > MANIFEST_MAX_BYTES) break; /* manifest_parse reports the limit */
        if (len == cap) {
            cap = cap ? cap * 2 : 16384;
            char *t = realloc(text, cap);
            if (!t) {
                errno = ENOMEM;
                goto fail_io;
            }
            text = t;
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) goto fail_io;
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    manifest *m = manifest_parse(text, len, path, err);
    free(text);
    return m;
fail_io:;
    int e = errno;
    if (fd >= 0) close(fd);
    free(text);
    if (err) *err = format("%s: cannot read manifest: %s", path, strerror(e));
    return NULL;
}

long manifest_match(const manifest *m, const char *method, const char *path, size_t len,
                    route_param *params, size_t *nparams, bool *wrong_method) {
    long best = -1;
    bool path_matched = false;
    for (size_t i = 0; i < m->nroutes; i++) {
        const mf_route *r = &m->routes[i];
        if (!r->compiled || !route_match(r->compiled, path, len, NULL, NULL)) continue;
        path_matched = true;
        bool allowed = r->nmethods == 0;
        for (size_t j = 0; j < r->nmethods && !allowed; j++) /* a GET route answers HEAD too */
            allowed = !strcmp(r->methods[j], method) ||
                      (!strcmp(method, "HEAD") && !strcmp(r->methods[j], "GET"));
        if (!allowed) continue;
        if (best < 0 || route_cmp(r->compiled, m->routes[best].compiled) < 0) best = (long)i;
    }
    if (wrong_method) *wrong_method = best < 0 && path_matched;
    if (best >= 0)
        route_match(m->routes[best].compiled, path, len, params, nparams);
    else if (nparams)
        *nparams = 0;
    return best;
}
