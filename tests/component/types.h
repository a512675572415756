/* types.h: what the ABI and WAVE unit tests (test_abi.c, test_wave.c) share: building component
 * types by hand (one arena A, primitives, list/option/result, tuples, named records, variants,
 * enums and flags from (name, type) pairs), and for random values a seeded xorshift generator
 * (each test sets rng to its own seed) and a UTF-8 encoder. Static: include it once per test. */
#ifndef WEFT_TESTS_COMPONENT_TYPES_H
#define WEFT_TESTS_COMPONENT_TYPES_H

#include <stdarg.h>

#include "component/ctypes.h"

static ct_arena *A; /* the types of every test */

static inline const ct_type *P(ct_kind k) { return ct_prim(A, k); }

static inline const ct_type *T1(ct_kind k, const ct_type *elem) {
    ct_type *t = ct_new(A, k);
    t->elem = elem;
    return t;
}
#define T_LIST(e) T1(CT_LIST, (e))
#define T_OPTION(e) T1(CT_OPTION, (e))

static inline const ct_type *T_RESULT(const ct_type *ok, const ct_type *err) {
    ct_type *t = ct_new(A, CT_RESULT);
    t->ok = ok;
    t->err = err;
    return t;
}

/* tuple<types...> */
static inline const ct_type *T_TUPLE(int n, ...) {
    ct_type *t = ct_new(A, CT_TUPLE);
    t->fields = ct_alloc(A, sizeof(ct_field) * (n ? n : 1));
    t->nfields = (uint32_t)n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) t->fields[i].type = va_arg(ap, const ct_type *);
    va_end(ap);
    return t;
}

/* record, variant, enum or flags with (name, type) pairs (type NULL for enums and flags) */
static inline const ct_type *T_NAMED(ct_kind k, const char *name, int n, ...) {
    ct_type *t = ct_new(A, k);
    t->name = name;
    t->fields = ct_alloc(A, sizeof(ct_field) * (n ? n : 1));
    t->nfields = (uint32_t)n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        t->fields[i].name = va_arg(ap, const char *);
        t->fields[i].type = va_arg(ap, const ct_type *);
    }
    va_end(ap);
    return t;
}

static uint64_t rng; /* the including test seeds it */
static inline uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Writes c as UTF-8 at o; returns the byte count (1 to 4). */
static inline size_t utf8_put(uint32_t c, char *o) {
    if (c < 0x80) return o[0] = (char)c, 1;
    if (c < 0x800) return o[0] = (char)(0xc0 | c >> 6), o[1] = (char)(0x80 | (c & 63)), 2;
    if (c < 0x10000)
        return o[0] = (char)(0xe0 | c >> 12), o[1] = (char)(0x80 | (c >> 6 & 63)),
               o[2] = (char)(0x80 | (c & 63)), 3;
    o[0] = (char)(0xf0 | c >> 18), o[1] = (char)(0x80 | (c >> 12 & 63));
    o[2] = (char)(0x80 | (c >> 6 & 63)), o[3] = (char)(0x80 | (c & 63));
    return 4;
}

#endif
