/* sim/report.c - the report folder put together (see report.h): the ledger
 * files closed, the tables, summary.json, the charts and report.html, each
 * written by its own file (report_risk.c reads equity.csv back for the
 * daily returns and drawdowns, report_days.c the day and hour breakdown,
 * report_csv.c, report_json.c, report_chart.c,
 * report_html.c; report_text.c prints the summary table, report_summary.c
 * computes the numbers, report_fmt.c holds what they share). Calls run one
 * way: this file calls the writers, the writers call report_summary.c and
 * report_fmt.c, which call no report file. Never reads a clock. */
#include <limits.h>
#include <stdlib.h>

#include "sim/report_int.h"

enum pmc_err pmc_report_write(const char *dir, const struct pmc_sim *s,
                              const struct pmc_report_info *info,
                              struct pmc_sim_opts *o, char *err, size_t cap)
{
    return pmc_report_write_records(dir, s, info, NULL, o, err, cap);
}

enum pmc_err pmc_report_write_records(const char *dir, const struct pmc_sim *s,
                                      const struct pmc_report_info *info,
                                      const struct pmc_sim_feed *records,
                                      struct pmc_sim_opts *o, char *err,
                                      size_t cap)
{
    int bad = pmc__report_close_file(&o->orders_csv);
    bad |= pmc__report_close_file(&o->fills_csv);
    bad |= pmc__report_close_file(&o->equity_csv);
    if (bad) {
        snprintf(err, cap, "%s: write error on the ledger files", dir);
        return PMC_EIO;
    }
    PMC_TRY(pmc__report_tables(dir, s, err, cap));
    struct pmc__report_src src;
    enum pmc_err e =
        pmc__report_source(dir, info->tape, records, s, &src, err, cap);
    if (e == PMC_OK && src.ok)
        e = pmc__report_source_csv(dir, s, &src, err, cap);
    pmc__report_source_free(&src);
    if (e != PMC_OK)
        return e;
    struct pmc_report_risk rk;
    PMC_TRY(pmc_report_risk(dir, s, &rk, err, cap));
    PMC_TRY(pmc__report_days(dir, s, &rk, err, cap));
    FILE *f = pmc__report_open_in(dir, "summary.json", err, cap);
    if (!f)
        return PMC_EIO;
    pmc_report_json(f, s, info, &rk);
    if (pmc__report_close_file(&f)) {
        snprintf(err, cap, "%s/summary.json: write error", dir);
        return PMC_EIO;
    }
    char gp[PATH_MAX], tmpl[PATH_MAX];
    PMC_TRY(pmc_report_templates(gp, tmpl, err, cap));
    char gp_abs[PATH_MAX];
    if (!realpath(gp, gp_abs))
        snprintf(gp_abs, sizeof gp_abs, "%s", gp);
    int charts_ok = pmc__report_charts(
        dir, gp_abs, s->r.kills ? s->r.first_kill_t : 0, s->r.capital);
    return pmc__report_html(dir, tmpl, s, info, &rk, charts_ok, err, cap);
}
