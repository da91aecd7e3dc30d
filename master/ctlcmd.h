/* ctlcmd.h - the answers of the control socket's read-only commands
 * (status, stats, workers, channels, config) and of a finished reload,
 * rendered as one JSON response line from the supervisor's state and the
 * shared-memory statistics. The fields are documented, and stable, in
 * docs/control-protocol.md.
 * Owner: master/ctlsrv.c calls in; out is the caller's. Threads: none. */
#ifndef WF_CTLCMD_H
#define WF_CTLCMD_H

#include <stdint.h>

#include "buf.h"
#include "chanrank.h"

/* Each appends one complete response line to out. */
void wf_ctlcmd_status(wf_buf_t *out);
void wf_ctlcmd_stats(wf_buf_t *out);
void wf_ctlcmd_workers(wf_buf_t *out);
void wf_ctlcmd_config(wf_buf_t *out);

/* channels: the merged ranking v[0..n) of the top channels. */
void wf_ctlcmd_channels(wf_buf_t *out, int64_t top, const wf_chantop_ent_t *v,
                        size_t n, const wf_chanrank_info_t *info);

/* reload, once generation gen serves (err NULL) or did not in time. */
void wf_ctlcmd_reloaded(wf_buf_t *out, unsigned gen, const char *err);

#endif
