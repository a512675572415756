/* wasi.h: internals of weft's WASI preview 1 (wasi_snapshot_preview1): the context, its file
 * descriptor table and rights, guest-memory access, errno values, and the functions each file of
 * src/wasi/ provides. Built on the public API of weft.h only, like any embedder's code.
 */
#ifndef WEFT_WASI_H
#define WEFT_WASI_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "weft.h"

/* ---- limits on what a guest may ask for --------------------------------------------------- */
#define WASI_MAX_IOVS 1024        /* iovecs in one read/write, as IOV_MAX */
#define WASI_MAX_PATH 4096        /* bytes of a path, as PATH_MAX */
#define WASI_MAX_FDS 4096         /* open descriptors per context */
#define WASI_MAX_SUBSCRIPTIONS 4096 /* subscriptions in one poll_oneoff */
#define WASI_MAX_SYMLINKS 40      /* symlinks followed in one path walk (fallback resolver) */

/* ---- errno values (the WASI numbering, not the host's) ------------------------------------ */
enum {
    WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
    WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6, WASI_EALREADY = 7,
    WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10, WASI_ECANCELED = 11, WASI_ECHILD = 12,
    WASI_ECONNABORTED = 13, WASI_ECONNREFUSED = 14, WASI_ECONNRESET = 15, WASI_EDEADLK = 16,
    WASI_EDESTADDRREQ = 17, WASI_EDOM = 18, WASI_EDQUOT = 19, WASI_EEXIST = 20, WASI_EFAULT = 21,
    WASI_EFBIG = 22, WASI_EHOSTUNREACH = 23, WASI_EIDRM = 24, WASI_EILSEQ = 25,
    WASI_EINPROGRESS = 26, WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29, WASI_EISCONN = 30,
    WASI_EISDIR = 31, WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34, WASI_EMSGSIZE = 35,
    WASI_EMULTIHOP = 36, WASI_ENAMETOOLONG = 37, WASI_ENETDOWN = 38, WASI_ENETRESET = 39,
    WASI_ENETUNREACH = 40, WASI_ENFILE = 41, WASI_ENOBUFS = 42, WASI_ENODEV = 43,
    WASI_ENOENT = 44, WASI_ENOEXEC = 45, WASI_ENOLCK = 46, WASI_ENOLINK = 47, WASI_ENOMEM = 48,
    WASI_ENOMSG = 49, WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51, WASI_ENOSYS = 52,
    WASI_ENOTCONN = 53, WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55, WASI_ENOTRECOVERABLE = 56,
    WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58, WASI_ENOTTY = 59, WASI_ENXIO = 60,
    WASI_EOVERFLOW = 61, WASI_EOWNERDEAD = 62, WASI_EPERM = 63, WASI_EPIPE = 64,
    WASI_EPROTO = 65, WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67, WASI_ERANGE = 68,
    WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71, WASI_ESTALE = 72, WASI_ETIMEDOUT = 73,
    WASI_ETXTBSY = 74, WASI_EXDEV = 75, WASI_ENOTCAPABLE = 76,
};

/* ---- file types, flags, rights ------------------------------------------------------------ */
enum {
    WASI_FILETYPE_UNKNOWN = 0, WASI_FILETYPE_BLOCK_DEVICE = 1, WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3, WASI_FILETYPE_REGULAR_FILE = 4, WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6, WASI_FILETYPE_SYMBOLIC_LINK = 7,
};
enum { WASI_FDFLAG_APPEND = 1, WASI_FDFLAG_DSYNC = 2, WASI_FDFLAG_NONBLOCK = 4,
       WASI_FDFLAG_RSYNC = 8, WASI_FDFLAG_SYNC = 16 };
enum { WASI_O_CREAT = 1, WASI_O_DIRECTORY = 2, WASI_O_EXCL = 4, WASI_O_TRUNC = 8 };
enum { WASI_LOOKUP_SYMLINK_FOLLOW = 1 };
enum { WASI_FST_ATIM = 1, WASI_FST_ATIM_NOW = 2, WASI_FST_MTIM = 4, WASI_FST_MTIM_NOW = 8 };

#define R(n) ((uint64_t)1 << (n))
#define WASI_R_FD_DATASYNC R(0)
#define WASI_R_FD_READ R(1)
#define WASI_R_FD_SEEK R(2)
#define WASI_R_FD_FDSTAT_SET_FLAGS R(3)
#define WASI_R_FD_SYNC R(4)
#define WASI_R_FD_TELL R(5)
#define WASI_R_FD_WRITE R(6)
#define WASI_R_FD_ADVISE R(7)
#define WASI_R_FD_ALLOCATE R(8)
#define WASI_R_PATH_CREATE_DIRECTORY R(9)
#define WASI_R_PATH_CREATE_FILE R(10)
#define WASI_R_PATH_LINK_SOURCE R(11)
#define WASI_R_PATH_LINK_TARGET R(12)
#define WASI_R_PATH_OPEN R(13)
#define WASI_R_FD_READDIR R(14)
#define WASI_R_PATH_READLINK R(15)
#define WASI_R_PATH_RENAME_SOURCE R(16)
#define WASI_R_PATH_RENAME_TARGET R(17)
#define WASI_R_PATH_FILESTAT_GET R(18)
#define WASI_R_PATH_FILESTAT_SET_SIZE R(19)
#define WASI_R_PATH_FILESTAT_SET_TIMES R(20)
#define WASI_R_FD_FILESTAT_GET R(21)
#define WASI_R_FD_FILESTAT_SET_SIZE R(22)
#define WASI_R_FD_FILESTAT_SET_TIMES R(23)
#define WASI_R_PATH_SYMLINK R(24)
#define WASI_R_PATH_REMOVE_DIRECTORY R(25)
#define WASI_R_PATH_UNLINK_FILE R(26)
#define WASI_R_POLL_FD_READWRITE R(27)
#define WASI_R_SOCK_SHUTDOWN R(28)
#define WASI_R_SOCK_ACCEPT R(29)
#define WASI_R_ALL (R(30) - 1)

/* What an fd of each kind can ever hold. */
#define WASI_RIGHTS_FILE                                                                        \
    (WASI_R_FD_DATASYNC | WASI_R_FD_READ | WASI_R_FD_SEEK | WASI_R_FD_FDSTAT_SET_FLAGS |        \
     WASI_R_FD_SYNC | WASI_R_FD_TELL | WASI_R_FD_WRITE | WASI_R_FD_ADVISE | WASI_R_FD_ALLOCATE | \
     WASI_R_FD_FILESTAT_GET | WASI_R_FD_FILESTAT_SET_SIZE | WASI_R_FD_FILESTAT_SET_TIMES |      \
     WASI_R_POLL_FD_READWRITE)
/* Directories hold fd_read too, so that reading one fails as the kernel says (EISDIR). */
#define WASI_RIGHTS_DIR                                                                         \
    (WASI_R_FD_READ | WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_SYNC | WASI_R_FD_DATASYNC | WASI_R_FD_ADVISE |      \
     WASI_R_PATH_CREATE_DIRECTORY | WASI_R_PATH_CREATE_FILE | WASI_R_PATH_LINK_SOURCE |         \
     WASI_R_PATH_LINK_TARGET | WASI_R_PATH_OPEN | WASI_R_FD_READDIR | WASI_R_PATH_READLINK |    \
     WASI_R_PATH_RENAME_SOURCE | WASI_R_PATH_RENAME_TARGET | WASI_R_PATH_FILESTAT_GET |         \
     WASI_R_PATH_FILESTAT_SET_SIZE | WASI_R_PATH_FILESTAT_SET_TIMES | WASI_R_FD_FILESTAT_GET |  \
     WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_PATH_SYMLINK | WASI_R_PATH_REMOVE_DIRECTORY |        \
     WASI_R_PATH_UNLINK_FILE)
/* A terminal has no seek/tell rights: that is how wasi-libc's isatty recognises it. */
#define WASI_RIGHTS_TTY (WASI_RIGHTS_FILE & ~(WASI_R_FD_SEEK | WASI_R_FD_TELL))
#define WASI_RIGHTS_SOCKET                                                                      \
    (WASI_R_FD_READ | WASI_R_FD_WRITE | WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_FILESTAT_GET |   \
     WASI_R_POLL_FD_READWRITE | WASI_R_SOCK_SHUTDOWN | WASI_R_SOCK_ACCEPT)
/* Rights that mean a new descriptor would write data: refused beneath a read-only preopen. */
#define WASI_RIGHTS_WRITE_DATA (WASI_R_FD_WRITE | WASI_R_FD_ALLOCATE | WASI_R_FD_FILESTAT_SET_SIZE)

/* Everything that changes the file system; nothing beneath a read-only preopen holds any. */
#define WASI_RIGHTS_MUTATE                                                                      \
    (WASI_R_FD_WRITE | WASI_R_FD_ALLOCATE | WASI_R_FD_FILESTAT_SET_SIZE |  \
     WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_PATH_CREATE_DIRECTORY | WASI_R_PATH_CREATE_FILE |    \
     WASI_R_PATH_LINK_SOURCE | WASI_R_PATH_LINK_TARGET | WASI_R_PATH_RENAME_SOURCE |            \
     WASI_R_PATH_RENAME_TARGET | WASI_R_PATH_FILESTAT_SET_SIZE | WASI_R_PATH_FILESTAT_SET_TIMES |\
     WASI_R_PATH_SYMLINK | WASI_R_PATH_REMOVE_DIRECTORY | WASI_R_PATH_UNLINK_FILE)

/* ---- the context -------------------------------------------------------------------------- */

/* In-memory stdio (weft_wasi_stdio_buffers): stdin reads borrowed bytes, stdout and stderr
 * collect what is written up to a limit. */
typedef struct wasi_buf {
    const uint8_t *in;    /* stdin: borrowed */
    size_t in_len, in_pos;
    uint8_t *out;         /* stdout, stderr: owned, kept across resets */
    size_t out_len, out_cap, limit;
    bool truncated;       /* a write went past the limit */
} wasi_buf;

#define WASI_HOST_FREE (-1)   /* wasi_fd.host of a free slot */
#define WASI_HOST_BUFFER (-2) /* wasi_fd.host of an in-memory stdio stream (see buf) */

typedef struct wasi_fd {
    int host;             /* host descriptor; WASI_HOST_FREE, WASI_HOST_BUFFER */
    wasi_buf *buf;        /* the stream of a WASI_HOST_BUFFER descriptor (in weft_wasi.bufs) */
    uint8_t type;         /* WASI_FILETYPE_* */
    uint16_t flags;       /* fdflags */
    uint64_t rights, inheriting;
    bool read_only;       /* beneath a read-only preopen: mutating operations fail with EROFS */
    char *preopen;        /* guest path of a preopened directory, else NULL; owned */
    /* fd_readdir: the host stream, and the stream position of every entry read so far, so
     * that a cookie (an entry's index) can be sought back to exactly. Owned. */
    DIR *dir;
    long *dir_pos;
    uint64_t dir_npos, dir_cap, dir_next; /* entries known; index the stream is at */
} wasi_fd;

struct weft_wasi {
    char **argv; /* owned strings */
    uint32_t argc;
    char **env;  /* "KEY=VALUE", owned */
    uint32_t envc;
    wasi_fd *fds;
    uint32_t nfds;
    bool no_openat2; /* resolve paths by walking components (kernel without openat2) */
    wasi_buf bufs[3];  /* in-memory stdio, when set */
    bool buffered;     /* stdio is bufs[], kept through resets (weft_wasi_stdio_buffers) */
};

/* ---- guest memory: every access checked, in 64-bit arithmetic ------------------------------ */

typedef struct gmem {
    uint8_t *base;
    uint64_t size;
} gmem;

static inline bool g_ok(const gmem *m, uint32_t ptr, uint64_t len) {
    return (uint64_t)ptr + len <= m->size;
}
static inline uint16_t g_get16(const gmem *m, uint32_t p) { uint16_t v; memcpy(&v, m->base + p, 2); return v; }
static inline uint32_t g_get32(const gmem *m, uint32_t p) { uint32_t v; memcpy(&v, m->base + p, 4); return v; }
static inline uint64_t g_get64(const gmem *m, uint32_t p) { uint64_t v; memcpy(&v, m->base + p, 8); return v; }
static inline void g_put8(gmem *m, uint32_t p, uint8_t v) { m->base[p] = v; }
static inline void g_put16(gmem *m, uint32_t p, uint16_t v) { memcpy(m->base + p, &v, 2); }
static inline void g_put32(gmem *m, uint32_t p, uint32_t v) { memcpy(m->base + p, &v, 4); }
static inline void g_put64(gmem *m, uint32_t p, uint64_t v) { memcpy(m->base + p, &v, 8); }

/* Writes a 32/64-bit result to a guest pointer; EFAULT when it is out of bounds. */
static inline int g_out32(gmem *m, uint32_t p, uint32_t v) {
    if (!g_ok(m, p, 4)) return WASI_EFAULT;
    g_put32(m, p, v);
    return WASI_ESUCCESS;
}
static inline int g_out64(gmem *m, uint32_t p, uint64_t v) {
    if (!g_ok(m, p, 8)) return WASI_EFAULT;
    g_put64(m, p, v);
    return WASI_ESUCCESS;
}

/* ---- shared helpers ------------------------------------------------------------------------ */

/* wasi_ctx.c: the descriptor table. */
int wasi_fd_get(weft_wasi *w, uint32_t fd, uint64_t rights, wasi_fd **out);
int wasi_fd_add(weft_wasi *w, int host, uint8_t type, uint64_t rights, uint64_t inheriting,
                uint32_t *out);
int wasi_fd_add_from(weft_wasi *w, int host, uint8_t type, uint64_t rights, uint64_t inheriting,
                     uint32_t lowest, uint32_t *out);
void wasi_fd_release(wasi_fd *f); /* closes the host fd and frees what the slot owns */
uint8_t wasi_filetype_of_mode(unsigned mode);
uint64_t wasi_rights_for_type(uint8_t type, int host);

struct iovec;
/* wasi_fd.c: reads or writes an in-memory stdio stream; returns bytes moved or -WASI errno. */
long wasi_buf_transfer(wasi_buf *b, const struct iovec *v, size_t n, bool write);
/* wasi_fd.c: a filestat (64 bytes) at a checked guest address; fstflags into timespecs. */
struct stat;
struct timespec;
void wasi_put_filestat(gmem *m, uint32_t p, const struct stat *st);
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec *ts);

/* wasi_errno.c */
int wasi_errno(int host_errno);

/* wasi_path.c: resolution beneath a directory fd. path is the guest's bytes (not NUL-ended). */
int wasi_path_open_at(weft_wasi *w, int dirfd, const char *path, uint32_t len, int flags,
                      unsigned mode, bool follow, int *out);

/* A guest iovec array turned into host iovecs, heap-allocated when large. */
struct iovec;
int wasi_iovecs(gmem *m, uint32_t iovs, uint32_t n, struct iovec *small, size_t nsmall,
                struct iovec **out, size_t *total);

/* Every WASI function, with the signature the guest imports: arguments as weft_vals, the
 * errno as the result. One table, in wasi_ctx.c, binds them to their names. */
#define WASI_FN(name) weft_error *wasi_##name(weft_caller *c, void *ud, const weft_val *a, weft_val *r)
#define WASI_FUNCS(X)                                                                           \
    X(args_get, "ii") X(args_sizes_get, "ii") X(environ_get, "ii") X(environ_sizes_get, "ii")  \
    X(clock_res_get, "ii") X(clock_time_get, "iIi") X(random_get, "ii") X(sched_yield, "")    \
    X(proc_raise, "i") X(poll_oneoff, "iiii")                                                   \
    X(fd_advise, "iIIi") X(fd_allocate, "iII") X(fd_close, "i") X(fd_datasync, "i")           \
    X(fd_fdstat_get, "ii") X(fd_fdstat_set_flags, "ii") X(fd_fdstat_set_rights, "iII")         \
    X(fd_filestat_get, "ii") X(fd_filestat_set_size, "iI") X(fd_filestat_set_times, "iIIi")    \
    X(fd_pread, "iiiIi") X(fd_prestat_get, "ii") X(fd_prestat_dir_name, "iii")                 \
    X(fd_pwrite, "iiiIi") X(fd_read, "iiii") X(fd_readdir, "iiiIi") X(fd_renumber, "ii")       \
    X(fd_seek, "iIii") X(fd_sync, "i") X(fd_tell, "ii") X(fd_write, "iiii")                    \
    X(path_create_directory, "iii") X(path_filestat_get, "iiiii")                              \
    X(path_filestat_set_times, "iiiiIIi") X(path_link, "iiiiiii") X(path_open, "iiiiiIIii")    \
    X(path_readlink, "iiiiii") X(path_remove_directory, "iii") X(path_rename, "iiiiii")        \
    X(path_symlink, "iiiii") X(path_unlink_file, "iii")                                        \
    X(sock_accept, "iii") X(sock_recv, "iiiiii") X(sock_send, "iiiii") X(sock_shutdown, "ii")

#define WASI_DECLARE(name, sig) WASI_FN(name);
WASI_FUNCS(WASI_DECLARE)
WASI_FN(proc_exit);
#undef WASI_DECLARE

/* Prologue of a WASI function: the context, the caller's memory, argument accessors. */
#define WASI_BEGIN()                                                                            \
    weft_wasi *w = ud;                                                                          \
    gmem mem_, *m = &mem_;                                                                      \
    (void)w, (void)m;                                                                           \
    if (!wasi_memory(c, m)) return wasi_result(r, WASI_EFAULT)
#define A32(i) ((uint32_t)a[i].of.i32)
#define A64(i) ((uint64_t)a[i].of.i64)

static inline weft_error *wasi_result(weft_val *r, int err) {
    r[0].of.i32 = err;
    return NULL;
}

bool wasi_memory(weft_caller *c, gmem *m);

#endif
