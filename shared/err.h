/* err.h - error codes shared by every module.
 * Functions return 0 or a negative WF_E* code; wf_strerror() names it.
 * Text meant for people travels separately in a caller-freed char **cause. */
#ifndef WF_ERR_H
#define WF_ERR_H

enum {
    WF_OK = 0,
    WF_ESYS = -1,      /* a system call failed: see errno */
    WF_ENOMEM = -2,    /* allocation refused (only where a limit applies) */
    WF_EINVAL = -3,    /* invalid argument or input */
    WF_ELIMIT = -4,    /* a configured limit was exceeded */
    WF_EAGAIN = -5,    /* not enough input yet / would block */
    WF_ECLOSED = -6,   /* the peer closed the connection */
    WF_EPROTO = -7,    /* the peer broke the protocol */
    WF_ECONFIG = -8,   /* configuration error */
    WF_ENOTFOUND = -9, /* no such thing */
    WF_EUNAVAIL = -10, /* a dependency (Redis) is unavailable */
};

/* Returns a static, human-readable name for a WF_E* code. */
const char *wf_strerror(int err);

#endif
