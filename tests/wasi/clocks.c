/* clocks.c: WASI test of clocks and sleeping (clock_time_get, clock_res_get, poll_oneoff with a
 * clock): every clock readable with a positive resolution, monotonic never going back, realtime
 * near the host's (argv[1], seconds since the epoch), sleeps lasting at least what was asked.
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static int64_t ns(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void check_clock(const char *name, clockid_t c) {
    struct timespec res;
    int r = clock_getres(c, &res);
    printf("%s: getres %s", name, r == 0 ? "ok" : errno_name(errno));
    if (r == 0)
        printf(", res > 0: %s", res.tv_sec > 0 || res.tv_nsec > 0 ? "yes" : "no");
    int64_t prev = ns(c);
    printf(", gettime %s", prev >= 0 ? "ok" : errno_name(errno));
    int back = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t t = ns(c);
        back += t < prev;
        prev = t;
    }
    printf(", went back %d times\n", back);
}

/* Prints whether fn slept at least want_ms of monotonic time. */
#define TIMED(label, want_ms, call)                                                          \
    do {                                                                                   \
        int64_t t0 = ns(CLOCK_MONOTONIC);                                                  \
        int rc_ = (call);                                                                  \
        int64_t el = ns(CLOCK_MONOTONIC) - t0;                                             \
        printf("%s: rc %d, slept >= %d ms: %s\n", label, rc_, want_ms,                     \
               el >= (int64_t)(want_ms) * 1000000 ? "yes" : "no");                        \
        if (el < (int64_t)(want_ms) * 1000000)                                             \
            fprintf(stderr, "%s: slept only %lld ns\n", label, (long long)el);             \
    } while (0)

int main(int argc, char **argv) {
    check_clock("realtime", CLOCK_REALTIME);
    check_clock("monotonic", CLOCK_MONOTONIC);
    check_clock("process cputime", CLOCK_PROCESS_CPUTIME_ID);
    check_clock("thread cputime", CLOCK_THREAD_CPUTIME_ID);

    long long host = argc > 1 ? atoll(argv[1]) : 0;
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long long diff = (long long)rt.tv_sec - host;
    printf("realtime within 5 minutes of the host's: %s\n", diff > -300 && diff < 300 ? "ok" : "NO");
    if (diff <= -300 || diff >= 300)
        fprintf(stderr, "guest %lld host %lld\n", (long long)rt.tv_sec, host);
    time_t t = time(NULL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("time() and gettimeofday agree with clock_gettime: %s\n",
           llabs((long long)t - rt.tv_sec) < 5 && llabs((long long)tv.tv_sec - rt.tv_sec) < 5 ? "ok"
                                                                                         : "NO");

    /* CPU time must advance while the program computes. */
    int64_t cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID), wall0 = ns(CLOCK_MONOTONIC);
    volatile uint32_t x = 1;
    while (ns(CLOCK_MONOTONIC) - wall0 < 30000000)
        for (int i = 0; i < 1000; i++)
            x = x * 1664525u + 1013904223u;
    int64_t cpu1 = ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("process cputime advanced while busy: %s\n", cpu1 > cpu0 ? "yes" : "no");

    TIMED("nanosleep 50 ms", 50, nanosleep(&(struct timespec){0, 50000000}, NULL));
    TIMED("usleep 20 ms", 20, usleep(20000));
    TIMED("clock_nanosleep relative 30 ms", 30,
          clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 30000000}, NULL));
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 40000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    TIMED("clock_nanosleep absolute +40 ms", 40,
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL));
    TIMED("nanosleep 0", 0, nanosleep(&(struct timespec){0, 0}, NULL));
    TIMED("sleep 1 s", 1000, (int)sleep(1));
    printf("sched_yield: %d\n", sched_yield());
    return 0;
}
