/* test_json.c - unit tests for shared/json.c: acceptance and rejection
 * cases in the spirit of JSONTestSuite (written from its y_/n_ case
 * descriptions), the protocol object scanner, string decoding and
 * encoding, integers, and seeded fuzz loops meant to run under ASan. */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "x.h"

#define DEPTH 64
#define S(lit) {lit, sizeof(lit) - 1}

typedef struct jcase {
    const char *s;
    size_t n;
} jcase_t;


/* Validate a copy in a buffer of exactly n bytes, so that ASan catches
 * any read past the end (the input is never NUL-terminated). */
static int
validate(const char *s, size_t n, unsigned depth)
{
    char *p = malloc(n ? n : 1);
    int rc;

    assert_non_null(p);
    memcpy(p, s, n);
    rc = wf_json_validate(p, n, depth);
    free(p);
    return rc;
}


static int
validate_str(const char *s)
{
    return validate(s, strlen(s), DEPTH);
}


static uint64_t rng_state;


static uint64_t
rng(void)
{
    /* xorshift64*: deterministic across platforms for a given seed. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}


static size_t
rng_below(size_t n)
{
    return n ? (size_t)(rng() % n) : 0;
}


/* y_: must be accepted. */
static const jcase_t y_cases[] = {
    S("[]"), S("{}"), S("[[]   ]"), S("[\"\"]"), S("[\"a\"]"), S("[1]"),
    S("[-0]"), S("[-1]"), S("[0e1]"), S("[0E+1]"), S("[0e-1]"),
    S("[1.5e10]"), S("[-123.456e-789]"), S("[1E22]"), S("[123e65]"),
    S("[1e999]"), S("[100000000000000000000]"), S("[-0.0]"), S("[0.5]"),
    S("[true]"), S("[false]"), S("[null]"), S("{\"a\":\"b\"}"),
    S("{\"a\":[]}"), S("{\"\":0}"), S("{\"a\":\"b\",\"a\":\"c\"}"),
    S("{\"a\":1,\"b\":{\"c\":[1,{\"d\":null}]}}"),
    S("[\"\\u0060\\u012a\\u12AB\"]"), S("[\"\\uD834\\uDD1E\"]"),
    S("[\"\\uD800\"]"), S("[\"\\uDC00\"]"), S("[\"\\uDBFF\\uDBFF\"]"),
    S("[\"\\uD800abc\"]"), S("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
    S("[\"\\u0000\"]"), S("[\"\x7f\"]"), S("[\"\xc3\xa9\"]"),
    S("[\"\xe2\x82\xac\"]"), S("[\"\xf0\x9d\x84\x9e\"]"),
    S("[\"\xf4\x8f\xbf\xbf\"]"), S("[\"\xef\xbf\xbf\"]"),
    S("[\"\xee\x80\x80\"]"), S("[\"\xed\x9f\xbf\"]"),
    S("[\"\xc2\x80\"]"), S("[\"\xe0\xa0\x80\"]"), S("[\"\xf0\x90\x80\x80\"]"),
    S("1"), S("-0.5"), S("\"x\""), S("true"), S("false"), S("null"),
    S("\" \""), S("0"), S("-0"), S("1e-0"), S(" [1] "),
    S("\t\n\r [ 1 , 2 ] \n"), S("{ \"a\" : 1 }"), S("[1,[2,[3]]]"),
    S("[\"a\\\"b\"]"), S("\"\\/\""), S("[1e1, 0.1, 0, -0e0]"),
    S("{\"a\":{\"b\":{\"c\":{}}}}"), S("[[[[[[]]]]]]"),
    S("[\"abcdefghijklmnopqrstuvwxyz0123456789\"]"),
    S("{\"op\":\"pub\",\"ch\":\"room:42\",\"data\":{\"x\":[1,2]},\"id\":3}"),
};

/* n_: must be rejected with WF_EINVAL. */
static const jcase_t n_cases[] = {
    /* empty */
    S(""), S(" "), S("\n\t\r "),
    /* structure, commas, quotes, keys */
    S("[1,]"), S("[1,,2]"), S("[,1]"), S("[,]"), S("{\"a\":1,}"), S("{,}"),
    S("{\"a\" 1}"), S("{\"a\":}"), S("{\"a\"}"), S("{a:1}"), S("{'a':1}"),
    S("['a']"), S("{\"a\":1 \"b\":2}"), S("[1 2]"), S("{1:1}"),
    S("{null:1}"), S("{\"a\"::1}"), S("{:1}"), S("]"), S("}"), S(","),
    S(":"), S("[1:2]"), S("{\"a\",\"b\"}"),
    /* raw control characters in strings */
    S("[\"\x01\"]"), S("[\"\x1f\"]"), S("[\"\t\"]"), S("[\"\n\"]"),
    S("\"a\x00z\""), S("[\"\r\"]"),
    /* escapes */
    S("[\"\\a\"]"), S("[\"\\x41\"]"), S("[\"\\'\"]"), S("[\"\\u12\"]"),
    S("[\"\\u12G4\"]"), S("[\"\\uZZZZ\"]"), S("[\"\\U0041\"]"),
    S("[\"\\\"]"), S("[\"\\"), S("[\"\\u"), S("[\"\\u00"), S("\"\\\x00\""),
    S("\"\\ \""), S("\"\\u-123\""), S("\"\\u 123\""),
    /* numbers */
    S("[01]"), S("[-01]"), S("[00]"), S("[1.]"), S("[.1]"), S("[-]"),
    S("[1e]"), S("[1e+]"), S("[1E-]"), S("[+1]"), S("[NaN]"), S("[-NaN]"),
    S("[Infinity]"), S("[-Infinity]"), S("[0x1]"), S("[1.e1]"), S("[-.1]"),
    S("[1ee2]"), S("[1.2.3]"), S("[0.e1]"), S("[- 1]"), S("[1_000]"),
    S("-"), S("1."), S(".1"), S("1e"), S("01"), S("-01"), S("0."),
    S("2.e3"), S("[1e1.5]"), S("[--1]"), S("[1-]"), S("[0-1]"), S("[1+2]"),
    S("[\xef\xbc\x91]"), S("[1,e1]"),
    /* literals */
    S("[tru]"), S("[True]"), S("[nul]"), S("[fals]"), S("[truex]"),
    S("nulll"), S("t"), S("[NULL]"), S("[undefined]"),
    /* trailing garbage */
    S("[1]x"), S("[1]]"), S("{}}"), S("1 2"), S("\"a\" \"b\""), S("[] []"),
    S("{\"a\":1}#"), S("[1]\x00"), S("[1]//x"), S("/* */[]"), S("[1];"),
    /* unclosed */
    S("["), S("[1"), S("[1,"), S("{"), S("{\"a\""), S("{\"a\":"),
    S("{\"a\":1"), S("\"abc"), S("[\"abc"), S("[["), S("{\"a\":[1}"),
    S("[1}"), S("{\"a\":1]"), S("[{]"), S("{[]}"), S("\""),
    /* invalid UTF-8 in strings */
    S("[\"\x80\"]"), S("[\"\xbf\"]"), S("[\"\xc0\x80\"]"),
    S("[\"\xc1\xbf\"]"), S("[\"\xe0\x80\x80\"]"), S("[\"\xe0\x9f\xbf\"]"),
    S("[\"\xf0\x80\x80\x80\"]"), S("[\"\xf0\x8f\xbf\xbf\"]"),
    S("[\"\xed\xa0\x80\"]"), S("[\"\xed\xbf\xbf\"]"),
    S("[\"\xed\xa0\xbd\xed\xb8\x80\"]"), S("[\"\xf4\x90\x80\x80\"]"),
    S("[\"\xf5\x80\x80\x80\"]"), S("[\"\xff\"]"), S("[\"\xfe\"]"),
    S("[\"\xc3\"]"), S("[\"\xe2\x82\"]"), S("[\"\xf0\x9d\x84\"]"),
    S("[\"\xc3\x28\"]"), S("[\"\xe2\x28\xa1\"]"), S("\"\xc3"),
    S("[\"\xf8\x88\x80\x80\x80\"]"), S("[\"\xc2\xc2\"]"),
    /* UTF-8 outside strings, BOM, non-JSON whitespace */
    S("\xef\xbb\xbf[]"), S("[\xc3\xa9]"), S("[\f1]"), S("[\x0b]"),
    S("\xc2\xa0[]"), S("[1]\xc2\xa0"),
};


static void
test_validate_accept(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(y_cases) / sizeof(y_cases[0]); i++) {
        int rc = validate(y_cases[i].s, y_cases[i].n, DEPTH);

        if (rc != 0)
            fail_msg("y_ case %zu rejected: %s", i, y_cases[i].s);
    }
}


static void
test_validate_reject(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(n_cases) / sizeof(n_cases[0]); i++) {
        int rc = validate(n_cases[i].s, n_cases[i].n, DEPTH);

        if (rc != WF_EINVAL)
            fail_msg("n_ case %zu gave %d: %s", i, rc, n_cases[i].s);
    }
}


/* Each y_ case minus its last byte is incomplete and must be rejected,
 * except top-level numbers, which stay numbers ("12" -> "1"). */
static void
test_validate_truncated(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(y_cases) / sizeof(y_cases[0]); i++) {
        const char *s = y_cases[i].s;

        if (s[0] != '[' && s[0] != '{' && s[0] != '"')
            continue;
        for (k = 0; k < y_cases[i].n; k++)
            if (validate(s, k, DEPTH) != WF_EINVAL)
                fail_msg("y_ case %zu cut at %zu accepted", i, k);
    }
}


static char *
nested(const char *open, const char *close, unsigned depth, size_t *n)
{
    size_t lo = strlen(open), lc = strlen(close), i;
    char *p = malloc(depth * (lo + lc) + 1), *q;

    assert_non_null(p);
    q = p;
    for (i = 0; i < depth; i++, q += lo)
        memcpy(q, open, lo);
    for (i = 0; i < depth; i++, q += lc)
        memcpy(q, close, lc);
    *n = (size_t)(q - p);
    return p;
}


static void
test_validate_depth(void **state)
{
    unsigned d;
    size_t n;
    char *p;

    (void)state;
    for (d = 1; d <= 70; d++) {
        p = nested("[", "]", d, &n);
        assert_int_equal(validate(p, n, d), 0);
        assert_int_equal(validate(p, n, d - 1), WF_ELIMIT);
        free(p);
        p = nested("{\"k\":[", "]}", d, &n);
        assert_int_equal(validate(p, n, 2 * d), 0);
        assert_int_equal(validate(p, n, 2 * d - 1), WF_ELIMIT);
        free(p);
    }
    /* Depth 0 allows scalars only. */
    assert_int_equal(validate("1", 1, 0), 0);
    assert_int_equal(validate("\"s\"", 3, 0), 0);
    assert_int_equal(validate("[]", 2, 0), WF_ELIMIT);
    assert_int_equal(validate("{}", 2, 0), WF_ELIMIT);
    /* The limit wins over the missing closers. */
    p = nested("[", "", 100000, &n);
    assert_int_equal(validate(p, n, DEPTH), WF_ELIMIT);
    assert_int_equal(validate(p, n, UINT_MAX), WF_ELIMIT);
    free(p);
    /* Limits are clamped to WF_JSON_DEPTH_MAX. */
    p = nested("[", "]", WF_JSON_DEPTH_MAX, &n);
    assert_int_equal(validate(p, n, UINT_MAX), 0);
    free(p);
    p = nested("[", "]", WF_JSON_DEPTH_MAX + 1, &n);
    assert_int_equal(validate(p, n, UINT_MAX), WF_ELIMIT);
    free(p);
    /* Siblings do not add up. */
    assert_int_equal(validate_str("[[1],[2],{\"a\":[3]},[[]]]"), 0);
    assert_int_equal(validate("[[1],[2],[[]]]", 14, 2), WF_ELIMIT);
    assert_int_equal(validate("[[1],[2],[3]]", 13, 2), 0);
}


/* Put one special byte at every offset of a 40-byte string so that the
 * 8-bytes-at-a-time path sees it in every lane and near both ends. */
static void
test_validate_fast_path(void **state)
{
    static const char *const ok[] = {"\\n", "\\u00e9", "\xc3\xa9",
                                      "\xf0\x9f\x98\x80", "\x7f", " ",
                                      "!", "#", "[", "]", "~"};
    static const char *const bad[] = {"\x01", "\x1f", "\x80", "\xc3",
                                      "\xed\xa0\x80", "\\q", "\n"};
    char s[64];
    size_t i, k, l;

    (void)state;
    for (k = 0; k <= 40; k++) {
        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
            l = strlen(ok[i]);
            s[0] = '"';
            memset(s + 1, 'a', 40 + l);
            memcpy(s + 1 + k, ok[i], l);
            s[41 + l] = '"';
            if (validate(s, 42 + l, 0) != 0)
                fail_msg("ok[%zu] at %zu rejected", i, k);
            /* Cut anywhere inside: unterminated. */
            if (validate(s, 1 + k + l, 0) != WF_EINVAL)
                fail_msg("ok[%zu] at %zu, cut, accepted", i, k);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            l = strlen(bad[i]);
            s[0] = '"';
            memset(s + 1, 'a', 40 + l);
            memcpy(s + 1 + k, bad[i], l);
            s[41 + l] = '"';
            if (validate(s, 42 + l, 0) != WF_EINVAL)
                fail_msg("bad[%zu] at %zu accepted", i, k);
        }
    }
}


enum { F_OP, F_CH, F_DATA, F_ID, F_SINCE, F_N };


static void
fields_init(wf_json_field_t *f)
{
    memset(f, 0, F_N * sizeof(*f));
    f[F_OP].name = "op";
    f[F_CH].name = "ch";
    f[F_DATA].name = "data";
    f[F_ID].name = "id";
    f[F_SINCE].name = "since";
}


static int
scan(const char *s, wf_json_field_t *f, unsigned depth, const char **why)
{
    fields_init(f);
    return wf_json_obj_scan(s, strlen(s), depth, f, F_N, why);
}


/* The field was found with this type and exactly this text, pointing
 * into the input s. */
static void
expect_field(const wf_json_field_t *f, const char *s, wf_json_type_t type,
             const char *text)
{
    if (f->type != type)
        fail_msg("%s: type %d, want %d", f->name, f->type, type);
    if (type == WF_JSON_NONE) {
        assert_null(f->val);
        assert_int_equal(f->len, 0);
        return;
    }
    assert_true(f->val >= s && f->val + f->len <= s + strlen(s));
    if (f->len != strlen(text) || memcmp(f->val, text, f->len) != 0)
        fail_msg("%s: got '%.*s', want '%s'", f->name, (int)f->len, f->val,
                 text);
}


static void
test_scan_protocol(void **state)
{
    wf_json_field_t f[F_N];
    const char *s;

    (void)state;
    s = "{\"op\":\"sub\",\"ch\":\"room:42\",\"id\":1}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"sub\"");
    expect_field(&f[F_CH], s, WF_JSON_STRING, "\"room:42\"");
    expect_field(&f[F_ID], s, WF_JSON_NUMBER, "1");
    expect_field(&f[F_DATA], s, WF_JSON_NONE, NULL);
    expect_field(&f[F_SINCE], s, WF_JSON_NONE, NULL);

    s = "{\"op\":\"sub\",\"ch\":\"room:42\",\"id\":1,"
        "\"since\":\"1700000000000-0\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_SINCE], s, WF_JSON_STRING, "\"1700000000000-0\"");

    s = "{\"op\":\"unsub\",\"ch\":\"room:42\",\"id\":2}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"unsub\"");
    expect_field(&f[F_ID], s, WF_JSON_NUMBER, "2");

    s = "{\"op\":\"pub\",\"ch\":\"room:42\",\"data\":{\"x\":[1,2]},\"id\":3}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"pub\"");
    expect_field(&f[F_DATA], s, WF_JSON_OBJECT, "{\"x\":[1,2]}");
    expect_field(&f[F_ID], s, WF_JSON_NUMBER, "3");

    s = "{\"op\":\"ping\",\"id\":4}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"ping\"");
    expect_field(&f[F_ID], s, WF_JSON_NUMBER, "4");

    /* Without id; string ids; the order does not matter. */
    s = "{\"op\":\"ping\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_ID], s, WF_JSON_NONE, NULL);
    s = "{\"ch\":\"a\",\"op\":\"sub\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"sub\"");
    expect_field(&f[F_ID], s, WF_JSON_NONE, NULL);
    s = "{\"id\":\"req-7\",\"op\":\"pub\",\"data\":null,\"ch\":\"a\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_ID], s, WF_JSON_STRING, "\"req-7\"");
    expect_field(&f[F_DATA], s, WF_JSON_NULL, "null");

    /* Unknown keys are ignored, whatever they hold. */
    s = "{\"x\":{\"op\":1},\"op\":\"ping\",\"y\":[{\"id\":2}],\"z\":\"id\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"ping\"");
    expect_field(&f[F_ID], s, WF_JSON_NONE, NULL);

    /* Missing keys: the caller decides. */
    s = "{}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_NONE, NULL);
    assert_int_equal(wf_json_obj_scan(s, 2, DEPTH, NULL, 0, NULL), 0);
}


static void
test_scan_data_types(void **state)
{
    static const char *const data[] = {
        "\"s\"", "\"\"", "\"\\u00e9\\n\\\"\"", "-1.5e3", "0", "1E+2",
        "{}", "{\"a\":{\"b\":[]}}", "[]", "[1,\"x\",null,[{}]]", "true",
        "false", "null", "{ \"op\" : \"sub\" , \"id\" : [ 1 ] }",
    };
    static const wf_json_type_t type[] = {
        WF_JSON_STRING, WF_JSON_STRING, WF_JSON_STRING, WF_JSON_NUMBER,
        WF_JSON_NUMBER, WF_JSON_NUMBER, WF_JSON_OBJECT, WF_JSON_OBJECT,
        WF_JSON_ARRAY, WF_JSON_ARRAY, WF_JSON_TRUE, WF_JSON_FALSE,
        WF_JSON_NULL, WF_JSON_OBJECT,
    };
    wf_json_field_t f[F_N];
    char s[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
        snprintf(s, sizeof(s),
                 "{\"op\":\"pub\",\"ch\":\"c\",\"data\":%s,\"id\":3}", data[i]);
        assert_int_equal(scan(s, f, DEPTH, NULL), 0);
        expect_field(&f[F_DATA], s, type[i], data[i]);
        expect_field(&f[F_ID], s, WF_JSON_NUMBER, "3");
        /* Whitespace everywhere it may go, and data last. */
        snprintf(s, sizeof(s),
                 " \n\t{ \"op\" : \"pub\" ,\r\n\t\"id\"\n:\n3 , \"ch\" :"
                 "\"c\"  ,  \"data\"\r\n:  %s \t\n} \r\n", data[i]);
        assert_int_equal(scan(s, f, DEPTH, NULL), 0);
        expect_field(&f[F_DATA], s, type[i], data[i]);
        expect_field(&f[F_ID], s, WF_JSON_NUMBER, "3");
        expect_field(&f[F_CH], s, WF_JSON_STRING, "\"c\"");
        /* No whitespace at all, data first. */
        snprintf(s, sizeof(s), "{\"data\":%s,\"op\":\"pub\"}", data[i]);
        assert_int_equal(scan(s, f, DEPTH, NULL), 0);
        expect_field(&f[F_DATA], s, type[i], data[i]);
        expect_field(&f[F_OP], s, WF_JSON_STRING, "\"pub\"");
    }
}


static void
test_scan_errors(void **state)
{
    wf_json_field_t f[F_N];
    const char *why;

    (void)state;
    why = NULL;
    assert_int_equal(scan("{\"op\":\"sub\",\"op\":\"pub\"}", f, DEPTH, &why),
                     WF_EINVAL);
    assert_string_equal(why, "duplicate key");
    why = NULL;
    assert_int_equal(scan("{\"id\":1,\"op\":\"ping\",\"id\":1}", f, DEPTH,
                          &why),
                     WF_EINVAL);
    assert_string_equal(why, "duplicate key");
    /* Duplicates of keys nobody asked about, or nested, are fine. */
    assert_int_equal(scan("{\"x\":1,\"op\":\"ping\",\"x\":2}", f, DEPTH, NULL),
                     0);
    assert_int_equal(scan("{\"data\":{\"op\":1,\"op\":2},\"op\":\"pub\"}", f,
                          DEPTH, NULL),
                     0);

    why = NULL;
    assert_int_equal(scan("[\"op\",\"sub\"]", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "not an object");
    assert_int_equal(scan(" \"op\"", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "not an object");
    assert_int_equal(scan("42", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "not an object");
    assert_int_equal(scan("null", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "not an object");
    assert_int_equal(scan("", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "empty input");
    assert_int_equal(scan(" \r\n", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "empty input");

    assert_int_equal(scan("{\"op\":\"sub\",}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "expected a string key");
    assert_int_equal(scan("{\"op\":\"sub\"} x", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "trailing characters after the value");
    assert_int_equal(scan("{\"op\":\"sub\"", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "unexpected end of input");
    assert_int_equal(scan("{\"op\" \"sub\"}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "expected ':' after key");
    assert_int_equal(scan("{\"op\":\"sub\" \"id\":1}", f, DEPTH, &why),
                     WF_EINVAL);
    assert_string_equal(why, "expected ',' or '}'");
    assert_int_equal(scan("{\"data\":[1 2]}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "expected ',' or ']'");
    assert_int_equal(scan("{\"id\":01}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "leading zero in number");
    assert_int_equal(scan("{\"id\":1.}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "bad number fraction");
    assert_int_equal(scan("{\"id\":1e}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "bad number exponent");
    assert_int_equal(scan("{\"id\":-}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "bad number");
    assert_int_equal(scan("{\"id\":nul}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "unexpected character");
    assert_int_equal(scan("{\"ch\":\"a\x01\"}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "control character in string");
    assert_int_equal(scan("{\"ch\":\"a\\x\"}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "bad escape in string");
    assert_int_equal(scan("{\"ch\":\"\\u00g0\"}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "bad \\u escape in string");
    assert_int_equal(scan("{\"ch\":\"abc}", f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "unterminated string");
    /* Unknown keys are validated too. */
    assert_int_equal(scan("{\"op\":\"ping\",\"x\":\"\xc0\xaf\"}", f, DEPTH,
                          &why),
                     WF_EINVAL);
    assert_string_equal(why, "invalid UTF-8 in string");
    assert_int_equal(scan("{\"op\":\"ping\",\"\xff\":1}", f, DEPTH, &why),
                     WF_EINVAL);
    assert_string_equal(why, "invalid UTF-8 in string");

    /* The top object counts as one level. */
    assert_int_equal(scan("{\"data\":{\"x\":[1]}}", f, 3, NULL), 0);
    assert_int_equal(scan("{\"data\":{\"x\":[[1]]}}", f, 3, &why), WF_ELIMIT);
    assert_string_equal(why, "nested too deeply");
    assert_int_equal(scan("{\"x\":[[1]],\"op\":\"ping\"}", f, 2, &why),
                     WF_ELIMIT);
    assert_int_equal(scan("{}", f, 0, &why), WF_ELIMIT);
}


static void
test_scan_escaped_keys(void **state)
{
    wf_json_field_t f[F_N], u[2];
    const char *s, *why;

    (void)state;
    s = "{\"\\u006fp\":\"sub\",\"c\\u0068\":\"a\",\"\\u0069\\u0064\":1}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"sub\"");
    expect_field(&f[F_CH], s, WF_JSON_STRING, "\"a\"");
    expect_field(&f[F_ID], s, WF_JSON_NUMBER, "1");
    s = "{\"\\u006F\\u0070\":\"ping\"}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_STRING, "\"ping\"");
    /* The same key spelt twice is a duplicate. */
    s = "{\"op\":\"sub\",\"\\u006fp\":\"pub\"}";
    assert_int_equal(scan(s, f, DEPTH, &why), WF_EINVAL);
    assert_string_equal(why, "duplicate key");
    /* Near misses. */
    s = "{\"op\\u0000\":1,\"o\":2,\"opp\":3,\"\\u006f\":4,\"\\u006fpp\":5,"
        "\"OP\":6,\"o\\/p\":7,\"\":8}";
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    expect_field(&f[F_OP], s, WF_JSON_NONE, NULL);

    /* Non-ASCII keys, escaped or not, surrogate pairs too. */
    u[0].name = "caf\xc3\xa9";
    u[1].name = "\xf0\x9f\x98\x80/";
    s = "{\"caf\\u00e9\":1,\"\\uD83D\\uDE00\\/\":2}";
    assert_int_equal(wf_json_obj_scan(s, strlen(s), DEPTH, u, 2, NULL), 0);
    expect_field(&u[0], s, WF_JSON_NUMBER, "1");
    expect_field(&u[1], s, WF_JSON_NUMBER, "2");
    s = "{\"caf\xc3\xa9\":1,\"\xf0\x9f\x98\x80/\":2}";
    assert_int_equal(wf_json_obj_scan(s, strlen(s), DEPTH, u, 2, NULL), 0);
    expect_field(&u[0], s, WF_JSON_NUMBER, "1");
    expect_field(&u[1], s, WF_JSON_NUMBER, "2");
    s = "{\"caf\\u00c9\":1,\"\\uD83D\\uDE01/\":2}";
    assert_int_equal(wf_json_obj_scan(s, strlen(s), DEPTH, u, 2, NULL), 0);
    expect_field(&u[0], s, WF_JSON_NONE, NULL);
    expect_field(&u[1], s, WF_JSON_NONE, NULL);
    /* A lone surrogate key decodes to U+FFFD, like wf_json_str_decode. */
    u[0].name = "\xef\xbf\xbd";
    s = "{\"\\uD800\":true}";
    assert_int_equal(wf_json_obj_scan(s, strlen(s), DEPTH, u, 1, NULL), 0);
    expect_field(&u[0], s, WF_JSON_TRUE, "true");
}


static void
expect_decode(const char *span, const char *want, size_t wantlen)
{
    char out[64];
    size_t len = 99;

    assert_int_equal(validate(span, strlen(span), 0), 0);
    assert_int_equal(wf_json_str_decode(span, strlen(span), out, sizeof(out),
                                        &len),
                     0);
    assert_int_equal(len, wantlen);
    assert_memory_equal(out, want, wantlen);
    assert_int_equal(out[len], '\0');
}


static void
test_str_decode(void **state)
{
    char out[8];
    size_t len;

    (void)state;
    expect_decode("\"\"", "", 0);
    expect_decode("\"abc\"", "abc", 3);
    expect_decode("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    expect_decode("\"\\u0041\\u00e9\\u20AC\\uD834\\uDD1E\"",
                  "A\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 10);
    expect_decode("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
    expect_decode("\"\\u0000\"", "\0", 1);
    expect_decode("\"a\\u0000b\"", "a\0b", 3);
    expect_decode("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
                  "caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
    /* Lone surrogates become U+FFFD. */
    expect_decode("\"\\uD800\"", "\xef\xbf\xbd", 3);
    expect_decode("\"\\uDC00\"", "\xef\xbf\xbd", 3);
    expect_decode("\"\\uD800\\u0041\"", "\xef\xbf\xbd" "A", 4);
    expect_decode("\"\\uD800A\"", "\xef\xbf\xbd" "A", 4);
    expect_decode("\"\\uDC00\\uD800\"", "\xef\xbf\xbd\xef\xbf\xbd", 6);
    expect_decode("\"\\uD800\\uD800\\uDC00\"",
                  "\xef\xbf\xbd\xf0\x90\x80\x80", 7);
    expect_decode("\"\\uD800\\n\"", "\xef\xbf\xbd\n", 4);

    /* Room for the NUL is required. */
    assert_int_equal(wf_json_str_decode("\"abc\"", 5, out, 3, &len),
                     WF_ELIMIT);
    assert_int_equal(wf_json_str_decode("\"abc\"", 5, out, 4, &len), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(wf_json_str_decode("\"\"", 2, out, 0, &len), WF_ELIMIT);
    assert_int_equal(wf_json_str_decode("\"\"", 2, out, 1, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(wf_json_str_decode("\"ab\\u20ac\"", 10, out, 5, &len),
                     WF_ELIMIT);
    assert_int_equal(wf_json_str_decode("\"ab\\u20ac\"", 10, out, 6, &len),
                     0);
    assert_int_equal(len, 5);
    assert_int_equal(wf_json_str_decode("\"abcdefgh\"", 10, out, 8, &len),
                     WF_ELIMIT);

    /* Not a string span. */
    assert_int_equal(wf_json_str_decode("abc", 3, out, 8, &len), WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"", 1, out, 8, &len), WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"a", 2, out, 8, &len), WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"a\\\"", 4, out, 8, &len),
                     WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"a\"b\"", 5, out, 8, &len),
                     WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"\\q\"", 4, out, 8, &len),
                     WF_EINVAL);
    assert_int_equal(wf_json_str_decode("\"\\u12\"", 6, out, 8, &len),
                     WF_EINVAL);
    assert_int_equal(wf_json_str_decode("1", 1, out, 8, &len), WF_EINVAL);
}


static void
test_int64(void **state)
{
    static const struct {
        const char *s;
        int rc;
        int64_t v;
    } c[] = {
        {"0", 0, 0},
        {"-0", 0, 0},
        {"7", 0, 7},
        {"-42", 0, -42},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", WF_ELIMIT, 0},
        {"-9223372036854775809", WF_ELIMIT, 0},
        {"18446744073709551616", WF_ELIMIT, 0},
        {"99999999999999999999999999", WF_ELIMIT, 0},
        {"1.0", WF_EINVAL, 0},
        {"1e3", WF_EINVAL, 0},
        {"01", WF_EINVAL, 0},
        {"-01", WF_EINVAL, 0},
        {"", WF_EINVAL, 0},
        {"-", WF_EINVAL, 0},
        {"+1", WF_EINVAL, 0},
        {"\"3\"", WF_EINVAL, 0},
        {"1 ", WF_EINVAL, 0},
        {" 1", WF_EINVAL, 0},
        {"99999999999999999999x", WF_EINVAL, 0},
    };
    int64_t v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        v = 12345;
        if (wf_json_int64(c[i].s, strlen(c[i].s), &v) != c[i].rc)
            fail_msg("int64 case '%s'", c[i].s);
        if (c[i].rc == 0)
            assert_true(v == c[i].v);
    }
}


/* Encode p[0..n), check the output is valid JSON and return it decoded
 * (with the encoding in *enc if enc is not NULL). */
static char *
encode_decode(const char *p, size_t n, size_t *outlen, wf_buf_t *enc)
{
    wf_buf_t b = WF_BUF_INIT;
    size_t cap = 3 * n + 1;
    char *out = malloc(cap);

    assert_non_null(out);
    wf_json_buf_str(&b, p, n);
    assert_int_equal(validate(wf_buf_head(&b), wf_buf_avail(&b), 0), 0);
    assert_int_equal(wf_json_str_decode(wf_buf_head(&b), wf_buf_avail(&b),
                                        out, cap, outlen),
                     0);
    if (enc != NULL)
        *enc = b;
    else
        wf_buf_free(&b);
    return out;
}


static void
expect_encode(const char *in, size_t n, const char *want)
{
    wf_buf_t b = WF_BUF_INIT;

    wf_json_buf_str(&b, in, n);
    if (wf_buf_avail(&b) != strlen(want) ||
        memcmp(wf_buf_head(&b), want, strlen(want)) != 0)
        fail_msg("encode: got '%.*s', want '%s'", (int)wf_buf_avail(&b),
                 wf_buf_head(&b), want);
    wf_buf_free(&b);
}


static void
test_buf_str(void **state)
{
    wf_buf_t b = WF_BUF_INIT;

    (void)state;
    expect_encode("", 0, "\"\"");
    expect_encode("abc", 3, "\"abc\"");
    expect_encode("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
    expect_encode("\x00\x01\b\t\n\x0b\f\r\x1f\x7f", 10,
                  "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\x7f\"");
    expect_encode("caf\xc3\xa9 \xf0\x9f\x98\x80", 10,
                  "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* One U+FFFD per maximal ill-formed subpart. */
    expect_encode("\x80", 1, "\"\xef\xbf\xbd\"");
    expect_encode("a\xc3", 2, "\"a\xef\xbf\xbd\"");
    expect_encode("\xc3(", 2, "\"\xef\xbf\xbd(\"");
    expect_encode("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    expect_encode("\xe0\x80\xaf", 3,
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    expect_encode("\xed\xa0\x80", 3,
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    expect_encode("\xe2\x82", 2, "\"\xef\xbf\xbd\"");
    expect_encode("\xe2\x82x", 3, "\"\xef\xbf\xbdx\"");
    expect_encode("\xf0\x9f\x98", 3, "\"\xef\xbf\xbd\"");
    expect_encode("\xf0\x9f\x98\"", 4, "\"\xef\xbf\xbd\\\"\"");
    expect_encode("\xf4\x90\x80\x80", 4,
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    expect_encode("\xff\xfe", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    /* Appends after what the buffer holds. */
    wf_buf_append(&b, "{\"data\":", 8);
    wf_json_buf_str(&b, "x\ny", 3);
    wf_buf_append(&b, "}", 1);
    assert_int_equal(wf_buf_avail(&b), 15);
    assert_memory_equal(wf_buf_head(&b), "{\"data\":\"x\\ny\"}", 15);
    wf_buf_free(&b);
}


static void
test_buf_str_every_byte(void **state)
{
    char in[256], *out, want[128 + 128 * 3];
    size_t i, len;

    (void)state;
    for (i = 0; i < 256; i++) {
        in[i] = (char)i;
        out = encode_decode(in + i, 1, &len, NULL);
        if (i < 0x80) {
            assert_int_equal(len, 1);
            assert_int_equal((unsigned char)out[0], i);
        } else {
            assert_int_equal(len, 3);
            assert_memory_equal(out, "\xef\xbf\xbd", 3);
        }
        free(out);
    }
    /* All of them at once: no byte from 0x80 up starts a valid sequence
     * when followed by the next byte value. */
    for (i = 0; i < 128; i++)
        want[i] = (char)i;
    for (i = 0; i < 128; i++)
        memcpy(want + 128 + 3 * i, "\xef\xbf\xbd", 3);
    out = encode_decode(in, 256, &len, NULL);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    free(out);
}


/* Random valid UTF-8 (every plane, controls, quotes) round-trips
 * exactly; random bytes always encode to valid JSON whose decoding
 * encodes to the same text again. */
static void
test_buf_str_random(void **state)
{
    static const unsigned long top[] = {0x80, 0x800, 0x10000, 0x110000};
    unsigned char in[512];
    wf_buf_t enc, enc2;
    size_t n, len, len2, i;
    unsigned long cp;
    int round;
    char *out, *out2;

    (void)state;
    rng_state = 0x5EED0001;
    for (round = 0; round < 3000; round++) {
        for (n = 0; n + 4 <= 400 && rng_below(50) != 0;) {
            do {
                cp = (unsigned long)rng_below(top[rng_below(4)]);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
            if (cp < 0x80) {
                in[n++] = (unsigned char)cp;
            } else if (cp < 0x800) {
                in[n++] = (unsigned char)(0xC0 | cp >> 6);
                in[n++] = (unsigned char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                in[n++] = (unsigned char)(0xE0 | cp >> 12);
                in[n++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
                in[n++] = (unsigned char)(0x80 | (cp & 0x3F));
            } else {
                in[n++] = (unsigned char)(0xF0 | cp >> 18);
                in[n++] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
                in[n++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
                in[n++] = (unsigned char)(0x80 | (cp & 0x3F));
            }
        }
        out = encode_decode((char *)in, n, &len, NULL);
        assert_int_equal(len, n);
        assert_memory_equal(out, in, n);
        free(out);

        n = rng_below(sizeof(in));
        for (i = 0; i < n; i++)
            in[i] = (unsigned char)(round & 1 ? rng() : 0x70 + rng() % 0x20);
        out = encode_decode((char *)in, n, &len, &enc);
        out2 = encode_decode(out, len, &len2, &enc2);
        assert_int_equal(len2, len);
        assert_memory_equal(out2, out, len);
        assert_int_equal(wf_buf_avail(&enc2), wf_buf_avail(&enc));
        assert_memory_equal(wf_buf_head(&enc2), wf_buf_head(&enc),
                            wf_buf_avail(&enc));
        wf_buf_free(&enc);
        wf_buf_free(&enc2);
        free(out);
        free(out2);
    }
}


static void
test_int64_and_decode_on_scan(void **state)
{
    wf_json_field_t f[F_N];
    const char *s = "{\"op\":\"sub\",\"ch\":\"r\\u00f6\\u006fm:42\","
                    "\"id\":-9223372036854775808}";
    char ch[32];
    size_t len;
    int64_t id;

    (void)state;
    assert_int_equal(scan(s, f, DEPTH, NULL), 0);
    assert_int_equal(wf_json_str_decode(f[F_CH].val, f[F_CH].len, ch,
                                        sizeof(ch), &len),
                     0);
    assert_string_equal(ch, "r\xc3\xb6om:42");
    assert_int_equal(wf_json_int64(f[F_ID].val, f[F_ID].len, &id), 0);
    assert_true(id == INT64_MIN);
}


/* Empty input may come as a NULL pointer. */
static void
test_null_input(void **state)
{
    wf_json_field_t f[F_N];
    wf_buf_t b = WF_BUF_INIT;
    const char *why = NULL;
    char out[4];
    size_t len;
    int64_t v;

    (void)state;
    assert_int_equal(wf_json_validate(NULL, 0, DEPTH), WF_EINVAL);
    fields_init(f);
    assert_int_equal(wf_json_obj_scan(NULL, 0, DEPTH, f, F_N, &why),
                     WF_EINVAL);
    assert_string_equal(why, "empty input");
    assert_int_equal(wf_json_str_decode(NULL, 0, out, sizeof(out), &len),
                     WF_EINVAL);
    assert_int_equal(wf_json_int64(NULL, 0, &v), WF_EINVAL);
    wf_json_buf_str(&b, NULL, 0);
    assert_int_equal(wf_buf_avail(&b), 2);
    assert_memory_equal(wf_buf_head(&b), "\"\"", 2);
    wf_buf_free(&b);
}


static const char *const seeds[] = {
    "{\"op\":\"sub\",\"ch\":\"room:42\",\"id\":1}",
    "{\"op\":\"unsub\",\"ch\":\"room:42\",\"id\":2,\"since\":\"17-0\"}",
    "{\"op\":\"pub\",\"ch\":\"room:42\",\"data\":{\"x\":[1,2]},\"id\":3}",
    "{\"op\":\"ping\",\"id\":4}",
    ("{ \"op\" : \"pub\", \"data\" : [true, false, null, -1.5e-3, \"\\u00e9\","
     " {\"\\uD834\\uDD1E\":\"caf\xc3\xa9\"}], \"ch\":\"a\\/b\" }"),
    "[1,[2,[3,[4,[5,{\"a\":\"\\\"\\\\\\b\\f\\n\\r\\t\"}]]]]]",
    "\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9 plain ascii text here\"",
    "-0.000123E+45",
};


static void
mutate(char *p, size_t *n, size_t cap)
{
    static const char alpha[] = "{}[]\",:0123456789-+.eE \\tnrfu\n";
    size_t at = rng_below(*n + 1), k;
    char c = (char)(rng_below(3) ? alpha[rng_below(sizeof(alpha) - 1)]
                                 : (char)rng());

    switch (rng_below(6)) {
    case 0: /* replace */
        if (at < *n)
            p[at] = c;
        break;
    case 1: /* flip a bit */
        if (at < *n)
            p[at] ^= (char)(1 << rng_below(8));
        break;
    case 2: /* insert */
        if (*n < cap) {
            memmove(p + at + 1, p + at, *n - at);
            p[at] = c;
            (*n)++;
        }
        break;
    case 3: /* delete */
        if (at < *n) {
            memmove(p + at, p + at + 1, *n - at - 1);
            (*n)--;
        }
        break;
    case 4: /* duplicate a slice */
        k = WF_MIN(rng_below(16), *n - WF_MIN(at, *n));
        if (*n + k <= cap) {
            memmove(p + at + k, p + at, *n - at);
            (*n) += k;
        }
        break;
    default: /* truncate */
        *n = at;
    }
}


/* Whatever the input, results are one of the three codes; the scanner
 * agrees with the validator; every span it returns is itself a valid
 * JSON text, and strings/integers decode without overrunning. */
static void
check_any(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1), out[64];
    wf_json_field_t f[F_N];
    unsigned depth = (unsigned)rng_below(10);
    int rc, rs;
    const char *why;
    size_t i, len;
    int64_t v;
    wf_buf_t b = WF_BUF_INIT;

    assert_non_null(p);
    memcpy(p, s, n);
    rc = wf_json_validate(p, n, depth);
    assert_true(rc == 0 || rc == WF_EINVAL || rc == WF_ELIMIT);
    fields_init(f);
    why = NULL;
    rs = wf_json_obj_scan(p, n, depth, f, F_N, &why);
    assert_true(rs == 0 || rs == WF_EINVAL || rs == WF_ELIMIT);
    if (rs != 0)
        assert_non_null(why);
    /* An object is valid iff it scans, unless a requested key repeats. */
    if (rs == 0)
        assert_int_equal(rc, 0);
    else if (rs == WF_ELIMIT)
        assert_int_equal(rc, WF_ELIMIT);
    else if (rc == 0 && strcmp(why, "duplicate key") != 0)
        assert_string_equal(why, "not an object");
    for (i = 0; rs == 0 && i < F_N; i++) {
        if (f[i].type == WF_JSON_NONE)
            continue;
        assert_int_equal(wf_json_validate(f[i].val, f[i].len, depth), 0);
        if (f[i].type == WF_JSON_STRING) {
            rc = wf_json_str_decode(f[i].val, f[i].len, out, sizeof(out),
                                    &len);
            assert_true(rc == 0 || rc == WF_ELIMIT);
        } else if (f[i].type == WF_JSON_NUMBER) {
            rc = wf_json_int64(f[i].val, f[i].len, &v);
            assert_true(rc == 0 || rc == WF_EINVAL || rc == WF_ELIMIT);
        }
    }
    /* Anything at all can be sent on as a JSON string. */
    wf_json_buf_str(&b, p, n);
    assert_int_equal(wf_json_validate(wf_buf_head(&b), wf_buf_avail(&b), 0),
                     0);
    wf_buf_free(&b);
    free(p);
}


static void
test_fuzz_random(void **state)
{
    static const char alpha[] = "{}[]\",:0123456789-+.eE \\tnrfu\n";
    char s[128];
    size_t n, i;
    int round;

    (void)state;
    rng_state = 0x5EED0002;
    for (round = 0; round < 50000; round++) {
        n = rng_below(sizeof(s));
        for (i = 0; i < n; i++)
            s[i] = round % 4 == 0 ? (char)rng()
                                  : alpha[rng_below(sizeof(alpha) - 1)];
        check_any(s, n);
    }
}


static void
test_fuzz_mutate(void **state)
{
    char s[512];
    size_t n, k, valid = 0;
    int round, m;

    (void)state;
    rng_state = 0x5EED0003;
    for (round = 0; round < 50000; round++) {
        const char *seed = seeds[rng_below(WF_ARRAY_LEN(seeds))];

        n = strlen(seed);
        memcpy(s, seed, n);
        m = 1 + (int)rng_below(4);
        for (k = 0; k < (size_t)m; k++)
            mutate(s, &n, sizeof(s));
        check_any(s, n);
        valid += wf_json_validate(s, n, DEPTH) == 0;
    }
    /* The mutations must leave enough valid documents to be useful. */
    assert_true(valid > 1000);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_accept),
        cmocka_unit_test(test_validate_reject),
        cmocka_unit_test(test_validate_truncated),
        cmocka_unit_test(test_validate_depth),
        cmocka_unit_test(test_validate_fast_path),
        cmocka_unit_test(test_scan_protocol),
        cmocka_unit_test(test_scan_data_types),
        cmocka_unit_test(test_scan_errors),
        cmocka_unit_test(test_scan_escaped_keys),
        cmocka_unit_test(test_str_decode),
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_int64_and_decode_on_scan),
        cmocka_unit_test(test_buf_str),
        cmocka_unit_test(test_buf_str_every_byte),
        cmocka_unit_test(test_buf_str_random),
        cmocka_unit_test(test_null_input),
        cmocka_unit_test(test_fuzz_random),
        cmocka_unit_test(test_fuzz_mutate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
