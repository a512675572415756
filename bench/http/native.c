/* native.c: the native side of weft's HTTP benchmark (run by bench/http/run.sh): libmicrohttpd
 * answering every request with what weft's trivial handlers answer (200, a text/plain content
 * type, an x-request-id of the same length as weft's, "hello\n"), written in C. It owns the
 * baseline only: no routing, no instances, no logging.
 *
 * Usage: native tpc|pool PORT
 *   tpc   weft's own libmicrohttpd setup (src/trigger/http.c): a thread per connection, polled
 *         with poll(), the same connection limit, per-connection memory, thread stack and timeout
 *   pool  libmicrohttpd's fastest setup: epoll in a pool of one thread per core
 * Listens on 127.0.0.1:PORT (0 picks a free port), prints the port as the first line of stdout,
 * and serves until SIGTERM or SIGINT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* As weft's http.c sets them for its defaults (max_header 16 KiB, idle_timeout 30 s). */
#define NATIVE_MAX_CONNECTIONS 1024u
#define NATIVE_MEMORY_LIMIT ((size_t)(16 * 1024 * 2 + 8192))
#define NATIVE_THREAD_STACK ((size_t)(512 * 1024))
#define NATIVE_IDLE_TIMEOUT_S 30u

static const char body[] = "hello\n";
static atomic_ullong next_id;
static unsigned id_prefix;

/* Answers on the second call, once the whole request is read, as weft does: a response queued on
 * the first call (headers only) makes libmicrohttpd close the connection after it ("Connection:
 * close"), since the body is still unread, and every request would pay for a new connection. The
 * request id is formatted as weft formats its own ("%08x-%06llx"), so both servers send the same
 * bytes and do the same work for it. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
    static int started; /* any non-NULL marker: nothing is allocated per request */
    (void)cls, (void)url, (void)method, (void)version, (void)upload;
    if (!*req_cls) {
        *req_cls = &started;
        return MHD_YES;
    }
    if (*upload_size) { /* a body nobody asked for: drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    char id[24];
    snprintf(id, sizeof id, "%08x-%06llx", id_prefix, atomic_fetch_add(&next_id, 1));
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    MHD_add_response_header(r, "x-request-id", id);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* A listening socket as weft makes its own: SO_REUSEADDR, backlog 1024. */
static int listen_loopback(unsigned port, unsigned *bound) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

int main(int argc, char **argv) {
    char *end = NULL;
    unsigned long port = argc == 3 ? strtoul(argv[2], &end, 10) : 0;
    int tpc = argc == 3 && strcmp(argv[1], "tpc") == 0;
    int pool = argc == 3 && strcmp(argv[1], "pool") == 0;
    if ((!tpc && !pool) || !end || *end || port > 65535) {
        fprintf(stderr, "usage: native tpc|pool PORT\n");
        return 2;
    }
    id_prefix = (unsigned)getpid() * 2654435761u;

    /* Blocked here, so every libmicrohttpd thread inherits the mask and sigwait gets them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned bound;
    int fd = listen_loopback((unsigned)port, &bound);
    if (fd < 0) {
        perror("native: cannot listen on 127.0.0.1");
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct MHD_Daemon *d;
    if (tpc)
        d = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                MHD_USE_ITC | MHD_USE_ERROR_LOG,
            0, NULL, NULL, on_request, NULL,
            MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_CONNECTION_LIMIT, NATIVE_MAX_CONNECTIONS,
            MHD_OPTION_CONNECTION_TIMEOUT, NATIVE_IDLE_TIMEOUT_S,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, NATIVE_MEMORY_LIMIT,
            MHD_OPTION_THREAD_STACK_SIZE, NATIVE_THREAD_STACK,
            MHD_OPTION_END);
    else
        d = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
            0, NULL, NULL, on_request, NULL,
            MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cores > 0 ? cores : 1),
            MHD_OPTION_CONNECTION_LIMIT, NATIVE_MAX_CONNECTIONS,
            MHD_OPTION_CONNECTION_TIMEOUT, NATIVE_IDLE_TIMEOUT_S,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, NATIVE_MEMORY_LIMIT,
            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "native: cannot start libmicrohttpd (%s)\n", argv[1]);
        close(fd);
        return 1;
    }
    printf("%u\n", bound);
    fflush(stdout);

    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d); /* closes the listening socket too */
    return 0;
}
