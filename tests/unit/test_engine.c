/* tests/unit/test_engine.c - the decision core beyond the golden scenarios:
 * accounting from execution reports, capacities, time, removed source
 * fills, and the invariant that every source fill ends in exactly one order
 * or skip. Failed trades: test_engine_failed.c. */
#include "engine_fixture.h"

static void test_exec_accounting(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512], coid[32];
    snprintf(line, sizeof line,
             "t=%lld ev=market token=7 market=0xm end=%lld tick=0.01", T0,
             T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=fill trader=" TA
             " token=7 side=BUY px=0.5 sz=200 key=k1",
             T0);
    feed(&d, line);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid); /* BUY 20 @ 0.52 */
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.pending_buy, 10400000); /* 20 x 0.52 */
    assert_int_equal(st.bought_window, 10400000);

    snprintf(line, sizeof line,
             "t=%lld ev=exec coid=%s status=fill sz=5 px=0.5 fee=0.01",
             T0 + 400, coid);
    feed(&d, line);
    struct pmc_position_view v = pos(&d, "7");
    assert_int_equal(v.shares, 5000000);
    assert_int_equal(v.cost, 2510000); /* 5 x 0.5 + 0.01 fee */
    assert_int_equal(v.pending_buy, 15000000);
    pmc_engine_stats(d.eng, &st);
    /* the filled part now counts at its real price, the rest at the limit */
    assert_int_equal(st.bought_window, 2500000 + 7800000);
    assert_int_equal(st.pending_buy, 7800000);

    snprintf(line, sizeof line, "t=%lld ev=exec coid=%s status=cancel",
             T0 + 401, coid);
    feed(&d, line);
    v = pos(&d, "7");
    assert_int_equal(v.pending_buy, 0);
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.pending_buy, 0);
    assert_int_equal(st.bought_window, 2500000);
    assert_int_equal(st.open_orders, 0);
    /* a report for a closed order changes nothing */
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=exec coid=%s status=fill sz=5 px=0.5", T0 + 402, coid);
    feed(&d, line);
    assert_int_equal(pos(&d, "7").shares, 5000000);

    /* sell 3 of the 5 at 0.6: proceeds 1.8 - 0.02 fee; basis 3/5 of 2.51 */
    snprintf(line, sizeof line,
             "t=%lld ev=fill trader=" TA
             " token=7 side=SELL px=0.62 sz=30 key=k2",
             T0 + 1000);
    feed(&d, line);
    assert_int_equal(pmc_driver_advance(&d, T0 + 1300), PMC_OK);
    assert_non_null(find(s, "side=SELL px=0.6 sz=3 "));
    coid_of(s, 1, coid);
    snprintf(line, sizeof line,
             "t=%lld ev=exec coid=%s status=fill sz=3 px=0.6 fee=0.02",
             T0 + 1400, coid);
    feed(&d, line);
    v = pos(&d, "7");
    assert_int_equal(v.shares, 2000000);
    assert_int_equal(v.cost, 2510000 - 1506000);
    assert_int_equal(v.realized, 1800000 - 20000 - 1506000);
    /* mark at 0.7: unrealised = 2 x 0.7 - 1.004 */
    snprintf(line, sizeof line, "t=%lld ev=trade token=7 px=0.7 sz=1",
             T0 + 1500);
    feed(&d, line);
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.unrealized, 1400000 - 1004000);
    /* resolution pays 1 per share */
    snprintf(line, sizeof line, "t=%lld ev=resolve token=7 payout=1",
             T0 + 2000);
    feed(&d, line);
    v = pos(&d, "7");
    assert_int_equal(v.shares, 0);
    assert_int_equal(v.realized, 274000 + 2000000 - 1004000);
    assert_true(v.resolved);
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.unrealized, 0);
    drv_fini(&d);
    free(s);
}

/* A marketable BUY spends shares x limit and may get more shares at a
 * better price: they are all ours, and the order is done. */
/* A stated tick wins over a defaults=1 record of the same token whatever
 * their order, and a copy whose limit is held at 1 - tick by the tick with
 * the ask above it is skipped as tick_cap, not price_moved. */
static void test_stated_tick_and_tick_cap(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.copy_mode = PMC_MODE_PER_FILL;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512];
    /* token 7: stated 0.001, then the default 0.01; token 8: the other
     * order; token 9: only the default */
    snprintf(line, sizeof line,
             "t=%lld ev=market token=7 market=0xm end=%lld tick=0.001", T0,
             T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=market token=7 market=0xm end=%lld tick=0.01 "
             "defaults=1",
             T0, T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=market token=8 market=0xn end=%lld tick=0.01 "
             "defaults=1",
             T0, T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=market token=8 market=0xn end=%lld tick=0.001", T0,
             T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=market token=9 market=0xo end=%lld tick=0.01 "
             "defaults=1",
             T0, T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line, "t=%lld ev=quote token=9 bid=0.99 ask=0.995",
             T0);
    feed(&d, line);
    for (int i = 7; i <= 9; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=%d side=BUY px=0.995 sz=200 key=k%d",
                 T0 + 1, i, i);
        feed(&d, line);
    }
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    const char *o7 = find(s, "token=7 side=BUY");
    const char *o8 = find(s, "token=8 side=BUY");
    assert_non_null(o7);
    assert_non_null(o8);
    assert_non_null(strstr(o7, " px=0.999 "));
    assert_non_null(strstr(o8, " px=0.999 "));
    assert_non_null(find(s, "ev=skip key=k9 reason=tick_cap"));
    assert_null(find(s, "price_moved"));
    drv_fini(&d);
    free(s);
}

static void test_buy_overfill(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.copy_mode = PMC_MODE_PER_FILL;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[256], coid[32];
    feed(&d, "t=1767229200000 ev=fill trader=" TA
             " token=8 side=BUY px=0.5 sz=200 key=o1");
    coid_of(s, 0, coid); /* BUY 20 @ <= 0.52: spends up to 10.40 */
    snprintf(line, sizeof line,
             "t=1767229200100 ev=exec coid=%s status=fill sz=20.8 px=0.5",
             coid);
    feed(&d, line);
    struct pmc_position_view v = pos(&d, "8");
    assert_int_equal(v.shares, 20800000);
    assert_int_equal(v.cost, 10400000);
    assert_int_equal(v.pending_buy, 0);
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.open_orders, 0);
    assert_int_equal(st.pending_buy, 0);
    assert_int_equal(st.bought_window, 10400000);
    drv_fini(&d);
    free(s);
}

static void test_time_goes_back(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_RESUME;
    r.t = T0;
    assert_int_equal(pmc_engine_step(d.eng, &r, T0, &d.out), PMC_OK);
    assert_int_equal(pmc_engine_step(d.eng, &r, T0 - 1, &d.out), PMC_ETIME);
    drv_fini(&d);
    free(s);
}

static void test_bucket_limits(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.max_bucket_fills = 3;
    c.max_open_buckets = 2;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[256];
    /* a full bucket flushes at once */
    for (int i = 0; i < 3; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=1 side=BUY px=0.5 sz=10 key=a%d",
                 T0 + i, i);
        feed(&d, line);
    }
    assert_int_equal(s->n, 1);
    assert_non_null(find(s, "keys=a0,a1,a2"));
    assert_non_null(strstr(s->lines[0], "t=1767229200002 ")); /* 3rd fill */
    /* with both bucket slots taken, a third token pushes the oldest out */
    feed(&d, "t=1767229200010 ev=fill trader=" TA
             " token=2 side=BUY px=0.5 sz=100 key=b1");
    feed(&d, "t=1767229200011 ev=fill trader=" TA
             " token=3 side=BUY px=0.5 sz=100 key=c1");
    assert_int_equal(s->n, 1);
    feed(&d, "t=1767229200012 ev=fill trader=" TA
             " token=4 side=BUY px=0.5 sz=100 key=d1");
    assert_int_equal(s->n, 2);
    assert_non_null(find(s, "keys=b1"));
    assert_int_equal(pmc_engine_next_deadline(d.eng), T0 + 11 + 300);
    drv_fini(&d);
    free(s);
}

static void test_token_table_full(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.max_tokens = 2;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    const char *l[] = {"t=1 ev=quote token=1 bid=0.4 ask=0.5",
                       "t=2 ev=quote token=2 bid=0.4 ask=0.5",
                       "t=3 ev=quote token=3 bid=0.4 ask=0.5"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pmc_tape_parse(l[i], strlen(l[i]), &r, &has, &e),
                         PMC_OK);
        assert_int_equal(pmc_driver_feed(&d, &r), i < 2 ? PMC_OK : PMC_EFULL);
    }
    drv_fini(&d);
    free(s);
}

static void test_dedupe_bounded(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.dedupe_capacity = 16;
    c.copy_mode = PMC_MODE_PER_FILL;
    c.max_source_lag_ms = 86400000;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[256];
    for (int i = 0; i < 17; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=1 side=SELL px=0.5 sz=10 key=k%d",
                 T0 + i, i);
        feed(&d, line);
    }
    feed(&d, "t=1767229200100 ev=fill trader=" TA
             " token=1 side=SELL px=0.5 sz=10 key=k16");
    assert_non_null(find(s, "key=k16 reason=duplicate"));
    /* k0 is in the previous generation (keys 0..15): still remembered */
    feed(&d, "t=1767229200101 ev=fill trader=" TA
             " token=1 side=SELL px=0.5 sz=10 key=k0");
    assert_non_null(find(s, "key=k0 reason=duplicate"));
    /* 16 more new keys rotate the generations again: k0 is forgotten */
    for (int i = 17; i < 33; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=1 side=SELL px=0.5 sz=10 key=k%d",
                 T0 + 200 + i, i);
        feed(&d, line);
    }
    size_t before = s->n;
    feed(&d, "t=1767229200300 ev=fill trader=" TA
             " token=1 side=SELL px=0.5 sz=10 key=k0");
    assert_int_equal(s->n, before + 1);
    assert_non_null(strstr(s->lines[before], "key=k0 reason=nothing_to_sell"));
    drv_fini(&d);
    free(s);
}

/* The order index grows as orders stay open (1024 slots at first, doubling
 * up to what max_open_orders needs): every order stays findable by its id
 * across the growths, and the full table refuses cleanly. */
static void test_order_index_grows(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct pmc_config c;
    cfg_default(&c);
    c.copy_mode = PMC_MODE_PER_FILL;
    c.max_open_orders = N;
    c.max_tokens = 4096;
    c.max_notional_per_market_usd = 1000000 * PMC_MICRO;
    c.max_total_notional_per_15m_window_usd = 1000000 * PMC_MICRO;
    c.max_daily_volume_usd = 1000000 * PMC_MICRO;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512];
    for (int i = 0; i < N; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=%d side=BUY px=0.5 sz=20 key=k%d",
                 T0, 1000 + i, i);
        feed(&d, line);
    }
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.orders, N);
    assert_int_equal(st.open_orders, N);
    /* one more: the table is full, trading stops (a kill, not a crash) */
    snprintf(line, sizeof line,
             "t=%lld ev=fill trader=" TA
             " token=999 side=BUY px=0.5 sz=20 key=kx",
             T0);
    feed(&d, line);
    assert_non_null(find(s, "order_table_full"));
    /* every order is found by its id, in reverse order of emission */
    size_t seen = 0;
    for (size_t i = s->n; i-- > 0;) {
        const char *p = strstr(s->lines[i], " coid=");
        if (!p || !strstr(s->lines[i], "ev=order"))
            continue;
        char coid[32];
        sscanf(p, " coid=%30s", coid);
        snprintf(line, sizeof line,
                 "t=%lld ev=exec coid=%s status=fill sz=2 px=0.5", T0 + 1,
                 coid);
        feed(&d, line);
        seen++;
    }
    assert_int_equal(seen, N);
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.reports, N);
    assert_int_equal(st.open_orders, 0);
    drv_fini(&d);
    free(s);
}

static void test_rejects_reset_by_fill(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.kill_max_consecutive_rejects = 2;
    c.copy_mode = PMC_MODE_PER_FILL;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[256], coid[3][32];
    for (int i = 0; i < 3; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=%d side=BUY px=0.5 sz=100 key=r%d",
                 T0 + i, i + 1, i);
        feed(&d, line);
        coid_of(s, i, coid[i]);
    }
    snprintf(line, sizeof line, "t=%lld ev=exec coid=%s status=reject", T0 + 10,
             coid[0]);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=exec coid=%s status=fill sz=1 px=0.5", T0 + 11,
             coid[1]);
    feed(&d, line);
    snprintf(line, sizeof line, "t=%lld ev=exec coid=%s status=reject", T0 + 12,
             coid[2]);
    feed(&d, line);
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_false(st.killed);
    assert_int_equal(st.consecutive_rejects, 1);
    /* rejects release what they held; the partly filled order counts its
     * filled share at 0.5 and its 9 open shares at the 0.52 limit */
    assert_int_equal(st.bought_window, 500000 + 9 * 520000);
    drv_fini(&d);
    free(s);
}

/* Property: over random tapes, every source fill ends in exactly one
 * order key list or one skip; replaying the same input gives the same
 * actions; nothing crashes. */
static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_every_fill_ends_once(void **state)
{
    (void)state;
    for (int mode = 0; mode < 3; mode++) {
        struct pmc_config c;
        cfg_default(&c);
        c.copy_mode = (enum pmc_copy_mode)mode;
        c.max_bucket_fills = 5;
        c.max_open_buckets = 8;
        c.max_open_orders = 4096;
        assert_int_equal(
            pmc_config_add_trader(&c, TB, strlen(TB), "b", 500000, 0, 1),
            PMC_OK);
        uint64_t fills = 0;
        struct sink *s[2];
        for (int run = 0; run < 2; run++) {
            s[run] = calloc(1, sizeof *s[run]);
            struct pmc_driver d;
            assert_int_equal(drv_init(&d, &c, collect, s[run]), PMC_OK);
            uint64_t x = 0x9e3779b97f4a7c15ULL + (uint64_t)mode;
            long long t = T0;
            fills = 0;
            for (int i = 0; i < 3000; i++) {
                char line[512];
                t += (long long)(rng(&x) % 200);
                unsigned k = (unsigned)(rng(&x) % 10);
                unsigned tok = (unsigned)(rng(&x) % 6);
                if (k < 7) {
                    const char *tr =
                        k == 0  ? "0x3333333333333333333333333333333333333333"
                        : k < 4 ? TA
                                : TB;
                    unsigned key = (unsigned)(rng(&x) % 2500);
                    snprintf(line, sizeof line,
                             "t=%lld ev=fill trader=%s token=%u side=%s "
                             "px=0.%02u sz=%u key=x%u ts=%lld",
                             t, tr, tok, rng(&x) % 3 ? "BUY" : "SELL",
                             (unsigned)(rng(&x) % 98 + 1),
                             (unsigned)(rng(&x) % 6000 + 1), key,
                             t - (long long)(rng(&x) % 40000));
                    fills++;
                } else if (k == 7 && s[run]->n) {
                    /* a report for some order we emitted */
                    const char *l = s[run]->lines[rng(&x) % s[run]->n];
                    const char *p = strstr(l, "coid=");
                    if (!p)
                        continue;
                    char coid[32];
                    sscanf(p, "coid=%30s", coid);
                    static const char *st[] = {
                        "ack", "fill sz=1 px=0.5 fee=0.01", "reject", "cancel"};
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=%s", t, coid,
                             st[rng(&x) % 4]);
                } else if (k == 8) {
                    snprintf(line, sizeof line,
                             "t=%lld ev=quote token=%u bid=0.4 ask=0.6", t,
                             tok);
                } else {
                    snprintf(line, sizeof line,
                             "t=%lld ev=market token=%u market=m%u end=%lld", t,
                             tok, tok / 2, t + (long long)(rng(&x) % 60000));
                }
                feed(&d, line);
            }
            assert_int_equal(pmc_driver_flush(&d, t), PMC_OK);
            struct pmc_engine_stats st;
            pmc_engine_stats(d.eng, &st);
            assert_int_equal(st.open_buckets, 0);
            drv_fini(&d);
            assert_int_equal(s[run]->order_fills + s[run]->skips, fills);
        }
        assert_int_equal(s[0]->n, s[1]->n);
        for (size_t i = 0; i < s[0]->n; i++)
            assert_string_equal(s[0]->lines[i], s[1]->lines[i]);
        free(s[0]);
        free(s[1]);
    }
}

/* A bucket's net size is a sum of 64-bit sizes: 11 fills of 999999999
 * shares at ratio 1000 net 1.1e13 shares, more than 64 bits of micro
 * shares. It used to wrap negative and every fill was skipped below_min.
 * With every cap at 1e9 USD nothing brings it down to an order's largest
 * size (1e9 shares): size_overflow. With the default order cap it is
 * clipped to an ordinary order. */
static void overflow_run(pmc_micros order_cap, struct sink *s)
{
    struct pmc_config c;
    cfg_default(&c);
    c.sizing = PMC_SIZE_PROPORTIONAL;
    c.ratio = 1000 * PMC_MICRO;
    c.bypass_shares = PMC_SIZE_MAX;
    c.max_pending_usd = PMC_SIZE_MAX;
    c.max_notional_per_order_usd = order_cap;
    c.max_notional_per_market_usd = PMC_SIZE_MAX;
    c.max_total_notional_per_15m_window_usd = PMC_SIZE_MAX;
    c.max_daily_volume_usd = PMC_SIZE_MAX;
    c.kill_max_daily_loss_usd = PMC_SIZE_MAX;
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512];
    snprintf(line, sizeof line,
             "t=%lld ev=market token=7 market=0xm end=%lld tick=0.0001", T0,
             T0 + 900000);
    feed(&d, line);
    for (int i = 0; i < 11; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=7 side=BUY px=0.0001 sz=999999999 key=o%d",
                 T0 + i, i);
        feed(&d, line);
    }
    assert_int_equal(pmc_driver_flush(&d, T0 + 20), PMC_OK);
    drv_fini(&d);
}

static void test_net_size_overflow(void **state)
{
    (void)state;
    struct sink *s = calloc(1, sizeof *s);
    overflow_run(PMC_SIZE_MAX, s);
    assert_int_equal(s->n, 11);
    for (size_t i = 0; i < s->n; i++)
        assert_non_null(strstr(s->lines[i], "reason=size_overflow"));
    memset(s, 0, sizeof *s);
    overflow_run(25 * PMC_MICRO, s);
    assert_int_equal(s->n, 1);
    assert_non_null(strstr(s->lines[0], "ev=order"));
    assert_non_null(strstr(s->lines[0], "clip=order"));
    assert_non_null(strstr(s->lines[0], "sz=1243.78"));
    free(s);
}

/* Values outside the tape codec's ranges are refused by the step itself
 * (records may come from other decoders): nothing applied, no action. */
static void test_step_refuses_out_of_range(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    size_t sz = pmc_engine_mem_size(&c);
    void *mem = aligned_alloc(16, (sz + 15) & ~(size_t)15);
    assert_non_null(mem);
    struct pmc_engine *e;
    assert_int_equal(pmc_engine_init(&e, mem, sz, &c), PMC_OK);
    struct pmc_record v[64];
    struct pmc_actions out = {v, 0, 64};
    struct pmc_record r;
    struct pmc_tape_err te;
    int has;
    const char *l = "t=1767229200000 ev=fill trader=" TA
                    " token=1 side=BUY px=0.5 sz=10 key=r1";
    assert_int_equal(pmc_tape_parse(l, strlen(l), &r, &has, &te), PMC_OK);
    struct pmc_record bad = r;
    bad.u.fill.px = PMC_MICRO;
    assert_int_equal(pmc_engine_step(e, &bad, r.t, &out), PMC_ERANGE);
    bad = r;
    bad.u.fill.sz = PMC_SIZE_MAX + 1;
    assert_int_equal(pmc_engine_step(e, &bad, r.t, &out), PMC_ERANGE);
    bad = r;
    bad.u.fill.ts = -1;
    assert_int_equal(pmc_engine_step(e, &bad, r.t, &out), PMC_ERANGE);
    assert_int_equal(pmc_engine_step(e, &r, PMC_TIME_MAX + 1, &out),
                     PMC_ERANGE);
    struct pmc_record x;
    memset(&x, 0, sizeof x);
    x.kind = PMC_K_EXEC;
    x.u.exec.status = PMC_EXEC_FILL;
    x.u.exec.sz = -1;
    assert_int_equal(pmc_engine_step(e, &x, r.t, &out), PMC_ERANGE);
    memset(&x, 0, sizeof x);
    x.kind = PMC_K_QUOTE;
    x.u.quote.bid = INT64_MAX;
    x.u.quote.ask = INT64_MAX;
    assert_int_equal(pmc_engine_step(e, &x, r.t, &out), PMC_ERANGE);
    memset(&x, 0, sizeof x);
    x.kind = PMC_K_RESOLVE;
    x.u.resolve.payout = 2 * PMC_MICRO;
    assert_int_equal(pmc_engine_step(e, &x, r.t, &out), PMC_ERANGE);
    struct pmc_engine_stats st;
    pmc_engine_stats(e, &st);
    assert_int_equal(st.fills_seen, 0);
    assert_int_equal(st.reports, 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(pmc_engine_step(e, &r, r.t, &out), PMC_OK);
    pmc_engine_stats(e, &st);
    assert_int_equal(st.fills_seen, 1);
    free(mem);
}

/* Rolling markets: 200 of them, two tokens each, each bought, filled and
 * resolved, run through a token table of 4 slots. A resolved token that
 * holds nothing and has no open order or bucket gives its slot (and its
 * market's) back when the table is full; the accounting carries on. */
static void test_token_slots_reused(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.max_tokens = 4;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512], coid[32];
    const int N = 200;
    for (int m = 0; m < N; m++) {
        long long t = T0 + (long long)m * 60000;
        for (int k = 0; k < 2; k++) {
            snprintf(line, sizeof line,
                     "t=%lld ev=market token=%c%d market=0xmk%d end=%lld "
                     "tick=0.01",
                     t, "ud"[k], m, m, t + 900000);
            feed(&d, line);
        }
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=u%d side=BUY px=0.5 sz=100 key=f%d",
                 t, m, m);
        feed(&d, line);
        assert_int_equal(pmc_driver_advance(&d, t + 300), PMC_OK);
        coid_of(s, m, coid); /* BUY 10 @ 0.52 */
        snprintf(line, sizeof line,
                 "t=%lld ev=exec coid=%s status=fill sz=10 px=0.5", t + 400,
                 coid);
        feed(&d, line);
        for (int k = 0; k < 2; k++) {
            snprintf(line, sizeof line,
                     "t=%lld ev=resolve token=%c%d payout=%d", t + 500, "ud"[k],
                     m, k == 0);
            feed(&d, line);
        }
        struct pmc_engine_stats st;
        pmc_engine_stats(d.eng, &st);
        assert_true(st.positions <= 4);
    }
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.orders, N);
    assert_int_equal(st.fills_copied, N);
    assert_int_equal(st.open_orders, 0);
    /* each market: 10 shares bought for 5 USD, paid out 10 */
    assert_int_equal(st.realized_total, (pmc_micros)N * 5 * PMC_MICRO);
    assert_int_equal(st.unrealized, 0);
    /* the last market's tokens are still listed, resolved */
    struct pmc_position_view v = pos(&d, "u199");
    assert_true(v.resolved);
    assert_int_equal(v.realized, 5 * PMC_MICRO);
    drv_fini(&d);
    free(s);
}

/* A token with an open order keeps its slot after resolving; an unresolved
 * one keeps it too: with both held, a full table refuses a new token, and
 * the slot comes free once the order is final. */
static void test_token_held_not_reused(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.max_tokens = 2;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    char line[512], coid[32];
    snprintf(line, sizeof line,
             "t=%lld ev=market token=a market=0xa end=%lld tick=0.01", T0,
             T0 + 900000);
    feed(&d, line);
    snprintf(line, sizeof line,
             "t=%lld ev=fill trader=" TA
             " token=a side=BUY px=0.5 sz=100 key=f1",
             T0);
    feed(&d, line);
    assert_int_equal(pmc_driver_advance(&d, T0 + 300), PMC_OK);
    coid_of(s, 0, coid);
    snprintf(line, sizeof line, "t=%lld ev=resolve token=a payout=1", T0 + 400);
    feed(&d, line);
    snprintf(line, sizeof line, "t=%lld ev=quote token=b bid=0.4 ask=0.5",
             T0 + 500);
    feed(&d, line);
    snprintf(line, sizeof line, "t=%lld ev=resolve token=b payout=0", T0 + 600);
    feed(&d, line);
    /* b is resolved and idle: c takes its slot */
    snprintf(line, sizeof line, "t=%lld ev=quote token=c bid=0.4 ask=0.5",
             T0 + 700);
    feed(&d, line);
    /* a has an open order, c is not resolved: no room for d */
    struct pmc_record r;
    struct pmc_tape_err te;
    int has;
    snprintf(line, sizeof line, "t=%lld ev=quote token=d bid=0.4 ask=0.5",
             T0 + 800);
    assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &te), PMC_OK);
    assert_int_equal(pmc_driver_feed(&d, &r), PMC_EFULL);
    struct pmc_position_view v = pos(&d, "a");
    assert_true(v.resolved);
    assert_int_equal(v.pending_buy, 10 * PMC_MICRO);
    (void)pos(&d, "c");
    /* the order ends: a is idle now, and d gets its slot */
    snprintf(line, sizeof line, "t=%lld ev=exec coid=%s status=cancel",
             T0 + 900, coid);
    feed(&d, line);
    r.t = T0 + 1000;
    assert_int_equal(pmc_driver_feed(&d, &r), PMC_OK);
    (void)pos(&d, "c");
    (void)pos(&d, "d");
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.positions, 2);
    assert_int_equal(st.pending_buy, 0);
    drv_fini(&d);
    free(s);
}

/* the client order id of the last order emitted */
static enum pmc_err last_coid(void *ctx, const struct pmc_record *a)
{
    if (a->kind == PMC_K_ORDER)
        memcpy(ctx, a->u.order.coid.s, (size_t)a->u.order.coid.n + 1);
    return PMC_OK;
}

/* A BUY report may bring more shares than ordered: 1e9 shares at 0.000001
 * each time stays under every cap, so only the reports bound the
 * position. It used to grow until the 64-bit share count wrapped; a report
 * that would take it past 1e12 shares is refused with PMC_ERANGE. */
static void test_overfill_reports_bounded(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.copy_mode = PMC_MODE_PER_FILL;
    c.max_notional_per_market_usd = PMC_SIZE_MAX;
    c.max_total_notional_per_15m_window_usd = PMC_SIZE_MAX;
    c.max_daily_volume_usd = PMC_SIZE_MAX;
    char coid[PMC_SYM_MAX + 1] = "";
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, last_coid, coid), PMC_OK);
    char line[512];
    snprintf(line, sizeof line,
             "t=%lld ev=market token=7 market=0xm end=%lld tick=0.01", T0,
             T0 + 86400000);
    feed(&d, line);
    enum pmc_err err = PMC_OK;
    int i;
    for (i = 0; i < 10000 && err == PMC_OK; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=" TA
                 " token=7 side=BUY px=0.5 sz=100 key=v%d",
                 T0 + i, i);
        feed(&d, line);
        snprintf(line, sizeof line,
                 "t=%lld ev=exec coid=%s status=fill sz=1000000000 "
                 "px=0.000001",
                 T0 + i, coid);
        struct pmc_record r;
        struct pmc_tape_err te;
        int has;
        assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &te),
                         PMC_OK);
        err = pmc_driver_feed(&d, &r);
    }
    assert_int_equal(err, PMC_ERANGE);
    assert_int_equal(i, 1001); /* 1000 reports of 1e9 shares fit */
    struct pmc_position_view v;
    assert_true(pmc_engine_position(d.eng, 0, &v));
    assert_true(v.shares > 0);
    assert_true(v.shares <= 1000000000000 * PMC_MICRO);
    drv_fini(&d);
}

static void test_config_rejects_bad_values(void **state)
{
    (void)state;
    struct pmc_config c;
    char msg[160];
    pmc_config_defaults(&c);
    c.max_slippage = PMC_MICRO;
    assert_int_equal(pmc_config_validate(&c, msg, sizeof msg), PMC_ECONFIG);
    assert_non_null(strstr(msg, "max_slippage=1"));
    pmc_config_defaults(&c);
    c.coalesce_ms = -1;
    assert_int_equal(pmc_config_validate(&c, msg, sizeof msg), PMC_ECONFIG);
    assert_non_null(strstr(msg, "coalesce_ms=-1"));
    /* the engine refuses an invalid configuration */
    static _Alignas(16) char mem[1 << 16];
    struct pmc_engine *e;
    assert_int_equal(pmc_engine_init(&e, mem, sizeof mem, &c), PMC_ECONFIG);
}

/* 0x + 40 hex digits: wallet number i */
static void wallet(int i, char out[43])
{
    snprintf(out, 43, "0x%040x", i);
}

/* follow_all: a fill from an unlisted wallet is copied as from a trader
 * with the defaults, listed in order of first appearance; the actions are
 * byte for byte those of a run listing the same wallets in that order. A
 * listed but disabled wallet stays skipped. */
static void test_follow_all_as_listed(void **state)
{
    (void)state;
    for (int mode = 0; mode < 3; mode++) {
        struct pmc_config c[2];
        for (int run = 0; run < 2; run++) {
            cfg_default(&c[run]); /* TA at the global ratio */
            c[run].copy_mode = (enum pmc_copy_mode)mode;
            c[run].max_bucket_fills = 5;
            c[run].max_open_orders = 4096;
            assert_int_equal(pmc_config_add_trader(&c[run], TB, strlen(TB), "b",
                                                   500000, 0, 0),
                             PMC_OK);
        }
        c[0].follow_all = 1;
        /* the explicit list: wallets 7, 3, 9, 5 as they first appear */
        const int order[] = {7, 3, 9, 5};
        for (int k = 0; k < 4; k++) {
            char w[43];
            wallet(order[k], w);
            assert_int_equal(pmc_config_add_trader(&c[1], w, 42, "", -1, 0, 1),
                             PMC_OK);
        }
        const int who[] = {7, 3, 7, 0, 9, 3, 1, 5, 9, 2, 7, 5, 1, 3, 2};
        struct sink *s[2];
        for (int run = 0; run < 2; run++) {
            s[run] = calloc(1, sizeof *s[run]);
            struct pmc_driver d;
            assert_int_equal(drv_init(&d, &c[run], collect, s[run]), PMC_OK);
            feed(&d, "t=1767229200000 ev=quote token=1 bid=0.49 ask=0.51");
            for (int i = 0; i < 60; i++) {
                int k = who[i % 15];
                char w[43], line[256];
                if (k == 0)
                    snprintf(w, sizeof w, "%s", TA);
                else if (k == 1 || k == 2)
                    snprintf(w, sizeof w, "%s", TB);
                else
                    wallet(k, w);
                /* every 13th fill repeats the key before it */
                snprintf(line, sizeof line,
                         "t=%lld ev=fill trader=%s token=1 side=%s px=0.5 "
                         "sz=%d key=k%d",
                         T0 + 100 * i, w, i % 4 == 3 ? "SELL" : "BUY",
                         10 + 7 * (i % 5), i % 13 == 12 ? i - 1 : i);
                feed(&d, line);
            }
            assert_int_equal(pmc_driver_flush(&d, T0 + 100000), PMC_OK);
            const struct pmc_config *ec = pmc_engine_config(d.eng);
            assert_int_equal(ec->ntraders, 6);
            for (int k = 0; k < 4; k++) {
                char w[43];
                wallet(order[k], w);
                assert_string_equal(ec->traders[2 + k].address.s, w);
                assert_int_equal(ec->traders[2 + k].ratio, -1);
                assert_int_equal(ec->traders[2 + k].min_source_usd, 0);
                assert_int_equal(ec->traders[2 + k].enabled, 1);
            }
            drv_fini(&d);
        }
        assert_true(s[0]->n > 10);
        assert_non_null(find(s[0], "ev=order"));
        assert_non_null(find(s[0], "reason=unknown_trader")); /* TB */
        assert_int_equal(s[0]->n, s[1]->n);
        for (size_t i = 0; i < s[0]->n; i++)
            assert_string_equal(s[0]->lines[i], s[1]->lines[i]);
        free(s[0]);
        free(s[1]);
    }
}

/* follow_all up to PMC_MAX_TRADERS wallets: a fill from one more is
 * PMC_EFULL and not applied (not counted, its key not remembered), never
 * a silent skip; the listed wallets go on being copied. */
static void test_follow_all_full(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.follow_all = 1;
    c.copy_mode = PMC_MODE_PER_FILL;
    for (int i = 1; i < PMC_MAX_TRADERS - 1; i++) { /* TA and 254 */
        char w[43];
        wallet(i, w);
        assert_int_equal(pmc_config_add_trader(&c, w, 42, "", -1, 0, 1),
                         PMC_OK);
    }
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    feed(&d, "t=1767229200000 ev=quote token=1 bid=0.49 ask=0.51");
    char line[256], w[43];
    wallet(PMC_MAX_TRADERS, w); /* the 256th: fits */
    snprintf(line, sizeof line,
             "t=1767229200001 ev=fill trader=%s token=1 side=BUY px=0.5 "
             "sz=100 key=x1",
             w);
    feed(&d, line);
    assert_int_equal(pmc_engine_config(d.eng)->ntraders, PMC_MAX_TRADERS);
    assert_non_null(find(s, "keys=x1"));
    wallet(PMC_MAX_TRADERS + 1, w); /* the 257th */
    snprintf(line, sizeof line,
             "t=1767229200002 ev=fill trader=%s token=1 side=BUY px=0.5 "
             "sz=100 key=x2",
             w);
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &e), PMC_OK);
    struct pmc_engine_stats st0, st1;
    pmc_engine_stats(d.eng, &st0);
    size_t n0 = s->n;
    assert_int_equal(pmc_driver_feed(&d, &r), PMC_EFULL);
    pmc_engine_stats(d.eng, &st1);
    assert_int_equal(st1.fills_seen, st0.fills_seen);
    assert_int_equal(st1.skips[PMC_SKIP_UNKNOWN_TRADER], 0);
    assert_int_equal(s->n, n0);
    assert_int_equal(pmc_engine_config(d.eng)->ntraders, PMC_MAX_TRADERS);
    /* the same key from a listed wallet is new to the core */
    feed(&d, "t=1767229200003 ev=fill trader=" TA
             " token=1 side=BUY px=0.5 sz=100 key=x2");
    assert_int_equal(s->n, n0 + 1);
    if (!strstr(s->lines[n0], "ev=order"))
        fail_msg("%s", s->lines[n0]);
    assert_non_null(strstr(s->lines[n0], "keys=x2"));
    drv_fini(&d);
    free(s);
}

/* A source fill removed while in its bucket leaves it (aggregate mode: a
 * bucket per side): the order is smaller and priced from the fills left,
 * the fill is skipped as removed,
 * every fill still ends in exactly one order or skip; removed later, the
 * order stands. */
static void test_removed_withdrawn(void **state)
{
    (void)state;
    struct pmc_config c;
    cfg_default(&c);
    c.copy_mode = PMC_MODE_AGGREGATE;
    struct sink *s = calloc(1, sizeof *s);
    struct pmc_driver d;
    assert_int_equal(drv_init(&d, &c, collect, s), PMC_OK);
    feed(&d, "t=1767229200000 ev=fill trader=" TA
             " token=7 side=BUY px=0.5 sz=100 key=w1");
    feed(&d, "t=1767229200010 ev=fill trader=" TA
             " token=7 side=BUY px=0.6 sz=60 key=w2");
    feed(&d, "t=1767229200020 ev=removed trader=" TA " token=7 key=w1");
    feed(&d, "t=1767229200030 ev=removed trader=" TA " token=7 key=w1");
    assert_int_equal(pmc_driver_advance(&d, 1767229201000), PMC_OK);
    assert_non_null(find(s, "ev=skip key=w1 reason=removed"));
    /* w1 leaves the net and the reference price: 6 at 0.6 + 0.02 */
    assert_non_null(find(s, "side=BUY px=0.62 sz=6 tif=FAK keys=w2 "));
    feed(&d, "t=1767229202000 ev=removed trader=" TA " token=7 key=w2");
    struct pmc_engine_stats st;
    pmc_engine_stats(d.eng, &st);
    assert_int_equal(st.removed_withdrawn, 1);
    assert_int_equal(st.removed_late, 2);
    assert_int_equal(st.skips[PMC_SKIP_REMOVED], 1);
    assert_int_equal(s->order_fills + s->skips, st.fills_seen);
    assert_int_equal(st.open_orders, 1);
    struct pmc_trader_stats ts;
    assert_true(pmc_engine_trader_stats(d.eng, 0, &ts));
    assert_int_equal(ts.fills_eligible, 1);
    assert_int_equal(ts.skips[PMC_SKIP_REMOVED], 1);
    drv_fini(&d);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_accounting),
        cmocka_unit_test(test_stated_tick_and_tick_cap),
        cmocka_unit_test(test_buy_overfill),
        cmocka_unit_test(test_time_goes_back),
        cmocka_unit_test(test_bucket_limits),
        cmocka_unit_test(test_token_table_full),
        cmocka_unit_test(test_dedupe_bounded),
        cmocka_unit_test(test_order_index_grows),
        cmocka_unit_test(test_rejects_reset_by_fill),
        cmocka_unit_test(test_every_fill_ends_once),
        cmocka_unit_test(test_config_rejects_bad_values),
        cmocka_unit_test(test_net_size_overflow),
        cmocka_unit_test(test_step_refuses_out_of_range),
        cmocka_unit_test(test_token_slots_reused),
        cmocka_unit_test(test_token_held_not_reused),
        cmocka_unit_test(test_overfill_reports_bounded),
        cmocka_unit_test(test_follow_all_as_listed),
        cmocka_unit_test(test_follow_all_full),
        cmocka_unit_test(test_removed_withdrawn),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
