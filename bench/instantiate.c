/* instantiate.c: weft's instance benchmark (run by bench/instance.sh): median time of store +
 * instance creation for modules built here (one with a 1 MiB data segment, one minimal), and RSS,
 * malloc and address-space growth per idle instance kept alive.
 * Usage: instantiate [TIMED_RUNS (2000)] [IDLE_INSTANCES (1000)] */
#define _GNU_SOURCE /* mallinfo2, clock_gettime */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_writer.h"
#include <time.h>
#include <unistd.h>

#include "weft.h"

#define DATA_SIZE (1u << 20)
#define DATA_OFFSET 1024u
#define TARGET_US 20.0

/* ---- building the test modules ---- */

/* The binary format's encodings: tests/common/wasm_writer.h. wb_section empties s. */
static wbuf build_module(int with_data, uint8_t *probe_byte) {
    wbuf m = {0}, s = {0};
    wb_bytes(&m, "\0asm\1\0\0\0", 8);
    wb_u32(&s, 1), wb_byte(&s, 0x60), wb_u32(&s, 0), wb_u32(&s, 1), wb_byte(&s, 0x7F);
    wb_section(&m, 1, &s);
    wb_u32(&s, 1), wb_u32(&s, 0);
    wb_section(&m, 3, &s);
    wb_u32(&s, 1), wb_byte(&s, 0x00), wb_u32(&s, with_data ? 17 : 1); /* memory, no max */
    wb_section(&m, 5, &s);
    wb_u32(&s, 2);
    wb_u32(&s, 6), wb_bytes(&s, "memory", 6), wb_byte(&s, 0x02), wb_u32(&s, 0);
    wb_u32(&s, 5), wb_bytes(&s, "probe", 5), wb_byte(&s, 0x00), wb_u32(&s, 0);
    wb_section(&m, 7, &s);
    wbuf body = {0};
    wb_u32(&body, 0);                                    /* no locals */
    wb_byte(&body, 0x41), wb_u32(&body, 0);             /* i32.const 0 */
    wb_byte(&body, 0x2D), wb_u32(&body, 0), wb_u32(&body, DATA_OFFSET + 777); /* load8_u */
    wb_byte(&body, 0x0B);
    wb_u32(&s, 1), wb_u32(&s, (uint32_t)body.n);
    for (size_t i = 0; i < body.n; i++) wb_byte(&s, body.p[i]);
    wb_section(&m, 10, &s);
    free(body.p);
    *probe_byte = 0;
    if (with_data) {
        wb_u32(&s, 1), wb_u32(&s, 0);                        /* active, memory 0 */
        wb_byte(&s, 0x41), wb_u32(&s, DATA_OFFSET), wb_byte(&s, 0x0B); /* i32.const: < 2^20, fits */
        wb_u32(&s, DATA_SIZE);
        uint32_t x = 0x9e3779b9u;
        for (uint32_t i = 0; i < DATA_SIZE; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            wb_byte(&s, (uint8_t)(x >> 24));
            if (i == 777) *probe_byte = (uint8_t)(x >> 24);
        }
        wb_section(&m, 11, &s);
    }
    free(s.p);
    return m;
}

/* ---- measuring ---- */

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Resident and virtual size of this process in bytes, from /proc/self/statm. */
static void process_size(uint64_t *rss, uint64_t *vsz) {
    unsigned long long pages_v = 0, pages_r = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &pages_v, &pages_r) != 2) pages_v = pages_r = 0;
        fclose(f);
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    *rss = pages_r * page;
    *vsz = pages_v * page;
}

static void fail(const char *what, weft_error *err) {
    char *msg = err ? weft_error_format(err) : NULL;
    fprintf(stderr, "instantiate: %s: %s\n", what, msg ? msg : "failed");
    exit(1);
}

/* Instantiates m in a fresh store runs times; prints the median and best of store + instance
 * creation, and the median teardown (weft_store_free). Checks the data landed, once. */
static double time_instantiation(weft_engine *e, weft_module *m, uint8_t probe_byte, int runs,
                                 const char *label) {
    double *make = malloc(sizeof(double) * (size_t)runs), *drop = malloc(sizeof(double) * (size_t)runs);
    if (!make || !drop) fail("timing", NULL);
    for (int i = 0; i < runs; i++) {
        double t0 = now_us();
        weft_store *s = weft_store_new(e, NULL);
        weft_instance *inst = NULL;
        weft_error *err = s ? weft_instance_new(s, m, NULL, &inst) : NULL;
        double t1 = now_us();
        if (!s || err) fail("weft_instance_new", err);
        if (i == 0) {
            weft_val result;
            err = weft_func_call(s, weft_instance_func(inst, "probe"), NULL, 0, &result, 1);
            if (err) fail("calling probe", err);
            if ((uint8_t)result.of.i32 != probe_byte) {
                fprintf(stderr, "instantiate: data segment not in memory (%d, want %d)\n",
                        result.of.i32, probe_byte);
                exit(1);
            }
        }
        weft_store_free(s);
        double t2 = now_us();
        make[i] = t1 - t0, drop[i] = t2 - t1;
    }
    qsort(make, (size_t)runs, sizeof *make, cmp_double);
    qsort(drop, (size_t)runs, sizeof *drop, cmp_double);
    double median = make[runs / 2];
    printf("%-27s store+instance: median %8.2f us, best %8.2f us, p90 %8.2f us; store_free: "
           "median %7.2f us\n",
           label, median, make[0], make[runs * 9 / 10], drop[runs / 2]);
    free(make), free(drop);
    return median;
}

/* Keeps n instances alive (each in its own store if per_store, else all in one store) and
 * prints the growth of RSS, virtual size and malloc'd bytes per instance. */
static void measure_idle(weft_engine *e, weft_module *m, int n, int per_store, const char *label) {
    weft_store **stores = calloc((size_t)n, sizeof *stores);
    if (!stores) fail("idle", NULL);
    weft_limits limits = {.max_instances = (uint32_t)n + 1};
    uint64_t rss0, vsz0, rss1, vsz1;
    malloc_trim(0);
    struct mallinfo2 mi0 = mallinfo2();
    process_size(&rss0, &vsz0);
    for (int i = 0; i < n; i++) {
        if (per_store || i == 0) stores[i] = weft_store_new(e, &limits);
        weft_store *s = per_store ? stores[i] : stores[0];
        weft_instance *inst = NULL;
        weft_error *err = s ? weft_instance_new(s, m, NULL, &inst) : NULL;
        if (!s || err) fail("weft_instance_new (idle)", err);
    }
    struct mallinfo2 mi1 = mallinfo2();
    process_size(&rss1, &vsz1);
    printf("%-27s %d idle instances %-16s: RSS %9.1f KiB, malloc %8.1f KiB, address space "
           "%10.1f MiB per instance\n",
           label, n, per_store ? "(one store each)" : "(one store)",
           (double)(rss1 - rss0) / n / 1024, ((double)mi1.uordblks - (double)mi0.uordblks) / n / 1024,
           (double)(vsz1 - vsz0) / n / (1024 * 1024));
    for (int i = 0; i < n; i++) weft_store_free(stores[i]);
    free(stores);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 2000;
    int idle = argc > 2 ? atoi(argv[2]) : 1000;
    if (runs < 1) runs = 1;
    if (idle < 1) idle = 1;
    weft_engine *e = weft_engine_new(NULL);
    if (!e) fail("weft_engine_new", NULL);

    uint8_t probe_big, probe_small;
    wbuf big = build_module(1, &probe_big), small = build_module(0, &probe_small);
    weft_module *m_big = NULL, *m_small = NULL;
    weft_error *err = weft_module_new(e, big.p, big.n, &m_big);
    if (err) fail("loading the 1 MiB-data module", err);
    err = weft_module_new(e, small.p, small.n, &m_small);
    if (err) fail("loading the minimal module", err);

    printf("instantiation, %d runs each, a fresh store each time\n", runs);
    double median = time_instantiation(e, m_big, probe_big, runs, "1 MiB data segment:");
    time_instantiation(e, m_small, probe_small, runs, "minimal (1 page, no data):");
    printf("\nhost memory per idle instance\n");
    measure_idle(e, m_big, idle, 1, "1 MiB data segment:");
    measure_idle(e, m_big, idle, 0, "1 MiB data segment:");
    measure_idle(e, m_small, idle, 1, "minimal:");
    measure_idle(e, m_small, idle, 0, "minimal:");
    printf("\ninstantiation with 1 MiB of data < %.0f us: %s (median %.2f us)\n", TARGET_US,
           median < TARGET_US ? "yes" : "no", median);

    weft_module_free(m_big);
    weft_module_free(m_small);
    weft_engine_free(e);
    free(big.p), free(small.p);
    return 0;
}
