/* stats.h - counters in shared memory. The master maps one segment before
 * forking; each worker process owns one record and writes it without locks
 * (single writer, relaxed atomic stores of aligned 64-bit words); the
 * master, wsfanctl (through the master) and any worker (/metrics) read all
 * records. When a worker exits the master folds its counters into
 * "retired" so totals never go backwards across restarts and reloads.
 * Workers copy their module counters into their record on a 250 ms timer
 * (which is also their loop heartbeat), so hot paths never touch it.
 * Threads: none; processes share it. */
#ifndef WF_STATS_H
#define WF_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WF_STATS_PROCS 1040 /* two generations of the most workers, + spare */
#define WF_STATS_MAGIC 0x77736661u

/* Handshake failure reasons, as labels of
 * wsfan_handshake_failures_total{reason}. */
enum wf_stats_hs {
    WF_STATS_HS_BAD_REQUEST, /* malformed upgrade request, bad key, ... */
    WF_STATS_HS_VERSION,     /* not version 13 */
    WF_STATS_HS_ORIGIN,      /* Origin not allowed */
    WF_STATS_HS_METHOD,      /* not GET */
    WF_STATS_HS_NOT_WS,      /* no Upgrade: websocket */
    WF_STATS_HS_TIMEOUT,     /* no complete request in time */
    WF_STATS_HS_COUNT,
};

/* Messages in, by where they came from: {source} label. */
enum wf_stats_src {
    WF_STATS_SRC_REDIS,  /* received from Redis for a local channel */
    WF_STATS_SRC_CLIENT, /* "pub" from a WebSocket client, accepted */
    WF_STATS_SRC_API,    /* POST /api/publish, accepted */
    WF_STATS_SRC_COUNT,
};

enum wf_stats_state {
    WF_STATS_FREE = 0,
    WF_STATS_STARTING,
    WF_STATS_READY,
    WF_STATS_DRAINING,
};

/* The counters a worker reports; the same layout is summed into
 * "retired". Gauges (connections, ...) are not retired. */
typedef struct wf_stats_counters {
    uint64_t messages_in[WF_STATS_SRC_COUNT];
    uint64_t delivered;    /* frames queued to subscribers */
    uint64_t bytes_out;    /* bytes written to clients */
    uint64_t writes;       /* writes to clients, batched or not (deliveries /
                              writes: frames coalesced per write) */
    uint64_t slow_closes;  /* slow consumers closed with 1013 */
    uint64_t handshakes;   /* successful WebSocket upgrades */
    uint64_t hs_failures[WF_STATS_HS_COUNT];
    uint64_t redis_reconnects;
    uint64_t accepted;     /* TCP connections accepted */
} wf_stats_counters_t;

typedef struct wf_stats_proc {
    /* written by the master */
    int32_t pid;        /* 0: record free */
    int32_t slot;
    uint32_t generation;
    uint32_t state; /* enum wf_stats_state */
    uint64_t started;   /* wall clock, ms since the epoch */
    uint32_t restarts;  /* of this slot before this process */
    uint32_t pad;
    /* written by the worker */
    uint64_t heartbeat; /* monotonic ms of its last timer tick */
    uint64_t connections, ws_connections, subscriptions, channels;
    uint64_t redis_up;       /* 1 when its Redis link is healthy */
    uint64_t hb_latency_us;  /* Redis heartbeat round trip */
    wf_stats_counters_t c;
} wf_stats_proc_t;

typedef struct wf_stats {
    uint32_t magic;
    uint32_t nprocs;
    uint64_t master_started; /* wall clock ms */
    uint64_t worker_restarts;
    wf_stats_counters_t retired;
    wf_stats_proc_t procs[WF_STATS_PROCS];
} wf_stats_t;

/* Map a zeroed shared anonymous segment (the master, before forking).
 * Returns NULL on failure. */
wf_stats_t *wf_stats_create(void);
void wf_stats_destroy(wf_stats_t *st);

/* Master: a free record for a new worker process (or NULL), filled with
 * pid, slot, generation; state STARTING. */
wf_stats_proc_t *wf_stats_claim(wf_stats_t *st, pid_t pid, int slot,
                                unsigned generation, unsigned restarts);
/* Master: the worker of record p exited: fold its counters into retired
 * and free the record. */
void wf_stats_release(wf_stats_t *st, wf_stats_proc_t *p);
/* The record of pid, or NULL. */
wf_stats_proc_t *wf_stats_find(wf_stats_t *st, pid_t pid);

/* Relaxed atomic access to one word of shared memory. */
static inline void
wf_stats_set(uint64_t *w, uint64_t v)
{
    __atomic_store_n(w, v, __ATOMIC_RELAXED);
}

static inline uint64_t
wf_stats_get(const uint64_t *w)
{
    return __atomic_load_n(w, __ATOMIC_RELAXED);
}

/* Sum of all live records' counters plus retired, into *out; gauges of
 * live records into the other outputs (any may be NULL). */
void wf_stats_total(const wf_stats_t *st, wf_stats_counters_t *out,
                    uint64_t *connections, uint64_t *subscriptions,
                    uint64_t *channels);

/* Copy counters with relaxed atomic stores (the worker's publish). */
void wf_stats_publish(wf_stats_counters_t *dst, const wf_stats_counters_t *src);

#endif
