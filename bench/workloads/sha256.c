/* sha256.c: the hash workload of weft's benchmark suite.
 * SHA-256 (FIPS 180-4: 32-bit words, rotations, 64 rounds per block) over a generated 64 KiB
 * buffer, many times over; each digest is folded back into the buffer so no pass repeats.
 * argv[1] is the number of passes; prints one checksum line (the last digest). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PASSES 1400
#define BUF_LEN 65536

typedef struct sha_ctx {
    uint32_t h[8];
    uint8_t block[64];
    uint32_t fill;      /* bytes waiting in block */
    uint64_t total_len; /* bytes hashed so far */
} sha_ctx;

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t round_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha_compress(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                      round_k[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha_init(sha_ctx *s) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->fill = 0;
    s->total_len = 0;
}

static void sha_update(sha_ctx *s, const uint8_t *p, size_t n) {
    s->total_len += n;
    while (n > 0) {
        if (s->fill == 0 && n >= 64) {
            sha_compress(s->h, p);
            p += 64, n -= 64;
            continue;
        }
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, take);
        s->fill += (uint32_t)take, p += take, n -= take;
        if (s->fill == 64) {
            sha_compress(s->h, s->block);
            s->fill = 0;
        }
    }
}

static void sha_final(sha_ctx *s, uint8_t out[32]) {
    uint64_t bits = s->total_len * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(s->h[i] >> (24 - 8 * j));
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32]) {
    sha_ctx s;
    sha_init(&s);
    sha_update(&s, p, n);
    sha_final(&s, out);
}

/* Checks the implementation against the FIPS 180-4 example "abc" before timing anything. */
static int self_test(void) {
    static const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                     0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                     0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                     0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t got[32];
    sha256((const uint8_t *)"abc", 3, got);
    return memcmp(got, want, 32) == 0;
}

int main(int argc, char **argv) {
    uint32_t passes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_PASSES;
    if (!self_test()) {
        printf("sha256: self-test failed\n");
        return 1;
    }
    uint8_t *buf = malloc(BUF_LEN);
    if (!buf) return 1;
    uint32_t x = 0x2545f491u; /* xorshift32 state */
    for (uint32_t i = 0; i < BUF_LEN; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
    uint8_t digest[32] = {0};
    for (uint32_t r = 0; r < passes; r++) {
        sha256(buf, BUF_LEN, digest);
        memcpy(buf + (r * 32u) % BUF_LEN, digest, 32);
    }
    printf("sha256: passes=%u digest=", (unsigned)passes);
    for (int i = 0; i < 32; i++) printf("%02x", digest[i]);
    printf("\n");
    free(buf);
    return 0;
}
