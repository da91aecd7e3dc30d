/* client.c - bench WebSocket connections on an epoll loop (see
 * client.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client.h"
#include "uring.h"

#define CLIENT_SCRATCH (256 * 1024)
#define CLIENT_HS_MAX 4096
#define CLIENT_READS 4 /* reads per readiness event, for fairness */
#define CLIENT_SLICE 4096 /* per socket in a batch of reads */

static const char client_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static void client_cb(wb_handle_t *h, uint32_t events);


static ssize_t
client_plain_read(wb_conn_t *c, void *buf, size_t n)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(struct timespec))];
    } cm;
    struct iovec iov = {buf, n};
    struct msghdr mh;
    struct cmsghdr *h;
    ssize_t r;

    if (!c->loop->rx_ts)
        return read(c->fd, buf, n);
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof(cm.buf);
    r = recvmsg(c->fd, &mh, 0);
    /* TCP reports the arrival of the last segment read. */
    for (h = CMSG_FIRSTHDR(&mh); r > 0 && h != NULL; h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;

            memcpy(&ts, CMSG_DATA(h), sizeof(ts));
            c->loop->rx_ns =
                (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
        }
    }
    return r;
}


static ssize_t
client_plain_write(wb_conn_t *c, const void *buf, size_t n)
{
    return send(c->fd, buf, n, MSG_NOSIGNAL);
}


static const wb_io_t client_plain = {client_plain_read, client_plain_write};


int
wb_loop_init(wb_loop_t *l, const wb_conn_ops_t *ops, wb_result_t *r,
             size_t max_msg, int deflate, int level)
{
    memset(l, 0, sizeof(*l));
    l->ops = ops;
    l->r = r;
    l->max_msg = max_msg;
    l->rng = wb_now() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    if (l->ep < 0)
        return -1;
    l->scratch_cap = CLIENT_SCRATCH;
    l->scratch = malloc(l->scratch_cap);
    if (l->scratch == NULL)
        goto fail;
    if (deflate) {
        if (wb_pmd_init(&l->pmd, level) < 0)
            goto fail;
        l->pmd_ok = 1;
    }
    /* Reads of many sockets in one system call where io_uring exists:
     * the bench's own cost per delivery is what limits it on a machine
     * it shares with the server. WB_NO_URING=1 turns it off. */
    if (getenv("WB_NO_URING") == NULL) {
        l->uring = wb_uring_init();
        if (l->uring != NULL) {
            l->batch_buf = malloc((size_t)WB_URING_MAX * CLIENT_SLICE);
            l->batch = calloc(WB_URING_MAX, sizeof(*l->batch));
            if (l->batch_buf == NULL || l->batch == NULL)
                goto fail;
        }
    }
    return 0;
fail:
    wb_loop_free(l);
    return -1;
}


void
wb_loop_free(wb_loop_t *l)
{
    if (l->ep >= 0)
        close(l->ep);
    l->ep = -1;
    free(l->scratch);
    l->scratch = NULL;
    wb_uring_free(l->uring);
    l->uring = NULL;
    free(l->batch_buf);
    l->batch_buf = NULL;
    free(l->batch);
    l->batch = NULL;
    if (l->pmd_ok)
        wb_pmd_free(&l->pmd);
    l->pmd_ok = 0;
}


int
wb_loop_add(wb_loop_t *l, int fd, uint32_t events, wb_handle_t *h)
{
    struct epoll_event ev;

    ev.events = events;
    ev.data.ptr = h;
    return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
}


static int client_batchable(const wb_conn_t *c, uint32_t events);
static void client_batch_done(void *arg, uint64_t tag, int res);
static void client_read(wb_conn_t *c);


int
wb_loop_poll(wb_loop_t *l, int timeout_ms)
{
    struct epoll_event ev[WB_URING_MAX];
    int i, n, k = 0;

    n = epoll_wait(l->ep, ev, WB_URING_MAX, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    /* Open connections with only data to read are read first, together
     * (one io_uring_enter() for all); the rest is dispatched after, so
     * nothing a callback does can reuse a batched connection's fd before
     * its read. */
    for (i = 0; l->uring != NULL && i < n; i++) {
        wb_handle_t *h = ev[i].data.ptr;
        wb_conn_t *c = (wb_conn_t *)h;

        if (h->cb != client_cb || !client_batchable(c, ev[i].events))
            continue;
        l->batch[k].c = c;
        l->batch[k].fd = c->fd;
        l->batch[k].t_start = c->t_start;
        wb_uring_recv(l->uring, c->fd, l->batch_buf + (size_t)k * CLIENT_SLICE,
                      CLIENT_SLICE, (uint64_t)k);
        k++;
        ev[i].events = 0; /* done here */
    }
    if (k > 0 && wb_uring_run(l->uring, client_batch_done, l) < 0) {
        /* The ring refused the batch: read those sockets one by one, and
         * from now on always. */
        wb_uring_free(l->uring);
        l->uring = NULL;
        for (i = 0; i < k; i++)
            client_read(l->batch[i].c);
    }
    for (i = 0; i < n; i++) {
        wb_handle_t *h = ev[i].data.ptr;

        if (ev[i].events != 0)
            h->cb(h, ev[i].events);
    }
    return n;
}


uint64_t
wb_rand(wb_loop_t *l)
{
    /* xorshift64* */
    l->rng ^= l->rng >> 12;
    l->rng ^= l->rng << 25;
    l->rng ^= l->rng >> 27;
    return l->rng * 0x2545f4914f6cdd1dULL;
}


int
wb_sock_connect(const struct sockaddr *sa, socklen_t salen,
                const struct sockaddr_in *src)
{
    int fd, one = 1, e;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (src != NULL && sa->sa_family == AF_INET) {
        /* The port is chosen at connect() for the whole 4-tuple, so each
         * source address gives a full ephemeral range per target. */
#ifdef IP_BIND_ADDRESS_NO_PORT
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
        if (bind(fd, (const struct sockaddr *)src, sizeof(*src)) < 0)
            goto fail;
    }
    if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS)
        goto fail;
    return fd;
fail:
    e = errno;
    close(fd);
    errno = e;
    return -1;
}


/* Room for n more unsent bytes; returns where they go, or NULL. */
static uint8_t *
client_reserve(wb_conn_t *c, size_t n)
{
    size_t cap;
    uint8_t *nb;

    if (c->ooff > 0 && c->ooff == c->olen)
        c->ooff = c->olen = 0;
    if (c->ocap - c->olen >= n)
        return c->out + c->olen;
    if (c->ooff > 0) {
        memmove(c->out, c->out + c->ooff, c->olen - c->ooff);
        c->olen -= c->ooff;
        c->ooff = 0;
        if (c->ocap - c->olen >= n)
            return c->out + c->olen;
    }
    /* Double, or jump straight to the size needed (one allocation for a
     * large message, not a chain of them). */
    cap = c->ocap ? c->ocap * 2 : 512;
    if (cap - c->olen < n)
        cap = (c->olen + n + 4095) & ~(size_t)4095;
    nb = realloc(c->out, cap);
    if (nb == NULL)
        return NULL;
    c->out = nb;
    c->ocap = cap;
    return c->out + c->olen;
}


static void
client_want_out(wb_conn_t *c, int on)
{
    struct epoll_event ev;

    if (c->want_out == on)
        return;
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
    ev.data.ptr = &c->h;
    epoll_ctl(c->loop->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = on;
}


/* Write what is queued. Returns 0, or -1 when c closed. */
static int
client_flush(wb_conn_t *c)
{
    ssize_t n;

    while (c->ooff < c->olen) {
        n = c->io->write(c, c->out + c->ooff, c->olen - c->ooff);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                client_want_out(c, 1);
                return 0;
            }
            wb_conn_close(c, WB_WHY_CLOSED, 0);
            return -1;
        }
        c->ooff += (size_t)n;
    }
    /* Nothing left to send: hold no memory (idle subscribers). */
    c->ooff = c->olen = 0;
    free(c->out);
    c->out = NULL;
    c->ocap = 0;
    client_want_out(c, 0);
    return 0;
}


static void
client_b64(char *out, const uint8_t *in, size_t n)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}


int
wb_conn_open(wb_loop_t *l, wb_conn_t *c, const wb_target_t *t,
             const char *query, const struct sockaddr_in *src, int deflate)
{
    uint8_t rnd[16], md[EVP_MAX_MD_SIZE];
    char key[32], cat[96], *req;
    unsigned mdlen = 0;
    uint64_t x;
    int n;

    memset(c, 0, offsetof(wb_conn_t, id));
    c->h.cb = client_cb;
    c->loop = l;
    c->io = &client_plain;
    c->fd = -1;
    c->t_start = wb_now();
    wb_rx_init(&c->rx, l->max_msg);
    l->r->attempts++;
    x = wb_rand(l);
    memcpy(rnd, &x, 8);
    x = wb_rand(l);
    memcpy(rnd + 8, &x, 8);
    client_b64(key, rnd, 16);
    n = snprintf(cat, sizeof(cat), "%s%s", key, client_guid);
    EVP_Digest(cat, (size_t)n, md, &mdlen, EVP_sha1(), NULL);
    client_b64(c->accept, md, mdlen);
    req = (char *)client_reserve(c, 1024);
    if (req == NULL)
        goto fail;
    n = snprintf(req, 1024,
                 "GET %s%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                 t->path, query ? query : "", t->host, key,
                 deflate ? "Sec-WebSocket-Extensions: " : "",
                 deflate ? WB_PMD_OFFER : "", deflate ? "\r\n" : "");
    if (n <= 0 || n >= 1024)
        goto fail;
    c->olen = (size_t)n;
    c->fd = wb_sock_connect((const struct sockaddr *)&t->sa, t->salen, src);
    if (c->fd < 0)
        goto fail;
    if (l->rx_ts) {
        int one = 1;

        setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    }
    /* On loopback the TCP handshake is usually over by the time connect()
     * returns: send the request at once and watch for input only. That
     * saves the writable wakeup, the SO_ERROR check and the epoll_ctl()
     * that drops EPOLLOUT: three system calls of a dozen per connection,
     * where the bench's own cost per connection bounds the connect rate
     * it can measure. Not connected yet: wait for EPOLLOUT as usual. */
    c->state = WB_C_CONNECTING;
    n = (int)c->io->write(c, c->out, c->olen);
    if (n == (int)c->olen) {
        c->state = WB_C_UPGRADING;
        c->ooff = c->olen = 0;
        free(c->out);
        c->out = NULL;
        c->ocap = 0;
        if (wb_loop_add(l, c->fd, EPOLLIN, &c->h) < 0)
            goto fail;
        return 0;
    }
    if (n > 0)
        c->ooff = (size_t)n;
    else if (errno != EAGAIN && errno != ENOTCONN && errno != EINTR)
        goto fail; /* refused: the send took the socket's error */
    c->want_out = 1;
    if (wb_loop_add(l, c->fd, EPOLLIN | EPOLLOUT, &c->h) < 0)
        goto fail;
    return 0;
fail:
    c->state = WB_C_CONNECTING;
    wb_conn_close(c, WB_WHY_CONNECT, 0);
    return -1;
}


/* Is header name (case-insensitive) at line s, and what is its value? */
static const char *
client_header(const char *s, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    const char *e;

    if (strncasecmp(s, name, n) != 0 || s[n] != ':')
        return NULL;
    s += n + 1;
    while (*s == ' ' || *s == '\t')
        s++;
    e = strstr(s, "\r\n");
    if (e == NULL)
        e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *vlen = (size_t)(e - s);
    return s;
}


/* The whole response head is in c->hs (NUL-terminated at the blank
 * line). Returns 0 if it accepts the upgrade, else WB_WHY_HTTP or
 * WB_WHY_PROTO. */
static int
client_check_response(wb_conn_t *c, int offered)
{
    const char *s = c->hs, *v;
    int accept = 0, upgrade = 0, pmd = 0;
    size_t vl;

    if (strncmp(s, "HTTP/1.1 101 ", 13) != 0 &&
        strncmp(s, "HTTP/1.1 101\r", 13) != 0)
        return WB_WHY_HTTP;
    for (s = strstr(s, "\r\n"); s != NULL && s[2] != '\0';
         s = strstr(s + 2, "\r\n")) {
        const char *line = s + 2;

        if ((v = client_header(line, "Sec-WebSocket-Accept", &vl)) != NULL)
            accept = vl == strlen(c->accept) && memcmp(v, c->accept, vl) == 0;
        else if ((v = client_header(line, "Upgrade", &vl)) != NULL)
            upgrade = vl == 9 && strncasecmp(v, "websocket", 9) == 0;
        else if ((v = client_header(line, "Sec-WebSocket-Extensions", &vl)) !=
                 NULL)
            pmd = offered ? wb_pmd_accepted(v, vl) : -1;
    }
    if (!accept || !upgrade || pmd < 0)
        return WB_WHY_PROTO;
    c->pmd = pmd;
    return 0;
}


static int client_on_frame(void *arg, unsigned op, int compressed, uint8_t *p,
                           size_t n);


/* Bytes of the upgrade response (p may be modified). Only the response
 * head is copied; frames right behind it are fed from p. Returns 0, or
 * -1 when c closed. */
static int
client_upgrade_data(wb_conn_t *c, uint8_t *p, size_t n)
{
    size_t old = c->hslen, take, from, head;
    char *end;
    int why;

    take = n < CLIENT_HS_MAX - old ? n : CLIENT_HS_MAX - old;
    if (c->hscap < old + take + 1) {
        size_t cap = c->hscap ? c->hscap * 2 : 1024;
        char *nb;

        while (cap < old + take + 1)
            cap *= 2;
        nb = realloc(c->hs, cap);
        if (nb == NULL)
            goto fail_http;
        c->hs = nb;
        c->hscap = cap;
    }
    memcpy(c->hs + old, p, take);
    c->hslen += take;
    c->hs[c->hslen] = '\0';
    from = old > 3 ? old - 3 : 0;
    end = strstr(c->hs + from, "\r\n\r\n");
    if (end == NULL) {
        if (c->hslen >= CLIENT_HS_MAX)
            goto fail_http;
        return 0;
    }
    head = (size_t)(end - c->hs) + 4;
    end[2] = '\0';
    why = client_check_response(c, c->loop->pmd_ok);
    free(c->hs);
    c->hs = NULL;
    c->hslen = c->hscap = 0;
    if (why != 0) {
        wb_conn_close(c, why, 0);
        return -1;
    }
    c->state = WB_C_OPEN;
    c->loop->r->opened++;
    c->loop->r->deflated += (uint64_t)c->pmd;
    c->loop->ops->on_open(c);
    /* What followed the head in this read: frames (the welcome, ...). */
    from = head - old;
    if (c->state == WB_C_OPEN && n > from &&
        wb_rx_feed(&c->rx, p + from, n - from, client_on_frame, c) < 0)
        wb_conn_close(c, WB_WHY_PROTO, 1002);
    return c->state == WB_C_OPEN ? 0 : -1;
fail_http:
    wb_conn_close(c, WB_WHY_HTTP, 0);
    return -1;
}


/* Queue a frame (payload p of n bytes, masked) and write. */
static int
client_frame(wb_conn_t *c, unsigned op, int rsv1, const uint8_t *p, size_t n)
{
    uint8_t *dst, key[4];
    uint32_t k = (uint32_t)wb_rand(c->loop);
    size_t h;

    memcpy(key, &k, 4);
    dst = client_reserve(c, n + WB_FRAME_HDR_MAX);
    if (dst == NULL) {
        wb_conn_close(c, WB_WHY_PROTO, 0);
        return -1;
    }
    h = wb_frame_header(dst, 1, rsv1, op, n, key);
    memcpy(dst + h, p, n);
    wb_mask(dst + h, n, key, 0);
    c->olen += h + n;
    if (c->state == WB_C_CONNECTING)
        return 0;
    return client_flush(c);
}


int
wb_conn_send_raw(wb_conn_t *c, unsigned opcode, int rsv1, const uint8_t *p,
                 size_t n)
{
    if (c->state != WB_C_OPEN || (rsv1 && !c->pmd))
        return -1;
    return client_frame(c, opcode, rsv1, p, n);
}


int
wb_conn_send(wb_conn_t *c, unsigned opcode, const uint8_t *p, size_t n,
             int compress)
{
    const uint8_t *z;
    long zn;

    if (c->state != WB_C_OPEN)
        return -1;
    if (compress && c->pmd) {
        zn = wb_pmd_deflate(&c->loop->pmd, p, n, &z);
        if (zn < 0) {
            wb_conn_close(c, WB_WHY_PROTO, 1011);
            return -1;
        }
        return client_frame(c, opcode, 1, z, (size_t)zn);
    }
    return client_frame(c, opcode, 0, p, n);
}


static int
client_on_frame(void *arg, unsigned op, int compressed, uint8_t *p, size_t n)
{
    wb_conn_t *c = arg;
    const uint8_t *q;
    long m;

    switch (op) {
    case WB_OP_CLOSE:
        c->loop->r->closes_rcvd++;
        /* Answer with the same code, as RFC 6455 5.5.1 asks. */
        client_frame(c, WB_OP_CLOSE, 0, p, n >= 2 ? 2 : 0);
        if (c->state == WB_C_OPEN)
            wb_conn_close(c, WB_WHY_CLOSED, 0);
        return 1;
    case WB_OP_PING:
        c->loop->r->pings++;
        return client_frame(c, WB_OP_PONG, 0, p, n) < 0;
    case WB_OP_PONG:
        return 0;
    }
    if (compressed) {
        if (!c->pmd) {
            wb_conn_close(c, WB_WHY_PROTO, 1002);
            return 1;
        }
        m = wb_pmd_inflate(&c->loop->pmd, p, n, c->loop->max_msg, &q);
        if (m < 0) {
            wb_conn_close(c, WB_WHY_PROTO, m == -2 ? 1009 : 1007);
            return 1;
        }
        p = (uint8_t *)q;
        n = (size_t)m;
    }
    return c->loop->ops->on_message(c, op, p, n);
}


/* Feed n bytes of an open connection to its frame parser. Returns 0, or
 * -1 when c was closed. */
static int
client_frames(wb_conn_t *c, uint8_t *p, size_t n)
{
    int r = wb_rx_feed(&c->rx, p, n, client_on_frame, c);

    if (r < 0) {
        wb_conn_close(c, WB_WHY_PROTO, r == WB_FRAME_ETOOBIG ? 1009 : 1002);
        return -1;
    }
    return 0;
}


static void
client_read(wb_conn_t *c)
{
    wb_loop_t *l = c->loop;
    ssize_t n;
    int i;

    for (i = 0; i < CLIENT_READS && c->state >= WB_C_UPGRADING &&
                c->state < WB_C_CLOSED;
         i++) {
        n = c->io->read(c, l->scratch, l->scratch_cap);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            wb_conn_close(
                c, c->state == WB_C_OPEN ? WB_WHY_CLOSED : WB_WHY_HTTP, 0);
            return;
        }
        if (c->state == WB_C_UPGRADING) {
            if (client_upgrade_data(c, l->scratch, (size_t)n) < 0)
                return;
        } else if (client_frames(c, l->scratch, (size_t)n) < 0) {
            return;
        }
        if ((size_t)n < l->scratch_cap)
            return;
    }
}


/* Only data to read, on an open plain connection whose reads need no
 * receive timestamps: its read can join a batch. */
static int
client_batchable(const wb_conn_t *c, uint32_t events)
{
    return events == EPOLLIN && c->state == WB_C_OPEN &&
           c->io == &client_plain && !c->loop->rx_ts;
}


/* One read of a batch came back (tag: its index in l->batch). */
static void
client_batch_done(void *arg, uint64_t tag, int res)
{
    wb_loop_t *l = arg;
    wb_conn_t *c = l->batch[tag].c;

    /* The connection is the one the read was for (callbacks of earlier
     * results in this batch may have closed it). */
    if (c->fd != l->batch[tag].fd || c->t_start != l->batch[tag].t_start ||
        c->state != WB_C_OPEN)
        return;
    if (res == -EAGAIN || res == -EINTR)
        return;
    if (res <= 0) {
        wb_conn_close(c, WB_WHY_CLOSED, 0);
        return;
    }
    if (client_frames(c, l->batch_buf + (size_t)tag * CLIENT_SLICE,
                      (size_t)res) < 0)
        return;
    if (res == CLIENT_SLICE)
        client_read(c); /* more may be waiting */
}


static void
client_cb(wb_handle_t *h, uint32_t events)
{
    wb_conn_t *c = (wb_conn_t *)h;
    int err = 0;
    socklen_t len = sizeof(err);

    if (c->state == WB_C_CONNECTING) {
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
            err != 0) {
            wb_conn_close(c, WB_WHY_CONNECT, 0);
            return;
        }
        if (!(events & (EPOLLOUT | EPOLLIN)))
            return;
        c->state = WB_C_UPGRADING;
        if (client_flush(c) < 0)
            return;
    } else if ((events & EPOLLOUT) && client_flush(c) < 0) {
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        client_read(c);
}


void
wb_conn_close(wb_conn_t *c, int why, int code)
{
    wb_result_t *r = c->loop->r;
    enum wb_cstate was = c->state;

    if (was == WB_C_FREE || was == WB_C_CLOSED)
        return;
    c->state = WB_C_CLOSED;
    if (was == WB_C_OPEN && code != 0 && c->fd >= 0 && c->ooff == c->olen) {
        uint8_t f[4 + WB_FRAME_HDR_MAX], pl[2], key[4] = {1, 2, 3, 4};
        size_t h;

        pl[0] = (uint8_t)(code >> 8);
        pl[1] = (uint8_t)code;
        h = wb_frame_header(f, 1, 0, WB_OP_CLOSE, 2, key);
        memcpy(f + h, pl, 2);
        wb_mask(f + h, 2, key, 0);
        (void)!c->io->write(c, f, h + 2);
    }
    if (!c->ready) {
        r->failed++;
        if (why == WB_WHY_CONNECT)
            r->f_connect++;
        else if (why == WB_WHY_TIMEOUT)
            r->f_timeout++;
        else if (why == WB_WHY_HTTP)
            r->f_http++;
        else if (why == WB_WHY_PROTO)
            r->f_proto++;
        else if (why == WB_WHY_CLOSED)
            r->f_closed++;
    } else if (why != WB_WHY_LOCAL) {
        r->dropped++;
        if (why == WB_WHY_PROTO)
            r->f_proto++;
    }
    c->loop->ops->on_close(c, why);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->out);
    c->out = NULL;
    c->olen = c->ooff = c->ocap = 0;
    free(c->hs);
    c->hs = NULL;
    c->hslen = c->hscap = 0;
    wb_rx_free(&c->rx);
}


int
wb_conn_expire(wb_conn_t *c, uint64_t deadline, uint64_t now)
{
    if (c->state != WB_C_FREE && c->state != WB_C_CLOSED && !c->ready &&
        now > deadline) {
        wb_conn_close(c, WB_WHY_TIMEOUT, 0);
        return 1;
    }
    return 0;
}
