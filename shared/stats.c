/* stats.c - the shared-memory statistics segment (see stats.h). */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "stats.h"

#define STATS_WORDS (sizeof(wf_stats_counters_t) / sizeof(uint64_t))


wf_stats_t *
wf_stats_create(void)
{
    wf_stats_t *st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct timespec ts;

    if (st == MAP_FAILED)
        return NULL;
    memset(st, 0, sizeof(*st));
    st->magic = WF_STATS_MAGIC;
    st->nprocs = WF_STATS_PROCS;
    clock_gettime(CLOCK_REALTIME, &ts);
    st->master_started = (uint64_t)ts.tv_sec * 1000 +
                         (uint64_t)ts.tv_nsec / 1000000;
    return st;
}


void
wf_stats_destroy(wf_stats_t *st)
{
    if (st != NULL)
        munmap(st, sizeof(*st));
}


wf_stats_proc_t *
wf_stats_claim(wf_stats_t *st, pid_t pid, int slot, unsigned generation,
               unsigned restarts)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    for (size_t i = 0; i < WF_STATS_PROCS; i++) {
        wf_stats_proc_t *p = &st->procs[i];

        if (p->pid != 0)
            continue;
        memset(p, 0, sizeof(*p));
        p->slot = slot;
        p->generation = generation;
        p->state = WF_STATS_STARTING;
        p->restarts = restarts;
        p->started = (uint64_t)ts.tv_sec * 1000 +
                     (uint64_t)ts.tv_nsec / 1000000;
        __atomic_store_n(&p->pid, (int32_t)pid, __ATOMIC_RELEASE);
        return p;
    }
    return NULL;
}


wf_stats_proc_t *
wf_stats_find(wf_stats_t *st, pid_t pid)
{
    for (size_t i = 0; i < WF_STATS_PROCS; i++)
        if (st->procs[i].pid == (int32_t)pid)
            return &st->procs[i];
    return NULL;
}


static void
stats_add(wf_stats_counters_t *dst, const wf_stats_counters_t *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;

    for (size_t i = 0; i < STATS_WORDS; i++)
        wf_stats_set(&d[i], wf_stats_get(&d[i]) + wf_stats_get(&s[i]));
}


void
wf_stats_release(wf_stats_t *st, wf_stats_proc_t *p)
{
    stats_add(&st->retired, &p->c);
    __atomic_store_n(&p->pid, 0, __ATOMIC_RELEASE);
    memset(&p->c, 0, sizeof(p->c));
    p->state = WF_STATS_FREE;
}


void
wf_stats_total(const wf_stats_t *st, wf_stats_counters_t *out,
               uint64_t *connections, uint64_t *subscriptions,
               uint64_t *channels)
{
    uint64_t conns = 0, subs = 0, chans = 0;

    memset(out, 0, sizeof(*out));
    stats_add(out, &st->retired);
    for (size_t i = 0; i < WF_STATS_PROCS; i++) {
        const wf_stats_proc_t *p = &st->procs[i];

        if (__atomic_load_n(&p->pid, __ATOMIC_ACQUIRE) == 0)
            continue;
        stats_add(out, &p->c);
        conns += wf_stats_get(&p->connections);
        subs += wf_stats_get(&p->subscriptions);
        chans += wf_stats_get(&p->channels);
    }
    if (connections != NULL)
        *connections = conns;
    if (subscriptions != NULL)
        *subscriptions = subs;
    if (channels != NULL)
        *channels = chans;
}


void
wf_stats_publish(wf_stats_counters_t *dst, const wf_stats_counters_t *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;

    for (size_t i = 0; i < STATS_WORDS; i++)
        wf_stats_set(&d[i], s[i]);
}
