/* test_trap.c: unit tests of traps (src/wasm/interp.c, error.c): every spec trap reachable from
 * a small module, with its code and the spec's exact message; backtraces innermost first, named
 * from the name section or "func[N]"; weft_error_format; the store after a trap.
 */
#include "trap_modules.h"

static weft_engine *engine;

/* Function indices in trap_wasm (imports: none). */
enum { F_LEAF = 16, F_MIDDLE = 17, F_TOP = 18 };

typedef struct trap_case {
    const char *export;
    uint32_t func_index;
    weft_val arg; /* .type 0: no argument */
    size_t nresults;
    weft_trap_code code;
    const char *message;
} trap_case;

static const trap_case cases[] = {
    {"unreachable", 2, {0}, 0, WEFT_TRAP_UNREACHABLE, "unreachable"},
    {"div_zero", 3, {.type = WEFT_I32, .of.i32 = 0}, 1, WEFT_TRAP_DIV_ZERO,
     "integer divide by zero"},
    {"rem_zero_i64", 4, {.type = WEFT_I64, .of.i64 = 0}, 1, WEFT_TRAP_DIV_ZERO,
     "integer divide by zero"},
    {"div_overflow", 5, {0}, 1, WEFT_TRAP_INT_OVERFLOW, "integer overflow"},
    {"trunc_nan", 7, {0}, 1, WEFT_TRAP_INVALID_CONVERSION, "invalid conversion to integer"},
    {"trunc_big", 8, {0}, 1, WEFT_TRAP_INT_OVERFLOW, "integer overflow"},
    {"load_oob", 9, {.type = WEFT_I32, .of.i32 = 65533}, 1, WEFT_TRAP_MEMORY_OOB,
     "out of bounds memory access"},
    {"load_oob", 9, {.type = WEFT_I32, .of.i32 = -1}, 1, WEFT_TRAP_MEMORY_OOB,
     "out of bounds memory access"},
    {"store_oob", 10, {0}, 0, WEFT_TRAP_MEMORY_OOB, "out of bounds memory access"},
    {"table_get_oob", 11, {0}, 1, WEFT_TRAP_TABLE_OOB, "out of bounds table access"},
    {"call_undefined", 12, {0}, 1, WEFT_TRAP_UNDEFINED_ELEMENT, "undefined element"},
    {"call_uninitialized", 13, {0}, 1, WEFT_TRAP_UNINITIALIZED_ELEM, "uninitialized element"},
    {"call_wrong_type", 14, {0}, 1, WEFT_TRAP_INDIRECT_TYPE, "indirect call type mismatch"},
};

static void test_each_trap(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, trap_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const trap_case *c = &cases[i];
        weft_val r[1];
        weft_error *err = CALL(s, inst, c->export, &c->arg, c->arg.type ? 1 : 0, r, c->nresults);
        if (!CHECK(err != NULL)) {
            fprintf(stderr, "    %s did not trap\n", c->export);
            continue;
        }
        bool ok = CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_TRAP);
        ok &= CHECK_EQ_INT(weft_error_trap_code(err), c->code);
        ok &= CHECK_EQ_STR(weft_error_message(err), c->message);
        /* The trap happened in the export itself, named like it in the name section. */
        ok &= CHECK_EQ_INT(weft_error_frame_count(err), 1);
        ok &= CHECK_EQ_STR(weft_error_frame_name(err, 0), c->export);
        ok &= CHECK_EQ_INT(weft_error_frame_func_index(err, 0), c->func_index);
        ok &= CHECK_EQ_INT(weft_error_exit_code(err), 0);
        ok &= CHECK_EQ_INT(weft_error_offset(err), -1);
        if (!ok) fprintf(stderr, "    in case %zu (%s)\n", i, c->export);
        weft_error_free(err);
    }
    /* The store is usable after all of these. */
    int32_t r = 0;
    CHECK_OK(CALL0_I32(s, inst, "call_ok", &r));
    CHECK_EQ_INT(r, 7);
done:
    weft_module_free(m);
    weft_store_free(s);
}

/* Near misses of the traps above are not traps. */
static void test_no_trap(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, trap_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    int32_t r = -1;
    CHECK_OK(CALL0_I32(s, inst, "rem_no_overflow", &r));
    CHECK_EQ_INT(r, 0);
    CHECK_OK(CALL_I32(s, inst, "load_oob", 65532, &r)); /* the last 4 bytes */
    CHECK_EQ_INT(r, 0);
    CHECK_OK(CALL_I32(s, inst, "div_zero", -1, &r));
    CHECK_EQ_INT(r, -1);
    CHECK_OK(CALL_I32(s, inst, "top", 3, &r));
    CHECK_EQ_INT(r, 3);
done:
    weft_module_free(m);
    weft_store_free(s);
}

static void test_backtrace_named(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, trap_wasm);
    weft_error *err = NULL;
    char *text = NULL;
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    int32_t r;
    err = CALL_I32(s, inst, "top", 0, &r);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_DIV_ZERO);
    REQUIRE_EQ_INT(weft_error_frame_count(err), 3);
    CHECK_EQ_STR(weft_error_frame_name(err, 0), "leaf");
    CHECK_EQ_STR(weft_error_frame_name(err, 1), "middle");
    CHECK_EQ_STR(weft_error_frame_name(err, 2), "top");
    CHECK_EQ_INT(weft_error_frame_func_index(err, 0), F_LEAF);
    CHECK_EQ_INT(weft_error_frame_func_index(err, 1), F_MIDDLE);
    CHECK_EQ_INT(weft_error_frame_func_index(err, 2), F_TOP);
    CHECK(weft_error_frame_name(err, 3) == NULL);
    CHECK(weft_error_frame_name(err, (size_t)-1) == NULL);

    text = weft_error_format(err);
    REQUIRE(text);
    CHECK_CONTAINS(text, "integer divide by zero");
    /* One line per frame, innermost first. */
    const char *leaf = strstr(text, "\n  0: leaf"), *middle = strstr(text, "\n  1: middle"),
               *top = strstr(text, "\n  2: top");
    CHECK(leaf && middle && top && leaf < middle && middle < top);

    /* The function objects carry the same names. */
    CHECK_EQ_STR(weft_func_name(weft_instance_func(inst, "top")), "top");
    CHECK_EQ_STR(weft_func_name(weft_instance_func(inst, "unreachable")), "unreachable");
done:
    free(text);
    weft_error_free(err);
    weft_module_free(m);
    weft_store_free(s);
}

/* Without a name section, frames are called "func[N]" after their index in the function index
 * space (imports included). */
static void test_backtrace_anonymous(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    weft_module *m = LOAD(engine, trap_anon_wasm);
    weft_error *err = NULL;
    char *text = NULL;
    REQUIRE(l && m);
    REQUIRE_OK(link_nop(engine, s, l));
    weft_instance *inst = INSTANTIATE(s, m, l);
    REQUIRE(inst);
    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "entry", &ext));
    REQUIRE_EQ_INT(ext.kind, WEFT_EXTERN_TABLE);
    weft_val entry;
    REQUIRE(weft_table_get(ext.of.table, 0, &entry));
    REQUIRE(entry.of.funcref);
    CHECK_EQ_STR(weft_func_name(entry.of.funcref), "func[3]");

    weft_val arg = val_i32(0), r;
    err = weft_func_call(s, entry.of.funcref, &arg, 1, &r, 1);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_DIV_ZERO);
    CHECK_EQ_STR(weft_error_message(err), "integer divide by zero");
    REQUIRE_EQ_INT(weft_error_frame_count(err), 3);
    CHECK_EQ_STR(weft_error_frame_name(err, 0), "func[1]");
    CHECK_EQ_STR(weft_error_frame_name(err, 1), "func[2]");
    CHECK_EQ_STR(weft_error_frame_name(err, 2), "func[3]");
    for (uint32_t i = 0; i < 3; i++) CHECK_EQ_INT(weft_error_frame_func_index(err, i), i + 1);
    text = weft_error_format(err);
    CHECK_CONTAINS(text, "integer divide by zero");
    CHECK_CONTAINS(text, "func[1]");
    CHECK_CONTAINS(text, "func[3]");
    arg = val_i32(5);
    CHECK_OK(weft_func_call(s, entry.of.funcref, &arg, 1, &r, 1));
    CHECK_EQ_INT(r.of.i32, 2);
done:
    free(text);
    weft_error_free(err);
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_trap");
    RUN(test_each_trap);
    RUN(test_no_trap);
    RUN(test_backtrace_named);
    RUN(test_backtrace_anonymous);
    weft_engine_free(engine);
    return check_report("test_trap");
}
