/* tq.h - timeout queues: cheap timers for very many connections.
 * Every object in one queue has the same timeout, so appending at the tail
 * keeps the queue sorted by deadline: arming, re-arming and cancelling are
 * O(1) pointer updates and one loop timer per queue watches only the head
 * (the "linked list" strategy of libev's documentation, section "Be smart
 * about timeouts"). A node lives in at most one queue at a time.
 * Owner: the object embedding the node. Threads: none. */
#ifndef WF_TQ_H
#define WF_TQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct wf_tq_node {
    struct wf_tq_node *prev, *next; /* NULL when not queued */
    uint64_t deadline;              /* ms, wf_now_ms() clock */
} wf_tq_node_t;

typedef struct wf_tq {
    wf_tq_node_t head; /* sentinel of a circular list */
    uint64_t timeout_ms;
    size_t count;
} wf_tq_t;

void wf_tq_init(wf_tq_t *q, uint64_t timeout_ms);

/* (Re)arm n to expire timeout_ms after now and move it to q's tail. n must
 * be unqueued or already in q (wf_tq_remove() it from another queue). */
void wf_tq_push(wf_tq_t *q, wf_tq_node_t *n, uint64_t now);

/* Unlink n from its queue q; a no-op if n is not queued. */
void wf_tq_remove(wf_tq_t *q, wf_tq_node_t *n);

static inline int
wf_tq_queued(const wf_tq_node_t *n)
{
    return n->next != NULL;
}

/* The oldest node if its deadline is <= now, else NULL. The caller
 * removes or re-arms it before asking again. */
wf_tq_node_t *wf_tq_expired(wf_tq_t *q, uint64_t now);

/* Deadline of the oldest node, or UINT64_MAX if q is empty. */
uint64_t wf_tq_next_deadline(const wf_tq_t *q);

#endif
