/* test_cbin.c: the component binary decoder (src/component/cbin.c).
 *
 * Always: synthetic components built here byte by byte (types, canon options, start, nesting and
 * outer aliases, core types, limits, and one malformed input per error path), and truncations
 * and byte flips of them. With a directory argument: the components build_components.sh made
 * with jco from tests/component/cbin/, whose structure is checked exactly (instances, functions
 * and their types, canon options, core modules, which must compile with weft_module_new), then
 * every truncation and a few thousand byte flips of each, which must fail cleanly or decode.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/cbin.h"
#include "unit/check.h"
#include "weft.h"

/* ---- a byte builder for synthetic components ------------------------------------------------- */

typedef struct bb {
    uint8_t *p;
    size_t n, cap;
} bb;

static void bb_put(bb *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}

#define BYTES(b, ...)                                                                              \
    bb_put((b), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void bb_byte(bb *b, unsigned x) {
    uint8_t c = (uint8_t)x;
    bb_put(b, &c, 1);
}

static void bb_u32(bb *b, uint64_t v) {
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        if (v) c |= 0x80;
        bb_byte(b, c);
    } while (v);
}

static void bb_s33(bb *b, int64_t v) {
    for (;;) {
        uint8_t c = v & 0x7F;
        v >>= 7;
        if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
            bb_byte(b, c);
            return;
        }
        bb_byte(b, c | 0x80);
    }
}

static void bb_name(bb *b, const char *s) {
    bb_u32(b, strlen(s));
    bb_put(b, s, strlen(s));
}

/* importname' / exportname': the 0x00 discriminant, then the name */
static void bb_xname(bb *b, const char *s) {
    bb_byte(b, 0);
    bb_name(b, s);
}

/* Appends section id with content (consumed). */
static void bb_section(bb *b, unsigned id, bb *content) {
    bb_byte(b, id);
    bb_u32(b, content->n);
    bb_put(b, content->p, content->n);
    free(content->p);
    *content = (bb){0};
}

static bb comp_new(void) {
    bb b = {0};
    BYTES(&b, 0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00);
    return b;
}

static const uint8_t empty_core_module[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

/* ---- decoding helpers ------------------------------------------------------------------------ */

static void print_error(const weft_error *e) {
    char *s = weft_error_format(e);
    fprintf(stderr, "    error: %s\n", s ? s : weft_error_message(e));
    free(s);
}

/* Decodes a copy of exactly len bytes, so ASan sees any read past the end. */
static weft_error *decode_copy(const uint8_t *bytes, size_t len, cbin_component **out) {
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) abort();
    if (len) memcpy(copy, bytes, len);
    weft_error *e = cbin_decode(copy, len, out);
    if (!e) {
        /* the component borrows module bytes from its input: keep the copy with it */
        cbin_free(*out);
        e = cbin_decode(bytes, len, out);
    }
    free(copy);
    return e;
}

static cbin_component *decode_ok_at(const bb *b, const char *file, int line) {
    cbin_component *c = NULL;
    weft_error *e = decode_copy(b->p, b->n, &c);
    if (e) print_error(e);
    check_at(e == NULL && c != NULL, file, line, "decodes");
    weft_error_free(e);
    return c;
}
#define decode_ok(b) decode_ok_at((b), __FILE__, __LINE__)

static void decode_fails_at(const uint8_t *p, size_t n, weft_error_kind kind, const char *needle,
                            const char *file, int line) {
    cbin_component *c = (cbin_component *)1;
    weft_error *e = decode_copy(p, n, &c);
    check_at(e != NULL, file, line, "decoding fails");
    check_at(c == NULL, file, line, "no component on failure");
    if (!e) {
        cbin_free(c);
        return;
    }
    check_int_at(weft_error_kind_of(e), kind, file, line, "kind", "expected kind");
    check_contains_at(weft_error_message(e), needle, file, line, "message");
    check_contains_at(weft_error_message(e), "at byte", file, line, "message");
    weft_error_free(e);
}
#define decode_fails(b, kind, needle)                                                              \
    decode_fails_at((b)->p, (b)->n, (kind), (needle), __FILE__, __LINE__)

static const char *describe(const cbin_type *t) {
    static char buf[1024];
    return cbin_describe_type(t, buf, sizeof buf);
}

static const char *ct_str(const ct_type *t) {
    static char buf[256];
    return ct_describe(t, buf, sizeof buf);
}

/* Dumps to nowhere and asks every question an instantiator would: none may crash. */
static void exercise(const cbin_component *c, int depth) {
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        cbin_dump(c, devnull);
        fclose(devnull);
    }
    for (uint32_t i = 0; i < c->ninstances; i++) {
        const cbin_type *t = c->instances[i].type;
        for (uint32_t k = 0; t && k < t->nexports; k++) {
            cbin_sort s;
            uint32_t idx;
            if (cbin_instance_export_source(c, i, t->exports[k].name, &s, &idx))
                CHECK(idx < cbin_count(c, s));
        }
    }
    for (int s = 0; s < CBIN_NSORTS; s++)
        for (uint32_t i = 0; i < cbin_count(c, (cbin_sort)s); i++) {
            CHECK(cbin_origin_of(c, (cbin_sort)s, i) != NULL);
            (void)cbin_item_type(c, (cbin_sort)s, i);
        }
    for (uint32_t i = 0; i < c->ncomponents && depth < 8; i++)
        if (c->components[i].def) exercise(c->components[i].def, depth + 1);
}

/* Every prefix, then byte flips with a fixed seed: each must fail with a located error or decode
 * (a prefix ending at a section boundary is a valid component). */
static void robustness(const char *name, const uint8_t *bytes, size_t len, unsigned flips) {
    unsigned ok = 0, failed = 0, bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        cbin_component *c = NULL;
        weft_error *e = decode_copy(bytes, cut, &c);
        if (e) {
            failed++;
            int64_t off = weft_error_offset(e);
            if (off < 0 || (size_t)off > cut || !weft_error_message(e)[0]) bad++;
            weft_error_free(e);
        } else {
            ok++;
            exercise(c, 0);
            cbin_free(c);
        }
    }
    /* flips land outside core modules (which weft_module_new checks, not this decoder) */
    uint8_t *skip = calloc(len, 1), *copy = malloc(len);
    if (!skip || !copy) abort();
    cbin_component *whole = NULL;
    weft_error *we = cbin_decode(bytes, len, &whole);
    weft_error_free(we);
    for (uint32_t i = 0; whole && i < whole->ncore_modules; i++)
        if (whole->core_modules[i].o.how == CBIN_DEFINED)
            memset(skip + (whole->core_modules[i].bytes - bytes), 1, whole->core_modules[i].len);
    cbin_free(whole);
    size_t nskip = 0;
    for (size_t i = 0; i < len; i++) nskip += skip[i];
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ len;
    for (unsigned i = 0; i < flips; i++) {
        memcpy(copy, bytes, len);
        unsigned nflip = 1 + (unsigned)(i % 3);
        for (unsigned k = 0; k < nflip; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t pos = (size_t)(seed >> 33) % len;
            while (skip[pos] && nskip < len) pos = (pos + 1) % len;
            uint8_t v = (uint8_t)(seed >> 17);
            if ((seed >> 60) & 1) v = (uint8_t)(copy[pos] ^ (1u << ((seed >> 25) & 7)));
            copy[pos] = v;
        }
        cbin_component *c = NULL;
        weft_error *e = cbin_decode(copy, len, &c);
        if (e) {
            failed++;
            int64_t off = weft_error_offset(e);
            if (off < 0 || (size_t)off > len || !weft_error_message(e)[0]) bad++;
            weft_error_free(e);
        } else {
            ok++;
            exercise(c, 0);
            cbin_free(c);
        }
    }
    free(copy);
    free(skip);
    CHECK_EQ_INT(bad, 0);
    CHECK(failed > 0);
    printf("  %s: %zu truncations and %u flips: %u decoded, %u failed cleanly\n", name, len, flips,
           ok, failed);
}

/* ---- synthetic: preamble and sections -------------------------------------------------------- */

static void test_preamble(void) {
    bb b = comp_new();
    cbin_component *c = decode_ok(&b);
    if (c) {
        for (int s = 0; s < CBIN_NSORTS; s++) CHECK_EQ_INT(cbin_count(c, (cbin_sort)s), 0);
        CHECK(c->type && c->type->kind == CBIN_TYPE_COMPONENT && c->type->nexports == 0);
        CHECK_EQ_INT(c->ndefs, 0);
        cbin_free(c);
    }
    CHECK(cbin_is_component(b.p, b.n));
    CHECK(!cbin_is_component(empty_core_module, 8));
    CHECK(!cbin_is_component(b.p, 7));
    cbin_free(NULL);

    cbin_component *out = (cbin_component *)1;
    weft_error *e = cbin_decode(empty_core_module, 8, &out);
    CHECK(e && !out);
    if (e) {
        CHECK_EQ_INT(weft_error_kind_of(e), WEFT_ERR_MALFORMED);
        CHECK_CONTAINS(weft_error_message(e), "this is a core module, not a component");
        CHECK_EQ_INT(weft_error_offset(e), 4);
        weft_error_free(e);
    }

    b.p[4] = 0x0C;
    decode_fails(&b, WEFT_ERR_UNSUPPORTED,
                 "version 0xc is not supported (weft reads 0x0d)");
    b.p[4] = 0x0D;
    b.p[6] = 2;
    decode_fails(&b, WEFT_ERR_MALFORMED, "unknown layer 2");
    b.p[6] = 1;
    b.p[1] = 'b';
    decode_fails(&b, WEFT_ERR_MALFORMED, "no \\0asm magic number");
    b.p[1] = 0x61;
    decode_fails_at(b.p, 5, WEFT_ERR_MALFORMED, "unexpected end", __FILE__, __LINE__);
    decode_fails_at(b.p, 0, WEFT_ERR_MALFORMED, "unexpected end", __FILE__, __LINE__);
    free(b.p);
}

static void test_section_errors(void) {
    bb b = comp_new(), s = {0};
    BYTES(&b, 7, 16, 1); /* 16 bytes declared, one there */
    decode_fails(&b, WEFT_ERR_MALFORMED,
                 "component section 7 (type) at byte 9: section of 16 bytes runs past the end");
    free(b.p);

    b = comp_new();
    BYTES(&b, 13, 0);
    decode_fails(&b, WEFT_ERR_MALFORMED, "unknown section id 13");
    free(b.p);

    b = comp_new();
    BYTES(&b, 12, 1, 0);
    decode_fails(&b, WEFT_ERR_UNSUPPORTED, "value definitions are not supported");
    free(b.p);

    b = comp_new(); /* a huge count */
    bb_u32(&s, 0xFFFFFFFFu);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_LIMIT, "too many types (4294967295, limit 1000000)");
    free(b.p);

    b = comp_new(); /* a count the bytes cannot hold */
    bb_u32(&s, 1000);
    BYTES(&s, 0x73, 0x73);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "1000 types declared but only 2 bytes left");
    free(b.p);

    b = comp_new();
    BYTES(&s, 1, 0x73, 0x00);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "1 bytes left over at the end of the section");
    free(b.p);

    b = comp_new(); /* alias func "x" of instance 4, with no instance */
    BYTES(&s, 1, 0x01, 0x00, 4);
    bb_name(&s, "x");
    bb_section(&b, 6, &s);
    decode_fails(&b, WEFT_ERR_INVALID,
                 "component section 6 (alias) at byte 13: alias of unknown instance 4");
    free(b.p);

    b = comp_new(); /* an import name that is not UTF-8 */
    BYTES(&s, 1, 0x00, 2, 0xFF, 0xFE, 0x01, 0x00);
    bb_section(&b, 10, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "name is not valid UTF-8");
    free(b.p);

    b = comp_new();
    BYTES(&s, 1, 0x00, 2, 'a', 0x00, 0x01, 0x00);
    bb_section(&b, 10, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "name contains a NUL byte");
    free(b.p);

    b = comp_new(); /* a LEB128 cut short inside its section */
    BYTES(&s, 0x80);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "unexpected end");
    free(b.p);

    b = comp_new(); /* a core module section holding something else */
    BYTES(&s, 1, 2, 3);
    bb_section(&b, 1, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "core module section does not hold a core module");
    free(b.p);

    b = comp_new(); /* an import of a func whose type is not a func type */
    BYTES(&s, 1, 0x79);
    bb_section(&b, 7, &s);
    BYTES(&s, 1);
    bb_xname(&s, "f");
    BYTES(&s, 0x01, 0);
    bb_section(&b, 10, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "type 0 is a value type, not a func type");
    free(b.p);
}

/* ---- synthetic: value and function types ----------------------------------------------------- */

static void test_types(void) {
    bb b = comp_new(), s = {0};
    BYTES(&s, 15);
    BYTES(&s, 0x72, 2, 1, 'a', 0x79, 1, 'b', 0x73); /* 0 record {a: u32, b: string} */
    BYTES(&s, 0x71, 2, 1, 'x', 1, 0x7D, 0, 1, 'y', 0, 0);           /* 1 variant {x(u8), y} */
    BYTES(&s, 0x70, 0x00);                                           /* 2 list<0> */
    BYTES(&s, 0x6F, 2, 0x7D, 0x78);                                  /* 3 tuple<u8, s64> */
    BYTES(&s, 0x6E, 2, 1, 'r', 1, 'w');                              /* 4 flags {r, w} */
    BYTES(&s, 0x6D, 3, 1, 'p', 1, 'q', 1, 's');                      /* 5 enum {p, q, s} */
    BYTES(&s, 0x6B, 0x73);                                           /* 6 option<string> */
    BYTES(&s, 0x6A, 1, 0x79, 1, 0x00);                               /* 7 result<u32, 0> */
    BYTES(&s, 0x6A, 0, 0);                                           /* 8 result */
    BYTES(&s, 0x3F, 0x7F, 0);                                        /* 9 resource */
    BYTES(&s, 0x69, 9);                                              /* 10 own<9> */
    BYTES(&s, 0x68, 9);                                              /* 11 borrow<9> */
    BYTES(&s, 0x40, 2, 1, 'a', 10, 1, 'b', 11, 0x01, 2, 1, 'x', 0x79, 1, 'y', 0x73); /* 12 */
    BYTES(&s, 0x40, 0, 0x00, 8);                                     /* 13 func() -> result */
    BYTES(&s, 0x7D);                                                 /* 14 u8 */
    bb_section(&b, 7, &s);
    BYTES(&s, 2);
    bb_xname(&s, "my-rec");
    BYTES(&s, 0x03, 0, 0);
    bb_xname(&s, "byte");
    BYTES(&s, 0x03, 14, 0);
    bb_section(&b, 11, &s);
    cbin_component *c = decode_ok(&b);
    if (!c) goto done;
    REQUIRE_EQ_INT(c->ntypes, 17);
    const ct_type *rec = c->types[0].type->val;
    CHECK_EQ_INT(rec->kind, CT_RECORD);
    CHECK_EQ_STR(rec->name, "my-rec"); /* named in place by its export */
    REQUIRE_EQ_INT(rec->nfields, 2);
    CHECK_EQ_STR(rec->fields[0].name, "a");
    CHECK_EQ_INT(rec->fields[0].type->kind, CT_U32);
    CHECK_EQ_INT(rec->fields[1].type->kind, CT_STRING);
    CHECK(c->types[15].type == c->types[0].type);
    CHECK_EQ_STR(describe(c->types[1].type), "variant { x(u8), y }");
    CHECK_EQ_STR(ct_str(c->types[2].type->val), "list<my-rec>");
    CHECK(c->types[2].type->val->elem == rec);
    CHECK_EQ_STR(ct_str(c->types[3].type->val), "tuple<u8, s64>");
    CHECK_EQ_STR(describe(c->types[4].type), "flags { r, w }");
    CHECK_EQ_STR(describe(c->types[5].type), "enum { p, q, s }");
    CHECK_EQ_STR(ct_str(c->types[6].type->val), "option<string>");
    CHECK_EQ_STR(ct_str(c->types[7].type->val), "result<u32, my-rec>");
    CHECK(c->types[8].type->val->ok == NULL && c->types[8].type->val->err == NULL);
    const cbin_type *res = c->types[9].type;
    CHECK_EQ_INT(res->kind, CBIN_TYPE_RESOURCE);
    CHECK(!res->abstract && !res->has_dtor);
    CHECK_EQ_INT(res->val->kind, CT_RESOURCE);
    CHECK(c->types[10].type->val->kind == CT_OWN && c->types[10].type->val->elem == res->val);
    CHECK(c->types[11].type->val->kind == CT_BORROW && c->types[11].type->val->elem == res->val);
    const cbin_type *ft = c->types[12].type;
    REQUIRE_EQ_INT(ft->kind, CBIN_TYPE_FUNC);
    CHECK_EQ_INT(ft->func->nparams, 2);
    CHECK_EQ_INT(ft->func->nresults, 2);
    CHECK_EQ_STR(ft->func->results[1].name, "y");
    CHECK_EQ_STR(describe(ft),
                 "func(a: own<resource>, b: borrow<resource>) -> (x: u32, y: string)");
    CHECK_EQ_STR(describe(c->types[13].type), "func() -> result");
    /* a primitive cannot be renamed in place: its export is an alias */
    const ct_type *byte = c->types[16].type->val;
    CHECK_EQ_INT(byte->kind, CT_ALIAS);
    CHECK_EQ_STR(byte->name, "byte");
    CHECK(ct_resolve(byte)->kind == CT_U8);
    CHECK(c->types[14].type->val->name == NULL);
    CHECK_EQ_INT(c->nexports, 2);
    CHECK_EQ_INT(c->exports[1].index, 16);
    CHECK_EQ_INT(c->exports[1].target, 14);
    robustness("types", b.p, b.n, 2000);
done:
    cbin_free(c);
    free(b.p);

    /* type index 64 is a two-byte s33 (0xc0 0x00); a one-byte 0x40 is not a value type */
    b = comp_new();
    BYTES(&s, 66);
    for (int i = 0; i < 65; i++) bb_byte(&s, 0x7D);
    bb_byte(&s, 0x70);
    bb_s33(&s, 64);
    bb_section(&b, 7, &s);
    c = decode_ok(&b);
    if (c) {
        CHECK_EQ_STR(ct_str(c->types[65].type->val), "list<u8>");
        cbin_free(c);
    }
    free(b.p);
    b = comp_new();
    BYTES(&s, 1, 0x70, 0x40);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "0x40 is not a value type");
    free(b.p);

    b = comp_new(); /* own of a non-resource */
    BYTES(&s, 2, 0x79, 0x69, 0);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "own of type 0, a value type, not a resource");
    free(b.p);

    b = comp_new(); /* a record without fields */
    BYTES(&s, 1, 0x72, 0);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_MALFORMED, "record fields: none declared");
    free(b.p);

    b = comp_new(); /* async types */
    BYTES(&s, 1, 0x66, 0x7F);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_UNSUPPORTED, "async types and functions (0x66) are not supported");
    free(b.p);

    b = comp_new(); /* a forward type reference */
    BYTES(&s, 1, 0x70, 3);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "unknown type 3 (0 defined)");
    free(b.p);
}

/* ---- synthetic: canon definitions, core instances, aliases, start, exports ------------------- */

/* The component test_canon decodes; also fed to the robustness check. */
static bb canon_component(void) {
    bb b = comp_new(), s = {0};
    bb_put(&s, empty_core_module, 8);
    bb_section(&b, 1, &s);
    BYTES(&s, 1, 0x00, 0, 0); /* core instance 0: instantiate module 0 */
    bb_section(&b, 2, &s);
    BYTES(&s, 4, 0x00, 0x02, 0x01, 0); /* core memory 0 = export "mem" of core instance 0 */
    bb_name(&s, "mem");
    BYTES(&s, 0x00, 0x00, 0x01, 0);
    bb_name(&s, "f");
    BYTES(&s, 0x00, 0x00, 0x01, 0);
    bb_name(&s, "r");
    BYTES(&s, 0x00, 0x00, 0x01, 0);
    bb_name(&s, "p");
    bb_section(&b, 6, &s);
    BYTES(&s, 1, 0x40, 1, 1, 's', 0x73, 0x00, 0x73); /* type 0: func(s: string) -> string */
    bb_section(&b, 7, &s);
    BYTES(&s, 3,
          0x00, 0x00, 0, 4, 0x01, 0x03, 0, 0x04, 1, 0x05, 2, 0, /* func 0: lift, utf16 */
          0x00, 0x00, 0, 1, 0x02, 0,                           /* func 1: lift, latin1+utf16 */
          0x01, 0x00, 0, 3, 0x00, 0x03, 0, 0x04, 1);           /* core func 3: lower func 0 */
    bb_section(&b, 8, &s);
    BYTES(&s, 1, 0x3F, 0x7F, 1, 0); /* type 1: resource with destructor core func 0 */
    bb_section(&b, 7, &s);
    BYTES(&s, 3, 0x02, 1, 0x03, 1, 0x04, 1); /* core funcs 4, 5, 6: resource.new/drop/rep */
    bb_section(&b, 8, &s);
    BYTES(&s, 1, 0x01, 2); /* core instance 1: from exports "a" (core func 3), "m" (memory 0) */
    bb_name(&s, "a");
    BYTES(&s, 0x00, 3);
    bb_name(&s, "m");
    BYTES(&s, 0x02, 0);
    bb_section(&b, 2, &s);
    BYTES(&s, 1, 0x00, 0x00, 0x01, 1); /* core func 7 = export "a" of core instance 1 */
    bb_name(&s, "a");
    bb_section(&b, 6, &s);
    BYTES(&s, 1, 0x01, 1); /* instance 0: from exports "g" = func 0 */
    bb_xname(&s, "g");
    BYTES(&s, 0x01, 0);
    bb_section(&b, 5, &s);
    BYTES(&s, 1, 0x01, 0x00, 0); /* func 2 = export "g" of instance 0 */
    bb_name(&s, "g");
    bb_section(&b, 6, &s);
    BYTES(&s, 1);
    bb_xname(&s, "iface"); /* instance 1 = export "iface" of instance 0 */
    BYTES(&s, 0x05, 0, 0);
    bb_section(&b, 11, &s);
    BYTES(&s, 2, 0, 1); /* start func 2, no arguments, one result (value 0) */
    bb_section(&b, 9, &s);
    BYTES(&s, 1);
    bb_xname(&s, "f2"); /* func 3 = export "f2" of func 2, ascribed type 0 */
    BYTES(&s, 0x01, 2, 1, 0x01, 0);
    bb_section(&b, 11, &s);
    bb_name(&s, "note");
    BYTES(&s, 'h', 'i');
    bb_section(&b, 0, &s);
    return b;
}

static void test_canon(void) {
    bb b = canon_component(), s = {0};
    cbin_component *c = decode_ok(&b);
    if (!c) goto done;
    CHECK_EQ_INT(c->ncore_modules, 1);
    CHECK_EQ_INT(c->core_modules[0].len, 8);
    CHECK(memcmp(c->core_modules[0].bytes, empty_core_module, 8) == 0);
    CHECK_EQ_INT(c->ncore_instances, 2);
    CHECK_EQ_INT(c->ncore_memories, 1);
    CHECK_EQ_STR(c->core_memories[0].o.name, "mem");
    REQUIRE_EQ_INT(c->ncore_funcs, 8);
    REQUIRE_EQ_INT(c->nfuncs, 4);
    const cbin_func *f0 = &c->funcs[0];
    CHECK_EQ_INT(f0->o.how, CBIN_DEFINED);
    CHECK_EQ_INT(f0->core_func, 0);
    CHECK_EQ_INT(f0->type_index, 0);
    CHECK(f0->opts.has_encoding && f0->opts.encoding == CBIN_UTF16);
    CHECK(f0->opts.has_memory && f0->opts.memory == 0);
    CHECK(f0->opts.has_realloc && f0->opts.realloc == 1);
    CHECK(f0->opts.has_post_return && f0->opts.post_return == 2);
    CHECK_EQ_STR(describe(f0->type), "func(s: string) -> string");
    CHECK_EQ_INT(c->funcs[1].opts.encoding, CBIN_LATIN1_UTF16);
    CHECK(!c->funcs[1].opts.has_memory && !c->funcs[1].opts.has_realloc);
    const cbin_core_func *lower = &c->core_funcs[3];
    CHECK(lower->o.how == CBIN_DEFINED && lower->canon == CBIN_CANON_LOWER && lower->target == 0);
    CHECK(lower->opts.has_encoding && lower->opts.encoding == CBIN_UTF8 && lower->opts.has_realloc);
    CHECK(!lower->opts.has_post_return);
    const cbin_type *res = c->types[1].type;
    CHECK(res->kind == CBIN_TYPE_RESOURCE && res->has_dtor && res->dtor == 0 && !res->abstract);
    CHECK(c->core_funcs[4].canon == CBIN_CANON_RESOURCE_NEW && c->core_funcs[4].target == 1);
    CHECK(c->core_funcs[5].canon == CBIN_CANON_RESOURCE_DROP);
    CHECK(c->core_funcs[6].canon == CBIN_CANON_RESOURCE_REP);
    const cbin_core_instance *ci = &c->core_instances[1];
    CHECK(ci->from_exports && ci->nargs == 2);
    CHECK(ci->args[1].sort == CBIN_CORE_MEMORY && ci->args[1].index == 0);
    CHECK(c->core_funcs[7].o.how == CBIN_ALIAS_CORE_EXPORT && c->core_funcs[7].o.index == 1);
    /* func 2 is "g" of instance 0, and instance 1 re-exports instance 0 */
    CHECK(c->funcs[2].o.how == CBIN_ALIAS_EXPORT && c->funcs[2].type == f0->type);
    CHECK_EQ_INT(c->instances[1].o.how, CBIN_EXPORT);
    cbin_sort sort;
    uint32_t idx;
    CHECK(cbin_instance_export_source(c, 1, "g", &sort, &idx) && sort == CBIN_FUNC && idx == 0);
    CHECK(!cbin_instance_export_source(c, 1, "nope", &sort, &idx));
    CHECK(!cbin_instance_export_source(c, 7, "g", &sort, &idx));
    REQUIRE_EQ_INT(c->nstarts, 1);
    CHECK(c->starts[0].func == 2 && c->starts[0].nresults == 1);
    CHECK_EQ_INT(c->nvalues, 1);
    CHECK_EQ_STR(ct_str(c->values[0].type->val), "string");
    const cbin_export *f2 = cbin_find_export(c, "f2");
    CHECK(f2 && f2->ascribed && f2->sort == CBIN_FUNC && f2->target == 2 && f2->index == 3);
    CHECK(cbin_find_export(c, "iface") && !cbin_find_export(c, "zz") && !cbin_find_import(c, "x"));
    CHECK(c->type->nexports == 2 && c->type->exports[0].sort == CBIN_INSTANCE);
    REQUIRE_EQ_INT(c->ncustoms, 1);
    CHECK(c->customs[0].len == 2 && memcmp(c->customs[0].data, "hi", 2) == 0);
    CHECK_EQ_STR(c->customs[0].name, "note");
    /* definitions in binary order, the start among them */
    CHECK(c->ndefs > 10 && c->defs[0].sort == CBIN_CORE_MODULE &&
          c->defs[1].sort == CBIN_CORE_INSTANCE);
    int starts = 0;
    for (uint32_t i = 0; i < c->ndefs; i++) starts += c->defs[i].sort == CBIN_NSORTS;
    CHECK_EQ_INT(starts, 1);
    char *text = NULL;
    size_t textlen = 0;
    FILE *mem = open_memstream(&text, &textlen);
    if (mem) {
        cbin_dump(c, mem);
        fclose(mem);
        CHECK_CONTAINS(text,
                       "func 0: canon lift core func 0 type 0 string-encoding=utf16 (memory 0) "
                       "(realloc 1) (post-return 2): func(s: string) -> string");
        CHECK_CONTAINS(text, "core func 4: canon resource.new type 1");
        CHECK_CONTAINS(text, "start: func 2, 0 args, 1 results");
        free(text);
    }
    robustness("canon", b.p, b.n, 3000);
done:
    cbin_free(c);
    free(b.p);

    /* one error per canon rule, after types 2 (a func type), 3 (u32), 4 (an imported resource) */
    static const struct {
        uint8_t bytes[16];
        size_t n;
        weft_error_kind kind;
        const char *msg;
    } bad[] = {
        {{1, 0x00, 0x00, 0, 2, 0x00, 0x01, 0},
         8,
         WEFT_ERR_INVALID,
         "more than one string encoding"},
        {{1, 0x00, 0x00, 0, 2, 0x04, 1, 0x04, 1, 0}, 10, WEFT_ERR_INVALID, "realloc given twice"},
        {{1, 0x01, 0x00, 0, 1, 0x05, 1}, 7, WEFT_ERR_INVALID, "post-return on a canon lower"},
        {{1, 0x00, 0x00, 0, 0, 3}, 6, WEFT_ERR_INVALID, "type 3 is a value type, not a func type"},
        {{1, 0x00, 0x00, 9, 0, 0}, 6, WEFT_ERR_INVALID, "unknown core func 9 (8 defined)"},
        {{1, 0x00, 0x00, 0, 1, 0x06, 0}, 7, WEFT_ERR_UNSUPPORTED, "async canonical options"},
        {{1, 0x00, 0x00, 0, 1, 0x03, 5, 0},
         8,
         WEFT_ERR_INVALID,
         "unknown core memory 5 (1 defined)"},
        {{1, 0x09, 0}, 3, WEFT_ERR_UNSUPPORTED, "canonical built-in 0x09 is not supported"},
        {{1, 0x02, 3}, 3, WEFT_ERR_INVALID, "type 3 is a value type, not a resource type"},
        {{1, 0x02, 4}, 3, WEFT_ERR_INVALID, "resource.new of type 4, a resource defined elsewhere"},
        {{1, 0x04, 4}, 3, WEFT_ERR_INVALID, "resource.rep of type 4, a resource defined elsewhere"},
        {{1, 0x01, 0x01, 0, 0}, 5, WEFT_ERR_MALFORMED, "canon lower of sort 0x01"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = canon_component();
        BYTES(&s, 2, 0x40, 0, 0x00, 0x73, 0x79);
        bb_section(&b, 7, &s);
        BYTES(&s, 1);
        bb_xname(&s, "ext");
        BYTES(&s, 0x03, 0x01);
        bb_section(&b, 10, &s);
        bb_put(&s, bad[i].bytes, bad[i].n);
        bb_section(&b, 8, &s);
        decode_fails_at(b.p, b.n, bad[i].kind, bad[i].msg, __FILE__, __LINE__);
        free(b.p);
    }

    /* aliases of core instance exports that the instance does not have */
    b = canon_component();
    BYTES(&s, 1, 0x00, 0x00, 0x01, 1);
    bb_name(&s, "zz");
    bb_section(&b, 6, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "core instance 1 has no export named \"zz\"");
    free(b.p);
    b = canon_component();
    BYTES(&s, 1, 0x00, 0x00, 0x01, 1);
    bb_name(&s, "m");
    bb_section(&b, 6, &s);
    decode_fails(&b, WEFT_ERR_INVALID,
                 "core instance 1 exports \"m\" as a core memory, not a core func");
    free(b.p);
    b = canon_component();
    BYTES(&s, 1, 0x03, 0x00, 0);
    bb_name(&s, "g");
    bb_section(&b, 6, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "instance 0 exports \"g\" as a func, not a type");
    free(b.p);
    b = canon_component(); /* exporting a core func */
    BYTES(&s, 1);
    bb_xname(&s, "cf");
    BYTES(&s, 0x00, 0x00, 0, 0);
    bb_section(&b, 11, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "export \"cf\" of a core func");
    free(b.p);
}

/* ---- synthetic: nesting, outer aliases, component and instance types ------------------------- */

static void test_nesting(void) {
    bb b = comp_new(), s = {0}, n1 = comp_new(), n2 = comp_new();
    BYTES(&s, 1, 0x03, 0x02, 2, 0); /* innermost: type 0 = outer 2 type 0 */
    bb_section(&n2, 6, &s);
    BYTES(&s, 2, 0x03, 0x02, 1, 0, 0x00, 0x11, 0x02, 1,
          0); /* type 0 and core module 0 from outer 1 */
    bb_section(&n1, 6, &s);
    bb_section(&n1, 4, &n2);
    bb_put(&s, empty_core_module, 8);
    bb_section(&b, 1, &s);
    BYTES(&s, 1, 0x79);
    bb_section(&b, 7, &s);
    bb_section(&b, 4, &n1);
    BYTES(&s, 1, 0x04, 0x02, 0, 0); /* component 1 = outer 0 component 0 (itself, the nested one) */
    bb_section(&b, 6, &s);
    cbin_component *c = decode_ok(&b);
    if (!c) goto done;
    REQUIRE_EQ_INT(c->ncomponents, 2);
    const cbin_component *in1 = c->components[0].def;
    REQUIRE(in1 && in1->parent == c && in1->depth == 1);
    CHECK(in1->types[0].type == c->types[0].type);
    CHECK(in1->types[0].o.how == CBIN_ALIAS_OUTER && in1->types[0].o.outer == 1);
    CHECK(in1->core_modules[0].bytes == c->core_modules[0].bytes && in1->core_modules[0].len == 8);
    REQUIRE_EQ_INT(in1->ncomponents, 1);
    const cbin_component *in2 = in1->components[0].def;
    REQUIRE(in2 && in2->depth == 2);
    CHECK(in2->types[0].type == c->types[0].type);
    CHECK(c->components[1].def == in1);
    robustness("nesting", b.p, b.n, 2000);
done:
    cbin_free(c);
    free(b.p);

    /* an outer alias past the enclosing components */
    b = comp_new();
    n1 = comp_new();
    BYTES(&s, 1, 0x03, 0x02, 2, 0);
    bb_section(&n1, 6, &s);
    bb_section(&b, 4, &n1);
    decode_fails(&b, WEFT_ERR_INVALID, "outer alias count 2 beyond the enclosing components");
    free(b.p);

    /* components nested deeper than the limit; just under it they decode */
    for (unsigned depth = CBIN_MAX_DEPTH; depth <= CBIN_MAX_DEPTH + 1; depth++) {
        bb inner = comp_new();
        for (unsigned k = 0; k < depth; k++) {
            bb outer = comp_new();
            bb_section(&outer, 4, &inner);
            inner = outer;
        }
        if (depth == CBIN_MAX_DEPTH) {
            c = decode_ok(&inner);
            cbin_free(c);
        } else {
            decode_fails(&inner, WEFT_ERR_LIMIT,
                         "components nested deeper than 32 (CBIN_MAX_DEPTH)");
        }
        free(inner.p);
    }

    /* instance types nested too deep */
    b = comp_new();
    BYTES(&s, 1);
    for (int k = 0; k < 40; k++) BYTES(&s, 0x42, 1, 0x01);
    BYTES(&s, 0x42, 0);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_LIMIT, "types nested deeper than 32");
    free(b.p);

    /* a component type, an import of it, an instantiation of the import */
    b = comp_new();
    BYTES(&s, 2, 0x40, 0, 0x00, 0x7A,   /* type 0: func() -> s32 */
          0x41, 3,                      /* type 1: component { */
          0x01, 0x40, 0, 0x00, 0x7A,    /*   type 0: func() -> s32 */
          0x03, 0x00, 1, 'x', 0x01, 0,  /*   import "x" (func (type 0)) */
          0x04, 0x00, 1, 'y', 0x01, 0); /*   export "y" (func (type 0)) } */
    bb_section(&b, 7, &s);
    BYTES(&s, 2);
    bb_xname(&s, "c");
    BYTES(&s, 0x04, 1);
    bb_xname(&s, "h");
    BYTES(&s, 0x01, 0);
    bb_section(&b, 10, &s);
    BYTES(&s, 1, 0x00, 0, 1, 1, 'x', 0x01,
          0); /* instance 0: instantiate component 0 with "x" func 0 */
    bb_section(&b, 5, &s);
    BYTES(&s, 1, 0x01, 0x00, 0, 1, 'y');      /* func 1 = export "y" of instance 0 */
    bb_section(&b, 6, &s);
    c = decode_ok(&b);
    if (c) {
        const cbin_import *im = cbin_find_import(c, "c");
        CHECK(im && im->sort == CBIN_COMPONENT && im->index == 0 && im->type_index == 1);
        CHECK(im && im->type->kind == CBIN_TYPE_COMPONENT && im->type->nimports == 1 &&
              im->type->nexports == 1);
        CHECK_EQ_STR(describe(c->components[0].type),
                     "component { import x: func() -> s32; export y: func() -> s32; }");
        CHECK(c->components[0].def == NULL);
        CHECK_EQ_STR(describe(c->funcs[1].type), "func() -> s32");
        cbin_sort sort;
        uint32_t idx;
        CHECK(!cbin_instance_export_source(c, 0, "y", &sort, &idx)); /* made inside an import */
        CHECK_EQ_INT(c->type->nimports, 2);
        robustness("component type", b.p, b.n, 2000);
        cbin_free(c);
    }
    free(b.p);

    /* an instance type's exports and an alias of a type through an imported instance */
    b = comp_new();
    BYTES(&s, 1, 0x42, 4,
          0x04, 0x00, 1, 'r', 0x03, 0x01,       /* export "r" (type (sub resource)) -> type 0 */
          0x01, 0x69, 0,                        /* type 1: own<0> */
          0x01, 0x40, 0, 0x00, 1,               /* type 2: func() -> own<r> */
          0x04, 0x00, 3, 'n', 'e', 'w', 0x01, 2); /* export "new" (func (type 2)) */
    bb_section(&b, 7, &s);
    BYTES(&s, 1);
    bb_xname(&s, "i");
    BYTES(&s, 0x05, 0);
    bb_section(&b, 10, &s);
    BYTES(&s, 2, 0x03, 0x00, 0, 1, 'r', 0x01, 0x00, 0, 3, 'n', 'e', 'w');
    bb_section(&b, 6, &s);
    BYTES(&s, 1, 0x03, 1); /* resource.drop of the imported resource: allowed */
    bb_section(&b, 8, &s);
    c = decode_ok(&b);
    if (c) {
        const cbin_type *r = c->types[1].type;
        CHECK(r->kind == CBIN_TYPE_RESOURCE && r->abstract);
        CHECK_EQ_STR(r->val->name, "r");
        const ct_func *fn = c->funcs[0].type->func;
        CHECK(fn->nresults == 1 && fn->results[0].type->kind == CT_OWN &&
              fn->results[0].type->elem == r->val);
        CHECK_EQ_INT(c->core_funcs[0].canon, CBIN_CANON_RESOURCE_DROP);
        cbin_free(c);
    }
    free(b.p);

    /* a resource type inside an instance type is refused */
    b = comp_new();
    BYTES(&s, 1, 0x42, 1, 0x01, 0x3F, 0x7F, 0);
    bb_section(&b, 7, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "resource type defined inside a component or instance type");
    free(b.p);
}

/* ---- synthetic: core types and the item limit ------------------------------------------------ */

static void test_core_types(void) {
    bb b = comp_new(), s = {0};
    BYTES(&s, 2, 0x60, 2, 0x7F, 0x7F, 1, 0x7F,  /* core type 0: (i32 i32) -> i32 */
          0x50, 5,                              /* core type 1: module { */
          0x01, 0x60, 0, 0,                     /*   type 0: () -> () */
          0x00, 1, 'm', 1, 'f', 0x00, 0,        /*   import "m" "f" (func (type 0)) */
          0x03, 1, 'g', 0x00, 0,                /*   export "g" (func (type 0)) */
          0x02, 0x10, 0x01, 1, 0,               /*   alias outer 1 0 (core type) */
          0x03, 3, 'm', 'e', 'm', 0x02, 0x01, 1, 2); /* export "mem" (memory 1 2) } */
    bb_section(&b, 3, &s);
    BYTES(&s, 1);
    bb_xname(&s, "mod");
    BYTES(&s, 0x00, 0x11, 1);
    bb_section(&b, 10, &s);
    cbin_component *c = decode_ok(&b);
    if (!c) goto done;
    {
        CHECK_EQ_INT(c->ncore_types, 2);
        const cbin_core_type *ft = c->core_types[0].type;
        CHECK(!ft->is_module && ft->nparams == 2 && ft->nresults == 1 && ft->params[0] == 0x7F);
        const cbin_core_type *mt = c->core_types[1].type;
        CHECK(mt->is_module && mt->ndecls == 3);
        CHECK_EQ_STR(mt->decls[0].module, "m");
        CHECK_EQ_STR(mt->decls[0].name, "f");
        CHECK(mt->decls[1].module == NULL && mt->decls[2].kind == 2);
        REQUIRE_EQ_INT(c->ncore_modules, 1);
        CHECK(c->core_modules[0].o.how == CBIN_IMPORT && c->core_modules[0].type == mt &&
              !c->core_modules[0].bytes);
        CHECK(c->imports[0].sort == CBIN_CORE_MODULE && c->imports[0].core_type == mt);
    }
    robustness("core types", b.p, b.n, 2000);
done:
    cbin_free(c);
    free(b.p);

    b = comp_new();
    BYTES(&s, 1, 0x5F, 0);
    bb_section(&b, 3, &s);
    decode_fails(&b, WEFT_ERR_UNSUPPORTED, "GC core types (0x5f) are not supported");
    free(b.p);

    b = comp_new();
    BYTES(&s, 1, 0x50, 1, 0x01, 0x50, 0);
    bb_section(&b, 3, &s);
    decode_fails(&b, WEFT_ERR_INVALID, "a module type inside a module type");
    free(b.p);

    /* lookups whose cost is a product of counts: 5100 aliases into an instance type of 20000
     * exports would compare names 10^8 times */
    b = comp_new();
    BYTES(&s, 1, 0x42);
    bb_u32(&s, 20000);
    BYTES(&s, 0x01, 0x40, 0, 0x01, 0); /* type 0: func() */
    for (int i = 1; i < 20000; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%05d", i);
        bb_byte(&s, 0x04);
        bb_xname(&s, name);
        BYTES(&s, 0x01, 0);
    }
    bb_section(&b, 7, &s);
    BYTES(&s, 1);
    bb_xname(&s, "i");
    BYTES(&s, 0x05, 0);
    bb_section(&b, 10, &s);
    bb_u32(&s, 5100);
    for (int i = 0; i < 5100; i++) {
        BYTES(&s, 0x01, 0x00, 0);
        bb_name(&s, "e00001");
    }
    bb_section(&b, 6, &s);
    decode_fails(&b, WEFT_ERR_LIMIT, "more than 100000000 steps resolving names (CBIN_MAX_WORK)");
    free(b.p);

    /* more definitions than CBIN_MAX_ITEMS in two sections (each one within the count limit) */
    b = comp_new();
    for (int k = 0; k < 2; k++) {
        bb_u32(&s, CBIN_MAX_ITEMS / 2 + 1);
        for (uint32_t i = 0; i <= CBIN_MAX_ITEMS / 2; i++) bb_byte(&s, 0x7D);
        bb_section(&b, 7, &s);
    }
    decode_fails(&b, WEFT_ERR_LIMIT, "more than 1000000 definitions (CBIN_MAX_ITEMS)");
    free(b.p);
}

/* ---- components built with jco --------------------------------------------------------------- */

static uint8_t *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    return check_read_file(path, len);
}

static const char *g_dir;
static weft_engine *g_engine;

typedef struct loaded {
    uint8_t *bytes;
    size_t len;
    cbin_component *c;
} loaded;

static loaded load(const char *name) {
    loaded l = {0};
    l.bytes = read_file(g_dir, name, &l.len);
    if (!l.bytes) {
        CHECK(!"component file missing");
        return l;
    }
    weft_error *e = cbin_decode(l.bytes, l.len, &l.c);
    if (e) print_error(e);
    CHECK(e == NULL);
    weft_error_free(e);
    if (l.c) exercise(l.c, 0);
    return l;
}

static void unload(loaded *l, const char *name) {
    if (l->bytes) robustness(name, l->bytes, l->len, 3000);
    cbin_free(l->c);
    free(l->bytes);
}

/* Every core module must compile with weft; returns how many there are. */
static uint32_t check_modules_compile(const cbin_component *c, weft_module **first) {
    for (uint32_t i = 0; i < c->ncore_modules; i++) {
        const cbin_core_module *m = &c->core_modules[i];
        CHECK_EQ_INT(m->o.how, CBIN_DEFINED);
        weft_module *mod = NULL;
        weft_error *e = weft_module_new(g_engine, m->bytes, m->len, &mod);
        if (e) print_error(e);
        CHECK(e == NULL);
        weft_error_free(e);
        if (i == 0 && first) *first = mod;
        else weft_module_free(mod);
    }
    return c->ncore_modules;
}

static bool module_exports(weft_module *m, const char *name, weft_extern_kind kind) {
    for (size_t i = 0; m && i < weft_module_export_count(m); i++) {
        const char *n;
        size_t nl;
        weft_extern_kind k;
        weft_module_export(m, i, &n, &nl, &k);
        if (nl == strlen(name) && memcmp(n, name, nl) == 0) return k == kind;
    }
    return false;
}

/* Follows export `iface`'s function `fn` to the component's own lifted function: its index. */
static const cbin_func *iface_func(const cbin_component *c, const char *iface, const char *fn) {
    const cbin_export *e = cbin_find_export(c, iface);
    if (!CHECK(e != NULL) || !CHECK(e->sort == CBIN_INSTANCE)) return NULL;
    const cbin_decl *d = cbin_type_export(e->type, fn);
    if (!CHECK(d != NULL) || !CHECK(d->sort == CBIN_FUNC)) return NULL;
    cbin_sort sort;
    uint32_t idx;
    if (!CHECK(cbin_instance_export_source(c, e->target, fn, &sort, &idx)) ||
        !CHECK(sort == CBIN_FUNC))
        return NULL;
    const cbin_func *f = &c->funcs[idx];
    CHECK(d->type == f->type); /* the interface's function has the lifted function's own type */
    CHECK_EQ_INT(f->o.how, CBIN_DEFINED);
    return f;
}

/* The core export a lifted function or an option's core func aliases: its name. */
static const char *core_func_name(const cbin_component *c, uint32_t core_func, uint32_t *instance) {
    if (core_func >= c->ncore_funcs) return NULL;
    const cbin_core_func *cf = &c->core_funcs[core_func];
    if (cf->o.how != CBIN_ALIAS_CORE_EXPORT) return NULL;
    if (instance) *instance = cf->o.index;
    return cf->o.name;
}

static void test_calc(void) {
    loaded l = load("calc");
    const cbin_component *c = l.c;
    weft_module *main_mod = NULL;
    if (!c) goto done;
    CHECK_EQ_INT(c->nimports, 0);
    REQUIRE_EQ_INT(c->nexports, 1);
    CHECK_EQ_STR(c->exports[0].name, "acme:math/ops@0.1.0");
    CHECK_EQ_INT(c->exports[0].sort, CBIN_INSTANCE);
    CHECK_EQ_INT(check_modules_compile(c, &main_mod), 1);
    CHECK(module_exports(main_mod, "acme:math/ops@0.1.0#add", WEFT_EXTERN_FUNC));
    CHECK(module_exports(main_mod, "memory", WEFT_EXTERN_MEMORY));
    const cbin_type *it = c->exports[0].type;
    REQUIRE(it && it->kind == CBIN_TYPE_INSTANCE);
    REQUIRE_EQ_INT(it->nexports, 2);
    CHECK_EQ_STR(it->exports[0].name, "add");
    CHECK_EQ_STR(it->exports[1].name, "greet");

    const cbin_func *add = iface_func(c, "acme:math/ops@0.1.0", "add");
    REQUIRE(add);
    const ct_func *ft = add->type->func;
    REQUIRE_EQ_INT(ft->nparams, 2);
    CHECK_EQ_STR(ft->params[0].name, "a");
    CHECK_EQ_STR(ft->params[1].name, "b");
    CHECK(ft->params[0].type->kind == CT_S32 && ft->params[1].type->kind == CT_S32);
    REQUIRE_EQ_INT(ft->nresults, 1);
    CHECK(ft->results[0].name == NULL && ft->results[0].type->kind == CT_S32);
    CHECK(!add->opts.has_memory && !add->opts.has_realloc && !add->opts.has_post_return &&
          !add->opts.has_encoding);
    uint32_t inst = 99;
    CHECK_EQ_STR(core_func_name(c, add->core_func, &inst), "acme:math/ops@0.1.0#add");
    REQUIRE(inst < c->ncore_instances);
    CHECK(!c->core_instances[inst].from_exports && c->core_instances[inst].module == 0);
    CHECK_EQ_INT(c->core_instances[inst].nargs, 0);

    const cbin_func *greet = iface_func(c, "acme:math/ops@0.1.0", "greet");
    REQUIRE(greet);
    CHECK_EQ_STR(describe(greet->type), "func(name: string) -> string");
    CHECK(greet->opts.has_encoding && greet->opts.encoding == CBIN_UTF8);
    REQUIRE(greet->opts.has_memory && greet->opts.memory < c->ncore_memories);
    CHECK_EQ_STR(c->core_memories[greet->opts.memory].o.name, "memory");
    CHECK_EQ_INT(c->core_memories[greet->opts.memory].o.index, inst);
    REQUIRE(greet->opts.has_realloc);
    CHECK_EQ_STR(core_func_name(c, greet->opts.realloc, NULL), "cabi_realloc");
    REQUIRE(greet->opts.has_post_return);
    CHECK_EQ_STR(core_func_name(c, greet->opts.post_return, NULL),
                 "cabi_post_acme:math/ops@0.1.0#greet");
    CHECK_EQ_STR(core_func_name(c, greet->core_func, NULL), "acme:math/ops@0.1.0#greet");
    /* the nested component that re-exports the functions under their plain names */
    REQUIRE_EQ_INT(c->ncomponents, 1);
    const cbin_component *n = c->components[0].def;
    REQUIRE(n);
    CHECK_EQ_INT(n->nimports, 2);
    CHECK_EQ_STR(n->imports[0].name, "import-func-add");
    CHECK(cbin_find_export(n, "greet") && cbin_find_export(n, "greet")->ascribed);
done:
    weft_module_free(main_mod);
    unload(&l, "calc");
}

static void test_pipeline(void) {
    loaded l = load("pipeline");
    const cbin_component *c = l.c;
    weft_module *main_mod = NULL;
    if (!c) goto done;
    REQUIRE_EQ_INT(c->nimports, 1);
    const cbin_import *im = &c->imports[0];
    CHECK_EQ_STR(im->name, "acme:math/ops@0.1.0");
    CHECK(im->sort == CBIN_INSTANCE && im->index == 0 && im->type->kind == CBIN_TYPE_INSTANCE);
    CHECK_EQ_STR(
        describe(im->type),
        "instance { add: func(a: s32, b: s32) -> s32; greet: func(name: string) -> string; }");
    CHECK_EQ_INT(check_modules_compile(c, &main_mod), 3); /* main, shim, fixups */
    CHECK_EQ_INT(weft_module_import_count(main_mod), 2);

    /* each imported function is aliased from the instance and lowered */
    int lowered = 0;
    for (uint32_t i = 0; i < c->ncore_funcs; i++) {
        const cbin_core_func *cf = &c->core_funcs[i];
        if (cf->o.how != CBIN_DEFINED || cf->canon != CBIN_CANON_LOWER) continue;
        const cbin_func *f = &c->funcs[cf->target];
        CHECK(f->o.how == CBIN_ALIAS_EXPORT && f->o.index == 0);
        if (strcmp(f->o.name, "greet") == 0) {
            CHECK_EQ_STR(describe(f->type), "func(name: string) -> string");
            CHECK(cf->opts.has_memory && cf->opts.has_realloc && cf->opts.has_encoding);
            CHECK_EQ_STR(core_func_name(c, cf->opts.realloc, NULL), "cabi_realloc");
            lowered++;
        } else if (strcmp(f->o.name, "add") == 0) {
            CHECK(!cf->opts.has_memory && !cf->opts.has_realloc);
            lowered += 10;
        }
    }
    CHECK_EQ_INT(lowered, 11);
    /* the main module is instantiated with a core instance bundling what it imports */
    int found = 0;
    for (uint32_t i = 0; i < c->ncore_instances; i++) {
        const cbin_core_instance *ci = &c->core_instances[i];
        if (ci->from_exports || ci->module != 0) continue;
        REQUIRE_EQ_INT(ci->nargs, 1);
        CHECK_EQ_STR(ci->args[0].name, "acme:math/ops@0.1.0");
        const cbin_core_instance *bundle = &c->core_instances[ci->args[0].index];
        CHECK(bundle->from_exports && bundle->nargs == 2);
        found++;
    }
    CHECK_EQ_INT(found, 1);

    const cbin_func *run = iface_func(c, "acme:math/report@0.1.0", "run");
    REQUIRE(run);
    CHECK_EQ_STR(describe(run->type), "func(x: s32, who: string) -> string");
    CHECK(run->opts.has_memory && run->opts.has_realloc && !run->opts.has_post_return);
    CHECK(run->opts.encoding == CBIN_UTF8);
done:
    weft_module_free(main_mod);
    unload(&l, "pipeline");
}

static void test_shapes(void) {
    loaded l = load("shapes");
    const cbin_component *c = l.c;
    if (!c) goto done;
    CHECK_EQ_INT(check_modules_compile(c, NULL), 1);
    const char *iface = "acme:shapes/geometry@0.2.0";
    const cbin_func *area = iface_func(c, iface, "area");
    REQUIRE(area);
    const ct_func *ft = area->type->func;
    REQUIRE_EQ_INT(ft->nparams, 1);
    const ct_type *shape = ft->params[0].type;
    REQUIRE_EQ_INT(shape->kind, CT_VARIANT);
    REQUIRE_EQ_INT(shape->nfields, 3);
    CHECK_EQ_STR(shape->fields[0].name, "circle");
    CHECK_EQ_INT(shape->fields[0].type->kind, CT_F64);
    CHECK_EQ_STR(shape->fields[1].name, "rect");
    const ct_type *point = shape->fields[1].type;
    CHECK(point->kind == CT_RECORD && point->nfields == 2 && point->fields[1].type->kind == CT_F64);
    CHECK_EQ_STR(point->fields[1].name, "y");
    CHECK(shape->fields[2].type == NULL);
    CHECK_EQ_INT(ft->results[0].type->kind, CT_F64);
    CHECK(!area->opts.has_memory);

    const cbin_func *tag = iface_func(c, iface, "tag");
    REQUIRE(tag);
    ft = tag->type->func;
    CHECK_EQ_STR(describe(tag->type), "func(c: enum, p: flags) -> option<string>");
    CHECK(ft->params[0].type->nfields == 3 &&
          strcmp(ft->params[0].type->fields[2].name, "blue") == 0);
    CHECK(ft->params[1].type->nfields == 3 &&
          strcmp(ft->params[1].type->fields[1].name, "write") == 0);
    CHECK(tag->opts.has_memory && !tag->opts.has_realloc && tag->opts.has_post_return);
    CHECK_EQ_STR(core_func_name(c, tag->opts.post_return, NULL),
                 "cabi_post_acme:shapes/geometry@0.2.0#tag");

    const cbin_func *sum = iface_func(c, iface, "sum");
    REQUIRE(sum);
    CHECK_EQ_STR(describe(sum->type), "func(xs: list<s32>) -> result<s64, string>");
    CHECK(sum->opts.has_memory && sum->opts.has_realloc && sum->opts.has_encoding);

    const cbin_func *centroid = iface_func(c, iface, "centroid");
    REQUIRE(centroid);
    ft = centroid->type->func;
    CHECK(ft->params[0].type->kind == CT_LIST && ft->params[0].type->elem == point);
    CHECK(ft->results[0].type->kind == CT_OPTION && ft->results[0].type->elem == point);
    CHECK(centroid->opts.has_memory && centroid->opts.has_realloc && !centroid->opts.has_encoding);

    const cbin_func *swap = iface_func(c, iface, "swap");
    REQUIRE(swap);
    CHECK_EQ_STR(describe(swap->type), "func(t: tuple<u8, char>) -> tuple<char, u8>");
    CHECK(swap->opts.has_memory && !swap->opts.has_realloc);

    const cbin_func *check = iface_func(c, iface, "check");
    REQUIRE(check);
    CHECK_EQ_STR(describe(check->type), "func(b: bool) -> result");
    CHECK(!check->opts.has_memory);

    /* the interface's types, as the nested component exports them, with their names */
    const cbin_type *it = cbin_find_export(c, iface)->type;
    const cbin_decl *d = cbin_type_export(it, "point");
    REQUIRE(d && d->sort == CBIN_TYPE);
    CHECK_EQ_STR(describe(d->type), "record point { x: f64, y: f64 }");
    d = cbin_type_export(it, "shape");
    REQUIRE(d);
    CHECK_EQ_STR(describe(d->type), "variant shape { circle(f64), rect(point), empty }");
    d = cbin_type_export(it, "points");
    REQUIRE(d);
    CHECK_EQ_STR(describe(d->type), "type points = list<point>");
    CHECK_EQ_STR(describe(cbin_type_export(it, "perms")->type),
                 "flags perms { read, write, exec }");
done:
    unload(&l, "shapes");
}

static void test_counter(void) {
    loaded l = load("counter");
    const cbin_component *c = l.c;
    if (!c) goto done;
    CHECK_EQ_INT(check_modules_compile(c, NULL), 3);
    const char *iface = "acme:res/store@0.1.0";
    const cbin_export *e = cbin_find_export(c, iface);
    REQUIRE(e && e->sort == CBIN_INSTANCE);
    cbin_sort sort;
    uint32_t idx;
    /* the exported resource is the one this component defines, with its destructor */
    REQUIRE(cbin_instance_export_source(c, e->target, "counter", &sort, &idx));
    REQUIRE(sort == CBIN_TYPE && idx < c->ntypes);
    const cbin_type *res = c->types[idx].type;
    REQUIRE_EQ_INT(res->kind, CBIN_TYPE_RESOURCE);
    CHECK(!res->abstract && res->has_dtor);
    CHECK_EQ_STR(res->val->name, "counter");
    CHECK(cbin_type_export(e->type, "counter")->type == res);
    uint32_t shim = 99;
    CHECK_EQ_STR(core_func_name(c, res->dtor, &shim), "0"); /* through the shim's table */
    REQUIRE(shim < c->ncore_instances);
    CHECK_EQ_INT(c->core_instances[shim].module, 1);

    int builtins = 0;
    for (uint32_t i = 0; i < c->ncore_funcs; i++) {
        const cbin_core_func *cf = &c->core_funcs[i];
        if (cf->o.how == CBIN_DEFINED && cf->canon != CBIN_CANON_LOWER) {
            CHECK_EQ_INT(cf->target, idx);
            builtins |= 1 << cf->canon;
        }
    }
    CHECK_EQ_INT(builtins,
                 (1 << CBIN_CANON_RESOURCE_NEW) | (1 << CBIN_CANON_RESOURCE_DROP) |
                     (1 << CBIN_CANON_RESOURCE_REP));
    /* the main module gets them as "[export]acme:res/store@0.1.0" */
    int found = 0;
    for (uint32_t i = 0; i < c->ncore_instances; i++) {
        const cbin_core_instance *ci = &c->core_instances[i];
        if (ci->from_exports || ci->module != 0) continue;
        REQUIRE_EQ_INT(ci->nargs, 1);
        CHECK_EQ_STR(ci->args[0].name, "[export]acme:res/store@0.1.0");
        const cbin_core_instance *bundle = &c->core_instances[ci->args[0].index];
        REQUIRE(bundle->from_exports && bundle->nargs == 3);
        CHECK_EQ_STR(bundle->args[0].name, "[resource-new]counter");
        found++;
    }
    CHECK_EQ_INT(found, 1);

    const cbin_func *ctor = iface_func(c, iface, "[constructor]counter");
    REQUIRE(ctor);
    const ct_func *ft = ctor->type->func;
    CHECK(ft->nresults == 1 && ft->results[0].type->kind == CT_OWN &&
          ft->results[0].type->elem == res->val);
    CHECK_EQ_STR(describe(ctor->type), "func(start: u32) -> own<counter>");
    const cbin_func *inc = iface_func(c, iface, "[method]counter.inc");
    REQUIRE(inc);
    ft = inc->type->func;
    CHECK(ft->nparams == 2 && ft->params[0].type->kind == CT_BORROW &&
          ft->params[0].type->elem == res->val);
    CHECK_EQ_STR(ft->params[0].name, "self");
    const cbin_func *merge = iface_func(c, iface, "[static]counter.merge");
    REQUIRE(merge);
    CHECK_EQ_STR(describe(merge->type),
                 "func(a: borrow<counter>, b: own<counter>) -> own<counter>");
    const cbin_func *peek = iface_func(c, iface, "peek");
    REQUIRE(peek);
    CHECK_EQ_STR(describe(peek->type), "func(c: borrow<counter>) -> u32");
    CHECK(!peek->opts.has_memory);
done:
    unload(&l, "counter");
}

static void test_root(void) {
    loaded l = load("root");
    const cbin_component *c = l.c;
    weft_module *main_mod = NULL;
    if (!c) goto done;
    CHECK_EQ_INT(check_modules_compile(c, &main_mod), 3);
    CHECK_EQ_INT(weft_module_import_count(main_mod), 5);
    REQUIRE_EQ_INT(c->nimports, 3);
    const cbin_import *types = cbin_find_import(c, "acme:root/types@1.0.0");
    const cbin_import *entry = cbin_find_import(c, "entry");
    const cbin_import *log = cbin_find_import(c, "log");
    REQUIRE(types && entry && log);
    CHECK(types->sort == CBIN_INSTANCE && entry->sort == CBIN_TYPE && log->sort == CBIN_FUNC);
    CHECK(!entry->sub_resource);
    CHECK_EQ_STR(describe(log->type), "func(msg: string)");

    const cbin_type *it = types->type;
    const cbin_decl *blob = cbin_type_export(it, "blob");
    REQUIRE(blob && blob->sort == CBIN_TYPE && blob->type->kind == CBIN_TYPE_RESOURCE);
    CHECK(blob->type->abstract);
    CHECK_EQ_STR(blob->type->val->name, "blob");
    const cbin_decl *rec = cbin_type_export(it, "entry");
    REQUIRE(rec && rec->type->kind == CBIN_TYPE_VALUE);
    CHECK_EQ_STR(describe(rec->type), "record entry { key: string, value: list<u8> }");
    CHECK(entry->type->val == rec->type->val); /* `use types.{entry}`: the same type */
    const cbin_decl *ctor = cbin_type_export(it, "[constructor]blob");
    REQUIRE(ctor && ctor->type->kind == CBIN_TYPE_FUNC);
    CHECK(ctor->type->func->results[0].type->elem == blob->type->val);
    CHECK_EQ_STR(describe(cbin_type_export(it, "lookup")->type),
                 "func(k: string) -> option<entry>");

    const cbin_export *hello = cbin_find_export(c, "hello");
    const cbin_export *count = cbin_find_export(c, "count");
    REQUIRE(hello && count && hello->sort == CBIN_FUNC);
    CHECK_EQ_STR(describe(hello->type), "func(e: entry) -> string");
    CHECK(hello->type->func->params[0].type == rec->type->val);
    const cbin_func *lifted = &c->funcs[hello->target];
    CHECK(lifted->o.how == CBIN_DEFINED && lifted->opts.has_memory && lifted->opts.has_realloc);
    CHECK_EQ_STR(core_func_name(c, lifted->core_func, NULL), "hello");
    CHECK_EQ_STR(describe(count->type), "func() -> u64");

    /* lowered imports: log (memory, no realloc), lookup (memory and realloc); resource.drop of the
     * imported resource */
    int seen = 0;
    for (uint32_t i = 0; i < c->ncore_funcs; i++) {
        const cbin_core_func *cf = &c->core_funcs[i];
        if (cf->o.how != CBIN_DEFINED) continue;
        if (cf->canon == CBIN_CANON_RESOURCE_DROP) {
            CHECK(c->types[cf->target].type == blob->type);
            seen |= 1;
        } else if (cf->canon == CBIN_CANON_LOWER && cf->target == log->index) {
            CHECK(cf->opts.has_memory && !cf->opts.has_realloc && cf->opts.has_encoding);
            seen |= 2;
        } else if (cf->canon == CBIN_CANON_LOWER &&
                   c->funcs[cf->target].o.how == CBIN_ALIAS_EXPORT &&
                   strcmp(c->funcs[cf->target].o.name, "lookup") == 0) {
            CHECK(cf->opts.has_memory && cf->opts.has_realloc);
            seen |= 4;
        }
    }
    CHECK_EQ_INT(seen, 7);
    for (uint32_t i = 0; i < c->ncore_instances; i++) {
        const cbin_core_instance *ci = &c->core_instances[i];
        if (ci->from_exports || ci->module != 0) continue;
        REQUIRE_EQ_INT(ci->nargs, 2);
        CHECK_EQ_STR(ci->args[0].name, "$root");
        CHECK_EQ_STR(ci->args[1].name, "acme:root/types@1.0.0");
    }
done:
    weft_module_free(main_mod);
    unload(&l, "root");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    RUN(test_preamble);
    RUN(test_section_errors);
    RUN(test_types);
    RUN(test_canon);
    RUN(test_nesting);
    RUN(test_core_types);
    if (argc > 1) {
        g_dir = argv[1];
        g_engine = weft_engine_new(NULL);
        RUN(test_calc);
        RUN(test_pipeline);
        RUN(test_shapes);
        RUN(test_counter);
        RUN(test_root);
        weft_engine_free(g_engine);
    } else {
        printf("(no components directory: only the synthetic tests ran)\n");
    }
    return check_report("test_cbin");
}
