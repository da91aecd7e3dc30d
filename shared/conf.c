/* conf.c - config file reader: tokenizer, include, the directive table and
 * the value parsers. Adding a directive is one table row plus a field. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "raddr.h"
#include "x.h"


typedef struct conf_dir conf_dir_t;

typedef int (*conf_setter_t)(wf_conf_t *c, const conf_dir_t *d, int argc,
                             char **argv, char **why);

struct conf_dir {
    const char *name;
    conf_setter_t set;
    size_t off;        /* field in wf_conf_t */
    uint64_t min, max; /* for numbers, sizes, durations */
    int nargs;         /* exact argument count; -1: one or more */
};

static int conf_set_listen(wf_conf_t *, const conf_dir_t *, int, char **,
                           char **);
static int conf_set_workers(wf_conf_t *, const conf_dir_t *, int, char **,
                            char **);
static int conf_set_level(wf_conf_t *, const conf_dir_t *, int, char **,
                          char **);
static int conf_set_path(wf_conf_t *, const conf_dir_t *, int, char **,
                         char **);
static int conf_set_u32(wf_conf_t *, const conf_dir_t *, int, char **,
                        char **);
static int conf_set_size(wf_conf_t *, const conf_dir_t *, int, char **,
                         char **);
static int conf_set_flag(wf_conf_t *, const conf_dir_t *, int, char **,
                         char **);
static int conf_set_origins(wf_conf_t *, const conf_dir_t *, int, char **,
                            char **);
static int conf_set_redis_url(wf_conf_t *, const conf_dir_t *, int, char **,
                              char **);
static int conf_set_str(wf_conf_t *, const conf_dir_t *, int, char **,
                        char **);
static int conf_set_duration(wf_conf_t *, const conf_dir_t *, int, char **,
                             char **);
static int conf_set_mode(wf_conf_t *, const conf_dir_t *, int, char **,
                         char **);
static int conf_set_owner(wf_conf_t *, const conf_dir_t *, int, char **,
                          char **);
static int conf_set_group(wf_conf_t *, const conf_dir_t *, int, char **,
                          char **);

#define OFF(f) offsetof(wf_conf_t, f)
#define KIB 1024ull
#define MIB (1024ull * 1024)
#define SEC 1000ull
#define HOUR (3600ull * 1000)

static const conf_dir_t conf_dirs[] = {
    {"listen", conf_set_listen, 0, 0, 0, -1},
    {"workers", conf_set_workers, OFF(workers), 1, WF_CONF_MAX_WORKERS, 1},
    {"log-level", conf_set_level, OFF(log_level), 0, 0, 1},
    {"log-file", conf_set_path, OFF(log_file), 0, 0, 1},
    {"pidfile", conf_set_path, OFF(pidfile), 0, 0, 1},
    {"drain-timeout", conf_set_duration, OFF(drain_timeout_ms), 0, 24 * HOUR,
     1},
    {"worker-hang-timeout", conf_set_duration, OFF(hang_timeout_ms), 1000,
     HOUR, 1},
    {"user", conf_set_str, OFF(user), 0, 64, 1},
    {"group", conf_set_str, OFF(group), 0, 64, 1},
    {"max-connections", conf_set_u32, OFF(max_connections), 1, 10000000, 1},
    {"max-header-size", conf_set_size, OFF(max_header_size), 256, MIB, 1},
    {"max-headers", conf_set_u32, OFF(max_headers), 4, 1000, 1},
    {"max-body-size", conf_set_size, OFF(max_body_size), 0, 64 * MIB, 1},
    {"request-timeout", conf_set_duration, OFF(request_timeout_ms), 100,
     HOUR, 1},
    {"keepalive-timeout", conf_set_duration, OFF(keepalive_timeout_ms), 0,
     HOUR, 1},
    {"ws-path", conf_set_path, OFF(ws_path), 0, 0, 1},
    {"echo", conf_set_flag, OFF(echo), 0, 0, 1},
    {"allowed-origins", conf_set_origins, 0, 0, 0, -1},
    {"compression", conf_set_flag, OFF(compression), 0, 0, 1},
    {"io-uring", conf_set_flag, OFF(io_uring), 0, 0, 1},
    {"handshake-timeout", conf_set_duration, OFF(handshake_timeout_ms), 100,
     HOUR, 1},
    {"ping-interval", conf_set_duration, OFF(ping_interval_ms), 0, HOUR, 1},
    {"pong-timeout", conf_set_duration, OFF(pong_timeout_ms), 100, HOUR, 1},
    {"max-message-size", conf_set_size, OFF(max_message_size), 125,
     64 * MIB, 1},
    {"send-buffer-limit", conf_set_size, OFF(send_buffer_limit), 4 * KIB,
     1024 * MIB, 1},
    {"redis-url", conf_set_redis_url, OFF(redis_url), 0, 0, 1},
    {"redis-prefix", conf_set_str, OFF(redis_prefix), 0, 64, 1},
    {"redis-spawn", conf_set_flag, OFF(redis_spawn), 0, 0, 1},
    {"run-dir", conf_set_path, OFF(run_dir), 0, 0, 1},
    {"max-subscriptions", conf_set_u32, OFF(max_subscriptions), 1, 100000, 1},
    {"publish-api-key-file", conf_set_path, OFF(publish_api_key_file), 0, 0,
     1},
    {"control-socket", conf_set_path, OFF(control_socket), 0, 0, 1},
    {"control-socket-mode", conf_set_mode, OFF(control_socket_mode), 0, 0777,
     1},
    {"control-socket-owner", conf_set_owner, OFF(control_socket_owner), 0, 0,
     1},
    {"control-socket-group", conf_set_group, OFF(control_socket_group), 0, 0,
     1},
};


const char *const *
wf_conf_directive_names(void)
{
    static const char *names[WF_ARRAY_LEN(conf_dirs) + 2];

    if (names[0] == NULL) {
        names[0] = "include";
        for (size_t i = 0; i < WF_ARRAY_LEN(conf_dirs); i++)
            names[i + 1] = conf_dirs[i].name;
    }
    return names;
}


wf_conf_t *
wf_conf_new(void)
{
    wf_conf_t *c = wf_xcalloc(1, sizeof(*c));

    c->workers = 0; /* auto */
    c->log_level = WF_LOG_INFO;
    c->drain_timeout_ms = 10 * 1000;
    c->hang_timeout_ms = 10 * 1000;
    c->max_connections = 100000;
    c->max_header_size = 8 * 1024;
    c->max_headers = 64;
    c->max_body_size = 64 * 1024 + 1024;
    c->request_timeout_ms = 10 * 1000;
    c->keepalive_timeout_ms = 75 * 1000;
    c->ws_path = wf_xstrdup("/ws");
    c->echo = 0;
    c->compression = 0;
    c->io_uring = 1;
    c->handshake_timeout_ms = 10 * 1000;
    c->ping_interval_ms = 25 * 1000;
    c->pong_timeout_ms = 10 * 1000;
    c->max_message_size = 64 * 1024;
    c->send_buffer_limit = 1024 * 1024;
    c->redis_url = wf_xstrdup("redis://127.0.0.1:6379");
    c->redis_prefix = wf_xstrdup("wsfan:");
    c->max_subscriptions = 128;
    c->control_socket_mode = 0660;
    c->control_socket_uid = -1;
    c->control_socket_gid = -1;
    return c;
}


static void
conf_free_listens(wf_conf_t *c)
{
    for (size_t i = 0; i < c->nlistens; i++)
        free(c->listens[i].text);
    free(c->listens);
    c->listens = NULL;
    c->nlistens = 0;
}


static void
conf_free_origins(wf_conf_t *c)
{
    for (size_t i = 0; i < c->norigins; i++)
        free(c->origins[i]);
    free(c->origins);
    c->origins = NULL;
    c->norigins = 0;
}


void
wf_conf_free(wf_conf_t *c)
{
    if (c == NULL)
        return;
    conf_free_listens(c);
    conf_free_origins(c);
    free(c->ws_path);
    free(c->user);
    free(c->group);
    free(c->redis_url);
    free(c->redis_prefix);
    free(c->run_dir);
    free(c->publish_api_key_file);
    if (c->publish_api_key != NULL) {
        explicit_bzero(c->publish_api_key, strlen(c->publish_api_key));
        free(c->publish_api_key);
    }
    free(c->control_socket);
    free(c->control_socket_owner);
    free(c->control_socket_group);
    free(c->path);
    free(c->log_file);
    free(c->pidfile);
    free(c);
}


/* ---- setters ------------------------------------------------------------ */

static int
conf_set_listen(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
                char **why)
{
    wf_listen_t l;

    if (argc != 1) {
        *why = wf_xasprintf("\"listen\" takes one address (\"%s\" is not "
                            "supported here yet)",
                            argv[1]);
        return WF_EINVAL;
    }
    if (wf_conf_parse_addr(argv[0], &l, why) != 0)
        return WF_EINVAL;
    if (c->listen_src != c->src) { /* a new source replaces the old list */
        conf_free_listens(c);
        c->listen_src = c->src;
    }
    for (size_t i = 0; i < c->nlistens; i++) {
        if (strcmp(c->listens[i].text, l.text) == 0) {
            *why = wf_xasprintf("duplicate listen address %s", l.text);
            free(l.text);
            return WF_EINVAL;
        }
    }
    c->listens = wf_xreallocarray(c->listens, c->nlistens + 1,
                                  sizeof(*c->listens));
    c->listens[c->nlistens++] = l;
    return 0;
}


static int
conf_set_workers(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
                 char **why)
{
    uint64_t v;
    char *end;

    if (strcmp(argv[0], "auto") == 0) {
        c->workers = 0;
        return 0;
    }
    errno = 0;
    v = strtoull(argv[0], &end, 10);
    if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' || errno ||
        v < d->min || v > d->max) {
        *why = wf_xasprintf("invalid value \"%s\" for \"workers\": expected "
                            "auto or a number from %llu to %llu",
                            argv[0], (unsigned long long)d->min,
                            (unsigned long long)d->max);
        return WF_EINVAL;
    }
    c->workers = (int)v;
    return 0;
}


static int
conf_set_level(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
               char **why)
{
    int level = wf_log_level_parse(argv[0]);

    if (level < 0) {
        *why = wf_xasprintf("invalid log level \"%s\": expected emerg, alert,"
                            " crit, error, warn, notice, info or debug",
                            argv[0]);
        return WF_EINVAL;
    }
    c->log_level = level;
    return 0;
}


static int
conf_set_path(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
              char **why)
{
    char **field = (char **)((char *)c + d->off);

    if (argv[0][0] == '\0') {
        *why = wf_xasprintf("\"%s\" needs a path", d->name);
        return WF_EINVAL;
    }
    free(*field);
    *field = strcmp(argv[0], "off") == 0 ? NULL : wf_xstrdup(argv[0]);
    return 0;
}


static int
conf_set_redis_url(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
                   char **why)
{
    wf_raddr_t a = WF_RADDR_INIT;

    if (wf_raddr_parse(argv[0], &a, why) != 0)
        return WF_EINVAL;
    wf_raddr_free(&a);
    free(c->redis_url);
    c->redis_url = wf_xstrdup(argv[0]);
    c->redis_url_set = 1;
    return 0;
}


/* A string of at most d->max bytes (empty allowed). */
static int
conf_set_str(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
             char **why)
{
    char **field = (char **)((char *)c + d->off);

    if (strlen(argv[0]) > d->max) {
        *why = wf_xasprintf("\"%s\" is longer than %llu bytes", d->name,
                            (unsigned long long)d->max);
        return WF_EINVAL;
    }
    free(*field);
    *field = wf_xstrdup(argv[0]);
    return 0;
}


static int
conf_set_flag(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
              char **why)
{
    int *field = (int *)((char *)c + d->off);

    if (strcmp(argv[0], "on") == 0 || strcmp(argv[0], "yes") == 0)
        *field = 1;
    else if (strcmp(argv[0], "off") == 0 || strcmp(argv[0], "no") == 0)
        *field = 0;
    else {
        *why = wf_xasprintf("invalid value \"%s\" for \"%s\": expected on "
                            "or off",
                            argv[0], d->name);
        return WF_EINVAL;
    }
    return 0;
}


/* allowed-origins ORIGIN...: "*" allows any; a host starting with "*."
 * allows its subdomains; otherwise an exact scheme://host[:port]. */
static int
conf_set_origins(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
                 char **why)
{
    if (c->origins_src != c->src) {
        conf_free_origins(c);
        c->origins_src = c->src;
    }
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];

        if (strcmp(o, "*") != 0 && strncmp(o, "http://", 7) != 0 &&
            strncmp(o, "https://", 8) != 0) {
            *why = wf_xasprintf("invalid origin \"%s\": expected *, or "
                                "http(s)://host[:port] (host may start with "
                                "*.)",
                                o);
            return WF_EINVAL;
        }
        c->origins = wf_xreallocarray(c->origins, c->norigins + 1,
                                      sizeof(*c->origins));
        c->origins[c->norigins++] = wf_xstrdup(o);
    }
    return 0;
}


static int
conf_range_error(const conf_dir_t *d, const char *val, const char *what,
                 char **why)
{
    *why = wf_xasprintf("invalid value \"%s\" for \"%s\": expected %s from "
                        "%llu to %llu",
                        val, d->name, what, (unsigned long long)d->min,
                        (unsigned long long)d->max);
    return WF_EINVAL;
}


static int
conf_set_u32(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
             char **why)
{
    uint64_t v;
    char *end;

    errno = 0;
    v = strtoull(argv[0], &end, 10);
    if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' || errno ||
        v < d->min || v > d->max)
        return conf_range_error(d, argv[0], "a number", why);
    *(uint32_t *)((char *)c + d->off) = (uint32_t)v;
    return 0;
}


static int
conf_set_size(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
              char **why)
{
    uint64_t v;

    if (wf_conf_parse_size(argv[0], &v) != 0 || v < d->min || v > d->max)
        return conf_range_error(d, argv[0], "a size (bytes, or with k, m, g)",
                                why);
    *(size_t *)((char *)c + d->off) = (size_t)v;
    return 0;
}


static int
conf_set_duration(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
                  char **why)
{
    uint64_t v;

    if (wf_conf_parse_duration_ms(argv[0], &v) != 0 || v < d->min ||
        v > d->max)
        return conf_range_error(d, argv[0],
                                "a duration in ms (with ms, s, m or h; "
                                "bare numbers are seconds)",
                                why);
    *(uint32_t *)((char *)c + d->off) = (uint32_t)v;
    return 0;
}


/* control-socket-mode: octal permission bits, "0660" or "660". */
static int
conf_set_mode(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
              char **why)
{
    unsigned long v;
    char *end;

    errno = 0;
    v = strtoul(argv[0], &end, 8);
    if (argv[0][0] < '0' || argv[0][0] > '7' || *end != '\0' || errno ||
        v > d->max) {
        *why = wf_xasprintf("invalid value \"%s\" for \"%s\": expected "
                            "octal permission bits such as 0660",
                            argv[0], d->name);
        return WF_EINVAL;
    }
    *(uint32_t *)((char *)c + d->off) = (uint32_t)v;
    return 0;
}


/* A user or group given by name (looked up now, so that a typo is a config
 * error) or by number. Returns the id, or -1 with *why set. */
static long
conf_lookup_id(const char *name, int group, const char *directive,
               char **why)
{
    unsigned long v;
    char *end;

    if (group) {
        struct group *gr = getgrnam(name);

        if (gr != NULL)
            return (long)gr->gr_gid;
    } else {
        struct passwd *pw = getpwnam(name);

        if (pw != NULL)
            return (long)pw->pw_uid;
    }
    errno = 0;
    v = strtoul(name, &end, 10);
    if (name[0] >= '0' && name[0] <= '9' && *end == '\0' && errno == 0 &&
        v < (unsigned long)INT32_MAX)
        return (long)v;
    *why = wf_xasprintf("%s: unknown %s \"%s\"", directive,
                        group ? "group" : "user", name);
    return -1;
}


static int
conf_set_owner(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
               char **why)
{
    long id = conf_lookup_id(argv[0], 0, d->name, why);

    if (id < 0)
        return WF_EINVAL;
    free(c->control_socket_owner);
    c->control_socket_owner = wf_xstrdup(argv[0]);
    c->control_socket_uid = id;
    return 0;
}


static int
conf_set_group(wf_conf_t *c, const conf_dir_t *d, int argc, char **argv,
               char **why)
{
    long id = conf_lookup_id(argv[0], 1, d->name, why);

    if (id < 0)
        return WF_EINVAL;
    free(c->control_socket_group);
    c->control_socket_group = wf_xstrdup(argv[0]);
    c->control_socket_gid = id;
    return 0;
}


/* ---- the effective configuration, for wsfanctl config ------------------ */

/* Durations and sizes in the largest unit that divides them exactly, so
 * that the dump reads like a hand-written file and parses back. */
static void
conf_fmt_scaled(char *out, size_t n, uint64_t v, const char *const *units,
                const uint64_t *mults, size_t nunits)
{
    for (size_t i = 0; i < nunits; i++) {
        if (v != 0 && v % mults[i] == 0) {
            snprintf(out, n, "%llu%s", (unsigned long long)(v / mults[i]),
                     units[i]);
            return;
        }
    }
    snprintf(out, n, "%llu%s", (unsigned long long)v,
             nunits ? units[nunits - 1] : "");
}


void
wf_conf_dump(const wf_conf_t *c,
             void (*cb)(void *arg, const char *name, int argc,
                        const char *const *argv),
             void *arg)
{
    static const char *const dunits[] = {"h", "m", "s", "ms"};
    static const uint64_t dmults[] = {HOUR, 60 * SEC, SEC, 1};
    static const char *const sunits[] = {"g", "m", "k", ""};
    static const uint64_t smults[] = {1024 * MIB, MIB, KIB, 1};

    for (size_t i = 0; i < WF_ARRAY_LEN(conf_dirs); i++) {
        const conf_dir_t *d = &conf_dirs[i];
        const char *field = (const char *)c + d->off;
        char tmp[64];
        const char *v = tmp;

        if (d->set == conf_set_listen) {
            for (size_t j = 0; j < c->nlistens; j++) {
                v = c->listens[j].text;
                cb(arg, d->name, 1, &v);
            }
            continue;
        }
        if (d->set == conf_set_origins) {
            if (c->norigins > 0)
                cb(arg, d->name, (int)c->norigins,
                   (const char *const *)c->origins);
            continue;
        }
        if (d->set == conf_set_redis_url) {
            char *red;

            if (c->redis_spawn) /* derived from run-dir, not a setting */
                continue;
            red = wf_raddr_redact(c->redis_url);
            v = red;
            cb(arg, d->name, 1, &v);
            free(red);
            continue;
        }
        if (d->set == conf_set_workers)
            snprintf(tmp, sizeof(tmp), "%d", c->workers);
        else if (d->set == conf_set_level)
            v = wf_log_level_name(c->log_level);
        else if (d->set == conf_set_path || d->set == conf_set_str ||
                 d->set == conf_set_owner || d->set == conf_set_group)
            v = *(char *const *)field;
        else if (d->set == conf_set_u32)
            snprintf(tmp, sizeof(tmp), "%u", *(const uint32_t *)field);
        else if (d->set == conf_set_mode)
            snprintf(tmp, sizeof(tmp), "%04o", *(const uint32_t *)field);
        else if (d->set == conf_set_duration)
            conf_fmt_scaled(tmp, sizeof(tmp), *(const uint32_t *)field,
                            dunits, dmults, WF_ARRAY_LEN(dunits));
        else if (d->set == conf_set_size)
            conf_fmt_scaled(tmp, sizeof(tmp), *(const size_t *)field, sunits,
                            smults, WF_ARRAY_LEN(sunits));
        else if (d->set == conf_set_flag)
            v = *(const int *)field ? "on" : "off";
        else
            v = NULL; /* a setter this dump does not know: add it above */
        if (v != NULL)
            cb(arg, d->name, 1, &v);
    }
}


/* ---- applying one directive ------------------------------------------- */

int
wf_conf_directive(wf_conf_t *c, int argc, char **argv, char **why)
{
    const conf_dir_t *d = NULL;

    for (size_t i = 0; i < WF_ARRAY_LEN(conf_dirs); i++)
        if (strcmp(argv[0], conf_dirs[i].name) == 0)
            d = &conf_dirs[i];
    if (d == NULL) {
        *why = wf_xasprintf("unknown directive \"%s\"", argv[0]);
        return WF_EINVAL;
    }
    if ((d->nargs >= 0 && argc - 1 != d->nargs) || argc < 2) {
        if (d->nargs == 1)
            *why = wf_xasprintf("\"%s\" takes one value", d->name);
        else
            *why = wf_xasprintf("\"%s\" takes at least one value", d->name);
        return WF_EINVAL;
    }
    return d->set(c, d, argc - 1, argv + 1, why);
}


/* Read the publish API key: the file's first line, trimmed. */
static int
conf_read_key(wf_conf_t *c, char **cause)
{
    char line[512];
    FILE *f = fopen(c->publish_api_key_file, "re");
    size_t n;

    if (f == NULL) {
        *cause = wf_xasprintf("publish-api-key-file %s: %s",
                              c->publish_api_key_file, strerror(errno));
        return WF_ECONFIG;
    }
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    if (n < 16) {
        explicit_bzero(line, sizeof(line));
        *cause = wf_xasprintf("publish-api-key-file %s: the key must be at "
                              "least 16 characters on the first line",
                              c->publish_api_key_file);
        return WF_ECONFIG;
    }
    c->publish_api_key = wf_xstrdup(line);
    explicit_bzero(line, sizeof(line));
    return 0;
}


/* redis-spawn: the run dir (by default chosen by who we run as) and the
 * redis-url that sends the workers to the spawned server's socket. */
static int
conf_finish_spawn(wf_conf_t *c, char **cause)
{
    struct sockaddr_un sa;
    wf_raddr_t a = WF_RADDR_INIT;
    char *url, *why = NULL;
    size_t n;
    int same;

    if (!c->redis_spawn)
        return 0;
    if (c->redis_url_set) {
        *cause = wf_xasprintf("redis-spawn and redis-url are exclusive: "
                              "redis-spawn connects the workers to its own "
                              "server at unix:<run-dir>/" WF_CONF_REDIS_SOCK);
        return WF_ECONFIG;
    }
    if (c->run_dir == NULL)
        c->run_dir = wf_conf_default_run_dir();
    n = strlen(c->run_dir);
    while (n > 1 && c->run_dir[n - 1] == '/')
        c->run_dir[--n] = '\0';
    if (c->run_dir[0] != '/') {
        *cause =
            wf_xasprintf("run-dir \"%s\" must be an absolute path", c->run_dir);
        return WF_ECONFIG;
    }
    if (n + sizeof("/" WF_CONF_REDIS_SOCK) > sizeof(sa.sun_path)) {
        *cause = wf_xasprintf(
            "run-dir \"%s\" is too long for a Unix socket path (at most %zu "
            "bytes)",
            c->run_dir, sizeof(sa.sun_path) - sizeof("/" WF_CONF_REDIS_SOCK));
        return WF_ECONFIG;
    }
    url = wf_xasprintf("unix:%s/" WF_CONF_REDIS_SOCK, c->run_dir);
    same = wf_raddr_parse(url, &a, &why) == 0 &&
           strncmp(a.path, c->run_dir, n) == 0 &&
           strcmp(a.path + n, "/" WF_CONF_REDIS_SOCK) == 0;
    wf_raddr_free(&a);
    free(why);
    if (!same) { /* a '?' or a leading "//" */
        *cause = wf_xasprintf("run-dir \"%s\" cannot be written as a "
                              "unix: redis-url; choose a plainer path",
                              c->run_dir);
        free(url);
        return WF_ECONFIG;
    }
    free(c->redis_url);
    c->redis_url = url;
    return 0;
}


char *
wf_conf_default_run_dir(void)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (geteuid() == 0)
        return wf_xstrdup("/run/wsfan");
    if (xdg != NULL && xdg[0] == '/')
        return wf_xasprintf("%s/wsfan", xdg);
    return wf_xasprintf("/tmp/wsfan-%lu", (unsigned long)geteuid());
}


/* The control socket: <run dir>/wsfan.sock unless configured; an absolute
 * path that fits a sockaddr_un. */
static int
conf_finish_ctl(wf_conf_t *c, char **cause)
{
    struct sockaddr_un sa;

    if (c->control_socket == NULL) {
        char *dir = c->run_dir != NULL ? wf_xstrdup(c->run_dir)
                                       : wf_conf_default_run_dir();
        size_t n = strlen(dir);

        while (n > 1 && dir[n - 1] == '/')
            dir[--n] = '\0';
        c->control_socket = wf_xasprintf("%s/" WF_CONF_CTL_SOCK, dir);
        free(dir);
    }
    if (c->control_socket[0] != '/') {
        *cause = wf_xasprintf("control-socket \"%s\" must be an absolute "
                              "path (set control-socket, or an absolute "
                              "run-dir)",
                              c->control_socket);
        return WF_ECONFIG;
    }
    if (strlen(c->control_socket) >= sizeof(sa.sun_path)) {
        *cause = wf_xasprintf("control-socket \"%s\" is too long for a Unix "
                              "socket path (at most %zu bytes)",
                              c->control_socket, sizeof(sa.sun_path) - 1);
        return WF_ECONFIG;
    }
    return 0;
}


/* Resolve "user" and "group" to ids (they must exist on this host). */
static int
conf_finish_user(wf_conf_t *c, char **cause)
{
    struct passwd *pw;
    struct group *gr;

    if (c->user == NULL || c->user[0] == '\0') {
        if (c->group != NULL && c->group[0] != '\0') {
            *cause = wf_xstrdup("\"group\" needs \"user\"");
            return WF_ECONFIG;
        }
        return 0;
    }
    pw = getpwnam(c->user);
    if (pw == NULL) {
        *cause = wf_xasprintf("user \"%s\": no such user", c->user);
        return WF_ECONFIG;
    }
    c->uid = pw->pw_uid;
    c->gid = pw->pw_gid;
    if (c->group != NULL && c->group[0] != '\0') {
        gr = getgrnam(c->group);
        if (gr == NULL) {
            *cause = wf_xasprintf("group \"%s\": no such group", c->group);
            return WF_ECONFIG;
        }
        c->gid = gr->gr_gid;
    }
    if (c->uid == 0) {
        *cause = wf_xasprintf("user \"%s\" is root: leave \"user\" unset "
                              "instead",
                              c->user);
        return WF_ECONFIG;
    }
    return 0;
}


int
wf_conf_finish(wf_conf_t *c, char **cause)
{
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        c->workers = n < 1 ? 1 : n > WF_CONF_MAX_WORKERS ? WF_CONF_MAX_WORKERS
                                                        : (int)n;
    }
    if (c->publish_api_key_file != NULL && c->publish_api_key == NULL &&
        conf_read_key(c, cause) != 0)
        return WF_ECONFIG;
    if (c->ws_path == NULL || c->ws_path[0] != '/') {
        *cause = wf_xasprintf("ws-path must start with '/'");
        return WF_ECONFIG;
    }
    if (c->nlistens == 0) {
        wf_listen_t l;
        char *why = NULL;

        if (wf_conf_parse_addr("0.0.0.0:8080", &l, &why) != 0) {
            *cause = why;
            return WF_ECONFIG;
        }
        c->listens = wf_xcalloc(1, sizeof(*c->listens));
        c->listens[0] = l;
        c->nlistens = 1;
    }
    if (conf_finish_user(c, cause) != 0)
        return WF_ECONFIG;
    if (conf_finish_spawn(c, cause) != 0)
        return WF_ECONFIG;
    return conf_finish_ctl(c, cause);
}
