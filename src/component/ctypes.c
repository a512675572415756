/* ctypes.c: arenas for component types and values, the shared primitive types, type
 * descriptions for messages, and value equality. */
#include <stdlib.h>
#include <string.h>

#include "component/ctypes.h"

/* ---- arenas: chunks of at least 4 KiB, freed together ----------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

typedef struct arena {
    chunk *head;
    size_t total, limit; /* bytes handed out; limit 0 = none */
} arena;

static void *arena_alloc(arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (n == 0) n = 8;
    if (a->limit && (n > a->limit || a->total > a->limit - n)) return NULL;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 4096 - sizeof(chunk) ? n : 4096 - sizeof(chunk);
        if (c && cap < c->cap * 2 && c->cap * 2 < (1u << 20)) cap = c->cap * 2;
        if (!(c = malloc(sizeof(chunk) + cap))) return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

static void arena_release(arena *a) {
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
}

struct ct_arena {
    arena mem;
    ct_type prims[CT_STRING + 1];
};

struct weft_cval_arena {
    arena mem;
};

ct_arena *ct_arena_new(void) {
    ct_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    for (int k = CT_BOOL; k <= CT_STRING; k++) a->prims[k].kind = (ct_kind)k;
    return a;
}

void ct_arena_free(ct_arena *a) {
    if (!a) return;
    arena_release(&a->mem);
    free(a);
}

void *ct_alloc(ct_arena *a, size_t n) { return arena_alloc(&a->mem, n); }

char *ct_strndup(ct_arena *a, const char *s, size_t len) {
    char *p = arena_alloc(&a->mem, len + 1);
    if (p && len) memcpy(p, s, len);
    return p;
}

ct_type *ct_new(ct_arena *a, ct_kind k) {
    ct_type *t = arena_alloc(&a->mem, sizeof *t);
    if (t) t->kind = k;
    return t;
}

const ct_type *ct_prim(ct_arena *a, ct_kind k) {
    return k <= CT_STRING ? &a->prims[k] : NULL;
}

const ct_type *ct_resolve(const ct_type *t) {
    for (int hops = 0; t && t->kind == CT_ALIAS && hops < 1000; hops++) t = t->elem;
    return t;
}

cv_arena *cv_arena_new(void) { return calloc(1, sizeof(cv_arena)); }

void cv_arena_free(cv_arena *a) {
    if (!a) return;
    arena_release(&a->mem);
    free(a);
}

void *cv_alloc(cv_arena *a, size_t n) { return arena_alloc(&a->mem, n); }
void cv_arena_reset(cv_arena *a) {
    chunk *keep = a->mem.head;
    if (!keep) return;
    for (chunk *c = keep->next, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    keep->next = NULL;
    keep->used = 0;
    a->mem.total = 0;
}

void cv_arena_set_limit(cv_arena *a, size_t bytes) { a->mem.limit = bytes; }

/* ---- descriptions --------------------------------------------------------------------------- */

static const char *const prim_names[] = {
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string",
};

typedef struct out {
    char *buf;
    size_t len, at;
} out;

static void put(out *o, const char *s) {
    for (; *s; s++) {
        if (o->at + 1 < o->len) o->buf[o->at] = *s;
        o->at++;
    }
    if (o->len) o->buf[o->at + 1 < o->len ? o->at : o->len - 1] = 0;
}

static void describe(out *o, const ct_type *t, int depth) {
    if (!t) {
        put(o, "_");
        return;
    }
    if (depth > 8) {
        put(o, "...");
        return;
    }
    if (t->kind <= CT_STRING) {
        put(o, prim_names[t->kind]);
        return;
    }
    if (t->name && t->kind != CT_OWN && t->kind != CT_BORROW) {
        put(o, t->name);
        return;
    }
    switch (t->kind) {
    case CT_LIST: put(o, "list<"); describe(o, t->elem, depth + 1); put(o, ">"); break;
    case CT_OPTION: put(o, "option<"); describe(o, t->elem, depth + 1); put(o, ">"); break;
    case CT_OWN: put(o, "own<"); describe(o, t->elem, depth + 1); put(o, ">"); break;
    case CT_BORROW: put(o, "borrow<"); describe(o, t->elem, depth + 1); put(o, ">"); break;
    case CT_ALIAS: describe(o, t->elem, depth + 1); break;
    case CT_RESULT:
        put(o, "result");
        if (t->ok || t->err) {
            put(o, "<");
            describe(o, t->ok, depth + 1);
            if (t->err) {
                put(o, ", ");
                describe(o, t->err, depth + 1);
            }
            put(o, ">");
        }
        break;
    case CT_TUPLE:
        put(o, "tuple<");
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (i) put(o, ", ");
            describe(o, t->fields[i].type, depth + 1);
        }
        put(o, ">");
        break;
    default: {
        static const char *const kinds[] = {[CT_RECORD] = "record", [CT_VARIANT] = "variant",
                                            [CT_ENUM] = "enum", [CT_FLAGS] = "flags",
                                            [CT_RESOURCE] = "resource"};
        put(o, kinds[t->kind] ? kinds[t->kind] : "?");
        break;
    }
    }
}

const char *ct_describe(const ct_type *t, char *buf, size_t len) {
    out o = {buf, len, 0};
    if (len) buf[0] = 0;
    describe(&o, t, 0);
    return buf;
}

/* ---- type equality -------------------------------------------------------------------------- */

static bool same_name(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool type_equal(const ct_type *a, const ct_type *b, int depth) {
    a = ct_resolve(a);
    b = ct_resolve(b);
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind || depth > 100) return false;
    switch (a->kind) {
    case CT_LIST: case CT_OPTION: case CT_OWN: case CT_BORROW:
        return type_equal(a->elem, b->elem, depth + 1);
    case CT_RESULT:
        return type_equal(a->ok, b->ok, depth + 1) && type_equal(a->err, b->err, depth + 1);
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT: case CT_ENUM: case CT_FLAGS:
        if (a->nfields != b->nfields) return false;
        for (uint32_t i = 0; i < a->nfields; i++)
            if ((a->kind != CT_TUPLE && !same_name(a->fields[i].name, b->fields[i].name)) ||
                !type_equal(a->fields[i].type, b->fields[i].type, depth + 1))
                return false;
        return true;
    case CT_RESOURCE: /* by name: handles are not yet tied to their resource type's identity */
        return a->name && b->name && strcmp(a->name, b->name) == 0;
    default: return a->kind <= CT_STRING;
    }
}

bool ct_type_equal(const ct_type *a, const ct_type *b) { return type_equal(a, b, 0); }

bool ct_func_equal(const ct_func *a, const ct_func *b) {
    if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (!same_name(a->params[i].name, b->params[i].name) ||
            !type_equal(a->params[i].type, b->params[i].type, 0))
            return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (!same_name(a->results[i].name, b->results[i].name) ||
            !type_equal(a->results[i].type, b->results[i].type, 0))
            return false;
    return true;
}

/* ---- equality ------------------------------------------------------------------------------- */

bool cv_equal(const cv *a, const cv *b) {
    const ct_type *t = ct_resolve(a->type);
    if (t != ct_resolve(b->type) && (!t || !b->type || t->kind != ct_resolve(b->type)->kind))
        return false;
    switch (t->kind) {
    case CT_BOOL: return a->of.b == b->of.b;
    case CT_S8: case CT_S16: case CT_S32: case CT_S64: return a->of.s == b->of.s;
    case CT_U8: case CT_U16: case CT_U32: case CT_U64: return a->of.u == b->of.u;
    case CT_F32: return memcmp(&a->of.f32, &b->of.f32, 4) == 0 || (a->of.f32 != a->of.f32 && b->of.f32 != b->of.f32);
    case CT_F64: return memcmp(&a->of.f64, &b->of.f64, 8) == 0 || (a->of.f64 != a->of.f64 && b->of.f64 != b->of.f64);
    case CT_CHAR: return a->of.ch == b->of.ch;
    case CT_STRING:
        return a->of.str.len == b->of.str.len &&
               (a->of.str.len == 0 || memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len) == 0);
    case CT_LIST: case CT_TUPLE: case CT_RECORD:
        if (a->of.seq.n != b->of.seq.n) return false;
        for (size_t i = 0; i < a->of.seq.n; i++)
            if (!cv_equal(&a->of.seq.items[i], &b->of.seq.items[i])) return false;
        return true;
    case CT_OPTION: case CT_RESULT: case CT_VARIANT: case CT_ENUM:
        if (a->of.var.disc != b->of.var.disc) return false;
        if (!a->of.var.payload || !b->of.var.payload) return a->of.var.payload == b->of.var.payload;
        return cv_equal(a->of.var.payload, b->of.var.payload);
    case CT_FLAGS:
        for (uint32_t i = 0; i < (t->nfields + 31) / 32; i++)
            if (a->of.flags.words[i] != b->of.flags.words[i]) return false;
        return true;
    case CT_OWN: case CT_BORROW: return a->of.handle == b->of.handle;
    default: return false;
    }
}
