/* test_hist.c - the bench's latency histogram: bucket arithmetic,
 * percentiles against a brute-force sort, and merging across processes
 * giving exactly what one histogram of all the values gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

static uint64_t rng = 88172645463325252ULL;


static uint64_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}


/* A latency-like value: mostly tens of microseconds, a tail to seconds. */
static uint64_t
sample(int dist)
{
    switch (dist) {
    case 0:
        return next() % 200; /* the exact range */
    case 1:
        return 20000 + next() % 80000;
    default:
        return (next() % 1000 + 1) << (next() % 30);
    }
}


static void
test_buckets(void **state)
{
    uint64_t v, prev_idx = 0;
    unsigned i;

    assert_int_equal(wb_hist_index(0), 0);
    assert_int_equal(wb_hist_index(255), 255);
    assert_int_equal(wb_hist_index(256), 256);
    assert_int_equal(wb_hist_index(257), 256);
    assert_int_equal(wb_hist_index((1ULL << 40) - 1), WB_HIST_BUCKETS - 1);
    assert_int_equal(wb_hist_index(UINT64_MAX), WB_HIST_BUCKETS - 1);
    for (i = 0; i < WB_HIST_BUCKETS; i++) {
        assert_int_equal(wb_hist_index(wb_hist_lowest(i)), i);
        assert_int_equal(wb_hist_index(wb_hist_highest(i)), i);
        if (i > 0)
            assert_int_equal(wb_hist_lowest(i), wb_hist_highest(i - 1) + 1);
        /* Relative width below 1/128 above the exact range. */
        if (i >= WB_HIST_SUB)
            assert_true((wb_hist_highest(i) - wb_hist_lowest(i)) * 128 <=
                        wb_hist_lowest(i));
    }
    for (v = 1; v < (1ULL << 40); v = v * 3 / 2 + 1) {
        assert_true(wb_hist_index(v) >= prev_idx);
        prev_idx = wb_hist_index(v);
    }
}


static void
test_empty_and_single(void **state)
{
    wb_hist_t h;

    wb_hist_init(&h);
    assert_int_equal(wb_hist_quantile(&h, 0.5), 0);
    assert_true(wb_hist_mean(&h) == 0.0);
    wb_hist_record(&h, 123456);
    assert_int_equal(wb_hist_quantile(&h, 0.5), 123456);
    assert_int_equal(wb_hist_quantile(&h, 0.999), 123456);
    assert_int_equal(wb_hist_quantile(&h, 1.0), 123456);
    assert_int_equal(h.min, 123456);
    assert_int_equal(h.max, 123456);
}


/* Check the histogram's quantiles against the sorted values. */
static void
check_quantiles(const wb_hist_t *h, uint64_t *v, size_t n)
{
    static const double qs[] = {0.001, 0.25,  0.5,    0.9,
                                0.99,  0.999, 0.9999, 1.0};
    size_t i, rank;

    qsort(v, n, sizeof(*v), cmp_u64);
    assert_int_equal(h->count, n);
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->max, v[n - 1]);
    for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        uint64_t want, got;

        /* nearest rank, ceil(q * n), with the histogram's allowance for
         * rounding (0.9 * 10 is 9.000000000000002) */
        double x = qs[i] * (double)n - 1e-9;

        rank = (size_t)x;
        if ((double)rank < x)
            rank++;
        if (rank < 1)
            rank = 1;
        want = v[rank - 1];
        got = wb_hist_quantile(h, qs[i]);
        /* Same bucket as the true value, never below it, and within the
         * histogram's precision. */
        assert_int_equal(wb_hist_index(got), wb_hist_index(want));
        assert_true(got >= want);
        assert_true(got - want <= want / 128 + 1);
        if (qs[i] == 1.0)
            assert_int_equal(got, v[n - 1]);
    }
}


static void
test_quantiles_vs_sort(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 10, 99, 1000, 12345, 100000};
    size_t s, i;
    int dist;

    for (dist = 0; dist < 3; dist++) {
        for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            size_t n = sizes[s];
            uint64_t *v = malloc(n * sizeof(*v));
            wb_hist_t *h = malloc(sizeof(*h));

            assert_non_null(v);
            assert_non_null(h);
            wb_hist_init(h);
            for (i = 0; i < n; i++) {
                v[i] = sample(dist);
                wb_hist_record(h, v[i]);
            }
            check_quantiles(h, v, n);
            free(v);
            free(h);
        }
    }
}


static void
test_merge(void **state)
{
    enum { N = 50000, P = 7 };
    wb_hist_t *part = calloc(P, sizeof(wb_hist_t));
    wb_hist_t *all = malloc(sizeof(wb_hist_t));
    wb_hist_t *merged = malloc(sizeof(wb_hist_t));
    uint64_t *v = malloc(N * sizeof(uint64_t));
    size_t i;

    assert_non_null(part);
    assert_non_null(all);
    assert_non_null(merged);
    assert_non_null(v);
    for (i = 0; i < P; i++)
        wb_hist_init(&part[i]);
    wb_hist_init(all);
    wb_hist_init(merged);
    for (i = 0; i < N; i++) {
        v[i] = sample((int)(next() % 3));
        wb_hist_record(all, v[i]);
        /* Skewed: some parts get most values, one gets none. */
        wb_hist_record(&part[next() % 3 == 0 ? next() % (P - 1) : 0], v[i]);
    }
    assert_int_equal(part[P - 1].count, 0);
    for (i = 0; i < P; i++)
        wb_hist_merge(merged, &part[i]);
    assert_memory_equal(merged, all, sizeof(*all));
    check_quantiles(merged, v, N);
    free(part);
    free(all);
    free(merged);
    free(v);
}


static void
test_overflow_counted(void **state)
{
    wb_hist_t h;

    wb_hist_init(&h);
    wb_hist_record(&h, 1ULL << 45);
    wb_hist_record(&h, 10);
    assert_int_equal(h.overflow, 1);
    assert_int_equal(wb_hist_quantile(&h, 1.0), 1ULL << 45);
    assert_int_equal(wb_hist_quantile(&h, 0.5), 10);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_quantiles_vs_sort),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_overflow_counted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
