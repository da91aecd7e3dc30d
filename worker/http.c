/* http.c - request reading with llhttp (see http.h). Callbacks copy what
 * they are given into the arena at once: llhttp's pointers refer to the
 * caller's read buffer, which is reused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>

#include "buf.h"
#include "http.h"
#include "x.h"

struct wf_http {
    llhttp_t parser;
    wf_http_limits_t lim;
    wf_buf_t arena;
    wf_http_hdr_t *hdrs;
    uint32_t nhdrs, caphdrs;
    uint32_t url, url_len; /* arena offsets */
    size_t raw;            /* header-phase bytes seen */
    size_t body_off;       /* arena offset of the body */
    uint8_t started, field_open, value_open, headers_done, complete;
    uint16_t status; /* error status, 0 if none */
    const char *error;
    wf_http_req_t req;
};

static llhttp_settings_t http_settings;
static int http_settings_ready;


static int
http_fail(wf_http_t *h, int status, const char *why)
{
    h->status = (uint16_t)status;
    h->error = why;
    return HPE_USER;
}


static int
http_on_message_begin(llhttp_t *p)
{
    wf_http_t *h = p->data;

    h->started = 1;
    return 0;
}


static int
http_on_url(llhttp_t *p, const char *at, size_t n)
{
    wf_http_t *h = p->data;

    wf_buf_append(&h->arena, at, n);
    h->url_len += (uint32_t)n;
    return 0;
}


/* Every span (URL, name, value) ends with a NUL in the arena. A value
 * llhttp reports nothing for is empty: its NUL is added on demand. */
static int
http_on_span_complete(llhttp_t *p)
{
    wf_http_t *h = p->data;

    wf_buf_append(&h->arena, "", 1);
    h->value_open = 0;
    return 0;
}


static int
http_on_header_field(llhttp_t *p, const char *at, size_t n)
{
    wf_http_t *h = p->data;

    if (!h->field_open) {
        wf_http_hdr_t *hd;

        if (h->value_open)
            http_on_span_complete(p);
        if (h->nhdrs == h->lim.max_headers)
            return http_fail(h, 431, "too many header fields");
        if (h->nhdrs == h->caphdrs) {
            h->caphdrs = h->caphdrs ? h->caphdrs * 2 : 8;
            h->hdrs = wf_xreallocarray(h->hdrs, h->caphdrs, sizeof(*h->hdrs));
        }
        hd = &h->hdrs[h->nhdrs++];
        memset(hd, 0, sizeof(*hd));
        hd->name = (uint32_t)h->arena.len;
        h->field_open = 1;
    }
    wf_buf_append(&h->arena, at, n);
    h->hdrs[h->nhdrs - 1].name_len += (uint32_t)n;
    return 0;
}


static int
http_on_header_field_complete(llhttp_t *p)
{
    wf_http_t *h = p->data;

    wf_buf_append(&h->arena, "", 1);
    h->field_open = 0;
    h->hdrs[h->nhdrs - 1].value = (uint32_t)h->arena.len;
    h->value_open = 1;
    return 0;
}


static int
http_on_header_value(llhttp_t *p, const char *at, size_t n)
{
    wf_http_t *h = p->data;

    wf_buf_append(&h->arena, at, n);
    h->hdrs[h->nhdrs - 1].value_len += (uint32_t)n;
    return 0;
}


static int
http_on_headers_complete(llhttp_t *p)
{
    wf_http_t *h = p->data;

    if (h->value_open)
        http_on_span_complete(p);
    h->headers_done = 1;
    if (p->http_major != 1)
        return http_fail(h, 505, "unsupported HTTP version");
    if (p->content_length > h->lim.max_body_size &&
        p->content_length != UINT64_MAX)
        return http_fail(h, 413, "request body too large");
    h->req.method = llhttp_method_name((llhttp_method_t)p->method);
    h->req.is_get = p->method == HTTP_GET;
    h->req.is_head = p->method == HTTP_HEAD;
    h->req.major = p->http_major;
    h->req.minor = p->http_minor;
    h->req.upgrade = p->upgrade;
    h->body_off = h->arena.len;
    return 0;
}


static int
http_on_body(llhttp_t *p, const char *at, size_t n)
{
    wf_http_t *h = p->data;

    if (h->arena.len - h->body_off + n > h->lim.max_body_size)
        return http_fail(h, 413, "request body too large");
    wf_buf_append(&h->arena, at, n);
    return 0;
}


static int
http_on_message_complete(llhttp_t *p)
{
    wf_http_t *h = p->data;
    char *url = h->arena.data + h->url, *q;

    /* The arena no longer moves: set the pointers now. */
    h->req.path = url;
    q = memchr(url, '?', h->url_len);
    if (q != NULL) {
        *q = '\0';
        h->req.query = q + 1;
    }
    h->req.body = h->arena.data + h->body_off;
    h->req.body_len = h->arena.len - h->body_off;
    h->req.keepalive = llhttp_should_keep_alive(p);
    h->complete = 1;
    return HPE_PAUSED;
}


wf_http_t *
wf_http_new(const wf_http_limits_t *lim)
{
    wf_http_t *h = wf_xcalloc(1, sizeof(*h));

    if (!http_settings_ready) {
        llhttp_settings_init(&http_settings);
        http_settings.on_message_begin = http_on_message_begin;
        http_settings.on_url = http_on_url;
        http_settings.on_url_complete = http_on_span_complete;
        http_settings.on_header_field_complete = http_on_header_field_complete;
        http_settings.on_header_value_complete = http_on_span_complete;
        http_settings.on_header_field = http_on_header_field;
        http_settings.on_header_value = http_on_header_value;
        http_settings.on_headers_complete = http_on_headers_complete;
        http_settings.on_body = http_on_body;
        http_settings.on_message_complete = http_on_message_complete;
        http_settings_ready = 1;
    }
    h->lim = *lim;
    llhttp_init(&h->parser, HTTP_REQUEST, &http_settings);
    h->parser.data = h;
    return h;
}


void
wf_http_free(wf_http_t *h)
{
    if (h == NULL)
        return;
    wf_buf_free(&h->arena);
    free(h->hdrs);
    free(h);
}


int
wf_http_feed(wf_http_t *h, const char *p, size_t len, size_t *used)
{
    size_t n = len;
    llhttp_errno_t e;

    *used = 0;
    if (h->status != 0)
        return WF_HTTP_ERROR;
    if (!h->headers_done) {
        /* Never hand llhttp more header bytes than the limit allows. */
        size_t budget = h->lim.max_header_size - h->raw;

        if (n > budget)
            n = budget;
    }
    e = llhttp_execute(&h->parser, p, n);
    if (e == HPE_OK) {
        *used = n;
    } else if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
        *used = (size_t)(llhttp_get_error_pos(&h->parser) - p);
    } else {
        if (h->status == 0) {
            h->status = 400;
            h->error = llhttp_get_error_reason(&h->parser);
            if (h->error == NULL)
                h->error = llhttp_errno_name(e);
        }
        *used = (size_t)(llhttp_get_error_pos(&h->parser) - p);
        return WF_HTTP_ERROR;
    }
    if (h->complete)
        return WF_HTTP_REQUEST;
    if (!h->headers_done) {
        h->raw += *used;
        if (h->raw >= h->lim.max_header_size) {
            int in_url = h->nhdrs == 0;

            h->status = in_url ? 414 : 431;
            h->error = in_url ? "request line too long"
                              : "request header fields too large";
            return WF_HTTP_ERROR;
        }
    }
    return WF_HTTP_MORE;
}


int
wf_http_started(const wf_http_t *h)
{
    return h->started;
}


const wf_http_req_t *
wf_http_request(const wf_http_t *h)
{
    return h->complete ? &h->req : NULL;
}


const char *
wf_http_header(const wf_http_t *h, const char *name)
{
    size_t n = strlen(name);

    for (uint32_t i = 0; i < h->nhdrs; i++)
        if (wf_strncaseeq(h->arena.data + h->hdrs[i].name,
                          h->hdrs[i].name_len, name, n))
            return h->arena.data + h->hdrs[i].value;
    return NULL;
}


void
wf_http_header_each(const wf_http_t *h, const char *name,
                    void (*cb)(void *, const char *), void *arg)
{
    size_t n = strlen(name);

    for (uint32_t i = 0; i < h->nhdrs; i++)
        if (wf_strncaseeq(h->arena.data + h->hdrs[i].name,
                          h->hdrs[i].name_len, name, n))
            cb(arg, h->arena.data + h->hdrs[i].value);
}


int
wf_http_status(const wf_http_t *h)
{
    return h->status;
}


const char *
wf_http_error(const wf_http_t *h)
{
    return h->error ? h->error : "";
}


void
wf_http_next(wf_http_t *h)
{
    /* Idle keep-alive connections hold no arena. */
    wf_buf_free(&h->arena);
    free(h->hdrs);
    h->hdrs = NULL;
    h->nhdrs = h->caphdrs = 0;
    h->url = h->url_len = 0;
    h->raw = 0;
    h->body_off = 0;
    h->started = h->field_open = h->value_open = 0;
    h->headers_done = h->complete = 0;
    /* After an upgrade request answered as plain HTTP (not a WebSocket
     * endpoint), llhttp would stop at the upgrade for good: start it
     * afresh at the next request instead. */
    if (h->req.upgrade)
        llhttp_reset(&h->parser);
    else if (llhttp_get_errno(&h->parser) == HPE_PAUSED)
        llhttp_resume(&h->parser);
    memset(&h->req, 0, sizeof(h->req));
}


const char *
wf_http_reason(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}


void
wf_http_respond(wf_buf_t *out, int status, const char *content_type,
                const char *extra, const char *body, size_t body_len,
                int keepalive, int head_only)
{
    wf_buf_printf(out,
                  "HTTP/1.1 %d %s\r\n"
                  "Server: wsfan\r\n"
                  "Content-Length: %zu\r\n"
                  "Connection: %s\r\n",
                  status, wf_http_reason(status), body_len,
                  keepalive ? "keep-alive" : "close");
    if (content_type != NULL)
        wf_buf_printf(out, "Content-Type: %s\r\n", content_type);
    if (extra != NULL)
        wf_buf_append_str(out, extra);
    wf_buf_append(out, "\r\n", 2);
    if (!head_only && body_len > 0)
        wf_buf_append(out, body, body_len);
}
