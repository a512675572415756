/* errors.c: WASI test of error numbers: each failing call prints the errno name it set, so a
 * host that maps a Linux error to the wrong WASI errno shows up as a one-line difference.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

int main(void) {
    struct stat st;
    char buf[16];
    int fd = open("file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "content", 7);
    close(fd);
    mkdir("dir", 0755);
    mkdir("full", 0755);
    close(open("full/x", O_CREAT | O_WRONLY, 0644));
    symlink("loop", "loop");

    puts("== EBADF");
    show("read closed fd", read(fd, buf, 1));
    show("write closed fd", write(fd, "x", 1));
    show("close closed fd", close(fd));
    show("fstat closed fd", fstat(fd, &st));
    show("lseek closed fd", lseek(fd, 0, SEEK_SET));
    show("fsync closed fd", fsync(fd));
    show("read fd 1000", read(1000, buf, 1));
    show("write fd -1", write(-1, "x", 1));
    fd = open("file", O_RDONLY);
    show("write read-only fd", write(fd, "x", 1));
    show("ftruncate read-only fd", ftruncate(fd, 0));
    close(fd);

    puts("== ENOENT");
    show("open missing", open("missing", O_RDONLY));
    show("stat missing", stat("missing", &st));
    show("unlink missing", unlink("missing"));
    show("rename missing", rename("missing", "other"));
    show("rmdir missing", rmdir("missing"));
    show("mkdir in missing", mkdir("missing/sub", 0755));
    DIR *d = opendir("missing");
    printf("opendir missing: %s\n", d ? "ok" : errno_name(errno));

    puts("== EEXIST, ENOTEMPTY");
    show("mkdir existing dir", mkdir("dir", 0755));
    show("mkdir existing file", mkdir("file", 0755));
    show("O_CREAT|O_EXCL existing", open("file", O_CREAT | O_EXCL | O_WRONLY, 0644));
    show("link existing", link("file", "dir"));
    show("symlink existing", symlink("x", "file"));
    show("rmdir non-empty", rmdir("full"));
    show("rename onto non-empty dir", rename("dir", "full"));

    puts("== EISDIR, ENOTDIR");
    show("open dir O_WRONLY", open("dir", O_WRONLY));
    show("open dir O_RDWR", open("dir", O_RDWR));
    show("open dir O_CREAT", open("dir", O_CREAT | O_WRONLY, 0644));
    show("unlink dir", unlink("dir"));
    show("rename file onto dir", rename("file", "dir"));
    show("O_DIRECTORY on file", open("file", O_RDONLY | O_DIRECTORY));
    show("file as path prefix", open("file/x", O_RDONLY));
    show("stat through file", stat("file/x", &st));
    show("rmdir file", rmdir("file"));
    show("mkdir under file", mkdir("file/sub", 0755));
    d = opendir("file");
    printf("opendir file: %s\n", d ? "ok" : errno_name(errno));

    puts("== EINVAL, ELOOP, ENAMETOOLONG");
    fd = open("file", O_RDONLY);
    show("lseek bad whence", lseek(fd, 0, 99));
    show("lseek negative", lseek(fd, -1, SEEK_SET));
    show("lseek before start from end", lseek(fd, -100, SEEK_END));
    close(fd);
    show("readlink regular file", readlink("file", buf, sizeof buf));
    show("rename dir into itself", rename("dir", "dir/inner"));
    fd = open("file", O_RDWR);
    show("ftruncate negative", ftruncate(fd, -1));
    close(fd);
    show("rmdir dir/.", rmdir("dir/."));
    symlink("dir", "dirlink");
    show("rmdir a symlink to a dir", rmdir("dirlink"));
    symlink("nothing", "dangling");
    show("O_CREAT|O_EXCL on a dangling symlink", open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644));
    show("open symlink loop", open("loop", O_RDONLY));
    show("stat symlink loop", stat("loop", &st));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    show("open 299-byte name", open(longname, O_CREAT | O_WRONLY, 0644));
    show("mkdir 299-byte name", mkdir(longname, 0755));

    puts("== strerror");
    printf("ENOENT: %s\nEEXIST: %s\nEBADF: %s\nEISDIR: %s\n", strerror(ENOENT), strerror(EEXIST),
           strerror(EBADF), strerror(EISDIR));

    return 0;
}
