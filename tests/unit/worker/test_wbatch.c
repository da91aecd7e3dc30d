/* test_wbatch.c - batched socket writes (worker/wbatch.c) on real loopback
 * TCP connections, through io_uring (when the kernel allows it) and
 * through the writev() loop: every byte arrives, in order, on the right
 * socket; a full socket answers -EAGAIN and costs the others nothing; a
 * socket whose peer is gone answers an error; a socket with little room
 * takes part of its write. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wbatch.h"

enum { NPAIR = WF_WBATCH_MAX };

static int srv[NPAIR], cli[NPAIR];


/* NPAIR loopback TCP connections: srv[i] non-blocking (as the worker's
 * are), cli[i] the reading end. */
static int
pairs_open(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);

    signal(SIGPIPE, SIG_IGN); /* as in the worker */
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(l, NPAIR) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    for (int i = 0; i < NPAIR; i++) {
        cli[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cli[i], (struct sockaddr *)&a, sizeof(a)) != 0)
            return -1;
        srv[i] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
        if (srv[i] < 0)
            return -1;
    }
    close(l);
    return 0;
}


static int
pairs_close(void **state)
{
    for (int i = 0; i < NPAIR; i++) {
        close(srv[i]);
        close(cli[i]);
    }
    wf_wbatch_cleanup();
    return 0;
}


static void
read_exact(int fd, char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);

        assert_true(r > 0);
        p += r;
        n -= (size_t)r;
    }
}


/* Two rounds of a batch over every connection, two iovecs each with the
 * socket's own bytes: each reader gets exactly its own, in order. */
static void
every_byte_in_place(void)
{
    static struct iovec iov[NPAIR][2];
    static char head[NPAIR][16], body[NPAIR][40];
    wf_wbatch_op_t ops[NPAIR];

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < NPAIR; i++) {
            snprintf(head[i], sizeof(head[i]), "[%d:%d]", round, i);
            memset(body[i], 'a' + (i + round) % 26, sizeof(body[i]));
            iov[i][0] = (struct iovec){head[i], strlen(head[i])};
            iov[i][1] = (struct iovec){body[i], sizeof(body[i])};
            ops[i] = (wf_wbatch_op_t){srv[i], 2, iov[i], 0};
        }
        wf_wbatch_run(ops, NPAIR);
        for (int i = 0; i < NPAIR; i++) {
            size_t want = strlen(head[i]) + sizeof(body[i]);
            char got[64];

            assert_int_equal(ops[i].res, (ssize_t)want);
            read_exact(cli[i], got, want);
            assert_memory_equal(got, head[i], strlen(head[i]));
            assert_memory_equal(got + strlen(head[i]), body[i],
                                sizeof(body[i]));
        }
    }
}


/* Fill srv[0] to the brim; give srv[1] room for less than its write;
 * close cli[2]. A batch over the first 10 then reports -EAGAIN, a short
 * count and an error for those three, and full writes for the rest. */
static void
full_short_and_broken(void)
{
    static char big[1 << 16], chunk[1 << 20];
    struct iovec iov[10];
    wf_wbatch_op_t ops[10];
    ssize_t w;
    int small = 4096;

    memset(big, 'x', sizeof(big));
    memset(chunk, 'y', sizeof(chunk));
    while (write(srv[0], big, sizeof(big)) > 0)
        ;
    assert_int_equal(errno, EAGAIN);
    /* srv[1]: a small send buffer, filled but for a little room. */
    setsockopt(srv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(cli[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    while (write(srv[1], big, 1024) > 0)
        ;
    {
        char sink[2048];

        assert_true(read(cli[1], sink, sizeof(sink)) > 0); /* some room */
    }
    close(cli[2]);
    cli[2] = -1;
    usleep(20000); /* the FIN arrives */
    for (int i = 0; i < 10; i++) {
        iov[i] = (struct iovec){chunk, i == 1 ? sizeof(chunk) : 100};
        ops[i] = (wf_wbatch_op_t){srv[i], 1, &iov[i], 0};
    }
    /* A write to a socket whose peer has closed may succeed once (the
     * peer answers it with a reset); the next one fails. */
    wf_wbatch_run(ops, 10);
    assert_int_equal(ops[0].res, -EAGAIN);
    assert_true(ops[1].res > 0 && ops[1].res < (ssize_t)sizeof(chunk));
    if (ops[2].res >= 0) {
        usleep(20000);
        wf_wbatch_run(&ops[2], 1);
    }
    assert_true(ops[2].res == -EPIPE || ops[2].res == -ECONNRESET);
    for (int i = 3; i < 10; i++) {
        char got[100];

        assert_int_equal(ops[i].res, 100);
        read_exact(cli[i], got, sizeof(got));
        assert_int_equal(got[99], 'y');
    }
    (void)w;
}


static void
test_io_uring(void **state)
{
    if (!wf_wbatch_init(1)) {
        /* Built without liburing, or a kernel/seccomp that refuses it:
         * the fallback below is what runs then. */
        print_message("io_uring not available here: writev() path only\n");
    }
    every_byte_in_place();
    full_short_and_broken();
}


static void
test_writev_loop(void **state)
{
    assert_int_equal(wf_wbatch_init(0), 0);
    every_byte_in_place();
    full_short_and_broken();
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_io_uring, pairs_open,
                                        pairs_close),
        cmocka_unit_test_setup_teardown(test_writev_loop, pairs_open,
                                        pairs_close),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
