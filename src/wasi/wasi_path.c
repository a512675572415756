/* wasi_path.c: path resolution beneath a directory descriptor, and the path_* functions.
 *
 * Resolution happens in the kernel: openat2 with RESOLVE_BENEATH refuses "..", absolute paths and
 * symlinks that would leave the directory, atomically, so a directory swapped for a symlink
 * mid-call cannot redirect it. Where openat2 is missing, a component walk does the same job
 * without ever letting the kernel follow a symlink or "..": every step is an openat with
 * O_NOFOLLOW relative to a descriptor already proven beneath, symlinks are read and spliced in by
 * us, and ".." pops our own stack of descriptors. Operations on a directory entry itself (create,
 * remove, rename, link) resolve its parent that way and then act on the final name with *at calls
 * that follow nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi.h"

/* Copies a guest path into a NUL-terminated host string the caller frees. */
static int get_path(gmem *m, uint32_t ptr, uint32_t len, char **out) {
    if (!g_ok(m, ptr, len)) return WASI_EFAULT;
    if (len > WASI_MAX_PATH) return WASI_ENAMETOOLONG;
    if (len == 0) return WASI_ENOENT;
    if (memchr(m->base + ptr, 0, len)) return WASI_EINVAL;
    char *p = malloc((size_t)len + 1);
    if (!p) return WASI_ENOMEM;
    memcpy(p, m->base + ptr, len);
    p[len] = 0;
    *out = p;
    return WASI_ESUCCESS;
}

/* ---- the component walk (kernels without openat2) ------------------------------------------ */

/* Opens path beneath dirfd: flags apply to the last component; intermediate ones must be
 * directories. Returns a WASI errno. */
static int walk_beneath(int dirfd, const char *path, int flags, unsigned mode, bool follow, int *out) {
    enum { MAX_DEPTH = 256 };
    int stack[MAX_DEPTH]; /* descriptors of the directories walked into; stack[0] is dirfd */
    int depth = 0, links = 0, result = WASI_ESUCCESS;
    char *buf = malloc(2 * WASI_MAX_PATH + 2), *link = malloc(WASI_MAX_PATH + 1);
    if (!buf || !link) {
        free(buf);
        free(link);
        return WASI_ENOMEM;
    }
    stack[0] = dirfd;
    size_t plen = strlen(path);
    if (plen > WASI_MAX_PATH) {
        result = WASI_ENAMETOOLONG;
        goto done;
    }
    memcpy(buf, path, plen + 1);
    if (buf[0] == '/') {
        result = WASI_ENOTCAPABLE;
        goto done;
    }
    char *rest = buf;
    for (;;) {
        while (*rest == '/') rest++;
        char *comp = rest, *slash = strchr(rest, '/');
        bool last = !slash;
        if (slash) {
            *slash = 0;
            rest = slash + 1;
            while (*rest == '/') rest++;
            if (!*rest) last = true; /* "name/": the last component, which must be a directory */
        } else {
            rest = comp + strlen(comp);
        }
        bool must_dir = slash != NULL && last;
        int cur = stack[depth];
        if (!*comp) comp = (char *)"."; /* an empty path after slashes means the directory */
        if (strcmp(comp, "..") == 0) {
            if (depth == 0) {
                result = WASI_ENOTCAPABLE;
                goto done;
            }
            close(stack[depth--]);
            comp = (char *)".";
            cur = stack[depth];
        }
        if (strcmp(comp, ".") == 0 && !last) continue;
        if (last) {
            int lf = flags | O_NOFOLLOW | O_CLOEXEC | (must_dir ? O_DIRECTORY : 0);
            if (follow && strcmp(comp, ".") != 0) {
                int probe = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;
                if (probe >= 0 && fstat(probe, &st) == 0 && S_ISLNK(st.st_mode)) {
                    ssize_t n = readlinkat(probe, "", link, WASI_MAX_PATH);
                    close(probe);
                    if (n < 0) {
                        result = wasi_errno(errno);
                        goto done;
                    }
                    link[n] = 0;
                    goto splice;
                }
                if (probe >= 0) close(probe);
            }
            int fd = openat(cur, comp, lf, mode);
            if (fd < 0) {
                result = wasi_errno(errno);
                goto done;
            }
            *out = fd;
            goto done;
        }
        int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            result = wasi_errno(errno);
            goto done;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            result = wasi_errno(errno);
            close(fd);
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= MAX_DEPTH) {
                close(fd);
                result = WASI_ENAMETOOLONG;
                goto done;
            }
            stack[++depth] = fd;
            continue;
        }
        if (!S_ISLNK(st.st_mode)) {
            close(fd);
            result = WASI_ENOTDIR;
            goto done;
        }
        ssize_t n = readlinkat(fd, "", link, WASI_MAX_PATH);
        close(fd);
        if (n < 0) {
            result = wasi_errno(errno);
            goto done;
        }
        link[n] = 0;
        /* The remaining path must keep its trailing slash meaning: a directory. */
        if (must_dir || *rest) {
            size_t rl = strlen(rest);
            if ((size_t)n + 1 + rl > 2 * WASI_MAX_PATH) {
                result = WASI_ENAMETOOLONG;
                goto done;
            }
            memmove(buf + n + 1, rest, rl + 1);
            buf[n] = '/';
            memcpy(buf, link, (size_t)n);
            rest = buf;
            if (link[0] == '/' || ++links > WASI_MAX_SYMLINKS) {
                result = link[0] == '/' ? WASI_ENOTCAPABLE : WASI_ELOOP;
                goto done;
            }
            continue;
        }
    splice:
        /* A symlink as the last component: continue with its target as the rest of the path. */
        if (link[0] == '/') {
            result = WASI_ENOTCAPABLE;
            goto done;
        }
        if (++links > WASI_MAX_SYMLINKS) {
            result = WASI_ELOOP;
            goto done;
        }
        memcpy(buf, link, strlen(link) + 1);
        rest = buf;
    }
done:
    while (depth > 0) close(stack[depth--]);
    free(buf);
    free(link);
    return result;
}

/* ---- resolution --------------------------------------------------------------------------- */

int wasi_path_open_at(weft_wasi *w, int dirfd, const char *path, uint32_t len, int flags,
                      unsigned mode, bool follow, int *out) {
    (void)len;
    if (w->no_openat2) return walk_beneath(dirfd, path, flags, mode, follow, out);
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    for (;;) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) {
            *out = (int)fd;
            return WASI_ESUCCESS;
        }
        if (errno != EAGAIN && errno != EINTR) return wasi_errno(errno);
        /* EAGAIN: a rename raced with the lookup; the kernel asks us to try again. */
    }
}

/* Splits path into its parent directory, opened beneath dirfd (O_PATH), and its last
 * component (a pointer into path, which is modified). Trailing slashes are dropped and noted. */
static int open_parent(weft_wasi *w, int dirfd, char *path, int *parent, const char **name,
                       bool *trailing_slash) {
    size_t n = strlen(path);
    *trailing_slash = false;
    while (n > 1 && path[n - 1] == '/') {
        path[--n] = 0;
        *trailing_slash = true;
    }
    char *slash = strrchr(path, '/');
    const char *dir = ".";
    if (slash) {
        *slash = 0;
        *name = slash + 1;
        dir = slash == path ? "/" : path; /* "/x": the parent is absolute and will be refused */
    } else {
        *name = path;
    }
    return wasi_path_open_at(w, dirfd, dir, (uint32_t)strlen(dir), O_PATH | O_DIRECTORY, 0, true, parent);
}

static bool is_dot(const char *name) { return strcmp(name, ".") == 0 || strcmp(name, "..") == 0; }

/* The directory descriptor a path operation starts from, with the rights it needs. */
static int dir_fd(weft_wasi *w, uint32_t fd, uint64_t rights, wasi_fd **out) {
    int err = wasi_fd_get(w, fd, rights, out);
    if (!err && (*out)->type != WASI_FILETYPE_DIRECTORY) err = WASI_ENOTDIR;
    return err;
}

/* ---- path_* ------------------------------------------------------------------------------- */

WASI_FN(path_open) {
    WASI_BEGIN();
    uint32_t dirflags = A32(1), oflags = A32(4), fdflags = A32(7), out_ptr = A32(8);
    uint64_t base = A64(5), inheriting = A64(6);
    uint64_t need = WASI_R_PATH_OPEN | (oflags & WASI_O_CREAT ? WASI_R_PATH_CREATE_FILE : 0) |
                    (oflags & WASI_O_TRUNC ? WASI_R_PATH_FILESTAT_SET_SIZE : 0);
    wasi_fd *d;
    char *path = NULL;
    int err = dir_fd(w, A32(0), need, &d);
    if (!err && (oflags & ~0xFu || fdflags & ~0x1Fu)) err = WASI_EINVAL;
    if (!err && !g_ok(m, out_ptr, 4)) err = WASI_EFAULT;
    if (!err) err = get_path(m, A32(2), A32(3), &path);
    if (err) goto done;
    /* Beneath a read-only preopen, asking to write is refused as a read-only file system does. */
    if (d->read_only && ((base & WASI_RIGHTS_WRITE_DATA) || (fdflags & WASI_FDFLAG_APPEND))) {
        err = WASI_EROFS;
        goto done;
    }
    base &= d->inheriting;
    inheriting &= d->inheriting;
    if ((fdflags & WASI_FDFLAG_DSYNC && !(base & WASI_R_FD_DATASYNC)) ||
        (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC) && !(base & WASI_R_FD_SYNC))) {
        err = WASI_ENOTCAPABLE;
        goto done;
    }
    bool rd = base & (WASI_R_FD_READ | WASI_R_FD_READDIR), wr = base & WASI_R_FD_WRITE;
    int flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & WASI_O_CREAT) flags |= O_CREAT;
    if (oflags & WASI_O_DIRECTORY) flags |= O_DIRECTORY;
    if (oflags & WASI_O_EXCL) flags |= O_EXCL;
    if (oflags & WASI_O_TRUNC) flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC) flags |= O_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC) flags |= O_RSYNC;
    int fd;
    err = wasi_path_open_at(w, d->host, path, A32(3), flags, 0666, dirflags & WASI_LOOKUP_SYMLINK_FOLLOW, &fd);
    if (err) goto done;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = wasi_errno(errno);
        close(fd);
        goto done;
    }
    /* The new descriptor holds every right of its kind (the host descriptor's access mode,
     * taken from the request, is what the kernel enforces, with the errors programs expect),
     * none that change anything beneath a read-only preopen. */
    uint8_t type = wasi_filetype_of_mode(st.st_mode);
    bool ro = d->read_only; /* d may move: adding a descriptor can grow the table */
    uint64_t rights = wasi_rights_for_type(type, fd) & (ro ? ~WASI_RIGHTS_MUTATE : WASI_R_ALL);
    uint32_t nfd;
    err = wasi_fd_add(w, fd, type, rights, inheriting, &nfd);
    if (!err) {
        w->fds[nfd].read_only = ro;
        g_put32(m, out_ptr, nfd);
    }
done:
    free(path);
    return wasi_result(r, err);
}

/* Runs an operation on the directory entry named by a guest path: resolves the parent beneath
 * the directory descriptor, checks the last component, and calls op(parent, name). */
typedef int (*entry_op)(int parent, const char *name, bool trailing_slash, void *arg);

static int on_entry(weft_wasi *w, gmem *m, uint32_t fd, uint64_t rights, uint32_t ptr, uint32_t len,
                    int dot_error, entry_op op, void *arg) {
    wasi_fd *d;
    char *path = NULL;
    int parent = -1, err = dir_fd(w, fd, rights, &d);
    if (!err) err = get_path(m, ptr, len, &path);
    if (err) goto done;
    const char *name;
    bool slash;
    if ((err = open_parent(w, d->host, path, &parent, &name, &slash))) goto done;
    err = is_dot(name) || !*name ? dot_error : op(parent, name, slash, arg);
done:
    if (parent >= 0) close(parent);
    free(path);
    return err;
}

static int do_mkdir(int parent, const char *name, bool slash, void *arg) {
    (void)slash, (void)arg;
    return mkdirat(parent, name, 0777) ? wasi_errno(errno) : WASI_ESUCCESS;
}

WASI_FN(path_create_directory) {
    WASI_BEGIN();
    return wasi_result(r, on_entry(w, m, A32(0), WASI_R_PATH_CREATE_DIRECTORY, A32(1), A32(2),
                                   WASI_EEXIST, do_mkdir, NULL));
}

static int do_rmdir(int parent, const char *name, bool slash, void *arg) {
    (void)slash, (void)arg;
    return unlinkat(parent, name, AT_REMOVEDIR) ? wasi_errno(errno) : WASI_ESUCCESS;
}

WASI_FN(path_remove_directory) {
    WASI_BEGIN();
    return wasi_result(r, on_entry(w, m, A32(0), WASI_R_PATH_REMOVE_DIRECTORY, A32(1), A32(2),
                                   WASI_EINVAL, do_rmdir, NULL));
}

static int do_unlink(int parent, const char *name, bool slash, void *arg) {
    (void)arg;
    if (slash) { /* "file/" names a directory or nothing */
        struct stat st;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return wasi_errno(errno);
        return S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENOTDIR;
    }
    return unlinkat(parent, name, 0) ? wasi_errno(errno) : WASI_ESUCCESS;
}

WASI_FN(path_unlink_file) {
    WASI_BEGIN();
    return wasi_result(r, on_entry(w, m, A32(0), WASI_R_PATH_UNLINK_FILE, A32(1), A32(2),
                                   WASI_EISDIR, do_unlink, NULL));
}

static int do_symlink(int parent, const char *name, bool slash, void *arg) {
    (void)slash;
    return symlinkat(arg, parent, name) ? wasi_errno(errno) : WASI_ESUCCESS;
}

/* The link's content is data, but an absolute target could only ever point outside. */
WASI_FN(path_symlink) {
    WASI_BEGIN();
    char *target = NULL;
    int err = get_path(m, A32(0), A32(1), &target);
    if (!err && target[0] == '/') err = WASI_ENOTCAPABLE;
    if (!err)
        err = on_entry(w, m, A32(2), WASI_R_PATH_SYMLINK, A32(3), A32(4), WASI_EEXIST, do_symlink, target);
    free(target);
    return wasi_result(r, err);
}

struct readlink_arg {
    gmem *m;
    uint32_t buf, len, used_ptr;
};

static int do_readlink(int parent, const char *name, bool slash, void *arg) {
    (void)slash;
    struct readlink_arg *a = arg;
    char *tmp = malloc(WASI_MAX_PATH + 1);
    if (!tmp) return WASI_ENOMEM;
    ssize_t n = readlinkat(parent, name, tmp, WASI_MAX_PATH);
    int err = WASI_ESUCCESS;
    if (n < 0) {
        err = wasi_errno(errno);
    } else {
        uint32_t k = (uint32_t)n < a->len ? (uint32_t)n : a->len; /* cut to the guest's buffer */
        memcpy(a->m->base + a->buf, tmp, k);
        g_put32(a->m, a->used_ptr, k);
    }
    free(tmp);
    return err;
}

WASI_FN(path_readlink) {
    WASI_BEGIN();
    struct readlink_arg ra = {m, A32(3), A32(4), A32(5)};
    if (!g_ok(m, ra.buf, ra.len) || !g_ok(m, ra.used_ptr, 4)) return wasi_result(r, WASI_EFAULT);
    return wasi_result(r, on_entry(w, m, A32(0), WASI_R_PATH_READLINK, A32(1), A32(2), WASI_EINVAL,
                                   do_readlink, &ra));
}

/* Resolves a whole path to an O_PATH descriptor (the object itself, or the link when not
 * following), for operations on what a path names rather than on its directory entry. */
static int open_object(weft_wasi *w, gmem *m, uint32_t fd, uint64_t rights, uint32_t flags,
                       uint32_t ptr, uint32_t len, int *out) {
    wasi_fd *d;
    char *path = NULL;
    int err = dir_fd(w, fd, rights, &d);
    if (!err) err = get_path(m, ptr, len, &path);
    if (!err)
        err = wasi_path_open_at(w, d->host, path, len, O_PATH, 0, flags & WASI_LOOKUP_SYMLINK_FOLLOW, out);
    free(path);
    return err;
}

WASI_FN(path_filestat_get) {
    WASI_BEGIN();
    int fd;
    struct stat st;
    if (!g_ok(m, A32(4), 64)) return wasi_result(r, WASI_EFAULT);
    int err = open_object(w, m, A32(0), WASI_R_PATH_FILESTAT_GET, A32(1), A32(2), A32(3), &fd);
    if (err) return wasi_result(r, err);
    if (fstat(fd, &st) != 0)
        err = wasi_errno(errno);
    else
        wasi_put_filestat(m, A32(4), &st);
    close(fd);
    return wasi_result(r, err);
}

static int do_utimens_nofollow(int parent, const char *name, bool slash, void *arg) {
    (void)slash;
    return utimensat(parent, name, arg, AT_SYMLINK_NOFOLLOW) ? wasi_errno(errno) : WASI_ESUCCESS;
}

/* Times are set through /proc/self/fd on the resolved descriptor: the path is not looked up
 * again, so nothing can redirect it. A symlink itself (when not following) is changed through
 * its parent directory with AT_SYMLINK_NOFOLLOW, which follows nothing either. */
WASI_FN(path_filestat_set_times) {
    WASI_BEGIN();
    struct timespec ts[2];
    int fd, err = wasi_times(A64(4), A64(5), A32(6), ts);
    if (!err) err = open_object(w, m, A32(0), WASI_R_PATH_FILESTAT_SET_TIMES, A32(1), A32(2), A32(3), &fd);
    if (err) return wasi_result(r, err);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
        close(fd);
        return wasi_result(r, on_entry(w, m, A32(0), WASI_R_PATH_FILESTAT_SET_TIMES, A32(2), A32(3),
                                       WASI_EINVAL, do_utimens_nofollow, ts));
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (utimensat(AT_FDCWD, proc, ts, 0) != 0) err = wasi_errno(errno);
    close(fd);
    return wasi_result(r, err);
}

/* Both ends of a rename or link: two parents and two names. */
static int two_entries(weft_wasi *w, gmem *m, uint32_t fd1, uint64_t r1, uint32_t p1, uint32_t l1,
                       uint32_t fd2, uint64_t r2, uint32_t p2, uint32_t l2, bool link, bool follow) {
    wasi_fd *d1, *d2;
    char *a = NULL, *b = NULL;
    int par1 = -1, par2 = -1, obj = -1;
    const char *n1, *n2;
    bool s1, s2;
    int err = dir_fd(w, fd1, r1, &d1);
    if (!err) err = dir_fd(w, fd2, r2, &d2);
    if (!err) err = get_path(m, p1, l1, &a);
    if (!err) err = get_path(m, p2, l2, &b);
    if (!err && link && follow)
        err = wasi_path_open_at(w, d1->host, a, l1, O_PATH, 0, true, &obj);
    if (!err) err = open_parent(w, d1->host, a, &par1, &n1, &s1);
    if (!err) err = open_parent(w, d2->host, b, &par2, &n2, &s2);
    if (!err && (is_dot(n1) || is_dot(n2) || !*n1 || !*n2)) err = link ? WASI_EEXIST : WASI_EINVAL;
    if (err) goto done;
    int rc;
    if (!link) {
        rc = renameat(par1, n1, par2, n2);
    } else if (obj >= 0) {
        /* Following: link the object already resolved beneath, by its /proc handle. */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", obj);
        rc = linkat(AT_FDCWD, proc, par2, n2, AT_SYMLINK_FOLLOW);
    } else {
        rc = linkat(par1, n1, par2, n2, 0);
    }
    if (rc != 0) err = wasi_errno(errno);
done:
    if (par1 >= 0) close(par1);
    if (par2 >= 0) close(par2);
    if (obj >= 0) close(obj);
    free(a);
    free(b);
    return err;
}

WASI_FN(path_rename) {
    WASI_BEGIN();
    return wasi_result(r, two_entries(w, m, A32(0), WASI_R_PATH_RENAME_SOURCE, A32(1), A32(2), A32(3),
                                      WASI_R_PATH_RENAME_TARGET, A32(4), A32(5), false, false));
}

WASI_FN(path_link) {
    WASI_BEGIN();
    return wasi_result(r, two_entries(w, m, A32(0), WASI_R_PATH_LINK_SOURCE, A32(2), A32(3), A32(4),
                                      WASI_R_PATH_LINK_TARGET, A32(5), A32(6), true,
                                      A32(1) & WASI_LOOKUP_SYMLINK_FOLLOW));
}
