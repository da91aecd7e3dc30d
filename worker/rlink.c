/* rlink.c - one Redis connection in a libev loop: connecting (TCP or Unix,
 * through the io ops), AUTH/SELECT, the corked output buffer, the reply
 * FIFO and pub/sub pushes, failure, and reconnecting with backoff. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "raddr.h"
#include "rlink.h"
#include "rlink_io.h"
#include "x.h"

#define RLINK_READ_CHUNK (64 * 1024) /* bytes per read(2) */
#define RLINK_READ_BUDGET 16         /* reads per readiness event */
#define RLINK_OUT_KEEP (64 * 1024)   /* output buffer kept when drained */
#define RLINK_LOG_EVERY 10           /* log every Nth failed attempt */

enum rlink_state {
    RL_WAIT,      /* no socket; the timer starts the next attempt */
    RL_CONNECT,   /* connect(2) in progress */
    RL_HANDSHAKE, /* io->handshake in progress (TLS) */
    RL_HELLO,     /* AUTH/SELECT sent, replies due */
    RL_UP,
};

/* Pub/sub reply kinds: 0 is none, 1..6 are the subscription commands and
 * their confirmations (same names), RL_K_MESSAGE any published message. */
enum { RL_K_NONE = 0, RL_K_MESSAGE = 7 };
/* clang-format off */
static const char *const rlink_kinds[] = {
    "", "subscribe", "psubscribe", "ssubscribe", "unsubscribe",
    "punsubscribe", "sunsubscribe", "message", "pmessage", "smessage",
};
/* clang-format on */

typedef struct rlink_cmd {
    wf_rlink_reply_fn *cb;
    void *arg;
    uint32_t confirms; /* subscription confirmations still due */
    uint8_t kind;      /* RL_K_*: which confirmation counts down */
} rlink_cmd_t;

struct wf_rlink {
    struct ev_loop *loop;
    wf_rlink_cfg_t cfg;
    wf_rlink_cbs_t cbs;
    wf_raddr_t addr;
    char *shown; /* addr, password hidden */
    char *name;
    ev_io io;
    ev_timer tmo;       /* connect timeout, or the delay before a retry */
    ev_prepare flush_w; /* the cork: write before the loop blocks */
    int fd, io_ev;      /* io_ev: events io is started with */
    int rd_want, wr_want;
    int state, opened, freed;
    unsigned busy;  /* nesting depth of our watcher callbacks */
    unsigned epoch; /* bumped when a connection ends */
    unsigned hello; /* AUTH/SELECT replies still due */
    void *ctx;      /* io->open's state */
    redisReader *rd;
    size_t in_reply; /* bytes fed of the reply being read */
    wf_buf_t out;
    rlink_cmd_t *q; /* the FIFO: a ring */
    size_t qhead, qlen, qcap;
    double backoff;  /* the next retry's delay before jitter */
    unsigned ai_rot; /* which resolved address the next attempt uses */
    uint32_t rng;
    wf_rlink_stats_t st;
    char err[192];
};


/* ---- helpers ------------------------------------------------------------ */

/* Watch the socket for what the read and write sides wait for. */
static void
rlink_update_io(wf_rlink_t *l)
{
    int ev = l->rd_want | l->wr_want;

    if (ev == l->io_ev)
        return;
    ev_io_stop(l->loop, &l->io);
    l->io_ev = ev;
    if (ev == 0)
        return;
    ev_io_set(&l->io, l->fd, ev);
    ev_io_start(l->loop, &l->io);
}


/* Leave one level of our callbacks (entered with l->busy++); free the
 * link if it was freed meanwhile and this was the outermost level. */
static void
rlink_unbusy(wf_rlink_t *l)
{
    if (--l->busy > 0 || !l->freed)
        return;
    free(l->q);
    wf_buf_free(&l->out);
    wf_raddr_free(&l->addr);
    free(l->shown);
    free(l->name);
    free(l);
}


/* A pseudo-random number in [0, 1): xorshift32, seeded per link. */
static double
rlink_rand(wf_rlink_t *l)
{
    l->rng ^= l->rng << 13;
    l->rng ^= l->rng >> 17;
    l->rng ^= l->rng << 5;
    return (double)(l->rng >> 8) / (double)(1u << 24);
}


/* Which entry of rlink_kinds s[0..n) is (RL_K_MESSAGE for all three
 * message kinds), or RL_K_NONE. */
static int
rlink_kind(const char *s, size_t n)
{
    size_t i;

    for (i = 1; i < WF_ARRAY_LEN(rlink_kinds); i++)
        if (wf_strncaseeq(s, n, rlink_kinds[i], strlen(rlink_kinds[i])))
            return i >= RL_K_MESSAGE ? RL_K_MESSAGE : (int)i;
    return RL_K_NONE;
}


/* ---- failure and retry -------------------------------------------------- */

/* Close the connection, if any: watchers, socket, reader, output. */
static void
rlink_close(wf_rlink_t *l)
{
    ev_io_stop(l->loop, &l->io);
    ev_prepare_stop(l->loop, &l->flush_w);
    ev_timer_stop(l->loop, &l->tmo);
    if (l->opened)
        l->cfg.io->close(l->ctx);
    if (l->fd >= 0)
        close(l->fd);
    if (l->rd != NULL)
        redisReaderFree(l->rd);
    l->rd = NULL;
    l->ctx = NULL;
    l->fd = -1;
    l->opened = l->io_ev = l->rd_want = l->wr_want = 0;
    l->in_reply = 0;
    wf_buf_free(&l->out);
    l->state = RL_WAIT;
    l->epoch++;
}


/* Run every pending command's callback with a NULL reply. The queue is
 * detached first, so callbacks may queue (and are refused) or free. */
static void
rlink_fail_pending(wf_rlink_t *l)
{
    rlink_cmd_t *q = l->q;
    size_t i, head = l->qhead, len = l->qlen, cap = l->qcap;

    l->q = NULL;
    l->qhead = l->qlen = l->qcap = 0;
    for (i = 0; i < len; i++) {
        rlink_cmd_t *c = &q[(head + i) % cap];

        if (c->cb != NULL)
            c->cb(l, NULL, c->arg);
    }
    free(q);
}


/* Start the retry timer with the jittered backoff and double it. */
static void
rlink_schedule(wf_rlink_t *l)
{
    double d = l->backoff * (0.8 + 0.4 * rlink_rand(l));

    l->backoff = WF_MIN(l->backoff * 2, l->cfg.backoff_max);
    l->st.retry_delay = d;
    ev_timer_set(&l->tmo, d, 0.);
    ev_timer_start(l->loop, &l->tmo);
}


/* The connection failed (or was dropped): log the state change, schedule
 * the retry, fail pending commands, tell the owner. The arguments may
 * point into l->err. */
static void rlink_fail(wf_rlink_t *l, const char *fmt, ...) WF_PRINTF(2, 3);


static void
rlink_fail(wf_rlink_t *l, const char *fmt, ...)
{
    int was_up = l->state == RL_UP;
    char why[sizeof(l->err)];
    va_list ap;

    if (l->state == RL_WAIT)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    memcpy(l->err, why, sizeof(why));
    if (!was_up)
        l->ai_rot++; /* try the next address of the name */
    rlink_close(l);
    rlink_schedule(l);
    if (was_up) {
        l->st.downs++;
        wf_log(WF_LOG_WARNING, "redis %s link to %s: down: %s", l->name,
               l->shown, l->err);
    } else {
        /* Log the first failure, then only every Nth: no line per retry. */
        l->st.failures++;
        if (++l->st.streak == 1)
            wf_log(WF_LOG_WARNING,
                   "redis %s link to %s: cannot connect: %s; retrying with "
                   "backoff",
                   l->name, l->shown, l->err);
        else if (l->st.streak % RLINK_LOG_EVERY == 0)
            wf_log(WF_LOG_WARNING,
                   "redis %s link to %s: still failing after %u attempts: "
                   "%s",
                   l->name, l->shown, l->st.streak, l->err);
    }
    rlink_fail_pending(l);
    if (was_up && !l->freed && l->cbs.on_down != NULL)
        l->cbs.on_down(l, l->err, l->cbs.arg);
}


/* An io call returned rc < 0 (not WF_EAGAIN). */
static void
rlink_fail_io(wf_rlink_t *l, ssize_t rc, const char *op)
{
    rlink_fail(l, "%s: %s", op,
               rc == WF_ESYS ? strerror(errno) : wf_strerror((int)rc));
}


/* ---- output --------------------------------------------------------- */

/* Format and append a command and its FIFO entry; schedule the flush.
 * limit: enforce cfg.out_max (not for AUTH/SELECT). */
static int
rlink_queue(wf_rlink_t *l, int argc, const char **argv, const size_t *argvlen,
            wf_rlink_reply_fn *cb, void *arg, int kind, int limit)
{
    size_t avail = wf_buf_avail(&l->out);
    rlink_cmd_t *c;
    char *cmd;
    long long n = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

    if (n < 0)
        return WF_ENOMEM;
    if (limit &&
        ((size_t)n > l->cfg.out_max || avail > l->cfg.out_max - (size_t)n)) {
        redisFreeCommand(cmd);
        return WF_ELIMIT;
    }
    wf_buf_append(&l->out, cmd, (size_t)n);
    redisFreeCommand(cmd);
    if (l->qlen == l->qcap) {
        size_t i, cap = l->qcap ? l->qcap * 2 : 16;
        rlink_cmd_t *q = wf_xreallocarray(NULL, cap, sizeof(*q));

        for (i = 0; i < l->qlen; i++)
            q[i] = l->q[(l->qhead + i) % l->qcap];
        free(l->q);
        l->q = q;
        l->qhead = 0;
        l->qcap = cap;
    }
    c = &l->q[(l->qhead + l->qlen++) % l->qcap];
    c->cb = cb;
    c->arg = arg;
    c->kind = (uint8_t)kind;
    c->confirms = kind != RL_K_NONE ? (uint32_t)(argc - 1) : 0;
    if (l->wr_want == 0)
        ev_prepare_start(l->loop, &l->flush_w);
    return 0;
}


/* Write as much of the output as the socket takes. */
static void
rlink_write(wf_rlink_t *l)
{
    while (wf_buf_avail(&l->out) > 0) {
        struct iovec iov;
        int want = EV_WRITE;
        ssize_t n;

        iov.iov_base = wf_buf_head(&l->out);
        iov.iov_len = wf_buf_avail(&l->out);
        n = l->cfg.io->writev(l->ctx, &iov, 1, &want);
        if (n == WF_EAGAIN) {
            l->wr_want = want;
            rlink_update_io(l);
            return;
        }
        if (n < 0) {
            rlink_fail_io(l, n, "write");
            return;
        }
        wf_buf_consume(&l->out, (size_t)n);
    }
    if (l->out.cap > RLINK_OUT_KEEP)
        wf_buf_free(&l->out);
    l->wr_want = 0;
    rlink_update_io(l);
}


static void
rlink_on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    wf_rlink_t *l = WF_CONTAINER_OF(w, wf_rlink_t, flush_w);

    ev_prepare_stop(loop, w);
    if (l->wr_want != 0 || l->state < RL_HELLO)
        return;
    l->busy++;
    rlink_write(l);
    rlink_unbusy(l);
}


void
wf_rlink_flush(wf_rlink_t *l)
{
    if (ev_is_active(&l->flush_w))
        rlink_on_prepare(l->loop, &l->flush_w, 0);
}


/* ---- replies ------------------------------------------------------------ */

/* Pop the FIFO head and run its callback with r. */
static void
rlink_answer(wf_rlink_t *l, redisReply *r)
{
    rlink_cmd_t c = l->q[l->qhead];

    l->qhead = (l->qhead + 1) % l->qcap;
    l->qlen--;
    if (c.cb != NULL)
        c.cb(l, r, c.arg);
}


/* Route one reply: pushes to on_push, the rest to the FIFO. */
static void
rlink_dispatch(wf_rlink_t *l, redisReply *r)
{
    unsigned epoch = l->epoch;
    int kind;

    if (l->cfg.subscriber && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
        r->element[0]->type == REDIS_REPLY_STRING &&
        (kind = rlink_kind(r->element[0]->str, r->element[0]->len)) !=
            RL_K_NONE) {
        if (l->cbs.on_push != NULL)
            l->cbs.on_push(l, r, l->cbs.arg);
        if (l->epoch != epoch || kind == RL_K_MESSAGE || l->qlen == 0)
            return;
        /* A confirmation: it may complete the command at the head. */
        if (l->q[l->qhead].kind == kind && --l->q[l->qhead].confirms == 0)
            rlink_answer(l, r);
        return;
    }
    if (l->qlen == 0) {
        rlink_fail(l, "protocol error: a reply no command waits for");
        return;
    }
    rlink_answer(l, r);
}


/* Take every complete reply out of the reader. Returns 0, or -1 when the
 * connection ended meanwhile. */
static int
rlink_replies(wf_rlink_t *l)
{
    unsigned epoch = l->epoch;

    for (;;) {
        void *rep = NULL;
        size_t left, size;

        if (redisReaderGetReply(l->rd, &rep) != REDIS_OK) {
            rlink_fail(l, "protocol error: %s", l->rd->errstr);
            return -1;
        }
        if (rep == NULL && l->in_reply <= l->cfg.reply_max)
            return 0;
        /* After a complete reply, what the reader still holds belongs to
         * the next one: the same limit whatever the read sizes were. */
        left = rep != NULL ? l->rd->len - l->rd->pos : 0;
        size = l->in_reply - left;
        l->in_reply = left;
        if (size > l->cfg.reply_max) {
            freeReplyObject(rep);
            rlink_fail(l, "a reply is larger than %zu bytes", l->cfg.reply_max);
            return -1;
        }
        rlink_dispatch(l, rep);
        freeReplyObject(rep);
        if (l->epoch != epoch)
            return -1;
    }
}


static void
rlink_read(wf_rlink_t *l)
{
    static char chunk[RLINK_READ_CHUNK]; /* one worker, one thread */
    int i;

    for (i = 0; i < RLINK_READ_BUDGET; i++) {
        int want = EV_READ;
        ssize_t n = l->cfg.io->read(l->ctx, chunk, sizeof(chunk), &want);

        if (n == WF_EAGAIN) {
            l->rd_want = want;
            return;
        }
        if (n == 0) {
            rlink_fail(l, "connection closed by the server");
            return;
        }
        if (n < 0) {
            rlink_fail_io(l, n, "read");
            return;
        }
        l->rd_want = EV_READ;
        if (redisReaderFeed(l->rd, chunk, (size_t)n) != REDIS_OK) {
            rlink_fail(l, "protocol error: %s", l->rd->errstr);
            return;
        }
        l->in_reply += (size_t)n;
        if (rlink_replies(l) != 0 || (size_t)n < sizeof(chunk))
            return;
    }
}


/* ---- connecting --------------------------------------------------------- */

static void
rlink_up(wf_rlink_t *l)
{
    ev_timer_stop(l->loop, &l->tmo);
    l->state = RL_UP;
    l->st.ups++;
    l->backoff = l->cfg.backoff_min;
    if (l->st.streak > 0)
        wf_log(WF_LOG_NOTICE,
               "redis %s link to %s: up after %u failed "
               "attempts",
               l->name, l->shown, l->st.streak);
    else
        wf_log(WF_LOG_NOTICE, "redis %s link to %s: up", l->name, l->shown);
    l->st.streak = 0;
    l->err[0] = '\0';
    if (l->cbs.on_up != NULL)
        l->cbs.on_up(l, l->cbs.arg);
}


/* The reply to AUTH or SELECT (arg names it). */
static void
rlink_on_hello(wf_rlink_t *l, redisReply *r, void *arg)
{
    if (r == NULL)
        return; /* the connection is going down already */
    if (r->type == REDIS_REPLY_ERROR)
        rlink_fail(l, "%s failed: %.*s", (const char *)arg,
                   (int)WF_MIN(r->len, 128), r->str);
    else if (--l->hello == 0)
        rlink_up(l);
}


/* Connected (and through the io handshake): AUTH and SELECT first. */
static void
rlink_hello(wf_rlink_t *l)
{
    const char *argv[3];
    char db[16];
    int argc = 0;

    l->state = RL_HELLO;
    l->rd_want = EV_READ;
    l->wr_want = 0;
    l->hello = 0;
    if (l->addr.pass != NULL) {
        argv[argc++] = "AUTH";
        if (l->addr.user != NULL)
            argv[argc++] = l->addr.user;
        argv[argc++] = l->addr.pass;
        l->hello += rlink_queue(l, argc, argv, NULL, rlink_on_hello,
                                (void *)"AUTH", RL_K_NONE, 0) == 0;
    }
    if (l->addr.db != 0) {
        snprintf(db, sizeof(db), "%d", l->addr.db);
        argv[0] = "SELECT";
        argv[1] = db;
        l->hello += rlink_queue(l, 2, argv, NULL, rlink_on_hello,
                                (void *)"SELECT", RL_K_NONE, 0) == 0;
    }
    rlink_update_io(l);
    if (l->hello == 0)
        rlink_up(l);
}


static void
rlink_handshake(wf_rlink_t *l)
{
    const char *why = "handshake failed";
    int want = 0, rc = l->cfg.io->handshake(l->ctx, &want, &why);

    if (rc == WF_EAGAIN) {
        l->rd_want = want & EV_READ;
        l->wr_want = want & EV_WRITE;
        rlink_update_io(l);
    } else if (rc < 0) {
        rlink_fail(l, "%s handshake: %s", l->cfg.io->name, why);
    } else {
        rlink_hello(l);
    }
}


/* connect(2) finished: check it, open the io layer, go on. */
static void
rlink_connected(wf_rlink_t *l)
{
    const char *why = "cannot set up the connection";
    socklen_t len = sizeof(int);
    int err = 0;

    if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
        err = errno;
    if (err != 0) {
        rlink_fail(l, "connect: %s", strerror(err));
        return;
    }
    if ((l->rd = redisReaderCreate()) == NULL) {
        rlink_fail(l, "out of memory");
        return;
    }
#ifdef REDIS_READER_MAX_ARRAY_ELEMENTS /* hiredis >= 1.0 */
    l->rd->maxelements = (long long)(l->cfg.reply_max / 4);
#endif
    if (l->cfg.io->open(l->cfg.io_arg, l->fd, &l->addr, &l->ctx, &why) < 0) {
        rlink_fail(l, "%s: %s", l->cfg.io->name, why);
        return;
    }
    l->opened = 1;
    if (l->cfg.io->handshake == NULL) {
        rlink_hello(l);
        return;
    }
    l->state = RL_HANDSHAKE;
    rlink_handshake(l);
}


/* Start one attempt: a non-blocking connect under the connect timeout;
 * rlink_connected() checks it once the socket is writable. */
static void
rlink_connect(wf_rlink_t *l)
{
    l->st.attempts++;
    l->state = RL_CONNECT; /* so that rlink_fail() counts the failure */
    ev_timer_set(&l->tmo, l->cfg.connect_timeout, 0.);
    ev_timer_start(l->loop, &l->tmo);
    l->fd = wf_rlink_io_connect(&l->addr, l->ai_rot, l->err, sizeof(l->err));
    if (l->fd == -1) {
        rlink_fail(l, "%s", l->err);
        return;
    }
    l->wr_want = EV_WRITE;
    rlink_update_io(l);
}


/* ---- watchers ----------------------------------------------------------- */

static void
rlink_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    wf_rlink_t *l = WF_CONTAINER_OF(w, wf_rlink_t, io);
    unsigned epoch = l->epoch;

    l->busy++;
    if (l->state == RL_CONNECT) {
        rlink_connected(l);
    } else if (l->state == RL_HANDSHAKE) {
        rlink_handshake(l);
    } else {
        if (revents & l->rd_want)
            rlink_read(l);
        if (l->epoch == epoch && (revents & l->wr_want))
            rlink_write(l);
        if (l->epoch == epoch)
            rlink_update_io(l);
    }
    rlink_unbusy(l);
}


void
wf_rlink_poll(wf_rlink_t *l)
{
    if (wf_rlink_is_up(l))
        rlink_on_io(l->loop, &l->io, l->rd_want);
}


static void
rlink_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    wf_rlink_t *l = WF_CONTAINER_OF(w, wf_rlink_t, tmo);

    l->busy++;
    if (l->state == RL_WAIT)
        rlink_connect(l);
    else
        rlink_fail(l, "no connection within %.1f s", l->cfg.connect_timeout);
    rlink_unbusy(l);
}


/* ---- public ------------------------------------------------------------- */

wf_rlink_t *
wf_rlink_new(struct ev_loop *loop, const wf_rlink_cfg_t *cfg,
             const wf_rlink_cbs_t *cbs, char **cause)
{
    wf_rlink_t *l;
    char *shown = wf_raddr_format(cfg->addr);

    /* A TLS address needs a TLS io layer; there is none yet. */
    if (cfg->addr->tls && (cfg->io == NULL || cfg->io == &wf_rlink_io_plain)) {
        *cause = wf_xasprintf("redis-url \"%s\": TLS (rediss://) is not "
                              "supported yet",
                              shown);
        free(shown);
        return NULL;
    }
    l = wf_xcalloc(1, sizeof(*l));
    l->loop = loop;
    l->cfg = *cfg;
    l->cbs = *cbs;
    wf_raddr_copy(&l->addr, cfg->addr);
    l->cfg.addr = &l->addr;
    l->shown = shown;
    l->name = wf_xstrdup(cfg->name != NULL ? cfg->name : "redis");
    l->cfg.name = l->name;
    if (l->cfg.io == NULL)
        l->cfg.io = &wf_rlink_io_plain;
    if (l->cfg.connect_timeout <= 0)
        l->cfg.connect_timeout = 5.;
    if (l->cfg.backoff_min <= 0)
        l->cfg.backoff_min = 0.1;
    if (l->cfg.backoff_max < l->cfg.backoff_min)
        l->cfg.backoff_max = WF_MAX(5., l->cfg.backoff_min);
    if (l->cfg.out_max == 0)
        l->cfg.out_max = 16 * 1024 * 1024;
    if (l->cfg.reply_max == 0)
        l->cfg.reply_max = 64 * 1024 * 1024;
    l->backoff = l->cfg.backoff_min;
    l->fd = -1;
    l->rng = (uint32_t)getpid() * 2654435761u ^ (uint32_t)wf_now_ms() ^
             (uint32_t)(uintptr_t)l;
    if (l->rng == 0)
        l->rng = 1;
    wf_buf_init(&l->out);
    ev_init(&l->io, rlink_on_io);
    ev_init(&l->tmo, rlink_on_timer);
    ev_prepare_init(&l->flush_w, rlink_on_prepare);
    ev_set_priority(&l->flush_w, EV_MINPRI);
    l->state = RL_WAIT;
    ev_timer_set(&l->tmo, 0., 0.);
    ev_timer_start(loop, &l->tmo);
    return l;
}


void
wf_rlink_free(wf_rlink_t *l)
{
    if (l == NULL || l->freed)
        return;
    l->freed = 1;
    l->busy++;
    wf_log(WF_LOG_DEBUG, "redis %s link to %s: closed", l->name, l->shown);
    rlink_close(l);
    rlink_fail_pending(l);
    rlink_unbusy(l);
}


int
wf_rlink_command(wf_rlink_t *l, int argc, const char **argv,
                 const size_t *argvlen, wf_rlink_reply_fn *cb, void *arg)
{
    int kind;

    if (argc < 1)
        return WF_EINVAL;
    if (l->state != RL_UP || l->freed)
        return WF_EUNAVAIL;
    kind = rlink_kind(argv[0], argvlen ? argvlen[0] : strlen(argv[0]));
    if (kind == RL_K_MESSAGE)
        kind = RL_K_NONE; /* "MESSAGE" is no command; Redis will say so */
    if (kind != RL_K_NONE && (!l->cfg.subscriber || argc < 2))
        return WF_EINVAL;
    return rlink_queue(l, argc, argv, argvlen, cb, arg, kind, 1);
}


void
wf_rlink_reconnect(wf_rlink_t *l, const char *why)
{
    if (l->state == RL_WAIT || l->freed)
        return;
    l->busy++;
    rlink_fail(l, "%s", why);
    rlink_unbusy(l);
}


int
wf_rlink_is_up(const wf_rlink_t *l)
{
    return l->state == RL_UP && !l->freed;
}


const char *
wf_rlink_addr(const wf_rlink_t *l)
{
    return l->shown;
}


void
wf_rlink_stats(const wf_rlink_t *l, wf_rlink_stats_t *st)
{
    *st = l->st;
    st->out_bytes = wf_buf_avail(&l->out);
    st->pending = l->qlen;
    st->last_error = l->err;
}
