/* utf8.h - incremental UTF-8 validation (RFC 3629).
 * Owner: the caller keeps one wf_utf8_state_t per stream being checked
 * (a WebSocket text message); it carries across fragments and across any
 * split point, and needs no cleanup.
 * Rejects overlong forms, surrogates (U+D800..U+DFFF) and code points above
 * U+10FFFF, at the first byte that cannot start or continue a valid
 * sequence. Noncharacters (U+FFFE, U+1FFFF, ...) are valid, as the RFC says.
 * Threads: none; all functions are reentrant. */
#ifndef WF_UTF8_H
#define WF_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Validator state: WF_UTF8_INIT at the start of a stream. Only the values
 * the functions below store are meaningful; it fits in a byte. */
typedef uint32_t wf_utf8_state_t;

#define WF_UTF8_INIT 0

enum {
    WF_UTF8_INVALID = WF_EINVAL, /* a byte broke the encoding */
    WF_UTF8_OK = 0,              /* valid, ending at a character boundary */
    WF_UTF8_PARTIAL = 1,         /* valid so far, inside a sequence */
};

/* Validate the next n bytes of the stream whose state is *state, updating
 * it. Returns WF_UTF8_OK or WF_UTF8_PARTIAL if every byte fits; at the end
 * of the stream only WF_UTF8_OK means the whole stream was valid. Returns
 * WF_UTF8_INVALID at the first byte that cannot belong to valid UTF-8, and
 * stores its index within p in *bad_at (if bad_at is not NULL); the state
 * then stays invalid, and later calls return WF_UTF8_INVALID with
 * *bad_at = 0. */
int wf_utf8_feed(wf_utf8_state_t *state, const uint8_t *p, size_t n,
                 size_t *bad_at);

/* Returns 1 if the state is at a character boundary (the stream so far is
 * complete, valid UTF-8), else 0. */
int wf_utf8_complete(wf_utf8_state_t state);

/* Returns 1 if the n bytes at p are complete, valid UTF-8, else 0. */
int wf_utf8_valid(const void *p, size_t n);

/* Returns the largest length <= n that does not cut a multi-byte sequence
 * of the valid UTF-8 at p in two: used to shorten text without breaking
 * its last character. */
size_t wf_utf8_trim(const void *p, size_t n);

#endif
