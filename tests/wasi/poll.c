/* poll.c: WASI test of poll_oneoff through poll(). Modes (argv[1]): "sleep" (no fds, a timeout),
 * "ready" (stdin already has data; files are always ready), "wait" (stdin is a pipe that stays
 * empty for a while, then gets a line: first a timeout, then readiness).
 */
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void revents(const char *label, int rc, const struct pollfd *p) {
    printf("%s: rc %d, POLLIN %d, POLLOUT %d, POLLERR %d\n", label, rc, (p->revents & POLLIN) != 0,
           (p->revents & POLLOUT) != 0, (p->revents & POLLERR) != 0);
}

static int sleep_mode(void) {
    int64_t t0 = now_ns();
    int rc = poll(NULL, 0, 60);
    int64_t el = now_ns() - t0;
    printf("poll no fds 60 ms: rc %d, slept >= 60 ms: %s\n", rc, el >= 60000000 ? "yes" : "no");
    t0 = now_ns();
    rc = poll(NULL, 0, 0);
    el = now_ns() - t0;
    printf("poll no fds 0 ms: rc %d, returned within 1 s: %s\n", rc, el < 1000000000 ? "yes" : "no");
    return 0;
}

static int ready_mode(void) {
    struct pollfd p = {0, POLLIN, 0};
    int64_t t0 = now_ms();
    int rc = poll(&p, 1, 5000);
    revents("stdin with data", rc, &p);
    printf("returned before the timeout: %s\n", now_ms() - t0 < 4000 ? "yes" : "no");
    char buf[64];
    ssize_t n = read(0, buf, sizeof buf);
    printf("read: %ld\n", (long)n);

    int fd = open("poll.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "x", 1);
    struct pollfd two[2] = {{fd, POLLIN | POLLOUT, 0}, {1, POLLOUT, 0}};
    rc = poll(two, 2, 5000);
    revents("file", rc, &two[0]);
    revents("stdout", rc, &two[1]);
    struct pollfd only_out = {fd, POLLOUT, 0};
    rc = poll(&only_out, 1, 0);
    revents("file POLLOUT only", rc, &only_out);
    close(fd);

    /* 300 descriptors in one call: the host must not size anything by the guest's count on
     * its stack, nor refuse a count that large */
    static struct pollfd many[300];
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%03d", i);
        many[i].fd = open(name, O_CREAT | O_RDWR, 0644);
        many[i].events = POLLIN;
    }
    rc = poll(many, 300, 5000);
    int ready = 0;
    for (int i = 0; i < 300; i++) {
        ready += (many[i].revents & POLLIN) != 0;
        close(many[i].fd);
    }
    printf("300 files: rc %d, %d with POLLIN\n", rc, ready);
    return 0;
}

static int wait_mode(void) {
    struct pollfd p = {0, POLLIN, 0};
    int64_t t0 = now_ns();
    int rc = poll(&p, 1, 200);
    int64_t el = now_ns() - t0;
    revents("empty pipe, 200 ms", rc, &p);
    printf("waited >= 200 ms: %s\n", el >= 200000000 ? "yes" : "no");
    p.revents = 0;
    t0 = now_ns();
    rc = poll(&p, 1, 20000);
    el = now_ns() - t0;
    revents("pipe gets a line", rc, &p);
    printf("woke before the timeout: %s\n", el < 15000000000 ? "yes" : "no");
    char buf[64] = {0};
    ssize_t n = read(0, buf, sizeof buf - 1);
    printf("read: %ld \"%.*s\"\n", (long)n, (int)(n > 1 ? n - 1 : 0), buf);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "sleep") == 0)
        return sleep_mode();
    if (strcmp(mode, "ready") == 0)
        return ready_mode();
    if (strcmp(mode, "wait") == 0)
        return wait_mode();
    fprintf(stderr, "usage: poll sleep|ready|wait\n");
    return 2;
}
