/* route.h - what a worker answers to a complete HTTP request: the health
 * check, and 404/405 for everything it does not serve.
 * Pure: fills an output buffer; the connection sends it.
 * Threads: none. */
#ifndef WF_ROUTE_H
#define WF_ROUTE_H

#include "buf.h"
#include "http.h"

typedef struct wf_route_info {
    int slot;
    unsigned generation;
    long pid;
    int draining; /* the worker is stopping: replies close the connection */
    int replaced; /* ... because a newer generation serves (a reload): the
                     instance is healthy, so health checks still pass */
    int echo;     /* serve the /echo WebSocket endpoint */
    const char *ws_path;   /* the protocol v1 endpoint */
    int (*healthy)(void);  /* the Redis link works; NULL: assume yes */
} wf_route_info_t;

enum {
    WF_ROUTE_RESPOND, /* out holds the response */
    WF_ROUTE_ECHO,    /* upgrade to the echo endpoint */
    WF_ROUTE_WS,      /* upgrade to the protocol v1 endpoint */
    WF_ROUTE_PUBLISH, /* POST /api/publish: api.c answers */
    WF_ROUTE_METRICS, /* GET /metrics: metrics.c renders */
};

/* Decide what req gets. For WF_ROUTE_RESPOND the response is appended to
 * out; *keepalive comes in as what the client allows and goes out as what
 * the connection should do. Other results name the WebSocket endpoint the
 * caller upgrades to (out untouched). */
int wf_route(const wf_http_t *h, const wf_http_req_t *req,
              const wf_route_info_t *info, wf_buf_t *out, int *keepalive);

/* The response to a request that could not be read (status from
 * wf_http_status()); the connection closes after it. */
void wf_route_error(int status, wf_buf_t *out);

#endif
