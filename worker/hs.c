/* hs.c - WebSocket opening handshake checks and responses (see hs.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "hs.h"
#include "http.h"
#include "pmd.h"
#include "stats.h"
#include "x.h"

#define HS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HS_TEXT "text/plain; charset=utf-8"


void
wf_hs_accept(const char *key, size_t keylen, char out[29])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
        !EVP_DigestUpdate(ctx, key, keylen) ||
        !EVP_DigestUpdate(ctx, HS_GUID, sizeof(HS_GUID) - 1) ||
        !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 20)
        abort(); /* SHA-1 is always available; failure is a broken libcrypto */
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, md, 20);
    out[28] = '\0';
}


int
wf_hs_has_token(const char *list, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = list;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ','), *e;

        if (end == NULL)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (wf_strncaseeq(p, (size_t)(e - p), token, tlen))
            return 1;
        p = *end ? end + 1 : end;
    }
    return 0;
}


/* A valid key is the base64 encoding of 16 bytes: 24 characters. */
static int
hs_key_ok(const char *key)
{
    unsigned char raw[24];
    size_t n = strlen(key);

    if (n != 24 || key[22] != '=' || key[23] != '=')
        return 0;
    for (size_t i = 0; i < 22; i++) {
        char ch = key[i];

        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
            return 0;
    }
    return EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}


/* The host[:port] part of an origin "scheme://host[:port]". */
static const char *
hs_origin_host(const char *origin)
{
    const char *p = strstr(origin, "://");

    return p ? p + 3 : NULL;
}


int
wf_hs_origin_ok(const wf_hs_opts_t *opts, const char *origin,
                const char *host)
{
    if (origin == NULL)
        return 1; /* not a browser: the Origin check protects browsers */
    if (opts->origins == NULL) {
        const char *oh = hs_origin_host(origin);

        /* Same origin: the Origin's host[:port] is the Host header. */
        return oh != NULL && host != NULL &&
               wf_strncaseeq(oh, strlen(oh), host, strlen(host));
    }
    for (size_t i = 0; i < opts->norigins; i++) {
        const char *a = opts->origins[i], *star;

        if (strcmp(a, "*") == 0)
            return 1;
        star = strstr(a, "://*.");
        if (star != NULL) {
            /* A "*." host pattern: same scheme, any subdomain. */
            size_t scheme = (size_t)(star - a) + 3;
            const char *suffix = star + 4; /* ".example.com" */
            size_t ol = strlen(origin), sl = strlen(suffix);

            if (strncmp(origin, a, scheme) == 0 && ol > scheme + sl &&
                wf_strncaseeq(origin + ol - sl, sl, suffix, sl))
                return 1;
        } else if (wf_strncaseeq(origin, strlen(origin), a, strlen(a))) {
            return 1;
        }
    }
    return 0;
}


static void
hs_join(void *arg, const char *value)
{
    wf_buf_t *b = arg;

    if (wf_buf_avail(b) > 0)
        wf_buf_append(b, ",", 1);
    wf_buf_append_str(b, value);
}


static int
hs_fail(wf_hs_result_t *res, wf_buf_t *out, int status, const char *extra,
        const char *why)
{
    size_t n = strlen(why);
    char body[160];

    res->reason = status == 405   ? WF_STATS_HS_METHOD
                  : status == 403 ? WF_STATS_HS_ORIGIN
                  : status == 426 ? (strstr(extra, "Version") != NULL
                                         ? WF_STATS_HS_VERSION
                                         : WF_STATS_HS_NOT_WS)
                                  : WF_STATS_HS_BAD_REQUEST;
    res->status = status;
    res->why = why;
    n = WF_MIN(n, sizeof(body) - 2);
    memcpy(body, why, n);
    body[n++] = '\n';
    wf_http_respond(out, status, HS_TEXT, extra, body, n, 0, 0);
    return WF_EINVAL;
}


int
wf_hs_check(const wf_http_t *h, const wf_http_req_t *req,
            const wf_hs_opts_t *opts, wf_hs_result_t *res, wf_buf_t *out)
{
    const char *key, *version, *protocols, *upgrade;
    wf_buf_t joined = WF_BUF_INIT, conn = WF_BUF_INIT;
    char accept[29];
    int has_upgrade;

    memset(res, 0, sizeof(*res));
    if (!req->is_get)
        return hs_fail(res, out, 405, "Allow: GET\r\n",
                       "a WebSocket handshake must be a GET");
    if (req->major != 1 || req->minor < 1)
        return hs_fail(res, out, 400, NULL,
                       "a WebSocket handshake needs HTTP/1.1");
    if (wf_http_header(h, "Host") == NULL)
        return hs_fail(res, out, 400, NULL, "missing Host header");
    upgrade = wf_http_header(h, "Upgrade");
    if (upgrade == NULL || !wf_hs_has_token(upgrade, "websocket"))
        return hs_fail(res, out, 426, "Upgrade: websocket\r\n"
                                      "Connection: Upgrade\r\n",
                       "this endpoint speaks WebSocket only");
    wf_http_header_each(h, "Connection", hs_join, &conn);
    wf_buf_append(&conn, "", 1);
    has_upgrade = wf_hs_has_token(wf_buf_head(&conn), "upgrade");
    wf_buf_free(&conn);
    if (!has_upgrade)
        return hs_fail(res, out, 400, NULL,
                       "Connection header lacks the Upgrade token");
    version = wf_http_header(h, "Sec-WebSocket-Version");
    if (version == NULL || strcmp(version, "13") != 0)
        return hs_fail(res, out, 426, "Sec-WebSocket-Version: 13\r\n",
                       "unsupported Sec-WebSocket-Version (13 is)");
    key = wf_http_header(h, "Sec-WebSocket-Key");
    if (key == NULL || !hs_key_ok(key))
        return hs_fail(res, out, 400, NULL,
                       "missing or invalid Sec-WebSocket-Key");
    if (!wf_hs_origin_ok(opts, wf_http_header(h, "Origin"),
                         wf_http_header(h, "Host")))
        return hs_fail(res, out, 403, NULL, "origin not allowed");

    protocols = wf_http_header(h, "Sec-WebSocket-Protocol");
    res->subprotocol = protocols != NULL &&
                       wf_hs_has_token(protocols, WF_HS_SUBPROTOCOL);
    if (opts->pmd != NULL && opts->pmd->enabled) {
        wf_http_header_each(h, "Sec-WebSocket-Extensions", hs_join, &joined);
        res->compressed = wf_buf_avail(&joined) > 0 &&
                          wf_pmd_negotiate(opts->pmd, wf_buf_head(&joined),
                                           wf_buf_avail(&joined),
                                           &res->pmd) == 0;
        wf_buf_free(&joined);
    }

    wf_hs_accept(key, strlen(key), accept);
    wf_buf_printf(out,
                  "HTTP/1.1 101 Switching Protocols\r\n"
                  "Server: wsfan\r\n"
                  "Upgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: %s\r\n",
                  accept);
    if (res->subprotocol)
        wf_buf_append_str(out, "Sec-WebSocket-Protocol: " WF_HS_SUBPROTOCOL
                               "\r\n");
    if (res->compressed) {
        wf_buf_append_str(out, "Sec-WebSocket-Extensions: ");
        wf_pmd_params_format(&res->pmd, out);
        wf_buf_append(out, "\r\n", 2);
    }
    wf_buf_append(out, "\r\n", 2);
    res->status = 101;
    return 0;
}
