/* intloop.c: the integer-loop workload of weft's benchmark suite.
 * Nested loops of 32- and 64-bit arithmetic, bit operations, shifts, rotates and a little
 * division, all in locals: it measures plain ALU dispatch, not memory. argv[1] is the number of
 * outer iterations; prints one checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_OUTER 3000
#define INNER 20000

static uint32_t rotl32(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }

/* Bits set, counted the slow way so the loop stays in integer ops the compiler cannot replace
 * with a single popcount (wasm32 has one, x86-64 baseline does not). */
static unsigned bits_set(uint32_t x) {
    unsigned n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

static uint32_t gcd32(uint32_t a, uint32_t b) {
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int main(int argc, char **argv) {
    uint32_t outer = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_OUTER;
    uint32_t a = 0x12345678u, b = 0x9e3779b9u, c = 7;
    uint64_t acc = 0x0123456789abcdefull, wide = 1;
    uint32_t gsum = 0, bsum = 0;

    for (uint32_t i = 0; i < outer; i++) {
        for (uint32_t j = 0; j < INNER; j++) {
            a = a * 1664525u + 1013904223u + j;
            b ^= a >> 11;
            b = rotl32(b, a & 31);
            c += (a & b) | (~a & (b >> 3));
            c ^= c << 7;
            acc += (uint64_t)c * (uint64_t)(b | 1);
            acc ^= acc >> 29;
            wide = (wide << 1) ^ ((wide >> 63) ? 0x1b : 0) ^ (uint64_t)(int64_t)(int32_t)c;
            if ((int32_t)a < 0)
                c -= b >> (j & 15);
            else
                c += (uint32_t)((int32_t)b >> (i & 7));
        }
        /* Once per outer iteration: a short loop with division and bit counting. */
        gsum += gcd32(a | 1, (b % 100000u) + 1);
        bsum += bits_set(a ^ b ^ c);
        acc += (acc % 1000003u) ^ (uint64_t)gsum;
    }
    printf("intloop: a=%08x b=%08x c=%08x acc=%016llx wide=%016llx g=%u bits=%u\n", (unsigned)a,
           (unsigned)b, (unsigned)c, (unsigned long long)acc, (unsigned long long)wide,
           (unsigned)gsum, (unsigned)bsum);
    return 0;
}
