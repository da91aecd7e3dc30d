/* hs.h - the WebSocket opening handshake (RFC 6455 section 4.2): checks
 * an upgrade request read by http.c and writes either the 101 response
 * (with Sec-WebSocket-Accept, the chosen subprotocol and the negotiated
 * permessage-deflate parameters) or the error response. Never a 101 for a
 * bad handshake.
 * Pure: no sockets. Threads: none. */
#ifndef WF_HS_H
#define WF_HS_H

#include "buf.h"
#include "http.h"
#include "pmd.h"

/* The subprotocol we speak on the v1 endpoint, selected when offered. */
#define WF_HS_SUBPROTOCOL "wsfan.v1"

typedef struct wf_hs_opts {
    char *const *origins; /* allowed origins; NULL: same origin only */
    size_t norigins;
    const wf_pmd_conf_t *pmd; /* NULL or disabled: no compression */
} wf_hs_opts_t;

typedef struct wf_hs_result {
    int status;        /* 101, or the error status sent */
    int reason;        /* for an error: enum wf_stats_hs */
    const char *why;   /* the reason for an error, for the log */
    int compressed;    /* permessage-deflate negotiated */
    wf_pmd_params_t pmd;
    int subprotocol;   /* WF_HS_SUBPROTOCOL selected */
} wf_hs_result_t;

/* Check req (from h) as a WebSocket upgrade and append the response to
 * out. Returns 0 with res->status 101 when the connection switches to
 * WebSocket, or WF_EINVAL with res->status and res->why set, after
 * appending an error response (the connection closes after it). */
int wf_hs_check(const wf_http_t *h, const wf_http_req_t *req,
                const wf_hs_opts_t *opts, wf_hs_result_t *res, wf_buf_t *out);

/* Compute Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)).
 * out receives 28 characters and a NUL. */
void wf_hs_accept(const char *key, size_t keylen, char out[29]);

/* Does the comma-separated token list contain token (case-insensitive)?
 */
int wf_hs_has_token(const char *list, const char *token);

/* Is origin allowed by opts for a request to host? */
int wf_hs_origin_ok(const wf_hs_opts_t *opts, const char *origin,
                    const char *host);

#endif
