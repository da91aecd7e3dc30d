/* uring.h - a minimal io_uring for the bench's batched reads, on the raw
 * system calls (wsfan-bench depends on nothing beyond libc and OpenSSL).
 * One ring per process: a batch of non-blocking recv() calls is queued,
 * issued in one io_uring_enter(), and every one has completed when that
 * returns (MSG_DONTWAIT: an empty socket answers -EAGAIN at once).
 * Where the kernel has no io_uring, or refuses it, wb_uring_init() fails
 * and the caller reads each socket with read().
 * Threads: none. */
#ifndef WB_URING_H
#define WB_URING_H

#include <stddef.h>
#include <stdint.h>

#define WB_URING_MAX 256 /* recv() calls per batch */

typedef struct wb_uring wb_uring_t;

/* A ring of WB_URING_MAX entries, or NULL (no io_uring here). */
wb_uring_t *wb_uring_init(void);

void wb_uring_free(wb_uring_t *u);

/* Queue recv(fd, buf, len, MSG_DONTWAIT); tag comes back with the result.
 * At most WB_URING_MAX before wb_uring_run(). */
void wb_uring_recv(wb_uring_t *u, int fd, void *buf, size_t len,
                   uint64_t tag);

/* Issue what is queued and wait for all of it; then cb(tag, res) for each
 * (res: bytes, 0 at EOF, or -errno). Returns 0, or -1 when the ring
 * failed (nothing was issued: the caller reads those sockets itself). */
int wb_uring_run(wb_uring_t *u, void (*cb)(void *arg, uint64_t tag, int res),
                 void *arg);

#endif
