/* chantop.h - "channels by subscribers" across workers: the IPC messages
 * that carry one worker's busiest channels to the master, and the merge of
 * the workers' lists into one ranking.
 *
 * Each worker holds its own channel registry, so no process knows a
 * channel's total. On `wsfanctl channels` the master asks every worker
 * (WF_IPC_CHANTOP); each answers with its k busiest channels and their
 * local subscriber counts (WF_IPC_CHANTOP_PART messages, the last one
 * flagged). A worker that listed fewer channels than it holds also says
 * its "floor": no channel it left out has more subscribers than that. The
 * merge sums a channel's counts over the workers that listed it; the sum
 * is exact when every other worker listed all its channels, and otherwise
 * a lower bound whose gap is at most the sum of those workers' floors.
 * Owner: worker/wrk.c encodes, master/chanrank.c decodes and merges.
 * Threads: none. */
#ifndef WF_CHANTOP_H
#define WF_CHANTOP_H

#include <stddef.h>
#include <stdint.h>

#define WF_CHANTOP_MAX 1000        /* channels a worker lists at most */
#define WF_CHANTOP_BYTES (32 << 10) /* and bytes of names, in all parts */

/* WF_IPC_CHANTOP, master -> worker. */
typedef struct wf_chantop_req {
    uint32_t id; /* echoed in the parts */
    uint32_t k;  /* list this many channels at most */
} wf_chantop_req_t;

/* WF_IPC_CHANTOP_PART, worker -> master: this header, then n entries, each
 * a uint32_t subscriber count (host order, unaligned), a uint8_t name
 * length and the name. */
typedef struct wf_chantop_part {
    uint32_t id;
    uint16_t last;     /* 1 on the worker's final part */
    uint16_t n;        /* entries in this part */
    uint64_t channels; /* channels with subscribers in the worker */
    uint32_t floor;    /* last part: 0 if every channel was listed, else
                          the most subscribers an unlisted one may have */
    uint32_t pad;
} wf_chantop_part_t;

/* One channel in a worker's list, or in the merged ranking. */
typedef struct wf_chantop_ent {
    const char *name;
    size_t len;
    uint64_t subs;
    /* merged only: the most the true total can exceed subs by (0: exact),
     * or UINT64_MAX when a worker did not answer */
    uint64_t slack;
} wf_chantop_ent_t;

/* Worker: send v[0..n) (busiest first; names at most 255 bytes) to fd as
 * parts of request id; channels is the worker's channel count. Entries
 * past WF_CHANTOP_BYTES of names are left out (and the floor says so).
 * Returns 0 or what wf_ipc_send() returned. */
int wf_chantop_send(int fd, uint32_t id, const wf_chantop_ent_t *v, size_t n,
                    uint64_t channels);

/* Master: one worker's answer, assembled from its parts. */
typedef struct wf_chantop_list {
    wf_chantop_ent_t *v; /* names point into parts' copies (see below) */
    size_t n;
    uint64_t channels;
    uint32_t floor;
    int done;     /* the last part came */
    int answered; /* 0: the worker did not answer (in time) */
    char **bufs;  /* the copied part payloads the names point into */
    size_t nbufs;
} wf_chantop_list_t;

/* Master: add part payload[0..len) to l. Returns 0, WF_EPROTO when it is
 * malformed (l is then unchanged). Sets l->done on the last part. The
 * request id is not checked here: see wf_chantop_part_id(). */
int wf_chantop_add(wf_chantop_list_t *l, const char *payload, size_t len);
/* The request id of a part, or 0 when payload is too short for one. */
uint32_t wf_chantop_part_id(const char *payload, size_t len);
void wf_chantop_list_free(wf_chantop_list_t *l);

/* Merge the lists of nl workers (unanswered ones count as unknown) into
 * the top at most `top` channels by summed subscribers, busiest first,
 * ties by name, in *out (caller frees the array; names point into the
 * lists). Returns how many. *complete is set to 1 when every worker
 * answered and listed all its channels: then the ranking is the whole
 * truth. */
size_t wf_chantop_merge(const wf_chantop_list_t *l, size_t nl, size_t top,
                        wf_chantop_ent_t **out, int *complete);

#endif
