/* opts.c - wsfan-bench's command line: defaults, parsing and the limits
 * that make every run end by itself (see bench.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "bench.h"

#define OPTS_MAX_CONNS 2000000L
#define OPTS_MAX_SIZE (16L << 20)
#define OPTS_MAX_SECONDS 86400.0

/* clang-format off */
static const char opts_usage[] =
"usage: wsfan-bench echo|connect|hold|fanout [options]\n"
"  -u, --url URL        ws://127.0.0.1:PORT[/path], repeatable: connections\n"
"                       go round-robin over the URLs (loopback only)\n"
"      --path PATH      request path (default /echo for echo, else /ws)\n"
"  -c, --conns N        connections or subscribers (echo 50, else 1000)\n"
"  -P, --procs P        worker processes (default: enough for the fd limit)\n"
"  -d, --duration T     echo, hold, fanout run time (default 5s, hold 10s)\n"
"  -n, --count N        echo: round trips in all; fanout: messages\n"
"  -s, --size BYTES     payload size (default 128)\n"
"      --binary         echo binary messages (default: text)\n"
"      --deflate        offer permessage-deflate (no context takeover)\n"
"      --level N        our zlib level, 0-9 (default 6)\n"
"  -r, --rate R         connect: connections/s; fanout: messages/s\n"
"                       (default 0: flat out)\n"
"      --concurrency N  handshakes in progress per process (default 256)\n"
"  -C, --channels C     fanout: channels (default 1); connect, hold: each\n"
"                       connection subscribes to one of C with ?ch=\n"
"      --ch-prefix S    channel names S0, S1, ... (default bench)\n"
"      --hold T         connect: keep them open T after the last is up\n"
"      --peer SERVER    wsfan (default) or nchan: subscribers GET\n"
"                       PATH/CHANNEL (PATH: the URL's, default /sub) and\n"
"                       get raw bodies; publishes POST /pub/CHANNEL\n"
"      --pub KIND       fanout publisher: redis (default), http, ws;\n"
"                       with --peer nchan only http (its default)\n"
"      --pub-url URL    http://127.0.0.1:PORT[/path]: HTTP publishes go\n"
"                       there (default: round-robin over the -u URLs)\n"
"      --redis URL      redis://127.0.0.1:PORT, for --pub redis\n"
"      --redis-prefix P channel prefix in Redis (default wsfan:)\n"
"      --pub-conns N    http/ws publisher connections (default 4)\n"
"      --inflight N     flat out: messages published and not yet\n"
"                       delivered everywhere, at most (default 32; 0: no\n"
"                       bound, open loop)\n"
"      --drain T        fanout: wait this long for late deliveries (5s)\n"
"      --rx-timestamps  fanout: end each latency at the kernel's receive\n"
"                       timestamp (SO_TIMESTAMPNS), not when the bench gets\n"
"                       to the message: leaves out the bench's own queueing\n"
"      --src A,B,...    source addresses, round-robin per connection\n"
"      --src-range A-B  every address from A to B (default: a block of\n"
"                       127.B.C.x, one per 10,000 connections, at least 4,\n"
"                       at a place that changes from run to run)\n"
"      --timeout T      connect + upgrade (+ welcome) timeout (10s)\n"
"      --max-time T     hard end of the whole run (default: computed)\n"
"      --json           print one JSON object on stdout\n"
"      --json-hist      with --json: add latency_hist, the latency\n"
"                       histogram's non-empty buckets [low_ns, high_ns, n]\n"
"  -q, --quiet          no progress line\n"
"Times take ms, s, m suffixes (plain numbers are seconds).\n";
/* clang-format on */

enum {
    O_PATH = 256,
    O_BINARY,
    O_DEFLATE,
    O_LEVEL,
    O_CONC,
    O_PREFIX,
    O_HOLD,
    O_PUB,
    O_REDIS,
    O_RPREFIX,
    O_PUBCONNS,
    O_INFLIGHT,
    O_DRAIN,
    O_SRC,
    O_SRCRANGE,
    O_TIMEOUT,
    O_MAXTIME,
    O_JSON,
    O_HELP,
    O_RXTS,
    O_PEER,
    O_PUBURL,
    O_JSONHIST
};

static const struct option opts_long[] = {
    {"url", required_argument, NULL, 'u'},
    {"path", required_argument, NULL, O_PATH},
    {"conns", required_argument, NULL, 'c'},
    {"procs", required_argument, NULL, 'P'},
    {"duration", required_argument, NULL, 'd'},
    {"count", required_argument, NULL, 'n'},
    {"size", required_argument, NULL, 's'},
    {"binary", no_argument, NULL, O_BINARY},
    {"deflate", no_argument, NULL, O_DEFLATE},
    {"level", required_argument, NULL, O_LEVEL},
    {"rate", required_argument, NULL, 'r'},
    {"concurrency", required_argument, NULL, O_CONC},
    {"channels", required_argument, NULL, 'C'},
    {"ch-prefix", required_argument, NULL, O_PREFIX},
    {"hold", required_argument, NULL, O_HOLD},
    {"pub", required_argument, NULL, O_PUB},
    {"peer", required_argument, NULL, O_PEER},
    {"pub-url", required_argument, NULL, O_PUBURL},
    {"redis", required_argument, NULL, O_REDIS},
    {"redis-prefix", required_argument, NULL, O_RPREFIX},
    {"pub-conns", required_argument, NULL, O_PUBCONNS},
    {"inflight", required_argument, NULL, O_INFLIGHT},
    {"drain", required_argument, NULL, O_DRAIN},
    {"src", required_argument, NULL, O_SRC},
    {"src-range", required_argument, NULL, O_SRCRANGE},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"max-time", required_argument, NULL, O_MAXTIME},
    {"json", no_argument, NULL, O_JSON},
    {"json-hist", no_argument, NULL, O_JSONHIST},
    {"rx-timestamps", no_argument, NULL, O_RXTS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0}};


static int
opts_bad(const char *what, const char *arg)
{
    fprintf(stderr, "wsfan-bench: %s: %s\n", what, arg);
    return -1;
}


/* A number in [lo, hi]; returns 0 or -1. */
static int
opts_num(const char *s, double lo, double hi, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    return errno || end == s || *end || *v < lo || *v > hi ? -1 : 0;
}


/* A duration: 5, 5s, 500ms, 2m. */
static int
opts_time(const char *s, uint64_t *ns)
{
    char *end;
    double v, mul = 1e9;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    if (strcmp(end, "ms") == 0)
        mul = 1e6;
    else if (strcmp(end, "m") == 0)
        mul = 60e9;
    else if (*end != '\0' && strcmp(end, "s") != 0)
        return -1;
    if (v * mul / 1e9 > OPTS_MAX_SECONDS)
        return -1;
    *ns = (uint64_t)(v * mul);
    return 0;
}


static int
opts_loopback4(struct in_addr a)
{
    return (ntohl(a.s_addr) >> 24) == 127;
}


/* ws://HOST:PORT[/path], redis://HOST:PORT or http://HOST:PORT[/path]
 * (scheme) into t; HOST must be a loopback address: this tool only loads
 * the machine it runs on. */
static int
opts_url(const char *url, wb_target_t *t, const char *scheme)
{
    const char *s, *colon, *slash;
    char host[64];
    struct sockaddr_in *sin = (struct sockaddr_in *)&t->sa;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->sa;
    long port;
    size_t hlen;
    char *end;

    memset(t, 0, sizeof(*t));
    if (strncmp(url, "wss://", 6) == 0 || strncmp(url, "https://", 8) == 0)
        return opts_bad("TLS is not supported yet (plain ws, http)", url);
    if (strncmp(url, scheme, strlen(scheme)) != 0) {
        fprintf(stderr, "wsfan-bench: want a %s URL: %s\n", scheme, url);
        return -1;
    }
    s = url + strlen(scheme);
    slash = strchr(s, '/');
    if (slash == NULL)
        slash = s + strlen(s);
    if (s[0] == '[') {
        s++;
        colon = strstr(s, "]:");
        if (colon == NULL || colon > slash)
            return opts_bad("the URL needs a port", url);
        hlen = (size_t)(colon - s);
        colon++;
    } else {
        colon = memchr(s, ':', (size_t)(slash - s));
        if (colon == NULL)
            return opts_bad("the URL needs a port", url);
        hlen = (size_t)(colon - s);
    }
    if (hlen >= sizeof(host))
        return opts_bad("bad host", url);
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (end != slash || port < 1 || port > 65535)
        return opts_bad("bad port", url);
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        if (!opts_loopback4(sin->sin_addr))
            return opts_bad("only loopback targets (127.0.0.0/8, ::1) are "
                            "allowed",
                            url);
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        t->salen = sizeof(*sin);
        snprintf(t->host, sizeof(t->host), "%s:%ld", host, port);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
            return opts_bad("only loopback targets (127.0.0.0/8, ::1) are "
                            "allowed",
                            url);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        t->salen = sizeof(*sin6);
        snprintf(t->host, sizeof(t->host), "[%s]:%ld", host, port);
    } else {
        return opts_bad("the host must be a loopback IP address", url);
    }
    snprintf(t->path, sizeof(t->path), "%s", *slash ? slash : "");
    return 0;
}


static int
opts_add_src(wb_opts_t *o, struct in_addr a, const char *arg)
{
    if (!opts_loopback4(a))
        return opts_bad("source addresses must be in 127.0.0.0/8", arg);
    if (o->nsrc == WB_MAX_SRC)
        return opts_bad("too many source addresses", arg);
    o->src[o->nsrc].sin_family = AF_INET;
    o->src[o->nsrc].sin_addr = a;
    o->nsrc++;
    return 0;
}


/* No --src: a block of source addresses of our own, one per 10,000
 * connections and at least 4, at a place in 127.0.0.0/8 that changes
 * from run to run. Connections from one address share its 28k ephemeral
 * ports with the TIME_WAIT sockets of earlier runs, and connect() slows
 * down badly once half of them are taken (it tries one parity first). */
static void
opts_auto_src(wb_opts_t *o)
{
    long n = o->conns / 10000 + 4;
    uint32_t base;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* 127.B.C.1 with B in 16..239, C in 0..255: clear of 127.0.0.x */
    base = (uint32_t)(ts.tv_nsec ^ (long)getpid() * 2654435761L) % 57344;
    base = 0x7f000001u + ((base + 4096u) << 8);
    for (long i = 0; i < n && o->nsrc < WB_MAX_SRC; i++) {
        o->src[o->nsrc].sin_family = AF_INET;
        o->src[o->nsrc].sin_addr.s_addr = htonl(base + (uint32_t)i);
        o->nsrc++;
    }
}


static int
opts_src(wb_opts_t *o, const char *arg, int range)
{
    char buf[64], *tok, *save = NULL, *dash;
    struct in_addr a, b;
    uint32_t x;

    if (strlen(arg) >= sizeof(buf) && range)
        return opts_bad("bad --src-range", arg);
    if (range) {
        strcpy(buf, arg);
        dash = strchr(buf, '-');
        if (dash == NULL)
            return opts_bad("--src-range wants A-B", arg);
        *dash = '\0';
        if (inet_pton(AF_INET, buf, &a) != 1 ||
            inet_pton(AF_INET, dash + 1, &b) != 1 ||
            ntohl(a.s_addr) > ntohl(b.s_addr))
            return opts_bad("bad --src-range", arg);
        for (x = ntohl(a.s_addr); x <= ntohl(b.s_addr); x++) {
            a.s_addr = htonl(x);
            if (opts_add_src(o, a, arg) < 0)
                return -1;
        }
        return 0;
    }
    {
        char *copy = strdup(arg);

        if (copy == NULL)
            return -1;
        for (tok = strtok_r(copy, ",", &save); tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            if (inet_pton(AF_INET, tok, &a) != 1 ||
                opts_add_src(o, a, arg) < 0) {
                free(copy);
                return opts_bad("bad --src address", tok);
            }
        }
        free(copy);
    }
    return 0;
}


static void
opts_defaults(wb_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->conns = -1;
    o->size = 128;
    o->level = 6;
    o->concurrency = 256;
    o->channels = -1;
    o->ch_prefix = "bench";
    o->redis_prefix = "wsfan:";
    o->pub_conns = 4;
    o->inflight = 32;
    o->timeout_ns = 10000000000ULL;
    o->drain_ns = 5000000000ULL;
    o->duration_ns = UINT64_MAX;
}


/* Fill in what depends on the mode and check the whole. */
static int
opts_finish(wb_opts_t *o, int have_redis)
{
    struct rlimit rl;
    long per, fdmax;
    int i;

    if (o->ntargets == 0)
        return opts_bad("missing", "--url ws://127.0.0.1:PORT");
    if (o->conns < 0)
        o->conns = o->mode == WB_ECHO ? 50 : 1000;
    if (o->conns > OPTS_MAX_CONNS)
        return opts_bad("too many connections (at most 2000000)", "--conns");
    /* --count alone ends echo and fanout by itself; with --duration too,
     * whichever comes first. */
    if (o->duration_ns == UINT64_MAX)
        o->duration_ns = o->count && o->mode != WB_HOLD ? 0
                         : o->mode == WB_HOLD           ? 10000000000ULL
                                                        : 5000000000ULL;
    if (o->mode == WB_HOLD)
        o->hold_ns = o->duration_ns;
    if (o->channels < 0)
        o->channels = o->mode == WB_FANOUT ? 1 : 0;
    if (o->mode == WB_FANOUT && o->channels < 1)
        return opts_bad("fanout needs", "--channels >= 1");
    if (o->peer == WB_PEER_NCHAN && o->pub != WB_PUB_HTTP)
        return opts_bad("--peer nchan publishes with", "--pub http");
    if (o->mode == WB_FANOUT && o->pub == WB_PUB_REDIS && !have_redis)
        return opts_bad("--pub redis needs", "--redis redis://127.0.0.1:PORT");
    for (i = 0; i < o->ntargets; i++) {
        wb_target_t *t = &o->targets[i];

        if (o->path != NULL)
            snprintf(t->path, sizeof(t->path), "%s", o->path);
        else if (t->path[0] == '\0' || strcmp(t->path, "/") == 0)
            snprintf(t->path, sizeof(t->path), "%s",
                     o->mode == WB_ECHO         ? "/echo"
                     : o->peer == WB_PEER_NCHAN ? "/sub"
                                                : "/ws");
    }
    /* File descriptors: raise the soft limit to the hard one, then make
     * sure each process's share fits. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    fdmax = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < LONG_MAX
                ? (long)rl.rlim_cur - WB_FD_RESERVE
                : 1000;
    if (fdmax < 16)
        fdmax = 16;
    if (o->procs == 0)
        o->procs = (int)((o->conns + fdmax - 1) / fdmax);
    if (o->procs < 1)
        o->procs = 1;
    if (o->procs > WB_MAX_PROCS)
        return opts_bad("too many processes (at most 256)", "--procs");
    per = (o->conns + o->procs - 1) / o->procs;
    if (per > fdmax) {
        fprintf(stderr,
                "wsfan-bench: %ld connections per process exceed "
                "the file limit (%ld usable): use --procs %ld\n",
                per, fdmax, (o->conns + fdmax - 1) / fdmax);
        return -1;
    }
    if ((o->mode == WB_ECHO || o->mode == WB_FANOUT) && o->duration_ns == 0 &&
        o->count == 0)
        return opts_bad("the run needs an end", "--duration or --count");
    if (o->nsrc == 0)
        opts_auto_src(o);
    if (o->max_time_ns == 0) {
        o->max_time_ns = o->duration_ns + o->hold_ns + 2 * o->timeout_ns +
                         o->drain_ns + 30000000000ULL;
        if (o->rate > 0 && o->mode == WB_CONNECT)
            o->max_time_ns += (uint64_t)((double)o->conns / o->rate * 1e9);
        else /* opening them flat out: allow 2,000 a second */
            o->max_time_ns += (uint64_t)o->conns * 500000ULL;
        if (o->duration_ns == 0) /* --count alone: allow it 10 minutes */
            o->max_time_ns += o->rate > 0 && o->mode == WB_FANOUT
                                  ? (uint64_t)((double)o->count / o->rate * 1e9)
                                  : 600000000000ULL;
    }
    return 0;
}


int
wb_opts_parse(wb_opts_t *o, int argc, char **argv)
{
    int c, have_redis = 0, have_pub = 0;
    double v;
    uint64_t ns;

    opts_defaults(o);
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 &&
            (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            fputs(opts_usage, stdout);
            return 1;
        }
        fputs(opts_usage, stderr);
        return -1;
    }
    if (strcmp(argv[1], "echo") == 0)
        o->mode = WB_ECHO;
    else if (strcmp(argv[1], "connect") == 0)
        o->mode = WB_CONNECT;
    else if (strcmp(argv[1], "hold") == 0)
        o->mode = WB_HOLD;
    else if (strcmp(argv[1], "fanout") == 0)
        o->mode = WB_FANOUT;
    else
        return opts_bad("unknown mode", argv[1]);
    optind = 2;
    while ((c = getopt_long(argc, argv, "u:c:P:d:n:s:r:C:qh", opts_long,
                            NULL)) != -1) {
        switch (c) {
        case 'u':
            if (o->ntargets == WB_MAX_TARGETS)
                return opts_bad("too many --url", optarg);
            if (opts_url(optarg, &o->targets[o->ntargets], "ws://") < 0)
                return -1;
            o->ntargets++;
            break;
        case O_PATH:
            if (optarg[0] != '/' || strlen(optarg) > 200)
                return opts_bad("bad --path", optarg);
            o->path = optarg;
            break;
        case 'c':
            if (opts_num(optarg, 0, OPTS_MAX_CONNS, &v) < 0)
                return opts_bad("bad --conns", optarg);
            o->conns = (long)v;
            break;
        case 'P':
            if (opts_num(optarg, 1, WB_MAX_PROCS, &v) < 0)
                return opts_bad("bad --procs (1-256)", optarg);
            o->procs = (int)v;
            break;
        case 'd':
        case O_HOLD:
        case O_DRAIN:
        case O_TIMEOUT:
        case O_MAXTIME:
            if (opts_time(optarg, &ns) < 0)
                return opts_bad("bad time", optarg);
            if (c == 'd')
                o->duration_ns = ns;
            else if (c == O_HOLD)
                o->hold_ns = ns;
            else if (c == O_DRAIN)
                o->drain_ns = ns;
            else if (c == O_TIMEOUT)
                o->timeout_ns = ns ? ns : 1000000;
            else
                o->max_time_ns = ns;
            break;
        case 'n':
            if (opts_num(optarg, 0, 1e12, &v) < 0)
                return opts_bad("bad --count", optarg);
            o->count = (uint64_t)v;
            break;
        case 's':
            if (opts_num(optarg, 0, OPTS_MAX_SIZE, &v) < 0)
                return opts_bad("bad --size (0 to 16 MiB)", optarg);
            o->size = (size_t)v;
            break;
        case O_BINARY:
            o->binary = 1;
            break;
        case O_DEFLATE:
            o->deflate = 1;
            break;
        case O_LEVEL:
            if (opts_num(optarg, 0, 9, &v) < 0)
                return opts_bad("bad --level", optarg);
            o->level = (int)v;
            break;
        case 'r':
            if (opts_num(optarg, 0, 1e7, &v) < 0)
                return opts_bad("bad --rate", optarg);
            o->rate = v;
            break;
        case O_CONC:
            if (opts_num(optarg, 1, 1e6, &v) < 0)
                return opts_bad("bad --concurrency", optarg);
            o->concurrency = (int)v;
            break;
        case 'C':
            if (opts_num(optarg, 0, 1e7, &v) < 0)
                return opts_bad("bad --channels", optarg);
            o->channels = (long)v;
            break;
        case O_PREFIX:
            if (strlen(optarg) > 100 ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                               "QRSTUVWXYZ0123456789_-.:") != strlen(optarg))
                return opts_bad("bad --ch-prefix", optarg);
            o->ch_prefix = optarg;
            break;
        case O_PUB:
            if (strcmp(optarg, "redis") == 0)
                o->pub = WB_PUB_REDIS;
            else if (strcmp(optarg, "http") == 0)
                o->pub = WB_PUB_HTTP;
            else if (strcmp(optarg, "ws") == 0)
                o->pub = WB_PUB_WS;
            else
                return opts_bad("--pub is redis, http or ws", optarg);
            have_pub = 1;
            break;
        case O_PEER:
            if (strcmp(optarg, "wsfan") == 0)
                o->peer = WB_PEER_WSFAN;
            else if (strcmp(optarg, "nchan") == 0)
                o->peer = WB_PEER_NCHAN;
            else
                return opts_bad("--peer is wsfan or nchan", optarg);
            break;
        case O_PUBURL:
            if (opts_url(optarg, &o->pub_target, "http://") < 0)
                return -1;
            o->have_pub_target = 1;
            break;
        case O_REDIS:
            if (opts_url(optarg, &o->redis, "redis://") < 0)
                return -1;
            have_redis = 1;
            break;
        case O_RPREFIX:
            if (strlen(optarg) > 64)
                return opts_bad("bad --redis-prefix", optarg);
            o->redis_prefix = optarg;
            break;
        case O_PUBCONNS:
            if (opts_num(optarg, 1, 1024, &v) < 0)
                return opts_bad("bad --pub-conns (1-1024)", optarg);
            o->pub_conns = (int)v;
            break;
        case O_INFLIGHT:
            if (opts_num(optarg, 0, 1e9, &v) < 0)
                return opts_bad("bad --inflight", optarg);
            o->inflight = (long)v;
            break;
        case O_SRC:
        case O_SRCRANGE:
            if (opts_src(o, optarg, c == O_SRCRANGE) < 0)
                return -1;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_JSONHIST:
            o->json = o->json_hist = 1;
            break;
        case O_RXTS:
            o->rx_ts = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
        case O_HELP:
            fputs(opts_usage, stdout);
            return 1;
        default:
            fputs(opts_usage, stderr);
            return -1;
        }
    }
    if (optind < argc)
        return opts_bad("unexpected argument", argv[optind]);
    if (o->peer == WB_PEER_NCHAN && !have_pub)
        o->pub = WB_PUB_HTTP;
    return opts_finish(o, have_redis);
}
