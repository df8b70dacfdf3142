/* research/rank/score.c - the copyable edge lower bound (rank.h step 3;
 * docs/rank.md "The score").
 *
 * Per wallet and latency L over its markets m with c_m > 0 (M of them):
 *   e(L)  = sum x / sum c,
 *   SE(L) = sqrt(M/(M-1) * sum (x - e c)^2) / sum c,
 *   e-, SE-: the same without the market of largest x (first on ties),
 *   LB(L) = e- - z SE-,  z = Phi^-1(1 - 0.05/K)  (gsl),
 *   D = sum c(L*) / active days,  score = D * min(LB(L*), LB(2L*)).
 * Fewer than 3 markets (nothing left to estimate a spread from once the
 * largest is out) or nothing bought: LB = 0, no evidence of an edge.
 * Unrated (never ranked, reason given): a failed backtest, fewer than 20
 * resolved markets or fewer than 5 active days.
 * Decides only numbers; never does I/O. Same inputs -> same doubles (the
 * sums run in the wallet's market order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "research/rank/rank_int.h"

double pmc_rank_z(size_t K)
{
    if (K < 1)
        K = 1;
    return gsl_cdf_ugaussian_Pinv(1.0 - PMC_RANK_ALPHA / (double)K);
}

/* e and SE over the markets with c > 0 of run r, skipping index skip. */
static void edge_se(const struct pmc_rank_wallet *w, int r, long skip,
                    double *e, double *se, uint32_t *mout)
{
    double sx = 0, sc = 0;
    uint32_t M = 0;
    for (uint32_t k = 0; k < w->nmarkets; k++) {
        if ((long)k == skip || w->m[k].c[r] <= 0)
            continue;
        sx += (double)w->m[k].x[r];
        sc += (double)w->m[k].c[r];
        M++;
    }
    *mout = M;
    *e = sc > 0 ? sx / sc : 0;
    *se = 0;
    if (M < 2 || sc <= 0)
        return;
    double ss = 0;
    for (uint32_t k = 0; k < w->nmarkets; k++) {
        if ((long)k == skip || w->m[k].c[r] <= 0)
            continue;
        double d = (double)w->m[k].x[r] - *e * (double)w->m[k].c[r];
        ss += d * d;
    }
    *se = sqrt((double)M / (double)(M - 1) * ss) / sc;
}

static void score_one(const struct pmc_rank_wallet *w, double z,
                      struct pmc_rank_score *s)
{
    memset(s, 0, sizeof *s);
    s->taker_share =
        w->role_known ? (double)w->taker_fills / (double)w->role_known : -1;
    s->half_ms = -1;
    for (int r = 0; r < PMC_RANK_NRUNS; r++) {
        double se;
        uint32_t M;
        edge_se(w, r, -1, &s->edge[r], &se, &M);
        if (r >= PMC_RANK_NLAT)
            continue;
        s->se[r] = se;
        /* the market of largest x among those with c > 0 */
        long big = -1;
        for (uint32_t k = 0; k < w->nmarkets; k++)
            if (w->m[k].c[r] > 0 && (big < 0 || w->m[k].x[r] > w->m[big].x[r]))
                big = (long)k;
        uint32_t M1;
        edge_se(w, r, big, &s->edge_loo[r], &s->se_loo[r], &M1);
        s->lb[r] = M >= 3 && M1 >= 2 ? s->edge_loo[r] - z * s->se_loo[r] : 0;
    }
    const int L = PMC_RANK_L1;
    double sc = 0, sc2 = 0, sx = 0;
    pmc_micros xmax = 0;
    int have = 0;
    for (uint32_t k = 0; k < w->nmarkets; k++) {
        const struct pmc_rank_market *m = &w->m[k];
        if (m->c[L] <= 0)
            continue;
        s->markets++;
        if (m->resolved[L])
            s->markets_resolved++;
        sc += (double)m->c[L];
        sc2 += (double)m->c[L] * (double)m->c[L];
        sx += (double)m->x[L];
        if (!have || m->x[L] > xmax)
            xmax = m->x[L];
        have = 1;
    }
    s->eff_markets = sc2 > 0 ? sc * sc / sc2 : 0;
    s->best_share = sx > 0 && have ? (double)xmax / sx : 0;
    s->d_usd_day =
        w->active_days ? sc / (double)w->active_days / (double)PMC_MICRO : 0;
    /* where the edge halves: linear between the measured latencies */
    double e0 = s->edge[PMC_RANK_L0];
    if (e0 > 0) {
        for (int r = 1; r < PMC_RANK_NLAT; r++) {
            double ea = s->edge[r - 1], eb = s->edge[r];
            if (eb <= e0 / 2) {
                double la = (double)w->lat[r - 1], lb = (double)w->lat[r];
                s->half_ms =
                    ea > eb ? la + (lb - la) * (ea - e0 / 2) / (ea - eb) : lb;
                break;
            }
        }
    }
    double lbmin = s->lb[PMC_RANK_L1] < s->lb[PMC_RANK_L2] ? s->lb[PMC_RANK_L1]
                                                           : s->lb[PMC_RANK_L2];
    s->score = s->d_usd_day * lbmin;
    if (w->failed)
        snprintf(s->why, sizeof s->why, "%.90s", w->err);
    else if (s->markets_resolved < PMC_RANK_MIN_MARKETS)
        snprintf(s->why, sizeof s->why, "%u resolved markets copied (< %d)",
                 s->markets_resolved, PMC_RANK_MIN_MARKETS);
    else if (w->active_days < PMC_RANK_MIN_DAYS)
        snprintf(s->why, sizeof s->why, "%u active days (< %d)", w->active_days,
                 PMC_RANK_MIN_DAYS);
    else
        s->rated = 1;
}

struct order_ctx {
    const struct pmc_rank_wallet *w;
    const struct pmc_rank_score *sc;
};

static int addr_cmp(const struct pmc_rank_wallet *a,
                    const struct pmc_rank_wallet *b)
{
    return strcmp(a->addr.s, b->addr.s);
}

static int by_rank(const void *pa, const void *pb, void *arg)
{
    const struct order_ctx *ctx = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const struct pmc_rank_score *x = &ctx->sc[a], *y = &ctx->sc[b];
    if (x->rated != y->rated)
        return y->rated - x->rated;
    if (x->rated && x->score != y->score)
        return x->score > y->score ? -1 : 1;
    int c = addr_cmp(&ctx->w[a], &ctx->w[b]);
    return c ? c : (a > b) - (a < b);
}

void pmc__rank_order(const struct pmc_rank_wallet *w,
                     const struct pmc_rank_score *sc, size_t n, size_t *ord)
{
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    struct order_ctx ctx = {w, sc};
    qsort_r(ord, n, sizeof *ord, by_rank, &ctx);
}

int pmc_rank_score_all(const struct pmc_rank_wallet *w, size_t n, size_t K,
                       struct pmc_rank_score *sc)
{
    double z = pmc_rank_z(K);
    for (size_t i = 0; i < n; i++)
        score_one(&w[i], z, &sc[i]);
    size_t *ord = malloc((n + 1) * sizeof *ord);
    if (!ord)
        return -1;
    pmc__rank_order(w, sc, n, ord);
    uint32_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (sc[ord[i]].rated)
            sc[ord[i]].rank = ++r;
    free(ord);
    return 0;
}
