/* ctlproto.h - the control protocol between wsfanctl and the master: one
 * JSON object per line each way over the Unix control socket, one request
 * and one response per connection (docs/control-protocol.md is the
 * reference). Requests are small and bounded; a response is one line.
 * This module names the commands, parses and formats requests, writes
 * responses with a small streaming JSON writer, and reads fields out of
 * responses (for wsfanctl's tables) on top of json.h.
 * Owner: callers own every buffer; nothing here keeps state.
 * Threads: none; all functions are reentrant. */
#ifndef WF_CTLPROTO_H
#define WF_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

#define WF_CTLPROTO_VERSION 1
#define WF_CTLPROTO_MAX_REQUEST 4096         /* bytes, newline included */
#define WF_CTLPROTO_MAX_RESPONSE (16u << 20) /* what wsfanctl accepts */
#define WF_CTLPROTO_MAX_DEPTH 16             /* nesting in either way */
#define WF_CTLPROTO_TOP_DEFAULT 100          /* channels without "top" */

enum wf_ctlproto_cmd {
    WF_CTLPROTO_STATUS,
    WF_CTLPROTO_STATS,
    WF_CTLPROTO_WORKERS,
    WF_CTLPROTO_RELOAD,
    WF_CTLPROTO_DRAIN,
    WF_CTLPROTO_STOP,
    WF_CTLPROTO_CHANNELS,
    WF_CTLPROTO_CONFIG,
    WF_CTLPROTO_NCMDS,
};

/* A request: {"cmd":"drain","timeout_ms":30000}. */
typedef struct wf_ctlproto_req {
    int cmd;            /* enum wf_ctlproto_cmd */
    int64_t timeout_ms; /* drain: -1 means the configured drain-timeout */
    int64_t top;        /* channels: how many (1..WF_CHANTOP_MAX); -1: the
                           default, WF_CTLPROTO_TOP_DEFAULT */
} wf_ctlproto_req_t;

#define WF_CTLPROTO_REQ_INIT                                                   \
    {                                                                          \
        WF_CTLPROTO_STATUS, -1, -1                                             \
    }

/* The command's wire name ("status"), or NULL for an unknown number. */
const char *wf_ctlproto_cmd_name(int cmd);
/* The command called name, or -1. */
int wf_ctlproto_cmd_find(const char *name);

/* Append req as one request line ("{...}\n") to out. */
void wf_ctlproto_req_format(wf_buf_t *out, const wf_ctlproto_req_t *req);

/* Parse one request line p[0..n) (without its newline; a trailing \r is
 * ignored) into *req. Unknown keys are ignored, so that newer clients
 * can send optional extras. Returns 0, or WF_EINVAL with *code set to a
 * static error code ("bad_request", "unknown_command", "bad_version") and
 * *cause to a caller-freed message. */
int wf_ctlproto_req_parse(const char *p, size_t n, wf_ctlproto_req_t *req,
                          const char **code, char **cause);

/* ---- writing a response ------------------------------------------------ */

/* A streaming JSON writer: values go straight into b, commas and closing
 * brackets are tracked here. key is the member name inside an object and
 * must be NULL inside an array. Nesting deeper than WF_CTLPROTO_MAX_DEPTH
 * is a bug in the caller (aborts). */
typedef struct wf_ctlproto_w {
    wf_buf_t *b;
    unsigned depth;
    uint32_t is_arr; /* bit d: container at depth d is an array */
    uint32_t comma;  /* bit d: the next member at depth d needs a comma */
} wf_ctlproto_w_t;

/* Start a response line: "{" then "ok":ok. */
void wf_ctlproto_w_begin(wf_ctlproto_w_t *w, wf_buf_t *b, int ok);
/* Close every open container and end the line with "\n". */
void wf_ctlproto_w_end(wf_ctlproto_w_t *w);
void wf_ctlproto_w_obj(wf_ctlproto_w_t *w, const char *key);
void wf_ctlproto_w_arr(wf_ctlproto_w_t *w, const char *key);
void wf_ctlproto_w_close(wf_ctlproto_w_t *w); /* the innermost container */
void wf_ctlproto_w_str(wf_ctlproto_w_t *w, const char *key, const char *s);
void wf_ctlproto_w_u64(wf_ctlproto_w_t *w, const char *key, uint64_t v);
void wf_ctlproto_w_i64(wf_ctlproto_w_t *w, const char *key, int64_t v);
void wf_ctlproto_w_bool(wf_ctlproto_w_t *w, const char *key, int v);
void wf_ctlproto_w_null(wf_ctlproto_w_t *w, const char *key);

/* Append a whole error response line:
 * {"ok":false,"code":"<code>","error":"<message>"}\n */
void wf_ctlproto_error(wf_buf_t *b, const char *code, const char *message);

/* ---- reading a response (wsfanctl) ------------------------------------- */

/* A value inside a response: its type and raw span. */
typedef struct wf_ctlproto_val {
    wf_json_type_t type; /* WF_JSON_NONE: absent */
    const char *p;
    size_t n;
} wf_ctlproto_val_t;

/* Find path in the JSON object obj[0..n): a key, or keys joined by dots
 * for nested objects ("total.messages_in.api"). Returns 0 with *v set
 * (type WF_JSON_NONE when a key is absent), or WF_EINVAL when obj (or an
 * object on the path) is not a valid JSON object. */
int wf_ctlproto_get(const char *obj, size_t n, const char *path,
                    wf_ctlproto_val_t *v);

/* Shortcuts: the integer at path or dflt (absent, null or not an
 * integer); the boolean at path or dflt; the decoded string at path as a
 * newly allocated C string (caller frees), or NULL. */
int64_t wf_ctlproto_get_i64(const char *obj, size_t n, const char *path,
                            int64_t dflt);
int wf_ctlproto_get_bool(const char *obj, size_t n, const char *path, int dflt);
char *wf_ctlproto_get_str(const char *obj, size_t n, const char *path);

/* Walk the elements of a valid JSON array arr[0..n) (such as a value
 * found by wf_ctlproto_get()). *pos starts at 0. Returns 1 with *elem set
 * to the next element, or 0 at the end. */
int wf_ctlproto_arr_next(const char *arr, size_t n, size_t *pos,
                         wf_ctlproto_val_t *elem);

#endif
