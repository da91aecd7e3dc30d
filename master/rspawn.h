/* rspawn.h - redis-spawn: the master's private redis-server.
 * With `redis-spawn yes` the master makes its run dir (mode 0700, ours,
 * not group/world-writable), starts redis-server there on a Unix socket
 * only (no TCP, no persistence, its own process group, log on the
 * master's stderr) before it forks the workers, restarts it with backoff
 * when it dies, and stops it after the workers at shutdown. The workers
 * only see the redis-url that wf_conf_finish() derived from the run dir.
 * Owner: master/sup.c, on the libev default loop. Threads: none. */
#ifndef WF_RSPAWN_H
#define WF_RSPAWN_H

#include <sys/types.h>

#include <ev.h>

#include "conf.h"

/* What wf_rspawn_start() needs, checked without creating or starting
 * anything (wsfan -t): redis-server on PATH, /usr/sbin or /usr/bin, and a
 * safe run dir if it exists already. Returns 0 (also when redis-spawn is
 * off), or WF_ECONFIG with a caller-freed *cause. */
int wf_rspawn_check(const wf_conf_t *conf, char **cause);

/* Is dir safe to keep sockets in: a real directory (not a symbolic link),
 * ours, not writable by group or others? With create, make it (mode 0700)
 * first; without, a missing one is fine. what names it in the message
 * ("run-dir", "control-socket directory"). Also used by master/ctlsrv.c.
 * Returns 0 or WF_ECONFIG + *cause (caller frees). */
/* Workers and redis-server run as uid:gid (the "user" directive): the
 * run dir is created for them, and redis is started as them. */
void wf_rspawn_set_owner(uid_t uid, gid_t gid);

int wf_rspawn_check_dir(const char *what, const char *dir, int create,
                        char **cause);

/* If conf->redis_spawn: make the run dir, start redis-server and wait (up
 * to 5 s) until its socket accepts. Call before forking workers, with the
 * master's child watcher set up but the loop not yet running. Keeps copies
 * of what it needs from conf. Returns 0, or WF_ECONFIG with *cause
 * (caller frees) and nothing left running. */
int wf_rspawn_start(struct ev_loop *loop, const wf_conf_t *conf, char **cause);

/* The master reaped pid. Returns 0 if it was not redis-server; else 1
 * after handling it: log why, then restart it (at once the first time,
 * then after 100 ms doubling to 5 s while it keeps dying young), or, when
 * stopping, remove the socket and call the done callback. */
int wf_rspawn_reaped(pid_t pid, int status);

/* Shutdown, once the workers are gone: no more restarts; SIGTERM to
 * redis-server, SIGKILL 5 s later; once it is reaped the socket is
 * removed and done() is called (at once if none is running). */
void wf_rspawn_stop(void (*done)(void));

/* Reload: redis-spawn and run-dir of a running master cannot change.
 * Copies the running values (and the redis-url that goes with them) from
 * old into nconf, logging a warning when they differ. */
void wf_rspawn_keep(const wf_conf_t *old, wf_conf_t *nconf);

/* In a freshly forked worker: stop rspawn's watchers. rspawn holds no file
 * descriptor between calls, so there is nothing to close. */
void wf_rspawn_child_reset(void);

/* After the master's loop ended: free what rspawn keeps. */
void wf_rspawn_cleanup(void);

#endif
