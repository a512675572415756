/* arena.h: the heap of the example C components (catalog, storefront) and the cabi_realloc they
 * export: a bump allocator over the linear memory past __heap_base, growing the memory as
 * needed, emptied all at once by arena_reset, which each component calls from its post-return
 * functions, once the host has read a call's results. It frees nothing on its own: a component
 * instance runs one call at a time, and everything a call takes lives until the call is over. */
#ifndef EXAMPLE_ARENA_H
#define EXAMPLE_ARENA_H
#include <stddef.h>
#include <stdint.h>

#define ARENA_PAGE 65536u

extern unsigned char __heap_base; /* defined by wasm-ld: the first byte past data and stack */
static uintptr_t arena_top;       /* the next free byte; 0 while the arena is empty */

/* size bytes aligned to align (a power of two); traps when the memory cannot grow. The sums are
 * in 64 bits so a huge size cannot wrap around to a small one. */
static void *arena_alloc(size_t align, size_t size) {
    if (align == 0 || (align & (align - 1)) != 0) __builtin_trap();
    if (arena_top == 0) arena_top = (uintptr_t)&__heap_base;
    uint64_t start = ((uint64_t)arena_top + align - 1) & ~(uint64_t)(align - 1);
    uint64_t end = start + size;
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * ARENA_PAGE;
    if (end > have &&
        __builtin_wasm_memory_grow(0, (size_t)((end - have + ARENA_PAGE - 1) / ARENA_PAGE)) == (size_t)-1)
        __builtin_trap();
    arena_top = (uintptr_t)end;
    return (void *)(uintptr_t)start;
}

static void arena_reset(void) { arena_top = 0; }

/* The canonical ABI's allocator: the host calls it to place arguments (and the results of
 * imported functions) in this component's memory. */
__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    void *p = arena_alloc(align, new_size);
    if (old) __builtin_memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

#endif
