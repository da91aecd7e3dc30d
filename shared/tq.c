/* tq.c - timeout queues (see tq.h). */
#include "config.h"

#include "tq.h"


void
wf_tq_init(wf_tq_t *q, uint64_t timeout_ms)
{
    q->head.prev = q->head.next = &q->head;
    q->head.deadline = 0;
    q->timeout_ms = timeout_ms;
    q->count = 0;
}


static void
tq_unlink(wf_tq_node_t *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = NULL;
}


void
wf_tq_remove(wf_tq_t *q, wf_tq_node_t *n)
{
    if (n->next == NULL)
        return;
    tq_unlink(n);
    q->count--;
}


void
wf_tq_push(wf_tq_t *q, wf_tq_node_t *n, uint64_t now)
{
    if (n->next != NULL)
        tq_unlink(n);
    else
        q->count++;
    n->deadline = now + q->timeout_ms;
    n->prev = q->head.prev;
    n->next = &q->head;
    q->head.prev->next = n;
    q->head.prev = n;
}


wf_tq_node_t *
wf_tq_expired(wf_tq_t *q, uint64_t now)
{
    wf_tq_node_t *n = q->head.next;

    if (n == &q->head || n->deadline > now)
        return NULL;
    return n;
}


uint64_t
wf_tq_next_deadline(const wf_tq_t *q)
{
    if (q->head.next == &q->head)
        return UINT64_MAX;
    return q->head.next->deadline;
}
