/* shapes: exports acme:shapes/geometry@0.2.0, whose signatures use records, variants, enums,
 * flags, lists, options, results and tuples. The core signatures are the flattened ones (see the
 * canonical ABI): results of more than one flat value come back through a return area. */
#include "../bump.h"

#define EXPORT(n) __attribute__((export_name("acme:shapes/geometry@0.2.0#" n)))

static _Alignas(8) unsigned char ret[32];

/* shape: discriminant, then the join of circle(f64) and rect(point) = two f64s */
EXPORT("area") double area(int32_t disc, double a, double b) {
    return disc == 0 ? 3.0 * a * a : disc == 1 ? a * b : 0.0;
}

EXPORT("tag") void *tag(int32_t color, int32_t perms) {
    ret[0] = (unsigned char)((color + perms) & 1);
    return ret;
}

__attribute__((export_name("cabi_post_acme:shapes/geometry@0.2.0#tag")))
void tag_post(void *p) {
    (void)p;
    bump_top = 0;
}

EXPORT("sum") void *sum(const int32_t *xs, size_t n) {
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) s += xs[i];
    ret[0] = 0;
    __builtin_memcpy(ret + 8, &s, 8);
    return ret;
}

EXPORT("centroid") void *centroid(const double *ps, size_t n) {
    ret[0] = n != 0;
    if (n) __builtin_memcpy(ret + 8, ps, 16);
    return ret;
}

EXPORT("swap") void *swap(int32_t a, int32_t b) {
    uint32_t c = (uint32_t)b;
    __builtin_memcpy(ret, &c, 4);
    ret[4] = (unsigned char)a;
    return ret;
}

EXPORT("check") int32_t check(int32_t b) { return !b; }
