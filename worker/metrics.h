/* metrics.h - this worker's statistics: copied from the modules' counters
 * into its shared-memory record every 250 ms (also the loop heartbeat the
 * master watches for hangs), and GET /metrics rendered as Prometheus text
 * from all records of the instance.
 * Owner: the worker. Threads: none. */
#ifndef WF_METRICS_H
#define WF_METRICS_H

#include <ev.h>

#include "buf.h"
#include "stats.h"

/* Start publishing into me (a record of all). Both may be NULL (a worker
 * run without a master, as in tests): then only /metrics of this process
 * is empty. */
void wf_metrics_init(struct ev_loop *loop, wf_stats_t *all,
                     wf_stats_proc_t *me);
void wf_metrics_cleanup(void);

/* Copy the counters now (also done by the timer). */
void wf_metrics_publish(void);

/* Beat the loop heartbeat now: for long stretches of work inside one loop
 * iteration (flushing a message to 20,000 connections on a starved CPU
 * can take seconds), so the master does not take a busy worker for a
 * hung one. */
void wf_metrics_beat(void);

/* Append the Prometheus text exposition of the whole instance to out. */
void wf_metrics_render(wf_buf_t *out);

#endif
