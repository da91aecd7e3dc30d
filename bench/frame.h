/* frame.h - RFC 6455 framing for the load generator: frame headers in
 * both directions, masking, and a receiver that turns a byte stream cut
 * anywhere into whole messages and control frames.
 * Pure: no sockets, no clock. Owner: the connection that embeds its
 * wb_rx_t; wb_rx_free() releases what it allocated.
 * Threads: none. */
#ifndef WB_FRAME_H
#define WB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define WB_OP_CONT 0x0
#define WB_OP_TEXT 0x1
#define WB_OP_BINARY 0x2
#define WB_OP_CLOSE 0x8
#define WB_OP_PING 0x9
#define WB_OP_PONG 0xa

#define WB_FRAME_HDR_MAX 14 /* 2 + 8 length + 4 mask */

/* Errors of wb_frame_parse() and wb_rx_feed(). */
#define WB_FRAME_EPROTO (-1)  /* RFC 6455 violation by the peer */
#define WB_FRAME_ETOOBIG (-2) /* message over the receiver's limit */

typedef struct wb_frame {
    unsigned fin, rsv, opcode, masked;
    uint64_t len;    /* payload length */
    uint8_t mask[4]; /* when masked */
    size_t hdr_len;  /* bytes before the payload */
} wb_frame_t;

/* Parse the frame header at buf[0..n). Returns the header length (> 0)
 * and fills f, 0 when more bytes are needed, or WB_FRAME_EPROTO for a
 * reserved opcode, a fragmented or oversized control frame, or a length
 * with its top bit set. */
int wb_frame_parse(const uint8_t *buf, size_t n, wb_frame_t *f);

/* Write a header for a frame of len payload bytes into out (at least
 * WB_FRAME_HDR_MAX bytes); mask NULL for an unmasked (server) frame.
 * rsv1 marks a compressed message. Returns the header length. */
size_t wb_frame_header(uint8_t *out, int fin, int rsv1, unsigned opcode,
                       uint64_t len, const uint8_t *mask);

/* XOR p[0..n) with key, as if p started at byte offset of the payload.
 * Word at a time; applying it twice gives back the input. */
void wb_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t offset);

/* Called once per complete data message (fragments joined) and once per
 * control frame. p points into memory the receiver owns, valid until the
 * callback returns; the callback may modify it. compressed is RSV1 of the
 * first frame. Return 0 to go on, non-zero to stop feeding at once (for
 * example because the callback closed the connection and freed rx). */
typedef int (*wb_rx_cb)(void *arg, unsigned opcode, int compressed, uint8_t *p,
                        size_t n);

typedef struct wb_rx {
    uint8_t *buf; /* bytes of a frame not complete yet */
    size_t len, cap;
    uint8_t *msg; /* fragments of a message not complete yet */
    size_t mlen, mcap;
    unsigned mop; /* opcode of that message, 0 if none */
    int mrsv1;
    size_t max;        /* largest message accepted */
    int accept_masked; /* 1: frames may be masked (the tests' server
                        * side); 0: a masked frame is an error */
} wb_rx_t;

/* Empty receiver for messages of at most max bytes. */
void wb_rx_init(wb_rx_t *rx, size_t max);

/* Free the buffers; rx can be used again after wb_rx_init(). */
void wb_rx_free(wb_rx_t *rx);

/* Feed n bytes received (data may be modified: payloads are unmasked in
 * place). Calls cb for every message or control frame completed. Whole
 * frames are handed out from data itself; only an incomplete tail is
 * copied, so an idle receiver holds no memory. Returns 0, 1 when cb asked
 * to stop, or a negative WB_FRAME_E*. */
int wb_rx_feed(wb_rx_t *rx, uint8_t *data, size_t n, wb_rx_cb cb, void *arg);

#endif
