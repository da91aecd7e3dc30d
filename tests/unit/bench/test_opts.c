/* test_opts.c - wsfan-bench's command line for the servers it can load:
 * wsfan's subscriber and publish requests by default, nchan's with
 * --peer nchan (GET PATH/CHANNEL, POST /pub/CHANNEL), --pub-url, and what
 * is refused (a publisher nchan has no equivalent for, non-loopback or
 * non-HTTP publish URLs), and --json-hist. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bench.h"

static wb_opts_t o; /* large: not on the stack */


/* Parse a NULL-terminated argument list; returns wb_opts_parse's. */
static int
parse(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    const char *a;
    va_list ap;

    argv[argc++] = (char *)"wsfan-bench";
    va_start(ap, first);
    for (a = first; a != NULL && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return wb_opts_parse(&o, argc, argv);
}


static void
test_wsfan_default(void **state)
{
    char buf[512];

    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--redis",
                           "redis://127.0.0.1:6379", "-C", "4", NULL),
                     0);
    assert_int_equal(o.peer, WB_PEER_WSFAN);
    assert_int_equal(o.pub, WB_PUB_REDIS);
    assert_string_equal(o.targets[0].path, "/ws");
    assert_int_equal(wb_sub_suffix(&o, 3, buf, sizeof(buf)), 10);
    assert_string_equal(buf, "?ch=bench3");

    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "-u",
                           "ws://127.0.0.1:8081", "--pub", "http", NULL),
                     0);
    assert_int_equal(o.have_pub_target, 0);
    assert_true(wb_pub_head(&o, &o.targets[1], "bench0", 57, buf, sizeof(buf)) >
                0);
    assert_string_equal(buf, "POST /api/publish HTTP/1.1\r\n"
                             "Host: 127.0.0.1:8081\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 57\r\n\r\n");
}


static void
test_nchan(void **state)
{
    char buf[512];

    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "-u",
                           "ws://127.0.0.1:8081/nchan/sub", "--peer", "nchan",
                           "--ch-prefix", "r1a", NULL),
                     0);
    assert_int_equal(o.peer, WB_PEER_NCHAN);
    assert_int_equal(o.pub, WB_PUB_HTTP); /* its only publisher */
    assert_string_equal(o.targets[0].path, "/sub");
    assert_string_equal(o.targets[1].path, "/nchan/sub");
    assert_int_equal(wb_sub_suffix(&o, 0, buf, sizeof(buf)), 5);
    assert_string_equal(buf, "/r1a0");
    assert_int_equal(wb_sub_suffix(&o, 0, buf, 4), -1);
    assert_true(wb_pub_head(&o, &o.targets[0], "r1a0", 128, buf, sizeof(buf)) >
                0);
    assert_string_equal(buf, "POST /pub/r1a0 HTTP/1.1\r\n"
                             "Host: 127.0.0.1:8080\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 128\r\n\r\n");
    assert_int_equal(wb_pub_head(&o, &o.targets[0], "r1a0", 128, buf, 40), -1);

    /* --pub-url: one target for every publish, its path replaces /pub */
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--peer",
                           "nchan", "--pub-url", "http://127.0.0.2:9000/x/pub/",
                           NULL),
                     0);
    assert_int_equal(o.have_pub_target, 1);
    assert_true(wb_pub_head(&o, &o.pub_target, "bench0", 1, buf, sizeof(buf)) >
                0);
    assert_non_null(strstr(buf, "POST /x/pub/bench0 HTTP/1.1\r\n"
                                "Host: 127.0.0.2:9000\r\n"));

    /* a hold run against nchan subscribes the same way */
    assert_int_equal(parse("hold", "-u", "ws://[::1]:8080", "--peer", "nchan",
                           "-C", "2", NULL),
                     0);
    assert_string_equal(o.targets[0].path, "/sub");
}


static void
test_refused(void **state)
{
    /* nchan has no Redis or protocol-v1 publisher the bench could use */
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--peer",
                           "nchan", "--pub", "redis", "--redis",
                           "redis://127.0.0.1:6379", NULL),
                     -1);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--peer",
                           "nchan", "--pub", "ws", NULL),
                     -1);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--peer",
                           "centrifugo", NULL),
                     -1);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--pub",
                           "http", "--pub-url", "http://10.0.0.1:80", NULL),
                     -1);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--pub",
                           "http", "--pub-url", "ws://127.0.0.1:80", NULL),
                     -1);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--pub",
                           "http", "--pub-url", "https://127.0.0.1:443", NULL),
                     -1);
    assert_int_equal(
        parse("fanout", "-u", "http://127.0.0.1:8080", "--pub", "http", NULL),
        -1);
}


/* --json-hist: the histogram's buckets in the JSON, which it implies. */
static void
test_json_hist(void **state)
{
    assert_int_equal(
        parse("fanout", "-u", "ws://127.0.0.1:8080", "--pub", "http", NULL), 0);
    assert_int_equal(o.json, 0);
    assert_int_equal(o.json_hist, 0);
    assert_int_equal(parse("fanout", "-u", "ws://127.0.0.1:8080", "--pub",
                           "http", "--json-hist", NULL),
                     0);
    assert_int_equal(o.json, 1);
    assert_int_equal(o.json_hist, 1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wsfan_default),
        cmocka_unit_test(test_nchan),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_json_hist),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
