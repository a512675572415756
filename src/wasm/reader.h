/* reader.h: a bounds-checked cursor over the module's bytes: bytes, LEB128 integers, floats.
 *
 * Every read checks the window's end first. The first failure is recorded (kind, byte offset
 * from the start of the module, message) in a load_error the caller owns; later failures are
 * ignored so the root cause is what gets reported. Readers return false on failure.
 */
#ifndef WEFT_READER_H
#define WEFT_READER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weft.h"

typedef struct load_error {
    bool set;
    weft_error_kind kind;
    int64_t offset;
    char msg[256];
} load_error;

typedef struct reader {
    const uint8_t *base; /* start of the module: offsets are reported relative to it */
    const uint8_t *p;    /* cursor */
    const uint8_t *end;  /* end of the current window (section or function body) */
    load_error *err;
} reader;

static inline size_t rd_offset(const reader *r) { return (size_t)(r->p - r->base); }
static inline size_t rd_left(const reader *r) { return (size_t)(r->end - r->p); }
static inline bool rd_eof(const reader *r) { return r->p >= r->end; }

/* Records the first failure (later ones are ignored). Use through the macros, which evaluate to
 * false so callers can `return rd_fail(...)`. */
void rd_error(reader *r, size_t offset, weft_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define rd_fail_at(r, offset, kind, ...) (rd_error((r), (offset), (kind), __VA_ARGS__), false)
#define rd_fail(r, kind, ...) rd_fail_at((r), rd_offset(r), (kind), __VA_ARGS__)
#define rd_malformed(r, ...) rd_fail((r), WEFT_ERR_MALFORMED, __VA_ARGS__)
#define rd_invalid(r, ...) rd_fail((r), WEFT_ERR_INVALID, __VA_ARGS__)

static inline bool rd_byte(reader *r, uint8_t *out) {
    if (r->p >= r->end) return rd_malformed(r, "unexpected end");
    *out = *r->p++;
    return true;
}

/* Unsigned LEB128 of at most 32 bits: at most 5 bytes, and the unused high bits of the last one
 * must be zero. */
static inline bool rd_u32(reader *r, uint32_t *out) {
    const uint8_t *p = r->p;
    if (p < r->end && !(*p & 0x80)) { /* the common one-byte case */
        *out = *p;
        r->p = p + 1;
        return true;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (p >= r->end) {
            r->p = p;
            return rd_malformed(r, "unexpected end");
        }
        uint8_t b = *p++;
        if (i == 4) {
            if (b & 0x80) {
                r->p = p - 1;
                return rd_malformed(r, "integer representation too long");
            }
            if (b & 0x70) {
                r->p = p - 1;
                return rd_malformed(r, "integer too large");
            }
        }
        v |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) break;
    }
    r->p = p;
    *out = v;
    return true;
}

/* Signed LEB128 of `bits` bits (32, 33 or 64): at most ceil(bits/7) bytes, and the unused bits of
 * the last byte must repeat the sign bit. */
static inline bool rd_sleb(reader *r, unsigned bits, int64_t *out) {
    const uint8_t *p = r->p;
    unsigned maxbytes = (bits + 6) / 7, shift = 0;
    uint64_t v = 0;
    for (unsigned i = 0;; i++) {
        if (p >= r->end) {
            r->p = p;
            return rd_malformed(r, "unexpected end");
        }
        uint8_t b = *p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) {
                r->p = p - 1;
                return rd_malformed(r, "integer representation too long");
            }
            unsigned used = bits - shift; /* value bits that live in this byte */
            int v7 = (b & 0x40) ? (int)b - 0x80 : (int)b; /* the byte as a signed 7-bit number */
            if (used < 7 && (v7 < -(1 << (used - 1)) || v7 > (1 << (used - 1)) - 1)) {
                r->p = p - 1;
                return rd_malformed(r, "integer too large");
            }
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
            break;
        }
    }
    r->p = p;
    *out = (int64_t)v;
    return true;
}

static inline bool rd_s32(reader *r, int32_t *out) {
    int64_t v;
    if (!rd_sleb(r, 32, &v)) return false;
    *out = (int32_t)v;
    return true;
}

static inline bool rd_s64(reader *r, int64_t *out) { return rd_sleb(r, 64, out); }

static inline bool rd_bytes(reader *r, size_t n, const uint8_t **out) {
    if (n > rd_left(r)) return rd_malformed(r, "unexpected end");
    *out = r->p;
    r->p += n;
    return true;
}

static inline bool rd_fixed32(reader *r, uint32_t *out) {
    const uint8_t *b;
    if (!rd_bytes(r, 4, &b)) return false;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static inline bool rd_fixed64(reader *r, uint64_t *out) {
    uint32_t lo, hi;
    if (!rd_fixed32(r, &lo) || !rd_fixed32(r, &hi)) return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

#endif
