/* ctlsrv.c - the control socket (see ctlsrv.h): setup and permissions,
 * peer credentials, non-blocking clients on the master's loop, and the
 * dispatch of commands. The answers are rendered by ctlcmd.c; actions
 * (reload, drain, stop) go to the supervisor. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "chanrank.h"
#include "conf.h"
#include "ctlcmd.h"
#include "ctlproto.h"
#include "ctlsrv.h"
#include "err.h"
#include "log.h"
#include "rspawn.h"
#include "sup.h"
#include "x.h"

#define CTLSRV_MAX_CLIENTS 32 /* more at once get "busy" */
#define CTLSRV_IO_TIMEOUT 10. /* s to send the request / read the answer */
#define CTLSRV_BACKLOG 16

typedef struct ctl_client {
    struct ctl_client *next;
    ev_io io;
    ev_timer tmo;
    wf_buf_t in, out;
    long uid, pid;
    int allowed; /* its credentials passed ctlsrv_allowed() */
    int waiting; /* reload: answers when wait_gen serves */
    unsigned wait_gen;
    int stop_after; /* stop: shut down once the answer is written */
    uint32_t rank_id; /* channels: the ranking it waits for, or 0 */
    int64_t top;
} ctl_client_t;

static struct {
    struct ev_loop *loop; /* NULL: not open */
    int fd;
    ev_io io;
    char *path;
    dev_t dev; /* the socket file we made, so that only it is removed */
    ino_t ino;
    long gid; /* the socket's group: its members may talk */
    ctl_client_t *clients;
    size_t nclients;
} cs = {.fd = -1};

static void ctlsrv_on_client(struct ev_loop *loop, ev_io *io, int revents);
static void ctlsrv_on_reloaded(unsigned gen, const char *err);


/* ---- the socket file ----------------------------------------------------- */

/* Does something accept connections on the Unix socket at path? */
static int
ctlsrv_answers(const char *path)
{
    struct sockaddr_un sa;
    int fd, ok;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
        return 0;
    wf_set_nonblock(fd); /* a full backlog must not block us */
    ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
         errno == EAGAIN; /* a full backlog: alive, and busy */
    close(fd);
    return ok;
}


/* The socket's directory: made (mode 0700) if missing and, when it is the
 * run dir, checked like redis-spawn checks it. With control-socket-group,
 * a directory of ours gets that group and search permission for it, or
 * its members could not reach the socket. */
static int
ctlsrv_prepare_dir(const wf_conf_t *conf, char **cause)
{
    char *dir = wf_xstrdup(conf->control_socket);
    char *rundir =
        conf->run_dir ? wf_xstrdup(conf->run_dir) : wf_conf_default_run_dir();
    char *slash = strrchr(dir, '/');
    struct stat st;
    int ours, rc = 0;

    if (slash == dir)
        slash[1] = '\0'; /* "/wsfan.sock" */
    else
        *slash = '\0';
    ours = strcmp(dir, rundir) == 0;
    if (stat(dir, &st) == -1 && errno == ENOENT)
        ours = 1;
    if (ours && wf_rspawn_check_dir(strcmp(dir, rundir) == 0
                                        ? "run-dir"
                                        : "control-socket directory",
                                    dir, 1, cause) != 0) {
        rc = WF_ECONFIG;
        goto done;
    }
    if (ours && conf->control_socket_gid >= 0 && stat(dir, &st) == 0 &&
        (st.st_gid != (gid_t)conf->control_socket_gid ||
         !(st.st_mode & S_IXGRP))) {
        if (chown(dir, (uid_t)-1, (gid_t)conf->control_socket_gid) != 0 ||
            chmod(dir, (st.st_mode & 0750) | S_IXGRP) != 0)
            wf_log(WF_LOG_WARNING,
                   "control-socket-group: cannot give %s to "
                   "group %s: %s",
                   dir, conf->control_socket_group, strerror(errno));
    }
done:
    free(dir);
    free(rundir);
    return rc;
}


/* Mode, owner and group of the socket file, as configured. */
static int
ctlsrv_perms(const wf_conf_t *conf, char **cause)
{
    if ((conf->control_socket_uid >= 0 || conf->control_socket_gid >= 0) &&
        chown(conf->control_socket, (uid_t)conf->control_socket_uid,
              (gid_t)conf->control_socket_gid) != 0) {
        *cause = wf_xasprintf("control-socket %s: cannot set its owner or "
                              "group: %s",
                              conf->control_socket, strerror(errno));
        return WF_ECONFIG;
    }
    if (chmod(conf->control_socket, (mode_t)conf->control_socket_mode) != 0) {
        *cause = wf_xasprintf(
            "control-socket %s: chmod %04o: %s", conf->control_socket,
            (unsigned)conf->control_socket_mode, strerror(errno));
        return WF_ECONFIG;
    }
    cs.gid = conf->control_socket_gid >= 0 ? conf->control_socket_gid
                                           : (long)getegid();
    return 0;
}


int
wf_ctlsrv_open(struct ev_loop *loop, const wf_conf_t *conf, char **cause)
{
    const char *path = conf->control_socket;
    struct sockaddr_un sa;
    struct stat st;
    mode_t um;
    int rc;

    if (ctlsrv_prepare_dir(conf, cause) != 0)
        return WF_ECONFIG;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *cause = wf_xasprintf("control-socket %s exists and is not a "
                                  "socket: refusing to replace it",
                                  path);
            return WF_ECONFIG;
        }
        if (ctlsrv_answers(path)) {
            *cause = wf_xasprintf("control-socket %s answers: another wsfan "
                                  "is running (stop it, or give this one "
                                  "another control-socket)",
                                  path);
            return WF_ECONFIG;
        }
        wf_log(WF_LOG_NOTICE, "removing the stale control socket %s", path);
        unlink(path);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    cs.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (cs.fd == -1 || wf_set_nonblock(cs.fd) != 0 ||
        wf_set_cloexec(cs.fd) != 0) {
        *cause = wf_xasprintf("control-socket: socket: %s", strerror(errno));
        goto fail;
    }
    /* Owner-only until chmod below: nobody slips in with looser rights. */
    um = umask(0177);
    rc = bind(cs.fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(um);
    if (rc != 0) {
        *cause =
            wf_xasprintf("control-socket %s: bind: %s", path, strerror(errno));
        goto fail;
    }
    if (stat(path, &st) == 0) {
        cs.dev = st.st_dev;
        cs.ino = st.st_ino;
    }
    cs.path = wf_xstrdup(path);
    if (ctlsrv_perms(conf, cause) != 0)
        goto fail;
    if (listen(cs.fd, CTLSRV_BACKLOG) != 0) {
        *cause = wf_xasprintf("control-socket %s: listen: %s", path,
                              strerror(errno));
        goto fail;
    }
    cs.loop = loop;
    ev_io_init(&cs.io, ctlsrv_on_client, cs.fd, EV_READ);
    ev_io_start(loop, &cs.io);
    wf_sup_set_reload_hook(ctlsrv_on_reloaded);
    wf_log(WF_LOG_INFO, "control socket %s (mode %04o)", path,
           (unsigned)conf->control_socket_mode);
    return 0;
fail:
    wf_ctlsrv_close();
    return WF_ECONFIG;
}


void
wf_ctlsrv_reconf(const wf_conf_t *old, wf_conf_t *nconf)
{
    char *cause = NULL;

    if (strcmp(old->control_socket, nconf->control_socket) != 0) {
        wf_log(WF_LOG_WARNING,
               "reload: a change of control-socket needs a "
               "restart; keeping %s",
               old->control_socket);
        free(nconf->control_socket);
        nconf->control_socket = wf_xstrdup(old->control_socket);
    }
    if (cs.loop != NULL && ctlsrv_perms(nconf, &cause) != 0) {
        wf_log(WF_LOG_WARNING, "reload: %s", cause);
        free(cause);
    }
}


/* ---- clients ------------------------------------------------------------- */

static void
ctlsrv_free(ctl_client_t *c)
{
    ctl_client_t **pp;

    for (pp = &cs.clients; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            cs.nclients--;
            break;
        }
    }
    if (cs.loop != NULL) {
        ev_io_stop(cs.loop, &c->io);
        ev_timer_stop(cs.loop, &c->tmo);
    }
    wf_chanrank_cancel(c->rank_id);
    close(c->io.fd);
    wf_buf_free(&c->in);
    wf_buf_free(&c->out);
    free(c);
}


/* Root, the master's user, and the socket group's members may talk. The
 * group check asks the user database for the peer's groups. */
static int
ctlsrv_allowed(long uid, long gid)
{
    struct passwd *pw;
    gid_t *groups;
    int n = 64, ok = 0;

    if (uid == 0 || uid == (long)geteuid() || gid == cs.gid)
        return 1;
    if ((pw = getpwuid((uid_t)uid)) == NULL)
        return 0;
    groups = wf_xcalloc((size_t)n, sizeof(*groups));
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1) {
        groups = wf_xreallocarray(groups, (size_t)n, sizeof(*groups));
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
            n = 0;
    }
    for (int i = 0; i < n && !ok; i++)
        ok = (long)groups[i] == cs.gid;
    free(groups);
    return ok;
}


static int
ctlsrv_peer(int fd, long *uid, long *gid, long *pid)
{
#ifdef SO_PEERCRED
    struct ucred cr;
    socklen_t len = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
        return WF_ESYS;
    *uid = (long)cr.uid;
    *gid = (long)cr.gid;
    *pid = (long)cr.pid;
#else
    uid_t u;
    gid_t g;

    if (getpeereid(fd, &u, &g) != 0)
        return WF_ESYS;
    *uid = (long)u;
    *gid = (long)g;
    *pid = -1;
#endif
    return 0;
}


/* Write what is pending; once all is out, run the stop that was promised
 * and close. */
static void
ctlsrv_flush(ctl_client_t *c)
{
    int stop;

    while (wf_buf_avail(&c->out) > 0) {
        ssize_t w =
            write(c->io.fd, wf_buf_head(&c->out), wf_buf_avail(&c->out));

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ev_io_stop(cs.loop, &c->io);
            ev_io_set(&c->io, c->io.fd, EV_WRITE);
            ev_io_start(cs.loop, &c->io);
            ev_timer_stop(cs.loop, &c->tmo);
            ev_timer_set(&c->tmo, CTLSRV_IO_TIMEOUT, 0.);
            ev_timer_start(cs.loop, &c->tmo);
            return;
        }
        if (w <= 0) {
            wf_log(WF_LOG_INFO,
                   "control client (pid %ld) went away before "
                   "its answer: %s",
                   c->pid, w < 0 ? strerror(errno) : "closed");
            break;
        }
        wf_buf_consume(&c->out, (size_t)w);
    }
    stop = c->stop_after;
    ctlsrv_free(c);
    if (stop)
        wf_sup_shutdown("wsfanctl stop");
}


static void
ctlsrv_reply_error(ctl_client_t *c, const char *code, const char *msg)
{
    wf_ctlproto_error(&c->out, code, msg);
    ctlsrv_flush(c);
}


/* The supervisor's reload hook: answer every client waiting for this
 * generation or an older one (a newer reload answers for them all). */
static void
ctlsrv_on_reloaded(unsigned gen, const char *err)
{
    ctl_client_t *c = cs.clients, *next;

    for (; c != NULL; c = next) {
        next = c->next;
        if (!c->waiting || c->wait_gen > gen)
            continue;
        c->waiting = 0;
        wf_ctlcmd_reloaded(&c->out, gen, err);
        ctlsrv_flush(c);
    }
}


static void
ctlsrv_reload(ctl_client_t *c)
{
    char *cause = NULL;
    unsigned gen;

    if (wf_sup_reload(&gen, &cause) != 0) {
        ctlsrv_reply_error(c, "refused", cause);
        free(cause);
        return;
    }
    /* Keep reading only to notice a client that gives up; the ready
     * timer of the supervisor bounds the wait. */
    c->waiting = 1;
    c->wait_gen = gen;
    ev_timer_stop(cs.loop, &c->tmo);
}


/* Is c's answer still to come (a reload, a channel ranking)? */
static int
ctlsrv_awaits(const ctl_client_t *c)
{
    return c->waiting || c->rank_id != 0;
}


/* The workers' answers to "channels" are in: answer the client. */
static void
ctlsrv_on_ranked(void *arg, const wf_chantop_ent_t *v, size_t n,
                 const wf_chanrank_info_t *info)
{
    ctl_client_t *c = arg;

    c->rank_id = 0;
    wf_ctlcmd_channels(&c->out, c->top, v, n, info);
    ctlsrv_flush(c);
}


static void
ctlsrv_channels(ctl_client_t *c, int64_t top)
{
    c->top = top >= 0 ? top : WF_CTLPROTO_TOP_DEFAULT;
    if (wf_chanrank_start(cs.loop, (size_t)c->top, ctlsrv_on_ranked, c,
                          &c->rank_id) != 0)
        ctlsrv_reply_error(c, "busy", "too many channel rankings at once; "
                                      "try again");
}


static void
ctlsrv_request(ctl_client_t *c, const char *line, size_t n)
{
    wf_ctlproto_req_t req;
    const char *code;
    char *cause = NULL;
    wf_sup_state_t s;

    if (!c->allowed) {
        char *msg = wf_xasprintf("permission denied: uid %ld may not use "
                                 "the control socket (root, uid %ld and "
                                 "members of group %ld may)",
                                 c->uid, (long)geteuid(), cs.gid);

        wf_log(WF_LOG_NOTICE, "control socket: refused uid %ld (pid %ld)",
               c->uid, c->pid);
        ctlsrv_reply_error(c, "forbidden", msg);
        free(msg);
        return;
    }
    if (wf_ctlproto_req_parse(line, n, &req, &code, &cause) != 0) {
        wf_log(WF_LOG_INFO, "control socket: bad request from pid %ld: %s",
               c->pid, cause);
        ctlsrv_reply_error(c, code, cause);
        free(cause);
        return;
    }
    wf_log(req.cmd == WF_CTLPROTO_RELOAD || req.cmd == WF_CTLPROTO_DRAIN ||
                   req.cmd == WF_CTLPROTO_STOP
               ? WF_LOG_NOTICE
               : WF_LOG_DEBUG,
           "control socket: %s from uid %ld (pid %ld)",
           wf_ctlproto_cmd_name(req.cmd), c->uid, c->pid);
    wf_sup_state(&s);
    switch (req.cmd) {
    case WF_CTLPROTO_STATUS:
        wf_ctlcmd_status(&c->out);
        break;
    case WF_CTLPROTO_STATS:
        wf_ctlcmd_stats(&c->out);
        break;
    case WF_CTLPROTO_WORKERS:
        wf_ctlcmd_workers(&c->out);
        break;
    case WF_CTLPROTO_CHANNELS:
        ctlsrv_channels(c, req.top);
        return;
    case WF_CTLPROTO_CONFIG:
        wf_ctlcmd_config(&c->out);
        break;
    case WF_CTLPROTO_RELOAD:
        ctlsrv_reload(c);
        return;
    case WF_CTLPROTO_DRAIN: {
        uint32_t ms = req.timeout_ms >= 0 ? (uint32_t)req.timeout_ms
                                          : s.conf->drain_timeout_ms;
        int nw = wf_sup_drain(ms);
        wf_ctlproto_w_t w;

        if (nw < 0) {
            ctlsrv_reply_error(c, "stopping", "the master is shutting down");
            return;
        }
        wf_ctlproto_w_begin(&w, &c->out, 1);
        wf_ctlproto_w_u64(&w, "workers", (uint64_t)nw);
        wf_ctlproto_w_u64(&w, "timeout_ms", ms);
        wf_ctlproto_w_end(&w);
        break;
    }
    case WF_CTLPROTO_STOP: {
        wf_ctlproto_w_t w;

        if (s.stopping) {
            ctlsrv_reply_error(c, "stopping", "already shutting down");
            return;
        }
        wf_ctlproto_w_begin(&w, &c->out, 1);
        wf_ctlproto_w_u64(&w, "pid", (uint64_t)getpid());
        wf_ctlproto_w_u64(&w, "drain_timeout_ms", s.conf->drain_timeout_ms);
        wf_ctlproto_w_end(&w);
        c->stop_after = 1; /* answer first: the shutdown ends the loop */
        break;
    }
    }
    ctlsrv_flush(c);
}


static void
ctlsrv_on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    ctl_client_t *c = WF_CONTAINER_OF(io, ctl_client_t, io);
    char *nl, *p;
    ssize_t r;

    if (revents & EV_WRITE) {
        ctlsrv_flush(c);
        return;
    }
    p = wf_buf_reserve(&c->in, WF_CTLPROTO_MAX_REQUEST);
    r = read(io->fd, p, WF_CTLPROTO_MAX_REQUEST);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r == 0 && ctlsrv_awaits(c)) { /* half-closed: still wants the answer */
        ev_io_stop(loop, io);
        return;
    }
    if (r <= 0) { /* gone (a reload waiter that gave up), or done sending */
        if (ctlsrv_awaits(c) || wf_buf_avail(&c->in) == 0) {
            ctlsrv_free(c);
            return;
        }
        ev_io_stop(loop, io); /* the request without its newline */
        ctlsrv_request(c, wf_buf_head(&c->in), wf_buf_avail(&c->in));
        return;
    }
    if (ctlsrv_awaits(c)) /* nothing more is expected: ignore it */
        return;
    wf_buf_commit(&c->in, (size_t)r);
    nl = memchr(wf_buf_head(&c->in), '\n', wf_buf_avail(&c->in));
    if (nl == NULL && wf_buf_avail(&c->in) < WF_CTLPROTO_MAX_REQUEST)
        return;
    if (nl == NULL || nl - wf_buf_head(&c->in) >= WF_CTLPROTO_MAX_REQUEST) {
        ev_io_stop(loop, io);
        ctlsrv_reply_error(c, "too_large",
                           "the request is longer than 4096 bytes");
        return;
    }
    ctlsrv_request(c, wf_buf_head(&c->in), (size_t)(nl - wf_buf_head(&c->in)));
}


static void
ctlsrv_on_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    ctl_client_t *c = WF_CONTAINER_OF(t, ctl_client_t, tmo);

    wf_log(WF_LOG_INFO, "control client (pid %ld): timed out", c->pid);
    ctlsrv_free(c);
}


static void
ctlsrv_on_client(struct ev_loop *loop, ev_io *io, int revents)
{
    for (;;) {
        ctl_client_t *c;
        int fd = accept(io->fd, NULL, NULL);

        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                wf_log(WF_LOG_ERR, "control socket: accept: %s",
                       strerror(errno));
            return;
        }
        wf_set_nonblock(fd);
        wf_set_cloexec(fd);
        if (cs.nclients >= CTLSRV_MAX_CLIENTS) {
            wf_buf_t b = WF_BUF_INIT;

            wf_ctlproto_error(&b, "busy",
                              "too many control clients; try "
                              "again");
            if (write(fd, wf_buf_head(&b), wf_buf_avail(&b)) < 0)
                wf_log(WF_LOG_DEBUG, "control socket: %s", strerror(errno));
            wf_buf_free(&b);
            close(fd);
            continue;
        }
        c = wf_xcalloc(1, sizeof(*c));
        c->uid = c->pid = -1;
        {
            long gid = -1;

            if (ctlsrv_peer(fd, &c->uid, &gid, &c->pid) == 0)
                c->allowed = ctlsrv_allowed(c->uid, gid);
        }
        ev_io_init(&c->io, ctlsrv_on_io, fd, EV_READ);
        ev_io_start(loop, &c->io);
        ev_timer_init(&c->tmo, ctlsrv_on_timeout, CTLSRV_IO_TIMEOUT, 0.);
        ev_timer_start(loop, &c->tmo);
        c->next = cs.clients;
        cs.clients = c;
        cs.nclients++;
    }
}


/* ---- teardown ------------------------------------------------------------ */

void
wf_ctlsrv_child_reset(void)
{
    if (cs.loop == NULL)
        return;
    ev_io_stop(cs.loop, &cs.io);
    while (cs.clients != NULL)
        ctlsrv_free(cs.clients);
    close(cs.fd);
    cs.fd = -1;
    cs.loop = NULL;
    free(cs.path);
    cs.path = NULL; /* the file is the master's */
}


void
wf_ctlsrv_close(void)
{
    struct stat st;

    wf_sup_set_reload_hook(NULL);
    if (cs.loop != NULL)
        ev_io_stop(cs.loop, &cs.io);
    while (cs.clients != NULL)
        ctlsrv_free(cs.clients);
    if (cs.fd != -1)
        close(cs.fd);
    cs.fd = -1;
    if (cs.path != NULL && lstat(cs.path, &st) == 0 && st.st_dev == cs.dev &&
        st.st_ino == cs.ino)
        unlink(cs.path);
    free(cs.path);
    cs.path = NULL;
    cs.loop = NULL;
}
