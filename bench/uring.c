/* uring.c - batched recv() through io_uring on the raw system calls (see
 * uring.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring.h"

#if defined(__linux__) && __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct wb_uring {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_ptr, *cq_ptr;
    size_t sq_len, cq_len, sqes_len;
    unsigned queued;
};


static int
uring_enter(int fd, unsigned submit, unsigned wait)
{
    return (int)syscall(__NR_io_uring_enter, fd, submit, wait,
                        IORING_ENTER_GETEVENTS, NULL, 0);
}


wb_uring_t *
wb_uring_init(void)
{
    struct io_uring_params p;
    wb_uring_t *u = calloc(1, sizeof(*u));

    if (u == NULL)
        return NULL;
    memset(&p, 0, sizeof(p));
    u->fd = (int)syscall(__NR_io_uring_setup, WB_URING_MAX, &p);
    if (u->fd < 0) {
        free(u);
        return NULL;
    }
    u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (u->cq_len > u->sq_len)
            u->sq_len = u->cq_len;
        u->cq_len = 0;
    }
    u->sq_ptr = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
    if (u->sq_ptr == MAP_FAILED)
        goto fail_fd;
    u->cq_ptr = u->sq_ptr;
    if (u->cq_len != 0) {
        u->cq_ptr = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_POPULATE, u->fd,
                         IORING_OFF_CQ_RING);
        if (u->cq_ptr == MAP_FAILED)
            goto fail_sq;
    }
    u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
    if (u->sqes == MAP_FAILED)
        goto fail_cq;
    u->sq_head = (unsigned *)((char *)u->sq_ptr + p.sq_off.head);
    u->sq_tail = (unsigned *)((char *)u->sq_ptr + p.sq_off.tail);
    u->sq_mask = (unsigned *)((char *)u->sq_ptr + p.sq_off.ring_mask);
    u->sq_array = (unsigned *)((char *)u->sq_ptr + p.sq_off.array);
    u->cq_head = (unsigned *)((char *)u->cq_ptr + p.cq_off.head);
    u->cq_tail = (unsigned *)((char *)u->cq_ptr + p.cq_off.tail);
    u->cq_mask = (unsigned *)((char *)u->cq_ptr + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)((char *)u->cq_ptr + p.cq_off.cqes);
    return u;
fail_cq:
    if (u->cq_len != 0)
        munmap(u->cq_ptr, u->cq_len);
fail_sq:
    munmap(u->sq_ptr, u->sq_len);
fail_fd:
    close(u->fd);
    free(u);
    return NULL;
}


void
wb_uring_free(wb_uring_t *u)
{
    if (u == NULL)
        return;
    munmap(u->sqes, u->sqes_len);
    if (u->cq_len != 0)
        munmap(u->cq_ptr, u->cq_len);
    munmap(u->sq_ptr, u->sq_len);
    close(u->fd);
    free(u);
}


void
wb_uring_recv(wb_uring_t *u, int fd, void *buf, size_t len, uint64_t tag)
{
    unsigned tail = *u->sq_tail, i = tail & *u->sq_mask;
    struct io_uring_sqe *sqe = &u->sqes[i];

    memset(sqe, 0, sizeof(*sqe));
    sqe->opcode = IORING_OP_RECV;
    sqe->fd = fd;
    sqe->addr = (uint64_t)(uintptr_t)buf;
    sqe->len = (uint32_t)len;
    /* MSG_DONTWAIT: io_uring answers -EAGAIN instead of waiting for data,
     * so the batch never blocks. */
    sqe->msg_flags = MSG_DONTWAIT;
    sqe->user_data = tag;
    u->sq_array[i] = i;
    __atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
    u->queued++;
}


int
wb_uring_run(wb_uring_t *u, void (*cb)(void *arg, uint64_t tag, int res),
             void *arg)
{
    unsigned want = u->queued, seen = 0;
    unsigned submit = want;

    if (want == 0)
        return 0;
    u->queued = 0;
    while (submit > 0) {
        int r = uring_enter(u->fd, submit, want);

        if (r < 0 && errno != EINTR) {
            unsigned head = __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);

            if (head == *u->sq_tail - want) {
                /* Nothing was taken: take the entries back. */
                __atomic_store_n(u->sq_tail, head, __ATOMIC_RELEASE);
                return -1;
            }
            abort(); /* part of a batch issued: cannot happen */
        }
        submit = *u->sq_tail - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
    }
    while (seen < want) {
        unsigned head = *u->cq_head;
        unsigned tail = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);

        while (head != tail) {
            struct io_uring_cqe *cqe = &u->cqes[head & *u->cq_mask];

            cb(arg, cqe->user_data, cqe->res);
            head++;
            seen++;
        }
        __atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
        if (seen < want && uring_enter(u->fd, 0, want - seen) < 0 &&
            errno != EINTR)
            abort();
    }
    return 0;
}

#else /* no io_uring */

wb_uring_t *
wb_uring_init(void)
{
    return NULL;
}

void
wb_uring_free(wb_uring_t *u)
{
    (void)u;
}

void
wb_uring_recv(wb_uring_t *u, int fd, void *buf, size_t len, uint64_t tag)
{
    (void)u, (void)fd, (void)buf, (void)len, (void)tag;
}

int
wb_uring_run(wb_uring_t *u, void (*cb)(void *arg, uint64_t tag, int res),
             void *arg)
{
    (void)u, (void)cb, (void)arg;
    return -1;
}

#endif
