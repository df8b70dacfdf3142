/* research/optimize/overfit.c - PBO by combinatorially symmetric
 * cross-validation, sample moments, PSR / SR0 / DSR (overfit.h).
 *
 * CSCV: the T x N matrix is cut into S blocks of T / S rows (T % S rows at
 * the end are left out). Per block and trial the sum and the sum of
 * squares are kept (S x N x 2 doubles; S <= PMC_PBO_MAX_S so this is
 * O(N)); every choice of S/2 in-sample blocks is enumerated in
 * lexicographic order without being stored. In-sample statistics come from
 * the chosen blocks, out-of-sample ones from the totals minus them. The
 * chosen trial is the in-sample best (ties: lower index); its
 * out-of-sample rank r in 1..N (ties: the lower index ranks lower) gives
 * w = r / (N + 1) and logit = ln(w / (1 - w)). Logits take only N values,
 * so their median comes from an N-bin histogram of ranks.
 *
 * Decides: the statistics. Never: reads files, allocates anything that
 * grows with the number of combinations, depends on anything but its
 * inputs. */
#include "research/optimize/overfit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

static int fail(char *err, size_t cap, const char *msg)
{
    if (err && cap)
        snprintf(err, cap, "pbo: %s", msg);
    return -1;
}

static double block_metric(double sum, double sq, double cnt,
                           enum pmc_pbo_metric metric)
{
    double mean = sum / cnt;
    if (metric == PMC_PBO_MEAN)
        return mean;
    if (cnt < 2)
        return 0;
    double var = (sq - sum * mean) / (cnt - 1);
    if (!(var > 0)) /* constant rows: the sign of the mean, unbounded */
        return mean > 0 ? HUGE_VAL : mean < 0 ? -HUGE_VAL : 0;
    return mean / sqrt(var);
}

int pmc_pbo_cscv(const double *m, size_t T, size_t N, unsigned S,
                 enum pmc_pbo_metric metric, struct pmc_pbo *out, char *err,
                 size_t cap)
{
    if (!m || !out)
        return fail(err, cap, "no matrix");
    if (metric != PMC_PBO_SHARPE && metric != PMC_PBO_MEAN)
        return fail(err, cap, "unknown metric");
    if (N < 2)
        return fail(err, cap, "needs at least 2 trials (N < 2)");
    if (S < 2 || S % 2) {
        char b[96];
        snprintf(b, sizeof b, "S = %u blocks: must be even and >= 2", S);
        return fail(err, cap, b);
    }
    if (S > PMC_PBO_MAX_S) {
        char b[96];
        snprintf(b, sizeof b, "S = %u blocks: at most %u", S, PMC_PBO_MAX_S);
        return fail(err, cap, b);
    }
    if (S > T) {
        char b[96];
        snprintf(b, sizeof b, "S = %u blocks > T = %zu periods", S, T);
        return fail(err, cap, b);
    }
    if (metric == PMC_PBO_SHARPE && T / S * (S / 2) < 2)
        return fail(err, cap, "too few periods per half for a Sharpe ratio");
    if (N > SIZE_MAX / (2 * sizeof(double) * PMC_PBO_MAX_S))
        return fail(err, cap, "too many trials");

    size_t b = T / S, half = S / 2;
    /* blk[(k * N + n) * 2 + {0,1}]: sum, sum of squares of block k */
    double *blk = calloc((size_t)S * N * 2, sizeof *blk);
    double *tot = calloc(N * 2, sizeof *tot);
    double *is = calloc(N * 2, sizeof *is);
    double *oos = calloc(N, sizeof *oos);
    uint64_t *hist = calloc(N + 1, sizeof *hist);
    if (!blk || !tot || !is || !oos || !hist) {
        free(blk);
        free(tot);
        free(is);
        free(oos);
        free(hist);
        return fail(err, cap, "out of memory");
    }
    for (size_t k = 0; k < S; k++)
        for (size_t t = k * b; t < (k + 1) * b; t++)
            for (size_t n = 0; n < N; n++) {
                double v = m[t * N + n];
                blk[(k * N + n) * 2] += v;
                blk[(k * N + n) * 2 + 1] += v * v;
            }
    for (size_t k = 0; k < S; k++)
        for (size_t n = 0; n < N; n++) {
            tot[n * 2] += blk[(k * N + n) * 2];
            tot[n * 2 + 1] += blk[(k * N + n) * 2 + 1];
        }

    unsigned c[PMC_PBO_MAX_S / 2];
    for (unsigned i = 0; i < half; i++)
        c[i] = i;
    double cnt = (double)(b * half);
    size_t ncomb = 0, nle = 0, nloss = 0;
    double lsum = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (;;) {
        memset(is, 0, N * 2 * sizeof *is);
        for (unsigned i = 0; i < half; i++)
            for (size_t n = 0; n < N; n++) {
                is[n * 2] += blk[((size_t)c[i] * N + n) * 2];
                is[n * 2 + 1] += blk[((size_t)c[i] * N + n) * 2 + 1];
            }
        size_t best = 0;
        double best_is = 0;
        for (size_t n = 0; n < N; n++) {
            double v = block_metric(is[n * 2], is[n * 2 + 1], cnt, metric);
            if (n == 0 || v > best_is) {
                best = n;
                best_is = v;
            }
            oos[n] = block_metric(tot[n * 2] - is[n * 2],
                                  tot[n * 2 + 1] - is[n * 2 + 1], cnt, metric);
        }
        size_t rank = 1;
        for (size_t n = 0; n < N; n++)
            if (oos[n] < oos[best] || (oos[n] == oos[best] && n < best))
                rank++;
        hist[rank]++;
        double w = (double)rank / (double)(N + 1);
        double lg = log(w / (1 - w));
        lsum += lg;
        if (2 * rank <= N + 1) /* w <= 1/2, logit <= 0 */
            nle++;
        if (oos[best] < 0)
            nloss++;
        if (isfinite(best_is) && isfinite(oos[best])) {
            sx += best_is;
            sy += oos[best];
            sxx += best_is * best_is;
            sxy += best_is * oos[best];
        }
        ncomb++;
        /* next combination of half indices out of S, lexicographic */
        int i = (int)half - 1;
        while (i >= 0 && c[i] == S - half + (unsigned)i)
            i--;
        if (i < 0)
            break;
        c[i]++;
        for (unsigned j = (unsigned)i + 1; j < half; j++)
            c[j] = c[j - 1] + 1;
    }

    memset(out, 0, sizeof *out);
    out->combinations = ncomb;
    out->pbo = (double)nle / (double)ncomb;
    out->prob_oos_loss = (double)nloss / (double)ncomb;
    out->logit_mean = lsum / (double)ncomb;
    /* median of the logits: from the rank histogram (mean of the two middle
     * values when the count is even) */
    size_t lo = (ncomb - 1) / 2, hi = ncomb / 2, seen = 0;
    double vlo = 0, vhi = 0;
    int glo = 0;
    for (size_t r = 1; r <= N; r++) {
        if (!hist[r])
            continue;
        double w = (double)r / (double)(N + 1);
        double lg = log(w / (1 - w));
        seen += hist[r];
        if (!glo && seen > lo) {
            vlo = lg;
            glo = 1;
        }
        if (seen > hi) {
            vhi = lg;
            break;
        }
    }
    out->logit_median = (vlo + vhi) / 2;
    double nn = (double)ncomb, den = nn * sxx - sx * sx;
    out->slope = den > 0 ? (nn * sxy - sx * sy) / den : 0;
    free(blk);
    free(tot);
    free(is);
    free(oos);
    free(hist);
    return 0;
}

void pmc_moments(const double *x, size_t n, struct pmc_moments *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (!n)
        return;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double mean = s / (double)n, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    out->mean = mean;
    out->sd = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    /* population (biased) central-moment ratios, as the DSR paper's
     * estimates; a constant series has skew 0 and kurtosis 3 by convention */
    out->skew = m2 > 0 ? m3 / pow(m2, 1.5) : 0;
    out->kurt = m2 > 0 ? m4 / (m2 * m2) : 3;
}

double pmc_psr(double sr, double sr0, size_t T, double skew, double kurt)
{
    if (T < 2)
        return NAN;
    double v = 1 - skew * sr + (kurt - 1) / 4 * sr * sr;
    if (!(v > 0))
        return NAN;
    return gsl_cdf_ugaussian_P((sr - sr0) * sqrt((double)(T - 1)) / sqrt(v));
}

double pmc_sr0(double var_sr, size_t N)
{
    const double g = 0.57721566490153286061; /* Euler-Mascheroni */
    if (!(var_sr >= 0))
        return NAN;
    if (N < 2) /* one trial: nothing was selected */
        return 0;
    double n = (double)N;
    return sqrt(var_sr) *
           ((1 - g) * gsl_cdf_ugaussian_Pinv(1 - 1 / n) +
            g * gsl_cdf_ugaussian_Pinv(1 - 1 / (n * 2.71828182845904523536)));
}

double pmc_dsr(double sr, double var_sr, size_t N, size_t T, double skew,
               double kurt)
{
    return pmc_psr(sr, pmc_sr0(var_sr, N), T, skew, kurt);
}
