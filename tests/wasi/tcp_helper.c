/* tcp_helper.c: native helper for the socket test (never built for wasm). Modes:
 *   freeport                      print a TCP port on 127.0.0.1 that was free a moment ago
 *   client PORT LINE SECONDS      connect (retrying until SECONDS pass), send LINE and a newline,
 *                                 print everything received until the server closes
 *   listen PORT PROG [ARG...]     put a listening socket on fd 3 and exec PROG (the native run)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int freeport(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        perror("tcp_helper: freeport");
        return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    close(s);
    return 0;
}

static int client(int port, const char *line, int seconds) {
    struct sockaddr_in a = loopback(port);
    time_t give_up = time(NULL) + seconds;
    int s;
    for (;;) {
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
            break;
        close(s);
        if (time(NULL) > give_up) {
            fprintf(stderr, "tcp_helper: nothing listens on port %d\n", port);
            return 1;
        }
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    size_t len = strlen(line);
    char *msg = malloc(len + 1);
    memcpy(msg, line, len);
    msg[len] = '\n';
    if (write(s, msg, len + 1) != (ssize_t)(len + 1)) {
        perror("tcp_helper: write");
        return 1;
    }
    free(msg);
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(s);
    return n < 0;
}

static int listen_exec(int port, char **argv) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = loopback(port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) {
        perror("tcp_helper: listen");
        return 1;
    }
    if (s != 3 && (dup2(s, 3) < 0 || close(s) != 0)) {
        perror("tcp_helper: dup2");
        return 1;
    }
    execv(argv[0], argv);
    perror("tcp_helper: exec");
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "freeport") == 0)
        return freeport();
    if (argc == 5 && strcmp(argv[1], "client") == 0)
        return client(atoi(argv[2]), argv[3], atoi(argv[4]));
    if (argc >= 4 && strcmp(argv[1], "listen") == 0)
        return listen_exec(atoi(argv[2]), argv + 3);
    fprintf(stderr, "usage: tcp_helper freeport | client PORT LINE SECONDS | listen PORT PROG...\n");
    return 2;
}
