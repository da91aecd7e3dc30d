/* test_uring.c - the bench's batched reads (bench/uring.c) on real
 * loopback TCP connections: each read gets its own socket's bytes, an
 * empty socket answers -EAGAIN at once (the batch never blocks), a closed
 * peer reads as 0, and a batch can be run again and again. Skipped where
 * the kernel refuses io_uring (the bench then reads with read()). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "uring.h"

enum { N = WB_URING_MAX };

static int srv[N], cli[N];
static int res[N];
static unsigned calls;


static int
setup(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(l, N) != 0 || getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    for (int i = 0; i < N; i++) {
        cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(cli[i], (struct sockaddr *)&a, sizeof(a)) != 0 &&
            errno != EINPROGRESS)
            return -1;
        srv[i] = accept(l, NULL, NULL);
        if (srv[i] < 0)
            return -1;
    }
    close(l);
    return 0;
}


static int
teardown(void **state)
{
    for (int i = 0; i < N; i++) {
        close(srv[i]);
        if (cli[i] >= 0)
            close(cli[i]);
    }
    return 0;
}


static void
on_res(void *arg, uint64_t tag, int r)
{
    assert_true(tag < N);
    res[tag] = r;
    calls++;
}


static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static void
test_batches(void **state)
{
    static char buf[N][64];
    wb_uring_t *u = wb_uring_init();
    char want[64];
    double t0;

    if (u == NULL)
        skip(); /* no io_uring here: the bench uses read() */
    /* Every other socket has data; the rest are empty. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i += 2) {
            int n = snprintf(want, sizeof(want), "r%d s%d", round, i);

            assert_int_equal(write(srv[i], want, (size_t)n), n);
        }
        usleep(10000);
        calls = 0;
        for (int i = 0; i < N; i++)
            wb_uring_recv(u, cli[i], buf[i], sizeof(buf[i]), (uint64_t)i);
        t0 = now_s();
        assert_int_equal(wb_uring_run(u, on_res, NULL), 0);
        assert_true(now_s() - t0 < 0.5); /* the empty ones did not wait */
        assert_int_equal(calls, N);
        for (int i = 0; i < N; i++) {
            if (i % 2) {
                assert_int_equal(res[i], -EAGAIN);
                continue;
            }
            int n = snprintf(want, sizeof(want), "r%d s%d", round, i);

            assert_int_equal(res[i], n);
            assert_memory_equal(buf[i], want, (size_t)n);
        }
    }
    /* A peer that closed reads as end of file. */
    close(srv[5]);
    srv[5] = socket(AF_INET, SOCK_STREAM, 0); /* closed again at teardown */
    usleep(10000);
    wb_uring_recv(u, cli[5], buf[5], sizeof(buf[5]), 5);
    assert_int_equal(wb_uring_run(u, on_res, NULL), 0);
    assert_int_equal(res[5], 0);
    /* An empty batch is nothing. */
    calls = 0;
    assert_int_equal(wb_uring_run(u, on_res, NULL), 0);
    assert_int_equal(calls, 0);
    wb_uring_free(u);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
