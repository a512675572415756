/* guest_buf.h: what the C test guests of tests/component (bindgen/guest.c, fuse/callee.c,
 * fuse/caller.c) build strings with, without libc: a growing byte buffer, decimal and hex
 * numbers, UTF-8 encoding, and the bits of floats. Define GUEST_MALLOC(n) (and GUEST_FREE(p),
 * else old buffers are left to the bump allocator) before including it. All static inline:
 * each guest uses what it needs. */
#ifndef WEFT_TESTS_GUEST_BUF_H
#define WEFT_TESTS_GUEST_BUF_H

#include <stddef.h>
#include <stdint.h>

#ifndef GUEST_FREE
#define GUEST_FREE(p) ((void)(p))
#endif

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static inline void put(buf *b, const void *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = GUEST_MALLOC(cap);
        for (size_t i = 0; i < b->len; i++) p[i] = b->p[i];
        GUEST_FREE(b->p);
        b->p = p;
        b->cap = cap;
    }
    for (size_t i = 0; i < n; i++) b->p[b->len++] = ((const uint8_t *)s)[i];
}

static inline void puts_(buf *b, const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    put(b, s, n);
}

static inline void put_u64(buf *b, uint64_t v) {
    char t[20];
    int n = 0;
    do t[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) put(b, &t[--n], 1);
}

static inline void put_s64(buf *b, int64_t v) {
    if (v < 0) puts_(b, "-");
    put_u64(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

static inline void put_hex(buf *b, uint64_t v) {
    char t[16];
    int n = 0;
    do t[n++] = "0123456789abcdef"[v % 16];
    while ((v /= 16) != 0);
    while (n) put(b, &t[--n], 1);
}

/* Encodes the scalar value c as UTF-8 into out; returns how many bytes. */
static inline size_t utf8(uint32_t c, uint8_t out[4]) {
    if (c < 0x80) return out[0] = (uint8_t)c, 1;
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | c >> 6);
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | c >> 12);
        out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | c >> 18);
    out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

static inline uint32_t f32_bits(float f) {
    union { float f; uint32_t u; } x = {.f = f};
    return x.u;
}
static inline uint64_t f64_bits(double d) {
    union { double d; uint64_t u; } x = {.d = d};
    return x.u;
}
static inline float f32_of(uint32_t bits) {
    union { uint32_t u; float f; } x = {.u = bits};
    return x.f;
}
static inline double f64_of(uint64_t bits) {
    union { uint64_t u; double d; } x = {.u = bits};
    return x.d;
}

#endif
