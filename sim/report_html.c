/* sim/report_html.c - report.html: reports/report.html.tmpl with every
 * {{KEY}} replaced (run facts, summary tables, the SVG charts inlined, CSV
 * files as tables), one self-contained page.
 * Never reads a clock; a chart that is missing is left out. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "sim/report_int.h"

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

static void html_chart(FILE *f, const char *dir, const char *name,
                       const char *caption, int charts_ok)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.svg", dir, name);
    char *svg = charts_ok ? slurp(p, NULL) : NULL;
    fputs("<figure>", f);
    if (svg) {
        /* the chart's own tooltip says what it is, not "Gnuplot" */
        const char *start = strstr(svg, "<svg");
        start = start ? start : svg;
        const char *gt = strstr(start, "<title>Gnuplot</title>");
        if (gt) {
            fwrite(start, 1, (size_t)(gt - start), f);
            fputs("<title>", f);
            pmc__report_html_str(f, caption);
            fputs("</title>", f);
            start = gt + strlen("<title>Gnuplot</title>");
        }
        fputs(start, f);
        free(svg);
    } else {
        fputs("<p class=\"missing\">chart not available (gnuplot missing or "
              "failed)</p>",
              f);
    }
    fputs("<figcaption>", f);
    pmc__report_html_str(f, caption);
    fprintf(f,
            " (<a href=\"%s.png\">PNG</a>, <a href=\"%s.svg\">SVG</a>)"
            "</figcaption></figure>\n",
            name, name);
}

/* 0x and 40 hex digits */
static int is_address(const char *c)
{
    if (c[0] != '0' || c[1] != 'x' || strlen(c) != 42)
        return 0;
    for (int i = 2; i < 42; i++)
        if (!strchr("0123456789abcdefABCDEF", c[i]))
            return 0;
    return 1;
}

/* field k of a CSV line (ends at '\0' or '\n'; quoted with "" for a
 * quote) into out, cut to cap - 1 bytes */
static void csv_field(const char *line, unsigned k, char *out, size_t cap)
{
    size_t n = 0;
    const char *r = line;
    for (unsigned i = 0;; i++) {
        int take = i == k;
        if (*r == '"') {
            r++;
            while (*r && *r != '\n' && !(r[0] == '"' && r[1] != '"')) {
                if (r[0] == '"')
                    r++;
                if (take && n + 1 < cap)
                    out[n++] = *r;
                r++;
            }
            if (*r == '"')
                r++;
        }
        while (*r && *r != ',' && *r != '\n') {
            if (take && n + 1 < cap)
                out[n++] = *r;
            r++;
        }
        if (take || *r != ',')
            break;
        r++;
    }
    out[n] = '\0';
}

static void html_csv_table(FILE *f, const char *dir, const char *file,
                           size_t max_rows)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    char *t = slurp(p, NULL);
    if (!t)
        return;
    /* the table's id: the file name without .csv */
    char id[64];
    snprintf(id, sizeof id, "%s", file);
    char *dot = strrchr(id, '.');
    if (dot)
        *dot = '\0';
    fprintf(f, "<div class=\"scroll\"><table class=\"sortable\" id=\"%s\">\n",
            id);
    size_t row = 0;
    char *line = t;
    /* columns holding a time (end_ms, t_*ms): shown as UTC dates, the ms on
     * hover; a bit per column, the first 64. A market column is shown by
     * the row's name (its "name" column, hidden), the id on hover; a
     * "label" column next to a "name" is hidden; a wallet address is
     * shortened, the whole on hover. */
    uint64_t is_time = 0, hide = 0;
    int col_market = -1, col_name = -1;
    if (strstr(t, ",name\n") || strstr(t, ",name,")) {
        /* find the name column from the header line */
        unsigned k = 0;
        for (const char *h = t; *h && *h != '\n'; k++) {
            size_t n = strcspn(h, ",\n");
            if (n == 4 && !strncmp(h, "name", 4))
                col_name = (int)k;
            if (n == 6 && !strncmp(h, "market", 6))
                col_market = (int)k;
            if (n == 5 && !strncmp(h, "label", 5) && k < 64)
                hide |= (uint64_t)1 << k;
            h += n;
            if (*h == ',')
                h++;
        }
        if (col_name < 0 || col_market < 0 || col_name >= 64)
            col_name = col_market = -1, hide = 0;
        else
            hide |= (uint64_t)1 << col_name;
    }
    /* the names of this row (found before its cells are written) */
    char rowname[256];
    while (*line && row <= max_rows) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        fputs(row ? "<tr>" : "<tr class=\"head\">", f);
        rowname[0] = '\0';
        if (row && col_name >= 0)
            csv_field(line, (unsigned)col_name, rowname, sizeof rowname);
        char *c = line;
        unsigned col = 0;
        for (;;) {
            /* one CSV field: bare, or quoted with "" for a quote */
            char *w = c, *r = c;
            if (*r == '"') {
                r++;
                while (*r && !(r[0] == '"' && r[1] != '"')) {
                    if (r[0] == '"')
                        r++;
                    *w++ = *r++;
                }
                if (*r == '"')
                    r++;
            } else {
                while (*r && *r != ',')
                    *w++ = *r++;
            }
            int more = *r == ',';
            *w = '\0';
            int64_t ms;
            if (!row && col < 64 &&
                (!strcmp(c, "end_ms") ||
                 (!strncmp(c, "t_", 2) && strlen(c) > 5 &&
                  !strcmp(c + strlen(c) - 3, "_ms"))))
                is_time |= (uint64_t)1 << col;
            if (col < 64 && (hide >> col & 1)) {
                /* hidden: shown through another column */
            } else if (row && col < 64 && (is_time >> col & 1) && *c &&
                       pmc_int_parse(c, strlen(c), &ms) == PMC_OK && ms > 0) {
                char d[32];
                fprintf(f, "<td title=\"%s ms\" data-sort=\"%s\">%s</td>", c, c,
                        pmc__report_utc(ms, d, sizeof d));
            } else if (row && (int)col == col_market) {
                fputs("<td class=\"nm\" title=\"", f);
                pmc__report_html_str(f, c);
                fputs("\">", f);
                pmc__report_html_str(f, rowname[0] ? rowname : c);
                fputs("</td>", f);
            } else if (row && is_address(c)) {
                fputs("<td title=\"", f);
                pmc__report_html_str(f, c);
                fprintf(f, "\" data-sort=\"%s\">%.6s&hellip;%s</td>", c, c,
                        c + 38);
            } else if (!row) {
                /* a header may break after an underscore */
                fputs("<th>", f);
                for (const char *h = c; *h; h++) {
                    char one[2] = {*h, '\0'};
                    pmc__report_html_str(f, one);
                    if (*h == '_')
                        fputs("<wbr>", f);
                }
                fputs((int)col == col_market ? " (name; id on hover)</th>"
                                             : "</th>",
                      f);
            } else {
                fputs(row ? "<td>" : "<th>", f);
                pmc__report_html_str(f, c);
                fputs(row ? "</td>" : "</th>", f);
            }
            col++;
            if (!more)
                break;
            c = r + 1;
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
    pmc__report_html_str(f, k);
    fputs("</th><td>", f);
    pmc__report_html_str(f, v);
    fputs("</td></tr>\n", f);
}

static const char *ratio3(int has, double x, char *b, size_t cap)
{
    if (has)
        snprintf(b, cap, "%.3f", x);
    else
        snprintf(b, cap, "n/a");
    return b;
}

/* the five deepest drawdowns, deepest first */
static void html_drawdowns(FILE *f, const struct pmc_report_risk *rk)
{
    if (!rk || !rk->ok || !rk->ndd) {
        fputs("<p>No drawdown: equity never fell below a previous "
              "peak.</p>\n",
              f);
        return;
    }
    fprintf(f,
            "<p>%" PRIu64 " drawdown episodes; the %u deepest:</p>\n"
            "<table class=\"data sortable\" id=\"drawdowns\">\n<tr><th>#</th>"
            "<th>depth USD</th><th>%% of peak</th><th>%% of capital</th>"
            "<th>start (peak) UTC</th><th>trough UTC</th>"
            "<th>recovery UTC</th><th>duration days</th></tr>\n",
            rk->episodes, rk->ndd);
    for (uint32_t i = 0; i < rk->ndd; i++) {
        const struct pmc_report_dd *e = &rk->dd[i];
        char a[32], b[32], c[32], d[32];
        fprintf(f,
                "<tr><td>%u</td><td>%s</td><td>%.2f</td><td>%.2f</td>"
                "<td>%s</td><td>%s</td><td>%s</td><td>%.2f%s</td></tr>\n",
                i + 1, pmc__report_usd2(e->depth, a, sizeof a),
                e->peak > 0 ? 100.0 * (double)e->depth / (double)e->peak : 0.0,
                rk->capital > 0 ? 100.0 * (double)e->depth / (double)rk->capital
                                : 0.0,
                pmc__report_utc(e->t_start, b, sizeof b),
                pmc__report_utc(e->t_trough, c, sizeof c),
                e->recovered ? pmc__report_utc(e->t_recovery, d, sizeof d)
                             : "not recovered",
                (double)(e->t_recovery - e->t_start) / 86400000.0,
                e->recovered ? "" : " (to the end)");
    }
    fputs("</table>\n", f);
}

static void html_section(FILE *f, const char *key, const char *dir,
                         const struct pmc_sim *s,
                         const struct pmc_report_info *info,
                         const struct pmc_report_risk *rk, int charts_ok)
{
    char v[256], a[32], b[32], c[32], d[32];
    const struct pmc_sim_result *r = &s->r;
    struct pmc_summary m;
    if (!strcmp(key, "TITLE")) {
        pmc__report_html_str(f, info->name ? info->name : "backtest");
    } else if (!strcmp(key, "RUN")) {
        pmc_summary_compute(s, &m);
        fputs("<table class=\"kv\">\n", f);
        kv(f, "tape", info->tape ? info->tape : "-");
        snprintf(v, sizeof v, "%s .. %s UTC (%" PRIu64 " records)",
                 pmc__report_utc(r->t_first, a, sizeof a),
                 pmc__report_utc(r->t_last, b, sizeof b), r->records);
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
                 s->o.default_fee_exp,
                 pmc__report_usd2(s->o.capital, c, sizeof c));
        kv(f, "fill model", v);
        fputs("</table>\n", f);
    } else if (!strcmp(key, "SUMMARY")) {
        pmc_summary_compute(s, &m);
        fputs("<table class=\"kv\">\n", f);
        snprintf(v, sizeof v, "%s USD", pmc__report_usd2(m.pnl, a, sizeof a));
        kv(f, "P&L", v);
        snprintf(v, sizeof v,
                 "%.2f %% of the starting capital (%s USD); %.2f %% of the "
                 "peak capital used (%s USD: the most cash ever tied up in "
                 "positions)",
                 100.0 * m.roi_capital,
                 pmc__report_usd2(s->r.capital, a, sizeof a), 100.0 * m.roi,
                 pmc__report_usd2(m.capital_used, b, sizeof b));
        kv(f, "ROI", v);
        snprintf(v, sizeof v,
                 "%s USD realised, %s USD unrealised on %u "
                 "unresolved positions (marked at last price, not counted as "
                 "won)",
                 pmc__report_usd2(m.realized, a, sizeof a),
                 pmc__report_usd2(m.unrealized, b, sizeof b),
                 r->unresolved_positions);
        kv(f, "of which", v);
        snprintf(v, sizeof v, "%s USD", pmc__report_usd2(m.fees, a, sizeof a));
        kv(f, "fees", v);
        snprintf(v, sizeof v, "%s USD (%.2f %% of the peak)",
                 pmc__report_usd2(r->max_dd, a, sizeof a), m.max_dd_pct);
        if (rk && rk->ok && rk->ndd) {
            size_t n = strlen(v);
            const struct pmc_report_dd *e = &rk->dd[0];
            snprintf(v + n, sizeof v - n,
                     "; from %s to the trough at %s, %s, %.2f days",
                     pmc__report_utc(e->t_start, a, sizeof a),
                     pmc__report_utc(e->t_trough, b, sizeof b),
                     e->recovered ? "recovered" : "not recovered",
                     (double)(e->t_recovery - e->t_start) / 86400000.0);
        }
        kv(f, "max drawdown", v);
        if (rk && rk->ok) {
            snprintf(
                v, sizeof v,
                "Sharpe %s, Sortino %s, Calmar %s (annualised over 365 "
                "days from the daily returns on the starting capital, %u days; "
                "mean %.4f %% a day)",
                ratio3(rk->has_sharpe, rk->sharpe, a, sizeof a),
                ratio3(rk->has_sortino, rk->sortino, b, sizeof b),
                ratio3(rk->has_calmar, rk->calmar, c, sizeof c), rk->days,
                100.0 * rk->mean_daily);
            kv(f, "risk-adjusted", v);
        }
        snprintf(v, sizeof v,
                 "%.3f (per market: mean / sd of the markets' "
                 "returns on their cost)",
                 m.sharpe);
        kv(f, "Sharpe per market", v);
        snprintf(v, sizeof v, "%.1f %% (%u of %u resolved markets; %u traded)",
                 100.0 * m.win_rate, m.markets_won, m.markets_resolved,
                 m.markets_traded);
        kv(f, "win rate", v);
        if (m.held_resolved)
            snprintf(v, sizeof v,
                     "%.1f %% (%u of %u tokens held at their resolution "
                     "paid out)",
                     100.0 * (double)m.held_paid / (double)m.held_resolved,
                     m.held_paid, m.held_resolved);
        else
            snprintf(v, sizeof v, "n/a (no token held at its resolution)");
        kv(f, "win rate by payout", v);
        if (rk && rk->ok && rk->hold_n) {
            snprintf(v, sizeof v,
                     "%.3f hours over %" PRIu64 " holding periods (%" PRIu64
                     " sold out, %" PRIu64
                     " held to resolution: to the market's end time, %" PRIu64
                     " still open at the end of the tape)",
                     (double)rk->hold_avg_ms / 3600000.0, rk->hold_n,
                     rk->hold_sold, rk->hold_resolved, rk->hold_open);
            kv(f, "average holding time", v);
        }
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
        if (s->cfg.trade_fail_share > 0) {
            snprintf(v, sizeof v,
                     "%" PRIu64 " of %" PRIu64
                     " matched (trade_fail_share %s): %s USD of trades and "
                     "%s USD of fees undone; %" PRIu64 " resolved first",
                     r->trades_failed, r->fill_legs,
                     pmc__report_usd2(s->cfg.trade_fail_share, a, sizeof a),
                     pmc__report_usd2(r->failed_usd, b, sizeof b),
                     pmc__report_usd2(r->failed_fees, c, sizeof c),
                     r->trades_fail_resolved);
            kv(f, "failed trades", v);
        }
        snprintf(v, sizeof v, "%.3f cents per share", m.avg_slippage_cents);
        kv(f, "avg slippage vs source", v);
        snprintf(v, sizeof v, "%s USD = latency drift %s + spread %s + fees %s",
                 pmc__report_usd2(r->pen.drift + r->pen.spread + r->pen.fees, a,
                                  sizeof a),
                 pmc__report_usd2(r->pen.drift, b, sizeof b),
                 pmc__report_usd2(r->pen.spread, c, sizeof c),
                 pmc__report_usd2(r->pen.fees, d, sizeof d));
        kv(f, "follower penalty", v);
        if (r->kills)
            snprintf(v, sizeof v,
                     "TRIPPED %" PRIu64 "x; first at %s UTC: %s (new buys "
                     "stopped from then on; %" PRIu64 " source fills skipped "
                     "by it; marked on the equity chart)",
                     r->kills, pmc__report_utc(r->first_kill_t, a, sizeof a),
                     r->first_kill, r->skips[PMC_SKIP_KILLED]);
        else
            snprintf(v, sizeof v, "not tripped");
        kv(f, "kill switch", v);
        if (m.path_missing)
            snprintf(v, sizeof v,
                     "NONE between source fills on %u of %u tokens with "
                     "several fills (no trade/quote/book records between "
                     "them): copies there fill at the source's own prints, "
                     "so latency results are meaningless",
                     m.path_missing, m.path_tokens);
        else
            snprintf(v, sizeof v,
                     "trades/quotes between source fills on all %u tokens "
                     "with several fills",
                     m.path_tokens);
        kv(f, "price path", v);
        snprintf(v, sizeof v, "accounting identity %s; core positions %s",
                 r->identity_ok ? "ok" : "FAILED",
                 r->engine_agrees ? "agree" : "DISAGREE");
        kv(f, "checks", v);
        fputs("</table>\n", f);
    } else if (!strcmp(key, "DRAWDOWNS")) {
        html_drawdowns(f, rk);
    } else if (!strncmp(key, "CHART:", 6)) {
        const char *name = key + 6;
        const char *cap =
            !strcmp(name, "equity")       ? "Equity and drawdown (USD)"
            : !strcmp(name, "pnl_market") ? "P&L per market (USD)"
            : !strcmp(name, "source")
                ? "P&L of the source and of the copy (USD)"
            : !strcmp(name, "latency") ? "Detection latency of source fills (s)"
            : !strcmp(name, "slippage")
                ? "Fill price minus the source's price (cents)"
            : !strcmp(name, "round_trip")
                ? "Order round trip, sent to reported (ms)"
            : !strcmp(name, "pnl_market_dist")
                ? "Distribution of the P&L per market (USD)"
            : !strcmp(name, "days")  ? "P&L per UTC day (USD)"
            : !strcmp(name, "hours") ? "P&L by hour of the UTC day (USD)"
                                     : "Follower penalty (USD)";
        html_chart(f, dir, name, cap, charts_ok);
    } else if (!strncmp(key, "TABLE:", 6)) {
        html_csv_table(f, dir, key + 6, 200);
    }
}

enum pmc_err pmc__report_html(const char *dir, const char *tmpl_path,
                              const struct pmc_sim *s,
                              const struct pmc_report_info *info,
                              const struct pmc_report_risk *rk, int charts_ok,
                              char *err, size_t cap)
{
    char *t = slurp(tmpl_path, NULL);
    if (!t) {
        snprintf(err, cap, "%s: cannot read the HTML template", tmpl_path);
        return PMC_EIO;
    }
    FILE *f = pmc__report_open_in(dir, "report.html", err, cap);
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
        html_section(f, key, dir, s, info, rk, charts_ok);
        p = c + 2;
    }
    free(t);
    if (pmc__report_close_file(&f)) {
        snprintf(err, cap, "%s/report.html: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}
