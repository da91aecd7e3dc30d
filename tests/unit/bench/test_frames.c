/* test_frames.c - the bench's RFC 6455 frame codec: headers both ways,
 * masking against a byte-by-byte reference, the stream receiver fed the
 * same frames cut at random points (messages, fragments, interleaved
 * control frames, masked and not), its errors, and permessage-deflate
 * round trips and negotiation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "pmd.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;


static uint64_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static void
test_header_round_trip(void **state)
{
    static const uint64_t lens[] = {
        0, 1, 125, 126, 127, 65535, 65536, 1ULL << 32, (1ULL << 63) - 1};
    uint8_t buf[WB_FRAME_HDR_MAX], key[4] = {0xde, 0xad, 0xbe, 0xef};
    wb_frame_t f;
    size_t i, n;
    int masked;

    for (masked = 0; masked < 2; masked++) {
        for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            n = wb_frame_header(buf, 1, 1, WB_OP_BINARY, lens[i],
                                masked ? key : NULL);
            assert_int_equal(n, (lens[i] < 126     ? 2
                                 : lens[i] < 65536 ? 4
                                                   : 10) +
                                    (masked ? 4 : 0));
            /* Every prefix is "need more". */
            for (size_t k = 0; k < n; k++)
                assert_int_equal(wb_frame_parse(buf, k, &f), 0);
            assert_int_equal(wb_frame_parse(buf, n, &f), (int)n);
            assert_int_equal(f.len, lens[i]);
            assert_int_equal(f.fin, 1);
            assert_int_equal(f.rsv, 4);
            assert_int_equal(f.opcode, WB_OP_BINARY);
            assert_int_equal(f.masked, masked);
            if (masked)
                assert_memory_equal(f.mask, key, 4);
        }
    }
}


static void
test_header_errors(void **state)
{
    wb_frame_t f;
    uint8_t b[10];

    b[0] = 0x83; /* reserved opcode 3 */
    b[1] = 0;
    assert_int_equal(wb_frame_parse(b, 2, &f), WB_FRAME_EPROTO);
    b[0] = 0x0b; /* reserved control opcode */
    assert_int_equal(wb_frame_parse(b, 2, &f), WB_FRAME_EPROTO);
    b[0] = 0x09; /* fragmented ping */
    assert_int_equal(wb_frame_parse(b, 2, &f), WB_FRAME_EPROTO);
    b[0] = 0x89; /* ping with a 126-byte payload */
    b[1] = 126;
    assert_int_equal(wb_frame_parse(b, 2, &f), WB_FRAME_EPROTO);
    b[0] = 0x82; /* 64-bit length with the top bit set */
    b[1] = 127;
    memset(b + 2, 0, 8);
    b[2] = 0x80;
    assert_int_equal(wb_frame_parse(b, 10, &f), WB_FRAME_EPROTO);
}


static void
test_mask_matches_reference(void **state)
{
    uint8_t a[300], b[300], key[4];
    size_t n, off, i;
    int round;

    for (round = 0; round < 2000; round++) {
        n = next() % 300;
        off = next() % 9;
        for (i = 0; i < 4; i++)
            key[i] = (uint8_t)next();
        for (i = 0; i < n; i++)
            a[i] = b[i] = (uint8_t)next();
        wb_mask(a, n, key, off);
        for (i = 0; i < n; i++)
            b[i] ^= key[(i + off) & 3];
        assert_memory_equal(a, b, n);
        wb_mask(a, n, key, off);
        for (i = 0; i < n; i++)
            b[i] ^= key[(i + off) & 3];
        assert_memory_equal(a, b, n);
    }
}


/* What the receiver handed out, in order. */
typedef struct got {
    unsigned op[512];
    int comp[512];
    size_t len[512];
    uint8_t *data[512];
    int n, stop_at;
} got_t;


static int
on_msg(void *arg, unsigned op, int compressed, uint8_t *p, size_t n)
{
    got_t *g = arg;

    assert_true(g->n < 512);
    g->op[g->n] = op;
    g->comp[g->n] = compressed;
    g->len[g->n] = n;
    g->data[g->n] = malloc(n + 1);
    if (n > 0)
        memcpy(g->data[g->n], p, n);
    g->n++;
    return g->stop_at && g->n == g->stop_at;
}


static void
got_free(got_t *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->data[i]);
    g->n = 0;
}


/* Append one frame to the stream s. */
static size_t
put(uint8_t *s, int fin, int rsv1, unsigned op, const uint8_t *p, size_t n,
    int mask)
{
    uint8_t key[4];
    uint32_t k = (uint32_t)next();
    size_t h;

    memcpy(key, &k, 4);
    h = wb_frame_header(s, fin, rsv1, op, n, mask ? key : NULL);
    memcpy(s + h, p, n);
    if (mask)
        wb_mask(s + h, n, key, 0);
    return h + n;
}


static void
test_rx_random_splits(void **state)
{
    enum { STREAM = 4 << 20 };
    uint8_t *stream = malloc(STREAM), *copy = malloc(STREAM);
    uint8_t *want[256], payload[70000];
    unsigned wop[256];
    size_t wlen[256], len, off, cut, i;
    int round, nw, mask, j;
    got_t g;

    assert_non_null(stream);
    assert_non_null(copy);
    for (round = 0; round < 60; round++) {
        mask = round & 1;
        len = 0;
        nw = 0;
        while (nw < 40) {
            size_t n = next() % 4 == 0 ? next() % 70000 : next() % 300;
            unsigned op = next() % 2 ? WB_OP_TEXT : WB_OP_BINARY;
            int frags = next() % 3 == 0 ? 1 + (int)(next() % 4) : 1;
            size_t done = 0;

            for (i = 0; i < n; i++)
                payload[i] = (uint8_t)next();
            want[nw] = malloc(n + 1);
            memcpy(want[nw], payload, n);
            wop[nw] = op;
            wlen[nw] = n;
            nw++;
            for (j = 0; j < frags; j++) {
                size_t part = j == frags - 1 ? n - done : (n - done) / 2;

                len +=
                    put(stream + len, j == frags - 1, 0,
                        j == 0 ? op : WB_OP_CONT, payload + done, part, mask);
                done += part;
                /* A control frame between fragments is allowed. */
                if (j < frags - 1 && next() % 2 && nw < 256) {
                    uint8_t ping[5] = {'p', 'i', 'n', 'g', (uint8_t)j};

                    want[nw] = malloc(6);
                    memcpy(want[nw], ping, 5);
                    wlen[nw] = 5;
                    wop[nw] = WB_OP_PING;
                    /* it arrives before the message it interrupts */
                    {
                        uint8_t *t = want[nw];

                        want[nw] = want[nw - 1];
                        want[nw - 1] = t;
                        wlen[nw] = wlen[nw - 1];
                        wlen[nw - 1] = 5;
                        wop[nw] = wop[nw - 1];
                        wop[nw - 1] = WB_OP_PING;
                    }
                    nw++;
                    len += put(stream + len, 1, 0, WB_OP_PING, ping, 5, mask);
                }
            }
        }
        /* Feed it in random pieces (1 byte to 100 KB). */
        wb_rx_t rx;

        wb_rx_init(&rx, 1 << 20);
        rx.accept_masked = mask;
        memset(&g, 0, sizeof(g));
        memcpy(copy, stream, len);
        for (off = 0; off < len; off += cut) {
            cut = next() % 5 == 0 ? 1 + next() % 100000 : 1 + next() % 64;
            if (cut > len - off)
                cut = len - off;
            assert_int_equal(wb_rx_feed(&rx, copy + off, cut, on_msg, &g), 0);
        }
        assert_null(rx.buf); /* nothing pending: no memory held */
        assert_int_equal(rx.mop, 0);
        assert_int_equal(g.n, nw);
        for (j = 0; j < nw; j++) {
            assert_int_equal(g.op[j], wop[j]);
            assert_int_equal(g.len[j], wlen[j]);
            assert_memory_equal(g.data[j], want[j], wlen[j]);
            free(want[j]);
        }
        got_free(&g);
        wb_rx_free(&rx);
    }
    free(stream);
    free(copy);
}


static void
test_rx_errors(void **state)
{
    uint8_t s[256], p[200] = {0};
    wb_rx_t rx;
    got_t g;
    size_t n;

    memset(&g, 0, sizeof(g));
    /* A masked frame from a server. */
    wb_rx_init(&rx, 100);
    n = put(s, 1, 0, WB_OP_TEXT, p, 10, 1);
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), WB_FRAME_EPROTO);
    wb_rx_free(&rx);
    /* Over the limit: refused from the header, before buffering. */
    wb_rx_init(&rx, 100);
    n = put(s, 1, 0, WB_OP_TEXT, p, 101, 0);
    assert_int_equal(wb_rx_feed(&rx, s, 4, on_msg, &g), WB_FRAME_ETOOBIG);
    wb_rx_free(&rx);
    /* Fragments adding up over the limit. */
    wb_rx_init(&rx, 100);
    n = put(s, 0, 0, WB_OP_TEXT, p, 60, 0);
    n += put(s + n, 1, 0, WB_OP_CONT, p, 60, 0);
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), WB_FRAME_ETOOBIG);
    wb_rx_free(&rx);
    /* A continuation with nothing to continue; a new message inside one. */
    wb_rx_init(&rx, 100);
    n = put(s, 1, 0, WB_OP_CONT, p, 3, 0);
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), WB_FRAME_EPROTO);
    wb_rx_free(&rx);
    wb_rx_init(&rx, 100);
    n = put(s, 0, 0, WB_OP_TEXT, p, 3, 0);
    n += put(s + n, 1, 0, WB_OP_TEXT, p, 3, 0);
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), WB_FRAME_EPROTO);
    wb_rx_free(&rx);
    /* RSV1 on a control frame. */
    wb_rx_init(&rx, 100);
    n = put(s, 1, 1, WB_OP_PING, p, 3, 0);
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), WB_FRAME_EPROTO);
    wb_rx_free(&rx);
    assert_int_equal(g.n, 0);
}


static void
test_rx_stop_and_rsv1(void **state)
{
    uint8_t s[256], p[10] = "0123456789";
    wb_rx_t rx;
    got_t g;
    size_t n;

    memset(&g, 0, sizeof(g));
    g.stop_at = 1;
    wb_rx_init(&rx, 100);
    n = put(s, 0, 1, WB_OP_TEXT, p, 4, 0); /* compressed, fragmented */
    n += put(s + n, 1, 0, WB_OP_CONT, p + 4, 6, 0);
    n += put(s + n, 1, 0, WB_OP_TEXT, p, 2, 0);
    /* The callback asks to stop after the first message. */
    assert_int_equal(wb_rx_feed(&rx, s, n, on_msg, &g), 1);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.comp[0], 1);
    assert_int_equal(g.len[0], 10);
    assert_memory_equal(g.data[0], p, 10);
    got_free(&g);
    wb_rx_free(&rx);
}


static void
test_pmd_round_trip(void **state)
{
    static uint8_t src[200000];
    wb_pmd_t a;
    const uint8_t *z, *out;
    uint8_t *zc;
    long zn, on;
    size_t sizes[] = {0, 1, 100, 4096, 65536, 200000}, i, k;

    assert_int_equal(wb_pmd_init(&a, 6), 0);
    for (k = 0; k < sizeof(src); k++)
        src[k] = (uint8_t)("abcabcabd"[next() % 9]);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        zn = wb_pmd_deflate(&a, src, sizes[i], &z);
        assert_true(zn >= 0);
        zc = malloc((size_t)zn + 1);
        memcpy(zc, z, (size_t)zn);
        /* Twice: no context is carried from message to message. */
        for (k = 0; k < 2; k++) {
            on = wb_pmd_inflate(&a, zc, (size_t)zn, sizeof(src), &out);
            assert_int_equal(on, (long)sizes[i]);
            assert_memory_equal(out, src, sizes[i]);
        }
        if (sizes[i] > 100)
            assert_int_equal(wb_pmd_inflate(&a, zc, (size_t)zn, 50, &out), -2);
        free(zc);
    }
    assert_int_equal(
        wb_pmd_inflate(&a, (const uint8_t *)"\xff\xff\xff", 3, 100, &out), -1);
    wb_pmd_free(&a);
}


static void
test_pmd_accepted(void **state)
{
#define ACC(s) wb_pmd_accepted(s, strlen(s))
    assert_int_equal(ACC(""), 0);
    assert_int_equal(ACC("permessage-deflate; server_no_context_takeover; "
                         "client_no_context_takeover"),
                     1);
    assert_int_equal(ACC("permessage-deflate;server_no_context_takeover"), 1);
    assert_int_equal(ACC("permessage-deflate; server_no_context_takeover; "
                         "server_max_window_bits=10"),
                     1);
    /* The server must keep server_no_context_takeover: we share one
     * inflate stream. */
    assert_int_equal(ACC("permessage-deflate"), -1);
    assert_int_equal(ACC("permessage-deflate; server_no_context_takeover; "
                         "client_max_window_bits=9"),
                     -1);
    assert_int_equal(ACC("x-webkit-deflate-frame"), -1);
    assert_int_equal(ACC("permessage-deflate; server_no_context_takeover, "
                         "foo"),
                     -1);
#undef ACC
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_mask_matches_reference),
        cmocka_unit_test(test_rx_random_splits),
        cmocka_unit_test(test_rx_errors),
        cmocka_unit_test(test_rx_stop_and_rsv1),
        cmocka_unit_test(test_pmd_round_trip),
        cmocka_unit_test(test_pmd_accepted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
