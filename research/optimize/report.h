/* research/optimize/report.h - the files of an optimize run's verdict:
 * overfit.json, best.json, sensitivity.csv, summary.json, report.html
 * (report.c; sensitivity.csv and the heatmaps: sens.c).
 * Internal to research/optimize/ (analyse.c fills the summary). */
#ifndef PMC_OPT_REPORT_H
#define PMC_OPT_REPORT_H

#include "research/optimize/opt_int.h"
#include "research/optimize/overfit.h"

/* A pair of keys with more bins than this (the product of their sizes) is
 * not tabulated: sensitivity.csv and report.html say so in its place. */
#define PMC_OPT_PAIR_MAX_BINS 65536u
/* A pair with more bins that trials fell in is not drawn (report.html
 * says so; its rows are in sensitivity.csv). */
#define PMC_OPT_HEAT_MAX_CELLS 4096u
/* More pairs than this are drawn compact. */
#define PMC_OPT_HEAT_COMPACT 15

/* One fold of the walk-forward. */
struct pmc__opt_wf {
    unsigned fold;
    uint32_t is_a, is_b, oos_a, oos_b; /* day ranges [a, b) */
    uint64_t chosen;
    double is_obj, oos_obj, is_pnl_day, oos_pnl_day;
};

struct pmc__opt_summary {
    const struct pmc_opt_opts *o;
    const struct pmc_opt_verdict *v;
    const struct pmc_pbo *pbo;
    const char *pbo_why;          /* why PBO is unknown, "" */
    const struct pmc_moments *mo; /* the best trial's daily P&L */
    double best_sr, var_sr, sr0;
    size_t nb_ok;           /* neighbours of the best that ran */
    double nb_mean, nb_min; /* their objective */
    const struct pmc__opt_wf *wf;
    unsigned nwf;
    double is_rate, oos_rate; /* P&L per day in and out of sample */
    uint32_t days;
    pmc_ms day0;
    uint64_t ran; /* trials that did not fail */
};

double pmc__opt_objective(enum pmc_objective ob, const int64_t *x,
                          const int64_t *c, uint32_t a, uint32_t b, double z);

int pmc__opt_write_overfit(const struct pmc__opt_summary *s, char *err,
                           size_t cap);
/* best.json: the chosen trial's configuration (usable as --config) */
int pmc__opt_write_best(const struct pmc__opt_summary *s, char *err,
                        size_t cap);
/* sensitivity.csv: per key and value (bin), then per pair of keys and
 * pair of values (columns key_b, value_b, empty in the rows of one key),
 * trials, mean and best objective of the trials that ran */
int pmc__opt_write_sensitivity(const struct pmc__opt_summary *s,
                               const double *obj, const unsigned char *failed,
                               uint64_t n, char *err, size_t cap);
int pmc__opt_write_summary(const struct pmc__opt_summary *s, const double *obj,
                           char *err, size_t cap);
/* report.html's heatmaps of the pairs of keys (sens.c), into f */
int pmc__opt_write_heatmaps(FILE *f, const struct pmc__opt_summary *s,
                            const double *obj, const unsigned char *failed,
                            uint64_t n, char *err, size_t cap);
int pmc__opt_write_report(const struct pmc__opt_summary *s, const double *obj,
                          const unsigned char *failed, uint64_t n,
                          const double *oos, const unsigned char *in_oos,
                          char *err, size_t cap);
/* t as HTML text (<, >, &, " escaped; sens.c, which report.c calls) */
void pmc__opt_html(FILE *f, const char *t);

#endif
