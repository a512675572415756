/* test_instance.c: unit tests of instantiation and linking (src/wasm/instance.c, linker.c):
 * export lookup of every kind, missing and mistyped imports, two instances linked through
 * weft_linker_define_instance, start functions, and segments that fail part-way (2.0 semantics).
 */
#include "instance_modules.h"

static weft_engine *engine;

static void test_exports(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, exports_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    CHECK(weft_instance_module(inst) == m);

    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "add", &ext));
    CHECK_EQ_INT(ext.kind, WEFT_EXTERN_FUNC);
    weft_func *add = ext.of.func;
    CHECK(add == weft_instance_func(inst, "add"));
    CHECK_EQ_STR(weft_func_name(add), "add");
    REQUIRE_EQ_INT(weft_func_param_count(add), 2);
    REQUIRE_EQ_INT(weft_func_result_count(add), 1);
    CHECK_EQ_INT(weft_func_params(add)[0], WEFT_I32);
    CHECK_EQ_INT(weft_func_params(add)[1], WEFT_I32);
    CHECK_EQ_INT(weft_func_results(add)[0], WEFT_I32);
    weft_val args[2] = {val_i32(40), val_i32(2)}, r = {0};
    CHECK_OK(weft_func_call(s, add, args, 2, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_I32);
    CHECK_EQ_INT(r.of.i32, 42);

    REQUIRE(weft_instance_export(inst, "memory", &ext));
    CHECK_EQ_INT(ext.kind, WEFT_EXTERN_MEMORY);
    CHECK(ext.of.memory == weft_instance_memory(inst));
    CHECK_EQ_INT(weft_memory_pages(ext.of.memory), 1);

    REQUIRE(weft_instance_export(inst, "counter", &ext));
    CHECK_EQ_INT(ext.kind, WEFT_EXTERN_GLOBAL);
    CHECK_EQ_INT(weft_global_type(ext.of.global), WEFT_I32);
    CHECK(weft_global_mutable(ext.of.global));
    CHECK_EQ_INT(weft_global_get(ext.of.global).of.i32, 42);

    REQUIRE(weft_instance_export(inst, "table", &ext));
    CHECK_EQ_INT(ext.kind, WEFT_EXTERN_TABLE);
    CHECK_EQ_INT(weft_table_type(ext.of.table), WEFT_FUNCREF);
    CHECK_EQ_INT(weft_table_size(ext.of.table), 3);
    weft_val v;
    REQUIRE(weft_table_get(ext.of.table, 1, &v));
    CHECK(v.of.funcref == add); /* the element segment put the same function object there */
    REQUIRE(weft_table_get(ext.of.table, 0, &v));
    CHECK(v.of.funcref == NULL);

    /* A name with a NUL byte is found only with its full length. */
    CHECK(!weft_instance_export(inst, "a", &ext));
    CHECK(!weft_instance_export_n(inst, "a", 1, &ext));
    CHECK(!weft_instance_export_n(inst, "a\0", 2, &ext));
    REQUIRE(weft_instance_export_n(inst, "a\0b", 3, &ext));
    CHECK_EQ_INT(ext.kind, WEFT_EXTERN_FUNC);
    CHECK(ext.of.func == add);
    CHECK(weft_instance_export_n(inst, "add", 3, &ext) && ext.of.func == add);

    CHECK(!weft_instance_export(inst, "missing", &ext));
    CHECK(!weft_instance_export(inst, "ad", &ext)); /* a prefix is not a match */
    CHECK(weft_instance_func(inst, "missing") == NULL);
    CHECK(weft_instance_func(inst, "memory") == NULL); /* not a function */
done:
    weft_module_free(m);
    weft_store_free(s);
}

static weft_error *host_record(weft_caller *c, void *ud, const weft_val *args, weft_val *res) {
    *(int32_t *)ud = args[0].of.i32;
    return NULL;
}

static void test_missing_import(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_module *m = LOAD(engine, log_import_wasm);
    REQUIRE(s && l && m);
    weft_instance *inst = (weft_instance *)&inst;
    weft_error *err = weft_instance_new(s, m, NULL, &inst);
    REQUIRE(err);
    CHECK(inst == NULL);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_LINK);
    CHECK_CONTAINS(weft_error_message(err), "host");
    CHECK_CONTAINS(weft_error_message(err), "log");
    CHECK_EQ_INT(weft_error_offset(err), -1);
    weft_error_free(err);

    /* An empty linker, and one defining the right name under another module. */
    CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "log");
    const weft_valtype i32 = WEFT_I32;
    REQUIRE_OK(weft_linker_define_func(l, "env", "log", &i32, 1, NULL, 0, host_nop, NULL, NULL));
    CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "log");
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

static void test_wrong_import_type(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_module *m = LOAD(engine, log_import_wasm);
    REQUIRE(s && l && m);
    const weft_valtype i32 = WEFT_I32, i64 = WEFT_I64;
    weft_instance *inst = NULL;

    /* Wrong parameter type. */
    REQUIRE_OK(weft_linker_define_func(l, "host", "log", &i64, 1, NULL, 0, host_nop, NULL, NULL));
    CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "log");
    CHECK(inst == NULL);
    /* Right parameters, but an extra result. */
    REQUIRE_OK(weft_linker_define_func(l, "host", "log", &i32, 1, &i32, 1, host_nop, NULL, NULL));
    CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "log");
    /* Wrong kind: a global. */
    weft_extern g = {.kind = WEFT_EXTERN_GLOBAL,
                     .of.global = weft_global_new(s, WEFT_I32, false, val_i32(0))};
    REQUIRE(g.of.global);
    REQUIRE_OK(weft_linker_define(l, "host", "log", g));
    CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "log");

    /* The latest definition wins, so a right one now makes it link, and it gets called. */
    int32_t seen = 0;
    REQUIRE_OK(weft_linker_define_func(l, "host", "log", &i32, 1, NULL, 0, host_record, &seen,
                                       NULL));
    inst = INSTANTIATE(s, m, l);
    REQUIRE(inst);
    CHECK_OK(CALL(s, inst, "run", NULL, 0, NULL, 0));
    CHECK_EQ_INT(seen, 5);
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

static void test_link_instances(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_module *lib = LOAD(engine, lib_wasm);
    weft_module *user = LOAD(engine, user_wasm);
    REQUIRE(s && l && lib && user);
    weft_instance *a = INSTANTIATE(s, lib, NULL);
    REQUIRE(a);
    REQUIRE_OK(weft_linker_define_instance(l, "lib", a));
    weft_instance *b = INSTANTIATE(s, user, l);
    REQUIRE(b);
    /* B imports A's memory: one memory object, seen by both. */
    CHECK(weft_instance_memory(b) == weft_instance_memory(a));

    int32_t r = 0;
    CHECK_OK(CALL_I32(s, b, "run", 21, &r));
    CHECK_EQ_INT(r, 42);
    uint32_t stored = 0;
    CHECK(weft_memory_read(weft_instance_memory(a), 16, &stored, 4));
    CHECK_EQ_INT(stored, 42);

    /* The linked function is A's own function object. */
    weft_extern ext;
    REQUIRE(weft_instance_export(a, "double", &ext));
    CHECK_OK(CALL_I32(s, a, "double", -4, &r));
    CHECK_EQ_INT(r, -8);
done:
    weft_module_free(lib);
    weft_module_free(user);
    weft_linker_free(l);
    weft_store_free(s);
}

static void test_start_function(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, start_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "started", &ext));
    CHECK_EQ_INT(weft_global_get(ext.of.global).of.i32, 1);
    uint8_t bytes[4] = {0};
    REQUIRE(weft_instance_memory(inst));
    CHECK(weft_memory_read(weft_instance_memory(inst), 0, bytes, 4));
    CHECK_EQ_INT(bytes[0], 0xef); /* little-endian 0xbeef */
    CHECK_EQ_INT(bytes[1], 0xbe);
    CHECK_EQ_INT(bytes[2], 0);

    /* A second instance of the same module has its own global and memory. */
    REQUIRE_OK(weft_global_set(ext.of.global, val_i32(7)));
    weft_instance *again = INSTANTIATE(s, m, NULL);
    REQUIRE(again);
    weft_extern ext2;
    REQUIRE(weft_instance_export(again, "started", &ext2));
    CHECK(ext2.of.global != ext.of.global);
    CHECK_EQ_INT(weft_global_get(ext2.of.global).of.i32, 1);
    CHECK_EQ_INT(weft_global_get(ext.of.global).of.i32, 7);
    CHECK(weft_instance_memory(again) != weft_instance_memory(inst));
done:
    weft_module_free(m);
    weft_store_free(s);
}

static void test_start_trap(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, start_trap_wasm);
    REQUIRE(s && m);
    weft_instance *inst = (weft_instance *)&inst;
    weft_error *err = weft_instance_new(s, m, NULL, &inst);
    CHECK(inst == NULL);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_UNREACHABLE);
    CHECK_EQ_STR(weft_error_message(err), "unreachable");
    CHECK_EQ_INT(weft_error_frame_count(err), 1);
    CHECK_EQ_STR(weft_error_frame_name(err, 0), "boom");
    weft_error_free(err);
done:
    weft_module_free(m);
    weft_store_free(s);
}

/* Segments are applied in order and a failing one stops instantiation, but what earlier ones wrote
 * into an imported memory stays written; nothing of the failing one is written. */
static void test_data_segment_oob(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_module *m = LOAD(engine, data_oob_wasm);
    weft_memory *mem = NULL;
    REQUIRE(s && l && m);
    REQUIRE_OK(weft_memory_new(s, 1, false, 0, &mem));
    REQUIRE_OK(weft_linker_define(l, "env", "mem", (weft_extern){.kind = WEFT_EXTERN_MEMORY,
                                                                 .of.memory = mem}));
    weft_instance *inst = (weft_instance *)&inst;
    CHECK_TRAP(weft_instance_new(s, m, l, &inst), WEFT_TRAP_MEMORY_OOB,
               "out of bounds memory access");
    CHECK(inst == NULL);
    char early[6] = {0};
    CHECK(weft_memory_read(mem, 0, early, 5));
    CHECK_EQ_STR(early, "early");
    uint8_t tail[2] = {0xff, 0xff};
    CHECK(weft_memory_read(mem, 65534, tail, 2));
    CHECK_EQ_INT(tail[0], 0);
    CHECK_EQ_INT(tail[1], 0);
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

/* The same for element segments and an imported table. The function the first segment stored
 * belongs to an instance that never finished, yet stays callable: the store keeps it. */
static void test_elem_segment_oob(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_module *m = LOAD(engine, elem_oob_wasm);
    weft_table *t = NULL;
    REQUIRE(s && l && m);
    REQUIRE_OK(weft_table_new(s, WEFT_FUNCREF, 2, false, 0, val_func(NULL), &t));
    REQUIRE_OK(weft_linker_define(l, "env", "tab", (weft_extern){.kind = WEFT_EXTERN_TABLE,
                                                                 .of.table = t}));
    weft_instance *inst = NULL;
    CHECK_TRAP(weft_instance_new(s, m, l, &inst), WEFT_TRAP_TABLE_OOB,
               "out of bounds table access");
    CHECK(inst == NULL);
    weft_val v;
    REQUIRE(weft_table_get(t, 0, &v));
    REQUIRE(v.of.funcref != NULL);
    CHECK_EQ_INT(weft_func_param_count(v.of.funcref), 0);
    CHECK_OK(weft_func_call(s, v.of.funcref, NULL, 0, NULL, 0));
    REQUIRE(weft_table_get(t, 1, &v));
    CHECK(v.of.funcref == NULL);
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

/* Instances hold their own reference to the module: the caller may free it at once. */
static void test_module_outlives_caller(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, exports_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    weft_module_free(m);
    m = NULL;
    REQUIRE(inst);
    CHECK_EQ_INT(weft_module_export_count(weft_instance_module(inst)), 5);
    weft_val args[2] = {val_i32(1), val_i32(2)}, r = {0};
    CHECK_OK(CALL(s, inst, "add", args, 2, &r, 1));
    CHECK_EQ_INT(r.of.i32, 3);
done:
    weft_module_free(m);
    weft_store_free(s);
}

static void test_usage(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, exports_wasm);
    REQUIRE(s && m);
    weft_instance *inst = (weft_instance *)&inst;
    CHECK_ERROR(weft_instance_new(s, NULL, NULL, &inst), WEFT_ERR_USAGE, NULL);
    CHECK(inst == NULL);
    CHECK_ERROR(weft_instance_new(NULL, m, NULL, &inst), WEFT_ERR_USAGE, NULL);
    weft_linker *l = weft_linker_new(s);
    REQUIRE(l);
    weft_extern nothing = {.kind = WEFT_EXTERN_FUNC, .of.func = NULL};
    CHECK_ERROR(weft_linker_define(l, NULL, "x", nothing), WEFT_ERR_USAGE, NULL);
    CHECK_ERROR(weft_linker_define(l, "x", NULL, nothing), WEFT_ERR_USAGE, NULL);
    weft_linker_free(l);
done:
    weft_module_free(m);
    weft_store_free(s);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_instance");
    RUN(test_exports);
    RUN(test_missing_import);
    RUN(test_wrong_import_type);
    RUN(test_link_instances);
    RUN(test_start_function);
    RUN(test_start_trap);
    RUN(test_data_segment_oob);
    RUN(test_elem_segment_oob);
    RUN(test_module_outlives_caller);
    RUN(test_usage);
    weft_engine_free(engine);
    return check_report("test_instance");
}
