/* tests/unit/test_overfit.c - research/optimize/overfit.c: the DSR paper's
 * worked example, PSR/SR0 edge cases, sample moments, and PBO by CSCV on
 * matrices whose answer is known by construction (a dominant trial: 0;
 * in-sample winners that lose out of sample: 1; pure noise: about 1/2),
 * the refused arguments, determinism. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "research/optimize/overfit.h"

/* Bailey, D. H. and M. Lopez de Prado, "The Deflated Sharpe Ratio:
 * Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
 * Journal of Portfolio Management 40(5), 2014, section "A numerical
 * example": an annualised SR of 2.5 over 5 years of daily returns
 * (T = 1250, 250 per year) after N = 100 trials whose annualised Sharpe
 * ratios have variance 1/2, skewness -3 and kurtosis 10. Per day:
 * SR = 2.5 / sqrt(250) = 0.1581, V = 0.5 / 250; the paper gets
 * SR0 = 0.1132 and DSR = 0.9004. */
static void test_dsr_paper_example(void **st)
{
    (void)st;
    double sr = 2.5 / sqrt(250.0), var = 0.5 / 250.0;
    assert_true(fabs(sr - 0.1581) < 5e-5);
    assert_true(fabs(pmc_sr0(var, 100) - 0.1132) < 5e-5);
    assert_true(fabs(pmc_dsr(sr, var, 100, 1250, -3, 10) - 0.9004) < 5e-5);
    /* the same through pmc_psr with SR0 given */
    assert_true(fabs(pmc_psr(sr, pmc_sr0(var, 100), 1250, -3, 10) - 0.9004) <
                5e-5);
}

static void test_psr_edges(void **st)
{
    (void)st;
    /* SR equal to the benchmark: exactly one half */
    assert_true(fabs(pmc_psr(0.1, 0.1, 500, 0, 3) - 0.5) < 1e-12);
    /* normal returns, SR0 = 0: Phi(sr * sqrt(T-1) / sqrt(1 + sr^2 / 2)) */
    double z = 0.1 * sqrt(99.0) / sqrt(1 + 0.01 / 2);
    assert_true(fabs(pmc_psr(0.1, 0, 100, 0, 3) - 0.5 * erfc(-z / sqrt(2.0))) <
                1e-12);
    /* more trials raise the bar, lowering the DSR */
    assert_true(pmc_sr0(0.01, 1000) > pmc_sr0(0.01, 10));
    assert_true(pmc_dsr(0.1, 0.01, 1000, 500, 0, 3) <
                pmc_dsr(0.1, 0.01, 10, 500, 0, 3));
    assert_true(pmc_sr0(0.01, 1) == 0);
    assert_true(isnan(pmc_psr(0.1, 0, 1, 0, 3)));
    assert_true(isnan(pmc_sr0(-1, 10)));
}

static void test_moments(void **st)
{
    (void)st;
    const double x[] = {1, 2, 3, 4, 10};
    struct pmc_moments m;
    pmc_moments(x, 5, &m);
    assert_int_equal(m.n, 5);
    assert_true(fabs(m.mean - 4) < 1e-12);
    assert_true(fabs(m.sd - sqrt(50.0 / 4)) < 1e-12);
    /* central moments /n: m2 = 10, m3 = 180/5, m4 = 1394/5 */
    assert_true(fabs(m.skew - (180.0 / 5) / pow(10, 1.5)) < 1e-12);
    assert_true(fabs(m.kurt - (1394.0 / 5) / 100) < 1e-12);
    /* a normal sample has kurtosis near 3 (not excess) */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double *y = malloc(100000 * sizeof *y);
    assert_non_null(y);
    for (int i = 0; i < 100000; i++)
        y[i] = gsl_ran_ugaussian(r);
    pmc_moments(y, 100000, &m);
    assert_true(fabs(m.kurt - 3) < 0.1 && fabs(m.skew) < 0.05);
    free(y);
    gsl_rng_free(r);
}

static double *noise(size_t T, size_t N, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *m = malloc(T * N * sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i < T * N; i++)
        m[i] = gsl_ran_ugaussian(r);
    gsl_rng_free(r);
    return m;
}

/* Trial 3 earns 1 more than every other trial in every period: it is the
 * best in sample and the best out of sample in every combination. */
static void test_pbo_dominant(void **st)
{
    (void)st;
    size_t T = 200, N = 10;
    double *m = noise(T, N, 11);
    for (size_t t = 0; t < T; t++) {
        double mx = m[t * N];
        for (size_t n = 1; n < N; n++)
            mx = fmax(mx, m[t * N + n]);
        m[t * N + 3] = mx + 1;
    }
    struct pmc_pbo p;
    char err[160];
    for (int metric = 0; metric < 2; metric++) {
        assert_int_equal(pmc_pbo_cscv(m, T, N, 16, (enum pmc_pbo_metric)metric,
                                      &p, err, sizeof err),
                         0);
        assert_int_equal(p.combinations, 12870);
        assert_true(p.pbo == 0);
        /* rank N of N: logit ln(N) everywhere */
        assert_true(fabs(p.logit_median - log((double)N)) < 1e-12);
        assert_true(fabs(p.logit_mean - log((double)N)) < 1e-9);
    }
    free(m);
}

/* Every column sums to exactly 0 over the periods used (integers, so the
 * arithmetic is exact): out-of-sample P&L = - in-sample P&L, so the
 * in-sample winner is the out-of-sample loser in every combination. */
static void test_pbo_inverted(void **st)
{
    (void)st;
    size_t T = 120, N = 8;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    double *m = malloc(T * N * sizeof *m);
    assert_non_null(m);
    for (size_t n = 0; n < N; n++) {
        double s = 0;
        for (size_t t = 0; t + 1 < T; t++) {
            m[t * N + n] = (double)gsl_rng_uniform_int(r, 201) - 100;
            s += m[t * N + n];
        }
        m[(T - 1) * N + n] = -s;
    }
    gsl_rng_free(r);
    struct pmc_pbo p;
    char err[160];
    assert_int_equal(
        pmc_pbo_cscv(m, T, N, 8, PMC_PBO_MEAN, &p, err, sizeof err), 0);
    assert_int_equal(p.combinations, 70);
    assert_true(p.pbo == 1);
    assert_true(fabs(p.logit_median + log((double)N)) < 1e-12);
    /* OOS = -IS: the degradation slope is -1 */
    assert_true(fabs(p.slope + 1) < 1e-9);
    free(m);
}

/* Pure noise: every trial is as good as any other, so the out-of-sample
 * rank of the in-sample winner is uniform on 1..N and P(logit <= 0) = 1/2
 * (N even). One matrix's PBO is an average over strongly dependent
 * combinations; 40 independent matrices are averaged. Measured spread of
 * one matrix's PBO (T = 240, N = 20, S = 8; 400 matrices): mean 0.507,
 * sd 0.204, so the mean of 40 has sd about 0.03 and the bound
 * 0.5 +- 0.12 is 4 sd (these 40 seeds give 0.43 and 0.42). No single
 * matrix may give 0 or 1 (every trial equally noisy). */
static void test_pbo_noise(void **st)
{
    (void)st;
    size_t T = 240, N = 20;
    double sum[2] = {0, 0};
    for (unsigned long seed = 1; seed <= 40; seed++) {
        double *m = noise(T, N, seed);
        for (int metric = 0; metric < 2; metric++) {
            struct pmc_pbo p;
            char err[160];
            assert_int_equal(pmc_pbo_cscv(m, T, N, 8,
                                          (enum pmc_pbo_metric)metric, &p, err,
                                          sizeof err),
                             0);
            assert_true(p.pbo > 0 && p.pbo < 1);
            sum[metric] += p.pbo;
        }
        free(m);
    }
    for (int metric = 0; metric < 2; metric++) {
        double mean = sum[metric] / 40;
        if (getenv("PMC_VERBOSE"))
            fprintf(stderr, "noise PBO mean (metric %d): %.4f\n", metric, mean);
        assert_true(fabs(mean - 0.5) < 0.12);
    }
}

static void test_pbo_deterministic_ties(void **st)
{
    (void)st;
    /* every trial identical: the in-sample winner is trial 0 (lower index)
     * and it ranks lowest out of sample (ties: lower index lower) */
    size_t T = 40, N = 5;
    double *m = calloc(T * N, sizeof *m);
    assert_non_null(m);
    for (size_t t = 0; t < T; t++)
        for (size_t n = 0; n < N; n++)
            m[t * N + n] = (double)(t % 3);
    struct pmc_pbo a, b;
    char err[160];
    assert_int_equal(
        pmc_pbo_cscv(m, T, N, 4, PMC_PBO_SHARPE, &a, err, sizeof err), 0);
    assert_true(a.pbo == 1);
    assert_true(fabs(a.logit_median - log(1.0 / 5)) < 1e-12);
    free(m);
    m = noise(100, 7, 3);
    assert_int_equal(
        pmc_pbo_cscv(m, 100, 7, 6, PMC_PBO_SHARPE, &a, err, sizeof err), 0);
    assert_int_equal(
        pmc_pbo_cscv(m, 100, 7, 6, PMC_PBO_SHARPE, &b, err, sizeof err), 0);
    assert_memory_equal(&a, &b, sizeof a);
    free(m);
}

static void test_pbo_refused(void **st)
{
    (void)st;
    double m[64] = {0};
    struct pmc_pbo p;
    char err[160];
    err[0] = 0;
    assert_int_equal(
        pmc_pbo_cscv(m, 16, 4, 3, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "even"));
    assert_int_equal(
        pmc_pbo_cscv(m, 16, 4, 0, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_int_equal(
        pmc_pbo_cscv(m, 4, 16, 8, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "> T"));
    assert_int_equal(
        pmc_pbo_cscv(m, 64, 1, 4, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "N < 2"));
    assert_int_equal(
        pmc_pbo_cscv(m, 64, 1, 26, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_int_equal(
        pmc_pbo_cscv(m, 32, 2, 26, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
    /* Sharpe needs two rows per half */
    assert_int_equal(
        pmc_pbo_cscv(m, 2, 2, 2, PMC_PBO_SHARPE, &p, err, sizeof err), -1);
    assert_int_equal(
        pmc_pbo_cscv(m, 2, 2, 2, PMC_PBO_MEAN, &p, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsr_paper_example),
        cmocka_unit_test(test_psr_edges),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_pbo_dominant),
        cmocka_unit_test(test_pbo_inverted),
        cmocka_unit_test(test_pbo_noise),
        cmocka_unit_test(test_pbo_deterministic_ties),
        cmocka_unit_test(test_pbo_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
