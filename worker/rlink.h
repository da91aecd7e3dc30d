/* rlink.h - one Redis connection inside a worker's libev loop.
 * The link owns its socket I/O (non-blocking connect, read, write with
 * ev_io); hiredis only parses RESP (redisReader) and formats commands
 * (redisFormatCommandArgv), so the same code runs on hiredis 0.14 and 1.x.
 *
 * Life cycle: wf_rlink_new() starts connecting on the next loop
 * iteration. After connecting it sends AUTH (if the address has a
 * password) and SELECT (if db != 0) pipelined, and once both succeed the
 * link is up: on_up runs and commands are accepted. On any error or EOF
 * every pending command's callback runs with a NULL reply, then on_down
 * (if the link had been up), then a reconnect is scheduled with
 * exponential backoff and +-20% jitter (backoff_min doubling to
 * backoff_max; back to backoff_min once a connection comes up). While the
 * link is not up, wf_rlink_command() refuses with WF_EUNAVAIL: nothing is
 * queued across a reconnect, callers retry or resubscribe from on_up.
 *
 * Pipelining and corking: wf_rlink_command() only appends to the output
 * buffer; one ev_prepare watcher (lowest priority, so it runs after the
 * other prepare watchers) writes everything queued during the iteration
 * just before the loop blocks: one system call, more only when the socket
 * buffer fills (then an ev_io waits for it to drain). Replies are matched
 * to commands in FIFO order.
 *
 * Subscriber mode is declared at creation (cfg.subscriber). On such a link:
 * - "message", "pmessage" and "smessage" arrays go to on_push only;
 * - subscription confirmations ("subscribe", "psubscribe", "ssubscribe"
 *   and the unsubscribe kinds) go to on_push, and also count down the
 *   command at the head of the FIFO when it is a command of that kind
 *   (one confirmation per channel argument): its callback runs once, with
 *   the last confirmation, when all have arrived. A confirmation that no
 *   command waits for (Redis 7 sends "sunsubscribe" when a slot moves) is
 *   a push only;
 * - everything else (errors, PING's ["pong", ""]) answers the FIFO head:
 *   an error reply to a SUBSCRIBE ends that command (Redis checks
 *   arguments and ACLs before confirming anything).
 * The unsubscribe commands must name their channels (an unsubscribe-all
 * has an unknown number of confirmations), and the subscribe family is
 * refused on links that are not subscribers. Subscriptions do not survive
 * a reconnect: resubscribe from on_up.
 *
 * Sockets and TLS: the io ops of rlink_io.h (plain by default; a TLS
 * layer supplies its own table through cfg.io and cfg.io_arg).
 *
 * Replies are hiredis redisReply objects (include <hiredis/hiredis.h> to
 * read them) owned by the link: they are freed when the callback returns,
 * so callers copy what they keep.
 *
 * Owner: the worker; wf_rlink_free() ends a link (also from inside its own
 * callbacks: the memory is released once they return).
 * Threads: none; only the worker's libev callbacks call in here. */
#ifndef WF_RLINK_H
#define WF_RLINK_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "raddr.h"
#include "rlink_io.h"

struct redisReply; /* <hiredis/hiredis.h> */

typedef struct wf_rlink wf_rlink_t;

typedef struct wf_rlink_cfg {
    const wf_raddr_t *addr; /* copied */
    const char *name;       /* in log lines: "subscriber", "publisher" */
    int subscriber;         /* 1: pub/sub pushes go to on_push */
    double connect_timeout; /* s, connect to up (AUTH/SELECT included);
                               0: 5 s */
    double backoff_min;     /* s, first retry delay; 0: 0.1 s */
    double backoff_max;     /* s, the cap of the doubling; 0: 5 s */
    size_t out_max;   /* output buffer bytes; beyond: WF_ELIMIT; 0: 16 MiB */
    size_t reply_max; /* bytes of one reply (a bulk, or a whole array);
                         beyond it the connection is dropped; 0: 64 MiB.
                         The link counts these bytes itself: hiredis's
                         maxbuf is no size limit (it only frees an idle
                         reader buffer above 16 KiB, left as is), and
                         maxelements (1.x only) is set to reply_max / 4. */
    const wf_rlink_io_t *io; /* NULL: wf_rlink_io_plain */
    void *io_arg;            /* passed to io->open */
} wf_rlink_cfg_t;

/* A command's reply; r is NULL when the link failed before the reply came.
 * r (and everything it points to) is freed when this returns. */
typedef void wf_rlink_reply_fn(wf_rlink_t *l, struct redisReply *r, void *arg);

typedef struct wf_rlink_cbs {
    /* The link is up: commands are accepted (subscribers resubscribe). */
    void (*on_up)(wf_rlink_t *l, void *arg);
    /* The link that was up went down, after the pending commands got their
     * NULL replies; why is valid during the call. A reconnect is already
     * scheduled. */
    void (*on_down)(wf_rlink_t *l, const char *why, void *arg);
    /* Subscriber links: a pub/sub push (freed when this returns). */
    void (*on_push)(wf_rlink_t *l, struct redisReply *r, void *arg);
    void *arg;
} wf_rlink_cbs_t;

typedef struct wf_rlink_stats {
    uint64_t attempts;      /* connection attempts started */
    uint64_t ups;           /* times the link came up */
    uint64_t downs;         /* times an up link went down */
    uint64_t failures;      /* attempts that failed before coming up */
    unsigned streak;        /* failed attempts since the link was last up */
    double retry_delay;     /* s, the delay of the scheduled (or last) retry */
    size_t out_bytes;       /* bytes waiting in the output buffer */
    size_t pending;         /* commands waiting for their replies */
    const char *last_error; /* why the last attempt or link failed, "" */
} wf_rlink_stats_t;

/* A new link to cfg->addr (copied, as are cbs and cfg) in loop; the first
 * attempt starts on the next loop iteration, so no callback runs before
 * this returns. Returns NULL with a caller-freed *cause if the address
 * cannot be used (rediss:// without a TLS io layer). */
wf_rlink_t *wf_rlink_new(struct ev_loop *loop, const wf_rlink_cfg_t *cfg,
                         const wf_rlink_cbs_t *cbs, char **cause);

/* End the link: pending commands get NULL replies (on_down is not
 * called), the socket closes, nothing runs afterwards. Safe from inside
 * the link's own callbacks. NULL is fine. */
void wf_rlink_free(wf_rlink_t *l);

/* Queue one command (argc arguments; argvlen NULL means strlen each) with
 * cb(l, reply, arg) to run when its reply arrives (cb may be NULL: the
 * reply is dropped). The bytes are copied. Returns 0; WF_EUNAVAIL if the
 * link is not up; WF_ELIMIT if the output buffer would pass cfg.out_max;
 * WF_EINVAL for argc < 1, a subscribe-family command on a link that is not
 * a subscriber, or an unsubscribe without channels. cb never runs when
 * this fails, and never runs before this returns. */
int wf_rlink_command(wf_rlink_t *l, int argc, const char **argv,
                     const size_t *argvlen, wf_rlink_reply_fn *cb, void *arg);

/* Drop the connection (logged with why) as if it had failed: pending
 * commands get NULL replies, on_down runs if it was up, and the next
 * attempt follows after the backoff delay. For the heartbeat above, when
 * replies stop coming. Does nothing while waiting for a retry. */
void wf_rlink_reconnect(wf_rlink_t *l, const char *why);

/* Write the queued commands now instead of just before the loop blocks:
 * for callers that queue from their own prepare watcher (libev does not
 * run a prepare watcher started during that phase until the next
 * iteration). */
void wf_rlink_flush(wf_rlink_t *l);

/* Read and dispatch what has arrived on the socket now, without waiting
 * for the loop: for a check (the heartbeat) that runs after the worker
 * was busy for a while, so that a reply sitting unread is not mistaken
 * for one that never came. */
void wf_rlink_poll(wf_rlink_t *l);

/* 1 while the link is up (commands are accepted), else 0. */
int wf_rlink_is_up(const wf_rlink_t *l);

/* The address for logs, password hidden; valid until wf_rlink_free(). */
const char *wf_rlink_addr(const wf_rlink_t *l);

/* Counters and state for metrics and tests, filled into *st. */
void wf_rlink_stats(const wf_rlink_t *l, wf_rlink_stats_t *st);

#endif
