/* chanrank.c - gather the workers' busiest channels for wsfanctl channels
 * (see chanrank.h). A request lives until every asked worker sent its
 * last part or WF_CHANRANK_WAIT_MS passed; then it is merged and answered.
 * Workers asked are those alive at the start, of every generation (an old
 * generation's draining clients still count). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chanrank.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "sup.h"
#include "x.h"

typedef struct chanrank_req {
    uint32_t id; /* 0: slot free */
    size_t top;
    struct ev_loop *loop;
    ev_timer tmo;
    ev_idle now; /* answers from the loop when nobody has to be asked */
    pid_t *pids;
    wf_chantop_list_t *lists;
    size_t n, waiting;
    wf_chanrank_done_t done;
    void *arg;
} chanrank_req_t;

static chanrank_req_t reqs[WF_CHANRANK_PENDING];
static uint32_t next_id = 1;


static void
chanrank_free(chanrank_req_t *r)
{
    ev_timer_stop(r->loop, &r->tmo);
    ev_idle_stop(r->loop, &r->now);
    for (size_t i = 0; i < r->n; i++)
        wf_chantop_list_free(&r->lists[i]);
    free(r->lists);
    free(r->pids);
    memset(r, 0, sizeof(*r));
}


static void
chanrank_finish(chanrank_req_t *r)
{
    wf_chanrank_info_t info = {.asked = r->n};
    wf_chantop_ent_t *v;
    size_t n;

    for (size_t i = 0; i < r->n; i++) {
        /* A worker cut short (gone mid-answer) is as good as silent. */
        r->lists[i].answered = r->lists[i].done;
        info.answered += r->lists[i].done;
        info.channels_sum += r->lists[i].done ? r->lists[i].channels : 0;
    }
    n = wf_chantop_merge(r->lists, r->n, r->top, &v, &info.complete);
    if (info.answered < info.asked)
        wf_log(WF_LOG_WARNING, "channels: %zu of %zu workers did not answer "
                               "within %d ms",
               info.asked - info.answered, info.asked, WF_CHANRANK_WAIT_MS);
    r->done(r->arg, v, n, &info);
    free(v);
    chanrank_free(r);
}


static void
chanrank_on_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    chanrank_finish(WF_CONTAINER_OF(t, chanrank_req_t, tmo));
}


static void
chanrank_on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
    chanrank_finish(WF_CONTAINER_OF(w, chanrank_req_t, now));
}


int
wf_chanrank_start(struct ev_loop *loop, size_t top, wf_chanrank_done_t done,
                  void *arg, uint32_t *id)
{
    chanrank_req_t *r = NULL;
    wf_chantop_req_t q = {.k = WF_CHANTOP_MAX};
    wf_sup_winfo_t *wv;
    size_t nw;

    for (size_t i = 0; i < WF_CHANRANK_PENDING && r == NULL; i++)
        if (reqs[i].id == 0)
            r = &reqs[i];
    if (r == NULL)
        return WF_ELIMIT;
    if (next_id == 0)
        next_id = 1;
    r->id = q.id = next_id++;
    r->top = top;
    r->loop = loop;
    r->done = done;
    r->arg = arg;
    nw = wf_sup_workers(&wv);
    r->pids = wf_xcalloc(nw + 1, sizeof(*r->pids));
    r->lists = wf_xcalloc(nw + 1, sizeof(*r->lists));
    for (size_t i = 0; i < nw; i++) {
        if (wf_sup_send(wv[i].pid, WF_IPC_CHANTOP, &q, sizeof(q)) != 0)
            continue;
        r->pids[r->n++] = wv[i].pid;
    }
    free(wv);
    r->waiting = r->n;
    ev_timer_init(&r->tmo, chanrank_on_timeout, WF_CHANRANK_WAIT_MS / 1e3, 0.);
    ev_idle_init(&r->now, chanrank_on_idle);
    if (r->n > 0)
        ev_timer_start(loop, &r->tmo);
    else
        ev_idle_start(loop, &r->now);
    *id = r->id;
    return 0;
}


void
wf_chanrank_cancel(uint32_t id)
{
    for (size_t i = 0; i < WF_CHANRANK_PENDING; i++)
        if (id != 0 && reqs[i].id == id)
            chanrank_free(&reqs[i]);
}


void
wf_chanrank_part(pid_t pid, const char *payload, size_t len)
{
    uint32_t id = wf_chantop_part_id(payload, len);

    for (size_t i = 0; i < WF_CHANRANK_PENDING; i++) {
        chanrank_req_t *r = &reqs[i];

        if (id == 0 || r->id != id)
            continue;
        for (size_t j = 0; j < r->n; j++) {
            wf_chantop_list_t *l = &r->lists[j];

            if (r->pids[j] != pid || l->done)
                continue;
            if (wf_chantop_add(l, payload, len) != 0) {
                wf_log(WF_LOG_WARNING, "channels: malformed answer from "
                                       "worker pid %ld",
                       (long)pid);
                r->pids[j] = 0; /* ignore the rest of it */
                l->done = 0;
            }
            if (l->done || r->pids[j] == 0)
                r->waiting--;
            if (r->waiting == 0)
                chanrank_finish(r);
            return;
        }
    }
}
