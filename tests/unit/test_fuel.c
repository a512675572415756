/* test_fuel.c: unit tests of fuel metering and interruption (weft_engine_config.consume_fuel and
 * .interruptible, src/wasm/store.c and the checks the compiler emits): running out, consumption,
 * no metering when off, and a guest stopped from another thread.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "fuel_modules.h"

typedef struct loops_env {
    weft_engine *engine;
    weft_store *s;
    weft_module *m;
    weft_instance *inst;
} loops_env;

static bool loops_open(loops_env *env, bool fuel, bool interruptible) {
    weft_engine_config cfg = {.consume_fuel = fuel, .interruptible = interruptible};
    memset(env, 0, sizeof *env);
    env->engine = weft_engine_new(&cfg);
    if (!CHECK(env->engine != NULL)) return false;
    env->s = weft_store_new(env->engine, NULL);
    env->m = LOAD(env->engine, loops_wasm);
    env->inst = env->s && env->m ? INSTANTIATE(env->s, env->m, NULL) : NULL;
    return env->inst != NULL;
}

static void loops_close(loops_env *env) {
    weft_store_free(env->s);
    weft_module_free(env->m);
    weft_engine_free(env->engine);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- fuel ----------------------------------------------------------------------------------- */

static void test_fuel_runs_out(void) {
    loops_env env;
    REQUIRE(loops_open(&env, true, false));
    weft_store_set_fuel(env.s, 10000);
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 10000);
    weft_error *err = CALL(env.s, env.inst, "forever", NULL, 0, NULL, 0);
    if (CHECK(err != NULL)) CHECK_EQ_STR(weft_error_frame_name(err, 0), "forever");
    CHECK_TRAP(err, WEFT_TRAP_OUT_OF_FUEL, "all fuel consumed");
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 0);

    /* Without fuel nothing runs, not even a function without a loop. */
    int32_t r = 0;
    CHECK_TRAP(CALL0_I32(env.s, env.inst, "ok", &r), WEFT_TRAP_OUT_OF_FUEL, "all fuel consumed");
    /* Refuelled, the store runs again and pays for it. */
    weft_store_set_fuel(env.s, 1000);
    CHECK_OK(CALL0_I32(env.s, env.inst, "ok", &r));
    CHECK_EQ_INT(r, 1);
    CHECK(weft_store_get_fuel(env.s) < 1000);
done:
    loops_close(&env);
}

static void test_fuel_consumed(void) {
    loops_env env;
    REQUIRE(loops_open(&env, true, false));
    const uint64_t start = 1000000;
    weft_store_set_fuel(env.s, start);
    int32_t r = 0;
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 1000, &r));
    CHECK_EQ_INT(r, 1000);
    uint64_t left = weft_store_get_fuel(env.s);
    REQUIRE(left < start);
    uint64_t used = start - left;
    CHECK(used >= 1000); /* at least one unit per iteration */
    CHECK(used < start / 10);

    /* Metering is deterministic: the same call costs the same again. */
    weft_store_set_fuel(env.s, start);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 1000, &r));
    CHECK_EQ_U64(start - weft_store_get_fuel(env.s), used);
    /* Exactly enough fuel suffices and leaves none; one unit less does not. */
    weft_store_set_fuel(env.s, used);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 1000, &r));
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 0);
    weft_store_set_fuel(env.s, used - 1);
    CHECK_TRAP(CALL_I32(env.s, env.inst, "count", 1000, &r), WEFT_TRAP_OUT_OF_FUEL,
               "all fuel consumed");
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 0);
    /* Twice the work costs more. */
    weft_store_set_fuel(env.s, start);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 2000, &r));
    CHECK(start - weft_store_get_fuel(env.s) > used);
done:
    loops_close(&env);
}

/* Without consume_fuel, no fuel is checked or spent: any amount, even 0, runs anything. */
static void test_fuel_off(void) {
    loops_env env;
    REQUIRE(loops_open(&env, false, false));
    int32_t r = 0;
    weft_store_set_fuel(env.s, 0);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 100000, &r));
    CHECK_EQ_INT(r, 100000);
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 0);
    weft_store_set_fuel(env.s, 5);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 100000, &r));
    CHECK_EQ_U64(weft_store_get_fuel(env.s), 5);
    /* Nor does an interrupt request stop an engine compiled without interruptible. */
    weft_store_interrupt(env.s);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 100000, &r));
    CHECK_EQ_INT(r, 100000);
done:
    loops_close(&env);
}

/* ---- interrupt ------------------------------------------------------------------------------ */

typedef struct interrupter {
    weft_store *s;
    unsigned delay_ms;
} interrupter;

static void *interrupt_later(void *arg) {
    interrupter *it = arg;
    struct timespec ts = {.tv_sec = it->delay_ms / 1000,
                          .tv_nsec = (long)(it->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    weft_store_interrupt(it->s);
    return NULL;
}

static void test_interrupt_from_thread(void) {
    loops_env env;
    pthread_t thread;
    bool started = false;
    REQUIRE(loops_open(&env, false, true));
    interrupter it = {.s = env.s, .delay_ms = 50};
    REQUIRE(pthread_create(&thread, NULL, interrupt_later, &it) == 0);
    started = true;
    double t0 = now_seconds();
    weft_error *err = CALL(env.s, env.inst, "forever", NULL, 0, NULL, 0);
    double took = now_seconds() - t0;
    pthread_join(thread, NULL);
    started = false;
    if (CHECK(err != NULL)) CHECK_EQ_STR(weft_error_frame_name(err, 0), "forever");
    CHECK_TRAP(err, WEFT_TRAP_INTERRUPTED, "interrupted");
    CHECK(took >= 0.03); /* it ran until the other thread asked */

    /* The request stays set until cleared: the next call stops at once. */
    int32_t r = 0;
    CHECK_TRAP(CALL0_I32(env.s, env.inst, "ok", &r), WEFT_TRAP_INTERRUPTED, "interrupted");
    weft_store_clear_interrupt(env.s);
    CHECK_OK(CALL0_I32(env.s, env.inst, "ok", &r));
    CHECK_EQ_INT(r, 1);
    CHECK_OK(CALL_I32(env.s, env.inst, "count", 100000, &r));
    CHECK_EQ_INT(r, 100000);
done:
    if (started) pthread_join(thread, NULL);
    loops_close(&env);
}

/* The store a signal handler interrupts; set only while test_interrupt_from_signal runs. */
static weft_store *volatile signal_store;

static void on_alarm(int sig) {
    if (signal_store) weft_store_interrupt(signal_store);
}

static void test_interrupt_from_signal(void) {
    loops_env env;
    struct sigaction old_action;
    bool installed = false;
    REQUIRE(loops_open(&env, false, true));
    signal_store = env.s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGALRM, &sa, &old_action) == 0);
    installed = true;
    struct itimerval timer = {.it_value = {.tv_sec = 0, .tv_usec = 50000}};
    REQUIRE(setitimer(ITIMER_REAL, &timer, NULL) == 0);
    CHECK_TRAP(CALL(env.s, env.inst, "forever", NULL, 0, NULL, 0), WEFT_TRAP_INTERRUPTED,
               "interrupted");
    weft_store_clear_interrupt(env.s);
    int32_t r = 0;
    CHECK_OK(CALL0_I32(env.s, env.inst, "ok", &r));
done:
    if (installed) sigaction(SIGALRM, &old_action, NULL);
    signal_store = NULL;
    loops_close(&env);
}

/* Fuel and interrupt together: whichever comes first stops the guest. */
static void test_fuel_and_interrupt(void) {
    loops_env env;
    pthread_t thread;
    bool started = false;
    REQUIRE(loops_open(&env, true, true));
    const uint64_t lots = UINT64_C(1) << 62;
    weft_store_set_fuel(env.s, lots);
    interrupter it = {.s = env.s, .delay_ms = 50};
    REQUIRE(pthread_create(&thread, NULL, interrupt_later, &it) == 0);
    started = true;
    CHECK_TRAP(CALL(env.s, env.inst, "forever", NULL, 0, NULL, 0), WEFT_TRAP_INTERRUPTED,
               "interrupted");
    pthread_join(thread, NULL);
    started = false;
    uint64_t left = weft_store_get_fuel(env.s);
    CHECK(left < lots && left > 0);
    weft_store_clear_interrupt(env.s);

    weft_store_set_fuel(env.s, 100);
    CHECK_TRAP(CALL(env.s, env.inst, "forever", NULL, 0, NULL, 0), WEFT_TRAP_OUT_OF_FUEL,
               "all fuel consumed");
done:
    if (started) pthread_join(thread, NULL);
    loops_close(&env);
}

int main(void) {
    RUN(test_fuel_runs_out);
    RUN(test_fuel_consumed);
    RUN(test_fuel_off);
    RUN(test_interrupt_from_thread);
    RUN(test_interrupt_from_signal);
    RUN(test_fuel_and_interrupt);
    return check_report("test_fuel");
}
