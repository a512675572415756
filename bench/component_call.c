/* component_call.c: the cost of a call from one component to another through an interface,
 * passing a string and a record of five fields (bench/component/: caller.wasm's cross() calls
 * callee.wasm's take() n times), against the same call to a plain function inside one component
 * (caller's local()), measured in the same run. The difference is what crossing the boundary
 * costs: lifting the arguments out of the caller's memory, the callee's cabi_realloc and
 * lowering them into its memory, the result back. Prints medians over ROUNDS batches.
 *
 * Usage: component_call CALLER.wasm CALLEE.wasm [ROUNDS] [NAME_BYTES] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "component/cinst.h"

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static ccomp *load(weft_engine *e, const char *path) {
    size_t len;
    uint8_t *b = slurp(path, &len);
    if (!b) {
        fprintf(stderr, "component_call: cannot read %s\n", path);
        exit(1);
    }
    ccomp *c;
    weft_error *err = ccomp_new(e, b, len, &c);
    free(b);
    if (err) {
        fprintf(stderr, "component_call: %s: %s\n", path, weft_error_message(err));
        exit(1);
    }
    return c;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ns per inner call of f(n, name), median over rounds batches. */
static double measure(crt *r, cfunc *f, uint32_t n, const char *name, int rounds, uint64_t *sum) {
    const ct_func *t = cfunc_type(f);
    cv_arena *a = cv_arena_new();
    double *v = malloc((size_t)rounds * sizeof *v);
    for (int k = 0; k < rounds; k++) {
        cv args[2] = {{.type = ct_resolve(t->params[0].type), .of.u = n},
                      {.type = ct_resolve(t->params[1].type), .of.str = {name, strlen(name)}}};
        cv res[1];
        double t0 = now();
        weft_error *e = cfunc_call(r, f, args, a, res);
        v[k] = (now() - t0) / n;
        if (e) {
            fprintf(stderr, "component_call: %s\n", weft_error_message(e));
            exit(1);
        }
        *sum = res[0].of.u;
    }
    qsort(v, (size_t)rounds, sizeof *v, cmp);
    double m = v[rounds / 2];
    free(v);
    cv_arena_free(a);
    return m;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: component_call CALLER.wasm CALLEE.wasm [ROUNDS] [NAME_BYTES]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 15;
    size_t nlen = argc > 4 ? (size_t)atoi(argv[4]) : 16;
    if (rounds < 1) rounds = 1;
    char *name = malloc(nlen + 1);
    for (size_t i = 0; i < nlen; i++) name[i] = (char)('a' + i % 26);
    name[nlen] = 0;
    weft_engine *e = weft_engine_new(NULL);
    ccomp *caller = load(e, argv[1]), *callee = load(e, argv[2]);
    weft_store *s = weft_store_new(e, NULL);
    crt *r = crt_new(s);
    cinst *sink, *driver;
    weft_error *err = crt_instantiate(r, callee, NULL, &sink);
    if (!err) err = crt_instantiate(r, caller, sink, &driver);
    if (err) {
        fprintf(stderr, "component_call: %s\n", weft_error_message(err));
        return 1;
    }
    cfunc *cross = cinst_find_func(driver, "cross", 5, NULL, 0);
    cfunc *local = cinst_find_func(driver, "local", 5, NULL, 0);
    uint32_t n = 100000;
    uint64_t s1 = 0, s2 = 0;
    measure(r, cross, 1000, name, 3, &s1); /* warm up */
    double tc = measure(r, cross, n, name, rounds, &s1);
    double tl = measure(r, local, n, name, rounds, &s2);
    if (s1 != s2) {
        fprintf(stderr, "component_call: cross and local disagree (%llu vs %llu)\n",
                (unsigned long long)s1, (unsigned long long)s2);
        return 1;
    }
    printf("cross-component call, string of %zu bytes + record of 5 fields (median of %d x %u "
           "calls):\n", nlen, rounds, n);
    printf("  plain call inside one component : %8.1f ns\n", tl);
    printf("  call to another component       : %8.1f ns  (%.1fx the plain call)\n", tc, tc / tl);
    printf("  cost of crossing the boundary   : %8.1f ns  (target < 150 ns per call)\n", tc - tl);
    crt_free(r);
    weft_store_free(s);
    ccomp_free(caller);
    ccomp_free(callee);
    weft_engine_free(e);
    free(name);
    return 0;
}
