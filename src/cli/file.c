/* file.c: reads module files and plugin inputs into memory for the CLI (the engine itself never
 * opens files). Works for regular files and for pipes such as /dev/stdin; refuses directories,
 * empty modules and files beyond CLI_MAX_FILE_SIZE with a reason the user can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Far beyond any real module; stops a mistaken path (a disk image, /dev/zero) early. */
#define CLI_MAX_FILE_SIZE ((size_t)1 << 30)

static bool read_whole(const char *path, bool allow_empty, uint8_t **out, size_t *out_len,
                       char *err, size_t errlen) {
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat: %s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        goto fail;
    }
    /* Regular files: one allocation of the right size. Pipes: grow as data comes. */
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uint64_t)st.st_size > CLI_MAX_FILE_SIZE) {
            snprintf(err, errlen, "too large (%lld bytes; the limit is %zu)",
                     (long long)st.st_size, CLI_MAX_FILE_SIZE);
            goto fail;
        }
        cap = (size_t)st.st_size + 1; /* +1 sees EOF without another allocation */
        buf = malloc(cap);
        if (buf == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    for (;;) {
        if (len == cap) {
            if (cap >= CLI_MAX_FILE_SIZE) {
                snprintf(err, errlen, "too large (more than %zu bytes)", CLI_MAX_FILE_SIZE);
                goto fail;
            }
            size_t ncap = cap ? 2 * cap : 65536;
            uint8_t *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read: %s", strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len == 0 && !allow_empty) {
        snprintf(err, errlen, "is empty");
        goto fail;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return true;

fail:
    free(buf);
    close(fd);
    return false;
}

bool cli_read_file(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen) {
    return read_whole(path, false, out, out_len, err, errlen);
}

bool cli_read_input(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen) {
    return read_whole(path, true, out, out_len, err, errlen);
}
