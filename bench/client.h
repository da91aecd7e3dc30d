/* client.h - the bench's WebSocket client connections and the epoll loop
 * they run on: non-blocking connect from a chosen source address, the
 * RFC 6455 upgrade (SHA-1 and base64 from libcrypto), masked frames out,
 * whole messages in (inflated when permessage-deflate was negotiated),
 * pings answered, closes completed.
 * Owner: a process's loop; connections live in an array the caller owns
 * (a closed wb_conn_t stays valid memory, so callbacks may close freely).
 * Threads: none.
 * Seam for wss: every byte goes through c->io (plain sockets today);
 * a TLS io would keep its SSL * in io_ctx. */
#ifndef WB_CLIENT_H
#define WB_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"
#include "frame.h"
#include "pmd.h"

/* Anything the loop watches starts with a wb_handle_t. */
typedef struct wb_handle wb_handle_t;
struct wb_handle {
    void (*cb)(wb_handle_t *h, uint32_t events);
};

typedef struct wb_conn wb_conn_t;

/* Byte transport of a connection. */
typedef struct wb_io {
    ssize_t (*read)(wb_conn_t *c, void *buf, size_t n);
    ssize_t (*write)(wb_conn_t *c, const void *buf, size_t n);
} wb_io_t;

/* What the owner of the connections hears about. */
typedef struct wb_conn_ops {
    /* Upgraded; the connection may send. */
    void (*on_open)(wb_conn_t *c);
    /* One text or binary message (already inflated). Return non-zero if
     * the callback closed c. */
    int (*on_message)(wb_conn_t *c, unsigned opcode, uint8_t *p, size_t n);
    /* c is closing for reason why (WB_WHY_*); its fd is still open. */
    void (*on_close)(wb_conn_t *c, int why);
} wb_conn_ops_t;

enum wb_cstate {
    WB_C_FREE,
    WB_C_CONNECTING,
    WB_C_UPGRADING,
    WB_C_OPEN,
    WB_C_CLOSED
};
enum wb_why {
    WB_WHY_CONNECT = 1,
    WB_WHY_TIMEOUT,
    WB_WHY_HTTP,
    WB_WHY_PROTO,
    WB_WHY_CLOSED,
    WB_WHY_LOCAL
};

typedef struct wb_uring wb_uring_t;

typedef struct wb_loop {
    int ep;
    wb_uring_t *uring; /* batched reads (uring.h), or NULL */
    uint8_t *batch_buf; /* a slice per read of a batch */
    struct wb_batch_ent {
        struct wb_conn *c;
        int fd;
        uint64_t t_start; /* c is still the same connection */
    } *batch;
    uint8_t *scratch; /* one read buffer for every connection */
    size_t scratch_cap;
    wb_pmd_t pmd; /* shared: no context takeover either way */
    int pmd_ok;
    size_t max_msg;
    int rx_ts;      /* read with recvmsg() and keep the kernel's time */
    uint64_t rx_ns; /* CLOCK_REALTIME receive time of the last read */
    uint64_t rng;
    const wb_conn_ops_t *ops;
    wb_result_t *r;
} wb_loop_t;

struct wb_conn {
    wb_handle_t h; /* first: the loop's dispatch */
    int fd;
    enum wb_cstate state;
    int pmd;      /* permessage-deflate negotiated */
    int want_out; /* EPOLLOUT registered */
    wb_loop_t *loop;
    const wb_io_t *io;
    void *io_ctx;
    uint64_t t_start; /* connect() called */
    uint8_t *out;     /* bytes not written yet */
    size_t olen, ooff, ocap;
    char *hs; /* upgrade response head so far */
    size_t hslen, hscap;
    char accept[32]; /* expected Sec-WebSocket-Accept */
    wb_rx_t rx;
    /* for the owner */
    int ready; /* set by the owner once the connection is
                * usable (upgraded, or welcomed): closes
                * before count as failures, after as drops */
    long id;
    int ch;
    uint64_t a, b; /* mode state */
    uint64_t win;  /* fanout: seen bits below b */
};

/* Set up the loop for messages up to max_msg bytes; deflate: make the
 * shared zlib streams. Returns 0 or -1. */
int wb_loop_init(wb_loop_t *l, const wb_conn_ops_t *ops, wb_result_t *r,
                 size_t max_msg, int deflate, int level);

/* Close the epoll fd and free the buffers (not the connections). */
void wb_loop_free(wb_loop_t *l);

/* Watch fd for events with h; returns 0 or -1. */
int wb_loop_add(wb_loop_t *l, int fd, uint32_t events, wb_handle_t *h);

/* Wait up to timeout_ms and dispatch what happened. Returns the number of
 * events, or -1 on an epoll error other than EINTR. */
int wb_loop_poll(wb_loop_t *l, int timeout_ms);

/* A fast per-process random 64-bit number (not for secrets). */
uint64_t wb_rand(wb_loop_t *l);

/* Non-blocking TCP socket connecting to sa from src (port 0 with
 * IP_BIND_ADDRESS_NO_PORT, NULL: the kernel's choice), TCP_NODELAY.
 * Returns the fd, or -1 with errno. */
int wb_sock_connect(const struct sockaddr *sa, socklen_t salen,
                    const struct sockaddr_in *src);

/* Start connection c (state must be FREE or CLOSED) to t, requesting
 * t->path followed by query (may be NULL), offering permessage-deflate
 * when deflate. Returns 0 when under way; -1 when it failed at once
 * (counted and on_close called, c is CLOSED). */
int wb_conn_open(wb_loop_t *l, wb_conn_t *c, const wb_target_t *t,
                 const char *query, const struct sockaddr_in *src, int deflate);

/* Send one message (compressed when negotiated and compress is set) in a
 * masked frame. Returns 0, or -1 if c had to close. */
int wb_conn_send(wb_conn_t *c, unsigned opcode, const uint8_t *p, size_t n,
                 int compress);

/* Send one message whose payload is ready as it is: with rsv1, already
 * compressed (only where permessage-deflate was negotiated). Returns 0,
 * or -1 if c is not open or had to close. */
int wb_conn_send_raw(wb_conn_t *c, unsigned opcode, int rsv1, const uint8_t *p,
                     size_t n);

/* Send a close frame with code (no wait for the answer) and close. */
void wb_conn_close(wb_conn_t *c, int why, int code);

/* Close c as timed out if it is not ready at now > deadline; returns 1
 * if it did. */
int wb_conn_expire(wb_conn_t *c, uint64_t deadline, uint64_t now);

#endif
