/* report.c - wsfan-bench's results, for people (a few aligned lines) or
 * for scripts (one JSON object on stdout; keys are stable: add, never
 * rename). Rates use the measured window of each mode:
 *   echo     first GO to the last echo;
 *   connect  first connect() to the last connection ready;
 *   hold     as connect, plus held/dropped at the end;
 *   fanout   first publish to the last delivery. */
#include "config.h"

#include <stdio.h>

#include "bench.h"

static const char *const report_modes[] = {"echo", "connect", "hold", "fanout"};
static const char *const report_pubs[] = {"redis", "http", "ws"};
static const char *const report_peers[] = {"wsfan", "nchan"};

typedef struct report_rates {
    double window; /* seconds */
    double rate;   /* the mode's main rate */
    double mbps;   /* echo: payload MB/s both ways */
    double pub_rate;
    uint64_t loss;
} report_rates_t;


static double
report_s(uint64_t a, uint64_t b)
{
    return b > a ? (double)(b - a) / 1e9 : 0;
}


static void
report_compute(const wb_opts_t *o, const wb_result_t *r, report_rates_t *x)
{
    x->loss = r->expected > r->deliveries ? r->expected - r->deliveries : 0;
    x->mbps = x->pub_rate = 0;
    switch (o->mode) {
    case WB_ECHO:
        x->window = report_s(r->t_go, r->t_last);
        x->rate = x->window > 0 ? (double)r->roundtrips / x->window : 0;
        x->mbps = x->window > 0 ? 2.0 * (double)r->roundtrips *
                                      (double)o->size / x->window / 1e6
                                : 0;
        break;
    case WB_CONNECT:
    case WB_HOLD:
        x->window = report_s(r->t_start, r->t_ready);
        x->rate = x->window > 0 ? (double)r->ready / x->window : 0;
        break;
    case WB_FANOUT:
        x->window = report_s(r->t_first, r->t_last);
        x->rate = x->window > 0 ? (double)r->deliveries / x->window : 0;
        x->pub_rate =
            report_s(r->t_first, r->t_end) > 0
                ? (double)r->published / report_s(r->t_first, r->t_end)
                : 0;
        break;
    }
}


static void
report_lat_text(const char *what, const wb_hist_t *h)
{
    if (h->count == 0)
        return;
    printf("  %-12s min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  "
           "max %.3f ms  (mean %.3f, n=%llu)\n",
           what, (double)h->min / 1e6, (double)wb_hist_quantile(h, 0.50) / 1e6,
           (double)wb_hist_quantile(h, 0.90) / 1e6,
           (double)wb_hist_quantile(h, 0.99) / 1e6,
           (double)wb_hist_quantile(h, 0.999) / 1e6, (double)h->max / 1e6,
           wb_hist_mean(h) / 1e6, (unsigned long long)h->count);
}


static void
report_lat_json(const char *key, const wb_hist_t *h)
{
    printf(",\"%s\":{\"count\":%llu,\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,"
           "\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f}",
           key, (unsigned long long)h->count,
           h->count ? (double)h->min / 1e3 : 0.0,
           (double)wb_hist_quantile(h, 0.50) / 1e3,
           (double)wb_hist_quantile(h, 0.90) / 1e3,
           (double)wb_hist_quantile(h, 0.99) / 1e3,
           (double)wb_hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3,
           wb_hist_mean(h) / 1e3);
}


/* The non-empty buckets of h: [lowest ns, highest ns, count], lowest
 * first (the last bucket also holds the overflow). */
static void
report_hist_json(const char *key, const wb_hist_t *h)
{
    const char *sep = "";
    unsigned i;

    printf(",\"%s\":[", key);
    for (i = 0; i < WB_HIST_BUCKETS; i++) {
        if (h->b[i] == 0)
            continue;
        printf("%s[%llu,%llu,%llu]", sep, (unsigned long long)wb_hist_lowest(i),
               (unsigned long long)wb_hist_highest(i),
               (unsigned long long)h->b[i]);
        sep = ",";
    }
    printf("]");
}


static void
report_json(const wb_opts_t *o, const wb_result_t *r, const report_rates_t *x,
            uint64_t elapsed)
{
#define U(k, v) printf(",\"%s\":%llu", k, (unsigned long long)(v))
    printf("{\"mode\":\"%s\",\"target\":\"%s%s\",\"targets\":%d",
           report_modes[o->mode], o->targets[0].host, o->targets[0].path,
           o->ntargets);
    printf(",\"procs\":%d,\"conns\":%ld,\"size\":%zu,\"binary\":%s,"
           "\"deflate\":%s,\"channels\":%ld",
           o->procs, o->conns, o->size, o->binary ? "true" : "false",
           o->deflate ? "true" : "false", o->channels);
    printf(",\"elapsed_s\":%.3f,\"window_s\":%.3f,\"rate\":%.1f,"
           "\"bench_cpu_s\":%.3f",
           (double)elapsed / 1e9, x->window, x->rate, (double)r->cpu_ns / 1e9);
    U("attempts", r->attempts);
    U("opened", r->opened);
    U("ready", r->ready);
    U("failed", r->failed);
    U("dropped", r->dropped);
    U("held", r->held);
    printf(",\"failures\":{\"connect\":%llu,\"timeout\":%llu,\"http\":%llu,"
           "\"protocol\":%llu,\"closed\":%llu}",
           (unsigned long long)r->f_connect, (unsigned long long)r->f_timeout,
           (unsigned long long)r->f_http, (unsigned long long)r->f_proto,
           (unsigned long long)r->f_closed);
    U("sent", r->sent);
    U("received", r->recv);
    U("bytes_sent", r->bytes_sent);
    U("bytes_received", r->bytes_recv);
    U("pings", r->pings);
    U("server_closes", r->closes_rcvd);
    U("deflate_negotiated", r->deflated);
    if (o->mode == WB_ECHO) {
        U("roundtrips", r->roundtrips);
        U("mismatches", r->mismatches);
        printf(",\"mb_per_s\":%.3f", x->mbps);
    }
    if (o->mode == WB_FANOUT) {
        printf(",\"peer\":\"%s\",\"pub\":\"%s\",\"pub_rate\":%.1f",
               report_peers[o->peer], report_pubs[o->pub], x->pub_rate);
        /* CLOCK_MONOTONIC instants, for scripts that sample the servers
         * meanwhile: first and last publish, last delivery. */
        U("mono_first_pub_ns", r->t_first);
        U("mono_last_pub_ns", r->t_end);
        U("mono_last_delivery_ns", r->t_last);
        U("published", r->published);
        U("pub_acks", r->pub_acks);
        U("pub_errors", r->pub_errors);
        U("pub_receivers", r->pub_receivers);
        U("deliveries", r->deliveries);
        U("expected", r->expected);
        U("loss", x->loss);
        U("duplicates", r->duplicates);
        U("reordered", r->reordered);
        U("bad", r->bad);
        printf(",\"latency_end\":\"%s\"", o->rx_ts ? "kernel" : "bench");
    }
    report_lat_json("latency_us", &r->lat);
    report_lat_json("handshake_us", &r->hs);
    if (o->json_hist)
        report_hist_json("latency_hist", &r->lat);
    printf("}\n");
#undef U
}


void
wb_report(const wb_opts_t *o, const wb_result_t *r, uint64_t elapsed)
{
    report_rates_t x = {0, 0, 0, 0, 0};

    report_compute(o, r, &x);
    if (o->json) {
        report_json(o, r, &x, elapsed);
        fflush(stdout);
        return;
    }
    printf("wsfan-bench %s: %ld connections to %s%s%s, %d process%s, "
           "%.1f s\n",
           report_modes[o->mode], o->conns, o->targets[0].host,
           o->targets[0].path, o->ntargets > 1 ? " (+ more)" : "", o->procs,
           o->procs > 1 ? "es" : "", (double)elapsed / 1e9);
    printf("  connections  %llu ready, %llu failed (connect %llu, timeout "
           "%llu, http %llu, protocol %llu, closed %llu), %llu dropped",
           (unsigned long long)r->ready, (unsigned long long)r->failed,
           (unsigned long long)r->f_connect, (unsigned long long)r->f_timeout,
           (unsigned long long)r->f_http, (unsigned long long)r->f_proto,
           (unsigned long long)r->f_closed, (unsigned long long)r->dropped);
    if (o->mode == WB_HOLD || o->hold_ns)
        printf(", %llu held to the end", (unsigned long long)r->held);
    printf("\n");
    switch (o->mode) {
    case WB_ECHO:
        printf("  echo         %zu B %s%s: %llu round trips in %.2f s = "
               "%.0f/s, %.2f MB/s payload both ways, %llu mismatches\n",
               o->size, o->binary ? "binary" : "text",
               !o->deflate                ? ""
               : r->deflated == r->opened ? " deflate"
                                          : " deflate (NOT negotiated on all)",
               (unsigned long long)r->roundtrips, x.window, x.rate, x.mbps,
               (unsigned long long)r->mismatches);
        report_lat_text("round trip", &r->lat);
        break;
    case WB_CONNECT:
    case WB_HOLD:
        printf("  upgrades     %.0f/s (%llu in %.2f s)%s, %llu pings "
               "answered\n",
               x.rate, (unsigned long long)r->ready, x.window,
               o->channels ? " with subscribe" : "",
               (unsigned long long)r->pings);
        break;
    case WB_FANOUT:
        printf("  publisher    %s: %llu messages (%.0f/s), %llu acks, %llu "
               "errors%s\n",
               report_pubs[o->pub], (unsigned long long)r->published,
               x.pub_rate, (unsigned long long)r->pub_acks,
               (unsigned long long)r->pub_errors,
               o->rate > 0 ? "" : " (flat out)");
        printf("  deliveries   %llu of %llu expected = %.0f/s; loss %llu, "
               "duplicates %llu, reordered %llu, bad %llu\n",
               (unsigned long long)r->deliveries,
               (unsigned long long)r->expected, x.rate,
               (unsigned long long)x.loss, (unsigned long long)r->duplicates,
               (unsigned long long)r->reordered, (unsigned long long)r->bad);
        report_lat_text(o->rx_ts ? "latency (kernel rx)" : "latency", &r->lat);
        break;
    }
    report_lat_text("handshake", &r->hs);
    printf("  bench CPU    %.2f s in %.2f s\n", (double)r->cpu_ns / 1e9,
           (double)elapsed / 1e9);
    fflush(stdout);
}
