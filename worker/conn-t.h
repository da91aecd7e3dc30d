/* conn-t.h - the connection's layout, shared by the modules that drive a
 * connection through its phases: conn.c (socket, send queue, timeouts,
 * HTTP) and ws.c (the WebSocket session). Nothing else includes it.
 * Threads: none. */
#ifndef WF_CONN_T_H
#define WF_CONN_T_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "buf.h"
#include "conn.h"
#include "http.h"
#include "msg.h"
#include "tq.h"

typedef struct wf_ws wf_ws_t;

enum wf_conn_state {
    WF_CONN_HTTP,   /* reading requests */
    WF_CONN_WS,     /* a WebSocket session */
    WF_CONN_LINGER, /* last reply queued; close after it */
    WF_CONN_CLOSED, /* waiting to be freed at the end of the iteration */
};

enum wf_conn_flag {
    WF_CONN_F_CLOSE_AFTER = 1 << 0, /* close once the queue is flushed */
    WF_CONN_F_PENDING = 1 << 1,     /* on the flush list */
    WF_CONN_F_PAUSED = 1 << 2,      /* not reading: output backlog */
    WF_CONN_F_AWAIT = 1 << 3,       /* HTTP: a response awaits Redis */
    WF_CONN_F_KEEPALIVE = 1 << 4,   /* HTTP: keep the connection after it */
};

/* Timeout queues: a connection sits in at most one. */
enum wf_conn_tq {
    WF_TQ_NONE,
    WF_TQ_HANDSHAKE, /* a new connection's first request */
    WF_TQ_REQUEST,   /* a later request: request-timeout */
    WF_TQ_KEEPALIVE, /* between requests: keepalive-timeout */
    WF_TQ_LINGER,    /* after an error reply */
    WF_TQ_WS_IDLE,   /* WebSocket: ping after ping-interval of silence */
    WF_TQ_WS_PONG,   /* pinged: close if silent for pong-timeout */
    WF_TQ_WS_CLOSE,  /* close frame sent: wait for the client's */
    WF_TQ_COUNT,
};

struct wf_conn {
    ev_io io;
    wf_tq_node_t tmo;
    wf_conn_t *next_pending; /* flush list, or the graveyard */
    wf_http_t *http;         /* HTTP phase only */
    wf_ws_t *ws;             /* WebSocket phase only */
    wf_buf_t *stash;         /* input that arrived while awaiting */
    wf_msg_t **q;            /* send queue ring, NULL when empty */
    uint32_t qhead, qlen, qcap;
    uint32_t qoff; /* bytes of q[qhead] already sent */
    size_t qbytes; /* unsent bytes queued */
    uint16_t holds; /* references from pending operations (Redis) */
    uint8_t state, flags, tq;
};

/* Keep c's memory while an operation that will call back on it is in
 * flight (a publish awaiting Redis); the callback checks c->state (a
 * closed connection stays allocated, WF_CONN_CLOSED) and releases. */
void wf_conn_hold(wf_conn_t *c);
void wf_conn_release(wf_conn_t *c);
static inline unsigned
wf_conn_holds(const wf_conn_t *c)
{
    return c->holds;
}

/* Move c to timeout queue tq (WF_TQ_NONE: none), re-arming it. */
void wf_conn_set_tq(wf_conn_t *c, int tq);

/* Stop reading c's socket until its send queue drains. */
void wf_conn_pause(wf_conn_t *c);

/* Close c once everything queued has been written (then half-close and
 * linger briefly so the peer reads it). */
void wf_conn_close_after_flush(wf_conn_t *c);

/* The response to the request c awaited (WF_CONN_F_AWAIT): queue it,
 * carry on with the input that arrived meanwhile, and release the hold
 * taken for the wait. A closed c is only released. */
void wf_conn_http_done(wf_conn_t *c, wf_buf_t *response);

/* Write what the socket takes of c's queue right now, ahead of the
 * corked flush (for a backlog check). Never closes c. Returns the bytes
 * still queued. */
size_t wf_conn_write_now(wf_conn_t *c);

/* Drop c's unsent queue, but finish a frame already partly written. */
void wf_conn_drop_queue(wf_conn_t *c);

/* The module's environment (config, worker info). */
const wf_conn_env_t *wf_conn_env(void);

#endif
