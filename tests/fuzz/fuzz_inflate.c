/* fuzz_inflate.c - fuzz target for worker/pmd.c: permessage-deflate
 * negotiation, capped inflation of client messages, and deflation of
 * outgoing ones.
 *
 * Input: [config][split][Sec-WebSocket-Extensions value]\n[stream...]
 *   config  bits 0-1: the inflate cap (max-message-size) 1, 125, 1000
 *             or 4096 bytes; bits 2-3: deflate level -1, 0, 1 or 9;
 *           bit 4: the server asks for client_no_context_takeover;
 *           bits 5-7: its client_max_window_bits, 9 + v % 7;
 *   split   bits 0-6: how each message is cut into pieces (see
 *           fuzz.h); bit 7: the stream is several messages, each
 *           [length byte][payload], each followed one time in four by
 *           an empty message (RSV1, no payload); else it is one message;
 *   without a '\n' there is no offer and everything after the first two
 *   bytes is the stream.
 * Checked: a negotiated offer gives parameters in range that format
 * within WF_PMD_RESPONSE_MAX and negotiate again to themselves; each
 * message inflates to at most the cap, its buffer never grows past it,
 * and the result (0 with the same bytes, WF_ELIMIT, WF_EPROTO) is what
 * plain zlib says for the same message with the 0x00 0x00 0xff 0xff tail
 * appended and a cap + 1 byte output buffer; with context takeover the
 * reference stream carries over too. Then the stream as a message
 * round-trips: wf_pmd_deflate() output (the same twice over) inflates,
 * in pieces, to exactly the input with a cap of its length, and fails
 * with WF_ELIMIT with one byte less. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "pmd.h"

#include "fuzz.h"

#define WF_FUZZ_MIN(a, b) ((a) < (b) ? (a) : (b))

static const unsigned char inf_tail[4] = {0x00, 0x00, 0xff, 0xff};

/* Per-worker deflaters, one per level, kept across inputs as a worker
 * keeps its one. */
static wf_pmd_deflater_t *inf_deflaters[4];
static const int inf_levels[4] = {-1, 0, 1, 9};


/* The reference: inflate one whole message (n bytes at p, then the tail)
 * with plain zlib into out (cap + 1 bytes). Returns 0, WF_ELIMIT or
 * WF_EPROTO like wf_pmd_inflate() + wf_pmd_inflate_end(). With context
 * takeover the stream goes on to the next message, primed with the
 * window after a BFINAL block; else it is reset. */
static int
inf_reference(z_stream *zs, int keep, const uint8_t *p, size_t n, uint8_t *out,
              size_t cap, size_t *outlen)
{
    uint8_t *in;
    int rc, res;

    *outlen = 0;
    if (n == 0)
        return 0; /* an empty compressed message: nothing to inflate */
    in = malloc(n + sizeof(inf_tail));
    FUZZ_CHECK(in != NULL);
    memcpy(in, p, n);
    memcpy(in + n, inf_tail, sizeof(inf_tail));
    zs->next_in = in;
    zs->avail_in = (uInt)(n + sizeof(inf_tail));
    zs->next_out = out;
    zs->avail_out = (uInt)(cap + 1);
    do
        rc = inflate(zs, Z_SYNC_FLUSH);
    while (rc == Z_OK && zs->avail_in > 0 && zs->avail_out > 0);
    *outlen = cap + 1 - zs->avail_out;
    if (*outlen > cap)
        res = WF_ELIMIT;
    else if (rc == Z_STREAM_END)
        res = 0;
    else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
        res = WF_EPROTO;
    else
        res = (zs->data_type & 128) ? 0 : WF_EPROTO;
    free(in);
    if (res == 0 && keep && rc == Z_STREAM_END) {
        unsigned char dict[1 << 15];
        uInt dlen = 0;

        inflateGetDictionary(zs, dict, &dlen);
        inflateReset(zs);
        inflateSetDictionary(zs, dict, dlen);
    } else if (!keep) {
        inflateReset(zs);
    }
    return res;
}


/* A negotiated offer: parameters in range, and our answer to it is an
 * offer that negotiates to the same. */
static void
inf_check_params(const wf_pmd_conf_t *conf, const wf_pmd_params_t *p)
{
    wf_buf_t b = WF_BUF_INIT;
    wf_pmd_params_t again;

    FUZZ_CHECK(p->server_window_bits >= 9 && p->server_window_bits <= 15);
    FUZZ_CHECK(p->client_window_bits >= 8 && p->client_window_bits <= 15);
    FUZZ_CHECK(!p->reply_client_bits ||
               p->client_window_bits <= conf->client_max_window_bits);
    FUZZ_CHECK(!conf->client_no_context || p->client_no_context_takeover);
    wf_pmd_params_format(p, &b);
    FUZZ_CHECK(wf_buf_avail(&b) <= WF_PMD_RESPONSE_MAX);
    FUZZ_CHECK(wf_pmd_negotiate(conf, fuzz_buf_bytes(&b), wf_buf_avail(&b),
                                &again) == 0);
    FUZZ_CHECK(memcmp(&again, p, sizeof(again)) == 0);
    wf_buf_free(&b);
}


/* Inflate the stream as client messages, piece by piece, against the
 * reference. */
static void
inf_messages(const wf_pmd_params_t *params, uint8_t splitb, const uint8_t *s,
             size_t n, size_t cap)
{
    wf_pmd_inflater_t inf;
    wf_buf_t out = WF_BUF_INIT;
    fuzz_split_t split;
    z_stream ref;
    uint8_t *want = malloc(cap + 1);
    size_t pos = 0, wantlen;
    int keep = !params->client_no_context_takeover, multi = splitb & 0x80;

    FUZZ_CHECK(want != NULL);
    memset(&ref, 0, sizeof(ref));
    FUZZ_CHECK(inflateInit2(&ref, -(int)params->client_window_bits) == Z_OK);
    wf_pmd_inflater_init(&inf, params);
    fuzz_split_init(&split, splitb & 0x7f);
    do {
        size_t len = n - pos, start, k;
        int rc = 0, want_rc;

        if (multi) {
            if (pos == n)
                break;
            len = WF_FUZZ_MIN((size_t)s[pos], n - pos - 1);
            pos++;
        }
        start = pos;
        /* The message's payload, as it comes in frames and reads. */
        while (rc == 0 && pos < start + len) {
            k = fuzz_split_next(&split, start + len - pos);
            rc = wf_pmd_inflate(&inf, s + pos, k, &out, cap);
            FUZZ_CHECK(rc == 0 || rc == WF_ELIMIT || rc == WF_EPROTO);
            FUZZ_CHECK(wf_buf_avail(&out) <= cap && out.cap <= cap);
            pos += k;
        }
        pos = start + len;
        if (rc == 0)
            rc = wf_pmd_inflate_end(&inf, &out, cap);
        FUZZ_CHECK(rc == 0 || rc == WF_ELIMIT || rc == WF_EPROTO);
        FUZZ_CHECK(wf_buf_avail(&out) <= cap && out.cap <= cap);
        FUZZ_TRACE("message of %zu bytes: %d, %zu out\n", len, rc,
                   wf_buf_avail(&out));
        want_rc =
            inf_reference(&ref, keep, s + start, len, want, cap, &wantlen);
        if (rc != want_rc) {
            /* zlib rejects a distance beyond the window only when it also
             * reaches past what the current inflate() call wrote, so a
             * client that breaks its client_max_window_bits promise is
             * caught or not depending on read and buffer boundaries.
             * With 15 bits (32 KiB, the longest distance) that cannot
             * happen, and the results must agree. */
            FUZZ_CHECK(params->client_window_bits < 15 &&
                       (rc == WF_EPROTO || want_rc == WF_EPROTO));
            break;
        }
        if (rc == 0)
            FUZZ_CHECK(wantlen == wf_buf_avail(&out) &&
                       (wantlen == 0 ||
                        memcmp(want, fuzz_buf_bytes(&out), wantlen) == 0));
        wf_buf_free(&out);
        if (rc != 0) {
            FUZZ_CHECK(inf.zs == NULL); /* released on error */
            break;
        }
        if (!keep)
            FUZZ_CHECK(inf.zs == NULL); /* idle: no zlib memory */
        if (multi && fuzz_split_coin(&split, 4)) {
            /* An RSV1 message without payload inflates to nothing. */
            FUZZ_CHECK(wf_pmd_inflate_end(&inf, &out, cap) == 0);
            FUZZ_CHECK(wf_buf_avail(&out) == 0);
        }
    } while (multi && pos < n);
    wf_pmd_inflater_free(&inf);
    wf_pmd_inflater_free(&inf); /* may be freed twice */
    inflateEnd(&ref);
    wf_buf_free(&out);
    free(want);
}


/* Deflate s as one outgoing message and inflate it back. */
static void
inf_round_trip(int level_ix, int bits, uint8_t splitb, const uint8_t *s,
               size_t n)
{
    wf_pmd_params_t p;
    wf_pmd_inflater_t inf;
    wf_buf_t z = WF_BUF_INIT, z2 = WF_BUF_INIT, out = WF_BUF_INIT;
    fuzz_split_t split;
    size_t pos = 0, zn;
    int rc = 0;

    if (inf_deflaters[level_ix] == NULL)
        inf_deflaters[level_ix] = wf_pmd_deflater_new(inf_levels[level_ix]);
    FUZZ_CHECK(inf_deflaters[level_ix] != NULL);
    FUZZ_CHECK(wf_pmd_deflate(inf_deflaters[level_ix], bits, s, n, &z) == 0);
    FUZZ_CHECK(wf_pmd_deflate(inf_deflaters[level_ix], bits, s, n, &z2) == 0);
    zn = wf_buf_avail(&z);
    FUZZ_CHECK(zn >= 1 && zn <= n + n / 256 + 16);
    FUZZ_CHECK(wf_buf_avail(&z2) == zn &&
               memcmp(fuzz_buf_bytes(&z), fuzz_buf_bytes(&z2), zn) == 0);
    if (n == 0)
        FUZZ_CHECK(zn == 1 && fuzz_buf_bytes(&z)[0] == 0);

    /* The client side inflates with our window. */
    memset(&p, 0, sizeof(p));
    p.client_window_bits = (unsigned char)bits;
    p.client_no_context_takeover = 1;
    wf_pmd_inflater_init(&inf, &p);
    fuzz_split_init(&split, splitb & 0x7f);
    while (rc == 0 && pos < zn) {
        size_t k = fuzz_split_next(&split, zn - pos);

        rc = wf_pmd_inflate(&inf, fuzz_buf_bytes(&z) + pos, k, &out, n);
        pos += k;
    }
    if (rc == 0)
        rc = wf_pmd_inflate_end(&inf, &out, n);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(wf_buf_avail(&out) == n &&
               (n == 0 || memcmp(fuzz_buf_bytes(&out), s, n) == 0));
    wf_buf_free(&out);

    if (n > 0) {
        /* One byte less than the message is too little. */
        wf_pmd_inflater_init(&inf, &p);
        rc = wf_pmd_inflate(&inf, fuzz_buf_bytes(&z), zn, &out, n - 1);
        if (rc == 0)
            rc = wf_pmd_inflate_end(&inf, &out, n - 1);
        FUZZ_CHECK(rc == WF_ELIMIT);
        FUZZ_CHECK(wf_buf_avail(&out) <= n - 1 && out.cap <= n - 1);
        wf_buf_free(&out);
    }
    wf_pmd_inflater_free(&inf);
    wf_buf_free(&z);
    wf_buf_free(&z2);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {1, 125, 1000, 4096};
    wf_pmd_conf_t conf = WF_PMD_CONF_INIT, off = WF_PMD_CONF_INIT;
    wf_pmd_params_t params;
    const uint8_t *nl;
    uint8_t cfg, splitb;
    size_t cap;

    if (size < 2)
        return 0;
    cfg = data[0];
    splitb = data[1];
    data += 2;
    size -= 2;
    cap = caps[cfg & 0x03];
    conf.enabled = 1;
    conf.client_no_context = (cfg & 0x10) != 0;
    conf.client_max_window_bits = 9 + ((cfg >> 5) & 0x07) % 7;

    memset(&params, 0, sizeof(params));
    nl = size > 0 ? memchr(data, '\n', size) : NULL;
    if (nl != NULL) {
        size_t olen = (size_t)(nl - data);

        FUZZ_CHECK(wf_pmd_negotiate(&off, (const char *)data, olen, &params) ==
                   WF_ENOTFOUND);
        if (wf_pmd_negotiate(&conf, (const char *)data, olen, &params) == 0) {
            FUZZ_TRACE("negotiated: server %u client %u nct %u\n",
                       params.server_window_bits, params.client_window_bits,
                       params.client_no_context_takeover);
            inf_check_params(&conf, &params);
        } else
            memset(&params, 0, sizeof(params));
        size -= olen + 1;
        data = nl + 1;
    }
    {
        wf_pmd_params_t unused;

        FUZZ_CHECK(wf_pmd_negotiate(&conf, NULL, 0, &unused) == WF_ENOTFOUND);
    }
    if (params.server_window_bits == 0) {
        /* No offer, or none acceptable: test the common default. */
        params.server_window_bits = 15;
        params.client_window_bits = 15;
        params.client_no_context_takeover = conf.client_no_context;
    }

    inf_messages(&params, splitb, data, size, cap);
    inf_round_trip((cfg >> 2) & 0x03, params.server_window_bits, splitb, data,
                   size);
    return 0;
}
