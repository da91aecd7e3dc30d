/* json.c - strict JSON validation, the top-level object scanner of the
 * client protocol, and string decoding/encoding. Spans in, spans out:
 * nothing here allocates except wf_json_buf_str() through its wf_buf_t.
 * The parser is an explicit state machine whose container stack is a
 * bit array, so hostile nesting costs neither recursion nor memory. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "x.h"

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

typedef struct json_parser {
    const unsigned char *s;   /* next byte to read */
    const unsigned char *end; /* one past the last byte */
    const char *why;          /* static reason for the last error */
} json_parser_t;

/* What wf_json_obj_scan() collects while the parser walks its object. */
typedef struct json_scan {
    wf_json_field_t *fields;
    size_t nfields;
    wf_json_field_t *cur; /* field whose value is being parsed, or NULL */
} json_scan_t;

/* Parser states: a value is expected; a value just ended (so ',', a
 * closer or the end of input comes next); an object key is expected. */
enum { ST_VALUE, ST_AFTER, ST_KEY };


static void
json_init(json_parser_t *j, const char *p, size_t n)
{
    j->s = (const unsigned char *)p;
    j->end = n > 0 ? j->s + n : j->s; /* p may be NULL when n is 0 */
    j->why = NULL;
}


static int
json_fail(json_parser_t *j, const char *why)
{
    j->why = why;
    return WF_EINVAL;
}


static inline void
json_skip_ws(json_parser_t *j)
{
    while (j->s < j->end &&
           (*j->s == ' ' || *j->s == '\n' || *j->s == '\r' || *j->s == '\t'))
        j->s++;
}


static inline int
json_digit(const unsigned char *s, const unsigned char *end)
{
    return s < end && *s >= '0' && *s <= '9';
}


/* A byte that may appear in a string as is and needs no UTF-8 check. */
static inline int
json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}


/* Nonzero if any of the 8 bytes at s is not json_plain(): a byte below
 * 0x20, '"', '\\' or a non-ASCII byte (bit tricks from "Bit Twiddling
 * Hacks": hasless and haszero). Exact as to whether one exists. */
static inline uint64_t
json_special8(const unsigned char *s)
{
    uint64_t x, q, b;

    memcpy(&x, s, 8);
    q = x ^ (ONES * '"');
    b = x ^ (ONES * '\\');
    return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) |
            ((b - ONES) & ~b) | x) & HIGHS;
}


/* Value of the 4 hex digits at s, or -1. */
static long
json_hex4(const unsigned char *s)
{
    long v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned char c = s[i];

        if (c >= '0' && c <= '9')
            v = v * 16 + (c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v = v * 16 + ((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return v;
}


/* Length (2..4) of the well-formed UTF-8 sequence at s, of which avail
 * bytes may be read, or 0 if ill-formed; then *bad is the length of its
 * maximal ill-formed subpart (at least 1), per Unicode 3.9 table 3-7. */
static size_t
utf8_seq(const unsigned char *s, size_t avail, size_t *bad)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len, i;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (i = 1; i < len; i++) {
        if (i >= avail || s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}


/* Encode code point cp (<= U+10FFFF, not a surrogate) into u. */
static int
utf8_put(unsigned long cp, unsigned char *u)
{
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | cp >> 18);
    u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}


/* Parse the string whose opening quote is at j->s and leave j->s after
 * the closing one. *esc is set if it contains any escape. */
static int
json_string(json_parser_t *j, int *esc)
{
    const unsigned char *s = j->s + 1, *end = j->end;
    size_t len, bad;

    *esc = 0;
    for (;;) {
        /* Long runs of plain ASCII go 8 bytes at a time. */
        while (end - s >= 8 && !json_special8(s))
            s += 8;
        while (s < end && json_plain(*s))
            s++;
        if (s == end)
            return json_fail(j, "unterminated string");
        if (*s == '"')
            break;
        if (*s == '\\') {
            *esc = 1;
            if (++s == end)
                return json_fail(j, "unterminated string");
            if (*s == 'u') {
                if (end - s < 5 || json_hex4(s + 1) < 0)
                    return json_fail(j, "bad \\u escape in string");
                s += 5;
            } else if (*s != '\0' && strchr("\"\\/bfnrt", *s) != NULL) {
                s++;
            } else {
                return json_fail(j, "bad escape in string");
            }
        } else if (*s < 0x20) {
            return json_fail(j, "control character in string");
        } else {
            len = utf8_seq(s, (size_t)(end - s), &bad);
            if (len == 0)
                return json_fail(j, "invalid UTF-8 in string");
            s += len;
        }
    }
    j->s = s + 1;
    return 0;
}


static int
json_number(json_parser_t *j)
{
    const unsigned char *s = j->s, *end = j->end;

    if (*s == '-')
        s++;
    if (!json_digit(s, end))
        return json_fail(j, "bad number");
    if (*s == '0') {
        if (json_digit(++s, end))
            return json_fail(j, "leading zero in number");
    } else {
        while (json_digit(s, end))
            s++;
    }
    if (s < end && *s == '.') {
        if (!json_digit(++s, end))
            return json_fail(j, "bad number fraction");
        while (json_digit(s, end))
            s++;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < end && (*s == '+' || *s == '-'))
            s++;
        if (!json_digit(s, end))
            return json_fail(j, "bad number exponent");
        while (json_digit(s, end))
            s++;
    }
    j->s = s;
    return 0;
}


static int
json_literal(json_parser_t *j, const char *lit, size_t len)
{
    if ((size_t)(j->end - j->s) < len || memcmp(j->s, lit, len) != 0)
        return json_fail(j, "unexpected character");
    j->s += len;
    return 0;
}


/* Decode one unit of string content at *sp (before end, the closing
 * quote): a raw byte, an escape, or a \u surrogate pair. Writes 1..4
 * bytes to u and returns their number, or -1 on a malformed escape. */
static int
str_unit(const unsigned char **sp, const unsigned char *end, unsigned char *u)
{
    const unsigned char *s = *sp;
    long cp, lo;

    if (*s != '\\') {
        u[0] = *s;
        *sp = s + 1;
        return 1;
    }
    if (end - s < 2)
        return -1;
    *sp = s + 2;
    switch (s[1]) {
    case '"': case '\\': case '/': u[0] = s[1]; return 1;
    case 'b': u[0] = '\b'; return 1;
    case 'f': u[0] = '\f'; return 1;
    case 'n': u[0] = '\n'; return 1;
    case 'r': u[0] = '\r'; return 1;
    case 't': u[0] = '\t'; return 1;
    case 'u': break;
    default: return -1;
    }
    if (end - s < 6 || (cp = json_hex4(s + 2)) < 0)
        return -1;
    *sp = s + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 12 && s[6] == '\\' &&
        s[7] == 'u' && (lo = json_hex4(s + 8)) >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        *sp = s + 12;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD; /* lone surrogate: see json.h */
    }
    return utf8_put((unsigned long)cp, u);
}


/* Does the key k[0..klen) (between the quotes) decode to name? */
static int
scan_key_eq(const unsigned char *k, size_t klen, int esc, const char *name)
{
    const unsigned char *end = k + klen;
    size_t nlen = strlen(name), i = 0;
    unsigned char u[4];
    int m;

    if (!esc)
        return klen == nlen && memcmp(k, name, nlen) == 0;
    while (k < end) {
        m = str_unit(&k, end, u);
        if (m < 0 || (size_t)m > nlen - i ||
            memcmp(name + i, u, (size_t)m) != 0)
            return 0;
        i += (size_t)m;
    }
    return i == nlen;
}


/* A key of the top object was parsed: remember which field it names.
 * Returns -1 if that field was seen before. */
static int
scan_key(json_scan_t *sc, const unsigned char *k, size_t klen, int esc)
{
    size_t i;

    sc->cur = NULL;
    for (i = 0; i < sc->nfields; i++) {
        if (scan_key_eq(k, klen, esc, sc->fields[i].name)) {
            if (sc->fields[i].type != WF_JSON_NONE)
                return -1;
            sc->cur = &sc->fields[i];
            return 0;
        }
    }
    return 0;
}


/* A member value of the top object starts at s. */
static void
scan_begin(json_scan_t *sc, unsigned depth, const unsigned char *s)
{
    wf_json_field_t *f = sc != NULL && depth == 1 ? sc->cur : NULL;

    if (f == NULL)
        return;
    f->val = (const char *)s;
    switch (*s) {
    case '"': f->type = WF_JSON_STRING; break;
    case '{': f->type = WF_JSON_OBJECT; break;
    case '[': f->type = WF_JSON_ARRAY; break;
    case 't': f->type = WF_JSON_TRUE; break;
    case 'f': f->type = WF_JSON_FALSE; break;
    case 'n': f->type = WF_JSON_NULL; break;
    default: f->type = WF_JSON_NUMBER; break;
    }
}


/* A value ended just before s; depth is the nesting outside it. */
static void
scan_end(json_scan_t *sc, unsigned depth, const unsigned char *s)
{
    if (sc == NULL || depth != 1 || sc->cur == NULL)
        return;
    sc->cur->len = (size_t)((const char *)s - sc->cur->val);
    sc->cur = NULL;
}


/* Parse one JSON text from j->s to j->end. sc, if not NULL, collects
 * the fields of the top-level object (the caller checked it is one).
 * objs has bit d set when the container at depth d+1 is an object. */
static int
json_parse(json_parser_t *j, unsigned max_depth, json_scan_t *sc)
{
    uint64_t objs[WF_JSON_DEPTH_MAX / 64];
    const unsigned char *key;
    unsigned depth = 0;
    int st = ST_VALUE, rc, esc, obj;
    unsigned char c;

    if (max_depth > WF_JSON_DEPTH_MAX)
        max_depth = WF_JSON_DEPTH_MAX;
    for (;;) {
        json_skip_ws(j);
        if (j->s == j->end) {
            if (st == ST_AFTER && depth == 0)
                return 0;
            return json_fail(j, depth == 0 ? "empty input"
                                           : "unexpected end of input");
        }
        c = *j->s;
        obj = depth > 0 && ((objs[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1);
        switch (st) {
        case ST_VALUE:
            scan_begin(sc, depth, j->s);
            if (c == '{' || c == '[') {
                if (depth == max_depth) {
                    j->why = "nested too deeply";
                    return WF_ELIMIT;
                }
                if (c == '{')
                    objs[depth / 64] |= 1ULL << depth % 64;
                else
                    objs[depth / 64] &= ~(1ULL << depth % 64);
                depth++;
                j->s++;
                json_skip_ws(j);
                st = c == '{' ? ST_KEY : ST_VALUE;
                if (j->s < j->end && *j->s == (c == '{' ? '}' : ']')) {
                    j->s++;
                    scan_end(sc, --depth, j->s);
                    st = ST_AFTER;
                }
                continue;
            }
            if (c == '"')
                rc = json_string(j, &esc);
            else if (c == '-' || (c >= '0' && c <= '9'))
                rc = json_number(j);
            else if (c == 't')
                rc = json_literal(j, "true", 4);
            else if (c == 'f')
                rc = json_literal(j, "false", 5);
            else if (c == 'n')
                rc = json_literal(j, "null", 4);
            else
                rc = json_fail(j, "unexpected character");
            if (rc != 0)
                return rc;
            scan_end(sc, depth, j->s);
            st = ST_AFTER;
            break;
        case ST_AFTER:
            if (depth == 0)
                return json_fail(j, "trailing characters after the value");
            if (c == ',') {
                j->s++;
                st = obj ? ST_KEY : ST_VALUE;
            } else if (c == (obj ? '}' : ']')) {
                j->s++;
                scan_end(sc, --depth, j->s);
            } else {
                return json_fail(j, obj ? "expected ',' or '}'"
                                        : "expected ',' or ']'");
            }
            break;
        case ST_KEY:
            if (c != '"')
                return json_fail(j, "expected a string key");
            key = j->s;
            if ((rc = json_string(j, &esc)) != 0)
                return rc;
            if (sc != NULL && depth == 1 &&
                scan_key(sc, key + 1, (size_t)(j->s - key - 2), esc) != 0)
                return json_fail(j, "duplicate key");
            json_skip_ws(j);
            if (j->s == j->end || *j->s != ':')
                return json_fail(j, "expected ':' after key");
            j->s++;
            st = ST_VALUE;
            break;
        }
    }
}


int
wf_json_validate(const char *p, size_t n, unsigned max_depth)
{
    json_parser_t j;

    json_init(&j, p, n);
    return json_parse(&j, max_depth, NULL);
}


int
wf_json_obj_scan(const char *p, size_t n, unsigned max_depth,
                 wf_json_field_t *fields, size_t nfields, const char **why)
{
    json_parser_t j;
    json_scan_t sc;
    size_t i;
    int rc;

    for (i = 0; i < nfields; i++) {
        fields[i].type = WF_JSON_NONE;
        fields[i].val = NULL;
        fields[i].len = 0;
    }
    json_init(&j, p, n);
    json_skip_ws(&j);
    if (j.s == j.end) {
        rc = json_fail(&j, "empty input");
    } else if (*j.s != '{') {
        rc = json_fail(&j, "not an object");
    } else {
        sc.fields = fields;
        sc.nfields = nfields;
        sc.cur = NULL;
        rc = json_parse(&j, max_depth, &sc);
    }
    if (rc != 0 && why != NULL)
        *why = j.why;
    return rc;
}


int
wf_json_str_decode(const char *p, size_t n, char *out, size_t outcap,
                   size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)p, *end, *run;
    unsigned char u[4];
    size_t o = 0;
    int m;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return WF_EINVAL;
    if (outcap == 0)
        return WF_ELIMIT;
    end = s + n - 1;
    s++;
    while (s < end) {
        run = s;
        while (s < end && *s != '\\' && *s != '"')
            s++;
        if ((size_t)(s - run) >= outcap - o)
            return WF_ELIMIT;
        memcpy(out + o, run, (size_t)(s - run));
        o += (size_t)(s - run);
        if (s == end)
            break;
        if (*s == '"' || (m = str_unit(&s, end, u)) < 0)
            return WF_EINVAL;
        if ((size_t)m >= outcap - o)
            return WF_ELIMIT;
        memcpy(out + o, u, (size_t)m);
        o += (size_t)m;
    }
    out[o] = '\0';
    *outlen = o;
    return 0;
}


int
wf_json_int64(const char *p, size_t n, int64_t *out)
{
    const unsigned char *s = (const unsigned char *)p;
    const unsigned char *end = n > 0 ? s + n : s;
    uint64_t v = 0, lim = INT64_MAX;
    int over = 0;
    unsigned d;

    if (s < end && *s == '-') {
        lim = (uint64_t)INT64_MAX + 1;
        s++;
    }
    if (!json_digit(s, end) || (*s == '0' && end - s > 1))
        return WF_EINVAL;
    for (; s < end; s++) {
        if (!json_digit(s, end))
            return WF_EINVAL;
        d = *s - '0';
        if (v > (lim - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    if (over)
        return WF_ELIMIT;
    if (lim == (uint64_t)INT64_MAX)
        *out = (int64_t)v;
    else
        *out = v == lim ? INT64_MIN : -(int64_t)v;
    return 0;
}


void
wf_json_buf_str(wf_buf_t *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)p, *run;
    const unsigned char *end = n > 0 ? s + n : s;
    char e[6] = {'\\', 'u', '0', '0'};
    size_t len, bad = 1;

    if (n < SIZE_MAX - 2)
        wf_buf_reserve(b, n + 2); /* the usual case: nothing to escape */
    wf_buf_append(b, "\"", 1);
    run = s;
    while (s < end) {
        while (end - s >= 8 && !json_special8(s))
            s += 8;
        while (s < end && json_plain(*s))
            s++;
        if (s == end)
            break;
        if (*s >= 0x80 && (len = utf8_seq(s, (size_t)(end - s), &bad))) {
            s += len;
            continue;
        }
        wf_buf_append(b, run, (size_t)(s - run));
        if (*s >= 0x80) {
            wf_buf_append(b, "\xEF\xBF\xBD", 3);
            s += bad;
        } else {
            len = 2;
            switch (*s) {
            case '"': e[1] = '"'; break;
            case '\\': e[1] = '\\'; break;
            case '\b': e[1] = 'b'; break;
            case '\f': e[1] = 'f'; break;
            case '\n': e[1] = 'n'; break;
            case '\r': e[1] = 'r'; break;
            case '\t': e[1] = 't'; break;
            default:
                e[1] = 'u';
                e[4] = hex[*s >> 4];
                e[5] = hex[*s & 0xF];
                len = 6;
            }
            wf_buf_append(b, e, len);
            s++;
        }
        run = s;
    }
    wf_buf_append(b, run, (size_t)(s - run));
    wf_buf_append(b, "\"", 1);
}
