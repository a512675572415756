/* random.c: WASI test of random_get through getentropy and arc4random_buf. Prints properties
 * only (calls differ, bytes not all zero, every byte value about equally common), never bytes.
 */
#include <stdlib.h>
#include <unistd.h>

#include "guest.h"

static int all_zero(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void) {
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    show("getentropy 64", getentropy(a, 64));
    show("getentropy 64 again", getentropy(b, 64));
    printf("getentropy: not all zero %s, two calls differ %s, bytes after 64 untouched %s\n",
           all_zero(a, 64) ? "no" : "yes", memcmp(a, b, 64) ? "yes" : "no",
           all_zero(a + 64, sizeof a - 64) ? "yes" : "no");
    show("getentropy 256", getentropy(a, 256));
    show("getentropy 0", getentropy(a, 0));
    unsigned char c[512];
    show("getentropy 257", getentropy(c, 257));

    arc4random_buf(a, sizeof a);
    arc4random_buf(b, sizeof b);
    printf("arc4random_buf: not all zero %s, two calls differ %s\n", all_zero(a, 256) ? "no" : "yes",
           memcmp(a, b, 256) ? "yes" : "no");
    uint32_t r1 = arc4random(), r2 = arc4random(), r3 = arc4random();
    printf("arc4random: three values not all equal %s\n", r1 != r2 || r2 != r3 ? "yes" : "no");
    printf("arc4random_uniform(10) < 10: %s\n", arc4random_uniform(10) < 10 ? "yes" : "no");

    /* 256 KiB in 256-byte calls: each byte value is expected 1024 times (sd 32). */
    static unsigned counts[256];
    unsigned char *big = malloc(1 << 18);
    for (size_t off = 0; off < (1u << 18); off += 256)
        if (getentropy(big + off, 256) != 0) {
            printf("getentropy failed at %zu: %s\n", off, errno_name(errno));
            return 1;
        }
    for (size_t i = 0; i < (1u << 18); i++)
        counts[big[i]]++;
    unsigned lo = ~0u, hi = 0;
    for (int v = 0; v < 256; v++) {
        lo = counts[v] < lo ? counts[v] : lo;
        hi = counts[v] > hi ? counts[v] : hi;
    }
    printf("256 KiB histogram: every value between 800 and 1250 times: %s\n",
           lo >= 800 && hi <= 1250 ? "yes" : "no");
    if (lo < 800 || hi > 1250)
        fprintf(stderr, "histogram min %u max %u\n", lo, hi);
    free(big);
    return 0;
}
