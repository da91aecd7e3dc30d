/* api.c - POST /api/publish (see api.h). The key check is constant-time;
 * the body is checked with the JSON scanner and the data is published as
 * written, byte for byte. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"
#include "buf.h"
#include "chan.h"
#include "conn-t.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "rsub.h"
#include "x.h"

#define API_JSON "application/json"
#define API_DEPTH 64

typedef struct api_pending {
    wf_conn_t *c;
    int keepalive;
} api_pending_t;

static const wf_conf_t *api_conf;
static uint64_t api_published;


uint64_t
wf_api_published(void)
{
    return api_published;
}


void
wf_api_init(const wf_conf_t *conf)
{
    api_conf = conf;
}


static int
api_reply(wf_buf_t *out, int status, const char *code, const char *message,
          const char *extra, int keepalive)
{
    wf_buf_t body = WF_BUF_INIT;

    if (code == NULL) {
        wf_buf_append_str(&body, "{\"ok\":true}\n");
    } else {
        wf_buf_printf(&body, "{\"error\":{\"code\":\"%s\",\"message\":", code);
        wf_json_buf_str(&body, message, strlen(message));
        wf_buf_append_str(&body, "}}\n");
    }
    wf_http_respond(out, status, API_JSON, extra, wf_buf_head(&body),
                    wf_buf_avail(&body), keepalive, 0);
    wf_buf_free(&body);
    return WF_API_DONE;
}


/* Is the request allowed to publish? Returns 0, or the status to refuse
 * with (401 no key, 403 wrong key). */
static int
api_auth(const wf_http_t *h)
{
    const char *key = api_conf->publish_api_key, *auth;
    size_t klen, alen;

    if (key == NULL)
        return 0;
    auth = wf_http_header(h, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return 401;
    auth += 7;
    klen = strlen(key);
    alen = strlen(auth);
    if (alen != klen || CRYPTO_memcmp(auth, key, klen) != 0)
        return 403;
    return 0;
}


static void
api_on_published(int status, void *arg)
{
    api_pending_t *p = arg;
    wf_buf_t out = WF_BUF_INIT;

    if (status == 0) {
        api_published++;
        api_reply(&out, 200, NULL, NULL, NULL, p->keepalive);
    } else {
        api_reply(&out, 503, "unavailable",
                  "Redis is unavailable; the message was not published",
                  "Retry-After: 1\r\n", p->keepalive);
    }
    wf_conn_http_done(p->c, &out);
    wf_buf_free(&out);
    free(p);
}


int
wf_api_publish(wf_conn_t *c, const wf_http_t *h, const wf_http_req_t *req,
               int keepalive, wf_buf_t *out)
{
    wf_json_field_t f[2] = {{"ch", 0, NULL, 0}, {"data", 0, NULL, 0}};
    char name[WF_CHAN_NAME_MAX + 1];
    const char *why = NULL;
    api_pending_t *p;
    size_t n;
    int st;

    if ((st = api_auth(h)) != 0)
        return api_reply(out, st, st == 401 ? "unauthorized" : "forbidden",
                         st == 401 ? "an API key is required: "
                                     "Authorization: Bearer KEY"
                                   : "wrong API key",
                         "WWW-Authenticate: Bearer\r\n", keepalive);
    if (wf_json_obj_scan(req->body, req->body_len, API_DEPTH, f, 2, &why) !=
        0) {
        char msg[128];

        snprintf(msg, sizeof(msg), "the body must be a JSON object: %s",
                 why ? why : "invalid");
        return api_reply(out, 400, "bad_request", msg, NULL, keepalive);
    }
    if (f[0].type != WF_JSON_STRING ||
        wf_json_str_decode(f[0].val, f[0].len, name, sizeof(name), &n) != 0 ||
        !wf_chan_name_ok(name, n))
        return api_reply(out, 400, "bad_request",
                         "\"ch\" must be a channel name: 1 to 200 of A-Z a-z "
                         "0-9 :_-./@=+!~#$%,;",
                         NULL, keepalive);
    if (f[1].type == WF_JSON_NONE)
        return api_reply(out, 400, "bad_request", "missing \"data\"", NULL,
                         keepalive);
    if (f[1].len > api_conf->max_message_size)
        return api_reply(out, 413, "limit_exceeded",
                         "\"data\" is larger than max-message-size", NULL,
                         keepalive);
    p = wf_xmalloc(sizeof(*p));
    p->c = c;
    p->keepalive = keepalive;
    if (wf_rsub_publish(name, n, f[1].val, f[1].len, api_on_published, p) !=
        0) {
        free(p);
        return api_reply(out, 503, "unavailable",
                         "Redis is unavailable; the message was not "
                         "published",
                         "Retry-After: 1\r\n", keepalive);
    }
    wf_conn_hold(c);
    return WF_API_PENDING;
}
