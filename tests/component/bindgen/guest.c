/* guest.c: the guest of tests/component/bindgen.sh, written only against kitchen.h, the header
 * `weft bindgen c` generates for world kitchen (wit/kitchen.wit). The exports of interface values
 * transform their arguments, moving what the arguments own into the results where they can and
 * freeing the rest; the exports of interface host forward each call to the imported host
 * (JavaScript, under jco) and return its answer, so values cross both ways. Built with wasi-libc
 * and without libc (-DKITCHEN_NO_LIBC). With -DGUEST_NO_IMPORTS the forwarders trap instead of
 * calling the imports (which the linker then drops), for weft invoke, which provides none.
 */
#include "kitchen.h"

#ifdef GUEST_NO_IMPORTS
#define CALL(e) (__builtin_trap(), (e))
#else
#define CALL(e) (e)
#endif

#define V(fn) kitchen_exports_test_bindgen_values_##fn
#define H(fn) kitchen_exports_test_bindgen_host_##fn
#define IMPORT(fn) kitchen_test_bindgen_host_##fn

typedef kitchen_string_t str_t;
typedef kitchen_list_string_t strs_t;
typedef kitchen_test_bindgen_types_person_t person_t;
typedef kitchen_test_bindgen_types_team_t team_t;
typedef kitchen_test_bindgen_types_shape_t shape_t;
typedef kitchen_test_bindgen_types_num_t num_t;
typedef kitchen_test_bindgen_types_bits_t bits_t;
typedef kitchen_test_bindgen_types_color_t color_t;
typedef kitchen_test_bindgen_types_small_t small_t;
typedef kitchen_test_bindgen_types_full_t full_t;
typedef kitchen_test_bindgen_gated_big_t big_t;
typedef kitchen_test_bindgen_types_stats_t stats_t;
typedef kitchen_test_bindgen_types_bytes_t bytes_t;

/* ---- building strings without libc ----------------------------------------------------------- */

#define GUEST_MALLOC(n) kitchen_malloc(n)
#define GUEST_FREE(p) kitchen_free(p)
#include "../guest_buf.h"

/* A float with three decimals, truncated: enough for the values the tests pass. */
static void put_f64(buf *b, double d) {
    if (d < 0) {
        puts_(b, "-");
        d = -d;
    }
    uint64_t milli = (uint64_t)(d * 1000 + 0.5);
    put_u64(b, milli / 1000);
    puts_(b, ".");
    char t[3];
    for (int i = 2; i >= 0; i--, milli /= 10) t[i] = (char)('0' + milli % 10);
    put(b, t, 3);
}

static str_t finish(buf *b) {
    str_t s = {b->p, b->len};
    return s;
}

static str_t copy(const uint8_t *p, size_t n) {
    buf b = {0};
    put(&b, p, n);
    return finish(&b);
}

/* ---- interface values: numbers and characters ------------------------------------------------ */

bool V(echo_bool)(bool x) { return x; }
int8_t V(echo_s8)(int8_t x) { return x; }
uint8_t V(echo_u8)(uint8_t x) { return x; }
int16_t V(echo_s16)(int16_t x) { return x; }
uint16_t V(echo_u16)(uint16_t x) { return x; }
int32_t V(echo_s32)(int32_t x) { return x; }
uint32_t V(echo_u32)(uint32_t x) { return x; }
int64_t V(echo_s64)(int64_t x) { return x; }
uint64_t V(echo_u64)(uint64_t x) { return x; }
float V(echo_f32)(float x) { return x; }
double V(echo_f64)(double x) { return x; }
uint32_t V(echo_char)(uint32_t x) { return x; }
int64_t V(negate)(int64_t x) { return (int64_t)(0 - (uint64_t)x); }
float V(half)(float x) { return x / 2; }
uint32_t V(next_char)(uint32_t c) { return c + 1; }

/* ---- strings and lists ----------------------------------------------------------------------- */

void V(echo_string)(str_t *x, str_t *ret) { *ret = *x; }

/* ASCII letters in capitals, in place; the argument becomes the result. */
void V(shout)(str_t *s, str_t *ret) {
    for (size_t i = 0; i < s->len; i++)
        if (s->ptr[i] >= 'a' && s->ptr[i] <= 'z') s->ptr[i] = (uint8_t)(s->ptr[i] - 32);
    *ret = *s;
}

void V(reverse)(bytes_t *b, bytes_t *ret) {
    for (size_t i = 0, j = b->len; i + 1 < j; i++, j--) {
        uint8_t t = b->ptr[i];
        b->ptr[i] = b->ptr[j - 1];
        b->ptr[j - 1] = t;
    }
    *ret = *b;
}

void V(join)(strs_t *xs, str_t *sep, str_t *ret) {
    buf b = {0};
    for (size_t i = 0; i < xs->len; i++) {
        if (i) put(&b, sep->ptr, sep->len);
        put(&b, xs->ptr[i].ptr, xs->ptr[i].len);
    }
    *ret = finish(&b);
    kitchen_list_string_free(xs);
    kitchen_string_free(sep);
}

/* The pieces of s between occurrences of sep (a code point, matched as its UTF-8 bytes). */
void V(split)(str_t *s, uint32_t sep, strs_t *ret) {
    uint8_t pat[4];
    size_t n = utf8(sep, pat), count = 1;
    for (size_t i = 0; i + n <= s->len; i++) {
        size_t k = 0;
        while (k < n && s->ptr[i + k] == pat[k]) k++;
        if (k == n) count++, i += n - 1;
    }
    ret->ptr = kitchen_malloc(count * sizeof *ret->ptr);
    ret->len = 0;
    size_t start = 0;
    for (size_t i = 0; i <= s->len; i++) {
        size_t k = 0;
        while (i + n <= s->len && k < n && s->ptr[i + k] == pat[k]) k++;
        if (i == s->len || k == n) {
            ret->ptr[ret->len++] = copy(s->ptr + start, i - start);
            start = i + n;
            i += n - 1;
        }
    }
    kitchen_string_free(s);
}

/* "team/member" for each member. */
void V(roster)(team_t *t, strs_t *ret) {
    ret->len = t->members.len;
    ret->ptr = kitchen_malloc(ret->len * sizeof *ret->ptr);
    for (size_t i = 0; i < t->members.len; i++) {
        buf b = {0};
        put(&b, t->name.ptr, t->name.len);
        puts_(&b, "/");
        put(&b, t->members.ptr[i].name.ptr, t->members.ptr[i].name.len);
        ret->ptr[i] = finish(&b);
    }
    kitchen_test_bindgen_types_team_free(t);
}

/* The same members (moved) under a new name. */
void V(rename_team)(team_t *t, str_t *name, team_t *ret) {
    kitchen_string_free(&t->name);
    t->name = *name;
    *ret = *t;
}

uint32_t V(count_some)(kitchen_list_option_string_t *xs) {
    uint32_t n = 0;
    for (size_t i = 0; i < xs->len; i++) n += xs->ptr[i].is_some;
    kitchen_list_option_string_free(xs);
    return n;
}

/* ---- options, results, tuples, records ------------------------------------------------------- */

void V(double_opt)(kitchen_option_s32_t *x, kitchen_option_s64_t *ret) {
    ret->is_some = x->is_some;
    if (x->is_some) ret->val = 2 * (int64_t)x->val;
}

/* some(s) -> some("got " + s); none stays none. */
void V(opt_string)(kitchen_option_string_t *x, kitchen_option_string_t *ret) {
    ret->is_some = x->is_some;
    if (!x->is_some) return;
    buf b = {0};
    puts_(&b, "got ");
    put(&b, x->val.ptr, x->val.len);
    ret->val = finish(&b);
    kitchen_option_string_free(x);
}

void V(parse_u32)(str_t *s, kitchen_result_u32_string_t *ret) {
    uint64_t n = 0;
    bool ok = s->len > 0;
    for (size_t i = 0; i < s->len && ok; i++) {
        ok = s->ptr[i] >= '0' && s->ptr[i] <= '9' &&
             (n = n * 10 + (s->ptr[i] - '0')) <= 0xFFFFFFFFu;
    }
    ret->is_err = !ok;
    if (ok) {
        ret->val.ok = (uint32_t)n;
    } else {
        buf b = {0};
        puts_(&b, "not a u32: ");
        put(&b, s->ptr, s->len);
        ret->val.err = finish(&b);
    }
    kitchen_string_free(s);
}

void V(check)(bool ok, kitchen_result_void_void_t *ret) { ret->is_err = !ok; }

void V(only_err)(bool ok, kitchen_result_void_string_t *ret) {
    ret->is_err = !ok;
    if (!ok) kitchen_string_dup(&ret->val.err, "failed");
}

void V(only_ok)(str_t *s, kitchen_result_string_void_t *ret) {
    ret->is_err = s->len == 0;
    if (s->len) ret->val.ok = *s;
    else kitchen_string_free(s);
}

void V(swap)(kitchen_tuple2_string_u64_t *t, kitchen_tuple2_u64_string_t *ret) {
    ret->f0 = t->f1;
    ret->f1 = t->f0;
}

/* A year older, a tag "older" more, an email made up when there is none, the score doubled and
 * the activity flipped. */
void V(birthday)(person_t *p, person_t *ret) {
    p->age++;
    str_t *tags = kitchen_malloc((p->tags.len + 1) * sizeof *tags);
    for (size_t i = 0; i < p->tags.len; i++) tags[i] = p->tags.ptr[i];
    kitchen_string_dup(&tags[p->tags.len], "older");
    kitchen_free(p->tags.ptr);
    p->tags.ptr = tags;
    p->tags.len++;
    if (!p->email.is_some) {
        buf b = {0};
        put(&b, p->name.ptr, p->name.len);
        puts_(&b, "@example.com");
        p->email.is_some = true;
        p->email.val = finish(&b);
    }
    p->score *= 2;
    p->active = !p->active;
    *ret = *p;
}

void V(stats_of)(kitchen_list_f64_t *xs, stats_t *ret) {
    ret->count = (uint32_t)xs->len;
    ret->min = ret->max = ret->mean = 0;
    for (size_t i = 0; i < xs->len; i++) {
        double x = xs->ptr[i];
        if (i == 0 || x < ret->min) ret->min = x;
        if (i == 0 || x > ret->max) ret->max = x;
        ret->mean += x;
    }
    if (xs->len) ret->mean /= (double)xs->len;
    kitchen_list_f64_free(xs);
}

/* ---- variants, enums, flags ------------------------------------------------------------------ */

void V(scale)(shape_t *s, float k, shape_t *ret) {
    switch (s->tag) {
    case KITCHEN_TEST_BINDGEN_TYPES_SHAPE_CIRCLE: s->val.circle *= k; break;
    case KITCHEN_TEST_BINDGEN_TYPES_SHAPE_RECT:
        s->val.rect.f0 *= k;
        s->val.rect.f1 *= k;
        break;
    case KITCHEN_TEST_BINDGEN_TYPES_SHAPE_PAIR: /* wrapping */
        s->val.pair.f0++;
        s->val.pair.f1 = (int64_t)((uint64_t)s->val.pair.f1 * 2);
        break;
    default: break; /* a label and empty stay as they are */
    }
    *ret = *s;
}

void V(echo_num)(num_t *n, num_t *ret) { *ret = *n; }
void V(echo_bits)(bits_t *b, bits_t *ret) { *ret = *b; }

color_t V(next_color)(color_t c) { return (color_t)((c + 1) % 3); }

small_t V(flip)(small_t f) {
    return (small_t)(~f & (KITCHEN_TEST_BINDGEN_TYPES_SMALL_READ |
                           KITCHEN_TEST_BINDGEN_TYPES_SMALL_WRITE |
                           KITCHEN_TEST_BINDGEN_TYPES_SMALL_EXEC));
}

full_t V(echo_full)(full_t f) { return f; }

uint32_t V(full_count)(full_t f) {
    uint32_t n = 0;
    for (; f; f &= f - 1) n++;
    return n;
}

/* Every argument in one line: spilled parameters read from memory. */
void V(many)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g,
             int64_t h, float i, double j, uint32_t k, bool l, str_t *m, bytes_t *n,
             kitchen_option_u8_t *o, color_t p, str_t *ret) {
    static const char *const colors[] = {"red", "green", "blue"};
    buf s = {0};
    uint8_t ch[4];
    put_u64(&s, a), puts_(&s, " "), put_s64(&s, b), puts_(&s, " "), put_u64(&s, c), puts_(&s, " ");
    put_s64(&s, d), puts_(&s, " "), put_u64(&s, e), puts_(&s, " "), put_s64(&s, f), puts_(&s, " ");
    put_u64(&s, g), puts_(&s, " "), put_s64(&s, h), puts_(&s, " "), put_f64(&s, i), puts_(&s, " ");
    put_f64(&s, j), puts_(&s, " "), put(&s, ch, utf8(k, ch)), puts_(&s, l ? " true " : " false ");
    put(&s, m->ptr, m->len), puts_(&s, " [");
    for (size_t x = 0; x < n->len; x++)
        put_u64(&s, n->ptr[x]), puts_(&s, x + 1 < n->len ? "," : "");
    puts_(&s, "] ");
    if (o->is_some) put_u64(&s, o->val);
    else puts_(&s, "none");
    puts_(&s, " "), puts_(&s, colors[p % 3]);
    *ret = finish(&s);
    kitchen_string_free(m);
    kitchen_list_u8_free(n);
}

/* ---- interface gated: more than 32 flags, several results ------------------------------------ */

#define G(fn) kitchen_exports_test_bindgen_gated_##fn

void G(echo_big)(big_t *f, big_t *ret) { *ret = *f; }

uint32_t G(big_count)(big_t *f) {
    uint32_t n = 0;
    for (size_t w = 0; w < sizeof f->words / sizeof f->words[0]; w++)
        for (uint32_t x = f->words[w]; x; x &= x - 1) n++;
    return n;
}

/* f with flags first..last (of 40) set; b39 through its macros, the others by number. */
void G(set_bits)(big_t *f, uint8_t first, uint8_t last, big_t *ret) {
    *ret = *f;
    for (uint32_t i = first; i <= last && i < 40; i++) {
        if (i == 39)
            ret->words[KITCHEN_TEST_BINDGEN_GATED_BIG_B39_WORD] |=
                KITCHEN_TEST_BINDGEN_GATED_BIG_B39;
        else
            ret->words[i / 32] |= 1u << (i % 32);
    }
}

void G(divmod)(uint32_t a, uint32_t b, uint32_t *ret_q, uint32_t *ret_r) {
    *ret_q = b ? a / b : 0;
    *ret_r = b ? a % b : a;
}

/* Split at the first space: ("ada", "lovelace"); without one, (s, ""). */
void G(split_name)(str_t *s, str_t *ret_first, str_t *ret_last) {
    size_t i = 0;
    while (i < s->len && s->ptr[i] != ' ') i++;
    *ret_first = copy(s->ptr, i);
    *ret_last = i < s->len ? copy(s->ptr + i + 1, s->len - i - 1) : copy(s->ptr, 0);
    kitchen_string_free(s);
}

/* ---- the world's own functions --------------------------------------------------------------- */

void kitchen_exports_version(str_t *ret) {
    kitchen_string_dup(ret, "kitchen 0.1.0 \xc3\xa9t\xc3\xa9");
}

/* Logs msg twice through the imported log, then returns the imported counter. */
uint32_t kitchen_exports_log_twice(str_t *msg) {
    CALL(kitchen_log(msg));
    CALL(kitchen_log(msg));
    uint32_t n = CALL(kitchen_counter());
    kitchen_string_free(msg);
    return n;
}

/* ---- interface host, exported: each call forwarded to the import ----------------------------- */

void H(ints)(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g,
             uint64_t h, kitchen_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t *ret) {
    CALL(IMPORT(ints)(a, b, c, d, e, f, g, h, ret));
}

void H(floats)(float a, double b, kitchen_tuple2_f32_f64_t *ret) {
    CALL(IMPORT(floats)(a, b, ret));
}
double H(negate)(double x) { return CALL(IMPORT(negate)(x)); }
bool H(is_upper)(uint32_t c) { return CALL(IMPORT(is_upper)(c)); }
uint32_t H(next_char)(uint32_t c) { return CALL(IMPORT(next_char)(c)); }

void H(concat)(str_t *a, str_t *b, str_t *ret) {
    CALL(IMPORT(concat)(a, b, ret));
    kitchen_string_free(a);
    kitchen_string_free(b);
}

void H(reverse)(bytes_t *b, bytes_t *ret) {
    CALL(IMPORT(reverse)(b, ret));
    kitchen_test_bindgen_types_bytes_free(b);
}

void H(words)(str_t *s, strs_t *ret) {
    CALL(IMPORT(words)(s, ret));
    kitchen_string_free(s);
}

void H(promote)(team_t *t, team_t *ret) {
    CALL(IMPORT(promote)(t, ret));
    kitchen_test_bindgen_host_team_free(t);
}

void H(opt)(kitchen_option_string_t *x, kitchen_option_string_t *ret) {
    CALL(IMPORT(opt)(x, ret));
    kitchen_option_string_free(x);
}

void H(res)(kitchen_result_u32_string_t *x, kitchen_result_u32_string_t *ret) {
    CALL(IMPORT(res)(x, ret));
    kitchen_result_u32_string_free(x);
}

void H(swap)(kitchen_tuple2_string_u64_t *t, kitchen_tuple2_u64_string_t *ret) {
    CALL(IMPORT(swap)(t, ret));
    kitchen_tuple2_string_u64_free(t);
}

void H(birthday)(person_t *p, person_t *ret) {
    CALL(IMPORT(birthday)(p, ret));
    kitchen_test_bindgen_types_person_free(p);
}

void H(num_echo)(num_t *n, num_t *ret) {
    CALL(IMPORT(num_echo)(n, ret));
    kitchen_test_bindgen_types_num_free(n);
}

void H(bits_echo)(bits_t *b, bits_t *ret) { CALL(IMPORT(bits_echo)(b, ret)); }

void H(shape_echo)(shape_t *s, shape_t *ret) {
    CALL(IMPORT(shape_echo)(s, ret));
    kitchen_test_bindgen_types_shape_free(s);
}

color_t H(color_next)(color_t c) { return CALL(IMPORT(color_next)(c)); }

void H(flags_echo)(small_t s, full_t f,
                   kitchen_tuple2_test_bindgen_types_small_test_bindgen_types_full_t *ret) {
    CALL(IMPORT(flags_echo)(s, f, ret));
}

void H(many)(uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e, int32_t f, uint64_t g,
             int64_t h, float i, double j, uint32_t k, bool l, str_t *m, bytes_t *n,
             kitchen_option_u8_t *o, color_t p, str_t *ret) {
    CALL(IMPORT(many)(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, ret));
    kitchen_string_free(m);
    kitchen_list_u8_free(n);
}


void H(stats_of)(kitchen_list_f64_t *xs, stats_t *ret) {
    CALL(IMPORT(stats_of)(xs, ret));
    kitchen_list_f64_free(xs);
}
