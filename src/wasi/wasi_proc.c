/* wasi_proc.c: the process-level WASI functions: arguments, environment, clocks, randomness,
 * yielding, exit and signals. */
#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include "wasi.h"

/* Writes a string vector the way args_get/environ_get return it: an array of pointers at
 * ptrs, the NUL-terminated strings packed at buf. */
static int put_strings(gmem *m, char **v, uint32_t n, uint32_t ptrs, uint32_t buf) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
    if (!g_ok(m, ptrs, (uint64_t)n * 4) || !g_ok(m, buf, total)) return WASI_EFAULT;
    uint32_t at = buf;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        g_put32(m, ptrs + 4 * i, at);
        memcpy(m->base + at, v[i], len);
        at += (uint32_t)len;
    }
    return WASI_ESUCCESS;
}

static int put_sizes(gmem *m, char **v, uint32_t n, uint32_t count_ptr, uint32_t size_ptr) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
    if (total > UINT32_MAX) return WASI_EOVERFLOW;
    int err = g_out32(m, count_ptr, n);
    return err ? err : g_out32(m, size_ptr, (uint32_t)total);
}

WASI_FN(args_get) {
    WASI_BEGIN();
    return wasi_result(r, put_strings(m, w->argv, w->argc, A32(0), A32(1)));
}

WASI_FN(args_sizes_get) {
    WASI_BEGIN();
    return wasi_result(r, put_sizes(m, w->argv, w->argc, A32(0), A32(1)));
}

WASI_FN(environ_get) {
    WASI_BEGIN();
    return wasi_result(r, put_strings(m, w->env, w->envc, A32(0), A32(1)));
}

WASI_FN(environ_sizes_get) {
    WASI_BEGIN();
    return wasi_result(r, put_sizes(m, w->env, w->envc, A32(0), A32(1)));
}

static bool host_clock(uint32_t id, clockid_t *out) {
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    }
    return false;
}

WASI_FN(clock_res_get) {
    WASI_BEGIN();
    clockid_t id;
    struct timespec ts;
    if (!host_clock(A32(0), &id)) return wasi_result(r, WASI_EINVAL);
    if (clock_getres(id, &ts) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, g_out64(m, A32(1), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec));
}

WASI_FN(clock_time_get) {
    WASI_BEGIN();
    clockid_t id;
    struct timespec ts;
    if (!host_clock(A32(0), &id)) return wasi_result(r, WASI_EINVAL);
    if (clock_gettime(id, &ts) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, g_out64(m, A32(2), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec));
}

WASI_FN(random_get) {
    WASI_BEGIN();
    uint32_t buf = A32(0), len = A32(1);
    if (!g_ok(m, buf, len)) return wasi_result(r, WASI_EFAULT);
    for (uint32_t done = 0; done < len;) {
        ssize_t n = getrandom(m->base + buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return wasi_result(r, wasi_errno(errno));
        }
        done += (uint32_t)n;
    }
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(sched_yield) {
    WASI_BEGIN();
    sched_yield();
    return wasi_result(r, WASI_ESUCCESS);
}

/* Raising a signal in the guest has no meaning in a sandbox. */
WASI_FN(proc_raise) {
    WASI_BEGIN();
    return wasi_result(r, WASI_ENOSYS);
}

/* Unwinds every wasm frame back to the embedder with the exit code. */
WASI_FN(proc_exit) {
    (void)c, (void)ud, (void)r;
    return weft_exit_new((int)A32(0));
}
