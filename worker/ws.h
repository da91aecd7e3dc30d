/* ws.h - a WebSocket session on a connection: client frames become
 * messages for the endpoint (the echo endpoint now, protocol v1 next),
 * control frames are answered, the close handshake and keepalive pings are
 * run, and permessage-deflate is applied both ways.
 * Owner: the connection (conn.c) creates the session at the upgrade and
 * frees it when the connection closes. Threads: none. */
#ifndef WF_WS_H
#define WF_WS_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "conf.h"
#include "conn.h"
#include "hs.h"
#include "msg.h"

enum wf_ws_mode {
    WF_WS_ECHO, /* send every message back as it came */
    WF_WS_V1,   /* client protocol v1 (proto.c) */
};

/* Per-worker setup: the shared deflater. */
void wf_ws_init(const wf_conf_t *conf);
void wf_ws_cleanup(void);

/* Switch c to WebSocket after its 101 response was queued; query is the
 * upgrade request's query string (NULL if none), for protocol v1. */
void wf_ws_start(wf_conn_t *c, int mode, const wf_hs_result_t *hs,
                 const char *query);

/* Frames from the client: len bytes at p, which the session may modify
 * (unmasking in place). */
void wf_ws_input(wf_conn_t *c, uint8_t *p, size_t len);

/* c's WebSocket timeout queue tq expired. */
void wf_ws_timeout(wf_conn_t *c, int tq);

/* Send one message to c (opcode WF_WSF_TEXT or WF_WSF_BINARY),
 * compressed when the session negotiated it and it pays. Returns 0, or
 * WF_ELIMIT when c's send buffer is full: c is then being closed with
 * 1013 as a slow consumer. */
int wf_ws_send(wf_conn_t *c, int opcode, const void *p, size_t n);

/* Queue a finished frame m (the caller's reference moves) on c, with the
 * same send-buffer rule. Returns 0, WF_ELIMIT (slow consumer: closing), or
 * WF_ECLOSED if c no longer takes data (m is dropped). */
int wf_ws_send_frame(wf_conn_t *c, wf_msg_t *m);

/* The server window bits of c's permessage-deflate, or 0 when its frames
 * go uncompressed. */
int wf_ws_deflate_bits(const wf_conn_t *c);

/* A compressed frame (RSV1) for the message p[0..n) with a 2^bits
 * window, or NULL when compression is off or does not make it smaller. */
wf_msg_t *wf_ws_frame_compressed(int opcode, const void *p, size_t n,
                                 int bits);

/* The protocol v1 subscriptions of c, and a pointer proto.c may keep per
 * session (NULL initially). */
wf_subs_t *wf_ws_subs(wf_conn_t *c);
void **wf_ws_proto(wf_conn_t *c);

/* Start the closing handshake from our side (code, short reason): no
 * more data is delivered, the connection ends when the client answers or
 * after pong-timeout. */
void wf_ws_close(wf_conn_t *c, uint16_t code, const char *reason);

/* Sessions open now, and clients closed as slow consumers (1013). */
uint64_t wf_ws_count(void);
uint64_t wf_ws_slow_closes(void);

/* Release the session (the connection is closing). */
void wf_ws_free(wf_conn_t *c);

#endif
