/* research/fetch/bucket.c - the per-family token bucket (see bucket.h).
 * Integer arithmetic only: rates are micro-requests per millisecond. */
#include "research/fetch/bucket.h"

#define U 1000000 /* micro-requests per request */

void pmc_fx_bucket_init(struct pmc_fx_bucket *b, int64_t limit_per_10s,
                        int64_t now)
{
    if (limit_per_10s < 2)
        limit_per_10s = 2;
    if (limit_per_10s > 100000000)
        limit_per_10s = 100000000;
    /* half the limit per 10 000 ms, in micro-requests per ms */
    b->base = limit_per_10s / 2 * U / 10000;
    if (b->base < U / 10000)
        b->base = U / 10000;
    b->rate = b->base;
    b->floor = b->base / 64 > U / 10000 ? b->base / 64 : U / 10000;
    b->cap = b->base * 1000; /* one second's worth */
    if (b->cap < U)
        b->cap = U;
    b->tokens = b->cap;
    b->last = now;
    b->hold = 0;
    b->baseline = 0;
    b->slowed = 0;
}

static void refill(struct pmc_fx_bucket *b, int64_t now)
{
    if (now <= b->last)
        return;
    int64_t dt = now - b->last;
    b->last = now;
    if (dt > b->cap / b->rate + 1) {
        b->tokens = b->cap;
        return;
    }
    b->tokens += dt * b->rate;
    if (b->tokens > b->cap)
        b->tokens = b->cap;
}

int64_t pmc_fx_bucket_wait(struct pmc_fx_bucket *b, int64_t now)
{
    refill(b, now);
    int64_t w = 0;
    if (b->tokens < U)
        w = (U - b->tokens + b->rate - 1) / b->rate;
    if (b->hold > now && b->hold - now > w)
        w = b->hold - now;
    return w;
}

int pmc_fx_bucket_take(struct pmc_fx_bucket *b, int64_t now)
{
    if (pmc_fx_bucket_wait(b, now) > 0)
        return 0;
    b->tokens -= U;
    return 1;
}

static void lower(struct pmc_fx_bucket *b, int64_t num, int64_t den)
{
    b->rate = b->rate * num / den;
    if (b->rate < b->floor)
        b->rate = b->floor;
    if (b->tokens > b->rate * 1000)
        b->tokens = b->rate * 1000; /* no burst right after a slow-down */
    b->slowed++;
}

void pmc_fx_bucket_answer(struct pmc_fx_bucket *b, int64_t now, long status,
                          int64_t latency_ms, int64_t retry_after_ms)
{
    refill(b, now);
    if (retry_after_ms > 0 && now + retry_after_ms > b->hold)
        b->hold = now + retry_after_ms;
    if (status == 429 || status == 503) {
        lower(b, 1, 2);
        return;
    }
    if (latency_ms < 0)
        latency_ms = 0;
    if (b->baseline > 0 && latency_ms > 4 * b->baseline + 250) {
        lower(b, 3, 4);
        return;
    }
    /* the baseline follows ordinary answers slowly (1/8 per answer) */
    b->baseline = b->baseline == 0 ? latency_ms + 1
                                   : (7 * b->baseline + latency_ms + 1) / 8;
    if (status >= 200 && status < 500 && b->rate < b->base) {
        b->rate += b->base / 16 > 0 ? b->base / 16 : 1;
        if (b->rate > b->base)
            b->rate = b->base;
    }
}
