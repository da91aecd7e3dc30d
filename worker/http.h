/* http.h - HTTP/1.1 request reading on top of llhttp, with limits.
 * One wf_http_t per connection in its HTTP phase (freed when the
 * connection upgrades to WebSocket or closes). Feed it the bytes as they
 * arrive, split anywhere; it stops after each complete request so the
 * caller answers requests in order (pipelining) and can switch protocols
 * right after an upgrade request. Everything a request holds (URL,
 * headers, body) is copied into one arena bounded by the limits.
 * Owner: the connection. Threads: none. */
#ifndef WF_HTTP_H
#define WF_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct wf_http_limits {
    size_t max_header_size; /* request line + headers, in bytes */
    uint32_t max_headers;
    size_t max_body_size;
} wf_http_limits_t;

typedef struct wf_http_hdr {
    uint32_t name, name_len; /* offsets into the arena */
    uint32_t value, value_len;
} wf_http_hdr_t;

typedef struct wf_http_req {
    const char *method; /* "GET", ... */
    int is_get, is_head;
    unsigned major, minor;
    int keepalive; /* the connection may carry another request */
    int upgrade;   /* the request asks for a protocol upgrade */
    const char *path;  /* the URL up to '?', NUL-terminated */
    const char *query; /* after '?', NUL-terminated, or NULL */
    const char *body;
    size_t body_len;
} wf_http_req_t;

enum {
    WF_HTTP_MORE = 0,    /* all input consumed, request not complete */
    WF_HTTP_REQUEST = 1, /* a complete request: wf_http_request() */
    WF_HTTP_ERROR = 2,   /* bad request: answer wf_http_status(), close */
};

typedef struct wf_http wf_http_t;

wf_http_t *wf_http_new(const wf_http_limits_t *lim);
void wf_http_free(wf_http_t *h);

/* Parse up to len bytes. *used is set to the bytes consumed; after
 * WF_HTTP_REQUEST the rest of the input belongs to the next request (or to
 * the upgraded protocol) and the caller calls wf_http_next() before
 * feeding more. Returns WF_HTTP_MORE, WF_HTTP_REQUEST or WF_HTTP_ERROR. */
int wf_http_feed(wf_http_t *h, const char *p, size_t len, size_t *used);

/* Has this request begun (any byte received since the last one)? */
int wf_http_started(const wf_http_t *h);

/* The request after WF_HTTP_REQUEST; valid until wf_http_next(). */
const wf_http_req_t *wf_http_request(const wf_http_t *h);

/* The value of header name (case-insensitive), NUL-terminated, or NULL.
 * Repeated headers: the first one; see wf_http_header_each(). */
const char *wf_http_header(const wf_http_t *h, const char *name);
/* Call cb for every header named name, in order. */
void wf_http_header_each(const wf_http_t *h, const char *name,
                         void (*cb)(void *arg, const char *value),
                         void *arg);

/* After WF_HTTP_ERROR: the status to answer (400, 413, 414, 431, 505) and
 * a short reason for the log. */
int wf_http_status(const wf_http_t *h);
const char *wf_http_error(const wf_http_t *h);

/* Forget the current request and get ready for the next one. */
void wf_http_next(wf_http_t *h);

/* Append a complete response to out: status line, Server, Date-less
 * headers, Content-Length (always), Connection, extra (CRLF-terminated
 * lines or NULL), then the body unless head_only. */
void wf_http_respond(wf_buf_t *out, int status, const char *content_type,
                     const char *extra, const char *body, size_t body_len,
                     int keepalive, int head_only);

/* The reason phrase of a status code. */
const char *wf_http_reason(int status);

#endif
