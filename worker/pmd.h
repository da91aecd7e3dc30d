/* pmd.h - RFC 7692 permessage-deflate: negotiation, per-connection
 * inflate of client messages, per-worker deflate of outgoing messages.
 * Pure: no sockets, no libev; framing (RSV1, fragments, close codes) is
 * the caller's.
 * Owner: the worker. A connection embeds its wf_pmd_params_t and
 * wf_pmd_inflater_t; the worker owns one wf_pmd_deflater_t.
 * Threads: none; each object belongs to one worker loop.
 *
 * Server policy, chosen for fan-out: we always send
 * server_no_context_takeover, so one compressed frame built by
 * wf_pmd_deflate() can be queued to every subscriber that negotiated the
 * same server window.
 *
 * Memory (zlib 1.2.13, 64-bit). Idle connection: the embedded
 * wf_pmd_params_t and wf_pmd_inflater_t (5 + 24 bytes) and nothing else
 * when the client negotiated client_no_context_takeover or has not sent a
 * compressed message yet. While a message inflates, and for ever after
 * the first one when the client keeps its context: about 7.2 KiB of zlib
 * state plus a 2^client_window_bits window, i.e. ~39 KiB per connection
 * at 15 bits, ~7.6 KiB at 9. Lower it with
 * wf_pmd_conf_t.client_max_window_bits where clients allow it. The
 * inflated message itself lives in the caller's buffer, capped. Per
 * worker: each server window in use costs one deflate stream, ~262 KiB
 * at 15 bits, ~136 KiB at 9 (memLevel 8). */
#ifndef WF_PMD_H
#define WF_PMD_H

#include <stddef.h>

#include "buf.h"

/* Longest value wf_pmd_params_format() appends, for callers sizing a
 * handshake response. */
#define WF_PMD_RESPONSE_MAX 128

/* Compression level of wf_pmd_deflater_new() when the config says
 * nothing: zlib's default (6), a good ratio for text; each message is
 * compressed once per worker however many subscribers it has. */
#define WF_PMD_LEVEL_DEFAULT 6

/* Server configuration. */
typedef struct wf_pmd_conf {
    int enabled; /* 0: never negotiate permessage-deflate */
    /* Window we ask of clients that offer client_max_window_bits, 9..15;
     * below 15 it trades ratio for inflate memory per connection. */
    int client_max_window_bits;
    /* Ask every client for client_no_context_takeover, offered or not
     * (RFC 7692 7.1.1.2 lets the server add it): the inflate state is then
     * freed after each message, so idle connections hold no zlib memory
     * however many clients compress. */
    int client_no_context;
} wf_pmd_conf_t;

#define WF_PMD_CONF_INIT {0, 15, 1}

/* The outcome of a successful negotiation, kept by the connection. */
typedef struct wf_pmd_params {
    unsigned char server_window_bits; /* 9..15: pass to wf_pmd_deflate */
    unsigned char client_window_bits; /* 8..15: we inflate with this */
    unsigned char client_no_context_takeover;
    unsigned char reply_server_bits; /* response names server_max_... */
    unsigned char reply_client_bits; /* response names client_max_... */
} wf_pmd_params_t;

/* Per-connection inflate state; embed it and treat the fields as
 * private. The z_stream exists only while needed (see the top). */
typedef struct wf_pmd_inflater {
    struct z_stream_s *zs; /* NULL while idle */
    size_t total;          /* bytes inflated in the current message */
    unsigned char window_bits;
    unsigned char no_context_takeover;
    unsigned char fed;   /* the current message had compressed bytes */
    unsigned char ended; /* the peer ended its deflate stream (BFINAL) */
} wf_pmd_inflater_t;

typedef struct wf_pmd_deflater wf_pmd_deflater_t;

/* Pick the first acceptable permessage-deflate offer in a
 * Sec-WebSocket-Extensions value of len bytes (the caller joins repeated
 * header lines with ','; value may be NULL). Offers with unknown or
 * duplicate parameters, invalid values, or server_max_window_bits=8
 * (zlib cannot deflate raw with a 256-byte window) are skipped, as are
 * other extensions and malformed elements. Returns 0 and fills *out, or
 * WF_ENOTFOUND when nothing is acceptable or conf is NULL or disabled;
 * the handshake then goes on without compression. */
int wf_pmd_negotiate(const wf_pmd_conf_t *conf, const char *value, size_t len,
                     wf_pmd_params_t *out);

/* Append the Sec-WebSocket-Extensions response value for p to out (no
 * header name, no CRLF), at most WF_PMD_RESPONSE_MAX bytes. */
void wf_pmd_params_format(const wf_pmd_params_t *p, wf_buf_t *out);

/* Prepare an inflater for a connection that negotiated p. Allocates
 * nothing; wf_pmd_inflater_free() releases what later calls allocate. */
void wf_pmd_inflater_init(wf_pmd_inflater_t *inf, const wf_pmd_params_t *p);

/* Release the zlib state, if any; the inflater can be reused (a new
 * message starts with a fresh context) and may be freed twice. */
void wf_pmd_inflater_free(wf_pmd_inflater_t *inf);

/* Inflate n more compressed payload bytes of the current message (any
 * split across frames or reads), appending the output to out. max bounds
 * the bytes inflated for the whole message; out's capacity grows by at
 * most that much, and work stops one byte past it, so a bomb costs
 * memory and CPU in proportion to max, not to what it would expand to.
 * Returns 0; WF_ELIMIT when the message inflates past max (suggested
 * close code 1009); WF_EPROTO for invalid compressed data (we suggest
 * 1007, as the Node "ws" library does; RFC 7692 only says to fail the
 * connection). After an error the zlib state is already released and the
 * caller fails the connection; bytes appended to out are garbage. */
int wf_pmd_inflate(wf_pmd_inflater_t *inf, const void *in, size_t n,
                   wf_buf_t *out, size_t max);

/* End the current message: feed the 0x00 0x00 0xff 0xff tail, check the
 * data ended on a block boundary, and then free the zlib state (client
 * no context takeover) or keep it for the next message. An RSV1 message
 * with an empty payload inflates to nothing. Same returns as
 * wf_pmd_inflate(); WF_EPROTO for a truncated stream. */
int wf_pmd_inflate_end(wf_pmd_inflater_t *inf, wf_buf_t *out, size_t max);

/* A worker's deflate streams, one per server window size in use, made on
 * first use and reset between messages. level is -1 (zlib's default) or
 * 0..9; returns NULL for any other level. Free with
 * wf_pmd_deflater_free(). */
wf_pmd_deflater_t *wf_pmd_deflater_new(int level);

/* Free d and its zlib streams; d may be NULL. */
void wf_pmd_deflater_free(wf_pmd_deflater_t *d);

/* Compress one whole message of n bytes as an independent deflate stream
 * with a 2^window_bits window (9..15, the connection's
 * server_window_bits), drop the trailing 0x00 0x00 0xff 0xff, and append
 * the result to out: the payload of a frame with RSV1 set (a single 0x00
 * for an empty message). Equal inputs give equal outputs, so one result
 * serves every subscriber with that window. The output can be a few
 * bytes longer than the input; callers may send small or incompressible
 * messages uncompressed instead. Returns 0, or WF_EINVAL for a bad
 * window_bits. */
int wf_pmd_deflate(wf_pmd_deflater_t *d, int window_bits, const void *in,
                   size_t n, wf_buf_t *out);

#endif
