/* frame.c - RFC 6455 frame codec and stream receiver (see frame.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"


int
wb_frame_parse(const uint8_t *buf, size_t n, wb_frame_t *f)
{
    size_t need = 2;
    uint64_t len;
    unsigned i;

    if (n < 2)
        return 0;
    f->fin = buf[0] >> 7;
    f->rsv = (buf[0] >> 4) & 7;
    f->opcode = buf[0] & 0x0f;
    f->masked = buf[1] >> 7;
    len = buf[1] & 0x7f;
    if ((f->opcode > WB_OP_BINARY && f->opcode < WB_OP_CLOSE) ||
        f->opcode > WB_OP_PONG)
        return WB_FRAME_EPROTO;
    if (f->opcode >= WB_OP_CLOSE && (!f->fin || len > 125))
        return WB_FRAME_EPROTO;
    if (len == 126)
        need += 2;
    else if (len == 127)
        need += 8;
    if (f->masked)
        need += 4;
    if (n < need)
        return 0;
    if (len == 126) {
        len = (uint64_t)buf[2] << 8 | buf[3];
    } else if (len == 127) {
        len = 0;
        for (i = 0; i < 8; i++)
            len = len << 8 | buf[2 + i];
        if (len >> 63)
            return WB_FRAME_EPROTO;
    }
    f->len = len;
    if (f->masked)
        memcpy(f->mask, buf + need - 4, 4);
    f->hdr_len = need;
    return (int)need;
}


size_t
wb_frame_header(uint8_t *out, int fin, int rsv1, unsigned opcode, uint64_t len,
                const uint8_t *mask)
{
    size_t n = 2;
    unsigned i;

    out[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0f));
    if (len < 126) {
        out[1] = (uint8_t)len;
    } else if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        n = 4;
    } else {
        out[1] = 127;
        for (i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        n = 10;
    }
    if (mask != NULL) {
        out[1] |= 0x80;
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}


void
wb_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t offset)
{
    uint8_t k[8];
    uint64_t kw, w;
    size_t i = 0, j;

    /* Rotate the key so that k[0] applies to p[0]. */
    for (j = 0; j < 8; j++)
        k[j] = key[(offset + j) & 3];
    memcpy(&kw, k, 8);
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        w ^= kw;
        memcpy(p + i, &w, 8);
    }
    for (j = 0; i < n; i++, j++)
        p[i] ^= k[j];
}


void
wb_rx_init(wb_rx_t *rx, size_t max)
{
    memset(rx, 0, sizeof(*rx));
    rx->max = max;
}


void
wb_rx_free(wb_rx_t *rx)
{
    free(rx->buf);
    free(rx->msg);
    rx->buf = rx->msg = NULL;
    rx->len = rx->cap = rx->mlen = rx->mcap = 0;
    rx->mop = 0;
}


/* Make room for n more bytes at *len in the buffer *b of capacity *cap.
 * Returns 0, or -1 when out of memory. */
static int
rx_grow(uint8_t **b, size_t *cap, size_t len, size_t n)
{
    size_t want = *cap ? *cap * 2 : 256;
    uint8_t *nb;

    if (*cap - len >= n)
        return 0;
    if (want - len < n)
        want = len + n;
    nb = realloc(*b, want);
    if (nb == NULL)
        return -1;
    *b = nb;
    *cap = want;
    return 0;
}


/* One complete frame: deliver it or add it to the message being joined.
 * Returns 0, 1 (stop) or a negative error. */
static int
rx_frame(wb_rx_t *rx, const wb_frame_t *f, uint8_t *payload, wb_rx_cb cb,
         void *arg)
{
    size_t n = (size_t)f->len;

    if (f->masked)
        wb_mask(payload, n, f->mask, 0);
    if (f->opcode >= WB_OP_CLOSE) {
        if (f->rsv)
            return WB_FRAME_EPROTO;
        return cb(arg, f->opcode, 0, payload, n) ? 1 : 0;
    }
    if (f->opcode == WB_OP_CONT) {
        if (rx->mop == 0 || f->rsv)
            return WB_FRAME_EPROTO;
        if (rx->mlen + n > rx->max)
            return WB_FRAME_ETOOBIG;
        if (rx_grow(&rx->msg, &rx->mcap, rx->mlen, n) < 0)
            return WB_FRAME_ETOOBIG;
        if (n > 0)
            memcpy(rx->msg + rx->mlen, payload, n);
        rx->mlen += n;
        if (f->fin) {
            unsigned op = rx->mop;
            int r, rsv1 = rx->mrsv1;
            uint8_t *m = rx->msg;
            size_t mlen = rx->mlen;

            /* Detach the buffer first: cb may free rx. */
            rx->msg = NULL;
            rx->mlen = rx->mcap = 0;
            rx->mop = 0;
            r = cb(arg, op, rsv1, m, mlen);
            free(m);
            return r ? 1 : 0;
        }
        return 0;
    }
    if (rx->mop != 0 || (f->rsv & 3))
        return WB_FRAME_EPROTO;
    if (f->fin)
        return cb(arg, f->opcode, (f->rsv & 4) != 0, payload, n) ? 1 : 0;
    rx->mop = f->opcode;
    rx->mrsv1 = (f->rsv & 4) != 0;
    rx->mlen = 0;
    if (rx_grow(&rx->msg, &rx->mcap, 0, n) < 0)
        return WB_FRAME_ETOOBIG;
    if (n > 0)
        memcpy(rx->msg, payload, n);
    rx->mlen = n;
    return 0;
}


/* Deliver the whole frames at p[0..n); returns the bytes consumed through
 * *used and 0, 1 or an error. */
static int
rx_frames(wb_rx_t *rx, uint8_t *p, size_t n, size_t *used, wb_rx_cb cb,
          void *arg)
{
    size_t off = 0;
    wb_frame_t f;
    int r;

    *used = 0;
    while (off < n) {
        r = wb_frame_parse(p + off, n - off, &f);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (f.masked && !rx->accept_masked)
            return WB_FRAME_EPROTO;
        if (f.len > rx->max)
            return WB_FRAME_ETOOBIG;
        if (f.len > n - off - f.hdr_len)
            break;
        r = rx_frame(rx, &f, p + off + f.hdr_len, cb, arg);
        if (r != 0)
            return r;
        off += f.hdr_len + (size_t)f.len;
        *used = off;
    }
    return 0;
}


int
wb_rx_feed(wb_rx_t *rx, uint8_t *data, size_t n, wb_rx_cb cb, void *arg)
{
    size_t used;
    int r;

    if (rx->len == 0) {
        r = rx_frames(rx, data, n, &used, cb, arg);
        if (r != 0)
            return r;
        if (used < n) {
            wb_frame_t f;
            size_t need = n - used;

            /* Room for the whole frame at once when its header is here. */
            if (wb_frame_parse(data + used, n - used, &f) > 0 &&
                f.hdr_len + f.len > need)
                need = f.hdr_len + (size_t)f.len;
            if (rx_grow(&rx->buf, &rx->cap, 0, need) < 0)
                return WB_FRAME_ETOOBIG;
            memcpy(rx->buf, data + used, n - used);
            rx->len = n - used;
        }
        return 0;
    }
    if (rx_grow(&rx->buf, &rx->cap, rx->len, n) < 0)
        return WB_FRAME_ETOOBIG;
    if (n > 0)
        memcpy(rx->buf + rx->len, data, n);
    rx->len += n;
    r = rx_frames(rx, rx->buf, rx->len, &used, cb, arg);
    if (r != 0)
        return r;
    if (used == rx->len) {
        /* Idle receivers hold no memory. */
        free(rx->buf);
        rx->buf = NULL;
        rx->len = rx->cap = 0;
    } else if (used > 0) {
        memmove(rx->buf, rx->buf + used, rx->len - used);
        rx->len -= used;
    }
    return 0;
}
