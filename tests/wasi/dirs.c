/* dirs.c: WASI test of directories and links in the current directory (a preopen under weft):
 * mkdir/rmdir, rename, hard links, symlinks and readlink, readdir (sorted) with telldir/seekdir,
 * 300 entries with long names (fd_readdir cookies, small buffers), timestamps, chdir, access.
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

#define MANY 300

static void print_file(const char *label, const char *path) {
    char buf[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", label, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = '\0';
    printf("%s: \"%s\"\n", label, buf);
}

/* Entries are "T name"; order them by name. */
static int cmp_entry(const void *a, const void *b) {
    return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

static char type_letter(unsigned char t) {
    switch (t) {
    case DT_REG: return 'f';
    case DT_DIR: return 'd';
    case DT_LNK: return 'l';
    default: return '?';
    }
}

/* Prints a directory's entries sorted, each with its d_type; "." and ".." are reported apart
 * since their presence is a property of the listing too. */
static void list_dir(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL) {
        printf("opendir %s: %s\n", path, errno_name(errno));
        return;
    }
    char *names[64];
    int n = 0, dots = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            continue;
        }
        if (n < 64) {
            names[n] = malloc(strlen(e->d_name) + 3);
            names[n][0] = type_letter(e->d_type);
            names[n][1] = ' ';
            strcpy(names[n] + 2, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_entry);
    printf("listing %s (%d entries, . and ..: %s):", path, n, dots == 2 ? "yes" : "no");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    putchar('\n');
}

static void make_and_remove(void) {
    puts("== mkdir, rmdir");
    show("mkdir top", mkdir("top", 0755));
    show("mkdir top again", mkdir("top", 0755));
    show("mkdir top/sub", mkdir("top/sub", 0755));
    show("mkdir top/sub/deeper", mkdir("top/sub/deeper", 0755));
    show("mkdir missing/parent", mkdir("missing/parent", 0755));
    show("mkdir trailing slash", mkdir("top/slash/", 0755));
    show("rmdir trailing slash", rmdir("top/slash/"));
    write_text("top/f1", "first");
    write_text("top/sub/f2", "second");
    struct stat st;
    show("stat top", stat("top", &st));
    printf("top is dir: %d\n", S_ISDIR(st.st_mode));
    list_dir("top");
    list_dir("top/sub");
    show("rmdir top/sub/deeper", rmdir("top/sub/deeper"));
    show("rmdir non-empty", rmdir("top/sub"));
    show("rmdir a file", rmdir("top/f1"));
    show("unlink a dir", unlink("top/sub"));
    show("rmdir missing", rmdir("top/nothing"));
}

static void renames(void) {
    puts("== rename");
    show("rename file in dir", rename("top/f1", "top/f1b"));
    show("rename across dirs", rename("top/f1b", "top/sub/f1"));
    print_file("moved file", "top/sub/f1");
    write_text("top/victim", "old");
    write_text("top/winner", "new");
    show("rename over existing file", rename("top/winner", "top/victim"));
    print_file("replaced", "top/victim");
    show("rename dir", rename("top/sub", "top/sub2"));
    list_dir("top/sub2");
    show("rename missing", rename("top/none", "top/x"));
    mkdir("top/empty", 0755);
    show("rename dir onto empty dir", rename("top/empty", "top/sub2/../e2"));
    show("rename dir onto non-empty dir", rename("top/e2", "top/sub2"));
    show("rename file onto dir", rename("top/victim", "top/e2"));
    show("rename dir onto file", rename("top/e2", "top/victim"));
    show("rename dir into itself", rename("top/sub2", "top/sub2/inner"));
    list_dir("top");
}

static void links(void) {
    puts("== hard links, symlinks");
    struct stat a, b;
    show("link", link("top/victim", "top/hard"));
    stat("top/victim", &a);
    stat("top/hard", &b);
    printf("nlink %ld %ld, same inode: %s\n", (long)a.st_nlink, (long)b.st_nlink,
           a.st_ino == b.st_ino ? "yes" : "no");
    write_text("top/hard", "through hard link");
    print_file("read original", "top/victim");
    show("link onto existing", link("top/victim", "top/hard"));
    show("link to dir", link("top/sub2", "top/sub2link"));

    show("symlink", symlink("victim", "top/sym"));
    char buf[64];
    ssize_t n = readlink("top/sym", buf, sizeof buf);
    printf("readlink: %ld \"%.*s\"\n", (long)n, (int)(n > 0 ? n : 0), buf);
    n = readlink("top/sym", buf, 3);
    printf("readlink short buffer: %ld \"%.*s\"\n", (long)n, (int)(n > 0 ? n : 0), buf);
    show("readlink of a file", readlink("top/victim", buf, sizeof buf));
    show("lstat sym", lstat("top/sym", &a));
    printf("lstat: link %d, size %lld\n", S_ISLNK(a.st_mode), (long long)a.st_size);
    show("stat sym", stat("top/sym", &b));
    printf("stat: regular %d, size %lld\n", S_ISREG(b.st_mode), (long long)b.st_size);
    print_file("read through symlink", "top/sym");
    show("symlink onto existing", symlink("x", "top/sym"));

    show("symlink to dir", symlink("sub2", "top/dirlink"));
    print_file("read via dir symlink", "top/dirlink/f1");
    show("symlink dangling", symlink("nowhere", "top/dangling"));
    show("stat dangling", stat("top/dangling", &a));
    show("lstat dangling", lstat("top/dangling", &a));
    show("open dangling", open("top/dangling", O_RDONLY));
    int fd = open("top/dangling", O_CREAT | O_WRONLY, 0644);
    show("create through dangling symlink", fd);
    close(fd);
    show("open symlink O_NOFOLLOW", open("top/sym", O_RDONLY | O_NOFOLLOW));
    show("symlink chain", symlink("sym", "top/sym2"));
    print_file("read through chain", "top/sym2");
    show("self loop", symlink("loop", "top/loop"));
    show("open loop", open("top/loop", O_RDONLY));
    show("unlink symlink", unlink("top/sym2"));
    show("target survives", stat("top/sym", &a));
    show("unlink dir symlink", unlink("top/dirlink"));
    list_dir("top");
}

static void times(void) {
    puts("== timestamps");
    write_text("top/t", "time");
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    show("utimensat", utimensat(AT_FDCWD, "top/t", ts, 0));
    struct stat st;
    stat("top/t", &st);
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    int fd = open("top/t", O_RDWR);
    struct timespec ts2[2] = {{0, UTIME_OMIT}, {1300000000, 5}};
    show("futimens omit atime", futimens(fd, ts2));
    fstat(fd, &st);
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    /* "now" straight through fd_filestat_set_times under WASI: the 2022 wasi-libc's futimens
     * rejects UTIME_NOW (EINVAL) and sets the times to 0 for NULL, before the host sees them */
#ifdef __wasi__
    errno = __wasi_fd_filestat_set_times((__wasi_fd_t)fd, 0, 0,
                                         __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW);
    show("futimens now", errno ? -1 : 0);
#else
    show("futimens now", futimens(fd, NULL));
#endif
    fstat(fd, &st);
    printf("mtime now is after 2020: %s\n", st.st_mtim.tv_sec > 1577836800 ? "yes" : "no");
    close(fd);
    symlink("t", "top/tlink");
    struct stat target_before, link_st;
    stat("top/t", &target_before);
    struct timespec ts3[2] = {{1100000000, 0}, {1100000000, 0}};
    show("utimensat nofollow", utimensat(AT_FDCWD, "top/tlink", ts3, AT_SYMLINK_NOFOLLOW));
    lstat("top/tlink", &link_st);
    stat("top/t", &st);
    printf("link mtime %lld, target mtime unchanged: %s\n", (long long)link_st.st_mtim.tv_sec,
           st.st_mtim.tv_sec == target_before.st_mtim.tv_sec ? "yes" : "no");
    show("utimensat missing", utimensat(AT_FDCWD, "top/none", ts, 0));
}

static void many(void) {
    puts("== 300 entries");
    mkdir("many", 0755);
    char name[300];
    for (int i = 0; i < MANY; i++) {
        /* names of 10 to 206 bytes, so fd_readdir needs many calls and some entries straddle
         * the end of a buffer */
        int len = snprintf(name, sizeof name, "many/f%03d_", i);
        int pad = (i * 37) % 197;
        for (int k = 0; k < pad; k++)
            name[len++] = (char)('a' + (i + k) % 26);
        name[len] = '\0';
        write_text(name, "x");
    }
    DIR *d = opendir("many");
    unsigned char seen[MANY] = {0};
    int count = 0, dupes = 0, bad = 0;
    struct dirent *e;
    long pos100 = -1;
    char after100[300] = "";
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        int i = atoi(e->d_name + 1);
        if (i < 0 || i >= MANY || e->d_type != DT_REG) {
            bad++;
            continue;
        }
        if (seen[i]++)
            dupes++;
        count++;
        if (count == 100)
            pos100 = telldir(d);
        else if (count == 101)
            snprintf(after100, sizeof after100, "%s", e->d_name);
    }
    int missing = 0;
    for (int i = 0; i < MANY; i++)
        missing += !seen[i];
    printf("readdir: %d found, %d missing, %d duplicates, %d bad\n", count, missing, dupes, bad);

    /* Going back to a remembered position must give the same next entry (seekdir uses the
     * fd_readdir cookie). */
    seekdir(d, pos100);
    e = readdir(d);
    while (e != NULL && e->d_name[0] == '.')
        e = readdir(d);
    printf("seekdir back to 100: same next entry: %s\n",
           e != NULL && strcmp(e->d_name, after100) == 0 ? "yes" : "no");
    write_text("many/zz_added_after_opendir", "x");
    rewinddir(d);
    int again = 0;
    while ((e = readdir(d)) != NULL)
        again += e->d_name[0] != '.';
    printf("after a new file and rewinddir: %d\n", again);
    closedir(d);

    d = opendir("many");
    int removed = 0;
    char path[320];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "many/%s", e->d_name);
        removed += unlink(path) == 0;
    }
    closedir(d);
    printf("removed while listing: %d\n", removed);
    /* Deleting while iterating may hide entries on some filesystems; finish the job. */
    d = opendir("many");
    int left = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "many/%s", e->d_name);
        left += unlink(path) == 0;
    }
    closedir(d);
    printf("removed in second pass: %d\n", left);
    show("rmdir many", rmdir("many"));
}

/* Names are bytes: UTF-8, spaces; paths with "//" and "./" segments; a deep tree. */
static void names_and_paths(void) {
    puts("== names and paths");
    show("mkdir names", mkdir("names", 0755));
    write_text("names/h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93.txt", "unicode");
    write_text("names/ spaces and 'quotes' ", "spaces");
    write_text("names/.hidden", "dot");
    list_dir("names");
    print_file("read unicode name", "names/h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93.txt");
    print_file("read through // and ./", "names//./.hidden");
    print_file("read through dir/../", "names/../names/.hidden");
    char path[1200] = "deep";
    show("mkdir deep", mkdir(path, 0755));
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        strcat(path, "/d");
        ok &= mkdir(path, 0755) == 0;
    }
    printf("100 nested dirs: %s, path length %zu\n", ok ? "ok" : errno_name(errno), strlen(path));
    strcat(path, "/leaf.txt");
    write_text(path, "deep leaf");
    print_file("read deep leaf", path);
}

static void cwd_and_access(void) {
    puts("== chdir, access, fdopendir");
    show("access F_OK", access("top/victim", F_OK));
    show("access R_OK|W_OK", access("top/victim", R_OK | W_OK));
    show("access missing", access("top/none", F_OK));
    show("chdir top/sub2", chdir("top/sub2"));
    print_file("relative after chdir", "f1");
    print_file("dotdot after chdir", "../victim");
    show("chdir ../..", chdir("../.."));
    show("chdir to a file", chdir("top/victim"));
    show("chdir missing", chdir("nowhere"));
    int fd = open("top", O_RDONLY | O_DIRECTORY);
    show("open top O_DIRECTORY", fd);
    DIR *d = fdopendir(fd);
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    printf("fdopendir entries: %d\n", n);
    if (d != NULL)
        closedir(d);
    struct stat st;
    fd = open("top/victim", O_RDONLY);
    show("fstatat relative to dir fd", fstatat(AT_FDCWD, "top/victim", &st, 0));
    int dfd = open("top", O_RDONLY | O_DIRECTORY);
    show("openat relative to dir fd", openat(dfd, "victim", O_RDONLY));
    show("mkdirat", mkdirat(dfd, "made_at", 0755));
    show("unlinkat dir", unlinkat(dfd, "made_at", AT_REMOVEDIR));
    show("unlinkat file flag on dir", unlinkat(dfd, "sub2", 0));
    close(dfd);
    close(fd);
}

int main(void) {
    make_and_remove();
    renames();
    links();
    times();
    many();
    names_and_paths();
    cwd_and_access();
    list_dir(".");
    puts("done");
    return 0;
}
