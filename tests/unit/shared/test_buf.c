/* test_buf.c - the byte buffer: growth, consumption, limits, idle memory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"


static void
test_empty_holds_no_memory(void **state)
{
    wf_buf_t b = WF_BUF_INIT;

    assert_null(b.data);
    assert_int_equal(wf_buf_avail(&b), 0);
    wf_buf_append(&b, "", 0);
    assert_null(b.data);
    wf_buf_free(&b);
}


static void
test_append_consume_order(void **state)
{
    wf_buf_t b = WF_BUF_INIT;
    char expect[10000];

    for (int i = 0; i < 10000; i++) {
        char ch = (char)('a' + i % 26);

        expect[i] = ch;
        wf_buf_append(&b, &ch, 1);
    }
    assert_int_equal(wf_buf_avail(&b), 10000);
    assert_memory_equal(wf_buf_head(&b), expect, 10000);
    wf_buf_consume(&b, 9000);
    assert_int_equal(wf_buf_avail(&b), 1000);
    assert_memory_equal(wf_buf_head(&b), expect + 9000, 1000);
    /* Consuming everything resets the offsets: space is reused. */
    wf_buf_consume(&b, 5000);
    assert_int_equal(wf_buf_avail(&b), 0);
    assert_int_equal(b.off, 0);
    assert_int_equal(b.len, 0);
    wf_buf_free(&b);
}


static void
test_reserve_slides_before_growing(void **state)
{
    wf_buf_t b = WF_BUF_INIT;
    size_t cap;

    wf_buf_append(&b, "0123456789", 10);
    cap = b.cap;
    wf_buf_consume(&b, 8);
    /* Reserving what fits after sliding the 2 unread bytes must not grow. */
    wf_buf_reserve(&b, cap - 2);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.off, 0);
    assert_memory_equal(wf_buf_head(&b), "89", 2);
    wf_buf_free(&b);
}


static void
test_reserve_max_limit(void **state)
{
    wf_buf_t b = WF_BUF_INIT;

    assert_non_null(wf_buf_reserve_max(&b, 100, 100));
    wf_buf_commit(&b, 60);
    assert_null(wf_buf_reserve_max(&b, 41, 100));
    assert_non_null(wf_buf_reserve_max(&b, 40, 100));
    assert_null(wf_buf_reserve_max(&b, SIZE_MAX, 100));
    wf_buf_free(&b);
}


static void
test_printf_and_shrink(void **state)
{
    wf_buf_t b = WF_BUF_INIT;

    wf_buf_printf(&b, "%d-%s", 42, "x");
    wf_buf_printf(&b, "%0300d", 7);
    assert_int_equal(wf_buf_avail(&b), 4 + 300);
    assert_memory_equal(wf_buf_head(&b), "42-x000", 7);
    wf_buf_shrink(&b); /* not empty: keeps memory */
    assert_non_null(b.data);
    wf_buf_consume(&b, wf_buf_avail(&b));
    wf_buf_shrink(&b);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_holds_no_memory),
        cmocka_unit_test(test_append_consume_order),
        cmocka_unit_test(test_reserve_slides_before_growing),
        cmocka_unit_test(test_reserve_max_limit),
        cmocka_unit_test(test_printf_and_shrink),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
