/* notify.h - the systemd notification protocol, spoken directly: one
 * datagram per state change to the Unix socket named by NOTIFY_SOCKET
 * (no libsystemd needed). READY=1 when the first generation serves,
 * RELOADING=1 and READY=1 around a reload, STOPPING=1 at shutdown, and
 * WATCHDOG=1 every half WATCHDOG_USEC when systemd asks for it. Does
 * nothing when NOTIFY_SOCKET is unset. Owner: the master. Threads: none. */
#ifndef WF_NOTIFY_H
#define WF_NOTIFY_H

/* Read NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID from the environment
 * and unset them (workers and redis-server must not inherit them).
 * Returns the watchdog interval to keep in seconds, 0 for none. */
double wf_notify_init(void);

/* Send one state string ("READY=1", "STOPPING=1", ...). */
void wf_notify(const char *state);

/* READY=1 with MAINPID, STATUS text. */
void wf_notify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC (what Type=notify-reload expects). */
void wf_notify_reloading(void);

#endif
