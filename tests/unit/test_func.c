/* test_func.c: unit tests of calls and host functions (src/wasm/func.c): typed arguments and
 * results with exact float bits, references, multi-value, argument checking, host functions
 * (user data, destructors, traps, exits, re-entrancy, the caller's memory).
 */
#include "func_modules.h"

static weft_engine *engine;

/* One store with types_wasm instantiated, for the tests that only call it. */
typedef struct types_env {
    weft_store *s;
    weft_module *m;
    weft_instance *inst;
} types_env;

static bool types_open(types_env *env) {
    env->s = weft_store_new(engine, NULL);
    env->m = LOAD(engine, types_wasm);
    env->inst = env->s && env->m ? INSTANTIATE(env->s, env->m, NULL) : NULL;
    return env->inst != NULL;
}

static void types_close(types_env *env) {
    weft_module_free(env->m);
    weft_store_free(env->s);
}

static void test_integers(void) {
    types_env env;
    REQUIRE(types_open(&env));
    weft_val a[2] = {val_i32(INT32_MAX), val_i32(1)}, r = {0};
    CHECK_OK(CALL(env.s, env.inst, "add_i32", a, 2, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_I32);
    CHECK_EQ_INT(r.of.i32, INT32_MIN); /* wraps */
    weft_val b[2] = {val_i64(INT64_C(0x123456789)), val_i64(-INT64_C(0x100000000))};
    CHECK_OK(CALL(env.s, env.inst, "add_i64", b, 2, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_I64);
    CHECK_EQ_INT(r.of.i64, INT64_C(0x23456789));
done:
    types_close(&env);
}

static void test_floats(void) {
    types_env env;
    REQUIRE(types_open(&env));
    weft_val r = {0};
    weft_val a = val_f32(1.5f);
    CHECK_OK(CALL(env.s, env.inst, "id_f32", &a, 1, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_F32);
    CHECK(r.of.f32 == 1.5f);

    /* A signalling NaN with a payload comes back bit for bit, and f32.neg flips only the sign. */
    a = val_f32_bits(0x7fa00001u);
    CHECK_OK(CALL(env.s, env.inst, "id_f32", &a, 1, &r, 1));
    CHECK_EQ_U64((uint32_t)r.of.i32, 0x7fa00001u);
    CHECK_OK(CALL(env.s, env.inst, "neg_f32", &a, 1, &r, 1));
    CHECK_EQ_U64((uint32_t)r.of.i32, 0xffa00001u);

    weft_val d = val_f64_bits(UINT64_C(0x7ff4000000000001));
    CHECK_OK(CALL(env.s, env.inst, "id_f64", &d, 1, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_F64);
    CHECK_EQ_U64((uint64_t)r.of.i64, UINT64_C(0x7ff4000000000001));
    /* Negative zero keeps its sign. */
    d = val_f64(-0.0);
    CHECK_OK(CALL(env.s, env.inst, "id_f64", &d, 1, &r, 1));
    CHECK_EQ_U64((uint64_t)r.of.i64, UINT64_C(0x8000000000000000));

    weft_val m[2] = {val_f64(1.5), val_f64(-2.0)};
    CHECK_OK(CALL(env.s, env.inst, "mul_f64", m, 2, &r, 1));
    CHECK(r.of.f64 == -3.0);
done:
    types_close(&env);
}

static weft_error *host_nine(weft_caller *c, void *ud, const weft_val *args, weft_val *res) {
    res[0].of.i32 = 9;
    return NULL;
}

static void test_references(void) {
    types_env env;
    REQUIRE(types_open(&env));
    int token = 0;
    weft_val a = val_extern(&token), r = {0};
    CHECK_OK(CALL(env.s, env.inst, "id_extern", &a, 1, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_EXTERNREF);
    CHECK(r.of.externref == &token);
    CHECK_OK(CALL(env.s, env.inst, "is_null", &a, 1, &r, 1));
    CHECK_EQ_INT(r.of.i32, 0);
    a = val_extern(NULL);
    CHECK_OK(CALL(env.s, env.inst, "id_extern", &a, 1, &r, 1));
    CHECK(r.of.externref == NULL);
    CHECK_OK(CALL(env.s, env.inst, "is_null", &a, 1, &r, 1));
    CHECK_EQ_INT(r.of.i32, 1);

    /* A funcref out of wasm is the same object as the export, and callable from the host. */
    weft_val ref = {0};
    CHECK_OK(CALL(env.s, env.inst, "seven_ref", NULL, 0, &ref, 1));
    CHECK_EQ_INT(ref.type, WEFT_FUNCREF);
    REQUIRE(ref.of.funcref);
    CHECK(ref.of.funcref == weft_instance_func(env.inst, "seven"));
    CHECK_OK(weft_func_call(env.s, ref.of.funcref, NULL, 0, &r, 1));
    CHECK_EQ_INT(r.of.i32, 7);
    /* ... and back into wasm, through call_indirect. */
    CHECK_OK(CALL(env.s, env.inst, "call_ref", &ref, 1, &r, 1));
    CHECK_EQ_INT(r.of.i32, 7);

    /* A host function as a funcref, called by the guest through its table. */
    const weft_valtype i32 = WEFT_I32;
    weft_func *nine = weft_func_new(env.s, NULL, 0, &i32, 1, host_nine, NULL, NULL);
    REQUIRE(nine);
    a = val_func(nine);
    CHECK_OK(CALL(env.s, env.inst, "call_ref", &a, 1, &r, 1));
    CHECK_EQ_INT(r.of.i32, 9);
    /* A host function of another type, and null. */
    weft_func *takes_i32 = weft_func_new(env.s, &i32, 1, &i32, 1, host_nine, NULL, NULL);
    REQUIRE(takes_i32);
    a = val_func(takes_i32);
    CHECK_TRAP(CALL(env.s, env.inst, "call_ref", &a, 1, &r, 1), WEFT_TRAP_INDIRECT_TYPE,
               "indirect call type mismatch");
    a = val_func(NULL);
    CHECK_TRAP(CALL(env.s, env.inst, "call_ref", &a, 1, &r, 1), WEFT_TRAP_UNINITIALIZED_ELEM,
               "uninitialized element");
done:
    types_close(&env);
}

static void test_multi_value(void) {
    types_env env;
    REQUIRE(types_open(&env));
    weft_val a[2] = {val_i32(5), val_i64(INT64_C(1) << 40)}, r[4];
    memset(r, 0, sizeof r);
    CHECK_OK(CALL(env.s, env.inst, "swap", a, 2, r, 2));
    CHECK_EQ_INT(r[0].type, WEFT_I64);
    CHECK_EQ_INT(r[0].of.i64, INT64_C(1) << 40);
    CHECK_EQ_INT(r[1].type, WEFT_I32);
    CHECK_EQ_INT(r[1].of.i32, 5);

    memset(r, 0, sizeof r);
    CHECK_OK(CALL(env.s, env.inst, "multi", NULL, 0, r, 4));
    CHECK_EQ_INT(r[0].type, WEFT_I32);
    CHECK_EQ_INT(r[0].of.i32, -1);
    CHECK_EQ_INT(r[1].type, WEFT_I64);
    CHECK_EQ_INT(r[1].of.i64, INT64_C(0x100000000));
    CHECK_EQ_INT(r[2].type, WEFT_F32);
    CHECK(r[2].of.f32 == 1.5f);
    CHECK_EQ_INT(r[3].type, WEFT_F64);
    CHECK(r[3].of.f64 == -2.25);
done:
    types_close(&env);
}

/* Wrong argument counts or types, or a wrong result count, are the embedder's mistake. */
static void test_call_usage(void) {
    types_env env;
    weft_store *other = NULL;
    REQUIRE(types_open(&env));
    weft_func *add = weft_instance_func(env.inst, "add_i32");
    REQUIRE(add);
    weft_val two[2] = {val_i32(1), val_i32(2)}, r = {.type = WEFT_I32, .of.i32 = 12345};
    CHECK_ERROR(weft_func_call(env.s, add, two, 1, &r, 1), WEFT_ERR_USAGE, NULL);
    CHECK_ERROR(weft_func_call(env.s, add, NULL, 0, &r, 1), WEFT_ERR_USAGE, NULL);
    weft_val three[3] = {val_i32(1), val_i32(2), val_i32(3)};
    CHECK_ERROR(weft_func_call(env.s, add, three, 3, &r, 1), WEFT_ERR_USAGE, NULL);
    weft_val mixed[2] = {val_i32(1), val_i64(2)};
    CHECK_ERROR(weft_func_call(env.s, add, mixed, 2, &r, 1), WEFT_ERR_USAGE, NULL);
    weft_val floats[2] = {val_f32(1), val_f32(2)};
    CHECK_ERROR(weft_func_call(env.s, add, floats, 2, &r, 1), WEFT_ERR_USAGE, NULL);
    CHECK_ERROR(weft_func_call(env.s, add, two, 2, &r, 0), WEFT_ERR_USAGE, NULL);
    weft_val rr[2];
    CHECK_ERROR(weft_func_call(env.s, add, two, 2, rr, 2), WEFT_ERR_USAGE, NULL);
    CHECK_EQ_INT(r.of.i32, 12345); /* no result written by a refused call */
    CHECK_ERROR(weft_func_call(env.s, NULL, NULL, 0, NULL, 0), WEFT_ERR_USAGE, NULL);
    CHECK_ERROR(weft_func_call(NULL, add, two, 2, &r, 1), WEFT_ERR_USAGE, NULL);
    /* A function belongs to its store. */
    other = weft_store_new(engine, NULL);
    REQUIRE(other);
    CHECK_ERROR(weft_func_call(other, add, two, 2, &r, 1), WEFT_ERR_USAGE, NULL);
    /* The right call still works afterwards. */
    CHECK_OK(weft_func_call(env.s, add, two, 2, &r, 1));
    CHECK_EQ_INT(r.of.i32, 3);
done:
    weft_store_free(other);
    types_close(&env);
}

/* host_wasm instantiated with every import defined over one host_log. */
typedef struct host_env {
    weft_store *s;
    weft_linker *l;
    weft_module *m;
    weft_instance *inst;
    host_log log;
} host_env;

static bool host_open(host_env *env) {
    memset(env, 0, sizeof *env);
    env->log.reenter_div = -1;
    env->s = weft_store_new(engine, NULL);
    env->l = env->s ? weft_linker_new(env->s) : NULL;
    env->m = LOAD(engine, host_wasm);
    if (!env->l || !env->m) return false;
    if (!CHECK_OK(link_host_log(env->s, env->l, &env->log))) return false;
    env->inst = INSTANTIATE(env->s, env->m, env->l);
    return env->inst != NULL;
}

static void host_close(host_env *env) {
    weft_module_free(env->m);
    weft_linker_free(env->l);
    weft_store_free(env->s);
}

static void test_host_typed(void) {
    host_env env;
    REQUIRE(host_open(&env));
    weft_val a[3] = {val_i32(2), val_i64(INT64_C(1) << 33), val_f64(0.5)}, r = {0};
    CHECK_OK(CALL(env.s, env.inst, "call_add3", a, 3, &r, 1));
    CHECK_EQ_INT(env.log.add3_calls, 1); /* user_data reached the host function */
    CHECK(env.log.results_preset);
    CHECK_EQ_INT(r.type, WEFT_F64);
    CHECK(r.of.f64 == 2.0 + 8589934592.0 + 0.5);

    CHECK_OK(CALL(env.s, env.inst, "pair_sum", NULL, 0, &r, 1));
    CHECK_EQ_INT(r.of.i64, (INT64_C(1) << 40) - 3);

    /* Through a host function and back, a NaN keeps its payload. */
    weft_val nan = val_f32_bits(0x7f812345u);
    CHECK_OK(CALL(env.s, env.inst, "via_host_f32", &nan, 1, &r, 1));
    CHECK_EQ_U64((uint32_t)r.of.i32, 0x7f812345u);

    /* Twenty parameters (more than fit the host-call fast path). */
    CHECK_OK(CALL(env.s, env.inst, "call_sum20", NULL, 0, &r, 1));
    CHECK_EQ_INT(r.of.i32, 2870); /* sum of k*k for k = 1..20 */
done:
    host_close(&env);
}

static int dtor_calls;
static void count_dtor(void *p) {
    dtor_calls++;
    *(int *)p += 1;
}

static weft_error *host_mul(weft_caller *c, void *ud, const weft_val *args, weft_val *res) {
    res[0].of.i64 = args[0].of.i64 * *(int *)ud;
    return NULL;
}

/* A host function called straight from the host: it has no calling instance. */
static weft_error *host_no_caller(weft_caller *c, void *ud, const weft_val *args,
                                  weft_val *res) {
    *(bool *)ud = weft_caller_instance(c) == NULL && weft_caller_memory(c) == NULL &&
                  weft_caller_store(c) != NULL;
    return NULL;
}

static void test_host_direct_and_dtor(void) {
    int factor = 3, linked_ud = 0, bad_ud = 0;
    dtor_calls = 0;
    weft_store *s = weft_store_new(engine, NULL);
    REQUIRE(s);
    const weft_valtype i64 = WEFT_I64;
    weft_func *f = weft_func_new(s, &i64, 1, &i64, 1, host_mul, &factor, count_dtor);
    REQUIRE(f);
    CHECK_EQ_INT(weft_func_param_count(f), 1);
    CHECK_EQ_INT(weft_func_result_count(f), 1);
    CHECK_EQ_INT(weft_func_params(f)[0], WEFT_I64);
    CHECK_EQ_INT(weft_func_results(f)[0], WEFT_I64);
    CHECK(weft_func_name(f) != NULL);
    weft_val a = val_i64(14), r = {0};
    CHECK_OK(weft_func_call(s, f, &a, 1, &r, 1));
    CHECK_EQ_INT(r.type, WEFT_I64);
    CHECK_EQ_INT(r.of.i64, 42);
    weft_val wrong = val_i32(14);
    CHECK_ERROR(weft_func_call(s, f, &wrong, 1, &r, 1), WEFT_ERR_USAGE, NULL);

    bool no_caller = false;
    weft_func *g = weft_func_new(s, NULL, 0, NULL, 0, host_no_caller, &no_caller, NULL);
    REQUIRE(g);
    CHECK_OK(weft_func_call(s, g, NULL, 0, NULL, 0));
    CHECK(no_caller);

    weft_linker *l = weft_linker_new(s);
    REQUIRE(l);
    CHECK_OK(weft_linker_define_func(l, "m", "f", NULL, 0, NULL, 0, host_nop, &linked_ud,
                                     count_dtor));
    weft_linker_free(l); /* definitions stay with the store */
    CHECK_EQ_INT(dtor_calls, 0);

    /* A signature weft cannot represent is refused, and the destructor runs at once, through
     * weft_func_new and weft_linker_define_func alike. */
    const weft_valtype v128 = WEFT_V128;
    CHECK(weft_func_new(s, &v128, 1, NULL, 0, host_nop, &bad_ud, count_dtor) == NULL);
    CHECK_EQ_INT(bad_ud, 1);
    CHECK_EQ_INT(dtor_calls, 1);
    l = weft_linker_new(s);
    REQUIRE(l);
    weft_error *err = weft_linker_define_func(l, "m", "bad", NULL, 0, &v128, 1, host_nop, &bad_ud,
                                              count_dtor);
    weft_linker_free(l);
    CHECK(err != NULL);
    weft_error_free(err);
    CHECK_EQ_INT(bad_ud, 2);
    CHECK_EQ_INT(dtor_calls, 2);
done:
    weft_store_free(s);
    /* Each destructor ran exactly once, with its own user data. */
    CHECK_EQ_INT(factor, 4);
    CHECK_EQ_INT(linked_ud, 1);
    CHECK_EQ_INT(bad_ud, 2);
    CHECK_EQ_INT(dtor_calls, 4);
}

static void test_host_trap(void) {
    host_env env;
    weft_error *err = NULL;
    char *text = NULL;
    REQUIRE(host_open(&env));
    err = CALL(env.s, env.inst, "outer", NULL, 0, NULL, 0);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_TRAP);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_HOST);
    CHECK_EQ_STR(weft_error_message(err), "boom 7");
    /* The wasm callers, innermost first; the host function itself need not appear. */
    size_t n = weft_error_frame_count(err), at_inner = n, at_outer = n;
    for (size_t i = 0; i < n; i++) {
        const char *name = weft_error_frame_name(err, i);
        if (name && strcmp(name, "inner") == 0 && at_inner == n) at_inner = i;
        if (name && strcmp(name, "outer") == 0 && at_outer == n) at_outer = i;
    }
    CHECK(at_inner < n);
    CHECK(at_outer < n);
    CHECK(at_inner < at_outer);
    CHECK_EQ_INT(at_outer, n - 1); /* outer is where the embedder's call entered */
    text = weft_error_format(err);
    CHECK_CONTAINS(text, "boom 7");
    CHECK_CONTAINS(text, "inner");
    CHECK_CONTAINS(text, "outer");
    /* The store works after the trap. */
    weft_val a[3] = {val_i32(1), val_i64(1), val_f64(1)}, r = {0};
    CHECK_OK(CALL(env.s, env.inst, "call_add3", a, 3, &r, 1));
    CHECK(r.of.f64 == 3.0);
done:
    free(text);
    weft_error_free(err);
    host_close(&env);
}

static void test_host_exit(void) {
    host_env env;
    REQUIRE(host_open(&env));
    weft_val three = val_i32(3);
    weft_error *err = CALL(env.s, env.inst, "do_exit", &three, 1, NULL, 0);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_EXIT);
    CHECK_EQ_INT(weft_error_exit_code(err), 3);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_NONE);
    weft_error_free(err);
    weft_val zero = val_i32(0);
    err = CALL(env.s, env.inst, "do_exit", &zero, 1, NULL, 0);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_EXIT);
    CHECK_EQ_INT(weft_error_exit_code(err), 0);
    weft_error_free(err);
done:
    host_close(&env);
}

static void test_reentrancy(void) {
    host_env env;
    REQUIRE(host_open(&env));
    int32_t r = 0;
    CHECK_OK(CALL_I32(env.s, env.inst, "fact", 5, &r));
    CHECK_EQ_INT(r, 120);
    CHECK_EQ_INT(env.log.reenter_calls, 5);

    /* A trap inside the nested call comes out of the outer one, naming frames of both. */
    env.log.reenter_div = 0;
    weft_error *err = CALL_I32(env.s, env.inst, "fact", 1, &r);
    REQUIRE(err);
    CHECK_EQ_INT(weft_error_trap_code(err), WEFT_TRAP_DIV_ZERO);
    CHECK_EQ_STR(weft_error_message(err), "integer divide by zero");
    CHECK(weft_error_frame_count(err) >= 2);
    CHECK_EQ_STR(weft_error_frame_name(err, 0), "div");
    CHECK_EQ_STR(weft_error_frame_name(err, weft_error_frame_count(err) - 1), "fact");
    weft_error_free(err);

    /* Nesting through the host is bounded (256 nested calls): far below, it works; far above,
     * it is refused with a trap rather than overflowing the C stack. */
    env.log.reenter_div = -1;
    uint32_t want = 1;
    for (uint32_t k = 2; k <= 200; k++) want *= k; /* i32.mul wraps the same way */
    CHECK_OK(CALL_I32(env.s, env.inst, "fact", 200, &r));
    CHECK_EQ_U64((uint32_t)r, want);
    CHECK_TRAP(CALL_I32(env.s, env.inst, "fact", 300, &r), WEFT_TRAP_STACK_EXHAUSTED,
               "call stack exhausted");

    /* Everything unwound: the store runs the recursion again. */
    env.log.reenter_div = -1;
    CHECK_OK(CALL_I32(env.s, env.inst, "fact", 6, &r));
    CHECK_EQ_INT(r, 720);
done:
    host_close(&env);
}

static void test_caller_memory(void) {
    host_env env;
    REQUIRE(host_open(&env));
    CHECK_OK(CALL(env.s, env.inst, "greet", NULL, 0, NULL, 0));
    CHECK(env.log.caller_ok);
    CHECK(env.log.caller_mem == weft_instance_memory(env.inst));
    CHECK_EQ_STR(env.log.printed, "hello, host");

    /* A string the guest makes itself, then pointers the host must refuse. */
    REQUIRE(weft_memory_write(weft_instance_memory(env.inst), 65530, "edge!!", 6));
    weft_val a[2] = {val_i32(65530), val_i32(6)};
    CHECK_OK(CALL(env.s, env.inst, "print_at", a, 2, NULL, 0));
    CHECK_EQ_STR(env.log.printed, "edge!!");
    a[1] = val_i32(7); /* one byte past the end */
    CHECK_TRAP(CALL(env.s, env.inst, "print_at", a, 2, NULL, 0), WEFT_TRAP_HOST,
               "print: bad pointer 65530+7");
    a[0] = val_i32(-2); /* 0xfffffffe */
    a[1] = val_i32(4);
    CHECK_TRAP(CALL(env.s, env.inst, "print_at", a, 2, NULL, 0), WEFT_TRAP_HOST,
               "print: bad pointer 4294967294+4");
done:
    host_close(&env);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_func");
    RUN(test_integers);
    RUN(test_floats);
    RUN(test_references);
    RUN(test_multi_value);
    RUN(test_call_usage);
    RUN(test_host_typed);
    RUN(test_host_direct_and_dtor);
    RUN(test_host_trap);
    RUN(test_host_exit);
    RUN(test_reentrancy);
    RUN(test_caller_memory);
    weft_engine_free(engine);
    return check_report("test_func");
}
