/* api.h - the HTTP publish API: POST /api/publish with a JSON body
 * {"ch":"room:42","data":<any JSON>} publishes through Redis and answers
 * once Redis has accepted the message: 200 {"ok":true}; 400 for a bad
 * body, 401/403 for a missing/wrong key when publish-api-key-file is set,
 * 413 for data over max-message-size, 503 when Redis is unavailable.
 * Owner: the connection (conn.c) calls in for a complete request.
 * Threads: none. */
#ifndef WF_API_H
#define WF_API_H

#include "buf.h"
#include "conf.h"
#include "conn.h"
#include "http.h"

enum {
    WF_API_DONE,    /* the response is in out */
    WF_API_PENDING, /* wf_conn_http_done() will get the response later */
};

void wf_api_init(const wf_conf_t *conf);

/* Publishes Redis accepted through the API (this process). */
uint64_t wf_api_published(void);

/* Handle a POST /api/publish request. keepalive is what the connection
 * will do after the response. Returns WF_API_DONE or WF_API_PENDING. */
int wf_api_publish(wf_conn_t *c, const wf_http_t *h, const wf_http_req_t *req,
                   int keepalive, wf_buf_t *out);

#endif
