/* payload.h - what the bench sends and how it checks what comes back:
 * echo payloads, the fanout message (JSON with channel, sequence number
 * and send time), and per-connection loss/duplicate/order tracking.
 * Pure functions. Threads: none. */
#ifndef WB_PAYLOAD_H
#define WB_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with n bytes: English-like words and spaces (compressible
 * about 2-3x, like chat text) when text, else pseudo-random bytes. */
void wb_payload_fill(uint8_t *buf, size_t n, int text, uint64_t seed);

/* Write the fanout data object for message seq on channel ch, sent at
 * t_ns, padded with letters to about size bytes, into buf (cap bytes):
 * {"c":CH,"s":SEQ,"t":T,"p":"..."}. Returns its length, or 0 if cap is
 * too small. */
size_t wb_fan_build(char *buf, size_t cap, long ch, uint64_t seq, uint64_t t_ns,
                    size_t size);

/* Find channel, sequence and send time in a received message (the
 * server's {"ch":..,"data":{...}} around the object above). Returns 0, or
 * -1 when they are not all there. */
int wb_fan_parse(const uint8_t *p, size_t n, long *ch, uint64_t *seq,
                 uint64_t *t_ns);

/* Per-connection sequence tracking: next is one past the highest seen,
 * win has bit i set when next-1-i was seen (64 back). */
enum wb_seen { WB_SEEN_NEW, WB_SEEN_LATE_NEW, WB_SEEN_DUP, WB_SEEN_OLD };

/* Note seq: NEW (in order or after a gap), LATE_NEW (below the highest,
 * first time: reordered), DUP (seen before), OLD (more than 64 below the
 * highest: reordered, duplicates cannot be told). */
enum wb_seen wb_seq_note(uint64_t *next, uint64_t *win, uint64_t seq);

#endif
