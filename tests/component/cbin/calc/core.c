/* calc: exports acme:math/ops@0.1.0 (add over s32, greet over strings). greet returns through a
 * return area and has a post-return function, so its lift carries memory, realloc, utf8 and
 * post-return options; add's carries none. */
#include "../bump.h"

__attribute__((export_name("acme:math/ops@0.1.0#add")))
int32_t add(int32_t a, int32_t b) { return a + b; }

static uint32_t ret[2];

__attribute__((export_name("acme:math/ops@0.1.0#greet")))
uint32_t *greet(const char *name, size_t len) {
    char *out = cabi_realloc(0, 0, 1, len + 7);
    __builtin_memcpy(out, "hello, ", 7);
    __builtin_memcpy(out + 7, name, len);
    ret[0] = (uint32_t)(uintptr_t)out;
    ret[1] = (uint32_t)(len + 7);
    return ret;
}

__attribute__((export_name("cabi_post_acme:math/ops@0.1.0#greet")))
void greet_post(uint32_t *p) {
    (void)p;
    bump_top = 0;
}
