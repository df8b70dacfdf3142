/* research/rank/validate.h - `pmcopy rank --validate`: does the score
 * predict what copying earns later? (docs/rank.md "Validation").
 *
 * Walk forward over the tape: for each fold t = first + train, + test, ...
 * score every candidate on [t - train, t) and measure its copy P&L per day
 * at L* on [t, t + test). Per fold and over all folds: the Spearman rank
 * correlation of the score with the later copy P&L per day, with a seeded
 * bootstrap interval, next to the same for the baselines (the source's own
 * P&L, P&L / volume, raw in-sample copy P&L per day), and the later copy
 * P&L per day of the top k by score against the top k by source P&L.
 * Decides only these statistics and their layout; never reads a clock. */
#ifndef PMC_RANK_VALIDATE_H
#define PMC_RANK_VALIDATE_H

#include "research/rank/rank.h"

struct pmc_rank_vopts {
    pmc_ms train, test; /* default 30 d, 7 d */
    size_t topk;        /* default 10 */
    uint64_t seed;      /* bootstrap, default 20260217 */
    int boot;           /* bootstrap resamples, default 1000 */
};

void pmc_rank_vopts_defaults(struct pmc_rank_vopts *v);

/* Spearman's rho of a and b (average ranks on ties); 0 when n < 3 or a
 * side is constant. */
double pmc_rank_spearman(const double *a, const double *b, size_t n);

/* The 95 % percentile bootstrap interval of rho (pairs resampled with a
 * gsl mt19937 seeded with seed). */
void pmc_rank_spearman_ci(const double *a, const double *b, size_t n, int boot,
                          uint64_t seed, double *lo, double *hi);

/* Run the walk-forward on wallets idx[0..n) of t; write the report as fmt
 * (table or JSON; CSV writes one row per fold and measure). -1 with err
 * (too short a tape for one fold, out of memory, write error). */
int pmc_rank_validate(FILE *f, const struct pmc_rank_tape *t, const size_t *idx,
                      size_t n, const struct pmc_rank_opts *o,
                      const struct pmc_rank_vopts *v, enum pmc_rank_fmt fmt,
                      char *err, size_t cap);

#endif
