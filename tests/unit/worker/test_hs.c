/* test_hs.c - the WebSocket opening handshake: accept key, every
 * rejection with its status, token lists, origins, subprotocol and
 * permessage-deflate negotiation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "hs.h"
#include "http.h"
#include "log.h"
#include "x.h"

static const wf_http_limits_t lim = {8192, 64, 1024};

#define GOOD_HEADERS                                                           \
    "Host: example.com\r\n"                                                    \
    "Upgrade: websocket\r\n"                                                   \
    "Connection: Upgrade\r\n"                                                  \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                          \
    "Sec-WebSocket-Version: 13\r\n"


/* Parse raw as one request and run the handshake check on it. Returns the
 * response text (caller frees); *rc gets wf_hs_check's result. */
static char *
handshake(const char *raw, const wf_hs_opts_t *opts, wf_hs_result_t *res,
          int *rc)
{
    wf_http_t *h = wf_http_new(&lim);
    wf_buf_t out = WF_BUF_INIT;
    size_t used;
    char *text;

    assert_int_equal(wf_http_feed(h, raw, strlen(raw), &used),
                     WF_HTTP_REQUEST);
    *rc = wf_hs_check(h, wf_http_request(h), opts, res, &out);
    wf_buf_append(&out, "", 1);
    text = wf_xstrdup(wf_buf_head(&out));
    wf_buf_free(&out);
    wf_http_free(h);
    return text;
}


static void
test_accept_rfc_example(void **state)
{
    char out[29];

    /* RFC 6455 section 1.3. */
    wf_hs_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}


static void
test_good_handshake(void **state)
{
    wf_hs_opts_t opts = {NULL, 0, NULL};
    wf_hs_result_t res;
    int rc;
    char *r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS "\r\n", &opts,
                        &res, &rc);

    assert_int_equal(rc, 0);
    assert_int_equal(res.status, 101);
    assert_true(strncmp(r, "HTTP/1.1 101 Switching Protocols\r\n", 34) == 0);
    assert_non_null(strstr(r, "Sec-WebSocket-Accept: "
                              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert_non_null(strstr(r, "Upgrade: websocket\r\n"));
    assert_null(strstr(r, "Sec-WebSocket-Protocol"));
    assert_null(strstr(r, "Sec-WebSocket-Extensions"));
    assert_int_equal(res.compressed, 0);
    free(r);
}


static void
test_token_lists_case_insensitive(void **state)
{
    wf_hs_opts_t opts = {NULL, 0, NULL};
    wf_hs_result_t res;
    int rc;
    char *r = handshake("GET /ws HTTP/1.1\r\n"
                        "host: example.com\r\n"
                        "upgrade: WebSocket\r\n"
                        "connection: keep-alive\r\n"
                        "Connection: foo,  UPGRADE \r\n"
                        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "sec-websocket-version: 13\r\n\r\n",
                        &opts, &res, &rc);

    assert_int_equal(rc, 0);
    free(r);
    assert_true(wf_hs_has_token("a, b ,c", "b"));
    assert_true(wf_hs_has_token("Upgrade", "upgrade"));
    assert_false(wf_hs_has_token("upgrades", "upgrade"));
    assert_false(wf_hs_has_token("", "upgrade"));
    assert_false(wf_hs_has_token("up grade", "upgrade"));
}


static void
expect_reject(const char *raw, const wf_hs_opts_t *opts, int status,
              const char *needle)
{
    wf_hs_result_t res;
    int rc;
    char *r = handshake(raw, opts, &res, &rc);

    assert_int_equal(rc, WF_EINVAL);
    assert_int_equal(res.status, status);
    assert_non_null(res.why);
    assert_null(strstr(r, "101"));
    assert_non_null(strstr(r, "Connection: close\r\n"));
    if (needle != NULL && strstr(r, needle) == NULL)
        fail_msg("missing \"%s\" in:\n%s", needle, r);
    free(r);
}


static void
test_rejections(void **state)
{
    wf_hs_opts_t opts = {NULL, 0, NULL};

    expect_reject("POST /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Content-Length: 0\r\n\r\n",
                  &opts, 405, "Allow: GET\r\n");
    expect_reject("GET /ws HTTP/1.0\r\n" GOOD_HEADERS "\r\n", &opts, 400,
                  NULL);
    expect_reject("GET /ws HTTP/1.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n",
                  &opts, 400, "Host");
    expect_reject("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", &opts, 426,
                  "Upgrade: websocket\r\n");
    expect_reject("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n"
                  "Connection: Upgrade\r\n\r\n",
                  &opts, 426, NULL);
    expect_reject("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                  "Connection: keep-alive\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n",
                  &opts, 400, "Upgrade token");
    expect_reject("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 8\r\n\r\n",
                  &opts, 426, "Sec-WebSocket-Version: 13\r\n");
    expect_reject("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                  &opts, 426, "Sec-WebSocket-Version: 13\r\n");
    /* Keys: missing, wrong length, not base64, not 16 bytes. */
    static const char *const bad_keys[] = {
        NULL,
        "dGhlIHNhbXBsZSBub25jZQ=",
        "dGhlIHNhbXBsZSBub25jZQ===",
        "dGhlIHNhbXBsZSBub25j*Q==",
        "dGhlIHNhbXBsZSBub25jZQAA",
        "",
    };
    for (size_t i = 0; i < WF_ARRAY_LEN(bad_keys); i++) {
        char *raw;

        if (bad_keys[i] == NULL)
            raw = wf_xstrdup("GET /ws HTTP/1.1\r\nHost: x\r\n"
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n");
        else
            raw = wf_xasprintf("GET /ws HTTP/1.1\r\nHost: x\r\n"
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Key: %s\r\n"
                               "Sec-WebSocket-Version: 13\r\n\r\n",
                               bad_keys[i]);
        expect_reject(raw, &opts, 400, "Sec-WebSocket-Key");
        free(raw);
    }
}


static void
test_origins(void **state)
{
    char *list[] = {"https://app.example.com", "https://*.trusted.org"};
    wf_hs_opts_t same = {NULL, 0, NULL};
    wf_hs_opts_t listed = {list, 2, NULL};
    char *any_list[] = {"*"};
    wf_hs_opts_t any = {any_list, 1, NULL};

    /* No Origin: not a browser, allowed. */
    assert_true(wf_hs_origin_ok(&same, NULL, "example.com"));
    /* Default: same origin only. */
    assert_true(wf_hs_origin_ok(&same, "https://example.com", "example.com"));
    assert_true(wf_hs_origin_ok(&same, "http://EXAMPLE.com:8080",
                                "example.com:8080"));
    assert_false(wf_hs_origin_ok(&same, "https://evil.com", "example.com"));
    assert_false(wf_hs_origin_ok(&same, "null", "example.com"));
    assert_true(wf_hs_origin_ok(&listed, "https://app.example.com", "x"));
    assert_false(wf_hs_origin_ok(&listed, "http://app.example.com", "x"));
    assert_true(wf_hs_origin_ok(&listed, "https://a.trusted.org", "x"));
    assert_true(wf_hs_origin_ok(&listed, "https://a.b.trusted.org", "x"));
    assert_false(wf_hs_origin_ok(&listed, "https://trusted.org", "x"));
    assert_false(wf_hs_origin_ok(&listed, "https://eviltrusted.org", "x"));
    assert_false(wf_hs_origin_ok(&listed, "http://a.trusted.org", "x"));
    assert_true(wf_hs_origin_ok(&any, "https://anything", "x"));
    expect_reject("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Origin: https://evil.com\r\n\r\n",
                  &same, 403, "origin not allowed");
}


static void
test_subprotocol(void **state)
{
    wf_hs_opts_t opts = {NULL, 0, NULL};
    wf_hs_result_t res;
    int rc;
    char *r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                        "Sec-WebSocket-Protocol: chat, wsfan.v1\r\n\r\n",
                        &opts, &res, &rc);

    assert_int_equal(rc, 0);
    assert_true(res.subprotocol);
    assert_non_null(strstr(r, "Sec-WebSocket-Protocol: wsfan.v1\r\n"));
    free(r);
    /* Unknown subprotocols only: none selected, handshake still ok. */
    r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Sec-WebSocket-Protocol: chat\r\n\r\n",
                  &opts, &res, &rc);
    assert_int_equal(rc, 0);
    assert_false(res.subprotocol);
    assert_null(strstr(r, "Sec-WebSocket-Protocol"));
    free(r);
}


static void
test_compression(void **state)
{
    wf_pmd_conf_t pmd = {1, 15, 1};
    wf_pmd_conf_t off = {0, 15, 1};
    wf_hs_opts_t on_opts = {NULL, 0, &pmd}, off_opts = {NULL, 0, &off};
    wf_hs_result_t res;
    int rc;
    char *r;

    r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Sec-WebSocket-Extensions: permessage-deflate; "
                  "client_max_window_bits\r\n\r\n",
                  &on_opts, &res, &rc);
    assert_int_equal(rc, 0);
    assert_true(res.compressed);
    assert_true(res.pmd.client_no_context_takeover);
    assert_non_null(strstr(r, "Sec-WebSocket-Extensions: permessage-deflate"));
    assert_non_null(strstr(r, "server_no_context_takeover"));
    assert_non_null(strstr(r, "client_no_context_takeover"));
    free(r);
    /* Split over two header lines, first offer unacceptable. */
    r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Sec-WebSocket-Extensions: x-unknown\r\n"
                  "Sec-WebSocket-Extensions: permessage-deflate; "
                  "server_max_window_bits=10\r\n\r\n",
                  &on_opts, &res, &rc);
    assert_int_equal(rc, 0);
    assert_true(res.compressed);
    assert_int_equal(res.pmd.server_window_bits, 10);
    free(r);
    r = handshake("GET /ws HTTP/1.1\r\n" GOOD_HEADERS
                  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                  &off_opts, &res, &rc);
    assert_int_equal(rc, 0);
    assert_false(res.compressed);
    assert_null(strstr(r, "Sec-WebSocket-Extensions"));
    free(r);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_rfc_example),
        cmocka_unit_test(test_good_handshake),
        cmocka_unit_test(test_token_lists_case_insensitive),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_subprotocol),
        cmocka_unit_test(test_compression),
    };

    wf_log_set_level(WF_LOG_EMERG);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
