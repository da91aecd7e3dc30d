/* test_chan.c - the registry's ranking of channels by local subscribers
 * (wf_chan_top, behind wsfanctl channels). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"
#include "chantop.h"

enum { NCHAN = 200, NOWNER = 300 };


static void
test_top_k_of_many(void **state)
{
    static wf_subs_t subs[NOWNER];
    wf_chantop_ent_t v[NCHAN + 1];
    char name[32];
    size_t n;

    wf_chan_init(NULL);
    /* Channel c gets (c * 37) % 251 + 1 subscribers: distinct counts in
     * no particular order of names or hash buckets. */
    for (int c = 0; c < NCHAN; c++) {
        int want = (c * 37) % 251 + 1;

        snprintf(name, sizeof(name), "ch-%d", c);
        for (int o = 0; o < want && o < NOWNER; o++)
            assert_int_equal(wf_chan_subscribe(&subs[o], &subs[o], name,
                                               strlen(name), 1000),
                             0);
    }
    n = wf_chan_top(v, 10);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        int c;

        assert_int_equal(sscanf(v[i].name, "ch-%d", &c), 1);
        assert_int_equal(v[i].subs, (uint64_t)((c * 37) % 251 + 1));
        if (i > 0)
            assert_true(v[i - 1].subs > v[i].subs);
    }
    /* The busiest possible is 251 subscribers (c * 37 % 251 == 250). */
    assert_int_equal(v[0].subs, 251);
    /* k larger than the registry: every channel, busiest first. */
    n = wf_chan_top(v, NCHAN + 1);
    assert_int_equal(n, NCHAN);
    assert_int_equal(n, wf_chan_count());
    for (size_t i = 1; i < n; i++)
        assert_true(v[i - 1].subs >= v[i].subs);
    assert_int_equal(wf_chan_top(v, 0), 0);
    for (int o = 0; o < NOWNER; o++)
        wf_chan_unsubscribe_all(&subs[o]);
    assert_int_equal(wf_chan_top(v, 10), 0);
    wf_chan_cleanup();
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_k_of_many),
    };

    return cmocka_run_group_tests(tests, 0, NULL);
}
