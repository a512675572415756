/* callee.c: the component at the far end of the benchmark's cross-component call: take(name,
 * order) reads every argument, so none of the copying can be skipped, and frees nothing (a bump
 * allocator reset per call by its realloc when the heap is full). */
#include <stddef.h>
#include <stdint.h>

static unsigned char heap[1 << 16];
static size_t top;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old;
    (void)old_size;
    size_t p = (top + align - 1) & ~(align - 1);
    if (p + new_size > sizeof heap) p = 0; /* the previous call's string is dead by now */
    top = p + new_size;
    return heap + p;
}

__attribute__((export_name("bench:cc/sink@0.1.0#take")))
uint32_t take(const char *name, size_t len, uint32_t id, uint32_t qty, uint64_t price, double rate,
              uint32_t rush) {
    uint32_t h = id ^ qty ^ (uint32_t)price ^ (uint32_t)rate ^ rush;
    for (size_t i = 0; i < len; i++) h = h * 31 + (unsigned char)name[i];
    return h;
}
