/* research/rank/report.h - the report folder of `pmcopy rank --out DIR`:
 * report.html (the ranking, P&L-versus-latency curves of the top wallets,
 * score against the source's or leaderboard P&L, a link to each top
 * wallet's own backtest report), ranking.json, ranking.csv, and
 * wallets/ADDR/ (the backtest report of sim/report.h for that wallet at
 * L*). Decides the folder's layout; never reads a clock; the data files are
 * byte-identical for equal inputs. */
#ifndef PMC_RANK_REPORT_H
#define PMC_RANK_REPORT_H

#include "research/rank/rank.h"

struct pmc_rank_report_info {
    const char *tape;        /* input path, shown */
    const char *config_file; /* may be NULL */
    size_t top;              /* wallets with their own backtest report */
};

/* report.html, ranking.json and ranking.csv from the results alone (what
 * `pmcopy merge` can write too): K wallets screened; the first `linked`
 * rows of the ranking link to wallets/ADDR/report.html. Creates dir. -1
 * with err on a write failure. */
int pmc_rank_report_html(const char *dir, const struct pmc_rank_wallet *w,
                         size_t n, size_t K,
                         const struct pmc_rank_report_info *ri, size_t linked,
                         char *err, size_t cap);

/* wallets/ADDR/ (the backtest report of sim/report.h at L*) for the first
 * ri->top rows of the ranking of w[0..n) (K = n), wallets idx[0..n) of t;
 * the links stop at the first wallet whose idx is SIZE_MAX (no fill on t).
 * Returns how many were written, -1 with err. */
long pmc_rank_report_wallets(const char *dir, const struct pmc_rank_tape *t,
                             const size_t *idx, const struct pmc_rank_wallet *w,
                             size_t n, const struct pmc_rank_opts *o,
                             const struct pmc_rank_report_info *ri, char *err,
                             size_t cap);

/* Both: the folder of an unsharded run (K = n). -1 with err. */
int pmc_rank_report_write(const char *dir, const struct pmc_rank_tape *t,
                          const size_t *idx, const struct pmc_rank_wallet *w,
                          size_t n, const struct pmc_rank_opts *o,
                          const struct pmc_rank_report_info *ri, char *err,
                          size_t cap);

#endif
