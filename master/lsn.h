/* lsn.h - the master's listening sockets.
 * Where the kernel balances connections between sockets bound to the same
 * address (Linux SO_REUSEPORT), each worker slot gets a socket of its own
 * per listen address; elsewhere all workers share one socket per address.
 * The master creates them before forking and keeps them open for its whole
 * life, so a worker that dies leaves its socket's accept queue waiting for
 * the replacement instead of resetting it.
 * Owner: the master (sup.c). Threads: none. */
#ifndef WF_LSN_H
#define WF_LSN_H

#include <stddef.h>

#include "conf.h"

typedef struct wf_lsn {
    int fd;
    int slot;   /* worker slot that accepts on it, or -1: shared by all */
    char *text; /* the address, as in the config */
} wf_lsn_t;

typedef struct wf_lsnset {
    wf_lsn_t *v;
    size_t n;
} wf_lsnset_t;

/* Whether this build balances with one socket per worker. */
int wf_lsn_per_worker(void);

/* Build the sockets for conf into set (which must be empty), taking any
 * matching socket (same address and slot) out of old so that it stays
 * open; old may be NULL. Returns 0, or WF_ESYS with "bind ADDR: reason"
 * in *cause (caller frees) and set left empty. */
int wf_lsn_open(wf_lsnset_t *set, const wf_conf_t *conf, wf_lsnset_t *old,
                char **cause);

/* The fds slot accepts on, in *fds (caller frees); returns the count. */
size_t wf_lsn_for_slot(const wf_lsnset_t *set, int slot, int **fds);

/* Socket activation: take the sockets systemd passed (LISTEN_FDS, when
 * LISTEN_PID is ours) for wf_lsn_open() to match with listen addresses by
 * their bound address; each is shared by all workers. Call once, before
 * the first wf_lsn_open(); wf_lsn_passed_done() closes the unmatched. */
void wf_lsn_adopt_passed(void);
void wf_lsn_passed_done(void);

/* Close every socket and empty the set. */
void wf_lsn_close(wf_lsnset_t *set);

#endif
