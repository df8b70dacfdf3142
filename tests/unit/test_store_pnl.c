/* tests/unit/test_store_pnl.c - one P&L: the live store's positions
 * (live/store.h) equal the decision core's on the same orders and fills. */
#include "store_fixture.h"

/* ---- one P&L: the store's positions equal the engine's ------------------
 *
 * Random fills go through the decision core (pmc_driver: source fills make
 * orders, exec reports fill them in parts) and the same orders and fills
 * through the store; per token the shares, cost basis, realised P&L
 * (after partial sells, and after a resolution) and unrealised P&L at a
 * mark agree to the micro-unit, with notionals well past $9.2M. */

struct eng_orders {
    char coid[64][PMC_SYM_MAX + 1];
    char token[64][PMC_SYM_MAX + 1];
    enum pmc_side side[64];
    pmc_micros px[64], sz[64];
    size_t n;
};

static enum pmc_err eng_collect(void *ctx, const struct pmc_record *a)
{
    struct eng_orders *o = ctx;
    if (a->kind != PMC_K_ORDER)
        return PMC_OK;
    assert_true(o->n < 64);
    snprintf(o->coid[o->n], sizeof o->coid[0], "%s", a->u.order.coid.s);
    snprintf(o->token[o->n], sizeof o->token[0], "%s", a->u.order.token.s);
    o->side[o->n] = a->u.order.side;
    o->px[o->n] = a->u.order.px;
    o->sz[o->n] = a->u.order.sz;
    o->n++;
    return PMC_OK;
}

static void feed_both(struct pmc_driver *d, struct pmc_store *s,
                      const char *line, int journal)
{
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK || !has)
        fail_msg("bad line %s: %s", line, te.msg);
    assert_int_equal(pmc_driver_feed(d, &r), PMC_OK);
    if (journal)
        assert_int_equal(pmc_store_journal(s, &r, NULL), PMC_OK);
}

static uint32_t xs32(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

struct pos_set {
    struct pmc_store_position p[8];
    char tok[8][PMC_SYM_MAX + 1];
    size_t n;
};

static int collect_pos(void *ctx, const struct pmc_store_position *p)
{
    struct pos_set *ps = ctx;
    assert_true(ps->n < 8);
    ps->p[ps->n] = *p;
    snprintf(ps->tok[ps->n], sizeof ps->tok[0], "%s", p->token);
    ps->p[ps->n].token = ps->tok[ps->n];
    ps->n++;
    return 0;
}

static const struct pmc_store_position *pos_of(const struct pos_set *ps,
                                               const char *tok)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->tok[i], tok))
            return &ps->p[i];
    return NULL;
}

/* Compare every engine position with the store's; returns the largest
 * basis seen (micros). */
static pmc_micros compare_positions(struct pmc_driver *d, struct pmc_store *s,
                                    int resolved_phase)
{
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    struct pos_set ps;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(pmc_store_positions_each(s, collect_pos, &ps), PMC_OK);
    pmc_micros big = 0;
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(d->eng, i, &v); i++) {
        const struct pmc_store_position *p = pos_of(&ps, v.token->s);
        if (!p) {
            assert_int_equal(v.shares, 0);
            assert_int_equal(v.realized, 0);
            continue;
        }
        if (!resolved_phase || !v.resolved) {
            if (p->shares != v.shares || p->cost_basis != v.cost)
                fail_msg("token %s: store %lld shares basis %lld, engine "
                         "%lld basis %lld",
                         v.token->s, (long long)p->shares,
                         (long long)p->cost_basis, (long long)v.shares,
                         (long long)v.cost);
            /* at the store's mark (the engine also marks at source
             * fills, which the store does not journal here) */
            pmc_micros eu = p->has_mark && v.shares
                                ? pmc_mul(v.shares, p->mark) - v.cost
                                : 0;
            assert_int_equal(p->unrealized, eu);
        }
        if (p->realized != v.realized)
            fail_msg("token %s: realised store %lld engine %lld", v.token->s,
                     (long long)p->realized, (long long)v.realized);
        if (p->cost_basis > big)
            big = p->cost_basis;
    }
    return big;
}

static void test_positions_equal_engine(void **state)
{
    (void)state;
    struct pmc_config c;
    pmc_config_defaults(&c);
    assert_int_equal(pmc_config_add_trader(&c, TA, strlen(TA), "a", -1, 0, 1),
                     PMC_OK);
    c.copy_mode = PMC_MODE_PER_FILL;
    c.sizing = PMC_SIZE_PROPORTIONAL;
    c.ratio = PMC_MICRO;
    c.max_slippage = 0;
    pmc_micros huge = (pmc_micros)1000000000 * PMC_MICRO; /* $1e9 */
    c.max_notional_per_order_usd = huge;
    c.max_notional_per_market_usd = huge;
    c.max_total_notional_per_15m_window_usd = huge;
    c.max_daily_volume_usd = huge;
    c.max_pending_usd = huge;
    c.kill_max_daily_loss_usd = huge;
    c.bypass_shares = 1;
    static const char *const toks[3] = {"501", "502", "503"};
    uint32_t rng = 0x9e3779b9u;
    pmc_micros biggest = 0;
    int sells = 0, partial = 0, fails = 0, fparts = 0;
    for (int trial = 0; trial < 4; trial++) {
        unlink_store();
        struct pmc_store *s = open_ok(NULL, NULL);
        struct eng_orders *eo = calloc(1, sizeof *eo);
        assert_non_null(eo);
        struct pmc_driver d;
        size_t dsz = pmc_driver_mem_size(&c);
        void *dmem = aligned_alloc(64, (dsz + 63) & ~(size_t)63);
        assert_non_null(dmem);
        struct pmc_driver_hook hook = {eo, NULL, eng_collect};
        assert_int_equal(pmc_driver_init(&d, dmem, dsz, &c, NULL, &hook),
                         PMC_OK);
        pmc_ms t = T0;
        char line[512], a[24], b[24], f[24];
        for (int k = 0; k < 3; k++) {
            snprintf(line, sizeof line,
                     "t=%lld ev=market token=%s market=0xm%d end=%lld "
                     "tick=0.01",
                     (long long)t, toks[k], k, (long long)(T0 + 86400000));
            feed_both(&d, s, line, 0);
        }
        for (int step = 0; step < 120; step++) {
            const char *tok = toks[xs32(&rng) % 3];
            int sell = xs32(&rng) % 5 < 2;
            /* a quarter of them big: up to 40M shares (~$20M) */
            pmc_micros sh = xs32(&rng) % 4 == 0
                                ? (pmc_micros)(1 + xs32(&rng) % 40000000)
                                : (pmc_micros)(1 + xs32(&rng) % 3000);
            pmc_micros sz = sh * PMC_MICRO + (xs32(&rng) % 100) * 10000;
            pmc_micros px = (pmc_micros)(2 + xs32(&rng) % 96) * 10000;
            pmc_dec_format(sz, a);
            pmc_dec_format(px, b);
            snprintf(line, sizeof line,
                     "t=%lld ev=fill trader=" TA
                     " token=%s side=%s px=%s sz=%s key=0xe%d:%d",
                     (long long)(t += 10), tok, sell ? "SELL" : "BUY", b, a,
                     trial, step);
            size_t before = eo->n;
            feed_both(&d, s, line, 0);
            assert_int_equal(pmc_driver_advance(&d, t += 1), PMC_OK);
            for (size_t i = before; i < eo->n; i++) {
                struct pmc_store_src src = {TA, PMC_MICRO};
                struct pmc_store_order o;
                memset(&o, 0, sizeof o);
                o.coid = eo->coid[i];
                o.token = eo->token[i];
                o.side = eo->side[i];
                o.px = eo->px[i];
                o.sz = eo->sz[i];
                o.keys = "k";
                o.src = &src;
                o.nsrc = 1;
                o.ts_decided = t;
                assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
                /* filled in up to three parts, maybe not in full */
                pmc_micros rem = eo->sz[i];
                int parts = 1 + (int)(xs32(&rng) % 3);
                for (int q = 0; q < parts && rem > 0; q++) {
                    pmc_micros fs =
                        q == parts - 1 && xs32(&rng) % 2
                            ? rem
                            : 1 + (pmc_micros)(xs32(&rng) %
                                               (uint32_t)(rem < 4000000000
                                                              ? rem
                                                              : 4000000000));
                    if (fs > rem)
                        fs = rem;
                    rem -= fs;
                    sells += eo->side[i] == PMC_SELL;
                    partial += eo->side[i] == PMC_SELL && rem > 0;
                    pmc_micros fp =
                        eo->px[i] +
                        (eo->side[i] == PMC_BUY
                             ? -(pmc_micros)(xs32(&rng) % 3) * 10000
                             : (pmc_micros)(xs32(&rng) % 3) * 10000);
                    if (fp < 10000)
                        fp = 10000;
                    if (fp > 990000)
                        fp = 990000;
                    pmc_micros fee = pmc_muldiv_floor(
                        pmc_mul(fs, fp), (pmc_micros)(xs32(&rng) % 20000),
                        PMC_MICRO);
                    pmc_dec_format(fs, a);
                    pmc_dec_format(fp, b);
                    pmc_dec_format(fee, f);
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=fill sz=%s px=%s "
                             "fee=%s",
                             (long long)(t += 1), eo->coid[i], a, b, f);
                    feed_both(&d, s, line, 0);
                    char trade[32];
                    snprintf(trade, sizeof trade, "tr-%d", q);
                    assert_int_equal(
                        pmc_store_fill(s, eo->coid[i], trade, fs, fp, fee, t),
                        PMC_OK);
                    if (xs32(&rng) % 3 != 0)
                        continue;
                    /* a venue trade of it fails: a part (at its own price)
                     * or all of it, in both */
                    pmc_micros fq =
                        xs32(&rng) % 3 == 0 || fs < 2
                            ? fs
                            : 1 + (pmc_micros)(xs32(&rng) %
                                               (uint32_t)(fs - 1 < 4000000000
                                                              ? fs - 1
                                                              : 4000000000));
                    pmc_micros fqp =
                        fp + ((pmc_micros)(xs32(&rng) % 3) - 1) * 10000;
                    fqp = fqp < 10000 ? 10000 : fqp > 990000 ? 990000 : fqp;
                    pmc_dec_format(fq, a);
                    pmc_dec_format(fqp, b);
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=failed sz=%s "
                             "px=%s",
                             (long long)(t += 1), eo->coid[i], a, b);
                    feed_both(&d, s, line, 0);
                    assert_int_equal(
                        pmc_store_fill_failed(s, eo->coid[i], fq, fqp, t),
                        PMC_OK);
                    fails += 1;
                    fparts += fq < fs;
                }
                if (rem > 0) {
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=cancel",
                             (long long)(t += 1), eo->coid[i]);
                    feed_both(&d, s, line, 0);
                }
            }
            eo->n = 0;
            if (xs32(&rng) % 4 == 0) { /* a trade marks the token */
                pmc_dec_format((pmc_micros)(1 + xs32(&rng) % 99) * 10000, b);
                snprintf(line, sizeof line,
                         "t=%lld ev=trade token=%s px=%s sz=1",
                         (long long)(t += 1), tok, b);
                feed_both(&d, s, line, 1);
            }
            if (step % 30 == 29) {
                pmc_micros big = compare_positions(&d, s, 0);
                if (big > biggest)
                    biggest = big;
            }
        }
        /* one token resolves: the payout is realised in both */
        snprintf(line, sizeof line, "t=%lld ev=resolve token=%s payout=%s",
                 (long long)(t += 10), toks[trial % 3], trial % 2 ? "1" : "0");
        feed_both(&d, s, line, 1);
        compare_positions(&d, s, 1);
        free(dmem);
        free(eo);
        close_ok(s);
    }
    /* the sums went well past what the SQL view could hold exactly */
    assert_true(biggest > (pmc_micros)9200000 * PMC_MICRO);
    assert_true(sells > 20 && partial > 10);
    assert_true(fails > 40 && fparts > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_positions_equal_engine, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
