/* fuzz_json.c - fuzz target for shared/json.c, the parser every client
 * protocol message goes through. The input is one candidate JSON text
 * (no control bytes). Checked on every input:
 *   - wf_json_validate() agrees with itself across depth limits (a text
 *     valid at depth 8 is valid at 4096, an error found within depth 8
 *     is the same error at 4096, limits above WF_JSON_DEPTH_MAX clamp)
 *     and a valid text is valid UTF-8 (json.c and utf8.c agree);
 *   - wf_json_obj_scan() agrees with wf_json_validate() (same result for
 *     an object, except "duplicate key" for a requested key seen twice,
 *     which an independent walk over the top-level keys confirms); the
 *     spans it returns lie in the input, have the type their first byte
 *     says, validate on their own, and decode: strings to valid UTF-8
 *     that wf_json_buf_str() re-encodes into a string decoding back to
 *     the same bytes, integers to the same digits;
 *   - wf_json_buf_str() of any bytes is a valid JSON string in valid
 *     UTF-8 that decodes back to the input when the input was UTF-8. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "utf8.h"

#include "fuzz.h"

#define JSON_DEPTH 8 /* a protocol-sized limit; the other is the maximum */

/* The keys of the client protocol (see the protocol's op messages). */
static const char *const json_keys[] = {"op", "ch", "id", "data", "since"};
#define JSON_NKEYS (sizeof(json_keys) / sizeof(json_keys[0]))


static void
json_check_rc(int rc)
{
    FUZZ_CHECK(rc == 0 || rc == WF_EINVAL || rc == WF_ELIMIT);
}


/* Decode the JSON string span p[0..n) into a malloc'd buffer of n bytes
 * (always enough: no escape decodes to more bytes than it takes). */
static char *
json_decode(const char *p, size_t n, size_t *outlen)
{
    char *out = malloc(n);
    int rc;

    FUZZ_CHECK(out != NULL);
    rc = wf_json_str_decode(p, n, out, n, outlen);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(*outlen < n);
    FUZZ_CHECK(out[*outlen] == '\0');
    return out;
}


/* wf_json_buf_str(p, n) is a valid JSON string; when p is valid UTF-8 it
 * decodes back to p, else to valid UTF-8 all the same. */
static void
json_check_buf_str(const char *p, size_t n)
{
    wf_buf_t b = WF_BUF_INIT;
    size_t dlen, olen;
    const char *o;
    char *d;

    wf_json_buf_str(&b, p, n);
    olen = wf_buf_avail(&b);
    FUZZ_CHECK(olen >= 2 && b.data != NULL);
    o = b.data + b.off;
    FUZZ_CHECK(o[0] == '"' && o[olen - 1] == '"');
    FUZZ_CHECK(wf_json_validate(o, olen, 0) == 0);
    FUZZ_CHECK(wf_utf8_valid(o, olen));
    d = json_decode(o, olen, &dlen);
    FUZZ_CHECK(wf_utf8_valid(d, dlen));
    if (wf_utf8_valid(p, n))
        FUZZ_CHECK(dlen == n && memcmp(d, p, n) == 0);
    free(d);
    wf_buf_free(&b);
}


/* A validated string span: decodes to valid UTF-8 that survives a round
 * trip through wf_json_buf_str(). */
static void
json_check_string(const char *p, size_t n)
{
    size_t dlen;
    char *d = json_decode(p, n, &dlen);

    FUZZ_CHECK(wf_utf8_valid(d, dlen));
    json_check_buf_str(d, dlen);
    free(d);
}


/* wf_json_int64() on any span: 0 only for an integer it prints back the
 * same (but for "-0"), ELIMIT only for a long run of digits. */
static void
json_check_int(const char *p, size_t n)
{
    char again[32];
    int64_t v = 12345;
    int rc = wf_json_int64(p, n, &v);

    json_check_rc(rc);
    if (rc == 0) {
        int m = snprintf(again, sizeof(again), "%" PRId64, v);

        if (!(n == 2 && p[0] == '-' && p[1] == '0'))
            FUZZ_CHECK((size_t)m == n && memcmp(again, p, n) == 0);
        else
            FUZZ_CHECK(v == 0);
    } else if (rc == WF_ELIMIT) {
        FUZZ_CHECK(n >= 19);
    }
}


/* Count how often each protocol key occurs among the top-level keys of
 * the valid JSON object p[0..n), comparing keys after decoding: an
 * independent, simple walk (valid input makes it simple). */
static void
json_count_keys(const char *p, size_t n, size_t counts[JSON_NKEYS])
{
    size_t i = 0, depth = 0, start, klen, k;
    int expect_key = 0;
    char *key;

    memset(counts, 0, JSON_NKEYS * sizeof(counts[0]));
    while (i < n) {
        char c = p[i];

        if (c == '"') {
            start = i++;
            while (p[i] != '"') {
                if (p[i] == '\\')
                    i++;
                i++;
            }
            i++;
            if (depth == 1 && expect_key) {
                key = json_decode(p + start, i - start, &klen);
                for (k = 0; k < JSON_NKEYS; k++)
                    if (klen == strlen(json_keys[k]) &&
                        memcmp(key, json_keys[k], klen) == 0)
                        counts[k]++;
                free(key);
                expect_key = 0;
            }
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        if ((c == '{' || c == ',') && depth == 1)
            expect_key = 1;
        i++;
    }
}


/* One field wf_json_obj_scan() reported. */
static void
json_check_field(const char *p, size_t n, const wf_json_field_t *f,
                 unsigned depth)
{
    if (f->type == WF_JSON_NONE) {
        FUZZ_CHECK(f->val == NULL && f->len == 0);
        return;
    }
    FUZZ_CHECK(f->val > p && f->len > 0 && f->val + f->len <= p + n);
    FUZZ_CHECK(wf_json_validate(f->val, f->len, depth - 1) == 0);
    switch (f->type) {
    case WF_JSON_STRING:
        FUZZ_CHECK(f->val[0] == '"');
        json_check_string(f->val, f->len);
        break;
    case WF_JSON_NUMBER:
        FUZZ_CHECK(f->val[0] == '-' || (f->val[0] >= '0' && f->val[0] <= '9'));
        json_check_int(f->val, f->len);
        break;
    case WF_JSON_OBJECT:
        FUZZ_CHECK(f->val[0] == '{' && f->val[f->len - 1] == '}');
        break;
    case WF_JSON_ARRAY:
        FUZZ_CHECK(f->val[0] == '[' && f->val[f->len - 1] == ']');
        break;
    case WF_JSON_TRUE:
        FUZZ_CHECK(f->len == 4 && memcmp(f->val, "true", 4) == 0);
        break;
    case WF_JSON_FALSE:
        FUZZ_CHECK(f->len == 5 && memcmp(f->val, "false", 5) == 0);
        break;
    case WF_JSON_NULL:
        FUZZ_CHECK(f->len == 4 && memcmp(f->val, "null", 4) == 0);
        break;
    default:
        FUZZ_CHECK(!"unknown field type");
    }
}


/* wf_json_obj_scan() at one depth limit, given what validation said. */
static void
json_check_scan(const char *p, size_t n, unsigned depth, int valid, int is_obj)
{
    wf_json_field_t f[JSON_NKEYS];
    size_t counts[JSON_NKEYS], k;
    const char *why = NULL, *why0 = NULL;
    int s0, s, dup = 0;

    s0 = wf_json_obj_scan(p, n, depth, NULL, 0, &why0);
    json_check_rc(s0);
    FUZZ_CHECK(s0 == 0 || why0 != NULL);
    FUZZ_CHECK(s0 == (is_obj ? valid : WF_EINVAL));

    for (k = 0; k < JSON_NKEYS; k++)
        f[k].name = json_keys[k];
    s = wf_json_obj_scan(p, n, depth, f, JSON_NKEYS, &why);
    FUZZ_TRACE("obj_scan depth %u: %d %s\n", depth, s, s ? why : "");
    json_check_rc(s);
    FUZZ_CHECK(s == 0 || why != NULL);
    if (s0 != 0) {
        FUZZ_CHECK(s == s0 ||
                   (s == WF_EINVAL && !strcmp(why, "duplicate key")));
        return;
    }
    json_count_keys(p, n, counts);
    for (k = 0; k < JSON_NKEYS; k++)
        dup |= counts[k] > 1;
    if (dup) {
        FUZZ_CHECK(s == WF_EINVAL && strcmp(why, "duplicate key") == 0);
        return;
    }
    FUZZ_CHECK(s == 0);
    for (k = 0; k < JSON_NKEYS; k++) {
        FUZZ_CHECK((f[k].type != WF_JSON_NONE) == (counts[k] == 1));
        json_check_field(p, n, &f[k], depth);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t i = 0;
    int v0, v8, vmax, vclamp, is_obj;

    v0 = wf_json_validate(p, size, 0);
    v8 = wf_json_validate(p, size, JSON_DEPTH);
    vmax = wf_json_validate(p, size, WF_JSON_DEPTH_MAX);
    vclamp = wf_json_validate(p, size, UINT_MAX);
    FUZZ_TRACE("validate: depth 0 %d, 8 %d, max %d\n", v0, v8, vmax);
    json_check_rc(v0);
    json_check_rc(v8);
    json_check_rc(vmax);
    FUZZ_CHECK(vclamp == vmax);
    if (v0 == 0)
        FUZZ_CHECK(v8 == 0);
    if (v8 == 0)
        FUZZ_CHECK(vmax == 0);
    if (v8 == WF_EINVAL)
        FUZZ_CHECK(vmax == WF_EINVAL);
    if (vmax == 0)
        FUZZ_CHECK(wf_utf8_valid(p, size));

    while (i < size &&
           (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    is_obj = i < size && p[i] == '{';
    json_check_scan(p, size, JSON_DEPTH, v8, is_obj);
    json_check_scan(p, size, WF_JSON_DEPTH_MAX, vmax, is_obj);

    if (vmax == 0 && i < size && p[i] == '"') {
        size_t end = size;

        while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t' ||
                           p[end - 1] == '\n' || p[end - 1] == '\r'))
            end--;
        json_check_string(p + i, end - i);
    }
    if (size <= 32)
        json_check_int(p, size);
    json_check_buf_str(p, size);
    return 0;
}
