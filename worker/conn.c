/* conn.c - client connections: reading into the shared scratch buffer,
 * the HTTP phase and the upgrade, the corked send queue, timeouts and the
 * close path. The WebSocket phase lives in ws.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ev.h>

#include "api.h"
#include "buf.h"
#include "conn-t.h"
#include "conn.h"
#include "err.h"
#include "hs.h"
#include "http.h"
#include "log.h"
#include "pool.h"
#include "metrics.h"
#include "msg.h"
#include "proto.h"
#include "route.h"
#include "stats.h"
#include "tq.h"
#include "wbatch.h"
#include "ws.h"
#include "x.h"

#define CONN_SCRATCH (64 * 1024) /* one read's worth, shared by all */
#define CONN_IOV_MAX 64          /* queue entries per writev */
#define CONN_BATCH_IOVS 4096     /* queue entries in one batch of writes */
#define CONN_BEAT_EVERY 1024     /* flushes between heartbeats */
#define CONN_HTTP_OUT_MAX (64 * 1024) /* pause reading above this */
#define CONN_LINGER_MS 2000      /* read-and-discard after an error reply */
#define CONN_DRAIN_TICK_MS 100   /* spread 1001 closes in steps this long */
#define CONN_WS_IDLE_NEVER (24u * 3600 * 1000) /* ping-interval 0 */

static struct {
    const wf_conn_env_t *env;
    struct ev_loop *loop;
    char *scratch;
    wf_tq_t tqs[WF_TQ_COUNT];
    wf_pmd_conf_t pmd;
    wf_hs_opts_t hs;
    ev_timer tick_w;
    uint64_t tick_at; /* when tick_w fires, UINT64_MAX if idle */
    ev_prepare flush_w;
    wf_conn_t *pending; /* to flush before the loop blocks */
    wf_conn_t *dead;    /* closed, to free after the flush */
    wf_pool_t pool;     /* of wf_conn_t */
    size_t count;
    wf_http_limits_t lim;
    wf_conn_stats_t st;
    ev_timer drain_w;    /* spreads the 1001 closes of a drain */
    uint64_t drain_end;  /* when the last one should be sent */
} conns;

static void conn_on_io(struct ev_loop *loop, ev_io *io, int revents);


/* ---- timeouts ----------------------------------------------------------- */

static void
conn_arm_tick(uint64_t deadline)
{
    uint64_t now;

    if (deadline >= conns.tick_at)
        return;
    now = wf_now_ms();
    conns.tick_at = deadline;
    ev_timer_stop(conns.loop, &conns.tick_w);
    ev_timer_set(&conns.tick_w,
                 deadline > now ? (double)(deadline - now) / 1000. : 0., 0.);
    ev_timer_start(conns.loop, &conns.tick_w);
}


void
wf_conn_set_tq(wf_conn_t *c, int tq)
{
    if (c->tq != WF_TQ_NONE && c->tq != tq)
        wf_tq_remove(&conns.tqs[c->tq], &c->tmo);
    c->tq = (uint8_t)tq;
    if (tq == WF_TQ_NONE)
        return;
    wf_tq_push(&conns.tqs[tq], &c->tmo, wf_now_ms());
    conn_arm_tick(c->tmo.deadline);
}


static void conn_reply_close(wf_conn_t *c, int status, const char *why);
static void conn_await(wf_conn_t *c, int keepalive, const char *rest,
                       size_t len);
static void conn_http_input(wf_conn_t *c, char *p, size_t len);


static void
conn_expire(wf_conn_t *c, int tq)
{
    switch (tq) {
    case WF_TQ_HANDSHAKE:
    case WF_TQ_REQUEST:
        if (tq == WF_TQ_HANDSHAKE)
            conns.st.hs_failures[WF_STATS_HS_TIMEOUT]++;
        if (c->http != NULL && wf_http_started(c->http))
            conn_reply_close(c, 408, "request timeout");
        else
            wf_conn_close(c, "timed out before a request");
        break;
    case WF_TQ_KEEPALIVE:
        wf_conn_close(c, "keep-alive timeout");
        break;
    case WF_TQ_WS_IDLE:
    case WF_TQ_WS_PONG:
    case WF_TQ_WS_CLOSE:
        wf_ws_timeout(c, tq);
        break;
    default:
        wf_conn_close(c, "linger timeout");
        break;
    }
}


static void
conn_on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    uint64_t now = wf_now_ms(), next = UINT64_MAX;

    conns.tick_at = UINT64_MAX;
    for (int i = WF_TQ_NONE + 1; i < WF_TQ_COUNT; i++) {
        wf_tq_node_t *n;

        while ((n = wf_tq_expired(&conns.tqs[i], now)) != NULL) {
            wf_conn_t *c = WF_CONTAINER_OF(n, wf_conn_t, tmo);

            wf_tq_remove(&conns.tqs[i], n);
            c->tq = WF_TQ_NONE;
            conn_expire(c, i);
        }
        next = WF_MIN(next, wf_tq_next_deadline(&conns.tqs[i]));
    }
    if (next != UINT64_MAX)
        conn_arm_tick(next);
}


/* ---- sending ------------------------------------------------------------ */

static void
conn_want(wf_conn_t *c, int events)
{
    /* libev keeps a flag of its own (EV__IOFDSET) in events: compare
     * only ours, or every call would cost an epoll_ctl(). */
    if ((c->io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(conns.loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    if (events)
        ev_io_start(conns.loop, &c->io);
}


static int
conn_read_events(const wf_conn_t *c)
{
    return (c->flags & (WF_CONN_F_PAUSED | WF_CONN_F_AWAIT)) ? 0 : EV_READ;
}


/* Put c on the list flushed before the loop blocks. */
static void
conn_mark_pending(wf_conn_t *c)
{
    if (!(c->flags & WF_CONN_F_PENDING)) {
        c->flags |= WF_CONN_F_PENDING;
        c->next_pending = conns.pending;
        conns.pending = c;
    }
}


void
wf_conn_send(wf_conn_t *c, wf_msg_t *m)
{
    if (c->state == WF_CONN_CLOSED) {
        wf_msg_unref(m);
        return;
    }
    if (c->qlen == c->qcap) {
        uint32_t ncap = c->qcap ? c->qcap * 2 : 4;
        wf_msg_t **nq = wf_xreallocarray(NULL, ncap, sizeof(*nq));

        for (uint32_t i = 0; i < c->qlen; i++)
            nq[i] = c->q[(c->qhead + i) % c->qcap];
        free(c->q);
        c->q = nq;
        c->qcap = ncap;
        c->qhead = 0;
    }
    c->q[(c->qhead + c->qlen) % c->qcap] = m;
    c->qlen++;
    c->qbytes += m->len;
    conn_mark_pending(c);
}


static void
conn_queue_free(wf_conn_t *c)
{
    for (uint32_t i = 0; i < c->qlen; i++)
        wf_msg_unref(c->q[(c->qhead + i) % c->qcap]);
    free(c->q);
    c->q = NULL;
    c->qhead = c->qlen = c->qcap = c->qoff = 0;
    c->qbytes = 0;
}


/* Point iov at the head of c's queue (at most max entries). */
static int
conn_iov(const wf_conn_t *c, struct iovec *iov, int max)
{
    int n = 0;

    for (uint32_t i = 0; i < c->qlen && n < max; i++) {
        wf_msg_t *m = c->q[(c->qhead + i) % c->qcap];
        size_t off = i == 0 ? c->qoff : 0;

        iov[n].iov_base = m->data + off;
        iov[n].iov_len = m->len - off;
        n++;
    }
    return n;
}


/* w bytes of the queue's head left: drop what is done. */
static void
conn_wrote(wf_conn_t *c, size_t w)
{
    c->qbytes -= w;
    conns.st.bytes_out += (uint64_t)w;
    conns.st.writes++;
    while (w > 0) {
        wf_msg_t *m = c->q[c->qhead];
        size_t left = m->len - c->qoff;

        if (w < left) {
            c->qoff += (uint32_t)w;
            break;
        }
        w -= left;
        c->qoff = 0;
        wf_msg_unref(m);
        c->qhead = (c->qhead + 1) % c->qcap;
        c->qlen--;
    }
}


/* Write as much of the queue as the socket takes. Returns 0 when all is
 * written, 1 when the socket is full, -1 on a write error (c untouched:
 * the caller decides). */
static int
conn_write(wf_conn_t *c)
{
    while (c->qlen > 0) {
        struct iovec iov[CONN_IOV_MAX];
        int n = conn_iov(c, iov, CONN_IOV_MAX);
        ssize_t w;

        do
            w = writev(c->io.fd, iov, n);
        while (w == -1 && errno == EINTR);
        if (w == -1)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
        conn_wrote(c, (size_t)w);
    }
    return 0;
}


size_t
wf_conn_write_now(wf_conn_t *c)
{
    /* A write error is left for the flush before the loop blocks (c is
     * on the flush list), which closes c outside any caller's walk. */
    if (c->state != WF_CONN_CLOSED)
        conn_write(c);
    return c->qbytes;
}


/* Write the queue and act on the outcome. Returns 0, or -1 after closing
 * c. */
static int
conn_flush(wf_conn_t *c)
{
    int r = conn_write(c);

    if (r < 0) {
        wf_conn_close(c, "write error");
        return -1;
    }
    if (r > 0) {
        conn_want(c, conn_read_events(c) | EV_WRITE);
        return 0;
    }
    conn_queue_free(c); /* idle connections hold no queue */
    if (c->flags & WF_CONN_F_CLOSE_AFTER) {
        if (c->state == WF_CONN_LINGER) {
            /* Half-close and read what the client still sends, so its
             * unread request does not turn our reply into a reset. */
            shutdown(c->io.fd, SHUT_WR);
            c->flags &= (uint8_t)~(WF_CONN_F_CLOSE_AFTER | WF_CONN_F_PAUSED);
            conn_want(c, EV_READ);
            wf_conn_set_tq(c, WF_TQ_LINGER);
            return 0;
        }
        wf_conn_close(c, "response sent");
        return -1;
    }
    if (c->flags & WF_CONN_F_PAUSED)
        c->flags &= (uint8_t)~WF_CONN_F_PAUSED;
    conn_want(c, c->state == WF_CONN_CLOSED ? 0 : conn_read_events(c));
    return 0;
}


/* c's write in a batch came back: finish c the way conn_flush() would
 * have (what the socket did not take waits for EV_WRITE; a queue longer
 * than CONN_IOV_MAX continues with writev()). */
static void
conn_batch_done(wf_conn_t *c, ssize_t res)
{
    if (c->state == WF_CONN_CLOSED)
        return;
    if (res >= 0) {
        conn_wrote(c, (size_t)res);
        conn_flush(c);
    } else if (res == -EAGAIN || res == -EWOULDBLOCK) {
        conn_want(c, conn_read_events(c) | EV_WRITE);
    } else {
        wf_conn_close(c, "write error");
    }
}


/* Before the loop blocks: flush every connection that queued data, then
 * free the connections closed during this iteration. The writes of
 * up to WF_WBATCH_MAX connections go to the kernel together (wbatch.h):
 * one published message to a thousand subscribers costs four system
 * calls, not a thousand. */
static void
conn_on_prepare(struct ev_loop *loop, ev_prepare *p, int revents)
{
    static struct iovec iov[CONN_BATCH_IOVS];
    wf_wbatch_op_t ops[WF_WBATCH_MAX];
    wf_conn_t *batch[WF_WBATCH_MAX];
    unsigned n = 0;

    while (conns.pending != NULL) {
        size_t k = 0, used = 0;

        while (conns.pending != NULL && k < WF_WBATCH_MAX) {
            wf_conn_t *c = conns.pending;

            /* Each connection's whole queue (up to CONN_IOV_MAX frames)
             * goes in one write, as with writev(): when the iovecs run
             * out, c opens the next batch. */
            if (c->state != WF_CONN_CLOSED &&
                used + WF_MIN(c->qlen, CONN_IOV_MAX) > CONN_BATCH_IOVS)
                break;
            if ((++n & (CONN_BEAT_EVERY - 1)) == 0)
                wf_metrics_beat(); /* a long flush is progress, not a hang */
            conns.pending = c->next_pending;
            c->next_pending = NULL;
            c->flags &= (uint8_t)~WF_CONN_F_PENDING;
            if (c->state == WF_CONN_CLOSED) {
                if (c->holds == 0)
                    wf_pool_put(&conns.pool, c); /* closed while queued */
            } else if (c->qlen == 0) {
                conn_flush(c); /* nothing to write, state to settle */
            } else {
                ops[k].fd = c->io.fd;
                ops[k].iov = iov + used;
                ops[k].iovcnt = conn_iov(c, iov + used, CONN_IOV_MAX);
                used += (size_t)ops[k].iovcnt;
                batch[k++] = c;
            }
        }
        wf_wbatch_run(ops, k);
        for (size_t i = 0; i < k; i++)
            conn_batch_done(batch[i], ops[i].res);
    }
    while (conns.dead != NULL) {
        wf_conn_t *c = conns.dead;

        conns.dead = c->next_pending;
        wf_pool_put(&conns.pool, c);
    }
}


/* ---- closing ------------------------------------------------------------ */

void
wf_conn_close(wf_conn_t *c, const char *why)
{
    if (c->state == WF_CONN_CLOSED)
        return;
    wf_log(WF_LOG_DEBUG, "connection fd %d closed: %s", c->io.fd, why);
    ev_io_stop(conns.loop, &c->io);
    close(c->io.fd);
    wf_conn_set_tq(c, WF_TQ_NONE);
    conn_queue_free(c);
    wf_http_free(c->http);
    c->http = NULL;
    if (c->ws != NULL)
        wf_ws_free(c);
    if (c->stash != NULL) {
        wf_buf_free(c->stash);
        free(c->stash);
        c->stash = NULL;
    }
    c->state = WF_CONN_CLOSED;
    /* On the flush list, the flush frees it; otherwise it goes to the
     * graveyard, freed after this iteration's flush; while held, the last
     * wf_conn_release() does. */
    if (!(c->flags & WF_CONN_F_PENDING) && c->holds == 0) {
        c->next_pending = conns.dead;
        conns.dead = c;
    }
    conns.count--;
    if (conns.env->on_close != NULL)
        conns.env->on_close();
}


/* Queue an error reply, stop reading requests and close after it. */
static void
conn_reply_close(wf_conn_t *c, int status, const char *why)
{
    wf_buf_t out = WF_BUF_INIT;

    wf_log(WF_LOG_INFO, "HTTP %d on fd %d: %s", status, c->io.fd, why);
    wf_route_error(status, &out);
    wf_conn_send(c, wf_msg_from(wf_buf_head(&out), wf_buf_avail(&out)));
    wf_buf_free(&out);
    wf_conn_close_after_flush(c);
}


void
wf_conn_close_after_flush(wf_conn_t *c)
{
    if (c->state == WF_CONN_CLOSED)
        return;
    c->state = WF_CONN_LINGER;
    c->flags |= WF_CONN_F_CLOSE_AFTER;
    wf_http_free(c->http);
    c->http = NULL;
    wf_conn_set_tq(c, WF_TQ_LINGER);
    conn_mark_pending(c); /* the flush acts even on an empty queue */
}


void
wf_conn_pause(wf_conn_t *c)
{
    c->flags |= WF_CONN_F_PAUSED;
    conn_want(c, c->qlen ? EV_WRITE : 0);
}


void
wf_conn_drop_queue(wf_conn_t *c)
{
    wf_msg_t *head = NULL;

    /* A frame already partly on the wire must be finished, or the stream
     * is corrupt; everything behind it goes. */
    if (c->qlen > 0 && c->qoff > 0) {
        head = c->q[c->qhead];
        c->qlen--;
        c->qhead = (c->qhead + 1) % c->qcap;
        c->qbytes -= head->len;
    }
    {
        uint32_t off = c->qoff;

        conn_queue_free(c);
        if (head != NULL) {
            wf_conn_send(c, head);
            c->qoff = off;
            c->qbytes -= off;
        }
    }
}


void
wf_conn_hold(wf_conn_t *c)
{
    c->holds++;
}


void
wf_conn_release(wf_conn_t *c)
{
    if (--c->holds == 0 && c->state == WF_CONN_CLOSED &&
        !(c->flags & WF_CONN_F_PENDING)) {
        c->next_pending = conns.dead;
        conns.dead = c;
    }
}


const wf_conn_env_t *
wf_conn_env(void)
{
    return conns.env;
}


/* An upgrade request on the WebSocket endpoint: answer the handshake and,
 * on success, hand the rest of the input to the session. */
static void
conn_upgrade(wf_conn_t *c, const wf_http_req_t *req, int mode, uint8_t *rest,
             size_t len)
{
    wf_buf_t out = WF_BUF_INIT;
    const char *why = NULL;
    wf_hs_result_t hs;

    if (mode == WF_WS_V1 && wf_proto_check_query(req->query, &why) != 0) {
        conns.st.hs_failures[WF_STATS_HS_BAD_REQUEST]++;
        conn_reply_close(c, 400, why);
        return;
    }
    if (wf_hs_check(c->http, req, &conns.hs, &hs, &out) != 0) {
        conns.st.hs_failures[hs.reason]++;
        wf_log(WF_LOG_INFO, "WebSocket handshake refused (%d) on fd %d: %s",
               hs.status, c->io.fd, hs.why);
        wf_conn_send(c, wf_msg_from(wf_buf_head(&out), wf_buf_avail(&out)));
        wf_buf_free(&out);
        wf_conn_close_after_flush(c);
        return;
    }
    wf_conn_send(c, wf_msg_from(wf_buf_head(&out), wf_buf_avail(&out)));
    wf_buf_free(&out);
    conns.st.handshakes++;
    c->state = WF_CONN_WS;
    wf_ws_start(c, mode, &hs, req->query);
    wf_http_free(c->http); /* req is gone now */
    c->http = NULL;
    if (len > 0)
        wf_ws_input(c, rest, len);
}


/* ---- the HTTP phase ----------------------------------------------------- */

static void
conn_http_input(wf_conn_t *c, char *p, size_t len)
{
    while (len > 0 && c->state == WF_CONN_HTTP) {
        const wf_http_req_t *req;
        wf_buf_t out = WF_BUF_INIT;
        size_t used;
        int r, keepalive;

        if (!wf_http_started(c->http) && c->tq == WF_TQ_KEEPALIVE)
            wf_conn_set_tq(c, WF_TQ_REQUEST);
        r = wf_http_feed(c->http, p, len, &used);
        p += used;
        len -= used;
        if (r == WF_HTTP_MORE)
            return;
        if (r == WF_HTTP_ERROR) {
            conn_reply_close(c, wf_http_status(c->http),
                             wf_http_error(c->http));
            return;
        }
        req = wf_http_request(c->http);
        keepalive = req->keepalive;
        r = wf_route(c->http, req, conns.env->info, &out, &keepalive);
        if (r == WF_ROUTE_ECHO || r == WF_ROUTE_WS) {
            conn_upgrade(c, req, r == WF_ROUTE_ECHO ? WF_WS_ECHO : WF_WS_V1,
                         (uint8_t *)p, len);
            return;
        }
        if (r == WF_ROUTE_METRICS) {
            wf_buf_t body = WF_BUF_INIT;

            wf_metrics_render(&body);
            wf_http_respond(&out, 200, "text/plain; version=0.0.4", NULL,
                            wf_buf_head(&body), wf_buf_avail(&body),
                            keepalive, req->is_head);
            wf_buf_free(&body);
        }
        if (r == WF_ROUTE_PUBLISH &&
            wf_api_publish(c, c->http, req, keepalive, &out) ==
                WF_API_PENDING) {
            conn_await(c, keepalive, p, len);
            return;
        }
        wf_conn_send(c, wf_msg_from(wf_buf_head(&out), wf_buf_avail(&out)));
        wf_buf_free(&out);
        if (!keepalive) {
            wf_conn_close_after_flush(c);
            return;
        }
        wf_http_next(c->http);
        wf_conn_set_tq(c, conns.env->conf->keepalive_timeout_ms ? WF_TQ_KEEPALIVE
                                                            : WF_TQ_REQUEST);
    }
    if (c->state == WF_CONN_HTTP && c->qbytes > CONN_HTTP_OUT_MAX) {
        /* Pipelined requests faster than the client reads the answers:
         * stop reading until the queue drains. */
        c->flags |= WF_CONN_F_PAUSED;
    }
}


/* The request's response comes later (from Redis): stop reading, keep what
 * already arrived of the next requests, and wait for wf_conn_http_done. */
static void
conn_await(wf_conn_t *c, int keepalive, const char *rest, size_t len)
{
    c->flags |= WF_CONN_F_AWAIT;
    if (keepalive)
        c->flags |= WF_CONN_F_KEEPALIVE;
    else
        c->flags &= (uint8_t)~WF_CONN_F_KEEPALIVE;
    if (len > 0) {
        c->stash = wf_xcalloc(1, sizeof(*c->stash));
        wf_buf_append(c->stash, rest, len);
    }
    wf_conn_set_tq(c, WF_TQ_NONE); /* Redis answers or fails in bounded time */
    conn_want(c, c->qlen ? EV_WRITE : 0);
}


void
wf_conn_http_done(wf_conn_t *c, wf_buf_t *response)
{
    wf_buf_t *stash = c->stash;

    if (c->state == WF_CONN_CLOSED || !(c->flags & WF_CONN_F_AWAIT)) {
        wf_conn_release(c);
        return;
    }
    c->flags &= (uint8_t)~WF_CONN_F_AWAIT;
    c->stash = NULL;
    wf_conn_send(c, wf_msg_from(wf_buf_head(response),
                                wf_buf_avail(response)));
    if (!(c->flags & WF_CONN_F_KEEPALIVE)) {
        wf_conn_close_after_flush(c);
    } else {
        wf_http_next(c->http);
        wf_conn_set_tq(c, conns.env->conf->keepalive_timeout_ms
                              ? WF_TQ_KEEPALIVE
                              : WF_TQ_REQUEST);
        conn_want(c, conn_read_events(c) | (c->qlen ? EV_WRITE : 0));
        if (stash != NULL)
            conn_http_input(c, wf_buf_head(stash), wf_buf_avail(stash));
    }
    if (stash != NULL) {
        wf_buf_free(stash);
        free(stash);
    }
    wf_conn_release(c);
}


static void
conn_on_readable(wf_conn_t *c)
{
    ssize_t n;

    do
        n = read(c->io.fd, conns.scratch, CONN_SCRATCH);
    while (n == -1 && errno == EINTR);
    if (n == 0) {
        wf_conn_close(c, "closed by the client");
        return;
    }
    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            wf_conn_close(c, "read error");
        return;
    }
    switch (c->state) {
    case WF_CONN_HTTP:
        conn_http_input(c, conns.scratch, (size_t)n);
        if (c->flags & WF_CONN_F_PAUSED)
            conn_want(c, EV_WRITE);
        break;
    case WF_CONN_WS:
        wf_ws_input(c, (uint8_t *)conns.scratch, (size_t)n);
        break;
    case WF_CONN_LINGER:
        break; /* discard */
    }
}


static void
conn_on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    wf_conn_t *c = WF_CONTAINER_OF(io, wf_conn_t, io);

    if ((revents & EV_WRITE) && conn_flush(c) != 0)
        return;
    if ((revents & EV_READ) && c->state != WF_CONN_CLOSED)
        conn_on_readable(c);
}


/* ---- life cycle --------------------------------------------------------- */

wf_conn_t *
wf_conn_new(int fd)
{
    wf_conn_t *c = wf_pool_get(&conns.pool);

    c->state = WF_CONN_HTTP;
    c->http = wf_http_new(&conns.lim);
    ev_io_init(&c->io, conn_on_io, fd, EV_READ);
    ev_io_start(conns.loop, &c->io);
    conns.count++;
    wf_conn_set_tq(c, WF_TQ_HANDSHAKE);
    return c;
}


size_t
wf_conn_count(void)
{
    return conns.count;
}


const wf_conn_stats_t *
wf_conn_stats(void)
{
    return &conns.st;
}


/* Close up to n WebSocket sessions with 1001; returns how many remain. */
static size_t
conn_drain_some(size_t n)
{
    static const int ws[] = {WF_TQ_WS_IDLE, WF_TQ_WS_PONG};

    for (size_t i = 0; i < WF_ARRAY_LEN(ws); i++) {
        wf_tq_t *q = &conns.tqs[ws[i]];

        while (n > 0 && q->head.next != &q->head) {
            wf_conn_t *c = WF_CONTAINER_OF(q->head.next, wf_conn_t, tmo);

            wf_ws_close(c, 1001, "server shutting down");
            n--;
        }
    }
    return conns.tqs[WF_TQ_WS_IDLE].count + conns.tqs[WF_TQ_WS_PONG].count;
}


/* Spread the 1001 closes evenly until drain_end, so that clients do not
 * all reconnect at the same moment (a reconnect storm). */
static void
conn_on_drain_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    uint64_t now = wf_now_ms();
    size_t left = conns.tqs[WF_TQ_WS_IDLE].count +
                  conns.tqs[WF_TQ_WS_PONG].count;

    if (left > 0) {
        uint64_t ms = conns.drain_end > now ? conns.drain_end - now : 0;

        conn_drain_some(ms <= CONN_DRAIN_TICK_MS
                            ? left
                            : (left * CONN_DRAIN_TICK_MS + ms - 1) / ms);
    }
    /* Keep ticking: a connection accepted just before the drain may still
     * complete its handshake, and is closed with 1001 in turn. */
}


void
wf_conn_drain(uint32_t spread_ms)
{
    /* Not WF_TQ_HANDSHAKE: a connection we accepted but have not read yet
     * may hold a request in the socket buffer, and closing it would reset
     * it. It is served (and a WebSocket closed with 1001 like the rest). */
    static const int idle[] = {WF_TQ_REQUEST, WF_TQ_KEEPALIVE};

    /* Idle HTTP connections close now; one in the middle of a request
     * closes after its reply (wf_route() sees draining). */
    for (size_t i = 0; i < WF_ARRAY_LEN(idle); i++) {
        wf_tq_t *q = &conns.tqs[idle[i]];

        for (wf_tq_node_t *n = q->head.next, *next; n != &q->head; n = next) {
            wf_conn_t *c = WF_CONTAINER_OF(n, wf_conn_t, tmo);

            next = n->next;
            if (c->http != NULL && !wf_http_started(c->http))
                wf_conn_close(c, "worker stopping");
        }
    }
    /* WebSocket clients get a close frame 1001 (going away): all now, or
     * spread over the first 80% of spread_ms, leaving time for the close
     * handshakes before the master's deadline. */
    if (spread_ms < 10 * CONN_DRAIN_TICK_MS)
        spread_ms = 0; /* at once, and later arrivals on the next tick */
    conns.drain_end = wf_now_ms() + (uint64_t)spread_ms * 8 / 10;
    ev_timer_init(&conns.drain_w, conn_on_drain_tick, 0.,
                  CONN_DRAIN_TICK_MS / 1000.);
    ev_timer_start(conns.loop, &conns.drain_w);
}


void
wf_conn_init(const wf_conn_env_t *env)
{
    memset(&conns, 0, sizeof(conns));
    conns.pool = (wf_pool_t)WF_POOL_INIT(wf_conn_t);
    conns.env = env;
    conns.loop = env->loop;
    conns.scratch = wf_xmalloc(CONN_SCRATCH);
    conns.lim.max_header_size = env->conf->max_header_size;
    conns.lim.max_headers = env->conf->max_headers;
    conns.lim.max_body_size = env->conf->max_body_size;
    wf_tq_init(&conns.tqs[WF_TQ_HANDSHAKE], env->conf->handshake_timeout_ms);
    wf_tq_init(&conns.tqs[WF_TQ_REQUEST], env->conf->request_timeout_ms);
    wf_tq_init(&conns.tqs[WF_TQ_KEEPALIVE], env->conf->keepalive_timeout_ms);
    wf_tq_init(&conns.tqs[WF_TQ_LINGER], CONN_LINGER_MS);
    /* Every session sits in WS_IDLE (or WS_PONG), pinged or not, so a
     * drain finds them all. */
    wf_tq_init(&conns.tqs[WF_TQ_WS_IDLE], env->conf->ping_interval_ms
                                               ? env->conf->ping_interval_ms
                                               : CONN_WS_IDLE_NEVER);
    wf_tq_init(&conns.tqs[WF_TQ_WS_PONG], env->conf->pong_timeout_ms);
    wf_tq_init(&conns.tqs[WF_TQ_WS_CLOSE], env->conf->pong_timeout_ms);
    conns.pmd.enabled = env->conf->compression;
    conns.pmd.client_max_window_bits = 15;
    conns.pmd.client_no_context = 1;
    conns.hs.origins = env->conf->origins;
    conns.hs.norigins = env->conf->norigins;
    conns.hs.pmd = &conns.pmd;
    wf_ws_init(env->conf);
    conns.tick_at = UINT64_MAX;
    ev_timer_init(&conns.tick_w, conn_on_tick, 0., 0.);
    ev_prepare_init(&conns.flush_w, conn_on_prepare);
    ev_prepare_start(conns.loop, &conns.flush_w);
    wf_wbatch_init(env->conf->io_uring);
}


void
wf_conn_cleanup(void)
{
    ev_timer_stop(conns.loop, &conns.tick_w);
    ev_timer_stop(conns.loop, &conns.drain_w);
    ev_prepare_stop(conns.loop, &conns.flush_w);
    conn_on_prepare(conns.loop, &conns.flush_w, 0);
    wf_wbatch_cleanup();
    free(conns.scratch);
    wf_pool_destroy(&conns.pool);
    conns.scratch = NULL;
    wf_ws_cleanup();
}
