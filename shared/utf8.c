/* utf8.c - incremental UTF-8 validator: an ASCII fast path that tests
 * eight bytes per step, then a small byte-class DFA for everything else. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"
#include "x.h"

/*
 * Byte classes. A lead byte says how many continuation bytes follow; a few
 * lead bytes also narrow the range of the first continuation byte, which is
 * how overlongs, surrogates and code points past U+10FFFF are refused:
 *
 *   E0 needs A0..BF next (else overlong: below U+0800)
 *   ED needs 80..9F next (else U+D800..U+DFFF)
 *   F0 needs 90..BF next (else overlong: below U+10000)
 *   F4 needs 80..8F next (else above U+10FFFF)
 *
 * so continuation bytes come in three classes: 80..8F, 90..9F and A0..BF.
 */
enum {
    UC_ASCII, /* 00..7F */
    UC_C80,   /* 80..8F */
    UC_C90,   /* 90..9F */
    UC_CA0,   /* A0..BF */
    UC_BAD,   /* C0, C1 (always overlong), F5..FF (past U+10FFFF) */
    UC_L2,    /* C2..DF: one continuation byte */
    UC_E0,    /* E0 */
    UC_L3,    /* E1..EC, EE, EF: two continuation bytes */
    UC_ED,    /* ED */
    UC_F0,    /* F0 */
    UC_L4,    /* F1..F3: three continuation bytes */
    UC_F4,    /* F4 */
    UC_COUNT
};

/* States: how much of the current sequence is still expected. */
enum {
    US_ACCEPT, /* at a character boundary; must stay 0 (WF_UTF8_INIT) */
    US_REJECT, /* sticky */
    US_NEED1,  /* one continuation byte, any of 80..BF */
    US_NEED2,  /* two, the first any of 80..BF */
    US_NEED3,  /* three, the first any of 80..BF */
    US_E0,     /* two, the first A0..BF */
    US_ED,     /* two, the first 80..9F */
    US_F0,     /* three, the first 90..BF */
    US_F4,     /* three, the first 80..8F */
    US_COUNT
};

static const uint8_t utf8_class[256] = {
    [0x00 ... 0x7f] = UC_ASCII,
    [0x80 ... 0x8f] = UC_C80,
    [0x90 ... 0x9f] = UC_C90,
    [0xa0 ... 0xbf] = UC_CA0,
    [0xc0 ... 0xc1] = UC_BAD,
    [0xc2 ... 0xdf] = UC_L2,
    [0xe0] = UC_E0,
    [0xe1 ... 0xec] = UC_L3,
    [0xed] = UC_ED,
    [0xee ... 0xef] = UC_L3,
    [0xf0] = UC_F0,
    [0xf1 ... 0xf3] = UC_L4,
    [0xf4] = UC_F4,
    [0xf5 ... 0xff] = UC_BAD,
};

/* One row per state, one column per byte class (named by its last or
 * only byte); the ACCEPT row is the only one that starts a sequence, the
 * others count continuation bytes down. */
#define A US_ACCEPT
#define R US_REJECT
#define N1 US_NEED1
#define N2 US_NEED2
#define N3 US_NEED3
#define E0 US_E0
#define ED US_ED
#define F0 US_F0
#define F4 US_F4
/* clang-format off */
static const uint8_t utf8_next[US_COUNT][UC_COUNT] = {
    /*             7F  8F  9F  BF  bad L2  E0  L3  ED  F0  L4  F4 */
    [US_ACCEPT] = {A,  R,  R,  R,  R,  N1, E0, N2, ED, F0, N3, F4},
    [US_REJECT] = {R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R},
    [US_NEED1]  = {R,  A,  A,  A,  R,  R,  R,  R,  R,  R,  R,  R},
    [US_NEED2]  = {R,  N1, N1, N1, R,  R,  R,  R,  R,  R,  R,  R},
    [US_NEED3]  = {R,  N2, N2, N2, R,  R,  R,  R,  R,  R,  R,  R},
    [US_E0]     = {R,  R,  R,  N1, R,  R,  R,  R,  R,  R,  R,  R},
    [US_ED]     = {R,  N1, N1, R,  R,  R,  R,  R,  R,  R,  R,  R},
    [US_F0]     = {R,  R,  N2, N2, R,  R,  R,  R,  R,  R,  R,  R},
    [US_F4]     = {R,  N2, R,  R,  R,  R,  R,  R,  R,  R,  R,  R},
};
/* clang-format on */
#undef A
#undef R
#undef N1
#undef N2
#undef N3
#undef E0
#undef ED
#undef F0
#undef F4

#define UTF8_HIGH_BITS 0x8080808080808080ULL


/* Returns the length of the run of ASCII bytes at the start of p[0..n),
 * rounded down to a multiple of 8: the DFA finishes the rest. */
static size_t
utf8_ascii_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;
    uint64_t a, b, c, d;

    /* Four words per step while the text stays ASCII, then single words
     * to find the one holding the first non-ASCII byte. */
    while (n - i >= 32) {
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        memcpy(&d, p + i + 24, 8);
        if ((a | b | c | d) & UTF8_HIGH_BITS)
            break;
        i += 32;
    }
    while (n - i >= 8) {
        memcpy(&a, p + i, 8);
        if (a & UTF8_HIGH_BITS)
            break;
        i += 8;
    }
    return i;
}


int
wf_utf8_feed(wf_utf8_state_t *state, const uint8_t *p, size_t n, size_t *bad_at)
{
    unsigned st = *state;
    size_t i = 0;

    if (WF_UNLIKELY(st >= US_COUNT || st == US_REJECT)) {
        *state = US_REJECT;
        if (bad_at != NULL)
            *bad_at = 0;
        return WF_UTF8_INVALID;
    }
    while (i < n) {
        /* Between characters, an ASCII byte may start a run worth
         * skipping a word at a time; text that is mostly multi-byte
         * characters goes straight to the DFA. */
        if (st == US_ACCEPT && p[i] < 0x80) {
            i += utf8_ascii_prefix(p + i, n - i);
            while (i < n && p[i] < 0x80)
                i++;
            if (i == n)
                break;
        }
        st = utf8_next[st][utf8_class[p[i]]];
        if (WF_UNLIKELY(st == US_REJECT)) {
            *state = US_REJECT;
            if (bad_at != NULL)
                *bad_at = i;
            return WF_UTF8_INVALID;
        }
        i++;
    }
    *state = st;
    return st == US_ACCEPT ? WF_UTF8_OK : WF_UTF8_PARTIAL;
}


int
wf_utf8_complete(wf_utf8_state_t state)
{
    return state == US_ACCEPT;
}


int
wf_utf8_valid(const void *p, size_t n)
{
    wf_utf8_state_t st = WF_UTF8_INIT;

    return wf_utf8_feed(&st, p, n, NULL) == WF_UTF8_OK;
}


size_t
wf_utf8_trim(const void *p, size_t n)
{
    const uint8_t *s = p;
    size_t i = n, back = 0;
    unsigned need;

    /* Step back over at most three continuation bytes to the lead byte
     * and keep the sequence only if it is whole. */
    while (i > 0 && back < 4 && (s[i - 1] & 0xc0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0 || back == 4)
        return n;
    i--;
    if (s[i] < 0x80)
        need = 0;
    else if (s[i] >= 0xf0)
        need = 3;
    else if (s[i] >= 0xe0)
        need = 2;
    else
        need = 1;
    return back >= need ? n : i;
}
