/* hist.h - a log-linear latency histogram in the manner of HdrHistogram:
 * exact below 256 ns, then 128 linear sub-buckets per power of two, so a
 * recorded value is known to within 1/128 (0.8%) up to 2^40 ns (18 min).
 * Fixed size and position-independent (no pointers), so a process can
 * write one down a pipe or keep it in shared memory, and another can merge
 * it bucket by bucket.
 * Owner: whoever embeds it; nothing inside needs freeing.
 * Threads: one writer. A reader in another process (the progress line)
 * may see a count in flight; final results travel through a pipe. */
#ifndef WB_HIST_H
#define WB_HIST_H

#include <stddef.h>
#include <stdint.h>

#define WB_HIST_SUB_BITS 8 /* 256 exact values */
#define WB_HIST_SUB (1u << WB_HIST_SUB_BITS)
#define WB_HIST_HALF (WB_HIST_SUB / 2)
#define WB_HIST_MAX_BITS 40 /* values < 2^40 ns */
#define WB_HIST_BUCKETS                                                        \
    (WB_HIST_SUB + (WB_HIST_MAX_BITS - WB_HIST_SUB_BITS) * WB_HIST_HALF)

typedef struct wb_hist {
    uint64_t count;    /* values recorded */
    uint64_t min, max; /* exact; min is UINT64_MAX while empty */
    uint64_t sum;      /* for the mean; wraps after 584 years of ns */
    uint64_t overflow; /* values >= 2^40, counted in the last bucket */
    uint64_t b[WB_HIST_BUCKETS];
} wb_hist_t;

/* Empty h. */
void wb_hist_init(wb_hist_t *h);

/* Count one value (ns, or any unit the caller keeps to). */
void wb_hist_record(wb_hist_t *h, uint64_t v);

/* Add every count of src to dst: dst then holds both runs. */
void wb_hist_merge(wb_hist_t *dst, const wb_hist_t *src);

/* The value at quantile q (0..1] by nearest rank: the highest value
 * equivalent to the bucket holding the ceil(q*count)-th smallest value,
 * clamped to [min, max]; q >= 1 gives max exactly. 0 when empty. */
uint64_t wb_hist_quantile(const wb_hist_t *h, double q);

/* Mean of the recorded values; 0 when empty. */
double wb_hist_mean(const wb_hist_t *h);

/* Bucket arithmetic, exported for the tests: the bucket of v and the
 * lowest and highest values that land in bucket i. */
unsigned wb_hist_index(uint64_t v);
uint64_t wb_hist_lowest(unsigned i);
uint64_t wb_hist_highest(unsigned i);

#endif
