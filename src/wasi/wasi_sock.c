/* wasi_sock.c: sock_accept, sock_recv, sock_send and sock_shutdown, on the listening sockets the
 * host handed in (weft_wasi_config_preopen_socket) and the connections accepted from them. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "wasi.h"

WASI_FN(sock_accept) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_SOCK_ACCEPT, &f);
    if (err) return wasi_result(r, err);
    uint32_t flags = A32(1);
    if (flags & ~(uint32_t)WASI_FDFLAG_NONBLOCK) return wasi_result(r, WASI_EINVAL);
    if (!g_ok(m, A32(2), 4)) return wasi_result(r, WASI_EFAULT);
    int fd = accept4(f->host, NULL, NULL, SOCK_CLOEXEC | (flags ? SOCK_NONBLOCK : 0));
    if (fd < 0) return wasi_result(r, wasi_errno(errno));
    uint32_t nfd;
    err = wasi_fd_add(w, fd, WASI_FILETYPE_SOCKET_STREAM, WASI_RIGHTS_SOCKET & ~WASI_R_SOCK_ACCEPT, 0, &nfd);
    if (!err) g_put32(m, A32(2), nfd);
    return wasi_result(r, err);
}

WASI_FN(sock_recv) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_READ, &f);
    if (err) return wasi_result(r, err);
    uint32_t riflags = A32(3), len_ptr = A32(4), flags_ptr = A32(5);
    if (riflags & ~3u) return wasi_result(r, WASI_EINVAL);
    if (!g_ok(m, len_ptr, 4) || !g_ok(m, flags_ptr, 2)) return wasi_result(r, WASI_EFAULT);
    struct iovec small[16], *v;
    size_t total;
    if ((err = wasi_iovecs(m, A32(1), A32(2), small, 16, &v, &total))) return wasi_result(r, err);
    struct msghdr msg = {.msg_iov = v, .msg_iovlen = A32(2)};
    int how = (riflags & 1 ? MSG_PEEK : 0) | (riflags & 2 ? MSG_WAITALL : 0);
    ssize_t n = recvmsg(f->host, &msg, how);
    int e = errno;
    if (v != small) free(v);
    if (n < 0) return wasi_result(r, wasi_errno(e));
    g_put32(m, len_ptr, (uint32_t)n);
    g_put16(m, flags_ptr, msg.msg_flags & MSG_TRUNC ? 1 : 0);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(sock_send) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_FD_WRITE, &f);
    if (err) return wasi_result(r, err);
    if (A32(3) != 0) return wasi_result(r, WASI_EINVAL); /* no send flags are defined */
    if (!g_ok(m, A32(4), 4)) return wasi_result(r, WASI_EFAULT);
    struct iovec small[16], *v;
    size_t total;
    if ((err = wasi_iovecs(m, A32(1), A32(2), small, 16, &v, &total))) return wasi_result(r, err);
    struct msghdr msg = {.msg_iov = v, .msg_iovlen = A32(2)};
    ssize_t n = sendmsg(f->host, &msg, MSG_NOSIGNAL);
    int e = errno;
    if (v != small) free(v);
    if (n < 0) return wasi_result(r, wasi_errno(e));
    g_put32(m, A32(4), (uint32_t)n);
    return wasi_result(r, WASI_ESUCCESS);
}

WASI_FN(sock_shutdown) {
    WASI_BEGIN();
    wasi_fd *f;
    int err = wasi_fd_get(w, A32(0), WASI_R_SOCK_SHUTDOWN, &f);
    if (err) return wasi_result(r, err);
    static const int how[4] = {-1, SHUT_RD, SHUT_WR, SHUT_RDWR};
    if (A32(1) == 0 || A32(1) > 3) return wasi_result(r, WASI_EINVAL);
    if (shutdown(f->host, how[A32(1)]) != 0) return wasi_result(r, wasi_errno(errno));
    return wasi_result(r, WASI_ESUCCESS);
}
