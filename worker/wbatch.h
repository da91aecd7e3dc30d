/* wbatch.h - many writev() calls in one system call.
 * The flush before the loop blocks writes to hundreds of sockets, a small
 * frame each (one published message, many subscribers). Where io_uring
 * exists (Linux, liburing at build time, not refused by a seccomp filter)
 * the writes go to the kernel as one batch: one io_uring_enter() for up
 * to WF_WBATCH_MAX sockets instead of one writev() each. The sockets are
 * non-blocking, so every write completes during that call, exactly as the
 * writev() would: bytes written, or -EAGAIN when the socket is full.
 * Elsewhere, or when io_uring is off, the batch is a loop of writev().
 * Threads: none; one batch state per process. */
#ifndef WF_WBATCH_H
#define WF_WBATCH_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define WF_WBATCH_MAX 256 /* writes per batch */

typedef struct wf_wbatch_op {
    int fd;
    int iovcnt;
    const struct iovec *iov; /* valid until wf_wbatch_run() returns */
    ssize_t res;             /* out: bytes written, or -errno */
} wf_wbatch_op_t;

/* Set up io_uring when want is set and it is available. Returns 1 when
 * batches go through io_uring, 0 when they are loops of writev(). */
int wf_wbatch_init(int want);

/* Issue n (at most WF_WBATCH_MAX) writes and fill in each op's res. */
void wf_wbatch_run(wf_wbatch_op_t *ops, size_t n);

void wf_wbatch_cleanup(void);

#endif
