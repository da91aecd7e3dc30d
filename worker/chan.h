/* chan.h - the channel registry of a worker: channel -> its local
 * subscribers, connection -> its channels. Subscribe and unsubscribe are
 * O(1) (a hash lookup, then list links; a connection's own list is at most
 * max-subscriptions long). Channel names are hashed with a per-worker
 * random key, so clients cannot aim collisions at one bucket.
 *
 * The registry also records what the Redis subscriber must do: a channel
 * that gains its first local subscriber or loses its last one is put on a
 * "dirty" list, and the Redis side (rsub.c) takes them in a batch before
 * the loop blocks. A channel stays in the registry while Redis is
 * subscribed to it, even with no local subscriber, until rsub releases it.
 * Owner: the worker. Threads: none. */
#ifndef WF_CHAN_H
#define WF_CHAN_H

#include <stddef.h>
#include <stdint.h>

#define WF_CHAN_NAME_MAX 200

typedef struct wf_chan wf_chan_t;
typedef struct wf_sub wf_sub_t;

/* A connection's subscriptions; embed it zeroed in the connection. */
typedef struct wf_subs {
    wf_sub_t *head;
    uint32_t count;
} wf_subs_t;

/* One subscription: it links a connection (owner) into a channel. */
struct wf_sub {
    wf_chan_t *chan;
    void *owner;                  /* the connection */
    wf_sub_t *chan_prev, *chan_next; /* in the channel's list */
    wf_sub_t *own_next;              /* in the connection's list */
};

/* Someone waiting until a channel's Redis subscription is confirmed (a
 * client's "sub" reply, a welcome). Embed it; the registry links it. */
typedef struct wf_chan_waiter wf_chan_waiter_t;
struct wf_chan_waiter {
    wf_chan_waiter_t *next;
    /* Runs once: ok = 1 when the subscription is live in Redis, 0 when the
     * channel went away first (everyone unsubscribed). */
    void (*ready)(wf_chan_waiter_t *w, int ok);
};

/* Set up the registry (random hash key). wake is called when a channel
 * becomes dirty, so the Redis side can schedule a flush; may be NULL. */
void wf_chan_init(void (*wake)(void));
/* Free every channel and subscription (the worker is exiting). */
void wf_chan_cleanup(void);

/* Is name[0..len) a valid channel name? 1 to WF_CHAN_NAME_MAX bytes of
 * ASCII letters, digits and : _ - . / @ = + ! ~ # $ % , ; and no others. */
int wf_chan_name_ok(const char *name, size_t len);

/* Subscribe owner (whose list is subs) to name. Returns 0, 1 if it was
 * already subscribed (nothing changes), or WF_ELIMIT when subs already
 * holds max subscriptions. The name must be valid. */
int wf_chan_subscribe(wf_subs_t *subs, void *owner, const char *name,
                      size_t len, uint32_t max);

/* Unsubscribe subs' owner from name. Returns 0, or WF_ENOTFOUND if it was
 * not subscribed. */
int wf_chan_unsubscribe(wf_subs_t *subs, const char *name, size_t len);

/* Drop all of subs' subscriptions (the connection is closing). */
void wf_chan_unsubscribe_all(wf_subs_t *subs);

/* The channel called name, or NULL. */
wf_chan_t *wf_chan_find(const char *name, size_t len);

const char *wf_chan_name(const wf_chan_t *ch);
size_t wf_chan_name_len(const wf_chan_t *ch);
/* Local subscribers of ch. */
uint32_t wf_chan_subscribers(const wf_chan_t *ch);
/* The first subscription of ch (walk with ->chan_next), or NULL. */
wf_sub_t *wf_chan_first(const wf_chan_t *ch);

/* Is ch's subscription confirmed by Redis (messages flow)? */
int wf_chan_confirmed(const wf_chan_t *ch);
/* Run w->ready when ch is confirmed (at once if it already is). */
void wf_chan_wait(wf_chan_t *ch, wf_chan_waiter_t *w);

/* Channels with at least one local subscriber / subscriptions in all. */
size_t wf_chan_count(void);
size_t wf_chan_sub_count(void);

/* ---- for the Redis side ------------------------------------------------
 * remote: what Redis has been asked for (1: SUBSCRIBE sent). */

/* Take the next dirty channel, or NULL: its wanted state (subscribers >
 * 0) differs, or may differ, from its remote state. */
wf_chan_t *wf_chan_dirty_pop(void);
int wf_chan_wanted(const wf_chan_t *ch);
int wf_chan_remote(const wf_chan_t *ch);
/* Record the remote state; a channel neither wanted nor remote is freed
 * here (ch is invalid after that). Setting 1 (SUBSCRIBE sent) returns a
 * sequence number for wf_chan_confirm(); 0 otherwise. */
uint32_t wf_chan_set_remote(wf_chan_t *ch, int remote);
/* Redis confirmed the SUBSCRIBE numbered seq for name: if that is still
 * the channel's latest one, it is confirmed and its waiters run. */
void wf_chan_confirm(const char *name, size_t len, uint32_t seq);
/* The Redis link went down: every channel's remote state is 0 (channels
 * nobody wants are freed) and every wanted one is dirty again. */
void wf_chan_remote_lost(void);

/* Call cb for each channel with subscribers. */
void wf_chan_each(void (*cb)(const wf_chan_t *ch, void *arg), void *arg);

/* The k channels with the most local subscribers, busiest first, into
 * out[0..k) (names point into the registry: use them before it changes).
 * Returns how many (at most k and wf_chan_count()). O(channels log k). */
struct wf_chantop_ent;
size_t wf_chan_top(struct wf_chantop_ent *out, size_t k);

#endif
