/* pmd.c - permessage-deflate (RFC 7692): parsing extension offers and
 * formatting our answer, inflating client messages under a size cap, and
 * deflating outgoing messages with a per-worker cache of zlib streams. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "err.h"
#include "log.h"
#include "pmd.h"
#include "x.h"

#define PMD_BITS_MAX 15
#define PMD_MEM_LEVEL 8  /* zlib's default: 128 KiB of deflate tables */
#define PMD_OUT_MIN 4096 /* first growth of an inflate output buffer */
#define PMD_VALUE_MAX 8  /* parameter values we keep; ours are 1-2 */
#define PMD_NAME "permessage-deflate"

/* What RFC 7692 7.2.1 strips from the end of every compressed message and
 * 7.2.2 appends again before inflating: an empty stored block's LEN/NLEN. */
static const unsigned char pmd_tail[4] = {0x00, 0x00, 0xff, 0xff};

struct wf_pmd_deflater {
    int level;
    z_stream *zs[PMD_BITS_MAX + 1]; /* by window bits, 9..15 used */
};

/* One element of the offer list. Bits: -1 absent, 0 given without a
 * value, else 8..15. */
typedef struct pmd_offer {
    int ours; /* the extension is permessage-deflate */
    int bad;  /* unknown or repeated parameter, or a bad value */
    int snct, cnct;
    int sbits, cbits;
} pmd_offer_t;

typedef struct pmd_cur {
    const char *p, *end;
} pmd_cur_t;


/* RFC 7230 tchar. */
static int
pmd_is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}


static void
pmd_ows(pmd_cur_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}


/* Advance over a token; returns its length (0: none there). */
static size_t
pmd_token(pmd_cur_t *c)
{
    const char *s = c->p;

    while (c->p < c->end && pmd_is_tchar((unsigned char)*c->p))
        c->p++;
    return (size_t)(c->p - s);
}


/* Parse a token or quoted-string value, unescaping it into v (at most
 * PMD_VALUE_MAX bytes kept; *vlen counts them all). Returns 0, or -1 on a
 * syntax error. RFC 6455 9.1 wants an unescaped quoted value to be a
 * token, which the callers' checks of the value imply. */
static int
pmd_value(pmd_cur_t *c, char *v, size_t *vlen)
{
    unsigned char ch;
    size_t n = 0;

    if (c->p < c->end && *c->p != '"') {
        const char *s = c->p;

        n = pmd_token(c);
        memcpy(v, s, WF_MIN(n, (size_t)PMD_VALUE_MAX));
        *vlen = n;
        return n > 0 ? 0 : -1;
    }
    if (c->p == c->end)
        return -1;
    c->p++;
    for (;;) {
        if (c->p == c->end)
            return -1;
        ch = (unsigned char)*c->p++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            if (c->p == c->end)
                return -1;
            ch = (unsigned char)*c->p++;
        }
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return -1;
        if (n < PMD_VALUE_MAX)
            v[n] = (char)ch;
        n++;
    }
    *vlen = n;
    return 0;
}


/* Move to the next top-level ',' (or the end), stepping over quoted
 * strings, after a syntax error inside an element. */
static void
pmd_skip(pmd_cur_t *c)
{
    while (c->p < c->end && *c->p != ',') {
        if (*c->p++ != '"')
            continue;
        while (c->p < c->end && *c->p != '"') {
            if (*c->p == '\\' && c->p + 1 < c->end)
                c->p++;
            c->p++;
        }
        if (c->p < c->end)
            c->p++;
    }
}


/* RFC 7692 7.1.2: "8".."15", no leading zeros. Returns the bits or -1. */
static int
pmd_bits(const char *v, size_t n)
{
    if (n == 1 && v[0] >= '8' && v[0] <= '9')
        return v[0] - '0';
    if (n == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
        return 10 + v[1] - '0';
    return -1;
}


#define PMD_IS(name, n, lit) wf_strncaseeq(name, n, lit, sizeof(lit) - 1)


/* Record one parameter of an offer; anything off marks the offer bad. */
static void
pmd_param(pmd_offer_t *o, const char *name, size_t n, const char *v,
          size_t vlen, int has_value)
{
    int bits = has_value ? pmd_bits(v, vlen) : 0;

    if (PMD_IS(name, n, "server_no_context_takeover")) {
        o->bad |= o->snct || has_value;
        o->snct = 1;
    } else if (PMD_IS(name, n, "client_no_context_takeover")) {
        o->bad |= o->cnct || has_value;
        o->cnct = 1;
    } else if (PMD_IS(name, n, "server_max_window_bits")) {
        o->bad |= o->sbits != -1 || !has_value || bits < 0;
        o->sbits = bits;
    } else if (PMD_IS(name, n, "client_max_window_bits")) {
        o->bad |= o->cbits != -1 || bits < 0;
        o->cbits = bits;
    } else {
        o->bad = 1;
    }
}


/* Parse one list element, leaving the cursor on the ',' that ends it or
 * at the end. Returns 0, or -1 on a syntax error (cursor inside it).
 * Whitespace is allowed around ';' and '=' as RFC 2616's implied LWS
 * did; names compare case-insensitively. */
static int
pmd_offer(pmd_cur_t *c, pmd_offer_t *o)
{
    const char *name;
    char v[PMD_VALUE_MAX];
    size_t n, vlen;
    int has_value;

    memset(o, 0, sizeof(*o));
    o->sbits = o->cbits = -1;
    name = c->p;
    if ((n = pmd_token(c)) == 0)
        return -1;
    o->ours = PMD_IS(name, n, PMD_NAME);
    for (;;) {
        pmd_ows(c);
        if (c->p == c->end || *c->p == ',')
            return 0;
        if (*c->p++ != ';')
            return -1;
        pmd_ows(c);
        name = c->p;
        if ((n = pmd_token(c)) == 0)
            return -1;
        pmd_ows(c);
        has_value = 0;
        vlen = 0;
        if (c->p < c->end && *c->p == '=') {
            c->p++;
            pmd_ows(c);
            if (pmd_value(c, v, &vlen) < 0)
                return -1;
            has_value = 1;
        }
        pmd_param(o, name, n, v, vlen, has_value);
    }
}


/* Apply the server policy to a well-formed offer. Returns 1 and fills
 * *out if we accept it, else 0. */
static int
pmd_accept(const wf_pmd_conf_t *conf, const pmd_offer_t *o,
           wf_pmd_params_t *out)
{
    int cmax = conf->client_max_window_bits;

    /* zlib refuses raw deflate with 8 bits, so we cannot honour it. */
    if (!o->ours || o->bad || o->sbits == 8)
        return 0;
    if (cmax < 9 || cmax > PMD_BITS_MAX)
        cmax = PMD_BITS_MAX;
    memset(out, 0, sizeof(*out));
    out->server_window_bits = o->sbits > 0 ? o->sbits : PMD_BITS_MAX;
    out->reply_server_bits = o->sbits > 0;
    out->client_no_context_takeover = o->cnct || conf->client_no_context;
    out->client_window_bits = PMD_BITS_MAX;
    if (o->cbits > 0) {
        /* Echo (or lower) the client's own limit: a smaller inflate
         * window for us. */
        out->client_window_bits = WF_MIN(o->cbits, cmax);
        out->reply_client_bits = 1;
    } else if (o->cbits == 0 && cmax < PMD_BITS_MAX) {
        out->client_window_bits = cmax;
        out->reply_client_bits = 1;
    }
    return 1;
}


int
wf_pmd_negotiate(const wf_pmd_conf_t *conf, const char *value, size_t len,
                 wf_pmd_params_t *out)
{
    pmd_offer_t o;
    pmd_cur_t c;

    if (conf == NULL || !conf->enabled || value == NULL)
        return WF_ENOTFOUND;
    c.p = value;
    c.end = value + len;
    while (c.p < c.end) {
        pmd_ows(&c);
        /* RFC 7230 7: empty list elements are ignored. */
        if (c.p < c.end && *c.p != ',') {
            if (pmd_offer(&c, &o) < 0)
                pmd_skip(&c);
            else if (pmd_accept(conf, &o, out))
                return 0;
        }
        if (c.p < c.end)
            c.p++; /* the ',' */
    }
    return WF_ENOTFOUND;
}


void
wf_pmd_params_format(const wf_pmd_params_t *p, wf_buf_t *out)
{
    wf_buf_append_str(out, PMD_NAME "; server_no_context_takeover");
    if (p->client_no_context_takeover)
        wf_buf_append_str(out, "; client_no_context_takeover");
    if (p->reply_server_bits)
        wf_buf_printf(out, "; server_max_window_bits=%u",
                      (unsigned)p->server_window_bits);
    if (p->reply_client_bits)
        wf_buf_printf(out, "; client_max_window_bits=%u",
                      (unsigned)p->client_window_bits);
}


/* zlib allocates through our allocators: like any small object, an
 * allocation failure aborts, so Z_MEM_ERROR never happens. */
static voidpf
pmd_zalloc(voidpf opaque, uInt items, uInt size)
{
    WF_UNUSED(opaque);
    return wf_xreallocarray(NULL, items, size);
}


static void
pmd_zfree(voidpf opaque, voidpf p)
{
    WF_UNUSED(opaque);
    free(p);
}


static z_stream *
pmd_stream_new(void)
{
    z_stream *zs = wf_xcalloc(1, sizeof(*zs));

    zs->zalloc = pmd_zalloc;
    zs->zfree = pmd_zfree;
    return zs;
}


void
wf_pmd_inflater_init(wf_pmd_inflater_t *inf, const wf_pmd_params_t *p)
{
    memset(inf, 0, sizeof(*inf));
    inf->window_bits = p->client_window_bits;
    if (inf->window_bits < 8 || inf->window_bits > PMD_BITS_MAX)
        inf->window_bits = PMD_BITS_MAX;
    inf->no_context_takeover = p->client_no_context_takeover;
}


void
wf_pmd_inflater_free(wf_pmd_inflater_t *inf)
{
    if (inf->zs != NULL) {
        inflateEnd(inf->zs);
        free(inf->zs);
        inf->zs = NULL;
    }
    inf->total = 0;
    inf->fed = inf->ended = 0;
}


/* Free space after out->len of at most limit (>= 1) bytes. Grows out by
 * doubling but never by more than limit, so a capped message cannot push
 * the capacity past the cap: wf_buf_reserve() rounds up to powers of
 * two, which could reach twice the cap. */
static unsigned char *
pmd_room(wf_buf_t *out, size_t limit, size_t *room)
{
    size_t grow;

    if (out->cap == out->len) {
        grow = WF_MIN(limit, WF_MAX(out->cap, (size_t)PMD_OUT_MIN));
        out->data = wf_xrealloc(out->data, out->len + grow);
        out->cap = out->len + grow;
    }
    *room = WF_MIN(WF_MIN(out->cap - out->len, limit), (size_t)UINT_MAX);
    return (unsigned char *)out->data + out->len;
}


/* Run n input bytes through inflate, appending to out. Once the message
 * has produced max bytes, output goes to a one-byte spare: any byte
 * there means the message is too big, found after inflating at most
 * max + 1 bytes whatever the input claims. */
static int
pmd_run(wf_pmd_inflater_t *inf, const unsigned char *in, size_t n,
        wf_buf_t *out, size_t max)
{
    z_stream *zs = inf->zs;
    unsigned char spare;
    size_t room, made, chunk;
    int rc;

    zs->next_in = in;
    zs->avail_in = 0;
    for (;;) {
        if (zs->avail_in == 0 && n > 0) {
            chunk = WF_MIN(n, (size_t)UINT_MAX);
            zs->avail_in = (uInt)chunk;
            n -= chunk;
        }
        if (inf->total < max) {
            zs->next_out = pmd_room(out, max - inf->total, &room);
        } else {
            zs->next_out = &spare;
            room = 1;
        }
        zs->avail_out = (uInt)room;
        rc = inflate(zs, Z_NO_FLUSH);
        made = room - zs->avail_out;
        if (made > 0 && inf->total >= max)
            return WF_ELIMIT;
        if (made > 0)
            wf_buf_commit(out, made);
        inf->total += made;
        if (rc == Z_STREAM_END) {
            /* BFINAL (RFC 7692 7.2.3.3): what follows is ignored. */
            inf->ended = 1;
            return 0;
        }
        if (rc == Z_BUF_ERROR && zs->avail_in == 0 && n == 0)
            return 0;
        if (rc != Z_OK) {
            wf_log(WF_LOG_DEBUG, "pmd: inflate: %s",
                   zs->msg ? zs->msg : "error");
            return WF_EPROTO;
        }
        if (zs->avail_in == 0 && n == 0 && zs->avail_out != 0)
            return 0;
    }
}


int
wf_pmd_inflate(wf_pmd_inflater_t *inf, const void *in, size_t n, wf_buf_t *out,
               size_t max)
{
    int rc;

    if (n == 0 || inf->ended)
        return 0;
    if (inf->zs == NULL) {
        inf->zs = pmd_stream_new();
        /* Only a bad window can fail, and init checked it. */
        if (inflateInit2(inf->zs, -(int)inf->window_bits) != Z_OK)
            wf_fatal("pmd: inflateInit2 failed");
    }
    inf->fed = 1;
    rc = pmd_run(inf, in, n, out, max);
    if (rc < 0)
        wf_pmd_inflater_free(inf);
    return rc;
}


/* After a peer's BFINAL block with context takeover, the next message
 * may still refer to this one: restart the stream primed with its window
 * (raw inflate accepts a dictionary at any time). */
static void
pmd_keep_window(z_stream *zs)
{
    unsigned char dict[1 << PMD_BITS_MAX];
    uInt len = 0;

    inflateGetDictionary(zs, dict, &len);
    inflateReset(zs);
    inflateSetDictionary(zs, dict, len);
}


int
wf_pmd_inflate_end(wf_pmd_inflater_t *inf, wf_buf_t *out, size_t max)
{
    int rc;

    /* An RSV1 message with no payload bytes: nothing to inflate. */
    if (inf->fed && !inf->ended) {
        rc = pmd_run(inf, pmd_tail, sizeof(pmd_tail), out, max);
        /* Bit 128: inflate stopped between blocks; else the payload was
         * cut short inside one. */
        if (rc == 0 && !inf->ended && !(inf->zs->data_type & 128))
            rc = WF_EPROTO;
        if (rc < 0) {
            wf_pmd_inflater_free(inf);
            return rc;
        }
    }
    if (inf->no_context_takeover)
        wf_pmd_inflater_free(inf);
    else if (inf->ended)
        pmd_keep_window(inf->zs);
    inf->total = 0;
    inf->fed = inf->ended = 0;
    return 0;
}


wf_pmd_deflater_t *
wf_pmd_deflater_new(int level)
{
    wf_pmd_deflater_t *d;

    if (level < -1 || level > 9)
        return NULL;
    d = wf_xcalloc(1, sizeof(*d));
    d->level = level;
    return d;
}


void
wf_pmd_deflater_free(wf_pmd_deflater_t *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < WF_ARRAY_LEN(d->zs); i++) {
        if (d->zs[i] != NULL) {
            deflateEnd(d->zs[i]);
            free(d->zs[i]);
        }
    }
    free(d);
}


/* The stream for a window size, made on first use, else reset so the
 * message shares nothing with the previous one. */
static z_stream *
pmd_deflate_stream(wf_pmd_deflater_t *d, int bits)
{
    z_stream *zs = d->zs[bits];

    if (zs != NULL) {
        deflateReset(zs);
        return zs;
    }
    zs = pmd_stream_new();
    if (deflateInit2(zs, d->level, Z_DEFLATED, -bits, PMD_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        wf_fatal("pmd: deflateInit2 failed for %d bits", bits);
    d->zs[bits] = zs;
    return zs;
}


int
wf_pmd_deflate(wf_pmd_deflater_t *d, int window_bits, const void *in, size_t n,
               wf_buf_t *out)
{
    z_stream *zs;
    size_t room, made, chunk, produced = 0;
    int flush, rc;

    if (window_bits < 9 || window_bits > PMD_BITS_MAX)
        return WF_EINVAL;
    zs = pmd_deflate_stream(d, window_bits);
    /* deflateBound() covers Z_FINISH; a sync flush adds an empty stored
     * block (5 bytes) and a partial byte. The loop copes with more. */
    room = deflateBound(zs, n) + 16;
    zs->next_in = in;
    zs->avail_in = 0;
    for (;;) {
        if (zs->avail_in == 0 && n > 0) {
            chunk = WF_MIN(n, (size_t)UINT_MAX);
            zs->avail_in = (uInt)chunk;
            n -= chunk;
        }
        flush = n == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH;
        room = WF_MIN(room, (size_t)UINT_MAX);
        zs->next_out = (unsigned char *)wf_buf_reserve(out, room);
        zs->avail_out = (uInt)room;
        rc = deflate(zs, flush);
        made = room - zs->avail_out;
        wf_buf_commit(out, made);
        produced += made;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            wf_fatal("pmd: deflate: %d", rc);
        if (flush == Z_SYNC_FLUSH && zs->avail_in == 0 && zs->avail_out != 0)
            break;
        room = PMD_OUT_MIN;
    }
    /* RFC 7692 7.2.1: drop the 0x00 0x00 0xff 0xff the flush ended with.
     * An empty message leaves the single 0x00 of 7.2.3.6. */
    if (produced < sizeof(pmd_tail) ||
        memcmp(out->data + out->len - sizeof(pmd_tail), pmd_tail,
               sizeof(pmd_tail)) != 0)
        wf_fatal("pmd: deflate output lacks the sync flush tail");
    out->len -= sizeof(pmd_tail);
    return 0;
}
