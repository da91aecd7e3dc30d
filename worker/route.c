/* route.c - request routing and the small built-in endpoints. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "route.h"

#define ROUTE_JSON "application/json"
#define ROUTE_TEXT "text/plain; charset=utf-8"


static void
route_healthz(const wf_http_req_t *req, const wf_route_info_t *info,
              wf_buf_t *out, int keepalive)
{
    char body[192];
    int redis = info->healthy == NULL || info->healthy();
    int stopping = info->draining && !info->replaced;
    int ok = redis && !stopping;
    const char *status = stopping          ? "draining"
                         : !redis          ? "degraded"
                         : info->replaced  ? "replaced"
                                           : "ok";
    int n;

    /* A worker of an older generation still answers 200 while it drains
     * after a reload: a load balancer that asked it must not take the
     * whole instance out of service for a reload. */
    n = snprintf(body, sizeof(body),
                 "{\"status\":\"%s\",\"worker\":%d,\"pid\":%ld,"
                 "\"generation\":%u,\"redis\":\"%s\"}\n",
                 status,
                 info->slot, info->pid, info->generation,
                 redis ? "up" : "down");
    wf_http_respond(out, ok ? 200 : 503, ROUTE_JSON,
                    "Cache-Control: no-store\r\n", body, (size_t)n, keepalive,
                    req->is_head);
}


int
wf_route(const wf_http_t *h, const wf_http_req_t *req,
         const wf_route_info_t *info, wf_buf_t *out, int *keepalive)
{
    static const char not_found[] = "not found\n";
    static const char not_allowed[] = "method not allowed\n";

    if (info->draining)
        *keepalive = 0;
    /* While draining, an upgrade still succeeds (the client was accepted
     * before the drain) and is then closed with 1001 like the others. */
    if (info->echo && strcmp(req->path, "/echo") == 0)
        return WF_ROUTE_ECHO;
    if (info->ws_path != NULL && strcmp(req->path, info->ws_path) == 0)
        return WF_ROUTE_WS;
    if (strcmp(req->path, "/api/publish") == 0) {
        if (strcmp(req->method, "POST") == 0)
            return WF_ROUTE_PUBLISH;
        wf_http_respond(out, 405, ROUTE_TEXT, "Allow: POST\r\n", not_allowed,
                        sizeof(not_allowed) - 1, *keepalive, req->is_head);
        return WF_ROUTE_RESPOND;
    }
    if (strcmp(req->path, "/metrics") == 0) {
        if (req->is_get || req->is_head)
            return WF_ROUTE_METRICS;
        wf_http_respond(out, 405, ROUTE_TEXT, "Allow: GET, HEAD\r\n",
                        not_allowed, sizeof(not_allowed) - 1, *keepalive, 0);
        return WF_ROUTE_RESPOND;
    }
    if (strcmp(req->path, "/healthz") == 0) {
        if (!req->is_get && !req->is_head) {
            wf_http_respond(out, 405, ROUTE_TEXT, "Allow: GET, HEAD\r\n",
                            not_allowed, sizeof(not_allowed) - 1, *keepalive,
                            0);
            return WF_ROUTE_RESPOND;
        }
        route_healthz(req, info, out, *keepalive);
        return WF_ROUTE_RESPOND;
    }
    wf_http_respond(out, 404, ROUTE_TEXT, NULL, not_found,
                    sizeof(not_found) - 1, *keepalive, req->is_head);
    return WF_ROUTE_RESPOND;
}


void
wf_route_error(int status, wf_buf_t *out)
{
    char body[96];
    int n = snprintf(body, sizeof(body), "%s\n", wf_http_reason(status));

    wf_http_respond(out, status, ROUTE_TEXT, NULL, body, (size_t)n, 0, 0);
}
