/* tests/unit/test_traders.c - the core's per-trader accountability
 * (pmc_engine_trader_stats, engine.h): counts, the pro-rata attribution of
 * an order carrying several traders' fills, our P&L and the source's own,
 * loss runs and the UTC day; every number worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/driver.h"
#include "core/engine.h"
#include "core/tape.h"

#define TA "0x1111111111111111111111111111111111111111"
#define TB "0x2222222222222222222222222222222222222222"
#define TC "0x3333333333333333333333333333333333333333"
#define T0 1767229200000LL /* 2026-01-01 01:00 UTC */

struct sink {
    char lines[256][512];
    size_t n;
};

static enum pmc_err collect(void *ctx, const struct pmc_record *a)
{
    struct sink *s = ctx;
    char buf[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(a, buf, sizeof buf);
    assert_true(n > 0);
    assert_true(s->n < 256);
    snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)(n - 1), buf);
    s->n++;
    return PMC_OK;
}

static void *blk;

static void drv_init(struct pmc_driver *d, const struct pmc_config *c,
                     struct sink *s)
{
    size_t sz = (pmc_driver_mem_size(c) + 63) & ~(size_t)63;
    blk = aligned_alloc(64, sz);
    assert_non_null(blk);
    struct pmc_driver_hook h = {s, NULL, collect};
    assert_int_equal(pmc_driver_init(d, blk, sz, c, NULL, &h), PMC_OK);
}

static void drv_fini(void)
{
    free(blk);
    blk = NULL;
}

/* TA at ratio 0.1, TB at 0.5, proportional sizing (two_traders.args). */
static void cfg_two(struct pmc_config *c)
{
    pmc_config_defaults(c);
    c->sizing = PMC_SIZE_PROPORTIONAL;
    assert_int_equal(
        pmc_config_add_trader(c, TA, strlen(TA), "a", 100000, 0, 1), PMC_OK);
    assert_int_equal(
        pmc_config_add_trader(c, TB, strlen(TB), "b", 500000, 0, 1), PMC_OK);
    c->dedupe_capacity = 1024;
    c->max_open_orders = 64;
    c->max_tokens = 16;
    c->max_open_buckets = 16;
}

static void feedf(struct pmc_driver *d, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &e) != PMC_OK)
        fail_msg("bad test line: %s: %s", line, e.msg);
    assert_true(has);
    assert_int_equal(pmc_driver_feed(d, &r), PMC_OK);
}

/* coid of the nth order line */
static void coid_of(const struct sink *s, int nth, char *out)
{
    int k = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *p = strstr(s->lines[i], "coid=");
        if (p && strstr(s->lines[i], "ev=order") && k++ == nth) {
            sscanf(p, "coid=%30s", out);
            return;
        }
    }
    for (size_t i = s->n > 3 ? s->n - 3 : 0; i < s->n; i++)
        fprintf(stderr, "%s\n", s->lines[i]);
    fail_msg("no order %d", nth);
}

static struct pmc_trader_stats ts(const struct pmc_driver *d, uint32_t i)
{
    struct pmc_trader_stats t;
    assert_int_equal(pmc_engine_trader_stats(d->eng, i, &t), 1);
    return t;
}

/* TA buys 100 and TB 40 at 0.5 in one bucket: one order of 10 + 20 = 30
 * shares, attributed 1:2. Filled 30 at 0.5 with a 0.01 fee: TA gets 10
 * shares, 5 USD and floor(0.01 x 10/30) = 0.003333 of the fee, TB (the
 * larger) 20 shares, 10 USD and the rest 0.006667. Marked at 0.7: TA
 * 10 x 0.7 - 5.003333 = 1.996667, TB 14 - 10.006667 = 3.993333; the
 * sources (100 and 40 bought at 0.5) 70 - 50 = 20 and 28 - 20 = 8. Then
 * both sell all at 0.6 and the SELL of 30 fills at 0.6 without fee:
 * proceeds 6 and 12, basis 5.003333 and 10.006667 -> realised 0.996667
 * and 1.993333 (sum 2.99 = 18 - 15.01); the sources realise 60 - 50 = 10
 * and 24 - 20 = 4. */
static void test_two_traders_one_order(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=BUY px=0.5 sz=40 key=b1",
          T0 + 100);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    assert_non_null(strstr(s->lines[0], "side=BUY px=0.52 sz=30 "));
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1);
    assert_int_equal(a.fills_seen, 1);
    assert_int_equal(a.fills_eligible, 1);
    assert_int_equal(a.fills_copied, 1);
    assert_int_equal(a.orders, 1);
    assert_int_equal(b.orders, 1);
    assert_int_equal(a.order_fills, 0);

    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=30 px=0.5 fee=0.01",
          T0 + 400, coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.order_fills, 1);
    assert_int_equal(b.order_fills, 1);
    assert_int_equal(a.bought_usd, 5000000);
    assert_int_equal(b.bought_usd, 10000000);
    assert_int_equal(a.fees_usd, 3333);
    assert_int_equal(b.fees_usd, 6667);
    /* marked at the last source price, 0.5: ours lose the fee */
    assert_int_equal(a.unrealized_usd, -3333);
    assert_int_equal(b.unrealized_usd, -6667);
    assert_int_equal(a.src_unrealized_usd, 0);

    feedf(&d, "t=%lld ev=trade token=7 px=0.7 sz=1", T0 + 500);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.unrealized_usd, 1996667);
    assert_int_equal(b.unrealized_usd, 3993333);
    assert_int_equal(a.src_unrealized_usd, 20000000);
    assert_int_equal(b.src_unrealized_usd, 8000000);
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(a.unrealized_usd + b.unrealized_usd, st.unrealized);
    /* all at once: the same numbers */
    struct pmc_trader_stats all[4];
    assert_int_equal(pmc_engine_trader_stats_all(d.eng, all, 4), 2);
    assert_memory_equal(&all[0], &a, sizeof a);
    assert_memory_equal(&all[1], &b, sizeof b);
    assert_int_equal(pmc_engine_trader_stats_all(d.eng, all, 1), 1);
    assert_int_equal(all[0].unrealized_usd, 1996667);

    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=SELL px=0.6 sz=100 key=a2",
          T0 + 1000);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=SELL px=0.6 sz=40 key=b2",
          T0 + 1100);
    assert_int_equal(pmc_driver_advance(&d, T0 + 1300), PMC_OK);
    coid_of(s, 1, coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.src_realized_usd, 10000000);
    assert_int_equal(b.src_realized_usd, 4000000);
    assert_int_equal(a.src_unrealized_usd, 0);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=30 px=0.6", T0 + 1400,
          coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.sold_usd, 6000000);
    assert_int_equal(b.sold_usd, 12000000);
    assert_int_equal(a.realized_usd, 996667);
    assert_int_equal(b.realized_usd, 1993333);
    assert_int_equal(a.realized_today, 996667);
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(a.realized_usd + b.realized_usd, st.realized_total);
    assert_int_equal(a.unrealized_usd, 0);
    assert_int_equal(b.unrealized_usd, 0);
    assert_int_equal(a.consecutive_losses, 0);
    assert_int_equal(a.orders, 2);
    assert_int_equal(a.fills_copied, 2);
    assert_int_equal(a.order_fills, 2);

    /* a new UTC day: today's P&L starts again, the total stays */
    feedf(&d, "t=%lld ev=trade token=7 px=0.7 sz=1", T0 + 86400000);
    a = ts(&d, 0);
    assert_int_equal(a.realized_today, 0);
    assert_int_equal(a.realized_usd, 996667);
    drv_fini();
    free(s);
}

/* Three traders in one order, the largest weight in the middle: TA buys
 * 100 (10 scaled), TB 40 (20) and TC 30 (3) at 0.5: an order of 33. It
 * fills 33 at 0.5 with a 0.01 fee: TA gets floor(16.5 x 10/33) = 5 USD
 * and floor(0.01 x 10/33) = 0.00303, TC 1.5 and floor(0.01 x 3/33) =
 * 0.000909, TB (the largest) the rest: 10 and 0.006061. The shares split
 * 10, 20, 3. */
static void test_three_traders_rest_to_largest(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    assert_int_equal(
        pmc_config_add_trader(&c, TC, strlen(TC), "c", 100000, 0, 1), PMC_OK);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=BUY px=0.5 sz=40 key=b1",
          T0 + 100);
    feedf(&d,
          "t=%lld ev=fill trader=" TC " token=7 side=BUY px=0.5 sz=30 key=c1",
          T0 + 200);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    assert_non_null(strstr(s->lines[0], "side=BUY px=0.52 sz=33 "));
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=33 px=0.5 fee=0.01",
          T0 + 400, coid);
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1), t = ts(&d, 2);
    assert_int_equal(a.bought_usd, 5000000);
    assert_int_equal(b.bought_usd, 10000000);
    assert_int_equal(t.bought_usd, 1500000);
    assert_int_equal(a.fees_usd, 3030);
    assert_int_equal(b.fees_usd, 6061);
    assert_int_equal(t.fees_usd, 909);
    /* marked at 0.5: each holds its shares at cost plus its fee */
    assert_int_equal(a.unrealized_usd, -3030);
    assert_int_equal(b.unrealized_usd, -6061);
    assert_int_equal(t.unrealized_usd, -909);
    drv_fini();
    free(s);
}

/* Fills on the other side netted away carry none of the order: TA buys
 * 100 (10 scaled), TB sells 4 (2 scaled) in the same bucket: BUY 8,
 * attributed all to TA; TB is counted as carried (orders, copied) but
 * gets no shares. A reject counts for both. Skips are counted per trader;
 * an unlisted wallet counts for nobody. */
static void test_netting_and_counts(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=SELL px=0.5 sz=4 key=b1",
          T0 + 10);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=SELL px=0.5 sz=4 key=b1",
          T0 + 20);
    feedf(&d,
          "t=%lld ev=fill trader=" TC " token=7 side=SELL px=0.5 sz=4 key=c1",
          T0 + 30);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1);
    assert_int_equal(b.fills_seen, 2);
    assert_int_equal(b.skips[PMC_SKIP_DUPLICATE], 1);
    assert_int_equal(b.fills_eligible, 1);
    assert_int_equal(b.fills_copied, 1);
    assert_int_equal(b.orders, 1);
    /* the source's SELL of shares it was not seen buying realises nothing */
    assert_int_equal(b.src_realized_usd, 0);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=8 px=0.5", T0 + 400, coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.bought_usd, 4000000);
    assert_int_equal(b.bought_usd, 0);
    assert_int_equal(b.order_fills, 1);
    struct pmc_trader_stats none;
    assert_int_equal(pmc_engine_trader_stats(d.eng, 2, &none), 0);

    /* a second order, rejected */
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a3",
          T0 + 1000);
    assert_int_equal(pmc_driver_advance(&d, T0 + 1300), PMC_OK);
    coid_of(s, 1, coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=reject reason=x", T0 + 1400, coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.rejects, 1);
    assert_int_equal(b.rejects, 0);
    assert_int_equal(a.orders, 2);
    /* the netted-out TB's order filled too; the rejected one did not */
    assert_int_equal(a.orders_filled, 1);
    assert_int_equal(b.orders_filled, 1);
    drv_fini();
    free(s);
}

/* The fill rate counts orders, not execution fills: TA and TB share an
 * order filled in two reports (one filled order each, two fills each);
 * TA's second order is cancelled unfilled and its third rejected: TA
 * filled 1 of 3 orders, TB 1 of 1. */
static void test_fill_rate(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=BUY px=0.5 sz=40 key=b1",
          T0 + 100);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1);
    assert_int_equal(a.orders_filled, 0);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=10 px=0.5", T0 + 400,
          coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=20 px=0.5", T0 + 450,
          coid);
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.order_fills, 2);
    assert_int_equal(b.order_fills, 2);
    assert_int_equal(a.orders_filled, 1);
    assert_int_equal(b.orders_filled, 1);

    const char *end[] = {"cancel", "reject reason=x"};
    for (int i = 0; i < 2; i++) {
        feedf(&d,
              "t=%lld ev=fill trader=" TA
              " token=7 side=BUY px=0.5 sz=100 key=a%d",
              T0 + 1000 * (i + 1), i + 2);
        assert_int_equal(pmc_driver_advance(&d, T0 + 1000 * (i + 1) + 300),
                         PMC_OK);
        coid_of(s, i + 1, coid);
        feedf(&d, "t=%lld ev=exec coid=%s status=%s", T0 + 1000 * (i + 1) + 400,
              coid, end[i]);
    }
    a = ts(&d, 0);
    b = ts(&d, 1);
    assert_int_equal(a.orders, 3);
    assert_int_equal(a.orders_filled, 1);
    assert_int_equal(a.order_fills, 2);
    assert_int_equal(b.orders, 1);
    assert_int_equal(b.orders_filled, 1);
    drv_fini();
    free(s);
}

/* Resolution realises each part at the payout and a loss counts in the
 * run: TA's copies hold 10 shares bought for 5, TB's 20 for 10; the token
 * pays 0: -5 and -10, one loss each; the sources lose 50 and 20. A
 * profitable closing trade ends the run. */
static void test_resolution_and_loss_run(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    feedf(&d,
          "t=%lld ev=fill trader=" TB " token=7 side=BUY px=0.5 sz=40 key=b1",
          T0 + 100);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=30 px=0.5", T0 + 400,
          coid);
    feedf(&d, "t=%lld ev=resolve token=7 payout=0", T0 + 500);
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1);
    assert_int_equal(a.realized_usd, -5000000);
    assert_int_equal(b.realized_usd, -10000000);
    assert_int_equal(a.consecutive_losses, 1);
    assert_int_equal(b.consecutive_losses, 1);
    assert_int_equal(a.src_realized_usd, -50000000);
    assert_int_equal(b.src_realized_usd, -20000000);
    assert_int_equal(a.unrealized_usd, 0);

    /* TA alone on token 8: buy 10 at 0.5, sell at 0.6: a win ends its run */
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=8 side=BUY px=0.5 sz=100 key=a2",
          T0 + 1000);
    assert_int_equal(pmc_driver_advance(&d, T0 + 1300), PMC_OK);
    coid_of(s, 1, coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=10 px=0.5", T0 + 1400,
          coid);
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=8 side=SELL px=0.6 sz=100 key=a3",
          T0 + 2000);
    assert_int_equal(pmc_driver_advance(&d, T0 + 2300), PMC_OK);
    coid_of(s, 2, coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=10 px=0.6", T0 + 2400,
          coid);
    a = ts(&d, 0);
    assert_int_equal(a.realized_usd, -5000000 + 1000000);
    assert_int_equal(a.consecutive_losses, 0);
    assert_int_equal(ts(&d, 1).consecutive_losses, 1);
    drv_fini();
    free(s);
}

/* follow_all sizes the tables for every wallet it may add. */
static void test_follow_all_traders(void **state)
{
    (void)state;
    struct pmc_config c;
    pmc_config_defaults(&c);
    c.follow_all = 1;
    c.dedupe_capacity = 1024;
    c.max_open_orders = 64;
    c.max_tokens = 16;
    c.max_open_buckets = 16;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    struct pmc_trader_stats t;
    assert_int_equal(pmc_engine_trader_stats(d.eng, 0, &t), 0);
    feedf(&d,
          "t=%lld ev=fill trader=" TC " token=7 side=BUY px=0.5 sz=100 key=c1",
          T0);
    assert_int_equal(pmc_engine_trader_stats(d.eng, 0, &t), 1);
    assert_int_equal(t.fills_seen, 1);
    assert_int_equal(t.fills_eligible, 1);
    assert_string_equal(pmc_trader_off_name(t.off), "on");
    drv_fini();
    free(s);
}

/* Parts freed with their tokens are found again by (trader, token) for
 * the tokens that take their slots: 40 tokens through a table of 4 (8
 * parts), each bought by TA (10 shares for 5) and TB (20 for 10) in one
 * order, filled, then resolved (every third at 1, the others at 0): TA
 * 14 x 5 - 26 x 5 = -60, TB -120, nothing untracked; the sources (100
 * and 40 at 0.5) -600 and -240. */
static void test_parts_reused(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    c.max_tokens = 4;
    c.max_total_notional_per_15m_window_usd = 1000000000; /* 1000 */
    c.kill_max_daily_loss_usd = 1000000000;               /* 1000 */
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    for (int k = 0; k < 40; k++) {
        long long t = T0 + 1000LL * k;
        feedf(&d,
              "t=%lld ev=fill trader=" TA
              " token=%d side=BUY px=0.5 sz=100 key=a%d",
              t, 100 + k, k);
        feedf(&d,
              "t=%lld ev=fill trader=" TB
              " token=%d side=BUY px=0.5 sz=40 key=b%d",
              t + 10, 100 + k, k);
        assert_int_equal(pmc_driver_advance(&d, t + 300), PMC_OK);
        coid_of(s, k, coid);
        feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=30 px=0.5", t + 400,
              coid);
        feedf(&d, "t=%lld ev=resolve token=%d payout=%d", t + 500, 100 + k,
              k % 3 == 0);
    }
    struct pmc_trader_stats a = ts(&d, 0), b = ts(&d, 1);
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(a.orders, 40);
    assert_int_equal(a.orders_filled, 40);
    assert_int_equal(a.untracked, 0);
    assert_int_equal(b.untracked, 0);
    assert_int_equal(a.realized_usd, -60000000);
    assert_int_equal(b.realized_usd, -120000000);
    assert_int_equal(a.realized_usd + b.realized_usd, st.realized_total);
    assert_int_equal(a.src_realized_usd, -600000000);
    assert_int_equal(b.src_realized_usd, -240000000);
    drv_fini();
    free(s);
}

/* The kill switch's three holders (engine.h): an operator kill lifts with
 * a plain resume; the core's own needs an override naming it, and is kept
 * even when an operator kill came first; the kill file's only by its own
 * resume, which lifts nothing else. */
static void test_kill_holders(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    c.kill_max_consecutive_rejects = 1;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    struct pmc_kill_view v;
    struct pmc_resume_ev plain, over, file;
    memset(&plain, 0, sizeof plain);
    plain.who = PMC_WHO_API;
    over = plain;
    snprintf(over.override, sizeof over.override, "max_consecutive_rejects");
    memset(&file, 0, sizeof file);
    file.who = PMC_WHO_KILL_FILE;

    feedf(&d, "t=%lld ev=kill by=api reason=x", T0);
    pmc_engine_kill_view(d.eng, &v);
    assert_true(v.killed && v.by_operator && !v.by_kill_file);
    assert_null(pmc_engine_resume_refusal(d.eng, &plain));
    /* the core's own kill on top of it */
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=SELL px=0.5 sz=100 key=a0",
          T0 + 1);
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=8 side=BUY px=0.5 sz=100 key=a1",
          T0 + 2);
    assert_int_equal(pmc_driver_advance(&d, T0 + 302), PMC_OK);
    /* killed: the BUY is a skip; open an order while not killed */
    feedf(&d, "t=%lld ev=resume", T0 + 400);
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=8 side=BUY px=0.5 sz=100 key=a2",
          T0 + 500);
    assert_int_equal(pmc_driver_advance(&d, T0 + 800), PMC_OK);
    coid_of(s, 0, coid);
    feedf(&d, "t=%lld ev=kill by=api reason=y", T0 + 900);
    feedf(&d, "t=%lld ev=exec coid=%s status=reject", T0 + 1000, coid);
    pmc_engine_kill_view(d.eng, &v);
    assert_string_equal(v.automatic, "max_consecutive_rejects");
    assert_true(v.by_operator);
    assert_string_equal(pmc_engine_resume_refusal(d.eng, &plain),
                        "max_consecutive_rejects");
    feedf(&d, "t=%lld ev=resume by=api", T0 + 1100);
    assert_non_null(
        strstr(s->lines[s->n - 1],
               "ev=refuse of=resume reason=max_consecutive_rejects"));
    pmc_engine_kill_view(d.eng, &v);
    assert_true(v.killed && v.by_operator); /* nothing lifted */
    /* the kill file on top: even the right override is refused */
    feedf(&d, "t=%lld ev=kill by=kill_file reason=f", T0 + 1200);
    assert_string_equal(pmc_engine_resume_refusal(d.eng, &over), "kill_file");
    assert_null(pmc_engine_resume_refusal(d.eng, &file));
    feedf(&d, "t=%lld ev=resume by=kill_file", T0 + 1300);
    pmc_engine_kill_view(d.eng, &v);
    assert_true(v.killed && !v.by_kill_file && v.by_operator);
    assert_string_equal(v.automatic, "max_consecutive_rejects");
    size_t n = s->n;
    feedf(&d, "t=%lld ev=resume by=api override=max_consecutive_rejects",
          T0 + 1400);
    assert_int_equal(s->n, n); /* accepted: no refusal */
    pmc_engine_kill_view(d.eng, &v);
    assert_false(v.killed || v.by_operator || v.automatic[0]);
    drv_fini();
    free(s);
}

/* A cut-off shows in the trader's numbers; the view reports a daily-loss
 * cut-off lifted once the UTC day is over, before the trader's next fill
 * emits the record. An operator's off and on. */
static void test_cutoff_in_stats(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    c.trader_max_daily_loss_usd = 4 * PMC_MICRO;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    char coid[32];
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 key=a1",
          T0);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    feedf(&d, "t=%lld ev=exec coid=%s status=fill sz=10 px=0.5", T0 + 400,
          coid);
    assert_string_equal(pmc_trader_off_name(ts(&d, 0).off), "on");
    feedf(&d, "t=%lld ev=resolve token=7 payout=0", T0 + 500); /* -5 */
    assert_int_equal(ts(&d, 0).off, PMC_TRADER_OFF_DAILY_LOSS);
    assert_int_equal(ts(&d, 1).off, PMC_TRADER_ON);
    assert_non_null(strstr(s->lines[s->n - 1], "state=off by=core "
                                               "reason=daily_loss"));
    feedf(&d,
          "t=%lld ev=fill trader=" TA " token=9 side=BUY px=0.5 sz=100 key=a2",
          T0 + 600);
    assert_non_null(strstr(s->lines[s->n - 1], "reason=trader_off"));
    assert_int_equal(ts(&d, 0).skips[PMC_SKIP_TRADER_OFF], 1);
    assert_int_equal(ts(&d, 0).fills_eligible, 1);
    /* the next UTC day */
    feedf(&d, "t=%lld ev=trade token=9 px=0.5 sz=1", T0 + 86400000);
    assert_int_equal(ts(&d, 0).off, PMC_TRADER_ON);
    feedf(&d, "t=%lld ev=trader trader=" TB " state=off by=api", T0 + 86400001);
    assert_int_equal(ts(&d, 1).off, PMC_TRADER_OFF_OPERATOR);
    assert_string_equal(pmc_trader_off_name(ts(&d, 1).off), "operator");
    feedf(&d, "t=%lld ev=trader trader=" TB " state=on by=api", T0 + 86400002);
    assert_int_equal(ts(&d, 1).off, PMC_TRADER_ON);
    drv_fini();
    free(s);
}

/* The source's virtual position is bounded like ours (1e12 shares): a fill
 * beyond is counted untracked, never overflows. */
static void test_source_position_bounded(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    c.dedupe_capacity = 4096;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    drv_init(&d, &c, s);
    for (int i = 0; i < 1001; i++) {
        s->n = 0; /* only the actions of the last step are kept */
        feedf(&d,
              "t=%lld ev=fill trader=" TA
              " token=7 side=BUY px=0.5 sz=1000000000 key=k%d",
              T0 + i, i);
    }
    struct pmc_trader_stats a = ts(&d, 0);
    assert_int_equal(a.untracked, 1);
    assert_int_equal(a.fills_eligible, 1001);
    feedf(&d, "t=%lld ev=trade token=7 px=0.6 sz=1", T0 + 2000);
    /* 1e12 shares bought at 0.5, marked at 0.6 */
    assert_int_equal(ts(&d, 0).src_unrealized_usd,
                     (pmc_micros)100000000000 * PMC_MICRO);
    drv_fini();
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_traders_one_order),
        cmocka_unit_test(test_three_traders_rest_to_largest),
        cmocka_unit_test(test_netting_and_counts),
        cmocka_unit_test(test_fill_rate),
        cmocka_unit_test(test_resolution_and_loss_run),
        cmocka_unit_test(test_follow_all_traders),
        cmocka_unit_test(test_parts_reused),
        cmocka_unit_test(test_kill_holders),
        cmocka_unit_test(test_cutoff_in_stats),
        cmocka_unit_test(test_source_position_bounded),
    };
    return cmocka_run_group_tests_name("traders", tests, NULL, NULL);
}
