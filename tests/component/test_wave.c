/* test_wave.c: unit tests of the WAVE value syntax (src/component/wave.c): the README's examples
 * parsed and printed in the canonical form, random values of every type printed and parsed back
 * to equal values (floats bit for bit), the spec's shorthands (flat some/ok, omitted none fields,
 * trailing commas, comments, %-escaped keywords, multiline strings), call expressions, and
 * invalid inputs each failing with a message that names the offset and the problem.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "component/ctypes.h"
#include "component/wave.h"
#include "types.h"

static cv_arena *V;

/* ---- types ---------------------------------------------------------------------------------- */

static ct_type *T_FLAGS_N(uint32_t n) {
    ct_type *t = ct_new(A, CT_FLAGS);
    t->name = "many";
    t->fields = ct_alloc(A, sizeof(ct_field) * n);
    t->nfields = n;
    for (uint32_t i = 0; i < n; i++) {
        char b[16];
        int k = snprintf(b, sizeof b, "f%u", i);
        t->fields[i].name = ct_strndup(A, b, (size_t)k);
    }
    return t;
}

/* The types of the README's examples. */
static const ct_type *point, *shape, *color, *perms, *opt_rec, *all_opt, *kw_enum, *kw_variant;

static void make_types(void) {
    point = T_NAMED(CT_RECORD, "point", 2, "x", P(CT_S32), "y", P(CT_S32));
    shape = T_NAMED(CT_VARIANT, "shape", 3, "circle", P(CT_F64), "rect",
                    T_TUPLE(2, P(CT_F32), P(CT_F32)), "none-case", NULL);
    color = T_NAMED(CT_ENUM, "color", 3, "red", NULL, "green", NULL, "blue", NULL);
    perms = T_NAMED(CT_FLAGS, "perms", 3, "read", NULL, "write", NULL, "exec", NULL);
    opt_rec = T_NAMED(CT_RECORD, "example", 2, "must-have", P(CT_U8), "optional",
                      T_OPTION(P(CT_U8)));
    all_opt = T_NAMED(CT_RECORD, "all-optional", 1, "optional", T_OPTION(P(CT_U8)));
    kw_enum = T_NAMED(CT_ENUM, "status", 2, "ok", NULL, "not-found", NULL);
    kw_variant = T_NAMED(CT_VARIANT, "response", 3, "empty", NULL, "body", T_LIST(P(CT_U8)),
                         "err", P(CT_STRING));
}

/* ---- helpers -------------------------------------------------------------------------------- */

static char err[256];

static bool parse(const ct_type *t, const char *text, cv *out) {
    return wave_parse(text, strlen(text), t, V, out, err, sizeof err);
}

/* text parses, prints as canon (text itself when canon is NULL), and canon parses back equal. */
static bool roundtrip_at(const ct_type *t, const char *text, const char *canon, const char *file,
                         int line) {
    cv v, back;
    char *printed = NULL;
    bool ok = parse(t, text, &v);
    if (!ok) fprintf(stderr, "  parse error for %s: %s\n", text, err);
    ok = check_at(ok, file, line, "parses");
    if (!ok) return false;
    ok = check_at(wave_print(&v, &printed), file, line, "prints");
    if (ok) ok = check_str_at(printed, canon ? canon : text, file, line, "printed", "canonical");
    if (ok) {
        ok = check_at(parse(t, printed, &back), file, line, "the printed form parses");
        if (ok) ok = check_at(cv_equal(&v, &back), file, line, "and gives the same value");
    }
    free(printed);
    return ok;
}
#define ROUNDTRIP(t, text, canon) roundtrip_at((t), (text), (canon), __FILE__, __LINE__)

/* text fails to parse with a message containing what. */
static bool reject_at(const ct_type *t, const char *text, const char *what, const char *file,
                      int line) {
    cv v;
    bool ok = check_at(!parse(t, text, &v), file, line, "is rejected");
    return ok && check_contains_at(err, what, file, line, "the message");
}
#define REJECT(t, text, what) reject_at((t), (text), (what), __FILE__, __LINE__)

/* ---- random values -------------------------------------------------------------------------- */


static uint32_t rnd_char(void) {
    static const uint32_t picks[] = {'a', '"', '\'', '\\', '\t', '\n', '\r', 0, 0x1f, 0x7f, 0x85,
                                     '{', '}', '/', 0xe9, 0x20ac, 0xfeff, 0x1f600, 0x10ffff};
    if (rnd() % 2) return picks[rnd() % (sizeof picks / sizeof *picks)];
    for (;;) {
        uint32_t c = (uint32_t)(rnd() % 0x110000);
        if (c < 0xd800 || c > 0xdfff) return c;
    }
}

static uint32_t ncases(const ct_type *t) {
    return t->kind == CT_OPTION || t->kind == CT_RESULT ? 2 : t->nfields;
}

static const ct_type *case_type(const ct_type *t, uint32_t i) {
    if (t->kind == CT_OPTION) return i ? t->elem : NULL;
    if (t->kind == CT_RESULT) return i ? t->err : t->ok;
    if (t->kind == CT_VARIANT) return t->fields[i].type;
    return NULL;
}

static cv rand_value(const ct_type *t, int depth) {
    t = ct_resolve(t);
    cv v;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch (t->kind) {
    case CT_BOOL: v.of.b = rnd() & 1; break;
    case CT_U8: v.of.u = (uint8_t)rnd(); break;
    case CT_U16: v.of.u = (uint16_t)rnd(); break;
    case CT_U32: v.of.u = (uint32_t)rnd(); break;
    case CT_U64: v.of.u = rnd() >> (rnd() % 64); break;
    case CT_S8: v.of.s = (int8_t)rnd(); break;
    case CT_S16: v.of.s = (int16_t)rnd(); break;
    case CT_S32: v.of.s = (int32_t)rnd(); break;
    case CT_S64: v.of.s = (int64_t)rnd() >> (rnd() % 64); break;
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
        size_t n = rnd() % 8, len = 0;
        char *s = cv_alloc(V, n * 4 + 1);
        for (size_t i = 0; i < n; i++) len += utf8_put(rnd_char(), s + len);
        v.of.str.ptr = s;
        v.of.str.len = len;
        break;
    }
    case CT_LIST: case CT_TUPLE: case CT_RECORD: {
        size_t n = t->kind != CT_LIST ? t->nfields : depth > 3 ? 0 : rnd() % 4;
        v.of.seq.items = cv_alloc(V, sizeof(cv) * (n ? n : 1));
        v.of.seq.n = n;
        for (size_t i = 0; i < n; i++)
            v.of.seq.items[i] =
                rand_value(t->kind == CT_LIST ? t->elem : t->fields[i].type, depth + 1);
        break;
    }
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        v.of.var.disc = (uint32_t)(rnd() % ncases(t));
        const ct_type *c = case_type(t, v.of.var.disc);
        if (c) {
            v.of.var.payload = cv_alloc(V, sizeof(cv));
            *v.of.var.payload = rand_value(c, depth + 1);
        }
        break;
    }
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        v.of.flags.words = cv_alloc(V, 4 * (nw ? nw : 1));
        for (uint32_t i = 0; i < nw; i++) v.of.flags.words[i] = (uint32_t)rnd();
        if (t->nfields % 32) v.of.flags.words[nw - 1] &= (1u << (t->nfields % 32)) - 1;
        break;
    }
    default: break;
    }
    return v;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_readme_examples(void) {
    ROUNDTRIP(P(CT_BOOL), "true", NULL);
    ROUNDTRIP(P(CT_BOOL), "false", NULL);
    ROUNDTRIP(P(CT_STRING), "\"text\"", NULL);
    ROUNDTRIP(P(CT_STRING), "\"abc\\t123\"", NULL);
    ROUNDTRIP(T_LIST(P(CT_U32)), "[1, 2]", NULL);
    ROUNDTRIP(T_LIST(P(CT_U32)), "[]", NULL);
    ROUNDTRIP(point, "{x: 1, y: 2}", NULL);
    ROUNDTRIP(point, "{y: -2, x: 1}", "{x: 1, y: -2}");
    ROUNDTRIP(T_OPTION(P(CT_U8)), "some(2)", NULL);
    ROUNDTRIP(T_OPTION(P(CT_U8)), "none", NULL);
    ROUNDTRIP(T_RESULT(P(CT_U8), P(CT_STRING)), "ok(3)", NULL);
    ROUNDTRIP(T_RESULT(P(CT_U8), P(CT_STRING)), "err(\"no\")", NULL);
    ROUNDTRIP(T_RESULT(NULL, P(CT_STRING)), "ok", NULL);
    ROUNDTRIP(T_RESULT(NULL, NULL), "err", NULL);
    ROUNDTRIP(shape, "circle(2.0)", "circle(2)");
    ROUNDTRIP(shape, "rect((1.5, 2.25))", NULL);
    ROUNDTRIP(shape, "none-case", NULL);
    ROUNDTRIP(color, "blue", NULL);
    ROUNDTRIP(perms, "{read, exec}", NULL);
    ROUNDTRIP(perms, "{exec, read}", "{read, exec}");
    ROUNDTRIP(perms, "{}", NULL);
    ROUNDTRIP(T_TUPLE(2, P(CT_STRING), P(CT_U8)), "(\"abc\", 123)", NULL);
    ROUNDTRIP(T_LIST(P(CT_CHAR)), "['a', 'b', 'c']", NULL);
    ROUNDTRIP(P(CT_F64), "3.14", NULL);
    ROUNDTRIP(P(CT_F64), "6.022e+23", "602200000000000000000000");
    ROUNDTRIP(P(CT_F64), "nan", NULL);
    ROUNDTRIP(P(CT_F64), "-inf", NULL);
    ROUNDTRIP(P(CT_S32), "-9", NULL);
    ROUNDTRIP(kw_enum, "%ok", NULL);
    ROUNDTRIP(kw_enum, "not-found", NULL);
    ROUNDTRIP(kw_variant, "%err(\"oops\")", NULL);
    ROUNDTRIP(kw_variant, "body([79, 75])", NULL);
    ROUNDTRIP(kw_variant, "empty", NULL);
    /* The spec's shorthands: flat some and ok, omitted none fields, the empty record. */
    ROUNDTRIP(T_OPTION(P(CT_U8)), "123", "some(123)");
    ROUNDTRIP(T_OPTION(P(CT_STRING)), "\"flat some\"", "some(\"flat some\")");
    ROUNDTRIP(T_RESULT(P(CT_U8), NULL), "123", "ok(123)");
    ROUNDTRIP(opt_rec, "{must-have: 123}", NULL);
    ROUNDTRIP(opt_rec, "{must-have: 123, optional: none,}", "{must-have: 123}");
    ROUNDTRIP(opt_rec, "{must-have: 1, optional: 2}", "{must-have: 1, optional: some(2)}");
    ROUNDTRIP(all_opt, "{:}", NULL);
    ROUNDTRIP(all_opt, "{optional: none}", "{:}");
    ROUNDTRIP(all_opt, "{}", "{:}");
    ROUNDTRIP(T_TUPLE(0), "()", NULL);
}

static void test_numbers_and_text(void) {
    ROUNDTRIP(P(CT_S8), "-128", NULL);
    ROUNDTRIP(P(CT_S8), "127", NULL);
    ROUNDTRIP(P(CT_U64), "18446744073709551615", NULL);
    ROUNDTRIP(P(CT_S64), "-9223372036854775808", NULL);
    ROUNDTRIP(P(CT_S64), "-0", "0");
    ROUNDTRIP(P(CT_F64), "-0.0", "-0");
    ROUNDTRIP(P(CT_F64), "1.5", NULL);
    ROUNDTRIP(P(CT_F64), "0.1", NULL);
    ROUNDTRIP(P(CT_F64), "1e-7", "0.0000001");
    ROUNDTRIP(P(CT_F64), "1E21", "1000000000000000000000");
    ROUNDTRIP(P(CT_F64), "inf", NULL);
    ROUNDTRIP(P(CT_F32), "0.1", NULL);
    ROUNDTRIP(P(CT_F32), "16777217", "16777216");
    ROUNDTRIP(P(CT_F32), "3.4028235e38", "340282350000000000000000000000000000000");
    cv v;
    if (CHECK(parse(P(CT_F64), "-0.0", &v))) CHECK(signbit(v.of.f64) && v.of.f64 == 0);
    if (CHECK(parse(P(CT_F64), "5e-324", &v))) CHECK(v.of.f64 > 0);
    ROUNDTRIP(P(CT_CHAR), "'x'", NULL);
    ROUNDTRIP(P(CT_CHAR), "'\\n'", NULL);
    ROUNDTRIP(P(CT_CHAR), "'\\''", NULL);
    ROUNDTRIP(P(CT_CHAR), "'\"'", "'\\\"'");
    ROUNDTRIP(P(CT_CHAR), "'\\u{1F600}'", "'\xf0\x9f\x98\x80'");
    ROUNDTRIP(P(CT_CHAR), "'\\u{0}'", "'\\u{0}'");
    ROUNDTRIP(P(CT_CHAR), "'\xe2\x98\x83'", NULL);
    if (CHECK(parse(P(CT_CHAR), "'\\u{1F600}'", &v))) CHECK_EQ_INT(v.of.ch, 0x1F600);
    ROUNDTRIP(P(CT_STRING), "\"it's \\\"quoted\\\" \\\\ \\r\\n\"",
              "\"it\\'s \\\"quoted\\\" \\\\ \\r\\n\"");
    ROUNDTRIP(P(CT_STRING), "\"\\u{7f}\\u{1b}[0m\"", NULL);
    ROUNDTRIP(P(CT_STRING), "\"\"", NULL);
    ROUNDTRIP(P(CT_STRING), "\"\xf0\x9f\x91\x8b Hello, world! \xf0\x9f\x91\x8b\"", NULL);
    if (CHECK(parse(P(CT_STRING), "\"a\\u{e9}\\t\"", &v))) {
        CHECK_EQ_INT(v.of.str.len, 4);
        CHECK(memcmp(v.of.str.ptr, "a\xc3\xa9\t", 4) == 0);
    }
    /* Multiline strings: the closing line's indent is removed from every line. */
    const char *ml = "\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\"";
    const char *want = "  Indentation determined\n    by ending delimiter";
    if (CHECK(parse(P(CT_STRING), ml, &v)))
        CHECK(v.of.str.len == strlen(want) && memcmp(v.of.str.ptr, want, strlen(want)) == 0);
    ROUNDTRIP(P(CT_STRING), "\"\"\"\nA single line\n\"\"\"", "\"A single line\"");
    ROUNDTRIP(P(CT_STRING), "\"\"\"\r\n  with \"quotes\" and \\r\r\n  \"\"\"",
              "\"with \\\"quotes\\\" and \\r\"");
    ROUNDTRIP(P(CT_STRING), "\"\"\"\n\"\"\"", "\"\"");
}

static void test_layout_of_text(void) {
    /* Whitespace and comments between tokens, trailing commas. */
    ROUNDTRIP(T_LIST(P(CT_U8)), " // a list\n [ 1 , // one\n 2 , ] // done", "[1, 2]");
    ROUNDTRIP(T_TUPLE(2, P(CT_U8), P(CT_STRING)), "(1, \"a\",)", "(1, \"a\")");
    ROUNDTRIP(point, "{\n  x: 1,\n  y: 2,\n}", "{x: 1, y: 2}");
    ROUNDTRIP(perms, "{ read , }", "{read}");
    ROUNDTRIP(shape, "circle ( 2.5 )", "circle(2.5)");
    ROUNDTRIP(point, "{%x: 1, y: 2}", "{x: 1, y: 2}");
    ROUNDTRIP(color, "%blue", "blue");
    /* Nested: a list of records of strings. */
    const ct_type *person = T_NAMED(CT_RECORD, "person", 2, "name", P(CT_STRING), "tags",
                                    T_LIST(P(CT_STRING)));
    ROUNDTRIP(T_LIST(person), "[{name: \"ada\", tags: [\"admin\", \"\"]}, {name: \"\", tags: []}]",
              NULL);
    ROUNDTRIP(T_OPTION(T_OPTION(P(CT_U8))), "some(none)", NULL);
    ROUNDTRIP(T_OPTION(T_OPTION(P(CT_U8))), "some(some(1))", NULL);
    ROUNDTRIP(T_OPTION(kw_enum), "%ok", "some(%ok)");
    ROUNDTRIP(T_LIST(T_RESULT(P(CT_U8), P(CT_U8))), "[ok(1), err(2), 3]", "[ok(1), err(2), ok(3)]");
    ROUNDTRIP(T_FLAGS_N(40), "{f0, f31, f32, f39}", NULL);
}

static void test_random_roundtrips(void) {
    const ct_type *types[] = {
        P(CT_BOOL), P(CT_S8), P(CT_U8), P(CT_S16), P(CT_U16), P(CT_S32), P(CT_U32), P(CT_S64),
        P(CT_U64), P(CT_F32), P(CT_F64), P(CT_CHAR), P(CT_STRING), T_LIST(P(CT_S16)),
        T_LIST(T_LIST(P(CT_STRING))), T_OPTION(P(CT_F32)), T_OPTION(T_OPTION(P(CT_CHAR))),
        T_RESULT(P(CT_U32), P(CT_STRING)), T_RESULT(NULL, NULL), T_RESULT(NULL, point),
        T_TUPLE(3, P(CT_U8), P(CT_STRING), P(CT_F64)), point, shape, color, perms, opt_rec,
        all_opt, kw_enum, kw_variant, T_FLAGS_N(40), T_FLAGS_N(0),
        T_NAMED(CT_RECORD, "deep", 2, "a", T_LIST(shape), "b", T_OPTION(T_RESULT(color, perms))),
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char name[96];
        check_test = ct_describe(types[i], name, sizeof name);
        for (int k = 0; k < 200; k++) {
            cv v = rand_value(types[i], 0), back;
            char *text = NULL;
            if (!CHECK(wave_print(&v, &text))) break;
            bool ok = parse(types[i], text, &back);
            if (!ok) fprintf(stderr, "  %s: %s\n", text, err);
            ok = CHECK(ok) && CHECK(cv_equal(&v, &back));
            if (!ok) fprintf(stderr, "  printed: %s\n", text);
            free(text);
            if (!ok) break;
        }
    }
}

static void test_floats_exact(void) {
    /* Every f32 bit pattern of a sample, and special f64s, read back bit for bit. */
    static const uint64_t f64s[] = {0x0000000000000001ull, 0x000fffffffffffffull,
                                    0x0010000000000000ull, 0x7fefffffffffffffull,
                                    0x3fb999999999999aull, 0xbff0000000000001ull,
                                    0x4340000000000000ull, 0x3ff0000000000000ull};
    for (size_t i = 0; i < sizeof f64s / sizeof *f64s; i++) {
        cv v = {.type = P(CT_F64)}, back;
        memcpy(&v.of.f64, &f64s[i], 8);
        char *text = NULL;
        if (!CHECK(wave_print(&v, &text))) continue;
        if (CHECK(parse(P(CT_F64), text, &back))) CHECK(memcmp(&v.of.f64, &back.of.f64, 8) == 0);
        free(text);
    }
    for (uint32_t bits = 0x00000001u; bits < 0x7f800000u; bits += 0x00731f1u) {
        cv v = {.type = P(CT_F32)}, back;
        memcpy(&v.of.f32, &bits, 4);
        char *text = NULL;
        if (!CHECK(wave_print(&v, &text))) break;
        bool ok = parse(P(CT_F32), text, &back) && memcmp(&v.of.f32, &back.of.f32, 4) == 0;
        if (!CHECK(ok)) fprintf(stderr, "  f32 0x%08x printed as %s\n", bits, text);
        free(text);
        if (!ok) break;
    }
}

static void test_invalid(void) {
    const ct_type *u8 = P(CT_U8), *u32 = P(CT_U32), *str = P(CT_STRING);
    REJECT(u8, "300", "at byte 0: integer 300 out of range for u8");
    REJECT(T_LIST(u8), "[1, 300]", "at byte 4: integer 300 out of range for u8");
    REJECT(P(CT_S8), "-129", "out of range for s8");
    REJECT(u32, "-1", "out of range for u32");
    REJECT(P(CT_U64), "18446744073709551616", "out of range for u64");
    REJECT(P(CT_S64), "9223372036854775808", "out of range for s64");
    REJECT(u32, "1.5", "expected an integer of type u32");
    REJECT(u32, "1e3", "expected an integer");
    REJECT(u32, "007", "invalid number `007`");
    REJECT(P(CT_F32), "1e39", "out of range for f32");
    REJECT(P(CT_F64), "-nan", "expected a number");
    REJECT(P(CT_F64), "1.", "digits must follow");
    REJECT(color, "purple", "unknown case `purple` of color (cases: red, green, blue)");
    REJECT(color, "Blue-green", "invalid label");
    REJECT(point, "{x: 1}", "missing field `y` in point");
    REJECT(point, "{x: 1, y: 2, z: 3}", "unknown field `z` in point (fields: x, y)");
    REJECT(point, "{x: 1, x: 2, y: 3}", "field `x` given twice");
    REJECT(point, "{x 1, y: 2}", "expected `:` after the field name");
    REJECT(str, "\"a\\qb\"", "at byte 2: bad escape `\\q`");
    REJECT(str, "\"\\u{110000}\"", "not a Unicode scalar value");
    REJECT(str, "\"\\u{}\"", "1 to 6 hex digits");
    REJECT(str, "\"abc", "at byte 0: unterminated string");
    REJECT(str, "\"ab\ncd\"", "unterminated string");
    REJECT(str, "\"\"\"abc\"\"\"", "must end its line");
    REJECT(str, "\"\"\"\n  ab\n x\n  \"\"\"", "indented at least as much");
    REJECT(str, "\"\"\"\nab\"\"\"", "closing \"\"\" must be on a line of its own");
    REJECT(str, "\"a\xff\"", "invalid UTF-8");
    REJECT(u32, "\"5\"", "expected a value of type u32, found `\"5\"`");
    REJECT(str, "5", "expected a value of type string, found `5`");
    REJECT(P(CT_BOOL), "yes", "expected a value of type bool");
    REJECT(u8, "", "found end of input");
    REJECT(P(CT_CHAR), "'ab'", "a char holds one character");
    REJECT(P(CT_CHAR), "''", "empty char");
    REJECT(P(CT_CHAR), "'\\u{D800}'", "not a Unicode scalar value");
    REJECT(P(CT_CHAR), "'a", "unterminated char");
    REJECT(T_LIST(u8), "[1, 2", "expected `,` or `]` in list<u8>, found end of input");
    REJECT(T_LIST(u8), "[1 2]", "expected `,` or `]`");
    REJECT(T_LIST(u8), "[,]", "expected a value of type u8, found `,`");
    REJECT(T_TUPLE(2, u8, u8), "(1)", "tuple<u8, u8> needs 2 values, found 1");
    REJECT(T_TUPLE(2, u8, u8), "(1, 2, 3)", "too many values for tuple<u8, u8>");
    REJECT(perms, "{read, bogus}", "unknown flag `bogus` in perms (flags: read, write, exec)");
    REJECT(perms, "{read, read}", "flag `read` given twice");
    REJECT(perms, "{read: true}", "expected `,` or `}` in perms, found `:`");
    REJECT(T_OPTION(u8), "some", "case `some` needs a payload");
    REJECT(T_OPTION(u8), "none(1)", "case `none` takes no payload");
    REJECT(T_OPTION(T_OPTION(u8)), "2", "expected a value of type option<option<u8>>");
    REJECT(T_RESULT(NULL, str), "ok(1)", "case `ok` takes no payload");
    REJECT(T_RESULT(u8, str), "err", "case `err` needs a payload");
    REJECT(shape, "circle", "case `circle` needs a payload");
    REJECT(shape, "none-case(1)", "takes no payload");
    REJECT(kw_enum, "ok", "`ok` is a keyword: write the case of status as %ok");
    REJECT(color, "none", "expected a value of type color, found `none`");
    REJECT(color, "5", "expected a value of type color, found `5`");
    REJECT(perms, "{1}", "expected a flag of perms, found `1`");
    REJECT(u8, "1 2", "at byte 2: unexpected `2` after the value");
    REJECT(point, "{x: 1, y: 2} // fine\n}", "unexpected `}` after the value");
    /* Nesting deeper than WAVE_MAX_DEPTH. */
    const ct_type *deep = u8;
    for (int i = 0; i < 150; i++) deep = T_LIST(deep);
    char text[400];
    memset(text, '[', 150);
    text[150] = 0;
    REJECT(deep, text, "nest deeper than 100");
    /* Resources have no syntax. */
    ct_type *res = ct_new(A, CT_RESOURCE);
    REJECT(T1(CT_OWN, res), "1", "no WAVE syntax");
}

static void test_print_refuses(void) {
    char *out = (char *)1;
    cv s = {.type = P(CT_STRING)};
    s.of.str.ptr = "a\xff";
    s.of.str.len = 2;
    CHECK(!wave_print(&s, &out));
    CHECK(out == NULL);
    cv c = {.type = P(CT_CHAR)};
    c.of.ch = 0xd800;
    CHECK(!wave_print(&c, &out));
    cv e = {.type = color};
    e.of.var.disc = 3;
    CHECK(!wave_print(&e, &out));
    ct_type *res = ct_new(A, CT_RESOURCE);
    cv h = {.type = T1(CT_OWN, res)};
    CHECK(!wave_print(&h, &out));
}

static ct_func *func(const char *name, int n, ...) {
    ct_func *f = ct_alloc(A, sizeof *f);
    f->name = name;
    f->params = ct_alloc(A, sizeof(ct_field) * (n ? n : 1));
    f->nparams = (uint32_t)n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        f->params[i].name = va_arg(ap, const char *);
        f->params[i].type = va_arg(ap, const ct_type *);
    }
    va_end(ap);
    return f;
}

static bool call(const ct_func *f, const char *text, cv *args) {
    return wave_parse_call(text, strlen(text), f, V, args, err, sizeof err);
}

static void test_calls(void) {
    ct_func *add = func("add", 2, "a", P(CT_S32), "b", P(CT_S32));
    ct_func *opt = func("f", 3, "a", P(CT_U8), "b", T_OPTION(P(CT_U8)), "c", T_OPTION(P(CT_U8)));
    ct_func *none = func("ping", 0);
    cv args[3];
    const char *name;
    size_t n;
    REQUIRE(CHECK(wave_call_name("add(2, 40)", 10, &name, &n, err, sizeof err)));
    CHECK(n == 3 && memcmp(name, "add", 3) == 0);
    const char *q = "  acme:math/ops@0.1.0#add (2, 40)";
    REQUIRE(CHECK(wave_call_name(q, strlen(q), &name, &n, err, sizeof err)));
    CHECK(n == 23 && memcmp(name, "acme:math/ops@0.1.0#add", 23) == 0);
    REQUIRE(CHECK(call(add, q, args)));
    CHECK(args[0].of.s == 2 && args[1].of.s == 40);
    REQUIRE(CHECK(call(add, "add(-2, 40,)", args)));
    CHECK_EQ_INT(args[0].of.s, -2);
    REQUIRE(CHECK(call(opt, "f(1)", args)));
    CHECK(args[0].of.u == 1 && args[1].of.var.disc == 0 && args[2].of.var.disc == 0);
    REQUIRE(CHECK(call(opt, "f(1, some(2))", args)));
    CHECK(args[1].of.var.disc == 1 && args[1].of.var.payload->of.u == 2);
    REQUIRE(CHECK(call(none, "ping()", args)));
    REQUIRE(CHECK(call(none, "[method]counter.get() // comment", args)));
    CHECK(!call(add, "add(1)", args));
    CHECK_CONTAINS(err, "missing argument `b` (s32) of add");
    CHECK(!call(opt, "f()", args));
    CHECK_CONTAINS(err, "missing argument `a` (u8) of f");
    CHECK(!call(add, "add(1, 2, 3)", args));
    CHECK_CONTAINS(err, "too many arguments: add takes 2");
    CHECK(!call(add, "add(1, \"x\")", args));
    CHECK_CONTAINS(err, "at byte 7: expected a value of type s32");
    CHECK(!call(add, "add(1, 2) extra", args));
    CHECK_CONTAINS(err, "unexpected `extra` after the call");
    CHECK(!call(add, "add 1, 2", args));
    CHECK_CONTAINS(err, "expected `(` after the function name");
    CHECK(!wave_call_name("(1)", 3, &name, &n, err, sizeof err));
    CHECK_CONTAINS(err, "expected a function name");
done:;
}

int main(void) {
    rng = 0x2545F4914F6CDD1Dull;
    A = ct_arena_new();
    V = cv_arena_new();
    make_types();
    RUN(test_readme_examples);
    RUN(test_numbers_and_text);
    RUN(test_layout_of_text);
    RUN(test_random_roundtrips);
    RUN(test_floats_exact);
    RUN(test_invalid);
    RUN(test_print_refuses);
    RUN(test_calls);
    cv_arena_free(V);
    ct_arena_free(A);
    return check_report("test_wave");
}
