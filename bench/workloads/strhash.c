/* strhash.c: the string-hashing workload of weft's benchmark suite: words from a skewed
 * vocabulary counted in an open-addressing (linear probing) table keyed by their bytes, then
 * lookups of present and absent words (byte loops, hashing, compares, scattered loads).
 * argv[1] is the number of words inserted; prints one checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WORDS 2000000u
#define VOCAB 200000u
#define MAX_WORD 16

typedef struct slot {
    uint32_t hash;  /* 0: empty */
    uint32_t count;
    uint32_t len;
    uint32_t offset; /* of the word's bytes in the arena */
} slot;

typedef struct table {
    slot *slots;
    uint32_t mask;
    uint32_t used;
    char *arena;
    uint32_t arena_len, arena_cap;
} table;

static uint32_t rng_state = 0x85ebca6bu;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Word number id of the vocabulary, spelled from a tiny generator seeded by id: 3..15 letters
 * with vowels interleaved so words look like text. Returns the length. */
static uint32_t make_word(uint32_t id, char *out) {
    static const char consonants[] = "bcdfghjklmnprstvwz";
    static const char vowels[] = "aeiou";
    uint32_t s = id * 2654435761u + 0x7f4a7c15u;
    uint32_t len = 3 + (s >> 7) % 13;
    for (uint32_t i = 0; i < len; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        out[i] = (i & 1) ? vowels[s % 5] : consonants[s % 18];
    }
    return len;
}

/* FNV-1a with a final avalanche; never 0, since 0 marks an empty slot. */
static uint32_t hash_bytes(const char *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
    h ^= h >> 15, h *= 0x2c1b3c6du, h ^= h >> 12;
    return h ? h : 1;
}

static slot *table_find(table *t, const char *w, uint32_t len, uint32_t h) {
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        slot *s = &t->slots[i];
        if (s->hash == 0) return s;
        if (s->hash == h && s->len == len && memcmp(t->arena + s->offset, w, len) == 0) return s;
    }
}

static int table_add(table *t, const char *w, uint32_t len) {
    uint32_t h = hash_bytes(w, len);
    slot *s = table_find(t, w, len, h);
    if (s->hash) {
        s->count++;
        return 0;
    }
    if (t->arena_len + len > t->arena_cap) return -1;
    memcpy(t->arena + t->arena_len, w, len);
    *s = (slot){.hash = h, .count = 1, .len = len, .offset = t->arena_len};
    t->arena_len += len;
    t->used++;
    return 0;
}

static uint32_t table_count(table *t, const char *w, uint32_t len) {
    slot *s = table_find(t, w, len, hash_bytes(w, len));
    return s->hash ? s->count : 0;
}

int main(int argc, char **argv) {
    uint32_t words = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_WORDS;
    table t = {0};
    t.mask = (1u << 19) - 1; /* 512 Ki slots for at most 200 Ki distinct words */
    t.slots = calloc((size_t)t.mask + 1, sizeof(slot));
    t.arena_cap = VOCAB * MAX_WORD;
    t.arena = malloc(t.arena_cap);
    if (!t.slots || !t.arena) return 1;

    char w[MAX_WORD];
    for (uint32_t i = 0; i < words; i++) {
        /* Skewed: the product of two uniforms favours small ids, like word frequencies. */
        uint32_t r1 = rng_next() % VOCAB, r2 = rng_next() % VOCAB;
        uint32_t id = (uint32_t)(((uint64_t)r1 * r2) / VOCAB);
        if (table_add(&t, w, make_word(id, w)) != 0) return 1;
    }
    /* Lookups: half from the vocabulary (mostly present), half from beyond it (mostly absent,
     * unless a longer id happens to spell an existing word). */
    uint64_t found = 0;
    uint32_t hits = 0;
    for (uint32_t i = 0; i < words; i++) {
        uint32_t id = (i & 1) ? rng_next() % VOCAB : VOCAB + rng_next() % (VOCAB * 4);
        uint32_t c = table_count(&t, w, make_word(id, w));
        found += c;
        hits += c != 0;
    }
    uint32_t mix = 0;
    for (uint32_t i = 0; i <= t.mask; i++) mix = mix * 31 + t.slots[i].hash * (t.slots[i].count + 1);
    printf("strhash: words=%u distinct=%u hits=%u found=%llu mix=%08x\n", (unsigned)words,
           (unsigned)t.used, (unsigned)hits, (unsigned long long)found, (unsigned)mix);
    free(t.slots);
    free(t.arena);
    return 0;
}
