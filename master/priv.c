/* priv.c - dropping root in forked children (see priv.h). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "priv.h"


int
wf_priv_wanted(const wf_conf_t *conf)
{
    return conf->user != NULL && conf->user[0] != '\0' && geteuid() == 0;
}


int
wf_priv_drop(uid_t uid, gid_t gid)
{
    if (uid == (uid_t)-1)
        return 0;
    if (setgroups(1, &gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1)
        return -1;
    /* Make sure there is no way back. */
    if (setuid(0) == 0 || geteuid() == 0) {
        errno = EPERM;
        return -1;
    }
    return 0;
}
