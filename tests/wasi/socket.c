/* socket.c: WASI test of a listening socket handed to the program as fd 3 (weft --tcplisten):
 * poll for a connection, sock_accept, sock_recv a line (peeking first), sock_send it back
 * uppercased, fd_write on the connection, shutdown, then the errors of accept on an idle
 * non-blocking listener and recv on something that is not a socket. Natively the harness puts a
 * listener on fd 3.
 */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define LISTENER 3

int main(void) {
    struct stat st;
    show("fstat fd 3", fstat(LISTENER, &st));
    printf("fd 3 is a socket: %s\n", S_ISSOCK(st.st_mode) ? "yes" : "no");

    struct pollfd p = {LISTENER, POLLIN, 0};
    int rc = poll(&p, 1, 30000);
    printf("poll for a connection: rc %d, POLLIN %d\n", rc, (p.revents & POLLIN) != 0);

    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof addr;
    int c = (int)show("accept", accept(LISTENER, (struct sockaddr *)&addr, &addr_len));
    if (c < 0)
        return 1;

    char line[256];
    /* MSG_PEEK leaves the bytes for the next recv */
    ssize_t peeked = recv(c, line, 5, MSG_PEEK);
    printf("peek: %ld \"%.*s\"\n", (long)peeked, (int)(peeked > 0 ? peeked : 0), line);
    size_t got = 0;
    while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n')) {
        ssize_t n = recv(c, line + got, sizeof line - 1 - got, 0);
        if (n <= 0) {
            printf("recv: %s\n", n == 0 ? "end of stream" : errno_name(errno));
            return 1;
        }
        got += (size_t)n;
    }
    line[got] = '\0';
    printf("received %zu bytes: %.*s\n", got, (int)got - 1, line);
    for (size_t i = 0; i < got; i++)
        line[i] = (char)toupper((unsigned char)line[i]);
    printf("send: %ld\n", (long)send(c, line, got, 0));
    printf("write: %ld\n", (long)write(c, "bye\n", 4));
    show("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    char rest[16];
    ssize_t n = recv(c, rest, sizeof rest, 0);
    printf("recv after the client closed: %ld\n", (long)n);
    show("close connection", close(c));

    int fl = fcntl(LISTENER, F_GETFL);
    show("F_SETFL O_NONBLOCK on listener", fcntl(LISTENER, F_SETFL, fl | O_NONBLOCK));
    addr_len = sizeof addr;
    show("accept with nobody waiting", accept(LISTENER, (struct sockaddr *)&addr, &addr_len));
    show("recv on stdin (not a socket)", recv(0, rest, sizeof rest, 0));
    return 0;
}
