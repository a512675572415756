/* caller.c: the benchmark's driver component. cross(n, name) calls the imported sink.take n times
 * with the name and a five-field order; local(n, name) calls a function of its own with the same
 * arguments, which the compiler may not inline: the plain call the cross-component one is
 * compared with. */
#include <stddef.h>
#include <stdint.h>

static unsigned char heap[1 << 16];
static size_t top;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old;
    (void)old_size;
    size_t p = (top + align - 1) & ~(align - 1);
    if (p + new_size > sizeof heap) p = 0;
    top = p + new_size;
    return heap + p;
}

__attribute__((import_module("bench:cc/sink@0.1.0"), import_name("take")))
uint32_t sink_take(const char *name, size_t len, uint32_t id, uint32_t qty, uint64_t price,
                   double rate, uint32_t rush);

__attribute__((noinline)) static uint32_t local_take(const char *name, size_t len, uint32_t id,
                                                     uint32_t qty, uint64_t price, double rate,
                                                     uint32_t rush) {
    uint32_t h = id ^ qty ^ (uint32_t)price ^ (uint32_t)rate ^ rush;
    for (size_t i = 0; i < len; i++) h = h * 31 + (unsigned char)name[i];
    return h;
}

__attribute__((export_name("bench:cc/driver@0.1.0#cross")))
uint32_t cross(uint32_t n, const char *name, size_t len) {
    uint32_t acc = 0;
    for (uint32_t i = 0; i < n; i++) acc += sink_take(name, len, i, 3, 1999, 0.5, i & 1);
    return acc;
}

__attribute__((export_name("bench:cc/driver@0.1.0#local")))
uint32_t local(uint32_t n, const char *name, size_t len) {
    uint32_t acc = 0;
    for (uint32_t i = 0; i < n; i++) acc += local_take(name, len, i, 3, 1999, 0.5, i & 1);
    return acc;
}
