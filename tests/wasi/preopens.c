/* preopens.c: WASI test of the descriptor table weft run sets up: lists fds 3 and up (preopened
 * directories by name, sockets, the first closed one), then performs the accesses given as
 * arguments through wasi-libc, which must have found every preopen: r:PATH reads a file, w:PATH
 * creates and writes one, m:FROM:TO renames, l:FROM:TO links. WASI only (no native build).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

int main(int argc, char **argv) {
    for (__wasi_fd_t fd = 3; fd < 16; fd++) {
        __wasi_prestat_t ps;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
        if (e == 0 && ps.tag == __WASI_PREOPENTYPE_DIR) {
            char name[256] = {0};
            size_t len = ps.u.dir.pr_name_len < 255 ? ps.u.dir.pr_name_len : 255;
            if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len) != 0)
                strcpy(name, "(no name)");
            printf("fd %u: preopened directory \"%s\"\n", fd, name);
            continue;
        }
        __wasi_fdstat_t st;
        e = __wasi_fd_fdstat_get(fd, &st);
        if (e != 0) {
            printf("fd %u: %s (end of table)\n", fd, errno_name(e));
            break;
        }
        printf("fd %u: %s\n", fd,
               st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM ? "stream socket" : "other");
    }
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i] + 2;
        if (strncmp(argv[i], "r:", 2) == 0) {
            char buf[128] = {0};
            int fd = open(path, O_RDONLY);
            ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
            if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
            printf("read %s: %s\n", path, n >= 0 ? buf : errno_name(errno));
            if (fd >= 0)
                close(fd);
        } else if (strncmp(argv[i], "m:", 2) == 0 || strncmp(argv[i], "l:", 2) == 0) {
            /* m:FROM:TO renames, l:FROM:TO hard-links (across preopens too) */
            char from[256];
            snprintf(from, sizeof from, "%s", path);
            char *to = strchr(from, ':');
            if (to == NULL)
                continue;
            *to++ = '\0';
            int rc = argv[i][0] == 'm' ? rename(from, to) : link(from, to);
            printf("%s %s -> %s: %s\n", argv[i][0] == 'm' ? "rename" : "link", from, to,
                   rc == 0 ? "ok" : errno_name(errno));
        } else if (strncmp(argv[i], "w:", 2) == 0) {
            int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            ssize_t n = fd >= 0 ? write(fd, "written\n", 8) : -1;
            printf("write %s: %s\n", path, n == 8 ? "ok" : errno_name(errno));
            if (fd >= 0)
                close(fd);
        }
    }
    return 0;
}
