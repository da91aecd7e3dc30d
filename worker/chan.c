/* chan.c - the channel registry (see chan.h): a chained hash table of
 * channels keyed by SipHash, each with a doubly linked list of
 * subscriptions, and a list of channels whose Redis state must change. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chantop.h"
#include "err.h"
#include "hash.h"
#include "pool.h"
#include "x.h"

#define CHAN_MIN_BUCKETS 64

struct wf_chan {
    wf_chan_t *hnext; /* hash chain */
    wf_chan_t *dnext; /* dirty list */
    wf_sub_t *subs;   /* subscriptions, doubly linked */
    uint64_t hash;
    wf_chan_waiter_t *waiters; /* until confirmed */
    uint32_t nsubs;
    uint32_t seq; /* of the latest SUBSCRIBE sent */
    uint16_t len;
    uint8_t remote;    /* SUBSCRIBE sent to Redis */
    uint8_t confirmed; /* and confirmed: messages flow */
    uint8_t dirty;     /* on the dirty list */
    char name[];       /* NUL-terminated */
};

static struct {
    wf_hash_key_t key;
    wf_chan_t **buckets;
    size_t nbuckets; /* a power of two */
    size_t nchans;   /* entries, wanted or only remote */
    size_t wanted;   /* channels with subscribers */
    size_t nsubs;
    wf_chan_t *dirty;
    void (*wake)(void);
    int walking; /* no shrinking while the table is being walked */
    wf_pool_t pool; /* of wf_sub_t */
} reg;


void
wf_chan_init(void (*wake)(void))
{
    memset(&reg, 0, sizeof(reg));
    reg.pool = (wf_pool_t)WF_POOL_INIT(wf_sub_t);
    wf_hash_key_random(&reg.key);
    reg.nbuckets = CHAN_MIN_BUCKETS;
    reg.buckets = wf_xcalloc(reg.nbuckets, sizeof(*reg.buckets));
    reg.wake = wake;
}


int
wf_chan_name_ok(const char *name, size_t len)
{
    static const char extra[] = ":_-./@=+!~#$%,;";

    if (len == 0 || len > WF_CHAN_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9'))
            continue;
        if (c == '\0' || strchr(extra, c) == NULL)
            return 0;
    }
    return 1;
}


static wf_chan_t *
chan_lookup(const char *name, size_t len, uint64_t h)
{
    wf_chan_t *ch = reg.buckets[h & (reg.nbuckets - 1)];

    for (; ch != NULL; ch = ch->hnext)
        if (ch->hash == h && ch->len == len && memcmp(ch->name, name, len) == 0)
            return ch;
    return NULL;
}


wf_chan_t *
wf_chan_find(const char *name, size_t len)
{
    if (reg.buckets == NULL || len > WF_CHAN_NAME_MAX)
        return NULL;
    return chan_lookup(name, len, wf_hash(&reg.key, name, len));
}


static void
chan_resize(size_t n)
{
    wf_chan_t **nb = wf_xcalloc(n, sizeof(*nb));

    for (size_t i = 0; i < reg.nbuckets; i++) {
        wf_chan_t *ch = reg.buckets[i], *next;

        for (; ch != NULL; ch = next) {
            next = ch->hnext;
            ch->hnext = nb[ch->hash & (n - 1)];
            nb[ch->hash & (n - 1)] = ch;
        }
    }
    free(reg.buckets);
    reg.buckets = nb;
    reg.nbuckets = n;
}


static void
chan_mark_dirty(wf_chan_t *ch)
{
    if (ch->dirty)
        return;
    ch->dirty = 1;
    ch->dnext = reg.dirty;
    reg.dirty = ch;
    if (reg.wake != NULL)
        reg.wake();
}


static wf_chan_t *
chan_create(const char *name, size_t len, uint64_t h)
{
    wf_chan_t *ch = wf_xcalloc(1, sizeof(*ch) + len + 1);

    memcpy(ch->name, name, len);
    ch->len = (uint16_t)len;
    ch->hash = h;
    if (reg.nchans + 1 > reg.nbuckets)
        chan_resize(reg.nbuckets * 2);
    ch->hnext = reg.buckets[h & (reg.nbuckets - 1)];
    reg.buckets[h & (reg.nbuckets - 1)] = ch;
    reg.nchans++;
    return ch;
}


/* Free ch if nobody wants it, Redis is not subscribed and it is not on
 * the dirty list (the list owns it until popped). */
static void
chan_fire(wf_chan_t *ch, int ok)
{
    while (ch->waiters != NULL) {
        wf_chan_waiter_t *w = ch->waiters;

        ch->waiters = w->next;
        w->next = NULL;
        w->ready(w, ok);
    }
}


static void
chan_maybe_free(wf_chan_t *ch)
{
    wf_chan_t **pp;

    if (ch->nsubs > 0 || ch->remote || ch->dirty)
        return;
    chan_fire(ch, 0);
    for (pp = &reg.buckets[ch->hash & (reg.nbuckets - 1)]; *pp != ch;
         pp = &(*pp)->hnext)
        ;
    *pp = ch->hnext;
    reg.nchans--;
    free(ch);
    if (!reg.walking && reg.nbuckets > CHAN_MIN_BUCKETS &&
        reg.nchans < reg.nbuckets / 8)
        chan_resize(reg.nbuckets / 2);
}


int
wf_chan_subscribe(wf_subs_t *subs, void *owner, const char *name, size_t len,
                  uint32_t max)
{
    uint64_t h = wf_hash(&reg.key, name, len);
    wf_chan_t *ch = chan_lookup(name, len, h);
    wf_sub_t *s;

    if (ch != NULL)
        for (s = subs->head; s != NULL; s = s->own_next)
            if (s->chan == ch)
                return 1;
    if (subs->count >= max)
        return WF_ELIMIT;
    if (ch == NULL)
        ch = chan_create(name, len, h);
    s = wf_pool_get(&reg.pool);
    s->chan = ch;
    s->owner = owner;
    s->chan_prev = NULL;
    s->chan_next = ch->subs;
    if (ch->subs != NULL)
        ch->subs->chan_prev = s;
    ch->subs = s;
    s->own_next = subs->head;
    subs->head = s;
    subs->count++;
    reg.nsubs++;
    if (ch->nsubs++ == 0) {
        reg.wanted++;
        if (!ch->remote)
            chan_mark_dirty(ch);
    }
    return 0;
}


static void
chan_unlink(wf_sub_t *s)
{
    wf_chan_t *ch = s->chan;

    if (s->chan_prev != NULL)
        s->chan_prev->chan_next = s->chan_next;
    else
        ch->subs = s->chan_next;
    if (s->chan_next != NULL)
        s->chan_next->chan_prev = s->chan_prev;
    reg.nsubs--;
    if (--ch->nsubs == 0) {
        reg.wanted--;
        if (ch->remote)
            chan_mark_dirty(ch);
        else
            chan_maybe_free(ch);
    }
    wf_pool_put(&reg.pool, s);
}


int
wf_chan_unsubscribe(wf_subs_t *subs, const char *name, size_t len)
{
    wf_chan_t *ch = wf_chan_find(name, len);
    wf_sub_t **pp;

    if (ch == NULL)
        return WF_ENOTFOUND;
    for (pp = &subs->head; *pp != NULL; pp = &(*pp)->own_next) {
        if ((*pp)->chan == ch) {
            wf_sub_t *s = *pp;

            *pp = s->own_next;
            subs->count--;
            chan_unlink(s);
            return 0;
        }
    }
    return WF_ENOTFOUND;
}


void
wf_chan_unsubscribe_all(wf_subs_t *subs)
{
    while (subs->head != NULL) {
        wf_sub_t *s = subs->head;

        subs->head = s->own_next;
        chan_unlink(s);
    }
    subs->count = 0;
}


const char *
wf_chan_name(const wf_chan_t *ch)
{
    return ch->name;
}


size_t
wf_chan_name_len(const wf_chan_t *ch)
{
    return ch->len;
}


uint32_t
wf_chan_subscribers(const wf_chan_t *ch)
{
    return ch->nsubs;
}


wf_sub_t *
wf_chan_first(const wf_chan_t *ch)
{
    return ch->subs;
}


size_t
wf_chan_count(void)
{
    return reg.wanted;
}


size_t
wf_chan_sub_count(void)
{
    return reg.nsubs;
}


wf_chan_t *
wf_chan_dirty_pop(void)
{
    wf_chan_t *ch = reg.dirty;

    if (ch != NULL) {
        reg.dirty = ch->dnext;
        ch->dnext = NULL;
        ch->dirty = 0;
    }
    return ch;
}


int
wf_chan_wanted(const wf_chan_t *ch)
{
    return ch->nsubs > 0;
}


int
wf_chan_remote(const wf_chan_t *ch)
{
    return ch->remote;
}


uint32_t
wf_chan_set_remote(wf_chan_t *ch, int remote)
{
    ch->remote = (uint8_t)(remote != 0);
    ch->confirmed = 0;
    if (remote)
        return ++ch->seq;
    chan_maybe_free(ch);
    return 0;
}


void
wf_chan_confirm(const char *name, size_t len, uint32_t seq)
{
    wf_chan_t *ch = wf_chan_find(name, len);

    if (ch == NULL || !ch->remote || ch->seq != seq || ch->confirmed)
        return;
    ch->confirmed = 1;
    chan_fire(ch, 1);
}


int
wf_chan_confirmed(const wf_chan_t *ch)
{
    return ch->confirmed;
}


void
wf_chan_wait(wf_chan_t *ch, wf_chan_waiter_t *w)
{
    if (ch->confirmed) {
        w->next = NULL;
        w->ready(w, 1);
        return;
    }
    w->next = ch->waiters;
    ch->waiters = w;
}


void
wf_chan_remote_lost(void)
{
    reg.walking = 1;
    for (size_t i = 0; i < reg.nbuckets; i++) {
        wf_chan_t *ch = reg.buckets[i], *next;

        for (; ch != NULL; ch = next) {
            next = ch->hnext;
            ch->remote = 0;
            ch->confirmed = 0;
            if (ch->nsubs > 0)
                chan_mark_dirty(ch);
            else
                chan_maybe_free(ch);
        }
    }
    reg.walking = 0;
}


void
wf_chan_each(void (*cb)(const wf_chan_t *, void *), void *arg)
{
    for (size_t i = 0; i < reg.nbuckets; i++)
        for (wf_chan_t *ch = reg.buckets[i]; ch != NULL; ch = ch->hnext)
            if (ch->nsubs > 0)
                cb(ch, arg);
}


/* wf_chan_top(): a min-heap of the k busiest so far, ordered by
 * subscribers; a channel beating the root replaces it. */
static void
chan_heap_down(wf_chantop_ent_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        wf_chantop_ent_t t;

        if (l < n && h[l].subs < h[m].subs)
            m = l;
        if (l + 1 < n && h[l + 1].subs < h[m].subs)
            m = l + 1;
        if (m == i)
            return;
        t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}


static void
chan_heap_up(wf_chantop_ent_t *h, size_t i)
{
    while (i > 0 && h[(i - 1) / 2].subs > h[i].subs) {
        wf_chantop_ent_t t = h[i];

        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}


size_t
wf_chan_top(wf_chantop_ent_t *out, size_t k)
{
    size_t n = 0;

    if (k == 0)
        return 0;
    for (size_t i = 0; i < reg.nbuckets; i++) {
        for (wf_chan_t *ch = reg.buckets[i]; ch != NULL; ch = ch->hnext) {
            wf_chantop_ent_t e = {ch->name, ch->len, ch->nsubs, 0};

            if (ch->nsubs == 0)
                continue;
            if (n < k) {
                out[n] = e;
                chan_heap_up(out, n++);
            } else if (e.subs > out[0].subs) {
                out[0] = e;
                chan_heap_down(out, n, 0);
            }
        }
    }
    /* Heap sort in place: popping the minimum to the end leaves the
     * array busiest first. */
    for (size_t m = n; m > 1; m--) {
        wf_chantop_ent_t t = out[0];

        out[0] = out[m - 1];
        out[m - 1] = t;
        chan_heap_down(out, m - 1, 0);
    }
    return n;
}


void
wf_chan_cleanup(void)
{
    for (size_t i = 0; i < reg.nbuckets; i++) {
        wf_chan_t *ch = reg.buckets[i], *next;

        for (; ch != NULL; ch = next) {
            next = ch->hnext;
            chan_fire(ch, 0);
            while (ch->subs != NULL) {
                wf_sub_t *s = ch->subs;

                ch->subs = s->chan_next;
                wf_pool_put(&reg.pool, s);
            }
            free(ch);
        }
    }
    free(reg.buckets);
    wf_pool_destroy(&reg.pool);
    memset(&reg, 0, sizeof(reg));
}
