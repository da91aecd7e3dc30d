/* rsub.h - the worker's two Redis links and what rides on them:
 * - the subscriber: SUBSCRIBE/UNSUBSCRIBE follow the channel registry
 *   (a channel is subscribed while it has local subscribers), batched into
 *   one command per loop iteration, and everything again after a
 *   reconnect; messages go to the fan-out;
 * - the publisher: pipelined PUBLISH for clients and the HTTP API;
 * - the heartbeat: every second the worker publishes on a channel of its
 *   own and must see it come back through its subscriber within 3 s, or
 *   both links are reconnected and the worker reports degraded until the
 *   heartbeat returns. The round trip is the live publish-to-delivery
 *   latency.
 * Owner: the worker. Threads: none. */
#ifndef WF_RSUB_H
#define WF_RSUB_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "conf.h"

typedef struct wf_rsub_hooks {
    /* A message on channel ch (the prefix removed). */
    void (*on_message)(const char *ch, size_t chlen, const char *payload,
                       size_t len);
    /* The health (wf_rsub_healthy()) changed; may be NULL. */
    void (*on_health)(int healthy);
} wf_rsub_hooks_t;

/* A publish's outcome: 0 when Redis accepted it, else WF_EUNAVAIL. */
typedef void wf_rsub_pub_fn(int status, void *arg);

typedef struct wf_rsub_stats {
    int sub_up, pub_up, healthy;
    uint64_t reconnects;      /* links that went down */
    uint64_t hb_sent, hb_seen;
    double hb_latency_ms;     /* last heartbeat round trip */
    double hb_latency_avg_ms; /* moving average */
} wf_rsub_stats_t;

/* Connect to conf's Redis (both links start connecting on the next loop
 * iteration). Returns 0, or WF_ECONFIG with *cause for an unusable
 * address. */
int wf_rsub_init(struct ev_loop *loop, const wf_conf_t *conf,
                 const wf_rsub_hooks_t *hooks, char **cause);
void wf_rsub_cleanup(void);

/* Publish payload on channel ch (prefix added) through the publisher; cb
 * (may be NULL) runs with the outcome, never before this returns. Returns
 * 0, or WF_EUNAVAIL when the link is down or its queue full (cb will not
 * run). */
int wf_rsub_publish(const char *ch, size_t chlen, const char *payload,
                    size_t len, wf_rsub_pub_fn *cb, void *arg);

/* Both links up and the heartbeat seen since they came up. */
int wf_rsub_healthy(void);

void wf_rsub_stats(wf_rsub_stats_t *st);

#endif
