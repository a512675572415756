/* memory.c: linear memories: address space reserved up front with mmap (PROT_NONE) for the
 * largest size the memory may reach, pages made accessible as it grows. The base never moves,
 * and bytes past the current size fault instead of exposing other data. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "config.h"
#include "error.h"
#include "runtime.h"

weft_error *memory_create(weft_store *s, const limits *lim, int image_fd, size_t image_len,
                          weft_memory **out) {
    *out = NULL;
    uint32_t max = lim->has_max ? lim->max : WEFT_MAX_PAGES;
    if (max > s->limits.max_memory_pages) max = s->limits.max_memory_pages;
    if (lim->min > max)
        return err_new(WEFT_ERR_LIMIT, -1, "memory of %u pages exceeds the limit of %u pages",
                       lim->min, max);
    weft_memory *m = calloc(1, sizeof *m);
    if (!m) return err_nomem();
    /* One extra page keeps the reservation non-empty for a memory of maximum 0. */
    m->reserved = ((size_t)max + 1) * WEFT_PAGE_SIZE;
    void *base = mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        size_t reserved = m->reserved;
        free(m);
        return err_new(WEFT_ERR_NOMEM, -1, "cannot reserve %zu bytes of address space for a memory",
                       reserved);
    }
    m->base = base;
    m->max_pages = max;
    m->declared = *lim;
    size_t committed = (size_t)lim->min * WEFT_PAGE_SIZE, mapped = 0;
    if (image_fd >= 0 && image_len <= committed) {
        /* The image, private to this memory: written pages are copied, the rest shared. */
        if (mmap(base, image_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, image_fd, 0) == MAP_FAILED) {
            munmap(base, m->reserved);
            free(m);
            return err_new(WEFT_ERR_NOMEM, -1, "cannot map the memory image");
        }
        mapped = image_len;
    }
    if (committed > mapped &&
        mprotect((uint8_t *)base + mapped, committed - mapped, PROT_READ | PROT_WRITE) != 0) {
        munmap(base, m->reserved);
        free(m);
        return err_new(WEFT_ERR_NOMEM, -1, "cannot commit %u pages of memory", lim->min);
    }
    m->pages = lim->min;
    m->size = (uint64_t)lim->min * WEFT_PAGE_SIZE;
    if (!store_own(s, OBJ_MEMORY, m)) {
        munmap(base, m->reserved);
        free(m);
        return err_nomem();
    }
    *out = m;
    return NULL;
}

int64_t memory_grow(weft_memory *m, uint32_t delta) {
    uint32_t old = m->pages;
    if (delta == 0) return old;
    if ((uint64_t)old + delta > m->max_pages) {
        m->refused_grows++;
        return -1;
    }
    if (mprotect(m->base + m->size, (size_t)delta * WEFT_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
        return -1;
    m->pages = old + delta;
    m->size = (uint64_t)m->pages * WEFT_PAGE_SIZE;
    return old;
}

WEFT_API weft_error *weft_memory_new(weft_store *s, uint32_t min, bool has_max, uint32_t max,
                                     weft_memory **out) {
    if (min > WEFT_MAX_PAGES || (has_max && (max > WEFT_MAX_PAGES || min > max))) {
        *out = NULL;
        return err_new(WEFT_ERR_USAGE, -1, "weft_memory_new: invalid limits %u..%u", min, max);
    }
    limits lim = {.min = min, .max = max, .has_max = has_max};
    return memory_create(s, &lim, -1, 0, out);
}

WEFT_API uint8_t *weft_memory_data(weft_memory *m) { return m->base; }
WEFT_API uint64_t weft_memory_size(const weft_memory *m) { return m->size; }
WEFT_API uint32_t weft_memory_pages(const weft_memory *m) { return m->pages; }
WEFT_API int64_t weft_memory_grow(weft_memory *m, uint32_t delta) { return memory_grow(m, delta); }
WEFT_API uint64_t weft_memory_refused_grows(const weft_memory *m) { return m->refused_grows; }

WEFT_API bool weft_memory_read(const weft_memory *m, uint64_t offset, void *dst, size_t len) {
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(dst, m->base + offset, len);
    return true;
}

WEFT_API bool weft_memory_write(weft_memory *m, uint64_t offset, const void *src, size_t len) {
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(m->base + offset, src, len);
    return true;
}
