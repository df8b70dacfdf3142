/* tests/unit/test_engine_failed.c - failed trades in the decision core
 * (engine.h, PMC_EXEC_FAILED): a FAILED report undoes the fill report it
 * names, whole or in parts, and leaves what the run without that fill would
 * have left. */
#include "engine_fixture.h"

/* What a run leaves: the stats (less the report counters), every position
 * and each trader's numbers (less its report counts). */
struct snap {
    struct pmc_engine_stats st;
    struct {
        char token[PMC_SYM_MAX + 1];
        pmc_micros shares, cost, realized, mark, pb, ps;
    } pos[8];
    uint32_t npos;
    struct pmc_trader_stats tr[2];
};

static uint64_t failed_resolved; /* the last run_lines' count */

/* Feed lines to a fresh engine; "{0}" and "{1}" stand for the coid of the
 * first and second order. Returns the first error, after the snapshot. */
static enum pmc_err run_lines(const struct pmc_config *c,
                              const char *const *lines, size_t n,
                              struct snap *out)
{
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, c, collect, s), PMC_OK);
    enum pmc_err err = PMC_OK;
    long long t = 0;
    for (size_t i = 0; i < n && err == PMC_OK; i++) {
        char line[512];
        snprintf(line, sizeof line, "%s", lines[i]);
        assert_int_equal(sscanf(line, "t=%lld", &t), 1);
        err = pmc_driver_advance(&d, t); /* the orders due by then */
        if (err != PMC_OK)
            break;
        char *p;
        while ((p = strchr(line, '{')) != NULL) {
            char coid[32], rest[512];
            coid_of(s, p[1] - '0', coid);
            snprintf(rest, sizeof rest, "%s", p + 3);
            snprintf(p, sizeof line - (size_t)(p - line), "%s%s", coid, rest);
        }
        struct pmc_record r;
        struct pmc_tape_err te;
        int has;
        assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &te),
                         PMC_OK);
        err = pmc_driver_feed(&d, &r);
        if (err == PMC_OK)
            err = pmc_driver_advance(&d, r.t);
    }
    if (err == PMC_OK) /* the last buckets flushed */
        err = pmc_driver_advance(&d, t + 1000);
    memset(out, 0, sizeof *out);
    pmc_engine_stats(d.eng, &out->st);
    failed_resolved = out->st.fills_failed_resolved;
    out->st.reports = out->st.fills_copied = out->st.fills_failed = 0;
    out->st.fills_failed_resolved = 0;
    out->st.consecutive_rejects = 0;
    struct pmc_position_view v;
    for (uint32_t i = 0; i < 8 && pmc_engine_position(d.eng, i, &v); i++) {
        snprintf(out->pos[i].token, sizeof out->pos[i].token, "%s", v.token->s);
        out->pos[i].shares = v.shares;
        out->pos[i].cost = v.cost;
        out->pos[i].realized = v.realized;
        out->pos[i].mark = v.mark;
        out->pos[i].pb = v.pending_buy;
        out->pos[i].ps = v.pending_sell;
        out->npos = i + 1;
    }
    uint32_t nt = pmc_engine_trader_stats_all(d.eng, out->tr, 2);
    for (uint32_t i = 0; i < nt; i++) /* report counters */
        out->tr[i].order_fills = out->tr[i].orders_filled = 0;
    drv_fini(&d);
    free(s);
    return err;
}

static void snap_equal(const struct snap *a, const struct snap *b)
{
    assert_int_equal(a->st.bought_today, b->st.bought_today);
    assert_int_equal(a->st.bought_window, b->st.bought_window);
    assert_int_equal(a->st.pending_buy, b->st.pending_buy);
    assert_int_equal(a->st.realized_total, b->st.realized_total);
    assert_int_equal(a->st.realized_today, b->st.realized_today);
    assert_int_equal(a->st.unrealized, b->st.unrealized);
    assert_int_equal(a->npos, b->npos);
    for (uint32_t i = 0; i < a->npos; i++) {
        assert_string_equal(a->pos[i].token, b->pos[i].token);
        assert_int_equal(a->pos[i].shares, b->pos[i].shares);
        assert_int_equal(a->pos[i].cost, b->pos[i].cost);
        assert_int_equal(a->pos[i].realized, b->pos[i].realized);
        assert_int_equal(a->pos[i].pb, b->pos[i].pb);
        assert_int_equal(a->pos[i].ps, b->pos[i].ps);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(a->tr[i].bought_usd, b->tr[i].bought_usd);
        assert_int_equal(a->tr[i].sold_usd, b->tr[i].sold_usd);
        assert_int_equal(a->tr[i].fees_usd, b->tr[i].fees_usd);
        assert_int_equal(a->tr[i].realized_usd, b->tr[i].realized_usd);
        assert_int_equal(a->tr[i].realized_today, b->tr[i].realized_today);
        assert_int_equal(a->tr[i].unrealized_usd, b->tr[i].unrealized_usd);
    }
    /* everything else too, byte for byte */
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
    assert_memory_equal(a->tr, b->tr, sizeof a->tr);
}

#define MKT "t=1767229200000 ev=market token=7 market=0xm tick=0.01"
/* two traders in one bucket: BUY 20 @ 0.52, attributed 2:1 */
#define BUY_A                                                                  \
    "t=1767229200000 ev=fill trader=" TA " token=7 side=BUY px=0.5 sz=100 "    \
    "key=b1"
#define BUY_B                                                                  \
    "t=1767229200010 ev=fill trader=" TB " token=7 side=BUY px=0.5 sz=100 "    \
    "key=b2"
#define FILL0                                                                  \
    "t=1767229201000 ev=exec coid={0} status=fill sz=7 px=0.5 fee=0.03"
#define FAIL0                                                                  \
    "t=1767229205000 ev=exec coid={0} status=failed sz=7 px=0.5 fee=0.03"
#define FILL0B                                                                 \
    "t=1767229201100 ev=exec coid={0} status=fill sz=13 px=0.51 fee=0.01"
#define CANCEL0 "t=1767229201200 ev=exec coid={0} status=cancel"
#define MARK "t=1767229206000 ev=trade token=7 px=0.6 sz=1"

static void cfg_two(struct pmc_config *c)
{
    cfg_default(c);
    assert_int_equal(pmc_config_add_trader(c, TB, strlen(TB), "b", 50000, 0, 1),
                     PMC_OK);
}

/* A BUY fill then its failure leaves what the order without that fill
 * would have: the order still open (its pending part back), or final. */
static void test_failed_buy_undone(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct snap a, b;
    /* open order: fill, failure == no fill */
    const char *with[] = {MKT, BUY_A, BUY_B, FILL0, FAIL0, MARK};
    const char *without[] = {MKT, BUY_A, BUY_B, MARK};
    assert_int_equal(run_lines(&c, with, 6, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without, 4, &b), PMC_OK);
    assert_true(b.st.pending_buy > 0 && b.st.open_orders == 1);
    snap_equal(&a, &b);
    /* final order: two fills, the first fails after the cancel */
    const char *with2[] = {MKT,    BUY_A,   BUY_B, FILL0,
                           FILL0B, CANCEL0, FAIL0, MARK};
    const char *without2[] = {MKT,
                              BUY_A,
                              BUY_B,
                              "t=1767229201000 ev=trade "
                              "token=8 px=0.5 sz=1",
                              FILL0B,
                              CANCEL0,
                              MARK};
    assert_int_equal(run_lines(&c, with2, 8, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without2, 7, &b), PMC_OK);
    /* the token 8 placeholder keeps the step times alike; drop it */
    assert_int_equal(b.npos, 2);
    assert_string_equal(b.pos[1].token, "8");
    b.npos = 1;
    b.st.positions = 1;
    assert_int_equal(a.pos[0].shares, 13000000);
    snap_equal(&a, &b);
}

/* A SELL fill then its failure: the shares, the basis and the realised
 * P&L come back, for the engine and each trader. */
static void test_failed_sell_undone(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    const char *sell[] = {
        "t=1767229210000 ev=fill trader=" TA
        " token=7 side=SELL px=0.62 sz=40 key=s1",
        "t=1767229210010 ev=fill trader=" TB
        " token=7 side=SELL px=0.62 sz=40 key=s2",
        "t=1767229211000 ev=exec coid={1} status=fill sz=4 px=0.65 fee=0.02",
        "t=1767229212000 ev=exec coid={1} status=failed sz=4 px=0.65 "
        "fee=0.02",
        "t=1767229213000 ev=exec coid={1} status=cancel",
        "t=1767229214000 ev=trade token=7 px=0.6 sz=1",
    };
    const char *with[] = {MKT,     BUY_A,   BUY_B,   FILL0B,  CANCEL0, sell[0],
                          sell[1], sell[2], sell[3], sell[4], sell[5]};
    const char *without[] = {MKT,     BUY_A,   BUY_B,   FILL0B, CANCEL0,
                             sell[0], sell[1], sell[4], sell[5]};
    struct snap a, b, mid;
    assert_int_equal(run_lines(&c, with, 11, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without, 9, &b), PMC_OK);
    /* the fill itself did realise something */
    assert_int_equal(run_lines(&c, with, 8, &mid), PMC_OK);
    assert_true(mid.st.realized_total != 0);
    assert_true(mid.tr[0].realized_usd != 0 && mid.tr[1].realized_usd != 0);
    assert_int_equal(mid.pos[0].shares, 9000000);
    snap_equal(&a, &b);
}

/* A failed BUY frees the room it took under the market cap: the next
 * copy is placed in full instead of being skipped. */
static void test_failed_frees_caps(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.max_notional_per_market_usd = 6 * PMC_MICRO;
    const char *next = "t=1767229220000 ev=fill trader=" TA
                       " token=7 side=BUY px=0.5 sz=200 key=b9";
    const char *fill = "t=1767229201000 ev=exec coid={0} status=fill sz=10 "
                       "px=0.5 fee=0.01";
    const char *fail = "t=1767229205000 ev=exec coid={0} status=failed sz=10 "
                       "px=0.5 fee=0.01";
    struct snap a, b;
    const char *kept[] = {MKT, BUY_A, fill, next};
    const char *failed[] = {MKT, BUY_A, fill, fail, next};
    assert_int_equal(run_lines(&c, kept, 4, &a), PMC_OK);
    assert_int_equal(run_lines(&c, failed, 5, &b), PMC_OK);
    assert_int_equal(a.st.skips[PMC_SKIP_CAP_MARKET], 1);
    assert_int_equal(a.st.orders, 1);
    assert_int_equal(b.st.skips[PMC_SKIP_CAP_MARKET], 0);
    assert_int_equal(b.st.orders, 2);
    assert_int_equal(b.pos[0].shares, 0);
    /* the new order's alone: 11.53 shares x 0.52 under the cap of 6 */
    assert_int_equal(b.st.bought_window, 5995600);
}

/* A FAILED report that matches no fill is refused and changes nothing:
 * more shares than the fill had, an order never filled, the same failure
 * twice, a fill older than the fills kept. */
static void test_failed_unmatched_refused(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    struct snap a, b;
    const char *base[] = {MKT, BUY_A, FILL0};
    assert_int_equal(run_lines(&c, base, 3, &b), PMC_OK);
    const char *bad[] = {
        "t=1767229205000 ev=exec coid={0} status=failed sz=8 px=0.5 fee=0.03",
        "t=1767229205000 ev=exec coid={0} status=failed sz=7.000001 px=0.5 "
        "fee=0.03",
        "t=1767229205000 ev=exec coid={0} status=failed sz=100 px=0.5",
        "t=1767229205000 ev=exec coid=pmc-0000000000000000 status=failed sz=7 "
        "px=0.5 fee=0.03",
    };
    for (int i = 0; i < 4; i++) {
        const char *l[] = {MKT, BUY_A, FILL0, bad[i]};
        assert_int_equal(run_lines(&c, l, 4, &a), PMC_ENOTFOUND);
        a.st.reports = b.st.reports;
        snap_equal(&a, &b);
    }
    const char *twice[] = {MKT, BUY_A, FILL0, FAIL0, FAIL0};
    assert_int_equal(run_lines(&c, twice, 5, &a), PMC_ENOTFOUND);
    /* after its token resolved: counted, the payout stands */
    const char *res = "t=1767229204000 ev=resolve token=7 payout=1";
    const char *resolved[] = {MKT, BUY_A, FILL0, res, FAIL0};
    const char *kept[] = {MKT, BUY_A, FILL0, res};
    assert_int_equal(run_lines(&c, resolved, 5, &a), PMC_OK);
    assert_int_equal(run_lines(&c, kept, 4, &b), PMC_OK);
    assert_int_equal(a.pos[0].realized, 7000000 - 3500000 - 30000);
    assert_int_equal(run_lines(&c, resolved, 5, &a), PMC_OK);
    assert_int_equal(failed_resolved, 1);
    snap_equal(&a, &b);
    /* with room for 1 open order, 1 fill is kept: the older one is gone
     * (and the newer one has less than its 2 shares) */
    c.max_open_orders = 1;
    const char *old[] = {
        MKT,
        BUY_A,
        "t=1767229200500 ev=exec coid={0} status=fill sz=2 px=0.5 fee=0.01",
        "t=1767229200600 ev=exec coid={0} status=fill sz=1 px=0.5 fee=0.01",
        "t=1767229200700 ev=exec coid={0} status=failed sz=2 px=0.5 fee=0.01",
    };
    assert_int_equal(run_lines(&c, old, 5, &a), PMC_ENOTFOUND);
    const char *last[] = {old[0], old[1], old[2], old[3],
                          "t=1767229200700 ev=exec coid={0} status=failed "
                          "sz=1 px=0.5 fee=0.01"};
    assert_int_equal(run_lines(&c, last, 5, &a), PMC_OK);
}

/* FILL0 (7 shares at 0.5 on average, fee 0.03) was three venue trades:
 * 1 at 0.49, 2 at 0.495, 4 at 0.50625; each fails on its own. */
#define PART0A                                                                 \
    "t=1767229205000 ev=exec coid={0} status=failed sz=1 px=0.49 fee=0.004"
#define PART0B                                                                 \
    "t=1767229205100 ev=exec coid={0} status=failed sz=2 px=0.495 fee=0.009"
#define PART0C                                                                 \
    "t=1767229205200 ev=exec coid={0} status=failed sz=4 px=0.50625 "          \
    "fee=0.017"

/* A BUY fill failed in parts: each part takes back its own shares x price
 * and its share of the fee; all of them leave what the order without the
 * fill would have (open, or final), for the engine and each trader. */
static void test_failed_parts_buy(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct snap a, b, mid;
    const char *with[] = {MKT,    BUY_A,  BUY_B,  FILL0,
                          PART0A, PART0B, PART0C, MARK};
    const char *without[] = {MKT, BUY_A, BUY_B, MARK};
    assert_int_equal(run_lines(&c, with, 8, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without, 4, &b), PMC_OK);
    assert_true(b.st.pending_buy > 0 && b.st.open_orders == 1);
    snap_equal(&a, &b);
    /* one part: 6 shares left, 3.53 less 0.49 and 1/7 of the fee */
    assert_int_equal(run_lines(&c, with, 5, &mid), PMC_OK);
    assert_int_equal(mid.pos[0].shares, 6000000);
    assert_int_equal(mid.pos[0].cost, 3530000 - 490000 - 4285);
    assert_int_equal(mid.tr[0].bought_usd + mid.tr[1].bought_usd,
                     3500000 - 490000);
    assert_int_equal(mid.tr[0].fees_usd + mid.tr[1].fees_usd, 30000 - 4285);
    /* the order is final (a second fill filled it) before that fill's
     * parts fail: 13 at 0.51 on average were 5 at 0.5 and 8 at 0.51625 */
    const char *with2[] = {
        MKT,
        BUY_A,
        BUY_B,
        FILL0,
        FILL0B,
        CANCEL0,
        "t=1767229205000 ev=exec coid={0} status=failed sz=5 px=0.5",
        "t=1767229205100 ev=exec coid={0} status=failed sz=8 px=0.51625",
        MARK};
    const char *without2[] = {MKT,
                              BUY_A,
                              BUY_B,
                              FILL0,
                              "t=1767229201100 ev=trade "
                              "token=8 px=0.5 sz=1",
                              CANCEL0,
                              MARK};
    assert_int_equal(run_lines(&c, with2, 9, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without2, 7, &b), PMC_OK);
    assert_int_equal(b.npos, 2);
    b.npos = 1;
    b.st.positions = 1;
    assert_int_equal(a.pos[0].shares, 7000000);
    assert_int_equal(a.st.open_orders, 0);
    snap_equal(&a, &b);
    /* one part while the order is open, the rest after it is final */
    const char *mixed[] = {
        MKT,
        BUY_A,
        BUY_B,
        FILL0,
        "t=1767229201050 ev=exec coid={0} status=failed sz=2 px=0.495",
        CANCEL0,
        PART0A,
        PART0C,
        MARK};
    const char *without3[] = {MKT, BUY_A, BUY_B, CANCEL0, MARK};
    assert_int_equal(run_lines(&c, mixed, 9, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without3, 5, &b), PMC_OK);
    assert_int_equal(b.st.open_orders, 0);
    snap_equal(&a, &b);
    /* two fills of the order: a part is the newest one's with enough
     * left (FILL0B's 13 take 10, then FILL0's 7 take 5) */
    const char *two[] = {
        MKT,
        BUY_A,
        BUY_B,
        FILL0,
        FILL0B,
        "t=1767229205000 ev=exec coid={0} status=failed sz=10 px=0.51",
        "t=1767229205100 ev=exec coid={0} status=failed sz=5 px=0.5"};
    assert_int_equal(run_lines(&c, two, 7, &a), PMC_OK);
    assert_int_equal(a.pos[0].shares, 5000000);
    /* 3 of FILL0B's at 0.51 + 2 of FILL0's at 0.5, their fees' shares */
    assert_int_equal(a.pos[0].cost, 3 * 510000 + 2 * 500000 + 2308 + 8572);
}

/* A SELL fill failed in parts: the shares, the basis and the realised P&L
 * come back part by part, all of them exactly. */
static void test_failed_parts_sell(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    const char *sell[] = {
        "t=1767229210000 ev=fill trader=" TA
        " token=7 side=SELL px=0.62 sz=40 key=s1",
        "t=1767229210010 ev=fill trader=" TB
        " token=7 side=SELL px=0.62 sz=40 key=s2",
        "t=1767229211000 ev=exec coid={1} status=fill sz=5 px=0.65 fee=0.02",
        "t=1767229212000 ev=exec coid={1} status=failed sz=2 px=0.66",
        "t=1767229212100 ev=exec coid={1} status=failed sz=3 px=0.643333",
        "t=1767229213000 ev=exec coid={1} status=cancel",
        "t=1767229214000 ev=trade token=7 px=0.6 sz=1",
    };
    const char *with[] = {MKT,     BUY_A,   BUY_B,   FILL0B,  CANCEL0, sell[0],
                          sell[1], sell[2], sell[3], sell[4], sell[5], sell[6]};
    const char *without[] = {MKT,     BUY_A,   BUY_B,   FILL0B, CANCEL0,
                             sell[0], sell[1], sell[5], sell[6]};
    struct snap a, b, mid, one;
    assert_int_equal(run_lines(&c, with, 12, &a), PMC_OK);
    assert_int_equal(run_lines(&c, without, 9, &b), PMC_OK);
    assert_int_equal(run_lines(&c, with, 8, &mid), PMC_OK);
    assert_true(mid.st.realized_total != 0);
    assert_int_equal(mid.pos[0].shares, 8000000);
    snap_equal(&a, &b);
    /* the order closed first: the same */
    const char *closed[] = {
        MKT,     BUY_A,   BUY_B,
        FILL0B,  CANCEL0, sell[0],
        sell[1], sell[2], "t=1767229211500 ev=exec coid={1} status=cancel",
        sell[3], sell[4], sell[6]};
    assert_int_equal(run_lines(&c, closed, 12, &a), PMC_OK);
    snap_equal(&a, &b);
    /* one part: its 2 shares back, the realised P&L less 2 x 0.66 less
     * 2/5 of the fee and of the basis */
    assert_int_equal(run_lines(&c, with, 9, &one), PMC_OK);
    assert_int_equal(one.pos[0].shares, 10000000);
    pmc_micros basis = one.pos[0].cost - mid.pos[0].cost;
    assert_true(basis > 0);
    assert_int_equal(mid.st.realized_total - one.st.realized_total,
                     1320000 - 8000 - basis);
}

/* Failing more of a fill than is left of it is refused and changes
 * nothing; the rest of it still fails. */
static void test_failed_parts_too_many(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_two(&c);
    struct snap a, b;
    const char *four =
        "t=1767229205300 ev=exec coid={0} status=failed sz=4 px=0.5";
    const char *over[] = {MKT, BUY_A, BUY_B, FILL0, PART0C, four};
    const char *kept[] = {MKT, BUY_A, BUY_B, FILL0, PART0C};
    assert_int_equal(run_lines(&c, over, 6, &a), PMC_ENOTFOUND);
    assert_int_equal(run_lines(&c, kept, 5, &b), PMC_OK);
    a.st.reports = b.st.reports;
    snap_equal(&a, &b);
    const char *all[] = {MKT,
                         BUY_A,
                         BUY_B,
                         FILL0,
                         PART0A,
                         PART0B,
                         PART0C,
                         "t=1767229205300 ev=exec coid={0} status=failed "
                         "sz=0.000001 px=0.5"};
    assert_int_equal(run_lines(&c, all, 8, &a), PMC_ENOTFOUND);
    assert_int_equal(run_lines(&c, all, 7, &a), PMC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_buy_undone),
        cmocka_unit_test(test_failed_sell_undone),
        cmocka_unit_test(test_failed_frees_caps),
        cmocka_unit_test(test_failed_unmatched_refused),
        cmocka_unit_test(test_failed_parts_buy),
        cmocka_unit_test(test_failed_parts_sell),
        cmocka_unit_test(test_failed_parts_too_many),
    };
    return cmocka_run_group_tests_name("engine_failed", tests, NULL, NULL);
}
