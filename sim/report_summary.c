/* sim/report_summary.c - the numbers of a finished simulation: per-market
 * aggregation (pnl, volume, resolution) and the summary metrics (ROI,
 * Sharpe, win, fill and slippage rates, drawdown).
 * Decides how the ledger is summed up; never writes a file, never reads a
 * clock. Money stays in integer micros; doubles only for ratios. */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "sim/report_int.h"

pmc_micros pmc__report_tok_pnl(const struct pmc_sim_token *x)
{
    return x->realized + (x->mv - x->cost) - x->fees;
}

struct pmc__report_agg *pmc__report_aggregate(const struct pmc_sim *s)
{
    struct pmc__report_agg *a = calloc(s->nmkt ? s->nmkt : 1, sizeof *a);
    if (!a)
        return NULL;
    for (uint32_t i = 0; i < s->nmkt; i++)
        a[i].resolved_all = 1;
    for (uint32_t i = 0; i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        struct pmc__report_agg *g = &a[x->market_idx];
        g->pnl += pmc__report_tok_pnl(x);
        g->bought += x->bought_usd;
        g->sold += x->sold_usd;
        g->paid += x->paid_usd;
        g->fees += x->fees;
        g->shares_open += x->shares;
        g->mv += x->mv;
        g->orders += x->orders;
        g->fills += x->fills;
        if (x->bought_sh > 0) {
            g->traded = 1;
            if (!x->resolved)
                g->resolved_all = 0;
        }
        if (x->resolved && x->payout == PMC_MICRO)
            snprintf(g->outcome_won, sizeof g->outcome_won, "%s",
                     x->outcome[0] ? x->outcome : "?");
    }
    return a;
}

void pmc_summary_compute(const struct pmc_sim *s, struct pmc_summary *m)
{
    memset(m, 0, sizeof *m);
    const struct pmc_sim_result *r = &s->r;
    m->equity_end = pmc_sim_equity(s);
    m->pnl = m->equity_end - r->capital;
    m->realized = r->realized;
    m->unrealized = r->unrealized;
    m->fees = r->fees;
    m->capital_used = r->capital_used;
    m->roi =
        m->capital_used > 0 ? (double)m->pnl / (double)m->capital_used : 0.0;
    m->roi_capital = r->capital > 0 ? (double)m->pnl / (double)r->capital : 0.0;
    m->fill_rate =
        r->ordered_sh > 0 ? (double)r->filled_sh / (double)r->ordered_sh : 0.0;
    m->orders_per_fill = r->fills_delivered
                             ? (double)r->orders / (double)r->fills_delivered
                             : 0.0;
    m->avg_slippage_cents =
        r->filled_sh > 0 ? 100.0 * (double)r->slip_sum_sh / (double)r->filled_sh
                         : 0.0;
    m->max_dd_pct = r->max_dd_peak > 0
                        ? 100.0 * (double)r->max_dd / (double)r->max_dd_peak
                        : 0.0;
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        m->skips_total += r->skips[i];
    for (uint32_t i = 0; i < s->ntok; i++)
        if (s->tok[i].src_fills >= 2) {
            m->path_tokens++;
            if (!s->tok[i].px_between)
                m->path_missing++;
        }
    for (uint32_t i = 0; i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        m->bought_usd += x->bought_usd;
        m->sold_usd += x->sold_usd;
        if (x->resolved && x->bought_sh > x->sold_sh) {
            m->held_resolved++;
            if (x->payout == PMC_MICRO)
                m->held_paid++;
        }
    }
    m->expectancy_order =
        r->orders ? (double)m->pnl / 1e6 / (double)r->orders : 0.0;
    struct pmc__report_agg *a = pmc__report_aggregate(s);
    if (!a)
        return;
    double *ret = calloc(s->nmkt ? s->nmkt : 1, sizeof *ret);
    size_t nret = 0;
    for (uint32_t i = 0; i < s->nmkt; i++) {
        if (!a[i].traded)
            continue;
        m->markets_traded++;
        if (a[i].pnl > 0)
            m->gross_profit += a[i].pnl;
        else
            m->gross_loss -= a[i].pnl;
        if (ret && a[i].bought > 0)
            ret[nret++] = (double)a[i].pnl / (double)a[i].bought;
        if (a[i].resolved_all) {
            m->markets_resolved++;
            if (a[i].pnl > 0)
                m->markets_won++;
        }
    }
    if (m->gross_loss > 0) {
        m->profit_factor = (double)m->gross_profit / (double)m->gross_loss;
        m->has_pf = 1;
    }
    m->win_rate = m->markets_resolved
                      ? (double)m->markets_won / (double)m->markets_resolved
                      : 0.0;
    if (ret && nret >= 2) {
        double mean = gsl_stats_mean(ret, 1, nret);
        double sd = gsl_stats_sd_m(ret, 1, nret, mean);
        m->sharpe = sd > 0 ? mean / sd : 0.0;
    }
    free(ret);
    free(a);
}
