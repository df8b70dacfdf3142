/* tests/unit/test_fetch_bucket.c - the per-family token bucket
 * (research/fetch/bucket.h): half the documented limit, the burst, 429/503
 * halving the rate, Retry-After holding every request, a latency well
 * above the baseline slowing it, and the recovery. Time is injected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "research/fetch/bucket.h"

/* requests started in [0, ms) when asking as often as allowed */
static int64_t started_in(struct pmc_fx_bucket *b, int64_t t0, int64_t ms)
{
    int64_t n = 0;
    for (int64_t t = t0; t < t0 + ms; t++)
        while (pmc_fx_bucket_take(b, t))
            n++;
    return n;
}

static void half_the_limit(void **state)
{
    (void)state;
    struct pmc_fx_bucket b;
    pmc_fx_bucket_init(&b, 1000, 0); /* documented 1000 / 10 s */
    /* burst of one second's worth (50), then 50 per second */
    int64_t n = started_in(&b, 0, 10000);
    assert_true(n >= 500 && n <= 551);
    int64_t m = started_in(&b, 10000, 10000);
    assert_true(m >= 499 && m <= 501);
}

static void throttle_halves(void **state)
{
    (void)state;
    struct pmc_fx_bucket b;
    pmc_fx_bucket_init(&b, 1000, 0);
    (void)started_in(&b, 0, 2000);
    pmc_fx_bucket_answer(&b, 2000, 429, 5, 0);
    int64_t n = started_in(&b, 2000, 10000);
    assert_true(n >= 240 && n <= 260); /* 25 / s */
    assert_int_equal(b.slowed, 1);
    pmc_fx_bucket_answer(&b, 12000, 503, 5, 0);
    n = started_in(&b, 12000, 10000);
    assert_true(n >= 120 && n <= 130);
}

static void retry_after_holds(void **state)
{
    (void)state;
    struct pmc_fx_bucket b;
    pmc_fx_bucket_init(&b, 1000, 0);
    pmc_fx_bucket_answer(&b, 100, 429, 5, 3000);
    assert_int_equal(pmc_fx_bucket_wait(&b, 100), 3000);
    assert_false(pmc_fx_bucket_take(&b, 3099));
    assert_true(pmc_fx_bucket_take(&b, 3100));
}

static void latency_slows_and_recovers(void **state)
{
    (void)state;
    struct pmc_fx_bucket b;
    pmc_fx_bucket_init(&b, 1000, 0);
    for (int i = 0; i < 20; i++)
        pmc_fx_bucket_answer(&b, i, 200, 20, 0);
    int64_t base = b.rate;
    pmc_fx_bucket_answer(&b, 30, 200, 60, 0); /* ordinary noise */
    assert_int_equal(b.rate, base);
    pmc_fx_bucket_answer(&b, 40, 200, 2000, 0); /* well above 20 ms */
    assert_true(b.rate < base);
    assert_int_equal(b.slowed, 1);
    for (int i = 0; i < 40; i++)
        pmc_fx_bucket_answer(&b, 50 + i, 200, 20, 0);
    assert_int_equal(b.rate, base);
}

static void tiny_limits(void **state)
{
    (void)state;
    struct pmc_fx_bucket b;
    pmc_fx_bucket_init(&b, 0, 0); /* never zero: at least 1 per 10 s */
    assert_true(pmc_fx_bucket_take(&b, 0));
    assert_true(pmc_fx_bucket_wait(&b, 0) > 0);
    assert_true(pmc_fx_bucket_wait(&b, 0) <= 10000);
    for (int i = 0; i < 20; i++)
        pmc_fx_bucket_answer(&b, 0, 429, 1, 0);
    assert_true(b.rate >= b.floor && b.floor > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(half_the_limit),
        cmocka_unit_test(throttle_halves),
        cmocka_unit_test(retry_after_holds),
        cmocka_unit_test(latency_slows_and_recovers),
        cmocka_unit_test(tiny_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
