/* wsf.h - RFC 6455 frames, server side: the incremental parser of what a
 * client sends, and the encoder of what the server sends.
 * Owner: each connection embeds one wf_wsf_parser_t (32 bytes, no memory
 * held between frames); wf_wsf_parser_free() releases the few bytes a
 * control frame split across reads borrows. The input buffer stays the
 * caller's: the parser unmasks payload in place and points into it.
 * Threads: none; all functions are reentrant. */
#ifndef WF_WSF_H
#define WF_WSF_H

#include <stddef.h>
#include <stdint.h>

/* Opcodes. */
enum {
    WF_WSF_CONT = 0x0,
    WF_WSF_TEXT = 0x1,
    WF_WSF_BINARY = 0x2,
    WF_WSF_CLOSE = 0x8,
    WF_WSF_PING = 0x9,
    WF_WSF_PONG = 0xa,
};

/* Bits of the first header byte, for wf_wsf_encode_masked(). */
#define WF_WSF_FIN 0x80
#define WF_WSF_RSV1 0x40
#define WF_WSF_RSV2 0x20
#define WF_WSF_RSV3 0x10

/* Close codes (RFC 6455 section 7.4.1) the parser reports. */
enum {
    WF_WSF_CLOSE_NORMAL = 1000,
    WF_WSF_CLOSE_GOING_AWAY = 1001,
    WF_WSF_CLOSE_PROTOCOL = 1002,
    WF_WSF_CLOSE_BAD_DATA = 1007, /* text that is not UTF-8 */
    WF_WSF_CLOSE_TOO_BIG = 1009,
};

#define WF_WSF_CTL_MAX 125       /* largest control payload */
#define WF_WSF_HDR_MAX 10        /* largest server (unmasked) header */
#define WF_WSF_CTL_FRAME_MAX 127 /* largest server control frame */

/* Per-connection parser state. Callers embed it and use only the functions
 * below; the fields are private. */
typedef struct wf_wsf_parser {
    uint64_t left; /* payload bytes left in the frame, or the length being
                      read; after an error, the close code */
    uint64_t msg;  /* bytes of the current data message announced so far */
    uint8_t *ctl;  /* control payload split across reads, else NULL */
    uint32_t mask; /* key for the next payload byte, as on the wire */
    uint8_t state; /* parse step and byte counter */
    uint8_t frame; /* first header byte of the current frame */
    uint8_t flags; /* message and connection flags */
    uint8_t utf8;  /* wf_utf8_state_t of the current text message */
} wf_wsf_parser_t;

/* Event types. */
enum {
    WF_WSF_EV_NONE,    /* all input consumed; feed more */
    WF_WSF_EV_DATA,    /* a piece of a text or binary message */
    WF_WSF_EV_CONTROL, /* a whole ping, pong or close frame */
    WF_WSF_EV_ERROR,   /* the client broke the protocol: close with code */
};

/* Flags of a WF_WSF_EV_DATA event. */
#define WF_WSF_EV_FIRST 0x01      /* first piece of the message */
#define WF_WSF_EV_FRAME_END 0x02  /* last piece of a frame */
#define WF_WSF_EV_MSG_END 0x04    /* last piece of the message (FIN) */
#define WF_WSF_EV_COMPRESSED 0x08 /* RSV1 on the first frame: deflated */

typedef struct wf_wsf_event {
    int type;        /* WF_WSF_EV_* */
    int opcode;      /* DATA: TEXT or BINARY (of the message); CONTROL:
                        PING, PONG or CLOSE */
    unsigned flags;  /* DATA: WF_WSF_EV_* flags */
    uint8_t *data;   /* unmasked payload; see wf_wsf_parse() */
    size_t len;      /* bytes at data */
    uint16_t code;   /* CONTROL close: the client's code, 0 if none;
                        ERROR: the close code to send */
    const char *why; /* ERROR: static text for the log */
} wf_wsf_event_t;

/* Prepare a parser for a new connection. deflate is nonzero when
 * permessage-deflate was negotiated, which allows RSV1 on the first frame
 * of a data message. Holds no memory until a control frame splits. */
void wf_wsf_parser_init(wf_wsf_parser_t *p, int deflate);

/* Release what the parser holds; it must be initialised again to reuse. */
void wf_wsf_parser_free(wf_wsf_parser_t *p);

/* Parse the next bytes of the client's input, buf[0..len), which the
 * caller owns and the parser may modify (payload is unmasked in place).
 * Stops at the first event, stores it in *ev and returns how many bytes it
 * consumed; the caller drops those and calls again with the rest, which
 * need not stay in memory: the parser keeps what it needs.
 *   NONE: all len bytes were consumed without completing anything.
 *   DATA: ev->data and ev->len are the unmasked payload just consumed,
 *     inside buf; a frame may come in many pieces, and an empty frame as
 *     one empty piece. Text is checked as UTF-8 across pieces unless the
 *     message is compressed: then the caller checks it after inflating.
 *   CONTROL: a whole control frame, at most 125 bytes at ev->data, in buf
 *     or in parser memory valid until the next call. A close frame has
 *     been checked (wf_wsf_close_check()); after it, all further input is
 *     consumed and ignored. Control frames may come between the pieces of
 *     a fragmented message.
 *   ERROR: ev->code is the close code to send, ev->why says why; the
 *     return value counts the bytes up to the offending one included.
 *     Every later call returns the same error.
 * max_msg limits the size of a data message over all its fragments, 0
 * for no limit; a frame that would exceed it fails with 1009 as soon as
 * its header is read. */
size_t wf_wsf_parse(wf_wsf_parser_t *p, uint8_t *buf, size_t len,
                    uint64_t max_msg, wf_wsf_event_t *ev);

/* Check the payload of a close frame. Returns 0 if it is valid, storing
 * the code in *code (0 for an empty payload) and the reason's offset in
 * *reason_off (either may be NULL); else the close code to answer with:
 * 1002 for a 1-byte payload or a code not allowed on the wire, 1007 for a
 * reason that is not UTF-8. */
int wf_wsf_close_check(const uint8_t *payload, size_t len, uint16_t *code,
                       size_t *reason_off);

/* Returns 1 if code may appear in a received close frame, else 0. */
int wf_wsf_close_code_valid(unsigned code);

/* Write the header of an unmasked server frame to out: FIN and RSV1 from
 * nonzero fin and rsv1, the shortest length form. Returns its size, 2 to
 * 10 bytes. */
size_t wf_wsf_header(uint8_t out[WF_WSF_HDR_MAX], int opcode, int fin, int rsv1,
                     uint64_t payload_len);

/* Write a whole server close frame to out. code 0 sends an empty payload;
 * else the code and the reason (reason_len bytes of UTF-8, may be NULL),
 * shortened at a character boundary to fit 125 bytes. Returns the frame
 * size, at most WF_WSF_CTL_FRAME_MAX. */
size_t wf_wsf_close_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX], uint16_t code,
                          const char *reason, size_t reason_len);

/* Write a whole server pong (or ping) frame carrying payload, of which at
 * most 125 bytes are sent. Returns the frame size. */
size_t wf_wsf_pong_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX],
                         const uint8_t *payload, size_t len);
size_t wf_wsf_ping_frame(uint8_t out[WF_WSF_CTL_FRAME_MAX],
                         const uint8_t *payload, size_t len);

/* Size of a masked client frame carrying len payload bytes. */
size_t wf_wsf_masked_size(uint64_t len);

/* Client side, for tests and the bench: write a masked frame to out, which
 * holds wf_wsf_masked_size(len) bytes. bits are WF_WSF_FIN and WF_WSF_RSV*;
 * opcode is not checked, so broken frames can be built too. Returns the
 * frame size. */
size_t wf_wsf_encode_masked(uint8_t *out, int opcode, unsigned bits,
                            const uint8_t key[4], const uint8_t *payload,
                            size_t len);

#endif
