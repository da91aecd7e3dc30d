/* lsn.c - create, reuse and close the master's listening sockets. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "lsn.h"
#include "x.h"

#define LSN_BACKLOG 4096


int
wf_lsn_per_worker(void)
{
#if defined(__linux__) && HAVE_DECL_SO_REUSEPORT
    return 1;
#else
    /* BSDs' SO_REUSEPORT does not balance (FreeBSD has SO_REUSEPORT_LB,
     * not used yet): share one socket. */
    return 0;
#endif
}


static int
lsn_socket(const wf_listen_t *l, char **cause)
{
    int fd, one = 1;

    fd = socket(l->addr.ss_family, SOCK_STREAM, 0);
    if (fd == -1)
        goto fail;
    if (wf_set_cloexec(fd) != 0 || wf_set_nonblock(fd) != 0)
        goto fail;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
        goto fail;
#if HAVE_DECL_SO_REUSEPORT
    if (wf_lsn_per_worker() &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
        goto fail;
#endif
    if (l->addr.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1)
        goto fail;
    /* Accepted sockets inherit it on Linux: one setsockopt() fewer per
     * connection (the workers check, and set it themselves otherwise). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1)
        goto fail;
    if (listen(fd, LSN_BACKLOG) == -1)
        goto fail;
    return fd;
fail:
    *cause = wf_xasprintf("listen %s: %s", l->text, strerror(errno));
    if (fd != -1)
        close(fd);
    return -1;
}


/* Is l's address free for a new SO_REUSEPORT group? Binding with
 * SO_REUSEPORT succeeds even when another process (of the same user)
 * already listens there with SO_REUSEPORT, and the kernel then quietly
 * splits the traffic between the two. A plain bind fails in that case, so
 * probe with one before creating the group. Returns 0, or -1 with *cause
 * when something else holds the address. */
static int
lsn_probe(const wf_listen_t *l, char **cause)
{
    int fd, one = 1, rc = 0;

    fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return 0; /* the real socket() will report it */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (l->addr.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1 &&
        errno == EADDRINUSE) {
        *cause = wf_xasprintf("listen %s: %s (another process listens "
                              "there)",
                              l->text, strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}


/* Does old (or what was already taken from it) hold an address text? */
static int
lsn_held(const wf_lsnset_t *old, const char *text)
{
    if (old == NULL)
        return 0;
    for (size_t i = 0; i < old->n; i++)
        if (strcmp(old->v[i].text, text) == 0)
            return 1;
    return 0;
}


/* Take the socket for (text, slot) out of old, or return -1. */
static int
lsn_take(wf_lsnset_t *old, const char *text, int slot)
{
    if (old == NULL)
        return -1;
    for (size_t i = 0; i < old->n; i++) {
        if (old->v[i].fd != -1 && old->v[i].slot == slot &&
            strcmp(old->v[i].text, text) == 0) {
            int fd = old->v[i].fd;

            old->v[i].fd = -1;
            return fd;
        }
    }
    return -1;
}


/* Sockets systemd passed (socket activation), not yet matched to a
 * listen address; -1 once taken. */
static int *lsn_passed;
static size_t lsn_npassed;


void
wf_lsn_adopt_passed(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    long n;

    if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
        return;
    n = atol(fds);
    if (n > 0 && n < 1024) {
        lsn_passed = wf_xcalloc((size_t)n, sizeof(int));
        for (long i = 0; i < n; i++) {
            lsn_passed[i] = 3 + (int)i;
            wf_set_cloexec(3 + (int)i);
            wf_set_nonblock(3 + (int)i);
        }
        lsn_npassed = (size_t)n;
        wf_log(WF_LOG_NOTICE, "socket activation: %ld socket%s passed", n,
               n == 1 ? "" : "s");
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}


void
wf_lsn_passed_done(void)
{
    for (size_t i = 0; i < lsn_npassed; i++) {
        if (lsn_passed[i] != -1) {
            wf_log(WF_LOG_WARNING, "socket activation: fd %d matches no "
                                   "listen address; closing it",
                   lsn_passed[i]);
            close(lsn_passed[i]);
        }
    }
    free(lsn_passed);
    lsn_passed = NULL;
    lsn_npassed = 0;
}


/* A passed socket listening on l's address, taken out of the list, or
 * -1. */
static int
lsn_take_passed(const wf_listen_t *l)
{
    for (size_t i = 0; i < lsn_npassed; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = lsn_passed[i], same = 0;

        if (fd == -1 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
            ss.ss_family != l->addr.ss_family)
            continue;
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const void *)&ss;
            const struct sockaddr_in *b = (const void *)&l->addr;

            same = a->sin_port == b->sin_port &&
                   a->sin_addr.s_addr == b->sin_addr.s_addr;
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const void *)&ss;
            const struct sockaddr_in6 *b = (const void *)&l->addr;

            same = a->sin6_port == b->sin6_port &&
                   memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
        }
        if (same) {
            lsn_passed[i] = -1;
            return fd;
        }
    }
    return -1;
}


int
wf_lsn_open(wf_lsnset_t *set, const wf_conf_t *conf, wf_lsnset_t *old,
            char **cause)
{
    int per = wf_lsn_per_worker();
    int slots = per ? conf->workers : 1;
    size_t n = 0;

    set->v = wf_xcalloc(conf->nlistens * (size_t)slots, sizeof(*set->v));
    for (size_t i = 0; i < conf->nlistens; i++) {
        /* A socket systemd passed for this address (now, or at startup
         * and kept since) is shared by all workers: it was not made with
         * SO_REUSEPORT, so no per-worker sockets can join it. */
        int shared = lsn_take(old, conf->listens[i].text, -1);

        if (shared == -1)
            shared = lsn_take_passed(&conf->listens[i]);
        if (shared != -1) {
            set->v[n].fd = shared;
            set->v[n].slot = -1;
            set->v[n].text = wf_xstrdup(conf->listens[i].text);
            n++;
            continue;
        }
        for (int s = 0; s < slots; s++) {
            const wf_listen_t *l = &conf->listens[i];
            int slot = per ? s : -1;
            int fd = lsn_take(old, l->text, slot);

            /* A new address (none of ours is bound there yet): make sure
             * no other process is. */
            if (fd == -1 && per && s == 0 && !lsn_held(old, l->text) &&
                lsn_probe(l, cause) != 0) {
                set->n = n;
                wf_lsn_close(set);
                return WF_ESYS;
            }
            if (fd == -1)
                fd = lsn_socket(l, cause);
            if (fd == -1) {
                set->n = n;
                wf_lsn_close(set);
                return WF_ESYS;
            }
            set->v[n].fd = fd;
            set->v[n].slot = slot;
            set->v[n].text = wf_xstrdup(l->text);
            n++;
        }
    }
    set->n = n;
    return 0;
}


size_t
wf_lsn_for_slot(const wf_lsnset_t *set, int slot, int **fds)
{
    size_t n = 0;

    *fds = wf_xcalloc(set->n ? set->n : 1, sizeof(int));
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].fd != -1 && (set->v[i].slot == slot ||
                                   set->v[i].slot == -1))
            (*fds)[n++] = set->v[i].fd;
    return n;
}


void
wf_lsn_close(wf_lsnset_t *set)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i].fd != -1)
            close(set->v[i].fd);
        free(set->v[i].text);
    }
    free(set->v);
    set->v = NULL;
    set->n = 0;
}
