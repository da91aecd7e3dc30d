/* test_payload.c - the bench's fanout message (built, wrapped the way
 * wsfan delivers it or bare as nchan does, parsed back), loss/duplicate/
 * order tracking, the channel arithmetic, and counting Redis replies
 * split anywhere. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload.h"
#include "redis.h"


static void
test_fan_round_trip(void **state)
{
    char data[2048], msg[4096];
    size_t sizes[] = {0, 10, 64, 128, 1000}, i, n;
    uint64_t seq, t;
    long ch;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        n = wb_fan_build(data, sizeof(data), 42, 1234567, 987654321012ULL,
                         sizes[i]);
        assert_true(n > 0);
        if (sizes[i] > 60)
            assert_int_equal(n, sizes[i]);
        assert_int_equal(data[0], '{');
        assert_int_equal(data[n - 1], '}');
        snprintf(msg, sizeof(msg), "{\"ch\":\"bench42\",\"data\":%.*s}", (int)n,
                 data);
        assert_int_equal(
            wb_fan_parse((const uint8_t *)msg, strlen(msg), &ch, &seq, &t), 0);
        assert_int_equal(ch, 42);
        assert_int_equal(seq, 1234567);
        assert_int_equal(t, 987654321012ULL);
        /* nchan delivers the published body itself, no envelope */
        assert_int_equal(wb_fan_parse((const uint8_t *)data, n, &ch, &seq, &t),
                         0);
        assert_int_equal(ch, 42);
        assert_int_equal(seq, 1234567);
    }
    assert_int_equal(wb_fan_build(data, 10, 1, 2, 3, 100), 0);
    assert_int_equal(wb_fan_parse((const uint8_t *)"{\"op\":\"welcome\"}", 16,
                                  &ch, &seq, &t),
                     -1);
}


static void
test_seq_tracking(void **state)
{
    uint64_t next = 0, win = 0;

    assert_int_equal(wb_seq_note(&next, &win, 0), WB_SEEN_NEW);
    assert_int_equal(wb_seq_note(&next, &win, 1), WB_SEEN_NEW);
    assert_int_equal(wb_seq_note(&next, &win, 1), WB_SEEN_DUP);
    assert_int_equal(wb_seq_note(&next, &win, 5), WB_SEEN_NEW); /* gap */
    assert_int_equal(wb_seq_note(&next, &win, 3), WB_SEEN_LATE_NEW);
    assert_int_equal(wb_seq_note(&next, &win, 3), WB_SEEN_DUP);
    assert_int_equal(wb_seq_note(&next, &win, 0), WB_SEEN_DUP);
    assert_int_equal(wb_seq_note(&next, &win, 200), WB_SEEN_NEW);
    assert_int_equal(wb_seq_note(&next, &win, 4), WB_SEEN_OLD);
    assert_int_equal(wb_seq_note(&next, &win, 199), WB_SEEN_LATE_NEW);
    assert_int_equal(wb_seq_note(&next, &win, 200), WB_SEEN_DUP);
    assert_int_equal(next, 201);
}


static void
test_payload_fill(void **state)
{
    uint8_t a[1000], b[1000];
    size_t i;

    wb_payload_fill(a, sizeof(a), 1, 7);
    wb_payload_fill(b, sizeof(b), 1, 7);
    assert_memory_equal(a, b, sizeof(a)); /* deterministic */
    for (i = 0; i < sizeof(a); i++)
        assert_true((a[i] >= 'a' && a[i] <= 'z') || a[i] == ' ');
    wb_payload_fill(a, 13, 0, 7); /* binary, odd length */
}


static void
test_redis_replies_split(void **state)
{
    const char *s = ":3\r\n:0\r\n+OK\r\n-ERR no\r\n$2\r\nab\r\n:12\r\n";
    size_t n = strlen(s), cut;

    for (cut = 0; cut <= n; cut++) {
        wb_redis_t r;
        long used;
        char buf[128];
        size_t have;

        memset(&r, 0, sizeof(r));
        r.pending = 6;
        used = wb_redis_parse(&r, (const uint8_t *)s, cut);
        assert_true(used >= 0 && (size_t)used <= cut);
        have = cut - (size_t)used;
        memcpy(buf, s + used, have);
        memcpy(buf + have, s + cut, n - cut);
        assert_int_equal(
            wb_redis_parse(&r, (const uint8_t *)buf, have + n - cut),
            (long)(have + n - cut));
        assert_int_equal(r.ok, 5);
        assert_int_equal(r.errors, 1);
        assert_int_equal(r.receivers, 15);
        assert_int_equal(r.pending, 0);
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fan_round_trip),
        cmocka_unit_test(test_seq_tracking),
        cmocka_unit_test(test_payload_fill),
        cmocka_unit_test(test_redis_replies_split),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
