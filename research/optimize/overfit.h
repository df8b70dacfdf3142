/* research/optimize/overfit.h - is the best of many trials skill or
 * overfitting? The statistics `pmcopy optimize` reports (docs/optimize.md).
 *
 *  - PBO, the probability of backtest overfitting, by combinatorially
 *    symmetric cross-validation (Bailey, Borwein, Lopez de Prado, Zhu,
 *    "The Probability of Backtest Overfitting", 2017): the T x N matrix of
 *    per-period results (rows: days, columns: trials) cut into S row blocks;
 *    for every choice of S/2 blocks as in-sample, the trial best in sample
 *    and its relative rank out of sample; PBO = the share of choices where
 *    that rank is at or below the median (logit <= 0).
 *  - PSR and DSR, the probabilistic and deflated Sharpe ratios (Bailey,
 *    Lopez de Prado, "The Deflated Sharpe Ratio", 2014): the probability
 *    that the true Sharpe ratio exceeds SR0, with SR0 the expected maximum
 *    of N trials' Sharpe ratios under no skill.
 *  - WFE, walk-forward efficiency: out-of-sample over in-sample
 *    performance per day.
 *
 * Decides: the statistics only, from numbers it is given. Never: runs a
 * backtest, reads a file, allocates more than O(T + N + S) beyond what the
 * caller passes, depends on anything but its inputs (deterministic; ties
 * broken by the lower trial index). */
#ifndef PMC_OVERFIT_H
#define PMC_OVERFIT_H

#include <stddef.h>

/* What a block's performance is measured by. */
enum pmc_pbo_metric {
    PMC_PBO_SHARPE = 0, /* mean / sample standard deviation of the rows */
    PMC_PBO_MEAN        /* mean of the rows (P&L per period) */
};

struct pmc_pbo {
    double pbo;          /* share of combinations with logit <= 0 */
    size_t combinations; /* C(S, S/2) */
    double logit_mean, logit_median;
    double slope;         /* OOS performance regressed on IS performance
                              of the chosen trial (degradation) */
    double prob_oos_loss; /* share of combinations where the chosen
                              trial's OOS performance is < 0 */
};

/* PBO of the T x N row-major matrix m (m[t * N + n]: trial n in period
 * t) with S blocks (even, 2..T; T % S rows are left out at the end, the
 * same for every trial). 0, or -1 with err (bad arguments, N < 2, out of
 * memory). */
int pmc_pbo_cscv(const double *m, size_t T, size_t N, unsigned S,
                 enum pmc_pbo_metric metric, struct pmc_pbo *out, char *err,
                 size_t cap);

/* Sample moments of x[0..n): mean, standard deviation (n - 1), skewness
 * and kurtosis (not excess: a normal distribution has 3). */
struct pmc_moments {
    double mean, sd, skew, kurt;
    size_t n;
};
void pmc_moments(const double *x, size_t n, struct pmc_moments *out);

/* PSR: P(true SR > sr0) given the observed per-period Sharpe ratio sr over
 * T periods with skewness and kurtosis (not excess). */
double pmc_psr(double sr, double sr0, size_t T, double skew, double kurt);

/* SR0, the expected maximum Sharpe ratio of N independent trials with no
 * skill whose Sharpe ratios have variance var_sr:
 *   sqrt(var_sr) * ((1 - g) * Phi^-1(1 - 1/N) + g * Phi^-1(1 - 1/(N e))),
 * g the Euler-Mascheroni constant. */
double pmc_sr0(double var_sr, size_t N);

/* DSR = PSR(sr, SR0(var_sr, N)). */
double pmc_dsr(double sr, double var_sr, size_t N, size_t T, double skew,
               double kurt);

#endif
