/* files.c: WASI test of regular files in the current directory (a preopen under weft): create,
 * write, read, append, seek, pread/pwrite, readv/writev, truncate, stat, sync, allocate, advise,
 * open flags, fcntl, fd renumbering. Prints one line per check; the same text natively.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef __wasi__
#include <wasi/api.h>
#endif

#include "guest.h"

/* Reads the whole file and prints it quoted on one line (newlines as \n). */
static void print_file(const char *label, const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s\n", label, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("%s: read %s\n", label, errno_name(errno));
        return;
    }
    printf("%s: \"", label);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            fputs("\\n", stdout);
        else if (buf[i] == '\0')
            fputs("\\0", stdout);
        else
            putchar(buf[i]);
    }
    printf("\" (%ld bytes)\n", (long)n);
}

static long long file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (long long)st.st_size;
}

static void basic_io(void) {
    puts("== create, write, read, append");
    write_text("a.txt", "hello world\n");
    print_file("read", "a.txt");
    int fd = open("a.txt", O_WRONLY | O_APPEND);
    show("open append", fd);
    printf("append write: %ld\n", (long)write(fd, "second line\n", 12));
    printf("position after append: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    print_file("after append", "a.txt");

    fd = open("a.txt", O_WRONLY | O_TRUNC);
    show("open O_TRUNC", fd);
    printf("size after O_TRUNC: %lld\n", file_size("a.txt"));
    close(fd);
    write_text("a.txt", "hello world\nsecond line\n");
}

static void seek_tell(void) {
    puts("== seek, tell, holes");
    char buf[128] = {0};
    int fd = open("a.txt", O_RDWR);
    printf("lseek SET 6: %lld\n", (long long)lseek(fd, 6, SEEK_SET));
    int got = (int)read(fd, buf, 5);
    printf("read 5: \"%.*s\"\n", got, buf);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek CUR +1: %lld\n", (long long)lseek(fd, 1, SEEK_CUR));
    printf("lseek END -5: %lld\n", (long long)lseek(fd, -5, SEEK_END));
    ssize_t n = read(fd, buf, sizeof buf);
    printf("read to end: %ld bytes, \"%.4s\"\n", (long)n, buf);
    printf("read at EOF: %ld\n", (long)read(fd, buf, sizeof buf));
    printf("lseek SET 100: %lld\n", (long long)lseek(fd, 100, SEEK_SET));
    printf("write X at 100: %ld\n", (long)write(fd, "X", 1));
    printf("size with hole: %lld\n", file_size("a.txt"));
    lseek(fd, 24, SEEK_SET);
    n = read(fd, buf, sizeof buf);
    int zeros = 0;
    for (ssize_t i = 0; i < n; i++)
        zeros += buf[i] == 0;
    printf("hole read: %ld bytes, %d zero, last '%c'\n", (long)n, zeros, n > 0 && buf[n - 1] ? buf[n - 1] : '?');
    close(fd);
}

static void positional(void) {
    puts("== pread, pwrite");
    char buf[16] = {0};
    int fd = open("a.txt", O_RDWR);
    lseek(fd, 3, SEEK_SET);
    printf("pwrite HELLO at 0: %ld\n", (long)pwrite(fd, "HELLO", 5, 0));
    printf("position unchanged: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    long n = (long)pread(fd, buf, 5, 0);
    printf("pread 5 at 0: %ld \"%.5s\"\n", n, buf);
    n = (long)pread(fd, buf, 6, 12);
    printf("pread at 12: %ld \"%.6s\"\n", n, buf);
    printf("pread past EOF: %ld\n", (long)pread(fd, buf, 5, 5000));
    printf("pwrite past EOF at 200: %ld\n", (long)pwrite(fd, "Z", 1, 200));
    printf("size: %lld\n", file_size("a.txt"));
    printf("position still: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
}

static void vectored(void) {
    puts("== readv, writev");
    int fd = open("v.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    struct iovec out[3] = {{"alpha ", 6}, {"", 0}, {"beta gamma", 10}};
    printf("writev: %ld\n", (long)writev(fd, out, 3));
    lseek(fd, 0, SEEK_SET);
    char a[4], b[32] = {0};
    struct iovec in[2] = {{a, sizeof a}, {b, sizeof b}};
    ssize_t n = readv(fd, in, 2);
    printf("readv: %ld \"%.4s\" \"%s\"\n", (long)n, a, b);
    close(fd);
}

/* 1024 iovecs (IOV_MAX) in one call each way, and offsets past 4 GiB (64-bit all the way). */
static void limits_of_io(void) {
    puts("== 1024 iovecs, offsets past 4 GiB");
    static char bytes[1024];
    static struct iovec iov[1024];
    for (int i = 0; i < 1024; i++) {
        bytes[i] = (char)('a' + i % 26);
        iov[i].iov_base = &bytes[i];
        iov[i].iov_len = 1;
    }
    int fd = open("iov.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    printf("writev 1024 iovecs: %ld\n", (long)writev(fd, iov, 1024));
    memset(bytes, 0, sizeof bytes);
    lseek(fd, 0, SEEK_SET);
    long n = (long)readv(fd, iov, 1024);
    printf("readv 1024 iovecs: %ld, bytes[1000] '%c'\n", n, bytes[1000]);
    close(fd);

    fd = open("sparse.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t far = (off_t)5 << 30; /* 5 GiB: needs all 64 bits of the offset */
    printf("pwrite at 5 GiB: %ld\n", (long)pwrite(fd, "far", 3, far));
    struct stat st;
    fstat(fd, &st);
    printf("size: %lld\n", (long long)st.st_size);
    char buf[4] = {0};
    n = (long)pread(fd, buf, 3, far);
    printf("pread at 5 GiB: %ld \"%s\"\n", n, buf);
    printf("lseek END: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek to 4 GiB + 1: %lld\n", (long long)lseek(fd, ((off_t)4 << 30) + 1, SEEK_SET));
    show("ftruncate to 0", ftruncate(fd, 0));
    close(fd);
    unlink("sparse.bin");
}

static void truncation(void) {
    puts("== ftruncate, truncate");
    int fd = open("a.txt", O_RDWR);
    show("ftruncate 8", ftruncate(fd, 8));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size: %lld\n", (long long)st.st_size);
    show("ftruncate 20000", ftruncate(fd, 20000));
    fstat(fd, &st);
    printf("fstat size: %lld\n", (long long)st.st_size);
    char buf[8];
    long n = (long)pread(fd, buf, 8, 10000);
    printf("pread in extension: %ld, zero: %s\n", n, memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0 ? "yes" : "no");
    close(fd);
    show("truncate path 3", truncate("a.txt", 3));
    print_file("after truncate", "a.txt");
}

static void stats(void) {
    puts("== stat, fstat, lstat");
    write_text("s.txt", "0123456789");
    struct stat st, lst, fst;
    show("stat", stat("s.txt", &st));
    printf("size %lld, regular %d, dir %d, nlink %ld\n", (long long)st.st_size, S_ISREG(st.st_mode),
           S_ISDIR(st.st_mode), (long)st.st_nlink);
    show("lstat", lstat("s.txt", &lst));
    printf("lstat same inode: %s\n", lst.st_ino == st.st_ino ? "yes" : "no");
    int fd = open("s.txt", O_RDONLY);
    show("fstat", fstat(fd, &fst));
    printf("fstat same inode and dev: %s\n",
           fst.st_ino == st.st_ino && fst.st_dev == st.st_dev ? "yes" : "no");
    close(fd);
    show("stat .", stat(".", &st));
    printf(". is dir: %d\n", S_ISDIR(st.st_mode));

    /* An unlinked file stays readable through an open descriptor. */
    fd = open("s.txt", O_RDONLY);
    show("unlink open file", unlink("s.txt"));
    char buf[16] = {0};
    long got = (long)read(fd, buf, sizeof buf - 1);
    printf("read after unlink: %ld \"%s\"\n", got, buf);
    fstat(fd, &fst);
    printf("nlink after unlink: %ld\n", (long)fst.st_nlink);
    close(fd);
    printf("stat after unlink: %s\n", stat("s.txt", &st) == 0 ? "exists" : errno_name(errno));
}

static void sync_alloc_advise(void) {
    puts("== fsync, fdatasync, posix_fallocate, posix_fadvise");
    int fd = open("b.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "data", 4);
    show("fsync", fsync(fd));
    show("fdatasync", fdatasync(fd));
    show_err("posix_fallocate 0..65536", posix_fallocate(fd, 0, 65536));
    printf("size: %lld\n", file_size("b.bin"));
    show_err("posix_fallocate 0..10 (no shrink)", posix_fallocate(fd, 0, 10));
    printf("size: %lld\n", file_size("b.bin"));
    char buf[4];
    printf("data kept: %s\n", pread(fd, buf, 4, 0) == 4 && memcmp(buf, "data", 4) == 0 ? "yes" : "no");
    show_err("posix_fadvise SEQUENTIAL", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    show_err("posix_fadvise DONTNEED", posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED));
    show_err("posix_fadvise bad advice", posix_fadvise(fd, 0, 0, 99));
    close(fd);
}

static void open_flags(void) {
    puts("== open flags");
    show("O_EXCL on existing", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    int fd = open("new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
    show("O_EXCL on new", fd);
    close(fd);
    show("O_DIRECTORY on file", open("a.txt", O_RDONLY | O_DIRECTORY));
    show("missing file", open("missing.txt", O_RDONLY));
    show("missing dir in path", open("nodir/x.txt", O_RDONLY));
    show("file as dir in path", open("a.txt/x", O_RDONLY));
    mkdir("d", 0755);
    fd = open("d", O_RDONLY);
    show("open dir O_RDONLY", fd);
    char buf[8];
    show("read from dir", read(fd, buf, sizeof buf));
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY);
    show("open dir O_DIRECTORY", fd);
    close(fd);
    show("open dir O_WRONLY", open("d", O_WRONLY));
    fd = open("a.txt", O_RDONLY);
    show("write to O_RDONLY fd", write(fd, "x", 1));
    close(fd);
    fd = open("a.txt", O_WRONLY);
    show("read from O_WRONLY fd", read(fd, buf, 1));
    close(fd);
}

static void fcntl_flags(void) {
    puts("== fcntl");
    write_text("f.txt", "abc");
    int fd = open("f.txt", O_RDWR);
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL: rdwr %d, append %d\n", (fl & O_ACCMODE) == O_RDWR, (fl & O_APPEND) != 0);
    show("F_SETFL O_APPEND", fcntl(fd, F_SETFL, fl | O_APPEND));
    fl = fcntl(fd, F_GETFL);
    printf("F_GETFL: rdwr %d, append %d\n", (fl & O_ACCMODE) == O_RDWR, (fl & O_APPEND) != 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "def", 3);
    close(fd);
    print_file("appended via fcntl", "f.txt");
    fd = open("f.txt", O_WRONLY);
    write(fd, "XY", 2);
    close(fd);
    print_file("overwritten without append", "f.txt");
    fd = open("f.txt", O_RDONLY);
    int fdfl = fcntl(fd, F_GETFD);
    printf("F_GETFD: %s\n", fdfl >= 0 ? "ok" : errno_name(errno));
    close(fd);
}

/* fd_renumber is WASI's dup2-and-close; natively the same effect is dup2 then close. */
static int renumber(int from, int to) {
#ifdef __wasi__
    __wasi_errno_t e = __wasi_fd_renumber((__wasi_fd_t)from, (__wasi_fd_t)to);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return 0;
#else
    if (dup2(from, to) < 0)
        return -1;
    return close(from);
#endif
}

static void renumbering(void) {
    puts("== renumber");
    write_text("r1.txt", "one");
    write_text("r2.txt", "two");
    int a = open("r1.txt", O_RDONLY), b = open("r2.txt", O_RDONLY);
    char buf[8] = {0};
    show("renumber a onto b", renumber(a, b));
    printf("read b: %ld \"%s\"\n", (long)read(b, buf, 7), buf);
    show("read a after renumber", read(a, buf, 1));
    show("close a after renumber", close(a));
    show("close b", close(b));
    show("close b twice", close(b));
}

static void large(void) {
    puts("== 1 MiB in odd chunks");
    size_t total = 1 << 20;
    unsigned char *data = malloc(total), *back = malloc(total);
    fill_pattern(data, total, 12345);
    int fd = open("big.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    size_t off = 0, chunk = 1;
    while (off < total) {
        size_t n = chunk < total - off ? chunk : total - off;
        ssize_t w = write(fd, data + off, n);
        if (w <= 0)
            break;
        off += (size_t)w;
        chunk = chunk * 7 + 3;
    }
    printf("written: %zu\n", off);
    lseek(fd, 0, SEEK_SET);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, back + got, total - got < 65521 ? total - got : 65521);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    printf("read back: %zu, equal: %s, fnv %016llx\n", got,
           got == total && memcmp(data, back, total) == 0 ? "yes" : "no",
           (unsigned long long)fnv1a(FNV_INIT, back, got));
    close(fd);
    free(data);
    free(back);
}

int main(void) {
    basic_io();
    seek_tell();
    positional();
    vectored();
    limits_of_io();
    truncation();
    stats();
    sync_alloc_advise();
    open_flags();
    fcntl_flags();
    renumbering();
    large();
    puts("done");
    return 0;
}
