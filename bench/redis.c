/* redis.c - pipelined PUBLISH over a raw socket (see redis.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis.h"


int
wb_redis_connect(wb_redis_t *r, const struct sockaddr *sa, socklen_t salen,
                 int timeout_ms)
{
    struct pollfd pfd;
    int one = 1, err = 0;
    socklen_t len = sizeof(err);

    memset(r, 0, sizeof(*r));
    r->fd =
        socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->fd < 0)
        return -1;
    setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(r->fd, sa, salen) < 0) {
        if (errno != EINPROGRESS)
            goto fail;
        pfd.fd = r->fd;
        pfd.events = POLLOUT;
        if (poll(&pfd, 1, timeout_ms) != 1) {
            errno = ETIMEDOUT;
            goto fail;
        }
        if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
            err != 0) {
            errno = err ? err : EIO;
            goto fail;
        }
    }
    return 0;
fail:
    err = errno;
    close(r->fd);
    r->fd = -1;
    errno = err;
    return -1;
}


static int
redis_reserve(uint8_t **b, size_t *cap, size_t len, size_t n)
{
    size_t want = *cap ? *cap : 4096;
    uint8_t *nb;

    if (*cap - len >= n)
        return 0;
    while (want - len < n)
        want *= 2;
    nb = realloc(*b, want);
    if (nb == NULL)
        return -1;
    *b = nb;
    *cap = want;
    return 0;
}


int
wb_redis_publish(wb_redis_t *r, const char *prefix, const char *ch,
                 const char *data, size_t n)
{
    size_t pl = strlen(prefix), cl = strlen(ch);
    int h;

    if (r->ooff == r->olen)
        r->ooff = r->olen = 0;
    if (redis_reserve(&r->out, &r->ocap, r->olen, n + pl + cl + 64) < 0)
        return -1;
    h = sprintf((char *)r->out + r->olen,
                "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s%s"
                "\r\n$%zu\r\n",
                pl + cl, prefix, ch, n);
    r->olen += (size_t)h;
    memcpy(r->out + r->olen, data, n);
    r->olen += n;
    memcpy(r->out + r->olen, "\r\n", 2);
    r->olen += 2;
    r->pending++;
    return 0;
}


int
wb_redis_flush(wb_redis_t *r)
{
    ssize_t n;

    while (r->ooff < r->olen) {
        n = send(r->fd, r->out + r->ooff, r->olen - r->ooff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return 0;
            return -1;
        }
        r->ooff += (size_t)n;
    }
    r->ooff = r->olen = 0;
    return 1;
}


long
wb_redis_parse(wb_redis_t *r, const uint8_t *p, size_t n)
{
    const uint8_t *s = p, *end = p + n, *nl;
    long long v;

    while (s < end) {
        nl = memchr(s, '\n', (size_t)(end - s));
        if (nl == NULL)
            break;
        switch (*s) {
        case ':':
            v = strtoll((const char *)s + 1, NULL, 10);
            r->ok++;
            r->receivers += v > 0 ? (uint64_t)v : 0;
            break;
        case '+':
            r->ok++;
            break;
        case '-':
            r->errors++;
            break;
        case '$':
            /* A bulk reply is not expected from PUBLISH; skip it. */
            v = strtoll((const char *)s + 1, NULL, 10);
            if (v >= 0) {
                if ((size_t)(end - nl - 1) < (size_t)v + 2)
                    goto incomplete;
                nl += v + 2;
            }
            r->ok++;
            break;
        default:
            return -1;
        }
        if (r->pending > 0)
            r->pending--;
        s = nl + 1;
    }
incomplete:
    return (long)(s - p);
}


int
wb_redis_read(wb_redis_t *r)
{
    ssize_t n;
    long used;

    for (;;) {
        if (redis_reserve(&r->in, &r->icap, r->ilen, 65536) < 0)
            return -1;
        n = read(r->fd, r->in + r->ilen, r->icap - r->ilen);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        r->ilen += (size_t)n;
        used = wb_redis_parse(r, r->in, r->ilen);
        if (used < 0)
            return -1;
        memmove(r->in, r->in + used, r->ilen - (size_t)used);
        r->ilen -= (size_t)used;
    }
}


void
wb_redis_close(wb_redis_t *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->out);
    free(r->in);
    r->out = r->in = NULL;
    r->olen = r->ooff = r->ocap = r->ilen = r->icap = 0;
}
