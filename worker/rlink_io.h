/* rlink_io.h - the socket under a Redis link (worker/rlink.c): resolving
 * the address, the non-blocking connect, and the I/O ops table. The ops
 * are the seam where TLS goes: this file implements them for plain TCP
 * and Unix sockets (wf_rlink_io_plain); a TLS module supplies its own
 * table with a handshake, and the link code stays the same.
 * Owner: the link; the ops' per-connection state lives from open to close.
 * Threads: none. */
#ifndef WF_RLINK_IO_H
#define WF_RLINK_IO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "raddr.h"

/* Return values of read and writev: bytes moved (> 0); 0 from read at EOF;
 * WF_EAGAIN when the call must be retried once the socket is ready for
 * *want (EV_READ or EV_WRITE: a TLS read may need the socket writable);
 * any other negative WF_E* ends the connection (WF_ESYS: errno is set). */
typedef struct wf_rlink_io {
    const char *name; /* for logs: "plain", "tls" */
    /* Set up per-connection state on the connected socket fd and store it
     * in *ctx; arg is the link's cfg.io_arg (a TLS context, say). Returns
     * 0, or a negative WF_E* with *why pointing at a static reason. */
    int (*open)(void *arg, int fd, const wf_raddr_t *addr, void **ctx,
                const char **why);
    /* Drive the session handshake: 0 when done, WF_EAGAIN with *want set,
     * or a negative WF_E* with *why set. NULL: no handshake. */
    int (*handshake)(void *ctx, int *want, const char **why);
    ssize_t (*read)(void *ctx, void *buf, size_t n, int *want);
    ssize_t (*writev)(void *ctx, const struct iovec *iov, int iovcnt,
                      int *want);
    /* Free ctx; the link closes the socket itself afterwards. */
    void (*close)(void *ctx);
} wf_rlink_io_t;

/* Plain socket I/O; writes never raise SIGPIPE. */
extern const wf_rlink_io_t wf_rlink_io_plain;

/* Start a non-blocking connect to a: a non-blocking, close-on-exec socket
 * (TCP_NODELAY on TCP) whose connect is in progress or done; the caller
 * waits until it is writable and reads SO_ERROR. A host name is resolved
 * with getaddrinfo(), which blocks the loop for the lookup: literals and
 * /etc/hosts names cost nothing, use them (or a Unix socket) where DNS
 * may be slow. rot picks among the name's addresses (rot modulo their
 * number), so successive attempts can try each. Returns the socket, or -1
 * with the reason in err[0..errlen). */
int wf_rlink_io_connect(const wf_raddr_t *a, unsigned rot, char *err,
                        size_t errlen);

#endif
