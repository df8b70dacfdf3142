/* tests/unit/test_inbox.c - the live loop's inbox (live/inbox.h) is a ring
 * of the capacity given at set-up: FIFO across the wrap, and a push into a
 * full inbox is PMC_EFULL (the loop stops with a clear error) instead of
 * growing with malloc on the hot path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "live/inbox.h"

static struct pmc_record rec(pmc_ms t)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_RESUME;
    r.t = t;
    return r;
}

static void test_bounded_fifo(void **st)
{
    (void)st;
    struct pmc_inbox q;
    assert_int_equal(pmc_inbox_init(&q, 4), PMC_OK);
    struct pmc_record r;
    int64_t mono;
    pmc_ms next_in = 1, next_out = 1;
    for (int round = 0; round < 5; round++) {
        /* fill to capacity (the ring wraps from the second round on) */
        while (q.n < 4) {
            struct pmc_record x = rec(next_in);
            assert_int_equal(pmc_inbox_push(&q, &x, next_in * 10), PMC_OK);
            next_in++;
        }
        struct pmc_record x = rec(999);
        assert_int_equal(pmc_inbox_push(&q, &x, 0), PMC_EFULL);
        assert_int_equal(q.cap, 4); /* never grows */
        for (int k = 0; k < 3; k++) {
            assert_int_equal(pmc_inbox_pop(&q, &r, &mono), 1);
            assert_int_equal(r.t, next_out);
            assert_int_equal(mono, next_out * 10);
            next_out++;
        }
    }
    while (pmc_inbox_pop(&q, &r, &mono))
        assert_int_equal(r.t, next_out++);
    assert_int_equal(next_out, next_in);
    assert_int_equal(pmc_inbox_pop(&q, &r, &mono), 0);
    pmc_inbox_fini(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounded_fifo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
