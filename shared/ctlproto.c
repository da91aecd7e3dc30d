/* ctlproto.c - the control protocol's requests, response writer and
 * response reader (see ctlproto.h and docs/control-protocol.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chantop.h"
#include "ctlproto.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "x.h"

#define CTLPROTO_NAME_MAX 32 /* longest command name we decode */
#define CTLPROTO_KEY_MAX 64  /* longest key in a wf_ctlproto_get() path */
#define CTLPROTO_MAX_TIMEOUT_MS (24ull * 3600 * 1000)
#define CTLPROTO_MAX_TOP WF_CHANTOP_MAX

static const char *const ctlproto_names[WF_CTLPROTO_NCMDS] = {
    [WF_CTLPROTO_STATUS] = "status",     [WF_CTLPROTO_STATS] = "stats",
    [WF_CTLPROTO_WORKERS] = "workers",   [WF_CTLPROTO_RELOAD] = "reload",
    [WF_CTLPROTO_DRAIN] = "drain",       [WF_CTLPROTO_STOP] = "stop",
    [WF_CTLPROTO_CHANNELS] = "channels", [WF_CTLPROTO_CONFIG] = "config",
};


const char *
wf_ctlproto_cmd_name(int cmd)
{
    if (cmd < 0 || cmd >= WF_CTLPROTO_NCMDS)
        return NULL;
    return ctlproto_names[cmd];
}


int
wf_ctlproto_cmd_find(const char *name)
{
    for (int i = 0; i < WF_CTLPROTO_NCMDS; i++)
        if (strcmp(name, ctlproto_names[i]) == 0)
            return i;
    return -1;
}


void
wf_ctlproto_req_format(wf_buf_t *out, const wf_ctlproto_req_t *req)
{
    const char *name = wf_ctlproto_cmd_name(req->cmd);

    wf_buf_append_str(out, "{\"cmd\":");
    wf_json_buf_str(out, name ? name : "", name ? strlen(name) : 0);
    if (req->timeout_ms >= 0)
        wf_buf_printf(out, ",\"timeout_ms\":%lld", (long long)req->timeout_ms);
    if (req->top >= 0)
        wf_buf_printf(out, ",\"top\":%lld", (long long)req->top);
    wf_buf_append_str(out, "}\n");
}


/* An optional integer member within [min, max]; absent leaves *out. */
static int
ctlproto_int_arg(const wf_json_field_t *f, int64_t min, int64_t max,
                 int64_t *out, char **cause)
{
    int64_t v;

    if (f->type == WF_JSON_NONE)
        return 0;
    if (f->type != WF_JSON_NUMBER || wf_json_int64(f->val, f->len, &v) != 0 ||
        v < min || v > max) {
        *cause = wf_xasprintf("\"%s\" must be an integer from %lld to %lld",
                              f->name, (long long)min, (long long)max);
        return WF_EINVAL;
    }
    *out = v;
    return 0;
}


int
wf_ctlproto_req_parse(const char *p, size_t n, wf_ctlproto_req_t *req,
                      const char **code, char **cause)
{
    wf_json_field_t f[] = {
        {"cmd", 0, NULL, 0},
        {"timeout_ms", 0, NULL, 0},
        {"top", 0, NULL, 0},
        {"v", 0, NULL, 0},
    };
    char name[CTLPROTO_NAME_MAX] = "";
    const char *why = NULL;
    size_t nl = sizeof(name);
    int64_t v = WF_CTLPROTO_VERSION;

    *req = (wf_ctlproto_req_t)WF_CTLPROTO_REQ_INIT;
    *code = "bad_request";
    while (n > 0 && p[n - 1] == '\r')
        n--;
    if (wf_json_obj_scan(p, n, WF_CTLPROTO_MAX_DEPTH, f, WF_ARRAY_LEN(f),
                         &why) != 0) {
        *cause = wf_xasprintf("the request is not one JSON object (%s)",
                              why ? why : "invalid");
        return WF_EINVAL;
    }
    if (ctlproto_int_arg(&f[3], 0, INT32_MAX, &v, cause) != 0)
        return WF_EINVAL;
    if (v != WF_CTLPROTO_VERSION) {
        *code = "bad_version";
        *cause = wf_xasprintf("protocol version %lld is not supported (this "
                              "master speaks version %d)",
                              (long long)v, WF_CTLPROTO_VERSION);
        return WF_EINVAL;
    }
    if (f[0].type != WF_JSON_STRING) {
        *cause = wf_xasprintf("\"cmd\" (a string) is required");
        return WF_EINVAL;
    }
    if (wf_json_str_decode(f[0].val, f[0].len, name, sizeof(name), &nl) != 0 ||
        nl != strlen(name) || (req->cmd = wf_ctlproto_cmd_find(name)) < 0) {
        *code = "unknown_command";
        *cause = nl < sizeof(name) && nl == strlen(name)
                     ? wf_xasprintf("unknown command \"%s\"", name)
                     : wf_xasprintf("unknown command");
        return WF_EINVAL;
    }
    if (ctlproto_int_arg(&f[1], 0, CTLPROTO_MAX_TIMEOUT_MS, &req->timeout_ms,
                         cause) != 0 ||
        ctlproto_int_arg(&f[2], 1, CTLPROTO_MAX_TOP, &req->top, cause) != 0)
        return WF_EINVAL;
    return 0;
}


/* ---- the writer --------------------------------------------------------- */

static void
ctlproto_member(wf_ctlproto_w_t *w, const char *key)
{
    uint32_t bit;

    if (w->depth == 0)
        wf_fatal("ctlproto: a value outside any container");
    bit = 1u << (w->depth - 1);
    if (w->comma & bit)
        wf_buf_append(w->b, ",", 1);
    w->comma |= bit;
    if (key != NULL) {
        wf_json_buf_str(w->b, key, strlen(key));
        wf_buf_append(w->b, ":", 1);
    }
}


static void
ctlproto_open(wf_ctlproto_w_t *w, const char *key, int arr)
{
    uint32_t bit;

    if (w->depth > 0)
        ctlproto_member(w, key);
    if (w->depth >= WF_CTLPROTO_MAX_DEPTH)
        wf_fatal("ctlproto: response nested too deep");
    wf_buf_append(w->b, arr ? "[" : "{", 1);
    bit = 1u << w->depth;
    w->depth++;
    w->comma &= ~bit;
    if (arr)
        w->is_arr |= bit;
    else
        w->is_arr &= ~bit;
}


void
wf_ctlproto_w_begin(wf_ctlproto_w_t *w, wf_buf_t *b, int ok)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
    ctlproto_open(w, NULL, 0);
    wf_ctlproto_w_bool(w, "ok", ok);
}


void
wf_ctlproto_w_close(wf_ctlproto_w_t *w)
{
    if (w->depth == 0)
        wf_fatal("ctlproto: closing a container that is not open");
    w->depth--;
    wf_buf_append(w->b, (w->is_arr >> w->depth) & 1 ? "]" : "}", 1);
}


void
wf_ctlproto_w_end(wf_ctlproto_w_t *w)
{
    while (w->depth > 0)
        wf_ctlproto_w_close(w);
    wf_buf_append(w->b, "\n", 1);
}


void
wf_ctlproto_w_obj(wf_ctlproto_w_t *w, const char *key)
{
    ctlproto_open(w, key, 0);
}


void
wf_ctlproto_w_arr(wf_ctlproto_w_t *w, const char *key)
{
    ctlproto_open(w, key, 1);
}


void
wf_ctlproto_w_str(wf_ctlproto_w_t *w, const char *key, const char *s)
{
    ctlproto_member(w, key);
    if (s == NULL)
        wf_buf_append_str(w->b, "null");
    else
        wf_json_buf_str(w->b, s, strlen(s));
}


void
wf_ctlproto_w_u64(wf_ctlproto_w_t *w, const char *key, uint64_t v)
{
    ctlproto_member(w, key);
    wf_buf_printf(w->b, "%llu", (unsigned long long)v);
}


void
wf_ctlproto_w_i64(wf_ctlproto_w_t *w, const char *key, int64_t v)
{
    ctlproto_member(w, key);
    wf_buf_printf(w->b, "%lld", (long long)v);
}


void
wf_ctlproto_w_bool(wf_ctlproto_w_t *w, const char *key, int v)
{
    ctlproto_member(w, key);
    wf_buf_append_str(w->b, v ? "true" : "false");
}


void
wf_ctlproto_w_null(wf_ctlproto_w_t *w, const char *key)
{
    ctlproto_member(w, key);
    wf_buf_append_str(w->b, "null");
}


void
wf_ctlproto_error(wf_buf_t *b, const char *code, const char *message)
{
    wf_ctlproto_w_t w;

    wf_ctlproto_w_begin(&w, b, 0);
    wf_ctlproto_w_str(&w, "code", code);
    wf_ctlproto_w_str(&w, "error", message);
    wf_ctlproto_w_end(&w);
}


/* ---- the reader --------------------------------------------------------- */

int
wf_ctlproto_get(const char *obj, size_t n, const char *path,
                wf_ctlproto_val_t *v)
{
    const char *seg = path;

    v->type = WF_JSON_NONE;
    v->p = NULL;
    v->n = 0;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t klen = dot ? (size_t)(dot - seg) : strlen(seg);
        char key[CTLPROTO_KEY_MAX];
        wf_json_field_t f = {key, 0, NULL, 0};

        if (klen >= sizeof(key))
            return WF_EINVAL;
        memcpy(key, seg, klen);
        key[klen] = '\0';
        if (wf_json_obj_scan(obj, n, WF_JSON_DEPTH_MAX, &f, 1, NULL) != 0)
            return WF_EINVAL;
        if (f.type == WF_JSON_NONE)
            return 0;
        if (dot == NULL) {
            v->type = f.type;
            v->p = f.val;
            v->n = f.len;
            return 0;
        }
        if (f.type != WF_JSON_OBJECT)
            return 0;
        obj = f.val;
        n = f.len;
        seg = dot + 1;
    }
}


int64_t
wf_ctlproto_get_i64(const char *obj, size_t n, const char *path, int64_t dflt)
{
    wf_ctlproto_val_t v;
    int64_t out;

    if (wf_ctlproto_get(obj, n, path, &v) != 0 || v.type != WF_JSON_NUMBER ||
        wf_json_int64(v.p, v.n, &out) != 0)
        return dflt;
    return out;
}


int
wf_ctlproto_get_bool(const char *obj, size_t n, const char *path, int dflt)
{
    wf_ctlproto_val_t v;

    if (wf_ctlproto_get(obj, n, path, &v) != 0)
        return dflt;
    return v.type == WF_JSON_TRUE ? 1 : v.type == WF_JSON_FALSE ? 0 : dflt;
}


char *
wf_ctlproto_get_str(const char *obj, size_t n, const char *path)
{
    wf_ctlproto_val_t v;
    size_t len;
    char *s;

    if (wf_ctlproto_get(obj, n, path, &v) != 0 || v.type != WF_JSON_STRING)
        return NULL;
    s = wf_xmalloc(v.n); /* decoded text is never longer than the span */
    if (wf_json_str_decode(v.p, v.n, s, v.n, &len) != 0) {
        free(s);
        return NULL;
    }
    return s;
}


static int
ctlproto_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* The end of the value starting at p[i] (valid JSON is assumed: strings
 * and brackets balance). */
static size_t
ctlproto_skip(const char *p, size_t n, size_t i)
{
    int depth = 0;

    if (p[i] != '"' && p[i] != '{' && p[i] != '[') {
        while (i < n && !ctlproto_ws(p[i]) && p[i] != ',' && p[i] != ']' &&
               p[i] != '}')
            i++;
        return i;
    }
    while (i < n) {
        char c = p[i];

        if (c == '"') {
            for (i++; i < n && p[i] != '"'; i++)
                if (p[i] == '\\')
                    i++;
            i++;
        } else {
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            i++;
        }
        if (depth == 0)
            return i;
    }
    return n;
}


int
wf_ctlproto_arr_next(const char *arr, size_t n, size_t *pos,
                     wf_ctlproto_val_t *elem)
{
    size_t i = *pos, end;
    char c;

    if (i == 0) {
        while (i < n && arr[i] != '[')
            i++;
        i++;
    }
    while (i < n && (ctlproto_ws(arr[i]) || arr[i] == ','))
        i++;
    if (i >= n || arr[i] == ']')
        return 0;
    end = ctlproto_skip(arr, n, i);
    c = arr[i];
    elem->type = c == '"'   ? WF_JSON_STRING
                 : c == '{' ? WF_JSON_OBJECT
                 : c == '[' ? WF_JSON_ARRAY
                 : c == 't' ? WF_JSON_TRUE
                 : c == 'f' ? WF_JSON_FALSE
                 : c == 'n' ? WF_JSON_NULL
                            : WF_JSON_NUMBER;
    elem->p = arr + i;
    elem->n = end - i;
    *pos = end;
    return 1;
}
