/* raddr.h - a Redis server address, parsed from the `redis-url` directive:
 *   redis://[[user]:pass@]host[:port][/db]     host: name, IPv4, [IPv6]
 *   rediss://...                               same, flagged tls
 *   unix:/path/to/sock[?db=N&password=P&user=U]
 *   unix:///path/to/sock[?...]
 * user and pass (and the query values) are percent-decoded. Host names are
 * kept as text: the Redis link resolves them when it connects.
 * Owner: whoever embeds the wf_raddr_t; wf_raddr_free() releases the
 * strings. Passwords never reach a log line: format with wf_raddr_format().
 * Threads: none; all functions are reentrant. */
#ifndef WF_RADDR_H
#define WF_RADDR_H

enum {
    WF_RADDR_TCP = 0,
    WF_RADDR_UNIX = 1,
};

#define WF_RADDR_DEFAULT_PORT 6379

typedef struct wf_raddr {
    int kind;   /* WF_RADDR_TCP or WF_RADDR_UNIX */
    int tls;    /* 1 for rediss:// */
    char *host; /* TCP: name or literal, IPv6 without brackets */
    int port;   /* TCP: 1..65535 */
    char *path; /* UNIX: the socket path (absolute) */
    char *user; /* AUTH user name, or NULL (AUTH with the password only) */
    char *pass; /* AUTH password, or NULL (no AUTH) */
    int db;     /* SELECT db; 0 means no SELECT */
} wf_raddr_t;

#define WF_RADDR_INIT {WF_RADDR_TCP, 0, NULL, 0, NULL, NULL, NULL, 0}

/* Parse url into *a (whose previous contents are not freed: pass a zeroed
 * or freed one). Returns 0, or WF_ECONFIG with *cause set to a
 * caller-freed 'invalid redis-url "<url, password hidden>": <reason>'
 * and *a left empty. */
int wf_raddr_parse(const char *url, wf_raddr_t *a, char **cause);

/* Release the strings of a; it is empty (WF_RADDR_INIT) afterwards. */
void wf_raddr_free(wf_raddr_t *a);

/* Make dst a deep copy of src (dst's previous contents are not freed). */
void wf_raddr_copy(wf_raddr_t *dst, const wf_raddr_t *src);

/* The address as a URL for logs and config dumps, the password replaced by
 * "****": "redis://user:****@[::1]:6379/2", "unix:/run/r.sock?db=1".
 * Returns a newly allocated string; caller frees. */
char *wf_raddr_format(const wf_raddr_t *a);

/* The same redaction for text that may not parse: a copy of url with the
 * password part (user info after ':', or a password= query value) replaced
 * by "****". Returns a newly allocated string; caller frees. */
char *wf_raddr_redact(const char *url);

#endif
