/* sim/report.h - the backtest report: summary metrics, the report folder
 * (CSV, summary.json, gnuplot charts, one self-contained report.html) and
 * the text summary. docs/backtest.md documents every column and field.
 *
 * Decides: how the ledger becomes numbers people read. Money is printed
 * from integer micros; floating point only for ratios and statistics
 * (Sharpe, ROI, rates), always with fixed precision, so two runs of the
 * same inputs write byte-identical data files. Never reads a clock. */
#ifndef PMC_SIM_REPORT_H
#define PMC_SIM_REPORT_H

#include <stdio.h>

#include "sim/sim.h"

/* What the run was: shown in the report and summary.json. */
struct pmc_report_info {
    const char *name;        /* run name, e.g. "default" */
    const char *tape;        /* input path */
    const char *lat_desc;    /* human description of the latency model */
    const char *config_file; /* may be NULL */
};

/* Metrics derived from a finished simulation. */
struct pmc_summary {
    pmc_micros pnl, equity_end, realized, unrealized, fees;
    pmc_micros capital_used, bought_usd, sold_usd;
    double roi;         /* pnl / capital_used, 0 when nothing used */
    double roi_capital; /* pnl / starting capital, 0 without capital */
    double sharpe;      /* per market: mean / sd of per-market returns */
    double win_rate;    /* resolved markets traded with pnl > 0 */
    double fill_rate;   /* filled shares / ordered shares */
    double orders_per_fill;
    double avg_slippage_cents; /* share-weighted, vs the source's price */
    double max_dd_pct;
    uint32_t markets_traded, markets_resolved, markets_won;
    uint64_t skips_total;
    /* per traded market: gross profit (sum of positive pnl), gross loss
     * (minus the sum of negative pnl); profit factor = profit / loss (0 and
     * has_pf = 0 when nothing was lost) */
    pmc_micros gross_profit, gross_loss;
    double profit_factor;
    int has_pf;
    double expectancy_order; /* pnl / orders, USD */
    /* tokens held at their resolution: paid 1 (won) or 0 */
    uint32_t held_resolved, held_paid;
    /* price path: tokens with two or more source fills on the tape, and
     * those of them with no trade, quote or book between any two (their
     * copies fill against the source's own prints: latency results mean
     * nothing there) */
    uint32_t path_tokens, path_missing;
};

void pmc_summary_compute(const struct pmc_sim *s, struct pmc_summary *m);

/* One drawdown episode of the equity curve (USD micros, ms). */
struct pmc_report_dd {
    pmc_micros peak, depth; /* equity at the peak; peak - trough */
    pmc_ms t_start;         /* last equity row at the peak */
    pmc_ms t_trough;        /* first row at the deepest point */
    pmc_ms t_recovery;      /* first row back at or above the peak, or the
                               last row of the data when not recovered */
    int recovered;
};
#define PMC_REPORT_DD_TOP 5

/* Risk figures from the report folder's equity.csv: daily returns on the
 * starting capital (UTC days; a day's close is its last equity row; days
 * without a row keep the previous close), annualised over 365 days:
 * Sharpe = mean / sd (sample) x sqrt(365), Sortino = mean / downside
 * deviation (sqrt(sum(min(r,0)^2)/days)) x sqrt(365), Calmar = mean x 365
 * / (max drawdown / capital). has_* is 0 when a figure is undefined (fewer
 * than two days, no variation, no drawdown). */
struct pmc_report_risk {
    int ok;
    pmc_micros capital;
    pmc_ms t_first, t_last, day_first_ms;
    uint32_t days;
    double mean_daily, sd_daily, annual_return;
    double sharpe, sortino, calmar;
    int has_sharpe, has_sortino, has_calmar;
    uint64_t episodes; /* drawdown episodes, recovered or not */
    /* exposure: open positions at their marks (equity.csv positions_usd),
     * time-weighted over the data and at most */
    pmc_micros exposure_avg, exposure_max;
    /* the copied traders' own P&L over the same tape (source_equity.csv's
     * last row; has_source = 0 when the tape was read from stdin) */
    int has_source;
    pmc_micros source_pnl;
    /* holding periods from fills.csv (report_days.c): a token's position
     * from a BUY into no shares to a SELL back to none (sold out), else
     * to its market's end time when the token resolved (held to
     * resolution), else to the last record of the tape (still open) */
    uint64_t hold_n, hold_sold, hold_resolved, hold_open;
    pmc_ms hold_avg_ms;
    uint32_t ndd; /* deepest first, at most PMC_REPORT_DD_TOP */
    struct pmc_report_dd dd[PMC_REPORT_DD_TOP];
};

/* Read dir/equity.csv (closed, written by this run) into rk. PMC_EIO,
 * PMC_EPARSE, PMC_ERANGE or PMC_ENOMEM with err naming the file and line. */
PMC_MUST_USE enum pmc_err pmc_report_risk(const char *dir,
                                          const struct pmc_sim *s,
                                          struct pmc_report_risk *rk, char *err,
                                          size_t cap);

/* Create dir (and parents) and open the streamed ledger files into o
 * (orders.csv, fills.csv, equity.csv, with their header lines). */
PMC_MUST_USE enum pmc_err
pmc_report_open(const char *dir, struct pmc_sim_opts *o, char *err, size_t cap);

/* Close the streamed files and write the rest of the folder: markets.csv,
 * traders.csv, skips.csv, hist_*.csv, penalty.csv, summary.json, charts
 * (gnuplot, PNG and SVG; skipped with a warning on stderr when gnuplot is
 * missing) and report.html. PMC_EIO with err on a write failure. */
PMC_MUST_USE enum pmc_err pmc_report_write(const char *dir,
                                           const struct pmc_sim *s,
                                           const struct pmc_report_info *info,
                                           struct pmc_sim_opts *o, char *err,
                                           size_t cap);

/* The same, the source benchmark's second pass taking the tape's records
 * from `records` (from the first; a latency sweep holds them in memory)
 * instead of reopening info->tape. */
PMC_MUST_USE enum pmc_err
pmc_report_write_records(const char *dir, const struct pmc_sim *s,
                         const struct pmc_report_info *info,
                         const struct pmc_sim_feed *records,
                         struct pmc_sim_opts *o, char *err, size_t cap);

/* summary.json content (also `backtest --json`); rk from pmc_report_risk,
 * or NULL ("risk": null) when there is no report folder. */
void pmc_report_json(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info,
                     const struct pmc_report_risk *rk);

/* The human summary table; rk as for pmc_report_json. */
void pmc_report_text(FILE *f, const struct pmc_sim *s,
                     const struct pmc_report_info *info,
                     const struct pmc_report_risk *rk);

/* Find a file shipped with pmcopy (e.g. "fixtures/default.tape",
 * "reports/report.html.tmpl"): $PMC_HOME/rel, then next to the binary and
 * its parents (../, ../../), then the current directory. Returns 1 and the
 * path in out when found. */
int pmc_find_shared(const char *rel, char *out, size_t cap);

/* Find the report's templates (reports/charts.gp, reports/report.html.tmpl)
 * as pmc_find_shared does: PMC_OK with their paths (each PATH_MAX bytes),
 * else PMC_EIO with err naming them and where they were looked for.
 * pmc_report_open calls it before creating anything, so a missing template
 * never leaves half a report folder. */
PMC_MUST_USE enum pmc_err pmc_report_templates(char *gp, char *tmpl, char *err,
                                               size_t cap);

#endif
