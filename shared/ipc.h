/* ipc.h - what the master and a worker say to each other over the
 * socketpair the master creates for each worker slot. Declared once here:
 * master and worker never include each other's headers.
 * Framing: a 4-byte header (type, payload length, both uint16 in host
 * order: the peers are the same binary on the same host), then the payload.
 * When the master dies the worker reads EOF and exits.
 * Threads: none. */
#ifndef WF_IPC_H
#define WF_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "stats.h"

#define WF_IPC_MAX_PAYLOAD 4096

enum wf_ipc_type {
    WF_IPC_READY = 1, /* worker -> master: listening and serving */
    WF_IPC_STOP = 2,  /* master -> worker: stop accepting, drain, exit;
                         optional payload: wf_ipc_stop_t (host order) */
    WF_IPC_CHANTOP = 3,      /* master -> worker: list your busiest
                                channels (shared/chantop.h) */
    WF_IPC_CHANTOP_PART = 4, /* worker -> master: part of that list */
};

typedef struct wf_ipc_hdr {
    uint16_t type;
    uint16_t len;
} wf_ipc_hdr_t;

/* Send one message on a blocking or non-blocking socket. Messages are
 * small; a full socket buffer is treated as a failure. Returns 0 or
 * WF_ESYS / WF_EINVAL. */
/* The STOP payload: the milliseconds over which to spread the 1001
 * closes, and why the worker stops. */
typedef struct wf_ipc_stop {
    uint32_t spread_ms;
    uint32_t flags;
} wf_ipc_stop_t;

#define WF_IPC_STOP_REPLACED 1u /* a newer generation serves (a reload):
                                   the instance stays healthy */

int wf_ipc_send(int fd, unsigned type, const void *payload, size_t len);

/* Read what is available from fd into in (bounded), then hand each complete
 * message to cb. Returns 0, WF_ECLOSED on EOF, WF_ESYS on error, or
 * WF_EPROTO on a malformed message. */
int wf_ipc_read(int fd, wf_buf_t *in,
                void (*cb)(void *arg, unsigned type, const char *payload,
                           size_t len),
                void *arg);

/* What a worker is given when the master forks it. */
typedef struct wf_worker_spec {
    const wf_conf_t *conf;
    int slot;            /* 0 .. workers-1 */
    unsigned generation; /* bumped by every reload */
    int ipc_fd;          /* the worker's end of the socketpair */
    const int *lfds;     /* listening sockets this worker accepts on */
    size_t nlfds;
    wf_stats_t *stats;        /* the shared statistics segment */
    wf_stats_proc_t *stats_me; /* this worker's record in it */
} wf_worker_spec_t;

/* The body of a worker process (worker/wrk.c), called in the child right
 * after fork(). Returns the process's exit status: 0 after a graceful
 * stop, 1 when it could not start. */
int wf_worker_main(const wf_worker_spec_t *spec);

#endif
