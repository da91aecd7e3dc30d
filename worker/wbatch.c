/* wbatch.c - batched socket writes: io_uring where it exists, a loop of
 * writev() elsewhere (see wbatch.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "log.h"
#include "wbatch.h"

/* An op's res while its send is under way: no int a CQE holds. */
#define WBATCH_PENDING ((ssize_t)INT_MIN - 1)

static struct {
    int on;
#ifdef HAVE_LIBURING
    struct io_uring ring;
#endif
} wb;


static ssize_t
wbatch_writev(int fd, const struct iovec *iov, int n)
{
    ssize_t w;

    do
        w = writev(fd, iov, n);
    while (w == -1 && errno == EINTR);
    return w == -1 ? -(ssize_t)errno : w;
}


#ifdef HAVE_LIBURING
static int
wbatch_ring_init(void)
{
    struct io_uring_params p;
    int r;

    /* One thread submits and reaps, and completions are only needed at
     * the next enter: the cheapest ring the kernel offers, else a plain
     * one (Linux before 6.1). */
    memset(&p, 0, sizeof(p));
#if defined(IORING_SETUP_SINGLE_ISSUER) && defined(IORING_SETUP_DEFER_TASKRUN)
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
#endif
    r = io_uring_queue_init_params(WF_WBATCH_MAX, &wb.ring, &p);
    if (r == -EINVAL && p.flags != 0) {
        memset(&p, 0, sizeof(p));
        r = io_uring_queue_init_params(WF_WBATCH_MAX, &wb.ring, &p);
    }
    return r;
}
#endif


int
wf_wbatch_init(int want)
{
    wb.on = 0;
#ifdef HAVE_LIBURING
    if (want) {
        int r = wbatch_ring_init();

        if (r == 0)
            wb.on = 1;
        else
            wf_log(WF_LOG_WARNING,
                   "io_uring unavailable (%s): writing with writev()",
                   strerror(-r));
    }
#else
    (void)want;
#endif
    return wb.on;
}


#ifdef HAVE_LIBURING
/* One batch through the ring. Returns 0; -1 when the ring refused the
 * batch before writing any of it (the caller writes it with writev()); 1
 * when a send the kernel took never completed (cannot happen with
 * non-blocking sockets): it ends as -EIO, since redoing it could send
 * bytes twice, and the ring is not used again. */
static int
wbatch_ring_run(wf_wbatch_op_t *ops, size_t n)
{
    static struct msghdr mh[WF_WBATCH_MAX];
    struct io_uring_cqe *cqe;
    size_t done = 0;
    int r;

    for (size_t i = 0; i < n; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&wb.ring);

        /* The ring has WF_WBATCH_MAX entries and is empty here.
         * sendmsg, not writev: io_uring honours MSG_DONTWAIT (a full
         * socket completes with -EAGAIN at once) but would wait for
         * room on an O_NONBLOCK socket given a writev. */
        memset(&mh[i], 0, sizeof(mh[i]));
        mh[i].msg_iov = (struct iovec *)ops[i].iov;
        mh[i].msg_iovlen = (size_t)ops[i].iovcnt;
        io_uring_prep_sendmsg(sqe, ops[i].fd, &mh[i],
                              MSG_DONTWAIT | MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, i);
        ops[i].res = WBATCH_PENDING;
    }
    /* Each send finishes inside this call (bytes, or -EAGAIN), so
     * waiting for n completions does not block. */
    do
        r = io_uring_submit_and_wait(&wb.ring, (unsigned)n);
    while (r == -EINTR);
    if (r < 0)
        return -1; /* nothing submitted */
    while (done < n) {
        unsigned head, seen = 0;

        io_uring_for_each_cqe(&wb.ring, head, cqe) {
            uint64_t i = io_uring_cqe_get_data64(cqe);

            if (i < n) {
                ops[i].res = cqe->res;
                done++;
            }
            seen++;
        }
        io_uring_cq_advance(&wb.ring, seen);
        if (done < n) {
            /* Only if the kernel parked a send instead of answering:
             * give it a moment, then stop using the ring. */
            struct __kernel_timespec ts = {1, 0};

            do
                r = io_uring_wait_cqe_timeout(&wb.ring, &cqe, &ts);
            while (r == -EINTR);
            if (r < 0) {
                for (size_t i = 0; i < n; i++)
                    if (ops[i].res == WBATCH_PENDING)
                        ops[i].res = -EIO;
                return 1;
            }
        }
    }
    return 0;
}
#endif


void
wf_wbatch_run(wf_wbatch_op_t *ops, size_t n)
{
#ifdef HAVE_LIBURING
    if (wb.on && n > 1) {
        int r = wbatch_ring_run(ops, n);

        if (r == 0)
            return;
        wf_log(WF_LOG_WARNING, "io_uring failed: writing with writev()");
        io_uring_queue_exit(&wb.ring);
        wb.on = 0;
        if (r > 0)
            return; /* every op has its result */
    }
#endif
    for (size_t i = 0; i < n; i++)
        ops[i].res = wbatch_writev(ops[i].fd, ops[i].iov, ops[i].iovcnt);
}


void
wf_wbatch_cleanup(void)
{
#ifdef HAVE_LIBURING
    if (wb.on)
        io_uring_queue_exit(&wb.ring);
#endif
    wb.on = 0;
}
