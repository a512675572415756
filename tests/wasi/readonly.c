/* readonly.c: WASI test of a read-only preopen (weft --dir-ro DIR::.): reading, listing, stat
 * and readlink work; every way of creating, writing, truncating, renaming, linking, deleting or
 * retiming fails, also beneath subdirectories and through descriptors opened for reading.
 * The harness fills the directory first and checks afterwards that nothing in it changed.
 * Mode "stdio" tries the same through fds 0-2. Run only under weft (natively, as root, nothing
 * would be refused).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __wasi__
#include <wasi/api.h>
#endif

#include "guest.h"

static int failures;

static void must_fail(const char *label, long rc) {
    int e = errno;
    if (rc >= 0) {
        printf("%s: SUCCEEDED\n", label);
        failures++;
        return;
    }
    int ok = e == EPERM || e == EACCES || e == EROFS || e == EBADF || e == ENOTDIR;
#ifdef ENOTCAPABLE
    ok = ok || e == ENOTCAPABLE;
#endif
    if (ok) {
        printf("%s: refused\n", label);
        fprintf(stderr, "%s: %s\n", label, errno_name(e));
    } else {
        printf("%s: refused with unexpected errno %s\n", label, errno_name(e));
        failures++;
    }
}

/* An open for writing that succeeds is a violation already; the write tried through it then
 * tells how bad (the harness's snapshot of the directory is the final word). */
static void must_fail_open(const char *label, const char *path, int flags) {
    int fd = open(path, flags, 0644);
    must_fail(label, fd);
    if (fd >= 0) {
        ssize_t n = write(fd, "x", 1);
        printf("  and a write through it: %s\n", n == 1 ? "WROTE" : errno_name(errno));
        close(fd);
    }
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: FAILED %s\n", path, errno_name(errno));
        failures++;
        return;
    }
    char *names[32];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 32)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    printf("list %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    putchar('\n');
}

#ifdef __wasi__
/* Mode "stdio": the standard descriptors must never act as directories, even when weft itself
 * was started with one of them closed (the harness runs this with 0<&-, 1>&- and 2>&-, when the
 * preopen may land on that host descriptor number). */
static int stdio_mode(void) {
    for (__wasi_fd_t fd = 0; fd < 3; fd++) {
        char label[64];
        __wasi_fd_t out;
        snprintf(label, sizeof label, "fd %u: create a file", fd);
        errno = __wasi_path_open(fd, 0, "via_stdio", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0,
                                 0, &out);
        must_fail(label, errno ? -1 : 0);
        snprintf(label, sizeof label, "fd %u: truncate file.txt", fd);
        errno = __wasi_path_open(fd, 0, "file.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0, 0,
                                 &out);
        must_fail(label, errno ? -1 : 0);
        snprintf(label, sizeof label, "fd %u: mkdir", fd);
        errno = __wasi_path_create_directory(fd, "dir_via_stdio");
        must_fail(label, errno ? -1 : 0);
        snprintf(label, sizeof label, "fd %u: unlink file.txt", fd);
        errno = __wasi_path_unlink_file(fd, "file.txt");
        must_fail(label, errno ? -1 : 0);
        snprintf(label, sizeof label, "fd %u: rename file.txt", fd);
        errno = __wasi_path_rename(fd, "file.txt", fd, "moved.txt");
        must_fail(label, errno ? -1 : 0);
    }
    printf("violations: %d\n", failures);
    return failures ? 1 : 0;
}
#endif

int main(int argc, char **argv) {
#ifdef __wasi__
    if (argc > 1 && strcmp(argv[1], "stdio") == 0)
        return stdio_mode();
#endif
    (void)argv;
    puts("== reading works");
    char buf[64] = {0};
    int fd = open("file.txt", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    printf("read file.txt: %s\n", n >= 0 ? buf : errno_name(errno));
    list(".");
    list("sub");
    struct stat st;
    printf("stat file.txt: %s, size %lld\n", stat("file.txt", &st) == 0 ? "ok" : errno_name(errno),
           (long long)st.st_size);
    n = readlink("sym", buf, sizeof buf);
    printf("readlink sym: %.*s\n", (int)(n > 0 ? n : 0), buf);
    int fd2 = open("sym", O_RDONLY);
    memset(buf, 0, sizeof buf);
    n = fd2 >= 0 ? read(fd2, buf, sizeof buf - 1) : -1;
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    printf("read through sym: %s\n", n >= 0 ? buf : errno_name(errno));
    close(fd2);
    printf("pread: %ld\n", (long)pread(fd, buf, 4, 0));

    puts("== writing fails");
    must_fail_open("open O_WRONLY", "file.txt", O_WRONLY);
    must_fail_open("open O_RDWR", "file.txt", O_RDWR);
    must_fail_open("open O_RDONLY|O_TRUNC", "file.txt", O_RDONLY | O_TRUNC);
    must_fail_open("open O_WRONLY|O_APPEND", "file.txt", O_WRONLY | O_APPEND);
    must_fail_open("create new.txt", "new.txt", O_CREAT | O_WRONLY);
    must_fail_open("create new.txt O_EXCL", "new.txt", O_CREAT | O_EXCL | O_RDONLY);
    must_fail_open("open sub/a.txt O_WRONLY", "sub/a.txt", O_WRONLY);
    must_fail_open("create sub/new.txt", "sub/new.txt", O_CREAT | O_WRONLY);
    must_fail_open("open through sym O_WRONLY", "sym", O_WRONLY);
    must_fail("write on a read descriptor", write(fd, "x", 1));
    must_fail("pwrite on a read descriptor", pwrite(fd, "x", 1, 0));
    must_fail("ftruncate on a read descriptor", ftruncate(fd, 0));
    errno = posix_fallocate(fd, 0, 100000);
    must_fail("posix_fallocate on a read descriptor", errno ? -1 : 0);
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    must_fail("futimens on a read descriptor", futimens(fd, ts));
    must_fail("utimensat file.txt", utimensat(AT_FDCWD, "file.txt", ts, 0));
    must_fail("truncate file.txt", truncate("file.txt", 0));
    must_fail("unlink file.txt", unlink("file.txt"));
    must_fail("unlink sub/a.txt", unlink("sub/a.txt"));
    must_fail("rmdir empty", rmdir("empty"));
    must_fail("mkdir newdir", mkdir("newdir", 0755));
    must_fail("mkdir sub/newdir", mkdir("sub/newdir", 0755));
    must_fail("rename file.txt", rename("file.txt", "moved.txt"));
    must_fail("rename sub/a.txt to top", rename("sub/a.txt", "a.txt"));
    must_fail("link file.txt", link("file.txt", "hard"));
    must_fail("symlink", symlink("file.txt", "newlink"));
    must_fail("unlink sym", unlink("sym"));

    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    printf("open sub as a directory: %s\n", dfd >= 0 ? "ok" : errno_name(errno));
    int sfd = openat(dfd, "a.txt", O_WRONLY);
    must_fail("openat(sub, a.txt, O_WRONLY)", sfd);
    if (sfd >= 0) {
        ssize_t w = write(sfd, "x", 1);
        printf("  and a write through it: %s\n", w == 1 ? "WROTE" : errno_name(errno));
        close(sfd);
    }
    must_fail("mkdirat(sub, x)", mkdirat(dfd, "x", 0755));
    must_fail("unlinkat(sub, a.txt)", unlinkat(dfd, "a.txt", 0));
    close(dfd);

#ifdef __wasi__
    /* Rights can only be dropped, never gained: asking the preopen (fd 3) for every right must
     * fail, and a raw path_open asking for write rights too. */
    errno = __wasi_fd_fdstat_set_rights(3, ~(__wasi_rights_t)0, ~(__wasi_rights_t)0);
    must_fail("fd_fdstat_set_rights to all", errno ? -1 : 0);
    __wasi_fd_t out;
    errno = __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &out);
    must_fail("raw path_open with fd_write", errno ? -1 : 0);
    if (errno == 0) {
        __wasi_fdstat_t fs;
        __wasi_size_t written = 0;
        __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
        int has_right = __wasi_fd_fdstat_get(out, &fs) == 0 &&
                        (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0;
        errno = __wasi_fd_write(out, &iov, 1, &written);
        printf("  fd_write right granted: %s; fd_write: %s\n", has_right ? "YES" : "no",
               errno == 0 ? "WROTE" : errno_name(errno));
    }
    errno = __wasi_path_open(3, 0, "raw.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0,
                             &out);
    must_fail("raw path_open O_CREAT", errno ? -1 : 0);
#endif
    close(fd);
    printf("violations: %d\n", failures);
    return failures ? 1 : 0;
}
