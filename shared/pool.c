/* pool.c - fixed-size object pools (see pool.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "x.h"

#define POOL_SLAB (64u << 10)

#if defined(__SANITIZE_ADDRESS__)
#define POOL_PASSTHROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_PASSTHROUGH 1
#endif
#endif


/* A new slab: its first object-sized cell links the slab list, the rest
 * go on the free list. */
static void
pool_grow(wf_pool_t *p)
{
    char *slab = wf_xmalloc(POOL_SLAB);
    size_t size = p->size < sizeof(void *) ? sizeof(void *) : p->size;
    size_t n = POOL_SLAB / size;

    *(void **)slab = p->slabs;
    p->slabs = slab;
    p->nslabs++;
    for (size_t i = n - 1; i >= 1; i--) {
        void *obj = slab + i * size;

        *(void **)obj = p->free;
        p->free = obj;
    }
}


void *
wf_pool_get(wf_pool_t *p)
{
    p->live++;
#ifdef POOL_PASSTHROUGH
    return wf_xcalloc(1, p->size);
#else
    void *obj;

    if (p->free == NULL)
        pool_grow(p);
    obj = p->free;
    p->free = *(void **)obj;
    memset(obj, 0, p->size);
    return obj;
#endif
}


void
wf_pool_put(wf_pool_t *p, void *obj)
{
    if (obj == NULL)
        return;
    p->live--;
#ifdef POOL_PASSTHROUGH
    free(obj);
#else
    *(void **)obj = p->free;
    p->free = obj;
#endif
}


void
wf_pool_destroy(wf_pool_t *p)
{
    while (p->slabs != NULL) {
        void *next = *(void **)p->slabs;

        free(p->slabs);
        p->slabs = next;
    }
    p->free = NULL;
    p->nslabs = 0;
}


size_t
wf_pool_bytes(const wf_pool_t *p)
{
    return p->nslabs * POOL_SLAB;
}
