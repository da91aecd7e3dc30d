/* conf.h - the configuration: built-in defaults, the config file format
 * (one directive per line, "name value...", '#' comments, "include GLOB",
 * sizes with k/m/g, durations with ms/s/m/h) and --set overrides.
 * Owner: the master builds a wf_conf_t per generation; workers inherit a
 * read-only copy across fork(). Errors are reported as "file:line: message"
 * in a caller-freed *cause. Threads: none. */
#ifndef WF_CONF_H
#define WF_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define WF_CONF_DEFAULT_PORT 8080
#define WF_CONF_MAX_WORKERS 512
/* redis-spawn's socket, in the run dir (see wf_conf_finish()). */
#define WF_CONF_REDIS_SOCK "redis.sock"
/* The control socket's default name, in the run dir. */
#define WF_CONF_CTL_SOCK "wsfan.sock"

typedef struct wf_listen {
    char *text; /* canonical "ADDR:PORT" or "[ADDR]:PORT", for logs */
    struct sockaddr_storage addr;
    socklen_t addrlen;
} wf_listen_t;

typedef struct wf_conf {
    char *path; /* the file read, or NULL: built-in defaults */

    wf_listen_t *listens;
    size_t nlistens;
    int workers; /* >= 1 after wf_conf_finish(); 0 = auto before */
    int log_level;
    char *log_file;  /* NULL: stderr */
    char *pidfile;   /* NULL: none */
    uint32_t drain_timeout_ms; /* bound on graceful shutdown */
    uint32_t hang_timeout_ms;  /* a worker loop stuck this long is killed */
    char *user;  /* workers (and redis-spawn) run as this user */
    char *group; /* and group (default: the user's primary group) */
    uid_t uid;   /* resolved by wf_conf_finish() when user is set */
    gid_t gid;

    /* HTTP, per worker */
    uint32_t max_connections;
    size_t max_header_size; /* request line plus headers */
    uint32_t max_headers;
    size_t max_body_size;
    uint32_t request_timeout_ms;   /* to receive a whole request */
    uint32_t keepalive_timeout_ms; /* idle between requests */

    /* WebSocket */
    char *ws_path;         /* the protocol v1 endpoint, "/ws" */
    int echo;              /* serve the /echo endpoint (conformance) */
    char **origins;        /* allowed-origins; NULL: same origin only */
    size_t norigins;
    int compression;       /* negotiate permessage-deflate */
    int io_uring;          /* batch socket writes through io_uring */
    uint32_t handshake_timeout_ms;
    uint32_t ping_interval_ms; /* 0: never ping */
    uint32_t pong_timeout_ms;
    size_t max_message_size;  /* inflated size too */
    size_t send_buffer_limit; /* per connection; then close 1013 */

    /* Redis */
    char *redis_url;    /* redis://, rediss://, unix: (see raddr.h) */
    char *redis_prefix; /* channel <c> is Redis channel <prefix><c> */
    int redis_spawn;    /* the master runs a private redis-server */
    char *run_dir;      /* for redis-spawn's socket; wf_conf_finish()
                           fills in the default when redis-spawn is on */
    uint32_t max_subscriptions; /* per connection */
    char *publish_api_key_file;
    char *publish_api_key; /* read from the file by wf_conf_finish() */

    /* The control socket (master/ctlsrv.c). */
    char *control_socket;     /* absolute; wf_conf_finish() fills in
                                 <run dir>/wsfan.sock when not set */
    uint32_t control_socket_mode;  /* permission bits, default 0660 */
    char *control_socket_owner;    /* user name, or NULL: the master's */
    char *control_socket_group;    /* group name, or NULL: the master's */
    long control_socket_uid;       /* resolved at config time, or -1 */
    long control_socket_gid;       /* resolved at config time, or -1 */

    /* private: the source being read (a file, or --set) and the source
     * that last set "listen", so that a repeatable directive in a new
     * source replaces what an earlier one said instead of adding to it. */
    unsigned src;
    unsigned listen_src;
    unsigned origins_src;
    int redis_url_set; /* redis-url was configured (not the default) */
} wf_conf_t;

/* A conf with the built-in defaults (no listeners yet: wf_conf_finish()
 * adds 0.0.0.0:8080 if none was configured). Caller frees. */
wf_conf_t *wf_conf_new(void);
void wf_conf_free(wf_conf_t *c);

/* Read the file at path (and what it includes) into c. Returns 0, or
 * WF_ECONFIG with "file:line: message" in *cause (caller frees). */
int wf_conf_load(wf_conf_t *c, const char *path, char **cause);

/* Apply one "key=value" override (the --set option); the value is split
 * into arguments like a config line. Returns 0 or WF_ECONFIG + *cause. */
int wf_conf_set(wf_conf_t *c, const char *kv, char **cause);

/* Apply one config line's text as if read from file:line (used by the two
 * above and by tests). */
int wf_conf_parse_line(wf_conf_t *c, const char *text, const char *file,
                       unsigned line, char **cause);

/* Apply one directive: argv[0] is its name, the rest its values. Returns
 * 0, or WF_EINVAL with the reason (no file:line) in *why, caller-freed.
 * The reader (conf_read.c) adds the position. */
int wf_conf_directive(wf_conf_t *c, int argc, char **argv, char **why);

/* Resolve what depends on the machine: "workers auto" becomes the CPU
 * count, no listener becomes the default one. With redis-spawn, run-dir
 * defaults to /run/wsfan as root, else $XDG_RUNTIME_DIR/wsfan, else
 * /tmp/wsfan-<uid>, and redis-url becomes unix:<run-dir>/redis.sock (an
 * explicit redis-url is an error then). Nothing is created here: the
 * master's rspawn module makes the directory. Returns 0 or WF_ECONFIG. */
int wf_conf_finish(wf_conf_t *c, char **cause);

/* All of the above in one: defaults, then the file at path (NULL: none),
 * then each --set override, then wf_conf_finish(). Returns the conf, or
 * NULL with the reason in *cause (caller frees). */
wf_conf_t *wf_conf_read(const char *path, char *const *sets, size_t nsets,
                        char **cause);

/* The default run dir for the effective user: /run/wsfan as root, else
 * $XDG_RUNTIME_DIR/wsfan, else /tmp/wsfan-<uid>. Caller frees. Also used by
 * wsfanctl to find the default control socket. */
char *wf_conf_default_run_dir(void);

/* The effective configuration as directive lines, for `wsfanctl config`:
 * cb is called once per line with the directive name and its values
 * (argv[0..argc)), in table order; "listen" once per address. Unset
 * optional paths are skipped. Secrets are redacted: the redis-url password
 * is "****" and the publish API key (not a directive) never appears. */
void wf_conf_dump(const wf_conf_t *c,
                  void (*cb)(void *arg, const char *name, int argc,
                             const char *const *argv),
                  void *arg);

/* Parse helpers, exported for the ctl tool and tests.
 * Sizes: bytes, or with k/m/g (1024-based). Durations: ms, s, m, h; a bare
 * number means seconds. Return 0 or WF_EINVAL. */
int wf_conf_parse_size(const char *s, uint64_t *out);
int wf_conf_parse_duration_ms(const char *s, uint64_t *out);
/* "0.0.0.0:80", "*:80", "80", "[::]:80", "[::1]:80". */
int wf_conf_parse_addr(const char *s, wf_listen_t *l, char **cause);

/* The directive names, NULL-terminated (for docs consistency tests). */
const char *const *wf_conf_directive_names(void);

#endif
