/* fan.h - fan-out: a message published on a channel becomes one
 * WebSocket frame, {"ch":<name>,"data":<payload>}, built once per worker
 * and queued by reference to every local subscriber; a compressed variant
 * is built at most once per server window size in use. A payload that is
 * not valid JSON is delivered as a JSON string, never dropped.
 * Owner: the worker. Threads: none. */
#ifndef WF_FAN_H
#define WF_FAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct wf_fan_stats {
    uint64_t messages;   /* messages received for a local channel */
    uint64_t deliveries; /* frames queued to subscribers */
    uint64_t dropped;    /* deliveries refused: slow consumers */
    uint64_t not_json;   /* payloads wrapped as JSON strings */
} wf_fan_stats_t;

/* Deliver payload, published on channel ch, to its local subscribers. */
void wf_fan_message(const char *ch, size_t chlen, const char *payload,
                    size_t len);

void wf_fan_stats(wf_fan_stats_t *st);

#endif
