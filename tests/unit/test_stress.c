/* test_stress.c: every test module of the other unit tests, instantiated in a fresh store, many
 * times over in one store, and under an engine with fuel and interrupt checks; a thousand
 * instances and host functions in one store; threads sharing one module. The point is what
 * AddressSanitizer and LeakSanitizer see as the stores are freed (build with WEFT_SANITIZE).
 */
#include <pthread.h>

#include "decode_modules.h"
#include "fuel_modules.h"
#include "func_modules.h"
#include "global_modules.h"
#include "instance_modules.h"
#include "limits_modules.h"
#include "memory_modules.h"
#include "table_modules.h"
#include "trap_modules.h"

typedef struct module_set {
    const unit_module *mods;
    size_t n;
} module_set;

#define SET(arr) {arr, sizeof arr / sizeof arr[0]}

static const module_set sets[] = {
    SET(decode_modules), SET(instance_modules), SET(func_modules),
    SET(trap_modules),   SET(memory_modules),   SET(table_modules),
    SET(global_modules), SET(limits_modules),   SET(fuel_modules),
};

/* How many times each module is instantiated into the one shared store. */
#define REPEAT 50

/* Links (through a linker of its own) and instantiates one module in s, checking the outcome the
 * table promises. */
static void instantiate_one(weft_engine *e, weft_store *s, weft_module *m,
                            const unit_module *um) {
    weft_linker *l = weft_linker_new(s);
    if (!CHECK(l != NULL)) return;
    if (um->link && !CHECK_OK(um->link(e, s, l))) {
        fprintf(stderr, "    linking %s\n", um->name);
        weft_linker_free(l);
        return;
    }
    weft_instance *inst = NULL;
    weft_error *err = weft_instance_new(s, m, l, &inst);
    bool ok;
    if (um->fails_with) {
        ok = CHECK_ERROR(err, um->fails_with, NULL);
        ok &= CHECK(inst == NULL);
    } else {
        ok = CHECK_OK(err);
        ok &= CHECK(inst != NULL);
    }
    if (!ok) fprintf(stderr, "    instantiating %s\n", um->name);
    weft_linker_free(l);
}

/* Runs every module: a fresh store each, then REPEAT instances of each in one shared store. */
static void run_all(weft_engine *e) {
    weft_store *shared = weft_store_new(e, NULL);
    REQUIRE(shared);
    weft_store_set_fuel(shared, UINT64_C(1) << 40);
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        for (size_t i = 0; i < sets[k].n; i++) {
            const unit_module *um = &sets[k].mods[i];
            weft_module *m = NULL;
            if (!CHECK_OK(weft_module_new(e, um->bytes, um->len, &m))) {
                fprintf(stderr, "    compiling %s\n", um->name);
                continue;
            }
            weft_store *fresh = weft_store_new(e, NULL);
            if (CHECK(fresh != NULL)) {
                weft_store_set_fuel(fresh, UINT64_C(1) << 40);
                instantiate_one(e, fresh, m, um);
            }
            weft_store_free(fresh);
            for (int r = 0; r < REPEAT; r++) instantiate_one(e, shared, m, um);
            weft_module_free(m); /* the shared store's instances keep it alive */
        }
    }
done:
    weft_store_free(shared);
}

static void test_default_engine(void) {
    weft_engine *e = weft_engine_new(NULL);
    REQUIRE(e);
    run_all(e);
done:
    weft_engine_free(e);
}

static void test_metered_engine(void) {
    weft_engine_config cfg = {.consume_fuel = true, .interruptible = true};
    weft_engine *e = weft_engine_new(&cfg);
    REQUIRE(e);
    run_all(e);
done:
    weft_engine_free(e);
}

/* Compiling and freeing a module many times: reference counting frees everything. */
static void test_many_modules(void) {
    weft_engine *e = weft_engine_new(NULL);
    REQUIRE(e);
    for (int r = 0; r < 100; r++) {
        for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
            for (size_t i = 0; i < sets[k].n; i++) {
                weft_module *m = NULL;
                if (CHECK_OK(weft_module_new(e, sets[k].mods[i].bytes, sets[k].mods[i].len, &m)))
                    weft_module_free(m);
            }
        }
    }
done:
    weft_engine_free(e);
}

/* Threads sharing one engine and module (thread-safe once built), each with its own store:
 * instances take and drop references to the module concurrently. Counts are checked by the
 * main thread, since the check counters are not thread-safe. */
#define THREADS 4
#define PER_THREAD 200

typedef struct worker {
    weft_engine *e;
    weft_module *m;
    int instantiated, right_answers;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        weft_store *s = weft_store_new(w->e, NULL);
        weft_instance *inst = NULL;
        weft_error *err = s ? weft_instance_new(s, w->m, NULL, &inst) : NULL;
        if (s && !err) {
            w->instantiated++;
            weft_val args[2] = {val_i32(i), val_i32(i)}, r = {0};
            weft_func *add = weft_instance_func(inst, "add");
            err = add ? weft_func_call(s, add, args, 2, &r, 1) : NULL;
            if (add && !err && r.of.i32 == 2 * i) w->right_answers++;
        }
        weft_error_free(err);
        weft_store_free(s);
    }
    return NULL;
}

static void test_threads_share_module(void) {
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = e ? LOAD(e, exports_wasm) : NULL;
    pthread_t threads[THREADS];
    worker workers[THREADS];
    int started = 0;
    REQUIRE(m);
    for (; started < THREADS; started++) {
        workers[started] = (worker){.e = e, .m = m};
        if (!CHECK(pthread_create(&threads[started], NULL, work, &workers[started]) == 0)) break;
    }
done:
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        CHECK_EQ_INT(workers[i].instantiated, PER_THREAD);
        CHECK_EQ_INT(workers[i].right_answers, PER_THREAD);
    }
    weft_module_free(m);
    weft_engine_free(e);
}

static int dtor_calls;
static void count_dtor(void *p) {
    dtor_calls++;
    free(p);
}

/* A thousand instances of a small module and a thousand host functions (each with user data
 * for its destructor to free) in one store, all released by weft_store_free. */
static void test_thousand_instances(void) {
    enum { N = 1000 };
    weft_engine *e = weft_engine_new(NULL);
    weft_store *s = e ? weft_store_new(e, NULL) : NULL;
    weft_module *m = e ? LOAD(e, exports_wasm) : NULL;
    dtor_calls = 0;
    REQUIRE(s && m);
    int created = 0, instantiated = 0;
    const weft_valtype i32 = WEFT_I32;
    for (int i = 0; i < N; i++) {
        int *ud = malloc(sizeof *ud);
        if (!CHECK(ud != NULL)) break;
        *ud = i;
        if (weft_func_new(s, &i32, 1, NULL, 0, host_nop, ud, count_dtor)) created++;
        weft_instance *inst = NULL;
        weft_error *err = weft_instance_new(s, m, NULL, &inst);
        if (err) {
            CHECK_OK(err);
            break;
        }
        instantiated++;
        /* Use it a little, so each instance's memory and globals are touched. */
        weft_val args[2] = {val_i32(i), val_i32(1)}, r = {0};
        weft_func *add = weft_instance_func(inst, "add");
        if (!CHECK(add != NULL) || !CHECK_OK(weft_func_call(s, add, args, 2, &r, 1)) ||
            !CHECK_EQ_INT(r.of.i32, i + 1))
            break;
        weft_memory_data(weft_instance_memory(inst))[0] = (uint8_t)i;
    }
    CHECK_EQ_INT(created, N);
    CHECK_EQ_INT(instantiated, N);
    CHECK_EQ_INT(dtor_calls, 0);
done:
    weft_module_free(m);
    weft_store_free(s);
    CHECK_EQ_INT(dtor_calls, N);
    weft_engine_free(e);
}

int main(void) {
    RUN(test_default_engine);
    RUN(test_metered_engine);
    RUN(test_many_modules);
    RUN(test_thousand_instances);
    RUN(test_threads_share_module);
    return check_report("test_stress");
}
