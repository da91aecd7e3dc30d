/* test_rlink.c - worker/rlink.c against a real redis-server (REDIS_SERVER,
 * default "redis-server"; missing is a failure, never a skip): TCP and
 * Unix sockets, pipelining, AUTH/SELECT, subscriber mode, CLIENT KILL,
 * kill -9 and restart with backoff, the output limit, timeouts, freeing
 * from callbacks. Each test starts its own servers (no persistence, in a
 * mkdtemp directory); every server is killed at exit whatever happens
 * (teardown, atexit, fatal signals, and PR_SET_PDEATHSIG where it exists).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <cmocka.h>
#include <ev.h>
#include <hiredis/hiredis.h>

#include "err.h"
#include "log.h"
#include "raddr.h"
#include "rlink.h"
#include "x.h"

#define MAX_SRV 4

/* ---- redis-server processes --------------------------------------------- */

typedef struct srv {
    pid_t pid;
    int port;
    char dir[64];
    char sock[100]; /* fits sun_path */
    char logf[100];
    char tcp_url[64];
    char unix_url[160];
} srv_t;

static srv_t *live[MAX_SRV];
static char log_path[128];


static double
now(void)
{
    return (double)wf_now_ms() / 1000.;
}


/* kill -9 the server; its directory stays for a restart. */
static void
srv_kill(srv_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
            ;
    }
    s->pid = 0;
}


/* Kill the server, remove its directory, forget it (async-signal-safe). */
static void
srv_stop(srv_t *s)
{
    int i;

    srv_kill(s);
    for (i = 0; i < MAX_SRV; i++)
        if (live[i] == s)
            live[i] = NULL;
    if (s->dir[0] == '\0')
        return;
    unlink(s->sock);
    unlink(s->logf);
    rmdir(s->dir);
    s->dir[0] = '\0';
}


static void
srv_stop_all(void)
{
    int i;

    for (i = 0; i < MAX_SRV; i++)
        if (live[i] != NULL)
            srv_stop(live[i]);
}


static void
on_fatal_signal(int sig)
{
    srv_stop_all();
    unlink(log_path);
    signal(sig, SIG_DFL);
    raise(sig);
}


static int
free_port(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    port = ntohs(sin.sin_port);
    close(fd);
    return port;
}


/* Start (or, with s->dir set, restart on the same port and socket) a
 * redis-server with the extra arguments (NULL-terminated); return once it
 * accepts connections. */
static void
srv_start(srv_t *s, const char *const *extra)
{
    const char *bin = getenv("REDIS_SERVER");
    const char *argv[32];
    char port[16];
    struct sockaddr_un sun;
    pid_t parent = getpid();
    double deadline;
    int argc = 0, i;

    if (bin == NULL || *bin == '\0')
        bin = "redis-server";
    if (s->dir[0] == '\0') {
        for (i = 0; i < MAX_SRV && live[i] != NULL; i++)
            ;
        assert_true(i < MAX_SRV);
        snprintf(s->dir, sizeof(s->dir), "/tmp/wf-rlink-XXXXXX");
        assert_non_null(mkdtemp(s->dir));
        live[i] = s;
        snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
        s->port = free_port();
        snprintf(s->tcp_url, sizeof(s->tcp_url), "redis://127.0.0.1:%d",
                 s->port);
        snprintf(s->unix_url, sizeof(s->unix_url), "unix:%s", s->sock);
        snprintf(s->logf, sizeof(s->logf), "%s/redis.log", s->dir);
    }
    snprintf(port, sizeof(port), "%d", s->port);
    argv[argc++] = bin;
    argv[argc++] = "--port";
    argv[argc++] = port;
    argv[argc++] = "--bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--unixsocket";
    argv[argc++] = s->sock;
    argv[argc++] = "--unixsocketperm";
    argv[argc++] = "700";
    argv[argc++] = "--save";
    argv[argc++] = "";
    argv[argc++] = "--appendonly";
    argv[argc++] = "no";
    argv[argc++] = "--dir";
    argv[argc++] = s->dir;
    argv[argc++] = "--logfile";
    argv[argc++] = s->logf;
    argv[argc++] = "--daemonize";
    argv[argc++] = "no";
    for (i = 0; extra != NULL && extra[i] != NULL; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int null = open("/dev/null", O_RDWR);

#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_PDEATHSIG)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        if (getppid() != parent)
            _exit(1);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        execvp(bin, (char *const *)argv);
        fprintf(stderr, "test_rlink: cannot run %s: %s\n", bin,
                strerror(errno));
        _exit(127);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->sock);
    for (deadline = now() + 5.;; usleep(5000)) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok, st;

        ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
        close(fd);
        if (ok)
            return;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            fail_msg("redis-server (%s) exited with status %d", bin,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        }
        if (now() > deadline)
            fail_msg("redis-server (%s) not ready after 5 s", bin);
    }
}


static int
teardown(void **state)
{
    srv_stop_all();
    return 0;
}


/* ---- the log ------------------------------------------------------------ */

/* Lines of the log written after byte offset since that contain s. */
static int
log_count(long since, const char *s)
{
    FILE *f = fopen(log_path, "r");
    char line[1024];
    int n = 0;

    assert_non_null(f);
    fseek(f, since, SEEK_SET);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, s) != NULL;
    fclose(f);
    return n;
}


static long
log_mark(void)
{
    FILE *f = fopen(log_path, "r");
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}


/* ---- loop and links ----------------------------------------------------- */

static void (*tick_hook)(void);


static void
on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    if (tick_hook != NULL)
        tick_hook();
}


static struct ev_loop *
loop_new(ev_timer *tick)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

    /* The tick bounds each ev_run(EVRUN_ONCE) to 5 ms. */
    ev_timer_init(tick, on_tick, 0.005, 0.005);
    ev_timer_start(loop, tick);
    return loop;
}


static void
loop_free(struct ev_loop *loop, ev_timer *tick)
{
    ev_timer_stop(loop, tick);
    ev_loop_destroy(loop);
    tick_hook = NULL;
}


#define RUN_UNTIL(loop, cond, secs)                                            \
    do {                                                                       \
        double end_ = now() + (secs);                                          \
        while (!(cond) && now() < end_)                                        \
            ev_run((loop), EVRUN_ONCE);                                        \
    } while (0)

#define RUN_FOR(loop, secs) RUN_UNTIL(loop, 0, secs)

/* What a link's callbacks saw. */
typedef struct seen {
    int ups, downs, pushes;
    int nulls_at_down; /* NULL replies counted when on_down ran */
    char why[256];
    int resubscribe; /* on_up: SUBSCRIBE "ch" */
    int *nulls;      /* where NULL replies are counted */
    struct push *push;
    size_t npush;
} seen_t;

typedef struct push {
    char kind[16];
    char *ch;
    size_t chlen;
    char *data;
    size_t len;
    long long count;
} push_t;


static void
on_up(wf_rlink_t *l, void *arg)
{
    seen_t *s = arg;

    s->ups++;
    if (s->resubscribe) {
        const char *argv[] = {"SUBSCRIBE", "ch"};

        assert_int_equal(wf_rlink_command(l, 2, argv, NULL, NULL, NULL), 0);
    }
}


static void
on_down(wf_rlink_t *l, const char *why, void *arg)
{
    seen_t *s = arg;

    s->downs++;
    snprintf(s->why, sizeof(s->why), "%s", why);
    s->nulls_at_down = s->nulls != NULL ? *s->nulls : -1;
    assert_int_equal(wf_rlink_is_up(l), 0);
}


static void
on_push(wf_rlink_t *l, redisReply *r, void *arg)
{
    seen_t *s = arg;
    push_t *p;
    redisReply *last;

    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_true(r->elements >= 3);
    s->push = wf_xreallocarray(s->push, s->npush + 1, sizeof(*s->push));
    p = &s->push[s->npush++];
    memset(p, 0, sizeof(*p));
    snprintf(p->kind, sizeof(p->kind), "%s", r->element[0]->str);
    last = r->element[r->elements - 1];
    /* message: kind ch data; pmessage: kind pattern ch data;
     * confirmations: kind ch count. */
    if (strcmp(p->kind, "pmessage") == 0 || strcmp(p->kind, "message") == 0) {
        redisReply *ch = r->element[r->elements - 2];

        p->ch = wf_xstrndup(ch->str, ch->len);
        p->chlen = ch->len;
        p->data = wf_xmalloc(last->len + 1);
        memcpy(p->data, last->str, last->len);
        p->data[last->len] = '\0';
        p->len = last->len;
    } else {
        if (r->element[1]->type == REDIS_REPLY_STRING) {
            p->ch = wf_xstrndup(r->element[1]->str, r->element[1]->len);
            p->chlen = r->element[1]->len;
        }
        p->count = last->integer;
    }
    s->pushes++;
}


static void
seen_free(seen_t *s)
{
    size_t i;

    for (i = 0; i < s->npush; i++) {
        free(s->push[i].ch);
        free(s->push[i].data);
    }
    free(s->push);
    s->push = NULL;
    s->npush = 0;
}


static const wf_rlink_cfg_t cfg0;


static wf_rlink_t *
link_new(struct ev_loop *loop, const char *url, seen_t *s,
         const wf_rlink_cfg_t *base)
{
    wf_rlink_cfg_t cfg = base ? *base : cfg0;
    wf_rlink_cbs_t cbs = {on_up, on_down, on_push, s};
    wf_raddr_t a;
    wf_rlink_t *l;
    char *cause = NULL;

    if (wf_raddr_parse(url, &a, &cause) != 0)
        fail_msg("%s", cause);
    cfg.addr = &a;
    if (cfg.name == NULL)
        cfg.name = "test";
    l = wf_rlink_new(loop, &cfg, &cbs, &cause);
    if (l == NULL)
        fail_msg("%s", cause);
    wf_raddr_free(&a);
    return l;
}


/* A reply, copied. */
typedef struct rep {
    int done;
    int type; /* -1: NULL reply */
    long long integer;
    char *str;
    size_t len, elements;
} rep_t;


static void
rep_cb(wf_rlink_t *l, redisReply *r, void *arg)
{
    rep_t *p = arg;

    p->done++;
    free(p->str);
    p->str = NULL;
    if (r == NULL) {
        p->type = -1;
        return;
    }
    p->type = r->type;
    p->integer = r->integer;
    p->elements = r->elements;
    if (r->str != NULL) {
        p->str = wf_xstrndup(r->str, r->len);
        p->len = r->len;
    }
}


/* Run one command and wait for its reply (copied into *rep). */
static void
cmd(struct ev_loop *loop, wf_rlink_t *l, rep_t *rep, int argc,
    const char **argv, const size_t *argvlen)
{
    free(rep->str);
    memset(rep, 0, sizeof(*rep));
    assert_int_equal(wf_rlink_command(l, argc, argv, argvlen, rep_cb, rep), 0);
    RUN_UNTIL(loop, rep->done, 5.);
    assert_int_equal(rep->done, 1);
}


/* An io layer wrapping the plain one that counts calls and has a
 * handshake needing one extra round (EV_WRITE): exercises the TLS seam. */
static int io_opens, io_handshakes, io_writes, io_closes;


static int
count_open(void *arg, int fd, const wf_raddr_t *a, void **ctx, const char **why)
{
    io_opens++;
    assert_ptr_equal(arg, &io_opens);
    return wf_rlink_io_plain.open(NULL, fd, a, ctx, why);
}


static int
count_handshake(void *ctx, int *want, const char **why)
{
    if (io_handshakes++ % 2 == 0) {
        *want = EV_WRITE;
        return WF_EAGAIN;
    }
    return 0;
}


static ssize_t
count_writev(void *ctx, const struct iovec *iov, int iovcnt, int *want)
{
    io_writes++;
    return wf_rlink_io_plain.writev(ctx, iov, iovcnt, want);
}


static void
count_close(void *ctx)
{
    io_closes++;
}


static const wf_rlink_io_t count_io = {
    "counting", count_open, count_handshake, NULL, count_writev, count_close,
};


/* ---- (a) TCP, Unix, pipelining ------------------------------------------ */

static long long incr_next;
static int incr_bad;


static void
incr_cb(wf_rlink_t *l, redisReply *r, void *arg)
{
    if (r == NULL || r->type != REDIS_REPLY_INTEGER ||
        r->integer != ++incr_next)
        incr_bad++;
}


static void
test_pipeline(void **state)
{
    static srv_t srv;
    wf_rlink_io_t io = count_io;
    wf_rlink_cfg_t cfg = cfg0;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    const char *incr[] = {"INCR", "counter"}, *del[] = {"DEL", "counter"};
    const char *urls[2];
    rep_t rep = {0};
    int u, i;

    io.read = wf_rlink_io_plain.read;
    cfg.io = &io;
    cfg.io_arg = &io_opens;
    srv_start(&srv, NULL);
    urls[0] = srv.tcp_url;
    urls[1] = srv.unix_url;
    for (u = 0; u < 2; u++) {
        seen_t s = {0};
        wf_rlink_t *l = link_new(loop, urls[u], &s, &cfg);

        io_opens = io_handshakes = io_writes = io_closes = 0;
        assert_int_equal(wf_rlink_command(l, 2, incr, NULL, NULL, NULL),
                         WF_EUNAVAIL);
        RUN_UNTIL(loop, s.ups == 1, 5.);
        assert_int_equal(s.ups, 1);
        assert_int_equal(io_opens, 1);
        assert_int_equal(io_handshakes, 2); /* EAGAIN, then done */
        cmd(loop, l, &rep, 2, del, NULL);

        incr_next = 0;
        incr_bad = 0;
        io_writes = 0;
        for (i = 0; i < 10000; i++)
            assert_int_equal(wf_rlink_command(l, 2, incr, NULL, incr_cb, NULL),
                             0);
        assert_int_equal(incr_next, 0); /* no reply before the loop runs */
        RUN_UNTIL(loop, incr_next == 10000 || incr_bad, 10.);
        assert_int_equal(incr_bad, 0);
        assert_int_equal(incr_next, 10000);
        /* Corked: ~330 KB in a handful of writes, not 10,000. */
        assert_true(io_writes >= 1 && io_writes <= 50);
        wf_rlink_free(l);
        assert_int_equal(io_closes, 1);
        assert_int_equal(s.downs, 0);
    }
    free(rep.str);
    loop_free(loop, &tick);
}


static void
test_tls_refused(void **state)
{
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t cfg = cfg0;
    wf_rlink_cbs_t cbs = {0};
    wf_raddr_t a;
    char *cause = NULL;

    assert_int_equal(wf_raddr_parse("rediss://:pw@h:1", &a, &cause), 0);
    cfg.addr = &a;
    assert_null(wf_rlink_new(loop, &cfg, &cbs, &cause));
    assert_non_null(strstr(cause, "TLS (rediss://) is not supported"));
    assert_non_null(strstr(cause, "rediss://:****@h:1"));
    free(cause);
    wf_raddr_free(&a);
    loop_free(loop, &tick);
}


/* ---- (b) AUTH and SELECT ------------------------------------------------ */

static void
test_auth_select(void **state)
{
    static srv_t srv;
    static const char *const extra[] = {"--requirepass", "s3cret", NULL};
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    seen_t s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0};
    wf_rlink_cfg_t fast = cfg0;
    wf_rlink_stats_t st;
    wf_rlink_t *l1, *l2, *l3, *l4, *l5, *l6;
    char url[300];
    rep_t rep = {0};
    long mark = log_mark();
    const char *set[] = {"SET", "k", "in db 3"}, *get[] = {"GET", "k"};
    const char *acl[] = {"ACL",         "SETUSER", "alice", "on",
                         ">p@ss:w/rd%", "~*",      "+@all"};
    const char *whoami[] = {"ACL", "WHOAMI"};

    srv_start(&srv, extra);
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%d/3", srv.port);
    l1 = link_new(loop, url, &s1, NULL);
    RUN_UNTIL(loop, s1.ups == 1, 5.);
    assert_int_equal(s1.ups, 1);
    cmd(loop, l1, &rep, 3, set, NULL);
    assert_int_equal(rep.type, REDIS_REPLY_STATUS);

    /* Password in the query of a unix: URL; db 0, then db 3. */
    snprintf(url, sizeof(url), "%s?password=s3cret", srv.unix_url);
    l2 = link_new(loop, url, &s2, NULL);
    snprintf(url, sizeof(url), "%s?db=3&password=s3cret", srv.unix_url);
    l3 = link_new(loop, url, &s3, NULL);
    RUN_UNTIL(loop, s2.ups == 1 && s3.ups == 1, 5.);
    cmd(loop, l2, &rep, 2, get, NULL);
    assert_int_equal(rep.type, REDIS_REPLY_NIL);
    cmd(loop, l3, &rep, 2, get, NULL);
    assert_int_equal(rep.type, REDIS_REPLY_STRING);
    assert_string_equal(rep.str, "in db 3");

    /* An ACL user whose password needs percent-encoding. */
    cmd(loop, l1, &rep, 7, acl, NULL);
    assert_int_equal(rep.type, REDIS_REPLY_STATUS);
    snprintf(url, sizeof(url),
             "redis://alice:p%%40ss%%3Aw%%2Frd%%25@127.0.0.1:%d", srv.port);
    l4 = link_new(loop, url, &s4, NULL);
    RUN_UNTIL(loop, s4.ups == 1, 5.);
    cmd(loop, l4, &rep, 2, whoami, NULL);
    assert_string_equal(rep.str, "alice");

    /* A wrong password: a clear error, retried with backoff, never up. */
    fast.backoff_min = 0.05;
    fast.backoff_max = 0.2;
    snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", srv.port);
    l5 = link_new(loop, url, &s5, &fast);
    /* No password at all: SELECT is refused. */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/1", srv.port);
    l6 = link_new(loop, url, &s6, &fast);
    RUN_FOR(loop, 0.6);
    assert_int_equal(s5.ups + s5.downs + s6.ups + s6.downs, 0);
    wf_rlink_stats(l5, &st);
    assert_true(st.failures >= 3);
    assert_int_equal(st.ups, 0);
    assert_non_null(strstr(st.last_error, "AUTH failed: WRONGPASS"));
    assert_true(st.retry_delay > 0.);
    wf_rlink_stats(l6, &st);
    assert_true(st.failures >= 3);
    assert_non_null(strstr(st.last_error, "SELECT failed: NOAUTH"));
    /* One line for the first failure, none per retry; never the
     * password. */
    assert_int_equal(log_count(mark, "cannot connect: AUTH failed"), 1);
    assert_int_equal(log_count(mark, "s3cret"), 0);
    assert_int_equal(log_count(mark, "wrong"), 0);
    assert_true(log_count(mark, ":****@127.0.0.1") >= 2);

    wf_rlink_free(l1);
    wf_rlink_free(l2);
    wf_rlink_free(l3);
    wf_rlink_free(l4);
    wf_rlink_free(l5);
    wf_rlink_free(l6);
    free(rep.str);
    loop_free(loop, &tick);
}


/* ---- (c) subscriber mode ------------------------------------------------ */

static void
test_subscriber(void **state)
{
    static srv_t srv;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t subcfg = cfg0;
    seen_t ss = {0}, ps = {0};
    wf_rlink_t *sub, *pub;
    rep_t sr = {0}, pr = {0};
    const char *subscribe[] = {"SUBSCRIBE", "ch:a", "bin\0ch"};
    const size_t sublen[] = {9, 4, 6};
    const char *psub[] = {"PSUBSCRIBE", "p:*"}, *ping[] = {"PING"};
    const char *unsub[] = {"UNSUBSCRIBE"}, *unsub_a[] = {"UNSUBSCRIBE", "ch:a"};
    const char *publish[] = {"PUBLISH", NULL, NULL};
    size_t publen[3] = {7, 0, 0};
    char *big = wf_xmalloc(1 << 20);
    size_t i;

    for (i = 0; i < 1 << 20; i++)
        big[i] = (char)(i * 7 + (i >> 11));
    subcfg.subscriber = 1;
    srv_start(&srv, NULL);
    sub = link_new(loop, srv.unix_url, &ss, &subcfg);
    pub = link_new(loop, srv.tcp_url, &ps, NULL);
    RUN_UNTIL(loop, ss.ups == 1 && ps.ups == 1, 5.);
    assert_int_equal(ss.ups + ps.ups, 2);

    /* The subscribe family is refused on a plain link, an unsubscribe-all
     * everywhere. */
    assert_int_equal(wf_rlink_command(pub, 2, psub, NULL, NULL, NULL),
                     WF_EINVAL);
    assert_int_equal(wf_rlink_command(sub, 1, unsub, NULL, NULL, NULL),
                     WF_EINVAL);

    /* Two confirmations (one binary channel name), then one callback. */
    cmd(loop, sub, &sr, 3, subscribe, sublen);
    assert_int_equal(sr.type, REDIS_REPLY_ARRAY);
    assert_int_equal(ss.npush, 2);
    assert_string_equal(ss.push[0].kind, "subscribe");
    assert_string_equal(ss.push[0].ch, "ch:a");
    assert_int_equal(ss.push[0].count, 1);
    assert_int_equal(ss.push[1].chlen, 6);
    assert_memory_equal(ss.push[1].ch, "bin\0ch", 6);
    assert_int_equal(ss.push[1].count, 2);
    cmd(loop, sub, &sr, 2, psub, NULL);
    assert_int_equal(ss.npush, 3);
    assert_string_equal(ss.push[2].kind, "psubscribe");
    /* PING in subscribed mode answers the FIFO, not on_push. */
    cmd(loop, sub, &sr, 1, ping, NULL);
    assert_int_equal(sr.type, REDIS_REPLY_ARRAY);
    assert_int_equal(sr.elements, 2);
    assert_int_equal(ss.npush, 3);

    /* 0 B, 1 MiB of every byte value, binary channel, pattern. */
    publish[1] = "ch:a";
    publen[1] = 4;
    publish[2] = "";
    cmd(loop, pub, &pr, 3, publish, publen);
    assert_int_equal(pr.integer, 1);
    publish[1] = "bin\0ch";
    publen[1] = 6;
    publish[2] = big;
    publen[2] = 1 << 20;
    cmd(loop, pub, &pr, 3, publish, publen);
    assert_int_equal(pr.integer, 1);
    publish[1] = "p:x";
    publen[1] = 3;
    publish[2] = "a\0\r\n$3\r\nb";
    publen[2] = 9;
    cmd(loop, pub, &pr, 3, publish, publen);
    assert_int_equal(pr.integer, 1);
    RUN_UNTIL(loop, ss.npush == 6, 5.);
    assert_int_equal(ss.npush, 6);
    assert_string_equal(ss.push[3].kind, "message");
    assert_string_equal(ss.push[3].ch, "ch:a");
    assert_int_equal(ss.push[3].len, 0);
    assert_string_equal(ss.push[4].kind, "message");
    assert_memory_equal(ss.push[4].ch, "bin\0ch", 6);
    assert_int_equal(ss.push[4].len, 1 << 20);
    assert_memory_equal(ss.push[4].data, big, 1 << 20);
    assert_string_equal(ss.push[5].kind, "pmessage");
    assert_string_equal(ss.push[5].ch, "p:x");
    assert_int_equal(ss.push[5].len, 9);
    assert_memory_equal(ss.push[5].data, "a\0\r\n$3\r\nb", 9);

    cmd(loop, sub, &sr, 2, unsub_a, NULL);
    assert_int_equal(ss.npush, 7);
    assert_string_equal(ss.push[6].kind, "unsubscribe");
    assert_int_equal(ss.push[6].count, 2); /* bin\0ch and p:* remain */
    assert_int_equal(ss.downs + ps.downs, 0);

    wf_rlink_free(sub);
    wf_rlink_free(pub);
    seen_free(&ss);
    free(sr.str);
    free(pr.str);
    free(big);
    loop_free(loop, &tick);
}


/* ---- (d) CLIENT KILL ---------------------------------------------------- */

static void
test_client_kill(void **state)
{
    static srv_t srv;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t subcfg = cfg0;
    seen_t ss = {0}, ps = {0};
    wf_rlink_t *sub, *pub;
    rep_t pr = {0};
    const char *kill_[] = {"CLIENT", "KILL", "TYPE", "pubsub"};
    const char *publish[] = {"PUBLISH", "ch", "after"};
    wf_rlink_stats_t st;
    double t0;

    subcfg.subscriber = 1;
    ss.resubscribe = 1;
    srv_start(&srv, NULL);
    sub = link_new(loop, srv.tcp_url, &ss, &subcfg);
    pub = link_new(loop, srv.unix_url, &ps, NULL);
    RUN_UNTIL(loop, ss.npush == 1 && ps.ups == 1, 5.);
    assert_int_equal(ss.npush, 1);

    cmd(loop, pub, &pr, 4, kill_, NULL);
    assert_int_equal(pr.integer, 1);
    t0 = now();
    RUN_UNTIL(loop, ss.ups == 2 && ss.npush == 2, 3.);
    assert_int_equal(ss.downs, 1);
    assert_non_null(strstr(ss.why, "closed"));
    assert_int_equal(ss.ups, 2);
    assert_true(now() - t0 < 1.);
    assert_int_equal(ps.downs, 0);
    cmd(loop, pub, &pr, 3, publish, NULL);
    assert_int_equal(pr.integer, 1);
    RUN_UNTIL(loop, ss.npush == 3, 5.);
    assert_string_equal(ss.push[2].data, "after");
    wf_rlink_stats(sub, &st);
    assert_int_equal(st.ups, 2);
    assert_int_equal(st.downs, 1);
    assert_int_equal(st.failures, 0);

    wf_rlink_free(sub);
    wf_rlink_free(pub);
    seen_free(&ss);
    free(pr.str);
    loop_free(loop, &tick);
}


/* ---- (e) kill -9, backoff, restart -------------------------------------- */

static int null_replies;
static wf_rlink_t *watched;
static double delays[16], fail_at[16], attempt_at[16];
static int ndelays;
static uint64_t seen_failures, seen_attempts;


static void
null_cb(wf_rlink_t *l, redisReply *r, void *arg)
{
    if (r == NULL)
        null_replies++;
}


/* Every tick: note each new failure's retry delay and each attempt. */
static void
watch_backoff(void)
{
    wf_rlink_stats_t st;

    wf_rlink_stats(watched, &st);
    /* Attempts first: one may start and fail within a tick. */
    if (st.attempts != seen_attempts && ndelays > 0) {
        seen_attempts = st.attempts;
        attempt_at[ndelays - 1] = now();
    }
    if (st.failures + st.downs != seen_failures && ndelays < 16) {
        seen_failures = st.failures + st.downs;
        fail_at[ndelays] = now();
        delays[ndelays++] = st.retry_delay;
    }
}


static void
test_kill_restart(void **state)
{
    static srv_t srv;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t cfg = cfg0;
    seen_t s = {0};
    wf_rlink_t *l;
    wf_rlink_stats_t st;
    rep_t rep = {0};
    const char *blpop[] = {"BLPOP", "nothing", "0"};
    const char *incr[] = {"INCR", "n"};
    const double base[] = {0.1, 0.2, 0.4, 0.8, 0.8};
    int i, jittered = 0;
    long mark = log_mark();
    double ready;

    cfg.backoff_min = 0.1;
    cfg.backoff_max = 0.8;
    s.nulls = &null_replies;
    srv_start(&srv, NULL);
    l = link_new(loop, srv.tcp_url, &s, &cfg);
    RUN_UNTIL(loop, s.ups == 1, 5.);
    assert_int_equal(s.ups, 1);

    /* BLPOP blocks the connection: the INCRs behind it stay pending. */
    null_replies = 0;
    assert_int_equal(wf_rlink_command(l, 3, blpop, NULL, null_cb, NULL), 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(wf_rlink_command(l, 2, incr, NULL, null_cb, NULL), 0);
    RUN_FOR(loop, 0.1);
    wf_rlink_stats(l, &st);
    assert_int_equal(st.pending, 11);
    assert_int_equal(st.out_bytes, 0);

    watched = l;
    ndelays = 0;
    seen_failures = seen_attempts = 0;
    wf_rlink_stats(l, &st);
    seen_attempts = st.attempts;
    tick_hook = watch_backoff;
    srv_kill(&srv);
    RUN_UNTIL(loop, s.downs == 1, 2.);
    assert_int_equal(s.downs, 1);
    assert_int_equal(null_replies, 11);
    assert_int_equal(s.nulls_at_down, 11); /* replies failed first */
    assert_int_equal(wf_rlink_command(l, 2, incr, NULL, NULL, NULL),
                     WF_EUNAVAIL);

    /* The down, then four refused attempts: 0.1 0.2 0.4 0.8 0.8, +-20%. */
    RUN_UNTIL(loop, ndelays == 5, 4.);
    assert_int_equal(ndelays, 5);
    for (i = 0; i < 5; i++) {
        if (delays[i] < base[i] * 0.8 - 1e-9 ||
            delays[i] > base[i] * 1.2 + 1e-9)
            fail_msg("delay %d: %.3f s, expected %.1f s +-20%%", i, delays[i],
                     base[i]);
        if (i < 3 && delays[i + 1] <= delays[i])
            fail_msg("delay %d (%.3f) <= delay %d (%.3f)", i + 1, delays[i + 1],
                     i, delays[i]);
        if (i < 4 && attempt_at[i] - fail_at[i] < delays[i] - 0.02)
            fail_msg("attempt %d came %.3f s after its failure, before "
                     "its delay %.3f",
                     i, attempt_at[i] - fail_at[i], delays[i]);
        jittered += delays[i] < base[i] * 0.995 || delays[i] > base[i] * 1.005;
    }
    assert_true(jittered > 0);
    assert_int_equal(s.ups, 1);

    /* Redis returns on the same address: up within the capped delay. */
    srv_start(&srv, NULL);
    ready = now();
    RUN_UNTIL(loop, s.ups == 2, 3.);
    assert_int_equal(s.ups, 2);
    if (now() - ready > 1.1)
        fail_msg("up %.3f s after Redis returned", now() - ready);
    tick_hook = NULL;
    cmd(loop, l, &rep, 2, incr, NULL);
    assert_int_equal(rep.integer, 1); /* a fresh server */
    wf_rlink_stats(l, &st);
    assert_int_equal(st.streak, 0);
    assert_true(st.failures >= 4);

    /* The log: down once, first failure once, up twice; no line per
     * retry. */
    assert_int_equal(log_count(mark, "down: connection closed"), 1);
    assert_int_equal(log_count(mark, "cannot connect"), 1);
    assert_int_equal(log_count(mark, "still failing"), 0);
    assert_int_equal(log_count(mark, "redis test link to redis://"), 4);

    wf_rlink_free(l);
    free(rep.str);
    loop_free(loop, &tick);
}


/* ---- (f) output limit, and the other edges ------------------------------ */

static void
test_out_limit(void **state)
{
    static srv_t srv;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t cfg = cfg0;
    seen_t s = {0};
    wf_rlink_t *l;
    wf_rlink_stats_t st;
    char value[1024];
    char *huge = wf_xmalloc(100 * 1024);
    const char *set[] = {"SET", "k", value};
    size_t setlen[] = {3, 1, sizeof(value)};
    rep_t rep = {0};
    int accepted = 0, rc;

    memset(value, 'v', sizeof(value));
    memset(huge, 'h', 100 * 1024);
    cfg.out_max = 64 * 1024;
    srv_start(&srv, NULL);
    l = link_new(loop, srv.unix_url, &s, &cfg);
    RUN_UNTIL(loop, s.ups == 1, 5.);
    while ((rc = wf_rlink_command(l, 3, set, setlen, NULL, NULL)) == 0)
        accepted++;
    assert_int_equal(rc, WF_ELIMIT);
    assert_true(accepted >= 55 && accepted <= 64);
    wf_rlink_stats(l, &st);
    assert_true(st.out_bytes <= 64 * 1024);
    assert_int_equal(st.pending, accepted);
    /* Once written, room again; one command larger than the limit never
     * fits. */
    RUN_UNTIL(loop, (wf_rlink_stats(l, &st), st.pending == 0), 5.);
    assert_int_equal(st.pending, 0);
    cmd(loop, l, &rep, 3, set, setlen);
    assert_int_equal(rep.type, REDIS_REPLY_STATUS);
    set[2] = huge;
    setlen[2] = 100 * 1024;
    assert_int_equal(wf_rlink_command(l, 3, set, setlen, NULL, NULL),
                     WF_ELIMIT);
    assert_int_equal(wf_rlink_command(l, 0, set, setlen, NULL, NULL),
                     WF_EINVAL);
    assert_int_equal(s.downs, 0);

    wf_rlink_free(l);
    free(huge);
    free(rep.str);
    loop_free(loop, &tick);
}


static int free_after, freed_nulls;
static wf_rlink_t *to_free;


static void
free_cb(wf_rlink_t *l, redisReply *r, void *arg)
{
    if (r == NULL) {
        freed_nulls++;
        return;
    }
    if (--free_after == 0)
        wf_rlink_free(to_free); /* its own link, mid-read */
}


static void
test_edges(void **state)
{
    static srv_t srv;
    ev_timer tick;
    struct ev_loop *loop = loop_new(&tick);
    wf_rlink_cfg_t cfg = cfg0;
    seen_t s1 = {0}, s2 = {0}, s3 = {0};
    wf_rlink_t *l1, *l2, *l3;
    wf_rlink_stats_t st;
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    char url[128], *big = wf_xmalloc(4000);
    const char *ping[] = {"PING"}, *get[] = {"GET", "big"};
    const char *set[] = {"SET", "big", big};
    size_t setlen[] = {3, 3, 4000};
    rep_t rep = {0};
    int lfd, i;

    memset(big, 'b', 4000);
    srv_start(&srv, NULL);

    /* A forced reconnect: down, then up again after the backoff. */
    l1 = link_new(loop, srv.tcp_url, &s1, NULL);
    RUN_UNTIL(loop, s1.ups == 1, 5.);
    wf_rlink_reconnect(l1, "heartbeat missed");
    assert_int_equal(s1.downs, 1);
    assert_string_equal(s1.why, "heartbeat missed");
    RUN_UNTIL(loop, s1.ups == 2, 2.);
    assert_int_equal(s1.ups, 2);

    /* Freed from inside one of its reply callbacks: the other pending
     * commands get NULL, nothing runs afterwards. */
    to_free = l1;
    free_after = 10;
    freed_nulls = 0;
    for (i = 0; i < 100; i++)
        assert_int_equal(wf_rlink_command(l1, 1, ping, NULL, free_cb, NULL), 0);
    RUN_FOR(loop, 0.2);
    assert_int_equal(free_after, 0);
    assert_int_equal(freed_nulls, 90);
    assert_int_equal(s1.downs, 1);

    /* A reply larger than reply_max drops the connection. */
    cfg.reply_max = 3000;
    l2 = link_new(loop, srv.unix_url, &s2, &cfg);
    RUN_UNTIL(loop, s2.ups == 1, 5.);
    cmd(loop, l2, &rep, 3, set, setlen);
    assert_int_equal(rep.type, REDIS_REPLY_STATUS);
    cmd(loop, l2, &rep, 2, get, NULL);
    assert_int_equal(rep.type, -1);
    assert_int_equal(s2.downs, 1);
    assert_non_null(strstr(s2.why, "larger than 3000 bytes"));
    RUN_UNTIL(loop, s2.ups == 2, 2.);
    assert_int_equal(s2.ups, 2);

    /* A server that accepts but never answers AUTH: connect timeout. */
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 8), 0);
    getsockname(lfd, (struct sockaddr *)&sin, &slen);
    snprintf(url, sizeof(url), "redis://:pw@127.0.0.1:%d", ntohs(sin.sin_port));
    cfg = cfg0;
    cfg.connect_timeout = 0.2;
    l3 = link_new(loop, url, &s3, &cfg);
    RUN_FOR(loop, 0.35);
    wf_rlink_stats(l3, &st);
    assert_int_equal(st.ups, 0);
    assert_true(st.failures >= 1);
    assert_non_null(strstr(st.last_error, "no connection within 0.2 s"));
    close(lfd);

    wf_rlink_free(l2);
    wf_rlink_free(l3);
    wf_rlink_free(NULL);
    free(rep.str);
    free(big);
    loop_free(loop, &tick);
}


static void
dump_log(void)
{
    FILE *f = fopen(log_path, "r");
    char line[1024];

    if (f == NULL)
        return;
    fprintf(stderr, "---- wsfan log\n");
    while (fgets(line, sizeof(line), f) != NULL)
        fputs(line, stderr);
    fclose(f);
    unlink(log_path);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pipeline, teardown),
        cmocka_unit_test_teardown(test_tls_refused, teardown),
        cmocka_unit_test_teardown(test_auth_select, teardown),
        cmocka_unit_test_teardown(test_subscriber, teardown),
        cmocka_unit_test_teardown(test_client_kill, teardown),
        cmocka_unit_test_teardown(test_kill_restart, teardown),
        cmocka_unit_test_teardown(test_out_limit, teardown),
        cmocka_unit_test_teardown(test_edges, teardown),
    };
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGABRT};
    size_t i;
    int fd, rc;

    for (i = 0; i < WF_ARRAY_LEN(sigs); i++)
        signal(sigs[i], on_fatal_signal);
    atexit(srv_stop_all);
    alarm(60); /* a hung test still ends, and takes its servers along */
    snprintf(log_path, sizeof(log_path), "/tmp/wf-rlink-log-XXXXXX");
    fd = mkstemp(log_path);
    assert_true(fd >= 0);
    close(fd);
    wf_log_open(log_path);
    wf_log_set_level(WF_LOG_DEBUG);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    wf_log_open(NULL);
    dump_log();
    return rc;
}
