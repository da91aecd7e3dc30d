/* rspawn.c - redis-spawn: start, watch, restart and stop the master's
 * private redis-server. The exec runs synchronously (a close-on-exec pipe
 * carries an exec failure back) so that "redis-server is missing" is a
 * startup error, not a crash loop. The child's exit arrives through the
 * supervisor's one ev_child watcher (wf_rspawn_reaped()). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "err.h"
#include "log.h"
#include "priv.h"
#include "rspawn.h"
#include "sup.h"
#include "x.h"

#define RSPAWN_READY_MS 5000   /* startup: wait this long for the socket */
#define RSPAWN_STABLE_MS 10000 /* redis this old was not crash-looping */
#define RSPAWN_BACKOFF_MIN_MS 100
#define RSPAWN_BACKOFF_MAX_MS 5000
#define RSPAWN_KILL_S 5. /* shutdown: SIGTERM, then SIGKILL */
#define RSPAWN_PKG                                                             \
    "install it: Debian/Ubuntu package redis-server, "                         \
    "Fedora/RHEL package redis"

/* The user the run dir may belong to besides us (the "user" workers and
 * redis run as), or (uid_t)-1. */
static uid_t rs_owner = (uid_t)-1;
static gid_t rs_owner_gid = (gid_t)-1;


static struct {
    struct ev_loop *loop; /* NULL: redis-spawn is off */
    char *bin;            /* absolute path of redis-server */
    char *dir;            /* the run dir */
    char *sock;           /* <dir>/redis.sock */
    pid_t pid;            /* 0: not running */
    uint64_t started_ms;
    unsigned fails; /* consecutive young deaths */
    int stopping;
    void (*done)(void);
    ev_timer restart_w;
    ev_timer kill_w;
} rs;


/* redis-server on PATH (absolute entries only), then the usual places.
 * Returns a newly allocated path, or NULL. */
static char *
rspawn_find_bin(void)
{
    const char *path = getenv("PATH");
    char *copy = wf_xasprintf("%s:/usr/sbin:/usr/bin", path ? path : "");
    char *dir, *save = NULL, *found = NULL;
    struct stat st;

    for (dir = strtok_r(copy, ":", &save); dir != NULL && found == NULL;
         dir = strtok_r(NULL, ":", &save)) {
        char *p;

        if (dir[0] != '/')
            continue;
        p = wf_xasprintf("%s/redis-server", dir);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(copy);
    return found;
}


void
wf_rspawn_set_owner(uid_t uid, gid_t gid)
{
    rs_owner = uid;
    rs_owner_gid = gid;
}


int
wf_rspawn_check_dir(const char *what, const char *dir, int create,
                    char **cause)
{
    struct stat st;
    int fd;

    if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
        *cause = wf_xasprintf("%s %s: cannot create it: %s", what, dir,
                              strerror(errno));
        return WF_ECONFIG;
    }
    /* Workers and redis run as the configured user: the directory of
     * their sockets is theirs (the master, root, still uses it). */
    if (create && rs_owner != (uid_t)-1 && chown(dir, rs_owner, rs_owner_gid) == -1) {
        *cause = wf_xasprintf("%s %s: cannot give it to uid %lu: %s", what,
                              dir, (unsigned long)rs_owner, strerror(errno));
        return WF_ECONFIG;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT && !create)
        return 0;
    if (fd == -1 || fstat(fd, &st) == -1) {
        *cause = wf_xasprintf("%s %s: %s", what, dir,
                              errno == ELOOP || errno == ENOTDIR
                                  ? "not a directory (or a symbolic link)"
                                  : strerror(errno));
        if (fd != -1)
            close(fd);
        return WF_ECONFIG;
    }
    close(fd);
    if (st.st_uid != geteuid() && st.st_uid != rs_owner) {
        *cause = wf_xasprintf("%s %s is owned by uid %lu, not by us "
                              "(uid %lu): refusing to use it",
                              what, dir, (unsigned long)st.st_uid,
                              (unsigned long)geteuid());
        return WF_ECONFIG;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        *cause = wf_xasprintf("%s %s is group- or world-writable (mode "
                              "%04o): refusing to use it; chmod 700 it or "
                              "choose another %s",
                              what, dir, (unsigned)(st.st_mode & 07777), what);
        return WF_ECONFIG;
    }
    return 0;
}


/* Does something accept connections on the Unix socket at path? */
static int
rspawn_sock_accepts(const char *path)
{
    struct sockaddr_un sa;
    int fd, ok;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return 0;
    ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}


/* Close every descriptor from lowfd up. Ours are close-on-exec already
 * (listeners, worker socketpairs, libev's); this makes sure nothing that
 * was not leaks into redis-server. */
static void
rspawn_close_from(int lowfd)
{
    long max;

#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0) == 0)
        return;
#endif
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = lowfd; fd < max; fd++)
        close(fd);
}


/* In the forked child: become redis-server or report errno on errfd. */
static void WF_NORETURN
rspawn_exec(int errfd, pid_t master)
{
    /* clang-format off */
    char *argv[] = {
        rs.bin,
        "--port", "0",               /* no TCP listener */
        "--unixsocket", rs.sock,
        "--unixsocketperm", "700",
        "--save", "",                /* no persistence */
        "--appendonly", "no",
        "--dir", rs.dir,
        "--daemonize", "no",         /* stay our child */
        "--protected-mode", "yes",
        NULL,
    };
    /* clang-format on */
    sigset_t none;
    int fd, err;

    /* Its own process group: a terminal's Ctrl-C reaches the master and
     * the workers, and the master stops redis last. */
    setpgid(0, 0);
#if defined(HAVE_PRCTL) && defined(PR_SET_PDEATHSIG)
    /* If the master is SIGKILLed, do not leave redis holding the socket. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != master)
        _exit(1);
#endif
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL); /* SIGPIPE was ignored; the rest are libev's */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (errfd != 3) { /* first, before 0 and 1 are replaced */
        dup2(errfd, 3);
        wf_set_cloexec(3);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd > 0) {
        dup2(fd, 0);
        if (fd != 3)
            close(fd);
    }
    dup2(2, 1); /* redis logs to stdout: send it to the master's stderr */
    rspawn_close_from(4);
    if (wf_priv_drop(rs_owner, rs_owner_gid) != 0) {
        err = errno;
        (void)!write(3, &err, sizeof(err));
        _exit(127);
    }
    execv(rs.bin, argv);
    err = errno;
    (void)!write(3, &err, sizeof(err));
    _exit(127);
}


/* Fork and exec redis-server. Returns 0 with rs.pid set, or WF_ESYS with
 * *cause (caller frees) and no child left. */
static int
rspawn_spawn(char **cause)
{
    pid_t master = getpid(), pid;
    int p[2], err = 0;
    ssize_t n;

    if (unlink(rs.sock) == -1 && errno != ENOENT)
        wf_log(WF_LOG_WARNING,
               "redis-spawn: cannot remove the old socket "
               "%s: %s",
               rs.sock, strerror(errno));
    if (pipe(p) == -1) {
        *cause = wf_xasprintf("redis-spawn: pipe: %s", strerror(errno));
        return WF_ESYS;
    }
    wf_set_cloexec(p[0]);
    wf_set_cloexec(p[1]);
    pid = fork();
    if (pid == -1) {
        *cause = wf_xasprintf("redis-spawn: fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return WF_ESYS;
    }
    if (pid == 0) {
        close(p[0]);
        rspawn_exec(p[1], master);
    }
    close(p[1]);
    setpgid(pid, pid); /* also here, so a signal cannot race the child's */
    do
        n = read(p[0], &err, sizeof(err));
    while (n == -1 && errno == EINTR);
    close(p[0]);
    if (n == (ssize_t)sizeof(err)) {
        int status;

        while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
            ;
        *cause = wf_xasprintf("redis-spawn: cannot run %s: %s (%s)", rs.bin,
                              strerror(err), RSPAWN_PKG);
        return WF_ESYS;
    }
    rs.pid = pid;
    rs.started_ms = wf_now_ms();
    wf_log(WF_LOG_NOTICE, "started redis-server (pid %ld) on unix:%s",
           (long)pid, rs.sock);
    return 0;
}


/* Startup: wait until the new redis-server accepts, so that the workers'
 * first connection succeeds. Its early death is a startup failure. */
static int
rspawn_wait_ready(char **cause)
{
    uint64_t end = wf_now_ms() + RSPAWN_READY_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};
    char why[128];
    int status;

    while (!rspawn_sock_accepts(rs.sock)) {
        if (waitpid(rs.pid, &status, WNOHANG) == rs.pid) {
            wf_sup_describe_status(status, why, sizeof(why));
            *cause = wf_xasprintf("redis-spawn: redis-server (pid %ld) %s "
                                  "before it accepted connections on %s "
                                  "(its log is above)",
                                  (long)rs.pid, why, rs.sock);
            rs.pid = 0;
            return WF_ECONFIG;
        }
        if (wf_now_ms() > end) {
            wf_log(WF_LOG_WARNING,
                   "redis-server (pid %ld) does not accept "
                   "on %s after %d ms; starting the workers "
                   "anyway (they retry)",
                   (long)rs.pid, rs.sock, RSPAWN_READY_MS);
            return 0;
        }
        nanosleep(&ts, NULL);
    }
    return 0;
}


/* Start the restart timer: at once after a first death, then with a
 * doubling delay while redis keeps dying young. Returns the delay. */
static uint64_t
rspawn_schedule(void)
{
    uint64_t delay = 0;

    if (rs.fails > 0) {
        delay = RSPAWN_BACKOFF_MIN_MS;
        for (unsigned i = 1; i < rs.fails && delay < RSPAWN_BACKOFF_MAX_MS; i++)
            delay *= 2;
        delay = WF_MIN(delay, RSPAWN_BACKOFF_MAX_MS);
    }
    rs.fails++;
    ev_timer_set(&rs.restart_w, (double)delay / 1000., 0.);
    ev_timer_start(rs.loop, &rs.restart_w);
    return delay;
}


static void
rspawn_on_restart(struct ev_loop *loop, ev_timer *t, int revents)
{
    char *cause = NULL;

    if (rs.stopping || rs.pid != 0)
        return;
    if (rspawn_spawn(&cause) != 0) {
        uint64_t delay = rspawn_schedule();

        wf_log(WF_LOG_ERR, "%s; trying again in %llu ms", cause,
               (unsigned long long)delay);
        free(cause);
    }
}


static void
rspawn_on_kill(struct ev_loop *loop, ev_timer *t, int revents)
{
    if (rs.pid == 0)
        return;
    wf_log(WF_LOG_WARNING,
           "redis-server (pid %ld) still running %.0f s "
           "after SIGTERM; killing it",
           (long)rs.pid, RSPAWN_KILL_S);
    kill(rs.pid, SIGKILL);
}


static void
rspawn_stopped(void)
{
    void (*done)(void) = rs.done;

    ev_timer_stop(rs.loop, &rs.kill_w);
    if (unlink(rs.sock) == -1 && errno != ENOENT)
        wf_log(WF_LOG_WARNING, "cannot remove %s: %s", rs.sock,
               strerror(errno));
    rs.done = NULL;
    if (done != NULL)
        done();
}


int
wf_rspawn_check(const wf_conf_t *conf, char **cause)
{
    char *bin;

    if (!conf->redis_spawn)
        return 0;
    if ((bin = rspawn_find_bin()) == NULL) {
        *cause = wf_xasprintf("redis-spawn: redis-server not found on PATH, "
                              "/usr/sbin or /usr/bin (" RSPAWN_PKG ")");
        return WF_ECONFIG;
    }
    free(bin);
    return wf_rspawn_check_dir("run-dir", conf->run_dir, 0, cause);
}


int
wf_rspawn_start(struct ev_loop *loop, const wf_conf_t *conf, char **cause)
{
    if (!conf->redis_spawn)
        return 0;
    if (wf_rspawn_check(conf, cause) != 0 ||
        wf_rspawn_check_dir("run-dir", conf->run_dir, 1, cause) != 0)
        return WF_ECONFIG;
    rs.bin = rspawn_find_bin();
    rs.dir = wf_xstrdup(conf->run_dir);
    rs.sock = wf_xasprintf("%s/" WF_CONF_REDIS_SOCK, rs.dir);
    if (rspawn_sock_accepts(rs.sock)) {
        *cause = wf_xasprintf("redis-spawn: %s already accepts connections: "
                              "is another wsfan using run-dir %s?",
                              rs.sock, rs.dir);
        goto fail;
    }
    if (rspawn_spawn(cause) != 0)
        goto fail;
    if (rspawn_wait_ready(cause) != 0) {
        unlink(rs.sock);
        goto fail;
    }
    rs.loop = loop;
    ev_timer_init(&rs.restart_w, rspawn_on_restart, 0., 0.);
    ev_timer_init(&rs.kill_w, rspawn_on_kill, RSPAWN_KILL_S, 0.);
    return 0;
fail:
    wf_rspawn_cleanup();
    return WF_ECONFIG;
}


int
wf_rspawn_reaped(pid_t pid, int status)
{
    uint64_t delay;
    char why[128];

    if (rs.pid == 0 || pid != rs.pid)
        return 0;
    rs.pid = 0;
    wf_sup_describe_status(status, why, sizeof(why));
    if (rs.stopping) {
        int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

        wf_log(clean ? WF_LOG_INFO : WF_LOG_WARNING,
               "redis-server (pid %ld) %s", (long)pid, why);
        rspawn_stopped();
        return 1;
    }
    if (wf_now_ms() - rs.started_ms >= RSPAWN_STABLE_MS)
        rs.fails = 0;
    delay = rspawn_schedule();
    wf_log(WF_LOG_ERR, "redis-server (pid %ld) %s; restarting it in %llu ms",
           (long)pid, why, (unsigned long long)delay);
    return 1;
}


void
wf_rspawn_stop(void (*done)(void))
{
    if (rs.loop == NULL) { /* redis-spawn off */
        done();
        return;
    }
    rs.stopping = 1;
    rs.done = done;
    ev_timer_stop(rs.loop, &rs.restart_w);
    if (rs.pid == 0) {
        rspawn_stopped();
        return;
    }
    wf_log(WF_LOG_NOTICE, "stopping redis-server (pid %ld)", (long)rs.pid);
    kill(rs.pid, SIGTERM);
    ev_timer_start(rs.loop, &rs.kill_w);
}


void
wf_rspawn_keep(const wf_conf_t *old, wf_conf_t *nconf)
{
    int same = old->redis_spawn == nconf->redis_spawn &&
               (!old->redis_spawn || strcmp(old->run_dir, nconf->run_dir) == 0);

    if (same)
        return;
    wf_log(WF_LOG_WARNING,
           "reload: a change of redis-spawn or run-dir needs "
           "a restart; keeping redis-spawn %s%s%s",
           old->redis_spawn ? "yes (run-dir " : "no",
           old->redis_spawn ? old->run_dir : "", old->redis_spawn ? ")" : "");
    nconf->redis_spawn = old->redis_spawn;
    free(nconf->run_dir);
    nconf->run_dir = old->run_dir ? wf_xstrdup(old->run_dir) : NULL;
    free(nconf->redis_url);
    nconf->redis_url = wf_xstrdup(old->redis_url);
}


void
wf_rspawn_child_reset(void)
{
    if (rs.loop == NULL)
        return;
    ev_timer_stop(rs.loop, &rs.restart_w);
    ev_timer_stop(rs.loop, &rs.kill_w);
    rs.loop = NULL;
    rs.pid = 0; /* not the worker's child: never signal it from there */
}


void
wf_rspawn_cleanup(void)
{
    free(rs.bin);
    free(rs.dir);
    free(rs.sock);
    memset(&rs, 0, sizeof(rs));
}
