/* sim/report_int.h - internals shared by the report files (not a public
 * interface; see report.h). Calls run one way:
 *   report.c -> report_csv.c, report_json.c, report_chart.c, report_html.c,
 *               report_risk.c, report_source.c, report_days.c
 *   report_source.c -> report_summary.c, report_fmt.c
 *   report_{csv,json,text,html}.c -> report_summary.c, report_fmt.c
 * report_summary.c, report_fmt.c, report_risk.c and report_chart.c call no
 * report file; report_days.c calls report_fmt.c only. */
#ifndef PMC_SIM_REPORT_INT_H
#define PMC_SIM_REPORT_INT_H

#include <stdio.h>

#include "sim/report.h"

/* report_summary.c: one market's sums over its tokens */
struct pmc__report_agg {
    pmc_micros pnl, bought, sold, paid, fees, shares_open, mv;
    uint32_t orders, fills;
    int resolved_all, traded;
    char outcome_won[24];
};
/* realized + open value - cost - fees of one token */
pmc_micros pmc__report_tok_pnl(const struct pmc_sim_token *x);
/* One entry per market (s->nmkt, at least one); NULL when out of memory.
 * The caller frees it. */
struct pmc__report_agg *pmc__report_aggregate(const struct pmc_sim *s);

/* report_fmt.c */
void pmc__report_dec(FILE *f, pmc_micros v); /* exact decimal */
/* USD with 2 decimals, sign, rounded half away from zero; returns b */
const char *pmc__report_usd2(pmc_micros v, char *b, size_t cap);
const char *pmc__report_utc(pmc_ms t, char *b, size_t cap); /* returns b */
void pmc__report_html_str(FILE *f, const char *s); /* < > & " escaped */
/* dir/name opened for writing; NULL with err set */
FILE *pmc__report_open_in(const char *dir, const char *name, char *err,
                          size_t cap);
/* Close *f (NULL is fine) and clear it; non-zero on a write error. */
int pmc__report_close_file(FILE **f);

/* report_source.c: the copied traders' own P&L over the same tape (the
 * definition of research/rank/run.c); source_equity.csv written in dir
 * (dir NULL: not written). The records come from `records` when not NULL
 * (the tape held in memory, from its first record), else from the file
 * `tape` read again; ok = 0 (and PMC_OK) when it cannot be (stdin). Arrays
 * per market (s->nmkt) and per copied trader (ntr = s->cfg.ntraders). */
struct pmc__report_src {
    int ok, any;
    uint32_t ntr;
    pmc_micros pnl, bought;
    pmc_micros *mkt_pnl, *mkt_bought;
    pmc_micros *trd_pnl, *trd_bought;
    uint64_t *trd_fills;
};
enum pmc_err pmc__report_source(const char *dir, const char *tape,
                                const struct pmc_sim_feed *records,
                                const struct pmc_sim *s,
                                struct pmc__report_src *out, char *err,
                                size_t cap);
void pmc__report_source_free(struct pmc__report_src *src);
/* source_markets.csv (source vs copy per market, the follower penalty at
 * our size) and source_traders.csv */
enum pmc_err pmc__report_source_csv(const char *dir, const struct pmc_sim *s,
                                    const struct pmc__report_src *src,
                                    char *err, size_t cap);

/* report_csv.c: markets, traders, skips, histograms, penalty */
enum pmc_err pmc__report_tables(const char *dir, const struct pmc_sim *s,
                                char *err, size_t cap);

/* report_days.c: days.csv and hours.csv from fills.csv and equity.csv
 * (closed), and the holding periods into rk (hold_*); PMC_EPARSE,
 * PMC_ERANGE, PMC_EIO or PMC_ENOMEM with err naming the file and line */
enum pmc_err pmc__report_days(const char *dir, const struct pmc_sim *s,
                              struct pmc_report_risk *rk, char *err,
                              size_t cap);

/* report_chart.c: gnuplot on script in dir (SVG and PNG), kill_ms (> 0)
 * marked on the equity chart, capital (USD micros) taken off the copy's
 * equity on the source chart; 1 when the charts were made, 0 after a
 * warning on stderr */
int pmc__report_charts(const char *dir, const char *script, pmc_ms kill_ms,
                       pmc_micros capital);

/* report_html.c: report.html from the template at tmpl_path */
enum pmc_err pmc__report_html(const char *dir, const char *tmpl_path,
                              const struct pmc_sim *s,
                              const struct pmc_report_info *info,
                              const struct pmc_report_risk *rk, int charts_ok,
                              char *err, size_t cap);

#endif
