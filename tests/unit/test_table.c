/* test_table.c: unit tests of tables (src/wasm/table.c): the host API (new, get, set, grow and
 * their type and range checks), funcref and externref tables shared between host and guest,
 * and table import matching.
 */
#include "table_modules.h"

static weft_engine *engine;

static weft_error *host_nine(weft_caller *c, void *ud, const weft_val *args, weft_val *res) {
    res[0].of.i32 = 9;
    return NULL;
}

static void test_funcref_table_api(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_table *t = NULL;
    int token = 0;
    REQUIRE(s);
    const weft_valtype i32 = WEFT_I32;
    weft_func *f = weft_func_new(s, NULL, 0, &i32, 1, host_nine, NULL, NULL);
    REQUIRE(f);
    REQUIRE_OK(weft_table_new(s, WEFT_FUNCREF, 2, true, 4, val_func(NULL), &t));
    REQUIRE(t);
    CHECK_EQ_INT(weft_table_type(t), WEFT_FUNCREF);
    CHECK_EQ_INT(weft_table_size(t), 2);
    weft_val v = val_i32(99);
    CHECK(weft_table_get(t, 0, &v));
    CHECK_EQ_INT(v.type, WEFT_FUNCREF);
    CHECK(v.of.funcref == NULL);
    CHECK(!weft_table_get(t, 2, &v));
    CHECK(!weft_table_get(t, UINT32_MAX, &v));

    CHECK(weft_table_set(t, 1, val_func(f)));
    CHECK(weft_table_get(t, 1, &v));
    CHECK(v.of.funcref == f);
    /* Wrong type or index: refused, nothing changes. */
    CHECK(!weft_table_set(t, 1, val_extern(&token)));
    CHECK(!weft_table_set(t, 1, val_i32(0)));
    CHECK(weft_table_get(t, 1, &v));
    CHECK(v.of.funcref == f);
    CHECK(!weft_table_set(t, 2, val_func(f)));
    CHECK(!weft_table_set(t, UINT32_MAX, val_func(f)));

    CHECK_EQ_INT(weft_table_grow(t, 1, val_func(f)), 2);
    CHECK_EQ_INT(weft_table_size(t), 3);
    CHECK(weft_table_get(t, 2, &v));
    CHECK(v.of.funcref == f);
    CHECK_EQ_INT(weft_table_grow(t, 2, val_func(NULL)), -1); /* past the maximum of 4 */
    CHECK_EQ_INT(weft_table_grow(t, UINT32_MAX, val_func(NULL)), -1);
    CHECK_EQ_INT(weft_table_grow(t, 1, val_extern(&token)), -1); /* wrong init type */
    CHECK_EQ_INT(weft_table_size(t), 3);
    CHECK_EQ_INT(weft_table_grow(t, 1, val_func(NULL)), 3);
    CHECK_EQ_INT(weft_table_grow(t, 0, val_func(NULL)), 4);
    CHECK_EQ_INT(weft_table_size(t), 4);
    CHECK(weft_table_get(t, 3, &v));
    CHECK(v.of.funcref == NULL);
done:
    weft_store_free(s);
}

static void test_externref_table_api(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_table *t = NULL;
    int x = 0, y = 0;
    REQUIRE(s);
    REQUIRE_OK(weft_table_new(s, WEFT_EXTERNREF, 1, false, 0, val_extern(&x), &t));
    CHECK_EQ_INT(weft_table_type(t), WEFT_EXTERNREF);
    weft_val v;
    CHECK(weft_table_get(t, 0, &v));
    CHECK_EQ_INT(v.type, WEFT_EXTERNREF);
    CHECK(v.of.externref == &x);
    CHECK(!weft_table_set(t, 0, val_func(NULL)));
    CHECK_EQ_INT(weft_table_grow(t, 2, val_extern(&y)), 1);
    CHECK(weft_table_get(t, 2, &v));
    CHECK(v.of.externref == &y);
    CHECK(weft_table_set(t, 0, val_extern(NULL)));
    CHECK(weft_table_get(t, 0, &v));
    CHECK(v.of.externref == NULL);
done:
    weft_store_free(s);
}

static void test_table_new_usage(void) {
    weft_store *s = weft_store_new(engine, NULL);
    REQUIRE(s);
    weft_table *t = (weft_table *)&t;
    CHECK_ERROR(weft_table_new(s, WEFT_I32, 1, false, 0, val_i32(0), &t), WEFT_ERR_USAGE, NULL);
    CHECK(t == NULL);
    t = (weft_table *)&t;
    CHECK_ERROR(weft_table_new(s, WEFT_FUNCREF, 1, false, 0, val_extern(NULL), &t),
                WEFT_ERR_USAGE, NULL);
    CHECK(t == NULL);
    CHECK_ERROR(weft_table_new(s, WEFT_FUNCREF, 3, true, 2, val_func(NULL), &t), WEFT_ERR_USAGE,
                NULL);
done:
    weft_store_free(s);
}

/* The guest calls through a table the host made and fills. */
static void test_guest_funcref_table(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    weft_module *m = LOAD(engine, tab_user_wasm);
    weft_table *t = NULL;
    REQUIRE(l && m);
    REQUIRE_OK(weft_table_new(s, WEFT_FUNCREF, 2, false, 0, val_func(NULL), &t));
    REQUIRE_OK(weft_linker_define(l, "env", "tab",
                                  (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = t}));
    weft_instance *inst = INSTANTIATE(s, m, l);
    REQUIRE(inst);
    const weft_valtype i32 = WEFT_I32;
    weft_func *nine = weft_func_new(s, NULL, 0, &i32, 1, host_nine, NULL, NULL);
    REQUIRE(nine);
    REQUIRE(weft_table_set(t, 0, val_func(nine)));

    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "call", 0, &r));
    CHECK_EQ_INT(r, 9);
    CHECK_OK(CALL_I32(s, inst, "call", 1, &r));
    CHECK_EQ_INT(r, 5);

    /* The element segment's function, seen by the host and by the guest's table.get. */
    weft_val v, g;
    REQUIRE(weft_table_get(t, 1, &v));
    REQUIRE(v.of.funcref);
    CHECK_EQ_STR(weft_func_name(v.of.funcref), "five");
    CHECK_OK(weft_func_call(s, v.of.funcref, NULL, 0, &g, 1));
    CHECK_EQ_INT(g.of.i32, 5);
    weft_val one = val_i32(1);
    CHECK_OK(CALL(s, inst, "get", &one, 1, &g, 1));
    CHECK(g.of.funcref == v.of.funcref);

    /* Guest writes null, the host sees it; calling it traps. */
    weft_val zero = val_i32(0);
    CHECK_OK(CALL(s, inst, "set_null", &zero, 1, NULL, 0));
    REQUIRE(weft_table_get(t, 0, &v));
    CHECK(v.of.funcref == NULL);
    CHECK_TRAP(CALL_I32(s, inst, "call", 0, &r), WEFT_TRAP_UNINITIALIZED_ELEM,
               "uninitialized element");
    CHECK_TRAP(CALL_I32(s, inst, "call", 2, &r), WEFT_TRAP_UNDEFINED_ELEMENT,
               "undefined element");

    /* Growth from either side is seen by the other. */
    CHECK_OK(CALL_I32(s, inst, "grow", 3, &r));
    CHECK_EQ_INT(r, 2);
    CHECK_EQ_INT(weft_table_size(t), 5);
    CHECK_EQ_INT(weft_table_grow(t, 1, val_func(nine)), 5);
    CHECK_OK(CALL0_I32(s, inst, "size", &r));
    CHECK_EQ_INT(r, 6);
    CHECK_OK(CALL_I32(s, inst, "call", 5, &r));
    CHECK_EQ_INT(r, 9);
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

static void test_guest_externref_table(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, tab_extern_wasm);
    int x = 0, y = 0;
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "things", &ext));
    REQUIRE_EQ_INT(ext.kind, WEFT_EXTERN_TABLE);
    weft_table *t = ext.of.table;
    CHECK_EQ_INT(weft_table_type(t), WEFT_EXTERNREF);

    weft_val put[2] = {val_i32(1), val_extern(&x)};
    CHECK_OK(CALL(s, inst, "put", put, 2, NULL, 0));
    weft_val v;
    REQUIRE(weft_table_get(t, 1, &v));
    CHECK(v.of.externref == &x);
    REQUIRE(weft_table_set(t, 0, val_extern(&y)));
    weft_val zero = val_i32(0), r = {0};
    CHECK_OK(CALL(s, inst, "take", &zero, 1, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_EXTERNREF);
    CHECK(r.of.externref == &y);
    weft_val two = val_i32(2);
    CHECK_TRAP(CALL(s, inst, "take", &two, 1, &r, 1), WEFT_TRAP_TABLE_OOB,
               "out of bounds table access");
done:
    weft_module_free(m);
    weft_store_free(s);
}

/* tab_user_wasm imports (table 2 funcref): a smaller table, or one of externref, does not link. */
static void test_import_mismatch(void) {
    weft_module *m = LOAD(engine, tab_user_wasm);
    REQUIRE(m);
    for (int i = 0; i < 2; i++) {
        weft_store *s = weft_store_new(engine, NULL);
        weft_linker *l = s ? weft_linker_new(s) : NULL;
        weft_table *t = NULL;
        weft_error *err;
        if (!CHECK(l != NULL))
            err = weft_trap_new("test: no store or linker");
        else if (i == 0) /* one element short */
            err = weft_table_new(s, WEFT_FUNCREF, 1, false, 0, val_func(NULL), &t);
        else /* the wrong element type */
            err = weft_table_new(s, WEFT_EXTERNREF, 2, false, 0, val_extern(NULL), &t);
        if (CHECK_OK(err)) {
            CHECK_OK(weft_linker_define(l, "env", "tab",
                                        (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = t}));
            weft_instance *inst = NULL;
            CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "tab");
        }
        weft_linker_free(l);
        weft_store_free(s);
    }
done:
    weft_module_free(m);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_table");
    RUN(test_funcref_table_api);
    RUN(test_externref_table_api);
    RUN(test_table_new_usage);
    RUN(test_guest_funcref_table);
    RUN(test_guest_externref_table);
    RUN(test_import_mismatch);
    weft_engine_free(engine);
    return check_report("test_table");
}
