/* blocks.c: the block memory of the Extism ABI. A plugin's input, output, errors, config values
 * and vars travel through "blocks": allocations in a memory the host manages, apart from the
 * guest's linear memory, named by 64-bit offsets. The guest can only reach it through the kernel
 * functions, which check every offset and length against what is allocated.
 *
 * Every access names one block and must stay inside its length: a plugin cannot read a freed
 * block, a neighbour, or the bytes between blocks.
 *
 * The memory is address space reserved up to the limit and committed as it grows, so pointers into
 * it stay valid while the instance lives. Blocks are allocated by bumping a top offset, reusing the
 * smallest free block that fits when there is one; the bookkeeping counts against the limit too, so
 * a guest allocating a million 1-byte blocks is refused like one allocating a huge block.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "plugin/plugin.h"

#define FIRST_OFFSET 8         /* offsets below are never blocks: 0 means "none" to the guest */
#define COMMIT_STEP (64u << 10)
#define ZERO_BY_MADVISE (256u << 10)

void blocks_init(blocks *b, uint64_t limit) {
    memset(b, 0, sizeof *b);
    b->limit = limit;
    b->top = b->high = FIRST_OFFSET;
}

void blocks_free(blocks *b) {
    if (b->base) munmap(b->base, b->reserved);
    free(b->list);
    memset(b, 0, sizeof *b);
}

void blocks_reset(blocks *b) {
    if (b->base && b->high > FIRST_OFFSET) {
        uint64_t used = b->high - FIRST_OFFSET;
        if (used >= ZERO_BY_MADVISE) {
            /* Hand the pages back: they read as zeros when touched again. */
            madvise(b->base, (b->high + 4095) & ~(uint64_t)4095, MADV_DONTNEED);
        } else {
            memset(b->base + FIRST_OFFSET, 0, used);
        }
    }
    b->top = b->high = FIRST_OFFSET;
    b->n = 0;
}

/* Makes [0, end) readable and writable, reserving the address space on first use. */
static bool commit(blocks *b, uint64_t end) {
    if (end <= b->committed) return true;
    if (!b->base) {
        uint64_t r = (b->limit + 4095) & ~(uint64_t)4095;
        void *p = mmap(NULL, r, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return false;
        b->base = p;
        b->reserved = r;
    }
    uint64_t want = (end + COMMIT_STEP - 1) / COMMIT_STEP * COMMIT_STEP;
    if (want > b->reserved) want = b->reserved;
    if (end > want) return false;
    if (mprotect(b->base + b->committed, want - b->committed, PROT_READ | PROT_WRITE) != 0)
        return false;
    b->committed = want;
    return true;
}

/* Bytes the limit charges: data up to top plus the bookkeeping of n blocks. */
static bool fits(const blocks *b, uint64_t top, size_t n) {
    return top <= b->limit && (uint64_t)n * sizeof(block) <= b->limit - top;
}

uint64_t blocks_alloc(blocks *b, uint64_t n) {
    if (n == 0) return 0;
    block *best = NULL;
    for (size_t i = 0; i < b->n; i++) {
        block *k = &b->list[i];
        if (k->free && k->cap >= n && (!best || k->cap < best->cap)) best = k;
    }
    if (best) {
        best->free = false;
        best->len = n;
        return best->off;
    }
    if (n > b->limit) goto refuse;
    uint64_t cap = (n + 7) & ~(uint64_t)7;
    uint64_t off = b->top;
    if (!fits(b, off + cap, b->n + 1) || !commit(b, off + cap)) goto refuse;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        block *l = realloc(b->list, nc * sizeof *l);
        if (!l) goto refuse;
        b->list = l;
        b->cap = nc;
    }
    b->list[b->n++] = (block){.off = off, .cap = cap, .len = n, .free = false};
    b->top = off + cap;
    if (b->top > b->high) b->high = b->top;
    return off;
refuse:
    b->refused++;
    return 0;
}

block *blocks_find(blocks *b, uint64_t off) {
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->list[mid].off < off) lo = mid + 1;
        else hi = mid;
    }
    if (lo < b->n && b->list[lo].off == off && !b->list[lo].free) return &b->list[lo];
    return NULL;
}

void blocks_release(blocks *b, uint64_t off) {
    block *k = blocks_find(b, off);
    if (!k) return;
    k->free = true;
    k->len = 0;
    /* Free blocks at the end give their space back to the bump allocator. */
    while (b->n > 0 && b->list[b->n - 1].free) {
        b->top = b->list[b->n - 1].off;
        b->n--;
    }
}

uint8_t *blocks_range(blocks *b, uint64_t off, uint64_t len) {
    /* The block holding off: the last one starting at or before it. */
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->list[mid].off <= off) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    const block *k = &b->list[lo - 1];
    if (k->free || off - k->off > k->len || len > k->len - (off - k->off)) return NULL;
    return b->base + off;
}
