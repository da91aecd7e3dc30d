/* test_conf.c - the config reader: defaults, every directive, units,
 * quoting, include, --set, and every error path with its
 * "file:line: message". */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "x.h"

static char tmpdir[64];


static int
setup(void **state)
{
    strcpy(tmpdir, "/tmp/wsfan-test-conf-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}


static int
teardown(void **state)
{
    char *cmd = wf_xasprintf("rm -rf '%s'", tmpdir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}


/* Write text to tmpdir/name; returns the path (caller frees). */
static char *
write_file(const char *name, const char *text)
{
    char *path = wf_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}


/* Load text as a config file and return the error (caller frees), or NULL
 * if it loaded. */
static char *
load_error(const char *text)
{
    char *path = write_file("t.conf", text);
    wf_conf_t *c = wf_conf_new();
    char *cause = NULL;
    int rc = wf_conf_load(c, path, &cause);

    if (rc == 0)
        assert_null(cause);
    else
        assert_int_equal(rc, WF_ECONFIG);
    wf_conf_free(c);
    free(path);
    return cause;
}


/* Expect text to fail with exactly "DIR/t.conf:" + suffix. */
static void
expect_error(const char *text, const char *suffix)
{
    char *err = load_error(text);
    char *want = wf_xasprintf("%s/t.conf:%s", tmpdir, suffix);

    if (err == NULL)
        fail_msg("expected an error for: %s", text);
    if (strcmp(err, want) != 0)
        fail_msg("got \"%s\"\nwant \"%s\"", err, want);
    free(err);
    free(want);
}


static void
test_defaults(void **state)
{
    char *cause = NULL;
    wf_conf_t *c = wf_conf_read(NULL, NULL, 0, &cause);

    assert_non_null(c);
    assert_true(c->workers >= 1);
    assert_int_equal(c->workers, (int)sysconf(_SC_NPROCESSORS_ONLN));
    assert_int_equal(c->nlistens, 1);
    assert_string_equal(c->listens[0].text, "0.0.0.0:8080");
    assert_int_equal(c->log_level, WF_LOG_INFO);
    assert_null(c->pidfile);
    assert_int_equal(c->max_header_size, 8192);
    assert_int_equal(c->request_timeout_ms, 10000);
    wf_conf_free(c);
}


static void
test_full_file(void **state)
{
    char *path = write_file("full.conf",
                            "# a comment\n"
                            "\n"
                            "listen 127.0.0.1:9001   # trailing comment\n"
                            "listen [::1]:9001\n"
                            "listen *:9002\n"
                            "listen 9003\n"
                            "workers 3\n"
                            "log-level debug\n"
                            "pidfile \"/run/ws fan.pid\"\n"
                            "max-header-size 16k\n"
                            "max-body-size 1m\n"
                            "max-headers 32\n"
                            "request-timeout 1500ms\n"
                            "keepalive-timeout 2m\n"
                            "drain-timeout 30\n"
                            "max-connections 5000\n");
    char *cause = NULL;
    wf_conf_t *c = wf_conf_read(path, NULL, 0, &cause);

    if (c == NULL)
        fail_msg("%s", cause);
    assert_int_equal(c->nlistens, 4);
    assert_string_equal(c->listens[0].text, "127.0.0.1:9001");
    assert_string_equal(c->listens[1].text, "[::1]:9001");
    assert_int_equal(c->listens[1].addr.ss_family, AF_INET6);
    assert_string_equal(c->listens[2].text, "0.0.0.0:9002");
    assert_string_equal(c->listens[3].text, "0.0.0.0:9003");
    assert_int_equal(c->workers, 3);
    assert_int_equal(c->log_level, WF_LOG_DEBUG);
    assert_string_equal(c->pidfile, "/run/ws fan.pid");
    assert_int_equal(c->max_header_size, 16384);
    assert_int_equal(c->max_body_size, 1024 * 1024);
    assert_int_equal(c->max_headers, 32);
    assert_int_equal(c->request_timeout_ms, 1500);
    assert_int_equal(c->keepalive_timeout_ms, 120000);
    assert_int_equal(c->drain_timeout_ms, 30000);
    assert_int_equal(c->max_connections, 5000);
    assert_string_equal(c->path, path);
    wf_conf_free(c);
    free(path);
}


static void
test_include_glob_relative(void **state)
{
    char *d = wf_xasprintf("%s/conf.d", tmpdir);
    char *a, *b, *main_path, *cause = NULL;
    wf_conf_t *c;

    mkdir(d, 0700);
    a = write_file("conf.d/10-a.conf", "workers 2\nlisten 127.0.0.1:7001\n");
    b = write_file("conf.d/20-b.conf", "workers 5\n");
    main_path = write_file("main.conf", "listen 127.0.0.1:7000\n"
                                        "include conf.d/*.conf\n"
                                        "include conf.d/nothing-*.conf\n");
    c = wf_conf_read(main_path, NULL, 0, &cause);
    if (c == NULL)
        fail_msg("%s", cause);
    assert_int_equal(c->workers, 5); /* files in sorted order */
    assert_int_equal(c->nlistens, 2);
    wf_conf_free(c);
    free(a);
    free(b);
    free(main_path);
    free(d);
}


static void
test_include_errors(void **state)
{
    char *inc, *want, *err;

    expect_error("include /nonexistent/file.conf\n",
                 "1: include \"/nonexistent/file.conf\": No such file or "
                 "directory");
    expect_error("include a b\n",
                 "1: \"include\" takes one file name or pattern");
    /* An error inside an included file names that file and its line. */
    inc = write_file("bad-inc.conf", "\nworkers lots\n");
    err = load_error("include bad-inc.conf\n");
    want = wf_xasprintf("%s:2: invalid value \"lots\" for \"workers\": "
                        "expected auto or a number from 1 to 512",
                        inc);
    assert_non_null(err);
    assert_string_equal(err, want);
    free(err);
    free(want);
    free(inc);
    /* A file that includes itself. */
    err = load_error("include t.conf\n");
    assert_non_null(err);
    assert_non_null(strstr(err, "includes nested deeper than 8"));
    free(err);
}


static void
test_syntax_errors(void **state)
{
    expect_error("workers 2\nfrobnicate yes\n",
                 "2: unknown directive \"frobnicate\"");
    expect_error("workers\n", "1: \"workers\" takes one value");
    expect_error("workers 1 2\n", "1: \"workers\" takes one value");
    expect_error("listen\n", "1: \"listen\" takes at least one value");
    expect_error("pidfile \"/run/x\n", "1: unterminated quoted string");
    expect_error("pidfile \"/run/x\"y\n",
                 "1: a quoted string must end its argument");
    expect_error("pidfile \"\"\n", "1: \"pidfile\" needs a path");
    expect_error("listen 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
                 "1: too many arguments (at most 16)");
}


static void
test_value_errors(void **state)
{
    expect_error("workers 0\n", "1: invalid value \"0\" for \"workers\": "
                                "expected auto or a number from 1 to 512");
    expect_error("workers 513\n", "1: invalid value \"513\" for \"workers\": "
                                  "expected auto or a number from 1 to 512");
    expect_error("workers -1\n", "1: invalid value \"-1\" for \"workers\": "
                                 "expected auto or a number from 1 to 512");
    expect_error("log-level loud\n",
                 "1: invalid log level \"loud\": expected emerg, alert, crit,"
                 " error, warn, notice, info or debug");
    expect_error("max-header-size 12x\n",
                 "1: invalid value \"12x\" for \"max-header-size\": expected "
                 "a size (bytes, or with k, m, g) from 256 to 1048576");
    expect_error("max-header-size 10\n",
                 "1: invalid value \"10\" for \"max-header-size\": expected "
                 "a size (bytes, or with k, m, g) from 256 to 1048576");
    expect_error("max-header-size 99999999999999999999999k\n",
                 "1: invalid value \"99999999999999999999999k\" for "
                 "\"max-header-size\": expected a size (bytes, or with k, m, "
                 "g) from 256 to 1048576");
    expect_error("request-timeout 5d\n",
                 "1: invalid value \"5d\" for \"request-timeout\": expected a "
                 "duration in ms (with ms, s, m or h; bare numbers are "
                 "seconds) from 100 to 3600000");
    expect_error("max-headers many\n",
                 "1: invalid value \"many\" for \"max-headers\": expected a "
                 "number from 4 to 1000");
}


static void
test_listen_errors(void **state)
{
    static const char *const bad[] = {
        "1.2.3.4",  "1.2.3.4:0", "1.2.3.4:70000", "::1:80",   "[::1]80",
        "[zz]:80",  "abc:80",    "1.2.3.4:",      "[]:80",    "1.2.3.4:8x",
        "300.1.1.1:80",
    };

    for (size_t i = 0; i < WF_ARRAY_LEN(bad); i++) {
        char *text = wf_xasprintf("listen %s\n", bad[i]);
        char *want = wf_xasprintf("1: invalid address \"%s\": expected "
                                  "IPv4:PORT, *:PORT, PORT or [IPv6]:PORT",
                                  bad[i]);

        expect_error(text, want);
        free(text);
        free(want);
    }
    expect_error("listen 127.0.0.1:80\nlisten 127.0.0.1:80\n",
                 "2: duplicate listen address 127.0.0.1:80");
    expect_error("listen 127.0.0.1:80 tls\n",
                 "1: \"listen\" takes one address (\"tls\" is not supported "
                 "here yet)");
}


static void
test_file_errors(void **state)
{
    wf_conf_t *c = wf_conf_new();
    char *cause = NULL, *long_line, *err;

    assert_int_equal(wf_conf_load(c, "/nonexistent/wsfan.conf", &cause),
                     WF_ECONFIG);
    assert_string_equal(cause, "/nonexistent/wsfan.conf: cannot open: No "
                               "such file or directory");
    free(cause);
    wf_conf_free(c);

    long_line = wf_xmalloc(5000);
    memset(long_line, 'x', 4999);
    long_line[4999] = '\0';
    err = load_error(long_line);
    assert_non_null(err);
    assert_non_null(strstr(err, "t.conf:1: line longer than 4094 bytes"));
    free(err);
    free(long_line);
}


static void
test_set_overrides(void **state)
{
    char *path = write_file("s.conf", "workers 2\nlisten 127.0.0.1:7000\n"
                                      "listen 127.0.0.1:7001\n");
    char *sets[] = {"workers=4", "listen=[::1]:7100", "listen=7101",
                    "log-level=warn"};
    char *cause = NULL;
    wf_conf_t *c = wf_conf_read(path, sets, 4, &cause);

    if (c == NULL)
        fail_msg("%s", cause);
    assert_int_equal(c->workers, 4);
    /* --set listen replaces the file's list, then adds to its own. */
    assert_int_equal(c->nlistens, 2);
    assert_string_equal(c->listens[0].text, "[::1]:7100");
    assert_string_equal(c->listens[1].text, "0.0.0.0:7101");
    assert_int_equal(c->log_level, WF_LOG_WARNING);
    wf_conf_free(c);
    free(path);
}


static void
test_set_errors(void **state)
{
    static const struct {
        const char *set, *err;
    } cases[] = {
        {"workers", "--set: expected key=value, not \"workers\""},
        {"=4", "--set: expected key=value, not \"=4\""},
        {"include=/etc/x", "--set: \"include\" is only valid in a file"},
        {"bogus=1", "--set: unknown directive \"bogus\""},
        {"workers=abc", "--set: invalid value \"abc\" for \"workers\": "
                        "expected auto or a number from 1 to 512"},
        {"workers=", "--set: \"workers\" takes one value"},
    };

    for (size_t i = 0; i < WF_ARRAY_LEN(cases); i++) {
        char *sets[] = {(char *)cases[i].set};
        char *cause = NULL;

        assert_null(wf_conf_read(NULL, sets, 1, &cause));
        assert_non_null(cause);
        if (strcmp(cause, cases[i].err) != 0)
            fail_msg("--set %s: got \"%s\", want \"%s\"", cases[i].set, cause,
                     cases[i].err);
        free(cause);
    }
}


static void
test_units(void **state)
{
    uint64_t v;

    assert_int_equal(wf_conf_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(wf_conf_parse_size("64k", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(wf_conf_parse_size("2M", &v), 0);
    assert_int_equal(v, 2 * 1024 * 1024);
    assert_int_equal(wf_conf_parse_size("1g", &v), 0);
    assert_int_equal(v, 1024ull * 1024 * 1024);
    assert_int_equal(wf_conf_parse_size("k", &v), WF_EINVAL);
    assert_int_equal(wf_conf_parse_size("1kb", &v), WF_EINVAL);
    assert_int_equal(wf_conf_parse_size(" 1", &v), WF_EINVAL);
    assert_int_equal(wf_conf_parse_duration_ms("250ms", &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(wf_conf_parse_duration_ms("3", &v), 0);
    assert_int_equal(v, 3000);
    assert_int_equal(wf_conf_parse_duration_ms("2m", &v), 0);
    assert_int_equal(v, 120000);
    assert_int_equal(wf_conf_parse_duration_ms("1h", &v), 0);
    assert_int_equal(v, 3600000);
    assert_int_equal(wf_conf_parse_duration_ms("1d", &v), WF_EINVAL);
    assert_int_equal(wf_conf_parse_duration_ms("-1s", &v), WF_EINVAL);
}


static void
test_directive_names(void **state)
{
    const char *const *names = wf_conf_directive_names();
    int seen_listen = 0, n = 0;

    for (; names[n] != NULL; n++)
        seen_listen |= strcmp(names[n], "listen") == 0;
    assert_true(seen_listen);
    assert_true(n >= 10);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_include_glob_relative),
        cmocka_unit_test(test_include_errors),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_listen_errors),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_directive_names),
    };

    wf_log_set_level(WF_LOG_EMERG);
    return cmocka_run_group_tests(tests, setup, teardown);
}
