/* rlink_io.c - resolving a Redis address, the non-blocking connect, and
 * plain socket read/write for the link's I/O ops. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "err.h"
#include "raddr.h"
#include "rlink_io.h"
#include "x.h"

#ifdef MSG_NOSIGNAL
#define RLINK_IO_SEND_FLAGS MSG_NOSIGNAL
#else
#define RLINK_IO_SEND_FLAGS 0 /* SO_NOSIGPIPE is set on the socket */
#endif


/* The plain ops keep the socket itself as their state. */
static int
io_plain_open(void *arg, int fd, const wf_raddr_t *a, void **ctx,
              const char **why)
{
    *ctx = (void *)(intptr_t)fd;
    return 0;
}


static ssize_t
io_plain_read(void *ctx, void *buf, size_t n, int *want)
{
    ssize_t r;

    do
        r = read((int)(intptr_t)ctx, buf, n);
    while (r == -1 && errno == EINTR);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *want = EV_READ;
        return WF_EAGAIN;
    }
    return WF_ESYS;
}


static ssize_t
io_plain_writev(void *ctx, const struct iovec *iov, int iovcnt, int *want)
{
    struct msghdr mh;
    ssize_t r;

    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = (struct iovec *)iov;
    mh.msg_iovlen = (size_t)iovcnt;
    do
        r = sendmsg((int)(intptr_t)ctx, &mh, RLINK_IO_SEND_FLAGS);
    while (r == -1 && errno == EINTR);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *want = EV_WRITE;
        return WF_EAGAIN;
    }
    return WF_ESYS;
}


static void
io_plain_close(void *ctx)
{
}


const wf_rlink_io_t wf_rlink_io_plain = {
    "plain",       io_plain_open,   NULL,
    io_plain_read, io_plain_writev, io_plain_close,
};


/* Fill *ss with a's address (the rot-th one of a name). Returns 0, or -1
 * with err set. */
static int
io_resolve(const wf_raddr_t *a, unsigned rot, struct sockaddr_storage *ss,
           socklen_t *sslen, char *err, size_t errlen)
{
    struct addrinfo hints, *res, *ai;
    char port[8];
    unsigned n = 0;
    int rc;

    memset(ss, 0, sizeof(*ss));
    if (a->kind == WF_RADDR_UNIX) {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;

        sun->sun_family = AF_UNIX;
        snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", a->path);
        *sslen = sizeof(*sun);
        return 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%d", a->port);
    if ((rc = getaddrinfo(a->host, port, &hints, &res)) != 0) {
        snprintf(err, errlen, "resolving %s: %s", a->host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next)
        n++;
    for (ai = res, n = rot % n; n > 0; n--)
        ai = ai->ai_next;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sslen = ai->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}


int
wf_rlink_io_connect(const wf_raddr_t *a, unsigned rot, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, one = 1;

    if (io_resolve(a, rot, &ss, &sslen, err, errlen) != 0)
        return -1;
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd == -1 || wf_set_nonblock(fd) != 0 || wf_set_cloexec(fd) != 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        goto fail;
    }
    if (ss.ss_family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#ifdef SO_NOSIGPIPE
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
    if (connect(fd, (struct sockaddr *)&ss, sslen) == 0 || errno == EINPROGRESS)
        return fd;
    snprintf(err, errlen, "connect: %s", strerror(errno));
fail:
    if (fd != -1)
        close(fd);
    return -1;
}
