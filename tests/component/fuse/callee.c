/* callee.c: the callee of tests/component/fuse.sh. Interfaces echo and gated are written against
 * callee.h, the header `weft bindgen c` generates for world callee (fuse.wit): most functions
 * compute their answer from every argument, so that a value copied wrongly across the component
 * boundary cannot come back right by accident. Interface raw is written by hand against the core
 * signatures: it keeps the core values it receives, exactly as they came, for the caller to read
 * back (last), and returns whatever bits its argument says, even ones its result type forbids.
 * Built without libc (-DCALLEE_NO_LIBC): the glue's bump allocator is cabi_realloc. */
#include "callee.h"

#define E(fn) callee_exports_test_fuse_echo_##fn
#define G(fn) callee_exports_test_fuse_gated_##fn

typedef callee_string_t str_t;
typedef callee_test_fuse_echo_item_t item_t;
typedef callee_test_fuse_echo_wide_t wide_t;
typedef callee_test_fuse_echo_narrow_t narrow_t;
typedef callee_test_fuse_gated_big_t big_t;

/* ---- building strings ------------------------------------------------------------------------ */

#define GUEST_MALLOC(n) callee_malloc(n)
#include "../guest_buf.h"

static void put_str(buf *b, const str_t *s) { put(b, s->ptr, s->len); }

static str_t finish(buf *b) {
    str_t s = {b->p, b->len};
    return s;
}

static str_t copy(const uint8_t *p, size_t n) {
    buf b = {0};
    put(&b, p, n);
    return finish(&b);
}

/* ---- interface echo: numbers ----------------------------------------------------------------- */

bool E(echo_bool)(bool x) { return x; }
uint8_t E(echo_u8)(uint8_t x) { return x; }
int8_t E(echo_s8)(int8_t x) { return x; }
uint16_t E(echo_u16)(uint16_t x) { return x; }
int16_t E(echo_s16)(int16_t x) { return x; }
uint32_t E(echo_u32)(uint32_t x) { return x; }
int32_t E(echo_s32)(int32_t x) { return x; }
uint64_t E(echo_u64)(uint64_t x) { return x; }
int64_t E(echo_s64)(int64_t x) { return x; }
float E(echo_f32)(float x) { return x; }
double E(echo_f64)(double x) { return x; }
uint32_t E(echo_char)(uint32_t x) { return x; }

/* a + 2b + 3c + ... + 8h, wrapping, each signed argument sign-extended to 64 bits */
uint64_t E(weigh)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g,
                  int64_t h) {
    return (uint64_t)a + 2 * (uint64_t)(int64_t)b + 3 * (uint64_t)c + 4 * (uint64_t)(int64_t)d +
           5 * (uint64_t)e + 6 * (uint64_t)(int64_t)f + 7 * g + 8 * (uint64_t)h;
}

/* each one more, wrapping */
void E(bump)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g,
             int64_t h, callee_tuple8_u8_s8_u16_s16_u32_s32_u64_s64_t *ret) {
    ret->f0 = (uint8_t)(a + 1);
    ret->f1 = (int8_t)(uint8_t)((uint8_t)b + 1);
    ret->f2 = (uint16_t)(c + 1);
    ret->f3 = (int16_t)(uint16_t)((uint16_t)d + 1);
    ret->f4 = e + 1;
    ret->f5 = (int32_t)((uint32_t)f + 1);
    ret->f6 = g + 1;
    ret->f7 = (int64_t)((uint64_t)h + 1);
}

void E(floats)(float a, double b, callee_tuple2_f32_f64_t *ret) {
    ret->f0 = a;
    ret->f1 = b;
}

double E(fsum)(float a, double b) { return (double)a + b; }

/* ---- strings and lists ----------------------------------------------------------------------- */

void E(echo_string)(str_t *s, str_t *ret) { *ret = *s; }

/* bytes << 32 | code points */
uint64_t E(measure)(str_t *s) {
    uint64_t cps = 0;
    for (size_t i = 0; i < s->len; i++) cps += (s->ptr[i] & 0xC0) != 0x80;
    uint64_t r = (uint64_t)s->len << 32 | cps;
    callee_string_free(s);
    return r;
}

void E(upper)(str_t *s, str_t *ret) {
    for (size_t i = 0; i < s->len; i++)
        if (s->ptr[i] >= 'a' && s->ptr[i] <= 'z') s->ptr[i] = (uint8_t)(s->ptr[i] - 32);
    *ret = *s;
}

void E(echo_bytes)(callee_list_u8_t *b, callee_list_u8_t *ret) { *ret = *b; }

uint32_t E(sum_bytes)(callee_list_u8_t *b) {
    uint32_t n = 0;
    for (size_t i = 0; i < b->len; i++) n += b->ptr[i];
    callee_list_u8_free(b);
    return n;
}

void E(reverse_u32)(callee_list_u32_t *xs, callee_list_u32_t *ret) {
    for (size_t i = 0, j = xs->len; i + 1 < j; i++, j--) {
        uint32_t t = xs->ptr[i];
        xs->ptr[i] = xs->ptr[j - 1];
        xs->ptr[j - 1] = t;
    }
    *ret = *xs;
}

uint64_t E(dot)(callee_list_tuple2_u16_u16_t *xs) {
    uint64_t n = 0;
    for (size_t i = 0; i < xs->len; i++) n += (uint64_t)xs->ptr[i].f0 * xs->ptr[i].f1;
    callee_list_tuple2_u16_u16_free(xs);
    return n;
}

void E(echo_points)(callee_list_test_fuse_echo_point_t *ps, callee_list_test_fuse_echo_point_t *ret) {
    *ret = *ps;
}

void E(echo_items)(callee_list_test_fuse_echo_item_t *xs, callee_list_test_fuse_echo_item_t *ret) {
    *ret = *xs;
}

/* "name*qty(note)[tag,tag]; ..." */
void E(describe)(callee_list_test_fuse_echo_item_t *xs, str_t *ret) {
    buf b = {0};
    for (size_t i = 0; i < xs->len; i++) {
        item_t *it = &xs->ptr[i];
        if (i) puts_(&b, "; ");
        put_str(&b, &it->name);
        puts_(&b, "*");
        put_u64(&b, it->qty);
        if (it->note.is_some) {
            puts_(&b, "(");
            put_str(&b, &it->note.val);
            puts_(&b, ")");
        }
        puts_(&b, "[");
        for (size_t t = 0; t < it->tags.len; t++) {
            if (t) puts_(&b, ",");
            put_str(&b, &it->tags.ptr[t]);
        }
        puts_(&b, "]");
    }
    puts_(&b, ".");
    *ret = finish(&b);
    callee_list_test_fuse_echo_item_free(xs);
}

/* {name, qty * 2, some(name + "!"), ["made", name]} */
void E(make_item)(str_t *name, uint32_t qty, item_t *ret) {
    buf b = {0};
    put_str(&b, name);
    puts_(&b, "!");
    ret->name = *name;
    ret->qty = qty * 2;
    ret->note.is_some = true;
    ret->note.val = finish(&b);
    ret->tags.len = 2;
    ret->tags.ptr = callee_malloc(2 * sizeof(str_t));
    callee_string_dup(&ret->tags.ptr[0], "made");
    ret->tags.ptr[1] = copy(name->ptr, name->len);
}

/* the lists and each list in them reversed */
void E(nested)(callee_list_list_string_t *xss, callee_list_list_string_t *ret) {
    for (size_t i = 0, j = xss->len; i + 1 < j; i++, j--) {
        callee_list_string_t t = xss->ptr[i];
        xss->ptr[i] = xss->ptr[j - 1];
        xss->ptr[j - 1] = t;
    }
    for (size_t k = 0; k < xss->len; k++) {
        callee_list_string_t *l = &xss->ptr[k];
        for (size_t i = 0, j = l->len; i + 1 < j; i++, j--) {
            str_t t = l->ptr[i];
            l->ptr[i] = l->ptr[j - 1];
            l->ptr[j - 1] = t;
        }
    }
    *ret = *xss;
}

void E(swap)(callee_tuple3_string_u64_char_t *t, callee_tuple3_char_u64_string_t *ret) {
    ret->f0 = t->f2;
    ret->f1 = ~t->f1;
    ret->f2 = t->f0;
}

/* some(s) -> some("got " + s) */
void E(opt_string)(callee_option_string_t *x, callee_option_string_t *ret) {
    ret->is_some = x->is_some;
    if (!x->is_some) return;
    buf b = {0};
    puts_(&b, "got ");
    put_str(&b, &x->val);
    ret->val = finish(&b);
    callee_option_string_free(x);
}

void E(opt_opt)(callee_option_option_u8_t *x, callee_option_option_u8_t *ret) { *ret = *x; }

void E(parse)(str_t *s, callee_result_u32_string_t *ret) {
    uint64_t n = 0;
    bool ok = s->len > 0;
    for (size_t i = 0; i < s->len && ok; i++)
        ok = s->ptr[i] >= '0' && s->ptr[i] <= '9' && (n = n * 10 + (s->ptr[i] - '0')) <= 0xFFFFFFFFu;
    ret->is_err = !ok;
    if (ok) {
        ret->val.ok = (uint32_t)n;
    } else {
        buf b = {0};
        puts_(&b, "not a u32: ");
        put_str(&b, s);
        ret->val.err = finish(&b);
    }
    callee_string_free(s);
}

void E(check)(bool ok, callee_result_void_void_t *ret) { ret->is_err = !ok; }

/* ok(n) -> ok(n * 3), err(s) -> err(s + "?") */
void E(res_echo)(callee_result_u32_string_t *r, callee_result_u32_string_t *ret) {
    ret->is_err = r->is_err;
    if (!r->is_err) {
        ret->val.ok = r->val.ok * 3;
        return;
    }
    buf b = {0};
    put_str(&b, &r->val.err);
    puts_(&b, "?");
    ret->val.err = finish(&b);
    callee_result_u32_string_free(r);
}

void E(echo_wide)(wide_t *w, wide_t *ret) { *ret = *w; }

/* the case and its payload, floats as their bits in hex */
void E(wide_text)(wide_t *w, str_t *ret) {
    buf b = {0};
    switch (w->tag) {
    case CALLEE_TEST_FUSE_ECHO_WIDE_I: puts_(&b, "i:"), put_s64(&b, w->val.i); break;
    case CALLEE_TEST_FUSE_ECHO_WIDE_L: puts_(&b, "l:"), put_s64(&b, w->val.l); break;
    case CALLEE_TEST_FUSE_ECHO_WIDE_F: puts_(&b, "f:0x"), put_hex(&b, f32_bits(w->val.f)); break;
    case CALLEE_TEST_FUSE_ECHO_WIDE_D: puts_(&b, "d:0x"), put_hex(&b, f64_bits(w->val.d)); break;
    case CALLEE_TEST_FUSE_ECHO_WIDE_S:
        puts_(&b, "s:"), put_u64(&b, w->val.s.len), puts_(&b, ":"), put_str(&b, &w->val.s);
        break;
    default: puts_(&b, "nothing"); break;
    }
    *ret = finish(&b);
    callee_test_fuse_echo_wide_free(w);
}

void E(echo_narrow)(narrow_t *n, narrow_t *ret) { *ret = *n; }

/* tag << 32 | the payload's bits */
uint64_t E(narrow_bits)(narrow_t *n) {
    uint64_t p = n->tag == CALLEE_TEST_FUSE_ECHO_NARROW_F   ? f32_bits(n->val.f)
                 : n->tag == CALLEE_TEST_FUSE_ECHO_NARROW_U ? n->val.u
                                                            : 0;
    return (uint64_t)n->tag << 32 | p;
}

callee_test_fuse_echo_color_t E(next_color)(callee_test_fuse_echo_color_t c) {
    return (callee_test_fuse_echo_color_t)((c + 1) % 3);
}

callee_test_fuse_echo_small_t E(flip)(callee_test_fuse_echo_small_t f) {
    return (callee_test_fuse_echo_small_t)(~f & (CALLEE_TEST_FUSE_ECHO_SMALL_READ |
                                                 CALLEE_TEST_FUSE_ECHO_SMALL_WRITE |
                                                 CALLEE_TEST_FUSE_ECHO_SMALL_EXEC));
}

callee_test_fuse_echo_full_t E(echo_full)(callee_test_fuse_echo_full_t f) { return f; }

uint32_t E(full_count)(callee_test_fuse_echo_full_t f) {
    uint32_t n = 0;
    for (; f; f &= f - 1) n++;
    return n;
}

/* every argument in one line (floats as bits): spilled parameters read from memory */
void E(many)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g,
             int64_t h, float i, double j, uint32_t k, bool l, str_t *m, callee_list_u8_t *n,
             callee_option_u8_t *o, callee_test_fuse_echo_color_t p,
             callee_test_fuse_echo_small_t q, str_t *ret) {
    buf s = {0};
    uint8_t ch[4];
    put_u64(&s, a), puts_(&s, " "), put_s64(&s, b), puts_(&s, " "), put_u64(&s, c), puts_(&s, " ");
    put_s64(&s, d), puts_(&s, " "), put_u64(&s, e), puts_(&s, " "), put_s64(&s, f), puts_(&s, " ");
    put_u64(&s, g), puts_(&s, " "), put_s64(&s, h), puts_(&s, " 0x"), put_hex(&s, f32_bits(i));
    puts_(&s, " 0x"), put_hex(&s, f64_bits(j)), puts_(&s, " "), put(&s, ch, utf8(k, ch));
    puts_(&s, l ? " true " : " false "), put_str(&s, m), puts_(&s, " [");
    for (size_t x = 0; x < n->len; x++) put_u64(&s, n->ptr[x]), puts_(&s, x + 1 < n->len ? "," : "");
    puts_(&s, "] ");
    if (o->is_some) put_u64(&s, o->val);
    else puts_(&s, "none");
    puts_(&s, " "), put_u64(&s, p), puts_(&s, " "), put_u64(&s, q);
    *ret = finish(&s);
    callee_string_free(m);
    callee_list_u8_free(n);
}

/* ---- interface gated ------------------------------------------------------------------------- */

void G(echo_big)(big_t *f, big_t *ret) { *ret = *f; }

uint32_t G(big_count)(big_t *f) {
    uint32_t n = 0;
    for (int w = 0; w < 2; w++)
        for (uint32_t x = f->words[w]; x; x &= x - 1) n++;
    return n;
}

void G(divmod)(uint32_t a, uint32_t b, uint32_t *q, uint32_t *r) {
    *q = b ? a / b : 0;
    *r = b ? a % b : a;
}

void G(split_name)(str_t *s, str_t *first, str_t *last) {
    size_t i = 0;
    while (i < s->len && s->ptr[i] != ' ') i++;
    *first = copy(s->ptr, i);
    *last = i < s->len ? copy(s->ptr + i + 1, s->len - i - 1) : copy(s->ptr, 0);
    callee_string_free(s);
}

/* ---- interface raw: core signatures by hand -------------------------------------------------- */

#define RAW(n) __attribute__((export_name("test:fuse/raw#" n)))

static char last_text[512];
static uint32_t last_len;
static uint32_t last_ret[2];

static void last_reset(void) { last_len = 0; }

static void last_put(const char *s) {
    while (*s && last_len < sizeof last_text) last_text[last_len++] = *s++;
}

static void last_hex(uint64_t v) {
    char t[17];
    int n = 0;
    do t[n++] = "0123456789abcdef"[v % 16];
    while ((v /= 16) != 0);
    if (last_len) last_put(" ");
    while (n) {
        char c[2] = {t[--n], 0};
        last_put(c);
    }
}

static uint32_t i32u(int32_t x) { return (uint32_t)x; }

/* the core values of pick's first twelve parameters, as received */
static void pick_common(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, float f, double g,
                        int32_t h, int32_t i, int32_t j, int32_t k0, int32_t k1, int32_t l) {
    last_reset();
    last_hex(i32u(a)), last_hex(i32u(b)), last_hex(i32u(c)), last_hex(i32u(d)), last_hex(i32u(e));
    last_hex(f32_bits(f)), last_hex(f64_bits(g)), last_hex(i32u(h)), last_hex(i32u(i));
    last_hex(i32u(j)), last_hex(i32u(k0)), last_hex(i32u(k1)), last_hex(i32u(l));
}

RAW("pick") int32_t raw_pick(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, float f,
                             double g, int32_t h, int32_t i, int32_t j, int32_t k0, int32_t k1,
                             int32_t l) {
    pick_common(a, b, c, d, e, f, g, h, i, j, k0, k1, l);
    return 13;
}

RAW("pick-walk") int32_t raw_pick_walk(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e,
                                       float f, double g, int32_t h, int32_t i, int32_t j,
                                       int32_t k0, int32_t k1, int32_t l, int32_t m0, int32_t m1) {
    pick_common(a, b, c, d, e, f, g, h, i, j, k0, k1, l);
    last_hex(i32u(m0)), last_hex(i32u(m1));
    return 15;
}

/* pick-mem's parameters in memory: a@0 b@1 c@2 d@4 e@6 f@8 g@16 h@24 i@28 j@32 k@36 l@44 m@45
 * n@48 o@56, 64 bytes aligned to 8; m's payload byte only when m is some */
RAW("pick-mem") int32_t raw_pick_mem(const uint8_t *p) {
    uint16_t u16;
    uint32_t u32, k0, k1;
    uint64_t u64;
    last_reset();
    last_hex(p[0]), last_hex(p[1]), last_hex(p[2]);
    __builtin_memcpy(&u16, p + 4, 2), last_hex(u16);
    __builtin_memcpy(&u16, p + 6, 2), last_hex(u16);
    __builtin_memcpy(&u32, p + 8, 4), last_hex(u32);
    __builtin_memcpy(&u64, p + 16, 8), last_hex(u64);
    __builtin_memcpy(&u32, p + 24, 4), last_hex(u32);
    last_hex(p[28]);
    __builtin_memcpy(&u32, p + 32, 4), last_hex(u32);
    __builtin_memcpy(&k0, p + 36, 4), __builtin_memcpy(&k1, p + 40, 4), last_hex(k0), last_hex(k1);
    last_hex(p[44]), last_hex(p[45]);
    if (p[45]) last_hex(p[46]);
    __builtin_memcpy(&u64, p + 48, 8), last_hex(u64);
    __builtin_memcpy(&u64, p + 56, 8), last_hex(u64);
    last_hex((uint32_t)(uintptr_t)p % 8); /* the parameters' pointer is aligned: 0 */
    return 17;
}

RAW("last") uint32_t *raw_last(void) {
    last_ret[0] = (uint32_t)(uintptr_t)last_text;
    last_ret[1] = last_len;
    return last_ret;
}

RAW("ret-bool") int32_t raw_ret_bool(int32_t x) { return x; }
RAW("ret-u8") int32_t raw_ret_u8(int32_t x) { return x; }
RAW("ret-s8") int32_t raw_ret_s8(int32_t x) { return x; }
RAW("ret-u16") int32_t raw_ret_u16(int32_t x) { return x; }
RAW("ret-s16") int32_t raw_ret_s16(int32_t x) { return x; }
RAW("ret-f32") float raw_ret_f32(int32_t x) {
    union { int32_t i; float f; } u = {.i = x};
    return u.f;
}
RAW("ret-f64") double raw_ret_f64(int64_t x) {
    union { int64_t i; double d; } u = {.i = x};
    return u.d;
}
RAW("ret-char") int32_t raw_ret_char(int32_t x) { return x; }
RAW("ret-small") int32_t raw_ret_small(int32_t x) { return x; }
RAW("ret-color") int32_t raw_ret_color(int32_t x) { return x; }
RAW("ret-check") int32_t raw_ret_check(int32_t x) { return x; }

/* tuple<bool, u8, s8, u16, s16, f32, f64, char, small, big, color, option<u8>>: @0 @1 @2 @4 @6 @8
 * @16 @24 @28 @32 @40 @41, 48 bytes aligned to 8 */
static uint64_t ret_area[6];
RAW("ret-mem") uint8_t *raw_ret_mem(int32_t seed) {
    uint8_t *p = (uint8_t *)ret_area;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    for (int i = 0; i < 48; i++) p[i] = 0xee; /* padding, and none's payload */
    p[0] = 2, p[1] = 0xff, p[2] = 0x80;
    u16 = 0xffff, __builtin_memcpy(p + 4, &u16, 2);
    u16 = 0x8000, __builtin_memcpy(p + 6, &u16, 2);
    u32 = 0x7fc00123, __builtin_memcpy(p + 8, &u32, 4);
    u64 = 0xfff0000000000abcull, __builtin_memcpy(p + 16, &u64, 8);
    u32 = seed == 1 ? 0xd800 : 0x1f600, __builtin_memcpy(p + 24, &u32, 4);
    p[28] = 0xff;
    u32 = 0xffffffff, __builtin_memcpy(p + 32, &u32, 4), __builtin_memcpy(p + 36, &u32, 4);
    p[40] = seed == 3 ? 3 : 2;
    p[41] = seed == 2 ? 2 : seed == 4 ? 0 : 1;
    p[42] = 0xab;
    return p;
}
