/* tests/unit/test_amounts.c - order amounts against the protocol reference
 * 8.6 table (official V2 builder outputs), tick parsing, price validity and
 * venue minimums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/dec.h"
#include "proto/sign/amounts.h"
#include "proto/sign/eip712.h"

static pmc_micros dec(const char *s)
{
    pmc_micros v;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

static struct pmc_tick tick(const char *s)
{
    struct pmc_tick t;
    assert_int_equal(pmc_tick_parse(s, strlen(s), &t), PMC_OK);
    return t;
}

struct row {
    enum pmc_order_kind kind;
    uint8_t side;
    const char *price, *size, *tick;
    uint64_t maker, taker;
};

#define L PMC_ORDER_LIMIT
#define M PMC_ORDER_MARKET
#define B PMC_BUY
#define S PMC_SELL

/* Reference 8.6, in order. The last row is the one where the official
 * builder emits a 5-decimal taker the server rejects (10131970); the exact
 * rule floors it to 4 decimals. */
static const struct row ROWS[] = {
    {L, B, "0.55", "10", "0.01", 5500000, 10000000},
    {L, S, "0.55", "10", "0.01", 10000000, 5500000},
    {L, B, "0.57", "33.33", "0.01", 18998100, 33330000},
    {L, S, "0.57", "33.33", "0.01", 33330000, 18998100},
    {L, B, "0.333", "17.777", "0.001", 5917410, 17770000},
    {L, S, "0.999", "1234.5678", "0.001", 1234560000, 1233325440},
    {L, B, "0.1234", "12.34", "0.0001", 1522756, 12340000},
    {L, B, "0.5", "5", "0.1", 2500000, 5000000},
    {L, B, "0.015", "100", "0.005", 1500000, 100000000},
    {L, S, "0.4975", "7.77", "0.0025", 7770000, 3865575},
    {L, B, "0.29", "5.17", "0.01", 1499300, 5170000},
    {L, B, "0.07", "3", "0.01", 210000, 3000000},
    {M, B, "0.56", "100", "0.01", 100000000, 178571400},
    {M, B, "0.33", "10", "0.01", 10000000, 30303000},
    {M, S, "0.4", "55.55", "0.01", 55550000, 22220000},
    {M, B, "0.999", "1", "0.001", 1000000, 1001000},
    {M, B, "0.567", "25", "0.01", 25000000, 44642800},
    {M, B, "0.985", "9.98", "0.001", 9980000, 10131900},
};

static void test_reference_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const struct row *r = &ROWS[i];
        struct pmc_amount_req q = {r->kind,      r->side,       dec(r->price),
                                   dec(r->size), tick(r->tick), 0};
        struct pmc_amounts a;
        char why[160] = "";
        print_message("row %zu: %s %s\n", i, r->price, r->size);
        assert_int_equal(pmc_amounts_compute(&q, &a, why, sizeof(why)), PMC_OK);
        assert_int_equal(a.maker_amount, r->maker);
        assert_int_equal(a.taker_amount, r->taker);
        /* a marketable buy's taker is always 4 decimals at most */
        if (r->kind == M && r->side == B)
            assert_int_equal(a.taker_amount % 100, 0);
    }
}

static void test_market_price_floor(void **state)
{
    (void)state;
    struct pmc_amounts a;
    /* 0.567 on 0.01 -> 0.56 (reference row); on 0.005 -> 0.565 */
    struct pmc_amount_req q = {M, B, dec("0.567"), dec("25"), tick("0.01"), 0};
    assert_int_equal(pmc_amounts_compute(&q, &a, NULL, 0), PMC_OK);
    assert_int_equal(a.price, 560000);
    q.tick = tick("0.005");
    assert_int_equal(pmc_amounts_compute(&q, &a, NULL, 0), PMC_OK);
    assert_int_equal(a.price, 565000);
    /* 25 / 0.565 = 44.247787... -> 44.2477 shares */
    assert_int_equal(a.taker_amount, 44247700);
    q.tick = tick("0.0025");
    q.price = dec("0.5674");
    assert_int_equal(pmc_amounts_compute(&q, &a, NULL, 0), PMC_OK);
    assert_int_equal(a.price, 565000);
    /* a market SELL floors its worst price too */
    struct pmc_amount_req sq = {M, S, dec("0.409"), dec("10"), tick("0.01"), 0};
    assert_int_equal(pmc_amounts_compute(&sq, &a, NULL, 0), PMC_OK);
    assert_int_equal(a.taker_amount, 4000000);
    /* a worst price below one tick after flooring is out of range */
    struct pmc_amount_req lo = {M, B, dec("0.009"), dec("5"), tick("0.01"), 0};
    char why[160];
    assert_int_equal(pmc_amounts_compute(&lo, &a, why, sizeof(why)),
                     PMC_ERANGE);
    assert_non_null(strstr(why, "outside"));
}

/* Every tick on a few prices: exact products, no rounding. */
static void test_all_ticks(void **state)
{
    (void)state;
    static const struct {
        const char *tick, *price;
        uint64_t usd; /* 12.34 shares x price, base units */
    } T[] = {
        {"0.1", "0.3", 3702000},     {"0.01", "0.37", 4565800},
        {"0.005", "0.375", 4627500}, {"0.0025", "0.3725", 4596650},
        {"0.001", "0.371", 4578140}, {"0.0001", "0.3711", 4579374},
    };
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
        struct pmc_amounts a;
        struct pmc_amount_req q = {
            L, B, dec(T[i].price), dec("12.34"), tick(T[i].tick), dec("5")};
        assert_int_equal(pmc_amounts_compute(&q, &a, NULL, 0), PMC_OK);
        assert_int_equal(a.maker_amount, T[i].usd);
        assert_int_equal(a.taker_amount, 12340000);
        q.side = S;
        assert_int_equal(pmc_amounts_compute(&q, &a, NULL, 0), PMC_OK);
        assert_int_equal(a.taker_amount, T[i].usd);
        assert_int_equal(a.maker_amount, 12340000);
    }
}

static void test_tick_parse(void **state)
{
    (void)state;
    struct pmc_tick t;
    assert_int_equal(pmc_tick_micros(tick("0.1")), 100000);
    assert_int_equal(pmc_tick_micros(tick("0.0025")), 2500);
    assert_int_equal(pmc_tick_micros(tick("0.005")), 5000);
    assert_int_equal(pmc_tick_micros(tick("0.0001")), 100);
    assert_int_equal(pmc_tick_micros(tick("0.010")), 10000);
    assert_int_equal(pmc_tick_parse("0.02", 4, &t), PMC_ERANGE);
    assert_int_equal(pmc_tick_parse("0.00001", 7, &t), PMC_ERANGE);
    assert_int_equal(pmc_tick_parse("1", 1, &t), PMC_ERANGE);
    assert_int_equal(pmc_tick_parse("abc", 3, &t), PMC_EPARSE);
    assert_int_equal(pmc_tick_parse("", 0, &t), PMC_EPARSE);
}

static void expect_err(struct pmc_amount_req q, enum pmc_err want,
                       const char *needle)
{
    struct pmc_amounts a;
    char why[200] = "";
    assert_int_equal(pmc_amounts_compute(&q, &a, why, sizeof(why)), want);
    print_message("why: %s\n", why);
    assert_non_null(strstr(why, needle));
}

static void test_errors(void **state)
{
    (void)state;
    struct pmc_tick c = tick("0.01");
    /* off grid */
    expect_err((struct pmc_amount_req){L, B, dec("0.555"), dec("10"), c, 0},
               PMC_ERANGE, "not on the 0.01 tick grid");
    expect_err((struct pmc_amount_req){L, B, dec("0.4976"), dec("10"),
                                       tick("0.0025"), 0},
               PMC_ERANGE, "not on the 0.0025 tick grid");
    expect_err((struct pmc_amount_req){L, B, dec("0.013"), dec("10"),
                                       tick("0.005"), 0},
               PMC_ERANGE, "0.013");
    /* out of [tick, 1 - tick] */
    /* on-grid prices in (0, 1) are always within [tick, 1 - tick]; the
     * range rule bites when a market price floors to 0 (see above) */
    expect_err((struct pmc_amount_req){M, S, dec("0.004"), dec("10"),
                                       tick("0.005"), 0},
               PMC_ERANGE, "price 0 is outside [0.005, 0.995]");
    expect_err((struct pmc_amount_req){L, S, dec("1"), dec("10"), c, 0},
               PMC_ERANGE, "outside (0, 1)");
    expect_err((struct pmc_amount_req){L, S, 0, dec("10"), c, 0}, PMC_ERANGE,
               "price 0 ");
    expect_err(
        (struct pmc_amount_req){L, S, dec("0.99"), dec("10"), tick("0.1"), 0},
        PMC_ERANGE, "0.99");
    /* minimums */
    expect_err(
        (struct pmc_amount_req){L, B, dec("0.5"), dec("4.99"), c, dec("5")},
        PMC_ERANGE, "below the minimum order size 5 shares");
    expect_err(
        (struct pmc_amount_req){L, B, dec("0.5"), dec("5.009"), c, dec("5.01")},
        PMC_ERANGE, "minimum order size 5.01");
    expect_err((struct pmc_amount_req){L, B, dec("0.5"), dec("0.009"), c, 0},
               PMC_ERANGE, "below the minimum");
    expect_err((struct pmc_amount_req){M, B, dec("0.5"), dec("0.99"), c, 0},
               PMC_ERANGE, "below the minimum marketable buy of 1 USD");
    expect_err((struct pmc_amount_req){M, S, dec("0.5"), dec("0.001"), c, 0},
               PMC_ERANGE, "below 0.01 share");
    expect_err((struct pmc_amount_req){L, B, dec("0.5"), -dec("5"), c, 0},
               PMC_ERANGE, "must be > 0");
    expect_err((struct pmc_amount_req){L, 2, dec("0.5"), dec("5"), c, 0},
               PMC_EUSAGE, "side");
    expect_err((struct pmc_amount_req){L, B, dec("0.5"), dec("5"),
                                       (struct pmc_tick){2, 3}, 0},
               PMC_ERANGE, "tick_size");
    /* huge sizes do not overflow silently */
    expect_err((struct pmc_amount_req){L, B, dec("0.5"), INT64_MAX, c, 0},
               PMC_ERANGE, "out of range");
    /* exactly at the minimum passes */
    struct pmc_amounts a;
    struct pmc_amount_req ok = {L, B, dec("0.5"), dec("5"), c, dec("5")};
    assert_int_equal(pmc_amounts_compute(&ok, &a, NULL, 0), PMC_OK);
    struct pmc_amount_req ok2 = {M, B, dec("0.5"), dec("1"), c, dec("5")};
    assert_int_equal(pmc_amounts_compute(&ok2, &a, NULL, 0), PMC_OK);
    assert_int_equal(a.taker_amount, 2000000);
}

static void test_price_check(void **state)
{
    (void)state;
    char why[128];
    struct pmc_tick t = tick("0.0025");
    assert_int_equal(pmc_price_check(2500, t, why, sizeof(why)), PMC_OK);
    assert_int_equal(pmc_price_check(997500, t, why, sizeof(why)), PMC_OK);
    assert_int_equal(pmc_price_check(0, t, why, sizeof(why)), PMC_ERANGE);
    assert_int_equal(pmc_price_check(1000000, t, why, sizeof(why)), PMC_ERANGE);
    assert_int_equal(pmc_price_check(5000 + 100, t, why, sizeof(why)),
                     PMC_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_table),
        cmocka_unit_test(test_market_price_floor),
        cmocka_unit_test(test_all_ticks),
        cmocka_unit_test(test_tick_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_price_check),
    };
    return cmocka_run_group_tests_name("amounts", tests, NULL, NULL);
}
