/* guest.h: helpers shared by the WASI test programs in tests/wasi/, which are built both for
 * wasm32-wasi and natively. Owns what must print identically on both targets (errno names,
 * checksums, the "label: result" line format); it holds no test logic of its own.
 */
#ifndef WEFT_TEST_GUEST_H
#define WEFT_TEST_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* errno values differ between WASI and Linux, so programs print names, never numbers. A table,
 * not a switch: some names share a value on one target (EAGAIN/EWOULDBLOCK, ENOTSUP/EOPNOTSUPP). */
static inline const char *errno_name(int e) {
    static const struct { int value; const char *name; } names[] = {
        {0, "OK"},
        {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"},
        {EIO, "EIO"}, {ENXIO, "ENXIO"}, {EBADF, "EBADF"}, {EAGAIN, "EAGAIN"},
        {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"}, {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"},
        {EEXIST, "EEXIST"}, {EXDEV, "EXDEV"}, {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"},
        {ENOTTY, "ENOTTY"}, {EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
        {EROFS, "EROFS"}, {EMLINK, "EMLINK"}, {EPIPE, "EPIPE"}, {ERANGE, "ERANGE"},
        {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOSYS, "ENOSYS"}, {ENOTEMPTY, "ENOTEMPTY"},
        {ELOOP, "ELOOP"}, {EOVERFLOW, "EOVERFLOW"}, {ENOTSOCK, "ENOTSOCK"},
        {ENOTSUP, "ENOTSUP"}, {ENOTCONN, "ENOTCONN"}, {ECONNRESET, "ECONNRESET"},
        {ETIMEDOUT, "ETIMEDOUT"}, {EILSEQ, "EILSEQ"},
#ifdef ENOTCAPABLE
        {ENOTCAPABLE, "ENOTCAPABLE"},
#endif
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].value == e)
            return names[i].name;
    static char other[32];
    snprintf(other, sizeof other, "errno(%d)", e);
    return other;
}

/* "label: ok" when rc >= 0, else "label: ENAME" from errno. Returns rc. */
static inline long show(const char *label, long rc) {
    if (rc >= 0)
        printf("%s: ok\n", label);
    else
        printf("%s: %s\n", label, errno_name(errno));
    return rc;
}

/* For calls that return an error number instead of setting errno (posix_fallocate, ...). */
static inline int show_err(const char *label, int err) {
    printf("%s: %s\n", label, err == 0 ? "ok" : errno_name(err));
    return err;
}

/* 64-bit FNV-1a: a checksum that is the same on every target, for printing large data. */
static inline uint64_t fnv1a(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

/* A deterministic byte pattern (xorshift32), so large files need no stored fixture. */
static inline void fill_pattern(unsigned char *buf, size_t len, uint32_t seed) {
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
}

/* Creates or replaces path with text; a failure ends the program (it is the test's setup). */
static inline void write_text(const char *path, const char *text) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0) {
        printf("write_text %s: %s\n", path, errno_name(errno));
        exit(1);
    }
}

#endif
