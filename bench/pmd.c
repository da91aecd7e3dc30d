/* pmd.c - permessage-deflate for the bench's client (see pmd.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pmd.h"

static const uint8_t pmd_tail[4] = {0x00, 0x00, 0xff, 0xff};


int
wb_pmd_init(wb_pmd_t *p, int level)
{
    memset(p, 0, sizeof(*p));
    /* Raw deflate (negative window bits), 15-bit window: the server
     * may inflate with a larger window than we compress with, never a
     * smaller one, and we offered no client_max_window_bits. */
    if (deflateInit2(&p->d, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -1;
    p->d_ok = 1;
    if (inflateInit2(&p->i, -15) != Z_OK) {
        wb_pmd_free(p);
        return -1;
    }
    p->i_ok = 1;
    return 0;
}


void
wb_pmd_free(wb_pmd_t *p)
{
    if (p->d_ok)
        deflateEnd(&p->d);
    if (p->i_ok)
        inflateEnd(&p->i);
    free(p->dbuf);
    free(p->ibuf);
    memset(p, 0, sizeof(*p));
}


static int
pmd_reserve(uint8_t **b, size_t *cap, size_t n)
{
    uint8_t *nb;

    if (*cap >= n)
        return 0;
    nb = realloc(*b, n);
    if (nb == NULL)
        return -1;
    *b = nb;
    *cap = n;
    return 0;
}


long
wb_pmd_deflate(wb_pmd_t *p, const uint8_t *src, size_t n, const uint8_t **out)
{
    size_t bound = deflateBound(&p->d, n) + 16;

    if (pmd_reserve(&p->dbuf, &p->dcap, bound) < 0)
        return -1;
    p->d.next_in = (Bytef *)src;
    p->d.avail_in = (uInt)n;
    p->d.next_out = p->dbuf;
    p->d.avail_out = (uInt)p->dcap;
    if (deflate(&p->d, Z_SYNC_FLUSH) != Z_OK || p->d.avail_in != 0)
        return -1;
    n = p->dcap - p->d.avail_out;
    /* RFC 7692 7.2.1: drop the 00 00 ff ff the sync flush ends with. */
    if (n >= 4 && memcmp(p->dbuf + n - 4, pmd_tail, 4) == 0)
        n -= 4;
    /* client_no_context_takeover: every message starts afresh. */
    deflateReset(&p->d);
    *out = p->dbuf;
    return (long)n;
}


long
wb_pmd_inflate(wb_pmd_t *p, const uint8_t *src, size_t n, size_t max,
               const uint8_t **out)
{
    size_t got = 0;
    int pass, r;

    if (pmd_reserve(&p->ibuf, &p->icap, n * 4 + 1024) < 0)
        return -1;
    /* The payload, then the 4 bytes the sender removed (7.2.2). */
    for (pass = 0; pass < 2; pass++) {
        p->i.next_in = (Bytef *)(pass ? pmd_tail : src);
        p->i.avail_in = (uInt)(pass ? 4 : n);
        while (p->i.avail_in > 0) {
            if (got == p->icap) {
                if (p->icap > max)
                    goto toobig;
                if (pmd_reserve(&p->ibuf, &p->icap, p->icap * 2) < 0)
                    goto bad;
            }
            p->i.next_out = p->ibuf + got;
            p->i.avail_out = (uInt)(p->icap - got);
            r = inflate(&p->i, Z_SYNC_FLUSH);
            got = p->icap - p->i.avail_out;
            if (r == Z_STREAM_END)
                break;
            if (r != Z_OK && r != Z_BUF_ERROR)
                goto bad;
            if (r == Z_BUF_ERROR && p->i.avail_out != 0)
                goto bad;
            if (got > max)
                goto toobig;
        }
    }
    if (got > max)
        goto toobig;
    inflateReset(&p->i);
    *out = p->ibuf;
    return (long)got;
toobig:
    inflateReset(&p->i);
    return -2;
bad:
    inflateReset(&p->i);
    return -1;
}


/* Does [s, e) hold token t, ignoring case? */
static int
pmd_is(const char *s, const char *e, const char *t)
{
    size_t n = strlen(t);

    return (size_t)(e - s) == n && strncasecmp(s, t, n) == 0;
}


int
wb_pmd_accepted(const char *v, size_t n)
{
    const char *end = v + n, *s, *sep, *a, *b;
    int first = 1, snct = 0;

    if (n == 0)
        return 0;
    /* A second extension (after a comma) is one we did not offer. */
    if (memchr(v, ',', n) != NULL)
        return -1;
    for (s = v;; s = sep + 1) {
        sep = memchr(s, ';', (size_t)(end - s));
        if (sep == NULL)
            sep = end;
        for (a = s; a < sep && isspace((unsigned char)*a); a++)
            ;
        for (b = sep; b > a && isspace((unsigned char)b[-1]); b--)
            ;
        if (first) {
            if (!pmd_is(a, b, "permessage-deflate"))
                return -1;
            first = 0;
        } else if (pmd_is(a, b, "server_no_context_takeover")) {
            snct = 1;
        } else if (pmd_is(a, b, "client_no_context_takeover")) {
            /* what we do anyway */
        } else if ((size_t)(b - a) > 22 &&
                   strncasecmp(a, "server_max_window_bits", 22) == 0) {
            /* we inflate with 15 bits, enough for any window */
        } else {
            /* client_max_window_bits was not offered, so it may not come
             * back; anything else is unknown. */
            return -1;
        }
        if (sep == end)
            break;
    }
    return snct ? 1 : -1;
}
