/* test_abi.c: unit tests of the canonical ABI (src/component/abi.c): sizes, alignments and
 * flattenings checked against values worked out by hand from CanonicalABI.md; round trips of
 * every type kind through memory and through flat values; the spill rules of whole calls; hostile
 * guests (bad pointers, lengths, alignment, UTF-8, discriminants, chars) each ending in a clean
 * error; and a real guest whose cabi_realloc grows its memory while values are lowered into it.
 * The fake guest memory is malloc'd at its exact size, so under ASan any read past it is caught.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "component/abi.h"
#include "component/ctypes.h"
#include "types.h"

/* ---- building types ------------------------------------------------------------------------- */

static char *name_of(const char *prefix, uint32_t i) {
    char b[32];
    int n = snprintf(b, sizeof b, "%s%u", prefix, i);
    return ct_strndup(A, b, (size_t)n);
}

/* enum or flags (or a variant without payloads) of n generated labels c0, c1, ... */
static ct_type *T_LABELS(ct_kind k, uint32_t n) {
    ct_type *t = ct_new(A, k);
    t->name = k == CT_FLAGS ? "fl" : "en";
    t->fields = ct_alloc(A, sizeof(ct_field) * (n ? n : 1));
    t->nfields = n;
    for (uint32_t i = 0; i < n; i++) t->fields[i].name = name_of("c", i);
    return t;
}

static const ct_type *T_OWN(void) {
    ct_type *r = ct_new(A, CT_RESOURCE);
    r->name = "res";
    return T1(CT_OWN, r);
}

/* ---- a fake guest: memory and cabi_realloc -------------------------------------------------- */

#define MEM_SIZE 65536

typedef enum { REALLOC_OK, REALLOC_MISALIGNED, REALLOC_PAST_END, REALLOC_TRAP } realloc_mode;

typedef struct fake {
    uint8_t *mem;
    uint32_t bump;
    realloc_mode mode;
    int calls;
} fake;

static weft_error *fake_realloc(void *user, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                uint32_t new_size, uint32_t *out) {
    fake *f = user;
    (void)old_ptr, (void)old_size;
    f->calls++;
    switch (f->mode) {
    case REALLOC_MISALIGNED: *out = f->bump | 1; return NULL;
    case REALLOC_PAST_END: *out = MEM_SIZE - 2; return NULL;
    case REALLOC_TRAP: return weft_trap_new("guest says no");
    default: break;
    }
    uint64_t p = ((uint64_t)f->bump + align - 1) / align * align;
    if (p + new_size > MEM_SIZE) return weft_trap_new("fake realloc: out of memory");
    f->bump = (uint32_t)(p + new_size);
    *out = (uint32_t)p;
    return NULL;
}

typedef struct fixture {
    fake f;
    cv_arena *arena;
    abi_cx cx;
} fixture;

static void fx_init(fixture *x) {
    memset(x, 0, sizeof *x);
    x->f.mem = calloc(1, MEM_SIZE);
    x->f.bump = 16;
    x->arena = cv_arena_new();
    abi_cx_init(&x->cx, NULL, x->arena);
    x->cx.mem = x->f.mem;
    x->cx.mem_size = MEM_SIZE;
    x->cx.realloc = fake_realloc;
    x->cx.realloc_user = &x->f;
}

static void fx_free(fixture *x) {
    free(x->f.mem);
    cv_arena_free(x->arena);
}

static uint32_t fx_alloc(fixture *x, uint32_t align, uint64_t size) {
    uint32_t p = 0;
    weft_error *e = fake_realloc(&x->f, 0, 0, align, (uint32_t)size, &p);
    weft_error_free(e);
    return p;
}

static void put32(fixture *x, uint32_t at, uint32_t v) {
    for (int i = 0; i < 4; i++) x->f.mem[at + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(fixture *x, uint32_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)x->f.mem[at + i] << (8 * i);
    return v;
}

/* Checks that e is an error of the kind with a message containing what; frees it. */
static bool check_error_at(weft_error *e, weft_error_kind kind, const char *what, const char *file,
                           int line) {
    bool ok = check_at(e != NULL, file, line, "an error was returned");
    if (e) {
        ok &= check_int_at(weft_error_kind_of(e), kind, file, line, "kind", "expected kind");
        ok &= check_contains_at(weft_error_message(e), what, file, line, "message");
    }
    weft_error_free(e);
    return ok;
}
#define CHECK_ERR(e, kind, what) check_error_at((e), (kind), (what), __FILE__, __LINE__)
#define CHECK_TRAP(e, what) CHECK_ERR((e), WEFT_ERR_TRAP, (what))

static bool check_ok_at(weft_error *e, const char *file, int line) {
    if (e) fprintf(stderr, "  unexpected error: %s\n", weft_error_message(e));
    bool ok = check_at(e == NULL, file, line, "no error");
    weft_error_free(e);
    return ok;
}
#define CHECK_OK(e) check_ok_at((e), __FILE__, __LINE__)

/* ---- building values ------------------------------------------------------------------------ */

static cv V(fixture *x, const ct_type *t) {
    (void)x;
    cv v;
    memset(&v, 0, sizeof v);
    v.type = ct_resolve(t);
    return v;
}

static cv v_u(fixture *x, ct_kind k, uint64_t u) {
    cv v = V(x, P(k));
    v.of.u = u;
    return v;
}

static cv v_str(fixture *x, const char *s) {
    cv v = V(x, P(CT_STRING));
    size_t n = strlen(s);
    char *p = cv_alloc(x->arena, n + 1);
    memcpy(p, s, n);
    v.of.str.ptr = p;
    v.of.str.len = n;
    return v;
}

static cv v_seq(fixture *x, const ct_type *t, size_t n, const cv *items) {
    cv v = V(x, t);
    v.of.seq.items = cv_alloc(x->arena, sizeof(cv) * (n ? n : 1));
    if (n) memcpy(v.of.seq.items, items, n * sizeof(cv));
    v.of.seq.n = n;
    return v;
}

static cv v_case(fixture *x, const ct_type *t, uint32_t disc, const cv *payload) {
    cv v = V(x, t);
    v.of.var.disc = disc;
    if (payload) {
        v.of.var.payload = cv_alloc(x->arena, sizeof(cv));
        *v.of.var.payload = *payload;
    }
    return v;
}

/* Random values of any type, from a fixed seed. */

static uint32_t rnd_char(void) {
    static const uint32_t picks[] = {'a', 'Z', '0', ' ', '"', '\\', '\n', 0, 0x7f, 0xe9, 0x3c0,
                                     0x20ac, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x1f600, 0x10ffff};
    if (rnd() % 2) return picks[rnd() % (sizeof picks / sizeof *picks)];
    for (;;) {
        uint32_t c = (uint32_t)(rnd() % 0x110000);
        if (c < 0xd800 || c > 0xdfff) return c;
    }
}

static cv rand_value(fixture *x, const ct_type *t, int depth) {
    t = ct_resolve(t);
    cv v = V(x, t);
    switch (t->kind) {
    case CT_BOOL: v.of.b = rnd() & 1; break;
    case CT_U8: v.of.u = (uint8_t)rnd(); break;
    case CT_U16: v.of.u = (uint16_t)rnd(); break;
    case CT_U32: v.of.u = (uint32_t)rnd(); break;
    case CT_U64: v.of.u = rnd(); break;
    case CT_S8: v.of.s = (int8_t)rnd(); break;
    case CT_S16: v.of.s = (int16_t)rnd(); break;
    case CT_S32: v.of.s = (int32_t)rnd(); break;
    case CT_S64: v.of.s = (int64_t)rnd(); break;
    case CT_F32: {
        uint32_t b = (uint32_t)rnd();
        memcpy(&v.of.f32, &b, 4);
        break;
    }
    case CT_F64: {
        uint64_t b = rnd();
        memcpy(&v.of.f64, &b, 8);
        break;
    }
    case CT_CHAR: v.of.ch = rnd_char(); break;
    case CT_STRING: {
        size_t n = rnd() % 6, len = 0;
        char *s = cv_alloc(x->arena, n * 4 + 1);
        for (size_t i = 0; i < n; i++) len += utf8_put(rnd_char(), s + len);
        v.of.str.ptr = s;
        v.of.str.len = len;
        break;
    }
    case CT_LIST: {
        size_t n = depth > 3 ? 0 : rnd() % 4;
        v.of.seq.items = cv_alloc(x->arena, sizeof(cv) * (n ? n : 1));
        v.of.seq.n = n;
        for (size_t i = 0; i < n; i++) v.of.seq.items[i] = rand_value(x, t->elem, depth + 1);
        break;
    }
    case CT_TUPLE: case CT_RECORD:
        v.of.seq.items = cv_alloc(x->arena, sizeof(cv) * (t->nfields ? t->nfields : 1));
        v.of.seq.n = t->nfields;
        for (uint32_t i = 0; i < t->nfields; i++)
            v.of.seq.items[i] = rand_value(x, t->fields[i].type, depth + 1);
        break;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t disc = (uint32_t)(rnd() % abi_case_count(t));
        const ct_type *c = abi_case_type(t, disc);
        cv pl;
        if (c) pl = rand_value(x, c, depth + 1);
        v = v_case(x, t, disc, c ? &pl : NULL);
        break;
    }
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        v.of.flags.words = cv_alloc(x->arena, 4 * (nw ? nw : 1));
        for (uint32_t i = 0; i < nw; i++) v.of.flags.words[i] = (uint32_t)rnd();
        if (t->nfields % 32) v.of.flags.words[nw - 1] &= (1u << (t->nfields % 32)) - 1;
        break;
    }
    case CT_OWN: case CT_BORROW: v.of.handle = (uint32_t)rnd(); break;
    default: break;
    }
    return v;
}

/* ---- round trips ---------------------------------------------------------------------------- */

/* Store v at a fresh place in memory, load it back, compare. */
static bool roundtrip_mem(fixture *x, const ct_type *t, const cv *v) {
    uint32_t p = fx_alloc(x, abi_align(t), abi_size(t));
    cv back;
    weft_error *e = abi_store(&x->cx, t, p, v);
    if (!CHECK_OK(e)) return false;
    e = abi_load(&x->cx, t, p, &back);
    if (!CHECK_OK(e)) return false;
    return CHECK(cv_equal(v, &back));
}

/* Lower v to flat values of the types abi_flatten says, lift them back, compare. */
static bool roundtrip_flat(fixture *x, const ct_type *t, const cv *v) {
    weft_valtype types[ABI_MAX_FLAT];
    weft_val vals[ABI_MAX_FLAT];
    size_t nt = abi_flatten(t, types, ABI_MAX_FLAT), n = 0, used = 0;
    if (nt > ABI_MAX_FLAT) return true; /* too wide to pass flat: memory only */
    if (!CHECK_OK(abi_lower_flat(&x->cx, t, v, vals, ABI_MAX_FLAT, &n))) return false;
    bool ok = CHECK_EQ_INT(n, nt);
    for (size_t i = 0; i < n && i < nt; i++) ok &= CHECK_EQ_INT(vals[i].type, types[i]);
    cv back;
    if (!CHECK_OK(abi_lift_flat(&x->cx, t, vals, n, &used, &back))) return false;
    ok &= CHECK_EQ_INT(used, n);
    return ok && CHECK(cv_equal(v, &back));
}

/* ---- layout --------------------------------------------------------------------------------- */

typedef struct layout_case {
    const char *what;
    const ct_type *t;
    uint64_t size;
    uint32_t align;
    const char *flat; /* one letter per flat value: i (i32), I (i64), f (f32), F (f64) */
} layout_case;

static char flat_letter(weft_valtype v) {
    return v == WEFT_I32   ? 'i'
           : v == WEFT_I64 ? 'I'
           : v == WEFT_F32 ? 'f'
           : v == WEFT_F64 ? 'F'
                           : '?';
}

static void test_layout(void) {
    const ct_type *u8 = P(CT_U8), *u16 = P(CT_U16), *u32 = P(CT_U32), *u64 = P(CT_U64);
    const ct_type *f32 = P(CT_F32), *f64 = P(CT_F64), *str = P(CT_STRING);
    /* Each worked out by hand from CanonicalABI.md's size/alignment/flatten definitions. */
    const layout_case cases[] = {
        {"bool", P(CT_BOOL), 1, 1, "i"},
        {"u8", u8, 1, 1, "i"},
        {"s16", P(CT_S16), 2, 2, "i"},
        {"u32", u32, 4, 4, "i"},
        {"s64", P(CT_S64), 8, 8, "I"},
        {"f32", f32, 4, 4, "f"},
        {"f64", f64, 8, 8, "F"},
        {"char", P(CT_CHAR), 4, 4, "i"},
        {"string", str, 8, 4, "ii"},
        {"list<u8>", T_LIST(u8), 8, 4, "ii"},
        {"list<f64>", T_LIST(f64), 8, 4, "ii"},
        /* u8 at 0, u32 at 4 */
        {"tuple<u8, u32>", T_TUPLE(2, u8, u32), 8, 4, "ii"},
        {"tuple<>", T_TUPLE(0), 0, 1, ""},
        /* a@0, b@8, c@16, size 18 rounded to 24 */
        {"record {a: u8, b: u64, c: u16}",
         T_NAMED(CT_RECORD, "r", 3, "a", u8, "b", u64, "c", u16), 24, 8, "iIi"},
        /* tuple<u16, u8> is 4 bytes aligned 2: x@0, y@2, z@6, size 7 rounded to 8 */
        {"record {x: u8, y: tuple<u16, u8>, z: u8}",
         T_NAMED(CT_RECORD, "r2", 3, "x", u8, "y", T_TUPLE(2, u16, u8), "z", u8), 8, 2, "iiii"},
        /* discriminant u8 at 0, payload at 1 */
        {"option<u8>", T_OPTION(u8), 2, 1, "ii"},
        /* payload aligned to 8 */
        {"option<u64>", T_OPTION(u64), 16, 8, "iI"},
        {"option<option<u8>>", T_OPTION(T_OPTION(u8)), 3, 1, "iii"},
        /* payload at 4, the bigger case (string) 8 bytes */
        {"result<u32, string>", T_RESULT(u32, str), 12, 4, "iii"},
        {"result", T_RESULT(NULL, NULL), 1, 1, "i"},
        {"result<_, f32>", T_RESULT(NULL, f32), 8, 4, "if"},
        /* join(f32, i64) = i64 */
        {"variant {a(f32), b(u64), c}",
         T_NAMED(CT_VARIANT, "v1", 3, "a", f32, "b", u64, "c", NULL), 16, 8, "iI"},
        /* join(f32, i32) = i32 */
        {"variant {a(f32), b(u32)}", T_NAMED(CT_VARIANT, "v2", 2, "a", f32, "b", u32), 8, 4, "ii"},
        /* [f64] joined with [f32, f32]: join(f64, f32) = i64, then f32 */
        {"variant {a(f64), b(tuple<f32, f32>)}",
         T_NAMED(CT_VARIANT, "v3", 2, "a", f64, "b", T_TUPLE(2, f32, f32)), 16, 8, "iIf"},
        /* [i32 i32] (string) joined with [f32]: i32, i32 */
        {"variant {s(string), x(f32)}", T_NAMED(CT_VARIANT, "v4", 2, "s", str, "x", f32), 12, 4,
         "iii"},
        {"enum of 3", T_LABELS(CT_ENUM, 3), 1, 1, "i"},
        {"enum of 256", T_LABELS(CT_ENUM, 256), 1, 1, "i"},
        {"enum of 257", T_LABELS(CT_ENUM, 257), 2, 2, "i"},
        {"enum of 65537", T_LABELS(CT_ENUM, 65537), 4, 4, "i"},
        {"flags of 0", T_LABELS(CT_FLAGS, 0), 0, 1, ""},
        {"flags of 8", T_LABELS(CT_FLAGS, 8), 1, 1, "i"},
        {"flags of 9", T_LABELS(CT_FLAGS, 9), 2, 2, "i"},
        {"flags of 17", T_LABELS(CT_FLAGS, 17), 4, 4, "i"},
        {"flags of 32", T_LABELS(CT_FLAGS, 32), 4, 4, "i"},
        {"flags of 40", T_LABELS(CT_FLAGS, 40), 8, 4, "ii"},
        {"flags of 65", T_LABELS(CT_FLAGS, 65), 12, 4, "iii"},
        {"own<res>", T_OWN(), 4, 4, "i"},
        {"list<record>", T_LIST(T_NAMED(CT_RECORD, "r3", 1, "a", u64)), 8, 4, "ii"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const layout_case *c = &cases[i];
        check_test = c->what;
        CHECK_EQ_U64(abi_size(c->t), c->size);
        CHECK_EQ_INT(abi_align(c->t), c->align);
        weft_valtype types[ABI_MAX_FLAT];
        size_t n = abi_flatten(c->t, types, ABI_MAX_FLAT);
        char got[ABI_MAX_FLAT + 1] = {0};
        for (size_t k = 0; k < n && k < ABI_MAX_FLAT; k++) got[k] = flat_letter(types[k]);
        CHECK_EQ_STR(got, c->flat);
        CHECK_OK(abi_check_type(c->t));
    }
    check_test = "test_layout";
    /* A variant of 300 cases, one of them u64: u16 discriminant, payload at 8. */
    ct_type *big = T_LABELS(CT_VARIANT, 300);
    big->fields[7].type = u64;
    CHECK_EQ_U64(abi_size(big), 16);
    CHECK_EQ_INT(abi_align(big), 8);
    /* Flattening stops counting past max. */
    CHECK_EQ_INT(abi_flatten(T_TUPLE(3, str, str, str), NULL, 4), 5);
    CHECK_EQ_INT(abi_flatten(T_TUPLE(2, str, str), NULL, 4), 4);
}

static void test_disc_and_flags_sizes(void) {
    CHECK_EQ_INT(abi_disc_size(1), 1);
    CHECK_EQ_INT(abi_disc_size(256), 1);
    CHECK_EQ_INT(abi_disc_size(257), 2);
    CHECK_EQ_INT(abi_disc_size(65536), 2);
    CHECK_EQ_INT(abi_disc_size(65537), 4);
    CHECK_EQ_INT(abi_flags_size(0), 0);
    CHECK_EQ_INT(abi_flags_size(8), 1);
    CHECK_EQ_INT(abi_flags_size(16), 2);
    CHECK_EQ_INT(abi_flags_size(33), 8);
    /* Despecialisation: option is (none, some), result is (ok, error). */
    const ct_type *o = T_OPTION(P(CT_U8)), *r = T_RESULT(P(CT_U8), NULL);
    CHECK_EQ_INT(abi_case_count(o), 2);
    CHECK(abi_case_type(o, 0) == NULL);
    CHECK(abi_case_type(o, 1) == P(CT_U8));
    CHECK(abi_case_type(r, 0) == P(CT_U8));
    CHECK(abi_case_type(r, 1) == NULL);
    CHECK_EQ_INT(abi_case_count(P(CT_U8)), 0);
}

/* ---- function flattening -------------------------------------------------------------------- */

static ct_func *func_of(const char *name, uint32_t np, const ct_type *pt, uint32_t nr,
                        const ct_type *rt) {
    ct_func *f = ct_alloc(A, sizeof *f);
    f->name = name;
    f->params = ct_alloc(A, sizeof(ct_field) * (np ? np : 1));
    f->nparams = np;
    for (uint32_t i = 0; i < np; i++) f->params[i] = (ct_field){name_of("p", i), pt};
    f->results = ct_alloc(A, sizeof(ct_field) * (nr ? nr : 1));
    f->nresults = nr;
    for (uint32_t i = 0; i < nr; i++)
        f->results[i] = (ct_field){nr > 1 ? name_of("r", i) : NULL, rt};
    return f;
}

static void sig_string(const weft_valtype *v, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) out[i] = flat_letter(v[i]);
    out[n] = 0;
}

static void check_sig(const ct_func *f, abi_dir dir, const char *params, const char *results,
                      bool pspill, bool rspill) {
    abi_core_sig s;
    char p[32], r[32];
    abi_flatten_func(f, dir, &s);
    sig_string(s.params, s.nparams, p);
    sig_string(s.results, s.nresults, r);
    CHECK_EQ_STR(p, params);
    CHECK_EQ_STR(r, results);
    CHECK_EQ_INT(s.params_spilled, pspill);
    CHECK_EQ_INT(s.results_spilled, rspill);
}

static void test_flatten_func(void) {
    const ct_type *u32 = P(CT_U32), *str = P(CT_STRING), *u64 = P(CT_U64);
    ct_func *f = func_of("f", 2, str, 1, u64);
    check_sig(f, ABI_LIFT, "iiii", "I", false, false);
    check_sig(f, ABI_LOWER, "iiii", "I", false, false);
    /* 16 flat params pass flat; 17 spill to one pointer. */
    check_sig(func_of("p16", 16, u32, 0, NULL), ABI_LIFT, "iiiiiiiiiiiiiiii", "", false, false);
    check_sig(func_of("p17", 17, u32, 0, NULL), ABI_LIFT, "i", "", true, false);
    check_sig(func_of("p17", 17, u32, 0, NULL), ABI_LOWER, "i", "", true, false);
    check_sig(func_of("s8", 8, str, 0, NULL), ABI_LOWER, "iiiiiiiiiiiiiiii", "", false, false);
    check_sig(func_of("s9", 9, str, 0, NULL), ABI_LOWER, "i", "", true, false);
    /* A string result is 2 flat values: a pointer returned (lift) or a return pointer (lower). */
    check_sig(func_of("rs", 1, u32, 1, str), ABI_LIFT, "i", "i", false, true);
    check_sig(func_of("rs", 1, u32, 1, str), ABI_LOWER, "ii", "", false, true);
    check_sig(func_of("r2", 0, NULL, 2, u32), ABI_LIFT, "", "i", false, true);
    check_sig(func_of("r2", 0, NULL, 2, u32), ABI_LOWER, "i", "", false, true);
    check_sig(func_of("both", 17, u32, 2, u32), ABI_LOWER, "ii", "", true, true);
    check_sig(func_of("none", 0, NULL, 0, NULL), ABI_LIFT, "", "", false, false);
}

/* ---- round trips of every kind -------------------------------------------------------------- */

static void test_roundtrip_every_kind(void) {
    fixture x;
    fx_init(&x);
    const ct_type *str = P(CT_STRING);
    const ct_type *types[] = {
        P(CT_BOOL), P(CT_S8), P(CT_U8), P(CT_S16), P(CT_U16), P(CT_S32), P(CT_U32), P(CT_S64),
        P(CT_U64), P(CT_F32), P(CT_F64), P(CT_CHAR), str,
        T_LIST(P(CT_U16)), T_LIST(str), T_LIST(T_LIST(P(CT_CHAR))),
        T_OPTION(P(CT_F64)), T_OPTION(T_OPTION(str)),
        T_RESULT(P(CT_U32), str), T_RESULT(NULL, NULL), T_RESULT(NULL, P(CT_F32)),
        T_RESULT(P(CT_F64), NULL),
        T_TUPLE(3, P(CT_U8), str, P(CT_F32)), T_TUPLE(0),
        T_NAMED(CT_RECORD, "point", 2, "x", P(CT_S32), "y", P(CT_S32)),
        T_NAMED(CT_VARIANT, "shape", 4, "circle", P(CT_F64), "rect",
                T_TUPLE(2, P(CT_F32), P(CT_F32)), "label", str, "none-case", NULL),
        T_NAMED(CT_VARIANT, "mixed", 3, "a", P(CT_F32), "b", P(CT_U64), "c", P(CT_S8)),
        T_LABELS(CT_ENUM, 5), T_LABELS(CT_FLAGS, 3), T_LABELS(CT_FLAGS, 16),
        T_LABELS(CT_FLAGS, 40), T_LABELS(CT_FLAGS, 64), T_OWN(), T1(CT_BORROW, T_OWN()->elem),
        T_LIST(T_NAMED(CT_RECORD, "entry", 3, "k", str, "v", T_OPTION(T_LIST(P(CT_U8))), "w",
                       T_RESULT(P(CT_S64), T_LABELS(CT_ENUM, 2)))),
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char name[96];
        check_test = ct_describe(types[i], name, sizeof name);
        for (int k = 0; k < 40; k++) {
            x.f.bump = 16;
            cv v = rand_value(&x, types[i], 0);
            if (!roundtrip_mem(&x, types[i], &v)) break;
            if (!roundtrip_flat(&x, types[i], &v)) break;
        }
    }
    fx_free(&x);
}

/* A list of records of strings, with the bytes in memory checked where the spec fixes them. */
static void test_nested_and_empty(void) {
    fixture x;
    fx_init(&x);
    const ct_type *str = P(CT_STRING);
    const ct_type *rec = T_NAMED(CT_RECORD, "person", 2, "name", str, "tags", T_LIST(str));
    const ct_type *lt = T_LIST(rec);
    cv tags_a[2] = {v_str(&x, "admin"), v_str(&x, "")};
    cv fields_a[2] = {v_str(&x, "ada"), v_seq(&x, T_LIST(str), 2, tags_a)};
    cv fields_b[2] = {v_str(&x, ""), v_seq(&x, T_LIST(str), 0, NULL)};
    cv people[2] = {v_seq(&x, rec, 2, fields_a), v_seq(&x, rec, 2, fields_b)};
    cv v = v_seq(&x, lt, 2, people);
    REQUIRE(roundtrip_mem(&x, lt, &v));
    REQUIRE(roundtrip_flat(&x, lt, &v));

    /* Layout of one record {name: "ada", tags: []} stored at p: name's (ptr, len) at p, tags'
     * at p + 8, and "ada" where the name's pointer says. */
    uint32_t p = fx_alloc(&x, 4, 16);
    REQUIRE(CHECK_OK(abi_store(&x.cx, rec, p, &people[0])));
    uint32_t sp = get32(&x, p);
    CHECK_EQ_INT(get32(&x, p + 4), 3);
    CHECK(memcmp(x.f.mem + sp, "ada", 3) == 0);
    CHECK_EQ_INT(get32(&x, p + 12), 2);

    /* Empty string and empty list, lowered and lifted. */
    cv e = v_str(&x, "");
    CHECK(roundtrip_mem(&x, str, &e));
    CHECK(roundtrip_flat(&x, str, &e));
    cv el = v_seq(&x, T_LIST(P(CT_U64)), 0, NULL);
    CHECK(roundtrip_mem(&x, T_LIST(P(CT_U64)), &el));
    /* An empty list may point anywhere up to the end of memory, aligned. */
    cv out;
    size_t used;
    weft_val at_end[2] = {{.type = WEFT_I32, .of.i32 = MEM_SIZE}, {.type = WEFT_I32, .of.i32 = 0}};
    CHECK_OK(abi_lift_flat(&x.cx, T_LIST(P(CT_U64)), at_end, 2, &used, &out));
    CHECK_EQ_INT(out.of.seq.n, 0);
    weft_val past_end[2] = {{.type = WEFT_I32, .of.i32 = MEM_SIZE + 8},
                            {.type = WEFT_I32, .of.i32 = 0}};
    CHECK_TRAP(abi_lift_flat(&x.cx, T_LIST(P(CT_U64)), past_end, 2, &used, &out),
               "runs past the end of memory");
done:
    fx_free(&x);
}

static void test_flags_and_big_variants(void) {
    fixture x;
    fx_init(&x);
    /* 40 flags: two u32 words in memory, two i32 flat values; bits past 40 are ignored. */
    const ct_type *fl = T_LABELS(CT_FLAGS, 40);
    cv v = V(&x, fl);
    uint32_t words[2] = {0x80000001u, 0x81u}; /* flags 0, 31, 32, 39 */
    v.of.flags.words = words;
    uint32_t p = fx_alloc(&x, 4, 8);
    REQUIRE(CHECK_OK(abi_store(&x.cx, fl, p, &v)));
    CHECK_EQ_U64(get32(&x, p), 0x80000001u);
    CHECK_EQ_U64(get32(&x, p + 4), 0x81u);
    put32(&x, p + 4, 0xffffff81u);
    cv back;
    REQUIRE(CHECK_OK(abi_load(&x.cx, fl, p, &back)));
    CHECK(cv_equal(&v, &back));
    weft_val flat[2];
    size_t n;
    REQUIRE(CHECK_OK(abi_lower_flat(&x.cx, fl, &v, flat, 2, &n)));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_U64((uint32_t)flat[1].of.i32, 0x81u);
    /* Three flags in one byte, with the high bits set by the guest. */
    const ct_type *f3 = T_LABELS(CT_FLAGS, 3);
    x.f.mem[100] = 0xff;
    REQUIRE(CHECK_OK(abi_load(&x.cx, f3, 100, &back)));
    CHECK_EQ_U64(back.of.flags.words[0], 7);

    /* A variant of 300 cases has a u16 discriminant. */
    ct_type *big = T_LABELS(CT_VARIANT, 300);
    big->fields[299].type = P(CT_STRING);
    big->fields[0].type = P(CT_U64);
    cv s = v_str(&x, "last");
    cv c299 = v_case(&x, big, 299, &s);
    p = fx_alloc(&x, 8, 16);
    REQUIRE(CHECK_OK(abi_store(&x.cx, big, p, &c299)));
    CHECK_EQ_INT(x.f.mem[p], 299 & 0xff);
    CHECK_EQ_INT(x.f.mem[p + 1], 299 >> 8);
    CHECK_EQ_INT(get32(&x, p + 12), 4); /* the string's length, payload at 8 */
    REQUIRE(CHECK_OK(abi_load(&x.cx, big, p, &back)));
    CHECK(cv_equal(&c299, &back));
    CHECK(roundtrip_flat(&x, big, &c299));
    cv u = v_u(&x, CT_U64, 0x0123456789abcdefull);
    cv c0 = v_case(&x, big, 0, &u);
    CHECK(roundtrip_mem(&x, big, &c0));
    CHECK(roundtrip_flat(&x, big, &c0));
    cv c5 = v_case(&x, big, 5, NULL);
    CHECK(roundtrip_mem(&x, big, &c5));
    /* Discriminant 300 does not exist. */
    x.f.mem[p] = 300 & 0xff;
    x.f.mem[p + 1] = 300 >> 8;
    CHECK_TRAP(abi_load(&x.cx, big, p, &back), "invalid discriminant 300");
done:
    fx_free(&x);
}

/* ---- whole calls ---------------------------------------------------------------------------- */

static void test_calls(void) {
    fixture x;
    fx_init(&x);
    const ct_type *u32 = P(CT_U32), *str = P(CT_STRING);
    /* 17 u32 parameters and results (a: string, b: u32): both spill. */
    ct_func *f = func_of("many", 17, u32, 2, u32);
    f->results[0].type = str;
    cv args[17], back[17];
    for (int i = 0; i < 17; i++) args[i] = v_u(&x, CT_U32, 1000u + (uint32_t)i);
    weft_val core[ABI_MAX_FLAT_PARAMS + 1];
    size_t n = 0;
    REQUIRE(CHECK_OK(abi_lower_params(&x.cx, f, args, core, ABI_MAX_FLAT_PARAMS, &n)));
    REQUIRE(CHECK_EQ_INT(n, 1));
    uint32_t tuple = (uint32_t)core[0].of.i32;
    CHECK_EQ_INT(tuple % 4, 0);
    CHECK_EQ_INT(get32(&x, tuple + 16 * 4), 1016); /* the 17th parameter, in memory */
    /* The import side receives the pointer plus a return pointer. */
    uint32_t ret = fx_alloc(&x, 4, 12);
    core[1] = (weft_val){.type = WEFT_I32, .of.i32 = (int32_t)ret};
    REQUIRE(CHECK_OK(abi_lift_params(&x.cx, f, core, 2, back)));
    for (int i = 0; i < 17; i++) CHECK(cv_equal(&args[i], &back[i]));
    CHECK_ERR(abi_lift_params(&x.cx, f, core, 1, back), WEFT_ERR_USAGE, "core arguments");
    cv results[2] = {v_str(&x, "done"), v_u(&x, CT_U32, 7)}, rback[2];
    weft_val rcore[1];
    REQUIRE(CHECK_OK(abi_lower_results(&x.cx, f, results, core, 2, rcore, &n)));
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(get32(&x, ret + 4), 4);
    CHECK_EQ_INT(get32(&x, ret + 8), 7);
    /* The export side returns one pointer to the results. */
    weft_val rp = {.type = WEFT_I32, .of.i32 = (int32_t)ret};
    REQUIRE(CHECK_OK(abi_lift_results(&x.cx, f, &rp, 1, rback)));
    CHECK(cv_equal(&results[0], &rback[0]) && cv_equal(&results[1], &rback[1]));
    /* A bad result pointer: misaligned, past the end. */
    rp.of.i32 = (int32_t)ret + 2;
    CHECK_TRAP(abi_lift_results(&x.cx, f, &rp, 1, rback), "result pointer");
    rp.of.i32 = MEM_SIZE - 4;
    CHECK_TRAP(abi_lift_results(&x.cx, f, &rp, 1, rback), "runs past the end of memory");
    core[1].of.i32 = MEM_SIZE - 8;
    CHECK_TRAP(abi_lower_results(&x.cx, f, results, core, 2, rcore, &n), "return pointer");
    core[0].of.i32 = 2;
    CHECK_TRAP(abi_lift_params(&x.cx, f, core, 2, back), "parameter pointer 0x2 is not aligned");

    /* add(a: s32, b: s32) -> s32: all flat. */
    ct_func *add = func_of("add", 2, P(CT_S32), 1, P(CT_S32));
    cv two[2] = {V(&x, P(CT_S32)), V(&x, P(CT_S32))};
    two[0].of.s = -2;
    two[1].of.s = 40;
    REQUIRE(CHECK_OK(abi_lower_params(&x.cx, add, two, core, ABI_MAX_FLAT_PARAMS, &n)));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(core[0].of.i32, -2);
    REQUIRE(CHECK_OK(abi_lift_params(&x.cx, add, core, 2, back)));
    CHECK(cv_equal(&two[0], &back[0]) && cv_equal(&two[1], &back[1]));
    REQUIRE(CHECK_OK(abi_lower_results(&x.cx, add, &two[1], core, 2, rcore, &n)));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rcore[0].of.i32, 40);
    REQUIRE(CHECK_OK(abi_lift_results(&x.cx, add, rcore, 1, rback)));
    CHECK(cv_equal(&two[1], &rback[0]));
    /* The host passing an f32 where i32 is due. */
    core[0].type = WEFT_F32;
    CHECK_ERR(abi_lift_params(&x.cx, add, core, 2, back), WEFT_ERR_USAGE, "f32 where i32");

    /* greet(name: string): the string is lowered through realloc. */
    ct_func *greet = func_of("greet", 1, str, 0, NULL);
    cv name = v_str(&x, "w\xc3\xb6rld");
    int calls = x.f.calls;
    REQUIRE(CHECK_OK(abi_lower_params(&x.cx, greet, &name, core, ABI_MAX_FLAT_PARAMS, &n)));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(x.f.calls, calls + 1);
    CHECK(memcmp(x.f.mem + (uint32_t)core[0].of.i32, "w\xc3\xb6rld", 6) == 0);
    REQUIRE(CHECK_OK(abi_lift_params(&x.cx, greet, core, 2, back)));
    CHECK(cv_equal(&name, &back[0]));
done:
    fx_free(&x);
}

/* ---- hostile guests ------------------------------------------------------------------------- */

static weft_error *lift2(fixture *x, const ct_type *t, uint32_t a, uint32_t b, cv *out) {
    weft_val v[2] = {{.type = WEFT_I32, .of.i32 = (int32_t)a},
                     {.type = WEFT_I32, .of.i32 = (int32_t)b}};
    size_t used;
    return abi_lift_flat(&x->cx, t, v, 2, &used, out);
}

static void test_hostile_pointers(void) {
    fixture x;
    fx_init(&x);
    cv out;
    const ct_type *str = P(CT_STRING);
    CHECK_TRAP(lift2(&x, str, 0x10, 0xffffffffu, &out),
               "string at 0x10 of 4294967295 bytes runs past the end of memory (65536 bytes)");
    CHECK_TRAP(lift2(&x, str, MEM_SIZE - 6, 10, &out), "runs past the end of memory");
    CHECK_TRAP(lift2(&x, str, 0xfffffff0u, 0x20, &out), "runs past the end of memory");
    CHECK_OK(lift2(&x, str, MEM_SIZE, 0, &out));
    CHECK_TRAP(lift2(&x, T_LIST(P(CT_U32)), 0x3, 1, &out), "is not aligned to 4 bytes");
    CHECK_TRAP(lift2(&x, T_LIST(P(CT_U64)), 0x8, 0x20000000u, &out),
               "536870912 elements (4294967296 bytes) runs past the end of memory");
    CHECK_TRAP(lift2(&x, T_LIST(P(CT_U64)), 0x8, 0xffffffffu, &out), "runs past the end");
    /* The same through memory: a list<u64> whose (ptr, len) are in memory. */
    put32(&x, 64, 0x8);
    put32(&x, 68, 0x20000000u);
    CHECK_TRAP(abi_load(&x.cx, T_LIST(P(CT_U64)), 64, &out), "runs past the end");
    put32(&x, 64, 0x4); /* u64 elements need 8-byte alignment */
    put32(&x, 68, 1);
    CHECK_TRAP(abi_load(&x.cx, T_LIST(P(CT_U64)), 64, &out), "not aligned to 8");
    /* abi_load itself: misaligned and out of range. */
    CHECK_TRAP(abi_load(&x.cx, P(CT_U32), 2, &out), "not aligned to 4");
    CHECK_TRAP(abi_load(&x.cx, P(CT_U32), MEM_SIZE, &out), "runs past the end");
    CHECK_TRAP(abi_load(&x.cx, P(CT_U64), 0xfffffffffffffff8ull, &out), "runs past the end");
    CHECK_TRAP(abi_store(&x.cx, P(CT_U8), MEM_SIZE, &out), "runs past the end");
    /* A string in a record at the very end of memory: the record fits, its string does not. */
    put32(&x, MEM_SIZE - 8, MEM_SIZE - 2);
    put32(&x, MEM_SIZE - 4, 3);
    CHECK_TRAP(abi_load(&x.cx, str, MEM_SIZE - 8, &out), "string at 0xfffe of 3 bytes");
    fx_free(&x);
}

static void test_hostile_contents(void) {
    fixture x;
    fx_init(&x);
    cv out;
    const ct_type *str = P(CT_STRING);
    /* Invalid UTF-8: a stray byte, an overlong NUL, a surrogate, a truncated sequence, a code
     * point past U+10FFFF. */
    static const char *const bad[] = {"a\xff", "\xc0\x80", "\xed\xa0\x80", "ok\xe2\x82",
                                      "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = strlen(bad[i]);
        memcpy(x.f.mem + 200, bad[i], n);
        CHECK_TRAP(lift2(&x, str, 200, (uint32_t)n, &out), "is not valid UTF-8");
    }
    memcpy(x.f.mem + 200, "h\xc3\xa9llo \xf0\x9f\x98\x80", 11);
    CHECK_OK(lift2(&x, str, 200, 11, &out));
    /* Invalid discriminants, in memory and flat. */
    x.f.mem[300] = 2;
    CHECK_TRAP(abi_load(&x.cx, T_OPTION(P(CT_U8)), 300, &out), "invalid discriminant 2");
    x.f.mem[300] = 3;
    CHECK_TRAP(abi_load(&x.cx, T_LABELS(CT_ENUM, 3), 300, &out), "invalid discriminant 3");
    weft_val rv[2] = {{.type = WEFT_I32, .of.i32 = 2}, {.type = WEFT_I32, .of.i32 = 0}};
    size_t used;
    CHECK_TRAP(abi_lift_flat(&x.cx, T_RESULT(P(CT_U32), NULL), rv, 2, &used, &out),
               "invalid discriminant 2");
    rv[0].of.i32 = -1;
    CHECK_TRAP(abi_lift_flat(&x.cx, T_RESULT(P(CT_U32), NULL), rv, 2, &used, &out),
               "invalid discriminant 4294967295");
    /* Chars: surrogates and values past U+10FFFF. */
    put32(&x, 400, 0xd800);
    CHECK_TRAP(abi_load(&x.cx, P(CT_CHAR), 400, &out), "not a Unicode scalar value");
    put32(&x, 400, 0x110000);
    CHECK_TRAP(abi_load(&x.cx, P(CT_CHAR), 400, &out), "not a Unicode scalar value");
    weft_val cv1 = {.type = WEFT_I32, .of.i32 = 0xdfff};
    CHECK_TRAP(abi_lift_flat(&x.cx, P(CT_CHAR), &cv1, 1, &used, &out), "0xdfff");
    cv1.of.i32 = -1;
    CHECK_TRAP(abi_lift_flat(&x.cx, P(CT_CHAR), &cv1, 1, &used, &out), "0xffffffff");
    cv1.of.i32 = 0x10ffff;
    CHECK_OK(abi_lift_flat(&x.cx, P(CT_CHAR), &cv1, 1, &used, &out));
    /* Bools lift as i != 0 (the spec's convert_int_to_bool). */
    x.f.mem[500] = 2;
    REQUIRE(CHECK_OK(abi_load(&x.cx, P(CT_BOOL), 500, &out)));
    CHECK(out.of.b);
    weft_val b7 = {.type = WEFT_I32, .of.i32 = 7};
    REQUIRE(CHECK_OK(abi_lift_flat(&x.cx, P(CT_BOOL), &b7, 1, &used, &out)));
    CHECK(out.of.b);
    /* Narrow integers ignore the high bits of their i32. */
    weft_val wide = {.type = WEFT_I32, .of.i32 = 0x1ff};
    REQUIRE(CHECK_OK(abi_lift_flat(&x.cx, P(CT_U8), &wide, 1, &used, &out)));
    CHECK_EQ_INT(out.of.u, 255);
    REQUIRE(CHECK_OK(abi_lift_flat(&x.cx, P(CT_S8), &wide, 1, &used, &out)));
    CHECK_EQ_INT(out.of.s, -1);
    /* NaNs are canonicalised both ways. */
    put32(&x, 600, 0x7fa00001u);
    REQUIRE(CHECK_OK(abi_load(&x.cx, P(CT_F32), 600, &out)));
    uint32_t bits;
    memcpy(&bits, &out.of.f32, 4);
    CHECK_EQ_U64(bits, 0x7fc00000u);
    bits = 0xffa00001u;
    memcpy(&out.of.f32, &bits, 4);
    REQUIRE(CHECK_OK(abi_store(&x.cx, P(CT_F32), 604, &out)));
    CHECK_EQ_U64(get32(&x, 604), 0x7fc00000u);
done:
    fx_free(&x);
}

static void test_hostile_limits(void) {
    fixture x;
    fx_init(&x);
    cv out;
    /* 8000 empty strings: 64000 bytes of guest memory, but more values than a 64 KiB arena. */
    cv_arena_set_limit(x.arena, 64 << 10);
    CHECK_ERR(lift2(&x, T_LIST(P(CT_STRING)), 0, 8000, &out), WEFT_ERR_LIMIT, "limit");
    /* 2500: the array of values fits, the strings after it do not. */
    CHECK_ERR(lift2(&x, T_LIST(P(CT_STRING)), 0, 2500, &out), WEFT_ERR_LIMIT, "limit");
    /* 4 billion zero-sized elements take no guest memory at all: the arena stops them. */
    CHECK_ERR(lift2(&x, T_LIST(T_TUPLE(0)), 0, 0xffffffffu, &out), WEFT_ERR_LIMIT, "limit");
    CHECK_ERR(lift2(&x, T_LIST(T_LABELS(CT_FLAGS, 0)), 0, 0xffffffffu, &out), WEFT_ERR_LIMIT,
              "limit");
    fx_free(&x);

    fx_init(&x);
    /* option<option<...>> 150 deep, every discriminant 1: lifting stops at the nesting limit. */
    const ct_type *deep = P(CT_U8);
    for (int i = 0; i < 150; i++) deep = T_OPTION(deep);
    memset(x.f.mem, 1, 200);
    CHECK_ERR(abi_load(&x.cx, deep, 0, &out), WEFT_ERR_LIMIT, "nest deeper than 100");
    CHECK_ERR(abi_check_type(deep), WEFT_ERR_LIMIT, "nest deeper than 100");
    /* Types the ABI refuses. */
    ct_type *res = ct_new(A, CT_RESOURCE);
    CHECK_ERR(abi_check_type(res), WEFT_ERR_USAGE, "not a value type");
    CHECK_ERR(abi_check_type(T_LABELS(CT_VARIANT, 0)), WEFT_ERR_USAGE, "no cases");
    CHECK_ERR(abi_check_type(T_LIST(NULL)), WEFT_ERR_USAGE, "missing");
    fx_free(&x);
}

static void test_hostile_realloc(void) {
    fixture x;
    fx_init(&x);
    cv list = v_seq(&x, T_LIST(P(CT_U32)), 0, NULL);
    cv s = v_str(&x, "abc");
    weft_val out[2];
    size_t n;
    x.f.mode = REALLOC_MISALIGNED;
    CHECK_TRAP(abi_lower_flat(&x.cx, T_LIST(P(CT_U32)), &list, out, 2, &n), "not aligned to 4");
    x.f.mode = REALLOC_PAST_END;
    CHECK_TRAP(abi_lower_flat(&x.cx, P(CT_STRING), &s, out, 2, &n), "past the end of memory");
    x.f.mode = REALLOC_TRAP;
    CHECK_TRAP(abi_lower_flat(&x.cx, P(CT_STRING), &s, out, 2, &n), "guest says no");
    x.f.mode = REALLOC_OK;
    /* A list too big for any memory never reaches realloc. */
    cv huge = V(&x, T_LIST(P(CT_U64)));
    huge.of.seq.n = 0x20000000u;
    huge.of.seq.items = NULL;
    int calls = x.f.calls;
    CHECK_TRAP(abi_lower_flat(&x.cx, T_LIST(P(CT_U64)), &huge, out, 2, &n), "too large");
    CHECK_EQ_INT(x.f.calls, calls);
    /* No realloc at all. */
    x.cx.realloc = NULL;
    CHECK_ERR(abi_lower_flat(&x.cx, P(CT_STRING), &s, out, 2, &n), WEFT_ERR_USAGE,
              "no cabi_realloc");
    fx_free(&x);
}

/* The host's own mistakes are usage errors, not traps. */
static void test_host_mistakes(void) {
    fixture x;
    fx_init(&x);
    weft_val out[4];
    size_t n;
    cv s = v_str(&x, "x");
    CHECK_ERR(abi_lower_flat(&x.cx, P(CT_U32), &s, out, 4, &n), WEFT_ERR_USAGE,
              "a value of type string where u32 is expected");
    cv big = v_u(&x, CT_U8, 300);
    CHECK_ERR(abi_lower_flat(&x.cx, P(CT_U8), &big, out, 4, &n), WEFT_ERR_USAGE, "out of range");
    const ct_type *pt = T_NAMED(CT_RECORD, "point", 2, "x", P(CT_U8), "y", P(CT_U8));
    cv one[1] = {v_u(&x, CT_U8, 1)};
    cv rec = v_seq(&x, pt, 1, one);
    CHECK_ERR(abi_store(&x.cx, pt, 16, &rec), WEFT_ERR_USAGE, "1 fields");
    cv bad_case = v_case(&x, T_OPTION(P(CT_U8)), 1, NULL);
    CHECK_ERR(abi_lower_flat(&x.cx, T_OPTION(P(CT_U8)), &bad_case, out, 4, &n), WEFT_ERR_USAGE,
              "needs a payload");
    cv bad_str = v_str(&x, "a\xff");
    CHECK_ERR(abi_lower_flat(&x.cx, P(CT_STRING), &bad_str, out, 4, &n), WEFT_ERR_USAGE,
              "not valid UTF-8");
    cv ch = V(&x, P(CT_CHAR));
    ch.of.ch = 0xd800;
    CHECK_ERR(abi_store(&x.cx, P(CT_CHAR), 16, &ch), WEFT_ERR_USAGE, "not a Unicode scalar");
    cv two = v_u(&x, CT_U64, 2);
    CHECK_ERR(abi_lower_flat(&x.cx, P(CT_U64), &two, out, 0, &n), WEFT_ERR_USAGE,
              "more than 0 flat values");
    weft_val none[1];
    cv back;
    size_t used;
    CHECK_ERR(abi_lift_flat(&x.cx, P(CT_STRING), none, 0, &used, &back), WEFT_ERR_USAGE,
              "too few flat values");
    fx_free(&x);
}

/* ---- a real guest --------------------------------------------------------------------------- */

/* A bump allocator that grows memory when it runs out:
 * (module
 *   (memory (export "memory") 1)
 *   (global $bump (mut i32) (i32.const 1024))
 *   (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32)
 *         (param $new_size i32) (result i32)
 *     (local $p i32) (local $end i32)
 *     (local.set $p (i32.and (i32.add (global.get $bump)
 *                                     (i32.sub (local.get $align) (i32.const 1)))
 *                            (i32.sub (i32.const 0) (local.get $align))))
 *     (local.set $end (i32.add (local.get $p) (local.get $new_size)))
 *     (block $done
 *       (loop $grow
 *         (br_if $done (i32.le_u (local.get $end) (i32.shl (memory.size) (i32.const 16))))
 *         (if (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0)) (then unreachable))
 *         (br $grow)))
 *     (global.set $bump (local.get $end))
 *     (local.get $p)))
 */
static const uint8_t realloc_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x01, 0x60, 0x04, 0x7f, 0x7f,
    0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x07,
    0x01, 0x7f, 0x01, 0x41, 0x80, 0x08, 0x0b, 0x07, 0x19, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f,
    0x72, 0x79, 0x02, 0x00, 0x0c, 0x63, 0x61, 0x62, 0x69, 0x5f, 0x72, 0x65, 0x61, 0x6c, 0x6c,
    0x6f, 0x63, 0x00, 0x00, 0x0a, 0x40, 0x01, 0x3e, 0x01, 0x02, 0x7f, 0x23, 0x00, 0x20, 0x02,
    0x41, 0x01, 0x6b, 0x6a, 0x41, 0x00, 0x20, 0x02, 0x6b, 0x71, 0x21, 0x04, 0x20, 0x04, 0x20,
    0x03, 0x6a, 0x21, 0x05, 0x02, 0x40, 0x03, 0x40, 0x20, 0x05, 0x3f, 0x00, 0x41, 0x10, 0x74,
    0x4d, 0x0d, 0x01, 0x41, 0x01, 0x40, 0x00, 0x41, 0x00, 0x48, 0x04, 0x40, 0x00, 0x0b, 0x0c,
    0x00, 0x0b, 0x0b, 0x20, 0x05, 0x24, 0x00, 0x20, 0x04, 0x0b};

static void test_real_guest(void) {
    weft_engine *eng = weft_engine_new(NULL);
    weft_store *st = weft_store_new(eng, NULL);
    weft_module *m = NULL;
    weft_instance *inst = NULL;
    cv_arena *arena = cv_arena_new();
    REQUIRE(eng && st && arena);
    REQUIRE(CHECK_OK(weft_module_new(eng, realloc_wasm, sizeof realloc_wasm, &m)));
    REQUIRE(CHECK_OK(weft_instance_new(st, m, NULL, &inst)));
    abi_guest_realloc_ctx g = {st, weft_instance_func(inst, "cabi_realloc")};
    REQUIRE(abi_realloc_typed(g.func));
    REQUIRE(g.func != NULL);
    abi_cx cx;
    abi_cx_init(&cx, weft_instance_memory(inst), arena);
    cx.realloc = abi_guest_realloc;
    cx.realloc_user = &g;
    CHECK_EQ_U64(cx.mem_size, 65536);
    /* 50 strings of 4000 bytes: the guest grows its memory from 1 page to 4 while they are
     * lowered, and the ABI must see the new size after each realloc. */
    const ct_type *lt = T_LIST(P(CT_STRING));
    cv items[50];
    char *text = cv_alloc(arena, 4000);
    REQUIRE(text != NULL);
    for (int i = 0; i < 4000; i++) text[i] = (char)('a' + i % 26);
    for (int i = 0; i < 50; i++) {
        items[i] = (cv){.type = P(CT_STRING)};
        items[i].of.str.ptr = text;
        items[i].of.str.len = 4000 - (size_t)i;
    }
    cv v = {.type = lt};
    v.of.seq.items = items;
    v.of.seq.n = 50;
    weft_val flat[2];
    size_t n;
    REQUIRE(CHECK_OK(abi_lower_flat(&cx, lt, &v, flat, 2, &n)));
    CHECK(cx.mem_size > 65536);
    CHECK_EQ_U64(cx.mem_size, weft_memory_size(weft_instance_memory(inst)));
    cv back;
    size_t used;
    REQUIRE(CHECK_OK(abi_lift_flat(&cx, lt, flat, n, &used, &back)));
    CHECK(cv_equal(&v, &back));
done:
    cv_arena_free(arena);
    weft_store_free(st);
    weft_module_free(m);
    weft_engine_free(eng);
}

int main(void) {
    rng = 0x9E3779B97F4A7C15ull;
    A = ct_arena_new();
    RUN(test_layout);
    RUN(test_disc_and_flags_sizes);
    RUN(test_flatten_func);
    RUN(test_roundtrip_every_kind);
    RUN(test_nested_and_empty);
    RUN(test_flags_and_big_variants);
    RUN(test_calls);
    RUN(test_hostile_pointers);
    RUN(test_hostile_contents);
    RUN(test_hostile_limits);
    RUN(test_hostile_realloc);
    RUN(test_host_mistakes);
    RUN(test_real_guest);
    ct_arena_free(A);
    return check_report("test_abi");
}
