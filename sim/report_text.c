/* sim/report_text.c - the human summary table `pmcopy backtest` prints.
 * Never reads a clock. */
#include <inttypes.h>

#include "sim/report_int.h"

static const char *ratio3(int has, double x, char *b, size_t cap)
{
    if (has)
        snprintf(b, cap, "%.3f", x);
    else
        snprintf(b, cap, "n/a");
    return b;
}

void pmc_report_text(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info,
                     const struct pmc_report_risk *rk)
{
    struct pmc_summary m;
    pmc_summary_compute(s, &m);
    const struct pmc_sim_result *r = &s->r;
    char a[32], b[32], c[32], d[32];
    fprintf(f, "pmcopy backtest: %s (seed %" PRIu64 ")\n",
            info->tape ? info->tape : "-", s->o.seed);
    fprintf(f,
            "  data              %s .. %s UTC, %.2f h, %" PRIu64
            " records, %u tokens\n",
            pmc__report_utc(r->t_first, a, sizeof a),
            pmc__report_utc(r->t_last, b, sizeof b),
            (double)(r->t_last - r->t_first) / 3600000.0, r->records, s->ntok);
    fprintf(f, "  latency           %s\n",
            info->lat_desc ? info->lat_desc : "");
    fprintf(f,
            "  P&L               %s USD  (ROI %.2f %% on the starting capital "
            "of %s USD; %.2f %% on the peak capital used, %s USD)\n",
            pmc__report_usd2(m.pnl, a, sizeof a), 100.0 * m.roi_capital,
            pmc__report_usd2(r->capital, b, sizeof b), 100.0 * m.roi,
            pmc__report_usd2(m.capital_used, c, sizeof c));
    fprintf(f,
            "    realised        %s USD, unrealised %s USD (%u unresolved "
            "positions, marked at last price), fees %s USD\n",
            pmc__report_usd2(m.realized, a, sizeof a),
            pmc__report_usd2(m.unrealized, b, sizeof b),
            r->unresolved_positions, pmc__report_usd2(m.fees, c, sizeof c));
    fprintf(f,
            "  max drawdown      %s USD (%.2f %% of the peak)   Sharpe (per "
            "market) %.3f\n",
            pmc__report_usd2(r->max_dd, a, sizeof a), m.max_dd_pct, m.sharpe);
    if (rk && rk->ok && rk->ndd) {
        const struct pmc_report_dd *e = &rk->dd[0];
        fprintf(f, "    deepest         from %s to the trough at %s UTC, ",
                pmc__report_utc(e->t_start, a, sizeof a),
                pmc__report_utc(e->t_trough, b, sizeof b));
        if (e->recovered)
            fprintf(f, "recovered %s UTC",
                    pmc__report_utc(e->t_recovery, a, sizeof a));
        else
            fputs("not recovered", f);
        fprintf(f, ", %.2f days\n",
                (double)(e->t_recovery - e->t_start) / 86400000.0);
    }
    if (rk && rk->ok)
        fprintf(
            f,
            "  risk-adjusted     Sharpe %s, Sortino %s, Calmar %s "
            "(annualised; daily returns on the starting capital, %u days)\n",
            ratio3(rk->has_sharpe, rk->sharpe, a, sizeof a),
            ratio3(rk->has_sortino, rk->sortino, b, sizeof b),
            ratio3(rk->has_calmar, rk->calmar, c, sizeof c), rk->days);
    fprintf(f, "  markets           %u traded, %u resolved, win rate %.1f %%\n",
            m.markets_traded, m.markets_resolved, 100.0 * m.win_rate);
    fprintf(f,
            "  per market        profit factor %s (%s won / %s lost USD); "
            "expectancy %.4f USD per order; %u of %u tokens held at "
            "resolution paid out\n",
            ratio3(m.has_pf, m.profit_factor, a, sizeof a),
            pmc__report_usd2(m.gross_profit, b, sizeof b),
            pmc__report_usd2(m.gross_loss, c, sizeof c), m.expectancy_order,
            m.held_paid, m.held_resolved);
    if (rk && rk->ok && rk->has_source)
        fprintf(f,
                "  source benchmark  the copied traders made %s USD on the "
                "same tape (their own fills, payouts, open shares at the last "
                "price); per market in source_markets.csv\n",
                pmc__report_usd2(rk->source_pnl, a, sizeof a));
    if (rk && rk->ok)
        fprintf(f,
                "  exposure          %s USD in positions on average "
                "(time-weighted), %s USD at most\n",
                pmc__report_usd2(rk->exposure_avg, a, sizeof a),
                pmc__report_usd2(rk->exposure_max, b, sizeof b));
    fprintf(f,
            "  source fills      %" PRIu64 " seen -> %" PRIu64
            " orders (%.3f orders/fill), %" PRIu64 " skipped\n",
            r->fills_delivered, r->orders, m.orders_per_fill, m.skips_total);
    fprintf(f,
            "  orders            %" PRIu64 " filled, %" PRIu64
            " partial, %" PRIu64 " unfilled, %" PRIu64
            " rejected; fill rate %.1f %% of shares\n",
            r->orders_filled, r->orders_partial, r->orders_unfilled,
            r->orders_rejected, 100.0 * m.fill_rate);
    if (s->cfg.trade_fail_share > 0)
        fprintf(f,
                "  failed trades     %" PRIu64 " of %" PRIu64
                " matched failed on chain (trade_fail_share %s): %s USD of "
                "trades and %s USD of fees undone; %" PRIu64
                " resolved first\n",
                r->trades_failed, r->fill_legs,
                pmc__report_usd2(s->cfg.trade_fail_share, a, sizeof a),
                pmc__report_usd2(r->failed_usd, b, sizeof b),
                pmc__report_usd2(r->failed_fees, c, sizeof c),
                r->trades_fail_resolved);
    fprintf(f, "  bought / sold     %s / %s USD\n",
            pmc__report_usd2(m.bought_usd, a, sizeof a),
            pmc__report_usd2(m.sold_usd, b, sizeof b));
    fprintf(f, "  avg slippage      %.3f cents/share vs the source's price\n",
            m.avg_slippage_cents);
    fprintf(f,
            "  follower penalty  %s USD = latency drift %s + spread %s + "
            "fees %s\n",
            pmc__report_usd2(r->pen.drift + r->pen.spread + r->pen.fees, a,
                             sizeof a),
            pmc__report_usd2(r->pen.drift, b, sizeof b),
            pmc__report_usd2(r->pen.spread, c, sizeof c),
            pmc__report_usd2(r->pen.fees, d, sizeof d));
    if (r->kills)
        fprintf(f,
                "  kill switch       tripped %" PRIu64 "x, first at %s: %s; "
                "%" PRIu64 " source fills skipped by it\n",
                r->kills, pmc__report_utc(r->first_kill_t, a, sizeof a),
                r->first_kill, r->skips[PMC_SKIP_KILLED]);
    if (m.path_missing)
        fprintf(f,
                "  price path        NONE between source fills on %u of %u "
                "tokens with several fills (no trade/quote/book records "
                "between them): copies there fill at the source's own "
                "prints, latency results are meaningless\n",
                m.path_missing, m.path_tokens);
    fprintf(f,
            "  checks            accounting identity %s, core positions "
            "%s\n",
            r->identity_ok ? "ok" : "FAILED",
            r->engine_agrees ? "agree" : "DISAGREE");
    if (!r->identity_ok || !r->engine_agrees)
        fprintf(f, "                    %s\n", r->identity_msg);
}
