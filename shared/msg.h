/* msg.h - a reference-counted, immutable run of bytes: a finished frame
 * (or HTTP response) that any number of connection send queues share.
 * A published message is framed once per worker into one wf_msg_t and
 * every local subscriber queues a reference to it.
 * Owner: whoever holds a reference; the last wf_msg_unref() frees.
 * Threads: none (the count is not atomic: a worker is single-threaded). */
#ifndef WF_MSG_H
#define WF_MSG_H

#include <stddef.h>
#include <stdint.h>

typedef struct wf_msg {
    uint32_t refs;
    uint32_t len; /* bytes in data */
    char data[];
} wf_msg_t;

/* A new message of len bytes (contents uninitialized), one reference. */
wf_msg_t *wf_msg_new(size_t len);
/* A new message holding a copy of p[0..len), one reference. */
wf_msg_t *wf_msg_from(const void *p, size_t len);

static inline wf_msg_t *
wf_msg_ref(wf_msg_t *m)
{
    m->refs++;
    return m;
}

/* Drop a reference; frees the message when none remain. NULL is fine. */
void wf_msg_unref(wf_msg_t *m);

#endif
