/* tests/unit/test_rank.c - `pmcopy rank` (research/rank/): the score's
 * statistics on hand-computed vectors, the unrated rules, the wallet line
 * round trip, Spearman, and the ground truth of sim/synth_pop.c: at
 * L* = 3 s the copyable kind takes >= 80 % of the top places, >= 95 % of
 * noise wallets score <= 0, fast-edge wallets have a high edge at 0 and a
 * score <= 0 at 3 s, no one-big-win wallet is in the top decile; and the
 * output does not depend on --jobs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/tape.h"
#include "research/rank/rank.h"
#include "research/rank/validate.h"
#include "sim/synth_pop.h"

#define USD(x) ((pmc_micros)(x)*PMC_MICRO)

/* A wallet whose runs all have the same markets x[k], c[k] (USD). */
static void mk_wallet(struct pmc_rank_wallet *w, const double *x,
                      const double *c, uint32_t n, uint32_t days)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(pmc_addr_norm("0x00000000000000000000000000000000000000aa",
                                   42, &w->addr),
                     PMC_OK);
    w->nmarkets = n;
    w->active_days = days;
    w->m = calloc(n, sizeof *w->m);
    assert_non_null(w->m);
    for (int r = 0; r < PMC_RANK_NRUNS; r++)
        w->lat[r] = r == PMC_RANK_L0   ? 0
                    : r == PMC_RANK_L2 ? 800
                    : r == PMC_RANK_L4 ? 1600
                                       : 400;
    for (uint32_t k = 0; k < n; k++)
        for (int r = 0; r < PMC_RANK_NRUNS; r++) {
            w->m[k].x[r] = (pmc_micros)llround(x[k] * 1e6);
            w->m[k].c[r] = (pmc_micros)llround(c[k] * 1e6);
            w->m[k].resolved[r] = 1;
            w->copy_pnl[r] += w->m[k].x[r];
            w->copy_bought[r] += w->m[k].c[r];
        }
}

/* Three markets, by hand: e = 60/300 = 0.2; residuals -10, 0, 10 so
 * SE = sqrt(3/2 * 200) / 300; without the largest x (30): e- = 0.15,
 * residuals -5, 5, SE- = sqrt(2 * 50) / 200 = 0.05; K = 1: z = 1.644854;
 * D = 300 / 10 days = 30 USD/day. */
static void test_score_by_hand(void **st)
{
    (void)st;
    const double x[3] = {10, 20, 30}, c[3] = {100, 100, 100};
    struct pmc_rank_wallet w;
    mk_wallet(&w, x, c, 3, 10);
    struct pmc_rank_score s;
    assert_int_equal(pmc_rank_score_all(&w, 1, 1, &s), 0);
    assert_true(fabs(s.edge[PMC_RANK_L1] - 0.2) < 1e-12);
    assert_true(fabs(s.se[PMC_RANK_L1] - sqrt(300.0) / 300.0) < 1e-12);
    assert_true(fabs(s.edge_loo[PMC_RANK_L1] - 0.15) < 1e-12);
    assert_true(fabs(s.se_loo[PMC_RANK_L1] - 0.05) < 1e-12);
    double z = pmc_rank_z(1);
    assert_true(fabs(z - 1.6448536269514722) < 1e-9);
    assert_true(fabs(s.lb[PMC_RANK_L1] - (0.15 - z * 0.05)) < 1e-12);
    assert_true(fabs(s.d_usd_day - 30.0) < 1e-12);
    assert_true(fabs(s.score - 30.0 * (0.15 - z * 0.05)) < 1e-9);
    assert_true(fabs(s.eff_markets - 3.0) < 1e-12);
    assert_true(fabs(s.best_share - 0.5) < 1e-12);
    /* 3 markets: unrated, with the reason; K = 100 widens the bound */
    assert_int_equal(s.rated, 0);
    assert_int_equal(s.rank, 0);
    assert_non_null(strstr(s.why, "3 resolved markets"));
    assert_true(fabs(pmc_rank_z(100) - 3.2905267314919) < 1e-9);
    pmc_rank_wallet_free(&w);
}

/* The bound takes the worse of L* and 2 L*; the edge halves where the
 * line between two measured latencies crosses half of e(0). */
static void test_score_min_and_half(void **st)
{
    (void)st;
    double x[24], c[24];
    for (int k = 0; k < 24; k++) {
        x[k] = k % 2 ? 30 : 10;
        c[k] = 100;
    }
    struct pmc_rank_wallet w;
    mk_wallet(&w, x, c, 24, 6);
    /* 2 L*: every market earns 10 less */
    for (int k = 0; k < 24; k++)
        w.m[k].x[PMC_RANK_L2] -= USD(10);
    /* edges 0.2 (0), 0.2 (L*), 0.1 (2L*): halves at 2L* exactly */
    struct pmc_rank_score s;
    assert_int_equal(pmc_rank_score_all(&w, 1, 1, &s), 0);
    assert_int_equal(s.rated, 1);
    assert_int_equal(s.rank, 1);
    assert_true(s.lb[PMC_RANK_L2] < s.lb[PMC_RANK_L1]);
    assert_true(fabs(s.score - s.d_usd_day * s.lb[PMC_RANK_L2]) < 1e-12);
    assert_true(fabs(s.half_ms - 800) < 1e-9);
    /* 4 active days: unrated */
    w.active_days = 4;
    assert_int_equal(pmc_rank_score_all(&w, 1, 1, &s), 0);
    assert_int_equal(s.rated, 0);
    assert_non_null(strstr(s.why, "4 active days"));
    /* 19 resolved markets: unrated */
    w.active_days = 6;
    for (int k = 0; k < 5; k++)
        w.m[k].resolved[PMC_RANK_L1] = 0;
    assert_int_equal(pmc_rank_score_all(&w, 1, 1, &s), 0);
    assert_int_equal(s.rated, 0);
    assert_non_null(strstr(s.why, "19 resolved markets"));
    pmc_rank_wallet_free(&w);
}

/* Every field of a wallet survives its text line; damaged lines are
 * refused with a reason. */
static void test_wallet_line_round_trip(void **st)
{
    (void)st;
    const double x[2] = {-1.5, 2.25}, c[2] = {10, 20.000001};
    struct pmc_rank_wallet w;
    mk_wallet(&w, x, c, 2, 3);
    snprintf(w.label, sizeof w.label, "a label, with \"quotes\"");
    w.records = 1234;
    w.fills = 56;
    w.orders[2] = 7;
    w.fills_copied[4] = 8;
    w.skips[PMC_SKIP_PRICE_MOVED] = 9;
    w.src_pnl = -USD(12);
    w.src_bought = 3;
    w.src_volume = 4;
    w.taker_fills = 5;
    w.role_known = 6;
    w.hold_median = -1;
    w.has_lb = 1;
    w.lb_pnl = INT64_MIN + 1;
    w.failed = 1;
    snprintf(w.err, sizeof w.err, "backtest at 400 ms: reason");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pmc_rank_wallet_write(f, &w), 0);
    assert_int_equal(pmc_rank_wallet_write(f, &w), 0);
    fclose(f);
    f = fmemopen(buf, len, "r");
    struct pmc_rank_wallet r;
    char err[200];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pmc_rank_wallet_read(f, &r, err, sizeof err), 1);
        assert_true(pmc_sym_eq(&r.addr, &w.addr));
        assert_string_equal(r.label, w.label);
        assert_string_equal(r.err, w.err);
        assert_int_equal(r.nmarkets, 2);
        assert_memory_equal(r.m, w.m, 2 * sizeof *w.m);
        struct pmc_rank_wallet a = r, b = w;
        a.m = b.m = NULL;
        assert_memory_equal(&a, &b, sizeof a);
        pmc_rank_wallet_free(&r);
    }
    assert_int_equal(pmc_rank_wallet_read(f, &r, err, sizeof err), 0);
    fclose(f);
    /* a line cut short, a bad number, one field too many */
    const char *cut = strchr(buf, '\n');
    size_t n1 = (size_t)(cut - buf);
    f = fmemopen(buf, n1 - 3, "r");
    assert_int_equal(pmc_rank_wallet_read(f, &r, err, sizeof err), -1);
    fclose(f);
    char *bad = malloc(n1 + 8);
    memcpy(bad, buf, n1);
    memcpy(bad + n1, " 1\n", 4);
    f = fmemopen(bad, n1 + 3, "r");
    assert_int_equal(pmc_rank_wallet_read(f, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "more fields"));
    fclose(f);
    f = fmemopen((char *)"wallet 0x12 - 0\n", 16, "r");
    assert_int_equal(pmc_rank_wallet_read(f, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad address"));
    fclose(f);
    free(bad);
    free(buf);
    pmc_rank_wallet_free(&w);
}

static void test_spearman(void **st)
{
    (void)st;
    const double a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 6, 7, 8, 7};
    const double c[5] = {5, 4, 3, 2, 1};
    assert_true(fabs(pmc_rank_spearman(a, a, 5) - 1) < 1e-12);
    assert_true(fabs(pmc_rank_spearman(a, c, 5) + 1) < 1e-12);
    /* ties: b ranks 1 2 3.5 5 3.5 -> rho = 0.82078 */
    assert_true(fabs(pmc_rank_spearman(a, b, 5) - 0.8207826816681233) < 1e-9);
    double lo, hi, lo2, hi2;
    pmc_rank_spearman_ci(a, b, 5, 200, 1, &lo, &hi);
    pmc_rank_spearman_ci(a, b, 5, 200, 1, &lo2, &hi2);
    assert_true(lo <= hi && lo == lo2 && hi == hi2);
}

/* Neg-risk markets of one event are one market of the score; other
 * markets stay apart; a market not resolved on the tape is counted
 * unresolved (marked at its last price). */
static void test_groups_by_event(void **st)
{
    (void)st;
    static const char tape[] =
        "#pmcopy-tape v1\n"
        "t=1000 ev=market token=a1 market=m1 negrisk=1 event=e1 tick=0.01\n"
        "t=1000 ev=market token=b1 market=m2 negrisk=1 event=\"e1\" "
        "tick=0.01\n"
        "t=1000 ev=market token=c1 market=m3 negrisk=0 event=e1 tick=0.01\n"
        "t=1000 ev=market token=d1 market=m4 tick=0.01\n"
        "t=1000 ev=quote token=a1 bid=0.40 ask=0.41 bidsz=1000 asksz=1000\n"
        "t=1000 ev=quote token=b1 bid=0.30 ask=0.31 bidsz=1000 asksz=1000\n"
        "t=1000 ev=quote token=c1 bid=0.50 ask=0.51 bidsz=1000 asksz=1000\n"
        "t=1000 ev=quote token=d1 bid=0.60 ask=0.61 bidsz=1000 asksz=1000\n"
        "t=2000 ev=fill trader=0x00000000000000000000000000000000000000aa "
        "token=a1 side=BUY px=0.41 sz=100 key=k1 market=m1\n"
        "t=3000 ev=fill trader=0x00000000000000000000000000000000000000aa "
        "token=b1 side=BUY px=0.31 sz=100 key=k2 market=m2\n"
        "t=4000 ev=fill trader=0x00000000000000000000000000000000000000aa "
        "token=c1 side=BUY px=0.51 sz=100 key=k3 market=m3\n"
        "t=5000 ev=fill trader=0x00000000000000000000000000000000000000aa "
        "token=d1 side=BUY px=0.61 sz=100 key=k4 market=m4\n"
        "t=100000 ev=resolve token=a1 payout=1\n"
        "t=100000 ev=resolve token=b1 payout=0\n"
        "t=100000 ev=resolve token=c1 payout=1\n";
    FILE *f = fmemopen((char *)tape, sizeof tape - 1, "r");
    char err[600];
    struct pmc_rank_tape *t = pmc_rank_tape_load(f, "groups", err, sizeof err);
    fclose(f);
    if (!t)
        fail_msg("%s", err);
    assert_int_equal(pmc_rank_tape_nwallets(t), 1);
    struct pmc_config cfg;
    pmc_config_defaults(&cfg);
    struct pmc_rank_opts o;
    pmc_rank_opts_defaults(&o, &cfg);
    o.latency = 0;
    struct pmc_rank_wallet w;
    assert_int_equal(pmc_rank_wallet_run(t, 0, &o, &w), PMC_OK);
    assert_int_equal(w.failed, 0);
    assert_int_equal(w.fills, 4);
    assert_int_equal(w.nmarkets, 3); /* {m1, m2} by event e1, m3, m4 */
    const int L = PMC_RANK_L1;
    assert_true(w.m[0].c[L] > 0 && w.m[1].c[L] > 0 && w.m[2].c[L] > 0);
    assert_int_equal(w.m[0].resolved[L], 1);
    assert_int_equal(w.m[1].resolved[L], 1);
    assert_int_equal(w.m[2].resolved[L], 0); /* m4: never resolved */
    struct pmc_rank_score s;
    assert_int_equal(pmc_rank_score_all(&w, 1, 1, &s), 0);
    assert_int_equal(s.markets, 3);
    assert_int_equal(s.markets_resolved, 2);
    /* the source: all four taker buys, P&L = 100 (a1) + 0 + 100 (c1) +
     * 100 x 0.61 marked - 41 - 31 - 51 - 61 */
    assert_int_equal(w.taker_fills, 4);
    assert_int_equal(w.role_known, 4);
    assert_int_equal(w.src_pnl, USD(100 + 100 + 61 - 41 - 31 - 51 - 61));
    pmc_rank_wallet_free(&w);
    pmc_rank_tape_free(t);
}

/* ---- the ground truth ---------------------------------------------------- */

struct world {
    struct pmc_rank_tape *t;
    struct pmc_config cfg;
    size_t n;
    size_t *idx;
};

static struct world *world_new(uint32_t wallets, int64_t days)
{
    struct world *wd = calloc(1, sizeof *wd);
    assert_non_null(wd);
    struct pmc_pop_opts po;
    pmc_pop_defaults(&po);
    po.wallets = wallets;
    po.days = days;
    FILE *f = tmpfile();
    assert_non_null(f);
    uint64_t nrec;
    assert_int_equal(pmc_pop_write(f, &po, &nrec), PMC_OK);
    rewind(f);
    char err[600];
    wd->t = pmc_rank_tape_load(f, "pop.tape", err, sizeof err);
    if (!wd->t)
        fail_msg("%s", err);
    fclose(f);
    pmc_config_defaults(&wd->cfg);
    wd->n = pmc_rank_tape_nwallets(wd->t);
    wd->idx = malloc(wd->n * sizeof *wd->idx);
    for (size_t i = 0; i < wd->n; i++)
        wd->idx[i] = i;
    return wd;
}

static void world_free(struct world *wd)
{
    pmc_rank_tape_free(wd->t);
    free(wd->idx);
    free(wd);
}

static struct pmc_rank_wallet *run_all(struct world *wd, pmc_ms lat, int jobs)
{
    struct pmc_rank_opts o;
    pmc_rank_opts_defaults(&o, &wd->cfg);
    o.latency = lat;
    o.jobs = jobs;
    struct pmc_rank_wallet *w = calloc(wd->n, sizeof *w);
    assert_non_null(w);
    assert_int_equal(pmc_rank_run(wd->t, wd->idx, wd->n, &o, w), PMC_OK);
    return w;
}

static void free_all(struct pmc_rank_wallet *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pmc_rank_wallet_free(&w[i]);
    free(w);
}

static void test_ground_truth(void **st)
{
    (void)st;
    struct world *wd = world_new(100, 30);
    assert_int_equal(wd->n, 100);
    struct pmc_rank_wallet *w = run_all(wd, 3000, 2);
    struct pmc_rank_score *sc = calloc(wd->n, sizeof *sc);
    assert_int_equal(pmc_rank_score_all(w, wd->n, wd->n, sc), 0);
    uint32_t cnt[PMC_POP_NKINDS];
    pmc_pop_counts(100, cnt);
    size_t ncopy = cnt[PMC_POP_COPYABLE], top_copy = 0, noise = 0,
           noise_le0 = 0, fast = 0, fast_ok = 0, big_top = 0;
    double fast_e0 = 0;
    for (size_t i = 0; i < wd->n; i++) {
        int k = pmc_pop_kind_of(w[i].addr.s);
        assert_true(k >= 0);
        if (sc[i].rated && sc[i].rank <= ncopy && k == PMC_POP_COPYABLE)
            top_copy++;
        if (k == PMC_POP_NOISE) {
            noise++;
            noise_le0 += sc[i].score <= 0;
        }
        if (k == PMC_POP_FAST) {
            fast++;
            fast_e0 += sc[i].edge[PMC_RANK_L0];
            fast_ok += sc[i].edge[PMC_RANK_L0] > 0.2 && sc[i].score <= 0;
        }
        if (k == PMC_POP_BIGWIN && sc[i].rated && sc[i].rank <= wd->n / 10)
            big_top++;
    }
    print_message("top %zu places: %zu copyable; noise <= 0: %zu/%zu; fast "
                  "high e(0), score <= 0: %zu/%zu (mean e(0) %.3f); bigwin in "
                  "top decile: %zu\n",
                  ncopy, top_copy, noise_le0, noise, fast_ok, fast,
                  fast_e0 / (double)fast, big_top);
    assert_true(top_copy * 10 >= ncopy * 8);
    assert_true(noise_le0 * 100 >= noise * 95);
    assert_true(fast_ok * 10 >= fast * 9 && fast_e0 / (double)fast > 0.3);
    assert_int_equal(big_top, 0);
    free(sc);
    free_all(w, wd->n);
    world_free(wd);
}

static char *finish_bytes(const struct pmc_rank_wallet *w, size_t n,
                          enum pmc_rank_fmt fmt, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_int_equal(pmc_rank_finish(f, fmt, w, n, n, 0), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pmc_rank_wallet_write(f, &w[i]), 0);
    fclose(f);
    return buf;
}

/* 1 thread or 2: the same bytes (table, JSON, CSV, every wallet line). */
static void test_jobs_identical(void **st)
{
    (void)st;
    struct world *wd = world_new(40, 12);
    struct pmc_rank_wallet *a = run_all(wd, 400, 1), *b = run_all(wd, 400, 2);
    for (int fmt = 0; fmt < 3; fmt++) {
        size_t la, lb;
        char *x = finish_bytes(a, wd->n, (enum pmc_rank_fmt)fmt, &la);
        char *y = finish_bytes(b, wd->n, (enum pmc_rank_fmt)fmt, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
        free(x);
        free(y);
    }
    /* the wallets given in another order: the same ranking */
    struct pmc_rank_wallet *rev = calloc(wd->n, sizeof *rev);
    for (size_t i = 0; i < wd->n; i++)
        rev[i] = b[wd->n - 1 - i];
    size_t la, lb;
    char *buf = NULL, *buf2 = NULL;
    FILE *f = open_memstream(&buf, &la);
    assert_int_equal(pmc_rank_finish(f, PMC_RANK_JSON, a, wd->n, wd->n, 0), 0);
    fclose(f);
    f = open_memstream(&buf2, &lb);
    assert_int_equal(pmc_rank_finish(f, PMC_RANK_JSON, rev, wd->n, wd->n, 0),
                     0);
    fclose(f);
    assert_int_equal(la, lb);
    assert_memory_equal(buf, buf2, la);
    free(buf);
    free(buf2);
    free(rev);
    free_all(a, wd->n);
    free_all(b, wd->n);
    world_free(wd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_by_hand),
        cmocka_unit_test(test_score_min_and_half),
        cmocka_unit_test(test_wallet_line_round_trip),
        cmocka_unit_test(test_spearman),
        cmocka_unit_test(test_groups_by_event),
        cmocka_unit_test(test_ground_truth),
        cmocka_unit_test(test_jobs_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
