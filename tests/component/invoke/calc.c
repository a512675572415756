/* calc.c: a core module exporting the functions of wit/calc.wit under their canonical-ABI names,
 * written by hand against the ABI's flattening (strings and lists as pointer + length, results
 * that do not fit one core value through a return area), for `weft invoke` tests. */
#include <stddef.h>
#include <stdint.h>

static unsigned char heap[1 << 16];
static size_t top;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
    top = (top + align - 1) & ~(align - 1);
    if (top + size > sizeof heap) __builtin_trap();
    void *p = heap + top;
    top += size;
    if (old) __builtin_memcpy(p, old, old_size < size ? old_size : size);
    return p;
}

#define EXPORT(name) __attribute__((export_name("acme:math/ops@0.1.0#" name)))

EXPORT("add") int32_t add(int32_t a, int32_t b) { return a + b; }

static _Alignas(8) uint32_t ret[4];

EXPORT("greet") uint32_t *greet(const char *s, size_t n) {
    char *out = cabi_realloc(0, 0, 1, n + 7);
    __builtin_memcpy(out, "hello, ", 7);
    __builtin_memcpy(out + 7, s, n);
    ret[0] = (uint32_t)(uintptr_t)out;
    ret[1] = (uint32_t)(n + 7);
    return ret;
}

EXPORT("sum") uint64_t sum(const uint32_t *xs, size_t n) {
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) t += xs[i];
    return t;
}

static _Alignas(8) double pt[2];
EXPORT("midpoint") double *midpoint(double ax, double ay, double bx, double by) {
    pt[0] = (ax + bx) / 2;
    pt[1] = (ay + by) / 2;
    return pt;
}

/* result<u32, string>: discriminant (u8) then the payload at offset 4. */
static _Alignas(8) uint32_t rdiv[3];
EXPORT("checked-div") uint32_t *checked_div(uint32_t a, uint32_t b) {
    if (b == 0) {
        static const char msg[] = "division by zero";
        rdiv[0] = 1;
        rdiv[1] = (uint32_t)(uintptr_t)msg;
        rdiv[2] = sizeof msg - 1;
    } else {
        rdiv[0] = 0;
        rdiv[1] = a / b;
    }
    return rdiv;
}

/* option<string>: discriminant, then (ptr, len) at offset 4. */
static _Alignas(8) uint32_t ropt[3];
EXPORT("first-word") uint32_t *first_word(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && s[i] == ' ') i++;
    size_t j = i;
    while (j < n && s[j] != ' ') j++;
    ropt[0] = j > i;
    ropt[1] = (uint32_t)(uintptr_t)(s + i);
    ropt[2] = (uint32_t)(j - i);
    return ropt;
}

EXPORT("next-color") int32_t next_color(int32_t c) { return (c + 1) % 3; }
EXPORT("grant") int32_t grant(int32_t p) { return p | 1; }
EXPORT("is-odd") int32_t is_odd(int64_t n) { return (int32_t)(n & 1); }
EXPORT("shout") int32_t shout(int32_t c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }

__attribute__((export_name("version"))) uint32_t *version(void) {
    static const char v[] = "calc 1.0";
    ret[0] = (uint32_t)(uintptr_t)v;
    ret[1] = sizeof v - 1;
    return ret;
}
