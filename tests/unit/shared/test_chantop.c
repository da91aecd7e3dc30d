/* test_chantop.c - a worker's busiest channels sent over a real socketpair
 * in parts and read back; the merge of several workers' lists, with exact
 * counts, bounded ones and workers that did not answer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "chantop.h"
#include "err.h"
#include "ipc.h"

typedef struct {
    wf_chantop_list_t *l;
    uint32_t id;
    int parts;
} collect_t;


static void
on_msg(void *arg, unsigned type, const char *p, size_t len)
{
    collect_t *c = arg;

    assert_int_equal(type, WF_IPC_CHANTOP_PART);
    assert_int_equal(wf_chantop_part_id(p, len), c->id);
    assert_int_equal(wf_chantop_add(c->l, p, len), 0);
    c->parts++;
}


/* Send v[0..n) through a socketpair and read it back into l. */
static int
roundtrip(const wf_chantop_ent_t *v, size_t n, uint64_t channels,
          wf_chantop_list_t *l)
{
    int sv[2];
    wf_buf_t in = WF_BUF_INIT;
    collect_t c = {l, 77, 0};

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(wf_chantop_send(sv[0], 77, v, n, channels), 0);
    close(sv[0]);
    while (wf_ipc_read(sv[1], &in, on_msg, &c) == 0)
        ;
    close(sv[1]);
    wf_buf_free(&in);
    l->answered = 1;
    return c.parts;
}


static wf_chantop_ent_t
ent(const char *name, uint64_t subs)
{
    return (wf_chantop_ent_t){name, strlen(name), subs, 0};
}


static void
test_roundtrip_in_parts(void **state)
{
    enum { N = 1000 };
    static char names[N][24];
    wf_chantop_ent_t v[N];
    wf_chantop_list_t l = {0};
    int parts;

    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "room:%d", i);
        v[i] = ent(names[i], (uint64_t)(5000 - i));
    }
    parts = roundtrip(v, N, N, &l);
    assert_true(parts > 1); /* 1000 entries do not fit one 4 KiB message */
    assert_true(l.done);
    assert_int_equal(l.n, N);
    assert_int_equal(l.channels, N);
    assert_int_equal(l.floor, 0); /* all listed */
    for (int i = 0; i < N; i++) {
        assert_int_equal(l.v[i].len, strlen(names[i]));
        assert_memory_equal(l.v[i].name, names[i], l.v[i].len);
        assert_int_equal(l.v[i].subs, 5000 - i);
    }
    wf_chantop_list_free(&l);
}


static void
test_byte_budget_sets_floor(void **state)
{
    enum { N = 1000 };
    static char names[N][201];
    wf_chantop_ent_t v[N];
    wf_chantop_list_t l = {0};

    for (int i = 0; i < N; i++) {
        memset(names[i], 'a' + i % 26, 200);
        snprintf(names[i], 8, "%07d", i);
        names[i][7] = 'x';
        v[i] = (wf_chantop_ent_t){names[i], 200, (uint64_t)(N - i), 0};
    }
    roundtrip(v, N, 5000, &l);
    /* 32 KiB of 200-byte names: the first 163 */
    assert_int_equal(l.n, WF_CHANTOP_BYTES / 200);
    assert_int_equal(l.channels, 5000);
    assert_int_equal(l.floor, l.v[l.n - 1].subs);
    wf_chantop_list_free(&l);
}


static void
test_malformed_part_is_refused(void **state)
{
    wf_chantop_part_t h = {.id = 1, .last = 1, .n = 2, .channels = 2};
    char p[sizeof(h) + 5 + 3];
    wf_chantop_list_t l = {0};
    uint32_t subs = 4;

    memcpy(p, &h, sizeof(h));
    memcpy(p + sizeof(h), &subs, 4);
    p[sizeof(h) + 4] = 3;
    memcpy(p + sizeof(h) + 5, "abc", 3);
    assert_int_equal(wf_chantop_add(&l, p, sizeof(p)), WF_EPROTO); /* n=2 */
    assert_int_equal(l.n, 0);
    assert_false(l.done);
    h.n = 1;
    memcpy(p, &h, sizeof(h));
    assert_int_equal(wf_chantop_add(&l, p, sizeof(p) - 1), WF_EPROTO);
    assert_int_equal(wf_chantop_add(&l, p, 3), WF_EPROTO);
    assert_int_equal(wf_chantop_part_id(p, 3), 0);
    assert_int_equal(wf_chantop_add(&l, p, sizeof(p)), 0);
    assert_int_equal(l.n, 1);
    assert_true(l.done);
    /* nothing after the last part */
    assert_int_equal(wf_chantop_add(&l, p, sizeof(p)), WF_EPROTO);
    wf_chantop_list_free(&l);
}


static void
test_merge_exact(void **state)
{
    wf_chantop_ent_t a[] = {ent("hot", 10), ent("b", 3), ent("a", 3)};
    wf_chantop_ent_t b[] = {ent("hot", 7), ent("c", 6), ent("a", 1)};
    wf_chantop_list_t l[2] = {{0}, {0}};
    wf_chantop_ent_t *out;
    int complete;
    size_t n;

    roundtrip(a, 3, 3, &l[0]);
    roundtrip(b, 3, 3, &l[1]);
    n = wf_chantop_merge(l, 2, 10, &out, &complete);
    assert_true(complete);
    assert_int_equal(n, 4);
    assert_memory_equal(out[0].name, "hot", 3);
    assert_int_equal(out[0].subs, 17);
    assert_memory_equal(out[1].name, "c", 1);
    assert_int_equal(out[1].subs, 6);
    assert_memory_equal(out[2].name, "a", 1);
    assert_int_equal(out[2].subs, 4);
    assert_memory_equal(out[3].name, "b", 1);
    assert_int_equal(out[3].subs, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].slack, 0);
    free(out);
    /* top cuts the list; ties (a 3, b 3) go by name */
    n = wf_chantop_merge(l, 1, 2, &out, &complete);
    assert_int_equal(n, 2);
    assert_memory_equal(out[0].name, "hot", 3);
    assert_memory_equal(out[1].name, "a", 1);
    free(out);
    wf_chantop_list_free(&l[0]);
    wf_chantop_list_free(&l[1]);
}


static void
test_merge_bounds(void **state)
{
    /* Worker 0 holds 100 channels and listed two: anything else it holds
     * has at most 5. Worker 1 listed all of its. */
    wf_chantop_ent_t a[] = {ent("x", 10), ent("y", 5)};
    wf_chantop_ent_t b[] = {ent("x", 3), ent("z", 7)};
    wf_chantop_list_t l[3] = {{0}, {0}, {0}};
    wf_chantop_ent_t *out;
    int complete;
    size_t n;

    roundtrip(a, 2, 100, &l[0]);
    roundtrip(b, 2, 2, &l[1]);
    assert_int_equal(l[0].floor, 5);
    n = wf_chantop_merge(l, 2, 10, &out, &complete);
    assert_false(complete);
    assert_int_equal(n, 3);
    assert_memory_equal(out[0].name, "x", 1);
    assert_int_equal(out[0].subs, 13);
    assert_int_equal(out[0].slack, 0); /* both workers counted it */
    assert_memory_equal(out[1].name, "z", 1);
    assert_int_equal(out[1].subs, 7);
    assert_int_equal(out[1].slack, 5); /* worker 0 may have up to 5 */
    assert_memory_equal(out[2].name, "y", 1);
    assert_int_equal(out[2].slack, 0); /* worker 1 listed all: no y */
    free(out);
    /* A third worker asked that never answered: nothing is exact. */
    n = wf_chantop_merge(l, 3, 10, &out, &complete);
    assert_false(complete);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(out[i].slack == UINT64_MAX);
    free(out);
    for (int i = 0; i < 3; i++)
        wf_chantop_list_free(&l[i]);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_in_parts),
        cmocka_unit_test(test_byte_budget_sets_floor),
        cmocka_unit_test(test_malformed_part_is_refused),
        cmocka_unit_test(test_merge_exact),
        cmocka_unit_test(test_merge_bounds),
    };

    return cmocka_run_group_tests(tests, 0, NULL);
}
