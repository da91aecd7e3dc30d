/* test_pmd.c - unit tests for worker/pmd.c: permessage-deflate offer
 * negotiation, deflate/inflate round trips and interop with plain zlib,
 * the output cap against decompression bombs, corrupt input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "pmd.h"
#include "x.h"

static const unsigned char tail[4] = {0x00, 0x00, 0xff, 0xff};
static uint32_t rng_state = 12345;


static uint32_t
rng(void)
{
    /* xorshift32: deterministic, so failures reproduce. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}


/* n bytes of JSON-like text, as a pub/sub channel would carry. */
static unsigned char *
make_json(size_t n)
{
    static const char *syms[] = {"EURUSD", "GBPUSD", "USDJPY", "BTCEUR"};
    unsigned char *p = wf_xmalloc(n + 1);
    size_t len = 0;
    char rec[160];
    int k;

    while (len < n) {
        k = snprintf(rec, sizeof(rec),
                     "{\"id\":%u,\"channel\":\"prices.%s\",\"bid\":%u.%04u,"
                     "\"ask\":%u.%04u,\"ts\":17%08u},",
                     rng() % 100000, syms[rng() % 4], rng() % 200,
                     rng() % 10000, rng() % 200, rng() % 10000,
                     rng() % 100000000);
        memcpy(p + len, rec, WF_MIN((size_t)k, n - len));
        len += WF_MIN((size_t)k, n - len);
    }
    return p;
}


static unsigned char *
make_random(size_t n)
{
    unsigned char *p = wf_xmalloc(n + 1);
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (unsigned char)rng();
    return p;
}


/* ---- negotiation ---- */

static const wf_pmd_conf_t conf_on = {1, 15, 0};


/* Negotiate hdr under conf; return the formatted reply (static) or NULL
 * when nothing was accepted. */
static const char *
reply_conf(const wf_pmd_conf_t *conf, const char *hdr, wf_pmd_params_t *p)
{
    static char text[WF_PMD_RESPONSE_MAX + 1];
    wf_pmd_params_t tmp;
    wf_buf_t b = WF_BUF_INIT;

    if (p == NULL)
        p = &tmp;
    if (wf_pmd_negotiate(conf, hdr, hdr ? strlen(hdr) : 0, p) != 0)
        return NULL;
    wf_pmd_params_format(p, &b);
    assert_true(b.len <= WF_PMD_RESPONSE_MAX);
    memcpy(text, b.data, b.len);
    text[b.len] = '\0';
    wf_buf_free(&b);
    return text;
}


static const char *
reply(const char *hdr, wf_pmd_params_t *p)
{
    return reply_conf(&conf_on, hdr, p);
}


#define SNCT "permessage-deflate; server_no_context_takeover"


static void
test_neg_plain(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_string_equal(reply("permessage-deflate", &p), SNCT);
    assert_int_equal(p.server_window_bits, 15);
    assert_int_equal(p.client_window_bits, 15);
    assert_int_equal(p.client_no_context_takeover, 0);
}


static void
test_neg_no_offer(void **state)
{
    WF_UNUSED(state);
    assert_null(reply(NULL, NULL));
    assert_null(reply("", NULL));
    assert_null(reply(" , ,\t", NULL));
    assert_null(reply("x-webkit-deflate-frame", NULL));
    assert_null(reply("deflate-frame; server_no_context_takeover", NULL));
    assert_null(reply("permessage-deflatex", NULL));
    assert_null(reply("permessage-deflate-x", NULL));
}


static void
test_neg_disabled(void **state)
{
    wf_pmd_conf_t off = WF_PMD_CONF_INIT;
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_int_equal(off.enabled, 0);
    assert_null(reply_conf(&off, "permessage-deflate", NULL));
    assert_int_equal(wf_pmd_negotiate(NULL, "permessage-deflate", 18, &p),
                     WF_ENOTFOUND);
}


static void
test_neg_client_bits(void **state)
{
    wf_pmd_conf_t c10 = {1, 10, 0};
    wf_pmd_params_t p;

    WF_UNUSED(state);
    /* Without a value we may stay silent: the client then uses 15. */
    assert_string_equal(reply("permessage-deflate; client_max_window_bits", &p),
                        SNCT);
    assert_int_equal(p.client_window_bits, 15);
    assert_string_equal(
        reply("permessage-deflate; client_max_window_bits=10", &p),
        SNCT "; client_max_window_bits=10");
    assert_int_equal(p.client_window_bits, 10);
    assert_string_equal(
        reply("permessage-deflate; client_max_window_bits=8", &p),
        SNCT "; client_max_window_bits=8");
    assert_int_equal(p.client_window_bits, 8);
    /* The knob lowers the client's window where the offer allows. */
    assert_string_equal(
        reply_conf(&c10, "permessage-deflate; client_max_window_bits", &p),
        SNCT "; client_max_window_bits=10");
    assert_int_equal(p.client_window_bits, 10);
    assert_string_equal(
        reply_conf(&c10, "permessage-deflate; client_max_window_bits=12", &p),
        SNCT "; client_max_window_bits=10");
    assert_string_equal(
        reply_conf(&c10, "permessage-deflate; client_max_window_bits=9", &p),
        SNCT "; client_max_window_bits=9");
    assert_string_equal(reply_conf(&c10, "permessage-deflate", &p), SNCT);
    assert_int_equal(p.client_window_bits, 15);
}


static void
test_neg_server_bits(void **state)
{
    wf_pmd_params_t p;
    char hdr[80], want[120];
    int bits;

    WF_UNUSED(state);
    for (bits = 9; bits <= 15; bits++) {
        snprintf(hdr, sizeof(hdr),
                 "permessage-deflate; server_max_window_bits=%d", bits);
        snprintf(want, sizeof(want), SNCT "; server_max_window_bits=%d", bits);
        assert_string_equal(reply(hdr, &p), want);
        assert_int_equal(p.server_window_bits, bits);
        assert_int_equal(p.client_window_bits, 15);
    }
    assert_string_equal(
        reply("permessage-deflate; server_max_window_bits=12; "
              "client_max_window_bits=11",
              &p),
        SNCT "; server_max_window_bits=12; client_max_window_bits=11");
}


static void
test_neg_server_bits_8(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_null(reply("permessage-deflate; server_max_window_bits=8", &p));
    assert_string_equal(reply("permessage-deflate; server_max_window_bits=8, "
                              "permessage-deflate; server_max_window_bits=9",
                              &p),
                        SNCT "; server_max_window_bits=9");
    assert_string_equal(reply("permessage-deflate; server_max_window_bits=8; "
                              "client_max_window_bits=8, permessage-deflate",
                              &p),
                        SNCT);
}


static void
test_neg_context_takeover(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_string_equal(
        reply("permessage-deflate; server_no_context_takeover", &p), SNCT);
    assert_int_equal(p.client_no_context_takeover, 0);
    assert_string_equal(
        reply("permessage-deflate; client_no_context_takeover", &p),
        SNCT "; client_no_context_takeover");
    assert_int_equal(p.client_no_context_takeover, 1);
    assert_string_equal(reply("permessage-deflate; client_no_context_"
                              "takeover; server_no_context_takeover",
                              &p),
                        SNCT "; client_no_context_takeover");
    assert_string_equal(reply("permessage-deflate; client_no_context_takeover; "
                              "client_max_window_bits",
                              &p),
                        SNCT "; client_no_context_takeover");
    assert_string_equal(
        reply("permessage-deflate; server_no_context_takeover; "
              "client_no_context_takeover; server_max_window_bits=10; "
              "client_max_window_bits=9",
              &p),
        SNCT "; client_no_context_takeover; server_max_window_bits=10; "
             "client_max_window_bits=9");
}


static void
test_neg_fallback(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_string_equal(reply("permessage-deflate; foo=1, permessage-deflate; "
                              "client_max_window_bits=12",
                              &p),
                        SNCT "; client_max_window_bits=12");
    assert_string_equal(reply("x-webkit-deflate-frame, permessage-deflate", &p),
                        SNCT);
    assert_string_equal(reply("permessage-deflate;, permessage-deflate; "
                              "client_no_context_takeover",
                              &p),
                        SNCT "; client_no_context_takeover");
    /* The first acceptable offer wins, even if a later one is richer. */
    assert_string_equal(reply("permessage-deflate; server_max_window_bits="
                              "10, permessage-deflate",
                              &p),
                        SNCT "; server_max_window_bits=10");
    assert_string_equal(reply(", , permessage-deflate ,", &p), SNCT);
}


static void
test_neg_malformed(void **state)
{
    static const char *bad[] = {
        "permessage-deflate; foo",
        "permessage-deflate; foo=bar",
        "permessage-deflate; server_no_context_takeover; "
        "server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover; "
        "client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=10; "
        "server_max_window_bits=10",
        "permessage-deflate; client_max_window_bits; "
        "client_max_window_bits=10",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=0",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=abc",
        "permessage-deflate; server_max_window_bits=09",
        "permessage-deflate; server_max_window_bits=-9",
        "permessage-deflate; server_max_window_bits=",
        "permessage-deflate; server_max_window_bits=\"\"",
        "permessage-deflate; server_max_window_bits=9 9",
        "permessage-deflate; server_max_window_bits=100000000000000009",
        "permessage-deflate; client_max_window_bits=0",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; client_max_window_bits=\"16\"",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=\"\"",
        "permessage-deflate;",
        "permessage-deflate;;",
        "permessage-deflate; =9",
        "permessage-deflate server_no_context_takeover",
        "permessage-deflate; client_max_window_bits=\"15",
        "permessage-deflate; client_max_window_bits=\"1\\",
        "permessage-deflate; client_max_window_bits=1\x01",
        "\"permessage-deflate\"",
        ";permessage-deflate",
        "permessage-deflate; server_max_window_bits=\"1\x7f\"",
    };
    size_t i;

    WF_UNUSED(state);
    for (i = 0; i < WF_ARRAY_LEN(bad); i++) {
        if (reply(bad[i], NULL) != NULL)
            fail_msg("accepted: %s", bad[i]);
    }
}


static void
test_neg_quoted(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_string_equal(
        reply("permessage-deflate; server_max_window_bits=\"10\"", &p),
        SNCT "; server_max_window_bits=10");
    assert_string_equal(
        reply("permessage-deflate; client_max_window_bits=\"1\\1\"", &p),
        SNCT "; client_max_window_bits=11");
    /* A quoted ',' does not split the list; the value is then invalid
     * and the next offer is taken. */
    assert_string_equal(
        reply("permessage-deflate; server_max_window_bits=\"1,0\", "
              "permessage-deflate; client_no_context_takeover",
              &p),
        SNCT "; client_no_context_takeover");
    assert_string_equal(reply("foo; a=\"x,\\\"y\", permessage-deflate", &p),
                        SNCT);
    /* An unterminated quote swallows the rest. */
    assert_null(reply("foo; a=\"x, permessage-deflate", &p));
}


static void
test_neg_case_whitespace(void **state)
{
    wf_pmd_params_t p;

    WF_UNUSED(state);
    assert_string_equal(reply("PerMessage-Deflate", &p), SNCT);
    assert_string_equal(
        reply(" \tPERMESSAGE-DEFLATE ;\tClient_Max_Window_Bits = 11 ;"
              "SERVER_NO_CONTEXT_TAKEOVER\t",
              &p),
        SNCT "; client_max_window_bits=11");
    assert_string_equal(
        reply("permessage-deflate;server_max_window_bits=13", &p),
        SNCT "; server_max_window_bits=13");
}


static void
test_format_all(void **state)
{
    wf_pmd_params_t p = {15, 15, 1, 1, 1};
    wf_buf_t b = WF_BUF_INIT;

    WF_UNUSED(state);
    wf_pmd_params_format(&p, &b);
    wf_buf_append(&b, "", 1);
    assert_string_equal(b.data, SNCT "; client_no_context_takeover; "
                                     "server_max_window_bits=15; "
                                     "client_max_window_bits=15");
    assert_true(b.len - 1 <= WF_PMD_RESPONSE_MAX);
    wf_buf_free(&b);
}


/* ---- zlib helpers playing the client ---- */


/* Inflate a payload as a client would: plain zlib at bits, with the
 * tail appended. */
static void
client_inflate(const void *in, size_t n, int bits, wf_buf_t *out)
{
    z_stream zs;
    unsigned char *tmp = wf_xmalloc(n + 4);
    int rc;

    memcpy(tmp, in, n);
    memcpy(tmp + n, tail, 4);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, -bits), Z_OK);
    zs.next_in = tmp;
    zs.avail_in = (uInt)(n + 4);
    do {
        zs.next_out = (unsigned char *)wf_buf_reserve(out, 65536);
        zs.avail_out = 65536;
        rc = inflate(&zs, Z_SYNC_FLUSH);
        assert_true(rc == Z_OK || rc == Z_BUF_ERROR);
        wf_buf_commit(out, 65536 - zs.avail_out);
    } while (zs.avail_out == 0);
    assert_int_equal(zs.avail_in, 0);
    inflateEnd(&zs);
    free(tmp);
}


/* Compress one message on a client's stream (its context carries over
 * unless reset by the caller) and strip the tail. */
static void
client_deflate(z_stream *zs, const void *in, size_t n, wf_buf_t *out)
{
    zs->next_in = (void *)(uintptr_t)in;
    zs->avail_in = (uInt)n;
    do {
        zs->next_out = (unsigned char *)wf_buf_reserve(out, 65536);
        zs->avail_out = 65536;
        assert_int_not_equal(deflate(zs, Z_SYNC_FLUSH), Z_STREAM_ERROR);
        wf_buf_commit(out, 65536 - zs->avail_out);
    } while (zs->avail_out == 0);
    assert_true(out->len >= 4);
    assert_memory_equal(out->data + out->len - 4, tail, 4);
    out->len -= 4;
}


/* Feed a payload to our inflater in random pieces of 0..maxchunk bytes
 * (0: in one piece), then end the message. */
static int
feed(wf_pmd_inflater_t *inf, const void *in, size_t n, size_t maxchunk,
     size_t max, wf_buf_t *out)
{
    const unsigned char *p = in;
    size_t k;
    int rc;

    while (n > 0) {
        k = maxchunk ? rng() % (maxchunk + 1) : n;
        k = WF_MIN(k, n);
        if ((rc = wf_pmd_inflate(inf, p, k, out, max)) != 0)
            return rc;
        p += k;
        n -= k;
    }
    return wf_pmd_inflate_end(inf, out, max);
}


static wf_pmd_params_t
params(int sbits, int cbits, int cnct)
{
    wf_pmd_params_t p;

    memset(&p, 0, sizeof(p));
    p.server_window_bits = (unsigned char)sbits;
    p.client_window_bits = (unsigned char)cbits;
    p.client_no_context_takeover = (unsigned char)cnct;
    return p;
}


/* ---- deflate ---- */


static void
test_deflate_empty(void **state)
{
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_pmd_params_t p = params(15, 15, 1);
    wf_pmd_inflater_t inf;
    wf_buf_t out = WF_BUF_INIT, plain = WF_BUF_INIT;
    int bits;

    WF_UNUSED(state);
    for (bits = 9; bits <= 15; bits++) {
        /* RFC 7692 7.2.3.6: an empty message is the single byte 0x00. */
        assert_int_equal(wf_pmd_deflate(d, bits, "", 0, &out), 0);
        assert_int_equal(out.len, 1);
        assert_int_equal((unsigned char)out.data[0], 0x00);
        client_inflate(out.data, out.len, bits, &plain);
        assert_int_equal(plain.len, 0);
        wf_pmd_inflater_init(&inf, &p);
        assert_int_equal(feed(&inf, out.data, out.len, 0, 0, &plain), 0);
        assert_int_equal(plain.len, 0);
        assert_null(inf.zs);
        wf_buf_reset(&out);
    }
    /* A compressed message with no payload bytes at all. */
    wf_pmd_inflater_init(&inf, &p);
    assert_int_equal(wf_pmd_inflate_end(&inf, &plain, 100), 0);
    assert_int_equal(plain.len, 0);
    wf_pmd_inflater_free(&inf);
    wf_buf_free(&out);
    wf_buf_free(&plain);
    wf_pmd_deflater_free(d);
}


static void
test_deflate_hello(void **state)
{
    /* RFC 7692 7.2.3.1: "Hello" compressed. */
    static const unsigned char want[] = {0xf2, 0x48, 0xcd, 0xc9,
                                         0xc9, 0x07, 0x00};
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_buf_t out = WF_BUF_INIT;

    WF_UNUSED(state);
    wf_buf_append(&out, "xy", 2);
    wf_buf_consume(&out, 1); /* output appends after unread bytes */
    assert_int_equal(wf_pmd_deflate(d, 15, "Hello", 5, &out), 0);
    assert_int_equal(wf_buf_avail(&out), 1 + sizeof(want));
    assert_memory_equal(wf_buf_head(&out) + 1, want, sizeof(want));
    wf_buf_free(&out);
    wf_pmd_deflater_free(d);
}


static void
test_deflate_bad_args(void **state)
{
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(-1);
    wf_buf_t out = WF_BUF_INIT, plain = WF_BUF_INIT;

    WF_UNUSED(state);
    assert_non_null(d);
    assert_null(wf_pmd_deflater_new(10));
    assert_null(wf_pmd_deflater_new(-2));
    assert_int_equal(wf_pmd_deflate(d, 8, "x", 1, &out), WF_EINVAL);
    assert_int_equal(wf_pmd_deflate(d, 16, "x", 1, &out), WF_EINVAL);
    assert_int_equal(wf_pmd_deflate(d, 0, "x", 1, &out), WF_EINVAL);
    assert_int_equal(out.len, 0);
    wf_pmd_deflater_free(d);
    wf_pmd_deflater_free(NULL);
    d = wf_pmd_deflater_new(0); /* stored blocks still make a payload */
    assert_int_equal(wf_pmd_deflate(d, 9, "abc", 3, &out), 0);
    wf_pmd_deflater_free(d);
    client_inflate(out.data, out.len, 9, &plain);
    assert_int_equal(plain.len, 3);
    assert_memory_equal(plain.data, "abc", 3);
    wf_buf_free(&out);
    wf_buf_free(&plain);
}


static void
test_deflate_independent(void **state)
{
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    unsigned char *a = make_json(5000), *b = make_json(5000);
    wf_buf_t o1 = WF_BUF_INIT, o2 = WF_BUF_INIT;

    WF_UNUSED(state);
    /* No context carries over: equal messages give equal payloads, so
     * one frame serves every subscriber. */
    assert_int_equal(wf_pmd_deflate(d, 15, a, 5000, &o1), 0);
    assert_int_equal(wf_pmd_deflate(d, 15, b, 5000, &o2), 0);
    assert_int_equal(wf_pmd_deflate(d, 12, a, 5000, &o2), 0);
    wf_buf_reset(&o2);
    assert_int_equal(wf_pmd_deflate(d, 15, a, 5000, &o2), 0);
    assert_int_equal(o1.len, o2.len);
    assert_memory_equal(o1.data, o2.data, o1.len);
    assert_true(o1.len < 5000 / 2);
    free(a);
    free(b);
    wf_buf_free(&o1);
    wf_buf_free(&o2);
    wf_pmd_deflater_free(d);
}


/* ---- round trips ---- */


static void
test_roundtrip_windows(void **state)
{
    static const size_t sizes[] = {0,    1,     2,         5,      100,
                                   4096, 65535, 65536 + 7, 300001, 1 << 20};
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    wf_pmd_params_t p;
    unsigned char *msg;
    size_t i, kind;
    int bits;

    WF_UNUSED(state);
    for (kind = 0; kind < 2; kind++) {
        for (i = 0; i < WF_ARRAY_LEN(sizes); i++) {
            msg = kind ? make_random(sizes[i]) : make_json(sizes[i]);
            for (bits = 9; bits <= 15; bits++) {
                wf_buf_reset(&z);
                assert_int_equal(wf_pmd_deflate(d, bits, msg, sizes[i], &z), 0);
                /* A client with exactly that window reads it. */
                wf_buf_reset(&plain);
                client_inflate(z.data, z.len, bits, &plain);
                assert_int_equal(plain.len, sizes[i]);
                assert_memory_equal(plain.data, msg, sizes[i]);
                /* So does our inflater, capped at the exact size. */
                p = params(15, bits, 1);
                wf_pmd_inflater_init(&inf, &p);
                wf_buf_reset(&plain);
                assert_int_equal(feed(&inf, z.data, z.len, 0, sizes[i], &plain),
                                 0);
                assert_int_equal(plain.len, sizes[i]);
                assert_memory_equal(plain.data, msg, sizes[i]);
                assert_null(inf.zs);
            }
            free(msg);
        }
    }
    wf_buf_free(&z);
    wf_buf_free(&plain);
    wf_pmd_deflater_free(d);
}


static void
test_inflate_chunks(void **state)
{
    static const size_t maxchunks[] = {1, 3, 17, 1000, 70000};
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_pmd_params_t p = params(15, 15, 0);
    unsigned char *msg = make_json(200000);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    size_t i, len;

    WF_UNUSED(state);
    wf_pmd_inflater_init(&inf, &p);
    for (i = 0; i < WF_ARRAY_LEN(maxchunks); i++) {
        len = 1000 + rng() % 199000;
        wf_buf_reset(&z);
        assert_int_equal(wf_pmd_deflate(d, 15, msg, len, &z), 0);
        wf_buf_reset(&plain);
        assert_int_equal(
            feed(&inf, z.data, z.len, maxchunks[i], 200000, &plain), 0);
        assert_int_equal(plain.len, len);
        assert_memory_equal(plain.data, msg, len);
    }
    wf_pmd_inflater_free(&inf);
    free(msg);
    wf_buf_free(&z);
    wf_buf_free(&plain);
    wf_pmd_deflater_free(d);
}


static void
test_inflate_context_takeover(void **state)
{
    unsigned char *msg = make_json(20000);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    wf_pmd_params_t p;
    size_t first = 0;
    z_stream zs;
    int bits, i;

    WF_UNUSED(state);
    for (bits = 9; bits <= 15; bits++) {
        /* A client keeping its context, as allowed without
         * client_no_context_takeover. */
        memset(&zs, 0, sizeof(zs));
        assert_int_equal(
            deflateInit2(&zs, 6, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
        p = params(15, bits, 0);
        wf_pmd_inflater_init(&inf, &p);
        for (i = 0; i < 5; i++) {
            wf_buf_reset(&z);
            client_deflate(&zs, msg, 200, &z);
            if (i == 0)
                first = z.len;
            else
                assert_true(z.len < first / 4); /* refers back */
            wf_buf_reset(&plain);
            assert_int_equal(feed(&inf, z.data, z.len, 7, 200, &plain), 0);
            assert_int_equal(plain.len, 200);
            assert_memory_equal(plain.data, msg, 200);
            assert_non_null(inf.zs); /* the window persists */
        }
        /* Messages longer than the window, split randomly. */
        for (i = 0; i < 3; i++) {
            wf_buf_reset(&z);
            client_deflate(&zs, msg + i, 20000 - i, &z);
            wf_buf_reset(&plain);
            assert_int_equal(feed(&inf, z.data, z.len, 500, 20000, &plain), 0);
            assert_int_equal(plain.len, 20000 - i);
            assert_memory_equal(plain.data, msg + i, 20000 - i);
        }
        wf_pmd_inflater_free(&inf);
        assert_null(inf.zs);
        deflateEnd(&zs);
    }
    free(msg);
    wf_buf_free(&z);
    wf_buf_free(&plain);
}


static void
test_inflate_no_context_takeover(void **state)
{
    wf_pmd_params_t p = params(15, 15, 1);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    z_stream zs;

    WF_UNUSED(state);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    wf_pmd_inflater_init(&inf, &p);
    client_deflate(&zs, "hello hello hello", 17, &z);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 100, &plain), 0);
    assert_int_equal(plain.len, 17);
    assert_null(inf.zs); /* idle: no zlib memory */
    /* A client that kept its context anyway refers to the dropped
     * window: invalid distance. */
    wf_buf_reset(&z);
    client_deflate(&zs, "hello hello hello", 17, &z);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 100, &plain), WF_EPROTO);
    assert_null(inf.zs);
    deflateEnd(&zs);
    wf_buf_free(&z);
    wf_buf_free(&plain);
}


static void
test_inflate_bfinal(void **state)
{
    /* RFC 7692 7.2.3.3: BFINAL=1 block plus a 0x00 byte. */
    static const unsigned char hello[] = {0xf3, 0x48, 0xcd, 0xc9,
                                          0xc9, 0x07, 0x00, 0x00};
    unsigned char *msg = make_json(3000);
    wf_pmd_params_t p = params(15, 15, 0);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    z_stream zs;
    int i;

    WF_UNUSED(state);
    wf_pmd_inflater_init(&inf, &p);
    assert_int_equal(feed(&inf, hello, sizeof(hello), 1, 5, &plain), 0);
    assert_int_equal(plain.len, 5);
    assert_memory_equal(plain.data, "Hello", 5);
    /* A client ending each message with Z_FINISH while keeping context:
     * the next stream is primed with the previous window. */
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    for (i = 0; i < 3; i++) {
        unsigned char tmp[4096];

        deflateReset(&zs);
        if (i > 0)
            deflateSetDictionary(&zs, msg, 3000);
        zs.next_in = msg;
        zs.avail_in = 3000;
        zs.next_out = tmp;
        zs.avail_out = sizeof(tmp);
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        tmp[sizeof(tmp) - zs.avail_out] = 0x00;
        if (i > 0)
            assert_true(sizeof(tmp) - zs.avail_out < 100);
        wf_buf_reset(&plain);
        assert_int_equal(
            feed(&inf, tmp, sizeof(tmp) - zs.avail_out + 1, 50, 3000, &plain),
            0);
        assert_int_equal(plain.len, 3000);
        assert_memory_equal(plain.data, msg, 3000);
    }
    wf_pmd_inflater_free(&inf);
    deflateEnd(&zs);
    free(msg);
    wf_buf_free(&z);
    wf_buf_free(&plain);
}


/* ---- limits and bad input ---- */


static void
test_inflate_bomb(void **state)
{
    const size_t bomb = 10 * 1000 * 1000, max = 1000 * 1000;
    unsigned char *zeros = calloc(1, bomb);
    wf_pmd_params_t p = params(15, 15, 0);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    z_stream zs;

    WF_UNUSED(state);
    assert_non_null(zeros);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    client_deflate(&zs, zeros, bomb, &z);
    deflateEnd(&zs);
    free(zeros);
    assert_true(z.len < 12000); /* ~1000:1 */
    /* In small pieces... */
    wf_pmd_inflater_init(&inf, &p);
    assert_int_equal(feed(&inf, z.data, z.len, 1000, max, &plain), WF_ELIMIT);
    assert_true(plain.len <= max);
    assert_true(plain.cap <= max + 64);
    assert_null(inf.zs); /* an error frees the zlib state */
    /* ...and in one. */
    wf_buf_free(&plain);
    assert_int_equal(wf_pmd_inflate(&inf, z.data, z.len, &plain, max),
                     WF_ELIMIT);
    assert_true(plain.cap <= max + 64);
    /* A tiny cap: still prompt, no growth past it. */
    wf_buf_free(&plain);
    assert_int_equal(wf_pmd_inflate(&inf, z.data, z.len, &plain, 10),
                     WF_ELIMIT);
    assert_true(plain.cap <= 10);
    wf_pmd_inflater_free(&inf);
    wf_buf_free(&z);
    wf_buf_free(&plain);
}


static void
test_inflate_limit_exact(void **state)
{
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_pmd_params_t p = params(15, 15, 1);
    unsigned char *msg = make_json(70000);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;

    WF_UNUSED(state);
    assert_int_equal(wf_pmd_deflate(d, 15, msg, 70000, &z), 0);
    wf_pmd_inflater_init(&inf, &p);
    assert_int_equal(feed(&inf, z.data, z.len, 300, 70000, &plain), 0);
    assert_int_equal(plain.len, 70000);
    assert_true(plain.cap <= 70000);
    wf_buf_free(&plain);
    assert_int_equal(feed(&inf, z.data, z.len, 300, 69999, &plain), WF_ELIMIT);
    assert_true(plain.cap <= 69999);
    /* The cap is per message, not per connection. */
    wf_buf_free(&plain);
    wf_pmd_inflater_init(&inf, &p);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 70000, &plain), 0);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 70000, &plain), 0);
    assert_int_equal(plain.len, 140000);
    /* Empty message under a zero cap. */
    wf_buf_reset(&z);
    assert_int_equal(wf_pmd_deflate(d, 15, "", 0, &z), 0);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 0, &plain), 0);
    assert_int_equal(plain.len, 140000);
    free(msg);
    wf_buf_free(&z);
    wf_buf_free(&plain);
    wf_pmd_deflater_free(d);
}


static void
test_inflate_corrupt(void **state)
{
    static const unsigned char badtype[] = {0x07, 0x00, 0x00};
    static const unsigned char badstored[] = {0x00, 0x05, 0x00, 0x12, 0x34};
    wf_pmd_deflater_t *d = wf_pmd_deflater_new(WF_PMD_LEVEL_DEFAULT);
    wf_pmd_deflater_t *stored = wf_pmd_deflater_new(0);
    wf_pmd_params_t p15 = params(15, 15, 1), p9 = params(15, 9, 1);
    unsigned char *msg = make_json(40000), *junk = make_random(5000);
    wf_buf_t z = WF_BUF_INIT, plain = WF_BUF_INIT;
    wf_pmd_inflater_t inf;
    z_stream zs;
    int rc;

    WF_UNUSED(state);
    wf_pmd_inflater_init(&inf, &p15);
    /* Reserved block type 11. */
    assert_int_equal(feed(&inf, badtype, sizeof(badtype), 0, 100, &plain),
                     WF_EPROTO);
    assert_null(inf.zs);
    /* Stored block whose NLEN is not ~LEN. */
    assert_int_equal(feed(&inf, badstored, sizeof(badstored), 0, 100, &plain),
                     WF_EPROTO);
    /* Random bytes: wrong from the first few bytes on. */
    assert_int_equal(feed(&inf, junk, 5000, 0, 100000, &plain), WF_EPROTO);
    /* A message cut short inside a stored block: the tail is read as
     * its data and inflate waits for more. */
    assert_int_equal(wf_pmd_deflate(stored, 15, junk, 5000, &z), 0);
    assert_int_equal(feed(&inf, z.data, z.len - 10, 0, 40000, &plain),
                     WF_EPROTO);
    /* Inside a Huffman block the tail may decode as anything; the
     * message must at least not come out whole. */
    wf_buf_reset(&z);
    wf_buf_reset(&plain);
    assert_int_equal(wf_pmd_deflate(d, 15, msg, 40000, &z), 0);
    rc = feed(&inf, z.data, z.len / 2, 0, 40000, &plain);
    assert_true(rc == WF_EPROTO || plain.len < 40000);
    wf_pmd_inflater_free(&inf);
    /* A window larger than negotiated: distance too far back. */
    memcpy(msg + 30000, msg, 5000);
    wf_buf_reset(&z);
    assert_int_equal(wf_pmd_deflate(d, 15, msg, 40000, &z), 0);
    wf_pmd_inflater_init(&inf, &p9);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 40000, &plain), WF_EPROTO);
    /* References to a dictionary we never had. */
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    deflateSetDictionary(&zs, msg, 1000);
    wf_buf_reset(&z);
    client_deflate(&zs, msg, 1000, &z);
    deflateEnd(&zs);
    wf_pmd_inflater_init(&inf, &p15);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 40000, &plain), WF_EPROTO);
    /* After an error the inflater is clean and usable again. */
    wf_buf_reset(&z);
    wf_buf_reset(&plain);
    assert_int_equal(wf_pmd_deflate(d, 15, "ok", 2, &z), 0);
    assert_int_equal(feed(&inf, z.data, z.len, 0, 2, &plain), 0);
    assert_int_equal(plain.len, 2);
    free(msg);
    free(junk);
    wf_buf_free(&z);
    wf_buf_free(&plain);
    wf_pmd_deflater_free(d);
    wf_pmd_deflater_free(stored);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neg_plain),
        cmocka_unit_test(test_neg_no_offer),
        cmocka_unit_test(test_neg_disabled),
        cmocka_unit_test(test_neg_client_bits),
        cmocka_unit_test(test_neg_server_bits),
        cmocka_unit_test(test_neg_server_bits_8),
        cmocka_unit_test(test_neg_context_takeover),
        cmocka_unit_test(test_neg_fallback),
        cmocka_unit_test(test_neg_malformed),
        cmocka_unit_test(test_neg_quoted),
        cmocka_unit_test(test_neg_case_whitespace),
        cmocka_unit_test(test_format_all),
        cmocka_unit_test(test_deflate_empty),
        cmocka_unit_test(test_deflate_hello),
        cmocka_unit_test(test_deflate_bad_args),
        cmocka_unit_test(test_deflate_independent),
        cmocka_unit_test(test_roundtrip_windows),
        cmocka_unit_test(test_inflate_chunks),
        cmocka_unit_test(test_inflate_context_takeover),
        cmocka_unit_test(test_inflate_no_context_takeover),
        cmocka_unit_test(test_inflate_bfinal),
        cmocka_unit_test(test_inflate_bomb),
        cmocka_unit_test(test_inflate_limit_exact),
        cmocka_unit_test(test_inflate_corrupt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
