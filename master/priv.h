/* priv.h - giving up root in the processes the master forks: workers (and
 * a spawned redis-server) run as the configured user and group once the
 * sockets they need exist; the master stays root to open new listeners
 * on reload, as nginx does. Threads: none. */
#ifndef WF_PRIV_H
#define WF_PRIV_H

#include "conf.h"

/* Does conf ask for a user, and are we root so that we can switch? */
int wf_priv_wanted(const wf_conf_t *conf);

/* In a freshly forked child: switch to uid and gid for good
 * (supplementary groups dropped); uid (uid_t)-1 means stay as we are.
 * Returns 0, or -1 with errno set: the caller must then exit rather than
 * run as root. */
int wf_priv_drop(uid_t uid, gid_t gid);

#endif
