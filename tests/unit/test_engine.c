/* tests/unit/test_engine.c - the decision core beyond the golden scenarios:
 * accounting from execution reports, capacities, time, and the invariant
 * that every source fill ends in exactly one order or skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/driver.h"
#include "core/dec.h"
#include "core/engine.h"
#include "core/tape.h"

#define TA "0x1111111111111111111111111111111111111111"
#define TB "0x2222222222222222222222222222222222222222"
#define T0 1767229200000LL /* 2026-01-01 01:00 UTC */

struct sink {
    char lines[4096][512];
    size_t n;
    uint64_t order_fills, skips;
};

static enum pmc_err collect(void *ctx, const struct pmc_record *a)
{
    struct sink *s = ctx;
    char buf[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(a, buf, sizeof buf);
    assert_true(n > 0);
    if (a->kind == PMC_K_ORDER)
        s->order_fills += a->u.order.nfills;
    if (a->kind == PMC_K_SKIP)
        s->skips++;
    if (s->n < 4096) {
        snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)(n - 1), buf);
        s->n++;
    }
    return PMC_OK;
}

/* The driver in one malloc'd block, as the shells set it up. */
static void *drv_block;

static enum pmc_err
drv_init(struct pmc_driver *d, const struct pmc_config *c,
         enum pmc_err (*fn)(void *, const struct pmc_record *), void *ctx)
{
    size_t sz = (pmc_driver_mem_size(c) + 63) & ~(size_t)63;
    drv_block = aligned_alloc(64, sz);
    assert_non_null(drv_block);
    struct pmc_driver_hook h = {ctx, NULL, fn};
    return pmc_driver_init(d, drv_block, sz, c, NULL, &h);
}

static void drv_fini(struct pmc_driver *d)
{
    (void)d;
    free(drv_block);
    drv_block = NULL;
}

static void cfg_default(struct pmc_config *c)
{
    pmc_config_defaults(c);
    assert_int_equal(pmc_config_add_trader(c, TA, strlen(TA), "a", -1, 0, 1),
                     PMC_OK);
    c->dedupe_capacity = 1024;
    c->max_open_orders = 1024;
    c->max_tokens = 256;
    c->max_open_buckets = 64;
}

static void feed(struct pmc_driver *d, const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    enum pmc_err err = pmc_tape_parse(line, strlen(line), &r, &has, &e);
    if (err != PMC_OK)
        fail_msg("bad test line: %s: %s", line, e.msg);
    assert_true(has);
    assert_int_equal(pmc_driver_feed(d, &r), PMC_OK);
}

static const char *find(const struct sink *s, const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->lines[i], needle))
            return s->lines[i];
    return NULL;
}

/* coid of the i-th order line */
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
    fail_msg("no order %d", nth);
}

static struct pmc_position_view pos(const struct pmc_driver *d,
                                    const char *token)
{
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(d->eng, i, &v); i++)
        if (!strcmp(v.token->s, token))
            return v;
    fail_msg("no position for %s", token);
    return v;
}

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

/* ---- failed trades --------------------------------------------------------- */

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
        cmocka_unit_test(test_failed_buy_undone),
        cmocka_unit_test(test_failed_sell_undone),
        cmocka_unit_test(test_failed_frees_caps),
        cmocka_unit_test(test_failed_unmatched_refused),
        cmocka_unit_test(test_failed_parts_buy),
        cmocka_unit_test(test_failed_parts_sell),
        cmocka_unit_test(test_failed_parts_too_many),
        cmocka_unit_test(test_removed_withdrawn),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
