/* hash.h - SipHash-2-4, a keyed hash for tables whose keys come from
 * clients (channel names): without the key nobody can aim many keys at
 * one bucket. Threads: none; reentrant. */
#ifndef WF_HASH_H
#define WF_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct wf_hash_key {
    uint64_t k0, k1;
} wf_hash_key_t;

/* Fill key from the system's random source (getrandom or /dev/urandom;
 * falls back to time and pid, which only weakens flood resistance). */
void wf_hash_key_random(wf_hash_key_t *key);

/* SipHash-2-4 of p[0..n) under key. */
uint64_t wf_hash(const wf_hash_key_t *key, const void *p, size_t n);

#endif
