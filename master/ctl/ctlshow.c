/* ctlshow.c - wsfanctl's human output: the master's JSON answers as
 * aligned tables and one-line summaries (see ctlshow.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlshow.h"
#include "json.h"
#include "x.h"

#define CTL_MAX_COLS 16


static void WF_PRINTF(1, 2) ctl_err(const char *fmt, ...)
{
    va_list ap;

    fputs("wsfanctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


/* ---- formatting ---------------------------------------------------------- */

static char *
ctl_dur(int64_t ms)
{
    if (ms < 0)
        return wf_xstrdup("-");
    if (ms < 1000)
        return wf_xasprintf("%lldms", (long long)ms);
    if (ms < 60000)
        return wf_xasprintf("%.1fs", ms / 1000.);
    if (ms < 3600000)
        return wf_xasprintf("%lldm%02llds", (long long)(ms / 60000),
                            (long long)(ms / 1000 % 60));
    if (ms < 86400000)
        return wf_xasprintf("%lldh%02lldm", (long long)(ms / 3600000),
                            (long long)(ms / 60000 % 60));
    return wf_xasprintf("%lldd%02lldh", (long long)(ms / 86400000),
                        (long long)(ms / 3600000 % 24));
}


static char *
ctl_bytes(int64_t b)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    size_t i = 0;

    if (b < 1024)
        return wf_xasprintf("%lld B", (long long)b);
    while (v >= 1024 && i + 1 < WF_ARRAY_LEN(u)) {
        v /= 1024;
        i++;
    }
    return wf_xasprintf("%.1f %s", v, u[i]);
}


/* An aligned table: the first row is the header; columns whose bit is set
 * in right are right-aligned (numbers). */
typedef struct ctl_tab {
    char **cell;
    size_t n; /* cells */
    size_t ncol;
    unsigned right;
} ctl_tab_t;

static void WF_PRINTF(2, 3) tab_add(ctl_tab_t *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    t->cell = wf_xreallocarray(t->cell, t->n + 1, sizeof(*t->cell));
    t->cell[t->n++] = wf_xvasprintf(fmt, ap);
    va_end(ap);
}


static void
tab_print(ctl_tab_t *t)
{
    size_t w[CTL_MAX_COLS] = {0};

    for (size_t i = 0; i < t->n; i++)
        w[i % t->ncol] = WF_MAX(w[i % t->ncol], strlen(t->cell[i]));
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->ncol;
        int last = c == t->ncol - 1;

        if ((t->right >> c) & 1)
            printf("%*s%s", (int)w[c], t->cell[i], last ? "\n" : "  ");
        else
            printf("%-*s%s", last ? 0 : (int)w[c], t->cell[i],
                   last ? "\n" : "  ");
        free(t->cell[i]);
    }
    free(t->cell);
    memset(t, 0, sizeof(*t));
}


#define GETI(obj, n, key) ((long long)wf_ctlproto_get_i64(obj, n, key, -1))

/* Worker rows shared by stats and workers. */
static void
ctl_worker_rows(const char *r, size_t n, int stats)
{
    static const char *const hstats[] = {
        "PID",  "SLOT",  "GEN",   "STATE",   "UPTIME",    "CONNS",    "WS",
        "SUBS", "CHANS", "REDIS", "MSGS IN", "DELIVERED", "BYTES OUT"};
    static const char *const hwork[] = {"PID",      "SLOT",   "GEN",
                                        "STATE",    "CONNS",  "HEARTBEAT",
                                        "RESTARTS", "UPTIME", "REDIS"};
    ctl_tab_t t = {NULL, 0, 0, 0};
    wf_ctlproto_val_t arr, e;
    size_t pos = 0;

    t.ncol = stats ? WF_ARRAY_LEN(hstats) : WF_ARRAY_LEN(hwork);
    /* Numbers right-aligned; STATE and REDIS (and times) are words. */
    t.right = stats ? 0x1df7 : 0xf7;
    for (size_t i = 0; i < t.ncol; i++)
        tab_add(&t, "%s", stats ? hstats[i] : hwork[i]);
    if (wf_ctlproto_get(r, n, "workers", &arr) != 0 ||
        arr.type != WF_JSON_ARRAY)
        return;
    while (wf_ctlproto_arr_next(arr.p, arr.n, &pos, &e)) {
        char *up = ctl_dur(wf_ctlproto_get_i64(e.p, e.n, "uptime_ms", -1));
        const char *redis =
            wf_ctlproto_get_bool(e.p, e.n, "redis_up", 0) ? "up" : "down";
        char *state = wf_ctlproto_get_str(e.p, e.n, "state");

        tab_add(&t, "%lld", GETI(e.p, e.n, "pid"));
        tab_add(&t, "%lld", GETI(e.p, e.n, "slot"));
        tab_add(&t, "%lld", GETI(e.p, e.n, "generation"));
        tab_add(&t, "%s", state ? state : "?");
        if (stats) {
            char *b = ctl_bytes(wf_ctlproto_get_i64(e.p, e.n, "bytes_out", 0));

            tab_add(&t, "%s", up);
            tab_add(&t, "%lld", GETI(e.p, e.n, "connections"));
            tab_add(&t, "%lld", GETI(e.p, e.n, "ws_connections"));
            tab_add(&t, "%lld", GETI(e.p, e.n, "subscriptions"));
            tab_add(&t, "%lld", GETI(e.p, e.n, "channels"));
            tab_add(&t, "%s", redis);
            tab_add(&t, "%lld",
                    GETI(e.p, e.n, "messages_in.redis") +
                        GETI(e.p, e.n, "messages_in.client") +
                        GETI(e.p, e.n, "messages_in.api"));
            tab_add(&t, "%lld", GETI(e.p, e.n, "delivered"));
            tab_add(&t, "%s", b);
            free(b);
        } else {
            char *hb =
                ctl_dur(wf_ctlproto_get_i64(e.p, e.n, "heartbeat_age_ms", -1));

            tab_add(&t, "%lld", GETI(e.p, e.n, "connections"));
            tab_add(&t, "%s%s", hb, strcmp(hb, "-") ? " ago" : "");
            tab_add(&t, "%lld", GETI(e.p, e.n, "restarts"));
            tab_add(&t, "%s", up);
            tab_add(&t, "%s", redis);
            free(hb);
        }
        free(up);
        free(state);
    }
    tab_print(&t);
}


static int
show_status_code(const char *r, size_t n)
{
    char *st = wf_ctlproto_get_str(r, n, "status");
    int healthy = st != NULL && strcmp(st, "healthy") == 0;

    free(st);
    return healthy ? 0 : WF_CTLSHOW_NOTOK;
}


static int
show_status(const char *r, size_t n)
{
    int healthy = show_status_code(r, n) == 0;
    wf_ctlproto_val_t arr, e;
    size_t pos = 0;

    if (healthy) {
        printf("healthy: generation %lld, %lld/%lld workers ready, Redis up "
               "on %lld\n",
               GETI(r, n, "generation"), GETI(r, n, "ready"),
               GETI(r, n, "workers"), GETI(r, n, "redis_up"));
    } else {
        printf("degraded:");
        if (wf_ctlproto_get(r, n, "reasons", &arr) == 0 &&
            arr.type == WF_JSON_ARRAY) {
            const char *sep = " ";

            while (wf_ctlproto_arr_next(arr.p, arr.n, &pos, &e)) {
                char txt[512];
                size_t len;

                if (e.type == WF_JSON_STRING &&
                    wf_json_str_decode(e.p, e.n, txt, sizeof(txt), &len) == 0)
                    printf("%s%s", sep, txt);
                sep = "; ";
            }
        }
        printf("\n");
    }
    return healthy ? 0 : WF_CTLSHOW_NOTOK;
}


static int
show_stats(const char *r, size_t n)
{
    char *up = ctl_dur(wf_ctlproto_get_i64(r, n, "uptime_ms", -1));
    char *bytes = ctl_bytes(wf_ctlproto_get_i64(r, n, "total.bytes_out", 0));
    char *ver = wf_ctlproto_get_str(r, n, "version");

    printf("wsfan %s (pid %lld), up %s, generation %lld\n", ver ? ver : "?",
           GETI(r, n, "pid"), up, GETI(r, n, "generation"));
    printf("workers %lld (%lld ready), Redis up on %lld\n",
           GETI(r, n, "total.workers"), GETI(r, n, "total.ready"),
           GETI(r, n, "total.redis_up"));
    printf("connections %lld (WebSocket %lld), subscriptions %lld, channels "
           "%lld\n",
           GETI(r, n, "total.connections"), GETI(r, n, "total.ws_connections"),
           GETI(r, n, "total.subscriptions"), GETI(r, n, "total.channels"));
    printf("messages in: redis %lld, client %lld, api %lld; delivered %lld; "
           "bytes out %s\n",
           GETI(r, n, "total.messages_in.redis"),
           GETI(r, n, "total.messages_in.client"),
           GETI(r, n, "total.messages_in.api"), GETI(r, n, "total.delivered"),
           bytes);
    printf("handshakes %lld (failed %lld), slow-consumer closes %lld, Redis "
           "reconnects %lld, worker restarts %lld\n\n",
           GETI(r, n, "total.handshakes"),
           GETI(r, n, "total.handshake_failures.total"),
           GETI(r, n, "total.slow_closes"),
           GETI(r, n, "total.redis_reconnects"),
           GETI(r, n, "total.worker_restarts"));
    ctl_worker_rows(r, n, 1);
    free(up);
    free(bytes);
    free(ver);
    return 0;
}


/* channels: the ranking, then how far it can be trusted. A count that is
 * only a lower bound (a worker listed only its busiest channels) shows
 * the most it can be ("12..15"). */
static int
show_channels(const char *r, size_t n)
{
    ctl_tab_t t = {NULL, 0, 3, 0x5}; /* RANK and SUBSCRIBERS are numbers */
    wf_ctlproto_val_t arr, e;
    size_t pos = 0, rows = 0;
    long long asked = GETI(r, n, "workers_asked");
    long long answered = GETI(r, n, "workers_answered");

    tab_add(&t, "RANK");
    tab_add(&t, "CHANNEL");
    tab_add(&t, "SUBSCRIBERS");
    if (wf_ctlproto_get(r, n, "channels", &arr) == 0 &&
        arr.type == WF_JSON_ARRAY) {
        while (wf_ctlproto_arr_next(arr.p, arr.n, &pos, &e)) {
            char *name = wf_ctlproto_get_str(e.p, e.n, "channel");
            long long subs = GETI(e.p, e.n, "subscribers");
            long long most = GETI(e.p, e.n, "at_most");

            tab_add(&t, "%zu", ++rows);
            tab_add(&t, "%s", name ? name : "?");
            if (wf_ctlproto_get_bool(e.p, e.n, "exact", 1))
                tab_add(&t, "%lld", subs);
            else if (most >= 0)
                tab_add(&t, "%lld..%lld", subs, most);
            else
                tab_add(&t, "%lld or more", subs);
            free(name);
        }
    }
    if (rows == 0) {
        free(t.cell[0]);
        free(t.cell[1]);
        free(t.cell[2]);
        free(t.cell);
        printf("no channel has subscribers\n");
    } else {
        tab_print(&t);
    }
    if (answered < asked)
        printf("\n%lld of %lld workers did not answer in time: their "
               "subscribers are not counted\n",
               asked - answered, asked);
    else if (!wf_ctlproto_get_bool(r, n, "complete", 1))
        printf("\nsome workers hold more channels than they list: a count "
               "shown as a range is at least its first number\n");
    return 0;
}


/* config: one "name value..." line per directive, quoted where needed, so
 * that the output reads (and parses) like a config file. */
static int
show_config(const char *r, size_t n)
{
    wf_ctlproto_val_t arr, line, e;
    size_t pos = 0;
    char *path = wf_ctlproto_get_str(r, n, "path");

    printf("# effective configuration of wsfan pid %lld, generation %lld "
           "(%s)\n",
           GETI(r, n, "pid"), GETI(r, n, "generation"),
           path ? path : "built-in defaults");
    free(path);
    if (wf_ctlproto_get(r, n, "config", &arr) != 0 || arr.type != WF_JSON_ARRAY)
        return WF_CTLSHOW_NOTOK;
    while (wf_ctlproto_arr_next(arr.p, arr.n, &pos, &line)) {
        size_t lpos = 0;
        const char *sep = "";

        while (wf_ctlproto_arr_next(line.p, line.n, &lpos, &e)) {
            char *v = wf_xmalloc(e.n + 1);
            size_t len;

            if (wf_json_str_decode(e.p, e.n, v, e.n + 1, &len) == 0) {
                int q = len == 0 || strpbrk(v, " \t#\"") != NULL;

                printf(q ? "%s\"%s\"" : "%s%s", sep, v);
            }
            free(v);
            sep = " ";
        }
        printf("\n");
    }
    return 0;
}


int
wf_ctlshow(int cmd, const char *r, size_t n, int json)
{
    char *err;
    int ok = wf_ctlproto_get_bool(r, n, "ok", -1);

    if (ok == -1) {
        ctl_err("not a control protocol answer: %.*s", (int)WF_MIN(n, 200), r);
        return WF_CTLSHOW_NOTOK;
    }
    if (json) {
        fwrite(r, 1, n, stdout);
        fputc('\n', stdout);
    }
    if (!ok) {
        char *code = wf_ctlproto_get_str(r, n, "code");
        int forbidden = code != NULL && strcmp(code, "forbidden") == 0;

        err = wf_ctlproto_get_str(r, n, "error");
        if (forbidden)
            ctl_err("wsfan refused us: %s", err ? err : "forbidden");
        else if (cmd == WF_CTLPROTO_RELOAD)
            ctl_err("reload %s: %s",
                    code && strcmp(code, "refused") == 0 ? "refused" : "failed",
                    err ? err : "?");
        else
            ctl_err("%s: %s", wf_ctlproto_cmd_name(cmd), err ? err : "?");
        free(code);
        free(err);
        return forbidden ? WF_CTLSHOW_UNREACHABLE : WF_CTLSHOW_NOTOK;
    }
    if (json)
        return cmd == WF_CTLPROTO_STATUS ? show_status_code(r, n) : 0;
    switch (cmd) {
    case WF_CTLPROTO_STATUS:
        return show_status(r, n);
    case WF_CTLPROTO_STATS:
        return show_stats(r, n);
    case WF_CTLPROTO_WORKERS:
        ctl_worker_rows(r, n, 0);
        return 0;
    case WF_CTLPROTO_RELOAD:
        printf("reloaded: generation %lld is serving (%lld workers)\n",
               GETI(r, n, "serving_generation"), GETI(r, n, "workers"));
        return 0;
    case WF_CTLPROTO_DRAIN: {
        char *d = ctl_dur(wf_ctlproto_get_i64(r, n, "timeout_ms", -1));

        printf("draining %lld workers: no new clients; connected ones are "
               "closed (1001) within %s.\nThe master keeps running: "
               "`wsfanctl reload` serves again, `wsfanctl stop` exits.\n",
               GETI(r, n, "workers"), d);
        free(d);
        return 0;
    }
    case WF_CTLPROTO_STOP: {
        char *d = ctl_dur(wf_ctlproto_get_i64(r, n, "drain_timeout_ms", -1));

        printf("stopping wsfan (pid %lld): clients are closed within %s\n",
               GETI(r, n, "pid"), d);
        free(d);
        return 0;
    }
    case WF_CTLPROTO_CHANNELS:
        return show_channels(r, n);
    case WF_CTLPROTO_CONFIG:
        return show_config(r, n);
    }
    return 0;
}
