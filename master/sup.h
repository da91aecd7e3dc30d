/* sup.h - the supervisor: the master's libev loop, worker processes and
 * their generations, signals, respawn with backoff, reload and shutdown.
 * Owner: main(); wf_sup_run() returns only when the master exits.
 * Threads: none. */
#ifndef WF_SUP_H
#define WF_SUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "stats.h"

/* Open the listeners of conf, fork its workers and supervise them until a
 * shutdown. conf moves to the supervisor. path and sets are kept to read
 * the configuration again on SIGHUP. Returns the master's exit status:
 * 0 after a clean shutdown, 1 if it could not start. */
int wf_sup_run(wf_conf_t *conf, const char *path, char *const *sets,
               size_t nsets);

/* Describe a wait() status for a log line: "exited with status 1",
 * "killed by signal 9 (Killed)". Writes at most n bytes to out. */
void wf_sup_describe_status(int status, char *out, size_t n);

/* ---- for the control socket (master/ctlsrv.c) -------------------------- */

/* One live worker process, as wf_sup_workers() lists it. */
typedef struct wf_sup_winfo {
    pid_t pid;
    int slot;
    unsigned gen;
    const char *state;   /* "starting", "ready" or "stopping" */
    uint64_t started_ms; /* monotonic */
    uint64_t ready_ms;   /* monotonic time of its READY, or 0 */
    unsigned restarts;   /* deaths of its slot (this generation) before it */
    const wf_stats_proc_t *st; /* its statistics record, or NULL */
} wf_sup_winfo_t;

/* What the supervisor is doing. Pointers stay valid until the loop runs
 * again (a reload replaces conf). */
typedef struct wf_sup_state {
    const wf_conf_t *conf; /* the current generation's configuration */
    const wf_stats_t *stats;
    unsigned gen;          /* the current generation */
    int nslots;            /* its worker count */
    int stopping;          /* graceful shutdown under way */
    int draining;          /* drained: no workers are started until a reload */
    int reloading;         /* waiting for the current generation's READY */
    uint64_t started_ms;   /* monotonic time the master started */
} wf_sup_state_t;

void wf_sup_state(wf_sup_state_t *out);

/* The live worker processes of every generation, newest first, in a
 * caller-freed array *out; returns how many. */
size_t wf_sup_workers(wf_sup_winfo_t **out);

/* Send one IPC message (shared/ipc.h) to the live worker pid. Returns 0,
 * WF_ENOTFOUND when it is gone, or what wf_ipc_send() returned. */
int wf_sup_send(pid_t pid, unsigned type, const void *payload, size_t len);

/* A reload's outcome: err is NULL once generation gen is all READY (the
 * older workers were told to stop), else why the wait ended without that
 * (not ready in time, a drain, a shutdown). Called from the loop. */
typedef void (*wf_sup_reload_hook_t)(unsigned gen, const char *err);
void wf_sup_set_reload_hook(wf_sup_reload_hook_t hook);

/* Read the configuration again and start a new generation, as SIGHUP does
 * (also after a drain: the node serves again). Returns 0 with the new
 * generation in *gen, its outcome going to the reload hook later; or
 * WF_ECONFIG with the reason ("file:line: message") in *cause (caller
 * frees), the old generation still serving. */
int wf_sup_reload(unsigned *gen, char **cause);

/* Drain before the node leaves the load balancer: every worker stops
 * accepting and closes its clients (1001) over timeout_ms, then exits;
 * the master closes its listening sockets, keeps running and starts no
 * worker until a reload. Returns the number of workers told, or -1 when
 * shutting down. */
int wf_sup_drain(uint32_t timeout_ms);

/* Graceful shutdown, as on SIGTERM; why goes to the log. */
void wf_sup_shutdown(const char *why);

#endif
