/* redis.h - the smallest RESP client the bench needs: pipelined PUBLISH
 * over one raw non-blocking socket, replies counted, not kept.
 * Owner: the publisher process. Threads: none. */
#ifndef WB_REDIS_H
#define WB_REDIS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct wb_redis {
    int fd;
    uint8_t *out, *in;
    size_t olen, ooff, ocap, ilen, icap;
    uint64_t pending;   /* commands sent or queued, not answered */
    uint64_t ok;        /* integer or status replies */
    uint64_t receivers; /* sum of PUBLISH's integer replies */
    uint64_t errors;    /* error replies */
} wb_redis_t;

/* Connect (blocking, up to timeout_ms) to sa, then switch the socket to
 * non-blocking. Returns 0, or -1 with errno. */
int wb_redis_connect(wb_redis_t *r, const struct sockaddr *sa, socklen_t salen,
                     int timeout_ms);

/* Queue PUBLISH <prefix><ch> <data>. Returns 0, or -1 out of memory. */
int wb_redis_publish(wb_redis_t *r, const char *prefix, const char *ch,
                     const char *data, size_t n);

/* Write what is queued. Returns 1 when all is written, 0 when the socket
 * is full, -1 on error. */
int wb_redis_flush(wb_redis_t *r);

/* Read what arrived and count the replies. Returns 0, or -1 when the
 * connection failed or a reply could not be parsed. */
int wb_redis_read(wb_redis_t *r);

/* Count the complete replies at p[0..n) into r; returns the bytes
 * consumed, or -1 on a reply that is not RESP. */
long wb_redis_parse(wb_redis_t *r, const uint8_t *p, size_t n);

/* Close and free. */
void wb_redis_close(wb_redis_t *r);

#endif
