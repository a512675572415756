/* sieve.c: the sieve workload of weft's benchmark suite.
 * Sieve of Eratosthenes over a byte array, repeated; memory-bound stores with large strides.
 * argv[1] is the sieve limit (the array is that many bytes); prints one checksum line with the
 * prime count, their sum, the last prime and the twin-prime count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT 20000000u
#define PASSES 4

int main(int argc, char **argv) {
    uint32_t limit = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_LIMIT;
    if (limit < 16) limit = 16;
    uint8_t *composite = malloc(limit);
    if (!composite) return 1;

    uint32_t count = 0, last = 0, twins = 0;
    uint64_t sum = 0, mix = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        memset(composite, 0, limit);
        composite[0] = composite[1] = 1;
        for (uint32_t p = 2; (uint64_t)p * p < limit; p++) {
            if (composite[p]) continue;
            for (uint32_t m = p * p; m < limit; m += p) composite[m] = 1;
        }
        count = 0, last = 0, twins = 0, sum = 0;
        for (uint32_t n = 2; n < limit; n++) {
            if (composite[n]) continue;
            count++;
            sum += n;
            if (last && n - last == 2) twins++;
            last = n;
        }
        mix = mix * 31 + sum + count;
    }
    printf("sieve: limit=%u primes=%u sum=%llu last=%u twins=%u mix=%016llx\n", (unsigned)limit,
           (unsigned)count, (unsigned long long)sum, (unsigned)last, (unsigned)twins,
           (unsigned long long)mix);
    free(composite);
    return 0;
}
