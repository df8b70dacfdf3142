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

/* Write the folder for the finished results w[0..n) of wallets idx[0..n)
 * (K = n). -1 with err on a write failure. */
int pmc_rank_report_write(const char *dir, const struct pmc_rank_tape *t,
                          const size_t *idx, const struct pmc_rank_wallet *w,
                          size_t n, const struct pmc_rank_opts *o,
                          const struct pmc_rank_report_info *ri, char *err,
                          size_t cap);

#endif
