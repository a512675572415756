/* image.c: pre-initialised memory images. When a module's data segments can be laid out before
 * any instance exists (its memory is its own, every active segment's offset is a constant in
 * bounds, and nothing before them can trap), their bytes are written once into a sealed memfd;
 * each instance then maps that file copy-on-write instead of copying the segments, so
 * instantiating a module with megabytes of data costs a few system calls. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "module.h"

/* Whether instantiation applies the data segments for sure, and in bounds: element segments
 * before them could trap only with an imported table or a computed or too large offset. */
static bool image_possible(const weft_module *m, uint64_t *end) {
    if (m->nmems != 1 || m->nmem_imports != 0) return false;
    uint64_t size = (uint64_t)m->mems[0].min * WEFT_PAGE_SIZE, bytes = 0;
    *end = 0;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *s = &m->elems[i];
        if (s->mode != SEG_ACTIVE) continue;
        if (s->table < m->ntable_imports || s->offset.kind != CE_CONST ||
            (uint64_t)(uint32_t)s->offset.bits + s->count > m->tables[s->table].lim.min)
            return false;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data_seg *s = &m->datas[i];
        if (s->mode != SEG_ACTIVE) continue;
        if (s->offset.kind != CE_CONST) return false;
        uint64_t e = (uint64_t)(uint32_t)s->offset.bits + s->len;
        if (e > size) return false;
        if (e > *end) *end = e;
        bytes += s->len;
    }
    return bytes >= WEFT_IMAGE_MIN_BYTES;
}

void image_build(weft_module *m) {
    m->image_fd = -1;
    uint64_t end;
    if (!image_possible(m, &end)) return;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t len = (end + page - 1) / page * page;
    int fd = memfd_create("weft-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return; /* no image: instances copy the segments, as always */
    if (ftruncate(fd, (off_t)len) != 0) goto fail;
    for (uint32_t i = 0; i < m->ndatas; i++) { /* in order: later segments overwrite */
        const data_seg *s = &m->datas[i];
        if (s->mode != SEG_ACTIVE || !s->len) continue;
        size_t done = 0;
        while (done < s->len) {
            ssize_t n = pwrite(fd, s->bytes + done, s->len - done, (off_t)((uint32_t)s->offset.bits + done));
            if (n <= 0) goto fail;
            done += (size_t)n;
        }
    }
    /* Sealed: no one can change the image that every instance starts from. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) goto fail;
    m->image_fd = fd;
    m->image_len = (size_t)len;
    return;
fail:
    close(fd);
}

void image_free(weft_module *m) {
    if (m->image_fd >= 0) close(m->image_fd);
    m->image_fd = -1;
}
