/* wasi_poll.c: poll_oneoff: waiting on clocks and on descriptors becoming readable or writable,
 * with the host's poll(). A long wait is cut into slices so that an interrupt of the store (a
 * timeout) ends it promptly. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi.h"

#define SLICE_NS 20000000ull /* 20 ms: how long a wait goes without looking at interrupts */

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

typedef struct sub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;   /* set when the subscription is bad: reported at once */
    uint64_t deadline; /* EV_CLOCK: monotonic ns */
    int pfd;          /* EV_FD_*: index in the pollfd array */
    int host;
    wasi_buf *buf;    /* EV_FD_* on in-memory stdio: ready at once */
} sub;

static uint64_t now_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bytes readable without blocking, as far as the host can tell. */
static uint64_t readable_bytes(int fd) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

static void put_event(gmem *m, uint32_t at, const sub *s, uint16_t error, uint64_t nbytes, uint16_t flags) {
    memset(m->base + at, 0, 32);
    g_put64(m, at, s->userdata);
    g_put16(m, at + 8, error);
    g_put8(m, at + 10, s->type);
    g_put64(m, at + 16, nbytes);
    g_put16(m, at + 24, flags);
}

WASI_FN(poll_oneoff) {
    WASI_BEGIN();
    uint32_t in = A32(0), out = A32(1), n = A32(2), nevents_ptr = A32(3);
    if (n == 0) return wasi_result(r, WASI_EINVAL);
    if (n > WASI_MAX_SUBSCRIPTIONS) return wasi_result(r, WASI_ENOTSUP);
    if (!g_ok(m, in, (uint64_t)n * 48) || !g_ok(m, out, (uint64_t)n * 32) || !g_ok(m, nevents_ptr, 4))
        return wasi_result(r, WASI_EFAULT);
    sub *subs = calloc(n, sizeof *subs);
    struct pollfd *pfds = calloc(n, sizeof *pfds);
    int err = WASI_ESUCCESS;
    if (!subs || !pfds) {
        err = WASI_ENOMEM;
        goto done;
    }
    uint64_t start = now_ns(CLOCK_MONOTONIC), wake = UINT64_MAX;
    nfds_t npfd = 0;
    uint32_t nevents = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = in + 48 * i;
        sub *s = &subs[i];
        s->userdata = g_get64(m, p);
        s->type = m->base[p + 8];
        s->pfd = -1;
        if (s->type == EV_CLOCK) {
            uint32_t id = g_get32(m, p + 16);
            uint64_t timeout = g_get64(m, p + 24);
            uint16_t flags = g_get16(m, p + 40);
            if (id > 1) { /* only the realtime and monotonic clocks can be waited on */
                s->error = WASI_EINVAL;
                continue;
            }
            uint64_t rel = timeout;
            if (flags & 1) { /* absolute time on that clock */
                uint64_t now = now_ns(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC);
                rel = timeout > now ? timeout - now : 0;
            }
            s->deadline = rel > UINT64_MAX - start ? UINT64_MAX : start + rel;
            if (s->deadline < wake) wake = s->deadline;
        } else if (s->type == EV_FD_READ || s->type == EV_FD_WRITE) {
            wasi_fd *f;
            int e = wasi_fd_get(w, g_get32(m, p + 16), WASI_R_POLL_FD_READWRITE, &f);
            if (e == WASI_ENOTCAPABLE)
                e = wasi_fd_get(w, g_get32(m, p + 16), s->type == EV_FD_READ ? WASI_R_FD_READ : WASI_R_FD_WRITE, &f);
            if (e) {
                s->error = (uint16_t)e;
                continue;
            }
            s->host = f->host;
            if (f->buf) { /* in-memory stdio is always ready */
                s->buf = f->buf;
                nevents++;
                continue;
            }
            s->pfd = (int)npfd;
            pfds[npfd].fd = f->host;
            pfds[npfd].events = s->type == EV_FD_READ ? POLLIN : POLLOUT;
            npfd++;
        } else {
            s->error = WASI_EINVAL;
        }
    }
    /* Bad subscriptions are events already; then wait only if nothing has happened. */
    for (uint32_t i = 0; i < n; i++)
        if (subs[i].error) nevents++;
    weft_store *store = weft_caller_store(c);
    for (;;) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        uint64_t left = wake > now ? wake - now : 0;
        if (nevents) left = 0;
        uint64_t slice = left < SLICE_NS ? left : SLICE_NS;
        struct timespec ts = {.tv_sec = (time_t)(slice / 1000000000u), .tv_nsec = (long)(slice % 1000000000u)};
        int rc = ppoll(npfd ? pfds : NULL, npfd, &ts, NULL);
        if (rc < 0 && errno != EINTR) {
            err = wasi_errno(errno);
            goto done;
        }
        if (rc > 0 || nevents) break;
        if (now_ns(CLOCK_MONOTONIC) >= wake) break;
        if (store && weft_store_interrupted(store)) {
            free(subs);
            free(pfds);
            return weft_trap_new("interrupted while waiting in poll_oneoff");
        }
    }
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    nevents = 0;
    for (uint32_t i = 0; i < n; i++) {
        sub *s = &subs[i];
        uint32_t at = out + 32 * nevents;
        if (s->error) {
            put_event(m, at, s, s->error, 0, 0);
        } else if (s->type == EV_CLOCK) {
            if (s->deadline > now) continue;
            put_event(m, at, s, 0, 0, 0);
        } else if (s->buf) {
            put_event(m, at, s, 0, s->type == EV_FD_READ ? s->buf->in_len - s->buf->in_pos : 0, 0);
        } else {
            short re = pfds[s->pfd].revents;
            if (!re) continue;
            uint16_t flags = re & POLLHUP ? 1 : 0, e = 0;
            if (re & POLLNVAL) e = WASI_EBADF;
            else if (re & POLLERR) e = WASI_EIO;
            uint64_t nbytes = s->type == EV_FD_READ ? readable_bytes(s->host) : 0;
            put_event(m, at, s, e, nbytes, flags);
        }
        nevents++;
    }
    g_put32(m, nevents_ptr, nevents);
done:
    free(subs);
    free(pfds);
    return wasi_result(r, err);
}
