/* stdio.c: WASI test of the standard streams. One mode per run (argv[1]): read all of stdin,
 * stdin as a pipe, 1 MiB to stdout, interleaved stderr, terminal/fdstat properties, and printf
 * of floats. The harness feeds stdin and checks stdout, stderr and the exit status.
 */
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

static const char *file_type(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno_name(errno);
    if (S_ISREG(st.st_mode))
        return "regular";
    if (S_ISCHR(st.st_mode))
        return "character device";
    if (S_ISDIR(st.st_mode))
        return "directory";
    return "other";
}

/* Reads stdin to the end with read(2) in odd-sized pieces; prints size, lines and checksum. */
static int read_all(int report_position) {
    static unsigned char buf[7777];
    uint64_t h = FNV_INIT;
    long long total = 0, lines = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            printf("read: %s\n", errno_name(errno));
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
        h = fnv1a(h, buf, (size_t)n);
        total += n;
    }
    printf("stdin: %lld bytes, %lld lines, fnv %016llx\n", total, lines, (unsigned long long)h);
    printf("read after EOF: %ld\n", (long)read(0, buf, 1));
    if (report_position) {
        printf("stdin type: %s\n", file_type(0));
        printf("stdin position: %lld\n", (long long)lseek(0, 0, SEEK_CUR));
        printf("stdin rewind: %lld\n", (long long)lseek(0, 0, SEEK_SET));
        ssize_t n = read(0, buf, 5);
        for (ssize_t i = 0; i < n; i++)
            buf[i] = buf[i] == '\n' ? '|' : buf[i];
        printf("reread: %ld \"%.*s\"\n", (long)n, (int)(n > 0 ? n : 0), buf);
    } else {
        show("lseek on pipe", lseek(0, 0, SEEK_CUR));
    }
    return 0;
}

/* fgets line by line, echoing each numbered: exercises stdio buffering over fd_read. */
static int lines_mode(void) {
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin) != NULL)
        printf("%d: %s", ++n, line);
    printf("lines: %d, eof %d, error %d\n", n, feof(stdin) != 0, ferror(stdin) != 0);
    return 0;
}

/* 1 MiB of a fixed pattern through fwrite, in pieces, then one large write(2). */
static int big_output(void) {
    size_t total = 1 << 20, half = total / 2;
    unsigned char *data = malloc(total);
    fill_pattern(data, total, 777);
    size_t off = 0, piece = 1;
    while (off < half) {
        size_t n = piece < half - off ? piece : half - off;
        if (fwrite(data + off, 1, n, stdout) != n)
            return 1;
        off += n;
        piece = piece * 3 + 1;
    }
    fflush(stdout);
    while (off < total) {
        ssize_t w = write(1, data + off, total - off);
        if (w <= 0)
            return 1;
        off += (size_t)w;
    }
    fprintf(stderr, "wrote %zu bytes, fnv %016llx\n", off,
            (unsigned long long)fnv1a(FNV_INIT, data, total));
    free(data);
    return 0;
}

static int stderr_mode(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < 3; i++) {
        printf("out %d\n", i);
        fprintf(stderr, "err %d\n", i);
    }
    /* write(2) straight to fd 2, and a message without a trailing newline */
    write(2, "raw stderr\n", 11);
    fputs("no newline at end", stderr);
    return 5;
}

static int tty_mode(void) {
    for (int fd = 0; fd < 3; fd++) {
        errno = 0;
        int t = isatty(fd);
        printf("fd %d: isatty %d (%s), type %s", fd, t, errno_name(errno), file_type(fd));
        /* stdin's access mode is not printed: WASI hosts may grant it write rights too */
        int fl = fcntl(fd, F_GETFL);
        if (fd > 0)
            printf(", writable %d", fl >= 0 && (fl & O_ACCMODE) != O_RDONLY);
        putchar('\n');
    }
    errno = 0;
    int t = isatty(9);
    printf("isatty on a closed fd: %d (%s)\n", t, errno_name(errno));
    show("fstat on a closed fd", fstat(9, &(struct stat){0}));
    return 0;
}

static int float_mode(void) {
    static const double values[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3.0, 2.0 / 3.0,
                                    123456789.125, 1e-7, 6.02214076e23, 1e300, 5e-324,
                                    2.2250738585072014e-308, DBL_MAX, 0.5, 2.5, 1e21, 1e22};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = values[i];
        printf("%%f %f | %%.3e %.3e | %%g %g | %%.17g %.17g | %%10.4f [%10.4f]\n", v, v, v, v, v);
    }
    printf("%%a 1.0 %a, 0.1 %a, -2.5 %a, 1e300 %a\n", 1.0, 0.1, -2.5, 1e300);
    printf("inf %f %e %g, -inf %f, nan %f, -nan %f\n", INFINITY, INFINITY, INFINITY, -INFINITY,
           NAN, -NAN);
    printf("float %.9g %.9g %.9g\n", (double)1.1f, (double)FLT_MAX, (double)FLT_MIN);
    printf("%%.0f rounding: %.0f %.0f %.0f %.0f\n", 0.5, 1.5, 2.5, -0.5);
    printf("%%.60f of 0.1: %.60f\n", 0.1);
    printf("%%#g %#g %%+e %+e %%08.2f %08.2f %%-9.1f| %-9.1f|\n", 1.0, 3.0, -3.14159, 2.5);
    /* exactly rounded arithmetic, so any correct engine prints the same digits */
    double x = 1.0;
    for (int i = 0; i < 50; i++)
        x = x * 1.1 + 1.0 / (i + 3);
    printf("sum %.17g sqrt2 %.17g fma %.17g\n", x, sqrt(2.0), fma(0.1, 10.0, -1.0));
    printf("strtod: %.17g %.17g %.17g\n", strtod("3.14159265358979323846", NULL),
           strtod("1e-320", NULL), strtod("0x1.8p3", NULL));
    printf("long long %lld %llu %llx, int %d %i %o %x %X %c %s %%\n", -9223372036854775807LL - 1,
           18446744073709551615ULL, 0xdeadbeefcafeULL, -42, 42, 8, 255, 255, 'w', "str");
    printf("widths [%5d] [%-5d] [%05d] [%.3s] [%*d]\n", 42, 42, 42, "abcdef", 6, 7);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "read") == 0)
        return read_all(1);
    if (strcmp(mode, "pipe") == 0)
        return read_all(0);
    if (strcmp(mode, "lines") == 0)
        return lines_mode();
    if (strcmp(mode, "big") == 0)
        return big_output();
    if (strcmp(mode, "stderr") == 0)
        return stderr_mode();
    if (strcmp(mode, "tty") == 0)
        return tty_mode();
    if (strcmp(mode, "float") == 0)
        return float_mode();
    fprintf(stderr, "usage: stdio read|pipe|lines|big|stderr|tty|float\n");
    return 2;
}
