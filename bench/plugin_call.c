/* plugin_call.c: weft's plugin benchmark (run by bench/plugin.sh): nanoseconds per plugin call
 * (empty, and 1 KiB in / 1 KiB out two ways), per call with a deadline or fuel armed, per pooled
 * call, and per fresh instance from a compiled plugin, each beside the native C function call it
 * stands for, measured in the same run. Targets (issue 5): under 150 ns per empty call and under
 * 20 us per fresh instance. Times are medians of batches, so a preempted batch does not count.
 *
 * Usage: plugin_call BENCHPLUG.wasm [ROUNDS (15)] */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft.h"

#define KIB 1024
#define TARGET_CALL_NS 150.0
#define TARGET_INSTANCE_US 20.0

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- native baselines: what the plugin calls stand for ---------------------------------------- */

static uint8_t native_out[KIB];
static size_t native_out_len;

__attribute__((noinline)) static int native_noop(const uint8_t *in, size_t len) {
    __asm__ volatile("" ::: "memory");
    return 0;
}

__attribute__((noinline)) static int native_echo(const uint8_t *in, size_t len) {
    memcpy(native_out, in, len);
    native_out_len = len;
    __asm__ volatile("" ::: "memory");
    return 0;
}

typedef int (*native_fn)(const uint8_t *, size_t);
static native_fn volatile native_ptr;

static double time_native(native_fn f, const uint8_t *in, size_t len, int rounds, int batch) {
    double t[64];
    native_ptr = f;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++) native_ptr(in, len);
        t[r] = (now_ns() - t0) / batch;
    }
    return median(t, rounds);
}

/* ---- plugin calls ---------------------------------------------------------------------------- */

static double time_calls(weft_plugin *p, const char *fn, const uint8_t *in, size_t len,
                         size_t want_out, int rounds, int batch) {
    double t[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++)
            if (weft_plugin_call(p, fn, in, len) != WEFT_PLUGIN_OK) {
                fprintf(stderr, "plugin_call: %s failed: %s\n", fn, weft_plugin_error(p));
                exit(1);
            }
        t[r] = (now_ns() - t0) / batch;
    }
    size_t n;
    const uint8_t *out = weft_plugin_output(p, &n);
    if (n != want_out || (n && memcmp(out, in, n) != 0)) {
        fprintf(stderr, "plugin_call: %s gave %zu bytes, not the %zu expected\n", fn, n, want_out);
        exit(1);
    }
    return median(t, rounds);
}

static double time_pool(weft_pool *pool, int rounds, int batch) {
    double t[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++)
            if (weft_pool_call(pool, "noop", NULL, 0, 1000, NULL, NULL) != WEFT_PLUGIN_OK) {
                fprintf(stderr, "plugin_call: pooled noop failed\n");
                exit(1);
            }
        t[r] = (now_ns() - t0) / batch;
    }
    return median(t, rounds);
}

/* Median time of weft_plugin_instantiate alone (the free is outside the timing), and of
 * instantiate + first call + free: a fresh instance per request. */
static void time_instances(weft_compiled_plugin *cp, int n, double *inst_us, double *req_us) {
    double *a = malloc(sizeof *a * (size_t)n), *b = malloc(sizeof *b * (size_t)n);
    for (int i = 0; i < n; i++) {
        weft_plugin *p;
        double t0 = now_ns();
        weft_error *e = weft_plugin_instantiate(cp, &p);
        double t1 = now_ns();
        if (e) {
            char *m = weft_error_format(e);
            fprintf(stderr, "plugin_call: instantiate failed: %s\n", m);
            exit(1);
        }
        weft_plugin_call(p, "noop", NULL, 0);
        weft_plugin_free(p);
        b[i] = (now_ns() - t0) / 1e3;
        a[i] = (t1 - t0) / 1e3;
    }
    *inst_us = median(a, n);
    *req_us = median(b, n);
    free(a);
    free(b);
}

static weft_plugin *open_plugin(const uint8_t *wasm, size_t len, const weft_plugin_options *o,
                                weft_compiled_plugin **cp_out) {
    weft_compiled_plugin *cp;
    weft_plugin *p;
    weft_error *e = weft_plugin_compile(wasm, len, o, &cp);
    if (!e) e = weft_plugin_instantiate(cp, &p);
    if (e) {
        char *m = weft_error_format(e);
        fprintf(stderr, "plugin_call: %s\n", m);
        exit(1);
    }
    if (cp_out) *cp_out = cp;
    else weft_compiled_plugin_free(cp);
    return p;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: plugin_call BENCHPLUG.wasm [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 15;
    if (rounds < 1 || rounds > 64) rounds = 15;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t wasm[1 << 20];
    size_t wlen = fread(wasm, 1, sizeof wasm, f);
    fclose(f);

    uint8_t in[KIB];
    for (int i = 0; i < KIB; i++) in[i] = (uint8_t)(i * 31 + 7);

    weft_compiled_plugin *cp;
    weft_plugin *p = open_plugin(wasm, wlen, NULL, &cp);
    weft_plugin_options timed = {.timeout_ms = 60000};
    weft_plugin *pt = open_plugin(wasm, wlen, &timed, NULL);
    weft_plugin_options fuelled = {.fuel = 1000000000};
    weft_plugin *pf = open_plugin(wasm, wlen, &fuelled, NULL);
    weft_pool *pool;
    if (weft_pool_new(cp, 4, 4, &pool)) return 1;

    const int batch = 20000, small = 2000;
    /* warm up: caches, the ticker thread, page faults of the block memory */
    time_calls(p, "echo", in, KIB, KIB, 3, small);
    time_calls(pt, "noop", NULL, 0, 0, 3, small);

    double n_noop = time_native(native_noop, in, 0, rounds, batch * 10);
    double n_echo = time_native(native_echo, in, KIB, rounds, batch * 10);
    double w_noop = time_calls(p, "noop", NULL, 0, 0, rounds, batch);
    double w_echo = time_calls(p, "echo", in, KIB, KIB, rounds, small);
    double w_echob = time_calls(p, "echo_block", in, KIB, KIB, rounds, batch);
    double w_timed = time_calls(pt, "noop", NULL, 0, 0, rounds, batch);
    double w_fuel = time_calls(pf, "noop", NULL, 0, 0, rounds, batch);
    double w_pool = time_pool(pool, rounds, batch);
    double inst_us, req_us;
    time_instances(cp, 2000, &inst_us, &req_us);

    printf("plugin calls (median of %d batches; native = a C function call through a pointer)\n",
           rounds);
    printf("  %-44s %10s %10s %9s\n", "operation", "weft ns", "native ns", "ratio");
    printf("  %-44s %10.1f %10.1f %8.0fx\n", "empty call (noop)", w_noop, n_noop, w_noop / n_noop);
    printf("  %-44s %10.1f %10.1f %8.0fx\n", "1 KiB in, 1 KiB out, via linear memory (echo)",
           w_echo, n_echo, w_echo / n_echo);
    printf("  %-44s %10.1f %10.1f %8.0fx\n", "1 KiB in, 1 KiB out, block to block", w_echob,
           n_echo, w_echob / n_echo);
    printf("  %-44s %10.1f %10s %9s\n", "empty call with a timeout armed", w_timed, "", "");
    printf("  %-44s %10.1f %10s %9s\n", "empty call with fuel metering", w_fuel, "", "");
    printf("  %-44s %10.1f %10s %9s\n", "empty call through a pool", w_pool, "", "");
    printf("instances (median of 2000)\n");
    printf("  %-44s %10.2f us\n", "weft_plugin_instantiate from a compiled plugin", inst_us);
    printf("  %-44s %10.2f us\n", "instantiate + empty call + free", req_us);
    printf("targets: empty call %.1f ns (< %.0f: %s), fresh instance %.2f us (< %.0f: %s)\n",
           w_noop, TARGET_CALL_NS, w_noop < TARGET_CALL_NS ? "met" : "MISSED", inst_us,
           TARGET_INSTANCE_US, inst_us < TARGET_INSTANCE_US ? "met" : "MISSED");

    weft_pool_free(pool);
    weft_plugin_free(p);
    weft_plugin_free(pt);
    weft_plugin_free(pf);
    weft_compiled_plugin_free(cp);
    return 0;
}
