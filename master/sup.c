/* sup.c - the supervisor. Callbacks record what happened; the decisions
 * (respawn, backoff, generations, shutdown) live in the sup_* functions
 * below. Workers are forked from the master's libev default loop; the
 * child stops every master watcher, re-arms the loop with ev_loop_fork()
 * and runs wf_worker_main(). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "chanrank.h"
#include "ctlsrv.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "lsn.h"
#include "notify.h"
#include "priv.h"
#include "stats.h"
#include "rspawn.h"
#include "sup.h"
#include "x.h"

#define SUP_STABLE_MS 10000      /* a worker this old was not crash-looping */
#define SUP_BACKOFF_MIN_MS 100   /* first delay after a quick death */
#define SUP_BACKOFF_MAX_MS 10000 /* ceiling of the exponential backoff */
#define SUP_READY_WAIT_MS 10000  /* reload: wait this long for READY */
#define SUP_KILL_GRACE_MS 2000   /* past drain-timeout before SIGKILL */

typedef enum {
    SW_STARTING, /* forked, no READY yet */
    SW_READY,    /* serving */
    SW_STOPPING, /* told to stop */
} sup_wstate_t;

typedef struct sup_worker {
    struct sup_worker *next;
    pid_t pid;
    int slot;
    unsigned gen;
    sup_wstate_t state;
    int ipc_fd;
    ev_io ipc_w;
    wf_buf_t ipc_in;
    uint64_t started_ms;
    uint64_t ready_ms;   /* when READY came, or 0 */
    unsigned restarts;   /* of its slot before it (for wsfanctl) */
    wf_stats_proc_t *st; /* its record in the statistics segment */
    uint64_t stop_ms;    /* when an old generation's worker was told to go */
} sup_worker_t;

typedef struct sup_slot {
    unsigned fails;    /* consecutive quick deaths */
    unsigned restarts; /* all deaths of this slot's workers */
    ev_timer respawn_w;
    sup_worker_t *cur; /* the current generation's worker, or NULL */
} sup_slot_t;

static struct {
    struct ev_loop *loop;
    wf_conf_t *conf;
    const char *path;
    char *const *sets;
    size_t nsets;
    wf_lsnset_t lsn;
    unsigned gen;
    sup_slot_t *slots;
    int nslots;
    sup_worker_t *workers; /* every live worker process, all generations */
    int stopping;
    int draining; /* wf_sup_drain(): no workers until a reload */
    int exit_status;
    uint64_t started_ms;
    wf_sup_reload_hook_t reload_hook;
    ev_signal sig_w[5];
    ev_child child_w;
    ev_timer kill_w;  /* shutdown: SIGKILL whoever is left */
    ev_timer ready_w; /* reload: stop waiting for READY */
    ev_timer hang_w;  /* checks the workers' loop heartbeats */
    ev_timer watchdog_w; /* systemd WATCHDOG=1 */
    int announced;       /* READY=1 sent for the first generation */
    wf_stats_t *stats;
} sup;

static void sup_spawn(int slot);


static sup_worker_t *
sup_find(pid_t pid)
{
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next)
        if (w->pid == pid)
            return w;
    return NULL;
}


/* Signal worker w; a failure (but for "already gone") is logged loudly:
 * a master without CAP_KILL cannot signal workers that dropped to another
 * user, and would otherwise wait for them forever. Returns 0 or -1. */
static int
sup_kill(const sup_worker_t *w, int sig)
{
    if (kill(w->pid, sig) == 0 || errno == ESRCH)
        return 0;
    wf_log(WF_LOG_ALERT, "cannot send %s to worker %d (pid %ld): %s%s",
           sig == SIGKILL ? "SIGKILL" : sig == SIGTERM ? "SIGTERM" : "a signal",
           w->slot, (long)w->pid, strerror(errno),
           errno == EPERM ? " (the master needs CAP_KILL to signal workers "
                            "that run as another user)"
                          : "");
    return -1;
}


static void
sup_forget(sup_worker_t *w)
{
    sup_worker_t **pp;

    for (pp = &sup.workers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    if (w->ipc_fd != -1) {
        ev_io_stop(sup.loop, &w->ipc_w);
        close(w->ipc_fd);
    }
    if (w->st != NULL)
        wf_stats_release(sup.stats, w->st);
    wf_buf_free(&w->ipc_in);
    free(w);
}


/* In a new child: drop everything that belongs to the master's loop so the
 * worker starts with a clean default loop and default signal handling. */
static void
sup_child_reset(void)
{
    sigset_t none;

    for (size_t i = 0; i < WF_ARRAY_LEN(sup.sig_w); i++)
        ev_signal_stop(sup.loop, &sup.sig_w[i]);
    ev_child_stop(sup.loop, &sup.child_w);
    ev_timer_stop(sup.loop, &sup.kill_w);
    ev_timer_stop(sup.loop, &sup.ready_w);
    ev_timer_stop(sup.loop, &sup.hang_w);
    ev_timer_stop(sup.loop, &sup.watchdog_w);
    for (int i = 0; i < sup.nslots; i++)
        ev_timer_stop(sup.loop, &sup.slots[i].respawn_w);
    wf_rspawn_child_reset();
    wf_ctlsrv_child_reset();
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        if (w->ipc_fd != -1) {
            ev_io_stop(sup.loop, &w->ipc_w);
            close(w->ipc_fd);
            w->ipc_fd = -1;
        }
    }
    ev_loop_fork(sup.loop);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}


/* Is every current-generation worker READY? */
static int
sup_gen_ready(void)
{
    for (int i = 0; i < sup.nslots; i++)
        if (sup.slots[i].cur == NULL || sup.slots[i].cur->state != SW_READY)
            return 0;
    return 1;
}


/* The reload being waited for ended: tell the control socket. */
static void
sup_reload_done(const char *err)
{
    wf_notify_ready(err == NULL ? "serving (reloaded)"
                                : "serving (reload failed)");
    if (sup.reload_hook != NULL)
        sup.reload_hook(sup.gen, err);
}


/* Ask every worker of an older generation to drain: stop accepting and
 * close its clients with 1001 spread over drain-timeout (no reconnect
 * storm); whoever is still running 2 s after that is killed. */
static void
sup_stop_old(void)
{
    wf_ipc_stop_t stop = {sup.conf->drain_timeout_ms, WF_IPC_STOP_REPLACED};

    ev_timer_stop(sup.loop, &sup.ready_w);
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        if (w->gen != sup.gen && w->state != SW_STOPPING) {
            w->state = SW_STOPPING;
            w->stop_ms = wf_now_ms();
            if (w->st != NULL)
                w->st->state = WF_STATS_DRAINING;
            if (w->ipc_fd == -1 ||
                wf_ipc_send(w->ipc_fd, WF_IPC_STOP, &stop, sizeof(stop)) != 0)
                sup_kill(w, SIGTERM);
        }
    }
}


static void
sup_on_ipc_msg(void *arg, unsigned type, const char *payload, size_t len)
{
    sup_worker_t *w = arg;

    if (type == WF_IPC_CHANTOP_PART) {
        wf_chanrank_part(w->pid, payload, len);
        return;
    }
    if (type == WF_IPC_READY && w->state == SW_STARTING) {
        w->state = SW_READY;
        w->ready_ms = wf_now_ms();
        if (w->st != NULL)
            w->st->state = WF_STATS_READY;
        wf_log(WF_LOG_DEBUG, "worker %d (pid %ld) generation %u ready",
               w->slot, (long)w->pid, w->gen);
        if (!sup.announced && sup_gen_ready()) {
            sup.announced = 1;
            wf_notify_ready("serving");
        }
        if (w->gen == sup.gen && sup_gen_ready() &&
            ev_is_active(&sup.ready_w)) {
            wf_log(WF_LOG_NOTICE, "generation %u serving; stopping the old "
                                  "workers",
                   sup.gen);
            sup_stop_old();
            sup_reload_done(NULL);
        }
    }
}


int
wf_sup_send(pid_t pid, unsigned type, const void *payload, size_t len)
{
    sup_worker_t *w = sup_find(pid);

    if (w == NULL || w->ipc_fd == -1)
        return WF_ENOTFOUND;
    return wf_ipc_send(w->ipc_fd, type, payload, len);
}


static void
sup_on_ipc(struct ev_loop *loop, ev_io *io, int revents)
{
    sup_worker_t *w = WF_CONTAINER_OF(io, sup_worker_t, ipc_w);
    int rc = wf_ipc_read(w->ipc_fd, &w->ipc_in, sup_on_ipc_msg, w);

    if (rc != 0) { /* the worker is exiting; ev_child reports how */
        ev_io_stop(loop, io);
        close(w->ipc_fd);
        w->ipc_fd = -1;
    }
}


static void
sup_spawn(int slot)
{
    wf_stats_proc_t *st;
    sup_worker_t *w;
    int sv[2], *fds;
    size_t nfds;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
        wf_log(WF_LOG_ALERT, "socketpair: %s", strerror(errno));
        return;
    }
    wf_set_cloexec(sv[0]);
    wf_set_cloexec(sv[1]);
    nfds = wf_lsn_for_slot(&sup.lsn, slot, &fds);
    /* The record is claimed before fork() so the child knows it; its pid
     * is filled in right after. */
    st = wf_stats_claim(sup.stats, -1, slot, sup.gen,
                        sup.slots[slot].restarts);
    pid = fork();
    if (pid == -1) {
        wf_log(WF_LOG_CRIT, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        free(fds);
        if (st != NULL)
            wf_stats_release(sup.stats, st);
        ev_timer_set(&sup.slots[slot].respawn_w, 1.0, 0.);
        ev_timer_start(sup.loop, &sup.slots[slot].respawn_w);
        return;
    }
    if (pid == 0) {
        wf_worker_spec_t spec;

        close(sv[0]);
        sup_child_reset();
        /* Sockets of other slots stay open in the master; this worker
         * must not hold them. */
        for (size_t i = 0; i < sup.lsn.n; i++) {
            int mine = 0;

            for (size_t j = 0; j < nfds; j++)
                mine |= fds[j] == sup.lsn.v[i].fd;
            if (!mine && sup.lsn.v[i].fd != -1)
                close(sup.lsn.v[i].fd);
        }
        spec.conf = sup.conf;
        spec.slot = slot;
        spec.generation = sup.gen;
        spec.ipc_fd = sv[1];
        spec.lfds = fds;
        spec.nlfds = nfds;
        spec.stats = sup.stats;
        spec.stats_me = st;
        wf_log_set_role("worker", slot, sup.gen);
        if (wf_priv_wanted(sup.conf) &&
            wf_priv_drop(sup.conf->uid, sup.conf->gid) != 0) {
            wf_log(WF_LOG_CRIT, "cannot switch to user %s: %s",
                   sup.conf->user, strerror(errno));
            _exit(1);
        }
        exit(wf_worker_main(&spec));
    }
    free(fds);
    close(sv[1]);
    w = wf_xcalloc(1, sizeof(*w));
    w->pid = pid;
    w->slot = slot;
    w->gen = sup.gen;
    w->state = SW_STARTING;
    w->ipc_fd = sv[0];
    w->started_ms = wf_now_ms();
    w->restarts = sup.slots[slot].restarts;
    w->st = st;
    if (st != NULL)
        __atomic_store_n(&st->pid, (int32_t)pid, __ATOMIC_RELEASE);
    wf_set_nonblock(w->ipc_fd);
    ev_io_init(&w->ipc_w, sup_on_ipc, w->ipc_fd, EV_READ);
    ev_io_start(sup.loop, &w->ipc_w);
    w->next = sup.workers;
    sup.workers = w;
    sup.slots[slot].cur = w;
    wf_log(WF_LOG_INFO, "started worker %d (pid %ld), generation %u", slot,
           (long)pid, sup.gen);
}


static void
sup_on_respawn(struct ev_loop *loop, ev_timer *t, int revents)
{
    sup_slot_t *s = WF_CONTAINER_OF(t, sup_slot_t, respawn_w);

    if (!sup.stopping && !sup.draining)
        sup_spawn((int)(s - sup.slots));
}


void
wf_sup_describe_status(int status, char *out, size_t n)
{
    if (WIFEXITED(status))
        snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, n, "killed by signal %d (%s)%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)),
#ifdef WCOREDUMP
                 WCOREDUMP(status) ? ", core dumped" :
#endif
                                   "");
    else
        snprintf(out, n, "stopped with status 0x%x", status);
}


/* Shutdown, last step: redis-spawn's server is gone (or was never
 * there); the master can exit. */
static void
sup_redis_gone(void)
{
    ev_break(sup.loop, EVBREAK_ALL);
}


/* Shutdown: the last worker has exited. A spawned redis-server is stopped
 * only now, so that draining workers keep their Redis until the end. */
static void
sup_workers_gone(void)
{
    ev_timer_stop(sup.loop, &sup.kill_w);
    wf_rspawn_stop(sup_redis_gone);
}


/* A worker process ended: log why, and replace it if it should be
 * running (backoff while it keeps dying young). */
static void
sup_reaped(pid_t pid, int status)
{
    sup_worker_t *w = sup_find(pid);
    char why[128];
    uint64_t now = wf_now_ms(), delay;
    sup_slot_t *s;
    int expected;

    if (w == NULL)
        return;
    wf_sup_describe_status(status, why, sizeof(why));
    expected = sup.stopping || w->state == SW_STOPPING || w->gen != sup.gen;
    if (expected) {
        int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

        wf_log(clean ? WF_LOG_INFO : WF_LOG_WARNING,
               "worker %d (pid %ld) generation %u %s", w->slot, (long)pid,
               w->gen, why);
        if (sup.slots != NULL && w->slot < sup.nslots &&
            sup.slots[w->slot].cur == w)
            sup.slots[w->slot].cur = NULL;
        sup_forget(w);
        if (sup.stopping && sup.workers == NULL)
            sup_workers_gone();
        return;
    }
    s = &sup.slots[w->slot];
    s->cur = NULL;
    if (now - w->started_ms >= SUP_STABLE_MS)
        s->fails = 0;
    delay = 0;
    if (s->fails > 0) {
        delay = SUP_BACKOFF_MIN_MS;
        for (unsigned i = 1; i < s->fails && delay < SUP_BACKOFF_MAX_MS; i++)
            delay *= 2;
        delay = WF_MIN(delay, SUP_BACKOFF_MAX_MS);
    }
    s->fails++;
    s->restarts++;
    wf_stats_set(&sup.stats->worker_restarts,
                 wf_stats_get(&sup.stats->worker_restarts) + 1);
    wf_log(WF_LOG_ERR, "worker %d (pid %ld) %s; restarting in %llu ms",
           w->slot, (long)pid, why, (unsigned long long)delay);
    sup_forget(w);
    ev_timer_set(&s->respawn_w, (double)delay / 1000., 0.);
    ev_timer_start(sup.loop, &s->respawn_w);
}


static void
sup_on_child(struct ev_loop *loop, ev_child *c, int revents)
{
    if (!wf_rspawn_reaped(c->rpid, c->rstatus))
        sup_reaped(c->rpid, c->rstatus);
}


/* Every second: a serving worker whose loop heartbeat (its 250 ms stats
 * timer) is older than worker-hang-timeout is stuck: kill it, and the
 * usual path replaces it. */
static void
sup_on_hang_check(struct ev_loop *loop, ev_timer *t, int revents)
{
    uint64_t now = wf_now_ms(), limit = sup.conf->hang_timeout_ms;

    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        uint64_t hb;

        if (w->state == SW_STOPPING && w->stop_ms != 0 && !sup.stopping &&
            now - w->stop_ms > (uint64_t)sup.conf->drain_timeout_ms +
                                   SUP_KILL_GRACE_MS) {
            wf_log(WF_LOG_WARNING, "worker %d (pid %ld) of generation %u "
                                   "still running after the drain timeout; "
                                   "killing it",
                   w->slot, (long)w->pid, w->gen);
            sup_kill(w, SIGKILL);
            w->stop_ms = 0;
            continue;
        }
        if (w->st == NULL || w->state == SW_STOPPING)
            continue;
        hb = wf_stats_get(&w->st->heartbeat);
        if (hb == 0)
            hb = w->started_ms; /* not ticking yet */
        if (now > hb && now - hb > limit) {
            wf_log(WF_LOG_ERR, "worker %d (pid %ld) has not run its loop for "
                               "%llu ms (worker-hang-timeout %llu ms); "
                               "killing it",
                   w->slot, (long)w->pid, (unsigned long long)(now - hb),
                   (unsigned long long)limit);
            sup_kill(w, SIGKILL);
            wf_stats_set(&w->st->heartbeat, now); /* once; reaping follows */
        }
    }
}


/* The drain timeout (shutdown or wf_sup_drain()) is over: SIGKILL the
 * workers told to stop that are still there. */
static void
sup_on_watchdog(struct ev_loop *loop, ev_timer *t, int revents)
{
    wf_notify("WATCHDOG=1");
}


static void
sup_on_kill(struct ev_loop *loop, ev_timer *t, int revents)
{
    int failed = 0;

    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        if (w->state != SW_STOPPING)
            continue; /* started by a reload after a drain */
        wf_log(WF_LOG_WARNING, "worker %d (pid %ld) still running after the "
                               "drain timeout; killing it",
               w->slot, (long)w->pid);
        failed |= sup_kill(w, SIGKILL) != 0;
    }
    /* Shutting down and some worker cannot be killed: leave anyway. The
     * kernel sends each worker SIGTERM when the master is gone (they
     * asked with PR_SET_PDEATHSIG), and they exit on that. */
    if (failed && sup.stopping) {
        wf_log(WF_LOG_ALERT, "exiting with workers left behind");
        sup.exit_status = 1;
        sup_workers_gone();
    }
}


static void
sup_shutdown(const char *why, int spread)
{
    uint32_t ms = sup.conf->drain_timeout_ms;
    double grace;

    if (sup.stopping)
        return;
    sup.stopping = 1;
    wf_notify("STOPPING=1");
    if (ev_is_active(&sup.ready_w)) {
        ev_timer_stop(sup.loop, &sup.ready_w);
        sup_reload_done("the master is shutting down");
    }
    wf_log(WF_LOG_NOTICE, "%s: stopping the workers (drain timeout %u ms)",
           why, sup.conf->drain_timeout_ms);
    for (int i = 0; i < sup.nslots; i++)
        ev_timer_stop(sup.loop, &sup.slots[i].respawn_w);
    ev_timer_stop(sup.loop, &sup.ready_w);
    /* TERM/INT: clients get 1001 at once. QUIT: spread over the drain
     * timeout, like a reload, then exit. */
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        w->state = SW_STOPPING;
        if (!spread || w->ipc_fd == -1 ||
            wf_ipc_send(w->ipc_fd, WF_IPC_STOP, &ms, sizeof(ms)) != 0)
            sup_kill(w, SIGTERM);
    }
    if (sup.workers == NULL) {
        sup_workers_gone();
        return;
    }
    grace = (sup.conf->drain_timeout_ms + SUP_KILL_GRACE_MS) / 1000.;
    ev_timer_stop(sup.loop, &sup.kill_w); /* a drain's, if any */
    ev_timer_init(&sup.kill_w, sup_on_kill, grace, 0.);
    ev_timer_start(sup.loop, &sup.kill_w);
}


static void
sup_on_ready_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    char err[128];

    wf_log(WF_LOG_WARNING, "generation %u not ready after %d ms; stopping "
                           "the old workers anyway",
           sup.gen, SUP_READY_WAIT_MS);
    sup_stop_old();
    snprintf(err, sizeof(err), "generation %u was not ready after %d ms; "
                               "the old workers were stopped anyway",
             sup.gen, SUP_READY_WAIT_MS);
    sup_reload_done(err);
}


static void
sup_make_slots(int n)
{
    sup.slots = wf_xcalloc((size_t)n, sizeof(*sup.slots));
    sup.nslots = n;
    for (int i = 0; i < n; i++)
        ev_timer_init(&sup.slots[i].respawn_w, sup_on_respawn, 0., 0.);
}


/* SIGHUP or wsfanctl reload: read the configuration again; on success
 * start a new generation and stop the old one once the new one is serving
 * (sup_on_ipc_msg() or the ready timer report the outcome through the
 * reload hook). Listening sockets with the same address and slot are kept
 * open across the reload. Returns 0, or WF_ECONFIG with *cause. */
static int
sup_reload(char **cause)
{
    wf_lsnset_t nlsn = {NULL, 0};
    wf_conf_t *nconf;

    if (sup.stopping) {
        *cause = wf_xstrdup("the master is shutting down");
        return WF_ECONFIG;
    }
    nconf = wf_conf_read(sup.path, sup.sets, sup.nsets, cause);
    if (nconf == NULL) {
        wf_log(WF_LOG_ERR, "reload refused, old workers keep serving: %s",
               *cause);
        return WF_ECONFIG;
    }
    wf_rspawn_keep(sup.conf, nconf);
    if (wf_lsn_open(&nlsn, nconf, &sup.lsn, cause) != 0) {
        wf_log(WF_LOG_ERR, "reload refused, old workers keep serving: %s",
               *cause);
        wf_conf_free(nconf);
        return WF_ECONFIG;
    }
    wf_ctlsrv_reconf(sup.conf, nconf);
    if (ev_is_active(&sup.ready_w)) /* the newer generation answers */
        ev_timer_stop(sup.loop, &sup.ready_w);
    if (sup.draining)
        wf_log(WF_LOG_NOTICE, "reload after a drain: serving again");
    sup.draining = 0;
    /* Sockets the new configuration no longer uses are closed now: the old
     * workers stop accepting anyway. Workers keep their own copies until
     * they exit. */
    wf_lsn_close(&sup.lsn);
    sup.lsn = nlsn;
    for (int i = 0; i < sup.nslots; i++)
        ev_timer_stop(sup.loop, &sup.slots[i].respawn_w);
    free(sup.slots);
    /* Old workers run on their own copy of the old conf (fork). */
    wf_conf_free(sup.conf);
    sup.conf = nconf;
    wf_log_set_level(nconf->log_level);
    wf_notify_reloading();
    sup.gen++;
    wf_log(WF_LOG_NOTICE, "reloading: starting generation %u with %d "
                          "workers",
           sup.gen, nconf->workers);
    sup_make_slots(nconf->workers);
    for (int i = 0; i < sup.nslots; i++)
        sup_spawn(i);
    ev_timer_set(&sup.ready_w, SUP_READY_WAIT_MS / 1000., 0.);
    ev_timer_start(sup.loop, &sup.ready_w);
    return 0;
}


int
wf_sup_reload(unsigned *gen, char **cause)
{
    if (sup_reload(cause) != 0)
        return WF_ECONFIG;
    *gen = sup.gen;
    return 0;
}


int
wf_sup_drain(uint32_t timeout_ms)
{
    uint32_t ms = timeout_ms;
    int n = 0;

    if (sup.stopping)
        return -1;
    if (ev_is_active(&sup.ready_w)) {
        ev_timer_stop(sup.loop, &sup.ready_w);
        sup_reload_done("drained before the new generation was serving");
    }
    sup.draining = 1;
    for (int i = 0; i < sup.nslots; i++)
        ev_timer_stop(sup.loop, &sup.slots[i].respawn_w);
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next) {
        if (w->state == SW_STOPPING)
            continue;
        w->state = SW_STOPPING;
        if (w->st != NULL)
            w->st->state = WF_STATS_DRAINING;
        /* The payload tells the worker how long it may take; a worker
         * whose link is gone gets SIGTERM instead. */
        if (w->ipc_fd == -1 ||
            wf_ipc_send(w->ipc_fd, WF_IPC_STOP, &ms, sizeof(ms)) != 0)
            sup_kill(w, SIGTERM);
        n++;
    }
    /* Once the last drained worker exits, the ports are closed: new
     * connection attempts are refused (a load balancer sees that at once)
     * rather than left waiting in an accept queue nobody serves. A reload
     * opens them again. */
    wf_lsn_close(&sup.lsn);
    wf_log(WF_LOG_NOTICE, "draining: %d workers stop accepting and close "
                          "their clients within %u ms; no worker starts "
                          "until a reload",
           n, timeout_ms);
    ev_timer_stop(sup.loop, &sup.kill_w);
    ev_timer_init(&sup.kill_w, sup_on_kill,
                  (timeout_ms + SUP_KILL_GRACE_MS) / 1000., 0.);
    ev_timer_start(sup.loop, &sup.kill_w);
    return n;
}


void
wf_sup_shutdown(const char *why)
{
    sup_shutdown(why, 0);
}


void
wf_sup_set_reload_hook(wf_sup_reload_hook_t hook)
{
    sup.reload_hook = hook;
}


void
wf_sup_state(wf_sup_state_t *out)
{
    memset(out, 0, sizeof(*out));
    out->conf = sup.conf;
    out->stats = sup.stats;
    out->gen = sup.gen;
    out->nslots = sup.nslots;
    out->stopping = sup.stopping;
    out->draining = sup.draining;
    out->reloading = ev_is_active(&sup.ready_w);
    out->started_ms = sup.started_ms;
}


size_t
wf_sup_workers(wf_sup_winfo_t **out)
{
    static const char *const names[] = {"starting", "ready", "stopping"};
    size_t n = 0, i = 0;

    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next)
        n++;
    *out = wf_xcalloc(n ? n : 1, sizeof(**out));
    for (sup_worker_t *w = sup.workers; w != NULL; w = w->next, i++) {
        wf_sup_winfo_t *o = &(*out)[i];

        o->pid = w->pid;
        o->slot = w->slot;
        o->gen = w->gen;
        o->state = names[w->state];
        o->started_ms = w->started_ms;
        o->ready_ms = w->ready_ms;
        o->restarts = w->restarts;
        o->st = w->st;
    }
    return n;
}


static void
sup_on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    switch (s->signum) {
    case SIGHUP: {
        char *cause = NULL;

        wf_log(WF_LOG_NOTICE, "SIGHUP: reloading the configuration");
        if (sup_reload(&cause) != 0)
            free(cause); /* logged by sup_reload() */
        break;
    }
    case SIGTERM:
    case SIGINT:
        sup_shutdown(strsignal(s->signum), 0);
        break;
    case SIGQUIT:
        sup_shutdown(strsignal(s->signum), 1);
        break;
    case SIGUSR1:
        wf_log_reopen();
        for (sup_worker_t *w = sup.workers; w != NULL; w = w->next)
            kill(w->pid, SIGUSR1);
        break;
    }
}


static int
sup_write_pidfile(const char *path)
{
    FILE *f = fopen(path, "we");

    if (f == NULL) {
        wf_log(WF_LOG_ERR, "pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0) {
        wf_log(WF_LOG_ERR, "pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}


int
wf_sup_run(wf_conf_t *conf, const char *path, char *const *sets,
           size_t nsets)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1};
    char *cause = NULL;
    char *pidfile;
    double watchdog;

    sup.loop = ev_default_loop(EVFLAG_AUTO);
    if (sup.loop == NULL) {
        wf_log(WF_LOG_EMERG, "cannot initialise libev");
        return 1;
    }
    sup.conf = conf;
    sup.path = path;
    sup.sets = sets;
    sup.nsets = nsets;
    sup.gen = 1;
    sup.started_ms = wf_now_ms();
    signal(SIGPIPE, SIG_IGN);
    /* A missing redis-server or an unsafe run dir fails before anything
     * is bound or written; wf_rspawn_start() below checks again. */
    watchdog = wf_notify_init(); /* before anything is forked */
    if (conf->user != NULL && conf->user[0] != '\0' && geteuid() != 0)
        wf_log(WF_LOG_WARNING, "\"user %s\" ignored: the master does not "
                               "run as root",
               conf->user);
    if (wf_priv_wanted(conf)) {
        wf_log_set_owner(conf->uid, conf->gid);
        wf_rspawn_set_owner(conf->uid, conf->gid);
    }
    sup.stats = wf_stats_create();
    if (sup.stats == NULL) {
        wf_log(WF_LOG_EMERG, "cannot map the statistics segment: %s",
               strerror(errno));
        return 1;
    }
    wf_lsn_adopt_passed();
    if (wf_rspawn_check(conf, &cause) != 0 ||
        wf_lsn_open(&sup.lsn, conf, NULL, &cause) != 0) {
        wf_log(WF_LOG_EMERG, "%s", cause);
        free(cause);
        return 1;
    }
    wf_lsn_passed_done();
    /* The control socket after the ports, so that a port in use is
     * reported as such; before anything is forked. */
    if (wf_ctlsrv_open(sup.loop, conf, &cause) != 0) {
        wf_log(WF_LOG_EMERG, "%s", cause);
        free(cause);
        wf_lsn_close(&sup.lsn);
        return 1;
    }
    pidfile = conf->pidfile ? wf_xstrdup(conf->pidfile) : NULL;
    if (pidfile != NULL && sup_write_pidfile(pidfile) != 0) {
        wf_ctlsrv_close();
        wf_lsn_close(&sup.lsn);
        free(pidfile);
        return 1;
    }
    for (size_t i = 0; i < WF_ARRAY_LEN(sigs); i++) {
        ev_signal_init(&sup.sig_w[i], sup_on_signal, sigs[i]);
        ev_signal_start(sup.loop, &sup.sig_w[i]);
    }
    ev_child_init(&sup.child_w, sup_on_child, 0, 0);
    ev_child_start(sup.loop, &sup.child_w);
    ev_timer_init(&sup.ready_w, sup_on_ready_timeout, 0., 0.);
    ev_timer_init(&sup.hang_w, sup_on_hang_check, 1., 1.);
    ev_timer_start(sup.loop, &sup.hang_w);
    ev_timer_init(&sup.watchdog_w, sup_on_watchdog, watchdog, watchdog);
    if (watchdog > 0)
        ev_timer_start(sup.loop, &sup.watchdog_w);
    ev_timer_init(&sup.kill_w, sup_on_kill, 0., 0.);
    /* Redis before the workers, so that their first connection works; its
     * exit comes through child_w like theirs. */
    if (wf_rspawn_start(sup.loop, conf, &cause) != 0) {
        wf_log(WF_LOG_EMERG, "%s", cause);
        free(cause);
        wf_ctlsrv_close();
        wf_lsn_close(&sup.lsn);
        if (pidfile != NULL)
            unlink(pidfile);
        free(pidfile);
        return 1;
    }
    for (size_t i = 0; i < conf->nlistens; i++)
        wf_log(WF_LOG_NOTICE, "listening on %s", conf->listens[i].text);
    wf_log(WF_LOG_NOTICE, "wsfan %s starting %d workers (%s)",
           PACKAGE_VERSION, conf->workers,
           wf_lsn_per_worker() ? "one SO_REUSEPORT socket each"
                               : "sharing one socket");
    sup_make_slots(conf->workers);
    for (int i = 0; i < sup.nslots; i++)
        sup_spawn(i);

    ev_run(sup.loop, 0);

    wf_ctlsrv_close();
    wf_lsn_close(&sup.lsn);
    if (pidfile != NULL)
        unlink(pidfile);
    free(pidfile);
    free(sup.slots);
    wf_rspawn_cleanup();
    wf_stats_destroy(sup.stats);
    wf_conf_free(sup.conf);
    wf_log(WF_LOG_NOTICE, "exiting");
    return sup.exit_status;
}
