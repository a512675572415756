/* blocks.c: the block memory of the Extism ABI. A plugin's input, output, errors, config values
 * and vars travel through "blocks": allocations in a memory the host manages, apart from the
 * guest's linear memory, named by 64-bit offsets. The guest can only reach it through the kernel
 * functions, and every access names one block and must stay inside its length: a plugin cannot
 * read a freed block, a neighbour, or the bytes between blocks.
 *
 * The memory is address space reserved up to the limit and committed as it grows, so pointers into
 * it stay valid while the instance lives. Blocks are allocated by bumping a top offset, reusing
 * the smallest of the recently freed blocks that fits when there is one; the bookkeeping counts
 * against the limit too, so a guest allocating a million 1-byte blocks is refused like one
 * allocating a huge block.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "plugin/plugin.h"

#define FIRST_OFFSET 8         /* offsets below are never blocks: 0 means "none" to the guest */
#define COMMIT_STEP (64u << 10)
#define ZERO_BY_MADVISE (256u << 10)

static block *blocks_find_any(blocks *b, uint64_t off);

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
    if (b->recent_next) { /* nothing to forget on the common path of calls that free nothing */
        memset(b->recent, 0, sizeof b->recent);
        b->recent_next = 0;
    }
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
    /* Reuse the smallest recently freed block that fits. Only the last BLOCKS_RECENT frees are
     * candidates, so an allocation costs O(BLOCKS_RECENT log n) however many blocks a plugin
     * has freed: host time the guest's fuel and interrupt checks cannot see stays bounded. */
    block *best = NULL;
    int best_slot = -1;
    for (int i = 0; i < BLOCKS_RECENT; i++) {
        block *k = b->recent[i] ? blocks_find_any(b, b->recent[i]) : NULL;
        if (k && k->free && k->cap >= n && (!best || k->cap < best->cap)) {
            best = k;
            best_slot = i;
        }
    }
    if (best) {
        b->recent[best_slot] = 0;
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

/* The block starting at off, free or not. */
static block *blocks_find_any(blocks *b, uint64_t off) {
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->list[mid].off < off) lo = mid + 1;
        else hi = mid;
    }
    return lo < b->n && b->list[lo].off == off ? &b->list[lo] : NULL;
}

block *blocks_find(blocks *b, uint64_t off) {
    block *k = blocks_find_any(b, off);
    return k && !k->free ? k : NULL;
}

void blocks_release(blocks *b, uint64_t off) {
    block *k = blocks_find(b, off);
    if (!k) return;
    k->free = true;
    k->len = 0;
    b->recent[b->recent_next++ % BLOCKS_RECENT] = off;
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
