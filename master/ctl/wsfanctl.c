/* wsfanctl.c - talk to a running wsfan master over its control socket:
 * one JSON request line, one JSON response line per connection
 * (shared/ctlproto.h, docs/control-protocol.md). Prints aligned tables,
 * or with --json the master's response line as it came.
 * Exit status: 0 ok, 1 degraded (status) or refused (reload) or an error
 * answer, 2 the master is unreachable (or refuses us), 64 bad usage. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ctlproto.h"
#include "ctlshow.h"
#include "x.h"

#define EXIT_NOTOK WF_CTLSHOW_NOTOK
#define EXIT_UNREACHABLE WF_CTLSHOW_UNREACHABLE
#define EXIT_USAGE 64
#define CTL_TIMEOUT_MS 15000
#define CTL_RELOAD_TIMEOUT_MS 60000 /* the master waits 10 s for READY */

static struct {
    const char *sock;
    int json;
    int watch;
    long count; /* stats --watch refreshes; 0: until Ctrl-C */
} opt;

static volatile sig_atomic_t interrupted;


static void
usage(FILE *f)
{
    fprintf(f,
            "usage: wsfanctl [-s SOCKET | -c CONFIG] [--json] COMMAND "
            "[OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  status                  health in one line (exit 0 healthy, "
            "1 degraded)\n"
            "  stats [--watch] [--count N]\n"
            "                          totals and per-worker statistics\n"
            "  workers                 worker processes\n"
            "  reload                  reload the configuration; waits until "
            "the new\n"
            "                          generation serves (exit 1: refused)\n"
            "  drain [--timeout DUR]   stop accepting, close clients (1001) "
            "within DUR\n"
            "  stop                    graceful shutdown\n"
            "  channels [--top N]      the N busiest channels (100)\n"
            "  config                  effective configuration, secrets "
            "redacted\n"
            "\n"
            "  -s, --socket PATH   the control socket (default: "
            "<run dir>/wsfan.sock)\n"
            "  -c, --config FILE   take control-socket from this wsfan "
            "config\n"
            "  -j, --json          print the master's JSON answer\n"
            "  -V, --version       -h, --help\n"
            "\n"
            "Exit status: 0 ok, 1 degraded/refused, 2 wsfan unreachable, "
            "64 usage.\n");
}


static void WF_PRINTF(1, 2) ctl_err(const char *fmt, ...)
{
    va_list ap;

    fputs("wsfanctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


/* The default socket: <run dir>/wsfan.sock for who we are; a non-root
 * member of the socket's group falls back to the system one. */
static char *
ctl_default_socket(void)
{
    char *dir = wf_conf_default_run_dir();
    char *p = wf_xasprintf("%s/" WF_CONF_CTL_SOCK, dir);
    struct stat st;

    free(dir);
    if (stat(p, &st) != 0 && stat("/run/wsfan/" WF_CONF_CTL_SOCK, &st) == 0) {
        free(p);
        p = wf_xstrdup("/run/wsfan/" WF_CONF_CTL_SOCK);
    }
    return p;
}


/* control-socket from the wsfan config at path (only parsed: the files it
 * names, such as the API key, may be unreadable to us), else the default
 * for its run-dir. Returns a newly allocated path, or NULL after saying
 * why. */
static char *
ctl_config_socket(const char *path)
{
    wf_conf_t *c = wf_conf_new();
    char *cause = NULL, *sock = NULL;

    if (wf_conf_load(c, path, &cause) != 0) {
        ctl_err("%s", cause);
        free(cause);
    } else if (c->control_socket != NULL) {
        sock = wf_xstrdup(c->control_socket);
    } else if (c->run_dir != NULL) {
        sock = wf_xasprintf("%s/" WF_CONF_CTL_SOCK, c->run_dir);
    } else {
        char *dir = wf_conf_default_run_dir();

        sock = wf_xasprintf("%s/" WF_CONF_CTL_SOCK, dir);
        free(dir);
    }
    wf_conf_free(c);
    return sock;
}


/* Send req, read the one response line into resp. Returns 0, or prints
 * why and returns EXIT_UNREACHABLE. */
static int
ctl_call(const wf_ctlproto_req_t *req, wf_buf_t *resp)
{
    struct sockaddr_un sa;
    wf_buf_t out = WF_BUF_INIT;
    int fd, wsend = 0;
    int timeout =
        req->cmd == WF_CTLPROTO_RELOAD ? CTL_RELOAD_TIMEOUT_MS : CTL_TIMEOUT_MS;
    uint64_t end = wf_now_ms() + (uint64_t)timeout;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(opt.sock) >= sizeof(sa.sun_path)) {
        ctl_err("socket path too long: %s", opt.sock);
        return EXIT_UNREACHABLE;
    }
    strcpy(sa.sun_path, opt.sock);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
        ctl_err("socket: %s", strerror(errno));
        return EXIT_UNREACHABLE;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;

        close(fd);
        if (e == ENOENT)
            ctl_err("wsfan is not running? no control socket at %s", opt.sock);
        else if (e == ECONNREFUSED)
            ctl_err("wsfan is not running? nothing answers on %s (a socket "
                    "left by a master that died)",
                    opt.sock);
        else if (e == EACCES || e == EPERM)
            ctl_err("permission denied on %s: run as root, as the user "
                    "wsfan runs as, or as a member of the socket's group",
                    opt.sock);
        else
            ctl_err("cannot connect to %s: %s", opt.sock, strerror(e));
        return EXIT_UNREACHABLE;
    }
    wf_ctlproto_req_format(&out, req);
    /* A failed write is not the end: the master may have answered (and
     * closed) already, "busy" for instance. The read below tells. */
    if (write(fd, wf_buf_head(&out), wf_buf_avail(&out)) < 0)
        wsend = errno;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        uint64_t now = wf_now_ms();
        char *p;
        ssize_t r;
        int pr;

        if (wf_buf_avail(resp) > 0 &&
            memchr(wf_buf_head(resp), '\n', wf_buf_avail(resp)) != NULL)
            break;
        if (now >= end || (pr = poll(&pfd, 1, (int)(end - now))) == 0) {
            ctl_err("no answer from %s within %d s", opt.sock, timeout / 1000);
            goto fail;
        }
        if (pr < 0) {
            if (errno == EINTR && !interrupted)
                continue;
            goto fail;
        }
        p = wf_buf_reserve(resp, 65536);
        r = read(fd, p, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : wsend;

            ctl_err("the master closed the connection without an answer%s%s",
                    e ? ": " : "", e ? strerror(e) : "");
            goto fail;
        }
        wf_buf_commit(resp, (size_t)r);
        if (wf_buf_avail(resp) > WF_CTLPROTO_MAX_RESPONSE) {
            ctl_err("the answer is larger than %u bytes",
                    WF_CTLPROTO_MAX_RESPONSE);
            goto fail;
        }
    }
    close(fd);
    wf_buf_free(&out);
    return 0;
fail:
    close(fd);
    wf_buf_free(&out);
    return EXIT_UNREACHABLE;
}


static void
on_sigint(int sig)
{
    interrupted = 1;
}


/* Command options after the command name. Returns 0 or EXIT_USAGE. */
static int
parse_cmd_opts(int cmd, int argc, char **argv, wf_ctlproto_req_t *req)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;

        if (cmd == WF_CTLPROTO_STATS && strcmp(a, "--watch") == 0) {
            opt.watch = 1;
        } else if (cmd == WF_CTLPROTO_STATS && strcmp(a, "--count") == 0 &&
                   v != NULL) {
            opt.count = strtol(v, &end, 10);
            if (*end != '\0' || opt.count < 1) {
                ctl_err("--count wants a positive number, not \"%s\"", v);
                return EXIT_USAGE;
            }
            opt.watch = 1;
            i++;
        } else if (cmd == WF_CTLPROTO_DRAIN && strcmp(a, "--timeout") == 0 &&
                   v != NULL) {
            uint64_t ms;

            if (wf_conf_parse_duration_ms(v, &ms) != 0 ||
                ms > 24ull * 3600 * 1000) {
                ctl_err("--timeout wants a duration (30s, 500ms, 2m), not "
                        "\"%s\"",
                        v);
                return EXIT_USAGE;
            }
            req->timeout_ms = (int64_t)ms;
            i++;
        } else if (cmd == WF_CTLPROTO_CHANNELS && strcmp(a, "--top") == 0 &&
                   v != NULL) {
            req->top = strtol(v, &end, 10);
            if (*end != '\0' || req->top < 1) {
                ctl_err("--top wants a positive number, not \"%s\"", v);
                return EXIT_USAGE;
            }
            i++;
        } else {
            ctl_err("%s: unexpected argument \"%s\"", wf_ctlproto_cmd_name(cmd),
                    a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    return 0;
}


/* One request and its rendering; with stats --watch, one a second. */
static int
run(const wf_ctlproto_req_t *req)
{
    int tty = isatty(STDOUT_FILENO), rc = 0;

    if (opt.watch) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigint; /* no SA_RESTART: sleeps end at once */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    for (long i = 0; !interrupted; i++) {
        wf_buf_t resp = WF_BUF_INIT;
        struct timespec ts = {1, 0};
        char *nl;

        if ((rc = ctl_call(req, &resp)) != 0) {
            wf_buf_free(&resp);
            return interrupted ? 0 : rc;
        }
        nl = memchr(wf_buf_head(&resp), '\n', wf_buf_avail(&resp));
        if (opt.watch && tty && !opt.json)
            printf("\033[H\033[2J");
        rc = wf_ctlshow(req->cmd, wf_buf_head(&resp),
                        (size_t)(nl - wf_buf_head(&resp)), opt.json);
        wf_buf_free(&resp);
        fflush(stdout);
        if (!opt.watch || rc != 0 || (opt.count > 0 && i + 1 >= opt.count))
            break;
        if (!opt.json)
            printf("\n");
        while (nanosleep(&ts, &ts) != 0 && !interrupted)
            ;
    }
    return rc;
}


int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wf_ctlproto_req_t req = WF_CTLPROTO_REQ_INIT;
    const char *config = NULL;
    char *sock = NULL;
    int ch, rc;

    signal(SIGPIPE, SIG_IGN); /* a closed socket is an error, not death */
    /* "+": options end at the command; its own options follow it. */
    while ((ch = getopt_long(argc, argv, "+s:c:jVh", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            opt.sock = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'j':
            opt.json = 1;
            break;
        case 'V':
            printf("wsfanctl %s (control protocol %d)\n", PACKAGE_VERSION,
                   WF_CTLPROTO_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        ctl_err("a command is required");
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((req.cmd = wf_ctlproto_cmd_find(argv[optind])) < 0) {
        ctl_err("unknown command \"%s\"", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((rc = parse_cmd_opts(req.cmd, argc - optind - 1, argv + optind + 1,
                             &req)) != 0)
        return rc;
    if (opt.sock == NULL && config != NULL) {
        if ((sock = ctl_config_socket(config)) == NULL)
            return EXIT_UNREACHABLE;
    } else if (opt.sock == NULL) {
        sock = ctl_default_socket();
    }
    if (sock != NULL)
        opt.sock = sock;
    rc = run(&req);
    free(sock);
    return rc;
}
