/* test_utf8.c - unit tests of shared/utf8.c: the cases of Markus Kuhn's
 * UTF-8 decoder stress test (by category, written from its description),
 * each fed whole, split at every byte, byte by byte and behind ASCII runs
 * of every length, checked against a slow reference decoder; then random
 * strings against the same reference. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define VALID (-1) /* complete and valid */
#define TRUNC (-2) /* valid so far, but ends inside a sequence */

typedef struct utf8_case {
    const char *name;
    const char *bytes;
    size_t len;
    int expect; /* VALID, TRUNC or the index of the first bad byte */
} utf8_case_t;

/* clang-format off */
#define C(name, s, expect) {name, s, sizeof(s) - 1, expect}
/* clang-format on */

static const utf8_case_t cases[] = {
    C("2 hello mu",
      "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0"
      "\xc3\xa1-UTF-8!!",
      VALID),
    C("3 kosme+surrogate",
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
      "\xed\xa0\x80"
      "edited",
      12),
    C("5 kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", VALID),
    C("7 first 1", "\x00", VALID),
    C("7 first 2", "\xc2\x80", VALID),
    C("7 first 3", "\xe0\xa0\x80", VALID),
    C("7 first 4", "\xf0\x90\x80\x80", VALID),
    C("8 first 5", "\xf8\x88\x80\x80\x80", 0),
    C("8 first 6", "\xfc\x84\x80\x80\x80\x80", 0),
    C("9 last 1", "\x7f", VALID),
    C("9 last 2", "\xdf\xbf", VALID),
    C("9 last 3", "\xef\xbf\xbf", VALID),
    C("9 last 4", "\xf4\x8f\xbf\xbf", VALID),
    C("10 last 4 of 21 bits", "\xf7\xbf\xbf\xbf", 0),
    C("10 last 5", "\xfb\xbf\xbf\xbf\xbf", 0),
    C("10 last 6", "\xfd\xbf\xbf\xbf\xbf\xbf", 0),
    C("11 U+D7FF", "\xed\x9f\xbf", VALID),
    C("11 U+E000", "\xee\x80\x80", VALID),
    C("11 U+FFFD", "\xef\xbf\xbd", VALID),
    C("11 U+10FFFF", "\xf4\x8f\xbf\xbf", VALID),
    C("11 U+110000", "\xf4\x90\x80\x80", 1),
    C("11 F5", "\xf5\x80\x80\x80", 0),
    C("12 first continuation", "\x80", 0),
    C("12 last continuation", "\xbf", 0),
    C("12 two continuations", "\x80\xbf", 0),
    C("12 three continuations", "\x80\xbf\x80", 0),
    C("12 after ASCII", "ab\xbf", 2),
    C("12 after a character", "\xc2\x80\x80", 2),
    C("13 lonely C0", "\xc0\x20", 0),
    C("13 lonely C2", "\xc2\x20", 1),
    C("13 lonely DF", "\xdf\x20", 1),
    C("13 lonely E0", "\xe0\x20", 1),
    C("13 lonely EF", "\xef\x20", 1),
    C("13 lonely F0", "\xf0\x20", 1),
    C("13 lonely F7", "\xf7\x20", 0),
    C("13 lonely F8", "\xf8\x20", 0),
    C("13 lonely FC", "\xfc\x20", 0),
    C("14 C0 alone", "\xc0", 0),
    C("14 E0 80 alone", "\xe0\x80", 1),
    C("14 F0 80 80 alone", "\xf0\x80\x80", 1),
    C("14 DF alone", "\xdf", TRUNC),
    C("14 EF BF alone", "\xef\xbf", TRUNC),
    C("14 E1 80 alone", "\xe1\x80", TRUNC),
    C("14 F1 80 80 alone", "\xf1\x80\x80", TRUNC),
    C("14 F4 8F BF alone", "\xf4\x8f\xbf", TRUNC),
    C("14 F7 BF BF alone", "\xf7\xbf\xbf", 0),
    C("15 concatenated", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80", 0),
    C("15 C2 then E1", "\xc2\xe1\x80", 1),
    C("15 E1 80 then C2 80", "\xe1\x80\xc2\x80", 2),
    C("16 FE", "\xfe", 0),
    C("16 FF", "\xff", 0),
    C("16 FE FE FF FF", "\xfe\xfe\xff\xff", 0),
    C("17 overlong / 2", "\xc0\xaf", 0),
    C("17 overlong / 3", "\xe0\x80\xaf", 1),
    C("17 overlong / 4", "\xf0\x80\x80\xaf", 1),
    C("17 overlong / 5", "\xf8\x80\x80\x80\xaf", 0),
    C("17 overlong / 6", "\xfc\x80\x80\x80\x80\xaf", 0),
    C("18 max overlong 2", "\xc1\xbf", 0),
    C("18 max overlong 3", "\xe0\x9f\xbf", 1),
    C("18 max overlong 4", "\xf0\x8f\xbf\xbf", 1),
    C("18 max overlong 5", "\xf8\x87\xbf\xbf\xbf", 0),
    C("18 max overlong 6", "\xfc\x83\xbf\xbf\xbf\xbf", 0),
    C("19 overlong NUL 2", "\xc0\x80", 0),
    C("19 overlong NUL 3", "\xe0\x80\x80", 1),
    C("19 overlong NUL 4", "\xf0\x80\x80\x80", 1),
    C("20 U+D800", "\xed\xa0\x80", 1),
    C("20 U+DB7F", "\xed\xad\xbf", 1),
    C("20 U+DB80", "\xed\xae\x80", 1),
    C("20 U+DBFF", "\xed\xaf\xbf", 1),
    C("20 U+DC00", "\xed\xb0\x80", 1),
    C("20 U+DF80", "\xed\xbe\x80", 1),
    C("20 U+DFFF", "\xed\xbf\xbf", 1),
    C("21 U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80", 1),
    C("21 U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf", 1),
    C("22 U+FFFE", "\xef\xbf\xbe", VALID),
    C("22 U+FFFF", "\xef\xbf\xbf", VALID),
    C("22 U+FDD0", "\xef\xb7\x90", VALID),
    C("22 U+1FFFE", "\xf0\x9f\xbf\xbe", VALID),
    C("22 U+10FFFE", "\xf4\x8f\xbf\xbe", VALID),
    C("23 BOM", "\xef\xbb\xbf", VALID),
    C("23 combining", "e\xcc\x81", VALID),
    C("23 emoji", "\xf0\x9f\x98\x80", VALID),
    C("23 empty", "", VALID),
};


/* Reference: can a sequence whose bits so far are cp, with rem
 * continuation bytes to come, still become a valid scalar of at least
 * min? Works on the range of code points the completions cover. */
static int
ref_feasible(uint32_t cp, unsigned rem, uint32_t min)
{
    uint32_t lo = cp << (6 * rem), hi = lo | ((1u << (6 * rem)) - 1);

    if (lo < min)
        lo = min;
    if (hi > 0x10ffff)
        hi = 0x10ffff;
    if (lo > hi)
        return 0;
    return !(lo >= 0xd800 && hi <= 0xdfff);
}


/* Reference decoder by arithmetic; returns VALID, TRUNC or the index of
 * the first byte after which no completion is valid UTF-8. */
static long
ref_check(const uint8_t *s, size_t n)
{
    size_t i = 0, k;
    unsigned need;
    uint32_t cp, min;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xc0 && s[i] < 0xe0) {
            need = 1, cp = s[i] & 0x1f, min = 0x80;
        } else if (s[i] >= 0xe0 && s[i] < 0xf0) {
            need = 2, cp = s[i] & 0x0f, min = 0x800;
        } else if (s[i] >= 0xf0 && s[i] < 0xf8) {
            need = 3, cp = s[i] & 0x07, min = 0x10000;
        } else {
            return (long)i;
        }
        for (k = 1; k <= need; k++) {
            if (!ref_feasible(cp, need - (unsigned)k + 1, min))
                return (long)(i + k - 1);
            if (i + k >= n)
                return TRUNC;
            if ((s[i + k] & 0xc0) != 0x80)
                return (long)(i + k);
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (!ref_feasible(cp, 0, min))
            return (long)(i + need);
        i += need + 1;
    }
    return VALID;
}


/* Feed s[0..n) in pieces ending at the given cut points; returns VALID,
 * TRUNC or the absolute index of the bad byte. */
static long
feed_cuts(const uint8_t *s, size_t n, const size_t *cuts, size_t ncuts)
{
    wf_utf8_state_t st = WF_UTF8_INIT;
    size_t start = 0, end, bad = 12345, c;
    int r = WF_UTF8_OK;

    for (c = 0; c <= ncuts; c++) {
        end = c < ncuts ? cuts[c] : n;
        r = wf_utf8_feed(&st, s + start, end - start, &bad);
        if (r == WF_UTF8_INVALID) {
            /* The state sticks. */
            size_t again = 99;
            assert_int_equal(wf_utf8_feed(&st, s, n, &again), WF_UTF8_INVALID);
            assert_int_equal(again, 0);
            return (long)(start + bad);
        }
        assert_int_equal(r == WF_UTF8_OK, wf_utf8_complete(st));
        start = end;
    }
    return r == WF_UTF8_OK ? VALID : TRUNC;
}


/* Every way of feeding s must give the expected answer. */
static void
check_all_ways(const uint8_t *s, size_t n, long expect)
{
    size_t cuts[2], a, b, *bytes;

    assert_int_equal(feed_cuts(s, n, NULL, 0), expect);
    assert_int_equal(wf_utf8_valid(s, n), expect == VALID);
    for (a = 0; a <= n; a++) {
        cuts[0] = a;
        assert_int_equal(feed_cuts(s, n, cuts, 1), expect);
        if (n > 24)
            continue;
        for (b = a; b <= n; b++) {
            cuts[1] = b;
            assert_int_equal(feed_cuts(s, n, cuts, 2), expect);
        }
    }
    bytes = malloc((n + 1) * sizeof(*bytes));
    for (a = 0; a < n; a++)
        bytes[a] = a + 1;
    assert_int_equal(feed_cuts(s, n, bytes, n), expect);
    free(bytes);
}


static void
test_reference_agrees(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const utf8_case_t *c = &cases[i];

        if (ref_check((const uint8_t *)c->bytes, c->len) != c->expect)
            fail_msg("reference disagrees on case %s", c->name);
    }
}


static void
test_kuhn_cases(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const utf8_case_t *c = &cases[i];

        check_all_ways((const uint8_t *)c->bytes, c->len, c->expect);
    }
}


/* Put each case behind 0..40 ASCII bytes and before 0..9, so the bad byte
 * lands in every lane of the 8-byte fast path and the 32-byte loop. */
static void
test_kuhn_cases_in_ascii(void **state)
{
    uint8_t buf[128];
    size_t i, pre, post, n;
    long expect;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const utf8_case_t *c = &cases[i];

        for (pre = 0; pre <= 40; pre++) {
            for (post = 0; post <= 9; post++) {
                memset(buf, 'a', pre);
                memcpy(buf + pre, c->bytes, c->len);
                memset(buf + pre + c->len, 'z', post);
                n = pre + c->len + post;
                if (c->expect >= 0)
                    expect = c->expect + (long)pre;
                else if (c->expect == TRUNC && post > 0)
                    expect = (long)(pre + c->len); /* the first 'z' */
                else
                    expect = c->expect;
                assert_int_equal(ref_check(buf, n), expect);
                assert_int_equal(feed_cuts(buf, n, NULL, 0), expect);
                if (pre % 7 == 0) {
                    size_t cut = pre + c->len / 2;

                    assert_int_equal(feed_cuts(buf, n, &cut, 1), expect);
                }
            }
        }
    }
}


/* Prefixes of "kosme": valid at character boundaries, else truncated. */
static void
test_kosme_prefixes(void **state)
{
    static const uint8_t kosme[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc"
                                   "\xce\xb5";
    size_t n;

    (void)state;
    for (n = 0; n <= 11; n++) {
        int boundary =
            n == 0 || n == 2 || n == 5 || n == 7 || n == 9 || n == 11;

        check_all_ways(kosme, n, boundary ? VALID : TRUNC);
    }
}


/* Every lead byte and every second byte: agree with the reference. */
static void
test_all_two_byte_prefixes(void **state)
{
    uint8_t s[4];
    unsigned a, b;

    (void)state;
    for (a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        check_all_ways(s, 1, ref_check(s, 1));
        for (b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            assert_int_equal(feed_cuts(s, 2, NULL, 0), ref_check(s, 2));
            s[2] = 0x80;
            s[3] = 0xbf;
            assert_int_equal(feed_cuts(s, 4, NULL, 0), ref_check(s, 4));
        }
    }
}


static size_t
encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}


/* Every scalar value encodes to valid UTF-8; every surrogate does not. */
static void
test_every_code_point(void **state)
{
    uint8_t s[4];
    uint32_t cp;
    size_t n;

    (void)state;
    for (cp = 0; cp <= 0x10ffff; cp++) {
        n = encode(cp, s);
        if (cp >= 0xd800 && cp <= 0xdfff)
            assert_int_equal(feed_cuts(s, n, NULL, 0), 1);
        else
            assert_int_equal(feed_cuts(s, n, NULL, 0), VALID);
    }
}


static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}


/* Random strings made of likely troublemakers, at random split points,
 * against the reference. */
static void
test_random_against_reference(void **state)
{
    static const uint8_t pool[] = {
        'a',  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
        0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
        0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff, 0x80, 0xbf, 0x80, 0xbf,
    };
    uint8_t s[64];
    size_t cuts[3], n, i, iter;

    (void)state;
    for (iter = 0; iter < 200000; iter++) {
        n = rng() % sizeof(s);
        for (i = 0; i < n; i++)
            s[i] = rng() % 4 == 0 ? 'a' : pool[rng() % sizeof(pool)];
        cuts[0] = n ? rng() % (n + 1) : 0;
        cuts[1] = cuts[0] + (n - cuts[0] ? rng() % (n - cuts[0] + 1) : 0);
        cuts[2] = cuts[1];
        assert_int_equal(feed_cuts(s, n, cuts, 3), ref_check(s, n));
    }
}


/* Random valid text of every length class, split at random. */
static void
test_random_valid_text(void **state)
{
    uint8_t s[4096];
    size_t n, cuts[2], iter;
    uint32_t cp;

    (void)state;
    for (iter = 0; iter < 2000; iter++) {
        n = 0;
        while (n < sizeof(s) - 4) {
            switch (rng() % 4) {
            case 0:
                cp = rng() % 0x80;
                break;
            case 1:
                cp = 0x80 + rng() % 0x780;
                break;
            case 2:
                cp = 0x800 + rng() % 0xf800;
                break;
            default:
                cp = 0x10000 + rng() % 0x100000;
                break;
            }
            if (cp >= 0xd800 && cp <= 0xdfff)
                cp = 'x';
            n += encode(cp, s + n);
        }
        cuts[0] = rng() % (n + 1);
        cuts[1] = cuts[0] + rng() % (n - cuts[0] + 1);
        assert_int_equal(feed_cuts(s, n, cuts, 2), VALID);
        assert_true(wf_utf8_valid(s, n));
    }
}


static void
test_trim(void **state)
{
    static const char euro[] = "ab\xe2\x82\xac";
    static const char four[] = "\xf0\x9f\x98\x80";

    (void)state;
    assert_int_equal(wf_utf8_trim(euro, 5), 5);
    assert_int_equal(wf_utf8_trim(euro, 4), 2);
    assert_int_equal(wf_utf8_trim(euro, 3), 2);
    assert_int_equal(wf_utf8_trim(euro, 2), 2);
    assert_int_equal(wf_utf8_trim(euro, 0), 0);
    assert_int_equal(wf_utf8_trim(four, 4), 4);
    assert_int_equal(wf_utf8_trim(four, 3), 0);
    assert_int_equal(wf_utf8_trim(four, 1), 0);
    assert_int_equal(wf_utf8_trim("\xc2\xb5", 2), 2);
    assert_int_equal(wf_utf8_trim("\xc2\xb5", 1), 0);
}


static void
test_bad_state_is_rejected(void **state)
{
    wf_utf8_state_t st = 77;
    size_t bad = 5;

    (void)state;
    assert_int_equal(wf_utf8_feed(&st, (const uint8_t *)"a", 1, &bad),
                     WF_UTF8_INVALID);
    assert_int_equal(bad, 0);
    st = WF_UTF8_INIT;
    assert_int_equal(wf_utf8_feed(&st, NULL, 0, &bad), WF_UTF8_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_agrees),
        cmocka_unit_test(test_kuhn_cases),
        cmocka_unit_test(test_kuhn_cases_in_ascii),
        cmocka_unit_test(test_kosme_prefixes),
        cmocka_unit_test(test_all_two_byte_prefixes),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_random_valid_text),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_bad_state_is_rejected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
