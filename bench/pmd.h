/* pmd.h - the client side of RFC 7692 permessage-deflate, as the bench
 * offers it: "permessage-deflate; client_no_context_takeover;
 * server_no_context_takeover". Neither side keeps a context, so one
 * deflate and one inflate stream per process serve every connection.
 * Owner: the process loop owns one wb_pmd_t. Threads: none. */
#ifndef WB_PMD_H
#define WB_PMD_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define WB_PMD_OFFER                                                           \
    "permessage-deflate; client_no_context_takeover; "                         \
    "server_no_context_takeover"

typedef struct wb_pmd {
    z_stream d, i;
    int d_ok, i_ok;
    uint8_t *dbuf, *ibuf; /* outputs, reused message after message */
    size_t dcap, icap;
} wb_pmd_t;

/* Set up both streams (level: zlib's 0..9, -1 for its default).
 * Returns 0, or -1 when zlib cannot. */
int wb_pmd_init(wb_pmd_t *p, int level);

/* Release the streams and buffers. */
void wb_pmd_free(wb_pmd_t *p);

/* Compress one message: *out (owned by p, valid until the next call)
 * gets the payload of an RSV1 frame. Returns its length, or -1. */
long wb_pmd_deflate(wb_pmd_t *p, const uint8_t *src, size_t n,
                    const uint8_t **out);

/* Inflate the payload of one compressed message into *out (owned by p)
 * without producing more than max bytes. Returns the length, -1 for
 * corrupt data, -2 for a message over max. */
long wb_pmd_inflate(wb_pmd_t *p, const uint8_t *src, size_t n, size_t max,
                    const uint8_t **out);

/* Judge the server's Sec-WebSocket-Extensions value (v[0..n)): 1 when it
 * accepted permessage-deflate with server_no_context_takeover and
 * parameters we can honour, 0 when it names no extension, -1 otherwise
 * (anything we did not offer). */
int wb_pmd_accepted(const char *v, size_t n);

#endif
