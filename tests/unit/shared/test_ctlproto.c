/* test_ctlproto.c - the control protocol: request parsing and its errors,
 * request formatting round trip, the response writer, and the reader that
 * wsfanctl uses (paths, arrays). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "ctlproto.h"
#include "err.h"

#define S(lit) lit, sizeof(lit) - 1


static void
expect_error(const char *line, const char *code)
{
    wf_ctlproto_req_t req;
    const char *got = NULL;
    char *cause = NULL;

    assert_int_equal(
        wf_ctlproto_req_parse(line, strlen(line), &req, &got, &cause),
        WF_EINVAL);
    assert_string_equal(got, code);
    assert_non_null(cause);
    free(cause);
}


static void
test_parse_requests(void **state)
{
    wf_ctlproto_req_t req;
    const char *code;
    char *cause = NULL;

    assert_int_equal(
        wf_ctlproto_req_parse(S("{\"cmd\":\"status\"}\r"), &req, &code, &cause),
        0);
    assert_int_equal(req.cmd, WF_CTLPROTO_STATUS);
    assert_int_equal(req.timeout_ms, -1);
    assert_int_equal(req.top, -1);
    assert_int_equal(wf_ctlproto_req_parse(
                         S(" {\"top\":7,\"cmd\":\"ch\\u0061nnels\",\"x\":[1],"
                           "\"v\":1} "),
                         &req, &code, &cause),
                     0);
    assert_int_equal(req.cmd, WF_CTLPROTO_CHANNELS);
    assert_int_equal(req.top, 7);
    assert_int_equal(
        wf_ctlproto_req_parse(S("{\"cmd\":\"drain\",\"timeout_ms\":0}"), &req,
                              &code, &cause),
        0);
    assert_int_equal(req.timeout_ms, 0);
}


static void
test_parse_errors(void **state)
{
    expect_error("", "bad_request");
    expect_error("[\"status\"]", "bad_request");
    expect_error("{\"cmd\":\"status\"", "bad_request");
    expect_error("{\"cmd\":1}", "bad_request");
    expect_error("{}", "bad_request");
    expect_error("{\"cmd\":\"status\",\"cmd\":\"stop\"}", "bad_request");
    expect_error("{\"cmd\":\"bogus\"}", "unknown_command");
    expect_error("{\"cmd\":\"status\\u0000\"}", "unknown_command");
    expect_error("{\"cmd\":\"a-very-long-command-name-that-is-no-command\"}",
                 "unknown_command");
    expect_error("{\"cmd\":\"status\",\"v\":2}", "bad_version");
    expect_error("{\"cmd\":\"drain\",\"timeout_ms\":-1}", "bad_request");
    expect_error("{\"cmd\":\"drain\",\"timeout_ms\":1.5}", "bad_request");
    expect_error("{\"cmd\":\"drain\",\"timeout_ms\":\"1\"}", "bad_request");
    expect_error("{\"cmd\":\"channels\",\"top\":0}", "bad_request");
}


static void
test_format_round_trip(void **state)
{
    wf_ctlproto_req_t req = WF_CTLPROTO_REQ_INIT, back;
    wf_buf_t b = WF_BUF_INIT;
    const char *code;
    char *cause = NULL;

    for (int cmd = 0; cmd < WF_CTLPROTO_NCMDS; cmd++) {
        req.cmd = cmd;
        req.timeout_ms = cmd == WF_CTLPROTO_DRAIN ? 2500 : -1;
        req.top = cmd == WF_CTLPROTO_CHANNELS ? 3 : -1;
        wf_buf_reset(&b);
        wf_ctlproto_req_format(&b, &req);
        assert_int_equal(wf_buf_head(&b)[wf_buf_avail(&b) - 1], '\n');
        assert_int_equal(wf_ctlproto_req_parse(wf_buf_head(&b),
                                               wf_buf_avail(&b) - 1, &back,
                                               &code, &cause),
                         0);
        assert_int_equal(back.cmd, req.cmd);
        assert_int_equal(back.timeout_ms, req.timeout_ms);
        assert_int_equal(back.top, req.top);
        assert_int_equal(wf_ctlproto_cmd_find(wf_ctlproto_cmd_name(cmd)), cmd);
    }
    assert_null(wf_ctlproto_cmd_name(WF_CTLPROTO_NCMDS));
    assert_int_equal(wf_ctlproto_cmd_find("STATUS"), -1);
    wf_buf_free(&b);
}


static void
test_writer(void **state)
{
    wf_buf_t b = WF_BUF_INIT;
    wf_ctlproto_w_t w;

    wf_ctlproto_w_begin(&w, &b, 1);
    wf_ctlproto_w_str(&w, "s", "a\"b\n");
    wf_ctlproto_w_str(&w, "n", NULL);
    wf_ctlproto_w_u64(&w, "u", UINT64_MAX);
    wf_ctlproto_w_i64(&w, "i", -3);
    wf_ctlproto_w_arr(&w, "a");
    wf_ctlproto_w_obj(&w, NULL);
    wf_ctlproto_w_bool(&w, "t", 1);
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_arr(&w, NULL);
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_null(&w, NULL);
    wf_ctlproto_w_close(&w);
    wf_ctlproto_w_obj(&w, "o"); /* left open: end closes it */
    wf_ctlproto_w_end(&w);
    wf_buf_append(&b, "", 1);
    assert_string_equal(wf_buf_head(&b),
                        "{\"ok\":true,\"s\":\"a\\\"b\\n\",\"n\":null,"
                        "\"u\":18446744073709551615,\"i\":-3,"
                        "\"a\":[{\"t\":true},[],null],\"o\":{}}\n");
    wf_buf_reset(&b);
    wf_ctlproto_error(&b, "refused", "f.conf:3: bad");
    wf_buf_append(&b, "", 1);
    assert_string_equal(wf_buf_head(&b), "{\"ok\":false,\"code\":\"refused\","
                                         "\"error\":\"f.conf:3: bad\"}\n");
    wf_buf_free(&b);
}


static void
test_reader(void **state)
{
    static const char r[] =
        "{\"ok\":true,\"total\":{\"messages_in\":{\"api\":4},\"n\":-2},"
        "\"name\":\"x\\u00e9\",\"workers\":[{\"pid\":1,\"s\":\"]\\\"[\"},"
        " {\"pid\":2} ,[1,[2]],\"}\",true,null,-1.5e3 ],\"empty\":[]}";
    size_t n = sizeof(r) - 1, pos = 0;
    wf_ctlproto_val_t v, e;
    char *s;
    int count = 0;

    assert_int_equal(wf_ctlproto_get_i64(r, n, "total.messages_in.api", -1), 4);
    assert_int_equal(wf_ctlproto_get_i64(r, n, "total.n", 0), -2);
    assert_int_equal(wf_ctlproto_get_i64(r, n, "total.missing", 9), 9);
    assert_int_equal(wf_ctlproto_get_i64(r, n, "name.x", 9), 9);
    assert_int_equal(wf_ctlproto_get_bool(r, n, "ok", 0), 1);
    assert_int_equal(wf_ctlproto_get_bool(r, n, "name", -1), -1);
    s = wf_ctlproto_get_str(r, n, "name");
    assert_string_equal(s, "x\xc3\xa9");
    free(s);
    assert_null(wf_ctlproto_get_str(r, n, "total"));
    assert_int_equal(wf_ctlproto_get(r, n, "workers", &v), 0);
    assert_int_equal(v.type, WF_JSON_ARRAY);
    while (wf_ctlproto_arr_next(v.p, v.n, &pos, &e)) {
        static const wf_json_type_t types[] = {
            WF_JSON_OBJECT, WF_JSON_OBJECT, WF_JSON_ARRAY, WF_JSON_STRING,
            WF_JSON_TRUE,   WF_JSON_NULL,   WF_JSON_NUMBER};

        assert_true(count < 7);
        assert_int_equal(e.type, types[count]);
        if (count < 2)
            assert_int_equal(wf_ctlproto_get_i64(e.p, e.n, "pid", 0),
                             count + 1);
        if (count == 6)
            assert_int_equal(e.n, 6);
        count++;
    }
    assert_int_equal(count, 7);
    pos = 0;
    assert_int_equal(wf_ctlproto_get(r, n, "empty", &v), 0);
    assert_int_equal(wf_ctlproto_arr_next(v.p, v.n, &pos, &e), 0);
    assert_int_equal(wf_ctlproto_get("[1]", 3, "a", &v), WF_EINVAL);
    assert_int_equal(wf_ctlproto_get(r, n - 1, "ok", &v), WF_EINVAL);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_requests),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_reader),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
