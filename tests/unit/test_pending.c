/* tests/unit/test_pending.c - the live loop's table of orders awaiting
 * their journal entry (live/pending.h): two orders whose coids share a
 * hash slot both stay whole (the direct-mapped table handed the store the
 * wrong one, price 0), an order keeps every source fill (not the first 64),
 * a full table says so, deletion keeps the other members of a probe run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "live/pending.h"

static struct pmc_fill_ref fills[300];

/* An order action; h forces the coid's hash (0 = its own). */
static struct pmc_record order(const char *coid, uint64_t h, pmc_micros px,
                               uint32_t nfills)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_ORDER;
    r.t = 1000;
    assert_int_equal(pmc_sym_set(&r.u.order.coid, coid, strlen(coid)), PMC_OK);
    if (h)
        r.u.order.coid.h = h;
    assert_int_equal(pmc_sym_set(&r.u.order.token, "tok", 3), PMC_OK);
    r.u.order.px = px;
    r.u.order.sz = 10 * PMC_MICRO;
    r.u.order.fills = fills;
    r.u.order.nfills = nfills;
    return r;
}

static struct pmc_sym sym_h(const char *s, uint64_t h)
{
    struct pmc_sym y;
    assert_int_equal(pmc_sym_set(&y, s, strlen(s)), PMC_OK);
    if (h)
        y.h = h;
    return y;
}

static void setup_fills(void)
{
    for (int i = 0; i < 300; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "key-%03d", i);
        assert_int_equal(pmc_sym_set(&fills[i].key, k, (size_t)n), PMC_OK);
        fills[i].sz = PMC_MICRO;
    }
}

static void test_colliding_coids_stay_apart(void **st)
{
    (void)st;
    setup_fills();
    struct pmc_pending t;
    assert_int_equal(pmc_pending_init(&t, 1024), PMC_OK);
    /* same slot in any table of up to 2^16 entries */
    struct pmc_record a = order("pmc-a", 0x10005, 510000, 1);
    struct pmc_record b = order("pmc-b", 0x20005, 470000, 2);
    assert_int_equal(pmc_pending_put(&t, &a, NULL), PMC_OK);
    assert_int_equal(pmc_pending_put(&t, &b, NULL), PMC_OK);
    struct pmc_sym ka = sym_h("pmc-a", 0x10005), kb = sym_h("pmc-b", 0x20005);
    struct pmc_pending_order *pa = pmc_pending_get(&t, &ka);
    struct pmc_pending_order *pb = pmc_pending_get(&t, &kb);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_true(pa != pb);
    assert_int_equal(pa->a.u.order.px, 510000);
    assert_int_equal(pb->a.u.order.px, 470000);
    assert_string_equal(pa->a.u.order.coid.s, "pmc-a");
    assert_int_equal(pb->a.u.order.nfills, 2);
    /* the same coid twice is refused, not overwritten */
    struct pmc_record a2 = order("pmc-a", 0x10005, 990000, 1);
    assert_int_equal(pmc_pending_put(&t, &a2, NULL), PMC_ESTATE);
    assert_int_equal(pmc_pending_get(&t, &ka)->a.u.order.px, 510000);
    pmc_pending_fini(&t);
}

static void test_every_fill_kept(void **st)
{
    (void)st;
    setup_fills();
    struct pmc_pending t;
    assert_int_equal(pmc_pending_init(&t, 16), PMC_OK);
    struct pmc_record a = order("pmc-many", 0, 500000, 300);
    assert_int_equal(pmc_pending_put(&t, &a, NULL), PMC_OK);
    memset(fills, 0, sizeof fills); /* the engine's copy is gone */
    struct pmc_sym k = sym_h("pmc-many", 0);
    struct pmc_pending_order *p = pmc_pending_get(&t, &k);
    assert_non_null(p);
    assert_int_equal(p->a.u.order.nfills, 300);
    assert_string_equal(p->a.u.order.fills[0].key.s, "key-000");
    assert_string_equal(p->a.u.order.fills[64].key.s, "key-064");
    assert_string_equal(p->a.u.order.fills[299].key.s, "key-299");
    pmc_pending_fini(&t);
}

static void test_full_and_delete(void **st)
{
    (void)st;
    setup_fills();
    struct pmc_pending t;
    assert_int_equal(pmc_pending_init(&t, 40), PMC_OK);
    char c[16];
    /* a long probe run: every coid on the same home slot, past the first
     * table size (it grows) */
    for (int i = 0; i < 40; i++) {
        snprintf(c, sizeof c, "pmc-%d", i);
        struct pmc_record r = order(c, 0x777, 10000 + i, 1);
        assert_int_equal(pmc_pending_put(&t, &r, NULL), PMC_OK);
    }
    struct pmc_record x = order("pmc-x", 0x777, 1, 1);
    assert_int_equal(pmc_pending_put(&t, &x, NULL), PMC_EFULL);
    for (int i = 0; i < 40; i += 3) {
        snprintf(c, sizeof c, "pmc-%d", i);
        struct pmc_sym k = sym_h(c, 0x777);
        pmc_pending_del(&t, &k);
        assert_null(pmc_pending_get(&t, &k));
    }
    for (int i = 0; i < 40; i++) {
        snprintf(c, sizeof c, "pmc-%d", i);
        struct pmc_sym k = sym_h(c, 0x777);
        struct pmc_pending_order *p = pmc_pending_get(&t, &k);
        if (i % 3 == 0) {
            assert_null(p);
        } else {
            assert_non_null(p);
            assert_int_equal(p->a.u.order.px, 10000 + i);
        }
    }
    assert_int_equal(pmc_pending_put(&t, &x, NULL), PMC_OK);
    pmc_pending_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colliding_coids_stay_apart),
        cmocka_unit_test(test_every_fill_kept),
        cmocka_unit_test(test_full_and_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
