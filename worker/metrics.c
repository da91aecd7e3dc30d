/* metrics.c - worker statistics publishing and the /metrics exposition
 * (see metrics.h). Names follow Prometheus conventions: counters end in
 * _total, every family has HELP and TYPE lines. */
#include "config.h"

#include <string.h>

#include "api.h"
#include "buf.h"
#include "chan.h"
#include "conn.h"
#include "fan.h"
#include "metrics.h"
#include "proto.h"
#include "rsub.h"
#include "stats.h"
#include "ws.h"
#include "x.h"

#define METRICS_TICK 0.25 /* s */

static struct {
    struct ev_loop *loop;
    wf_stats_t *all;
    wf_stats_proc_t *me;
    ev_timer tick_w;
    uint64_t accepted;
} mt;

static const char *const metrics_hs[WF_STATS_HS_COUNT] = {
    "bad_request", "version", "origin", "method", "not_websocket", "timeout",
};
static const char *const metrics_src[WF_STATS_SRC_COUNT] = {
    "redis", "client", "api",
};


void
wf_metrics_publish(void)
{
    wf_stats_counters_t c;
    const wf_conn_stats_t *cs = wf_conn_stats();
    wf_fan_stats_t fs;
    wf_rsub_stats_t rs;

    if (mt.me == NULL)
        return;
    wf_fan_stats(&fs);
    wf_rsub_stats(&rs);
    memset(&c, 0, sizeof(c));
    c.messages_in[WF_STATS_SRC_REDIS] = fs.messages;
    c.messages_in[WF_STATS_SRC_CLIENT] = wf_proto_published();
    c.messages_in[WF_STATS_SRC_API] = wf_api_published();
    c.delivered = fs.deliveries;
    c.bytes_out = cs->bytes_out;
    c.writes = cs->writes;
    c.slow_closes = wf_ws_slow_closes();
    c.handshakes = cs->handshakes;
    for (int i = 0; i < WF_STATS_HS_COUNT; i++)
        c.hs_failures[i] = cs->hs_failures[i];
    c.redis_reconnects = rs.reconnects;
    wf_stats_publish(&mt.me->c, &c);
    wf_stats_set(&mt.me->connections, wf_conn_count());
    wf_stats_set(&mt.me->ws_connections, wf_ws_count());
    wf_stats_set(&mt.me->subscriptions, wf_chan_sub_count());
    wf_stats_set(&mt.me->channels, wf_chan_count());
    wf_stats_set(&mt.me->redis_up, (uint64_t)rs.healthy);
    wf_stats_set(&mt.me->hb_latency_us,
                 (uint64_t)(rs.hb_latency_avg_ms * 1000.));
    wf_stats_set(&mt.me->heartbeat, wf_now_ms());
}


void
wf_metrics_beat(void)
{
    if (mt.me != NULL)
        wf_stats_set(&mt.me->heartbeat, wf_now_ms());
}


static void
metrics_on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    wf_metrics_publish();
}


void
wf_metrics_init(struct ev_loop *loop, wf_stats_t *all, wf_stats_proc_t *me)
{
    memset(&mt, 0, sizeof(mt));
    mt.loop = loop;
    mt.all = all;
    mt.me = me;
    ev_timer_init(&mt.tick_w, metrics_on_tick, METRICS_TICK, METRICS_TICK);
    if (me != NULL) {
        ev_timer_start(loop, &mt.tick_w);
        wf_metrics_publish();
    }
}


void
wf_metrics_cleanup(void)
{
    if (mt.loop != NULL)
        ev_timer_stop(mt.loop, &mt.tick_w);
}


static void
metrics_family(wf_buf_t *out, const char *name, const char *type,
               const char *help)
{
    wf_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}


/* One family with a single unlabelled sample. */
static void
metrics_scalar(wf_buf_t *out, const char *name, const char *type,
               const char *help, uint64_t v)
{
    metrics_family(out, name, type, help);
    wf_buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}


/* One family with a sample per label value. */
static void
metrics_labelled(wf_buf_t *out, const char *name, const char *help,
                 const char *label, const char *const *values,
                 const uint64_t *v, int n)
{
    metrics_family(out, name, "counter", help);
    for (int i = 0; i < n; i++)
        wf_buf_printf(out, "%s{%s=\"%s\"} %llu\n", name, label, values[i],
                      (unsigned long long)v[i]);
}


void
wf_metrics_render(wf_buf_t *out)
{
    wf_stats_counters_t t;
    uint64_t conns = 0, subs = 0, chans = 0, up = 0, workers = 0, lat = 0;

    if (mt.all == NULL)
        return;
    wf_metrics_publish(); /* this worker's own numbers are current */
    wf_stats_total(mt.all, &t, &conns, &subs, &chans);
    for (size_t i = 0; i < WF_STATS_PROCS; i++) {
        wf_stats_proc_t *p = &mt.all->procs[i];

        if (__atomic_load_n(&p->pid, __ATOMIC_ACQUIRE) == 0)
            continue;
        workers++;
        up += wf_stats_get(&p->redis_up);
        lat = WF_MAX(lat, wf_stats_get(&p->hb_latency_us));
    }
    metrics_scalar(out, "wsfan_workers", "gauge", "Worker processes.",
                   workers);
    metrics_scalar(out, "wsfan_connections", "gauge",
                   "Open client connections (HTTP and WebSocket).", conns);
    metrics_scalar(out, "wsfan_subscriptions", "gauge",
                   "Channel subscriptions of connected clients.", subs);
    metrics_scalar(out, "wsfan_channels", "gauge",
                   "Channels with local subscribers, summed over workers.",
                   chans);
    metrics_labelled(out, "wsfan_messages_in_total",
                     "Messages received, by source.", "source", metrics_src,
                     t.messages_in, WF_STATS_SRC_COUNT);
    metrics_scalar(out, "wsfan_messages_delivered_total", "counter",
                   "Messages queued to subscribers.", t.delivered);
    metrics_scalar(out, "wsfan_bytes_out_total", "counter",
                   "Bytes written to clients.", t.bytes_out);
    metrics_scalar(out, "wsfan_writes_total", "counter",
                   "Writes to clients (writev or io_uring sends); "
                   "delivered / writes is how many frames one write "
                   "carries.",
                   t.writes);
    metrics_scalar(out, "wsfan_slow_consumer_closes_total", "counter",
                   "Clients closed with 1013 because their send buffer "
                   "filled.",
                   t.slow_closes);
    metrics_scalar(out, "wsfan_handshakes_total", "counter",
                   "Successful WebSocket upgrades.", t.handshakes);
    metrics_labelled(out, "wsfan_handshake_failures_total",
                     "Refused WebSocket handshakes, by reason.", "reason",
                     metrics_hs, t.hs_failures, WF_STATS_HS_COUNT);
    metrics_scalar(out, "wsfan_redis_up", "gauge",
                   "Workers whose Redis link is healthy, out of "
                   "wsfan_workers.",
                   up);
    metrics_scalar(out, "wsfan_redis_reconnects_total", "counter",
                   "Redis links that went down and reconnected.",
                   t.redis_reconnects);
    metrics_family(out, "wsfan_redis_heartbeat_seconds", "gauge",
                   "Publish-to-delivery time of the Redis heartbeat (the "
                   "slowest worker's average).");
    wf_buf_printf(out, "wsfan_redis_heartbeat_seconds %.6f\n",
                  (double)lat / 1e6);
    metrics_scalar(out, "wsfan_worker_restarts_total", "counter",
                   "Workers that died and were replaced.",
                   wf_stats_get(&mt.all->worker_restarts));
}
