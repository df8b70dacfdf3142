/* research/rank/output.c - the ranking as a table, JSON or CSV (rank.h
 * step 3; the columns are documented in docs/rank.md).
 *
 * Decides: order (rated by rank, then unrated by address), columns and
 * number formats (money exact from micros; ratios with fixed decimals, so
 * equal inputs give equal bytes). Never: computes a score (score.c) or
 * depends on the order of w[]. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "proto/jsonout.h"
#include "research/rank/rank_int.h"

static void usd(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

/* A finite double with fixed decimals; -0 printed as 0. */
static void num(FILE *f, double v, int dec)
{
    if (!isfinite(v))
        v = 0;
    char b[64];
    snprintf(b, sizeof b, "%.*f", dec, v);
    if (b[0] == '-') {
        int zero = 1;
        for (const char *p = b + 1; *p; p++)
            if (*p != '0' && *p != '.')
                zero = 0;
        if (zero) {
            fputs(b + 1, f);
            return;
        }
    }
    fputs(b, f);
}

static void json_one(FILE *f, const struct pmc_rank_wallet *w,
                     const struct pmc_rank_score *s)
{
    fputs("{\"wallet\":", f);
    pmc_json_str(f, w->addr.s);
    fputs(",\"label\":", f);
    pmc_json_str(f, w->label);
    if (s->rated)
        fprintf(f, ",\"rank\":%" PRIu32 ",\"rated\":true", s->rank);
    else
        fputs(",\"rank\":null,\"rated\":false", f);
    fputs(",\"score_usd_day\":", f);
    num(f, s->score, 4);
    fputs(",\"edge\":{", f);
    for (int r = 0; r < PMC_RANK_NLAT; r++) {
        fprintf(f, "%s\"%" PRId64 "\":", r ? "," : "", w->lat[r]);
        num(f, s->edge[r], 6);
    }
    fputs("},\"edge_4x_size\":", f);
    num(f, s->edge[PMC_RANK_CAP], 6);
    fputs(",\"lower_bound\":{", f);
    for (int r = 0; r < PMC_RANK_NLAT; r++) {
        fprintf(f, "%s\"%" PRId64 "\":", r ? "," : "", w->lat[r]);
        num(f, s->lb[r], 6);
    }
    fprintf(f,
            "},\"markets\":%" PRIu32 ",\"markets_resolved\":%" PRIu32
            ",\"active_days\":%" PRIu32 ",\"usd_per_day\":",
            s->markets, s->markets_resolved, w->active_days);
    num(f, s->d_usd_day, 2);
    fputs(",\"half_edge_latency_ms\":", f);
    if (s->half_ms < 0)
        fputs("null", f);
    else
        num(f, s->half_ms, 0);
    fputs(",\"effective_markets\":", f);
    num(f, s->eff_markets, 2);
    fputs(",\"best_market_share\":", f);
    num(f, s->best_share, 4);
    fputs(",\"taker_share\":", f);
    if (s->taker_share < 0)
        fputs("null", f);
    else
        num(f, s->taker_share, 4);
    fputs(",\"median_hold_s\":", f);
    if (w->hold_median < 0)
        fputs("null", f);
    else
        num(f, (double)w->hold_median / 1000.0, 1);
    fputs(",\"source_pnl_usd\":", f);
    usd(f, w->src_pnl);
    fputs(",\"leaderboard_pnl_usd\":", f);
    if (w->has_lb)
        usd(f, w->lb_pnl);
    else
        fputs("null", f);
    fputs(",\"copy_pnl_usd\":", f);
    usd(f, w->copy_pnl[PMC_RANK_L1]);
    fputs(",\"copy_bought_usd\":", f);
    usd(f, w->copy_bought[PMC_RANK_L1]);
    fprintf(f,
            ",\"source_fills\":%" PRIu64 ",\"orders\":%" PRIu64 ",\"skips\":{",
            w->fills, w->orders[PMC_RANK_L1]);
    int first = 1;
    for (int k = 0; k < PMC_SKIP_COUNT; k++)
        if (w->skips[k]) {
            fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
                    pmc_skip_name((enum pmc_skip_reason)k), w->skips[k]);
            first = 0;
        }
    fputs("},\"why_unrated\":", f);
    pmc_json_str(f, s->rated ? NULL : s->why);
    fputs("}", f);
}

static void csv_head(FILE *f, const struct pmc_rank_wallet *w0)
{
    fputs("rank,wallet,label,rated,score_usd_day", f);
    for (int r = 0; r < PMC_RANK_NLAT; r++)
        fprintf(f, ",edge_%" PRId64 "ms", w0 ? w0->lat[r] : 0);
    fputs(",edge_4x_size", f);
    for (int r = 0; r < PMC_RANK_NLAT; r++)
        fprintf(f, ",lower_bound_%" PRId64 "ms", w0 ? w0->lat[r] : 0);
    fputs(",markets,markets_resolved,active_days,usd_per_day,"
          "half_edge_latency_ms,effective_markets,best_market_share,"
          "taker_share,median_hold_s,source_pnl_usd,leaderboard_pnl_usd,"
          "copy_pnl_usd,copy_bought_usd,source_fills,orders,why_unrated\n",
          f);
}

static void csv_one(FILE *f, const struct pmc_rank_wallet *w,
                    const struct pmc_rank_score *s)
{
    if (s->rated)
        fprintf(f, "%" PRIu32, s->rank);
    fprintf(f, ",%s,", w->addr.s);
    pmc_csv_str(f, w->label);
    fprintf(f, ",%s,", s->rated ? "true" : "false");
    num(f, s->score, 4);
    for (int r = 0; r < PMC_RANK_NLAT; r++) {
        fputc(',', f);
        num(f, s->edge[r], 6);
    }
    fputc(',', f);
    num(f, s->edge[PMC_RANK_CAP], 6);
    for (int r = 0; r < PMC_RANK_NLAT; r++) {
        fputc(',', f);
        num(f, s->lb[r], 6);
    }
    fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",", s->markets,
            s->markets_resolved, w->active_days);
    num(f, s->d_usd_day, 2);
    fputc(',', f);
    if (s->half_ms >= 0)
        num(f, s->half_ms, 0);
    fputc(',', f);
    num(f, s->eff_markets, 2);
    fputc(',', f);
    num(f, s->best_share, 4);
    fputc(',', f);
    if (s->taker_share >= 0)
        num(f, s->taker_share, 4);
    fputc(',', f);
    if (w->hold_median >= 0)
        num(f, (double)w->hold_median / 1000.0, 1);
    fputc(',', f);
    usd(f, w->src_pnl);
    fputc(',', f);
    if (w->has_lb)
        usd(f, w->lb_pnl);
    fputc(',', f);
    usd(f, w->copy_pnl[PMC_RANK_L1]);
    fputc(',', f);
    usd(f, w->copy_bought[PMC_RANK_L1]);
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", w->fills, w->orders[PMC_RANK_L1]);
    if (!s->rated)
        pmc_csv_str(f, s->why);
    fputc('\n', f);
}

static void table_one(FILE *f, const struct pmc_rank_wallet *w,
                      const struct pmc_rank_score *s)
{
    char rk[16];
    if (s->rated)
        snprintf(rk, sizeof rk, "%" PRIu32, s->rank);
    else
        snprintf(rk, sizeof rk, "-");
    fprintf(f, "%5s  %-42s  %-14.14s  ", rk, w->addr.s,
            w->label[0] ? w->label : "");
    char b[64];
    snprintf(b, sizeof b, "%10.2f", s->score);
    fputs(s->rated ? b : "         -", f);
    fprintf(f, "  %+8.4f  %+8.4f  %7" PRIu32 "  %4" PRIu32 "  %s\n",
            s->edge[PMC_RANK_L1], s->edge[PMC_RANK_L2], s->markets,
            w->active_days, s->rated ? "" : s->why);
}

int pmc_rank_write(FILE *f, enum pmc_rank_fmt fmt,
                   const struct pmc_rank_wallet *w,
                   const struct pmc_rank_score *sc, size_t n, size_t K,
                   size_t top)
{
    size_t *ord = malloc((n + 1) * sizeof *ord);
    if (!ord)
        return -1;
    pmc__rank_order(w, sc, n, ord);
    size_t nrated = 0;
    for (size_t i = 0; i < n; i++)
        nrated += sc[i].rated != 0;
    size_t shown = top && top < n ? top : n;
    if (fmt == PMC_RANK_TABLE) {
        fprintf(f, "%5s  %-42s  %-14s  %10s  %8s  %8s  %7s  %4s  %s\n", "rank",
                "wallet", "label", "score$/day", "e@L*", "e@2L*", "markets",
                "days", "why unrated");
    } else if (fmt == PMC_RANK_JSON) {
        fputs("[", f);
    } else {
        csv_head(f, n ? &w[0] : NULL);
    }
    size_t out = 0;
    for (size_t i = 0; i < shown; i++) {
        size_t k = ord[i];
        if (fmt == PMC_RANK_TABLE) {
            table_one(f, &w[k], &sc[k]);
        } else if (fmt == PMC_RANK_JSON) {
            fputs(out ? ",\n" : "\n", f);
            json_one(f, &w[k], &sc[k]);
        } else {
            csv_one(f, &w[k], &sc[k]);
        }
        out++;
    }
    if (fmt == PMC_RANK_JSON)
        fputs("\n]\n", f);
    else if (fmt == PMC_RANK_TABLE)
        fprintf(f,
                "%zu wallets screened (K), %zu rated, %zu unrated; z = %.4f; "
                "score = USD per active day a copier can count on\n",
                K, nrated, n - nrated, pmc_rank_z(K));
    free(ord);
    return ferror(f) ? -1 : 0;
}

int pmc_rank_finish(FILE *f, enum pmc_rank_fmt fmt,
                    const struct pmc_rank_wallet *w, size_t n, size_t K,
                    size_t top)
{
    struct pmc_rank_score *sc = calloc(n + 1, sizeof *sc);
    if (!sc || pmc_rank_score_all(w, n, K, sc) < 0) {
        free(sc);
        return -1;
    }
    int r = pmc_rank_write(f, fmt, w, sc, n, K, top);
    free(sc);
    return r;
}
