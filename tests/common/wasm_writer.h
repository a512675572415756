/* wasm_writer.h: a tiny writer of WebAssembly binaries for tests and benchmarks that need
 * modules too large or too regular to embed as bytes: a growing buffer, LEB128, floats, names,
 * and sections. Header-only; allocation failure aborts (test and benchmark tools only). */
#ifndef WEFT_TEST_WASM_WRITER_H
#define WEFT_TEST_WASM_WRITER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static inline void wb_byte(wbuf *b, uint8_t v) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    b->p[b->n++] = v;
}

static inline void wb_bytes(wbuf *b, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) wb_byte(b, ((const uint8_t *)p)[i]);
}

static inline void wb_u32(wbuf *b, uint32_t v) {
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        wb_byte(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static inline void wb_s64(wbuf *b, int64_t v) {
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7; /* arithmetic shift: sign bits come in */
        if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
            wb_byte(b, byte);
            return;
        }
        wb_byte(b, byte | 0x80);
    }
}

static inline void wb_f64(wbuf *b, double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    for (int i = 0; i < 8; i++) wb_byte(b, (uint8_t)(bits >> (8 * i)));
}

static inline void wb_str(wbuf *b, const char *s) {
    wb_u32(b, (uint32_t)strlen(s));
    wb_bytes(b, s, strlen(s));
}

static inline void wb_header(wbuf *b) {
    static const uint8_t head[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    wb_bytes(b, head, 8);
}

static inline void wb_s32(wbuf *b, int32_t v) { wb_s64(b, v); }

/* Appends section id with the contents of s (kept). */
static inline void wb_section_copy(wbuf *m, uint8_t id, const wbuf *s) {
    wb_byte(m, id);
    wb_u32(m, (uint32_t)s->n);
    wb_bytes(m, s->p, s->n);
}

/* Appends section id with the contents of s, then empties s. */
static inline void wb_section(wbuf *m, uint8_t id, wbuf *s) {
    wb_byte(m, id);
    wb_u32(m, (uint32_t)s->n);
    wb_bytes(m, s->p, s->n);
    free(s->p);
    *s = (wbuf){0};
}

#endif
