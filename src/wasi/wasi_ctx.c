/* wasi_ctx.c: WASI configurations and contexts: arguments, environment, the descriptor table
 * (stdio, listening sockets, preopened directories) with its rights, and the table that binds
 * every wasi_snapshot_preview1 function to its name and signature in a linker.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi.h"

extern char **environ;

struct weft_wasi_config {
    char **argv;
    uint32_t argc;
    char **env; /* "KEY=VALUE" */
    uint32_t envc;
    struct preopen {
        int fd;
        char *guest;
        bool read_only;
    } *dirs;
    uint32_t ndirs;
    int *socks;
    uint32_t nsocks;
    int stdio[3];
    bool own_stdio; /* stdio holds descriptors this config duplicated */
};

static weft_error *nomem(void) { return weft_error_new(WEFT_ERR_NOMEM, "out of memory"); }

/* Configuration errors are the embedder's: reported as usage errors, not traps. */
#define usage(...) weft_error_new(WEFT_ERR_USAGE, __VA_ARGS__)

WEFT_API weft_wasi_config *weft_wasi_config_new(void) {
    weft_wasi_config *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->stdio[0] = 0, c->stdio[1] = 1, c->stdio[2] = 2;
    return c;
}

static void free_strings(char **v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

WEFT_API void weft_wasi_config_free(weft_wasi_config *c) {
    if (!c) return;
    free_strings(c->argv, c->argc);
    free_strings(c->env, c->envc);
    for (uint32_t i = 0; i < c->ndirs; i++) {
        close(c->dirs[i].fd);
        free(c->dirs[i].guest);
    }
    free(c->dirs);
    for (uint32_t i = 0; i < c->nsocks; i++) close(c->socks[i]);
    free(c->socks);
    if (c->own_stdio)
        for (int i = 0; i < 3; i++)
            if (c->stdio[i] >= 0) close(c->stdio[i]);
    free(c);
}

WEFT_API weft_error *weft_wasi_config_args(weft_wasi_config *c, int argc, const char *const *argv) {
    if (argc < 0 || (argc > 0 && !argv)) return usage("weft_wasi_config_args: bad arguments");
    char **v = calloc((size_t)argc + 1, sizeof *v);
    if (!v) return nomem();
    for (int i = 0; i < argc; i++)
        if (!(v[i] = strdup(argv[i] ? argv[i] : ""))) {
            free_strings(v, (uint32_t)i);
            return nomem();
        }
    free_strings(c->argv, c->argc);
    c->argv = v;
    c->argc = (uint32_t)argc;
    return NULL;
}

static weft_error *set_env(weft_wasi_config *c, const char *key, size_t klen, const char *value) {
    size_t vlen = strlen(value);
    char *kv = malloc(klen + vlen + 2);
    if (!kv) return nomem();
    memcpy(kv, key, klen);
    kv[klen] = '=';
    memcpy(kv + klen + 1, value, vlen + 1);
    for (uint32_t i = 0; i < c->envc; i++)
        if (strncmp(c->env[i], kv, klen + 1) == 0) {
            free(c->env[i]);
            c->env[i] = kv;
            return NULL;
        }
    char **n = realloc(c->env, (c->envc + 1) * sizeof *n);
    if (!n) {
        free(kv);
        return nomem();
    }
    c->env = n;
    c->env[c->envc++] = kv;
    return NULL;
}

WEFT_API weft_error *weft_wasi_config_env(weft_wasi_config *c, const char *key, const char *value) {
    if (!key || !*key || strchr(key, '=') || !value)
        return usage("weft_wasi_config_env: invalid variable name \"%s\"", key ? key : "(null)");
    return set_env(c, key, strlen(key), value);
}

WEFT_API weft_error *weft_wasi_config_inherit_env(weft_wasi_config *c) {
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e) continue;
        weft_error *err = set_env(c, *e, (size_t)(eq - *e), eq + 1);
        if (err) return err;
    }
    return NULL;
}

WEFT_API weft_error *weft_wasi_config_preopen_dir(weft_wasi_config *c, const char *host_path,
                                                  const char *guest_path, bool read_only) {
    if (!host_path || !guest_path || !*guest_path)
        return usage("weft_wasi_config_preopen_dir: missing path");
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) fd = open(host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return usage("cannot open directory %s: %s", host_path, strerror(errno));
    }
    struct preopen *d = realloc(c->dirs, (c->ndirs + 1) * sizeof *d);
    char *guest = strdup(guest_path);
    if (!d || !guest) {
        if (d) c->dirs = d;
        free(guest);
        close(fd);
        return nomem();
    }
    c->dirs = d;
    c->dirs[c->ndirs++] = (struct preopen){.fd = fd, .guest = guest, .read_only = read_only};
    return NULL;
}

WEFT_API weft_error *weft_wasi_config_preopen_socket(weft_wasi_config *c, int host_fd) {
    int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return usage("cannot use socket fd %d: %s", host_fd, strerror(errno));
    int *n = realloc(c->socks, (c->nsocks + 1) * sizeof *n);
    if (!n) {
        close(fd);
        return nomem();
    }
    c->socks = n;
    c->socks[c->nsocks++] = fd;
    return NULL;
}

WEFT_API weft_error *weft_wasi_config_stdio(weft_wasi_config *c, int in, int out, int err) {
    int fds[3] = {in, out, err}, dups[3] = {-1, -1, -1};
    for (int i = 0; i < 3; i++) {
        if (fds[i] < 0) continue;
        dups[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
        if (dups[i] < 0) {
            int e = errno;
            for (int k = 0; k < i; k++)
                if (dups[k] >= 0) close(dups[k]);
            return usage("cannot use fd %d for stdio: %s", fds[i], strerror(e));
        }
    }
    if (c->own_stdio)
        for (int i = 0; i < 3; i++)
            if (c->stdio[i] >= 0) close(c->stdio[i]);
    memcpy(c->stdio, dups, sizeof dups);
    c->own_stdio = true;
    return NULL;
}

/* ---- the descriptor table ----------------------------------------------------------------- */

uint8_t wasi_filetype_of_mode(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    }
    return WASI_FILETYPE_UNKNOWN; /* pipes have no WASI type of their own */
}

uint64_t wasi_rights_for_type(uint8_t type, int host) {
    switch (type) {
    case WASI_FILETYPE_DIRECTORY: return WASI_RIGHTS_DIR;
    case WASI_FILETYPE_SOCKET_STREAM:
    case WASI_FILETYPE_SOCKET_DGRAM: return WASI_RIGHTS_SOCKET;
    case WASI_FILETYPE_CHARACTER_DEVICE: return isatty(host) ? WASI_RIGHTS_TTY : WASI_RIGHTS_FILE;
    }
    return WASI_RIGHTS_FILE;
}

void wasi_fd_release(wasi_fd *f) {
    if (f->dir)
        closedir(f->dir);
    free(f->dir_pos);
    if (f->host >= 0) close(f->host);
    free(f->preopen);
    memset(f, 0, sizeof *f);
    f->host = WASI_HOST_FREE;
}

int wasi_fd_get(weft_wasi *w, uint32_t fd, uint64_t rights, wasi_fd **out) {
    if (fd >= w->nfds || w->fds[fd].host == WASI_HOST_FREE) return WASI_EBADF;
    wasi_fd *f = &w->fds[fd];
    if ((f->rights & rights) != rights)
        return f->read_only && (rights & ~f->rights & WASI_RIGHTS_MUTATE) ? WASI_EROFS : WASI_ENOTCAPABLE;
    *out = f;
    return WASI_ESUCCESS;
}

/* Takes ownership of host (closing it on failure) and gives it the lowest free number. */
int wasi_fd_add(weft_wasi *w, int host, uint8_t type, uint64_t rights, uint64_t inheriting,
                uint32_t *out) {
    return wasi_fd_add_from(w, host, type, rights, inheriting, 0, out);
}

/* The same, with a number of at least lowest. */
int wasi_fd_add_from(weft_wasi *w, int host, uint8_t type, uint64_t rights, uint64_t inheriting,
                     uint32_t lowest, uint32_t *out) {
    uint32_t i = lowest < w->nfds ? lowest : w->nfds;
    while (i < w->nfds && w->fds[i].host != WASI_HOST_FREE) i++;
    if (i == w->nfds) {
        if (w->nfds >= WASI_MAX_FDS) {
            close(host);
            return WASI_EMFILE;
        }
        wasi_fd *n = realloc(w->fds, (w->nfds + 1) * sizeof *n);
        if (!n) {
            close(host);
            return WASI_ENOMEM;
        }
        w->fds = n;
        w->nfds++;
    }
    w->fds[i] = (wasi_fd){.host = host, .type = type, .rights = rights, .inheriting = inheriting};
    *out = i;
    return WASI_ESUCCESS;
}

/* Adds a duplicate of a host descriptor, typed by fstat, numbered lowest or above. */
static int add_dup(weft_wasi *w, int host, uint64_t mask, uint64_t inheriting, uint32_t lowest,
                   uint32_t *out) {
    int fd = fcntl(host, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return wasi_errno(errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return wasi_errno(errno);
    }
    uint8_t type = wasi_filetype_of_mode(st.st_mode);
    return wasi_fd_add_from(w, fd, type, wasi_rights_for_type(type, fd) & mask, inheriting, lowest,
                            out);
}

/* Whether this kernel has openat2 (Linux 5.6+). WEFT_WASI_NO_OPENAT2=1 forces the component
 * walk instead, so tests can exercise it. */
static bool have_openat2(void) {
    const char *force = getenv("WEFT_WASI_NO_OPENAT2");
    if (force && *force && strcmp(force, "0") != 0) return false;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    if (fd < 0) return false;
    close((int)fd);
    return true;
}

/* Makes fd i (0-2) the in-memory stream bufs[i]. */
static void buffer_fd(weft_wasi *w, int i) {
    w->fds[i] = (wasi_fd){.host = WASI_HOST_BUFFER, .buf = &w->bufs[i], .type = WASI_FILETYPE_UNKNOWN,
                          .rights = (i == 0 ? WASI_R_FD_READ : WASI_R_FD_WRITE) |
                                    WASI_R_POLL_FD_READWRITE | WASI_R_FD_FDSTAT_SET_FLAGS};
}

/* Fills w (zeroed, or emptied by wasi_clear) from c. Returns false when out of memory. */
static bool wasi_build(weft_wasi *w, const weft_wasi_config *c) {
    w->argv = calloc(c->argc + 1, sizeof *w->argv);
    w->env = calloc(c->envc + 1, sizeof *w->env);
    if (!w->argv || !w->env) return false;
    for (uint32_t i = 0; i < c->argc; i++, w->argc++)
        if (!(w->argv[i] = strdup(c->argv[i]))) return false;
    for (uint32_t i = 0; i < c->envc; i++, w->envc++)
        if (!(w->env[i] = strdup(c->env[i]))) return false;

    /* Slots 0-2 are stdio; one left closed stays free, as a closed descriptor would. */
    uint32_t fd;
    if (!(w->fds = calloc(3, sizeof *w->fds))) return false;
    w->nfds = 3;
    for (int i = 0; i < 3; i++) w->fds[i].host = WASI_HOST_FREE;
    for (int i = 0; i < 3; i++) {
        if (w->buffered) { /* in-memory stdio stays: no host descriptor to duplicate */
            buffer_fd(w, i);
            continue;
        }
        /* A closed stdio slot stays closed. And never a directory: if the host had fd 0, 1 or
         * 2 closed, a directory it opened later may sit there, and must not be handed out. */
        struct stat st;
        if (c->stdio[i] < 0 || fstat(c->stdio[i], &st) != 0 || S_ISDIR(st.st_mode)) continue;
        if (add_dup(w, c->stdio[i], WASI_R_ALL, 0, 0, &fd) != WASI_ESUCCESS) return false;
        if (fd != (uint32_t)i) { /* an earlier slot was free: move it where it belongs */
            w->fds[i] = w->fds[fd];
            w->fds[fd] = (wasi_fd){.host = WASI_HOST_FREE};
        }
    }
    /* Directories first (wasi-libc looks for preopens from fd 3 and stops at the first that is
     * not one), then sockets; from 3 even when a stdio slot is closed. A read-only directory
     * advertises every inheriting right, so that programs ask for write access when they mean
     * it and are refused (EROFS). */
    for (uint32_t i = 0; i < c->ndirs; i++) {
        uint64_t mask = c->dirs[i].read_only ? ~WASI_RIGHTS_MUTATE : WASI_R_ALL;
        if (add_dup(w, c->dirs[i].fd, mask, WASI_R_ALL, 3, &fd) != WASI_ESUCCESS) return false;
        if (!(w->fds[fd].preopen = strdup(c->dirs[i].guest))) return false;
        w->fds[fd].read_only = c->dirs[i].read_only;
    }
    for (uint32_t i = 0; i < c->nsocks; i++)
        if (add_dup(w, c->socks[i], WASI_R_ALL, 0, 3, &fd) != WASI_ESUCCESS) return false;
    return true;
}

/* Empties w: strings, descriptors (closed); keeps the stdio buffers' memory. */
static void wasi_clear(weft_wasi *w) {
    free_strings(w->argv, w->argc);
    free_strings(w->env, w->envc);
    for (uint32_t i = 0; i < w->nfds; i++) wasi_fd_release(&w->fds[i]);
    free(w->fds);
    w->argv = w->env = NULL;
    w->argc = w->envc = 0;
    w->fds = NULL;
    w->nfds = 0;
}

WEFT_API weft_error *weft_wasi_new(const weft_wasi_config *c, weft_wasi **out) {
    *out = NULL;
    weft_wasi *w = calloc(1, sizeof *w);
    if (!w) return nomem();
    w->no_openat2 = !have_openat2();
    if (!wasi_build(w, c)) {
        weft_wasi_free(w);
        return nomem();
    }
    *out = w;
    return NULL;
}

WEFT_API weft_error *weft_wasi_reset(weft_wasi *w, const weft_wasi_config *c,
                                     const char *const *env, size_t nenv) {
    wasi_clear(w);
    for (int i = 0; i < 3; i++) {
        w->bufs[i].in = NULL;
        w->bufs[i].in_len = w->bufs[i].in_pos = w->bufs[i].out_len = w->bufs[i].limit = 0;
        w->bufs[i].truncated = false;
    }
    if (!wasi_build(w, c)) goto nomem;
    if (nenv) {
        if (nenv > UINT32_MAX - w->envc - 1) goto nomem;
        char **e = realloc(w->env, (w->envc + nenv + 1) * sizeof *e);
        if (!e) goto nomem;
        w->env = e;
        for (size_t i = 0; i < nenv; i++) {
            if (!strchr(env[i], '=')) {
                wasi_clear(w);
                return usage("weft_wasi_reset: environment entry \"%s\" has no '='", env[i]);
            }
            if (!(w->env[w->envc] = strdup(env[i]))) goto nomem;
            w->envc++;
        }
        w->env[w->envc] = NULL;
    }
    return NULL;
nomem:
    wasi_clear(w); /* a context with nothing: every descriptor closed, no arguments */
    return nomem();
}

WEFT_API weft_error *weft_wasi_stdio_buffers(weft_wasi *w, const void *in, size_t in_len,
                                             size_t out_limit, size_t err_limit) {
    if (w->nfds < 3) return usage("weft_wasi_stdio_buffers: the context was not built");
    size_t limits[3] = {0, out_limit, err_limit};
    w->buffered = true;
    for (int i = 0; i < 3; i++) {
        wasi_fd_release(&w->fds[i]);
        wasi_buf *b = &w->bufs[i];
        b->in = i == 0 ? in : NULL;
        b->in_len = i == 0 ? in_len : 0;
        b->in_pos = b->out_len = 0;
        b->limit = limits[i];
        b->truncated = false;
        buffer_fd(w, i);
    }
    return NULL;
}

WEFT_API const uint8_t *weft_wasi_output(const weft_wasi *w, int fd, size_t *len,
                                         bool *truncated) {
    const wasi_buf *b = fd == 1 || fd == 2 ? &w->bufs[fd] : NULL;
    *len = b ? b->out_len : 0;
    if (truncated) *truncated = b && b->truncated;
    return b && b->out_len ? b->out : NULL;
}

WEFT_API void weft_wasi_free(weft_wasi *w) {
    if (!w) return;
    wasi_clear(w);
    for (int i = 0; i < 3; i++) free(w->bufs[i].out);
    free(w);
}

bool wasi_memory(weft_caller *c, gmem *m) {
    weft_memory *mem = weft_caller_memory(c);
    if (!mem) return false;
    m->base = weft_memory_data(mem);
    m->size = weft_memory_size(mem);
    return true;
}

/* ---- binding to a linker ------------------------------------------------------------------ */

static const struct {
    const char *name;
    const char *sig; /* 'i' i32, 'I' i64 parameters; every result is an i32 errno */
    weft_host_fn fn;
} wasi_table[] = {
#define WASI_ENTRY(name, sig) {#name, sig, wasi_##name},
    WASI_FUNCS(WASI_ENTRY)
#undef WASI_ENTRY
};

WEFT_API weft_error *weft_wasi_define(weft_wasi *w, weft_linker *l) {
    static const weft_valtype i32 = WEFT_I32;
    for (size_t i = 0; i < sizeof wasi_table / sizeof wasi_table[0]; i++) {
        weft_valtype params[16];
        size_t n = strlen(wasi_table[i].sig);
        for (size_t k = 0; k < n; k++) params[k] = wasi_table[i].sig[k] == 'I' ? WEFT_I64 : WEFT_I32;
        weft_error *err = weft_linker_define_func(l, "wasi_snapshot_preview1", wasi_table[i].name,
                                                  params, n, &i32, 1, wasi_table[i].fn, w, NULL);
        if (err) return err;
    }
    return weft_linker_define_func(l, "wasi_snapshot_preview1", "proc_exit", &i32, 1, NULL, 0,
                                   wasi_proc_exit, w, NULL);
}
