/* convert.c: turns a .wast script into JSON + .wasm files by running wabt's wast2json.
 * Owns the child process and the freshness check; knows nothing of the JSON it produces.
 * wast2json can exit 0 while printing errors, so any stderr output counts as a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spec.h"

extern char **environ;

bool spec_mkdirs(const char *dir) {
    char *p = strdup(dir);
    if (p == NULL)
        return false;
    bool ok = true;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            ok = false;
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return ok;
}

/* True when json exists and was written after wast last changed. */
static bool is_fresh(const char *wast, const char *json) {
    struct stat sw, sj;
    if (stat(wast, &sw) != 0 || stat(json, &sj) != 0)
        return false;
    if (sj.st_mtim.tv_sec != sw.st_mtim.tv_sec)
        return sj.st_mtim.tv_sec > sw.st_mtim.tv_sec;
    return sj.st_mtim.tv_nsec > sw.st_mtim.tv_nsec;
}

/* Keeps the first line of the child's stderr as the reason, drains the rest. */
static void read_stderr(int fd, char *first, size_t len, bool *any) {
    size_t used = 0;
    bool line_done = false;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        *any = true;
        for (ssize_t i = 0; i < n && !line_done; i++) {
            if (buf[i] == '\n') {
                line_done = true;
            } else if (used + 1 < len) {
                first[used++] = buf[i];
            }
        }
    }
    if (len > 0)
        first[used] = '\0';
}

bool spec_convert(const char *wast, const char *json_path, char *err, size_t errlen) {
    int pipefd[2] = {-1, -1};
    bool actions_init = false, ok = false;
    posix_spawn_file_actions_t actions;
    char *dir = NULL;

    if (is_fresh(wast, json_path))
        return true;

    dir = strdup(json_path);
    if (dir == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (!spec_mkdirs(dir)) {
            snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            goto fail;
        }
    }

    if (pipe(pipefd) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        snprintf(err, errlen, "posix_spawn_file_actions_init: %s", strerror(rc));
        goto fail;
    }
    actions_init = true;
    /* stdout is not part of the contract; stderr goes to us. */
    if ((rc = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2)) != 0 ||
        (rc = posix_spawn_file_actions_addclose(&actions, pipefd[0])) != 0 ||
        (rc = posix_spawn_file_actions_addclose(&actions, pipefd[1])) != 0) {
        snprintf(err, errlen, "posix_spawn_file_actions: %s", strerror(rc));
        goto fail;
    }

    char *argv[] = {"wast2json", (char *)wast, "-o", (char *)json_path, NULL};
    pid_t pid;
    rc = posix_spawnp(&pid, "wast2json", &actions, NULL, argv, environ);
    if (rc != 0) {
        if (rc == ENOENT)
            snprintf(err, errlen, "wast2json not found in PATH (install wabt 1.0.32)");
        else
            snprintf(err, errlen, "cannot run wast2json: %s", strerror(rc));
        goto fail;
    }
    close(pipefd[1]);
    pipefd[1] = -1;

    char first[512];
    bool any_stderr = false;
    read_stderr(pipefd[0], first, sizeof first, &any_stderr);

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            goto fail;
        }
    }
    if (WIFSIGNALED(status)) {
        snprintf(err, errlen, "wast2json killed by signal %d", WTERMSIG(status));
        goto fail;
    }
    if (any_stderr) {
        snprintf(err, errlen, "wast2json: %s", first);
        goto fail;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "wast2json exited with status %d", WEXITSTATUS(status));
        goto fail;
    }
    ok = true;

fail:
    /* A half-written json must not look fresh on the next run. */
    if (!ok)
        unlink(json_path);
    if (actions_init)
        posix_spawn_file_actions_destroy(&actions);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    free(dir);
    return ok;
}
