/* buf.c - growable byte buffer with a read offset. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "x.h"

#define BUF_MIN 256


void
wf_buf_init(wf_buf_t *b)
{
    b->data = NULL;
    b->off = b->len = b->cap = 0;
}


void
wf_buf_free(wf_buf_t *b)
{
    free(b->data);
    wf_buf_init(b);
}


char *
wf_buf_reserve(wf_buf_t *b, size_t n)
{
    size_t need, cap;

    if (b->cap - b->len >= n)
        return b->data + b->len;
    /* Slide unread bytes to the front before growing. */
    if (b->off > 0) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= n)
            return b->data + b->len;
    }
    need = b->len + n;
    if (need < b->len)
        abort(); /* size_t overflow: a caller bug */
    cap = b->cap ? b->cap : BUF_MIN;
    while (cap < need)
        cap = cap * 2 > cap ? cap * 2 : need;
    b->data = wf_xrealloc(b->data, cap);
    b->cap = cap;
    return b->data + b->len;
}


char *
wf_buf_reserve_max(wf_buf_t *b, size_t n, size_t max)
{
    if (n > max || wf_buf_avail(b) > max - n)
        return NULL;
    return wf_buf_reserve(b, n);
}


void
wf_buf_commit(wf_buf_t *b, size_t n)
{
    b->len += n;
}


void
wf_buf_append(wf_buf_t *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    memcpy(wf_buf_reserve(b, n), p, n);
    b->len += n;
}


void
wf_buf_append_str(wf_buf_t *b, const char *s)
{
    wf_buf_append(b, s, strlen(s));
}


void
wf_buf_printf(wf_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    char probe;
    int n;

    /* Measure first (a 1-byte buffer rather than NULL: gcc 12's UBSan
     * build warns about a NULL destination). */
    va_start(ap, fmt);
    n = vsnprintf(&probe, 1, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    wf_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}


void
wf_buf_consume(wf_buf_t *b, size_t n)
{
    if (n >= wf_buf_avail(b)) {
        b->off = b->len = 0;
        return;
    }
    b->off += n;
}


void
wf_buf_reset(wf_buf_t *b)
{
    b->off = b->len = 0;
}


void
wf_buf_shrink(wf_buf_t *b)
{
    if (wf_buf_avail(b) == 0)
        wf_buf_free(b);
}
