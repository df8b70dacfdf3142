/* sim/report_json.c - summary.json (also `backtest --json`): the run, its
 * configuration and every summary metric, in a fixed key order with fixed
 * precision, so two runs of the same inputs give the same bytes.
 * Never reads a clock. */
#include <inttypes.h>

#include "proto/jsonout.h"
#include "sim/report_int.h"

static const char *lat_mode_name(enum pmc_lat_mode m)
{
    return m == PMC_LAT_EMPIRICAL  ? "empirical"
           : m == PMC_LAT_RECORDED ? "recorded"
                                   : "constant";
}

static void json_ratio(FILE *f, const char *k, int has, double x)
{
    if (has)
        fprintf(f, "\"%s\": %.4f", k, x);
    else
        fprintf(f, "\"%s\": null", k);
}

/* "risk": daily returns on capital, annualised ratios, the drawdowns */
static void json_risk(FILE *f, const struct pmc_report_risk *rk)
{
    char b[64];
    if (!rk || !rk->ok) {
        fputs("  \"risk\": null,\n", f);
        return;
    }
    fprintf(f,
            "  \"risk\": {\"basis\": \"daily returns on the starting "
            "capital, UTC days, annualised over 365\", \"days\": %u, "
            "\"first_day\": ",
            rk->days);
    pmc_json_str(f, pmc__report_utc(rk->day_first_ms, b, sizeof b));
    fprintf(f,
            ", \"mean_daily_return\": %.8f, \"sd_daily_return\": %.8f, "
            "\"annual_return\": %.6f, ",
            rk->mean_daily, rk->sd_daily, rk->annual_return);
    json_ratio(f, "sharpe", rk->has_sharpe, rk->sharpe);
    fputs(", ", f);
    json_ratio(f, "sortino", rk->has_sortino, rk->sortino);
    fputs(", ", f);
    json_ratio(f, "calmar", rk->has_calmar, rk->calmar);
    fputs(",\n    \"source_pnl_usd\": ", f);
    if (rk->has_source)
        pmc__report_dec(f, rk->source_pnl);
    else
        fputs("null", f);
    fputs(",\n    \"exposure_avg_usd\": ", f);
    pmc__report_dec(f, rk->exposure_avg);
    fputs(", \"exposure_max_usd\": ", f);
    pmc__report_dec(f, rk->exposure_max);
    fprintf(f, ",\n    \"drawdown_episodes\": %" PRIu64 ", \"drawdowns\": [",
            rk->episodes);
    for (uint32_t i = 0; i < rk->ndd; i++) {
        const struct pmc_report_dd *e = &rk->dd[i];
        fputs(i ? ",\n      {\"depth_usd\": " : "\n      {\"depth_usd\": ", f);
        pmc__report_dec(f, e->depth);
        fputs(", \"peak_usd\": ", f);
        pmc__report_dec(f, e->peak);
        fprintf(f,
                ", \"pct_of_peak\": %.4f, \"start_ms\": %" PRId64
                ", \"trough_ms\": %" PRId64 ", \"recovery_ms\": ",
                e->peak > 0 ? 100.0 * (double)e->depth / (double)e->peak : 0.0,
                e->t_start, e->t_trough);
        if (e->recovered)
            fprintf(f, "%" PRId64, e->t_recovery);
        else
            fputs("null", f);
        fputs(", \"start_utc\": ", f);
        pmc_json_str(f, pmc__report_utc(e->t_start, b, sizeof b));
        fputs(", \"trough_utc\": ", f);
        pmc_json_str(f, pmc__report_utc(e->t_trough, b, sizeof b));
        fputs(", \"recovery_utc\": ", f);
        if (e->recovered)
            pmc_json_str(f, pmc__report_utc(e->t_recovery, b, sizeof b));
        else
            fputs("null", f);
        fprintf(f, ", \"duration_ms\": %" PRId64 "}",
                e->t_recovery - e->t_start);
    }
    fputs(rk->ndd ? "]},\n" : "]},\n", f);
}

void pmc_report_json(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info,
                     const struct pmc_report_risk *rk)
{
    struct pmc_summary m;
    pmc_summary_compute(s, &m);
    const struct pmc_sim_result *r = &s->r;
    const struct pmc_sim_opts *o = &s->o;
    const struct pmc_config *c = &s->cfg;
    char b[64];
    fputs("{\n  \"format\": \"pmcopy-backtest-summary v1\",\n  \"name\": ", f);
    pmc_json_str(f, info->name ? info->name : "");
    fputs(",\n  \"tape\": ", f);
    pmc_json_str(f, info->tape ? info->tape : "");
    fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n", o->seed);
    fprintf(f,
            "  \"latency\": {\"mode\": \"%s\", \"none_ms\": %" PRId64
            ", \"chain_ms\": %" PRId64 ", \"rtds_ms\": %" PRId64
            ", \"api_ms\": %" PRId64
            ", \"samples\": %zu, \"submit_ms\": %" PRId64
            ", \"report_ms\": %" PRId64 ", \"jitter_ms\": %" PRId64 "},\n",
            lat_mode_name(o->lat_mode), o->lat_src[0], o->lat_src[1],
            o->lat_src[2], o->lat_src[3], o->lat_nsamples, o->lat_submit,
            o->lat_report, o->lat_jitter);
    fputs("  \"fill_model\": {\"half_spread\": ", f);
    pmc__report_dec(f, o->half_spread);
    fputs(", \"default_fee_rate\": ", f);
    pmc__report_dec(f, o->default_fee_rate);
    fprintf(f, ", \"default_fee_exp\": %d, \"min_marketable_usd\": ",
            o->default_fee_exp);
    pmc__report_dec(f, o->min_marketable_usd);
    fputs(", \"default_min_size\": ", f);
    pmc__report_dec(f, o->default_minsz);
    fputs("},\n  \"config\": {\"copy_mode\": ", f);
    pmc_json_str(f, pmc_copy_mode_name(c->copy_mode));
    fprintf(f, ", \"coalesce_ms\": %" PRId64 ", \"sizing\": ", c->coalesce_ms);
    pmc_json_str(f, pmc_sizing_name(c->sizing));
    fputs(", \"ratio\": ", f);
    pmc__report_dec(f, c->ratio);
    fputs(", \"cap_usd\": ", f);
    pmc__report_dec(f, c->cap_usd);
    fputs(", \"fixed_usd\": ", f);
    pmc__report_dec(f, c->fixed_usd);
    fputs(", \"max_slippage\": ", f);
    pmc__report_dec(f, c->max_slippage);
    fprintf(f,
            ", \"near_expiry_cutoff_seconds\": %" PRId64
            ", \"order_tif\": \"%s\", \"traders\": %u},\n",
            c->near_expiry_cutoff_seconds, pmc_tif_name(c->time_in_force),
            c->ntraders);
    fprintf(f, "  \"data\": {\"t_first\": %" PRId64 ", \"t_last\": %" PRId64,
            r->t_first, r->t_last);
    fputs(", \"first_utc\": ", f);
    pmc_json_str(f, pmc__report_utc(r->t_first, b, sizeof b));
    fputs(", \"last_utc\": ", f);
    pmc_json_str(f, pmc__report_utc(r->t_last, b, sizeof b));
    fprintf(f,
            ", \"records\": %" PRIu64 ", \"source_fills\": %" PRIu64
            ", \"quotes\": %" PRIu64 ", \"trades\": %" PRIu64
            ", \"resolves\": %" PRIu64 ", \"tokens\": %u},\n",
            r->records, r->fills_in_tape, r->quotes, r->trades, r->resolves,
            s->ntok);
    fputs("  \"capital_usd\": ", f);
    pmc__report_dec(f, r->capital);
    fputs(",\n  \"pnl_usd\": ", f);
    pmc__report_dec(f, m.pnl);
    fputs(",\n  \"equity_end_usd\": ", f);
    pmc__report_dec(f, m.equity_end);
    fputs(",\n  \"realized_usd\": ", f);
    pmc__report_dec(f, m.realized);
    fputs(",\n  \"unrealized_usd\": ", f);
    pmc__report_dec(f, m.unrealized);
    fputs(",\n  \"fees_usd\": ", f);
    pmc__report_dec(f, m.fees);
    fputs(",\n  \"capital_used_usd\": ", f);
    pmc__report_dec(f, m.capital_used);
    fputs(",\n  \"bought_usd\": ", f);
    pmc__report_dec(f, m.bought_usd);
    fputs(",\n  \"sold_usd\": ", f);
    pmc__report_dec(f, m.sold_usd);
    fputs(",\n  \"paid_out_usd\": ", f);
    pmc__report_dec(f, r->paid_out);
    fprintf(f,
            ",\n  \"roi\": %.6f,\n  \"roi_on_capital_used\": %.6f,\n"
            "  \"roi_on_capital\": %.6f,\n  \"max_drawdown_usd\": ",
            m.roi, m.roi, m.roi_capital);
    pmc__report_dec(f, r->max_dd);
    fprintf(f,
            ",\n  \"max_drawdown_pct\": %.4f,\n  \"sharpe\": %.4f,\n"
            "  \"sharpe_per_market\": %.4f,\n",
            m.max_dd_pct, m.sharpe, m.sharpe);
    json_risk(f, rk);
    fputs("  \"trades\": {\"gross_profit_usd\": ", f);
    pmc__report_dec(f, m.gross_profit);
    fputs(", \"gross_loss_usd\": ", f);
    pmc__report_dec(f, m.gross_loss);
    fputs(", ", f);
    json_ratio(f, "profit_factor", m.has_pf, m.profit_factor);
    fprintf(f,
            ", \"expectancy_per_order_usd\": %.6f, "
            "\"tokens_held_at_resolution\": %u, \"tokens_paid_out\": %u, ",
            m.expectancy_order, m.held_resolved, m.held_paid);
    json_ratio(f, "win_rate_by_payout", m.held_resolved > 0,
               m.held_resolved ? (double)m.held_paid / m.held_resolved : 0.0);
    fputs("},\n", f);
    fprintf(f,
            "  \"win_rate\": %.4f,\n  \"markets_traded\": %u,\n"
            "  \"markets_resolved\": %u,\n  \"markets_won\": %u,\n"
            "  \"unresolved_positions\": %u,\n",
            m.win_rate, m.markets_traded, m.markets_resolved, m.markets_won,
            r->unresolved_positions);
    fprintf(f,
            "  \"source_fills_seen\": %" PRIu64 ",\n  \"orders\": %" PRIu64
            ",\n  \"orders_filled\": %" PRIu64
            ",\n  \"orders_partial\": %" PRIu64
            ",\n  \"orders_unfilled\": %" PRIu64
            ",\n  \"orders_rejected\": %" PRIu64 ",\n  \"fill_legs\": %" PRIu64
            ",\n",
            r->fills_delivered, r->orders, r->orders_filled, r->orders_partial,
            r->orders_unfilled, r->orders_rejected, r->fill_legs);
    if (c->trade_fail_share > 0) {
        fputs("  \"trade_fail_share\": ", f);
        pmc__report_dec(f, c->trade_fail_share);
        fprintf(f,
                ",\n  \"trades_failed\": %" PRIu64
                ",\n  \"trades_fail_resolved\": %" PRIu64
                ",\n  \"failed_usd\": ",
                r->trades_failed, r->trades_fail_resolved);
        pmc__report_dec(f, r->failed_usd);
        fputs(",\n  \"failed_fees\": ", f);
        pmc__report_dec(f, r->failed_fees);
        fputs(",\n", f);
    }
    fputs("  \"ordered_shares\": ", f);
    pmc__report_dec(f, r->ordered_sh);
    fputs(",\n  \"filled_shares\": ", f);
    pmc__report_dec(f, r->filled_sh);
    fprintf(f,
            ",\n  \"fill_rate\": %.4f,\n  \"orders_per_source_fill\": %.4f,"
            "\n  \"avg_slippage_cents\": %.4f,\n",
            m.fill_rate, m.orders_per_fill, m.avg_slippage_cents);
    fprintf(f,
            "  \"avg_detection_latency_ms\": %" PRId64
            ",\n  \"avg_order_round_trip_ms\": %" PRId64 ",\n",
            r->detect_n ? r->detect_sum / (pmc_ms)r->detect_n : 0,
            r->rtt_n ? r->rtt_sum / (pmc_ms)r->rtt_n : 0);
    fputs("  \"penalty\": {\"latency_drift_usd\": ", f);
    pmc__report_dec(f, r->pen.drift);
    fputs(", \"spread_usd\": ", f);
    pmc__report_dec(f, r->pen.spread);
    fputs(", \"fees_usd\": ", f);
    pmc__report_dec(f, r->pen.fees);
    fputs(", \"total_usd\": ", f);
    pmc__report_dec(f, r->pen.drift + r->pen.spread + r->pen.fees);
    fputs("},\n  \"skips\": {", f);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
                pmc_skip_name((enum pmc_skip_reason)i), r->skips[i]);
    fprintf(f, "},\n  \"kills\": %" PRIu64 ",\n  \"first_kill\": ", r->kills);
    pmc_json_str(f, r->first_kill);
    fprintf(f, ",\n  \"first_kill_ms\": %" PRId64 ",\n",
            r->kills ? r->first_kill_t : 0);
    fprintf(f,
            "  \"kill_switch\": {\"tripped\": %s, \"times\": %" PRIu64
            ", \"first_utc\": ",
            r->kills ? "true" : "false", r->kills);
    if (r->kills)
        pmc_json_str(f, pmc__report_utc(r->first_kill_t, b, sizeof b));
    else
        fputs("null", f);
    fputs(", \"reason\": ", f);
    if (r->kills)
        pmc_json_str(f, r->first_kill);
    else
        fputs("null", f);
    fprintf(f, ", \"source_fills_skipped\": %" PRIu64 "},\n",
            r->skips[PMC_SKIP_KILLED]);
    fprintf(f,
            "  \"price_path\": {\"tokens_with_several_source_fills\": %u, "
            "\"without_prices_between_fills\": %u, \"latency_meaningful\": "
            "%s},\n",
            m.path_tokens, m.path_missing,
            m.path_tokens && m.path_missing == m.path_tokens ? "false"
                                                             : "true");
    fprintf(f, "  \"max_events_in_flight\": %" PRIu64 ",\n", r->max_inflight);
    fprintf(f,
            "  \"checks\": {\"accounting_identity\": %s, "
            "\"core_positions_agree\": %s}\n}\n",
            r->identity_ok ? "true" : "false",
            r->engine_agrees ? "true" : "false");
}
