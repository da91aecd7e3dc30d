/* ctlsrv.h - the master's control socket: a Unix stream socket
 * (control-socket, control-socket-mode/-owner/-group) on which wsfanctl
 * sends one JSON request line and reads one JSON response line, then the
 * master closes the connection (shared/ctlproto.h; the reference is
 * docs/control-protocol.md). Peers are checked with SO_PEERCRED
 * (getpeereid() elsewhere): root, the master's own user and members of
 * the socket's group may talk; anyone else gets a "forbidden" error.
 * reload answers once the new generation serves; stop answers before the
 * shutdown begins.
 * Owner: master/sup.c, on the libev default loop. Threads: none. */
#ifndef WF_CTLSRV_H
#define WF_CTLSRV_H

#include <ev.h>

#include "conf.h"

/* Create the socket at conf->control_socket (its directory too, 0700, if
 * missing) and start accepting on loop. A socket file nobody answers on
 * (left by a dead master) is replaced; one that answers means another
 * wsfan runs, and is an error. Returns 0, or WF_ECONFIG with a
 * caller-freed *cause. */
int wf_ctlsrv_open(struct ev_loop *loop, const wf_conf_t *conf, char **cause);

/* Reload: the socket's path cannot change while the master runs (a change
 * is logged and nconf gets the running path back); its mode, owner and
 * group are applied again. */
void wf_ctlsrv_reconf(const wf_conf_t *old, wf_conf_t *nconf);

/* In a freshly forked worker: stop the watchers and close every
 * descriptor without touching the socket file. */
void wf_ctlsrv_child_reset(void);

/* At exit: close the clients and the socket and remove the socket file
 * (if it is still ours). Safe to call when wf_ctlsrv_open() failed. */
void wf_ctlsrv_close(void);

#endif
