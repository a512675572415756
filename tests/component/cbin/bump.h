/* bump.h: the cabi_realloc every test component's core module exports: a bump allocator over a
 * static heap, reset by post-return functions. Enough for tests that only need well-formed
 * components; none of them is run here. */
#ifndef CBIN_BUMP_H
#define CBIN_BUMP_H
#include <stddef.h>
#include <stdint.h>

static unsigned char bump_heap[65536];
static size_t bump_top;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    size_t p = (bump_top + align - 1) & ~(align - 1);
    if (p + new_size > sizeof bump_heap) __builtin_trap();
    bump_top = p + new_size;
    if (old) __builtin_memcpy(bump_heap + p, old, old_size < new_size ? old_size : new_size);
    return bump_heap + p;
}
#endif
