/* test_decode.c: unit tests of decoding and validation (src/wasm/decode.c, compile.c): malformed
 * bytes with their byte offsets, invalid and unsupported modules, named limits on untrusted
 * counts, weft_module_validate, and import/export introspection. No instances here.
 */
#include <time.h>

#include "decode_modules.h"

/* Magic "\0asn" instead of "\0asm". */
static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};

/* A header with version 2. */
static const uint8_t bad_version[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};

/* The magic alone, cut inside the version. */
static const uint8_t truncated_header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00};

/* A type section that claims 5 bytes but has 2 left. */
static const uint8_t truncated_section[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x05, 0x01, 0x60,                         /* type section, size 5, one func type... */
};

/* A function section (id 3, no functions) before a type section (id 1): offset 11 is the type
 * section's id byte. */
static const uint8_t bad_section_order[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x03, 0x01, 0x00,                               /* function section: 0 functions */
    0x01, 0x01, 0x00,                               /* type section: 0 types */
};
#define BAD_SECTION_ORDER_AT 11

/* A type section whose count is a 6-byte LEB128 (at most 5 are allowed for a u32), starting at
 * offset 10. */
static const uint8_t leb_too_long[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, /* type section, count 0 in 6 bytes */
};
#define LEB_AT 10

/* A type section whose 5-byte count sets bits above 32 (0x7f in the last byte). */
static const uint8_t leb_too_large[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x7f,       /* type section, count > UINT32_MAX */
};

/* One function declaring 2^32-1 locals of type i32: a decoder that allocated per declared local
 * before checking would try to take 4 GiB or more. */
static const uint8_t huge_locals[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,                         /* function section: one func of type 0 */
    0x0a, 0x0a, 0x01, 0x08,                         /* code section: one body of 8 bytes */
    0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f,       /* one local group: 0xffffffff x i32 */
    0x0b,                                           /* end */
};

/* Two local groups of 0x80000000 and 0x80000001 i32s: their sum wraps to 1 in 32 bits. */
static const uint8_t wrapping_locals[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,                         /* function section: one func of type 0 */
    0x0a, 0x10, 0x01, 0x0e,                         /* code section: one body of 14 bytes */
    0x02,                                           /* two local groups */
    0x80, 0x80, 0x80, 0x80, 0x08, 0x7f,             /* 0x80000000 x i32 */
    0x81, 0x80, 0x80, 0x80, 0x08, 0x7f,             /* 0x80000001 x i32 */
    0x0b,                                           /* end */
};

/* type_mismatch_wasm: wat2wasm --no-check
 *
 * (module
 *   (func (result i32)
 *     i64.const 0))
 */
static const uint8_t type_mismatch_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00,
    0x42, 0x00, 0x0b,
};
/* Where the code section starts in type_mismatch_wasm: the error must point past it. */
#define TYPE_MISMATCH_CODE_AT 19

/* simd_type_wasm: wat2wasm
 *
 * (module
 *   (func (param v128)))
 */
static const uint8_t simd_type_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x01, 0x7b, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
    0x0b,
};

/* simd_op_wasm: wat2wasm
 *
 * (module
 *   (func (param i32) (result i32)
 *     local.get 0
 *     i32x4.splat
 *     i32x4.extract_lane 0))
 */
static const uint8_t simd_op_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0b, 0x01, 0x09,
    0x00, 0x20, 0x00, 0xfd, 0x11, 0xfd, 0x1b, 0x00, 0x0b,
};

static weft_engine *engine;

/* Loads bytes expecting a failure of the given kind whose offset lies in [lo, hi]; returns the
 * error (for more checks) or NULL after a failed check. */
static weft_error *expect_load_error(const uint8_t *bytes, size_t len, weft_error_kind kind,
                                     int64_t lo, int64_t hi, const char *what) {
    weft_module *m = NULL;
    weft_error *err = weft_module_new(engine, bytes, len, &m);
    if (!check_at(err != NULL, __FILE__, __LINE__, what)) {
        weft_module_free(m);
        return NULL;
    }
    CHECK(m == NULL);
    bool ok = CHECK_EQ_INT(weft_error_kind_of(err), kind);
    int64_t off = weft_error_offset(err);
    ok &= CHECK(off >= lo && off <= hi);
    if (!ok) {
        fprintf(stderr, "    %s: offset %lld, expected in [%lld, %lld]\n", what, (long long)off,
                (long long)lo, (long long)hi);
        print_error(err);
    }
    return err;
}

static void test_bad_magic(void) {
    weft_error *err = expect_load_error(bad_magic, sizeof bad_magic, WEFT_ERR_MALFORMED, 0, 3,
                                        "bad magic");
    if (err) CHECK_CONTAINS(weft_error_message(err), "magic header");
    weft_error_free(err);
    err = expect_load_error(bad_version, sizeof bad_version, WEFT_ERR_MALFORMED, 4, 7,
                            "bad version");
    if (err) CHECK_CONTAINS(weft_error_message(err), "version");
    weft_error_free(err);
}

static void test_truncated(void) {
    weft_error *err = expect_load_error(truncated_header, sizeof truncated_header,
                                        WEFT_ERR_MALFORMED, 0, sizeof truncated_header,
                                        "truncated header");
    weft_error_free(err);
    err = expect_load_error(truncated_section, sizeof truncated_section, WEFT_ERR_MALFORMED, 8,
                            sizeof truncated_section, "truncated section");
    weft_error_free(err);
    /* No bytes at all (a NULL pointer is allowed with length 0). */
    err = expect_load_error(NULL, 0, WEFT_ERR_MALFORMED, 0, 0, "empty input");
    weft_error_free(err);
}

/* Every prefix of a valid module either is itself a module (it ends at a section boundary) or is
 * malformed with an offset inside the prefix; it is never reported invalid, and never read past
 * its end (ASan watches the copy). */
static void test_every_prefix(void) {
    int loaded = 0;
    for (size_t len = 0; len < sizeof intro_wasm; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        REQUIRE(copy);
        memcpy(copy, intro_wasm, len);
        weft_module *m = NULL;
        weft_error *err = weft_module_new(engine, copy, len, &m);
        free(copy);
        if (!err) {
            loaded++;
            weft_module_free(m);
            continue;
        }
        bool ok = CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_MALFORMED);
        ok &= CHECK(weft_error_offset(err) >= 0 && weft_error_offset(err) <= (int64_t)len);
        if (!ok) {
            fprintf(stderr, "    prefix of %zu bytes\n", len);
            print_error(err);
        }
        weft_error_free(err);
    }
    /* The 8-byte header alone is a valid empty module. */
    CHECK(loaded >= 1);
done:;
}

static void test_bad_section_order(void) {
    weft_error *err = expect_load_error(bad_section_order, sizeof bad_section_order,
                                        WEFT_ERR_MALFORMED, BAD_SECTION_ORDER_AT,
                                        BAD_SECTION_ORDER_AT, "section order");
    weft_error_free(err);
}

static void test_leb(void) {
    weft_error *err = expect_load_error(leb_too_long, sizeof leb_too_long, WEFT_ERR_MALFORMED,
                                        LEB_AT, LEB_AT + 5, "LEB too long");
    if (err) CHECK_CONTAINS(weft_error_message(err), "integer representation too long");
    weft_error_free(err);
    err = expect_load_error(leb_too_large, sizeof leb_too_large, WEFT_ERR_MALFORMED, LEB_AT,
                            LEB_AT + 4, "LEB too large");
    if (err) CHECK_CONTAINS(weft_error_message(err), "integer too large");
    weft_error_free(err);
}

static void test_invalid(void) {
    weft_error *err = expect_load_error(type_mismatch_wasm, sizeof type_mismatch_wasm,
                                        WEFT_ERR_INVALID, TYPE_MISMATCH_CODE_AT,
                                        sizeof type_mismatch_wasm - 1, "type mismatch");
    if (err) CHECK_CONTAINS(weft_error_message(err), "type mismatch");
    weft_error_free(err);
}

static void test_simd_unsupported(void) {
    weft_error *err = expect_load_error(simd_type_wasm, sizeof simd_type_wasm,
                                        WEFT_ERR_UNSUPPORTED, 8, sizeof simd_type_wasm - 1,
                                        "v128 param");
    if (err) CHECK_CONTAINS(weft_error_message(err), "SIMD");
    weft_error_free(err);
    err = expect_load_error(simd_op_wasm, sizeof simd_op_wasm, WEFT_ERR_UNSUPPORTED, 8,
                            sizeof simd_op_wasm - 1, "SIMD opcode");
    if (err) CHECK_CONTAINS(weft_error_message(err), "SIMD");
    weft_error_free(err);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Refused from the declared count alone: quickly, and without allocating gigabytes (which under
 * ASan would abort the test, and outside it would take seconds). */
static void test_too_many_locals(void) {
    const uint8_t *cases[] = {huge_locals, wrapping_locals};
    const size_t lens[] = {sizeof huge_locals, sizeof wrapping_locals};
    for (int i = 0; i < 2; i++) {
        double t0 = now_seconds();
        weft_module *m = NULL;
        weft_error *err = weft_module_new(engine, cases[i], lens[i], &m);
        double took = now_seconds() - t0;
        CHECK(took < 1.0);
        if (!CHECK(err != NULL)) {
            weft_module_free(m);
            continue;
        }
        CHECK_CONTAINS(weft_error_message(err), "too many locals");
        CHECK(weft_error_offset(err) >= 0 && weft_error_offset(err) < (int64_t)lens[i]);
        weft_error_free(err);
    }
}

static void test_validate(void) {
    CHECK_OK(weft_module_validate(engine, intro_wasm, sizeof intro_wasm));
    CHECK_ERROR(weft_module_validate(engine, type_mismatch_wasm, sizeof type_mismatch_wasm),
                WEFT_ERR_INVALID, "type mismatch");
    CHECK_ERROR(weft_module_validate(engine, bad_magic, sizeof bad_magic), WEFT_ERR_MALFORMED,
                NULL);
    CHECK_ERROR(weft_module_validate(engine, simd_type_wasm, sizeof simd_type_wasm),
                WEFT_ERR_UNSUPPORTED, "SIMD");
    weft_error *err = weft_module_validate(engine, huge_locals, sizeof huge_locals);
    CHECK(err != NULL);
    if (err) CHECK_CONTAINS(weft_error_message(err), "too many locals");
    weft_error_free(err);
}

/* The module's bytes are copied: changing or freeing the caller's buffer afterwards does not
 * affect the module. */
static void test_bytes_copied(void) {
    weft_module *m = NULL;
    uint8_t *copy = malloc(sizeof intro_wasm);
    REQUIRE(copy);
    memcpy(copy, intro_wasm, sizeof intro_wasm);
    weft_error *err = weft_module_new(engine, copy, sizeof intro_wasm, &m);
    memset(copy, 0xee, sizeof intro_wasm);
    free(copy);
    REQUIRE_OK(err);
    REQUIRE_EQ_INT(weft_module_export_count(m), 5);
    const char *name = NULL;
    size_t len = 0;
    weft_module_export(m, 0, &name, &len, NULL);
    CHECK_EQ_INT(len, 3);
    CHECK(name && memcmp(name, "run", 3) == 0);
done:
    weft_module_free(m);
}

static bool name_is(const char *p, size_t len, const char *want, size_t want_len) {
    return p && len == want_len && memcmp(p, want, len) == 0;
}

static void test_imports_exports(void) {
    weft_module *m = LOAD(engine, intro_wasm);
    REQUIRE(m);
    static const struct {
        const char *name;
        weft_extern_kind kind;
    } imports[] = {{"f", WEFT_EXTERN_FUNC},
                   {"mem", WEFT_EXTERN_MEMORY},
                   {"tab", WEFT_EXTERN_TABLE},
                   {"g", WEFT_EXTERN_GLOBAL}};
    REQUIRE_EQ_INT(weft_module_import_count(m), 4);
    for (size_t i = 0; i < 4; i++) {
        const char *mod = NULL, *name = NULL;
        size_t mod_len = 0, name_len = 0;
        weft_extern_kind kind = (weft_extern_kind)-1;
        weft_module_import(m, i, &mod, &mod_len, &name, &name_len, &kind);
        CHECK(name_is(mod, mod_len, "env", 3));
        CHECK(name_is(name, name_len, imports[i].name, strlen(imports[i].name)));
        CHECK_EQ_INT(kind, imports[i].kind);
    }
    /* Every out-parameter may be NULL. */
    weft_module_import(m, 0, NULL, NULL, NULL, NULL, NULL);

    /* "a\0b" has an embedded NUL: only the length tells where the name ends. */
    static const struct {
        const char *name;
        size_t len;
        weft_extern_kind kind;
    } exports[] = {{"run", 3, WEFT_EXTERN_FUNC},
                   {"mem", 3, WEFT_EXTERN_MEMORY},
                   {"tab", 3, WEFT_EXTERN_TABLE},
                   {"g", 1, WEFT_EXTERN_GLOBAL},
                   {"a\0b", 3, WEFT_EXTERN_FUNC}};
    REQUIRE_EQ_INT(weft_module_export_count(m), 5);
    for (size_t i = 0; i < 5; i++) {
        const char *name = NULL;
        size_t len = 0;
        weft_extern_kind kind = (weft_extern_kind)-1;
        weft_module_export(m, i, &name, &len, &kind);
        CHECK(name_is(name, len, exports[i].name, exports[i].len));
        CHECK_EQ_INT(kind, exports[i].kind);
    }
    weft_module_export(m, 0, NULL, NULL, NULL);
done:
    weft_module_free(m);
}

/* A module with no sections at all: nothing to import or export. */
static void test_empty_module(void) {
    static const uint8_t empty[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    weft_module *m = LOAD(engine, empty);
    REQUIRE(m);
    CHECK_EQ_INT(weft_module_import_count(m), 0);
    CHECK_EQ_INT(weft_module_export_count(m), 0);
done:
    weft_module_free(m);
}

static void test_usage(void) {
    weft_module *m = (weft_module *)&m; /* must be reset to NULL */
    CHECK_ERROR(weft_module_new(NULL, intro_wasm, sizeof intro_wasm, &m), WEFT_ERR_USAGE, NULL);
    CHECK(m == NULL);
    CHECK_ERROR(weft_module_new(engine, intro_wasm, sizeof intro_wasm, NULL), WEFT_ERR_USAGE,
                NULL);
    CHECK_ERROR(weft_module_new(engine, NULL, 8, &m), WEFT_ERR_USAGE, NULL);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_decode");
    RUN(test_bad_magic);
    RUN(test_truncated);
    RUN(test_every_prefix);
    RUN(test_bad_section_order);
    RUN(test_leb);
    RUN(test_invalid);
    RUN(test_simd_unsupported);
    RUN(test_too_many_locals);
    RUN(test_validate);
    RUN(test_bytes_copied);
    RUN(test_imports_exports);
    RUN(test_empty_module);
    RUN(test_usage);
    weft_engine_free(engine);
    return check_report("test_decode");
}
