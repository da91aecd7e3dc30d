/* test_tq.c - timeout queues: ordering, re-arming, removal, expiry. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tq.h"


static void
test_expire_in_order(void **state)
{
    wf_tq_t q;
    wf_tq_node_t n[3] = {{0}};

    wf_tq_init(&q, 100);
    assert_int_equal(wf_tq_next_deadline(&q), UINT64_MAX);
    wf_tq_push(&q, &n[0], 1000);
    wf_tq_push(&q, &n[1], 1010);
    wf_tq_push(&q, &n[2], 1020);
    assert_int_equal(q.count, 3);
    assert_int_equal(wf_tq_next_deadline(&q), 1100);
    assert_null(wf_tq_expired(&q, 1099));
    assert_ptr_equal(wf_tq_expired(&q, 1100), &n[0]);
    wf_tq_remove(&q, &n[0]);
    assert_false(wf_tq_queued(&n[0]));
    assert_ptr_equal(wf_tq_expired(&q, 5000), &n[1]);
}


static void
test_rearm_moves_to_tail(void **state)
{
    wf_tq_t q;
    wf_tq_node_t a = {0}, b = {0};

    wf_tq_init(&q, 50);
    wf_tq_push(&q, &a, 0);
    wf_tq_push(&q, &b, 10);
    wf_tq_push(&q, &a, 20); /* activity on a */
    assert_int_equal(q.count, 2);
    assert_ptr_equal(wf_tq_expired(&q, 60), &b);
    wf_tq_remove(&q, &b);
    assert_null(wf_tq_expired(&q, 60));
    assert_ptr_equal(wf_tq_expired(&q, 70), &a);
    wf_tq_remove(&q, &a);
    wf_tq_remove(&q, &a); /* twice is a no-op */
    assert_int_equal(q.count, 0);
    assert_int_equal(wf_tq_next_deadline(&q), UINT64_MAX);
}


static void
test_many_nodes(void **state)
{
    enum { N = 100000 };
    static wf_tq_node_t n[N];
    wf_tq_t q;
    size_t expired = 0;
    wf_tq_node_t *e;

    wf_tq_init(&q, 1000);
    for (size_t i = 0; i < N; i++)
        wf_tq_push(&q, &n[i], i / 10);
    /* Re-arm every other node later: they must expire last. */
    for (size_t i = 0; i < N; i += 2)
        wf_tq_push(&q, &n[i], 20000);
    while ((e = wf_tq_expired(&q, 20000)) != NULL) {
        assert_true((e - n) % 2 == 1);
        wf_tq_remove(&q, e);
        expired++;
    }
    assert_int_equal(expired, N / 2);
    assert_int_equal(q.count, N / 2);
    assert_int_equal(wf_tq_next_deadline(&q), 21000);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expire_in_order),
        cmocka_unit_test(test_rearm_moves_to_tail),
        cmocka_unit_test(test_many_nodes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
