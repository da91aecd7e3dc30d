/* sup.h - the supervisor: the master's libev loop, worker processes and
 * their generations, signals, respawn with backoff, reload and shutdown.
 * Owner: main(); wf_sup_run() returns only when the master exits.
 * Threads: none. */
#ifndef WF_SUP_H
#define WF_SUP_H

#include <stddef.h>

#include "conf.h"

/* Open the listeners of conf, fork its workers and supervise them until a
 * shutdown. conf moves to the supervisor. path and sets are kept to read
 * the configuration again on SIGHUP. Returns the master's exit status:
 * 0 after a clean shutdown, 1 if it could not start. */
int wf_sup_run(wf_conf_t *conf, const char *path, char *const *sets,
               size_t nsets);

/* Describe a wait() status for a log line: "exited with status 1",
 * "killed by signal 9 (Killed)". Writes at most n bytes to out. */
void wf_sup_describe_status(int status, char *out, size_t n);

#endif
