/* tests/unit/test_sim_fillmodel.c - the pure fee formula and book walk
 * (core/fees.h, core/fillmodel.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/dec.h"
#include "core/fees.h"
#include "core/fillmodel.h"
#include "core/tape.h"

static pmc_micros D(const char *s)
{
    pmc_micros v;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

/* SDK reference values (polymarket-protocol.md 7.1): 100 shares, rate 0.25,
 * exponent 2. */
static void test_fee_sdk_vectors(void **st)
{
    (void)st;
    static const struct {
        const char *px, *fee;
    } v[] = {{"0.5", "1.5625"},  {"0.3", "1.1025"},    {"0.7", "1.1025"},
             {"0.1", "0.2025"},  {"0.05", "0.056406"}, /* 0.05640625 */
             {"0.01", "0.00245"}};                     /* 0.00245025 */
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(pmc_fee_taker(D("100"), D(v[i].px), D("0.25"), 2),
                         D(v[i].fee));
    /* exponent 1, rate 0.07: peak 1.75 per 100 shares */
    assert_int_equal(pmc_fee_taker(D("100"), D("0.5"), D("0.07"), 1),
                     D("1.75"));
    assert_int_equal(pmc_fee_taker(0, D("0.5"), D("0.25"), 2), 0);
    assert_int_equal(pmc_fee_taker(D("100"), D("0.5"), 0, 2), 0);
    /* symmetric in p <-> 1-p */
    assert_int_equal(pmc_fee_taker(D("37.5"), D("0.23"), D("0.25"), 2),
                     pmc_fee_taker(D("37.5"), D("0.77"), D("0.25"), 2));
}

static struct pmc_book book3(void)
{
    struct pmc_book b;
    pmc_book_clear(&b);
    b.nask = 3;
    b.ask_px[0] = D("0.50");
    b.ask_sz[0] = D("30");
    b.ask_px[1] = D("0.51");
    b.ask_sz[1] = D("5");
    b.ask_px[2] = D("0.53");
    b.ask_sz[2] = D("100");
    b.nbid = 1;
    b.bid_px[0] = D("0.49");
    b.bid_sz[0] = D("10");
    return b;
}

static void test_walk_fak_partial(void **st)
{
    (void)st;
    struct pmc_book b = book3();
    struct pmc_fee_params fp = {D("0.25"), 2};
    struct pmc_match m;
    pmc_fill_match(&b, PMC_BUY, D("0.52"), D("40"), PMC_TIF_FAK, &fp, 1, &m);
    assert_int_equal(m.nlegs, 2);
    assert_int_equal(m.filled, D("35"));
    assert_int_equal(m.legs[0].px, D("0.50"));
    assert_int_equal(m.legs[1].px, D("0.51"));
    assert_int_equal(m.notional, D("17.55"));
    /* 30 x .25 x .0625 = .46875; 5 x .25 x (.51 x .49)^2 = .0780625125 */
    assert_int_equal(m.legs[0].fee, D("0.46875"));
    assert_int_equal(m.legs[1].fee, D("0.078063"));
    /* consumed: only the 0.53 level is left */
    assert_int_equal(b.nask, 1);
    assert_int_equal(b.ask_px[0], D("0.53"));
    /* never beyond the limit: nothing at 0.52 any more */
    pmc_fill_match(&b, PMC_BUY, D("0.52"), D("10"), PMC_TIF_FAK, &fp, 1, &m);
    assert_int_equal(m.filled, 0);
}

static void test_walk_fok(void **st)
{
    (void)st;
    struct pmc_book b = book3();
    struct pmc_fee_params fp = {D("0.25"), 2};
    struct pmc_match m;
    pmc_fill_match(&b, PMC_BUY, D("0.52"), D("40"), PMC_TIF_FOK, &fp, 1, &m);
    assert_int_equal(m.filled, 0);
    assert_int_equal(b.nask, 3); /* untouched */
    pmc_fill_match(&b, PMC_BUY, D("0.53"), D("40"), PMC_TIF_FOK, &fp, 0, &m);
    assert_int_equal(m.filled, D("40"));
    assert_int_equal(m.nlegs, 3);
    assert_int_equal(b.ask_sz[0], D("30")); /* consume = 0 */
}

static void test_walk_sell(void **st)
{
    (void)st;
    struct pmc_book b = book3();
    struct pmc_fee_params fp = {D("0.25"), 2};
    struct pmc_match m;
    pmc_fill_match(&b, PMC_SELL, D("0.47"), D("25"), PMC_TIF_FAK, &fp, 1, &m);
    assert_int_equal(m.filled, D("10"));
    assert_int_equal(m.notional, D("4.9"));
    assert_int_equal(b.nbid, 0);
    pmc_fill_match(&b, PMC_SELL, D("0.01"), D("1"), PMC_TIF_FAK, &fp, 1, &m);
    assert_int_equal(m.filled, 0);
}

static void test_synthetic_and_rest(void **st)
{
    (void)st;
    struct pmc_book b;
    pmc_book_synthetic(&b, D("0.40"), D("0.005"), 0, PMC_SIZE_MAX);
    assert_int_equal(b.ask_px[0], D("0.405"));
    assert_int_equal(b.bid_px[0], D("0.395"));
    assert_int_equal(pmc_book_mid(&b), D("0.40"));
    pmc_book_synthetic(&b, D("0.999"), D("0.005"), 0, PMC_SIZE_MAX);
    assert_int_equal(b.ask_px[0], D("0.999999"));
    /* on a tick grid: ask rounded up, bid down, both in [tick, 1 - tick] */
    pmc_book_synthetic(&b, D("0.40"), D("0.005"), D("0.01"), PMC_SIZE_MAX);
    assert_int_equal(b.ask_px[0], D("0.41"));
    assert_int_equal(b.bid_px[0], D("0.39"));
    pmc_book_synthetic(&b, D("0.995"), D("0.005"), D("0.001"), PMC_SIZE_MAX);
    assert_int_equal(b.ask_px[0], D("0.999"));
    assert_int_equal(b.bid_px[0], D("0.99"));
    pmc_book_synthetic(&b, D("0.993"), D("0.005"), D("0.001"), PMC_SIZE_MAX);
    assert_int_equal(b.ask_px[0], D("0.998"));
    pmc_book_synthetic(&b, D("0.002"), D("0.005"), D("0.001"), PMC_SIZE_MAX);
    assert_int_equal(b.bid_px[0], D("0.001"));
    assert_int_equal(b.ask_px[0], D("0.007"));
    /* resting buy at 0.45 crossed by an ask of 0.44 x 7 */
    struct pmc_quote q = {0};
    q.ask = D("0.44");
    q.asksz = D("7");
    pmc_book_from_quote(&b, &q, PMC_SIZE_MAX);
    assert_int_equal(b.nbid, 0);
    assert_int_equal(pmc_fill_rest_book(&b, PMC_BUY, D("0.45"), D("10"), 1),
                     D("7"));
    assert_int_equal(b.nask, 0);
    assert_int_equal(
        pmc_fill_rest_trade(PMC_BUY, D("0.45"), D("3"), D("0.45"), D("100")),
        D("3"));
    assert_int_equal(
        pmc_fill_rest_trade(PMC_BUY, D("0.45"), D("3"), D("0.46"), D("100")),
        0);
    assert_int_equal(
        pmc_fill_rest_trade(PMC_SELL, D("0.45"), D("3"), D("0.46"), D("2")),
        D("2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fee_sdk_vectors),
        cmocka_unit_test(test_walk_fak_partial),
        cmocka_unit_test(test_walk_fok),
        cmocka_unit_test(test_walk_sell),
        cmocka_unit_test(test_synthetic_and_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
