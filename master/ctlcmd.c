/* ctlcmd.c - the control socket's answers (see ctlcmd.h). Everything here
 * reads: the supervisor's view of its workers (wf_sup_workers()) and each
 * worker's record in the statistics segment, which the worker refreshes
 * every 250 ms. Field names are an interface: docs/control-protocol.md. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctlcmd.h"
#include "ctlproto.h"
#include "stats.h"
#include "sup.h"
#include "x.h"

/* status: a worker whose loop heartbeat is older than this (or than
 * worker-hang-timeout, if shorter) is reported as stalled. */
#define CTLCMD_STALL_MS 2000

static const char *const ctlcmd_src[WF_STATS_SRC_COUNT] = {
    [WF_STATS_SRC_REDIS] = "redis",
    [WF_STATS_SRC_CLIENT] = "client",
    [WF_STATS_SRC_API] = "api",
};

static const char *const ctlcmd_hs[WF_STATS_HS_COUNT] = {
    [WF_STATS_HS_BAD_REQUEST] = "bad_request",
    [WF_STATS_HS_VERSION] = "version",
    [WF_STATS_HS_ORIGIN] = "origin",
    [WF_STATS_HS_METHOD] = "method",
    [WF_STATS_HS_NOT_WS] = "not_websocket",
    [WF_STATS_HS_TIMEOUT] = "timeout",
};


/* Copy a record's counters with atomic loads (the worker writes them). */
static void
ctlcmd_load(wf_stats_counters_t *dst, const wf_stats_counters_t *src)
{
    const uint64_t *s = (const uint64_t *)src;
    uint64_t *d = (uint64_t *)dst;

    for (size_t i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
        d[i] = wf_stats_get(&s[i]);
}


static void
ctlcmd_counters(wf_ctlproto_w_t *w, const wf_stats_counters_t *c)
{
    uint64_t hsf = 0;

    wf_ctlproto_w_obj(w, "messages_in");
    for (int i = 0; i < WF_STATS_SRC_COUNT; i++)
        wf_ctlproto_w_u64(w, ctlcmd_src[i], c->messages_in[i]);
    wf_ctlproto_w_close(w);
    wf_ctlproto_w_u64(w, "delivered", c->delivered);
    wf_ctlproto_w_u64(w, "bytes_out", c->bytes_out);
    wf_ctlproto_w_u64(w, "writes", c->writes);
    wf_ctlproto_w_u64(w, "slow_closes", c->slow_closes);
    wf_ctlproto_w_u64(w, "accepted", c->accepted);
    wf_ctlproto_w_u64(w, "handshakes", c->handshakes);
    wf_ctlproto_w_obj(w, "handshake_failures");
    for (int i = 0; i < WF_STATS_HS_COUNT; i++) {
        wf_ctlproto_w_u64(w, ctlcmd_hs[i], c->hs_failures[i]);
        hsf += c->hs_failures[i];
    }
    wf_ctlproto_w_u64(w, "total", hsf);
    wf_ctlproto_w_close(w);
    wf_ctlproto_w_u64(w, "redis_reconnects", c->redis_reconnects);
}


/* Start a successful response with what every answer carries. */
static void
ctlcmd_begin(wf_ctlproto_w_t *w, wf_buf_t *out, const wf_sup_state_t *s)
{
    wf_ctlproto_w_begin(w, out, 1);
    wf_ctlproto_w_u64(w, "pid", (uint64_t)getpid());
    wf_ctlproto_w_str(w, "version", PACKAGE_VERSION);
    wf_ctlproto_w_u64(w, "generation", s->gen);
    wf_ctlproto_w_u64(w, "uptime_ms", wf_now_ms() - s->started_ms);
}


/* A worker's heartbeat age in ms, or -1 when it has not ticked yet. */
static int64_t
ctlcmd_hb_age(const wf_sup_winfo_t *wi, uint64_t now)
{
    uint64_t hb;

    if (wi->st == NULL || (hb = wf_stats_get(&wi->st->heartbeat)) == 0)
        return -1;
    return now > hb ? (int64_t)(now - hb) : 0;
}


/* The fields of one worker that workers and stats share. */
static void
ctlcmd_worker(wf_ctlproto_w_t *w, const wf_sup_winfo_t *wi, unsigned gen,
              uint64_t now)
{
    const wf_stats_proc_t *st = wi->st;
    int64_t age = ctlcmd_hb_age(wi, now);

    wf_ctlproto_w_u64(w, "pid", (uint64_t)wi->pid);
    wf_ctlproto_w_u64(w, "slot", (uint64_t)wi->slot);
    wf_ctlproto_w_u64(w, "generation", wi->gen);
    wf_ctlproto_w_str(w, "state", wi->state);
    wf_ctlproto_w_bool(w, "current", wi->gen == gen);
    wf_ctlproto_w_u64(w, "uptime_ms", now - wi->started_ms);
    wf_ctlproto_w_u64(w, "restarts", wi->restarts);
    if (age < 0)
        wf_ctlproto_w_null(w, "heartbeat_age_ms");
    else
        wf_ctlproto_w_i64(w, "heartbeat_age_ms", age);
    if (st == NULL) { /* the segment was full: no numbers */
        wf_ctlproto_w_null(w, "connections");
        return;
    }
    wf_ctlproto_w_u64(w, "connections", wf_stats_get(&st->connections));
    wf_ctlproto_w_u64(w, "ws_connections", wf_stats_get(&st->ws_connections));
    wf_ctlproto_w_u64(w, "subscriptions", wf_stats_get(&st->subscriptions));
    wf_ctlproto_w_u64(w, "channels", wf_stats_get(&st->channels));
    wf_ctlproto_w_bool(w, "redis_up", wf_stats_get(&st->redis_up) != 0);
    wf_ctlproto_w_u64(w, "redis_latency_us", wf_stats_get(&st->hb_latency_us));
}


/* status collects its reasons first: "status" depends on them. */
typedef struct ctlcmd_reasons {
    char **v;
    size_t n;
} ctlcmd_reasons_t;

static void WF_PRINTF(2, 3)
    ctlcmd_reason(ctlcmd_reasons_t *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    r->v = wf_xreallocarray(r->v, r->n + 1, sizeof(*r->v));
    r->v[r->n++] = wf_xvasprintf(fmt, ap);
    va_end(ap);
}


void
wf_ctlcmd_status(wf_buf_t *out)
{
    wf_sup_state_t s;
    wf_sup_winfo_t *wv;
    wf_ctlproto_w_t w;
    ctlcmd_reasons_t r = {NULL, 0};
    size_t n = wf_sup_workers(&wv);
    uint64_t now = wf_now_ms(), stall;
    unsigned ready = 0, redis_up = 0;

    wf_sup_state(&s);
    stall = WF_MIN((uint64_t)CTLCMD_STALL_MS, s.conf->hang_timeout_ms);
    if (s.stopping)
        ctlcmd_reason(&r, "shutting down");
    else if (s.draining)
        ctlcmd_reason(&r, "drained: not accepting clients (wsfanctl reload "
                          "serves again)");
    for (int slot = 0; slot < s.nslots && !s.stopping && !s.draining; slot++) {
        const wf_sup_winfo_t *cur = NULL;
        int64_t age;

        for (size_t i = 0; i < n && cur == NULL; i++)
            if (wv[i].gen == s.gen && wv[i].slot == slot &&
                strcmp(wv[i].state, "stopping") != 0)
                cur = &wv[i];
        if (cur == NULL) {
            ctlcmd_reason(&r, "worker %d is not running (being restarted)",
                          slot);
            continue;
        }
        if (strcmp(cur->state, "starting") == 0) {
            ctlcmd_reason(&r, "worker %d (pid %ld) is starting", slot,
                          (long)cur->pid);
            continue;
        }
        ready++;
        age = ctlcmd_hb_age(cur, now);
        if (age > (int64_t)stall)
            ctlcmd_reason(&r,
                          "worker %d (pid %ld): event loop stalled for "
                          "%lld ms",
                          slot, (long)cur->pid, (long long)age);
        /* A record last written before READY says nothing yet: READY
         * itself meant a healthy link (or the grace period's end). */
        if (cur->st != NULL &&
            (wf_stats_get(&cur->st->redis_up) ||
             wf_stats_get(&cur->st->heartbeat) < cur->ready_ms))
            redis_up++;
        else
            ctlcmd_reason(&r, "worker %d (pid %ld): Redis link down", slot,
                          (long)cur->pid);
    }

    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_str(&w, "status", r.n ? "degraded" : "healthy");
    wf_ctlproto_w_u64(&w, "workers", (uint64_t)s.nslots);
    wf_ctlproto_w_u64(&w, "ready", ready);
    wf_ctlproto_w_u64(&w, "redis_up", redis_up);
    wf_ctlproto_w_bool(&w, "reloading", s.reloading);
    wf_ctlproto_w_bool(&w, "draining", s.draining);
    wf_ctlproto_w_bool(&w, "stopping", s.stopping);
    wf_ctlproto_w_arr(&w, "reasons");
    for (size_t i = 0; i < r.n; i++) {
        wf_ctlproto_w_str(&w, NULL, r.v[i]);
        free(r.v[i]);
    }
    wf_ctlproto_w_end(&w);
    free(r.v);
    free(wv);
}


void
wf_ctlcmd_stats(wf_buf_t *out)
{
    wf_sup_state_t s;
    wf_sup_winfo_t *wv;
    wf_ctlproto_w_t w;
    wf_stats_counters_t tot, c;
    size_t n = wf_sup_workers(&wv);
    uint64_t now = wf_now_ms();
    uint64_t conns = 0, ws = 0, subs = 0, chans = 0, up = 0, ready = 0;

    wf_sup_state(&s);
    /* Counters: live records plus those of workers that exited; gauges:
     * the live workers the supervisor knows. */
    wf_stats_total(s.stats, &tot, NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        const wf_stats_proc_t *st = wv[i].st;

        ready += strcmp(wv[i].state, "ready") == 0;
        if (st == NULL)
            continue;
        conns += wf_stats_get(&st->connections);
        ws += wf_stats_get(&st->ws_connections);
        subs += wf_stats_get(&st->subscriptions);
        chans += wf_stats_get(&st->channels);
        up += wf_stats_get(&st->redis_up) != 0;
    }
    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_obj(&w, "total");
    wf_ctlproto_w_u64(&w, "workers", n);
    wf_ctlproto_w_u64(&w, "ready", ready);
    wf_ctlproto_w_u64(&w, "redis_up", up);
    wf_ctlproto_w_u64(&w, "connections", conns);
    wf_ctlproto_w_u64(&w, "ws_connections", ws);
    wf_ctlproto_w_u64(&w, "subscriptions", subs);
    wf_ctlproto_w_u64(&w, "channels", chans);
    ctlcmd_counters(&w, &tot);
    wf_ctlproto_w_u64(&w, "worker_restarts",
                      wf_stats_get(&s.stats->worker_restarts));
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_arr(&w, "workers");
    for (size_t i = 0; i < n; i++) {
        wf_ctlproto_w_obj(&w, NULL);
        ctlcmd_worker(&w, &wv[i], s.gen, now);
        if (wv[i].st != NULL) {
            ctlcmd_load(&c, &wv[i].st->c);
            ctlcmd_counters(&w, &c);
        }
        wf_ctlproto_w_close(&w);
    }
    wf_ctlproto_w_end(&w);
    free(wv);
}


void
wf_ctlcmd_workers(wf_buf_t *out)
{
    wf_sup_state_t s;
    wf_sup_winfo_t *wv;
    wf_ctlproto_w_t w;
    size_t n = wf_sup_workers(&wv);
    uint64_t now = wf_now_ms();

    wf_sup_state(&s);
    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_arr(&w, "workers");
    for (size_t i = 0; i < n; i++) {
        wf_ctlproto_w_obj(&w, NULL);
        ctlcmd_worker(&w, &wv[i], s.gen, now);
        wf_ctlproto_w_close(&w);
    }
    wf_ctlproto_w_end(&w);
    free(wv);
}


/* The merged ranking (master/chanrank.c) and each worker's count. */
void
wf_ctlcmd_channels(wf_buf_t *out, int64_t top, const wf_chantop_ent_t *v,
                   size_t n, const wf_chanrank_info_t *info)
{
    wf_sup_state_t s;
    wf_sup_winfo_t *wv;
    wf_ctlproto_w_t w;
    size_t nw = wf_sup_workers(&wv);

    wf_sup_state(&s);
    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_i64(&w, "top", top);
    wf_ctlproto_w_bool(&w, "complete", info->complete);
    wf_ctlproto_w_u64(&w, "workers_asked", info->asked);
    wf_ctlproto_w_u64(&w, "workers_answered", info->answered);
    wf_ctlproto_w_u64(&w, "channels_per_worker_sum", info->channels_sum);
    wf_ctlproto_w_arr(&w, "channels");
    for (size_t i = 0; i < n; i++) {
        char name[256];

        memcpy(name, v[i].name, v[i].len);
        name[v[i].len] = '\0';
        wf_ctlproto_w_obj(&w, NULL);
        wf_ctlproto_w_str(&w, "channel", name);
        wf_ctlproto_w_u64(&w, "subscribers", v[i].subs);
        wf_ctlproto_w_bool(&w, "exact", v[i].slack == 0);
        if (v[i].slack == UINT64_MAX)
            wf_ctlproto_w_null(&w, "at_most");
        else
            wf_ctlproto_w_u64(&w, "at_most", v[i].subs + v[i].slack);
        wf_ctlproto_w_close(&w);
    }
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_arr(&w, "workers");
    for (size_t i = 0; i < nw; i++) {
        const wf_stats_proc_t *st = wv[i].st;

        wf_ctlproto_w_obj(&w, NULL);
        wf_ctlproto_w_u64(&w, "pid", (uint64_t)wv[i].pid);
        wf_ctlproto_w_u64(&w, "slot", (uint64_t)wv[i].slot);
        wf_ctlproto_w_u64(&w, "generation", wv[i].gen);
        wf_ctlproto_w_u64(&w, "channels",
                          st ? wf_stats_get(&st->channels) : 0);
        wf_ctlproto_w_u64(&w, "subscriptions",
                          st ? wf_stats_get(&st->subscriptions) : 0);
        wf_ctlproto_w_close(&w);
    }
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_end(&w);
    free(wv);
}


static void
ctlcmd_config_line(void *arg, const char *name, int argc,
                   const char *const *argv)
{
    wf_ctlproto_w_t *w = arg;

    wf_ctlproto_w_arr(w, NULL);
    wf_ctlproto_w_str(w, NULL, name);
    for (int i = 0; i < argc; i++)
        wf_ctlproto_w_str(w, NULL, argv[i]);
    wf_ctlproto_w_close(w);
}


void
wf_ctlcmd_config(wf_buf_t *out)
{
    wf_sup_state_t s;
    wf_ctlproto_w_t w;

    wf_sup_state(&s);
    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_str(&w, "path", s.conf->path);
    wf_ctlproto_w_arr(&w, "config");
    wf_conf_dump(s.conf, ctlcmd_config_line, &w);
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_end(&w);
}


void
wf_ctlcmd_reloaded(wf_buf_t *out, unsigned gen, const char *err)
{
    wf_sup_state_t s;
    wf_ctlproto_w_t w;

    if (err != NULL) {
        wf_ctlproto_error(out, "not_ready", err);
        return;
    }
    wf_sup_state(&s);
    ctlcmd_begin(&w, out, &s);
    wf_ctlproto_w_u64(&w, "serving_generation", gen);
    wf_ctlproto_w_u64(&w, "workers", (uint64_t)s.nslots);
    wf_ctlproto_w_end(&w);
}
