/* test_errors.c: unit tests of the error API (src/wasm/error.c): errors made by host code
 * (weft_trap_new, weft_exit_new), the accessors on every kind of error, weft_error_format, value
 * type names, and the _free(NULL) no-ops.
 */
#include "util.h"

/* Every _free accepts NULL and does nothing: reaching the check is the test (a dereference
 * would crash, and ASan would report it). */
static void test_free_null(void) {
    weft_error_free(NULL);
    weft_module_free(NULL);
    weft_store_free(NULL);
    weft_linker_free(NULL);
    weft_engine_free(NULL);
    CHECK(true);
}

static void test_trap_new(void) {
    weft_error *err = weft_trap_new("boom %d at %s", 7, "here");
    char *text = NULL;
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_TRAP);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_HOST);
    CHECK_EQ_STR(weft_error_message(err), "boom 7 at here");
    CHECK_EQ_INT(weft_error_offset(err), -1);
    CHECK_EQ_INT(weft_error_exit_code(err), 0);
    CHECK_EQ_INT(weft_error_frame_count(err), 0);
    CHECK_EQ_INT(weft_error_frames_omitted(err), 0);
    CHECK(weft_error_frame_name(err, 0) == NULL);
    text = weft_error_format(err);
    CHECK_CONTAINS(text, "boom 7 at here");
done:
    free(text);
    weft_error_free(err);
}

/* The message is copied whole, however long: a host's error text (a path, a JSON document) must
 * reach the embedder intact. */
static void test_trap_new_long_message(void) {
    enum { LEN = 2000 };
    char *want = malloc(LEN + 1);
    weft_error *err = NULL;
    REQUIRE(want);
    for (int i = 0; i < LEN; i++) want[i] = (char)('a' + i % 26);
    want[LEN] = 0;
    err = weft_trap_new("%s", want);
    REQUIRE(err);
    CHECK_EQ_INT(strlen(weft_error_message(err)), LEN);
    CHECK(strcmp(weft_error_message(err), want) == 0); /* not shown: 2000 characters */
done:
    weft_error_free(err);
    free(want);
}

static void test_exit_new(void) {
    const int codes[] = {0, 3, 255, -1};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        weft_error *err = weft_exit_new(codes[i]);
        if (!CHECK(err != NULL)) continue;
        CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_EXIT);
        CHECK_EQ_INT(weft_error_exit_code(err), codes[i]);
        CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_NONE);
        CHECK_EQ_INT(weft_error_frame_count(err), 0);
        CHECK_EQ_INT(weft_error_offset(err), -1);
        char *text = weft_error_format(err);
        CHECK(text != NULL);
        free(text);
        weft_error_free(err);
    }
}

/* A decode error: kind, offset and message all appear in the formatted text. */
static void test_format_load_error(void) {
    static const uint8_t bad[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0d, 0x00};
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = NULL;
    weft_error *err = NULL;
    char *text = NULL;
    REQUIRE(e);
    err = weft_module_new(e, bad, sizeof bad, &m); /* section id 13 does not exist */
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_MALFORMED);
    CHECK_EQ_INT(weft_error_offset(err), 8);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_NONE);
    CHECK_EQ_INT(weft_error_exit_code(err), 0);
    CHECK_EQ_INT(weft_error_frame_count(err), 0);
    text = weft_error_format(err);
    REQUIRE(text);
    CHECK_CONTAINS(text, weft_error_message(err));
    CHECK_CONTAINS(text, "8");
    CHECK(strncmp(text, "malformed module", 16) == 0);
done:
    free(text);
    weft_error_free(err);
    weft_module_free(m);
    weft_engine_free(e);
}

static void test_kind_names(void) {
    CHECK_EQ_STR(weft_error_kind_name(WEFT_ERR_MALFORMED), "malformed module");
    CHECK_EQ_STR(weft_error_kind_name(WEFT_ERR_INVALID), "invalid module");
    CHECK_EQ_STR(weft_error_kind_name(WEFT_ERR_TRAP), "trap");
    /* Every kind has its own name. */
    for (int a = WEFT_ERR_MALFORMED; a <= WEFT_ERR_NOMEM; a++) {
        const char *na = weft_error_kind_name((weft_error_kind)a);
        if (!CHECK(na != NULL && na[0] != 0)) continue;
        for (int b = a + 1; b <= WEFT_ERR_NOMEM; b++)
            CHECK(strcmp(na, weft_error_kind_name((weft_error_kind)b)) != 0);
    }
    /* The formatted error starts with its kind's name. */
    weft_error *err = weft_trap_new("x");
    char *text = err ? weft_error_format(err) : NULL;
    CHECK(text && strncmp(text, "trap", 4) == 0);
    free(text);
    weft_error_free(err);
}

static void test_valtype_names(void) {
    CHECK_EQ_STR(weft_valtype_name(WEFT_I32), "i32");
    CHECK_EQ_STR(weft_valtype_name(WEFT_I64), "i64");
    CHECK_EQ_STR(weft_valtype_name(WEFT_F32), "f32");
    CHECK_EQ_STR(weft_valtype_name(WEFT_F64), "f64");
    CHECK_EQ_STR(weft_valtype_name(WEFT_V128), "v128");
    CHECK_EQ_STR(weft_valtype_name(WEFT_FUNCREF), "funcref");
    CHECK_EQ_STR(weft_valtype_name(WEFT_EXTERNREF), "externref");
    CHECK_EQ_STR(weft_valtype_name((weft_valtype)0), "?");
    CHECK_EQ_STR(weft_valtype_name((weft_valtype)0x40), "?");
}

int main(void) {
    RUN(test_free_null);
    RUN(test_trap_new);
    RUN(test_trap_new_long_message);
    RUN(test_exit_new);
    RUN(test_format_load_error);
    RUN(test_kind_names);
    RUN(test_valtype_names);
    return check_report("test_errors");
}
