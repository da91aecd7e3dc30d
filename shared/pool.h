/* pool.h - fixed-size object pools for what every connection holds for
 * its whole life (the connection, its WebSocket session, a subscription).
 * Objects are carved from 64 KiB slabs with no per-object header and kept
 * apart from the short-lived allocations of handshakes and messages, so
 * 100,000 idle connections cost their structs and nothing more: no
 * malloc header each, no heap holes left between them by freed request
 * buffers. A freed object goes on the pool's free list for the next
 * connection; slabs are kept for the process's life (as nginx keeps its
 * connection array), so memory after a peak is reused, not returned.
 * Built with AddressSanitizer, the pool calls calloc/free per object so
 * use-after-free is still caught.
 * Owner: one module per pool (a static wf_pool_t). Threads: none. */
#ifndef WF_POOL_H
#define WF_POOL_H

#include <stddef.h>

typedef struct wf_pool {
    size_t size;   /* object size, rounded up to 8 */
    void *free;    /* free objects, linked through their first word */
    void *slabs;   /* every slab, linked through its first word */
    size_t live;   /* objects handed out */
    size_t nslabs;
} wf_pool_t;

#define WF_POOL_INIT(type) {.size = (sizeof(type) + 7) & ~(size_t)7}

/* A zeroed object (aborts when memory runs out, like wf_xmalloc). */
void *wf_pool_get(wf_pool_t *p);
/* Give obj (from p) back; NULL is ignored. */
void wf_pool_put(wf_pool_t *p, void *obj);
/* Free every slab (the process is exiting; every object is dead). */
void wf_pool_destroy(wf_pool_t *p);
/* Bytes the pool holds from the heap. */
size_t wf_pool_bytes(const wf_pool_t *p);

#endif
