/* lz.c: the compressor workload of weft's benchmark suite: LZ77 with hash chains over a 64 KiB
 * window, decompression and a byte-for-byte check of the round trip, over generated text-like
 * input (byte loads, hashing, unpredictable branches, copies). argv[1] is the input size in
 * bytes; prints one checksum line (compressed sizes, hash of the compressed stream). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SIZE (4u << 20)
#define PASSES 3
#define MIN_MATCH 4
#define MAX_MATCH (MIN_MATCH + 127)
#define WINDOW_BITS 16
#define WINDOW_MASK ((1u << WINDOW_BITS) - 1)
#define MAX_OFFSET WINDOW_MASK
#define HASH_BITS 15
#define MAX_CHAIN 24

static uint32_t rng_state = 0x27d4eb2fu;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Text-like input: words from a skewed vocabulary, punctuation, line breaks, and now and then
 * a run of noise that does not compress. */
static void generate(uint8_t *out, uint32_t n) {
    static const char letters[] = "etaoinshrdlcumwfgypbvkjxqz";
    uint32_t i = 0;
    while (i < n) {
        uint32_t r = rng_next();
        if (r % 97 == 0) {
            for (uint32_t k = 0; k < 40 && i < n; k++) out[i++] = (uint8_t)rng_next();
            continue;
        }
        uint32_t word = ((r >> 8) % 600) * ((r >> 20) % 8 + 1) / 8; /* favours small ids */
        uint32_t s = word * 0x9e3779b9u + 1, len = 2 + word % 9;
        for (uint32_t k = 0; k < len && i < n; k++) {
            s ^= s << 13, s ^= s >> 17, s ^= s << 5;
            out[i++] = (uint8_t)letters[(s >> 3) % 26 * ((s & 7) + 1) / 8];
        }
        if (i < n) out[i++] = (r & 0xf) == 0 ? '.' : (r & 0x3f) == 1 ? '\n' : ' ';
    }
}

static uint32_t hash4(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static uint32_t flush_literals(const uint8_t *in, uint32_t from, uint32_t to, uint8_t *out,
                               uint32_t o) {
    while (from < to) {
        uint32_t run = to - from > 128 ? 128 : to - from;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, in + from, run);
        o += run, from += run;
    }
    return o;
}

/* Token stream: a byte c < 0x80 is followed by c + 1 literal bytes; c >= 0x80 is a match of
 * (c & 0x7f) + MIN_MATCH bytes at a 16-bit little-endian distance. Returns the output size. */
static uint32_t compress(const uint8_t *in, uint32_t n, uint8_t *out, int32_t *head,
                         int32_t *prev) {
    for (uint32_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    uint32_t pos = 0, lit_start = 0, o = 0;
    while (pos + MIN_MATCH <= n) {
        uint32_t h = hash4(in + pos);
        uint32_t best_len = 0, best_dist = 0;
        uint32_t limit = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
        int32_t cand = head[h];
        for (int chain = MAX_CHAIN; cand >= 0 && chain > 0; chain--) {
            uint32_t dist = pos - (uint32_t)cand;
            if (dist > MAX_OFFSET) break;
            if (in[cand + best_len] == in[pos + best_len]) {
                uint32_t len = 0;
                while (len < limit && in[cand + len] == in[pos + len]) len++;
                if (len > best_len) {
                    best_len = len, best_dist = dist;
                    if (len == limit) break;
                }
            }
            cand = prev[cand & WINDOW_MASK];
        }
        prev[pos & WINDOW_MASK] = head[h];
        head[h] = (int32_t)pos;
        if (best_len < MIN_MATCH) {
            pos++;
            continue;
        }
        o = flush_literals(in, lit_start, pos, out, o);
        out[o++] = (uint8_t)(0x80 | (best_len - MIN_MATCH));
        out[o++] = (uint8_t)best_dist;
        out[o++] = (uint8_t)(best_dist >> 8);
        /* Index the positions inside the match too, for later matches. */
        for (uint32_t k = 1; k < best_len && pos + k + MIN_MATCH <= n; k++) {
            uint32_t hk = hash4(in + pos + k);
            prev[(pos + k) & WINDOW_MASK] = head[hk];
            head[hk] = (int32_t)(pos + k);
        }
        pos += best_len;
        lit_start = pos;
    }
    return flush_literals(in, lit_start, n, out, o);
}

/* Returns the decompressed size, or ~0 if the stream is corrupt. */
static uint32_t decompress(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap) {
    uint32_t i = 0, o = 0;
    while (i < n) {
        uint32_t c = in[i++];
        if (c < 0x80) {
            uint32_t run = c + 1;
            if (i + run > n || o + run > cap) return ~0u;
            memcpy(out + o, in + i, run);
            i += run, o += run;
        } else {
            if (i + 2 > n) return ~0u;
            uint32_t len = (c & 0x7f) + MIN_MATCH, dist = in[i] | (uint32_t)in[i + 1] << 8;
            i += 2;
            if (dist == 0 || dist > o || o + len > cap) return ~0u;
            for (uint32_t k = 0; k < len; k++, o++) out[o] = out[o - dist]; /* may overlap */
        }
    }
    return o;
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_SIZE;
    if (n < 16) n = 16;
    uint8_t *in = malloc(n), *packed = malloc(n + n / 128 + 16), *back = malloc(n);
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) << WINDOW_BITS);
    if (!in || !packed || !back || !head || !prev) return 1;

    uint64_t packed_total = 0;
    uint32_t h = 2166136261u;
    for (int pass = 0; pass < PASSES; pass++) {
        generate(in, n);
        uint32_t plen = compress(in, n, packed, head, prev);
        uint32_t blen = decompress(packed, plen, back, n);
        if (blen != n || memcmp(in, back, n) != 0) {
            printf("lz: round trip failed in pass %d\n", pass);
            return 1;
        }
        packed_total += plen;
        for (uint32_t i = 0; i < plen; i++) h = (h ^ packed[i]) * 16777619u;
    }
    printf("lz: size=%u passes=%d packed=%llu ratio=%.4f hash=%08x\n", (unsigned)n, PASSES,
           (unsigned long long)packed_total, (double)packed_total / ((double)n * PASSES),
           (unsigned)h);
    free(in), free(packed), free(back), free(head), free(prev);
    return 0;
}
