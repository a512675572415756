/* matmul.c: the matrix-multiply floating-point workload of weft's benchmark suite.
 * Dense double matrices multiplied in i-k-j order, repeated with the product fed back in:
 * f64 loads, multiplies and adds over rows that stream through memory. argv[1] is the matrix
 * order; prints one checksum line with the trace, the sum and a hash of the result's bits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ORDER 300
#define ROUNDS 30

static uint32_t rng_state = 0x1b873593u;

static double rng_unit(void) { /* in [-1, 1), exactly representable */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (double)(rng_state >> 8) / 8388608.0 - 1.0;
}

/* c = a * b / n (the scale keeps entries bounded over many rounds). */
static void mat_mul(const double *a, const double *b, double *c, uint32_t n) {
    double scale = 1.0 / (double)n;
    for (uint32_t i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (uint32_t j = 0; j < n; j++) ci[j] = 0;
        for (uint32_t k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k] * scale;
            const double *bk = b + (size_t)k * n;
            for (uint32_t j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
    }
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_ORDER;
    if (n < 1) n = 1;
    size_t cells = (size_t)n * n;
    double *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b),
           *c = malloc(cells * sizeof *c);
    if (!a || !b || !c) return 1;
    for (size_t i = 0; i < cells; i++) a[i] = rng_unit();
    for (size_t i = 0; i < cells; i++) b[i] = rng_unit();

    for (int r = 0; r < ROUNDS; r++) {
        mat_mul(a, b, c, n);
        /* Next round multiplies the product (plus a little of the old a) by b again. */
        for (size_t i = 0; i < cells; i++) a[i] = c[i] * 4.0 + a[i] * 0.5;
    }
    double trace = 0, sum = 0;
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++) trace += c[(size_t)i * n + i];
    for (size_t i = 0; i < cells; i++) {
        uint64_t bits;
        memcpy(&bits, &c[i], sizeof bits);
        sum += c[i];
        h = (h ^ bits) * 1099511628211ull;
    }
    printf("matmul: n=%u trace=%.12e sum=%.12e bits=%016llx\n", (unsigned)n, trace, sum,
           (unsigned long long)h);
    free(a);
    free(b);
    free(c);
    return 0;
}
