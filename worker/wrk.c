/* wrk.c - a worker process: its libev loop, accepting on its listening
 * sockets, signals, the master link, and the graceful stop.
 * Entry point: wf_worker_main() (declared in shared/ipc.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include <ev.h>

#include "api.h"
#include "chan.h"
#include "conn.h"
#include "fan.h"
#include "metrics.h"
#include "proto.h"
#include "rsub.h"
#include "err.h"
#include "chantop.h"
#include "ipc.h"
#include "log.h"
#include "route.h"
#include "x.h"

#define WRK_ACCEPT_BATCH 64      /* accepts per readiness event */
#define WRK_EMFILE_PAUSE 0.1     /* s to stop accepting when out of fds */
#define WRK_REDIS_GRACE 2.0      /* s to wait for Redis before serving */
#define WRK_TRIM_INTERVAL 10.0   /* s between heap trims */
#define WRK_TRIM_FREE (4u << 20) /* trim when this much heap is free */

static struct {
    struct ev_loop *loop;
    const wf_worker_spec_t *spec;
    ev_io *lsn_w;
    size_t nlsn;
    int accepting;
    int stopping;
    ev_io ipc_w;
    ev_timer trim_w; /* wrk_on_trim() */
    enum { WRK_NODELAY_UNKNOWN, WRK_NODELAY_INHERITED, WRK_NODELAY_SET }
        nodelay; /* wrk_nodelay() */
    wf_buf_t ipc_in;
    ev_signal sig_w[4];
    ev_timer resume_w; /* accept again after EMFILE */
    ev_timer grace_w;  /* serve even if Redis is not up by then */
    int serving;       /* READY sent, accepting */
    wf_route_info_t info;
    wf_conn_env_t env;
} wrk;


static void
wrk_accepting(int on)
{
    if (wrk.accepting == on)
        return;
    wrk.accepting = on;
    for (size_t i = 0; i < wrk.nlsn; i++) {
        if (on)
            ev_io_start(wrk.loop, &wrk.lsn_w[i]);
        else
            ev_io_stop(wrk.loop, &wrk.lsn_w[i]);
    }
}


static int
wrk_at_capacity(void)
{
    return wf_conn_count() >= wrk.spec->conf->max_connections;
}


/* TCP_NODELAY on an accepted socket. The master sets it on its listening
 * sockets, which Linux passes on to accepted ones: the first accepted
 * socket tells whether that happened here (a systemd-passed socket, or a
 * system that does not), and only then is it set on each. */
static void
wrk_nodelay(int fd)
{
    int one = 1, v = 0;
    socklen_t len = sizeof(v);

    if (wrk.nodelay == WRK_NODELAY_UNKNOWN)
        wrk.nodelay = getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 &&
                              v != 0
                          ? WRK_NODELAY_INHERITED
                          : WRK_NODELAY_SET;
    if (wrk.nodelay == WRK_NODELAY_SET)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}


static void
wrk_on_accept(struct ev_loop *loop, ev_io *io, int revents)
{
    for (int i = 0; i < WRK_ACCEPT_BATCH && !wrk_at_capacity(); i++) {
        int fd;

#ifdef HAVE_ACCEPT4
        fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        fd = accept(io->fd, NULL, NULL);
        if (fd != -1 && (wf_set_nonblock(fd) || wf_set_cloexec(fd))) {
            close(fd);
            continue;
        }
#endif
        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM) {
                wf_log(WF_LOG_WARNING, "accept: %s; pausing accepts",
                       strerror(errno));
                wrk_accepting(0);
                ev_timer_start(loop, &wrk.resume_w);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                wf_log(WF_LOG_ERR, "accept: %s", strerror(errno));
            }
            return;
        }
        wrk_nodelay(fd);
        wf_conn_new(fd);
    }
    if (wrk_at_capacity()) {
        wf_log(WF_LOG_WARNING, "max-connections (%u) reached; not accepting",
               wrk.spec->conf->max_connections);
        wrk_accepting(0);
    }
}


static void
wrk_on_resume(struct ev_loop *loop, ev_timer *t, int revents)
{
    if (!wrk.stopping && !wrk_at_capacity())
        wrk_accepting(1);
}


/* After every connection close: accept again below the limit, or finish
 * the graceful stop when the last connection is gone. */
static void
wrk_on_conn_close(void)
{
    if (wrk.stopping) {
        if (wf_conn_count() == 0)
            ev_break(wrk.loop, EVBREAK_ALL);
        return;
    }
    if (wrk.serving && !wrk.accepting && !ev_is_active(&wrk.resume_w) &&
        !wrk_at_capacity())
        wrk_accepting(1);
}


static void
wrk_stop(const char *why, uint32_t spread_ms, int replaced)
{
    if (wrk.stopping)
        return;
    wrk.stopping = 1;
    wrk.info.draining = 1;
    wrk.info.replaced = replaced;
    wf_log(WF_LOG_INFO, "%s: stopping (%zu connections)", why,
           wf_conn_count());
    wrk_accepting(0);
    ev_timer_stop(wrk.loop, &wrk.resume_w);
    ev_timer_stop(wrk.loop, &wrk.grace_w);
    wf_conn_drain(spread_ms);
    if (wf_conn_count() == 0)
        ev_break(wrk.loop, EVBREAK_ALL);
}


/* Start accepting and tell the master we are ready: once the Redis link
 * is healthy (so the first clients are served, not told 503), or after
 * the grace period when Redis is down (clients connect and wait). */
static void
wrk_serve(const char *why)
{
    if (wrk.serving || wrk.stopping)
        return;
    wrk.serving = 1;
    ev_timer_stop(wrk.loop, &wrk.grace_w);
    wrk_accepting(1);
    if (wf_ipc_send(wrk.spec->ipc_fd, WF_IPC_READY, NULL, 0) != 0)
        wf_log(WF_LOG_ERR, "cannot tell the master we are ready: %s",
               strerror(errno));
    wf_log(WF_LOG_DEBUG, "serving (%s)", why);
}


static void
wrk_on_health(int healthy)
{
    if (healthy)
        wrk_serve("Redis link healthy");
}


static void
wrk_on_grace(struct ev_loop *loop, ev_timer *t, int revents)
{
    wf_log(WF_LOG_WARNING, "Redis not reachable after %.0f s; serving "
                           "anyway (health checks fail until it is)",
           WRK_REDIS_GRACE);
    wrk_serve("grace period over");
}


static void
wrk_on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    if (s->signum == SIGUSR1) {
        wf_log_reopen();
        return;
    }
    wrk_stop(strsignal(s->signum), 0, 0);
}


/* Give freed heap back to the kernel now and then. The trim threshold is
 * high so that bursts of messages do not brk up and down, but a burst of
 * handshakes (each with its request buffer) leaves megabytes free in the
 * middle of the heap that idle connections never use again. */
static void
wrk_on_trim(struct ev_loop *loop, ev_timer *t, int revents)
{
#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
    if (mallinfo2().fordblks >= WRK_TRIM_FREE)
        malloc_trim(0);
#elif defined(HAVE_MALLOC_TRIM)
    malloc_trim(0);
#endif
}


/* wsfanctl channels: the master asks for our busiest channels. */
static void
wrk_chantop(const char *payload, size_t len)
{
    wf_chantop_req_t req;
    wf_chantop_ent_t *v;
    size_t n;

    if (len != sizeof(req))
        return;
    memcpy(&req, payload, sizeof(req));
    if (req.k > WF_CHANTOP_MAX)
        req.k = WF_CHANTOP_MAX;
    v = wf_xcalloc((size_t)req.k + 1, sizeof(*v));
    n = wf_chan_top(v, req.k);
    if (wf_chantop_send(wrk.spec->ipc_fd, req.id, v, n, wf_chan_count()) != 0)
        wf_log(WF_LOG_WARNING, "channels: cannot answer the master: %s",
               strerror(errno));
    free(v);
}


static void
wrk_on_ipc_msg(void *arg, unsigned type, const char *payload, size_t len)
{
    wf_ipc_stop_t stop = {0, 0};

    if (type == WF_IPC_CHANTOP)
        wrk_chantop(payload, len);
    if (type != WF_IPC_STOP)
        return;
    /* Either field may be missing: a bare STOP closes at once. */
    memcpy(&stop, payload, WF_MIN(len, sizeof(stop)));
    if (stop.flags & WF_IPC_STOP_REPLACED)
        wrk_stop("replaced by a new generation", stop.spread_ms, 1);
    else
        wrk_stop("told to drain", stop.spread_ms, 0);
}


static void
wrk_on_ipc(struct ev_loop *loop, ev_io *io, int revents)
{
    int rc = wf_ipc_read(io->fd, &wrk.ipc_in, wrk_on_ipc_msg, NULL);

    if (rc != 0) {
        /* The master is gone: nobody supervises us any more. */
        wf_log(WF_LOG_ERR, "lost the master (%s); exiting", wf_strerror(rc));
        ev_io_stop(loop, io);
        wrk_stop("master gone", 0, 0);
    }
}


int
wf_worker_main(const wf_worker_spec_t *spec)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGUSR1};

    memset(&wrk, 0, sizeof(wrk));
    wrk.loop = EV_DEFAULT;
    wrk.spec = spec;
#if defined(HAVE_PRCTL) && defined(PR_SET_PDEATHSIG)
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
#if defined(HAVE_PRCTL) && defined(PR_SET_NAME)
    prctl(PR_SET_NAME, "wsfan-worker");
#endif
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD)
    /* Messages and send queues come and go by the thousand: do not give
     * heap memory back to the kernel (brk) after every burst. */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
    ev_timer_init(&wrk.trim_w, wrk_on_trim, WRK_TRIM_INTERVAL,
                  WRK_TRIM_INTERVAL);
    ev_timer_start(wrk.loop, &wrk.trim_w);
    for (size_t i = 0; i < WF_ARRAY_LEN(sigs); i++) {
        ev_signal_init(&wrk.sig_w[i], wrk_on_signal, sigs[i]);
        ev_signal_start(wrk.loop, &wrk.sig_w[i]);
    }
    wrk.info.slot = spec->slot;
    wrk.info.generation = spec->generation;
    wrk.info.pid = (long)getpid();
    wrk.info.echo = spec->conf->echo;
    wrk.info.ws_path = spec->conf->ws_path;
    wrk.info.healthy = wf_rsub_healthy;
    wrk.env.loop = wrk.loop;
    wrk.env.conf = spec->conf;
    wrk.env.info = &wrk.info;
    wrk.env.on_close = wrk_on_conn_close;
    wf_conn_init(&wrk.env);
    wf_chan_init(NULL);
    wf_proto_init(spec->conf);
    wf_metrics_init(wrk.loop, spec->stats, spec->stats_me);
    wf_api_init(spec->conf);
    {
        wf_rsub_hooks_t hooks = {wf_fan_message, wrk_on_health};
        char *cause = NULL;

        if (wf_rsub_init(wrk.loop, spec->conf, &hooks, &cause) != 0) {
            wf_log(WF_LOG_CRIT, "%s", cause);
            free(cause);
            return 1;
        }
    }

    wf_set_nonblock(spec->ipc_fd);
    ev_io_init(&wrk.ipc_w, wrk_on_ipc, spec->ipc_fd, EV_READ);
    ev_io_start(wrk.loop, &wrk.ipc_w);
    ev_timer_init(&wrk.resume_w, wrk_on_resume, WRK_EMFILE_PAUSE, 0.);

    wrk.nlsn = spec->nlfds;
    wrk.lsn_w = wf_xcalloc(wrk.nlsn ? wrk.nlsn : 1, sizeof(*wrk.lsn_w));
    for (size_t i = 0; i < wrk.nlsn; i++)
        ev_io_init(&wrk.lsn_w[i], wrk_on_accept, spec->lfds[i], EV_READ);
    ev_timer_init(&wrk.grace_w, wrk_on_grace, WRK_REDIS_GRACE, 0.);
    ev_timer_start(wrk.loop, &wrk.grace_w);

    ev_run(wrk.loop, 0);

    wf_log(WF_LOG_INFO, "exiting");
    wf_metrics_cleanup();
    wf_rsub_cleanup();
    wf_conn_cleanup();
    wf_chan_cleanup();
    free(wrk.lsn_w);
    wf_buf_free(&wrk.ipc_in);
    return 0;
}
