/* rsub.c - the worker's Redis subscriber, publisher and heartbeat (see
 * rsub.h). The registry (chan.c) says which channels are wanted; this
 * file makes Redis agree, in batches, before the loop blocks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "chan.h"
#include "err.h"
#include "log.h"
#include "raddr.h"
#include "rlink.h"
#include "rsub.h"
#include "x.h"

#define RSUB_BATCH 256        /* channels per (UN)SUBSCRIBE command */
#define RSUB_HB_INTERVAL 1.0  /* s between heartbeats */
#define RSUB_HB_TIMEOUT_MS 3000
#define RSUB_HB_JITTER_MS 100 /* a tick a little early still counts */

typedef struct rsub_pub {
    wf_rsub_pub_fn *cb;
    void *arg;
} rsub_pub_t;

static struct {
    struct ev_loop *loop;
    const wf_conf_t *conf;
    wf_rsub_hooks_t hooks;
    wf_rlink_t *sub, *pub;
    char *prefix;
    size_t prefix_len;
    char *hb_chan; /* full Redis name of our heartbeat channel */
    ev_prepare flush_w;
    ev_timer hb_w;
    uint64_t up_ms;      /* when both links were last up together */
    uint64_t hb_seen_ms; /* when our heartbeat last came back */
    uint64_t hb_wait_ms; /* when the oldest unanswered one was sent, or 0 */
    int healthy;
    int hb_subscribed; /* Redis confirmed our heartbeat SUBSCRIBE */
    uint64_t hb_seq;
    wf_rsub_stats_t st;
} rs;


static uint64_t
rsub_now_us(void)
{
    return wf_now_ms() * 1000; /* ms resolution is plenty for health */
}


static void
rsub_set_healthy(int healthy, const char *why)
{
    if (healthy == rs.healthy)
        return;
    rs.healthy = healthy;
    if (healthy)
        wf_log(WF_LOG_NOTICE, "Redis link healthy: heartbeat round trip "
                              "%.1f ms",
               rs.st.hb_latency_ms);
    else
        wf_log(WF_LOG_WARNING, "Redis link degraded: %s", why);
    if (rs.hooks.on_health != NULL)
        rs.hooks.on_health(healthy);
}


/* A batch of channel names (with the prefix) for one (UN)SUBSCRIBE, and
 * for SUBSCRIBE the sequence numbers to confirm when Redis answers. */
typedef struct rsub_batch {
    size_t n;
    char *names[RSUB_BATCH];
    uint32_t seqs[RSUB_BATCH];
} rsub_batch_t;


static void
rsub_batch_free(rsub_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->names[i]);
    free(b);
}


static void
rsub_on_subscribed(wf_rlink_t *l, redisReply *r, void *arg)
{
    rsub_batch_t *b = arg;

    /* r is the last confirmation (all arrived), an error, or NULL when
     * the link failed first: then everything is resubscribed on up. */
    if (r != NULL && r->type != REDIS_REPLY_ERROR)
        for (size_t i = 0; i < b->n; i++)
            wf_chan_confirm(b->names[i] + rs.prefix_len,
                            strlen(b->names[i]) - rs.prefix_len, b->seqs[i]);
    else if (r != NULL)
        wf_log(WF_LOG_ERR, "SUBSCRIBE refused by Redis: %s", r->str);
    rsub_batch_free(b);
}


/* Send the batch as cmd on the subscriber; it takes b. */
static void
rsub_send(const char *cmd, rsub_batch_t *b)
{
    const char **argv = wf_xcalloc(b->n + 1, sizeof(*argv));
    int sub = cmd[0] == 'S';

    argv[0] = cmd;
    for (size_t i = 0; i < b->n; i++)
        argv[i + 1] = b->names[i];
    if (wf_rlink_command(rs.sub, (int)b->n + 1, argv, NULL,
                         sub ? rsub_on_subscribed : NULL, sub ? b : NULL) !=
        0) {
        wf_rlink_reconnect(rs.sub, "cannot queue a subscription command");
        rsub_batch_free(b);
    } else if (!sub) {
        rsub_batch_free(b);
    }
    free(argv);
}


/* Before the loop blocks: make Redis's subscriptions match the registry
 * for every channel whose state changed, in batched commands. */
static void
rsub_on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    rsub_batch_t *subs = NULL, *unsubs = NULL;
    int up = wf_rlink_is_up(rs.sub);
    wf_chan_t *ch;

    while ((ch = wf_chan_dirty_pop()) != NULL) {
        int want = wf_chan_wanted(ch);

        if (!up) {
            wf_chan_set_remote(ch, 0); /* all resubscribed on up */
            continue;
        }
        if (want == wf_chan_remote(ch)) {
            if (!want)
                wf_chan_set_remote(ch, 0); /* subscribed and left at once:
                                              free it, cancel waiters */
            continue;
        }
        if (want) {
            if (subs == NULL)
                subs = wf_xcalloc(1, sizeof(*subs));
            subs->names[subs->n] = wf_xasprintf("%s%s", rs.prefix,
                                                wf_chan_name(ch));
            subs->seqs[subs->n++] = wf_chan_set_remote(ch, 1);
            if (subs->n == RSUB_BATCH) {
                rsub_send("SUBSCRIBE", subs);
                subs = NULL;
            }
        } else {
            if (unsubs == NULL)
                unsubs = wf_xcalloc(1, sizeof(*unsubs));
            unsubs->names[unsubs->n++] = wf_xasprintf("%s%s", rs.prefix,
                                                      wf_chan_name(ch));
            wf_chan_set_remote(ch, 0); /* frees ch */
            if (unsubs->n == RSUB_BATCH) {
                rsub_send("UNSUBSCRIBE", unsubs);
                unsubs = NULL;
            }
        }
    }
    if (subs != NULL)
        rsub_send("SUBSCRIBE", subs);
    if (unsubs != NULL)
        rsub_send("UNSUBSCRIBE", unsubs);
    if (up)
        wf_rlink_flush(rs.sub); /* this iteration, not after the next wake */
}


static void
rsub_heartbeat_seen(const char *payload, size_t len)
{
    char buf[64];
    unsigned long long seq, sent;

    if (len >= sizeof(buf))
        return;
    memcpy(buf, payload, len);
    buf[len] = '\0';
    if (sscanf(buf, "%llu:%llu", &seq, &sent) != 2)
        return;
    rs.st.hb_seen++;
    rs.hb_seen_ms = wf_now_ms();
    /* The latest came back: none is outstanding. An older one: the
     * newer ones were sent since, so count from now. */
    rs.hb_wait_ms = seq >= rs.hb_seq ? 0 : rs.hb_seen_ms;
    rs.st.hb_latency_ms = (double)(rsub_now_us() - sent) / 1000.;
    rs.st.hb_latency_avg_ms = rs.st.hb_seen == 1
                                  ? rs.st.hb_latency_ms
                                  : rs.st.hb_latency_avg_ms * 0.9 +
                                        rs.st.hb_latency_ms * 0.1;
    if (wf_rlink_is_up(rs.sub) && wf_rlink_is_up(rs.pub))
        rsub_set_healthy(1, NULL);
}


static void
rsub_on_push(wf_rlink_t *l, redisReply *r, void *arg)
{
    redisReply *ch, *payload;

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(r->element[0]->str, "message") != 0)
        return; /* subscription confirmations */
    ch = r->element[1];
    payload = r->element[2];
    if (ch->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(ch->str, rs.hb_chan) == 0) {
        rsub_heartbeat_seen(payload->str, payload->len);
        return;
    }
    if (ch->len <= rs.prefix_len ||
        memcmp(ch->str, rs.prefix, rs.prefix_len) != 0)
        return;
    rs.hooks.on_message(ch->str + rs.prefix_len, ch->len - rs.prefix_len,
                        payload->str, payload->len);
}


static void
rsub_heartbeat_send(void)
{
    char buf[64];
    const char *argv[3];
    int n;

    if (!wf_rlink_is_up(rs.pub) || !wf_rlink_is_up(rs.sub) ||
        !rs.hb_subscribed)
        return;
    n = snprintf(buf, sizeof(buf), "%llu:%llu",
                 (unsigned long long)++rs.hb_seq,
                 (unsigned long long)rsub_now_us());
    argv[0] = "PUBLISH";
    argv[1] = rs.hb_chan;
    argv[2] = buf;
    if (n > 0 && wf_rlink_command(rs.pub, 3, argv, NULL, NULL, NULL) == 0) {
        rs.st.hb_sent++;
        if (rs.hb_wait_ms == 0)
            rs.hb_wait_ms = wf_now_ms();
    }
}


/* Has a heartbeat been outstanding for RSUB_HB_TIMEOUT_MS? Checked on
 * the 1 s tick that sends them, so the third tick after a send decides
 * (give or take the timer's jitter). */
static int
rsub_hb_overdue(uint64_t now)
{
    return rs.hb_wait_ms != 0 &&
           now + RSUB_HB_JITTER_MS - rs.hb_wait_ms >= RSUB_HB_TIMEOUT_MS;
}


/* Every second: send a heartbeat, and check the last one came back. */
static void
rsub_on_hb_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    uint64_t now = wf_now_ms();
    int up = wf_rlink_is_up(rs.sub) && wf_rlink_is_up(rs.pub);

    /* Lost: a heartbeat sent over 3 s ago has not come back. Not "none
     * seen for 3 s": a worker too busy to send one (a flush to 20,000
     * connections on a starved CPU) has nothing outstanding. */
    if (up && rsub_hb_overdue(now)) {
        /* Maybe it came back while we were busy: look first. */
        wf_rlink_poll(rs.pub);
        wf_rlink_poll(rs.sub);
        up = wf_rlink_is_up(rs.sub) && wf_rlink_is_up(rs.pub);
    }
    if (up && rsub_hb_overdue(now)) {
        rs.hb_wait_ms = 0;
        rsub_set_healthy(0, "heartbeat not seen for 3 s; reconnecting");
        wf_rlink_reconnect(rs.sub, "heartbeat lost");
        wf_rlink_reconnect(rs.pub, "heartbeat lost");
        return;
    }
    rsub_heartbeat_send();
}


/* Both links are up and the heartbeat channel is subscribed: send the
 * first heartbeat now, healthy as soon as it returns. */
static void
rsub_maybe_start(void)
{
    if (wf_rlink_is_up(rs.sub) && wf_rlink_is_up(rs.pub) && rs.hb_subscribed) {
        rs.up_ms = wf_now_ms();
        rs.hb_wait_ms = 0;
        rsub_heartbeat_send();
    }
}


static void
rsub_on_hb_subscribed(wf_rlink_t *l, redisReply *r, void *arg)
{
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r != NULL)
            wf_log(WF_LOG_ERR, "SUBSCRIBE %s: %s", rs.hb_chan, r->str);
        return;
    }
    rs.hb_subscribed = 1;
    rsub_maybe_start();
}


static void
rsub_on_up(wf_rlink_t *l, void *arg)
{
    if (l == rs.sub) {
        const char *argv[2] = {"SUBSCRIBE", rs.hb_chan};

        rs.hb_subscribed = 0;
        wf_rlink_command(rs.sub, 2, argv, NULL, rsub_on_hb_subscribed, NULL);
        wf_chan_remote_lost(); /* every wanted channel is dirty again */
    }
    rsub_maybe_start();
}


static void
rsub_on_down(wf_rlink_t *l, const char *why, void *arg)
{
    rs.st.reconnects++;
    if (l == rs.sub) {
        rs.hb_subscribed = 0;
        wf_chan_remote_lost();
    }
    rsub_set_healthy(0, why);
}


static void
rsub_on_published(wf_rlink_t *l, redisReply *r, void *arg)
{
    rsub_pub_t *p = arg;
    int status = (r != NULL && r->type == REDIS_REPLY_INTEGER) ? 0
                                                                : WF_EUNAVAIL;

    if (r != NULL && r->type == REDIS_REPLY_ERROR)
        wf_log(WF_LOG_ERR, "PUBLISH failed: %s", r->str);
    if (p->cb != NULL)
        p->cb(status, p->arg);
    free(p);
}


int
wf_rsub_publish(const char *ch, size_t chlen, const char *payload,
                size_t len, wf_rsub_pub_fn *cb, void *arg)
{
    const char *argv[3];
    size_t argvlen[3];
    char name[WF_CHAN_NAME_MAX + 128];
    rsub_pub_t *p;
    int rc;

    if (!rs.healthy || chlen > WF_CHAN_NAME_MAX)
        return WF_EUNAVAIL;
    memcpy(name, rs.prefix, rs.prefix_len);
    memcpy(name + rs.prefix_len, ch, chlen);
    argv[0] = "PUBLISH";
    argvlen[0] = 7;
    argv[1] = name;
    argvlen[1] = rs.prefix_len + chlen;
    argv[2] = payload;
    argvlen[2] = len;
    p = wf_xmalloc(sizeof(*p));
    p->cb = cb;
    p->arg = arg;
    rc = wf_rlink_command(rs.pub, 3, argv, argvlen, rsub_on_published, p);
    if (rc != 0) {
        free(p);
        return WF_EUNAVAIL;
    }
    return 0;
}


int
wf_rsub_healthy(void)
{
    return rs.healthy;
}


void
wf_rsub_stats(wf_rsub_stats_t *st)
{
    *st = rs.st;
    st->sub_up = rs.sub != NULL && wf_rlink_is_up(rs.sub);
    st->pub_up = rs.pub != NULL && wf_rlink_is_up(rs.pub);
    st->healthy = rs.healthy;
}


int
wf_rsub_init(struct ev_loop *loop, const wf_conf_t *conf,
             const wf_rsub_hooks_t *hooks, char **cause)
{
    wf_raddr_t addr = WF_RADDR_INIT;
    wf_rlink_cfg_t cfg;
    wf_rlink_cbs_t cbs;
    char host[64];
    unsigned rnd;

    memset(&rs, 0, sizeof(rs));
    rs.loop = loop;
    rs.conf = conf;
    rs.hooks = *hooks;
    rs.prefix = wf_xstrdup(conf->redis_prefix);
    rs.prefix_len = strlen(rs.prefix);
    if (gethostname(host, sizeof(host)) != 0)
        strcpy(host, "localhost");
    host[sizeof(host) - 1] = '\0';
    rnd = (unsigned)(wf_now_ms() * 2654435761u) ^ (unsigned)getpid();
    rs.hb_chan = wf_xasprintf("%s__wsfan:hb:%s:%ld:%08x", rs.prefix, host,
                              (long)getpid(), rnd);
    if (wf_raddr_parse(conf->redis_url, &addr, cause) != 0)
        return WF_ECONFIG;
    memset(&cfg, 0, sizeof(cfg));
    memset(&cbs, 0, sizeof(cbs));
    cfg.addr = &addr;
    cbs.on_up = rsub_on_up;
    cbs.on_down = rsub_on_down;
    cbs.on_push = rsub_on_push;
    cfg.name = "subscriber";
    cfg.subscriber = 1;
    rs.sub = wf_rlink_new(loop, &cfg, &cbs, cause);
    cfg.name = "publisher";
    cfg.subscriber = 0;
    rs.pub = rs.sub ? wf_rlink_new(loop, &cfg, &cbs, cause) : NULL;
    wf_raddr_free(&addr);
    if (rs.pub == NULL) {
        wf_rlink_free(rs.sub);
        rs.sub = NULL;
        return WF_ECONFIG;
    }
    ev_prepare_init(&rs.flush_w, rsub_on_prepare);
    ev_set_priority(&rs.flush_w, EV_MAXPRI);
    ev_prepare_start(loop, &rs.flush_w);
    ev_timer_init(&rs.hb_w, rsub_on_hb_timer, RSUB_HB_INTERVAL,
                  RSUB_HB_INTERVAL);
    ev_timer_start(loop, &rs.hb_w);
    return 0;
}


void
wf_rsub_cleanup(void)
{
    if (rs.loop == NULL)
        return;
    ev_prepare_stop(rs.loop, &rs.flush_w);
    ev_timer_stop(rs.loop, &rs.hb_w);
    wf_rlink_free(rs.sub);
    wf_rlink_free(rs.pub);
    free(rs.prefix);
    free(rs.hb_chan);
    memset(&rs, 0, sizeof(rs));
}
