/* chanrank.h - wsfanctl channels: ask every live worker for its busiest
 * channels, wait for the answers (a bounded time: a stuck worker does not
 * hold the command), merge them into one ranking (shared/chantop.h).
 * Owner: master/ctlsrv.c starts and cancels; master/sup.c hands in the
 * workers' answers. Threads: none. */
#ifndef WF_CHANRANK_H
#define WF_CHANRANK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "chantop.h"

#define WF_CHANRANK_WAIT_MS 1000 /* workers that take longer are left out */
#define WF_CHANRANK_PENDING 4    /* requests at once */

typedef struct wf_chanrank_info {
    size_t asked;          /* live workers asked */
    size_t answered;       /* of them, answered in time */
    int complete;          /* every worker listed all its channels */
    uint64_t channels_sum; /* sum of the workers' channel counts */
} wf_chanrank_info_t;

/* v[0..n): the ranking, busiest first; valid during the call only. */
typedef void (*wf_chanrank_done_t)(void *arg, const wf_chantop_ent_t *v,
                                   size_t n, const wf_chanrank_info_t *info);

/* Start a ranking of the top channels; done runs from the loop (never from
 * inside this call) with the result. Returns 0 with its id in *id, or
 * WF_ELIMIT when WF_CHANRANK_PENDING are already under way. */
int wf_chanrank_start(struct ev_loop *loop, size_t top, wf_chanrank_done_t done,
                      void *arg, uint32_t *id);
/* Forget request id: done will not run (its client went away). */
void wf_chanrank_cancel(uint32_t id);
/* A WF_IPC_CHANTOP_PART message from worker pid. */
void wf_chanrank_part(pid_t pid, const char *payload, size_t len);

#endif
