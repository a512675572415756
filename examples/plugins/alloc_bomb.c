/* alloc_bomb.c: plugins that take memory until the host says no, to show the memory limit
 * (--max-memory; 64 MiB by default) holding and the call failing cleanly. grow grows linear memory,
 * blocks allocates host blocks; both count against the same limit. Freestanding: no libc.
 */
#include "weft-pdk.h"

#define MIB (1024 * 1024)
#define PAGES_PER_MIB 16 /* 64 KiB wasm pages */

/* Grows linear memory 1 MiB at a time until refused, then traps, as a C program aborts when
 * malloc fails. Nothing is left to report with: at the limit even a message block is refused. */
WEFT_EXPORT(grow) {
    while (__builtin_wasm_memory_grow(0, PAGES_PER_MIB) != (size_t)-1) {}
    __builtin_trap();
}

static char message[96];

static char *put(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

/* Allocates 1 MiB blocks until refused, then frees the last one (to have room for the message)
 * and fails with how many it got. */
WEFT_EXPORT(blocks) {
    uint64_t mib = 0;
    weft_block last = 0, b;
    while ((b = weft_block_alloc(MIB)) != 0) {
        last = b;
        mib++;
    }
    weft_block_free(last);
    char digits[20], *p = put(message, "blocks: the host refused a block after ");
    int n = 0;
    do digits[n++] = (char)('0' + mib % 10); while ((mib /= 10) != 0);
    while (n > 0) *p++ = digits[--n];
    *put(p, " MiB") = '\0';
    return weft_error(message);
}
