/* proto.h - client protocol v1 on the WebSocket endpoint: one JSON object
 * per text frame. Client ops sub, unsub, pub, ping (with optional ids);
 * the server sends welcome, replies ({"id":..,"ok":true} or an error with
 * a code) and messages ({"ch":..,"data":..}). A malformed frame gets an
 * error reply, not a dropped connection.
 * Owner: the WebSocket session (ws.c) calls in. Threads: none. */
#ifndef WF_PROTO_H
#define WF_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "conn.h"

/* Per-worker setup. */
void wf_proto_init(const wf_conf_t *conf);

/* Check the upgrade request's query string before the handshake is
 * answered: "ch=NAME" pairs (repeatable, percent-encoded) must name valid
 * channels, at most max-subscriptions. Returns 0, or WF_EINVAL with a
 * static reason in *why. query may be NULL. */
int wf_proto_check_query(const char *query, const char **why);

/* The session started: send the welcome and subscribe the ?ch= channels
 * (already checked). */
void wf_proto_open(wf_conn_t *c, const char *query);

/* Client publishes Redis accepted (this process). */
uint64_t wf_proto_published(void);

/* A whole message from the client. */
void wf_proto_message(wf_conn_t *c, int opcode, const uint8_t *p, size_t n);

#endif
