/* pub.c - the fanout publisher process of wsfan-bench. It connects first
 * (Redis, HTTP keep-alive connections to /api/publish, or WebSocket
 * connections sending {"op":"pub"}), says READY, and on GO publishes
 * messages round-robin over the channels, each stamped with its send
 * time, at a fixed rate (open loop) or flat out. Flat out is closed loop:
 * at most --inflight messages may be published and not yet delivered to
 * every subscriber, judged from the workers' live delivery counters, so
 * the run measures capacity instead of filling queues until something
 * gives. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "payload.h"
#include "redis.h"

#define PUB_BATCH 256        /* messages per loop turn */
#define PUB_REDIS_DEPTH 4096 /* PUBLISHes without a reply */
#define PUB_WS_DEPTH 64      /* pub ops in flight per connection */
#define PUB_ACK_WAIT_NS 5000000000ULL
#define PUB_IO_MAX 65536
#define PUB_HEAD_MAX 512 /* room for an HTTP request head */

typedef struct pub_http {
    wb_handle_t h;
    const wb_target_t *t;
    int fd, busy, dead;
    char *in;
    size_t ilen;
} pub_http_t;

typedef struct pub {
    const wb_opts_t *o;
    wb_live_t *live, *workers;
    wb_result_t *r;
    wb_loop_t loop;
    wb_redis_t redis;
    wb_handle_t redis_h, ctl_h;
    pub_http_t *http;
    wb_conn_t *ws;
    int nconn, ctl, go, stop, nready;
    uint64_t k, subs, t_go, deadline;
    double fanout;
    char *buf; /* one message being built */
    size_t bufcap;
} pub_t;

static pub_t pb;


static void
pub_redis_cb(wb_handle_t *h, uint32_t events)
{
    if (wb_redis_read(&pb.redis) < 0 || wb_redis_flush(&pb.redis) < 0) {
        fprintf(stderr, "wsfan-bench: publisher: Redis connection lost\n");
        pb.stop = 1;
    }
}


/* One HTTP response (or part of one) on a publish connection. */
static void
pub_http_cb(wb_handle_t *h, uint32_t events)
{
    pub_http_t *p = (pub_http_t *)h;
    char *end, *cl;
    size_t head, body;
    ssize_t n;

    n = read(p->fd, p->in + p->ilen, PUB_IO_MAX - 1 - p->ilen);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0)
        goto dead;
    p->ilen += (size_t)n;
    p->in[p->ilen] = '\0';
    while ((end = strstr(p->in, "\r\n\r\n")) != NULL) {
        head = (size_t)(end - p->in) + 4;
        cl = strcasestr(p->in, "\r\ncontent-length:");
        body = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
        if (p->ilen < head + body)
            return;
        /* wsfan: 200; nchan: 201 (delivered), 202 (no subscriber) */
        if (strncmp(p->in, "HTTP/1.1 20", 11) == 0)
            pb.r->pub_acks++;
        else
            pb.r->pub_errors++;
        if (strcasestr(p->in, "\r\nconnection: close") != NULL &&
            strcasestr(p->in, "\r\nconnection: close") < end)
            goto dead;
        memmove(p->in, p->in + head + body, p->ilen - head - body + 1);
        p->ilen -= head + body;
        p->busy = 0;
    }
    return;
dead:
    if (p->busy)
        pb.r->pub_errors++;
    p->busy = 0;
    p->dead = 1;
    close(p->fd);
    p->fd = -1;
}


static void
pub_ws_open(wb_conn_t *c)
{
}


static int
pub_ws_message(wb_conn_t *c, unsigned op, uint8_t *p, size_t n)
{
    if (!c->ready) {
        if (memmem(p, n, "\"op\":\"welcome\"", 14) != NULL) {
            c->ready = 1;
            pb.nready++;
        }
        return 0;
    }
    if (memmem(p, n, "\"id\":", 5) == NULL)
        return 0; /* not a reply */
    if (memmem(p, n, "\"ok\":true", 9) != NULL)
        pb.r->pub_acks++;
    else
        pb.r->pub_errors++;
    if (c->a > 0)
        c->a--;
    return 0;
}


static void
pub_ws_close(wb_conn_t *c, int why)
{
    pb.r->pub_errors += c->a;
    c->a = 0;
}


static const wb_conn_ops_t pub_ws_ops = {pub_ws_open, pub_ws_message,
                                         pub_ws_close};


static void
pub_ctl_cb(wb_handle_t *h, uint32_t events)
{
    unsigned char cmd[9];
    uint64_t arg = 0;
    ssize_t n = read(pb.ctl, cmd, sizeof(cmd));

    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        pb.stop = 1;
        return;
    }
    if (n == 9)
        memcpy(&arg, cmd + 1, 8);
    if (cmd[0] == WB_CMD_GO && !pb.go) {
        pb.go = 1;
        pb.subs = arg;
        pb.fanout = pb.o->channels > 0 ? (double)arg / pb.o->channels : 1;
        pb.t_go = wb_now();
        pb.r->t_go = pb.t_go;
        pb.deadline = pb.o->duration_ns ? pb.t_go + pb.o->duration_ns : 0;
        pb.live->state = WB_ST_RUN;
    } else if (cmd[0] == WB_CMD_STOP) {
        pb.stop = 1;
    }
}


/* Connect the publisher's connections; returns 0 or -1. */
static int
pub_connect(void)
{
    const wb_opts_t *o = pb.o;
    uint64_t until;
    int i, fd;

    if (o->pub == WB_PUB_REDIS) {
        if (wb_redis_connect(&pb.redis, (const struct sockaddr *)&o->redis.sa,
                             o->redis.salen, 5000) < 0) {
            fprintf(stderr, "wsfan-bench: Redis %s: %s\n", o->redis.host,
                    strerror(errno));
            return -1;
        }
        pb.redis_h.cb = pub_redis_cb;
        return wb_loop_add(&pb.loop, pb.redis.fd, EPOLLIN, &pb.redis_h);
    }
    pb.nconn = o->pub_conns;
    if (o->pub == WB_PUB_HTTP) {
        pb.http = calloc((size_t)pb.nconn, sizeof(*pb.http));
        if (pb.http == NULL)
            return -1;
        for (i = 0; i < pb.nconn; i++) {
            const wb_target_t *t = o->have_pub_target
                                       ? &o->pub_target
                                       : &o->targets[i % o->ntargets];

            fd = wb_sock_connect((const struct sockaddr *)&t->sa, t->salen,
                                 NULL);
            pb.http[i].h.cb = pub_http_cb;
            pb.http[i].t = t;
            pb.http[i].fd = fd;
            pb.http[i].in = malloc(PUB_IO_MAX);
            if (fd < 0 || pb.http[i].in == NULL ||
                wb_loop_add(&pb.loop, fd, EPOLLIN, &pb.http[i].h) < 0) {
                fprintf(stderr, "wsfan-bench: publisher: connect %s: %s\n",
                        t->host, strerror(errno));
                return -1;
            }
        }
        return 0;
    }
    pb.ws = calloc((size_t)pb.nconn, sizeof(*pb.ws));
    if (pb.ws == NULL)
        return -1;
    for (i = 0; i < pb.nconn; i++) {
        wb_target_t t = o->targets[i % o->ntargets];

        if (o->path == NULL)
            snprintf(t.path, sizeof(t.path), "/ws");
        if (wb_conn_open(&pb.loop, &pb.ws[i], &t, NULL, NULL, 0) < 0)
            return -1;
    }
    until = wb_now() + o->timeout_ns;
    while (pb.nready < pb.nconn && wb_now() < until && !pb.stop)
        wb_loop_poll(&pb.loop, 10);
    if (pb.nready < pb.nconn) {
        fprintf(stderr,
                "wsfan-bench: publisher: %d of %d WebSocket "
                "connections ready\n",
                pb.nready, pb.nconn);
        return -1;
    }
    return 0;
}


/* Publish message number pb.k if a connection can take it; returns 1 if
 * sent, 0 if every connection is busy, -1 on error. */
static int
pub_one(void)
{
    const wb_opts_t *o = pb.o;
    long ch = (long)(pb.k % (uint64_t)o->channels);
    uint64_t seq = pb.k / (uint64_t)o->channels;
    char name[160];
    size_t n;
    int i, h;

    snprintf(name, sizeof(name), "%s%ld", o->ch_prefix, ch);
    if (o->pub == WB_PUB_REDIS) {
        if (pb.redis.pending >= PUB_REDIS_DEPTH)
            return 0;
        n = wb_fan_build(pb.buf, pb.bufcap, ch, seq, wb_stamp(o), o->size);
        if (wb_redis_publish(&pb.redis, o->redis_prefix, name, pb.buf, n) < 0)
            return -1;
    } else if (o->pub == WB_PUB_HTTP) {
        pub_http_t *p = NULL;
        char *b = pb.buf + PUB_HEAD_MAX;

        for (i = 0; i < pb.nconn; i++) {
            p = &pb.http[(pb.k + (uint64_t)i) % (uint64_t)pb.nconn];
            if (!p->busy && !p->dead)
                break;
            p = NULL;
        }
        if (p == NULL)
            return 0;
        /* wsfan: {"ch":NAME,"data":MESSAGE}; nchan: MESSAGE */
        h = o->peer == WB_PEER_NCHAN
                ? 0
                : snprintf(b, pb.bufcap - PUB_HEAD_MAX,
                           "{\"ch\":\"%s\",\"data\":", name);
        n = wb_fan_build(b + h, pb.bufcap - PUB_HEAD_MAX - (size_t)h - 1, ch,
                         seq, wb_stamp(o), o->size);
        n += (size_t)h;
        if (o->peer != WB_PEER_NCHAN)
            b[n++] = '}';
        h = wb_pub_head(o, p->t, name, n, pb.buf, PUB_HEAD_MAX);
        if (h < 0)
            return -1;
        memmove(pb.buf + h, b, n);
        if (send(p->fd, pb.buf, (size_t)h + n, MSG_NOSIGNAL) !=
            (ssize_t)((size_t)h + n)) {
            pb.r->pub_errors++;
            return -1;
        }
        p->busy = 1;
    } else {
        wb_conn_t *c = NULL;
        char *b = pb.buf;

        for (i = 0; i < pb.nconn; i++) {
            c = &pb.ws[(pb.k + (uint64_t)i) % (uint64_t)pb.nconn];
            if (c->state == WB_C_OPEN && c->a < PUB_WS_DEPTH)
                break;
            c = NULL;
        }
        if (c == NULL)
            return 0;
        h = snprintf(b, pb.bufcap,
                     "{\"op\":\"pub\",\"ch\":\"%s\",\"data\":", name);
        n = wb_fan_build(b + h, pb.bufcap - (size_t)h - 64, ch, seq,
                         wb_stamp(o), o->size);
        n += (size_t)h;
        n += (size_t)snprintf(b + n, 64, ",\"id\":%llu}",
                              (unsigned long long)pb.k + 1);
        c->a++;
        if (wb_conn_send(c, WB_OP_TEXT, (const uint8_t *)b, n, 0) < 0)
            return -1;
    }
    pb.k++;
    pb.r->published = pb.k;
    if (pb.r->t_first == 0)
        pb.r->t_first = wb_now();
    return 1;
}


/* May message pb.k go now? Also sets *wait_ms for the next due time. */
static int
pub_may_send(uint64_t now, int *wait_ms)
{
    const wb_opts_t *o = pb.o;
    uint64_t due, delivered = 0;
    int i;

    if (o->count && pb.k >= o->count)
        return 0;
    if (pb.deadline && now >= pb.deadline)
        return 0;
    if (o->rate > 0) {
        due = (uint64_t)((double)(now - pb.t_go) / 1e9 * o->rate) + 1;
        if (pb.k < due)
            return 1;
        /* the instant message k is due */
        due = pb.t_go + (uint64_t)((double)pb.k * 1e9 / o->rate);
        *wait_ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
        return 0;
    }
    if (o->inflight > 0) {
        for (i = 0; i < o->procs; i++)
            delivered +=
                __atomic_load_n(&pb.workers[i].r.deliveries, __ATOMIC_RELAXED);
        if ((double)pb.k - (double)delivered / pb.fanout >=
            (double)o->inflight) {
            *wait_ms = 1;
            return 0;
        }
    }
    return 1;
}


static int
pub_finished(uint64_t now)
{
    const wb_opts_t *o = pb.o;

    return (o->count && pb.k >= o->count) ||
           (pb.deadline && now >= pb.deadline);
}


static uint64_t
pub_unanswered(void)
{
    uint64_t n = 0;
    int i;

    if (pb.o->pub == WB_PUB_REDIS)
        return pb.redis.pending;
    for (i = 0; i < pb.nconn; i++)
        n += pb.o->pub == WB_PUB_HTTP ? (uint64_t)pb.http[i].busy : pb.ws[i].a;
    return n;
}


int
wb_pub_main(const wb_opts_t *o, wb_live_t *live, wb_live_t *workers, int fd)
{
    uint64_t now, t_hard, t_done = 0;
    int wait_ms, sent, r, i;

    memset(&pb, 0, sizeof(pb));
    pb.o = o;
    pb.live = live;
    pb.workers = workers;
    pb.r = &live->r;
    pb.ctl = fd;
    pb.bufcap = o->size + 1024 + PUB_HEAD_MAX;
    pb.buf = malloc(pb.bufcap);
    pb.redis.fd = -1;
    t_hard = wb_now() + o->max_time_ns;
    if (pb.buf == NULL ||
        wb_loop_init(&pb.loop, &pub_ws_ops, pb.r, 1 << 20, 0, 0) < 0)
        return 1;
    pb.ctl_h.cb = pub_ctl_cb;
    wb_loop_add(&pb.loop, fd, EPOLLIN, &pb.ctl_h);
    if (pub_connect() < 0)
        pb.stop = 1;
    live->state = WB_ST_READY;
    while (!pb.stop && (now = wb_now()) < t_hard) {
        wait_ms = 50;
        if (pb.go && !t_done) {
            for (sent = 0; sent < PUB_BATCH && pub_may_send(now, &wait_ms);
                 sent++) {
                r = pub_one();
                if (r < 0) {
                    pb.stop = 1;
                    break;
                }
                if (r == 0) {
                    wait_ms = 1;
                    break;
                }
            }
            if (sent == PUB_BATCH)
                wait_ms = 0;
            if (pub_finished(wb_now()))
                t_done = wb_now();
        }
        if (o->pub == WB_PUB_REDIS && pb.redis.olen > pb.redis.ooff &&
            wb_redis_flush(&pb.redis) < 0)
            break;
        if (t_done &&
            (pub_unanswered() == 0 || wb_now() > t_done + PUB_ACK_WAIT_NS))
            break;
        if (t_done)
            wait_ms = 1;
        if (wb_loop_poll(&pb.loop, wait_ms) < 0)
            break;
    }
    pb.r->t_end = t_done ? t_done : wb_now();
    pb.r->published = pb.k;
    if (o->pub == WB_PUB_REDIS) {
        pb.r->pub_acks = pb.redis.ok;
        pb.r->pub_errors += pb.redis.errors;
        pb.r->pub_receivers = pb.redis.receivers;
        wb_redis_close(&pb.redis);
    }
    for (i = 0; pb.ws != NULL && i < pb.nconn; i++)
        wb_conn_close(&pb.ws[i], WB_WHY_LOCAL, 1000);
    live->state = WB_ST_DONE;
    return wb_write_all(fd, pb.r, sizeof(*pb.r)) < 0 ? 1 : 0;
}
