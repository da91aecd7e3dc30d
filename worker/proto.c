/* proto.c - client protocol v1 (see proto.h): decode an op with the JSON
 * scanner, act on the registry or the publisher, reply. Publishing is
 * asynchronous: the reply waits for Redis, and the connection is held
 * (not freed) until then. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chan.h"
#include "conn-t.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "rsub.h"
#include "ws.h"
#include "wsf.h"
#include "x.h"

#define PROTO_DEPTH 64       /* JSON nesting accepted in a message */
#define PROTO_ID_MAX 64      /* bytes of an id as written */
#define PROTO_INFLIGHT 1024  /* unacknowledged pubs per connection */
#define PROTO_EARLY_MAX (256 * 1024) /* bytes of ops held before welcome */

typedef struct proto_pub {
    wf_conn_t *c;
    size_t idlen;
    char id[PROTO_ID_MAX];
} proto_pub_t;

/* The welcome, sent once every ?ch= subscription is live in Redis. Ops
 * the client sends before it are kept (framed: opcode, length, bytes) and
 * handled right after it, so the welcome is always the first message. */
typedef struct proto_welcome {
    wf_conn_t *c;
    unsigned pending;
    wf_buf_t early;
} proto_welcome_t;

/* A reply (or a welcome's share) waiting for a channel's confirmation. */
typedef struct proto_wait {
    wf_chan_waiter_t w; /* first: the registry links this */
    wf_conn_t *c;
    proto_welcome_t *welcome; /* or a "sub" reply: */
    size_t idlen;
    char id[PROTO_ID_MAX];
} proto_wait_t;

static struct {
    const wf_conf_t *conf;
    uint64_t next_conn;
    long pid; /* for connection ids, read once */
    uint64_t published;
    wf_buf_t out; /* a reply being built, reused */
} pr;


uint64_t
wf_proto_published(void)
{
    return pr.published;
}


void
wf_proto_init(const wf_conf_t *conf)
{
    pr.conf = conf;
    pr.next_conn = 0;
    pr.pid = (long)getpid();
}


static void
proto_send_out(wf_conn_t *c)
{
    wf_ws_send(c, WF_WSF_TEXT, wf_buf_head(&pr.out), wf_buf_avail(&pr.out));
    wf_buf_reset(&pr.out);
}


/* Start a reply: {"id":<id>, with id as the client wrote it (or none). */
static void
proto_reply_start(const char *id, size_t idlen)
{
    wf_buf_reset(&pr.out);
    wf_buf_append(&pr.out, "{", 1);
    if (idlen > 0) {
        wf_buf_append(&pr.out, "\"id\":", 5);
        wf_buf_append(&pr.out, id, idlen);
        wf_buf_append(&pr.out, ",", 1);
    }
}


static void
proto_ok(wf_conn_t *c, const char *id, size_t idlen)
{
    proto_reply_start(id, idlen);
    wf_buf_append_str(&pr.out, "\"ok\":true}");
    proto_send_out(c);
}


static void
proto_error(wf_conn_t *c, const char *id, size_t idlen, const char *code,
            const char *message)
{
    proto_reply_start(id, idlen);
    wf_buf_printf(&pr.out, "\"error\":{\"code\":\"%s\",\"message\":", code);
    wf_json_buf_str(&pr.out, message, strlen(message));
    wf_buf_append(&pr.out, "}}", 2);
    proto_send_out(c);
}


/* Decode a "ch" value into name (NUL-terminated) and check it. Returns the
 * length, or -1 after replying with the error. */
static int
proto_channel(wf_conn_t *c, const wf_json_field_t *f, const char *id,
              size_t idlen, char name[WF_CHAN_NAME_MAX + 1])
{
    size_t n;

    if (f->type == WF_JSON_NONE) {
        proto_error(c, id, idlen, "bad_request", "missing \"ch\"");
        return -1;
    }
    if (f->type != WF_JSON_STRING ||
        wf_json_str_decode(f->val, f->len, name, WF_CHAN_NAME_MAX + 1, &n) !=
            0 ||
        !wf_chan_name_ok(name, n)) {
        proto_error(c, id, idlen, "bad_request",
                    "invalid channel name: 1 to 200 of A-Z a-z 0-9 "
                    ":_-./@=+!~#$%,;");
        return -1;
    }
    return (int)n;
}


static void proto_send_welcome(wf_conn_t *c);
static void proto_welcome_done(proto_welcome_t *w);


static void
proto_on_ready(wf_chan_waiter_t *w, int ok)
{
    proto_wait_t *pw = (proto_wait_t *)w;
    wf_conn_t *c = pw->c;

    if (pw->welcome != NULL) {
        if (--pw->welcome->pending == 0)
            proto_welcome_done(pw->welcome);
    } else if (c->state == WF_CONN_WS) {
        if (ok)
            proto_ok(c, pw->id, pw->idlen);
        else /* unsubscribed before Redis confirmed */
            proto_error(c, pw->id, pw->idlen, "unknown_channel",
                        "unsubscribed before the subscription was live");
    }
    free(pw);
    wf_conn_release(c);
}


/* Reply (or count down the welcome) once name's subscription is live. */
static void
proto_wait(wf_conn_t *c, const char *name, size_t n, const char *id,
           size_t idlen, proto_welcome_t *welcome)
{
    wf_chan_t *ch = wf_chan_find(name, n);
    proto_wait_t *pw = wf_xcalloc(1, sizeof(*pw));

    pw->w.ready = proto_on_ready;
    pw->c = c;
    pw->welcome = welcome;
    pw->idlen = idlen;
    memcpy(pw->id, id, idlen);
    wf_conn_hold(c);
    wf_chan_wait(ch, &pw->w);
}


static void
proto_sub(wf_conn_t *c, const char *name, size_t n, const char *id,
          size_t idlen)
{
    int rc;

    if (!wf_rsub_healthy()) {
        proto_error(c, id, idlen, "unavailable",
                    "Redis is unavailable; try again");
        return;
    }
    rc = wf_chan_subscribe(wf_ws_subs(c), c, name, n,
                           pr.conf->max_subscriptions);
    if (rc == WF_ELIMIT) {
        char msg[96];

        snprintf(msg, sizeof(msg), "at most %u subscriptions per connection",
                 pr.conf->max_subscriptions);
        proto_error(c, id, idlen, "limit_exceeded", msg);
        return;
    }
    proto_wait(c, name, n, id, idlen, NULL);
}


static void
proto_on_published(int status, void *arg)
{
    proto_pub_t *p = arg;
    wf_conn_t *c = p->c;

    if (status == 0)
        pr.published++;
    if (c->state == WF_CONN_WS) {
        if (status == 0)
            proto_ok(c, p->id, p->idlen);
        else
            proto_error(c, p->id, p->idlen, "unavailable",
                        "Redis is unavailable; the message was not "
                        "published");
    }
    free(p);
    wf_conn_release(c);
}


static void
proto_pub(wf_conn_t *c, const char *name, size_t n, const wf_json_field_t *data,
          const char *id, size_t idlen)
{
    proto_pub_t *p;

    if (data->type == WF_JSON_NONE) {
        proto_error(c, id, idlen, "bad_request", "missing \"data\"");
        return;
    }
    if (wf_conn_holds(c) >= PROTO_INFLIGHT) {
        proto_error(c, id, idlen, "limit_exceeded",
                    "too many publishes awaiting Redis");
        return;
    }
    p = wf_xmalloc(sizeof(*p));
    p->c = c;
    p->idlen = idlen;
    memcpy(p->id, id, idlen);
    if (wf_rsub_publish(name, n, data->val, data->len, proto_on_published,
                        p) != 0) {
        free(p);
        proto_error(c, id, idlen, "unavailable",
                    "Redis is unavailable; the message was not published");
        return;
    }
    wf_conn_hold(c);
}


void
wf_proto_message(wf_conn_t *c, int opcode, const uint8_t *data, size_t len)
{
    enum { F_OP, F_CH, F_ID, F_DATA, F_SINCE, F_COUNT };
    wf_json_field_t f[F_COUNT] = {
        {"op", 0, NULL, 0}, {"ch", 0, NULL, 0}, {"id", 0, NULL, 0},
        {"data", 0, NULL, 0}, {"since", 0, NULL, 0},
    };
    const char *p = (const char *)data, *why = NULL, *id = "";
    char name[WF_CHAN_NAME_MAX + 1];
    size_t idlen = 0;
    int n;

    if (*wf_ws_proto(c) != NULL) { /* before the welcome: keep it */
        proto_welcome_t *w = *wf_ws_proto(c);
        uint32_t n32 = (uint32_t)len;

        if (wf_buf_avail(&w->early) + len + 5 > PROTO_EARLY_MAX) {
            wf_ws_close(c, 1008, "too much sent before the welcome");
            return;
        }
        wf_buf_append(&w->early, &(uint8_t){(uint8_t)opcode}, 1);
        wf_buf_append(&w->early, &n32, 4);
        wf_buf_append(&w->early, data, len);
        return;
    }
    if (opcode != WF_WSF_TEXT) {
        proto_error(c, NULL, 0, "bad_request",
                    "binary frames are not part of protocol v1");
        return;
    }
    if (wf_json_obj_scan(p, len, PROTO_DEPTH, f, F_COUNT, &why) != 0) {
        char msg[128];

        snprintf(msg, sizeof(msg), "invalid JSON: %s", why ? why : "?");
        proto_error(c, NULL, 0, "bad_request", msg);
        return;
    }
    if (f[F_ID].type != WF_JSON_NONE) {
        if ((f[F_ID].type != WF_JSON_NUMBER &&
             f[F_ID].type != WF_JSON_STRING) ||
            f[F_ID].len > PROTO_ID_MAX) {
            proto_error(c, NULL, 0, "bad_request",
                        "\"id\" must be a number or a string of at most 62 "
                        "characters");
            return;
        }
        id = f[F_ID].val;
        idlen = f[F_ID].len;
    }
    if (f[F_OP].type != WF_JSON_STRING) {
        proto_error(c, id, idlen, "bad_request",
                    f[F_OP].type == WF_JSON_NONE ? "missing \"op\""
                                                 : "\"op\" must be a string");
        return;
    }
#define OP_IS(s) (f[F_OP].len == sizeof(s) + 1 && \
                  memcmp(f[F_OP].val + 1, s, sizeof(s) - 1) == 0)
    if (OP_IS("ping")) {
        proto_ok(c, id, idlen);
    } else if (OP_IS("sub")) {
        if ((n = proto_channel(c, &f[F_CH], id, idlen, name)) >= 0)
            proto_sub(c, name, (size_t)n, id, idlen);
    } else if (OP_IS("unsub")) {
        if ((n = proto_channel(c, &f[F_CH], id, idlen, name)) >= 0) {
            wf_chan_unsubscribe(wf_ws_subs(c), name, (size_t)n);
            proto_ok(c, id, idlen); /* idempotent, like UNSUBSCRIBE */
        }
    } else if (OP_IS("pub")) {
        if ((n = proto_channel(c, &f[F_CH], id, idlen, name)) >= 0)
            proto_pub(c, name, (size_t)n, &f[F_DATA], id, idlen);
    } else {
        proto_error(c, id, idlen, "bad_request",
                    "unknown \"op\": expected sub, unsub, pub or ping");
    }
#undef OP_IS
}


/* ---- the upgrade's query string ---------------------------------------- */

/* Walk the ch= values of query, percent-decoded into name; cb(arg, name,
 * len) for each. Returns 0, or WF_EINVAL with *why. */
static int
proto_each_ch(const char *query, const char **why,
              int (*cb)(void *arg, const char *name, size_t len), void *arg)
{
    const char *p = query;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);

        if (plen >= 3 && memcmp(p, "ch=", 3) == 0) {
            char name[WF_CHAN_NAME_MAX + 1];
            size_t n = 0;

            for (size_t i = 3; i < plen; i++) {
                char ch = p[i];

                if (ch == '%' && i + 2 < plen &&
                    wf_hexval(p[i + 1]) >= 0 && wf_hexval(p[i + 2]) >= 0) {
                    ch = (char)(wf_hexval(p[i + 1]) * 16 +
                                wf_hexval(p[i + 2]));
                    i += 2;
                } else if (ch == '%') {
                    *why = "bad percent-encoding in ch=";
                    return WF_EINVAL;
                }
                if (n == WF_CHAN_NAME_MAX) {
                    *why = "channel name too long in ch=";
                    return WF_EINVAL;
                }
                name[n++] = ch;
            }
            name[n] = '\0';
            if (!wf_chan_name_ok(name, n)) {
                *why = "invalid channel name in ch=";
                return WF_EINVAL;
            }
            if (cb(arg, name, n) != 0) {
                *why = "too many ch= subscriptions";
                return WF_EINVAL;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}


static int
proto_count_ch(void *arg, const char *name, size_t len)
{
    uint32_t *count = arg;

    return ++*count > pr.conf->max_subscriptions ? -1 : 0;
}


int
wf_proto_check_query(const char *query, const char **why)
{
    uint32_t count = 0;

    return proto_each_ch(query, why, proto_count_ch, &count);
}


static void
proto_send_welcome(wf_conn_t *c)
{
    wf_buf_reset(&pr.out);
    wf_buf_printf(&pr.out,
                  "{\"op\":\"welcome\",\"conn\":\"%lx-%llx\",\"user\":null,"
                  "\"ping\":%u}",
                  pr.pid, (unsigned long long)++pr.next_conn,
                  pr.conf->ping_interval_ms / 1000);
    proto_send_out(c);
}


typedef struct proto_open {
    wf_conn_t *c;
    proto_welcome_t *welcome; /* NULL: welcome now */
} proto_open_t;


static int
proto_sub_ch(void *arg, const char *name, size_t len)
{
    proto_open_t *o = arg;

    if (wf_chan_subscribe(wf_ws_subs(o->c), o->c, name, len,
                          pr.conf->max_subscriptions) == 0 &&
        o->welcome != NULL) {
        o->welcome->pending++;
        proto_wait(o->c, name, len, "", 0, o->welcome);
    }
    return 0;
}


void
wf_proto_open(wf_conn_t *c, const char *query)
{
    proto_open_t o = {c, NULL};
    const char *why;

    /* With Redis healthy, the welcome waits until the ?ch= subscriptions
     * are live, so nothing published after it is missed. With Redis down
     * it comes at once; the subscriptions go live when Redis returns. */
    if (wf_rsub_healthy()) {
        o.welcome = wf_xcalloc(1, sizeof(*o.welcome));
        o.welcome->c = c;
        o.welcome->pending = 1; /* until the walk is done */
    }
    proto_each_ch(query, &why, proto_sub_ch, &o);
    if (o.welcome == NULL) {
        proto_send_welcome(c);
    } else if (--o.welcome->pending == 0) {
        proto_welcome_done(o.welcome);
    } else {
        *wf_ws_proto(c) = o.welcome;
    }
}


/* Every ?ch= subscription is live (or gone): send the welcome, then the
 * ops that came before it, in order. */
static void
proto_welcome_done(proto_welcome_t *w)
{
    wf_conn_t *c = w->c;

    if (c->state == WF_CONN_WS) {
        wf_buf_t early = w->early;

        *wf_ws_proto(c) = NULL;
        proto_send_welcome(c);
        for (size_t off = 0; off + 5 <= wf_buf_avail(&early) &&
                             c->state == WF_CONN_WS;) {
            const uint8_t *p = (const uint8_t *)wf_buf_head(&early) + off;
            uint32_t n;

            memcpy(&n, p + 1, 4);
            wf_proto_message(c, p[0], p + 5, n);
            off += 5 + (size_t)n;
        }
        wf_buf_free(&early);
    } else {
        wf_buf_free(&w->early);
    }
    free(w);
}
