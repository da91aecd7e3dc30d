/* bench.h - wsfan-bench: what the parent, the connection workers and the
 * publisher share: the options (parsed once, inherited through fork), the
 * result counters (one wb_result_t per process, in shared memory while the
 * run goes on, down a pipe at the end) and the commands the parent sends.
 * Owner: bench.c parses and owns everything here; children only read the
 * options and write their own wb_live_t slot.
 * Threads: none; each process has one loop. */
#ifndef WB_BENCH_H
#define WB_BENCH_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hist.h"

#define WB_MAX_TARGETS 16
#define WB_MAX_SRC 4096
#define WB_MAX_PROCS 256
#define WB_FD_RESERVE 64 /* fds a process keeps for itself */

enum wb_mode { WB_ECHO, WB_CONNECT, WB_HOLD, WB_FANOUT };
enum wb_pubkind { WB_PUB_REDIS, WB_PUB_HTTP, WB_PUB_WS };
/* The server: wsfan (protocol v1: ?ch= subscriptions, a welcome, message
 * envelopes, POST /api/publish) or nchan (GET /sub/CHANNEL upgrades to a
 * subscriber of CHANNEL, the raw message bodies arrive, POST /pub/CHANNEL
 * publishes its body). */
enum wb_peer { WB_PEER_WSFAN, WB_PEER_NCHAN };

typedef struct wb_target {
    struct sockaddr_storage sa;
    socklen_t salen;
    char host[80]; /* Host header: "127.0.0.1:8080" */
    char path[256];
} wb_target_t;

typedef struct wb_opts {
    enum wb_mode mode;
    wb_target_t targets[WB_MAX_TARGETS];
    int ntargets;
    const char *path;     /* overrides the mode's default path */
    long conns;           /* connections (subscribers), all procs */
    int procs;            /* connection workers */
    uint64_t duration_ns; /* echo, hold, fanout */
    uint64_t count;       /* echo round trips / fanout messages; 0 */
    size_t size;          /* message payload bytes */
    int binary, deflate, level;
    double rate;     /* connect: conns/s; fanout: msgs/s; 0 max */
    int concurrency; /* handshakes in progress per process */
    long channels;   /* fanout, connect: channels (?ch=) */
    const char *ch_prefix;
    uint64_t hold_ns; /* connect: keep them open that long */
    enum wb_pubkind pub;
    enum wb_peer peer;
    wb_target_t pub_target; /* --pub-url: HTTP publishes go there only */
    int have_pub_target;
    wb_target_t redis;
    const char *redis_prefix;
    int pub_conns;        /* HTTP publisher connections */
    long inflight;        /* flat-out window, messages; 0 unbounded */
    uint64_t timeout_ns;  /* connect + upgrade (+ welcome) */
    uint64_t drain_ns;    /* fanout: wait for stragglers */
    uint64_t max_time_ns; /* the whole run, whatever happens */
    struct sockaddr_in src[WB_MAX_SRC];
    int nsrc;
    int json, quiet;
    int json_hist; /* --json-hist: the latency buckets too */
    int rx_ts;     /* fanout: latency to the kernel's receive timestamp */
} wb_opts_t;

/* Counters of one process; the parent sums them (every field before
 * t_start is a uint64_t counter: bench.c adds them as an array).
 * Latency: echo round trips, fanout publish-to-receive; hs: connect to
 * upgrade (or to the welcome). */
typedef struct wb_result {
    uint64_t attempts, opened, ready, failed, dropped, held;
    uint64_t f_connect, f_timeout, f_http, f_proto, f_closed;
    uint64_t sent, recv, bytes_sent, bytes_recv;
    uint64_t roundtrips, mismatches;
    uint64_t deliveries, expected, duplicates, reordered, bad, late;
    uint64_t pings, closes_rcvd, deflated; /* deflated: negotiated */
    uint64_t published, pub_acks, pub_errors, pub_receivers;
    uint64_t cpu_ns; /* the whole bench's CPU time, set by the parent */
    uint64_t t_start, t_ready, t_go, t_end; /* CLOCK_MONOTONIC ns */
    uint64_t t_first, t_last;               /* first/last message */
    wb_hist_t lat, hs;
} wb_result_t;

/* A process's slot in the shared mapping the parent makes before fork. */
enum wb_state { WB_ST_START, WB_ST_READY, WB_ST_RUN, WB_ST_DONE };
typedef struct wb_live {
    volatile int state; /* enum wb_state, written by the child */
    volatile int expected_set;
    wb_result_t r; /* written by the child only */
} wb_live_t;

/* Commands on the parent->child socket: one byte, then for 'M' the
 * published count (uint64_t) and for 'G' the subscriber count. */
#define WB_CMD_GO 'G'    /* measure (echo), publish (publisher) */
#define WB_CMD_COUNT 'M' /* fanout: this many were published */
#define WB_CMD_STOP 'S'  /* wind down and report */

/* Nanoseconds on CLOCK_MONOTONIC: the same clock in every process. */
uint64_t wb_now(void);

/* Nanoseconds on CLOCK_REALTIME: what SO_TIMESTAMPNS reports. */
uint64_t wb_now_real(void);

/* The send stamp the fanout publisher puts in each message: monotonic,
 * or realtime with --rx-timestamps (compared with kernel timestamps). */
uint64_t wb_stamp(const wb_opts_t *o);

/* Write all n bytes of p to the blocking fd; returns 0 or -1. */
int wb_write_all(int fd, const void *p, size_t n);

/* Parse argv into o (defaults first, then checks: loopback targets only,
 * bounded counts and times). Returns 0, or -1 after printing why;
 * 1 after printing the usage for --help. */
int wb_opts_parse(wb_opts_t *o, int argc, char **argv);

/* Connection worker number idx of opts->procs: opens its share of the
 * connections, runs the mode, writes its wb_result_t to fd and returns
 * the exit status. */
int wb_worker_main(const wb_opts_t *o, int idx, wb_live_t *live, wb_live_t *all,
                   int fd);

/* The fanout publisher process: waits for GO with the subscriber count,
 * publishes, sets published, writes its result to fd. */
int wb_pub_main(const wb_opts_t *o, wb_live_t *live, wb_live_t *workers,
                int fd);

/* Print the merged result: a report for people, or one JSON object. */
void wb_report(const wb_opts_t *o, const wb_result_t *r, uint64_t elapsed);

/* What follows the target's path in the subscriber request for channel ch:
 * "?ch=NAME" (wsfan) or "/NAME" (nchan). Returns its length, or -1 when
 * cap is too small. */
int wb_sub_suffix(const wb_opts_t *o, long ch, char *buf, size_t cap);

/* The head of an HTTP publish request to t carrying a body of n bytes:
 * wsfan's POST /api/publish (the body is {"ch":..,"data":..}) or nchan's
 * POST /pub/NAME (the body is the message itself); the path is
 * --pub-url's when it has one. Returns its length, or -1 when cap is too
 * small. */
int wb_pub_head(const wb_opts_t *o, const wb_target_t *t, const char *name,
                size_t n, char *buf, size_t cap);

/* Fanout channel of global subscriber i, and how many of n messages
 * published round-robin land on channel c. */
long wb_channel_of(const wb_opts_t *o, long i);
uint64_t wb_msgs_on(const wb_opts_t *o, long c, uint64_t n);

#endif
