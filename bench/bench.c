/* bench.c - wsfan-bench: a WebSocket load generator for wsfan (and any
 * RFC 6455 server on this machine). main() parses the options, forks the
 * connection workers (each holds its share of the connections, up to the
 * per-process file limit) and, for fanout, a publisher; then it steers
 * the phases with one-byte commands, shows a progress line on a terminal,
 * collects every process's wb_result_t through its socket, merges them
 * and reports. Every run is bounded: handshake timeouts, run time, drain
 * time and a hard --max-time after which children are killed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_PROGRESS_NS 250000000ULL
#define BENCH_IDLE_NS 1000000000ULL /* fanout: no delivery for this long */
#define BENCH_KILL_GRACE_NS 30000000000ULL /* starved children report late */

typedef struct bench_child {
    pid_t pid;
    int fd;
    size_t got; /* bytes of res received */
    wb_result_t res;
} bench_child_t;

static volatile sig_atomic_t bench_interrupted;


uint64_t
wb_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


uint64_t
wb_now_real(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


uint64_t
wb_stamp(const wb_opts_t *o)
{
    return o->rx_ts ? wb_now_real() : wb_now();
}


int
wb_write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    ssize_t w;

    while (n > 0) {
        w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}


long
wb_channel_of(const wb_opts_t *o, long i)
{
    return o->channels > 0 ? i % o->channels : 0;
}


uint64_t
wb_msgs_on(const wb_opts_t *o, long c, uint64_t n)
{
    uint64_t ch = (uint64_t)o->channels;

    return n / ch + ((uint64_t)c < n % ch);
}


static void
bench_on_signal(int sig)
{
    bench_interrupted = 1;
}


static void
bench_cmd(bench_child_t *ch, int cmd, uint64_t arg)
{
    unsigned char b[9];

    if (ch->fd < 0 || ch->got == sizeof(ch->res))
        return;
    b[0] = (unsigned char)cmd;
    memcpy(b + 1, &arg, 8);
    (void)!write(ch->fd, b, sizeof(b));
}


/* Read whatever part of a child's result arrived. */
static void
bench_read(bench_child_t *ch)
{
    ssize_t n;

    while (ch->fd >= 0 && ch->got < sizeof(ch->res)) {
        n = read(ch->fd, (char *)&ch->res + ch->got, sizeof(ch->res) - ch->got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close(ch->fd);
            ch->fd = -1;
            return;
        }
        ch->got += (size_t)n;
    }
}


static pid_t
bench_fork(const wb_opts_t *o, int idx, wb_live_t *live, bench_child_t *ch,
           int publisher)
{
    int sv[2], i;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGINT, SIG_IGN); /* the parent winds the run down */
        signal(SIGPIPE, SIG_IGN);
        for (i = 0; i < idx; i++)
            if (ch[i].fd >= 0)
                close(ch[i].fd);
        close(sv[0]);
        _exit(publisher ? wb_pub_main(o, &live[idx], live, sv[1])
                        : wb_worker_main(o, idx, &live[idx], live, sv[1]));
    }
    close(sv[1]);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    ch[idx].pid = pid;
    ch[idx].fd = sv[0];
    return pid;
}


/* Keep the earliest non-zero time, or the latest. */
static void
bench_min_nz(uint64_t *m, uint64_t v)
{
    if (v != 0 && (*m == 0 || v < *m))
        *m = v;
}


static void
bench_max(uint64_t *m, uint64_t v)
{
    if (v > *m)
        *m = v;
}


static void
bench_merge(wb_result_t *m, const wb_result_t *r)
{
    const uint64_t *src = (const uint64_t *)r;
    uint64_t *dst = (uint64_t *)m;
    size_t i, n = offsetof(wb_result_t, t_start) / sizeof(uint64_t);

    for (i = 0; i < n; i++)
        dst[i] += src[i];
    bench_min_nz(&m->t_start, r->t_start);
    bench_min_nz(&m->t_go, r->t_go);
    bench_min_nz(&m->t_first, r->t_first);
    bench_max(&m->t_ready, r->t_ready);
    bench_max(&m->t_end, r->t_end);
    bench_max(&m->t_last, r->t_last);
    wb_hist_merge(&m->lat, &r->lat);
    wb_hist_merge(&m->hs, &r->hs);
}


/* The live totals of the workers, for the progress line and decisions. */
static void
bench_live_sum(const wb_opts_t *o, wb_live_t *live, wb_result_t *m, int *nready)
{
    int i;

    memset(m, 0, sizeof(*m));
    wb_hist_init(&m->lat);
    wb_hist_init(&m->hs);
    *nready = 0;
    for (i = 0; i < o->procs; i++) {
        bench_merge(m, &live[i].r);
        *nready += live[i].state >= WB_ST_READY;
    }
}


static void
bench_progress(const wb_opts_t *o, const wb_result_t *m, uint64_t elapsed,
               double rate)
{
    const wb_hist_t *h =
        o->mode == WB_ECHO || o->mode == WB_FANOUT ? &m->lat : &m->hs;

    fprintf(stderr,
            "\r\033[K[%6.1fs] conns %llu/%ld failed %llu dropped "
            "%llu | %s %.0f/s | p99 %.2f ms",
            (double)elapsed / 1e9, (unsigned long long)(m->ready - m->dropped),
            o->conns, (unsigned long long)m->failed,
            (unsigned long long)m->dropped,
            o->mode == WB_ECHO     ? "round trips"
            : o->mode == WB_FANOUT ? "deliveries"
                                   : "ready",
            rate, (double)wb_hist_quantile(h, 0.99) / 1e6);
}


int
main(int argc, char **argv)
{
    static wb_opts_t o;
    bench_child_t *ch;
    wb_live_t *live;
    wb_result_t sum, total;
    struct pollfd pfd[WB_MAX_PROCS + 1];
    uint64_t t0, now, t_all_ready = 0, t_pub_done = 0, t_stop = 0;
    uint64_t t_prog = 0, last_n = 0, last_change = 0, prev = 0;
    int i, n, nch, nready, stopped = 0, go_sent = 0, count_sent = 0;
    int tty, rc;
    size_t shm;

    rc = wb_opts_parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 1;
    tty = isatty(2) && !o.quiet;
    nch = o.procs + (o.mode == WB_FANOUT);
    shm = sizeof(wb_live_t) * (size_t)nch;
    live = mmap(NULL, shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                -1, 0);
    ch = calloc((size_t)nch, sizeof(*ch));
    if (live == MAP_FAILED || ch == NULL) {
        perror("wsfan-bench: memory");
        return 1;
    }
    for (i = 0; i < nch; i++) {
        wb_hist_init(&live[i].r.lat);
        wb_hist_init(&live[i].r.hs);
        ch[i].fd = -1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, bench_on_signal);
    signal(SIGTERM, bench_on_signal);
    t0 = wb_now();
    for (i = 0; i < nch; i++) {
        if (bench_fork(&o, i, live, ch, i == o.procs) < 0) {
            perror("wsfan-bench: fork");
            nch = i;
            bench_interrupted = 1;
            break;
        }
    }
    for (;;) {
        for (i = n = 0; i < nch; i++) {
            if (ch[i].fd >= 0 && ch[i].got < sizeof(ch[i].res)) {
                pfd[n].fd = ch[i].fd;
                pfd[n].events = POLLIN;
                n++;
            }
        }
        if (n == 0)
            break;
        poll(pfd, (nfds_t)n, 50);
        for (i = 0; i < nch; i++)
            bench_read(&ch[i]);
        now = wb_now();
        bench_live_sum(&o, live, &sum, &nready);
        /* Everyone up: start the measured phase. */
        if (!t_all_ready && nready == o.procs &&
            (o.mode != WB_FANOUT || live[o.procs].state >= WB_ST_READY)) {
            t_all_ready = now;
            for (i = 0; i < nch && !go_sent; i++) {
                if (o.mode == WB_FANOUT && i < o.procs)
                    continue;
                bench_cmd(&ch[i], WB_CMD_GO,
                          o.mode == WB_FANOUT ? sum.ready - sum.dropped : 0);
            }
            go_sent = 1;
        }
        /* Fanout: the publisher reported; tell the workers the count. */
        if (o.mode == WB_FANOUT && !count_sent &&
            ch[o.procs].got == sizeof(ch[o.procs].res)) {
            t_pub_done = now;
            for (i = 0; i < o.procs; i++)
                bench_cmd(&ch[i], WB_CMD_COUNT, ch[o.procs].res.published);
            count_sent = 1;
            last_change = now;
            last_n = sum.deliveries;
        }
        if (count_sent && !stopped) {
            int all_set = 1;
            uint64_t expected = 0;

            for (i = 0; i < o.procs; i++) {
                all_set &= live[i].expected_set || ch[i].fd < 0;
                expected += live[i].r.expected;
            }
            if (sum.deliveries != last_n) {
                last_n = sum.deliveries;
                last_change = now;
            }
            if ((all_set && sum.deliveries >= expected) ||
                now - t_pub_done > o.drain_ns ||
                (now - last_change > BENCH_IDLE_NS &&
                 now - t_pub_done > BENCH_IDLE_NS))
                t_stop = now;
        }
        /* Holding: the time is up. */
        if (t_all_ready && !stopped && o.hold_ns &&
            (o.mode == WB_CONNECT || o.mode == WB_HOLD) &&
            now - t_all_ready >= o.hold_ns)
            t_stop = now;
        if (bench_interrupted || now - t0 > o.max_time_ns)
            t_stop = now;
        if (t_stop && !stopped) {
            for (i = 0; i < nch; i++)
                bench_cmd(&ch[i], WB_CMD_STOP, 0);
            stopped = 1;
        }
        if (stopped && now - t_stop > BENCH_KILL_GRACE_NS) {
            fprintf(stderr, "wsfan-bench: children did not finish; "
                            "killing them\n");
            for (i = 0; i < nch; i++)
                if (ch[i].got < sizeof(ch[i].res))
                    kill(ch[i].pid, SIGKILL);
            break;
        }
        if (tty && now - t_prog >= BENCH_PROGRESS_NS) {
            uint64_t cur = o.mode == WB_ECHO     ? sum.roundtrips
                           : o.mode == WB_FANOUT ? sum.deliveries
                                                 : sum.ready;

            bench_progress(&o, &sum, now - t0,
                           t_prog ? (double)(cur - prev) * 1e9 /
                                        (double)(now - t_prog)
                                  : 0);
            prev = cur;
            t_prog = now;
        }
    }
    if (tty)
        fputs("\r\033[K", stderr);
    for (i = 0; i < nch; i++)
        waitpid(ch[i].pid, NULL, 0);
    memset(&total, 0, sizeof(total));
    wb_hist_init(&total.lat);
    wb_hist_init(&total.hs);
    rc = 0;
    for (i = 0; i < o.procs; i++) {
        if (ch[i].got != sizeof(ch[i].res)) {
            fprintf(stderr, "wsfan-bench: worker %d sent no result\n", i);
            rc = 2;
            continue;
        }
        bench_merge(&total, &ch[i].res);
    }
    if (o.mode == WB_FANOUT) {
        const wb_result_t *p = &ch[o.procs].res;

        if (ch[o.procs].got != sizeof(*p)) {
            fprintf(stderr, "wsfan-bench: the publisher sent no result\n");
            rc = 2;
        }
        total.published = p->published;
        total.pub_acks = p->pub_acks;
        total.pub_errors = p->pub_errors;
        total.pub_receivers = p->pub_receivers;
        total.t_go = p->t_go;
        total.t_first = p->t_first; /* first publish */
        total.t_end = p->t_end;     /* last publish */
    }
    {
        struct rusage ru, self;

        getrusage(RUSAGE_CHILDREN, &ru);
        getrusage(RUSAGE_SELF, &self);
        total.cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                        self.ru_utime.tv_sec + self.ru_stime.tv_sec) *
                           1000000000ULL +
                       ((uint64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec +
                        self.ru_utime.tv_usec + self.ru_stime.tv_usec) *
                           1000ULL;
    }
    wb_report(&o, &total, wb_now() - t0);
    free(ch);
    munmap(live, shm);
    if (bench_interrupted)
        return 130;
    if (rc == 0 && (total.failed || total.dropped || total.mismatches ||
                    total.bad || total.duplicates || total.pub_errors ||
                    total.deliveries < total.expected))
        rc = 2;
    return rc;
}
