/* test_limits.c: unit tests of a store's limits (weft_limits, src/wasm/store.c and the places
 * that enforce them): memory pages, table elements, call depth, value-stack slots, instances;
 * and that a store works normally after a limit stopped a guest.
 */
#include "limits_modules.h"

static weft_engine *engine;

static void test_memory_pages(void) {
    weft_limits lim = {.max_memory_pages = 4};
    weft_store *s = weft_store_new(engine, &lim);
    weft_module *grow = LOAD(engine, mem_grow_wasm);
    weft_module *big = LOAD(engine, mem_10_pages_wasm);
    REQUIRE(s && grow && big);
    weft_instance *inst = INSTANTIATE(s, grow, NULL);
    REQUIRE(inst);
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "grow", 3, &r));
    CHECK_EQ_INT(r, 1);
    CHECK_OK(CALL_I32(s, inst, "grow", 1, &r)); /* refused inside the guest, not a trap */
    CHECK_EQ_INT(r, -1);
    CHECK_OK(CALL0_I32(s, inst, "size", &r));
    CHECK_EQ_INT(r, 4);
    CHECK_EQ_INT(weft_memory_grow(weft_instance_memory(inst), 1), -1);
    CHECK_OK(CALL_I32(s, inst, "grow", 0, &r));
    CHECK_EQ_INT(r, 4);

    /* A module whose minimum is above the limit does not instantiate. */
    weft_instance *no = (weft_instance *)&no;
    CHECK_ERROR(weft_instance_new(s, big, NULL, &no), WEFT_ERR_LIMIT, NULL);
    CHECK(no == NULL);

    /* Host-made memories obey the same limit; a larger declared maximum is capped by it. */
    weft_memory *m = NULL;
    CHECK_ERROR(weft_memory_new(s, 5, false, 0, &m), WEFT_ERR_LIMIT, NULL);
    CHECK(m == NULL);
    REQUIRE_OK(weft_memory_new(s, 1, true, 100, &m));
    CHECK_EQ_INT(weft_memory_grow(m, 3), 1);
    CHECK_EQ_INT(weft_memory_grow(m, 1), -1);
    CHECK_EQ_INT(weft_memory_pages(m), 4);

    /* Another store without the limit takes the module. */
    weft_store *free_store = weft_store_new(engine, NULL);
    REQUIRE(free_store);
    weft_instance *ok = INSTANTIATE(free_store, big, NULL);
    CHECK(ok && weft_memory_pages(weft_instance_memory(ok)) == 10);
    weft_store_free(free_store);
done:
    weft_module_free(grow);
    weft_module_free(big);
    weft_store_free(s);
}

static void test_table_elements(void) {
    weft_limits lim = {.max_table_elements = 10};
    weft_store *s = weft_store_new(engine, &lim);
    weft_module *grow = LOAD(engine, table_grow_wasm);
    weft_module *big = LOAD(engine, table_20_wasm);
    REQUIRE(s && grow && big);
    weft_instance *inst = INSTANTIATE(s, grow, NULL);
    REQUIRE(inst);
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "grow", 5, &r));
    CHECK_EQ_INT(r, 1);
    CHECK_OK(CALL_I32(s, inst, "grow", 5, &r));
    CHECK_EQ_INT(r, -1);
    CHECK_OK(CALL_I32(s, inst, "grow", 4, &r));
    CHECK_EQ_INT(r, 6);
    CHECK_OK(CALL0_I32(s, inst, "size", &r));
    CHECK_EQ_INT(r, 10);
    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "table", &ext));
    CHECK_EQ_INT(weft_table_grow(ext.of.table, 1, val_func(NULL)), -1);
    CHECK_EQ_INT(weft_table_size(ext.of.table), 10);

    weft_instance *no = NULL;
    CHECK_ERROR(weft_instance_new(s, big, NULL, &no), WEFT_ERR_LIMIT, NULL);
    weft_table *t = (weft_table *)&t;
    CHECK_ERROR(weft_table_new(s, WEFT_FUNCREF, 11, false, 0, val_func(NULL), &t),
                WEFT_ERR_LIMIT, NULL);
    CHECK(t == NULL);
    REQUIRE_OK(weft_table_new(s, WEFT_EXTERNREF, 10, false, 0, val_extern(NULL), &t));
    CHECK_EQ_INT(weft_table_grow(t, 1, val_extern(NULL)), -1);
done:
    weft_module_free(grow);
    weft_module_free(big);
    weft_store_free(s);
}

static void test_call_depth(void) {
    weft_limits lim = {.max_call_depth = 50};
    weft_store *s = weft_store_new(engine, &lim);
    weft_module *m = LOAD(engine, recursion_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "rec", 40, &r));
    CHECK_EQ_INT(r, 40);
    weft_error *err = CALL_I32(s, inst, "rec", 60, &r);
    if (CHECK(err != NULL)) {
        CHECK(weft_error_frame_count(err) >= 40); /* every active frame is named */
        CHECK_EQ_INT(weft_error_frames_omitted(err), 0);
        CHECK_EQ_STR(weft_error_frame_name(err, 0), "rec");
    }
    CHECK_TRAP(err, WEFT_TRAP_STACK_EXHAUSTED, "call stack exhausted");
    /* The store is usable again, at full depth. */
    CHECK_OK(CALL0_I32(s, inst, "ok", &r));
    CHECK_EQ_INT(r, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_OK(CALL_I32(s, inst, "rec", 40, &r));
        CHECK_EQ_INT(r, 40);
        CHECK_TRAP(CALL(s, inst, "forever", NULL, 0, NULL, 0), WEFT_TRAP_STACK_EXHAUSTED,
                   "call stack exhausted");
    }
done:
    weft_module_free(m);
    weft_store_free(s);
}

/* With default limits, infinite recursion still ends in a clean trap (wasm calls do not recurse
 * on the C stack), and deep finite recursion works. */
static void test_default_depth(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_module *m = LOAD(engine, recursion_wasm);
    weft_error *err = NULL;
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    err = CALL(s, inst, "forever", NULL, 0, NULL, 0);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_STACK_EXHAUSTED);
    CHECK_EQ_STR(weft_error_message(err), "call stack exhausted");
    /* The innermost 100 frames are kept and the rest counted: all 10,000 are accounted for. */
    CHECK_EQ_INT(weft_error_frame_count(err), 100);
    CHECK(weft_error_frame_count(err) + weft_error_frames_omitted(err) >= 10000);
    CHECK_EQ_STR(weft_error_frame_name(err, 0), "forever");
    CHECK_EQ_STR(weft_error_frame_name(err, 99), "forever");
    CHECK(weft_error_frame_name(err, 100) == NULL);
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "rec", 5000, &r));
    CHECK_EQ_INT(r, 5000);
done:
    weft_error_free(err);
    weft_module_free(m);
    weft_store_free(s);
}

/* A small value stack runs out before the call depth does. */
static void test_stack_slots(void) {
    weft_limits lim = {.max_stack_slots = 512};
    weft_store *s = weft_store_new(engine, &lim);
    weft_module *m = LOAD(engine, recursion_wasm);
    REQUIRE(s && m);
    weft_instance *inst = INSTANTIATE(s, m, NULL);
    REQUIRE(inst);
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "rec", 10, &r));
    CHECK_EQ_INT(r, 10);
    CHECK_TRAP(CALL_I32(s, inst, "rec", 5000, &r), WEFT_TRAP_STACK_EXHAUSTED,
               "call stack exhausted");
    CHECK_OK(CALL0_I32(s, inst, "ok", &r));
    CHECK_OK(CALL_I32(s, inst, "rec", 10, &r));
    CHECK_EQ_INT(r, 10);
done:
    weft_module_free(m);
    weft_store_free(s);
}

static void test_max_instances(void) {
    weft_limits lim = {.max_instances = 3};
    weft_store *s = weft_store_new(engine, &lim);
    weft_module *m = LOAD(engine, mem_grow_wasm);
    REQUIRE(s && m);
    for (int i = 0; i < 3; i++) CHECK(INSTANTIATE(s, m, NULL) != NULL);
    weft_instance *inst = (weft_instance *)&inst;
    CHECK_ERROR(weft_instance_new(s, m, NULL, &inst), WEFT_ERR_LIMIT, "instances");
    CHECK(inst == NULL);
    /* The limit is per store. */
    weft_store *other = weft_store_new(engine, &lim);
    REQUIRE(other);
    CHECK(INSTANTIATE(other, m, NULL) != NULL);
    weft_store_free(other);
done:
    weft_module_free(m);
    weft_store_free(s);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_limits");
    RUN(test_memory_pages);
    RUN(test_table_elements);
    RUN(test_call_depth);
    RUN(test_default_depth);
    RUN(test_stack_slots);
    RUN(test_max_instances);
    weft_engine_free(engine);
    return check_report("test_limits");
}
