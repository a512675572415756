/* embedder.c: an embedder of weft written against the host bindings `weft bindgen c --host`
 * generates for world kitchen (bindgen/wit/kitchen.wit without interface gated, as jco builds
 * it), compiled with -Wall -Wextra -Werror by bindgen_host.sh. Usage: embedder KITCHEN.wasm.
 * Calls exports of interface values through the typed wrappers, implements the imports (interface
 * host, log, counter) with plain C functions and calls the guest's exports of interface host,
 * which forward to them; each result is compared with the value expected. Prints every failure
 * and the count of checks; exits 1 if one failed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kitchen_host.h"

static int total, failed;
#define CHECK(c)                                                                                  \
    do {                                                                                          \
        total++;                                                                                  \
        if (!(c)) {                                                                               \
            failed++;                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                 \
        }                                                                                         \
    } while (0)
/* A call that must succeed: its error is printed and counted. */
#define OK(call)                                                                                  \
    do {                                                                                          \
        weft_error *e_ = (call);                                                                  \
        total++;                                                                                  \
        if (e_) {                                                                                 \
            failed++;                                                                             \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, weft_error_message(e_)); \
            weft_error_free(e_);                                                                  \
        }                                                                                         \
    } while (0)

static bool str_is(const kitchen_string_t *s, const char *want) {
    return s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

typedef kitchen_string_t str_t;
#define T(name) kitchen_test_bindgen_types_##name##_t

/* ---- the imports ---------------------------------------------------------------------------- */

typedef struct state {
    char logged[8][64];
    uint32_t nlogged;
    bool trap_next_concat;
} state;

static weft_error *h_ints(void *u, int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e,
                          uint32_t f, int64_t g, uint64_t h,
                          kitchen_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t *ret) {
    (void)u;
    *ret = (kitchen_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t){a, b, c, d, e, f, g, h};
    return NULL;
}
static weft_error *h_floats(void *u, float a, double b, kitchen_tuple2_f32_f64_t *ret) {
    (void)u;
    ret->f0 = a * 2;
    ret->f1 = -b;
    return NULL;
}
static weft_error *h_negate(void *u, double x, double *ret) {
    (void)u;
    *ret = -x;
    return NULL;
}
static weft_error *h_is_upper(void *u, uint32_t c, bool *ret) {
    (void)u;
    *ret = c >= 'A' && c <= 'Z';
    return NULL;
}
static weft_error *h_next_char(void *u, uint32_t c, uint32_t *ret) {
    (void)u;
    *ret = c + 1;
    return NULL;
}
static weft_error *h_concat(void *u, const str_t *a, const str_t *b, str_t *ret) {
    state *st = u;
    if (st->trap_next_concat) {
        st->trap_next_concat = false;
        return weft_trap_new("concat refused by the host");
    }
    ret->ptr = malloc(a->len + b->len + 1);
    memcpy(ret->ptr, a->ptr, a->len);
    memcpy(ret->ptr + a->len, b->ptr, b->len);
    ret->len = a->len + b->len;
    ret->ptr[ret->len] = 0;
    return NULL;
}
static weft_error *h_reverse(void *u, const kitchen_test_bindgen_host_bytes_t *b,
                             kitchen_test_bindgen_host_bytes_t *ret) {
    (void)u;
    if (!b->len) return NULL;
    ret->ptr = malloc(b->len);
    ret->len = b->len;
    for (size_t i = 0; i < b->len; i++) ret->ptr[i] = b->ptr[b->len - 1 - i];
    return NULL;
}
static weft_error *h_words(void *u, const str_t *s, kitchen_list_string_t *ret) {
    (void)u;
    ret->ptr = calloc(s->len + 1, sizeof *ret->ptr);
    for (size_t i = 0; i < s->len;) {
        if (s->ptr[i] == ' ') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < s->len && s->ptr[j] != ' ') j++;
        str_t *w = &ret->ptr[ret->len++];
        w->ptr = malloc(j - i + 1);
        memcpy(w->ptr, s->ptr + i, j - i);
        w->ptr[j - i] = 0;
        w->len = j - i;
        i = j;
    }
    return NULL;
}
static weft_error *h_promote(void *u, const T(team) *t, T(team) *ret) {
    (void)u;
    kitchen_string_dup(&ret->name, t->name.ptr); /* NUL-terminated: the glue promises it */
    for (size_t i = 0; i < ret->name.len; i++)
        if (ret->name.ptr[i] >= 'a' && ret->name.ptr[i] <= 'z') ret->name.ptr[i] -= 32;
    ret->members.len = t->members.len;
    ret->members.ptr = calloc(t->members.len + 1, sizeof *ret->members.ptr);
    for (size_t i = 0; i < t->members.len; i++) {
        T(person) *p = &ret->members.ptr[i];
        const T(person) *q = &t->members.ptr[i];
        kitchen_string_dup(&p->name, q->name.ptr);
        p->age = (uint8_t)(q->age + 1);
        p->score = q->score;
        p->active = q->active;
    }
    return NULL;
}
static weft_error *h_opt(void *u, const kitchen_option_string_t *x, kitchen_option_string_t *ret) {
    (void)u;
    ret->is_some = !x->is_some;
    if (ret->is_some) kitchen_string_dup(&ret->val, "was none");
    return NULL;
}
static weft_error *h_res(void *u, const kitchen_result_u32_string_t *x,
                         kitchen_result_u32_string_t *ret) {
    (void)u;
    ret->is_err = x->is_err;
    if (!x->is_err) ret->val.ok = x->val.ok + 1;
    else kitchen_string_dup(&ret->val.err, "bad!");
    return NULL;
}
static weft_error *h_swap(void *u, const kitchen_tuple2_string_u64_t *t,
                          kitchen_tuple2_u64_string_t *ret) {
    (void)u;
    ret->f0 = t->f1;
    kitchen_string_dup(&ret->f1, t->f0.ptr);
    return NULL;
}
static weft_error *h_birthday(void *u, const T(person) *p, T(person) *ret) {
    (void)u;
    kitchen_string_dup(&ret->name, p->name.ptr);
    ret->age = (uint8_t)(p->age + 1);
    return NULL;
}
static weft_error *h_num(void *u, const T(num) *n, T(num) *ret) {
    (void)u;
    *ret = *n;
    if (n->tag == KITCHEN_TEST_BINDGEN_TYPES_NUM_S) kitchen_string_dup(&ret->val.s, n->val.s.ptr);
    return NULL;
}
static weft_error *h_bits(void *u, const T(bits) *b, T(bits) *ret) {
    (void)u;
    *ret = *b;
    return NULL;
}
static weft_error *h_shape(void *u, const T(shape) *s, T(shape) *ret) {
    (void)u;
    *ret = *s;
    if (s->tag == KITCHEN_TEST_BINDGEN_TYPES_SHAPE_LABEL)
        kitchen_string_dup(&ret->val.label, s->val.label.ptr);
    return NULL;
}
static weft_error *h_color(void *u, T(color) c, T(color) *ret) {
    (void)u;
    *ret = (T(color))((c + 1) % 3);
    return NULL;
}
static weft_error *h_flags(void *u, T(small) s, T(full) f,
                           kitchen_tuple2_test_bindgen_types_small_test_bindgen_types_full_t *ret) {
    (void)u;
    ret->f0 = (T(small))(~s & 7u);
    ret->f1 = f;
    return NULL;
}
static weft_error *h_many(void *u, uint8_t a, int8_t b, uint16_t c, int16_t d, uint32_t e,
                          int32_t f, uint64_t g, int64_t h, float i, double j, uint32_t k, bool l,
                          const str_t *m, const kitchen_test_bindgen_host_bytes_t *n,
                          const kitchen_option_u8_t *o, T(color) p, str_t *ret) {
    (void)u;
    char buf[512];
    snprintf(buf, sizeof buf, "%u %d %u %d %u %d %llu %lld %g %g %u %d %s %zu %s %u", a, b, c, d,
             e, f, (unsigned long long)g, (long long)h, i, j, k, l, m->ptr, n->len,
             o->is_some ? "some" : "none", p);
    kitchen_string_dup(ret, buf);
    return NULL;
}
static weft_error *h_stats(void *u, const kitchen_list_f64_t *xs, T(stats) *ret) {
    (void)u;
    ret->count = (uint32_t)xs->len;
    ret->min = INFINITY;
    ret->max = -INFINITY;
    for (size_t i = 0; i < xs->len; i++) {
        ret->min = fmin(ret->min, xs->ptr[i]);
        ret->max = fmax(ret->max, xs->ptr[i]);
        ret->mean += xs->ptr[i] / (double)xs->len;
    }
    return NULL;
}
static weft_error *w_log(void *u, const str_t *msg) {
    state *st = u;
    if (st->nlogged < 8) snprintf(st->logged[st->nlogged++], 64, "%s", msg->ptr);
    return NULL;
}
static weft_error *w_counter(void *u, uint32_t *ret) {
    *ret = ((state *)u)->nlogged;
    return NULL;
}

/* ---- the calls ------------------------------------------------------------------------------ */

#define V(fn) kitchen_exports_test_bindgen_values_##fn
#define H(fn) kitchen_exports_test_bindgen_host_##fn

static void values(kitchen_host *k) {
    bool b;
    int8_t s8;
    uint64_t u64;
    int64_t s64;
    float f32;
    double f64;
    uint32_t ch, u32;
    OK(V(echo_bool)(k, true, &b));
    CHECK(b);
    OK(V(echo_s8)(k, -128, &s8));
    CHECK(s8 == -128);
    OK(V(echo_u64)(k, UINT64_MAX, &u64));
    CHECK(u64 == UINT64_MAX);
    OK(V(echo_s64)(k, INT64_MIN, &s64));
    CHECK(s64 == INT64_MIN);
    OK(V(negate)(k, -9223372036854775807LL, &s64));
    CHECK(s64 == 9223372036854775807LL);
    OK(V(echo_f32)(k, -0.1f, &f32));
    CHECK(f32 == -0.1f);
    OK(V(echo_f64)(k, -INFINITY, &f64));
    CHECK(f64 == -INFINITY);
    OK(V(half)(k, 3.0f, &f32));
    CHECK(f32 == 1.5f);
    OK(V(next_char)(k, 0x1F600, &ch));
    CHECK(ch == 0x1F601);

    str_t in, out;
    kitchen_string_set(&in, "héllo, 世界 🎉");
    OK(V(echo_string)(k, &in, &out));
    CHECK(str_is(&out, "héllo, 世界 🎉") && out.ptr[out.len] == 0);
    kitchen_string_free(&out);
    kitchen_string_set(&in, "abc é");
    OK(V(shout)(k, &in, &out));
    CHECK(str_is(&out, "ABC é"));
    kitchen_string_free(&out);

    uint8_t bytes[] = {1, 2, 255};
    kitchen_test_bindgen_values_bytes_t bl = {bytes, 3}, br;
    OK(V(reverse)(k, &bl, &br));
    CHECK(br.len == 3 && br.ptr[0] == 255 && br.ptr[2] == 1);
    kitchen_test_bindgen_values_bytes_free(&br);

    str_t parts[3];
    kitchen_string_set(&parts[0], "a");
    kitchen_string_set(&parts[1], "");
    kitchen_string_set(&parts[2], "ü");
    kitchen_list_string_t xs = {parts, 3}, ys;
    str_t sep;
    kitchen_string_set(&sep, "--");
    OK(V(join)(k, &xs, &sep, &out));
    CHECK(str_is(&out, "a----ü"));
    kitchen_string_free(&out);
    kitchen_string_set(&in, "x→y→z");
    OK(V(split)(k, &in, 0x2192, &ys));
    CHECK(ys.len == 3 && str_is(&ys.ptr[0], "x") && str_is(&ys.ptr[2], "z"));
    kitchen_list_string_free(&ys);

    /* records with lists of records */
    T(person) members[2] = {0};
    kitchen_string_set(&members[0].name, "ada");
    members[0].age = 36;
    members[0].score = 1.5;
    members[0].active = true;
    kitchen_string_set(&members[1].name, "bob");
    members[1].age = 7;
    members[1].email.is_some = true;
    kitchen_string_set(&members[1].email.val, "b@x");
    str_t tags[2];
    kitchen_string_set(&tags[0], "x");
    kitchen_string_set(&tags[1], "y");
    members[1].tags = (kitchen_list_string_t){tags, 2};
    T(team) team = {.members = {members, 2}}, renamed;
    kitchen_string_set(&team.name, "core");
    OK(V(roster)(k, &team, &ys));
    CHECK(ys.len == 2 && str_is(&ys.ptr[0], "core/ada") && str_is(&ys.ptr[1], "core/bob"));
    kitchen_list_string_free(&ys);
    kitchen_string_set(&in, "new");
    OK(V(rename_team)(k, &team, &in, &renamed));
    CHECK(str_is(&renamed.name, "new") && renamed.members.len == 2);
    CHECK(renamed.members.len == 2 && renamed.members.ptr[1].email.is_some &&
          str_is(&renamed.members.ptr[1].email.val, "b@x") &&
          renamed.members.ptr[1].tags.len == 2 && str_is(&renamed.members.ptr[1].tags.ptr[1], "y"));
    kitchen_test_bindgen_types_team_free(&renamed);
    T(person) older;
    OK(V(birthday)(k, &members[0], &older));
    CHECK(older.age == 37 && older.email.is_some && str_is(&older.email.val, "ada@example.com") &&
          older.tags.len == 1 && str_is(&older.tags.ptr[0], "older") && older.score == 3.0 && !older.active);
    kitchen_test_bindgen_types_person_free(&older);

    /* options and results */
    kitchen_option_s32_t o32 = {true, -21};
    kitchen_option_s64_t o64;
    OK(V(double_opt)(k, &o32, &o64));
    CHECK(o64.is_some && o64.val == -42);
    o32.is_some = false;
    OK(V(double_opt)(k, &o32, &o64));
    CHECK(!o64.is_some);
    kitchen_result_u32_string_t r;
    kitchen_string_set(&in, "4294967295");
    OK(V(parse_u32)(k, &in, &r));
    CHECK(!r.is_err && r.val.ok == 4294967295u);
    kitchen_string_set(&in, "x");
    OK(V(parse_u32)(k, &in, &r));
    CHECK(r.is_err && str_is(&r.val.err, "not a u32: x"));
    kitchen_result_u32_string_free(&r);
    kitchen_result_void_void_t rv;
    OK(V(check)(k, false, &rv));
    CHECK(rv.is_err);
    kitchen_option_string_t os[3] = {{true, {0}}, {false, {0}}, {true, {0}}};
    kitchen_string_set(&os[0].val, "a");
    kitchen_string_set(&os[2].val, "");
    kitchen_list_option_string_t lo = {os, 3};
    OK(V(count_some)(k, &lo, &u32));
    CHECK(u32 == 2);
    kitchen_tuple2_string_u64_t t2 = {.f1 = UINT64_MAX};
    kitchen_tuple2_u64_string_t t2r;
    kitchen_string_set(&t2.f0, "s");
    OK(V(swap)(k, &t2, &t2r));
    CHECK(t2r.f0 == UINT64_MAX && str_is(&t2r.f1, "s"));
    kitchen_tuple2_u64_string_free(&t2r);

    /* variants, enums, flags */
    T(shape) sh = {.tag = KITCHEN_TEST_BINDGEN_TYPES_SHAPE_PAIR, .val.pair = {255, -4611686018427387904LL}}, shr;
    OK(V(scale)(k, &sh, 1.0f, &shr));
    CHECK(shr.tag == KITCHEN_TEST_BINDGEN_TYPES_SHAPE_PAIR && shr.val.pair.f0 == 0 &&
          shr.val.pair.f1 == INT64_MIN);
    sh = (T(shape)){.tag = KITCHEN_TEST_BINDGEN_TYPES_SHAPE_CIRCLE, .val.circle = 2.5f};
    OK(V(scale)(k, &sh, 2.0f, &shr));
    CHECK(shr.tag == KITCHEN_TEST_BINDGEN_TYPES_SHAPE_CIRCLE && shr.val.circle == 5.0f);
    T(num) n = {.tag = KITCHEN_TEST_BINDGEN_TYPES_NUM_S}, nr;
    kitchen_string_set(&n.val.s, "ok");
    OK(V(echo_num)(k, &n, &nr));
    CHECK(nr.tag == KITCHEN_TEST_BINDGEN_TYPES_NUM_S && str_is(&nr.val.s, "ok"));
    kitchen_test_bindgen_types_num_free(&nr);
    T(color) c;
    OK(V(next_color)(k, KITCHEN_TEST_BINDGEN_TYPES_COLOR_BLUE, &c));
    CHECK(c == KITCHEN_TEST_BINDGEN_TYPES_COLOR_RED);
    T(small) sm;
    OK(V(flip)(k, KITCHEN_TEST_BINDGEN_TYPES_SMALL_READ, &sm));
    CHECK(sm == (KITCHEN_TEST_BINDGEN_TYPES_SMALL_WRITE | KITCHEN_TEST_BINDGEN_TYPES_SMALL_EXEC));
    OK(V(full_count)(k, KITCHEN_TEST_BINDGEN_TYPES_FULL_F0 | KITCHEN_TEST_BINDGEN_TYPES_FULL_F31, &u32));
    CHECK(u32 == 2);
    double fs[] = {1.0, 2.0, 6.0};
    kitchen_list_f64_t fl = {fs, 3};
    T(stats) st;
    OK(V(stats_of)(k, &fl, &st));
    CHECK(st.count == 3 && st.min == 1.0 && st.max == 6.0 && st.mean == 3.0);
    kitchen_option_u8_t o8 = {true, 9};
    kitchen_string_set(&in, "m ü");
    kitchen_test_bindgen_values_bytes_t two = {bytes, 2};
    OK(V(many)(k, 255, -128, 65535, -32768, 4294967295u, INT32_MIN, UINT64_MAX, INT64_MIN, 1.5f,
               -2.25, 0xE9, true, &in, &two, &o8, KITCHEN_TEST_BINDGEN_TYPES_COLOR_GREEN, &out));
    CHECK(str_is(&out, "255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 "
                       "-9223372036854775808 1.500 -2.250 é true m ü [1,2] 9 green"));
    kitchen_string_free(&out);
    OK(kitchen_exports_version(k, &out));
    CHECK(str_is(&out, "kitchen 0.1.0 été"));
    kitchen_string_free(&out);
}

static void through_imports(kitchen_host *k, state *stt) {
    kitchen_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t t8;
    OK(H(ints)(k, -128, 255, -32768, 65535, INT32_MIN, UINT32_MAX, INT64_MIN, UINT64_MAX, &t8));
    CHECK(t8.f0 == -128 && t8.f1 == 255 && t8.f4 == INT32_MIN && t8.f6 == INT64_MIN &&
          t8.f7 == UINT64_MAX);
    kitchen_tuple2_f32_f64_t tf;
    OK(H(floats)(k, 1.5f, -2.25, &tf));
    CHECK(tf.f0 == 3.0f && tf.f1 == 2.25);
    bool b;
    OK(H(is_upper)(k, 'Q', &b));
    CHECK(b);
    str_t a, bb, out;
    kitchen_string_set(&a, "héllo ");
    kitchen_string_set(&bb, "wörld");
    OK(H(concat)(k, &a, &bb, &out));
    CHECK(str_is(&out, "héllo wörld"));
    kitchen_string_free(&out);
    kitchen_list_string_t ws;
    kitchen_string_set(&a, "  a bb  ccc ");
    OK(H(words)(k, &a, &ws));
    CHECK(ws.len == 3 && str_is(&ws.ptr[0], "a") && str_is(&ws.ptr[2], "ccc"));
    kitchen_list_string_free(&ws);
    T(person) m = {.age = 36};
    kitchen_string_set(&m.name, "ada");
    T(team) t = {.members = {&m, 1}}, tr;
    kitchen_string_set(&t.name, "core");
    OK(H(promote)(k, &t, &tr));
    CHECK(str_is(&tr.name, "CORE") && tr.members.len == 1 && tr.members.ptr[0].age == 37);
    kitchen_test_bindgen_types_team_free(&tr);
    kitchen_option_string_t on = {0}, onr;
    OK(H(opt)(k, &on, &onr));
    CHECK(onr.is_some && str_is(&onr.val, "was none"));
    kitchen_option_string_free(&onr);
    kitchen_result_u32_string_t rr = {.is_err = false, .val.ok = 41}, rres;
    OK(H(res)(k, &rr, &rres));
    CHECK(!rres.is_err && rres.val.ok == 42);
    T(shape) sh = {.tag = KITCHEN_TEST_BINDGEN_TYPES_SHAPE_LABEL}, shr;
    kitchen_string_set(&sh.val.label, "hi");
    OK(H(shape_echo)(k, &sh, &shr));
    CHECK(shr.tag == KITCHEN_TEST_BINDGEN_TYPES_SHAPE_LABEL && str_is(&shr.val.label, "hi"));
    kitchen_test_bindgen_types_shape_free(&shr);
    T(bits) bi = {.tag = KITCHEN_TEST_BINDGEN_TYPES_BITS_F, .val.f = -0.5f}, bir;
    OK(H(bits_echo)(k, &bi, &bir));
    CHECK(bir.tag == KITCHEN_TEST_BINDGEN_TYPES_BITS_F && bir.val.f == -0.5f);
    kitchen_tuple2_test_bindgen_types_small_test_bindgen_types_full_t fl;
    OK(H(flags_echo)(k, KITCHEN_TEST_BINDGEN_TYPES_SMALL_READ,
                     KITCHEN_TEST_BINDGEN_TYPES_FULL_F0 | KITCHEN_TEST_BINDGEN_TYPES_FULL_F31, &fl));
    CHECK(fl.f0 == 6 && fl.f1 == (KITCHEN_TEST_BINDGEN_TYPES_FULL_F0 | KITCHEN_TEST_BINDGEN_TYPES_FULL_F31));
    double xs[] = {1, 2, 6};
    kitchen_list_f64_t xl = {xs, 3};
    T(stats) st;
    OK(H(stats_of)(k, &xl, &st));
    CHECK(st.count == 3 && st.mean == 3.0);
    uint32_t n;
    kitchen_string_set(&a, "hi");
    OK(kitchen_exports_log_twice(k, &a, &n));
    CHECK(n == 2 && stt->nlogged == 2 && strcmp(stt->logged[1], "hi") == 0);
    /* a host trap comes back as the export's error */
    stt->trap_next_concat = true;
    weft_error *e = H(concat)(k, &a, &bb, &out);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_TRAP &&
          strstr(weft_error_message(e), "concat refused by the host"));
    weft_error_free(e);
    /* a bad value from the embedder is refused, not passed on */
    e = V(echo_char)(k, 0xD800, &n);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_USAGE && strstr(weft_error_message(e), "char"));
    weft_error_free(e);
    e = V(echo_string)(k, NULL, &out);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_USAGE);
    weft_error_free(e);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    uint8_t *bytes = malloc((size_t)len);
    if (!bytes || fread(bytes, 1, (size_t)len, f) != (size_t)len) return 2;
    fclose(f);
    state st = {0};
    kitchen_imports imp = {
        h_ints,  h_floats, h_negate, h_is_upper, h_next_char, h_concat, h_reverse,
        h_words, h_promote, h_opt,   h_res,      h_swap,      h_birthday, h_num,
        h_bits,  h_shape,  h_color,  h_flags,    h_many,      h_stats,  w_log, w_counter,
    };
    weft_engine *e = weft_engine_new(NULL);
    weft_store *s = weft_store_new(e, NULL);
    kitchen_host *k = NULL;
    /* a missing import function is named */
    kitchen_imports partial = imp;
    partial.log = NULL;
    weft_error *err = kitchen_host_new(e, s, bytes, (size_t)len, &partial, &st, &k);
    CHECK(err && weft_error_kind_of(err) == WEFT_ERR_USAGE && strstr(weft_error_message(err), "log"));
    weft_error_free(err);
    OK(kitchen_host_new(e, s, bytes, (size_t)len, &imp, &st, &k));
    if (k) {
        values(k);
        through_imports(k, &st);
    }
    kitchen_host_free(k);
    weft_store_free(s);
    weft_engine_free(e);
    free(bytes);
    printf("embedder: %d checks, %d failed\n", total, failed);
    return failed || total == 0 ? 1 : 0;
}
