/* hostile: a component whose core functions return what the canonical ABI forbids (pointers past
 * the memory, invalid UTF-8, discriminants and chars out of range, misaligned and overflowing
 * lists, a return area outside the memory), trap, or hand out a realloc result outside the
 * memory (for any 13-byte string). The host must trap cleanly on each; `fine` shows the component works otherwise. */
#include <stddef.h>
#include <stdint.h>

#define EXPORT(n) __attribute__((export_name("acme:hostile/evil@0.1.0#" n)))

static uint32_t ret[4];
static unsigned char heap[4096];

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old;
    (void)old_size;
    (void)align;
    if (new_size == 13) return (void *)(uintptr_t)0xfffffff0u; /* "bad-realloc" gets 13 bytes */
    if (new_size > sizeof heap) __builtin_trap();
    return heap;
}

static uint32_t *two(uint32_t a, uint32_t b) {
    ret[0] = a;
    ret[1] = b;
    return ret;
}

EXPORT("bad-pointer") uint32_t *bad_pointer(void) { return two(0xfffffff0u, 100); }

static const char invalid[] = {'o', 'k', (char)0xc3, 'x'};
EXPORT("bad-utf8") uint32_t *bad_utf8(void) { return two((uint32_t)(uintptr_t)invalid, 4); }

EXPORT("bad-discriminant") uint32_t *bad_discriminant(void) { return two(7, 1); }

EXPORT("bad-char") uint32_t bad_char(void) { return 0xd800; }

static uint32_t words[4] = {1, 2, 3, 4};
EXPORT("misaligned-list") uint32_t *misaligned_list(void) {
    return two((uint32_t)(uintptr_t)words + 1, 2);
}

EXPORT("huge-list") uint32_t *huge_list(void) { return two(8, 0x40000000u); }

EXPORT("bad-return-area") uint32_t bad_return_area(void) { return 0xfffffffcu; }

EXPORT("unreachable") uint32_t unreachable_fn(uint32_t x) {
    if (x != 12345) __builtin_trap();
    return x;
}

EXPORT("bad-realloc") uint32_t bad_realloc(const char *s, size_t len) {
    (void)s;
    return (uint32_t)len;
}

EXPORT("fine") uint32_t fine(const char *s, size_t len) {
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++) n += (unsigned char)s[i];
    return n;
}

/* grown: the string lies in a page this call adds; the host must see the memory's new size. */
EXPORT("grown") uint32_t *grown(void) {
    uint32_t page = (uint32_t)__builtin_wasm_memory_grow(0, 1);
    char *p = (char *)(uintptr_t)(page * 65536u);
    p[0] = 'h';
    p[1] = 'i';
    return two(page * 65536u, 2);
}
