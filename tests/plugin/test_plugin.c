/* test_plugin.c: the plugin API (weft_plugin_*, weft_pool_*) against the guest testplug.wasm
 * (and wasiplug.wasm for WASI grants): calls, outputs and errors, config, vars, logs, host
 * functions, every limit (memory, blocks, output, vars, fuel, timeout, call depth) with the
 * plugin serving further calls afterwards, hostile offsets, cancellation from another thread,
 * a pool hammered by threads, and outbound HTTP against a local server.
 *
 * Usage: test_plugin testplug.wasm wasiplug.wasm
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "weft.h"

static uint8_t *plug_wasm, *wasi_wasm;
static size_t plug_len, wasi_len;

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The output of the last call as a NUL-terminated string (static buffer). */
static const char *out_str(weft_plugin *p) {
    static char buf[8192];
    size_t n;
    const uint8_t *o = weft_plugin_output(p, &n);
    if (n >= sizeof buf) n = sizeof buf - 1;
    if (n) memcpy(buf, o, n);
    buf[n] = 0;
    return buf;
}

/* ---- host functions the guest imports --------------------------------------------------------- */

typedef struct host_state {
    int greets;
    int freed;
} host_state;

static weft_error *host_greet(weft_plugin *p, void *ud, const weft_val *args, weft_val *results) {
    host_state *hs = ud;
    hs->greets++;
    size_t n;
    const uint8_t *name = weft_plugin_block_get(p, (uint64_t)args[0].of.i64, &n);
    if (!name) return weft_trap_new("greet: no such block");
    char buf[256];
    int len = snprintf(buf, sizeof buf, "Hello, %.*s!", (int)n, (const char *)name);
    results[0].of.i64 = (int64_t)weft_plugin_block_new(p, buf, (size_t)len);
    return NULL;
}

static weft_error *host_explode(weft_plugin *p, void *ud, const weft_val *args, weft_val *res) {
    return weft_trap_new("kaboom");
}

static void host_dtor(void *ud) { ((host_state *)ud)->freed++; }

static host_state hs;
static const weft_valtype I64[] = {WEFT_I64};
static weft_plugin_host_fn host_fns[] = {
    {.name = "greet", .params = I64, .nparams = 1, .results = I64, .nresults = 1,
     .fn = host_greet, .user_data = &hs, .dtor = host_dtor},
    {.name = "explode", .fn = host_explode, .user_data = &hs},
};

static weft_plugin_options base_opts(void) {
    return (weft_plugin_options){.host_functions = host_fns, .nhost_functions = 2};
}

static weft_plugin *open_plugin(const weft_plugin_options *o) {
    char *err = NULL;
    weft_plugin *p = weft_plugin_new(plug_wasm, plug_len, o, &err);
    if (!p) fprintf(stderr, "weft_plugin_new: %s\n", err ? err : "?");
    free(err);
    return p;
}

#define CALL_STR(p, fn, s) weft_plugin_call((p), (fn), (s), strlen(s))

/* ---- calls, outputs, errors ------------------------------------------------------------------- */

static void test_calls(void) {
    weft_plugin_options o = base_opts();
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "count_vowels", "Hello, World!"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "{\"count\":3}");
    CHECK(weft_plugin_error(p) == NULL);
    CHECK_EQ_INT(CALL_STR(p, "echo", "bytes in, bytes out"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "bytes in, bytes out");
    /* Binary input with NULs, and an input that is not a multiple of 8 bytes. */
    uint8_t bin[13] = {0, 1, 2, 0, 255, 9, 0, 0, 7, 0, 0, 0, 42};
    CHECK_EQ_INT(weft_plugin_call(p, "echo", bin, sizeof bin), WEFT_PLUGIN_OK);
    size_t n;
    const uint8_t *o2 = weft_plugin_output(p, &n);
    CHECK(n == sizeof bin && memcmp(o2, bin, n) == 0);
    /* Empty input, no output. */
    CHECK_EQ_INT(weft_plugin_call(p, "echo", NULL, 0), WEFT_PLUGIN_OK);
    CHECK(weft_plugin_output(p, &n) == NULL && n == 0);
    CHECK_EQ_INT(weft_plugin_call(p, "noop", NULL, 0), WEFT_PLUGIN_OK);
    /* () -> () is a plugin function too. */
    CHECK_EQ_INT(weft_plugin_call(p, "no_result", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "fine");
    /* A large input goes through whole. */
    size_t big = 3 << 20;
    uint8_t *buf = malloc(big);
    for (size_t i = 0; i < big; i++) buf[i] = (uint8_t)(i * 7 + (i >> 11));
    CHECK_EQ_INT(weft_plugin_call(p, "echo_block", buf, big), WEFT_PLUGIN_OK);
    o2 = weft_plugin_output(p, &n);
    CHECK(n == big && memcmp(o2, buf, big) == 0);
    free(buf);

    CHECK(weft_plugin_function_exists(p, "echo"));
    CHECK(!weft_plugin_function_exists(p, "nope"));
    CHECK(!weft_plugin_function_exists(p, "with_param")); /* not a plugin's type */
    CHECK(!weft_plugin_function_exists(p, "memory"));     /* not a function */
    CHECK_EQ_INT(weft_plugin_call(p, "nope", NULL, 0), WEFT_PLUGIN_NOT_FOUND);
    CHECK_CONTAINS(weft_plugin_error(p), "function nope not found");
    CHECK_EQ_INT(weft_plugin_call(p, "with_param", NULL, 0), WEFT_PLUGIN_NOT_FOUND);
    CHECK_CONTAINS(weft_plugin_error(p), "must take no parameters");
    CHECK(weft_plugin_output(p, &n) == NULL && n == 0);

    CHECK_EQ_INT(weft_plugin_call(p, "fail", NULL, 0), WEFT_PLUGIN_ERROR);
    CHECK_EQ_STR(weft_plugin_error(p), "something went wrong");
    CHECK_EQ_INT(weft_plugin_call(p, "rc7", NULL, 0), WEFT_PLUGIN_ERROR);
    CHECK_EQ_STR(weft_plugin_error(p), "rc7 returned 7");
    CHECK_EQ_INT(weft_plugin_call(p, "trap", NULL, 0), WEFT_PLUGIN_TRAP);
    CHECK_CONTAINS(weft_plugin_error(p), "trap trapped: unreachable (in trap");
    /* The trapped instance is replaced; calls go on. */
    CHECK_EQ_INT(CALL_STR(p, "echo", "again"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "again");
    CHECK(weft_plugin_memory(p) != NULL);
done:
    weft_plugin_free(p);
}

static void test_compile_errors(void) {
    char *err = NULL;
    static const uint8_t junk[] = {0, 'a', 's', 'n', 1, 0, 0, 0};
    weft_plugin_options o = base_opts();
    CHECK(weft_plugin_new(junk, sizeof junk, &o, &err) == NULL);
    CHECK_CONTAINS(err, "malformed");
    free(err);
    err = NULL;
    /* Without the host functions it imports, instantiation names the missing import. */
    CHECK(weft_plugin_new(plug_wasm, plug_len, NULL, &err) == NULL);
    CHECK_CONTAINS(err, "greet");
    free(err);
    /* A module whose memory is bigger than the limit: (module (memory 100)). */
    static const uint8_t bigmem[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 100};
    weft_plugin_options small = {.max_memory_bytes = 1 << 20};
    weft_compiled_plugin *cp = NULL;
    weft_plugin *p = NULL;
    weft_error *e = weft_plugin_compile(bigmem, sizeof bigmem, &small, &cp);
    CHECK(e == NULL);
    if (cp) {
        e = weft_plugin_instantiate(cp, &p);
        CHECK(e && weft_error_kind_of(e) == WEFT_ERR_LIMIT);
        CHECK(p == NULL);
        weft_error_free(e);
    }
    weft_compiled_plugin_free(cp);
    /* A host function without a callback is refused, and its destructor still runs. */
    host_state local = {0};
    weft_plugin_host_fn bad = {.name = "x", .user_data = &local, .dtor = host_dtor};
    weft_plugin_options ob = {.host_functions = &bad, .nhost_functions = 1};
    e = weft_plugin_compile(plug_wasm, plug_len, &ob, &cp);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_USAGE);
    CHECK_EQ_INT(local.freed, 1);
    weft_error_free(e);
    weft_plugin_options badlog = {.log_level = (weft_log_level)9};
    e = weft_plugin_compile(plug_wasm, plug_len, &badlog, &cp);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_USAGE);
    weft_error_free(e);
}

/* ---- config, vars, logs ----------------------------------------------------------------------- */

static void test_config(void) {
    weft_plugin_kv cfg[] = {{"greeting", "hi there"}, {"empty", ""}};
    weft_plugin_options o = base_opts();
    o.config = cfg;
    o.nconfig = 2;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "config", "greeting"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "hi there");
    CHECK_EQ_INT(CALL_STR(p, "config", "missing"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "<missing>");
    CHECK_EQ_INT(CALL_STR(p, "config", "greetin"), WEFT_PLUGIN_OK); /* no prefix matches */
    CHECK_EQ_STR(out_str(p), "<missing>");
done:
    weft_plugin_free(p);
}

static void test_vars(void) {
    weft_plugin_options o = base_opts();
    o.max_var_bytes = 4096;
    weft_plugin *p = open_plugin(&o), *q = NULL;
    REQUIRE(p);
    for (int i = 1; i <= 3; i++) {
        CHECK_EQ_INT(weft_plugin_call(p, "counter", NULL, 0), WEFT_PLUGIN_OK);
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        CHECK_EQ_STR(out_str(p), want);
    }
    size_t n;
    const uint8_t *v = weft_plugin_var_get(p, "count", &n);
    CHECK(v && n == 1 && v[0] == '3');
    CHECK(weft_plugin_var_set(p, "count", "10", 2) == NULL);
    CHECK_EQ_INT(weft_plugin_call(p, "counter", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "11");
    /* Vars survive a trap (the instance is replaced, its vars are kept). */
    CHECK_EQ_INT(weft_plugin_call(p, "trap", NULL, 0), WEFT_PLUGIN_TRAP);
    CHECK_EQ_INT(weft_plugin_call(p, "counter", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "12");
    /* Vars are per instance. */
    q = open_plugin(&o);
    REQUIRE(q);
    CHECK_EQ_INT(weft_plugin_call(q, "counter", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(q), "1");
    /* var_set with 0 deletes. */
    CHECK_EQ_INT(weft_plugin_call(p, "var_del", NULL, 0), WEFT_PLUGIN_OK);
    CHECK(weft_plugin_var_get(p, "count", &n) == NULL && n == 0);
    /* The size limit, from the guest and from the API. */
    char big[5000];
    memset(big, 'x', sizeof big);
    CHECK_EQ_INT(weft_plugin_call(p, "var_big", big, 100), WEFT_PLUGIN_OK);
    CHECK(weft_plugin_var_get(p, "big", &n) != NULL && n == 100);
    CHECK_EQ_INT(weft_plugin_call(p, "var_big", big, sizeof big), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "vars would take more than 4096 bytes");
    CHECK(weft_plugin_var_get(p, "big", &n) != NULL && n == 100); /* unchanged */
    weft_error *e = weft_plugin_var_set(p, "api", big, sizeof big);
    CHECK(e && weft_error_kind_of(e) == WEFT_ERR_LIMIT);
    weft_error_free(e);
    CHECK(weft_plugin_var_set(p, "big", NULL, 0) == NULL);
    CHECK(weft_plugin_var_get(p, "big", &n) == NULL);
    CHECK(weft_plugin_var_set(p, "api", big, 4000) == NULL); /* room again */
    CHECK_EQ_INT(weft_plugin_call(p, "counter", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "1");
done:
    weft_plugin_free(p);
    weft_plugin_free(q);
}

typedef struct log_capture {
    char lines[16][64];
    weft_log_level levels[16];
    int n;
} log_capture;

static void on_log(void *ud, weft_log_level level, const char *msg, size_t len) {
    log_capture *c = ud;
    if (c->n < 16) {
        snprintf(c->lines[c->n], sizeof c->lines[0], "%.*s", (int)len, msg);
        c->levels[c->n++] = level;
    }
}

static void test_logs(void) {
    log_capture cap = {0};
    weft_plugin_options o = base_opts();
    o.log = on_log;
    o.log_user_data = &cap;
    o.log_level = WEFT_LOG_INFO;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "logs", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "level=2");
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.lines[0], "an info line");
    CHECK_EQ_INT(cap.levels[0], WEFT_LOG_INFO);
    CHECK_EQ_STR(cap.lines[1], "an error line");
    CHECK_EQ_INT(cap.levels[1], WEFT_LOG_ERROR);
    weft_plugin_free(p);
    p = NULL;
    memset(&cap, 0, sizeof cap);
    o.log_level = WEFT_LOG_OFF;
    p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "logs", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "level=9"); /* "off" is above every level */
    CHECK_EQ_INT(cap.n, 0);
done:
    weft_plugin_free(p);
}

/* ---- host functions ---------------------------------------------------------------------------- */

static void test_host_functions(void) {
    memset(&hs, 0, sizeof hs);
    weft_plugin_options o = base_opts();
    weft_compiled_plugin *cp = NULL;
    weft_plugin *p = NULL;
    REQUIRE(weft_plugin_compile(plug_wasm, plug_len, &o, &cp) == NULL);
    REQUIRE(weft_plugin_instantiate(cp, &p) == NULL);
    weft_compiled_plugin_free(cp); /* the instance keeps it alive */
    CHECK_EQ_INT(hs.freed, 0);
    CHECK_EQ_INT(CALL_STR(p, "greet", "Ada"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "Hello, Ada!");
    CHECK_EQ_INT(hs.greets, 1);
    CHECK_EQ_INT(weft_plugin_call(p, "explode", NULL, 0), WEFT_PLUGIN_TRAP);
    CHECK_EQ_STR(weft_plugin_error(p), "host function explode failed: kaboom");
    CHECK(weft_plugin_output(p, NULL) == NULL);
    CHECK_EQ_INT(CALL_STR(p, "greet", "Grace"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "Hello, Grace!");
    weft_plugin_free(p);
    p = NULL;
    CHECK_EQ_INT(hs.freed, 1); /* the destructor ran once, with the last reference */
done:
    weft_plugin_free(p);
}

/* ---- limits ------------------------------------------------------------------------------------ */

static void test_memory_limits(void) {
    weft_plugin_options o = base_opts();
    o.max_memory_bytes = 4 << 20;
    o.max_output_bytes = 1024;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "grow_bomb", NULL, 0), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "grow_bomb went over the memory limit of 4194304 bytes");
    CHECK_CONTAINS(weft_plugin_error(p), "unreachable (in abort");
    CHECK_EQ_INT(CALL_STR(p, "echo", "still here"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "still here");
    /* Blocks count against the limit too. */
    CHECK_EQ_INT(weft_plugin_call(p, "alloc_bomb", "12345678", 8), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "allocated");
    char k[8192];
    memset(k, 'k', sizeof k);
    CHECK_EQ_INT(weft_plugin_call(p, "alloc_bomb", k, 5000), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "alloc: allocating 5120000 bytes would pass");
    CHECK_EQ_INT(CALL_STR(p, "echo", "ok"), WEFT_PLUGIN_OK);
    /* An input that cannot fit. */
    uint8_t *huge = calloc(1, 5 << 20);
    CHECK_EQ_INT(weft_plugin_call(p, "echo", huge, 5 << 20), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "input of 5242880 bytes");
    free(huge);
    /* Output size. */
    CHECK_EQ_INT(weft_plugin_call(p, "big_output", "x", 1), WEFT_PLUGIN_OK); /* 1 KiB */
    CHECK_EQ_INT(weft_plugin_call(p, "big_output", "xx", 2), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "output of 2048 bytes is over the limit of 1024");
    CHECK_EQ_INT(CALL_STR(p, "count_vowels", "aaa"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "{\"count\":3}");
done:
    weft_plugin_free(p);
}

static void test_fuel(void) {
    weft_plugin_options o = base_opts();
    o.fuel = 200000;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "spin", NULL, 0), WEFT_PLUGIN_FUEL);
    CHECK_EQ_STR(weft_plugin_error(p), "spin used all its fuel (200000 units)");
    /* Fuel is per call: the next ones run. */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(CALL_STR(p, "echo", "fuelled"), WEFT_PLUGIN_OK);
        CHECK_EQ_STR(out_str(p), "fuelled");
    }
done:
    weft_plugin_free(p);
}

static void test_timeout(void) {
    weft_plugin_options o = base_opts();
    o.timeout_ms = 100;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    for (int round = 0; round < 2; round++) {
        double t0 = now_ms();
        CHECK_EQ_INT(weft_plugin_call(p, "spin", NULL, 0), WEFT_PLUGIN_TIMEOUT);
        double took = now_ms() - t0;
        CHECK(took >= 100 && took < 2000);
        CHECK_EQ_STR(weft_plugin_error(p), "spin ran longer than its timeout of 100 ms");
        CHECK_EQ_INT(CALL_STR(p, "echo", "in time"), WEFT_PLUGIN_OK);
        CHECK_EQ_STR(out_str(p), "in time");
    }
    /* Many short calls under a deadline are not interrupted. */
    int ok = 0;
    for (int i = 0; i < 2000; i++) ok += weft_plugin_call(p, "noop", NULL, 0) == WEFT_PLUGIN_OK;
    CHECK_EQ_INT(ok, 2000);
done:
    weft_plugin_free(p);
}

static void test_call_depth(void) {
    weft_plugin_options o = base_opts();
    o.max_call_depth = 500;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "deep", NULL, 0), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "deep went over the call depth limit: call stack exhausted");
    CHECK_CONTAINS(weft_plugin_error(p), "(in recurse");
    CHECK_EQ_INT(CALL_STR(p, "echo", "shallow"), WEFT_PLUGIN_OK);
done:
    weft_plugin_free(p);
}

/* ---- hostile offsets, blocks ------------------------------------------------------------------- */

static void test_bad_offsets(void) {
    static const struct {
        const char *fn, *msg;
    } cases[] = {
        {"bad_load", "load_u64: 8 bytes at offset 1099511627776 are not inside a block"},
        {"bad_store", "store_u64: 8 bytes at offset"},
        {"bad_input", "input_load_u8: 1 bytes at offset 8 run past the input's 3 bytes"},
        {"bad_output", "output_set: 32 bytes at offset 18446744073709551600 are not inside"},
        {"bad_error", "error_set: 12345 is not the offset of a block"},
        {"bad_config", "config_get: 99999 is not the offset of a block"},
        {"bad_wrap", "load_u64: 8 bytes at offset 18446744073709551612 are not inside"},
        {"bad_neighbour", "store_u8: 1 bytes at offset"},
        {"bad_freed", "load_u8: 1 bytes at offset"},
    };
    weft_plugin_options o = base_opts();
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_EQ_INT(CALL_STR(p, cases[i].fn, "abc"), WEFT_PLUGIN_TRAP);
        CHECK_CONTAINS(weft_plugin_error(p), cases[i].msg);
        CHECK_EQ_INT(CALL_STR(p, "echo", "unharmed"), WEFT_PLUGIN_OK);
        CHECK_EQ_STR(out_str(p), "unharmed");
    }
done:
    weft_plugin_free(p);
}

static void test_blocks(void) {
    weft_plugin_options o = base_opts();
    o.max_memory_bytes = 1 << 20;
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(weft_plugin_call(p, "churn", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "ok");
    CHECK_EQ_INT(weft_plugin_call(p, "reuse", NULL, 0), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "reused");
    for (int i = 0; i < 3; i++) { /* a new call never sees an earlier call's bytes */
        CHECK_EQ_INT(weft_plugin_call(p, "dirty", NULL, 0), WEFT_PLUGIN_OK);
        CHECK_EQ_STR(out_str(p), "clean");
    }
    /* Offsets handed to host functions are checked too. */
    size_t n = 99;
    CHECK(weft_plugin_block_get(p, 3, &n) == NULL && n == 0);
    uint64_t off = weft_plugin_block_new(p, "abc", 3);
    CHECK(off != 0);
    const uint8_t *b = weft_plugin_block_get(p, off, &n);
    CHECK(b && n == 3 && memcmp(b, "abc", 3) == 0);
    CHECK(weft_plugin_block_get(p, off + 1, &n) == NULL);
done:
    weft_plugin_free(p);
}

/* ---- cancellation ------------------------------------------------------------------------------ */

typedef struct call_arg {
    weft_plugin *p;
    const char *fn;
    weft_plugin_status st;
} call_arg;

static void *call_thread(void *arg) {
    call_arg *a = arg;
    a->st = weft_plugin_call(a->p, a->fn, NULL, 0);
    return NULL;
}

static void test_cancel(void) {
    weft_plugin_options o = base_opts();
    weft_plugin *p = open_plugin(&o);
    REQUIRE(p);
    weft_plugin_cancel(p); /* nothing running: forgotten */
    CHECK_EQ_INT(weft_plugin_call(p, "noop", NULL, 0), WEFT_PLUGIN_OK);
    for (int round = 0; round < 3; round++) {
        call_arg a = {.p = p, .fn = "spin"};
        pthread_t t;
        REQUIRE(pthread_create(&t, NULL, call_thread, &a) == 0);
        struct timespec ts = {0, 30 * 1000000L};
        nanosleep(&ts, NULL);
        double t0 = now_ms();
        weft_plugin_cancel(p);
        pthread_join(t, NULL);
        CHECK(now_ms() - t0 < 1000);
        CHECK_EQ_INT(a.st, WEFT_PLUGIN_CANCELLED);
        CHECK_EQ_STR(weft_plugin_error(p), "spin was cancelled");
        CHECK_EQ_INT(CALL_STR(p, "echo", "after cancel"), WEFT_PLUGIN_OK);
        CHECK_EQ_STR(out_str(p), "after cancel");
    }
done:
    weft_plugin_free(p);
}

/* ---- pools ------------------------------------------------------------------------------------- */

#define POOL_THREADS 8
#define POOL_CALLS 300

typedef struct pool_arg {
    weft_pool *pool;
    int id;
    int ok, wrong, traps, busy;
} pool_arg;

static void *pool_thread(void *arg) {
    pool_arg *a = arg;
    for (int i = 0; i < POOL_CALLS; i++) {
        char in[64];
        int n = snprintf(in, sizeof in, "thread %d call %d", a->id, i);
        uint8_t *out = NULL;
        size_t len = 0;
        if (i % 50 == 7) { /* now and then a trap, which must not disturb the others */
            weft_plugin_status st = weft_pool_call(a->pool, "trap", NULL, 0, 10000, &out, &len);
            if (st == WEFT_PLUGIN_TRAP && out && strstr((char *)out, "unreachable")) a->traps++;
            else a->wrong++;
            free(out);
            continue;
        }
        weft_plugin_status st = weft_pool_call(a->pool, "echo", in, (size_t)n, 10000, &out, &len);
        if (st == WEFT_PLUGIN_BUSY) a->busy++;
        else if (st == WEFT_PLUGIN_OK && len == (size_t)n && memcmp(out, in, len) == 0) a->ok++;
        else a->wrong++;
        free(out);
    }
    return NULL;
}

static void test_pool(void) {
    weft_plugin_options o = base_opts();
    weft_compiled_plugin *cp = NULL;
    weft_pool *pool = NULL;
    REQUIRE(weft_plugin_compile(plug_wasm, plug_len, &o, &cp) == NULL);
    REQUIRE(weft_pool_new(cp, 3, POOL_THREADS, &pool) == NULL);
    pool_arg args[POOL_THREADS];
    pthread_t t[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++) {
        args[i] = (pool_arg){.pool = pool, .id = i};
        REQUIRE(pthread_create(&t[i], NULL, pool_thread, &args[i]) == 0);
    }
    int ok = 0, wrong = 0, traps = 0, busy = 0;
    for (int i = 0; i < POOL_THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += args[i].ok;
        wrong += args[i].wrong;
        traps += args[i].traps;
        busy += args[i].busy;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(busy, 0);
    CHECK_EQ_INT(traps, POOL_THREADS * (POOL_CALLS / 50));
    CHECK_EQ_INT(ok + traps, POOL_THREADS * POOL_CALLS);
done:
    weft_pool_free(pool);
    weft_compiled_plugin_free(cp);
}

static void *release_later(void *arg) {
    void **a = arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    weft_pool_release(a[0], a[1]);
    return NULL;
}

static void test_pool_queue(void) {
    weft_plugin_options o = base_opts();
    weft_compiled_plugin *cp = NULL;
    weft_pool *pool = NULL;
    REQUIRE(weft_plugin_compile(plug_wasm, plug_len, &o, &cp) == NULL);
    REQUIRE(weft_pool_new(cp, 1, 1, &pool) == NULL);
    weft_plugin *held = weft_pool_acquire(pool, 0);
    REQUIRE(held);
    /* All busy, no wait: BUSY at once. */
    uint8_t *out = NULL;
    size_t len;
    double t0 = now_ms();
    CHECK_EQ_INT(weft_pool_call(pool, "noop", NULL, 0, 0, &out, &len), WEFT_PLUGIN_BUSY);
    CHECK_CONTAINS((char *)out, "busy");
    free(out);
    /* Waiting ends after the wait. */
    CHECK_EQ_INT(weft_pool_call(pool, "noop", NULL, 0, 50, NULL, NULL), WEFT_PLUGIN_BUSY);
    CHECK(now_ms() - t0 >= 50);
    /* A waiter gets the instance when it comes back. */
    void *ra[2] = {pool, held};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, release_later, ra) == 0);
    CHECK_EQ_INT(weft_pool_call(pool, "echo", "queued", 6, 5000, &out, &len), WEFT_PLUGIN_OK);
    CHECK(out && len == 6 && memcmp(out, "queued", 6) == 0);
    free(out);
    pthread_join(t, NULL);
done:
    weft_pool_free(pool);
    weft_compiled_plugin_free(cp);
}

/* ---- HTTP against a local server ---------------------------------------------------------------- */

typedef struct http_server {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t lock; /* guards what follows: the test thread and the server share them */
    char last_request[4096];
    size_t body_size; /* bytes of body to answer with */
} http_server;

static void server_set_body(http_server *s, size_t n) {
    pthread_mutex_lock(&s->lock);
    s->body_size = n;
    pthread_mutex_unlock(&s->lock);
}

/* A copy of the last request the server read (static buffer). */
static const char *server_last(http_server *s) {
    static char copy[4096];
    pthread_mutex_lock(&s->lock);
    memcpy(copy, s->last_request, sizeof copy);
    pthread_mutex_unlock(&s->lock);
    return copy;
}

static void *serve(void *arg) {
    http_server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) return NULL;
        char buf[4096];
        size_t n = 0;
        ssize_t r;
        while (n < sizeof buf - 1 && (r = read(c, buf + n, sizeof buf - 1 - n)) > 0) {
            n += (size_t)r;
            buf[n] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            if (!end) continue;
            char *cl = strcasestr(buf, "content-length:");
            size_t want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
            if (n >= want) break;
        }
        pthread_mutex_lock(&s->lock);
        memcpy(s->last_request, buf, n + 1);
        size_t body_size = s->body_size;
        pthread_mutex_unlock(&s->lock);
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 201 Created\r\nContent-Length: %zu\r\nX-Test: yes\r\n"
                          "Connection: close\r\n\r\n", body_size);
        /* MSG_NOSIGNAL: a client that gives up early (the response limit) must not kill us */
        if (send(c, head, (size_t)hl, MSG_NOSIGNAL) < 0) {}
        for (size_t i = 0; i < body_size; i++)
            if (send(c, i % 2 ? "k" : "o", 1, MSG_NOSIGNAL) < 0) break;
        close(c);
    }
}

static bool server_start(http_server *s) {
    pthread_mutex_init(&s->lock, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->fd, 8) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &al) != 0)
        return false;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, serve, s) == 0;
}

static void test_http(void) {
    http_server srv = {.body_size = 4};
    weft_plugin *p = NULL;
    REQUIRE(server_start(&srv));
    char req[256];
    snprintf(req, sizeof req,
             "{\"url\":\"http://127.0.0.1:%d/path?q=1\",\"method\":\"POST\","
             "\"headers\":{\"X-Plugin\":\"testplug\"}}", srv.port);
    /* No hosts allowed by default. */
    weft_plugin_options o = base_opts();
    p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_TRAP);
    CHECK_CONTAINS(weft_plugin_error(p), "host \"127.0.0.1\" is not among the plugin's allowed hosts");
    weft_plugin_free(p);
    /* A glob that does not match. */
    const char *other[] = {"*.example.com"};
    o.allowed_hosts = other;
    o.nallowed_hosts = 1;
    p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_TRAP);
    weft_plugin_free(p);
    /* Allowed. */
    const char *hosts[] = {"*.example.com", "127.0.0.*"};
    o.allowed_hosts = hosts;
    o.nallowed_hosts = 2;
    o.max_http_response_bytes = 1000;
    p = open_plugin(&o);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "201 okok");
    CHECK_CONTAINS(server_last(&srv), "POST /path?q=1 HTTP/1.1");
    CHECK_CONTAINS(server_last(&srv), "X-Plugin: testplug");
    CHECK_CONTAINS(server_last(&srv), "\r\n\r\nping");
    /* A response over the limit. */
    server_set_body(&srv, 5000);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_LIMIT);
    CHECK_CONTAINS(weft_plugin_error(p), "bigger than the limit of 1000 bytes");
    server_set_body(&srv, 4);
    /* Malformed requests. */
    CHECK_EQ_INT(CALL_STR(p, "http", "{not json"), WEFT_PLUGIN_TRAP);
    CHECK_CONTAINS(weft_plugin_error(p), "not JSON with a \"url\"");
    CHECK_EQ_INT(CALL_STR(p, "http", "{\"url\":\"file:///etc/passwd\"}"), WEFT_PLUGIN_TRAP);
    CHECK_CONTAINS(weft_plugin_error(p), "http_request: ");
    snprintf(req, sizeof req, "{\"url\":\"http://127.0.0.1:%d/\",\"headers\":{\"A\":\"b\\r\\nX: y\"}}",
             srv.port);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_TRAP);
    CHECK_CONTAINS(weft_plugin_error(p), "bad header");
    snprintf(req, sizeof req, "{\"url\":\"http://127.0.0.1:%d/\",\"method\":\"GET\"}", srv.port);
    CHECK_EQ_INT(CALL_STR(p, "http", req), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "201 okok");
done:
    weft_plugin_free(p);
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.thread, NULL);
}

/* ---- WASI grants ------------------------------------------------------------------------------- */

static void test_wasi(void) {
    char dir[] = "/tmp/weft-plugin-XXXXXX", ro[] = "/tmp/weft-plugin-ro-XXXXXX";
    weft_plugin *p = NULL;
    REQUIRE(mkdtemp(dir) && mkdtemp(ro));
    char path[512];
    snprintf(path, sizeof path, "%s/in.txt", ro);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("read-only data\n", f);
    fclose(f);
    char *err = NULL;
    /* Without WASI granted, a WASI plugin cannot even load. */
    CHECK(weft_plugin_new(wasi_wasm, wasi_len, NULL, &err) == NULL);
    CHECK_CONTAINS(err, "wasi_snapshot_preview1");
    free(err);
    weft_plugin_dir dirs[] = {{dir, "/data", false}, {ro, "/ro", true}};
    weft_plugin_options o = {.wasi = true, .dirs = dirs, .ndirs = 2};
    p = weft_plugin_new(wasi_wasm, wasi_len, &o, &err);
    if (!p) fprintf(stderr, "%s\n", err);
    free(err);
    REQUIRE(p);
    CHECK_EQ_INT(CALL_STR(p, "write_file", "/data/out.txt=written by a plugin"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "ok");
    CHECK_EQ_INT(CALL_STR(p, "read_file", "/data/out.txt"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "written by a plugin");
    CHECK_EQ_INT(CALL_STR(p, "read_file", "/ro/in.txt"), WEFT_PLUGIN_OK);
    CHECK_EQ_STR(out_str(p), "read-only data\n");
    CHECK_EQ_INT(CALL_STR(p, "write_file", "/ro/in.txt=overwritten"), WEFT_PLUGIN_OK);
    CHECK_CONTAINS(out_str(p), "error: ");
    CHECK_EQ_INT(CALL_STR(p, "read_file", "/etc/passwd"), WEFT_PLUGIN_OK);
    CHECK_CONTAINS(out_str(p), "error: ");
    CHECK_EQ_INT(CALL_STR(p, "read_file", "/data/../../etc/passwd"), WEFT_PLUGIN_OK);
    CHECK_CONTAINS(out_str(p), "error: ");
    f = fopen(path, "r");
    char line[64] = "";
    if (f) {
        if (!fgets(line, sizeof line, f)) line[0] = 0;
        fclose(f);
    }
    CHECK_EQ_STR(line, "read-only data\n");
done:
    weft_plugin_free(p);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/in.txt", ro);
    unlink(path);
    rmdir(dir);
    rmdir(ro);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_plugin testplug.wasm wasiplug.wasm\n");
        return 2;
    }
    plug_wasm = read_file(argv[1], &plug_len);
    wasi_wasm = read_file(argv[2], &wasi_len);
    if (!plug_wasm || !wasi_wasm) {
        fprintf(stderr, "test_plugin: cannot read %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    RUN(test_calls);
    RUN(test_compile_errors);
    RUN(test_config);
    RUN(test_vars);
    RUN(test_logs);
    RUN(test_host_functions);
    RUN(test_memory_limits);
    RUN(test_fuel);
    RUN(test_timeout);
    RUN(test_call_depth);
    RUN(test_bad_offsets);
    RUN(test_blocks);
    RUN(test_cancel);
    RUN(test_pool);
    RUN(test_pool_queue);
    RUN(test_http);
    RUN(test_wasi);
    free(plug_wasm);
    free(wasi_wasm);
    return check_report("test_plugin");
}
