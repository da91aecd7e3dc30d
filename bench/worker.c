/* worker.c - one connection worker process of wsfan-bench: opens its
 * share of the connections (at a rate or with bounded concurrency), then
 * runs the mode on them: echo round trips, holding, or receiving a fanout
 * and checking every message. Talks to the parent over one socket
 * (commands in, the final wb_result_t out) and keeps live counters in
 * its shared-memory slot for the progress line and the publisher's
 * flow control. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "payload.h"

#define WORKER_TICK_NS 100000000ULL /* timeout scans */
#define WORKER_ECHO_GRACE_NS 2000000000ULL

enum worker_phase { PH_OPENING, PH_READY, PH_RUN, PH_FINISH };

typedef struct worker {
    const wb_opts_t *o;
    wb_live_t *live;
    wb_result_t *r;
    wb_loop_t loop;
    wb_conn_t *conns;
    long n, first;   /* conns [first, first + n) of the run */
    long next;       /* next to open */
    long settled;    /* ready or failed */
    long inprogress; /* opened, not settled */
    int welcome;     /* the server says welcome first (/ws) */
    enum worker_phase phase;
    uint64_t t_open0, t_tick, t_stop_send, deadline;
    uint64_t share;   /* echo --count: round trips of this process */
    long outstanding; /* echo: messages awaiting their echo */
    uint8_t *payload;
    uint8_t *zpayload; /* echo --deflate: payload compressed once */
    size_t zlen;
    int ctl;
    wb_handle_t ctl_h;
} worker_t;

static worker_t wk;


/* Open connections that are due. */
static void
worker_open_more(uint64_t now)
{
    const wb_opts_t *o = wk.o;
    long limit = wk.n;
    char query[300];

    if (o->rate > 0 && o->mode == WB_CONNECT) {
        /* This process's share of the rate, from the first open. */
        double per = o->rate / o->procs;
        long due = (long)((double)(now - wk.t_open0) / 1e9 * per) + 1;

        if (due < limit)
            limit = due;
    }
    while (wk.next < limit && wk.inprogress < o->concurrency) {
        long i = wk.first + wk.next;
        wb_conn_t *c = &wk.conns[wk.next++];
        const wb_target_t *t = &o->targets[i % o->ntargets];

        query[0] = '\0';
        if (o->channels > 0 && o->mode != WB_ECHO)
            wb_sub_suffix(o, wb_channel_of(o, i), query, sizeof(query));
        c->ready = 0;
        c->id = i;
        c->ch = (int)wb_channel_of(o, i);
        c->a = c->b = c->win = 0;
        wk.inprogress++;
        wb_conn_open(&wk.loop, c, t, query,
                     o->nsrc ? &o->src[i % o->nsrc] : NULL, o->deflate);
    }
}


static void
worker_send_echo(wb_conn_t *c, uint64_t now)
{
    const wb_opts_t *o = wk.o;

    if (wk.share && wk.r->sent >= wk.share)
        return;
    c->b = now;
    wk.r->sent++;
    wk.r->bytes_sent += o->size;
    wk.outstanding++;
    /* No context takeover: every message compresses to the same bytes,
     * so the bench spends no CPU compressing them again. */
    if (c->pmd && wk.zpayload != NULL)
        wb_conn_send_raw(c, o->binary ? WB_OP_BINARY : WB_OP_TEXT, 1,
                         wk.zpayload, wk.zlen);
    else
        wb_conn_send(c, o->binary ? WB_OP_BINARY : WB_OP_TEXT, wk.payload,
                     o->size, 0);
}


/* c is usable: count it, and in echo mode start if the run is on. */
static void
worker_ready(wb_conn_t *c)
{
    uint64_t now = wb_now();

    c->ready = 1;
    wk.inprogress--;
    wk.settled++;
    wk.r->ready++;
    wb_hist_record(&wk.r->hs, now - c->t_start);
    if (wk.phase == PH_RUN && wk.o->mode == WB_ECHO && !wk.t_stop_send)
        worker_send_echo(c, now);
}


static void
worker_on_open(wb_conn_t *c)
{
    if (!wk.welcome)
        worker_ready(c);
}


static void
worker_on_close(wb_conn_t *c, int why)
{
    if (!c->ready) {
        wk.inprogress--;
        wk.settled++;
    } else if (wk.o->mode == WB_ECHO && c->b != 0) {
        c->b = 0;
        wk.outstanding--;
    }
}


static int
worker_fanout_msg(wb_conn_t *c, const uint8_t *p, size_t n, uint64_t now)
{
    wb_result_t *r = wk.r;
    uint64_t seq, t;
    long ch;

    if (wb_fan_parse(p, n, &ch, &seq, &t) < 0 || ch != c->ch) {
        r->bad++;
        return 0;
    }
    switch (wb_seq_note(&c->b, &c->win, seq)) {
    case WB_SEEN_DUP:
        r->duplicates++;
        return 0;
    case WB_SEEN_OLD:
        r->late++;
        /* fall through */
    case WB_SEEN_LATE_NEW:
        r->reordered++;
        break;
    case WB_SEEN_NEW:
        break;
    }
    r->deliveries++;
    if (r->t_first == 0)
        r->t_first = now;
    r->t_last = now;
    if (wk.o->rx_ts) /* t is realtime: compare with the kernel's stamp */
        wb_hist_record(&r->lat, wk.loop.rx_ns > t ? wk.loop.rx_ns - t : 0);
    else
        wb_hist_record(&r->lat, now > t ? now - t : 0);
    return 0;
}


static int
worker_on_message(wb_conn_t *c, unsigned op, uint8_t *p, size_t n)
{
    const wb_opts_t *o = wk.o;
    uint64_t now = wb_now();

    wk.r->recv++;
    wk.r->bytes_recv += n;
    if (!c->ready) {
        if (n >= 16 && memmem(p, n, "\"op\":\"welcome\"", 14) != NULL) {
            worker_ready(c);
            return 0;
        }
        wk.r->bad++;
        return 0;
    }
    switch (o->mode) {
    case WB_ECHO:
        if (c->b == 0) {
            wk.r->bad++;
            return 0;
        }
        if (n != o->size || memcmp(p, wk.payload, n) != 0 ||
            op != (o->binary ? WB_OP_BINARY : WB_OP_TEXT))
            wk.r->mismatches++;
        wk.r->roundtrips++;
        wb_hist_record(&wk.r->lat, now - c->b);
        wk.r->t_last = now;
        c->b = 0;
        wk.outstanding--;
        if (!wk.t_stop_send && wk.phase == PH_RUN) {
            worker_send_echo(c, now);
            return c->state != WB_C_OPEN;
        }
        return 0;
    case WB_FANOUT:
        return worker_fanout_msg(c, p, n, now);
    default:
        return 0;
    }
}


static const wb_conn_ops_t worker_ops = {worker_on_open, worker_on_message,
                                         worker_on_close};


/* Those still open at the end count as held. */
static void
worker_count_held(void)
{
    for (long i = 0; i < wk.next; i++)
        if (wk.conns[i].state == WB_C_OPEN && wk.conns[i].ready)
            wk.r->held++;
}


/* Close every connection (after the result is out: closing 20,000
 * connections takes seconds on a loaded machine). */
static void
worker_close_all(void)
{
    for (long i = 0; i < wk.next; i++)
        wb_conn_close(&wk.conns[i], WB_WHY_LOCAL, 1000);
}


static void
worker_start_echo(uint64_t now)
{
    long i;

    wk.phase = PH_RUN;
    wk.r->t_go = now;
    wk.deadline = wk.o->duration_ns ? now + wk.o->duration_ns : 0;
    for (i = 0; i < wk.next; i++)
        if (wk.conns[i].state == WB_C_OPEN && wk.conns[i].ready)
            worker_send_echo(&wk.conns[i], now);
}


/* Fanout: how many of the count published messages our ready
 * subscribers should get. */
static void
worker_set_expected(uint64_t count)
{
    uint64_t e = 0;
    long i;

    for (i = 0; i < wk.next; i++)
        if (wk.conns[i].ready && wk.conns[i].state == WB_C_OPEN)
            e += wb_msgs_on(wk.o, wk.conns[i].ch, count);
    wk.r->expected = e;
    wk.live->expected_set = 1;
}


static void
worker_ctl_cb(wb_handle_t *h, uint32_t events)
{
    unsigned char cmd[9];
    uint64_t arg = 0;
    ssize_t n;

    n = read(wk.ctl, cmd, sizeof(cmd));
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        wk.phase = PH_FINISH; /* the parent is gone */
        return;
    }
    if (n == 9)
        memcpy(&arg, cmd + 1, 8);
    switch (cmd[0]) {
    case WB_CMD_GO:
        if (wk.phase != PH_READY)
            break;
        if (wk.o->mode == WB_ECHO)
            worker_start_echo(wb_now());
        else
            wk.phase = PH_RUN;
        wk.live->state = WB_ST_RUN;
        break;
    case WB_CMD_COUNT:
        worker_set_expected(arg);
        break;
    case WB_CMD_STOP:
        wk.phase = PH_FINISH;
        break;
    }
}


/* Phase changes; with scan, time out connections not ready in time. */
static void
worker_tick(uint64_t now, int scan)
{
    const wb_opts_t *o = wk.o;
    long i;

    for (i = 0; scan && i < wk.next; i++)
        if (!wk.conns[i].ready)
            wb_conn_expire(&wk.conns[i], wk.conns[i].t_start + o->timeout_ns,
                           now);
    if (wk.phase == PH_OPENING && wk.settled == wk.n) {
        wk.phase = PH_READY;
        wk.r->t_ready = now;
        wk.live->state = WB_ST_READY;
        if (o->mode == WB_CONNECT && o->hold_ns == 0)
            wk.phase = PH_FINISH;
    }
    if (o->mode == WB_ECHO && wk.phase == PH_RUN) {
        if (!wk.t_stop_send && ((wk.deadline && now >= wk.deadline) ||
                                (wk.share && wk.r->sent >= wk.share)))
            wk.t_stop_send = now;
        if (wk.t_stop_send && (wk.outstanding <= 0 ||
                               now > wk.t_stop_send + WORKER_ECHO_GRACE_NS)) {
            wk.r->t_end = now;
            wk.phase = PH_FINISH;
        }
    }
}


int
wb_worker_main(const wb_opts_t *o, int idx, wb_live_t *live, wb_live_t *all,
               int fd)
{
    uint64_t now, t_hard;
    long per = o->conns / o->procs, extra = o->conns % o->procs;
    size_t max_msg = o->size + 4096 > 1 << 20 ? o->size + 4096 : 1 << 20;
    int timeout, rc;

    (void)all;
    memset(&wk, 0, sizeof(wk));
    wk.o = o;
    wk.live = live;
    wk.r = &live->r;
    wk.ctl = fd;
    wk.n = per + (idx < extra);
    wk.first = idx * per + (idx < extra ? idx : extra);
    /* wsfan's /ws says welcome first; nchan says nothing. */
    wk.welcome = o->mode != WB_ECHO && o->peer == WB_PEER_WSFAN &&
                 strcmp(o->targets[0].path, "/echo");
    if (o->count && o->mode == WB_ECHO)
        wk.share = o->count / o->procs + ((uint64_t)idx < o->count % o->procs);
    wk.conns = calloc((size_t)(wk.n ? wk.n : 1), sizeof(wb_conn_t));
    wk.payload = malloc(o->size + 1);
    if (wk.conns == NULL || wk.payload == NULL ||
        wb_loop_init(&wk.loop, &worker_ops, wk.r, max_msg, o->deflate,
                     o->level) < 0) {
        fprintf(stderr, "wsfan-bench: worker %d: out of memory\n", idx);
        return 1;
    }
    wk.loop.rx_ts = o->rx_ts && o->mode == WB_FANOUT;
    wb_payload_fill(wk.payload, o->size, !o->binary, 0x5eed);
    if (o->deflate && o->mode == WB_ECHO) {
        const uint8_t *z;
        long zn = wb_pmd_deflate(&wk.loop.pmd, wk.payload, o->size, &z);

        if (zn >= 0 && (wk.zpayload = malloc((size_t)zn + 1)) != NULL) {
            memcpy(wk.zpayload, z, (size_t)zn);
            wk.zlen = (size_t)zn;
        }
    }
    wk.ctl_h.cb = worker_ctl_cb;
    wb_loop_add(&wk.loop, fd, EPOLLIN, &wk.ctl_h);
    wk.t_open0 = wk.t_tick = wk.r->t_start = wb_now();
    t_hard = wk.t_open0 + o->max_time_ns;
    while (wk.phase != PH_FINISH) {
        now = wb_now();
        if (now > t_hard) {
            fprintf(stderr, "wsfan-bench: worker %d: run time limit\n", idx);
            break;
        }
        if (wk.phase == PH_OPENING)
            worker_open_more(now);
        if (now - wk.t_tick >= WORKER_TICK_NS) {
            worker_tick(now, 1);
            wk.t_tick = now;
        } else if ((wk.phase == PH_OPENING && wk.settled == wk.n) ||
                   (wk.phase == PH_RUN && o->mode == WB_ECHO)) {
            worker_tick(now, 0);
        }
        if (wk.phase == PH_FINISH)
            break;
        timeout = wk.phase == PH_OPENING || wk.t_stop_send ? 1 : 50;
        if (o->mode == WB_ECHO && wk.phase == PH_RUN && wk.deadline &&
            wk.deadline > now && wk.deadline - now < 50000000ULL)
            timeout = (int)((wk.deadline - now) / 1000000) + 1;
        if (wb_loop_poll(&wk.loop, timeout) < 0)
            break;
    }
    if (wk.r->t_end == 0)
        wk.r->t_end = wb_now();
    worker_count_held();
    live->state = WB_ST_DONE;
    rc = wb_write_all(fd, wk.r, sizeof(*wk.r)) < 0 ? 1 : 0;
    worker_close_all();
    return rc;
}
