/* pool.c: a pool of instances of one compiled plugin for concurrent callers.
 *
 * Instances are created on demand up to max_instances and then reused; a caller finding all of
 * them busy waits (up to its wait_ms) in a queue of at most max_waiting callers, and beyond that
 * gets WEFT_PLUGIN_BUSY at once, so a burst cannot pile up unbounded threads. Instances are
 * created outside the lock. An instance that failed a call is handed back like any other: the
 * plugin layer replaces a trapped instance before its next call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin/plugin.h"

struct weft_pool {
    weft_compiled_plugin *cp;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    weft_plugin **all;   /* every instance created, max_instances slots */
    weft_plugin **idle;  /* the free ones */
    size_t nall, nidle, creating, max;
    size_t waiting, max_waiting;
};

WEFT_API weft_error *weft_pool_new(weft_compiled_plugin *cp, size_t max_instances,
                                   size_t max_waiting, weft_pool **out) {
    *out = NULL;
    if (!cp || max_instances == 0)
        return weft_error_new(WEFT_ERR_USAGE, "weft_pool_new: %s",
                               cp ? "max_instances must be at least 1" : "no compiled plugin");
    weft_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    pool->all = calloc(max_instances, sizeof *pool->all);
    pool->idle = calloc(max_instances, sizeof *pool->idle);
    if (!pool->all || !pool->idle) {
        free(pool->all);
        free(pool->idle);
        free(pool);
        return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    }
    pool->cp = cp;
    atomic_fetch_add(&cp->refs, 1);
    pool->max = max_instances;
    pool->max_waiting = max_waiting;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->freed, &ca);
    pthread_condattr_destroy(&ca);
    *out = pool;
    return NULL;
}

WEFT_API void weft_pool_free(weft_pool *pool) {
    if (!pool) return;
    for (size_t i = 0; i < pool->nall; i++) weft_plugin_free(pool->all[i]);
    free(pool->all);
    free(pool->idle);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->freed);
    weft_compiled_plugin_free(pool->cp);
    free(pool);
}

/* acquire, telling why it failed: BUSY (queue full, or the wait ended) or TRAP (an instance could
 * not be created; *err says why). */
static weft_plugin *acquire(weft_pool *pool, uint64_t wait_ms, weft_plugin_status *why,
                            weft_error **err) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(wait_ms / 1000);
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    *why = WEFT_PLUGIN_BUSY;
    *err = NULL;
    bool queued = false;
    weft_plugin *p = NULL;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->nidle) {
            p = pool->idle[--pool->nidle];
            break;
        }
        if (pool->nall + pool->creating < pool->max) {
            pool->creating++;
            pthread_mutex_unlock(&pool->lock);
            weft_error *e = weft_plugin_instantiate(pool->cp, &p);
            pthread_mutex_lock(&pool->lock);
            pool->creating--;
            if (e) {
                *why = WEFT_PLUGIN_TRAP;
                *err = e;
                pthread_cond_signal(&pool->freed); /* the slot is open again */
                p = NULL;
            } else {
                pool->all[pool->nall++] = p;
            }
            break;
        }
        if (!queued) {
            if (wait_ms == 0 || pool->waiting >= pool->max_waiting) break;
            pool->waiting++;
            queued = true;
        }
        if (pthread_cond_timedwait(&pool->freed, &pool->lock, &until) == ETIMEDOUT) {
            if (pool->nidle) continue; /* freed just as the wait ended */
            break;
        }
    }
    if (queued) pool->waiting--;
    pthread_mutex_unlock(&pool->lock);
    return p;
}

WEFT_API weft_plugin *weft_pool_acquire(weft_pool *pool, uint64_t wait_ms) {
    weft_plugin_status why;
    weft_error *err;
    weft_plugin *p = acquire(pool, wait_ms, &why, &err);
    weft_error_free(err);
    return p;
}

WEFT_API void weft_pool_release(weft_pool *pool, weft_plugin *p) {
    if (!p) return;
    pthread_mutex_lock(&pool->lock);
    pool->idle[pool->nidle++] = p;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

static uint8_t *copy_out(const void *data, size_t len) {
    uint8_t *d = malloc(len + 1); /* NUL-terminated, for callers that print it */
    if (d) {
        if (len) memcpy(d, data, len);
        d[len] = 0;
    }
    return d;
}

WEFT_API weft_plugin_status weft_pool_call(weft_pool *pool, const char *fn, const void *in,
                                           size_t in_len, uint64_t wait_ms, uint8_t **out,
                                           size_t *out_len) {
    weft_plugin_status st;
    weft_error *err;
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    weft_plugin *p = acquire(pool, wait_ms, &st, &err);
    if (!p) {
        const char *msg = err ? weft_error_message(err)
                              : "busy: every instance is in use and the wait queue is full or the "
                                "wait ended";
        if (out) {
            *out = copy_out(msg, strlen(msg));
            if (out_len) *out_len = strlen(msg);
        }
        weft_error_free(err);
        return st;
    }
    st = weft_plugin_call(p, fn, in, in_len);
    if (out) {
        size_t len = 0;
        const void *data;
        if (st == WEFT_PLUGIN_OK) {
            data = weft_plugin_output(p, &len);
        } else {
            data = weft_plugin_error(p);
            len = data ? strlen(data) : 0;
        }
        *out = copy_out(data, len);
        if (out_len) *out_len = *out ? len : 0;
    }
    weft_pool_release(pool, p);
    return st;
}
