/* sim/report.c - report folder, summary JSON and text (see report.h). */
#include "proto/jsonout.h"
#include "sim/report.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>

#include "core/dec.h"

/* ---- per-market aggregation ------------------------------------------- */

struct agg {
    pmc_micros pnl, bought, sold, paid, fees, shares_open, mv;
    uint32_t orders, fills;
    int resolved_all, traded;
    char outcome_won[24];
};

static pmc_micros tok_pnl(const struct pmc_sim_token *x)
{
    return x->realized + (x->mv - x->cost) - x->fees;
}

static struct agg *aggregate(const struct pmc_sim *s)
{
    struct agg *a = calloc(s->nmkt ? s->nmkt : 1, sizeof *a);
    if (!a)
        return NULL;
    for (uint32_t i = 0; i < s->nmkt; i++)
        a[i].resolved_all = 1;
    for (uint32_t i = 0; i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        struct agg *g = &a[x->market_idx];
        g->pnl += tok_pnl(x);
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
    for (uint32_t i = 0; i < s->ntok; i++) {
        m->bought_usd += s->tok[i].bought_usd;
        m->sold_usd += s->tok[i].sold_usd;
    }
    struct agg *a = aggregate(s);
    if (!a)
        return;
    double *ret = calloc(s->nmkt ? s->nmkt : 1, sizeof *ret);
    size_t nret = 0;
    for (uint32_t i = 0; i < s->nmkt; i++) {
        if (!a[i].traded)
            continue;
        m->markets_traded++;
        if (ret && a[i].bought > 0)
            ret[nret++] = (double)a[i].pnl / (double)a[i].bought;
        if (a[i].resolved_all) {
            m->markets_resolved++;
            if (a[i].pnl > 0)
                m->markets_won++;
        }
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

/* ---- formatting helpers ------------------------------------------------- */

static void dec(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

/* USD with 2 decimals, sign, rounded half away from zero. */
static const char *usd2(pmc_micros v, char *b, size_t cap)
{
    pmc_micros a = v < 0 ? -v : v;
    pmc_micros c = (a + 5000) / 10000;
    snprintf(b, cap, "%s%" PRId64 ".%02" PRId64, v < 0 ? "-" : "", c / 100,
             c % 100);
    return b;
}

static const char *utc(pmc_ms t, char *b, size_t cap)
{
    time_t s = (time_t)pmc_floor_div(t, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(b, cap, "%Y-%m-%d %H:%M:%S", &tm);
    return b;
}


static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void html_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char *lat_mode_name(enum pmc_lat_mode m)
{
    return m == PMC_LAT_EMPIRICAL  ? "empirical"
           : m == PMC_LAT_RECORDED ? "recorded"
                                   : "constant";
}

/* ---- summary.json ----------------------------------------------------- */

void pmc_report_json(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info)
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
    dec(f, o->half_spread);
    fputs(", \"default_fee_rate\": ", f);
    dec(f, o->default_fee_rate);
    fprintf(f, ", \"default_fee_exp\": %d, \"min_marketable_usd\": ",
            o->default_fee_exp);
    dec(f, o->min_marketable_usd);
    fputs(", \"default_min_size\": ", f);
    dec(f, o->default_minsz);
    fputs("},\n  \"config\": {\"copy_mode\": ", f);
    pmc_json_str(f, pmc_copy_mode_name(c->copy_mode));
    fprintf(f, ", \"coalesce_ms\": %" PRId64 ", \"sizing\": ", c->coalesce_ms);
    pmc_json_str(f, pmc_sizing_name(c->sizing));
    fputs(", \"ratio\": ", f);
    dec(f, c->ratio);
    fputs(", \"cap_usd\": ", f);
    dec(f, c->cap_usd);
    fputs(", \"fixed_usd\": ", f);
    dec(f, c->fixed_usd);
    fputs(", \"max_slippage\": ", f);
    dec(f, c->max_slippage);
    fprintf(f,
            ", \"near_expiry_cutoff_seconds\": %" PRId64
            ", \"order_tif\": \"%s\", \"traders\": %u},\n",
            c->near_expiry_cutoff_seconds, pmc_tif_name(c->time_in_force),
            c->ntraders);
    fprintf(f, "  \"data\": {\"t_first\": %" PRId64 ", \"t_last\": %" PRId64,
            r->t_first, r->t_last);
    fputs(", \"first_utc\": ", f);
    pmc_json_str(f, utc(r->t_first, b, sizeof b));
    fputs(", \"last_utc\": ", f);
    pmc_json_str(f, utc(r->t_last, b, sizeof b));
    fprintf(f,
            ", \"records\": %" PRIu64 ", \"source_fills\": %" PRIu64
            ", \"quotes\": %" PRIu64 ", \"trades\": %" PRIu64
            ", \"resolves\": %" PRIu64 ", \"tokens\": %u},\n",
            r->records, r->fills_in_tape, r->quotes, r->trades, r->resolves,
            s->ntok);
    fputs("  \"capital_usd\": ", f);
    dec(f, r->capital);
    fputs(",\n  \"pnl_usd\": ", f);
    dec(f, m.pnl);
    fputs(",\n  \"equity_end_usd\": ", f);
    dec(f, m.equity_end);
    fputs(",\n  \"realized_usd\": ", f);
    dec(f, m.realized);
    fputs(",\n  \"unrealized_usd\": ", f);
    dec(f, m.unrealized);
    fputs(",\n  \"fees_usd\": ", f);
    dec(f, m.fees);
    fputs(",\n  \"capital_used_usd\": ", f);
    dec(f, m.capital_used);
    fputs(",\n  \"bought_usd\": ", f);
    dec(f, m.bought_usd);
    fputs(",\n  \"sold_usd\": ", f);
    dec(f, m.sold_usd);
    fputs(",\n  \"paid_out_usd\": ", f);
    dec(f, r->paid_out);
    fprintf(f, ",\n  \"roi\": %.6f,\n  \"max_drawdown_usd\": ", m.roi);
    dec(f, r->max_dd);
    fprintf(f, ",\n  \"max_drawdown_pct\": %.4f,\n  \"sharpe\": %.4f,\n",
            m.max_dd_pct, m.sharpe);
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
    fputs("  \"ordered_shares\": ", f);
    dec(f, r->ordered_sh);
    fputs(",\n  \"filled_shares\": ", f);
    dec(f, r->filled_sh);
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
    dec(f, r->pen.drift);
    fputs(", \"spread_usd\": ", f);
    dec(f, r->pen.spread);
    fputs(", \"fees_usd\": ", f);
    dec(f, r->pen.fees);
    fputs(", \"total_usd\": ", f);
    dec(f, r->pen.drift + r->pen.spread + r->pen.fees);
    fputs("},\n  \"skips\": {", f);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
                pmc_skip_name((enum pmc_skip_reason)i), r->skips[i]);
    fprintf(f, "},\n  \"kills\": %" PRIu64 ",\n  \"first_kill\": ", r->kills);
    pmc_json_str(f, r->first_kill);
    fprintf(f, ",\n  \"max_events_in_flight\": %" PRIu64 ",\n",
            r->max_inflight);
    fprintf(f,
            "  \"checks\": {\"accounting_identity\": %s, "
            "\"core_positions_agree\": %s}\n}\n",
            r->identity_ok ? "true" : "false",
            r->engine_agrees ? "true" : "false");
}

/* ---- text summary ------------------------------------------------------- */

void pmc_report_text(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info)
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
            utc(r->t_first, a, sizeof a), utc(r->t_last, b, sizeof b),
            (double)(r->t_last - r->t_first) / 3600000.0, r->records, s->ntok);
    fprintf(f, "  latency           %s\n",
            info->lat_desc ? info->lat_desc : "");
    fprintf(f, "  P&L               %s USD  (ROI %.2f %% on %s USD used)\n",
            usd2(m.pnl, a, sizeof a), 100.0 * m.roi,
            usd2(m.capital_used, b, sizeof b));
    fprintf(f,
            "    realised        %s USD, unrealised %s USD (%u unresolved "
            "positions, marked at last price), fees %s USD\n",
            usd2(m.realized, a, sizeof a), usd2(m.unrealized, b, sizeof b),
            r->unresolved_positions, usd2(m.fees, c, sizeof c));
    fprintf(f,
            "  max drawdown      %s USD (%.2f %%)   Sharpe (per market) "
            "%.3f\n",
            usd2(r->max_dd, a, sizeof a), m.max_dd_pct, m.sharpe);
    fprintf(f, "  markets           %u traded, %u resolved, win rate %.1f %%\n",
            m.markets_traded, m.markets_resolved, 100.0 * m.win_rate);
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
    fprintf(f, "  bought / sold     %s / %s USD\n",
            usd2(m.bought_usd, a, sizeof a), usd2(m.sold_usd, b, sizeof b));
    fprintf(f, "  avg slippage      %.3f cents/share vs the source's price\n",
            m.avg_slippage_cents);
    fprintf(f,
            "  follower penalty  %s USD = latency drift %s + spread %s + "
            "fees %s\n",
            usd2(r->pen.drift + r->pen.spread + r->pen.fees, a, sizeof a),
            usd2(r->pen.drift, b, sizeof b), usd2(r->pen.spread, c, sizeof c),
            usd2(r->pen.fees, d, sizeof d));
    if (r->kills)
        fprintf(f, "  kill switch       tripped %" PRIu64 "x, first: %s\n",
                r->kills, r->first_kill);
    fprintf(f,
            "  checks            accounting identity %s, core positions "
            "%s\n",
            r->identity_ok ? "ok" : "FAILED",
            r->engine_agrees ? "agree" : "DISAGREE");
    if (!r->identity_ok || !r->engine_agrees)
        fprintf(f, "                    %s\n", r->identity_msg);
}

/* ---- report folder --------------------------------------------------------
 */

static int mkdir_p(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (char *q = p + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            if (mkdir(p, 0777) && errno != EEXIST)
                return -1;
            *q = '/';
        }
    }
    if (mkdir(p, 0777) && errno != EEXIST)
        return -1;
    return 0;
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t cap)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        snprintf(err, cap, "%s: %s", p, strerror(errno));
    return f;
}

enum pmc_err pmc_report_open(const char *dir, struct pmc_sim_opts *o, char *err,
                             size_t cap)
{
    if (mkdir_p(dir)) {
        snprintf(err, cap, "%s: cannot create the report folder: %s", dir,
                 strerror(errno));
        return PMC_EIO;
    }
    o->orders_csv = open_in(dir, "orders.csv", err, cap);
    o->fills_csv = open_in(dir, "fills.csv", err, cap);
    o->equity_csv = open_in(dir, "equity.csv", err, cap);
    if (!o->orders_csv || !o->fills_csv || !o->equity_csv)
        return PMC_EIO;
    fputs("coid,t_emit_ms,t_arrive_ms,t_final_ms,token,market,outcome,side,"
          "tif,limit_px,size,ref_px,mid_at_arrival,filled,avg_px,notional_usd,"
          "fee_usd,status,reason,clip,source_fills,first_key\n",
          o->orders_csv);
    fputs("coid,t_ms,token,market,outcome,side,liquidity,px,size,"
          "notional_usd,fee_usd,ref_px,mid_at_arrival,slippage,"
          "drift_usd,spread_usd,since_order_ms\n",
          o->fills_csv);
    fputs("t_ms,equity_usd,cash_usd,positions_usd,drawdown_usd,"
          "realized_usd,fees_usd,event\n",
          o->equity_csv);
    return PMC_OK;
}

static int close_file(FILE **f)
{
    int bad = 0;
    if (*f) {
        bad = ferror(*f) || fclose(*f);
        *f = NULL;
    }
    return bad;
}

static void write_hist(FILE *f, const uint64_t *h, int which, double scale,
                       const char *unit)
{
    fprintf(f, "label,lo_%s,hi_%s,count\n", unit, unit);
    for (int i = 0; i < PMC_SIM_HIST_BINS; i++) {
        int64_t lo = pmc_sim_hist_lo(which, i);
        double dlo = lo == INT64_MIN ? -1e9 : (double)lo / scale;
        double dhi = i + 1 < PMC_SIM_HIST_BINS
                         ? (double)pmc_sim_hist_lo(which, i + 1) / scale
                         : 1e9;
        if (lo == INT64_MIN)
            fprintf(f, "<%g,,%g,%" PRIu64 "\n", dhi, dhi, h[i]);
        else if (i + 1 == PMC_SIM_HIST_BINS)
            fprintf(f, ">=%g,%g,,%" PRIu64 "\n", dlo, dlo, h[i]);
        else
            fprintf(f, "%g,%g,%g,%" PRIu64 "\n", dlo, dlo, dhi, h[i]);
    }
}

static enum pmc_err write_tables(const char *dir, const struct pmc_sim *s,
                                 char *err, size_t cap)
{
    struct agg *a = aggregate(s);
    if (!a) {
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    FILE *f = open_in(dir, "markets.csv", err, cap);
    if (!f) {
        free(a);
        return PMC_EIO;
    }
    fputs("market,end_ms,orders,fills,bought_usd,sold_usd,paid_out_usd,"
          "fees_usd,open_shares,open_value_usd,pnl_usd,return,status,"
          "winner\n",
          f);
    for (uint32_t i = 0; i < s->nmkt; i++) {
        const struct agg *g = &a[i];
        if (!g->traded && !g->orders)
            continue;
        csv_str(f, s->mkt[i].id.s);
        fprintf(f, ",%" PRId64 ",%u,%u,", s->mkt[i].end, g->orders, g->fills);
        dec(f, g->bought);
        fputc(',', f);
        dec(f, g->sold);
        fputc(',', f);
        dec(f, g->paid);
        fputc(',', f);
        dec(f, g->fees);
        fputc(',', f);
        dec(f, g->shares_open);
        fputc(',', f);
        dec(f, g->mv);
        fputc(',', f);
        dec(f, g->pnl);
        fprintf(f, ",%.6f,%s,",
                g->bought ? (double)g->pnl / (double)g->bought : 0.0,
                !g->traded        ? "not_filled"
                : g->resolved_all ? "resolved"
                                  : "unresolved");
        csv_str(f, g->outcome_won);
        fputc('\n', f);
    }
    int bad = close_file(&f);
    free(a);

    /* traders: attribute each token's P&L by our buy notional share */
    uint32_t nt = s->cfg.ntraders + 1;
    pmc_micros *pnl = calloc(nt, sizeof *pnl), *usd = calloc(nt, sizeof *usd);
    if (!pnl || !usd) {
        free(pnl);
        free(usd);
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    pmc_micros *fees = calloc(nt, sizeof *fees);
    for (uint32_t i = 0; fees && i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        pmc_micros tot = 0;
        for (int k = 0; k <= PMC_SIM_TOKEN_TRADERS; k++)
            if (x->alloc[k].trader >= -1)
                tot += x->alloc[k].usd;
        if (tot <= 0)
            continue;
        pmc_micros tp = tok_pnl(x);
        for (int k = 0; k <= PMC_SIM_TOKEN_TRADERS; k++) {
            if (x->alloc[k].trader < -1 || x->alloc[k].usd <= 0)
                continue;
            uint32_t ti = x->alloc[k].trader < 0 ? s->cfg.ntraders
                                                 : (uint32_t)x->alloc[k].trader;
            pnl[ti] += pmc_muldiv_floor(tp, x->alloc[k].usd, tot);
            usd[ti] += x->alloc[k].usd;
            fees[ti] += pmc_muldiv_floor(x->fees, x->alloc[k].usd, tot);
        }
    }
    f = open_in(dir, "traders.csv", err, cap);
    if (!f || !fees) {
        free(pnl);
        free(usd);
        free(fees);
        return PMC_EIO;
    }
    fputs("trader,label,source_fills,source_usd,fills_copied,"
          "fills_not_copied,our_bought_usd,our_fees_usd,pnl_usd,return\n",
          f);
    for (uint32_t i = 0; i < nt; i++) {
        const struct pmc_sim_trader *t = &s->trd[i];
        if (i == s->cfg.ntraders && !t->fills_seen && !usd[i])
            continue;
        csv_str(f, t->addr.n ? t->addr.s : "(others)");
        fputc(',', f);
        csv_str(f, t->label);
        fprintf(f, ",%" PRIu64 ",", t->fills_seen);
        dec(f, t->src_usd);
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", t->fills_copied,
                t->fills_seen > t->fills_copied
                    ? t->fills_seen - t->fills_copied
                    : 0);
        dec(f, usd[i]);
        fputc(',', f);
        dec(f, fees[i]);
        fputc(',', f);
        dec(f, pnl[i]);
        fprintf(f, ",%.6f\n", usd[i] ? (double)pnl[i] / (double)usd[i] : 0.0);
    }
    bad |= close_file(&f);
    free(pnl);
    free(usd);
    free(fees);

    f = open_in(dir, "skips.csv", err, cap);
    if (!f)
        return PMC_EIO;
    fputs("reason,count\n", f);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "%s,%" PRIu64 "\n", pmc_skip_name((enum pmc_skip_reason)i),
                s->r.skips[i]);
    bad |= close_file(&f);

    f = open_in(dir, "hist_detection.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_detect, 0, 1000.0, "s");
    bad |= close_file(&f);
    f = open_in(dir, "hist_round_trip.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_rtt, 1, 1.0, "ms");
    bad |= close_file(&f);
    f = open_in(dir, "hist_slippage.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_slip, 2, 10.0, "cents");
    bad |= close_file(&f);

    f = open_in(dir, "penalty.csv", err, cap);
    if (!f)
        return PMC_EIO;
    fputs("component,usd\nlatency drift,", f);
    dec(f, s->r.pen.drift);
    fputs("\nspread,", f);
    dec(f, s->r.pen.spread);
    fputs("\nfees,", f);
    dec(f, s->r.pen.fees);
    fputs("\n", f);
    bad |= close_file(&f);
    if (bad) {
        snprintf(err, cap, "%s: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}

/* ---- shared files, gnuplot ------------------------------------------------
 */

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

int pmc_find_shared(const char *rel, char *out, size_t cap)
{
    const char *home = getenv("PMC_HOME");
    if (home && *home) {
        snprintf(out, cap, "%s/%s", home, rel);
        if (readable(out))
            return 1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const up[] = {"", "/..", "/../..",
                                         "/../share/pmcopy"};
        for (size_t i = 0; i < PMC_ARRAY_LEN(up); i++) {
            snprintf(out, cap, "%s%s/%s", exe, up[i], rel);
            if (readable(out))
                return 1;
        }
    }
    snprintf(out, cap, "%s", rel);
    return readable(out);
}

/* Run gnuplot in dir on script with `fmt` set; 0 on success. */
static int run_gnuplot(const char *dir, const char *script, const char *fmt,
                       const char *pngterm)
{
    char defs[128];
    snprintf(defs, sizeof defs, "fmt='%s'; pngterm='%s'", fmt, pngterm);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir))
            _exit(127);
        FILE *nul = freopen("/dev/null", "w", stdout);
        (void)nul;
        execlp("gnuplot", "gnuplot", "-e", defs, script, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int probe_term(const char *term)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        FILE *a = freopen("/dev/null", "w", stdout);
        FILE *b = freopen("/dev/null", "w", stderr);
        (void)a;
        (void)b;
        char cmd[64];
        snprintf(cmd, sizeof cmd, "set terminal %s", term);
        execlp("gnuplot", "gnuplot", "-e", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    while (b) {
        size_t k = fread(b + n, 1, cap - n - 1, f);
        n += k;
        if (n + 1 < cap)
            break;
        cap *= 2;
        char *nb = realloc(b, cap);
        if (!nb) {
            free(b);
            b = NULL;
        } else
            b = nb;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        if (len)
            *len = n;
    }
    return b;
}

/* ---- report.html ----------------------------------------------------------
 */

static void html_chart(FILE *f, const char *dir, const char *name,
                       const char *caption, int charts_ok)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.svg", dir, name);
    char *svg = charts_ok ? slurp(p, NULL) : NULL;
    fputs("<figure>", f);
    if (svg) {
        const char *start = strstr(svg, "<svg");
        fputs(start ? start : svg, f);
        free(svg);
    } else {
        fputs("<p class=\"missing\">chart not available (gnuplot missing or "
              "failed)</p>",
              f);
    }
    fputs("<figcaption>", f);
    html_str(f, caption);
    fprintf(f,
            " (<a href=\"%s.png\">PNG</a>, <a href=\"%s.svg\">SVG</a>)"
            "</figcaption></figure>\n",
            name, name);
}

static void html_csv_table(FILE *f, const char *dir, const char *file,
                           size_t max_rows)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    char *t = slurp(p, NULL);
    if (!t)
        return;
    fputs("<div class=\"scroll\"><table>\n", f);
    size_t row = 0;
    char *line = t;
    while (*line && row <= max_rows) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        fputs(row ? "<tr>" : "<tr class=\"head\">", f);
        char *c = line;
        for (;;) {
            char *comma = strchr(c, ',');
            if (comma)
                *comma = '\0';
            fputs(row ? "<td>" : "<th>", f);
            html_str(f, c);
            fputs(row ? "</td>" : "</th>", f);
            if (!comma)
                break;
            c = comma + 1;
        }
        fputs("</tr>\n", f);
        row++;
        if (!nl)
            break;
        line = nl + 1;
    }
    fputs("</table></div>\n", f);
    if (*line && row > max_rows)
        fprintf(f,
                "<p class=\"note\">first %zu rows; all rows in "
                "<a href=\"%s\">%s</a></p>\n",
                max_rows, file, file);
    free(t);
}

static void kv(FILE *f, const char *k, const char *v)
{
    fputs("<tr><th>", f);
    html_str(f, k);
    fputs("</th><td>", f);
    html_str(f, v);
    fputs("</td></tr>\n", f);
}

static void html_section(FILE *f, const char *key, const char *dir,
                         const struct pmc_sim *s,
                         const struct pmc_report_info *info, int charts_ok)
{
    char v[256], a[32], b[32], c[32], d[32];
    const struct pmc_sim_result *r = &s->r;
    struct pmc_summary m;
    if (!strcmp(key, "TITLE")) {
        html_str(f, info->name ? info->name : "backtest");
    } else if (!strcmp(key, "RUN")) {
        pmc_summary_compute(s, &m);
        fputs("<table class=\"kv\">\n", f);
        kv(f, "tape", info->tape ? info->tape : "-");
        snprintf(v, sizeof v, "%s .. %s UTC (%" PRIu64 " records)",
                 utc(r->t_first, a, sizeof a), utc(r->t_last, b, sizeof b),
                 r->records);
        kv(f, "data range", v);
        snprintf(v, sizeof v, "%" PRIu64, s->o.seed);
        kv(f, "seed", v);
        kv(f, "latency", info->lat_desc ? info->lat_desc : "");
        snprintf(v, sizeof v,
                 "%s, coalesce %" PRId64 " ms, sizing %s, ratio "
                 "%s, cap %s USD, slippage %s, tif %s, %u traders",
                 pmc_copy_mode_name(s->cfg.copy_mode), s->cfg.coalesce_ms,
                 pmc_sizing_name(s->cfg.sizing),
                 (pmc_dec_format(s->cfg.ratio, a), a),
                 (pmc_dec_format(s->cfg.cap_usd, b), b),
                 (pmc_dec_format(s->cfg.max_slippage, c), c),
                 pmc_tif_name(s->cfg.time_in_force), s->cfg.ntraders);
        kv(f, "configuration", v);
        kv(f, "config file",
           info->config_file ? info->config_file : "(defaults)");
        snprintf(v, sizeof v,
                 "book walk when quotes/depth exist, else last "
                 "trade +- %s; fee default rate %s exp %d; capital %s USD",
                 (pmc_dec_format(s->o.half_spread, a), a),
                 (pmc_dec_format(s->o.default_fee_rate, b), b),
                 s->o.default_fee_exp, usd2(s->o.capital, c, sizeof c));
        kv(f, "fill model", v);
        fputs("</table>\n", f);
    } else if (!strcmp(key, "SUMMARY")) {
        pmc_summary_compute(s, &m);
        fputs("<table class=\"kv\">\n", f);
        snprintf(v, sizeof v, "%s USD", usd2(m.pnl, a, sizeof a));
        kv(f, "P&L", v);
        snprintf(v, sizeof v, "%.2f %% on %s USD of capital used",
                 100.0 * m.roi, usd2(m.capital_used, a, sizeof a));
        kv(f, "ROI", v);
        snprintf(v, sizeof v,
                 "%s USD realised, %s USD unrealised on %u "
                 "unresolved positions (marked at last price, not counted as "
                 "won)",
                 usd2(m.realized, a, sizeof a), usd2(m.unrealized, b, sizeof b),
                 r->unresolved_positions);
        kv(f, "of which", v);
        snprintf(v, sizeof v, "%s USD", usd2(m.fees, a, sizeof a));
        kv(f, "fees", v);
        snprintf(v, sizeof v, "%s USD (%.2f %% of the peak)",
                 usd2(r->max_dd, a, sizeof a), m.max_dd_pct);
        kv(f, "max drawdown", v);
        snprintf(v, sizeof v, "%.3f (per-market returns)", m.sharpe);
        kv(f, "Sharpe", v);
        snprintf(v, sizeof v, "%.1f %% (%u of %u resolved markets; %u traded)",
                 100.0 * m.win_rate, m.markets_won, m.markets_resolved,
                 m.markets_traded);
        kv(f, "win rate", v);
        snprintf(v, sizeof v,
                 "%.1f %% of ordered shares; %" PRIu64 " filled, %" PRIu64
                 " partial, %" PRIu64 " unfilled, %" PRIu64 " rejected",
                 100.0 * m.fill_rate, r->orders_filled, r->orders_partial,
                 r->orders_unfilled, r->orders_rejected);
        kv(f, "fill rate", v);
        snprintf(v, sizeof v,
                 "%" PRIu64 " source fills -> %" PRIu64
                 " orders (%.3f per fill)",
                 r->fills_delivered, r->orders, m.orders_per_fill);
        kv(f, "orders", v);
        snprintf(v, sizeof v, "%.3f cents per share", m.avg_slippage_cents);
        kv(f, "avg slippage vs source", v);
        snprintf(v, sizeof v, "%s USD = latency drift %s + spread %s + fees %s",
                 usd2(r->pen.drift + r->pen.spread + r->pen.fees, a, sizeof a),
                 usd2(r->pen.drift, b, sizeof b),
                 usd2(r->pen.spread, c, sizeof c),
                 usd2(r->pen.fees, d, sizeof d));
        kv(f, "follower penalty", v);
        snprintf(v, sizeof v, "accounting identity %s; core positions %s",
                 r->identity_ok ? "ok" : "FAILED",
                 r->engine_agrees ? "agree" : "DISAGREE");
        kv(f, "checks", v);
        fputs("</table>\n", f);
    } else if (!strncmp(key, "CHART:", 6)) {
        const char *name = key + 6;
        const char *cap = !strcmp(name, "equity") ? "Equity and drawdown (USD)"
                          : !strcmp(name, "pnl_market") ? "P&L per market (USD)"
                          : !strcmp(name, "latency")
                              ? "Detection latency of source fills (s)"
                          : !strcmp(name, "slippage")
                              ? "Fill price minus the source's price (cents)"
                              : "Follower penalty (USD)";
        html_chart(f, dir, name, cap, charts_ok);
    } else if (!strncmp(key, "TABLE:", 6)) {
        html_csv_table(f, dir, key + 6, 200);
    }
}

static enum pmc_err write_html(const char *dir, const char *tmpl_path,
                               const struct pmc_sim *s,
                               const struct pmc_report_info *info,
                               int charts_ok, char *err, size_t cap)
{
    char *t = slurp(tmpl_path, NULL);
    if (!t) {
        snprintf(err, cap, "%s: cannot read the HTML template", tmpl_path);
        return PMC_EIO;
    }
    FILE *f = open_in(dir, "report.html", err, cap);
    if (!f) {
        free(t);
        return PMC_EIO;
    }
    const char *p = t;
    for (;;) {
        const char *o = strstr(p, "{{");
        if (!o) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(o - p), f);
        const char *c = strstr(o, "}}");
        if (!c) {
            fputs(o, f);
            break;
        }
        char key[64];
        size_t n = (size_t)(c - o - 2);
        if (n >= sizeof key)
            n = sizeof key - 1;
        memcpy(key, o + 2, n);
        key[n] = '\0';
        html_section(f, key, dir, s, info, charts_ok);
        p = c + 2;
    }
    free(t);
    if (close_file(&f)) {
        snprintf(err, cap, "%s/report.html: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}

enum pmc_err pmc_report_write(const char *dir, const struct pmc_sim *s,
                              const struct pmc_report_info *info,
                              struct pmc_sim_opts *o, char *err, size_t cap)
{
    int bad = close_file(&o->orders_csv);
    bad |= close_file(&o->fills_csv);
    bad |= close_file(&o->equity_csv);
    if (bad) {
        snprintf(err, cap, "%s: write error on the ledger files", dir);
        return PMC_EIO;
    }
    PMC_TRY(write_tables(dir, s, err, cap));
    FILE *f = open_in(dir, "summary.json", err, cap);
    if (!f)
        return PMC_EIO;
    pmc_report_json(f, s, info);
    if (close_file(&f)) {
        snprintf(err, cap, "%s/summary.json: write error", dir);
        return PMC_EIO;
    }
    char gp[PATH_MAX], tmpl[PATH_MAX];
    if (!pmc_find_shared("reports/charts.gp", gp, sizeof gp) ||
        !pmc_find_shared("reports/report.html.tmpl", tmpl, sizeof tmpl)) {
        snprintf(err, cap,
                 "report templates (reports/charts.gp, "
                 "reports/report.html.tmpl) not found next to the "
                 "binary or in the current directory; set PMC_HOME");
        return PMC_EIO;
    }
    char gp_abs[PATH_MAX];
    if (!realpath(gp, gp_abs))
        snprintf(gp_abs, sizeof gp_abs, "%s", gp);
    int charts_ok = 0;
    if (probe_term("svg")) {
        const char *pngterm = probe_term("pngcairo") ? "pngcairo" : "png";
        charts_ok = run_gnuplot(dir, gp_abs, "svg", pngterm) == 0 &&
                    run_gnuplot(dir, gp_abs, "png", pngterm) == 0;
        if (!charts_ok)
            fprintf(stderr, "pmcopy backtest: warning: gnuplot failed; the "
                            "report has no charts\n");
    } else {
        fprintf(stderr, "pmcopy backtest: warning: gnuplot not found "
                        "(Debian: gnuplot-nox); the report has no charts\n");
    }
    return write_html(dir, tmpl, s, info, charts_ok, err, cap);
}
