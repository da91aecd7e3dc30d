/* peer.c - what differs between the servers wsfan-bench can load (see
 * enum wb_peer in bench.h): the subscriber request and the HTTP publish
 * request. Pure functions. Threads: none. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench.h"


int
wb_sub_suffix(const wb_opts_t *o, long ch, char *buf, size_t cap)
{
    int n;

    if (o->peer == WB_PEER_NCHAN)
        n = snprintf(buf, cap, "/%s%ld", o->ch_prefix, ch);
    else
        n = snprintf(buf, cap, "?ch=%s%ld", o->ch_prefix, ch);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}


int
wb_pub_head(const wb_opts_t *o, const wb_target_t *t, const char *name,
            size_t n, char *buf, size_t cap)
{
    const char *path = o->peer == WB_PEER_NCHAN ? "/pub" : "/api/publish";
    size_t plen;
    int h;

    if (o->have_pub_target && o->pub_target.path[0] != '\0' &&
        strcmp(o->pub_target.path, "/") != 0)
        path = o->pub_target.path;
    plen = strlen(path);
    if (o->peer == WB_PEER_NCHAN && plen > 0 && path[plen - 1] == '/')
        plen--;
    h = snprintf(buf, cap,
                 "POST %.*s%s%s HTTP/1.1\r\nHost: %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu"
                 "\r\n\r\n",
                 (int)plen, path, o->peer == WB_PEER_NCHAN ? "/" : "",
                 o->peer == WB_PEER_NCHAN ? name : "", t->host, n);
    return h < 0 || (size_t)h >= cap ? -1 : h;
}
