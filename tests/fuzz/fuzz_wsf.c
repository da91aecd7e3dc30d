/* fuzz_wsf.c - fuzz target for worker/wsf.c, the parser of everything a
 * WebSocket client sends, and for the session's use of worker/pmd.c and
 * shared/utf8.c on what it returns (ws.c's ws_on_data).
 *
 * Input: [split][config][bytes the client sends after the handshake...]
 *   split   how the bytes are cut into reads (see fuzz.h);
 *   config  bit 0: permessage-deflate NOT negotiated;
 *           bits 1-2: max-message-size 64 KiB, 125, 1000, or none for
 *             the parser with 64 KiB for inflation; the parser gets the
 *             limit only without compression, as ws.c does;
 *           bit 3: client_no_context_takeover;
 *           bits 4-6: the client's window, 8 + v bits.
 * Each read goes into a buffer of its own, freed once its events are
 * handled: the parser must keep nothing pointing into it.
 * Checked on every event: the bytes consumed (NONE consumes all, DATA
 * and CONTROL at least one, ERROR none once reported), DATA payload is
 * exactly the last bytes consumed, flags are consistent across the
 * pieces of a message (FIRST once, same opcode and compression,
 * MSG_END implies FRAME_END, COMPRESSED only when negotiated), messages
 * stay within the parser's limit, uncompressed text is valid UTF-8,
 * control payloads are at most 125 bytes and close payloads valid,
 * nothing but NONE after a close, the same ERROR for ever after one.
 * Compressed messages are inflated under the cap (output never beyond
 * it) and text checked as UTF-8 afterwards, like the session does.
 * Finally the same input parsed in one piece must give the same
 * messages, control frames and error as the split run. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "pmd.h"
#include "utf8.h"
#include "wsf.h"

#include "fuzz.h"

#define WSF_FLAGS                                                              \
    (WF_WSF_EV_FIRST | WF_WSF_EV_FRAME_END | WF_WSF_EV_MSG_END |               \
     WF_WSF_EV_COMPRESSED)

typedef struct wsf_run {
    wf_wsf_parser_t parser;
    uint64_t max;   /* the parser's limit, 0 for none */
    int deflate;    /* permessage-deflate negotiated */
    int in_msg;     /* a data message is in progress */
    int opcode;     /* ... its opcode */
    int compressed; /* ... RSV1 */
    uint64_t wire;  /* ... its payload bytes so far */
    int closed;     /* a close frame came */
    int error;      /* an error came (its code) */
    wf_buf_t cur;   /* the message's payload as it arrives */
    wf_buf_t log;   /* what the parser delivered, normalised */
} wsf_run_t;

/* The session: inflation and the checks ws.c makes on whole messages. */
typedef struct wsf_sess {
    wf_pmd_inflater_t inf;
    wf_buf_t msg;
    size_t cap; /* max-message-size: the inflate limit */
    int failed; /* the session closed the connection */
} wsf_sess_t;


static void
wsf_log(wsf_run_t *r, int type, int opcode, unsigned code, const void *p,
        size_t n)
{
    uint8_t rec[12];
    uint64_t len = n;

    rec[0] = (uint8_t)type;
    rec[1] = (uint8_t)opcode;
    rec[2] = (uint8_t)(code >> 8);
    rec[3] = (uint8_t)code;
    memcpy(rec + 4, &len, 8);
    wf_buf_append(&r->log, rec, sizeof(rec));
    if (n > 0)
        wf_buf_append(&r->log, p, n);
}


static int
wsf_session_limit(void)
{
    static int on = -1;

    if (on < 0) {
        const char *e = getenv("FUZZ_WSF_SESSION_LIMIT");

        on = e != NULL && *e == '1';
    }
    return on;
}


/* The session's view of a DATA event (ws_on_data). */
static void
wsf_sess_data(wsf_sess_t *s, const wsf_run_t *r, const wf_wsf_event_t *ev)
{
    int rc;

    if (s->failed)
        return;
    if (ev->flags & WF_WSF_EV_FIRST)
        wf_buf_reset(&s->msg);
    if (!r->compressed) {
        /* ws.c holds uncompressed messages to max-message-size itself
         * (1009): the parser's limit is looser once deflate is on. The
         * model fails the session the same way; FUZZ_WSF_SESSION_LIMIT=1
         * instead asserts the bound as the old code (a bug) broke it. */
        if (r->wire > s->cap) {
            if (wsf_session_limit())
                FUZZ_CHECK(r->wire <= s->cap);
            s->failed = 1;
            return;
        }
        /* The parser checked this text as it came. */
        if ((ev->flags & WF_WSF_EV_MSG_END) && r->opcode == WF_WSF_TEXT)
            FUZZ_CHECK(
                wf_utf8_valid(fuzz_buf_bytes(&r->cur), wf_buf_avail(&r->cur)));
        return;
    }
    rc = wf_pmd_inflate(&s->inf, ev->data, ev->len, &s->msg, s->cap);
    if (rc == 0 && (ev->flags & WF_WSF_EV_MSG_END))
        rc = wf_pmd_inflate_end(&s->inf, &s->msg, s->cap);
    FUZZ_TRACE("inflate: %d, %zu bytes so far\n", rc, wf_buf_avail(&s->msg));
    FUZZ_CHECK(rc == 0 || rc == WF_ELIMIT || rc == WF_EPROTO);
    FUZZ_CHECK(wf_buf_avail(&s->msg) <= s->cap);
    if (rc != 0) {
        FUZZ_CHECK(s->inf.zs == NULL); /* released on error */
        s->failed = 1;
        return;
    }
    if (!(ev->flags & WF_WSF_EV_MSG_END))
        return;
    if (r->opcode == WF_WSF_TEXT &&
        !wf_utf8_valid(fuzz_buf_bytes(&s->msg), wf_buf_avail(&s->msg)))
        s->failed = 1; /* closes with 1007 */
    wf_buf_reset(&s->msg);
}


/* Parse buf[0..len), one read, checking every event; s may be NULL (the
 * run without a session). */
static void
wsf_feed(wsf_run_t *r, wsf_sess_t *s, uint8_t *buf, size_t len)
{
    while (len > 0 && !r->error) {
        wf_wsf_event_t ev;
        size_t used = wf_wsf_parse(&r->parser, buf, len, r->max, &ev);

        FUZZ_CHECK(used <= len);
        if (s != NULL)
            FUZZ_TRACE("event %d op %d flags %#x len %zu code %u %s\n", ev.type,
                       ev.opcode, ev.flags, ev.len, ev.code,
                       ev.why ? ev.why : "");
        switch (ev.type) {
        case WF_WSF_EV_NONE:
            FUZZ_CHECK(used == len);
            break;
        case WF_WSF_EV_DATA:
            FUZZ_CHECK(!r->closed && used > 0);
            FUZZ_CHECK(ev.data >= buf && ev.data + ev.len == buf + used);
            FUZZ_CHECK(ev.opcode == WF_WSF_TEXT || ev.opcode == WF_WSF_BINARY);
            FUZZ_CHECK((ev.flags & ~(unsigned)WSF_FLAGS) == 0);
            FUZZ_CHECK(!(ev.flags & WF_WSF_EV_MSG_END) ||
                       (ev.flags & WF_WSF_EV_FRAME_END));
            FUZZ_CHECK(r->deflate || !(ev.flags & WF_WSF_EV_COMPRESSED));
            if (ev.flags & WF_WSF_EV_FIRST) {
                FUZZ_CHECK(!r->in_msg);
                r->in_msg = 1;
                r->opcode = ev.opcode;
                r->compressed = (ev.flags & WF_WSF_EV_COMPRESSED) != 0;
                r->wire = 0;
                wf_buf_reset(&r->cur);
            } else {
                FUZZ_CHECK(r->in_msg && ev.opcode == r->opcode);
                FUZZ_CHECK(r->compressed ==
                           ((ev.flags & WF_WSF_EV_COMPRESSED) != 0));
            }
            r->wire += ev.len;
            FUZZ_CHECK(r->max == 0 || r->wire <= r->max);
            if (ev.len > 0)
                wf_buf_append(&r->cur, ev.data, ev.len);
            if (s != NULL)
                wsf_sess_data(s, r, &ev);
            if (ev.flags & WF_WSF_EV_MSG_END) {
                wsf_log(r, ev.type, r->opcode | r->compressed << 4, 0,
                        fuzz_buf_bytes(&r->cur), wf_buf_avail(&r->cur));
                r->in_msg = 0;
            }
            break;
        case WF_WSF_EV_CONTROL:
            FUZZ_CHECK(!r->closed && used > 0);
            FUZZ_CHECK(ev.opcode == WF_WSF_PING || ev.opcode == WF_WSF_PONG ||
                       ev.opcode == WF_WSF_CLOSE);
            FUZZ_CHECK(ev.len <= WF_WSF_CTL_MAX);
            FUZZ_CHECK(ev.len == 0 || ev.data != NULL);
            if (ev.data >= buf && ev.data <= buf + len)
                FUZZ_CHECK(ev.data + ev.len == buf + used);
            if (ev.opcode == WF_WSF_CLOSE) {
                uint16_t code = 1;

                FUZZ_CHECK(wf_wsf_close_check(ev.data, ev.len, &code, NULL) ==
                           0);
                FUZZ_CHECK(code == ev.code);
                r->closed = 1;
            } else {
                uint8_t frame[WF_WSF_CTL_FRAME_MAX];

                FUZZ_CHECK(wf_wsf_pong_frame(frame, ev.data, ev.len) ==
                           2 + ev.len);
                FUZZ_CHECK(ev.len == 0 ||
                           memcmp(frame + 2, ev.data, ev.len) == 0);
            }
            /* A whole control frame, readable here (ASan checks). */
            wsf_log(r, ev.type, ev.opcode, ev.code, ev.data, ev.len);
            break;
        case WF_WSF_EV_ERROR: {
            wf_wsf_event_t again;
            uint8_t more = 0x81, *rest = len > used ? buf + used : &more;

            FUZZ_CHECK(!r->closed && ev.why != NULL);
            FUZZ_CHECK(ev.code == WF_WSF_CLOSE_PROTOCOL ||
                       ev.code == WF_WSF_CLOSE_BAD_DATA ||
                       (ev.code == WF_WSF_CLOSE_TOO_BIG && r->max != 0));
            FUZZ_CHECK(used > 0 || r->error);
            r->error = ev.code;
            wsf_log(r, ev.type, 0, ev.code, NULL, 0);
            /* Every later call reports it again (given bytes: with none,
             * the parser has nothing to say and returns NONE). */
            FUZZ_CHECK(wf_wsf_parse(&r->parser, rest,
                                    len > used ? len - used : 1, r->max,
                                    &again) == 0);
            FUZZ_CHECK(again.type == WF_WSF_EV_ERROR && again.code == ev.code);
            break;
        }
        default:
            FUZZ_CHECK(!"unknown event type");
        }
        buf += used;
        len -= used;
    }
}


static void
wsf_run_init(wsf_run_t *r, int deflate, uint64_t max)
{
    memset(r, 0, sizeof(*r));
    wf_wsf_parser_init(&r->parser, deflate);
    r->deflate = deflate;
    r->max = max;
}


static void
wsf_run_free(wsf_run_t *r)
{
    wf_wsf_parser_free(&r->parser);
    wf_buf_free(&r->cur);
    wf_buf_free(&r->log);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t maxes[] = {64 * 1024, 125, 1000, 0};
    wf_pmd_params_t params;
    fuzz_split_t split;
    wsf_run_t run, whole;
    wsf_sess_t sess;
    size_t left;
    const uint8_t *p;
    uint8_t cfg, *all;
    uint64_t max;
    int deflate;

    if (size < 2)
        return 0;
    fuzz_split_init(&split, data[0]);
    cfg = data[1];
    data += 2;
    size -= 2;

    deflate = !(cfg & 0x01);
    max = maxes[(cfg >> 1) & 0x03];
    memset(&params, 0, sizeof(params));
    params.server_window_bits = 15;
    params.client_window_bits = (unsigned char)(8 + ((cfg >> 4) & 0x07));
    params.client_no_context_takeover = (cfg & 0x08) != 0;
    memset(&sess, 0, sizeof(sess));
    wf_pmd_inflater_init(&sess.inf, &params);
    sess.cap = max ? max : 64 * 1024;

    /* Split into reads, with the session. */
    wsf_run_init(&run, deflate, deflate ? 0 : max);
    for (p = data, left = size; left > 0 && !run.error;) {
        size_t n = fuzz_split_next(&split, left);
        uint8_t *read = malloc(n);

        FUZZ_CHECK(read != NULL);
        memcpy(read, p, n);
        wsf_feed(&run, &sess, read, n);
        free(read);
        p += n;
        left -= n;
    }

    /* In one piece, without: the same messages, controls and error. */
    wsf_run_init(&whole, deflate, deflate ? 0 : max);
    all = malloc(size ? size : 1);
    FUZZ_CHECK(all != NULL);
    memcpy(all, data, size);
    wsf_feed(&whole, NULL, all, size);
    free(all);
    FUZZ_CHECK(whole.error == run.error && whole.closed == run.closed);
    FUZZ_CHECK(wf_buf_avail(&whole.log) == wf_buf_avail(&run.log));
    FUZZ_CHECK(wf_buf_avail(&run.log) == 0 ||
               memcmp(fuzz_buf_bytes(&whole.log), fuzz_buf_bytes(&run.log),
                      wf_buf_avail(&run.log)) == 0);

    wsf_run_free(&whole);
    wsf_run_free(&run);
    wf_pmd_inflater_free(&sess.inf);
    wf_buf_free(&sess.msg);
    return 0;
}
