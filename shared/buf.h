/* buf.h - a growable byte buffer with a read offset.
 * Owner: whoever embeds the wf_buf_t; wf_buf_free() releases the bytes.
 * A buffer holds no memory until the first append, so idle objects that
 * embed one cost only the struct. Growth is bounded by the caller's limit
 * where a peer controls the size (wf_buf_reserve_max).
 * Threads: none. */
#ifndef WF_BUF_H
#define WF_BUF_H

#include <stddef.h>

typedef struct wf_buf {
    char *data;
    size_t off; /* first unread byte */
    size_t len; /* end of data: unread bytes are data[off..len) */
    size_t cap;
} wf_buf_t;

#define WF_BUF_INIT {NULL, 0, 0, 0}

void wf_buf_init(wf_buf_t *b);
/* Release the memory; the buffer is empty and reusable afterwards. */
void wf_buf_free(wf_buf_t *b);

/* Unread bytes and their start. */
static inline size_t
wf_buf_avail(const wf_buf_t *b)
{
    return b->len - b->off;
}

static inline char *
wf_buf_head(const wf_buf_t *b)
{
    return b->data != NULL ? b->data + b->off : NULL; /* no NULL + 0 */
}

/* Make room for n more bytes after len; aborts on allocation failure.
 * Returns a pointer to the free space. */
char *wf_buf_reserve(wf_buf_t *b, size_t n);
/* Same, but fail with WF_ELIMIT (returning NULL) if unread bytes plus n
 * would exceed max. */
char *wf_buf_reserve_max(wf_buf_t *b, size_t n, size_t max);
/* Mark n reserved bytes as written. */
void wf_buf_commit(wf_buf_t *b, size_t n);

void wf_buf_append(wf_buf_t *b, const void *p, size_t n);
void wf_buf_append_str(wf_buf_t *b, const char *s);
void wf_buf_printf(wf_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Drop n unread bytes from the front; when none remain the offsets reset
 * so the space is reused (the memory is kept; see wf_buf_shrink). */
void wf_buf_consume(wf_buf_t *b, size_t n);
/* Forget all bytes but keep the memory. */
void wf_buf_reset(wf_buf_t *b);
/* Free the memory if the buffer is empty (idle connections hold none). */
void wf_buf_shrink(wf_buf_t *b);

#endif
