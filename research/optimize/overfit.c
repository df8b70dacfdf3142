/* research/optimize/overfit.c - PBO by CSCV, moments, PSR, SR0, DSR
 * (overfit.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "research/optimize/overfit.h"

#define EULER_GAMMA 0.57721566490153286061

void pmc_moments(const double *x, size_t n, struct pmc_moments *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n == 0)
        return;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double m = s / (double)n, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    out->mean = m;
    out->sd = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    out->skew = m2 > 0 ? m3 / pow(m2, 1.5) : 0;
    out->kurt = m2 > 0 ? m4 / (m2 * m2) : 3;
}

double pmc_psr(double sr, double sr0, size_t T, double skew, double kurt)
{
    if (T < 2)
        return 0.5;
    double v = 1 - skew * sr + (kurt - 1) / 4 * sr * sr;
    if (v <= 0)
        return sr > sr0 ? 1 : 0;
    return gsl_cdf_ugaussian_P((sr - sr0) * sqrt((double)(T - 1)) / sqrt(v));
}

double pmc_sr0(double var_sr, size_t N)
{
    if (N < 2 || var_sr <= 0)
        return 0;
    double n = (double)N;
    return sqrt(var_sr) *
           ((1 - EULER_GAMMA) * gsl_cdf_ugaussian_Pinv(1 - 1 / n) +
            EULER_GAMMA * gsl_cdf_ugaussian_Pinv(1 - 1 / (n * M_E)));
}

double pmc_dsr(double sr, double var_sr, size_t N, size_t T, double skew,
               double kurt)
{
    return pmc_psr(sr, pmc_sr0(var_sr, N), T, skew, kurt);
}

/* ---- PBO ---------------------------------------------------------------- */

/* The performance of column n over the rows of the chosen blocks. */
static double perf(const double *m, size_t N, size_t n, const unsigned *blk,
                   unsigned nb, size_t rows, enum pmc_pbo_metric metric)
{
    double s = 0, s2 = 0;
    size_t k = 0;
    for (unsigned b = 0; b < nb; b++)
        for (size_t t = blk[b] * rows; t < (blk[b] + 1) * rows; t++) {
            double x = m[t * N + n];
            s += x;
            s2 += x * x;
            k++;
        }
    double mean = s / (double)k;
    if (metric == PMC_PBO_MEAN)
        return mean;
    double var = k > 1 ? (s2 - s * mean) / (double)(k - 1) : 0;
    if (var <= 1e-300)
        return mean > 0 ? 1e300 : mean < 0 ? -1e300 : 0;
    return mean / sqrt(var);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int pmc_pbo_cscv(const double *m, size_t T, size_t N, unsigned S,
                 enum pmc_pbo_metric metric, struct pmc_pbo *out, char *err,
                 size_t cap)
{
    memset(out, 0, sizeof *out);
    if (N < 2) {
        snprintf(err, cap, "PBO needs at least 2 trials (%zu)", N);
        return -1;
    }
    if (S < 2 || S % 2 || S > 16 || S > T) {
        snprintf(err, cap,
                 "PBO: %u blocks: an even number in 2..16, at most the %zu "
                 "periods",
                 S, T);
        return -1;
    }
    size_t rows = T / S;
    unsigned half = S / 2;
    /* number of combinations C(S, S/2) */
    size_t combos = 1;
    for (unsigned i = 0; i < half; i++)
        combos = combos * (S - i) / (i + 1);
    double *oos = malloc(N * sizeof *oos);
    double *logits = malloc(combos * sizeof *logits);
    if (!oos || !logits) {
        free(oos);
        free(logits);
        snprintf(err, cap, "PBO: out of memory");
        return -1;
    }
    unsigned in[16], outb[16];
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t below = 0, loss = 0, c = 0;
    /* every subset of S/2 blocks as a bit mask with S/2 bits set, in
     * increasing order */
    for (uint64_t mask = (UINT64_C(1) << half) - 1;
         mask < (UINT64_C(1) << S);) {
        unsigned ni = 0, no = 0;
        for (unsigned b = 0; b < S; b++)
            if (mask >> b & 1)
                in[ni++] = b;
            else
                outb[no++] = b;
        size_t best = 0;
        double best_is = -INFINITY;
        for (size_t n = 0; n < N; n++) {
            double p = perf(m, N, n, in, ni, rows, metric);
            if (p > best_is) {
                best_is = p;
                best = n;
            }
            oos[n] = perf(m, N, n, outb, no, rows, metric);
        }
        /* relative rank of the chosen trial out of sample: (rank) / (N + 1),
         * rank 1 = worst; ties share the mean rank */
        double lower = 0, equal = 0;
        for (size_t n = 0; n < N; n++) {
            if (oos[n] < oos[best])
                lower++;
            else if (oos[n] == oos[best])
                equal++;
        }
        double rank = lower + (equal + 1) / 2;
        double w = rank / ((double)N + 1);
        double lg = log(w / (1 - w));
        logits[c++] = lg;
        below += lg <= 0;
        loss += oos[best] < 0;
        double x = best_is > 1e299 || best_is < -1e299 ? 0 : best_is;
        double y = oos[best] > 1e299 || oos[best] < -1e299 ? 0 : oos[best];
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        /* next mask with the same number of bits (Gosper's hack) */
        uint64_t lo = mask & -mask, r = mask + lo;
        mask = (((r ^ mask) >> 2) / lo) | r;
    }
    out->combinations = c;
    out->pbo = (double)below / (double)c;
    out->prob_oos_loss = (double)loss / (double)c;
    double lm = 0;
    for (size_t i = 0; i < c; i++)
        lm += logits[i];
    out->logit_mean = lm / (double)c;
    qsort(logits, c, sizeof *logits, cmp_dbl);
    out->logit_median =
        c % 2 ? logits[c / 2] : (logits[c / 2 - 1] + logits[c / 2]) / 2;
    double den = (double)c * sxx - sx * sx;
    out->slope = den != 0 ? ((double)c * sxy - sx * sy) / den : 0;
    free(oos);
    free(logits);
    return 0;
}
