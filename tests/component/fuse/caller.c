/* caller.c: the caller of tests/component/fuse.sh, written against caller.h, the header `weft
 * bindgen c` generates for world caller (fuse.wit). Interfaces front and front-gated forward each
 * call to the same function of the imported echo and gated: weft invoke calls them with the callee
 * linked, and each value crosses the component boundary twice, through weft's fused copies.
 * Interface probe calls the imports with raw core values no typed caller makes: non-canonical ones
 * (a bool of 2, a u8 of 0x1ff, NaNs with payloads, flags past their labels), which the callee must
 * receive normalised, and hostile ones (pointers out of bounds or misaligned, invalid UTF-8, bad
 * chars and discriminants), which must trap naming the callee's function. Built without libc
 * (-DCALLER_NO_LIBC). */
#include "caller.h"

#define F(fn) caller_exports_test_fuse_front_##fn
#define FG(fn) caller_exports_test_fuse_front_gated_##fn
#define I(fn) caller_test_fuse_echo_##fn
#define G(fn) caller_test_fuse_gated_##fn

/* ---- interfaces front and front-gated: forwarded to the imports ------------------------------ */

bool F(echo_bool)(bool x) { return I(echo_bool)(x); }
uint8_t F(echo_u8)(uint8_t x) { return I(echo_u8)(x); }
int8_t F(echo_s8)(int8_t x) { return I(echo_s8)(x); }
uint16_t F(echo_u16)(uint16_t x) { return I(echo_u16)(x); }
int16_t F(echo_s16)(int16_t x) { return I(echo_s16)(x); }
uint32_t F(echo_u32)(uint32_t x) { return I(echo_u32)(x); }
int32_t F(echo_s32)(int32_t x) { return I(echo_s32)(x); }
uint64_t F(echo_u64)(uint64_t x) { return I(echo_u64)(x); }
int64_t F(echo_s64)(int64_t x) { return I(echo_s64)(x); }
float F(echo_f32)(float x) { return I(echo_f32)(x); }
double F(echo_f64)(double x) { return I(echo_f64)(x); }
uint32_t F(echo_char)(uint32_t x) { return I(echo_char)(x); }
uint64_t F(weigh)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g, int64_t h) {
    return I(weigh)(a, b, c, d, e, f, g, h);
}
void F(bump)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g, int64_t h, caller_tuple8_u8_s8_u16_s16_u32_s32_u64_s64_t *ret) {
    I(bump)(a, b, c, d, e, f, g, h, ret);
}
void F(floats)(float a, double b, caller_tuple2_f32_f64_t *ret) { I(floats)(a, b, ret); }
double F(fsum)(float a, double b) { return I(fsum)(a, b); }
void F(echo_string)(caller_string_t *s, caller_string_t *ret) { I(echo_string)(s, ret); }
uint64_t F(measure)(caller_string_t *s) { return I(measure)(s); }
void F(upper)(caller_string_t *s, caller_string_t *ret) { I(upper)(s, ret); }
void F(echo_bytes)(caller_list_u8_t *b, caller_list_u8_t *ret) { I(echo_bytes)(b, ret); }
uint32_t F(sum_bytes)(caller_list_u8_t *b) { return I(sum_bytes)(b); }
void F(reverse_u32)(caller_list_u32_t *xs, caller_list_u32_t *ret) { I(reverse_u32)(xs, ret); }
uint64_t F(dot)(caller_list_tuple2_u16_u16_t *xs) { return I(dot)(xs); }
void F(echo_points)(caller_list_test_fuse_echo_point_t *ps, caller_list_test_fuse_echo_point_t *ret) {
    I(echo_points)(ps, ret);
}
void F(echo_items)(caller_list_test_fuse_echo_item_t *xs, caller_list_test_fuse_echo_item_t *ret) {
    I(echo_items)(xs, ret);
}
void F(describe)(caller_list_test_fuse_echo_item_t *xs, caller_string_t *ret) {
    I(describe)(xs, ret);
}
void F(make_item)(caller_string_t *name, uint32_t qty, caller_test_fuse_front_item_t *ret) {
    I(make_item)(name, qty, ret);
}
void F(nested)(caller_list_list_string_t *xss, caller_list_list_string_t *ret) {
    I(nested)(xss, ret);
}
void F(swap)(caller_tuple3_string_u64_char_t *t, caller_tuple3_char_u64_string_t *ret) {
    I(swap)(t, ret);
}
void F(opt_string)(caller_option_string_t *x, caller_option_string_t *ret) {
    I(opt_string)(x, ret);
}
void F(opt_opt)(caller_option_option_u8_t *x, caller_option_option_u8_t *ret) {
    I(opt_opt)(x, ret);
}
void F(parse)(caller_string_t *s, caller_result_u32_string_t *ret) { I(parse)(s, ret); }
void F(check)(bool ok, caller_result_void_void_t *ret) { I(check)(ok, ret); }
void F(res_echo)(caller_result_u32_string_t *r, caller_result_u32_string_t *ret) {
    I(res_echo)(r, ret);
}
void F(echo_wide)(caller_test_fuse_front_wide_t *w, caller_test_fuse_front_wide_t *ret) {
    I(echo_wide)(w, ret);
}
void F(wide_text)(caller_test_fuse_front_wide_t *w, caller_string_t *ret) { I(wide_text)(w, ret); }
void F(echo_narrow)(caller_test_fuse_front_narrow_t *n, caller_test_fuse_front_narrow_t *ret) {
    I(echo_narrow)(n, ret);
}
uint64_t F(narrow_bits)(caller_test_fuse_front_narrow_t *n) { return I(narrow_bits)(n); }
caller_test_fuse_front_color_t F(next_color)(caller_test_fuse_front_color_t c) {
    return I(next_color)(c);
}
caller_test_fuse_front_small_t F(flip)(caller_test_fuse_front_small_t f) { return I(flip)(f); }
caller_test_fuse_front_full_t F(echo_full)(caller_test_fuse_front_full_t f) {
    return I(echo_full)(f);
}
uint32_t F(full_count)(caller_test_fuse_front_full_t f) { return I(full_count)(f); }
void F(many)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g, int64_t h, float i, double j, uint32_t k, bool l, caller_string_t *m, caller_list_u8_t *n, caller_option_u8_t *o, caller_test_fuse_front_color_t p, caller_test_fuse_front_small_t q, caller_string_t *ret) {
    I(many)(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, ret);
}
void FG(echo_big)(caller_test_fuse_front_gated_big_t *f, caller_test_fuse_front_gated_big_t *ret) {
    G(echo_big)(f, ret);
}
uint32_t FG(big_count)(caller_test_fuse_front_gated_big_t *f) { return G(big_count)(f); }
void FG(divmod)(uint32_t dividend, uint32_t divisor, uint32_t *ret_q, uint32_t *ret_r) {
    G(divmod)(dividend, divisor, ret_q, ret_r);
}
void FG(split_name)(caller_string_t *full_name, caller_string_t *ret_first, caller_string_t *ret_last) {
    G(split_name)(full_name, ret_first, ret_last);
}

/* ---- interface probe: raw calls ---------------------------------------------------------------- */

#define RAW(n) __attribute__((import_module("test:fuse/raw"), import_name(n)))

RAW("pick") int32_t raw_pick(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, float f,
                             double g, int32_t h, int32_t i, int32_t j, int32_t k0, int32_t k1,
                             int32_t l);
RAW("pick-walk") int32_t raw_pick_walk(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e,
                                       float f, double g, int32_t h, int32_t i, int32_t j,
                                       int32_t k0, int32_t k1, int32_t l, int32_t m0, int32_t m1);
RAW("pick-mem") int32_t raw_pick_mem(int32_t params);
RAW("last") void raw_last(int32_t ret);
RAW("ret-bool") int32_t raw_ret_bool(int32_t x);
RAW("ret-u8") int32_t raw_ret_u8(int32_t x);
RAW("ret-s8") int32_t raw_ret_s8(int32_t x);
RAW("ret-u16") int32_t raw_ret_u16(int32_t x);
RAW("ret-s16") int32_t raw_ret_s16(int32_t x);
RAW("ret-f32") float raw_ret_f32(int32_t x);
RAW("ret-f64") double raw_ret_f64(int64_t x);
RAW("ret-char") int32_t raw_ret_char(int32_t x);
RAW("ret-small") int32_t raw_ret_small(int32_t x);
RAW("ret-color") int32_t raw_ret_color(int32_t x);
RAW("ret-check") int32_t raw_ret_check(int32_t x);
RAW("ret-mem") void raw_ret_mem(int32_t seed, int32_t ret);

/* The glue's own imports of echo's functions (the symbols of caller.c of the bindings, declared
 * again with the same import names), called with raw values. */
#define ECHO(n) __attribute__((import_module("test:fuse/echo"), import_name(n)))
ECHO("echo-string") void caller__import_test_fuse_echo_echo_string(int32_t p, int32_t len, int32_t ret);
ECHO("echo-bytes") void caller__import_test_fuse_echo_echo_bytes(int32_t p, int32_t len, int32_t ret);
ECHO("reverse-u32") void caller__import_test_fuse_echo_reverse_u32(int32_t p, int32_t len, int32_t ret);
ECHO("echo-items") void caller__import_test_fuse_echo_echo_items(int32_t p, int32_t len, int32_t ret);
ECHO("opt-string") void caller__import_test_fuse_echo_opt_string(int32_t disc, int32_t p, int32_t len,
                                                                 int32_t ret);
ECHO("echo-wide") void caller__import_test_fuse_echo_echo_wide(int32_t disc, int64_t payload,
                                                               int32_t len, int32_t ret);
ECHO("wide-text") void caller__import_test_fuse_echo_wide_text(int32_t disc, int64_t payload,
                                                               int32_t len, int32_t ret);
ECHO("narrow-bits") int64_t caller__import_test_fuse_echo_narrow_bits(int32_t disc, int32_t payload);
ECHO("echo-points") void caller__import_test_fuse_echo_echo_points(int32_t p, int32_t len, int32_t ret);
ECHO("many") void caller__import_test_fuse_echo_many(int32_t params, int32_t ret);

#define GUEST_MALLOC(n) caller_malloc(n)
#include "../guest_buf.h"

/* v in hex, after a space unless it is the first */
static void hex(buf *b, uint64_t v) {
    if (b->len) put(b, " ", 1);
    put_hex(b, v);
}

static bool is(const caller_string_t *s, const char *lit) {
    size_t n = 0;
    while (lit[n]) n++;
    if (n != s->len) return false;
    for (size_t i = 0; i < n; i++)
        if (s->ptr[i] != (uint8_t)lit[i]) return false;
    return true;
}

static int32_t addr(const void *p) { return (int32_t)(uintptr_t)p; }
static uint32_t mem_bytes(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }
/* pick's parameters, each a core value its type does not allow (or does, but not canonically) */
#define PICK_ODD(CHAR, COLOR)                                                                     \
    2, 0x1ff, 0x180, 0x1ffff, 0x18000, f32_of(0x7fa00001u), f64_of(0xfff0000000000001ull),      \
        (CHAR), 0xff, (int32_t)0xffffffffu, (int32_t)0xffffffffu, (int32_t)0xffffffffu, (COLOR)

/* pick-mem's parameters in memory (see raw_pick_mem in callee.c); 8 more bytes for misaligning */
static uint64_t params[9];
static uint8_t *mem_params(uint32_t ch, uint8_t color, uint8_t disc, int misalign) {
    uint8_t *p = (uint8_t *)params + misalign;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    for (int i = 0; i < 64; i++) p[i] = 0xcc;
    p[0] = 2, p[1] = 0xff, p[2] = 0x80;
    u16 = 0xffff, __builtin_memcpy(p + 4, &u16, 2);
    u16 = 0x8000, __builtin_memcpy(p + 6, &u16, 2);
    u32 = 0xffc00321u, __builtin_memcpy(p + 8, &u32, 4);
    u64 = 0x7ff0000000000001ull, __builtin_memcpy(p + 16, &u64, 8);
    __builtin_memcpy(p + 24, &ch, 4);
    p[28] = 0xfd;
    u32 = 0xfffffffeu, __builtin_memcpy(p + 32, &u32, 4);
    u32 = 0xffffffffu, __builtin_memcpy(p + 36, &u32, 4), __builtin_memcpy(p + 40, &u32, 4);
    p[44] = color, p[45] = disc, p[46] = 0x99;
    u64 = 0x0123456789abcdefull, __builtin_memcpy(p + 48, &u64, 8);
    u64 = 0xfedcba9876543210ull, __builtin_memcpy(p + 56, &u64, 8);
    return p;
}

static caller_string_t last(void) {
    uint32_t r[2];
    raw_last(addr(r));
    caller_string_t s = {(uint8_t *)(uintptr_t)r[0], r[1]};
    return s;
}

/* An item of echo-items in memory: name@0 qty@8 note@12 (payload @16) tags@24; 32 bytes. */
static uint32_t item[8];
static const char bad_utf8[] = {'o', 'k', (char)0xc3, 'x'};
static uint32_t words[3] = {1, 2, 3};
static uint32_t wide_ret[4], str_ret[3];

void caller_exports_test_fuse_probe_probe(caller_string_t *name, caller_string_t *ret) {
    buf b = {0};
    uint32_t top = mem_bytes();
    if (is(name, "plan")) { /* a copy plan: every value normalised */
        hex(&b, (uint32_t)raw_pick(PICK_ODD(0x10ffff, 2)));
        *ret = last();
        put(&b, ":", 1);
        put(&b, ret->ptr, ret->len);
    } else if (is(name, "walk") || is(name, "walk-some")) { /* copy_flat, an option's payload */
        bool some = is(name, "walk-some");
        hex(&b, (uint32_t)raw_pick_walk(PICK_ODD(0x10ffff, 1), some, 0x1ab));
        *ret = last();
        put(&b, ":", 1);
        put(&b, ret->ptr, ret->len);
    } else if (is(name, "mem") || is(name, "mem-none")) { /* spilled, copy_mem */
        bool none = is(name, "mem-none");
        hex(&b, (uint32_t)raw_pick_mem(addr(mem_params(0x1f600, 2, none ? 0 : 1, 0))));
        *ret = last();
        put(&b, ":", 1);
        put(&b, ret->ptr, ret->len);
    } else if (is(name, "ret")) { /* results through a plan: each normalised */
        hex(&b, (uint32_t)raw_ret_bool(2));
        hex(&b, (uint32_t)raw_ret_u8(0x1ff));
        hex(&b, (uint32_t)raw_ret_s8(0x80));
        hex(&b, (uint32_t)raw_ret_u16(0x1ffff));
        hex(&b, (uint32_t)raw_ret_s16(0x8000));
        hex(&b, f32_bits(raw_ret_f32((int32_t)0x7f800001)));
        hex(&b, f64_bits(raw_ret_f64((int64_t)0xfff8000000000001ull)));
        hex(&b, (uint32_t)raw_ret_char(0x10ffff));
        hex(&b, (uint32_t)raw_ret_small(0xff));
        hex(&b, (uint32_t)raw_ret_color(2));
        hex(&b, (uint32_t)raw_ret_check(1));
    } else if (is(name, "ret-mem") || is(name, "ret-mem-none")) { /* spilled results, copy_mem */
        static uint64_t area[6];
        uint8_t *p = (uint8_t *)area;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        for (int i = 0; i < 48; i++) p[i] = 0x55;
        raw_ret_mem(is(name, "ret-mem") ? 0 : 4, addr(p));
        hex(&b, p[0]), hex(&b, p[1]), hex(&b, p[2]);
        __builtin_memcpy(&u16, p + 4, 2), hex(&b, u16);
        __builtin_memcpy(&u16, p + 6, 2), hex(&b, u16);
        __builtin_memcpy(&u32, p + 8, 4), hex(&b, u32);
        __builtin_memcpy(&u64, p + 16, 8), hex(&b, u64);
        __builtin_memcpy(&u32, p + 24, 4), hex(&b, u32);
        hex(&b, p[28]);
        __builtin_memcpy(&u32, p + 32, 4), hex(&b, u32);
        __builtin_memcpy(&u32, p + 36, 4), hex(&b, u32);
        hex(&b, p[40]), hex(&b, p[41]);
        if (p[41]) hex(&b, p[42]);
    } else if (is(name, "wide-high")) { /* a joined i64 slot narrowed to each case's type */
        uint32_t r[2];
        caller__import_test_fuse_echo_wide_text(4, (int64_t)(0x100000000ull | (uint32_t)addr("ok")), 2,
                                                addr(r));
        put(&b, (const void *)(uintptr_t)r[0], r[1]);
        caller__import_test_fuse_echo_wide_text(0, (int64_t)0xffffffff00000005ull, 0, addr(r));
        put(&b, " ", 1), put(&b, (const void *)(uintptr_t)r[0], r[1]);
        caller__import_test_fuse_echo_wide_text(2, (int64_t)0xdeadbeef3fc00000ull, 0, addr(r));
        put(&b, " ", 1), put(&b, (const void *)(uintptr_t)r[0], r[1]);
        caller__import_test_fuse_echo_wide_text(2, (int64_t)0x7f800001ull, 0, addr(r));
        put(&b, " ", 1), put(&b, (const void *)(uintptr_t)r[0], r[1]);
        caller__import_test_fuse_echo_wide_text(5, -1, -1, addr(r));
        put(&b, " ", 1), put(&b, (const void *)(uintptr_t)r[0], r[1]);
    } else if (is(name, "narrow")) { /* an f32 NaN in a joined i32 slot, canonicalised */
        hex(&b, (uint64_t)caller__import_test_fuse_echo_narrow_bits(0, 0x7f800001));
        hex(&b, (uint64_t)caller__import_test_fuse_echo_narrow_bits(1, (int32_t)0xfffffffeu));
        hex(&b, (uint64_t)caller__import_test_fuse_echo_narrow_bits(2, 0x1234));
    } else if (is(name, "points")) { /* list elements in memory: bools normalised, s16 as is */
        static uint8_t pts[8] = {0x00, 0x80, 0xff, 7, 0xff, 0x7f, 0x00, 0x80};
        uint32_t r[2];
        caller__import_test_fuse_echo_echo_points(addr(pts), 2, addr(r));
        const uint8_t *q = (const uint8_t *)(uintptr_t)r[0];
        hex(&b, r[1]);
        for (uint32_t i = 0; i < 4 * r[1]; i++) hex(&b, q[i]);
    }
    /* hostile: each of these traps */
    else if (is(name, "enum-plan")) raw_pick(PICK_ODD(0x41, 3));
    else if (is(name, "char-plan")) raw_pick(PICK_ODD(0xd800, 0));
    else if (is(name, "char-walk")) raw_pick_walk(PICK_ODD(0x110000, 0), 0, 0);
    else if (is(name, "enum-walk")) raw_pick_walk(PICK_ODD(0x41, 7), 0, 0);
    else if (is(name, "disc-walk")) raw_pick_walk(PICK_ODD(0x41, 0), 2, 0);
    else if (is(name, "char-mem")) raw_pick_mem(addr(mem_params(0xdfff, 0, 0, 0)));
    else if (is(name, "enum-mem")) raw_pick_mem(addr(mem_params(0x41, 3, 0, 0)));
    else if (is(name, "disc-mem")) raw_pick_mem(addr(mem_params(0x41, 0, 2, 0)));
    else if (is(name, "misaligned-mem")) raw_pick_mem(addr(mem_params(0x41, 0, 0, 4)));
    else if (is(name, "oob-mem")) raw_pick_mem((int32_t)(top - 32));
    else if (is(name, "wrap-mem")) raw_pick_mem((int32_t)0xffffffc0u);
    else if (is(name, "ret-color")) raw_ret_color(3);
    else if (is(name, "ret-char")) raw_ret_char(0xd800);
    else if (is(name, "ret-check")) raw_ret_check(2);
    else if (is(name, "ret-mem-char")) raw_ret_mem(1, addr(params));
    else if (is(name, "ret-mem-disc")) raw_ret_mem(2, addr(params));
    else if (is(name, "ret-mem-enum")) raw_ret_mem(3, addr(params));
    else if (is(name, "ret-mem-oob")) raw_ret_mem(0, (int32_t)(top - 40));
    else if (is(name, "ret-mem-misaligned")) raw_ret_mem(0, addr(params) + 4);
    else if (is(name, "str-oob"))
        caller__import_test_fuse_echo_echo_string((int32_t)0xfffffff0u, 100, addr(str_ret));
    else if (is(name, "str-past-end"))
        caller__import_test_fuse_echo_echo_string((int32_t)(top - 2), 10, addr(str_ret));
    else if (is(name, "str-huge"))
        caller__import_test_fuse_echo_echo_string(16, (int32_t)0xffffffffu, addr(str_ret));
    else if (is(name, "str-utf8"))
        caller__import_test_fuse_echo_echo_string(addr(bad_utf8), 4, addr(str_ret));
    else if (is(name, "str-retptr-oob"))
        caller__import_test_fuse_echo_echo_string(addr("ok"), 2, (int32_t)(top - 4));
    else if (is(name, "str-retptr-misaligned"))
        caller__import_test_fuse_echo_echo_string(addr("ok"), 2, addr(str_ret) + 1);
    else if (is(name, "bytes-past-end"))
        caller__import_test_fuse_echo_echo_bytes((int32_t)(top - 1), 2, addr(str_ret));
    else if (is(name, "list-misaligned"))
        caller__import_test_fuse_echo_reverse_u32(addr(words) + 1, 2, addr(str_ret));
    else if (is(name, "list-huge"))
        caller__import_test_fuse_echo_reverse_u32(8, 0x40000000, addr(str_ret));
    else if (is(name, "item-utf8") || is(name, "item-disc") || is(name, "item-tag-oob")) {
        item[0] = (uint32_t)addr("pen"), item[1] = 3, item[2] = 1, item[3] = 0;
        item[4] = 0, item[5] = 0, item[6] = 0, item[7] = 0;
        if (is(name, "item-utf8")) item[3] = 1, item[4] = (uint32_t)addr(bad_utf8), item[5] = 4;
        if (is(name, "item-disc")) item[3] = 2;
        if (is(name, "item-tag-oob")) item[6] = top - 4, item[7] = 1;
        caller__import_test_fuse_echo_echo_items(addr(item), 1, addr(str_ret));
    } else if (is(name, "opt-disc"))
        caller__import_test_fuse_echo_opt_string(2, 0, 0, addr(wide_ret));
    else if (is(name, "wide-disc"))
        caller__import_test_fuse_echo_echo_wide(6, 0, 0, addr(wide_ret));
    else if (is(name, "wide-string-oob"))
        caller__import_test_fuse_echo_echo_wide(4, (int64_t)0xfffffff0u, 32, addr(wide_ret));
    else if (is(name, "wide-string-utf8"))
        caller__import_test_fuse_echo_echo_wide(4, addr(bad_utf8), 4, addr(wide_ret));
    else if (is(name, "many-oob"))
        caller__import_test_fuse_echo_many((int32_t)(top - 8), addr(str_ret));
    else
        put(&b, "no such probe", 13);
    ret->ptr = b.p;
    ret->len = b.len;
    caller_string_free(name);
}
