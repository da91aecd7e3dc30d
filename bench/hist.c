/* hist.c - log-linear latency histogram (see hist.h). */
#include "config.h"

#include <string.h>

#include "hist.h"


void
wb_hist_init(wb_hist_t *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}


/* Values below 2^SUB_BITS have a bucket each. Above, a value with its top
 * bit at position e keeps its SUB_BITS leading bits: the lower half of
 * those (the top bit is always set) picks one of HALF linear sub-buckets
 * of octave e. */
unsigned
wb_hist_index(uint64_t v)
{
    unsigned e, shift;

    if (v < WB_HIST_SUB)
        return (unsigned)v;
    if (v >> WB_HIST_MAX_BITS)
        return WB_HIST_BUCKETS - 1;
    e = 63 - (unsigned)__builtin_clzll(v);
    shift = e - (WB_HIST_SUB_BITS - 1);
    return WB_HIST_SUB + (shift - 1) * WB_HIST_HALF +
           (unsigned)((v >> shift) - WB_HIST_HALF);
}


uint64_t
wb_hist_lowest(unsigned i)
{
    unsigned shift;

    if (i < WB_HIST_SUB)
        return i;
    shift = (i - WB_HIST_SUB) / WB_HIST_HALF + 1;
    return (uint64_t)(WB_HIST_HALF + (i - WB_HIST_SUB) % WB_HIST_HALF) << shift;
}


uint64_t
wb_hist_highest(unsigned i)
{
    unsigned shift;

    if (i < WB_HIST_SUB)
        return i;
    shift = (i - WB_HIST_SUB) / WB_HIST_HALF + 1;
    return wb_hist_lowest(i) + ((uint64_t)1 << shift) - 1;
}


void
wb_hist_record(wb_hist_t *h, uint64_t v)
{
    h->b[wb_hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    if (v >> WB_HIST_MAX_BITS)
        h->overflow++;
}


void
wb_hist_merge(wb_hist_t *dst, const wb_hist_t *src)
{
    size_t i;

    if (src->count == 0)
        return;
    for (i = 0; i < WB_HIST_BUCKETS; i++)
        dst->b[i] += src->b[i];
    dst->count += src->count;
    dst->sum += src->sum;
    dst->overflow += src->overflow;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}


uint64_t
wb_hist_quantile(const wb_hist_t *h, double q)
{
    uint64_t rank, seen = 0, v;
    size_t i;

    if (h->count == 0)
        return 0;
    if (q >= 1.0)
        return h->max;
    if (q <= 0.0)
        return h->min;
    /* Nearest rank: ceil(q * count), at least 1. The small epsilon keeps
     * 0.99 * 1000 from becoming 991 through rounding. */
    rank = (uint64_t)(q * (double)h->count - 1e-9);
    if ((double)rank < q * (double)h->count - 1e-9)
        rank++;
    if (rank < 1)
        rank = 1;
    for (i = 0; i < WB_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank)
            break;
    }
    if (i == WB_HIST_BUCKETS)
        return h->max;
    v = wb_hist_highest((unsigned)i);
    if (v > h->max)
        v = h->max;
    if (v < h->min)
        v = h->min;
    return v;
}


double
wb_hist_mean(const wb_hist_t *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}
