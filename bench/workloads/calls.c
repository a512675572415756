/* calls.c: the calls workload of weft's benchmark suite: many small direct calls, indirect
 * calls through a function-pointer table, vtable-style dispatch, and small deep recursions
 * (fib, ackermann, tak), every callee kept out of line so both compilers emit real calls.
 * argv[1] scales the loops; prints one checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_SCALE 6000
#define NOINLINE __attribute__((noinline))
#define OBJECTS 64

static uint32_t rng_state = 0xc2b2ae35u;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* ---- recursion ---- */

NOINLINE static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOINLINE static uint32_t ackermann(uint32_t m, uint32_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

NOINLINE static int32_t tak(int32_t x, int32_t y, int32_t z) {
    if (y >= x) return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

/* ---- a table of small binary operations, called indirectly ---- */

typedef uint32_t (*binop_fn)(uint32_t, uint32_t);

NOINLINE static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
NOINLINE static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
NOINLINE static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b + 1; }
NOINLINE static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 3); }
NOINLINE static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
NOINLINE static uint32_t op_min(uint32_t a, uint32_t b) { return a < b ? a : b + 7; }
NOINLINE static uint32_t op_avg(uint32_t a, uint32_t b) { return (a >> 1) + (b >> 1) + 3; }
NOINLINE static uint32_t op_mix(uint32_t a, uint32_t b) { return (a ^ b) * 0x45d9f3bu; }

binop_fn binops[8] = {op_add, op_sub, op_mul, op_xor, op_rot, op_min, op_avg, op_mix};

/* ---- objects with method tables, like C++ virtual calls ---- */

typedef struct shape shape;
typedef struct shape_vtable {
    int32_t (*area)(const shape *);
    void (*grow)(shape *, int32_t);
    uint32_t (*tag)(const shape *);
} shape_vtable;

struct shape {
    const shape_vtable *vt;
    int32_t w, h;
};

NOINLINE static int32_t rect_area(const shape *s) { return s->w * s->h; }
NOINLINE static int32_t tri_area(const shape *s) { return s->w * s->h / 2; }
NOINLINE static int32_t square_area(const shape *s) { return s->w * s->w; }
NOINLINE static void rect_grow(shape *s, int32_t d) { s->w = (s->w + d) & 1023, s->h = (s->h + 1) & 1023; }
NOINLINE static void tri_grow(shape *s, int32_t d) { s->h = (s->h + d) & 1023; }
NOINLINE static void square_grow(shape *s, int32_t d) { s->w = (s->w ^ d) & 1023; }
NOINLINE static uint32_t rect_tag(const shape *s) { return 1 + (s->w & 1); }
NOINLINE static uint32_t tri_tag(const shape *s) { return 2 + (s->h & 2); }
NOINLINE static uint32_t square_tag(const shape *s) { return 3 + (s->w & 4); }

static const shape_vtable rect_vt = {rect_area, rect_grow, rect_tag};
static const shape_vtable tri_vt = {tri_area, tri_grow, tri_tag};
static const shape_vtable square_vt = {square_area, square_grow, square_tag};

/* ---- small direct calls ---- */

NOINLINE static uint32_t clamp_add(uint32_t a, uint32_t b, uint32_t hi) {
    uint32_t s = a + b;
    return s > hi ? s - hi : s;
}

NOINLINE static uint32_t step_direct(uint32_t x, uint32_t i) {
    return clamp_add(x * 3, i, 0x7fffffffu) ^ (i & 0xff);
}

int main(int argc, char **argv) {
    uint32_t scale = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_SCALE;
    uint32_t rec = 0;
    /* Recursion, a fixed amount per 100 of scale so quick runs stay quick. */
    for (uint32_t k = 0; k < scale / 100 + 1; k++) {
        rec += fib(24 + k % 3);
        rec += ackermann(2, 200 + k % 50) + ackermann(3, 5);
        rec += (uint32_t)tak(18, 12, 6 + (int32_t)(k % 2));
    }

    uint32_t x = 1, y = 2;
    uint8_t picks[4096];
    for (int i = 0; i < 4096; i++) picks[i] = (uint8_t)(rng_next() & 7);
    for (uint32_t r = 0; r < scale; r++)
        for (uint32_t i = 0; i < 4096; i++) {
            x = binops[picks[i]](x, y + i);
            y = step_direct(y, x);
        }

    shape objs[OBJECTS];
    const shape_vtable *kinds[3] = {&rect_vt, &tri_vt, &square_vt};
    for (int i = 0; i < OBJECTS; i++)
        objs[i] = (shape){kinds[rng_next() % 3], (int32_t)(rng_next() % 100), (int32_t)(rng_next() % 100)};
    uint64_t areas = 0;
    uint32_t tags = 0;
    for (uint32_t r = 0; r < scale * 20; r++)
        for (int i = 0; i < OBJECTS; i++) {
            shape *s = &objs[i];
            areas += (uint64_t)(uint32_t)s->vt->area(s);
            s->vt->grow(s, (int32_t)(r & 15));
            tags += s->vt->tag(s);
        }
    printf("calls: scale=%u rec=%u x=%08x y=%08x areas=%llu tags=%u\n", (unsigned)scale,
           (unsigned)rec, (unsigned)x, (unsigned)y, (unsigned long long)areas, (unsigned)tags);
    return 0;
}
