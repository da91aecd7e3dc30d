/* ws.c - the WebSocket session (see ws.h): frame events from the parser
 * become whole messages (assembled only when they arrive in pieces,
 * inflated when compressed), control frames are answered, and the close
 * handshake, keepalive and the send-buffer limit are enforced. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conn-t.h"
#include "err.h"
#include "log.h"
#include "pool.h"
#include "msg.h"
#include "pmd.h"
#include "proto.h"
#include "utf8.h"
#include "ws.h"
#include "wsf.h"
#include "x.h"

#define WS_COMPRESS_MIN 64 /* smaller messages are sent uncompressed */

struct wf_ws {
    wf_wsf_parser_t parser;
    wf_buf_t msg; /* a message arriving in pieces; no memory when idle */
    wf_pmd_inflater_t inf;
    wf_pmd_params_t pmd;
    uint8_t mode;
    uint8_t compressed;     /* permessage-deflate negotiated */
    uint8_t msg_opcode;     /* of the message being assembled */
    uint8_t msg_compressed; /* RSV1 on its first frame */
    uint8_t close_sent;     /* no more data frames go out or come in */
    wf_subs_t subs;         /* protocol v1 */
    void *proto;            /* protocol v1's own state */
};

static struct {
    const wf_conf_t *conf;
    wf_pmd_deflater_t *deflater;
    wf_buf_t zbuf;  /* deflate output, reused */
    wf_buf_t spare; /* an assembly buffer no session is using */
    wf_pool_t pool; /* of wf_ws_t */
    uint64_t count, slow_closes;
} ws;


#define WS_SPARE_MAX (4u << 20) /* keep a spare buffer up to this size */


/* Give s an assembly buffer: the worker's spare one if there is one, so a
 * stream of large messages does not allocate (and fault in) fresh memory
 * for each. */
static void
ws_msg_take(wf_ws_t *s)
{
    if (s->msg.data == NULL && ws.spare.data != NULL) {
        s->msg = ws.spare;
        wf_buf_init(&ws.spare);
        wf_buf_reset(&s->msg);
    }
}


/* The message is done: the session keeps no buffer (idle connections hold
 * none); it becomes the worker's spare, or is freed. */
static void
ws_msg_release(wf_ws_t *s)
{
    if (s->msg.data == NULL)
        return;
    if (ws.spare.data == NULL && s->msg.cap <= WS_SPARE_MAX) {
        ws.spare = s->msg;
        wf_buf_init(&s->msg);
        return;
    }
    wf_buf_free(&s->msg);
}


void
wf_ws_init(const wf_conf_t *conf)
{
    ws.conf = conf;
    ws.pool = (wf_pool_t)WF_POOL_INIT(wf_ws_t);
    ws.deflater = conf->compression
                      ? wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT)
                      : NULL;
}


void
wf_ws_cleanup(void)
{
    wf_pmd_deflater_free(ws.deflater);
    ws.deflater = NULL;
    wf_pool_destroy(&ws.pool);
    wf_buf_free(&ws.zbuf);
    wf_buf_free(&ws.spare);
}


/* Our close frame is queued: close the connection once it is written,
 * giving a slow reader pong-timeout to take it. */
static void
ws_close_after_flush(wf_conn_t *c)
{
    wf_conn_close_after_flush(c);
    wf_conn_set_tq(c, WF_TQ_WS_CLOSE);
}


/* Queue a frame on c, enforcing send-buffer-limit: a client that cannot
 * keep up loses its backlog and gets close 1013 (try again later). One
 * message larger than the limit still goes out on an empty queue: the
 * limit bounds the backlog, max-message-size bounds a message. */
static int
ws_queue(wf_conn_t *c, wf_msg_t *m)
{
    /* Over the limit? Writes are corked until the loop is about to
     * block, so first give the socket what it takes: a client that keeps
     * up must not pay for a burst queued within one iteration. */
    if (c->qbytes > 0 && c->qbytes + m->len > ws.conf->send_buffer_limit &&
        !c->ws->close_sent &&
        wf_conn_write_now(c) + m->len > ws.conf->send_buffer_limit &&
        c->qbytes > 0) {
        uint8_t frame[WF_WSF_CTL_FRAME_MAX];
        size_t n;

        wf_msg_unref(m);
        ws.slow_closes++;
        wf_log(WF_LOG_INFO, "fd %d: slow consumer, %zu bytes queued; "
                            "closing with 1013",
               c->io.fd, c->qbytes);
        wf_conn_drop_queue(c);
        n = wf_wsf_close_frame(frame, 1013, "send buffer full", 16);
        wf_conn_send(c, wf_msg_from(frame, n));
        c->ws->close_sent = 1;
        ws_close_after_flush(c);
        return WF_ELIMIT;
    }
    wf_conn_send(c, m);
    return 0;
}


/* A frame of payload p[0..n) with header for opcode, as one message. */
static wf_msg_t *
ws_frame(int opcode, int rsv1, const void *p, size_t n)
{
    uint8_t hdr[WF_WSF_HDR_MAX];
    size_t h = wf_wsf_header(hdr, opcode, 1, rsv1, n);
    wf_msg_t *m = wf_msg_new(h + n);

    memcpy(m->data, hdr, h);
    if (n > 0)
        memcpy(m->data + h, p, n);
    return m;
}


wf_msg_t *
wf_ws_frame_compressed(int opcode, const void *p, size_t n, int bits)
{
    if (ws.deflater == NULL || n < WS_COMPRESS_MIN)
        return NULL;
    wf_buf_reset(&ws.zbuf);
    if (wf_pmd_deflate(ws.deflater, bits, p, n, &ws.zbuf) != 0 ||
        wf_buf_avail(&ws.zbuf) >= n)
        return NULL;
    return ws_frame(opcode, 1, wf_buf_head(&ws.zbuf), wf_buf_avail(&ws.zbuf));
}


int
wf_ws_deflate_bits(const wf_conn_t *c)
{
    const wf_ws_t *s = c->ws;

    if (s == NULL || !s->compressed || s->close_sent)
        return 0;
    return s->pmd.server_window_bits;
}


int
wf_ws_send_frame(wf_conn_t *c, wf_msg_t *m)
{
    if (c->ws == NULL || c->ws->close_sent) {
        wf_msg_unref(m);
        return WF_ECLOSED;
    }
    return ws_queue(c, m);
}


wf_subs_t *
wf_ws_subs(wf_conn_t *c)
{
    return &c->ws->subs;
}


void **
wf_ws_proto(wf_conn_t *c)
{
    return &c->ws->proto;
}


int
wf_ws_send(wf_conn_t *c, int opcode, const void *p, size_t n)
{
    wf_ws_t *s = c->ws;
    int bits = wf_ws_deflate_bits(c);
    wf_msg_t *m;

    if (s == NULL || s->close_sent)
        return WF_ECLOSED;
    m = bits ? wf_ws_frame_compressed(opcode, p, n, bits) : NULL;
    return ws_queue(c, m != NULL ? m : ws_frame(opcode, 0, p, n));
}


void
wf_ws_close(wf_conn_t *c, uint16_t code, const char *reason)
{
    uint8_t frame[WF_WSF_CTL_FRAME_MAX];
    size_t n;

    if (c->ws == NULL || c->ws->close_sent)
        return;
    n = wf_wsf_close_frame(frame, code, reason, reason ? strlen(reason) : 0);
    wf_conn_send(c, wf_msg_from(frame, n));
    c->ws->close_sent = 1;
    ws_msg_release(c->ws);
    wf_conn_set_tq(c, WF_TQ_WS_CLOSE);
}


/* The client broke the protocol: close frame with code, then close. */
static void
ws_fail(wf_conn_t *c, uint16_t code, const char *why)
{
    uint8_t frame[WF_WSF_CTL_FRAME_MAX];
    size_t n;

    wf_log(WF_LOG_INFO, "fd %d: WebSocket protocol error, closing with %u: "
                        "%s",
           c->io.fd, code, why);
    if (!c->ws->close_sent) {
        n = wf_wsf_close_frame(frame, code, NULL, 0);
        wf_conn_send(c, wf_msg_from(frame, n));
        c->ws->close_sent = 1;
    }
    ws_close_after_flush(c);
}


/* A whole message from the client. */
static void
ws_deliver(wf_conn_t *c, int opcode, const uint8_t *p, size_t n)
{
    switch (c->ws->mode) {
    case WF_WS_ECHO:
        wf_ws_send(c, opcode, p, n);
        break;
    case WF_WS_V1:
        wf_proto_message(c, opcode, p, n);
        break;
    }
}


static void
ws_on_data(wf_conn_t *c, const wf_wsf_event_t *ev)
{
    wf_ws_t *s = c->ws;
    size_t max = ws.conf->max_message_size;
    int rc;

    if (ev->flags & WF_WSF_EV_FIRST) {
        s->msg_opcode = (uint8_t)ev->opcode;
        s->msg_compressed = (ev->flags & WF_WSF_EV_COMPRESSED) != 0;
        wf_buf_reset(&s->msg);
    }
    if (s->close_sent)
        return; /* closing: data is discarded */
    if (s->msg_compressed) {
        ws_msg_take(s);
        rc = wf_pmd_inflate(&s->inf, ev->data, ev->len, &s->msg, max);
        if (rc == 0 && (ev->flags & WF_WSF_EV_MSG_END))
            rc = wf_pmd_inflate_end(&s->inf, &s->msg, max);
        if (rc != 0) {
            ws_msg_release(s);
            ws_fail(c, rc == WF_ELIMIT ? 1009 : 1007,
                    rc == WF_ELIMIT ? "inflated message too big"
                                    : "invalid compressed data");
            return;
        }
        if (!(ev->flags & WF_WSF_EV_MSG_END))
            return;
        if (s->msg_opcode == WF_WSF_TEXT &&
            !wf_utf8_valid(wf_buf_head(&s->msg), wf_buf_avail(&s->msg))) {
            ws_msg_release(s);
            ws_fail(c, 1007, "invalid UTF-8 in a compressed text message");
            return;
        }
    } else if (wf_buf_avail(&s->msg) + ev->len > max) {
        /* The parser's own limit is looser on compressed sessions (a
         * deflated message may be a little longer on the wire), so
         * uncompressed messages are held to max-message-size here. */
        ws_msg_release(s);
        ws_fail(c, 1009, "message too big");
        return;
    } else if ((ev->flags & WF_WSF_EV_FIRST) &&
               (ev->flags & WF_WSF_EV_MSG_END)) {
        /* The whole message in one piece: no copy. */
        ws_deliver(c, ev->opcode, ev->data, ev->len);
        return;
    } else {
        ws_msg_take(s);
        wf_buf_append(&s->msg, ev->data, ev->len);
        if (!(ev->flags & WF_WSF_EV_MSG_END))
            return;
    }
    ws_deliver(c, s->msg_opcode, (const uint8_t *)wf_buf_head(&s->msg),
               wf_buf_avail(&s->msg));
    ws_msg_release(s); /* idle sessions hold no buffer */
}


static void
ws_on_control(wf_conn_t *c, const wf_wsf_event_t *ev)
{
    uint8_t frame[WF_WSF_CTL_FRAME_MAX];
    size_t n;

    switch (ev->opcode) {
    case WF_WSF_PING:
        if (!c->ws->close_sent)
            ws_queue(c, wf_msg_from(frame, wf_wsf_pong_frame(frame, ev->data,
                                                             ev->len)));
        break;
    case WF_WSF_PONG:
        break; /* any input already proved the client alive */
    case WF_WSF_CLOSE:
        if (!c->ws->close_sent) {
            /* Echo the code (none if the client sent none). */
            n = wf_wsf_close_frame(frame, ev->code, NULL, 0);
            wf_conn_send(c, wf_msg_from(frame, n));
            c->ws->close_sent = 1;
        }
        ws_close_after_flush(c);
        break;
    }
}


void
wf_ws_input(wf_conn_t *c, uint8_t *p, size_t len)
{
    wf_ws_t *s = c->ws;

    if ((c->tq == WF_TQ_WS_IDLE && ws.conf->ping_interval_ms) ||
        c->tq == WF_TQ_WS_PONG)
        wf_conn_set_tq(c, WF_TQ_WS_IDLE);
    while (len > 0 && c->state == WF_CONN_WS) {
        wf_wsf_event_t ev;
        size_t max = ws.conf->max_message_size;
        size_t used;

        /* Compressed data may exceed the inflated limit by a little (a
         * stored block's overhead); the exact limits are checked above. */
        if (s->compressed)
            max += max / 64 + 1024;
        used = wf_wsf_parse(&s->parser, p, len, max, &ev);

        p += used;
        len -= used;
        switch (ev.type) {
        case WF_WSF_EV_DATA:
            ws_on_data(c, &ev);
            break;
        case WF_WSF_EV_CONTROL:
            ws_on_control(c, &ev);
            break;
        case WF_WSF_EV_ERROR:
            ws_fail(c, ev.code, ev.why);
            return;
        default:
            break;
        }
    }
}


void
wf_ws_timeout(wf_conn_t *c, int tq)
{
    uint8_t frame[WF_WSF_CTL_FRAME_MAX];

    switch (tq) {
    case WF_TQ_WS_IDLE:
        if (ws.conf->ping_interval_ms == 0) { /* not pinging: re-arm */
            wf_conn_set_tq(c, WF_TQ_WS_IDLE);
            break;
        }
        wf_conn_send(c, wf_msg_from(frame, wf_wsf_ping_frame(frame, NULL, 0)));
        wf_conn_set_tq(c, WF_TQ_WS_PONG);
        break;
    case WF_TQ_WS_PONG:
        wf_conn_close(c, "no pong within pong-timeout");
        break;
    default:
        wf_conn_close(c, "no close frame from the client in time");
        break;
    }
}


void
wf_ws_start(wf_conn_t *c, int mode, const wf_hs_result_t *hs,
            const char *query)
{
    wf_ws_t *s = wf_pool_get(&ws.pool);

    s->mode = (uint8_t)mode;
    s->compressed = (uint8_t)hs->compressed;
    if (hs->compressed) {
        s->pmd = hs->pmd;
        wf_pmd_inflater_init(&s->inf, &s->pmd);
    }
    wf_wsf_parser_init(&s->parser, hs->compressed);
    c->ws = s;
    ws.count++;
    wf_conn_set_tq(c, WF_TQ_WS_IDLE);
    if (mode == WF_WS_V1)
        wf_proto_open(c, query);
}


void
wf_ws_free(wf_conn_t *c)
{
    wf_ws_t *s = c->ws;

    if (s->mode == WF_WS_V1)
        wf_chan_unsubscribe_all(&s->subs);
    wf_wsf_parser_free(&s->parser);
    wf_pmd_inflater_free(&s->inf);
    ws_msg_release(s);
    wf_pool_put(&ws.pool, s);
    c->ws = NULL;
    ws.count--;
}


uint64_t
wf_ws_count(void)
{
    return ws.count;
}


uint64_t
wf_ws_slow_closes(void)
{
    return ws.slow_closes;
}
