/* load_time.c: measures how fast weft turns module bytes into a ready module.
 * Times weft_module_new (decode + validate + compile, in one pass) on one file, repeatedly,
 * and prints the best run as MB/s (1 MB = 10^6 bytes). Built natively against libweft.a by
 * bench/load.sh. Usage: load_time FILE.wasm [MAX_RUNS (100)]; stops early after 3 s. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "weft.h"

#define MIN_RUNS 3
#define TIME_BUDGET_S 3.0

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads a whole file into a malloc'd buffer the caller frees; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *bytes = NULL;
    long len;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    bytes = malloc(len ? (size_t)len : 1);
    if (!bytes || fread(bytes, 1, (size_t)len, f) != (size_t)len) goto fail;
    fclose(f);
    *out_len = (size_t)len;
    return bytes;
fail:
    free(bytes);
    fclose(f);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: load_time FILE.wasm [MAX_RUNS]\n");
        return 2;
    }
    int max_runs = argc > 2 ? atoi(argv[2]) : 100;
    if (max_runs < MIN_RUNS) max_runs = MIN_RUNS;
    size_t len;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) {
        fprintf(stderr, "load_time: cannot read %s\n", argv[1]);
        return 1;
    }
    weft_engine *engine = weft_engine_new(NULL);
    if (!engine) return 1;

    double best = -1, started = now_s();
    int runs = 0;
    for (; runs < max_runs; runs++) {
        if (runs >= MIN_RUNS && now_s() - started > TIME_BUDGET_S) break;
        weft_module *m = NULL;
        double t0 = now_s();
        weft_error *err = weft_module_new(engine, bytes, len, &m);
        double t = now_s() - t0;
        if (err) {
            char *msg = weft_error_format(err);
            fprintf(stderr, "load_time: %s: %s\n", argv[1], msg ? msg : "error");
            free(msg);
            weft_error_free(err);
            return 1;
        }
        weft_module_free(m);
        if (best < 0 || t < best) best = t;
    }
    /* One line, fields separated by single spaces, for load.sh to parse. */
    printf("%s bytes=%zu best_ms=%.3f runs=%d mb_per_s=%.1f\n", argv[1], len, best * 1e3, runs,
           (double)len / 1e6 / best);
    weft_engine_free(engine);
    free(bytes);
    return 0;
}
