/* tests/unit/test_overfit.c - PBO by CSCV, moments, PSR / SR0 / DSR
 * (research/optimize/overfit.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "research/optimize/overfit.h"

/* The numerical example of Bailey & Lopez de Prado, "The Deflated Sharpe
 * Ratio" (Journal of Portfolio Management 40(5), 2014): a strategy with an
 * annualised Sharpe ratio of 2.5 over 5 years of daily returns (T = 1250,
 * 250 days a year), chosen among N = 100 trials whose annualised Sharpe
 * ratios have variance 1/2, returns with skewness -3 and kurtosis 10. The
 * paper gives SR0 = 0.1132 (daily) and DSR = 0.9004. */
static void dsr_paper_example(void **state)
{
    (void)state;
    double sr = 2.5 / sqrt(250.0), var = 0.5 / 250.0;
    double sr0 = pmc_sr0(var, 100);
    assert_true(fabs(sr0 - 0.1132) < 0.0005);
    double dsr = pmc_dsr(sr, var, 100, 1250, -3, 10);
    assert_true(fabs(dsr - 0.9004) < 0.001);
    /* PSR against 0 of the same strategy is near certainty; against a
     * higher bar than its own Sharpe ratio below one half */
    assert_true(pmc_psr(sr, 0, 1250, -3, 10) > 0.99);
    assert_true(pmc_psr(sr, sr * 1.1, 1250, -3, 10) < 0.5);
    /* more trials, a higher bar, a lower DSR */
    assert_true(pmc_dsr(sr, var, 1000, 1250, -3, 10) < dsr);
    assert_true(pmc_sr0(var, 1) == 0);
}

static void moments_known(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 4, 5};
    struct pmc_moments m;
    pmc_moments(x, 5, &m);
    assert_true(fabs(m.mean - 3) < 1e-12);
    assert_true(fabs(m.sd - sqrt(2.5)) < 1e-12);
    assert_true(fabs(m.skew) < 1e-12);
    assert_true(fabs(m.kurt - 1.7) < 1e-12); /* (34/5) / 2^2 */
    double y[] = {0, 0, 0, 10};
    pmc_moments(y, 4, &m);
    assert_true(m.skew > 1);
}

#define T 64
#define N 10

/* one trial better than every other in every period: never overfit */
static void pbo_dominant(void **state)
{
    (void)state;
    static double m[T * N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    for (int t = 0; t < T; t++)
        for (int n = 0; n < N; n++)
            m[t * N + n] = gsl_ran_gaussian(r, 1) + (n == 7 ? 10 : 0);
    gsl_rng_free(r);
    struct pmc_pbo p;
    char err[200];
    assert_int_equal(
        pmc_pbo_cscv(m, T, N, 16, PMC_PBO_MEAN, &p, err, sizeof err), 0);
    assert_int_equal(p.combinations, 12870);
    assert_true(p.pbo == 0);
    assert_true(p.logit_median > 0);
}

/* the in-sample winner is the out-of-sample loser: always overfit. Four
 * blocks; column n earns a_n = +-(n + 1) (the sign alternating with n) in
 * blocks 0 and 3 and -a_n in blocks 1 and 2, so over any two blocks a
 * column's mean is the opposite of its mean over the other two: the best
 * in sample is the worst out of sample, or every column ties (rank at the
 * median, logit 0, counted as overfit) */
static void pbo_reversal(void **state)
{
    (void)state;
    static double m[T * N];
    for (int t = 0; t < T; t++)
        for (int n = 0; n < N; n++) {
            int block = t / (T / 4);
            double a = (double)(n + 1) * (n % 2 ? -1 : 1);
            m[t * N + n] = (block == 0 || block == 3) ? a : -a;
        }
    struct pmc_pbo p;
    char err[200];
    assert_int_equal(
        pmc_pbo_cscv(m, T, N, 4, PMC_PBO_MEAN, &p, err, sizeof err), 0);
    assert_int_equal(p.combinations, 6);
    assert_true(p.pbo > 0.99);
    assert_true(p.slope < 0);
}

/* pure noise: PBO near one half (200 seeds would average 0.5; one seed
 * of 10 columns x 64 rows lands within [0.2, 0.8]) */
static void pbo_noise(void **state)
{
    (void)state;
    static double m[T * N];
    double sum = 0;
    for (int seed = 1; seed <= 8; seed++) {
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, (unsigned long)seed);
        for (int i = 0; i < T * N; i++)
            m[i] = gsl_ran_gaussian(r, 1);
        gsl_rng_free(r);
        struct pmc_pbo p;
        char err[200];
        assert_int_equal(
            pmc_pbo_cscv(m, T, N, 8, PMC_PBO_SHARPE, &p, err, sizeof err), 0);
        sum += p.pbo;
    }
    assert_true(sum / 8 > 0.3 && sum / 8 < 0.7);
}

static void pbo_bad_arguments(void **state)
{
    (void)state;
    double m[8 * 2] = {0};
    struct pmc_pbo p;
    char err[200];
    assert_int_equal(
        pmc_pbo_cscv(m, 8, 2, 3, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "3 blocks"));
    assert_int_equal(
        pmc_pbo_cscv(m, 8, 2, 10, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_int_equal(
        pmc_pbo_cscv(m, 8, 1, 2, PMC_PBO_MEAN, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 trials"));
    assert_int_equal(
        pmc_pbo_cscv(m, 8, 2, 18, PMC_PBO_MEAN, &p, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dsr_paper_example),
        cmocka_unit_test(moments_known),
        cmocka_unit_test(pbo_dominant),
        cmocka_unit_test(pbo_reversal),
        cmocka_unit_test(pbo_noise),
        cmocka_unit_test(pbo_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
