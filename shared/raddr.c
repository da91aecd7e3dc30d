/* raddr.c - parsing and redacted formatting of Redis address URLs. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "buf.h"
#include "err.h"
#include "raddr.h"
#include "x.h"

#define RADDR_REDACTED "****"
#define RADDR_HOST_MAX 253 /* longest DNS name */
#define RADDR_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Parse state: the reason of the first error, for the cause text. */
typedef struct raddr_err {
    char why[160];
} raddr_err_t;


static int raddr_fail(raddr_err_t *e, const char *fmt, ...) WF_PRINTF(2, 3);


static int
raddr_fail(raddr_err_t *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(e->why, sizeof(e->why), fmt, ap);
    va_end(ap);
    return -1;
}


/* Percent-decode s[0..n) into a new string in *out. A NUL byte (%00) is
 * refused: AUTH arguments travel as C strings. what names the part in the
 * error. Returns 0 or -1. */
static int
raddr_decode(const char *s, size_t n, const char *what, char **out,
             raddr_err_t *e)
{
    char *d = wf_xmalloc(n + 1);
    size_t i, j = 0;

    for (i = 0; i < n; i++) {
        int hi, lo;

        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        hi = i + 2 < n ? wf_hexval(s[i + 1]) : -1;
        lo = i + 2 < n ? wf_hexval(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(d);
            return raddr_fail(e, "bad percent-encoding in the %s", what);
        }
        d[j++] = (char)(hi << 4 | lo);
        i += 2;
    }
    d[j] = '\0';
    *out = d;
    return 0;
}


/* Parse s[0..n) as a decimal in [lo, hi]. Returns the value or -1. */
static long
raddr_number(const char *s, size_t n, long lo, long hi)
{
    long v = 0;
    size_t i;

    if (n == 0 || n > 9)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < lo || v > hi ? -1 : v;
}


/* The user info "[user]:pass" of a redis:// URL. */
static int
raddr_userinfo(const char *s, size_t n, wf_raddr_t *a, raddr_err_t *e)
{
    const char *colon = memchr(s, ':', n);
    size_t ulen;

    if (colon == NULL)
        return raddr_fail(e, "a password is required before '@' "
                             "(use [user]:password@)");
    ulen = (size_t)(colon - s);
    if (colon + 1 == s + n)
        return raddr_fail(e, "empty password");
    if (ulen > 0 && raddr_decode(s, ulen, "user name", &a->user, e) != 0)
        return -1;
    return raddr_decode(colon + 1, n - ulen - 1, "password", &a->pass, e);
}


/* host[:port][/db] of a redis:// URL. */
static int
raddr_hostpart(const char *s, wf_raddr_t *a, raddr_err_t *e)
{
    const char *h, *end, *p;
    size_t hlen, i;
    long v;

    if (*s == '[') {
        unsigned char in6[16];

        h = s + 1;
        end = strchr(h, ']');
        if (end == NULL)
            return raddr_fail(e, "missing ']' after an IPv6 address");
        hlen = (size_t)(end - h);
        a->host = wf_xstrndup(h, hlen);
        if (inet_pton(AF_INET6, a->host, in6) != 1)
            return raddr_fail(e, "invalid IPv6 address \"%s\"", a->host);
        p = end + 1;
    } else {
        h = s;
        hlen = strcspn(h, ":/");
        if (h[hlen] == ':' &&
            memchr(h + hlen + 1, ':', strcspn(h + hlen + 1, "/")) != NULL)
            return raddr_fail(e, "IPv6 addresses need brackets: "
                                 "redis://[::1]:6379");
        for (i = 0; i < hlen; i++) {
            char c = h[i];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
                return raddr_fail(e, "invalid character '%c' in the host", c);
        }
        if (hlen == 0)
            return raddr_fail(e, "missing host");
        if (hlen > RADDR_HOST_MAX)
            return raddr_fail(e, "host name too long");
        a->host = wf_xstrndup(h, hlen);
        p = h + hlen;
    }
    a->port = WF_RADDR_DEFAULT_PORT;
    if (*p == ':') {
        size_t n = strcspn(p + 1, "/");

        if ((v = raddr_number(p + 1, n, 1, 65535)) < 0)
            return raddr_fail(e, "invalid port \"%.*s\"", (int)WF_MIN(n, 16),
                              p + 1);
        a->port = (int)v;
        p += 1 + n;
    }
    if (*p == '/') {
        size_t n = strlen(p + 1);

        if (n > 0 && (v = raddr_number(p + 1, n, 0, 999999999)) < 0)
            return raddr_fail(e, "invalid database number \"%.*s\"",
                              (int)WF_MIN(n, 16), p + 1);
        a->db = n > 0 ? (int)v : 0;
    } else if (*p != '\0') {
        return raddr_fail(e, "unexpected '%c' after the host", *p);
    }
    return 0;
}


static int
raddr_parse_tcp(const char *rest, wf_raddr_t *a, raddr_err_t *e)
{
    const char *at = strrchr(rest, '@');

    a->kind = WF_RADDR_TCP;
    if (at != NULL) {
        if (raddr_userinfo(rest, (size_t)(at - rest), a, e) != 0)
            return -1;
        rest = at + 1;
    }
    if (strchr(rest, '?') != NULL)
        return raddr_fail(e, "query parameters are only supported with "
                             "unix: (use redis://[user]:pass@host:port/db)");
    return raddr_hostpart(rest, a, e);
}


/* One key=value of a unix: URL's query. */
static int
raddr_param(const char *s, size_t n, wf_raddr_t *a, int *seen_db,
            raddr_err_t *e)
{
    const char *eq = memchr(s, '=', n);
    size_t klen = eq ? (size_t)(eq - s) : n;
    const char *v = eq ? eq + 1 : s + n;
    size_t vlen = n - klen - (eq ? 1 : 0);
    long db;

    if (eq == NULL || klen == 0)
        return raddr_fail(e, "query parameters must be key=value");
    if (klen == 2 && memcmp(s, "db", 2) == 0) {
        if (*seen_db)
            return raddr_fail(e, "db given twice");
        if ((db = raddr_number(v, vlen, 0, 999999999)) < 0)
            return raddr_fail(e, "invalid database number \"%.*s\"",
                              (int)WF_MIN(vlen, 16), v);
        a->db = (int)db;
        *seen_db = 1;
        return 0;
    }
    if (klen == 8 && memcmp(s, "password", 8) == 0) {
        if (a->pass != NULL)
            return raddr_fail(e, "password given twice");
        if (vlen == 0)
            return raddr_fail(e, "empty password");
        return raddr_decode(v, vlen, "password", &a->pass, e);
    }
    if (klen == 4 && memcmp(s, "user", 4) == 0) {
        if (a->user != NULL)
            return raddr_fail(e, "user given twice");
        if (vlen == 0)
            return raddr_fail(e, "empty user name");
        return raddr_decode(v, vlen, "user name", &a->user, e);
    }
    return raddr_fail(e,
                      "unknown query parameter \"%.*s\" (known: db, "
                      "password, user)",
                      (int)WF_MIN(klen, 32), s);
}


static int
raddr_parse_unix(const char *rest, wf_raddr_t *a, raddr_err_t *e)
{
    const char *q;
    size_t plen;
    int seen_db = 0;

    a->kind = WF_RADDR_UNIX;
    if (rest[0] == '/' && rest[1] == '/') {
        rest += 2;
        if (rest[0] != '/')
            return raddr_fail(e, "a unix: URL has no host part (use "
                                 "unix:/path or unix:///path)");
    } else if (rest[0] != '/') {
        return raddr_fail(e, "the socket path must be absolute");
    }
    plen = strcspn(rest, "?");
    if (plen > RADDR_PATH_MAX)
        return raddr_fail(e, "socket path longer than %zu bytes",
                          RADDR_PATH_MAX);
    a->path = wf_xstrndup(rest, plen);
    q = rest + plen;
    if (*q == '?')
        q++;
    while (*q != '\0') {
        size_t n = strcspn(q, "&");

        if (raddr_param(q, n, a, &seen_db, e) != 0)
            return -1;
        q += n;
        if (*q == '&')
            q++;
    }
    if (a->user != NULL && a->pass == NULL)
        return raddr_fail(e, "user needs a password");
    return 0;
}


int
wf_raddr_parse(const char *url, wf_raddr_t *a, char **cause)
{
    raddr_err_t e;
    char *shown;
    int rc;

    memset(a, 0, sizeof(*a));
    e.why[0] = '\0';
    if (strncasecmp(url, "redis://", 8) == 0) {
        rc = raddr_parse_tcp(url + 8, a, &e);
    } else if (strncasecmp(url, "rediss://", 9) == 0) {
        a->tls = 1;
        rc = raddr_parse_tcp(url + 9, a, &e);
    } else if (strncasecmp(url, "unix:", 5) == 0) {
        rc = raddr_parse_unix(url + 5, a, &e);
    } else {
        rc = raddr_fail(&e, "expected redis://, rediss:// or unix:");
    }
    if (rc == 0)
        return 0;
    wf_raddr_free(a);
    shown = wf_raddr_redact(url);
    *cause = wf_xasprintf("invalid redis-url \"%s\": %s", shown, e.why);
    free(shown);
    return WF_ECONFIG;
}


void
wf_raddr_free(wf_raddr_t *a)
{
    free(a->host);
    free(a->path);
    free(a->user);
    if (a->pass != NULL)
        memset(a->pass, 0, strlen(a->pass));
    free(a->pass);
    memset(a, 0, sizeof(*a));
}


static char *
raddr_dup(const char *s)
{
    return s != NULL ? wf_xstrdup(s) : NULL;
}


void
wf_raddr_copy(wf_raddr_t *dst, const wf_raddr_t *src)
{
    *dst = *src;
    dst->host = raddr_dup(src->host);
    dst->path = raddr_dup(src->path);
    dst->user = raddr_dup(src->user);
    dst->pass = raddr_dup(src->pass);
}


/* Append s percent-encoded: only unreserved characters stay as they are,
 * so the result parses back to the same name. */
static void
raddr_encode(wf_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            wf_buf_append(b, s, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

            wf_buf_append(b, esc, 3);
        }
    }
}


/* Hand the buffer's bytes over as a C string. */
static char *
raddr_take(wf_buf_t *b)
{
    wf_buf_append(b, "", 1);
    return b->data;
}


char *
wf_raddr_format(const wf_raddr_t *a)
{
    wf_buf_t b = WF_BUF_INIT;
    char sep = '?';

    if (a->kind == WF_RADDR_UNIX) {
        wf_buf_printf(&b, "unix:%s", a->path ? a->path : "");
        if (a->db != 0) {
            wf_buf_printf(&b, "%cdb=%d", sep, a->db);
            sep = '&';
        }
        if (a->user != NULL) {
            wf_buf_printf(&b, "%cuser=", sep);
            raddr_encode(&b, a->user);
            sep = '&';
        }
        if (a->pass != NULL)
            wf_buf_printf(&b, "%cpassword=" RADDR_REDACTED, sep);
        return raddr_take(&b);
    }
    wf_buf_append_str(&b, a->tls ? "rediss://" : "redis://");
    if (a->pass != NULL) {
        if (a->user != NULL)
            raddr_encode(&b, a->user);
        wf_buf_append_str(&b, ":" RADDR_REDACTED "@");
    }
    if (a->host != NULL && strchr(a->host, ':') != NULL)
        wf_buf_printf(&b, "[%s]:%d", a->host, a->port);
    else
        wf_buf_printf(&b, "%s:%d", a->host ? a->host : "", a->port);
    if (a->db != 0)
        wf_buf_printf(&b, "/%d", a->db);
    return raddr_take(&b);
}


char *
wf_raddr_redact(const char *url)
{
    wf_buf_t b = WF_BUF_INIT;
    const char *auth = strstr(url, "://");
    const char *at, *colon, *q, *p;

    /* User info: everything up to the last '@' after "://" (a password
     * may hold '@', ':', '/' or '?' unencoded). Without a ':' all of it
     * may be a misplaced password, so all of it goes. */
    at = auth != NULL ? strrchr(auth + 3, '@') : NULL;
    if (at != NULL) {
        auth += 3;
        colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon != NULL)
            wf_buf_append(&b, url, (size_t)(colon + 1 - url));
        else
            wf_buf_append(&b, url, (size_t)(auth - url));
        wf_buf_append_str(&b, RADDR_REDACTED);
        p = at;
    } else {
        p = url;
    }
    if ((q = strchr(p, '?')) == NULL) {
        wf_buf_append_str(&b, p);
        return raddr_take(&b);
    }
    /* Query: every password= value. */
    wf_buf_append(&b, p, (size_t)(q + 1 - p));
    for (p = q + 1; *p != '\0';) {
        size_t n = strcspn(p, "&");

        if (n >= 9 && strncmp(p, "password=", 9) == 0) {
            wf_buf_append_str(&b, "password=" RADDR_REDACTED);
        } else {
            wf_buf_append(&b, p, n);
        }
        p += n;
        if (*p == '&')
            wf_buf_append(&b, p++, 1);
    }
    return raddr_take(&b);
}
