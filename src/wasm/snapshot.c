/* snapshot.c: snapshots of an instance's state and resets to them: what makes a fresh instance
 * per request cost microseconds. A snapshot holds the bytes of the instance's own memory (in a
 * sealed memfd, zero pages left as holes), the values of its own globals, the contents of its own
 * tables (as function indexes, so they mean the same in any instance of the module) and which
 * segments were dropped. Resetting an instance of the same module to it maps the memory image
 * copy-on-write the first time, and afterwards drops the pages written since (madvise), so the
 * cost follows the pages a request touched, not the size of the memory.
 *
 * Imported memories, tables and globals belong to someone else and are neither captured nor
 * reset. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "runtime.h"

#define SNAP_NULL UINT32_MAX   /* a null table entry */

struct weft_snapshot {
    const weft_module *module; /* the module it was taken from (instances must share it) */
    int fd;                    /* memory image, -1 without an own memory */
    uint64_t mem_size;         /* bytes, a multiple of the page size */
    uint32_t mem_pages;
    const uint8_t *view;       /* the image mapped read-only, the source of page copies */
    uint64_t *globals;         /* bits of globals [nglobal_imports, nglobals) */
    uint32_t *table_sizes;     /* tables [ntable_imports, ntables) */
    uint32_t **table_elems;    /* function indexes or SNAP_NULL */
    uint8_t *elem_dropped, *data_dropped;
};

static bool all_zero(const uint8_t *p, size_t n) {
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < n / 8; i++)
        if (w[i]) return false;
    return true;
}

/* The memory's bytes into a sealed memfd, skipping zero pages. */
static weft_error *capture_memory(weft_snapshot *snap, const weft_memory *mem) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    int fd = memfd_create("weft-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return err_new(WEFT_ERR_NOMEM, -1, "cannot create a snapshot image");
    snap->fd = fd;
    snap->mem_size = mem->size;
    snap->mem_pages = mem->pages;
    if (ftruncate(fd, (off_t)mem->size) != 0)
        return err_new(WEFT_ERR_NOMEM, -1, "cannot size a snapshot image of %llu bytes",
                       (unsigned long long)mem->size);
    for (uint64_t off = 0; off < mem->size; off += page) {
        const uint8_t *p = mem->base + off;
        if (all_zero(p, page)) continue;
        size_t done = 0;
        while (done < page) {
            ssize_t n = pwrite(fd, p + done, page - done, (off_t)(off + done));
            if (n <= 0) return err_new(WEFT_ERR_NOMEM, -1, "cannot write a snapshot image");
            done += (size_t)n;
        }
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
        return err_new(WEFT_ERR_NOMEM, -1, "cannot seal a snapshot image");
    if (mem->size) {
        void *v = mmap(NULL, mem->size, PROT_READ, MAP_SHARED, fd, 0);
        if (v == MAP_FAILED) return err_new(WEFT_ERR_NOMEM, -1, "cannot map a snapshot image");
        snap->view = v;
    }
    return NULL;
}

/* The index of function f in inst's function space, or -1. */
static int64_t func_index(const weft_instance *inst, const weft_func *f) {
    if (f->inst == inst) return f->index;
    for (uint32_t i = 0; i < inst->module->nfunc_imports; i++)
        if (inst->funcs[i] == f) return i;
    return -1;
}

WEFT_API void weft_snapshot_free(weft_snapshot *snap) {
    if (!snap) return;
    if (snap->fd >= 0) close(snap->fd);
    if (snap->view && snap->mem_size) munmap((void *)snap->view, snap->mem_size);
    free(snap->globals);
    if (snap->table_elems) {
        uint32_t n = snap->module->ntables - snap->module->ntable_imports;
        for (uint32_t i = 0; i < n; i++) free(snap->table_elems[i]);
    }
    free(snap->table_elems);
    free(snap->table_sizes);
    free(snap->elem_dropped);
    free(snap->data_dropped);
    free(snap);
}

WEFT_API weft_error *weft_snapshot_new(weft_instance *inst, weft_snapshot **out) {
    *out = NULL;
    const weft_module *m = inst->module;
    weft_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap) return err_nomem();
    snap->module = m;
    snap->fd = -1;
    weft_error *e = NULL;
    uint32_t ng = m->nglobals - m->nglobal_imports, nt = m->ntables - m->ntable_imports;
    snap->globals = calloc(ng ? ng : 1, sizeof *snap->globals);
    snap->table_sizes = calloc(nt ? nt : 1, sizeof *snap->table_sizes);
    snap->table_elems = calloc(nt ? nt : 1, sizeof *snap->table_elems);
    snap->elem_dropped = malloc(m->nelems ? m->nelems : 1);
    snap->data_dropped = malloc(m->ndatas ? m->ndatas : 1);
    if (!snap->globals || !snap->table_sizes || !snap->table_elems || !snap->elem_dropped ||
        !snap->data_dropped)
        goto nomem;
    memcpy(snap->elem_dropped, inst->elem_dropped, m->nelems);
    memcpy(snap->data_dropped, inst->data_dropped, m->ndatas);
    for (uint32_t i = 0; i < ng; i++) snap->globals[i] = inst->globals[m->nglobal_imports + i]->bits;
    for (uint32_t i = 0; i < nt; i++) {
        const weft_table *t = inst->tables[m->ntable_imports + i];
        snap->table_sizes[i] = t->size;
        if (!(snap->table_elems[i] = malloc(((size_t)t->size ? t->size : 1) * sizeof(uint32_t))))
            goto nomem;
        for (uint32_t k = 0; k < t->size; k++) {
            int64_t idx = -1;
            if (!t->elems[k]) idx = SNAP_NULL;
            else if (t->type == VT_FUNCREF) idx = func_index(inst, t->elems[k]);
            if (idx < 0) {
                e = err_new(WEFT_ERR_USAGE, -1, "cannot snapshot table %u: element %u is %s", i,
                            k, t->type == VT_FUNCREF ? "a function of another instance"
                                                     : "a host reference");
                goto fail;
            }
            snap->table_elems[i][k] = (uint32_t)idx;
        }
    }
    if (m->nmems > m->nmem_imports && inst->mem && (e = capture_memory(snap, inst->mem))) goto fail;
    *out = snap;
    return NULL;
nomem:
    e = err_nomem();
fail:
    weft_snapshot_free(snap);
    return e;
}

#define PM_PRESENT (1ull << 63)
#define PM_FILE (1ull << 61) /* a page of the file (or shared): not a private copy */
#define PM_BATCH 512

/* Restores, from the image, every page in [0, end) that holds a private copy (pagemap says
 * which). False if pagemap cannot be read. */
static bool restore_written(weft_memory *mem, const weft_snapshot *snap, uint64_t end) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t first = (uint64_t)(uintptr_t)mem->base / page, n = (end + page - 1) / page;
    uint64_t e[PM_BATCH];
    for (uint64_t at = 0; at < n; at += PM_BATCH) {
        size_t k = n - at < PM_BATCH ? (size_t)(n - at) : PM_BATCH;
        ssize_t got = pread(mem->pagemap, e, k * 8, (off_t)((first + at) * 8));
        if (got != (ssize_t)(k * 8)) return false;
        for (size_t i = 0; i < k; i++) {
            if ((e[i] & (PM_PRESENT | PM_FILE)) != PM_PRESENT) continue;
            uint64_t off = (at + i) * page;
            memcpy(mem->base + off, snap->view + off, page);
        }
    }
    return true;
}

/* The memory back to the image: mapped the first time; later only the pages written are
 * restored (see the top of the file). Pages grown past the image stay mapped, emptied, out of
 * the guest's reach until it grows its memory again. */
static weft_error *reset_memory(weft_memory *mem, const weft_snapshot *snap) {
    size_t len = (size_t)snap->mem_size;
    if (snap->mem_pages > mem->max_pages)
        return err_new(WEFT_ERR_LIMIT, -1, "a snapshot of %u pages does not fit a memory of at most %u",
                       snap->mem_pages, mem->max_pages);
    if (mem->image != snap) {
        if (mem->size > len &&
            mmap(mem->base + len, mem->size - len, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
            return err_new(WEFT_ERR_NOMEM, -1, "cannot release grown memory");
        if (len && mmap(mem->base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, snap->fd,
                        0) == MAP_FAILED)
            return err_new(WEFT_ERR_NOMEM, -1, "cannot map a snapshot image");
        mem->image = snap;
    } else {
        if (mem->pagemap == 0) {
            mem->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
            if (mem->pagemap == 0) { /* fd 0 would mean "not opened yet": keep another */
                mem->pagemap = fcntl(0, F_DUPFD_CLOEXEC, 1);
                close(0);
            }
        }
        /* Grown pages: given back (they read as zeros when the guest grows into them again). */
        if (mem->size > len && madvise(mem->base + len, mem->size - len, MADV_DONTNEED) != 0)
            return err_new(WEFT_ERR_NOMEM, -1, "cannot release grown memory");
        if ((mem->pagemap < 0 || !restore_written(mem, snap, len)) && len &&
            madvise(mem->base, len, MADV_DONTNEED) != 0)
            return err_new(WEFT_ERR_NOMEM, -1, "cannot reset memory pages");
    }
    mem->pages = snap->mem_pages;
    mem->size = snap->mem_size;
    return NULL;
}

WEFT_API weft_error *weft_instance_reset(weft_instance *inst, const weft_snapshot *snap) {
    const weft_module *m = inst->module;
    if (m != snap->module)
        return err_new(WEFT_ERR_USAGE, -1, "weft_instance_reset: the snapshot is of another module");
    weft_error *e;
    if (snap->fd >= 0 && (e = reset_memory(inst->mem, snap))) return e;
    for (uint32_t i = 0; i < m->nglobals - m->nglobal_imports; i++)
        inst->globals[m->nglobal_imports + i]->bits = snap->globals[i];
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++) {
        weft_table *t = inst->tables[m->ntable_imports + i];
        uint32_t n = snap->table_sizes[i];
        if (n > t->cap) { /* the instance's table is younger than the snapshot's: grow it */
            void **el = realloc(t->elems, (size_t)n * sizeof *el);
            if (!el) return err_nomem();
            t->elems = el;
            t->cap = n;
        }
        t->size = n;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t idx = snap->table_elems[i][k];
            t->elems[k] = idx == SNAP_NULL ? NULL : inst->funcs[idx];
        }
    }
    memcpy(inst->elem_dropped, snap->elem_dropped, m->nelems);
    memcpy(inst->data_dropped, snap->data_dropped, m->ndatas);
    return NULL;
}
