/* conn.h - one client connection inside a worker: its socket, its
 * protocol phase (HTTP now, WebSocket after an upgrade), its send queue of
 * shared wf_msg_t references and its timeout.
 * Writes are corked: wf_conn_send() only queues, and every queued
 * connection is flushed just before the loop blocks, so frames queued in
 * one loop iteration leave in one write; the writes of up to 256
 * connections leave in one system call (wbatch.h).
 * Idle connections hold no buffers: input is read into one per-worker
 * scratch buffer and the send queue exists only while it has data.
 * Owner: the worker loop; wf_conn_close() is the only way a conn ends (the
 * memory is released after the current loop iteration, so a conn found
 * closed mid-walk is skipped safely).
 * Threads: none; only the worker's libev callbacks call in here. */
#ifndef WF_CONN_H
#define WF_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "conf.h"
#include "msg.h"
#include "route.h"

typedef struct wf_conn wf_conn_t;

typedef struct wf_conn_env {
    struct ev_loop *loop;
    const wf_conf_t *conf;
    const wf_route_info_t *info; /* slot, generation, draining, ... */
    void (*on_close)(void);      /* after every close: the worker may
                                    resume accepting or exit */
} wf_conn_env_t;

/* Set up the module for this worker (timers, the flush hook, scratch
 * buffer). env must outlive the module. */
void wf_conn_init(const wf_conn_env_t *env);

/* Release the module's memory (connections must be gone). */
void wf_conn_cleanup(void);

/* Adopt an accepted, non-blocking socket. Never fails (allocation aborts).
 */
wf_conn_t *wf_conn_new(int fd);

/* Queue m on c's send queue (the caller's reference moves to the queue).
 * The bytes leave at the end of this loop iteration. */
void wf_conn_send(wf_conn_t *c, wf_msg_t *m);

/* End the connection now: close the socket, drop the queue. why is logged
 * at debug. Safe to call twice. */
void wf_conn_close(wf_conn_t *c, const char *why);

/* Open connections. */
size_t wf_conn_count(void);

/* Counters of the connection module (monotonic, this process). */
typedef struct wf_conn_stats {
    uint64_t bytes_out;  /* written to clients */
    uint64_t writes;     /* writev calls that wrote something */
    uint64_t handshakes; /* WebSocket upgrades */
    uint64_t hs_failures[8]; /* by enum wf_stats_hs */
} wf_conn_stats_t;

const wf_conn_stats_t *wf_conn_stats(void);

/* Graceful stop: close idle connections now; the others close as soon as
 * their current response is sent; WebSocket clients get close 1001, at
 * once (spread_ms 0) or spread evenly over most of spread_ms. */
void wf_conn_drain(uint32_t spread_ms);

#endif
