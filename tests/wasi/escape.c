/* escape.c: WASI sandbox test: tries every way out of the preopened directory it can think of
 * ("..", absolute paths, symlinks planted by the harness or made by itself, hard links, renames,
 * creation through links) and prints "blocked" for each. Run only under weft: natively these
 * succeed. argv[1]: the preopen's guest path ("." or "/data"); argv[2]: the sentinel's host path.
 * The harness plants the links and checks afterwards that nothing outside changed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define SECRET "TOP-SECRET-7d1f"

static const char *base;
static int failures;

static const char *at(const char *rel) {
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", base, rel);
    return p;
}

/* errno values that mean "refused by the sandbox". An absolute path that names no preopen fails
 * in wasi-libc's lookup with ENOENT before reaching the host, so that is allowed where asked. */
static int refused(int e, int absolute) {
#ifdef ENOTCAPABLE
    if (e == ENOTCAPABLE)
        return 1;
#endif
    return e == EPERM || e == EACCES || (absolute && e == ENOENT);
}

/* Reports a call that must fail: rc < 0 with a refusal errno. */
static void expect_refused(const char *label, long rc, int absolute) {
    int e = errno;
    if (rc >= 0) {
        printf("%s: ESCAPED (call succeeded)\n", label);
        failures++;
    } else if (refused(e, absolute)) {
        printf("%s: blocked\n", label);
        fprintf(stderr, "%s: %s\n", label, errno_name(e));
    } else {
        printf("%s: blocked with unexpected errno %s\n", label, errno_name(e));
        failures++;
    }
}

/* Opening must fail; if it does not, whatever was opened is read and checked for the secret. */
static void try_open(const char *label, const char *path, int flags, int absolute) {
    int fd = open(path, flags, 0644);
    int e = errno;
    if (fd >= 0) {
        char buf[256] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        printf("%s: ESCAPED (opened%s)\n", label,
               n > 0 && strstr(buf, SECRET) ? ", secret read" : "");
        failures++;
        close(fd);
        return;
    }
    errno = e;
    expect_refused(label, -1, absolute);
}

static void must_work(const char *label, long rc) {
    if (rc < 0) {
        printf("%s: FAILED %s\n", label, errno_name(errno));
        failures++;
    } else {
        printf("%s: ok\n", label);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: escape GUEST_DIR SENTINEL_HOST_PATH\n");
        return 2;
    }
    base = argv[1];
    const char *sentinel = argv[2];
    struct stat st;

    puts("== inside the preopen everything works");
    int fd = open(at("inside.txt"), O_RDONLY);
    must_work("open inside.txt", fd);
    close(fd);
    fd = open(at("sub/../inside.txt"), O_RDONLY);
    must_work("open sub/../inside.txt", fd);
    close(fd);
    char target[64];
    must_work("readlink link_out", readlink(at("link_out"), target, sizeof target));
    must_work("lstat link_out", lstat(at("link_out"), &st));

    puts("== reading out");
    try_open("open ../outside.txt", at("../outside.txt"), O_RDONLY, 0);
    try_open("open sub/../../outside.txt", at("sub/../../outside.txt"), O_RDONLY, 0);
    try_open("open ./../outside.txt", at("./../outside.txt"), O_RDONLY, 0);
    try_open("open /etc/passwd", "/etc/passwd", O_RDONLY, 1);
    try_open("open the sentinel's absolute path", sentinel, O_RDONLY, 1);
    try_open("open link_out/secret.txt (relative link out)", at("link_out/secret.txt"), O_RDONLY, 0);
    try_open("open link_abs (absolute link to a file)", at("link_abs"), O_RDONLY, 0);
    try_open("open link_abs_dir/secret.txt", at("link_abs_dir/secret.txt"), O_RDONLY, 0);
    try_open("open sub/link_up/outside.txt", at("sub/link_up/outside.txt"), O_RDONLY, 0);
    try_open("open link_chain (link to a link out)", at("link_chain"), O_RDONLY, 0);
    try_open("open .. as a directory", at(".."), O_RDONLY | O_DIRECTORY, 0);
    try_open("open link_out as a directory", at("link_out"), O_RDONLY | O_DIRECTORY, 0);
    expect_refused("stat ../outside.txt", stat(at("../outside.txt"), &st), 0);
    expect_refused("stat link_out/secret.txt", stat(at("link_out/secret.txt"), &st), 0);
    expect_refused("stat link_abs", stat(at("link_abs"), &st), 0);
    DIR *d = opendir(at(".."));
    expect_refused("opendir ..", d ? 0 : -1, 0);
    if (d)
        closedir(d);
    d = opendir(at("link_out"));
    expect_refused("opendir link_out", d ? 0 : -1, 0);
    if (d)
        closedir(d);
    expect_refused("access ../outside.txt", access(at("../outside.txt"), F_OK), 0);

    /* Links the guest makes itself may be created (their text is just bytes) but never
     * followed out. */
    int made = symlink("../outside.txt", at("mine")) == 0;
    fprintf(stderr, "symlink mine -> ../outside.txt: %s\n", made ? "created" : errno_name(errno));
    if (made)
        try_open("open own symlink to ../outside.txt", at("mine"), O_RDONLY, 0);
    else
        puts("open own symlink to ../outside.txt: blocked");
    made = symlink(sentinel, at("mine_abs")) == 0;
    fprintf(stderr, "symlink mine_abs -> sentinel: %s\n", made ? "created" : errno_name(errno));
    if (made)
        try_open("open own symlink to an absolute path", at("mine_abs"), O_RDONLY, 0);
    else
        puts("open own symlink to an absolute path: blocked");

    puts("== writing out");
    try_open("create ../new_outside.txt", at("../new_outside.txt"), O_CREAT | O_WRONLY, 0);
    try_open("create link_out/new.txt", at("link_out/new.txt"), O_CREAT | O_WRONLY, 0);
    try_open("truncate link_out/secret.txt", at("link_out/secret.txt"), O_WRONLY | O_TRUNC, 0);
    try_open("append to link_abs", at("link_abs"), O_WRONLY | O_APPEND, 0);
    try_open("create through own dangling link", at("mine"), O_CREAT | O_WRONLY, 0);
    expect_refused("mkdir ../newdir", mkdir(at("../newdir"), 0755), 0);
    expect_refused("mkdir link_out/newdir", mkdir(at("link_out/newdir"), 0755), 0);
    expect_refused("unlink ../outside.txt", unlink(at("../outside.txt")), 0);
    expect_refused("unlink link_out/secret.txt", unlink(at("link_out/secret.txt")), 0);
    expect_refused("rmdir ../outside", rmdir(at("../outside")), 0);
    expect_refused("rename inside.txt to ../moved.txt", rename(at("inside.txt"), at("../moved.txt")), 0);
    expect_refused("rename ../outside.txt to stolen.txt", rename(at("../outside.txt"), at("stolen.txt")), 0);
    expect_refused("rename link_out/secret.txt to stolen2.txt",
                   rename(at("link_out/secret.txt"), at("stolen2.txt")), 0);
    expect_refused("link ../outside.txt to hard", link(at("../outside.txt"), at("hard")), 0);
    expect_refused("link link_out/secret.txt to hard2", link(at("link_out/secret.txt"), at("hard2")), 0);
    expect_refused("link inside.txt to ../hard3", link(at("inside.txt"), at("../hard3")), 0);
    expect_refused("truncate link_abs", truncate(at("link_abs"), 0), 0);
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    expect_refused("utimensat ../outside.txt", utimensat(AT_FDCWD, at("../outside.txt"), ts, 0), 0);
    expect_refused("utimensat link_out/secret.txt",
                   utimensat(AT_FDCWD, at("link_out/secret.txt"), ts, 0), 0);
    expect_refused("symlink ../evil", symlink("x", at("../evil")), 0);

    printf("escapes: %d\n", failures);
    return failures ? 1 : 0;
}
