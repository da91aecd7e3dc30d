/* test_http.c - HTTP request handling (worker/http.c + worker/route.c):
 * every request is fed whole, byte by byte and in random splits, and must
 * produce the same responses each way. */
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
#include "http.h"
#include "log.h"
#include "route.h"
#include "x.h"

static const wf_http_limits_t lim = {
    .max_header_size = 1024,
    .max_headers = 8,
    .max_body_size = 100,
};
static const wf_route_info_t info = {1, 3, 4242, 0, 0, NULL, NULL};


/* Drive a parser the way a connection does, feeding input in pieces of the
 * sizes chosen by next_piece. Returns all responses; *closed tells whether
 * the connection would close. */
static char *
run(const char *in, size_t len, size_t (*next_piece)(size_t left),
    int *closed)
{
    wf_http_t *h = wf_http_new(&lim);
    wf_buf_t out = WF_BUF_INIT;
    size_t off = 0;
    char *res;

    *closed = 0;
    while (off < len && !*closed) {
        size_t piece = next_piece(len - off), used;
        const char *p = in + off;

        off += piece;
        while (piece > 0) {
            int r = wf_http_feed(h, p, piece, &used);

            p += used;
            piece -= used;
            if (r == WF_HTTP_MORE) {
                assert_int_equal(piece, 0);
                break;
            }
            if (r == WF_HTTP_ERROR) {
                wf_route_error(wf_http_status(h), &out);
                *closed = 1;
                break;
            }
            {
                const wf_http_req_t *req = wf_http_request(h);
                int ka = req->keepalive;

                wf_route(h, req, &info, &out, &ka);
                if (!ka) {
                    *closed = 1;
                    break;
                }
            }
            wf_http_next(h);
        }
    }
    wf_http_free(h);
    wf_buf_append(&out, "", 1);
    res = wf_xstrdup(wf_buf_head(&out));
    wf_buf_free(&out);
    return res;
}


static size_t
whole(size_t left)
{
    return left;
}


static size_t
bytewise(size_t left)
{
    return 1;
}


static unsigned rng = 12345;

static size_t
random_piece(size_t left)
{
    size_t n;

    rng = rng * 1103515245 + 12345;
    n = 1 + (rng >> 16) % 17;
    return n < left ? n : left;
}


/* Feed in every way; all must agree. Returns the responses. */
static char *
feed_all_ways(const char *in, int *closed)
{
    size_t len = strlen(in);
    int c1, c2, c3;
    char *a = run(in, len, whole, &c1);
    char *b = run(in, len, bytewise, &c2);

    assert_string_equal(a, b);
    assert_int_equal(c1, c2);
    for (int i = 0; i < 50; i++) {
        char *c = run(in, len, random_piece, &c3);

        assert_string_equal(a, c);
        assert_int_equal(c1, c3);
        free(c);
    }
    free(b);
    *closed = c1;
    return a;
}


static int
count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}


static void
test_healthz(void **state)
{
    int closed;
    char *r = feed_all_ways("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                            &closed);

    assert_false(closed);
    assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r, "Connection: keep-alive\r\n"));
    assert_non_null(strstr(r, "\"status\":\"ok\",\"worker\":1,"
                              "\"pid\":4242,\"generation\":3"));
    free(r);
}


static void
test_head_and_methods(void **state)
{
    int closed;
    char *r = feed_all_ways("HEAD /healthz HTTP/1.1\r\n\r\n"
                            "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n"
                            "\r\n",
                            &closed);

    assert_false(closed);
    /* HEAD: same headers, no body. */
    assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(r, "\r\n\r\nHTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
    free(r);
}


static void
test_not_found_and_query(void **state)
{
    int closed;
    char *r = feed_all_ways("GET /nope HTTP/1.1\r\n\r\n"
                            "GET /healthz?x=1 HTTP/1.1\r\n\r\n",
                            &closed);

    assert_false(closed);
    assert_true(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
    free(r);
}


static void
test_pipelined_in_order(void **state)
{
    int closed;
    char *r = feed_all_ways("GET /a HTTP/1.1\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\n\r\n"
                            "GET /b HTTP/1.1\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"
                            "GET /never HTTP/1.1\r\n\r\n",
                            &closed);
    char *p404, *p200, *p404b;

    assert_true(closed);
    assert_int_equal(count(r, "HTTP/1.1 "), 4); /* not the one after close */
    p404 = strstr(r, "404");
    p200 = strstr(r, "200");
    p404b = strstr(p200, "404");
    assert_true(p404 < p200 && p200 < p404b);
    assert_non_null(strstr(r, "Connection: close\r\n"));
    free(r);
}


static void
test_http10_closes(void **state)
{
    int closed;
    char *r = feed_all_ways("GET /healthz HTTP/1.0\r\n\r\n", &closed);

    assert_true(closed);
    assert_non_null(strstr(r, "Connection: close\r\n"));
    free(r);
    r = feed_all_ways("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n"
                      "\r\nGET /x HTTP/1.0\r\n\r\n",
                      &closed);
    assert_true(closed);
    assert_int_equal(count(r, "HTTP/1.1 "), 2);
    free(r);
}


static void
expect_status(const char *in, const char *status_line)
{
    int closed;
    char *r = feed_all_ways(in, &closed);

    assert_true(closed);
    if (strncmp(r, status_line, strlen(status_line)) != 0)
        fail_msg("for %s\ngot: %s", in, r);
    assert_non_null(strstr(r, "Connection: close\r\n"));
    free(r);
}


static void
test_malformed(void **state)
{
    expect_status("GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n");
    expect_status("GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                  "HTTP/1.1 400 Bad Request\r\n");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
                  "HTTP/1.1 400 Bad Request\r\n");
    expect_status("GET / HTTP/1.1\r\nContent-Length: 1\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  "HTTP/1.1 400 Bad Request\r\n");
    expect_status("GET /\x01 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n");
    expect_status("GET / HTTP/2.0\r\n\r\n", "HTTP/1.1 ");
    /* A good request before the bad one is still answered first. */
    {
        int closed;
        char *r = feed_all_ways("GET /healthz HTTP/1.1\r\n\r\nBAD\r\n\r\n",
                                &closed);

        assert_true(closed);
        assert_true(strncmp(r, "HTTP/1.1 200 OK", 15) == 0);
        assert_non_null(strstr(r, "HTTP/1.1 400 Bad Request"));
        free(r);
    }
}


static void
test_limits(void **state)
{
    char *big = wf_xmalloc(4096), *in;
    int closed;
    char *r;

    /* A header block over max-header-size (1024 here): 431. */
    memset(big, 'a', 2000);
    big[2000] = '\0';
    in = wf_xasprintf("GET / HTTP/1.1\r\nX-Big: %s\r\n\r\n", big);
    expect_status(in, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    free(in);
    /* A URL over the limit: 414. */
    in = wf_xasprintf("GET /%s HTTP/1.1\r\n\r\n", big);
    expect_status(in, "HTTP/1.1 414 URI Too Long\r\n");
    free(in);
    /* More than max-headers (8) fields: 431. */
    expect_status("GET / HTTP/1.1\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\ne: 1\r\n"
                  "f: 1\r\ng: 1\r\nh: 1\r\ni: 1\r\n\r\n",
                  "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    /* Exactly 8 fields is fine. */
    r = feed_all_ways("GET / HTTP/1.1\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\n"
                      "e: 1\r\nf: 1\r\ng: 1\r\nh: 1\r\n\r\n",
                      &closed);
    assert_true(strncmp(r, "HTTP/1.1 404", 12) == 0);
    free(r);
    /* A body over max-body-size (100): 413, announced or chunked. */
    expect_status("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n",
                  "HTTP/1.1 413 Content Too Large\r\n");
    memset(big, 'b', 150);
    big[150] = '\0';
    in = wf_xasprintf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "96\r\n%s\r\n0\r\n\r\n",
                      big);
    expect_status(in, "HTTP/1.1 413 Content Too Large\r\n");
    free(in);
    /* A body within the limit is consumed and the next request parsed. */
    r = feed_all_ways("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /healthz HTTP/1.1\r\n\r\n",
                      &closed);
    assert_false(closed);
    assert_int_equal(count(r, "HTTP/1.1 "), 2);
    free(r);
    free(big);
}


static void
test_upgrade_answered_as_http_then_next_request(void **state)
{
    int closed;
    /* An upgrade request to a path that is not a WebSocket endpoint is
     * answered as HTTP; the next request on the connection must be read
     * (llhttp is left paused for the upgrade otherwise). */
    char *r = feed_all_ways("GET /healthz HTTP/1.1\r\nUpgrade: websocket\r\n"
                            "Connection: keep-alive, Upgrade\r\n\r\n"
                            "GET /nope HTTP/1.1\r\n\r\n",
                            &closed);

    assert_false(closed);
    assert_int_equal(count(r, "HTTP/1.1 "), 2);
    assert_non_null(strstr(r, "404 Not Found"));
    free(r);
}


static void
test_headers_and_body(void **state)
{
    static const char in[] = "POST /p?q=1&r HTTP/1.1\r\n"
                             "Host: example\r\n"
                             "X-Empty:\r\n"
                             "upgrade: websocket\r\n"
                             "X-Multi: a\r\n"
                             "x-multi: b\r\n"
                             "Content-Length: 3\r\n"
                             "\r\nabc";
    wf_http_t *h = wf_http_new(&lim);
    const wf_http_req_t *req;
    size_t used, off = 0;
    int r = WF_HTTP_MORE;

    /* Byte by byte: the request must still come out whole. */
    while (off < sizeof(in) - 1 && r == WF_HTTP_MORE) {
        r = wf_http_feed(h, in + off, 1, &used);
        off += used;
    }
    assert_int_equal(r, WF_HTTP_REQUEST);
    req = wf_http_request(h);
    assert_string_equal(req->method, "POST");
    assert_string_equal(req->path, "/p");
    assert_string_equal(req->query, "q=1&r");
    assert_int_equal(req->body_len, 3);
    assert_memory_equal(req->body, "abc", 3);
    assert_string_equal(wf_http_header(h, "HOST"), "example");
    assert_string_equal(wf_http_header(h, "x-empty"), "");
    assert_string_equal(wf_http_header(h, "Upgrade"), "websocket");
    assert_string_equal(wf_http_header(h, "X-MULTI"), "a");
    assert_null(wf_http_header(h, "Missing"));
    wf_http_free(h);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_head_and_methods),
        cmocka_unit_test(test_not_found_and_query),
        cmocka_unit_test(test_pipelined_in_order),
        cmocka_unit_test(test_http10_closes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_upgrade_answered_as_http_then_next_request),
        cmocka_unit_test(test_headers_and_body),
    };

    wf_log_set_level(WF_LOG_EMERG);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
