/* wasi_fd.c: the fd_* functions of WASI: reading and writing through guest iovecs, seeking,
 * status and flags, times and sizes, directory listing with cookies, preopen names, closing and
 * renumbering. Every guest pointer and length is checked before the host touches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi.h"

int wasi_iovecs(gmem *m, uint32_t iovs, uint32_t n, struct iovec *small, size_t nsmall,
                struct iovec **out, size_t *total) {
    if (n > WASI_MAX_IOVS) return WASI_EINVAL;
    if (!g_ok(m, iovs, (uint64_t)n * 8)) return WASI_EFAULT;
    struct iovec *v = small;
    if (n > nsmall && !(v = malloc(n * sizeof *v))) return WASI_ENOMEM;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = g_get32(m, iovs + 8 * i), len = g_get32(m, iovs + 8 * i + 4);
        if (!g_ok(m, buf, len)) {
            if (v != small) free(v);
            return WASI_EFAULT;
        }
        v[i].iov_base = m->base + buf;
        v[i].iov_len = len;
        sum += len;
    }
    /* The count returned to the guest is 32 bits, and the kernel caps a transfer anyway. */
    if (sum > INT32_MAX) {
        if (v != small) free(v);
        return WASI_EINVAL;
    }
    *out = v;
    *total = (size_t)sum;
    return WASI_ESUCCESS;
}

long wasi_buf_transfer(wasi_buf *b, const struct iovec *v, size_t n, bool write) {
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = v[i].iov_len;
        if (write) {
            size_t room = b->limit - b->out_len;
            if (len > room) {
                b->truncated = true;
                if (moved == 0 && room == 0) return -WASI_EFBIG;
                len = room;
            }
            if (b->out_len + len > b->out_cap) {
                size_t cap = b->out_cap ? b->out_cap : 4096;
                while (cap < b->out_len + len) cap *= 2;
                if (cap > b->limit) cap = b->limit;
                uint8_t *o = realloc(b->out, cap);
                if (!o) return moved ? (long)moved : -WASI_ENOMEM;
                b->out = o;
                b->out_cap = cap;
            }
            if (len) memcpy(b->out + b->out_len, v[i].iov_base, len);
            b->out_len += len;
            if (len < v[i].iov_len) return (long)(moved + len);
        } else {
            size_t left = b->in_len - b->in_pos;
            if (len > left) len = left;
            if (len) memcpy(v[i].iov_base, b->in + b->in_pos, len);
            b->in_pos += len;
        }
        moved += len;
    }
    return (long)moved;
}

/* Reads or writes through the guest's iovecs. offset < 0: at the current position. */
static int transfer(weft_wasi *w, gmem *m, const weft_val *a, bool write, bool positioned,
                    uint32_t result_ptr) {
    wasi_fd *f;
    uint64_t need = (write ? WASI_R_FD_WRITE : WASI_R_FD_READ) | (positioned ? WASI_R_FD_SEEK : 0);
    int err = wasi_fd_get(w, A32(0), need, &f);
    if (err) return err;
    if (positioned && A64(3) > INT64_MAX) return WASI_EINVAL;
    if (!g_ok(m, result_ptr, 4)) return WASI_EFAULT;
    struct iovec small[16], *v;
    size_t total;
    if ((err = wasi_iovecs(m, A32(1), A32(2), small, 16, &v, &total))) return err;
    ssize_t n;
    if (f->buf) { /* in-memory stdio: no positions (no seek right), no host descriptor */
        long moved = wasi_buf_transfer(f->buf, v, A32(2), write);
        if (v != small) free(v);
        if (moved < 0) return (int)-moved;
        g_put32(m, result_ptr, (uint32_t)moved);
        return WASI_ESUCCESS;
    }
    if (write && !positioned && f->type == WASI_FILETYPE_SOCKET_STREAM) {
        /* send, not writev: a closed peer must give EPIPE, not kill the host with SIGPIPE. */
        struct msghdr msg = {.msg_iov = v, .msg_iovlen = A32(2)};
        n = sendmsg(f->host, &msg, MSG_NOSIGNAL);
    } else if (positioned) {
        n = write ? pwritev(f->host, v, (int)A32(2), (off_t)A64(3))
                  : preadv(f->host, v, (int)A32(2), (off_t)A64(3));
    } else {
        n = write ? writev(f->host, v, (int)A32(2)) : readv(f->host, v, (int)A32(2));
    }
    int e = errno;
    if (v != small) free(v);
    if (n < 0) return wasi_errno(e);
    g_put32(m, result_ptr, (uint32_t)n);
    return WASI_ESUCCESS;
}

WASI_FN(fd_read) {
    WASI_BEGIN();
    return wasi_result(r, transfer(w, m, a, false, false, A32(3)));
}

WASI_FN(fd_write) {
    WASI_BEGIN();
    return wasi_result(r, transfer(w, m, a, true, false, A32(3)));
}

WASI_FN(fd_pread) {
    WASI_BEGIN();
    return wasi_result(r, transfer(w, m, a, false, true, A32(4)));
}

WASI_FN(fd_pwrite) {
    WASI_BEGIN();
    return wasi_result(r, transfer(w, m, a, true, true, A32(4)));
}

WASI_FN(fd_seek) {
    WASI_BEGIN();
    int64_t offset = a[1].of.i64;
    uint32_t whence = A32(2);
    /* Asking where we are needs only the tell right. */
    uint64_t need = (offset == 0 && whence == 1) ? WASI_R_FD_TELL : WASI_R_FD_SEEK;
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), need, &f);
    if (err) return wasi_result(r, err);
    if (whence > 2) return wasi_result(r, WASI_EINVAL);
    if (!g_ok(m, A32(3), 8)) return wasi_result(r, WASI_EFAULT);
    static const int how[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t pos = lseek(f->host, (off_t)offset, how[whence]);
    if (pos < 0) return wasi_result(r, wasi_errno(errno));
    g_put64(m, A32(3), (uint64_t)pos);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_tell) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_TELL, &f);
    if (err) return wasi_result(r, err);
    if (!g_ok(m, A32(1), 8)) return wasi_result(r, WASI_EFAULT);
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (pos < 0) return wasi_result(r, wasi_errno(errno));
    g_put64(m, A32(1), (uint64_t)pos);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_close) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), 0, &f);
    if (err) return wasi_result(r, err);
    wasi_fd_release(f);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_renumber) {
    WASI_BEGIN();
    wasi_fd *from, *to;
    int err = wasi_fd_get(w, A32(0), 0, &from);
    if (!err) err = wasi_fd_get(w, A32(1), 0, &to);
    if (err) return wasi_result(r, err);
    if (from != to) {
        wasi_fd_release(to);
        *to = *from;
        memset(from, 0, sizeof *from);
        from->host = -1;
    }
    return wasi_result(r, WASI_ESUCCESS);
}

static int sync_fd(weft_wasi *w, const weft_val *a, uint64_t right, bool data) {
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), right, &f);
    if (err) return err;
    if ((data ? fdatasync(f->host) : fsync(f->host)) != 0) return wasi_errno(errno);
    return WASI_ESUCCESS;
}

WASI_FN(fd_sync) {
    WASI_BEGIN();
    return wasi_result(r, sync_fd(w, a, WASI_R_FD_SYNC, false));
}

WASI_FN(fd_datasync) {
    WASI_BEGIN();
    return wasi_result(r, sync_fd(w, a, WASI_R_FD_DATASYNC, true));
}

WASI_FN(fd_advise) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_ADVISE, &f);
    if (err) return wasi_result(r, err);
    static const int advice[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if (A32(3) > 5 || A64(1) > INT64_MAX || A64(2) > INT64_MAX) return wasi_result(r, WASI_EINVAL);
    int e = posix_fadvise(f->host, (off_t)A64(1), (off_t)A64(2), advice[A32(3)]);
    return wasi_result(r, e == ESPIPE && f->type != WASI_FILETYPE_REGULAR_FILE ? WASI_ESPIPE : wasi_errno(e));
}

WASI_FN(fd_allocate) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_ALLOCATE, &f);
    if (err) return wasi_result(r, err);
    if (A64(1) > INT64_MAX || A64(2) > INT64_MAX || A64(1) + A64(2) > INT64_MAX)
        return wasi_result(r, WASI_EINVAL);
    return wasi_result(r, wasi_errno(posix_fallocate(f->host, (off_t)A64(1), (off_t)A64(2))));
}

static uint16_t host_fdflags(int host) {
    int fl = fcntl(host, F_GETFL);
    uint16_t out = 0;
    if (fl < 0) return 0;
    if (fl & O_APPEND) out |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK) out |= WASI_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC) out |= WASI_FDFLAG_SYNC;
    else if (fl & O_DSYNC) out |= WASI_FDFLAG_DSYNC;
    if ((fl & O_RSYNC) == O_RSYNC && (fl & O_SYNC) == O_SYNC) out |= WASI_FDFLAG_RSYNC;
    return out;
}

WASI_FN(fd_fdstat_get) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), 0, &f);
    if (err) return wasi_result(r, err);
    uint32_t p = A32(1);
    if (!g_ok(m, p, 24)) return wasi_result(r, WASI_EFAULT);
    memset(m->base + p, 0, 24);
    g_put8(m, p, f->type);
    g_put16(m, p + 2, host_fdflags(f->host));
    g_put64(m, p + 8, f->rights);
    g_put64(m, p + 16, f->inheriting);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_fdstat_set_flags) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_FDSTAT_SET_FLAGS, &f);
    if (err) return wasi_result(r, err);
    uint32_t want = A32(1);
    if (want & ~0x1Fu) return wasi_result(r, WASI_EINVAL);
    /* Only append and non-blocking can change on an open file (as with fcntl). */
    uint32_t sync = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    if ((want & sync) != (host_fdflags(f->host) & sync)) return wasi_result(r, WASI_ENOTSUP);
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) return wasi_result(r, wasi_errno(errno));
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (want & WASI_FDFLAG_APPEND) fl |= O_APPEND;
    if (want & WASI_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, fl) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_fdstat_set_rights) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), 0, &f);
    if (err) return wasi_result(r, err);
    /* Rights can only be dropped. */
    if ((A64(1) & ~f->rights) || (A64(2) & ~f->inheriting)) return wasi_result(r, WASI_ENOTCAPABLE);
    f->rights = A64(1);
    f->inheriting = A64(2);
    return wasi_result(r, WASI_ESUCCESS);
}

static uint64_t ns(struct timespec t) { return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec; }

/* Writes a filestat (64 bytes) for st at guest address p, already checked. */
void wasi_put_filestat(gmem *m, uint32_t p, const struct stat *st) {
    memset(m->base + p, 0, 64);
    g_put64(m, p, (uint64_t)st->st_dev);
    g_put64(m, p + 8, (uint64_t)st->st_ino);
    g_put8(m, p + 16, wasi_filetype_of_mode(st->st_mode));
    g_put64(m, p + 24, (uint64_t)st->st_nlink);
    g_put64(m, p + 32, (uint64_t)st->st_size);
    g_put64(m, p + 40, ns(st->st_atim));
    g_put64(m, p + 48, ns(st->st_mtim));
    g_put64(m, p + 56, ns(st->st_ctim));
}

WASI_FN(fd_filestat_get) {
    WASI_BEGIN();
    wasi_fd *f;
    struct stat st;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_FILESTAT_GET, &f);
    if (err) return wasi_result(r, err);
    if (!g_ok(m, A32(1), 64)) return wasi_result(r, WASI_EFAULT);
    if (fstat(f->host, &st) != 0) return wasi_result(r, wasi_errno(errno));
    wasi_put_filestat(m, A32(1), &st);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_filestat_set_size) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_FILESTAT_SET_SIZE, &f);
    if (err) return wasi_result(r, err);
    if (A64(1) > INT64_MAX) return wasi_result(r, WASI_EINVAL);
    if (ftruncate(f->host, (off_t)A64(1)) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, WASI_ESUCCESS);
}

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec *ts) {
    if ((flags & WASI_FST_ATIM && flags & WASI_FST_ATIM_NOW) ||
        (flags & WASI_FST_MTIM && flags & WASI_FST_MTIM_NOW) || (flags & ~0xFu))
        return WASI_EINVAL;
    uint64_t t[2] = {atim, mtim};
    uint32_t set[2] = {WASI_FST_ATIM, WASI_FST_MTIM}, now[2] = {WASI_FST_ATIM_NOW, WASI_FST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (flags & now[i])
            ts[i] = (struct timespec){.tv_nsec = UTIME_NOW};
        else if (flags & set[i])
            ts[i] = (struct timespec){.tv_sec = (time_t)(t[i] / 1000000000u), .tv_nsec = (long)(t[i] % 1000000000u)};
        else
            ts[i] = (struct timespec){.tv_nsec = UTIME_OMIT};
    }
    return WASI_ESUCCESS;
}

WASI_FN(fd_filestat_set_times) {
    WASI_BEGIN();
    wasi_fd *f;
    struct timespec ts[2];
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_FILESTAT_SET_TIMES, &f);
    if (!err) err = wasi_times(A64(1), A64(2), A32(3), ts);
    if (err) return wasi_result(r, err);
    if (futimens(f->host, ts) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_prestat_get) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), 0, &f);
    if (err) return wasi_result(r, err);
    if (!f->preopen) return wasi_result(r, WASI_EBADF);
    if (!g_ok(m, A32(1), 8)) return wasi_result(r, WASI_EFAULT);
    memset(m->base + A32(1), 0, 8); /* tag 0: a directory */
    g_put32(m, A32(1) + 4, (uint32_t)strlen(f->preopen));
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(fd_prestat_dir_name) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), 0, &f);
    if (err) return wasi_result(r, err);
    if (!f->preopen) return wasi_result(r, WASI_EBADF);
    size_t len = strlen(f->preopen);
    if (A32(2) < len) return wasi_result(r, WASI_ENAMETOOLONG);
    if (!g_ok(m, A32(1), len)) return wasi_result(r, WASI_EFAULT);
    memcpy(m->base + A32(1), f->preopen, len);
    return wasi_result(r, WASI_ESUCCESS);
}

static uint8_t dirent_type(DIR *d, const struct dirent *de) {
    switch (de->d_type) {
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_UNKNOWN: {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi_filetype_of_mode(st.st_mode);
    }
    }
    return WASI_FILETYPE_UNKNOWN;
}

/* Moves the directory stream to entry number index (0: the first), seeking back to where an
 * entry already read was, or reading forward. */
static int dir_seek(wasi_fd *f, uint64_t index) {
    if (index == f->dir_next) return WASI_ESUCCESS;
    if (index < f->dir_npos) {
        seekdir(f->dir, f->dir_pos[index]);
        f->dir_next = index;
        return WASI_ESUCCESS;
    }
    if (f->dir_npos) seekdir(f->dir, f->dir_pos[f->dir_npos - 1]), f->dir_next = f->dir_npos - 1;
    while (f->dir_next < index) {
        errno = 0;
        long pos = telldir(f->dir);
        if (!readdir(f->dir)) return errno ? wasi_errno(errno) : WASI_ESUCCESS; /* past the end */
        if (f->dir_next == f->dir_npos) {
            if (f->dir_npos == f->dir_cap) {
                uint64_t ncap = f->dir_cap ? f->dir_cap * 2 : 64;
                long *n = realloc(f->dir_pos, ncap * sizeof *n);
                if (!n) return WASI_ENOMEM;
                f->dir_pos = n;
                f->dir_cap = ncap;
            }
            f->dir_pos[f->dir_npos++] = pos;
        }
        f->dir_next++;
    }
    return WASI_ESUCCESS;
}

/* Fills the guest's buffer with entries (24-byte header, then the name) starting at the entry
 * whose index is the cookie; an entry that does not fit is cut off, which tells the guest to come
 * back with a bigger buffer. Cookies are entry indexes (d_next = index + 1), small numbers that
 * survive wasi-libc's 32-bit telldir, and seek back exactly to any entry already listed. */
WASI_FN(fd_readdir) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_READDIR, &f);
    if (err) return wasi_result(r, err);
    uint32_t buf = A32(1), len = A32(2), used_ptr = A32(4);
    uint64_t cookie = A64(3);
    if (!g_ok(m, buf, len) || !g_ok(m, used_ptr, 4)) return wasi_result(r, WASI_EFAULT);
    if (f->type != WASI_FILETYPE_DIRECTORY) return wasi_result(r, WASI_ENOTDIR);
    if (!f->dir) {
        /* A descriptor of its own, so the stream's position is independent. */
        int fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return wasi_result(r, wasi_errno(errno));
        if (!(f->dir = fdopendir(fd))) {
            int e = errno;
            close(fd);
            return wasi_result(r, wasi_errno(e));
        }
        f->dir_npos = f->dir_next = 0;
    }
    if (cookie == 0 && f->dir_next != 0) { /* from the start: see entries added since */
        rewinddir(f->dir);
        f->dir_npos = f->dir_next = 0;
    }
    if ((err = dir_seek(f, cookie))) return wasi_result(r, err);
    uint32_t used = 0;
    while (used < len && f->dir_next == cookie) {
        errno = 0;
        long pos = telldir(f->dir);
        struct dirent *de = readdir(f->dir);
        if (!de) {
            if (errno) return wasi_result(r, wasi_errno(errno));
            break;
        }
        if (f->dir_next == f->dir_npos) {
            if (f->dir_npos == f->dir_cap) {
                uint64_t ncap = f->dir_cap ? f->dir_cap * 2 : 64;
                long *n = realloc(f->dir_pos, ncap * sizeof *n);
                if (!n) return wasi_result(r, WASI_ENOMEM);
                f->dir_pos = n;
                f->dir_cap = ncap;
            }
            f->dir_pos[f->dir_npos++] = pos;
        }
        f->dir_next++;
        cookie++;
        size_t name_len = strlen(de->d_name);
        uint8_t head[24] = {0};
        uint64_t d_next = cookie, d_ino = (uint64_t)de->d_ino;
        uint32_t d_namlen = (uint32_t)name_len;
        memcpy(head, &d_next, 8);
        memcpy(head + 8, &d_ino, 8);
        memcpy(head + 16, &d_namlen, 4);
        head[20] = dirent_type(f->dir, de);
        uint32_t n = len - used < 24 ? len - used : 24;
        memcpy(m->base + buf + used, head, n);
        used += n;
        n = len - used < name_len ? len - used : (uint32_t)name_len;
        memcpy(m->base + buf + used, de->d_name, n);
        used += n;
    }
    g_put32(m, used_ptr, used);
    return wasi_result(r, WASI_ESUCCESS);
}
