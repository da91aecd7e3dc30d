/* wsf.c - RFC 6455 framing for the server: the incremental parser of
 * client frames (header checks, in-place unmasking, UTF-8 of plain text,
 * close payload checks) and the encoder of server and test-client frames. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "wsf.h"
#include "x.h"

/* Parse steps, in the low nibble of p->state; the high nibble counts the
 * extended length or mask bytes still expected. */
enum {
    WSF_S_B0,     /* first header byte: FIN, RSV, opcode */
    WSF_S_B1,     /* second: MASK, 7-bit length */
    WSF_S_LEN,    /* 2 or 8 bytes of extended length */
    WSF_S_MASK,   /* 4 bytes of masking key */
    WSF_S_DATA,   /* text or binary payload */
    WSF_S_CTL,    /* control payload */
    WSF_S_CLOSED, /* a close frame came: ignore everything */
    WSF_S_ERROR,  /* p->left holds the close code */
};

#define WSF_STEP(p) ((p)->state & 0x0f)
#define WSF_COUNT(p) ((p)->state >> 4)
#define WSF_SET(p, step, count) ((p)->state = (uint8_t)((step) | (count) << 4))

/* p->flags */
#define WSF_F_DEFLATE 0x01 /* permessage-deflate negotiated */
#define WSF_F_MSG 0x02     /* a data message is in progress */
#define WSF_F_FIRST 0x04   /* its first piece is not delivered yet */
#define WSF_F_TEXT 0x08    /* it is text */
#define WSF_F_COMP 0x10    /* it is compressed (RSV1) */
#define WSF_F_UTF8 0x20    /* check its UTF-8 here */
#define WSF_F_CONN WSF_F_DEFLATE

#define WSF_B1_MASK 0x80
#define WSF_OP(b0) ((b0)&0x0f)
#define WSF_IS_CONTROL(op) (((op)&0x08) != 0)


/* Returns the masking key for the byte n positions after the one mask is
 * for. Keys are kept as their 4 wire bytes, whatever the host's order. */
static uint32_t
wsf_mask_rotate(uint32_t mask, size_t n)
{
    uint8_t k[4], r[4];
    unsigned i;

    memcpy(k, &mask, 4);
    for (i = 0; i < 4; i++)
        r[i] = k[(i + n) & 3];
    memcpy(&mask, r, 4);
    return mask;
}


/* XOR d[0..n) with the key *maskp, in place, and advance the key past
 * them. Bytes up to an 8-byte boundary go one by one, then 32 bytes per
 * step as 64-bit words against the key repeated and rotated for that
 * boundary, then words, then the last bytes. */
static void
wsf_unmask(uint8_t *d, size_t n, uint32_t *maskp)
{
    uint8_t k[4], k8[8];
    uint64_t m, w0, w1, w2, w3;
    size_t i = 0;
    unsigned j;

    memcpy(k, maskp, 4);
    while (i < n && ((uintptr_t)(d + i) & 7) != 0) {
        d[i] ^= k[i & 3];
        i++;
    }
    if (n - i >= 8) {
        for (j = 0; j < 8; j++)
            k8[j] = k[(i + j) & 3];
        memcpy(&m, k8, 8);
        for (; n - i >= 32; i += 32) {
            memcpy(&w0, d + i, 8);
            memcpy(&w1, d + i + 8, 8);
            memcpy(&w2, d + i + 16, 8);
            memcpy(&w3, d + i + 24, 8);
            w0 ^= m;
            w1 ^= m;
            w2 ^= m;
            w3 ^= m;
            memcpy(d + i, &w0, 8);
            memcpy(d + i + 8, &w1, 8);
            memcpy(d + i + 16, &w2, 8);
            memcpy(d + i + 24, &w3, 8);
        }
        for (; n - i >= 8; i += 8) {
            memcpy(&w0, d + i, 8);
            w0 ^= m;
            memcpy(d + i, &w0, 8);
        }
    }
    for (; i < n; i++)
        d[i] ^= k[i & 3];
    *maskp = wsf_mask_rotate(*maskp, n);
}


/* Record a protocol error: every later call reports it again. Returns
 * consumed, the bytes up to the offending one included. */
static size_t
wsf_fail(wf_wsf_parser_t *p, wf_wsf_event_t *ev, uint16_t code, const char *why,
         size_t consumed)
{
    WSF_SET(p, WSF_S_ERROR, 0);
    p->left = code;
    ev->type = WF_WSF_EV_ERROR;
    ev->code = code;
    ev->why = why;
    return consumed;
}


/* Check the first header byte and start a message if it opens one.
 * Returns NULL if the byte is acceptable, else why not (close with 1002). */
static const char *
wsf_check_b0(wf_wsf_parser_t *p, uint8_t b0)
{
    int op = WSF_OP(b0), rsv1 = (b0 & WF_WSF_RSV1) != 0;

    if (b0 & (WF_WSF_RSV2 | WF_WSF_RSV3))
        return "RSV2 or RSV3 set";
    if (WSF_IS_CONTROL(op)) {
        if (op > WF_WSF_PONG)
            return "reserved control opcode";
        if (!(b0 & WF_WSF_FIN))
            return "fragmented control frame";
        if (rsv1)
            return "RSV1 on a control frame";
        return NULL;
    }
    switch (op) {
    case WF_WSF_CONT:
        if (!(p->flags & WSF_F_MSG))
            return "continuation frame outside a message";
        if (rsv1)
            return "RSV1 on a continuation frame";
        return NULL;
    case WF_WSF_TEXT:
    case WF_WSF_BINARY:
        if (p->flags & WSF_F_MSG)
            return "new message inside a fragmented one";
        if (rsv1 && !(p->flags & WSF_F_DEFLATE))
            return "RSV1 without permessage-deflate";
        p->flags = (uint8_t)((p->flags & WSF_F_CONN) | WSF_F_MSG | WSF_F_FIRST);
        if (rsv1)
            p->flags |= WSF_F_COMP;
        if (op == WF_WSF_TEXT) {
            p->flags |= WSF_F_TEXT;
            /* Compressed text is checked by the caller once inflated. */
            if (!rsv1)
                p->flags |= WSF_F_UTF8;
        }
        p->utf8 = WF_UTF8_INIT;
        p->msg = 0;
        return NULL;
    default:
        return "reserved data opcode";
    }
}


/* The frame length is known: charge it to the message and read the key.
 * Returns 0, or 1 if the message grows past max_msg. */
static int
wsf_length_done(wf_wsf_parser_t *p, uint64_t max_msg)
{
    if (!WSF_IS_CONTROL(WSF_OP(p->frame))) {
        if (max_msg != 0 && p->left > max_msg - p->msg)
            return 1;
        p->msg = p->msg + p->left >= p->msg ? p->msg + p->left : UINT64_MAX;
    }
    WSF_SET(p, WSF_S_MASK, 4);
    return 0;
}


/* Deliver n unmasked payload bytes at d, the last of which is at
 * buf[consumed - 1]; n is 0 only for an empty frame. */
static size_t
wsf_data_event(wf_wsf_parser_t *p, uint8_t *d, size_t n, size_t consumed,
               wf_wsf_event_t *ev)
{
    ev->type = WF_WSF_EV_DATA;
    ev->opcode = p->flags & WSF_F_TEXT ? WF_WSF_TEXT : WF_WSF_BINARY;
    ev->data = d;
    ev->len = n;
    ev->flags = p->flags & WSF_F_COMP ? WF_WSF_EV_COMPRESSED : 0;
    if (p->flags & WSF_F_FIRST) {
        ev->flags |= WF_WSF_EV_FIRST;
        p->flags &= (uint8_t)~WSF_F_FIRST;
    }
    if (p->left != 0)
        return consumed;
    ev->flags |= WF_WSF_EV_FRAME_END;
    WSF_SET(p, WSF_S_B0, 0);
    if (!(p->frame & WF_WSF_FIN))
        return consumed;
    if ((p->flags & WSF_F_UTF8) && !wf_utf8_complete(p->utf8))
        return wsf_fail(p, ev, WF_WSF_CLOSE_BAD_DATA,
                        "text ends inside a UTF-8 sequence", consumed);
    ev->flags |= WF_WSF_EV_MSG_END;
    p->flags &= WSF_F_CONN;
    return consumed;
}


/* Unmask, check and deliver the data payload available in buf[i..len). */
static size_t
wsf_data(wf_wsf_parser_t *p, uint8_t *buf, size_t i, size_t len,
         wf_wsf_event_t *ev)
{
    uint8_t *d = buf + i;
    size_t n = (size_t)WF_MIN(p->left, (uint64_t)(len - i)), bad;
    wf_utf8_state_t st;

    wsf_unmask(d, n, &p->mask);
    p->left -= n;
    if (p->flags & WSF_F_UTF8) {
        st = p->utf8;
        if (wf_utf8_feed(&st, d, n, &bad) == WF_UTF8_INVALID)
            return wsf_fail(p, ev, WF_WSF_CLOSE_BAD_DATA, "invalid UTF-8",
                            i + bad + 1);
        p->utf8 = (uint8_t)st;
    }
    return wsf_data_event(p, d, n, i + n, ev);
}


/* Deliver a whole control frame of n bytes at d, checking a close. */
static size_t
wsf_ctl_event(wf_wsf_parser_t *p, uint8_t *d, size_t n, size_t consumed,
              wf_wsf_event_t *ev)
{
    int op = WSF_OP(p->frame), bad;
    uint16_t code = 0;

    WSF_SET(p, WSF_S_B0, 0);
    if (op == WF_WSF_CLOSE) {
        bad = wf_wsf_close_check(d, n, &code, NULL);
        if (bad == WF_WSF_CLOSE_BAD_DATA)
            return wsf_fail(p, ev, (uint16_t)bad, "close reason is not UTF-8",
                            consumed);
        if (bad != 0)
            return wsf_fail(p, ev, (uint16_t)bad, "bad close payload",
                            consumed);
        WSF_SET(p, WSF_S_CLOSED, 0);
    }
    ev->type = WF_WSF_EV_CONTROL;
    ev->opcode = op;
    ev->data = d;
    ev->len = n;
    ev->code = code;
    return consumed;
}


/* Unmask the control payload available in buf[i..len). A payload that is
 * all here is delivered in place; one split across calls is gathered in
 * p->ctl, whose first byte holds the payload length. */
static size_t
wsf_ctl(wf_wsf_parser_t *p, uint8_t *buf, size_t i, size_t len,
        wf_wsf_event_t *ev)
{
    uint8_t *d = buf + i;
    size_t n = (size_t)WF_MIN(p->left, (uint64_t)(len - i)), got;

    wsf_unmask(d, n, &p->mask);
    if (p->ctl == NULL && n == p->left) {
        p->left = 0;
        return wsf_ctl_event(p, d, n, i + n, ev);
    }
    if (p->ctl == NULL) {
        p->ctl = wf_xmalloc(1 + (size_t)p->left);
        p->ctl[0] = (uint8_t)p->left;
    }
    got = p->ctl[0] - (size_t)p->left;
    memcpy(p->ctl + 1 + got, d, n);
    p->left -= n;
    if (p->left != 0)
        return i + n;
    /* Freed by the next call, once the caller is done with the event. */
    return wsf_ctl_event(p, p->ctl + 1, p->ctl[0], i + n, ev);
}


/* The last key byte came: start the payload, or deliver an empty frame. */
static size_t
wsf_payload_start(wf_wsf_parser_t *p, uint8_t *buf, size_t i,
                  wf_wsf_event_t *ev)
{
    int control = WSF_IS_CONTROL(WSF_OP(p->frame));

    if (p->left == 0) {
        if (control)
            return wsf_ctl_event(p, buf + i, 0, i, ev);
        return wsf_data_event(p, buf + i, 0, i, ev);
    }
    WSF_SET(p, control ? WSF_S_CTL : WSF_S_DATA, 0);
    return i;
}


void
wf_wsf_parser_init(wf_wsf_parser_t *p, int deflate)
{
    memset(p, 0, sizeof(*p));
    WSF_SET(p, WSF_S_B0, 0);
    p->flags = deflate ? WSF_F_DEFLATE : 0;
}


void
wf_wsf_parser_free(wf_wsf_parser_t *p)
{
    free(p->ctl);
    p->ctl = NULL;
}


size_t
wf_wsf_parse(wf_wsf_parser_t *p, uint8_t *buf, size_t len, uint64_t max_msg,
             wf_wsf_event_t *ev)
{
    size_t i = 0;
    const char *why;
    uint8_t b, key[4];
    unsigned count;

    memset(ev, 0, sizeof(*ev));
    ev->type = WF_WSF_EV_NONE;
    if (p->ctl != NULL && WSF_STEP(p) != WSF_S_CTL) {
        free(p->ctl);
        p->ctl = NULL;
    }
    while (i < len) {
        switch (WSF_STEP(p)) {
        case WSF_S_B0:
            b = buf[i++];
            why = wsf_check_b0(p, b);
            if (why != NULL)
                return wsf_fail(p, ev, WF_WSF_CLOSE_PROTOCOL, why, i);
            p->frame = b;
            WSF_SET(p, WSF_S_B1, 0);
            break;
        case WSF_S_B1:
            b = buf[i++];
            if (!(b & WSF_B1_MASK))
                return wsf_fail(p, ev, WF_WSF_CLOSE_PROTOCOL,
                                "unmasked client frame", i);
            b &= 0x7f;
            if (WSF_IS_CONTROL(WSF_OP(p->frame)) && b > WF_WSF_CTL_MAX)
                return wsf_fail(p, ev, WF_WSF_CLOSE_PROTOCOL,
                                "control frame over 125 bytes", i);
            p->left = b < 126 ? b : 0;
            if (b == 126)
                WSF_SET(p, WSF_S_LEN, 2);
            else if (b == 127)
                WSF_SET(p, WSF_S_LEN, 8);
            else if (wsf_length_done(p, max_msg))
                return wsf_fail(p, ev, WF_WSF_CLOSE_TOO_BIG, "message too big",
                                i);
            break;
        case WSF_S_LEN:
            b = buf[i++];
            count = WSF_COUNT(p);
            if (count == 8 && (b & 0x80))
                return wsf_fail(p, ev, WF_WSF_CLOSE_PROTOCOL,
                                "64-bit length with the top bit set", i);
            p->left = p->left << 8 | b;
            WSF_SET(p, WSF_S_LEN, --count);
            if (count == 0 && wsf_length_done(p, max_msg))
                return wsf_fail(p, ev, WF_WSF_CLOSE_TOO_BIG, "message too big",
                                i);
            break;
        case WSF_S_MASK:
            count = WSF_COUNT(p);
            memcpy(key, &p->mask, 4);
            key[4 - count] = buf[i++];
            memcpy(&p->mask, key, 4);
            WSF_SET(p, WSF_S_MASK, --count);
            if (count == 0) {
                i = wsf_payload_start(p, buf, i, ev);
                if (ev->type != WF_WSF_EV_NONE)
                    return i;
            }
            break;
        case WSF_S_DATA:
            return wsf_data(p, buf, i, len, ev);
        case WSF_S_CTL:
            return wsf_ctl(p, buf, i, len, ev);
        case WSF_S_CLOSED:
            i = len;
            break;
        default:
            return wsf_fail(p, ev, (uint16_t)p->left, "earlier error", 0);
        }
    }
    return i;
}


int
wf_wsf_close_code_valid(unsigned code)
{
    if (code >= 1000 && code <= 1003)
        return 1;
    if (code >= 1007 && code <= 1014)
        return 1;
    return code >= 3000 && code <= 4999;
}


int
wf_wsf_close_check(const uint8_t *payload, size_t len, uint16_t *code,
                   size_t *reason_off)
{
    unsigned c = 0;

    if (len == 1 || len > WF_WSF_CTL_MAX)
        return WF_WSF_CLOSE_PROTOCOL;
    if (len >= 2) {
        c = (unsigned)payload[0] << 8 | payload[1];
        if (!wf_wsf_close_code_valid(c))
            return WF_WSF_CLOSE_PROTOCOL;
        if (!wf_utf8_valid(payload + 2, len - 2))
            return WF_WSF_CLOSE_BAD_DATA;
    }
    if (code != NULL)
        *code = (uint16_t)c;
    if (reason_off != NULL)
        *reason_off = len >= 2 ? 2 : 0;
    return 0;
}


size_t
wf_wsf_header(uint8_t out[WF_WSF_HDR_MAX], int opcode, int fin, int rsv1,
              uint64_t payload_len)
{
    int i;

    out[0] = (uint8_t)((fin ? WF_WSF_FIN : 0) | (rsv1 ? WF_WSF_RSV1 : 0) |
                       (opcode & 0x0f));
    if (payload_len < 126) {
        out[1] = (uint8_t)payload_len;
        return 2;
    }
    if (payload_len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(payload_len >> 8);
        out[3] = (uint8_t)payload_len;
        return 4;
    }
    out[1] = 127;
    for (i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(payload_len >> (56 - 8 * i));
    return 10;
}


/* A whole unmasked control frame; payload beyond 125 bytes is dropped. */
static size_t
wsf_control_frame(uint8_t *out, int opcode, const uint8_t *payload, size_t len)
{
    size_t n;

    len = WF_MIN(len, (size_t)WF_WSF_CTL_MAX);
    n = wf_wsf_header(out, opcode, 1, 0, len);
    if (len != 0)
        memcpy(out + n, payload, len);
    return n + len;
}


size_t
wf_wsf_close_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX], uint16_t code,
                   const char *reason, size_t reason_len)
{
    uint8_t payload[WF_WSF_CTL_MAX];

    if (code == 0)
        return wsf_control_frame(out, WF_WSF_CLOSE, NULL, 0);
    if (reason == NULL)
        reason_len = 0;
    if (reason_len > WF_WSF_CTL_MAX - 2)
        reason_len = wf_utf8_trim(reason, WF_WSF_CTL_MAX - 2);
    payload[0] = (uint8_t)(code >> 8);
    payload[1] = (uint8_t)code;
    if (reason_len != 0)
        memcpy(payload + 2, reason, reason_len);
    return wsf_control_frame(out, WF_WSF_CLOSE, payload, 2 + reason_len);
}


size_t
wf_wsf_pong_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX], const uint8_t *payload,
                  size_t len)
{
    return wsf_control_frame(out, WF_WSF_PONG, payload, len);
}


size_t
wf_wsf_ping_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX], const uint8_t *payload,
                  size_t len)
{
    return wsf_control_frame(out, WF_WSF_PING, payload, len);
}


size_t
wf_wsf_masked_size(uint64_t len)
{
    size_t hdr = len < 126 ? 2 : len <= 0xffff ? 4 : 10;

    return hdr + 4 + (size_t)len;
}


size_t
wf_wsf_encode_masked(uint8_t *out, int opcode, unsigned bits,
                     const uint8_t key[4], const uint8_t *payload, size_t len)
{
    size_t n;
    uint32_t mask;

    n = wf_wsf_header(out, opcode, 0, 0, len);
    out[0] = (uint8_t)((bits & 0xf0) | (opcode & 0x0f));
    out[1] |= WSF_B1_MASK;
    memcpy(out + n, key, 4);
    n += 4;
    if (len != 0)
        memcpy(out + n, payload, len);
    memcpy(&mask, key, 4);
    wsf_unmask(out + n, len, &mask);
    return n + len;
}
