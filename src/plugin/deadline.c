/* deadline.c: wall-clock timeouts for plugin calls.
 *
 * One ticker thread per compiled plugin, started the first time one of its instances makes a call
 * with a timeout. While timed calls run it wakes every millisecond, walks the compiled plugin's
 * instances and interrupts the store of each one past its deadline; after 100 idle ticks it sleeps
 * on a condition variable until a call arms a deadline again. A call therefore pays a few atomic
 * operations and a clock read for its deadline (a lock only to wake a sleeping ticker), and the
 * guest's own interrupt checks (loop heads, calls) do the rest.
 */
#include <errno.h>
#include <time.h>

#include "plugin/plugin.h"

#define TICK_NS 1000000L
#define IDLE_TICKS 100 /* ticks without timed calls before the ticker sleeps */

uint64_t deadline_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *ticker_main(void *arg) {
    weft_compiled_plugin *cp = arg;
    unsigned idle = 0;
    pthread_mutex_lock(&cp->lock);
    while (!cp->ticker_stop) {
        if (atomic_load(&cp->timed_calls) == 0 && ++idle > IDLE_TICKS) {
            /* Going to sleep: a call arming a deadline from now on sees asleep and wakes us; one
             * that armed before we set it is seen by the check that follows (both seq_cst). */
            atomic_store(&cp->ticker_asleep, true);
            while (atomic_load(&cp->timed_calls) == 0 && !cp->ticker_stop)
                pthread_cond_wait(&cp->wake, &cp->lock);
            atomic_store(&cp->ticker_asleep, false);
            idle = 0;
            continue;
        }
        pthread_mutex_unlock(&cp->lock);
        struct timespec ts = {0, TICK_NS};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&cp->lock);
        uint64_t now = deadline_now_ns();
        for (weft_plugin *p = cp->instances; p; p = p->next) {
            uint64_t d = (uint64_t)atomic_load(&p->deadline_ns);
            if (d && now >= d && p->store) {
                int none = 0;
                atomic_compare_exchange_strong(&p->stop_reason, &none, WEFT_PLUGIN_TIMEOUT);
                weft_store_interrupt(p->store);
            }
        }
    }
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

void deadline_register(weft_plugin *p) {
    weft_compiled_plugin *cp = p->cp;
    pthread_mutex_lock(&cp->lock);
    p->prev = NULL;
    p->next = cp->instances;
    if (cp->instances) cp->instances->prev = p;
    cp->instances = p;
    pthread_mutex_unlock(&cp->lock);
}

void deadline_unregister(weft_plugin *p) {
    weft_compiled_plugin *cp = p->cp;
    pthread_mutex_lock(&cp->lock);
    if (p->prev) p->prev->next = p->next;
    else if (cp->instances == p) cp->instances = p->next;
    if (p->next) p->next->prev = p->prev;
    p->prev = p->next = NULL;
    pthread_mutex_unlock(&cp->lock);
}

void deadline_arm(weft_plugin *p, uint64_t timeout_ms) {
    weft_compiled_plugin *cp = p->cp;
    atomic_store(&p->deadline_ns, (long long)(deadline_now_ns() + timeout_ms * 1000000u));
    atomic_fetch_add(&cp->timed_calls, 1);
    if (atomic_load(&cp->ticker_asleep)) {
        pthread_mutex_lock(&cp->lock);
        if (!cp->ticker_running && !cp->ticker_stop) {
            cp->ticker_running = pthread_create(&cp->ticker, NULL, ticker_main, cp) == 0;
            if (cp->ticker_running) atomic_store(&cp->ticker_asleep, false);
        }
        pthread_cond_signal(&cp->wake);
        pthread_mutex_unlock(&cp->lock);
    }
}

void deadline_disarm(weft_plugin *p) {
    atomic_store(&p->deadline_ns, 0);
    atomic_fetch_sub(&p->cp->timed_calls, 1);
}

uint64_t deadline_left_ms(weft_plugin *p) {
    uint64_t d = (uint64_t)atomic_load(&p->deadline_ns);
    if (!d) return UINT64_MAX;
    uint64_t now = deadline_now_ns();
    return now >= d ? 0 : (d - now) / 1000000u;
}

void deadline_stop(weft_compiled_plugin *cp) {
    pthread_mutex_lock(&cp->lock);
    cp->ticker_stop = true;
    pthread_cond_signal(&cp->wake);
    bool running = cp->ticker_running;
    pthread_mutex_unlock(&cp->lock);
    if (running) pthread_join(cp->ticker, NULL);
}
