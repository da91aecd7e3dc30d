/* test_raddr.c - Redis address URLs: every accepted form, every error with
 * its reason (and never the password in it), percent-decoding, and the
 * redacting formatters. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "raddr.h"


/* Parse url, which must succeed. */
static void
parse_ok(const char *url, wf_raddr_t *a)
{
    char *cause = NULL;
    int rc = wf_raddr_parse(url, a, &cause);

    if (rc != 0)
        fail_msg("%s: %s", url, cause);
    assert_null(cause);
}


/* Parse url, which must fail with a cause that contains reason and not
 * secret (when given). */
static void
parse_bad(const char *url, const char *reason, const char *secret)
{
    wf_raddr_t a;
    char *cause = NULL;

    assert_int_equal(wf_raddr_parse(url, &a, &cause), WF_ECONFIG);
    assert_non_null(cause);
    if (strncmp(cause, "invalid redis-url \"", 19) != 0 ||
        strstr(cause, reason) == NULL)
        fail_msg("%s: cause \"%s\" lacks \"%s\"", url, cause, reason);
    if (secret != NULL && strstr(cause, secret) != NULL)
        fail_msg("%s: cause \"%s\" shows the password", url, cause);
    assert_null(a.host);
    assert_null(a.path);
    assert_null(a.user);
    assert_null(a.pass);
    free(cause);
}


static void
test_tcp_forms(void **state)
{
    wf_raddr_t a;

    parse_ok("redis://127.0.0.1", &a);
    assert_int_equal(a.kind, WF_RADDR_TCP);
    assert_int_equal(a.tls, 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 6379);
    assert_int_equal(a.db, 0);
    assert_null(a.user);
    assert_null(a.pass);
    assert_null(a.path);
    wf_raddr_free(&a);

    parse_ok("redis://redis-1.example_net:6380/2", &a);
    assert_string_equal(a.host, "redis-1.example_net");
    assert_int_equal(a.port, 6380);
    assert_int_equal(a.db, 2);
    wf_raddr_free(&a);

    parse_ok("redis://[::1]:7000/15", &a);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 7000);
    assert_int_equal(a.db, 15);
    wf_raddr_free(&a);

    parse_ok("redis://[fe80::1:2]", &a);
    assert_string_equal(a.host, "fe80::1:2");
    assert_int_equal(a.port, 6379);
    wf_raddr_free(&a);

    parse_ok("REDIS://Host:65535/", &a);
    assert_string_equal(a.host, "Host");
    assert_int_equal(a.port, 65535);
    assert_int_equal(a.db, 0);
    wf_raddr_free(&a);

    parse_ok("rediss://h:1", &a);
    assert_int_equal(a.tls, 1);
    assert_int_equal(a.port, 1);
    wf_raddr_free(&a);
}


static void
test_tcp_auth(void **state)
{
    wf_raddr_t a;

    parse_ok("redis://:secret@h", &a);
    assert_null(a.user);
    assert_string_equal(a.pass, "secret");
    wf_raddr_free(&a);

    parse_ok("redis://alice:p%40ss%3Aw%2Frd%25@h:1/3", &a);
    assert_string_equal(a.user, "alice");
    assert_string_equal(a.pass, "p@ss:w/rd%");
    assert_string_equal(a.host, "h");
    assert_int_equal(a.db, 3);
    wf_raddr_free(&a);

    /* Unencoded '@' and ':' in a password: the last '@' ends it. */
    parse_ok("redis://:a:b@c@h", &a);
    assert_null(a.user);
    assert_string_equal(a.pass, "a:b@c");
    assert_string_equal(a.host, "h");
    wf_raddr_free(&a);

    parse_ok("redis://:s?e/c@h/1", &a);
    assert_string_equal(a.pass, "s?e/c");
    assert_int_equal(a.db, 1);
    wf_raddr_free(&a);

    parse_ok("redis://b%C3%B6b:%e2%82%ac@[::1]", &a);
    assert_string_equal(a.user, "b\xc3\xb6"
                                "b");
    assert_string_equal(a.pass, "\xe2\x82\xac");
    wf_raddr_free(&a);
}


static void
test_unix_forms(void **state)
{
    wf_raddr_t a;

    parse_ok("unix:/tmp/r.sock", &a);
    assert_int_equal(a.kind, WF_RADDR_UNIX);
    assert_string_equal(a.path, "/tmp/r.sock");
    assert_null(a.host);
    assert_int_equal(a.db, 0);
    assert_null(a.pass);
    wf_raddr_free(&a);

    parse_ok("unix:///run/redis/redis.sock?db=3&password=p%26w&user=bob", &a);
    assert_string_equal(a.path, "/run/redis/redis.sock");
    assert_int_equal(a.db, 3);
    assert_string_equal(a.pass, "p&w");
    assert_string_equal(a.user, "bob");
    wf_raddr_free(&a);

    parse_ok("unix:/x?password=s", &a);
    assert_string_equal(a.pass, "s");
    assert_null(a.user);
    wf_raddr_free(&a);

    parse_ok("unix:/x?", &a);
    assert_string_equal(a.path, "/x");
    wf_raddr_free(&a);
}


static void
test_errors(void **state)
{
    char longpath[300];

    parse_bad("", "expected redis://", NULL);
    parse_bad("http://h", "expected redis://", NULL);
    parse_bad("redis:/h", "expected redis://", NULL);
    parse_bad("redis://", "missing host", NULL);
    parse_bad("redis://:6379", "missing host", NULL);
    parse_bad("redis://h:", "invalid port", NULL);
    parse_bad("redis://h:0", "invalid port", NULL);
    parse_bad("redis://h:65536", "invalid port", NULL);
    parse_bad("redis://h:12a", "invalid port", NULL);
    parse_bad("redis://h:-1", "invalid port", NULL);
    parse_bad("redis://h/x", "invalid database", NULL);
    parse_bad("redis://h/1/2", "invalid database", NULL);
    parse_bad("redis://h/-1", "invalid database", NULL);
    parse_bad("redis://h/1234567890", "invalid database", NULL);
    parse_bad("redis://::1", "need brackets", NULL);
    parse_bad("redis://fe80::1:6379", "need brackets", NULL);
    parse_bad("redis://[::1", "missing ']'", NULL);
    parse_bad("redis://[zz]:1", "invalid IPv6", NULL);
    parse_bad("redis://[1.2.3.4]", "invalid IPv6", NULL);
    parse_bad("redis://[::1]x", "unexpected 'x'", NULL);
    parse_bad("redis://h!x", "invalid character '!'", NULL);
    parse_bad("redis://h x", "invalid character ' '", NULL);
    parse_bad("redis://h?db=1", "only supported with unix:", NULL);
    parse_bad("redis://secret@h", "a password is required", "secret");
    parse_bad("redis://u:@h", "empty password", NULL);
    parse_bad("redis://:p%zzsecret@h",
              "bad percent-encoding in the "
              "password",
              "secret");
    parse_bad("redis://:secret%00@h", "bad percent-encoding", "secret");
    parse_bad("redis://:secret%4@h", "bad percent-encoding", "secret");
    parse_bad("redis://u%g1:secret@h", "bad percent-encoding in the user",
              "secret");
    parse_bad("redis://:secret@h:99999", "invalid port", "secret");
    parse_bad("redis://:se?cret@h?x", "only supported with unix:", "cret");
    parse_bad("unix:tmp/x", "must be absolute", NULL);
    parse_bad("unix:", "must be absolute", NULL);
    parse_bad("unix://host/tmp/x", "no host part", NULL);
    parse_bad("unix:/x?db=a", "invalid database", NULL);
    parse_bad("unix:/x?db=", "invalid database", NULL);
    parse_bad("unix:/x?db=1&db=2", "db given twice", NULL);
    parse_bad("unix:/x?foo=1", "unknown query parameter \"foo\"", NULL);
    parse_bad("unix:/x?db", "key=value", NULL);
    parse_bad("unix:/x?password=", "empty password", NULL);
    parse_bad("unix:/x?user=u", "user needs a password", NULL);
    parse_bad("unix:/x?user=", "empty user name", NULL);
    parse_bad("unix:/x?password=secret&password=secret", "given twice",
              "secret");
    parse_bad("unix:/x?password=secret&db=z", "invalid database", "secret");
    parse_bad("unix:/x?password=se%zzcret", "bad percent-encoding",
              "se%zzcret");
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    {
        char url[320];

        strcpy(url, "unix:");
        strcat(url, longpath);
        parse_bad(url, "socket path longer than", NULL);
    }
}


static void
check_format(const wf_raddr_t *a, const char *want)
{
    char *s = wf_raddr_format(a);

    assert_string_equal(s, want);
    free(s);
}


static void
test_format(void **state)
{
    wf_raddr_t a, b;
    char *s, *cause = NULL;

    parse_ok("redis://al%20ice:secret@[::1]/2", &a);
    check_format(&a, "redis://al%20ice:****@[::1]:6379/2");
    wf_raddr_free(&a);

    parse_ok("redis://:secret@10.0.0.1:6380", &a);
    check_format(&a, "redis://:****@10.0.0.1:6380");
    wf_raddr_free(&a);

    parse_ok("rediss://h", &a);
    check_format(&a, "rediss://h:6379");
    wf_raddr_free(&a);

    parse_ok("unix:///s?password=secret&db=1&user=b%2Fb", &a);
    check_format(&a, "unix:/s?db=1&user=b%2Fb&password=****");
    wf_raddr_free(&a);

    parse_ok("unix:/s", &a);
    check_format(&a, "unix:/s");
    wf_raddr_free(&a);

    /* Without a password the formatted URL parses back to the same. */
    parse_ok("redis://[2001:db8::7]:7/9", &a);
    s = wf_raddr_format(&a);
    assert_int_equal(wf_raddr_parse(s, &b, &cause), 0);
    assert_string_equal(b.host, a.host);
    assert_int_equal(b.port, a.port);
    assert_int_equal(b.db, a.db);
    free(s);
    wf_raddr_free(&a);
    wf_raddr_free(&b);
}


static void
check_redact(const char *url, const char *want)
{
    char *s = wf_raddr_redact(url);

    assert_string_equal(s, want);
    free(s);
}


static void
test_redact(void **state)
{
    check_redact("redis://u:secret@h:1/2", "redis://u:****@h:1/2");
    check_redact("redis://:secret@h", "redis://:****@h");
    check_redact("redis://:a:b@c@h", "redis://:****@h");
    check_redact("redis://secret@h", "redis://****@h");
    check_redact("redis://:sec?ret@h?db=1", "redis://:****@h?db=1");
    check_redact("redis://:sec?password=x&ret@h", "redis://:****@h");
    check_redact("redis://h:1/2", "redis://h:1/2");
    check_redact("unix:/x?db=1&password=abc&user=u",
                 "unix:/x?db=1&password=****&user=u");
    check_redact("unix:/x?password=", "unix:/x?password=****");
    check_redact("garbage", "garbage");
    check_redact("", "");
}


static void
test_copy_free(void **state)
{
    wf_raddr_t a, b;

    parse_ok("redis://u:p@h:2/3", &a);
    wf_raddr_copy(&b, &a);
    wf_raddr_free(&a);
    assert_null(a.host);
    wf_raddr_free(&a); /* twice is fine */
    assert_string_equal(b.host, "h");
    assert_string_equal(b.user, "u");
    assert_string_equal(b.pass, "p");
    assert_int_equal(b.port, 2);
    assert_int_equal(b.db, 3);
    wf_raddr_free(&b);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_forms),  cmocka_unit_test(test_tcp_auth),
        cmocka_unit_test(test_unix_forms), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_format),     cmocka_unit_test(test_redact),
        cmocka_unit_test(test_copy_free),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
