/* test_wsf.c - unit tests of worker/wsf.c: the frame parser against the
 * Autobahn|Testsuite fuzzingclient categories 1-7 and 9 (written from their
 * public descriptions), the encoders, and split-invariance: every input
 * is also fed at every split point (when small), byte by byte and in
 * random pieces, and must give the same events as when fed whole. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"
#include "wsf.h"
#include "x.h"

#define FIN WF_WSF_FIN
#define RSV1 WF_WSF_RSV1
#define RSV2 WF_WSF_RSV2
#define RSV3 WF_WSF_RSV3
#define TEXT WF_WSF_TEXT
#define BINARY WF_WSF_BINARY
#define CONT WF_WSF_CONT
#define PING WF_WSF_PING
#define PONG WF_WSF_PONG
#define CLOSE WF_WSF_CLOSE
#define MIB (1024 * 1024)

/* ---- a seeded PRNG (xorshift64) ---- */

static uint64_t
rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}


static uint64_t key_rng = 0x2545f4914f6cdd1dULL;
static uint64_t test_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
    return (uint32_t)(rng_next(&test_rng) >> 32) % n;
}


static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
    while (n-- > 0)
        h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

#define FNV0 0xcbf29ce484222325ULL


/* ---- building client streams ---- */

typedef struct stream {
    uint8_t *p;
    size_t len, cap;
} stream_t;

static void
st_reserve(stream_t *s, size_t n)
{
    if (s->cap - s->len >= n)
        return;
    while (s->cap - s->len < n)
        s->cap = s->cap ? s->cap * 2 : 256;
    s->p = realloc(s->p, s->cap);
    assert_non_null(s->p);
}


static void
st_raw(stream_t *s, const void *p, size_t n)
{
    st_reserve(s, n);
    if (n != 0)
        memcpy(s->p + s->len, p, n);
    s->len += n;
}


/* Append a masked frame with a fresh key; returns the stream offset of
 * its first payload byte. */
static size_t
st_frame(stream_t *s, int op, unsigned bits, const void *payload, size_t n)
{
    uint8_t key[4];
    uint64_t k = rng_next(&key_rng);
    size_t size = wf_wsf_masked_size(n);

    memcpy(key, &k, 4);
    if (k % 7 == 0)
        memset(key, 0, 4); /* an all-zero key is legal too */
    st_reserve(s, size);
    assert_int_equal(
        wf_wsf_encode_masked(s->p + s->len, op, bits, key, payload, n), size);
    s->len += size;
    return s->len - n;
}


static void
st_text(stream_t *s, unsigned bits, const char *text)
{
    st_frame(s, TEXT, bits, text, strlen(text));
}


static void
st_free(stream_t *s)
{
    free(s->p);
    memset(s, 0, sizeof(*s));
}


/* ---- running the parser and recording what it reports ---- */

#define MAX_REC 64

typedef struct rec {
    int kind;       /* 'M' message, 'P' partial message, 'C', 'E' */
    int op;         /* message or control opcode */
    unsigned flags; /* M: WF_WSF_EV_COMPRESSED */
    unsigned frames;
    unsigned code; /* C: close code; E: error code */
    size_t len;
    uint64_t hash;
    size_t at; /* E: stream offset just past the offending byte */
} rec_t;

typedef struct result {
    rec_t rec[MAX_REC];
    size_t n;
    int in_msg, failed;
    rec_t cur;
} result_t;

typedef struct opts {
    int deflate;
    uint64_t max_msg;
} opts_t;

static const opts_t plain = {0, 0};

enum { CH_FIXED, CH_CUT, CH_RANDOM, CH_CUTS };

typedef struct chunker {
    int mode;
    size_t size; /* CH_FIXED: piece size; CH_CUT: the cut */
    uint64_t rng;
    const size_t *cuts; /* CH_CUTS: ascending cut points */
    size_t ncuts;
} chunker_t;

static size_t
chunk_next(chunker_t *c, size_t off, size_t n)
{
    size_t left = n - off, k;
    unsigned r;

    switch (c->mode) {
    case CH_FIXED:
        k = c->size;
        break;
    case CH_CUT:
        k = off < c->size ? c->size - off : left;
        break;
    case CH_CUTS:
        k = left;
        for (r = 0; r < c->ncuts; r++) {
            if (c->cuts[r] > off) {
                k = c->cuts[r] - off;
                break;
            }
        }
        break;
    default:
        r = (unsigned)(rng_next(&c->rng) >> 40);
        if (n > MIB)
            k = 1 + r % (256 * 1024);
        else if (r % 8 < 4)
            k = 1 + r % 8;
        else if (r % 8 < 6)
            k = 1 + r % 64;
        else if (r % 8 < 7)
            k = 1 + r % 4096;
        else
            k = 1 + r % n;
        break;
    }
    return k < left ? k : left;
}


static void
push(result_t *r, const rec_t *rec)
{
    if (r->n == MAX_REC)
        fail_msg("too many events");
    r->rec[r->n++] = *rec;
}


/* Record one event; base and used are the piece given to the parser and
 * what it consumed, end the stream offset after it. */
static void
on_event(result_t *r, const wf_wsf_event_t *ev, const uint8_t *base,
         size_t used, size_t end)
{
    rec_t rec;

    memset(&rec, 0, sizeof(rec));
    switch (ev->type) {
    case WF_WSF_EV_DATA:
        assert_true(ev->data >= base);
        assert_true(ev->data + ev->len == base + used);
        assert_true(ev->opcode == TEXT || ev->opcode == BINARY);
        if (ev->flags & WF_WSF_EV_FIRST) {
            assert_false(r->in_msg);
            r->in_msg = 1;
            memset(&r->cur, 0, sizeof(r->cur));
            r->cur.kind = 'M';
            r->cur.op = ev->opcode;
            r->cur.flags = ev->flags & WF_WSF_EV_COMPRESSED;
            r->cur.hash = FNV0;
        } else {
            assert_true(r->in_msg);
            assert_int_equal(r->cur.op, ev->opcode);
            assert_int_equal(r->cur.flags, ev->flags & WF_WSF_EV_COMPRESSED);
        }
        r->cur.hash = fnv(r->cur.hash, ev->data, ev->len);
        r->cur.len += ev->len;
        if (ev->flags & WF_WSF_EV_FRAME_END)
            r->cur.frames++;
        if (ev->flags & WF_WSF_EV_MSG_END) {
            assert_true(ev->flags & WF_WSF_EV_FRAME_END);
            push(r, &r->cur);
            r->in_msg = 0;
        }
        break;
    case WF_WSF_EV_CONTROL:
        assert_true(ev->len <= WF_WSF_CTL_MAX);
        assert_true(ev->opcode == PING || ev->opcode == PONG ||
                    ev->opcode == CLOSE);
        if (ev->opcode != CLOSE)
            assert_int_equal(ev->code, 0);
        rec.kind = 'C';
        rec.op = ev->opcode;
        rec.code = ev->code;
        rec.len = ev->len;
        rec.hash = fnv(FNV0, ev->data, ev->len);
        push(r, &rec);
        break;
    case WF_WSF_EV_ERROR:
        assert_non_null(ev->why);
        assert_true(ev->code == 1002 || ev->code == 1007 || ev->code == 1009);
        rec.kind = 'E';
        rec.code = ev->code;
        rec.at = end;
        push(r, &rec);
        r->failed = 1;
        break;
    default:
        assert_int_equal(ev->type, WF_WSF_EV_NONE);
        break;
    }
}


static void
run(const stream_t *s, const opts_t *o, chunker_t *ch, result_t *r)
{
    wf_wsf_parser_t p;
    wf_wsf_event_t ev;
    size_t off = 0, k, i, used;
    uint8_t *buf;

    memset(r, 0, sizeof(*r));
    wf_wsf_parser_init(&p, o->deflate);
    while (off < s->len && !r->failed) {
        k = chunk_next(ch, off, s->len);
        buf = malloc(k); /* exact size: ASan sees any overread */
        assert_non_null(buf);
        memcpy(buf, s->p + off, k);
        if (ch->mode == CH_RANDOM && ch->rng % 16 == 0) {
            assert_int_equal(wf_wsf_parse(&p, buf, 0, o->max_msg, &ev), 0);
            assert_int_equal(ev.type, WF_WSF_EV_NONE);
        }
        for (i = 0; i < k;) {
            used = wf_wsf_parse(&p, buf + i, k - i, o->max_msg, &ev);
            assert_true(used <= k - i);
            on_event(r, &ev, buf + i, used, off + i + used);
            if (ev.type == WF_WSF_EV_ERROR) {
                /* The error sticks. */
                unsigned code = ev.code;

                assert_int_equal(wf_wsf_parse(&p, buf, k, 0, &ev), 0);
                assert_int_equal(ev.type, WF_WSF_EV_ERROR);
                assert_int_equal(ev.code, code);
                break;
            }
            if (ev.type == WF_WSF_EV_NONE)
                assert_int_equal(used, k - i);
            else
                assert_true(used > 0);
            i += used;
        }
        free(buf);
        off += k;
    }
    if (r->in_msg && !r->failed) {
        r->cur.kind = 'P';
        push(r, &r->cur);
    }
    wf_wsf_parser_free(&p);
}


static void
print_result(const char *title, const result_t *r)
{
    size_t i;

    print_message("%s: %zu events\n", title, r->n);
    for (i = 0; i < r->n; i++) {
        const rec_t *e = &r->rec[i];

        print_message("  %c op=%d flags=%u frames=%u code=%u len=%zu "
                      "hash=%016llx at=%zu\n",
                      e->kind, e->op, e->flags, e->frames, e->code, e->len,
                      (unsigned long long)e->hash, e->at);
    }
}


static void
same_result(const result_t *a, const result_t *b, const char *how, size_t param)
{
    if (a->n == b->n && memcmp(a->rec, b->rec, a->n * sizeof(a->rec[0])) == 0)
        return;
    print_result("whole", a);
    print_result(how, b);
    fail_msg("events differ when fed %s (%zu)", how, param);
}


static unsigned random_runs = 200;

/* Feed s whole, then every other way; all must agree. The whole run's
 * events are left in *out. */
static void
run_all(const stream_t *s, const opts_t *o, result_t *out)
{
    static result_t r;
    chunker_t ch = {CH_FIXED, SIZE_MAX, 0, NULL, 0};
    size_t k, iters;

    run(s, o, &ch, out);
    if (s->len <= 70000) {
        ch.size = 1;
        run(s, o, &ch, &r);
        same_result(out, &r, "byte by byte", 1);
    }
    if (s->len <= 2048) {
        ch.mode = CH_CUT;
        for (k = 1; k < s->len; k++) {
            ch.size = k;
            run(s, o, &ch, &r);
            same_result(out, &r, "split at", k);
        }
    }
    iters = s->len <= 4096 ? random_runs : s->len <= MIB ? 8 : 2;
    ch.mode = CH_RANDOM;
    for (k = 0; k < iters; k++) {
        ch.rng = 0x1234567ULL + k * 0x9e3779b97f4a7c15ULL;
        run(s, o, &ch, &r);
        same_result(out, &r, "in random pieces, seed", k);
    }
}


/* ---- expectations ---- */

static void
expect_n(const result_t *r, size_t n)
{
    if (r->n != n)
        print_result("got", r);
    assert_int_equal(r->n, n);
}


static void
expect_msg(const result_t *r, size_t i, int op, const void *payload, size_t len,
           unsigned frames)
{
    const rec_t *e = &r->rec[i];

    assert_true(i < r->n);
    if (e->kind != 'M')
        print_result("got", r);
    assert_int_equal(e->kind, 'M');
    assert_int_equal(e->op, op);
    assert_int_equal(e->len, len);
    assert_int_equal(e->hash, fnv(FNV0, payload, len));
    if (frames != 0)
        assert_int_equal(e->frames, frames);
}


static void
expect_ctl(const result_t *r, size_t i, int op, const void *payload, size_t len,
           unsigned code)
{
    const rec_t *e = &r->rec[i];

    assert_true(i < r->n);
    if (e->kind != 'C')
        print_result("got", r);
    assert_int_equal(e->kind, 'C');
    assert_int_equal(e->op, op);
    assert_int_equal(e->len, len);
    assert_int_equal(e->hash, fnv(FNV0, payload, len));
    assert_int_equal(e->code, code);
}


static void
expect_err(const result_t *r, size_t i, unsigned code, size_t at)
{
    const rec_t *e = &r->rec[i];

    assert_true(i < r->n);
    if (e->kind != 'E')
        print_result("got", r);
    assert_int_equal(e->kind, 'E');
    assert_int_equal(e->code, code);
    assert_int_equal(e->at, at);
}


/* ---- the parser struct ---- */

static void
test_parser_size(void **state)
{
    wf_wsf_parser_t p;

    (void)state;
    assert_true(sizeof(wf_wsf_parser_t) <= 32);
    wf_wsf_parser_init(&p, 0);
    wf_wsf_parser_free(&p);
    wf_wsf_parser_free(&p);
}


/* ---- 1: framing of text and binary messages ---- */

static const size_t sizes_1[] = {0, 125, 126, 127, 128, 65535, 65536};

static void
test_1_text_binary_sizes(void **state)
{
    stream_t s = {0};
    result_t r;
    uint8_t *payload = malloc(65536);
    size_t i, k, hdr;
    int op;

    (void)state;
    for (op = TEXT; op <= BINARY; op++) {
        for (k = 0; k < 65536; k++)
            payload[k] = op == TEXT ? '*' : (uint8_t)(0xfe ^ k);
        for (i = 0; i < WF_ARRAY_LEN(sizes_1); i++) {
            st_frame(&s, op, FIN, payload, sizes_1[i]);
            hdr = sizes_1[i] < 126 ? 6 : sizes_1[i] < 65536 ? 8 : 14;
            assert_int_equal(s.len, hdr + sizes_1[i]);
            run_all(&s, &plain, &r);
            expect_n(&r, 1);
            expect_msg(&r, 0, op, payload, sizes_1[i], 1);
            st_free(&s);
        }
    }
    free(payload);
}


/* 1.1.8 / 1.2.8: 65535 bytes sent in pieces of 997. */
static void
test_1_chunked_delivery(void **state)
{
    stream_t s = {0};
    result_t r;
    chunker_t ch = {CH_FIXED, 997, 0, NULL, 0};
    uint8_t *payload = malloc(65535);
    int op;

    (void)state;
    for (op = TEXT; op <= BINARY; op++) {
        memset(payload, op == TEXT ? '*' : 0xfe, 65535);
        st_frame(&s, op, FIN, payload, 65535);
        run(&s, &plain, &ch, &r);
        expect_n(&r, 1);
        expect_msg(&r, 0, op, payload, 65535, 1);
        st_free(&s);
    }
    free(payload);
}


/* ---- 2: pings and pongs ---- */

static void
test_2_ping_pong(void **state)
{
    static const uint8_t bin[] = {0x00, 0xff, 0xfe, 0xfd,
                                  0xfc, 0xfb, 0x00, 0xff};
    uint8_t big[126];
    stream_t s = {0};
    result_t r;

    (void)state;
    memset(big, 0xfe, sizeof(big));
    /* 2.1 empty ping */
    st_frame(&s, PING, FIN, NULL, 0);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_ctl(&r, 0, PING, NULL, 0, 0);
    st_free(&s);
    /* 2.2 text payload, 2.3 binary payload, 2.4 125 bytes */
    st_frame(&s, PING, FIN, "Hello, world!", 13);
    st_frame(&s, PING, FIN, bin, sizeof(bin));
    st_frame(&s, PING, FIN, big, 125);
    run_all(&s, &plain, &r);
    expect_n(&r, 3);
    expect_ctl(&r, 0, PING, "Hello, world!", 13, 0);
    expect_ctl(&r, 1, PING, bin, sizeof(bin), 0);
    expect_ctl(&r, 2, PING, big, 125, 0);
    st_free(&s);
    /* 2.5 126 bytes: refused at the length byte */
    st_frame(&s, PING, FIN, big, 126);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 2);
    st_free(&s);
    /* 2.7 / 2.8 unsolicited pongs, 2.9 pong then ping */
    st_frame(&s, PONG, FIN, NULL, 0);
    st_frame(&s, PONG, FIN, "unsolicited pong payload", 24);
    st_frame(&s, PING, FIN, "ping payload", 12);
    run_all(&s, &plain, &r);
    expect_n(&r, 3);
    expect_ctl(&r, 0, PONG, NULL, 0, 0);
    expect_ctl(&r, 1, PONG, "unsolicited pong payload", 24, 0);
    expect_ctl(&r, 2, PING, "ping payload", 12, 0);
    st_free(&s);
}


/* 2.6, 2.10, 2.11: several pings, fed slowly too (run_all). */
static void
test_2_several_pings(void **state)
{
    static const size_t lens[] = {3, 125, 1, 0, 77, 125, 2, 124};
    char payload[32];
    uint8_t big[125];
    stream_t s = {0};
    result_t r;
    chunker_t ch = {CH_FIXED, 1, 0, NULL, 0};
    int i;

    (void)state;
    for (i = 0; i < 10; i++) {
        snprintf(payload, sizeof(payload), "payload-%d", i);
        st_frame(&s, PING, FIN, payload, strlen(payload));
    }
    run_all(&s, &plain, &r);
    expect_n(&r, 10);
    run(&s, &plain, &ch, &r);
    for (i = 0; i < 10; i++) {
        snprintf(payload, sizeof(payload), "payload-%d", i);
        expect_ctl(&r, (size_t)i, PING, payload, strlen(payload), 0);
    }
    st_free(&s);
    /* Control payloads of changing sizes, each gathered across reads
     * into memory of its own size. */
    memset(big, 'c', sizeof(big));
    for (i = 0; i < (int)WF_ARRAY_LEN(lens); i++) {
        big[0] = (uint8_t)i;
        st_frame(&s, i % 2 ? PONG : PING, FIN, big, lens[i]);
    }
    run_all(&s, &plain, &r);
    expect_n(&r, WF_ARRAY_LEN(lens));
    for (i = 0; i < (int)WF_ARRAY_LEN(lens); i++) {
        big[0] = (uint8_t)i;
        expect_ctl(&r, (size_t)i, i % 2 ? PONG : PING, big, lens[i], 0);
    }
    st_free(&s);
}


/* The pong a server answers with echoes the ping's payload. */
static void
test_2_pong_encoding(void **state)
{
    uint8_t out[WF_WSF_CTL_FRAME_MAX], payload[130];
    size_t n;

    (void)state;
    memset(payload, 'p', sizeof(payload));
    n = wf_wsf_pong_frame(out, payload, 13);
    assert_int_equal(n, 15);
    assert_int_equal(out[0], 0x8a);
    assert_int_equal(out[1], 13);
    assert_memory_equal(out + 2, payload, 13);
    n = wf_wsf_pong_frame(out, NULL, 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[1], 0);
    /* Never more than 125 bytes of payload. */
    n = wf_wsf_pong_frame(out, payload, sizeof(payload));
    assert_int_equal(n, WF_WSF_CTL_FRAME_MAX);
    assert_int_equal(out[1], 125);
    n = wf_wsf_ping_frame(out, payload, 3);
    assert_int_equal(n, 5);
    assert_int_equal(out[0], 0x89);
}


/* ---- 3: reserved bits ---- */

/* A valid text message, then a frame with reserved bits, then a ping:
 * the message is delivered, the frame refused at its first byte. */
static void
check_rsv(int op, unsigned rsv, const opts_t *o)
{
    stream_t s = {0};
    result_t r;
    size_t bad;

    st_text(&s, FIN, "Hello, world!");
    bad = s.len;
    st_frame(&s, op, FIN | rsv, "Hello, world!", 13);
    st_frame(&s, PING, FIN, NULL, 0);
    run_all(&s, o, &r);
    expect_n(&r, 2);
    expect_msg(&r, 0, TEXT, "Hello, world!", 13, 1);
    expect_err(&r, 1, 1002, bad + 1);
    st_free(&s);
}


static void
test_3_reserved_bits(void **state)
{
    static const int ops[] = {TEXT, BINARY, PING, PONG, CLOSE};
    static const opts_t deflate = {1, 0};
    unsigned rsv;
    size_t i;

    (void)state;
    /* 3.1-3.7: RSV = 1..7 on text, binary, ping and close; every
     * combination refused without permessage-deflate. */
    for (i = 0; i < WF_ARRAY_LEN(ops); i++)
        for (rsv = 1; rsv <= 7; rsv++)
            check_rsv(ops[i], rsv << 4, &plain);
    /* With it, RSV2 and RSV3 still are, and RSV1 on control frames. */
    for (i = 0; i < WF_ARRAY_LEN(ops); i++) {
        for (rsv = 1; rsv <= 7; rsv++) {
            if (rsv == 4 && (ops[i] == TEXT || ops[i] == BINARY))
                continue;
            check_rsv(ops[i], rsv << 4, &deflate);
        }
    }
}


static void
test_3_rsv1_with_deflate(void **state)
{
    static const opts_t deflate = {1, 0};
    stream_t s = {0};
    result_t r;
    size_t bad;

    (void)state;
    /* Compressed text is not checked as UTF-8 here (the caller inflates
     * it first), and every piece says it is compressed. */
    st_frame(&s, TEXT, RSV1, "\xff\xfe", 2);
    st_frame(&s, PING, FIN, "x", 1);
    st_frame(&s, CONT, 0, "\xc0", 1);
    st_frame(&s, CONT, FIN, "", 0);
    st_frame(&s, BINARY, FIN | RSV1, "\x01\x02", 2);
    st_text(&s, FIN, "plain");
    run_all(&s, &deflate, &r);
    expect_n(&r, 4);
    expect_ctl(&r, 0, PING, "x", 1, 0);
    expect_msg(&r, 1, TEXT, "\xff\xfe\xc0", 3, 3);
    assert_int_equal(r.rec[1].flags, WF_WSF_EV_COMPRESSED);
    expect_msg(&r, 2, BINARY, "\x01\x02", 2, 1);
    assert_int_equal(r.rec[2].flags, WF_WSF_EV_COMPRESSED);
    expect_msg(&r, 3, TEXT, "plain", 5, 1);
    assert_int_equal(r.rec[3].flags, 0);
    st_free(&s);
    /* RSV1 on a continuation frame. */
    st_frame(&s, TEXT, RSV1, "ab", 2);
    bad = s.len;
    st_frame(&s, CONT, FIN | RSV1, "cd", 2);
    run_all(&s, &deflate, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, bad + 1);
    st_free(&s);
    /* Plain text is still checked when deflate is on. */
    st_frame(&s, TEXT, FIN, "a\xff", 2);
    run_all(&s, &deflate, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1007, 6 + 2);
    st_free(&s);
}


/* ---- 4: reserved opcodes ---- */

static void
test_4_reserved_opcodes(void **state)
{
    static const int ops[] = {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf};
    stream_t s = {0};
    result_t r;
    size_t i, bad;
    int with_payload;

    (void)state;
    for (i = 0; i < WF_ARRAY_LEN(ops); i++) {
        for (with_payload = 0; with_payload <= 1; with_payload++) {
            /* 4.x.1: alone; 4.x.2-5: after a valid text, before a ping */
            st_frame(&s, ops[i], FIN, "reserved opcode payload",
                     with_payload ? 23 : 0);
            run_all(&s, &plain, &r);
            expect_n(&r, 1);
            expect_err(&r, 0, 1002, 1);
            st_free(&s);
            st_text(&s, FIN, "Hello, world!");
            bad = s.len;
            st_frame(&s, ops[i], FIN, "reserved opcode payload",
                     with_payload ? 23 : 0);
            st_frame(&s, PING, FIN, NULL, 0);
            run_all(&s, &plain, &r);
            expect_n(&r, 2);
            expect_msg(&r, 0, TEXT, "Hello, world!", 13, 1);
            expect_err(&r, 1, 1002, bad + 1);
            st_free(&s);
        }
    }
}


/* ---- 5: fragmentation ---- */

static void
test_5_fragmented_control(void **state)
{
    stream_t s = {0};
    result_t r;

    (void)state;
    /* 5.1 ping, 5.2 pong, in two fragments; also close */
    st_frame(&s, PING, 0, "fragment1", 9);
    st_frame(&s, CONT, FIN, "fragment2", 9);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 1);
    st_free(&s);
    st_frame(&s, PONG, 0, "fragment1", 9);
    st_frame(&s, CONT, FIN, "fragment2", 9);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 1);
    st_free(&s);
    st_frame(&s, CLOSE, 0, "\x03\xe8", 2);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 1);
    st_free(&s);
}


static void
test_5_fragmented_messages(void **state)
{
    stream_t s = {0};
    result_t r;
    int op;

    (void)state;
    for (op = TEXT; op <= BINARY; op++) {
        /* 5.3-5.5 two fragments */
        st_frame(&s, op, 0, "fragment1", 9);
        st_frame(&s, CONT, FIN, "fragment2", 9);
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_msg(&r, 0, op, "fragment1fragment2", 18, 2);
        st_free(&s);
        /* 5.6-5.8 a ping between them: delivered first */
        st_frame(&s, op, 0, "fragment1", 9);
        st_frame(&s, PING, FIN, "ping payload", 12);
        st_frame(&s, CONT, FIN, "fragment2", 9);
        run_all(&s, &plain, &r);
        expect_n(&r, 2);
        expect_ctl(&r, 0, PING, "ping payload", 12, 0);
        expect_msg(&r, 1, op, "fragment1fragment2", 18, 2);
        st_free(&s);
        /* 5.19-5.20 five fragments, pings after the 2nd and 4th, and a
         * pong and empty fragments for good measure */
        st_frame(&s, op, 0, "fragment1", 9);
        st_frame(&s, CONT, 0, "fragment2", 9);
        st_frame(&s, PING, FIN, "pongme 1!", 9);
        st_frame(&s, CONT, 0, "fragment3", 9);
        st_frame(&s, CONT, 0, "", 0);
        st_frame(&s, CONT, 0, "fragment4", 9);
        st_frame(&s, PING, FIN, "pongme 2!", 9);
        st_frame(&s, PONG, FIN, NULL, 0);
        st_frame(&s, CONT, FIN, "fragment5", 9);
        run_all(&s, &plain, &r);
        expect_n(&r, 4);
        expect_ctl(&r, 0, PING, "pongme 1!", 9, 0);
        expect_ctl(&r, 1, PING, "pongme 2!", 9, 0);
        expect_ctl(&r, 2, PONG, NULL, 0, 0);
        expect_msg(&r, 3, op, "fragment1fragment2fragment3fragment4fragment5",
                   45, 6);
        st_free(&s);
    }
}


/* A ping split from its message at every byte, with a ping payload long
 * enough that the parser must gather it across reads. */
static void
test_5_ping_between_fragments_every_split(void **state)
{
    uint8_t ping[125];
    stream_t s = {0};
    result_t whole, r;
    chunker_t ch = {CH_FIXED, SIZE_MAX, 0, NULL, 0};
    size_t cuts[2];

    (void)state;
    memset(ping, 'P', sizeof(ping));
    st_text(&s, 0, "fragment1");
    st_frame(&s, PING, FIN, ping, sizeof(ping));
    st_frame(&s, CONT, 0, "", 0);
    st_frame(&s, CONT, FIN, "fragment2", 9);
    run_all(&s, &plain, &whole);
    expect_n(&whole, 2);
    expect_ctl(&whole, 0, PING, ping, sizeof(ping), 0);
    expect_msg(&whole, 1, TEXT, "fragment1fragment2", 18, 3);
    st_free(&s);
    /* Three pieces: every pair of cuts. */
    st_text(&s, 0, "frag1");
    st_frame(&s, PING, FIN, ping, 20);
    st_frame(&s, CONT, FIN, "frag2", 5);
    run(&s, &plain, &ch, &whole);
    expect_n(&whole, 2);
    ch.mode = CH_CUTS;
    ch.cuts = cuts;
    ch.ncuts = 2;
    for (cuts[0] = 1; cuts[0] < s.len; cuts[0]++) {
        for (cuts[1] = cuts[0] + 1; cuts[1] < s.len; cuts[1]++) {
            run(&s, &plain, &ch, &r);
            same_result(&whole, &r, "in three pieces",
                        cuts[0] * 1000 + cuts[1]);
        }
    }
    st_free(&s);
}


static void
test_5_bad_continuations(void **state)
{
    stream_t s = {0};
    result_t r;
    size_t bad;
    unsigned fin;

    (void)state;
    for (fin = 0; fin <= FIN; fin += FIN) {
        /* 5.9-5.14 a continuation with nothing to continue */
        st_frame(&s, CONT, fin, "non-continuation payload", 24);
        st_text(&s, FIN, "Hello, world!");
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_err(&r, 0, 1002, 1);
        st_free(&s);
        /* 5.15-5.17 after a message ended */
        st_text(&s, 0, "fragment1");
        st_frame(&s, CONT, FIN, "fragment2", 9);
        bad = s.len;
        st_frame(&s, CONT, fin, "fragment3", 9);
        st_frame(&s, CONT, FIN, "fragment4", 9);
        run_all(&s, &plain, &r);
        expect_n(&r, 2);
        expect_msg(&r, 0, TEXT, "fragment1fragment2", 18, 2);
        expect_err(&r, 1, 1002, bad + 1);
        st_free(&s);
        /* 5.18 a new data message inside a fragmented one */
        st_text(&s, 0, "fragment1");
        bad = s.len;
        st_frame(&s, BINARY, fin, "fragment2", 9);
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_err(&r, 0, 1002, bad + 1);
        st_free(&s);
    }
}


/* ---- 6: UTF-8 ---- */

#define VALID (-1)
#define TRUNC (-2)

typedef struct utf8_case {
    const char *bytes;
    size_t len;
    int expect; /* VALID, TRUNC or index of the first bad byte */
} utf8_case_t;

/* clang-format off */
#define U(s, e) {s, sizeof(s) - 1, e}
/* clang-format on */

/* From the categories of Markus Kuhn's stress test (Autobahn 6.5-6.23). */
static const utf8_case_t cases_6[] = {
    U("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
      VALID),
    U("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", VALID),
    U("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
      "edited",
      12),
    U("\xce\xba\xe1\xbd", TRUNC),
    U("\x00", VALID),
    U("\xc2\x80", VALID),
    U("\xe0\xa0\x80", VALID),
    U("\xf0\x90\x80\x80", VALID),
    U("\xf8\x88\x80\x80\x80", 0),
    U("\xfc\x84\x80\x80\x80\x80", 0),
    U("\x7f", VALID),
    U("\xdf\xbf", VALID),
    U("\xef\xbf\xbf", VALID),
    U("\xf4\x8f\xbf\xbf", VALID),
    U("\xf7\xbf\xbf\xbf", 0),
    U("\xfb\xbf\xbf\xbf\xbf", 0),
    U("\xfd\xbf\xbf\xbf\xbf\xbf", 0),
    U("\xed\x9f\xbf", VALID),
    U("\xee\x80\x80", VALID),
    U("\xef\xbf\xbd", VALID),
    U("\xf4\x90\x80\x80", 1),
    U("\x80", 0),
    U("\xbf", 0),
    U("\x80\xbf\x80\xbf", 0),
    U("ok\x80", 2),
    U("\xc0\x20", 0),
    U("\xc2\x20", 1),
    U("\xe0\x20", 1),
    U("\xf0\x20", 1),
    U("\xf8\x20", 0),
    U("\xfc\x20", 0),
    U("\xc0", 0),
    U("\xe0\x80", 1),
    U("\xf0\x80\x80", 1),
    U("\xdf", TRUNC),
    U("\xef\xbf", TRUNC),
    U("\xf4\x8f\xbf", TRUNC),
    U("\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80", 0),
    U("\xc2\xe1\x80", 1),
    U("\xfe", 0),
    U("\xff", 0),
    U("\xfe\xfe\xff\xff", 0),
    U("\xc0\xaf", 0),
    U("\xe0\x80\xaf", 1),
    U("\xf0\x80\x80\xaf", 1),
    U("\xc1\xbf", 0),
    U("\xe0\x9f\xbf", 1),
    U("\xf0\x8f\xbf\xbf", 1),
    U("\xc0\x80", 0),
    U("\xe0\x80\x80", 1),
    U("\xf0\x80\x80\x80", 1),
    U("\xed\xa0\x80", 1),
    U("\xed\xad\xbf", 1),
    U("\xed\xbf\xbf", 1),
    U("\xed\xa0\x80\xed\xb0\x80", 1),
    U("\xed\xaf\xbf\xed\xbf\xbf", 1),
    U("\xef\xbf\xbe", VALID),
    U("\xf0\x9f\xbf\xbf", VALID),
    U("\xef\xb7\x90", VALID),
    U("\xef\xbb\xbf", VALID),
    U("e\xcc\x81", VALID),
};


/* Where the parser must stop for payload byte bad of a text message
 * sent as frames of the given lengths (a stream offset, plus one). */
static size_t
bad_offset(const size_t *starts, const size_t *lens, size_t nframes, long bad,
           size_t stream_len)
{
    size_t f, b;

    if (bad == TRUNC)
        return stream_len;
    b = (size_t)bad;
    for (f = 0; f < nframes; f++) {
        if (b < lens[f])
            return starts[f] + b + 1;
        b -= lens[f];
    }
    fail_msg("bad byte outside the message");
    return 0;
}


static void
check_text_frames(const utf8_case_t *c, const size_t *lens, size_t nframes,
                  int ping)
{
    stream_t s = {0};
    result_t r;
    size_t starts[64], off = 0, f;

    for (f = 0; f < nframes; f++) {
        starts[f] =
            st_frame(&s, f == 0 ? TEXT : CONT, f == nframes - 1 ? FIN : 0,
                     c->bytes + off, lens[f]);
        off += lens[f];
        if (ping && f == 0)
            st_frame(&s, PING, FIN, "p", 1);
    }
    assert_int_equal(off, c->len);
    st_text(&s, FIN, "after");
    run_all(&s, &plain, &r);
    if (c->expect == VALID) {
        expect_n(&r, ping ? 3 : 2);
        expect_msg(&r, ping ? 1 : 0, TEXT, c->bytes, c->len, (unsigned)nframes);
    } else {
        /* The frames end where the message does: a truncated sequence
         * fails at the last byte of the last frame. */
        expect_n(&r,
                 ping && nframes > 1 &&
                         (c->expect == TRUNC || (size_t)c->expect >= lens[0])
                     ? 2
                     : 1);
        expect_err(&r, r.n - 1, 1007,
                   bad_offset(starts, lens, nframes, c->expect, s.len - 11));
    }
    st_free(&s);
}


static void
test_6_utf8_whole_and_split(void **state)
{
    size_t i, k, lens[64];

    (void)state;
    random_runs = 40;
    for (i = 0; i < WF_ARRAY_LEN(cases_6); i++) {
        const utf8_case_t *c = &cases_6[i];

        /* 6.2.1, 6.3.1 and friends: one frame */
        lens[0] = c->len;
        check_text_frames(c, lens, 1, 0);
        /* 6.2.2: two fragments split at every byte, with a ping
         * between them */
        for (k = 0; k <= c->len; k++) {
            lens[0] = k;
            lens[1] = c->len - k;
            check_text_frames(c, lens, 2, 0);
            check_text_frames(c, lens, 2, 1);
        }
        /* 6.2.4, 6.3.2: one frame per byte */
        if (c->len >= 2 && c->len < 64) {
            for (k = 0; k < c->len; k++)
                lens[k] = 1;
            check_text_frames(c, lens, c->len, 0);
        }
    }
    random_runs = 200;
}


static void
test_6_empty_text(void **state)
{
    stream_t s = {0};
    result_t r;

    (void)state;
    /* 6.1.1 empty, 6.1.2 three empty fragments, 6.1.3 empty first and
     * last fragment around "middle" */
    st_text(&s, FIN, "");
    st_text(&s, 0, "");
    st_frame(&s, CONT, 0, "", 0);
    st_frame(&s, CONT, FIN, "", 0);
    st_text(&s, 0, "");
    st_frame(&s, CONT, 0, "middle", 6);
    st_frame(&s, CONT, FIN, "", 0);
    run_all(&s, &plain, &r);
    expect_n(&r, 3);
    expect_msg(&r, 0, TEXT, "", 0, 1);
    expect_msg(&r, 1, TEXT, "", 0, 3);
    expect_msg(&r, 2, TEXT, "middle", 6, 3);
    st_free(&s);
}


/* 6.4.x fail fast: the bad byte ends parsing before the message is
 * whole, before the frame carrying it is even complete. */
static void
test_6_fail_fast(void **state)
{
    static const char kosme[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc"
                                "\xce\xb5";
    stream_t s = {0};
    result_t r;
    size_t start;

    (void)state;
    st_frame(&s, TEXT, 0, kosme, 11);
    start = st_frame(&s, CONT, 0, "\xf4\x90\x80\x80\xff", 5);
    st_frame(&s, CONT, FIN, "\x80\x80\x80", 3);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1007, start + 2);
    st_free(&s);
    /* The bad byte is the first of the second frame. */
    st_frame(&s, TEXT, 0, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed",
             12);
    start = st_frame(&s, CONT, FIN,
                     "\xa0\x80"
                     "edited",
                     8);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1007, start + 1);
    st_free(&s);
    /* A big frame: bad at byte 100000 of 200000. */
    {
        uint8_t *big = malloc(200000);

        memset(big, 'a', 200000);
        big[100000] = 0xff;
        start = st_frame(&s, TEXT, FIN, big, 200000);
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_err(&r, 0, 1007, start + 100001);
        st_free(&s);
        free(big);
    }
}


/* Binary messages carry any bytes. */
static void
test_6_binary_not_checked(void **state)
{
    stream_t s = {0};
    result_t r;

    (void)state;
    st_frame(&s, BINARY, 0, "\xed\xa0\x80", 3);
    st_frame(&s, CONT, FIN, "\xc0", 1);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_msg(&r, 0, BINARY, "\xed\xa0\x80\xc0", 4, 2);
    st_free(&s);
}


/* ---- 7: closing ---- */

static void
close_payload(uint8_t *out, size_t *len, unsigned code, const char *reason,
              size_t reason_len)
{
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    memcpy(out + 2, reason, reason_len);
    *len = 2 + reason_len;
}


static void
test_7_close_then_nothing(void **state)
{
    uint8_t cp[2] = {0x03, 0xe8};
    uint8_t *big = malloc(256 * 1024);
    stream_t s = {0};
    result_t r;

    (void)state;
    memset(big, '*', 256 * 1024);
    /* 7.1.1 a message then close */
    st_text(&s, FIN, "Hello World!");
    st_frame(&s, CLOSE, FIN, cp, 2);
    /* 7.1.2-7.1.4 whatever follows a close is ignored */
    st_frame(&s, CLOSE, FIN, cp, 2);
    st_frame(&s, PING, FIN, "x", 1);
    st_text(&s, FIN, "after close");
    st_raw(&s, "\xff\xff\xff", 3); /* even garbage */
    run_all(&s, &plain, &r);
    expect_n(&r, 2);
    expect_msg(&r, 0, TEXT, "Hello World!", 12, 1);
    expect_ctl(&r, 1, CLOSE, cp, 2, 1000);
    st_free(&s);
    /* 7.1.5 a close between fragments */
    st_text(&s, 0, "fragment1");
    st_frame(&s, CLOSE, FIN, cp, 2);
    st_frame(&s, CONT, FIN, "fragment2", 9);
    run_all(&s, &plain, &r);
    expect_n(&r, 2);
    expect_ctl(&r, 0, CLOSE, cp, 2, 1000);
    assert_int_equal(r.rec[1].kind, 'P');
    assert_int_equal(r.rec[1].len, 9);
    st_free(&s);
    /* 7.1.6 a large message, a ping, a close */
    st_frame(&s, TEXT, FIN, big, 256 * 1024);
    st_frame(&s, PING, FIN, "ping", 4);
    st_frame(&s, CLOSE, FIN, cp, 2);
    run_all(&s, &plain, &r);
    expect_n(&r, 3);
    expect_msg(&r, 0, TEXT, big, 256 * 1024, 1);
    expect_ctl(&r, 1, PING, "ping", 4, 0);
    expect_ctl(&r, 2, CLOSE, cp, 2, 1000);
    st_free(&s);
    free(big);
}


static void
test_7_close_payloads(void **state)
{
    uint8_t p[130];
    char reason[124];
    stream_t s = {0};
    result_t r;
    size_t n;

    (void)state;
    memset(reason, '*', sizeof(reason));
    /* 7.3.1 empty: no code */
    st_frame(&s, CLOSE, FIN, NULL, 0);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_ctl(&r, 0, CLOSE, NULL, 0, 0);
    st_free(&s);
    /* 7.3.2 one byte */
    st_frame(&s, CLOSE, FIN, "\x03", 1);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, s.len);
    st_free(&s);
    /* 7.3.3 code only, 7.3.4 with a reason, 7.3.5 a 123-byte reason */
    close_payload(p, &n, 1000, "Hello World!", 12);
    st_frame(&s, CLOSE, FIN, p, n);
    run_all(&s, &plain, &r);
    expect_ctl(&r, 0, CLOSE, p, n, 1000);
    st_free(&s);
    close_payload(p, &n, 1000, reason, 123);
    st_frame(&s, CLOSE, FIN, p, n);
    run_all(&s, &plain, &r);
    expect_ctl(&r, 0, CLOSE, p, 125, 1000);
    st_free(&s);
    /* 7.3.6 a 124-byte reason: 126 bytes, refused at the length */
    close_payload(p, &n, 1000, reason, 124);
    st_frame(&s, CLOSE, FIN, p, n);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 2);
    st_free(&s);
    /* 7.5.1 a reason that is not UTF-8 */
    close_payload(p, &n, 1000,
                  "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
                  "edited",
                  20);
    st_frame(&s, CLOSE, FIN, p, n);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1007, s.len);
    st_free(&s);
}


static const unsigned valid_codes[] = {1000, 1001, 1002, 1003, 1007, 1008,
                                       1009, 1010, 1011, 1012, 1013, 1014,
                                       3000, 3999, 4000, 4999};
static const unsigned invalid_codes[] = {0,    999,  1004, 1005, 1006, 1015,
                                         1016, 1100, 2000, 2999, 5000, 65535};

/* 7.7.x valid codes are delivered (and echoed), 7.9.x invalid refused. */
static void
test_7_close_codes(void **state)
{
    uint8_t p[4], out[WF_WSF_CTL_FRAME_MAX];
    stream_t s = {0};
    result_t r;
    size_t i, n;

    (void)state;
    for (i = 0; i < WF_ARRAY_LEN(valid_codes); i++) {
        close_payload(p, &n, valid_codes[i], "", 0);
        st_frame(&s, CLOSE, FIN, p, n);
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_ctl(&r, 0, CLOSE, p, 2, valid_codes[i]);
        st_free(&s);
        assert_int_equal(
            wf_wsf_close_frame(out, (uint16_t)valid_codes[i], NULL, 0), 4);
        assert_int_equal(out[0], 0x88);
        assert_int_equal(out[1], 2);
        assert_memory_equal(out + 2, p, 2);
    }
    for (i = 0; i < WF_ARRAY_LEN(invalid_codes); i++) {
        close_payload(p, &n, invalid_codes[i], "", 0);
        st_frame(&s, CLOSE, FIN, p, n);
        run_all(&s, &plain, &r);
        expect_n(&r, 1);
        expect_err(&r, 0, 1002, s.len);
        st_free(&s);
    }
}


/* The helper against the rule, for every code. */
static void
test_7_close_check(void **state)
{
    uint8_t p[WF_WSF_CTL_MAX + 1];
    unsigned c;
    uint16_t code = 1;
    size_t off = 9;
    int ok;

    (void)state;
    for (c = 0; c < 65536; c++) {
        ok = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) ||
             (c >= 3000 && c <= 4999);
        assert_int_equal(wf_wsf_close_code_valid(c), ok);
        p[0] = (uint8_t)(c >> 8);
        p[1] = (uint8_t)c;
        assert_int_equal(wf_wsf_close_check(p, 2, NULL, NULL), ok ? 0 : 1002);
    }
    assert_int_equal(wf_wsf_close_check(p, 0, &code, &off), 0);
    assert_int_equal(code, 0);
    assert_int_equal(off, 0);
    assert_int_equal(wf_wsf_close_check(p, 1, &code, &off), 1002);
    memcpy(p, "\x0f\xa0ok\xc3\xa9", 6);
    assert_int_equal(wf_wsf_close_check(p, 6, &code, &off), 0);
    assert_int_equal(code, 4000);
    assert_int_equal(off, 2);
    assert_int_equal(wf_wsf_close_check(p, 5, &code, &off), 1007);
    memset(p + 2, 'a', sizeof(p) - 2);
    assert_int_equal(wf_wsf_close_check(p, 125, NULL, NULL), 0);
    assert_int_equal(wf_wsf_close_check(p, 126, NULL, NULL), 1002);
}


static void
test_7_close_encoding(void **state)
{
    char reason[200];
    uint8_t out[WF_WSF_CTL_FRAME_MAX];
    size_t n;

    (void)state;
    n = wf_wsf_close_frame(out, 0, "ignored", 7);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\x88\x00", 2);
    n = wf_wsf_close_frame(out, 1001, "going away", 10);
    assert_int_equal(n, 14);
    assert_memory_equal(out, "\x88\x0c\x03\xe9going away", 14);
    /* Long reasons are cut to 123 bytes, not inside a character. */
    memset(reason, 'a', sizeof(reason));
    n = wf_wsf_close_frame(out, 1000, reason, sizeof(reason));
    assert_int_equal(n, 127);
    assert_int_equal(out[1], 125);
    memcpy(reason + 121, "\xe2\x82\xac", 3);
    n = wf_wsf_close_frame(out, 1000, reason, sizeof(reason));
    assert_int_equal(n, 2 + 2 + 121);
    assert_int_equal(wf_wsf_close_check(out + 2, n - 2, NULL, NULL), 0);
    memcpy(reason + 120, "\xe2\x82\xac", 3);
    n = wf_wsf_close_frame(out, 1000, reason, sizeof(reason));
    assert_int_equal(n, 127);
    assert_int_equal(wf_wsf_close_check(out + 2, n - 2, NULL, NULL), 0);
}


/* ---- 9: large messages ---- */

static void
test_9_large_messages(void **state)
{
    static const size_t sizes[] = {64 * 1024, 256 * 1024, MIB,
                                   4 * MIB,   8 * MIB,    16 * MIB};
    static const size_t pieces[] = {64, 4096, 65536, 997 * 1001};
    uint8_t *payload = malloc(16 * MIB);
    stream_t s = {0};
    result_t r, whole;
    opts_t o = {0, 0};
    chunker_t ch = {CH_FIXED, 0, 0, NULL, 0};
    size_t i, j;
    int op;

    (void)state;
    for (op = TEXT; op <= BINARY; op++) {
        for (i = 0; i < 16 * MIB; i++)
            payload[i] = op == TEXT ? (uint8_t)('*' + i % 31) : (uint8_t)i;
        for (i = 0; i < WF_ARRAY_LEN(sizes); i++) {
            /* 9.1.x / 9.2.x: the limit exactly fits */
            st_frame(&s, op, FIN, payload, sizes[i]);
            o.max_msg = sizes[i];
            run_all(&s, &o, &whole);
            expect_n(&whole, 1);
            expect_msg(&whole, 0, op, payload, sizes[i], 1);
            for (j = 0; j < WF_ARRAY_LEN(pieces) && sizes[i] <= MIB; j++) {
                ch.size = pieces[j];
                run(&s, &o, &ch, &r);
                same_result(&whole, &r, "in pieces of", pieces[j]);
            }
            /* One byte less: refused at the header. */
            o.max_msg = sizes[i] - 1;
            ch.size = 4096;
            run(&s, &o, &ch, &r);
            expect_n(&r, 1);
            expect_err(&r, 0, 1009, 10);
            st_free(&s);
        }
    }
    free(payload);
}


/* 9.3 / 9.4: 4 MiB in fragments of 64 bytes to 4 MiB, and a limit that
 * the last fragment crosses. */
static void
test_9_fragmented_large(void **state)
{
    static const size_t frags[] = {
        64, 256, 1024, 4096, 16 * 1024, 64 * 1024, 256 * 1024, MIB, 4 * MIB};
    const size_t total = 4 * MIB;
    uint8_t *payload = malloc(total);
    stream_t s = {0};
    result_t r;
    opts_t o = {0, total};
    chunker_t ch = {CH_FIXED, 0, 0, NULL, 0};
    size_t i, off, last = 0;
    int op;

    (void)state;
    for (i = 0; i < total; i++)
        payload[i] = (uint8_t)('A' + i % 26);
    for (op = TEXT; op <= BINARY; op++) {
        for (i = 0; i < WF_ARRAY_LEN(frags); i++) {
            for (off = 0; off < total; off += frags[i]) {
                last = s.len;
                st_frame(&s, off == 0 ? op : CONT,
                         off + frags[i] == total ? FIN : 0, payload + off,
                         frags[i]);
            }
            o.max_msg = total;
            ch.size = frags[i] * 3 + 1;
            run(&s, &o, &ch, &r);
            expect_n(&r, 1);
            expect_msg(&r, 0, op, payload, total, (unsigned)(total / frags[i]));
            if (frags[i] == 64 * 1024) {
                run_all(&s, &o, &r);
                expect_msg(&r, 0, op, payload, total, 64);
            }
            o.max_msg = total - 1;
            run(&s, &o, &ch, &r);
            expect_n(&r, 1);
            expect_err(&r, 0, 1009,
                       last + (frags[i] < 126     ? 2
                               : frags[i] < 65536 ? 4
                                                  : 10));
            st_free(&s);
        }
    }
    free(payload);
}


/* 9.5 / 9.6: 1 MiB in one frame, delivered in pieces of 64 to 4096. */
static void
test_9_chunked_large(void **state)
{
    uint8_t *payload = malloc(MIB);
    stream_t s = {0};
    result_t r;
    opts_t o = {0, MIB};
    chunker_t ch = {CH_FIXED, 0, 0, NULL, 0};
    size_t piece;
    int op;

    (void)state;
    for (op = TEXT; op <= BINARY; op++) {
        memset(payload, op == TEXT ? '*' : 0xfe, MIB);
        st_frame(&s, op, FIN, payload, MIB);
        for (piece = 64; piece <= 4096; piece *= 2) {
            ch.size = piece;
            run(&s, &o, &ch, &r);
            expect_n(&r, 1);
            expect_msg(&r, 0, op, payload, MIB, 1);
        }
        st_free(&s);
    }
    free(payload);
}


/* ---- header rules not covered above ---- */

static void
test_header_rules(void **state)
{
    uint8_t hdr[WF_WSF_HDR_MAX + 4];
    stream_t s = {0};
    result_t r;
    opts_t o = {0, 250};
    size_t n, bad;

    (void)state;
    /* An unmasked client frame. */
    n = wf_wsf_header(hdr, TEXT, 1, 0, 2);
    st_raw(&s, hdr, n);
    st_raw(&s, "hi", 2);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 2);
    st_free(&s);
    /* A 64-bit length with the top bit set, refused at that byte. */
    st_raw(&s, "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x05", 10);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    expect_err(&r, 0, 1002, 3);
    st_free(&s);
    /* A huge length without a limit is fine until the data runs out. */
    st_raw(&s, "\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00", 14);
    st_raw(&s, "abc", 3);
    run_all(&s, &plain, &r);
    expect_n(&r, 1);
    assert_int_equal(r.rec[0].kind, 'P');
    assert_int_equal(r.rec[0].len, 3);
    st_free(&s);
    /* Lengths need not use the shortest form. */
    st_raw(&s, "\x81\xfe\x00\x02\x00\x00\x00\x00hi", 10);
    st_raw(&s, "\x81\xff\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00ho",
           16);
    run_all(&s, &plain, &r);
    expect_n(&r, 2);
    expect_msg(&r, 0, TEXT, "hi", 2, 1);
    expect_msg(&r, 1, TEXT, "ho", 2, 1);
    st_free(&s);
    /* The limit counts all fragments, not control frames. */
    {
        uint8_t hundred[256];

        memset(hundred, 'x', sizeof(hundred));
        st_frame(&s, BINARY, 0, hundred, 100);
        st_frame(&s, PING, FIN, hundred, 125);
        st_frame(&s, CONT, 0, hundred, 100);
        st_frame(&s, CONT, FIN, hundred, 50);
        st_frame(&s, BINARY, 0, hundred, 125);
        bad = s.len;
        st_frame(&s, CONT, FIN, hundred, 126);
        run_all(&s, &o, &r);
        expect_n(&r, 3);
        expect_ctl(&r, 0, PING, hundred, 125, 0);
        expect_msg(&r, 1, BINARY, hundred, 250, 3);
        expect_err(&r, 2, 1009, bad + 4);
        st_free(&s);
    }
}


/* A control frame split across reads borrows memory until the next call;
 * a parser freed in the middle of one must not leak (LeakSanitizer). */
static void
test_control_memory(void **state)
{
    uint8_t ping[100];
    wf_wsf_parser_t p;
    wf_wsf_event_t ev;
    stream_t s = {0};
    size_t cut, used;

    (void)state;
    memset(ping, 'q', sizeof(ping));
    st_frame(&s, PING, FIN, ping, sizeof(ping));
    for (cut = 1; cut < s.len; cut++) {
        wf_wsf_parser_init(&p, 0);
        used = wf_wsf_parse(&p, s.p, cut, 0, &ev);
        assert_int_equal(used, cut);
        assert_int_equal(ev.type, WF_WSF_EV_NONE);
        wf_wsf_parser_free(&p);
    }
    st_free(&s);
}


/* ---- encoders ---- */

static void
test_header_encoding(void **state)
{
    static const struct {
        uint64_t len;
        size_t size;
        const char *bytes;
    } cases[] = {
        {0, 2, "\x81\x00"},
        {125, 2, "\x81\x7d"},
        {126, 4, "\x81\x7e\x00\x7e"},
        {65535, 4, "\x81\x7e\xff\xff"},
        {65536, 10, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"},
        {0x123456789aULL, 10, "\x81\x7f\x00\x00\x00\x12\x34\x56\x78\x9a"},
    };
    uint8_t out[WF_WSF_HDR_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < WF_ARRAY_LEN(cases); i++) {
        assert_int_equal(wf_wsf_header(out, TEXT, 1, 0, cases[i].len),
                         cases[i].size);
        assert_memory_equal(out, cases[i].bytes, cases[i].size);
        assert_int_equal(wf_wsf_masked_size(cases[i].len),
                         cases[i].size + 4 + cases[i].len);
    }
    wf_wsf_header(out, BINARY, 0, 1, 5);
    assert_int_equal(out[0], 0x42);
    wf_wsf_header(out, BINARY, 1, 1, 5);
    assert_int_equal(out[0], 0xc2);
    wf_wsf_header(out, CONT, 0, 0, 5);
    assert_int_equal(out[0], 0x00);
}


/* The masked encoder and the parser's unmasking against a plain XOR, at
 * every alignment of the buffer and every length up to 100. */
static void
test_masking(void **state)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t payload[100], space[128 + 16], *out;
    wf_wsf_parser_t p;
    wf_wsf_event_t ev;
    size_t align, n, i, hdr, used;

    (void)state;
    for (i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    for (align = 0; align < 16; align++) {
        for (n = 0; n <= sizeof(payload); n++) {
            out = space + align;
            used = wf_wsf_encode_masked(out, BINARY, FIN, key, payload, n);
            hdr = used - n;
            assert_int_equal(out[0], 0x82);
            assert_int_equal(out[1], 0x80 | n);
            assert_memory_equal(out + hdr - 4, key, 4);
            for (i = 0; i < n; i++)
                assert_int_equal(out[hdr + i], payload[i] ^ key[i & 3]);
            wf_wsf_parser_init(&p, 0);
            assert_int_equal(wf_wsf_parse(&p, out, used, 0, &ev), used);
            assert_int_equal(ev.type, WF_WSF_EV_DATA);
            assert_true(ev.data == out + hdr);
            assert_int_equal(ev.len, n);
            assert_memory_equal(ev.data, payload, n);
            wf_wsf_parser_free(&p);
        }
    }
}


/* Random frames, valid or not: the parser never crashes, and every
 * split gives the events the whole input gives. */
static void
test_random_streams(void **state)
{
    static const int ops[] = {TEXT, BINARY, CONT, CONT, PING,
                              PONG, CLOSE,  3,    0xb};
    static const char *texts[] = {
        "",           "a",    "hello",        "\xce\xba\xe1\xbd\xb9",
        "\xe1\xbd",   "\xb9", "\xed\xa0\x80", "\x03\xe8",
        "\x03\xe8ok", "\x03"};
    uint8_t big[300];
    stream_t s = {0};
    result_t r;
    opts_t o;
    unsigned iter, f, bits;
    int op;

    (void)state;
    memset(big, 'b', sizeof(big));
    random_runs = 30;
    for (iter = 0; iter < 1500; iter++) {
        o.deflate = (int)rnd(2);
        o.max_msg = rnd(3) == 0 ? rnd(400) : 0;
        for (f = 0; f < 1 + rnd(8); f++) {
            op = ops[rnd(WF_ARRAY_LEN(ops))];
            bits = rnd(8) == 0 ? 0 : FIN;
            if (rnd(16) == 0)
                bits |= (rnd(7) + 1) << 4;
            if (rnd(12) == 0)
                st_frame(&s, op, bits, big, rnd(sizeof(big)));
            else
                st_text(&s, bits, texts[rnd(WF_ARRAY_LEN(texts))]);
            if (rnd(40) == 0)
                s.p[s.len - 1] ^= 0x80; /* corrupt something */
        }
        run_all(&s, &o, &r);
        st_free(&s);
    }
    random_runs = 200;
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_size),
        cmocka_unit_test(test_1_text_binary_sizes),
        cmocka_unit_test(test_1_chunked_delivery),
        cmocka_unit_test(test_2_ping_pong),
        cmocka_unit_test(test_2_several_pings),
        cmocka_unit_test(test_2_pong_encoding),
        cmocka_unit_test(test_3_reserved_bits),
        cmocka_unit_test(test_3_rsv1_with_deflate),
        cmocka_unit_test(test_4_reserved_opcodes),
        cmocka_unit_test(test_5_fragmented_control),
        cmocka_unit_test(test_5_fragmented_messages),
        cmocka_unit_test(test_5_ping_between_fragments_every_split),
        cmocka_unit_test(test_5_bad_continuations),
        cmocka_unit_test(test_6_utf8_whole_and_split),
        cmocka_unit_test(test_6_empty_text),
        cmocka_unit_test(test_6_fail_fast),
        cmocka_unit_test(test_6_binary_not_checked),
        cmocka_unit_test(test_7_close_then_nothing),
        cmocka_unit_test(test_7_close_payloads),
        cmocka_unit_test(test_7_close_codes),
        cmocka_unit_test(test_7_close_check),
        cmocka_unit_test(test_7_close_encoding),
        cmocka_unit_test(test_9_large_messages),
        cmocka_unit_test(test_9_fragmented_large),
        cmocka_unit_test(test_9_chunked_large),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_control_memory),
        cmocka_unit_test(test_header_encoding),
        cmocka_unit_test(test_masking),
        cmocka_unit_test(test_random_streams),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
