/* fuzz_http_hs.c - fuzz target for the HTTP phase of a connection:
 * worker/http.c (llhttp with limits), worker/route.c and worker/hs.c
 * (the WebSocket handshake, with permessage-deflate negotiation by
 * worker/pmd.c), driven the way conn.c drives them.
 *
 * Input: [split][config][bytes the client sends...]
 *   split   how the bytes are cut into reads (see fuzz.h): 0 = one read,
 *           1 = byte by byte, n = reads of 1..n bytes;
 *   config  bit 0: an allowed-origins list (else same origin only);
 *           bit 1: the server asks for client_no_context_takeover;
 *           bits 2-4: client_max_window_bits 9 + v % 7;
 *           bit 5: the worker is draining; bit 6: no /echo endpoint
 *           (the protocol endpoint /ws is always there);
 *           bit 7: tiny limits (256-byte header, 4 fields, 16-byte body).
 * Each read goes into a buffer of its own that is freed once handled, so
 * ASan catches anything kept pointing into it. Requests are answered in
 * order until one fails, is not keep-alive, or upgrades.
 * Checked: the feed contract (MORE consumes everything, a request
 * consumes something), error statuses are the documented ones, every
 * response is well formed (status line, no control bytes in headers,
 * Content-Length equal to the body), a 101 only for a request that has
 * what RFC 6455 4.2.1 requires and with the right Sec-WebSocket-Accept,
 * and the negotiated extension we answer is itself an offer that
 * negotiates to the same parameters. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hs.h"
#include "http.h"
#include "pmd.h"
#include "route.h"

#include "fuzz.h"

static char *const hs_origins[] = {
    "https://example.com",
    "https://*.example.org",
    "http://localhost:8080",
};


/* Find the header "name: value\r\n" in the response head r[0..n) and
 * return its value's start and length, or NULL. */
static const char *
hs_resp_header(const char *r, size_t n, const char *name, size_t *vlen)
{
    size_t nl = strlen(name), i;

    for (i = 0; i + 2 + nl + 2 <= n; i++) {
        if (r[i] == '\r' && r[i + 1] == '\n' &&
            memcmp(r + i + 2, name, nl) == 0 && r[i + 2 + nl] == ':' &&
            r[i + 3 + nl] == ' ') {
            const char *v = r + i + 4 + nl, *e = v;

            while (e < r + n && *e != '\r')
                e++;
            *vlen = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}


/* A whole response: "HTTP/1.1 SSS Reason", header lines of printable
 * bytes, an empty line, and exactly Content-Length bytes of body (none
 * for HEAD, and no Content-Length at all on a 101). Returns the head's
 * length (up to and excluding the empty line's CRLF). */
static size_t
hs_check_response(const wf_buf_t *out, int status, int head_only)
{
    const char *r = fuzz_buf_bytes(out);
    size_t n = wf_buf_avail(out), i, head, vlen, body;
    const char *v;
    char *end;
    long cl;

    FUZZ_CHECK(n > 16 && memcmp(r, "HTTP/1.1 ", 9) == 0);
    FUZZ_CHECK(strtol(r + 9, &end, 10) == status && end == r + 12 &&
               *end == ' ');
    for (i = 0; i + 3 < n; i++)
        if (memcmp(r + i, "\r\n\r\n", 4) == 0)
            break;
    FUZZ_CHECK(i + 3 < n);
    head = i + 2;
    for (i = 0; i < head; i++) {
        unsigned char c = (unsigned char)r[i];

        if (c == '\r')
            FUZZ_CHECK(r[i + 1] == '\n');
        else if (c == '\n')
            FUZZ_CHECK(i > 0 && r[i - 1] == '\r');
        else
            FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    }
    body = n - head - 2;
    v = hs_resp_header(r, head, "Content-Length", &vlen);
    if (status == 101) {
        FUZZ_CHECK(v == NULL && body == 0);
        return head;
    }
    FUZZ_CHECK(v != NULL);
    cl = strtol(v, &end, 10);
    FUZZ_CHECK(end == v + vlen && cl >= 0);
    FUZZ_CHECK(body == (head_only ? 0 : (size_t)cl));
    return head;
}


/* An upgrade request on the WebSocket endpoint, as conn_upgrade() does. */
static void
hs_upgrade(const wf_http_t *h, const wf_http_req_t *req,
           const wf_hs_opts_t *opts)
{
    wf_buf_t out = WF_BUF_INIT;
    wf_hs_result_t res;
    const char *key, *v;
    size_t head, vlen;
    char accept[29];
    int rc;

    rc = wf_hs_check(h, req, opts, &res, &out);
    FUZZ_TRACE("handshake: %d %s%s\n", res.status, rc ? res.why : "",
               res.compressed ? "(compressed)" : "");
    if (rc != 0) {
        FUZZ_CHECK(rc == WF_EINVAL && res.why != NULL);
        FUZZ_CHECK(res.status == 400 || res.status == 403 ||
                   res.status == 405 || res.status == 426);
        hs_check_response(&out, res.status, 0);
        wf_buf_free(&out);
        return;
    }
    FUZZ_CHECK(res.status == 101);
    head = hs_check_response(&out, 101, 0);

    /* RFC 6455 4.2.1: what the request must have had. */
    FUZZ_CHECK(req->is_get && req->major == 1 && req->minor >= 1);
    FUZZ_CHECK(wf_http_header(h, "Host") != NULL);
    v = wf_http_header(h, "Sec-WebSocket-Version");
    FUZZ_CHECK(v != NULL && strcmp(v, "13") == 0);
    key = wf_http_header(h, "Sec-WebSocket-Key");
    FUZZ_CHECK(key != NULL && strlen(key) == 24);
    wf_hs_accept(key, 24, accept);
    v = hs_resp_header(fuzz_buf_bytes(&out), head, "Sec-WebSocket-Accept",
                       &vlen);
    FUZZ_CHECK(v != NULL && vlen == 28 && memcmp(v, accept, 28) == 0);

    v = hs_resp_header(fuzz_buf_bytes(&out), head, "Sec-WebSocket-Protocol",
                       &vlen);
    FUZZ_CHECK((v != NULL) == (res.subprotocol != 0));
    if (v != NULL)
        FUZZ_CHECK(vlen == strlen(WF_HS_SUBPROTOCOL) &&
                   memcmp(v, WF_HS_SUBPROTOCOL, vlen) == 0);

    v = hs_resp_header(fuzz_buf_bytes(&out), head, "Sec-WebSocket-Extensions",
                       &vlen);
    FUZZ_CHECK((v != NULL) == (res.compressed != 0));
    if (v != NULL) {
        const wf_pmd_params_t *p = &res.pmd;
        wf_pmd_params_t again;

        FUZZ_CHECK(p->server_window_bits >= 9 && p->server_window_bits <= 15);
        FUZZ_CHECK(p->client_window_bits >= 8 && p->client_window_bits <= 15);
        FUZZ_CHECK(!p->reply_client_bits ||
                   p->client_window_bits <= opts->pmd->client_max_window_bits);
        FUZZ_CHECK(!opts->pmd->client_no_context ||
                   p->client_no_context_takeover);
        FUZZ_CHECK(vlen <= WF_PMD_RESPONSE_MAX);
        /* Our answer, read as an offer, negotiates to the same. */
        FUZZ_CHECK(wf_pmd_negotiate(opts->pmd, v, vlen, &again) == 0);
        FUZZ_CHECK(again.server_window_bits == p->server_window_bits &&
                   again.client_window_bits == p->client_window_bits &&
                   again.client_no_context_takeover ==
                       p->client_no_context_takeover &&
                   again.reply_server_bits == p->reply_server_bits &&
                   again.reply_client_bits == p->reply_client_bits);
    }
    wf_buf_free(&out);
}


static int
hs_check_upgrade_keepalive(void)
{
    static int on = -1;

    if (on < 0) {
        const char *e = getenv("FUZZ_HTTP_UPGRADE_KEEPALIVE");

        on = e == NULL || *e != '0'; /* fixed: checked unless =0 */
    }
    return on;
}


/* One complete request, as conn_http_input() answers it. Returns 1 if
 * the connection reads another request, 0 if it closes or upgrades. */
static int
hs_request(wf_http_t *h, const wf_route_info_t *info, const wf_hs_opts_t *opts)
{
    const wf_http_req_t *req = wf_http_request(h);
    wf_buf_t out = WF_BUF_INIT;
    int keepalive, r;

    FUZZ_CHECK(req != NULL && req->method != NULL && req->path != NULL);
    FUZZ_CHECK(req->major == 1);
    FUZZ_CHECK(req->body != NULL || req->body_len == 0);
    keepalive = req->keepalive;
    FUZZ_TRACE("request: %s %s%s\n", req->method, req->path,
               req->upgrade ? " (upgrade)" : "");
    r = wf_route(h, req, info, &out, &keepalive);
    if (r == WF_ROUTE_ECHO || r == WF_ROUTE_WS) {
        /* A WebSocket endpoint: the handshake decides. */
        FUZZ_CHECK(wf_buf_avail(&out) == 0); /* upgrades go on while draining */
        hs_upgrade(h, req, opts);
        return 0;
    }
    if (r != WF_ROUTE_RESPOND) {
        /* Answered by a module that is not pure (the publish API, the
         * metrics page): not this target's business. */
        FUZZ_CHECK(wf_buf_avail(&out) == 0);
        return 0;
    }
    FUZZ_CHECK(!info->draining || !keepalive);
    FUZZ_CHECK(keepalive == 0 || req->keepalive);
    hs_check_response(&out, atoi(fuzz_buf_bytes(&out) + 9), req->is_head);
    FUZZ_TRACE("response: %d\n", atoi(fuzz_buf_bytes(&out) + 9));
    wf_buf_free(&out);
    if (!keepalive)
        return 0;
    /* After an upgrade request answered without upgrading, the next
     * request on the connection must be read (this was a bug: llhttp
     * stayed paused for the upgrade). FUZZ_HTTP_UPGRADE_KEEPALIVE=0 skips
     * the check. */
    if (req->upgrade && !hs_check_upgrade_keepalive())
        return 0;
    wf_http_next(h);
    FUZZ_CHECK(wf_http_request(h) == NULL && !wf_http_started(h));
    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wf_pmd_conf_t pmd = WF_PMD_CONF_INIT;
    wf_hs_opts_t opts;
    wf_route_info_t info;
    wf_http_limits_t lim;
    fuzz_split_t split;
    wf_http_t *h;
    uint8_t cfg;
    int open = 1;

    if (size < 2)
        return 0;
    fuzz_split_init(&split, data[0]);
    cfg = data[1];
    data += 2;
    size -= 2;

    memset(&opts, 0, sizeof(opts));
    if (cfg & 0x01) {
        opts.origins = hs_origins;
        opts.norigins = sizeof(hs_origins) / sizeof(hs_origins[0]);
    }
    pmd.enabled = 1;
    pmd.client_no_context = (cfg & 0x02) != 0;
    pmd.client_max_window_bits = 9 + ((cfg >> 2) & 0x07) % 7;
    opts.pmd = &pmd;
    memset(&info, 0, sizeof(info));
    info.slot = 1;
    info.generation = 2;
    info.pid = 4242;
    info.draining = (cfg & 0x20) != 0;
    info.echo = !(cfg & 0x40);
    info.ws_path = "/ws";
    if (cfg & 0x80) {
        lim.max_header_size = 256;
        lim.max_headers = 4;
        lim.max_body_size = 16;
    } else {
        lim.max_header_size = 4096;
        lim.max_headers = 64;
        lim.max_body_size = 1024;
    }

    h = wf_http_new(&lim);
    while (open && size > 0) {
        size_t n = fuzz_split_next(&split, size), len = n;
        char *read = malloc(n), *p = read;

        FUZZ_CHECK(read != NULL);
        memcpy(read, data, n);
        data += n;
        size -= n;
        while (open && len > 0) {
            size_t used = len + 1;
            int r = wf_http_feed(h, p, len, &used);

            FUZZ_CHECK(used <= len);
            p += used;
            len -= used;
            if (r == WF_HTTP_MORE) {
                FUZZ_CHECK(len == 0);
            } else if (r == WF_HTTP_ERROR) {
                int st = wf_http_status(h);
                wf_buf_t out = WF_BUF_INIT;

                FUZZ_CHECK(st == 400 || st == 413 || st == 414 || st == 431 ||
                           st == 505);
                FUZZ_CHECK(wf_http_error(h) != NULL);
                FUZZ_CHECK(wf_http_request(h) == NULL);
                FUZZ_TRACE("error: %d %s\n", st, wf_http_error(h));
                wf_route_error(st, &out);
                hs_check_response(&out, st, 0);
                wf_buf_free(&out);
                open = 0;
            } else {
                FUZZ_CHECK(r == WF_HTTP_REQUEST);
                FUZZ_CHECK(used > 0);
                open = hs_request(h, &info, &opts);
            }
        }
        free(read);
    }
    wf_http_free(h);
    return 0;
}
