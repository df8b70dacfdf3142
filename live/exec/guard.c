/* live/exec/guard.c - token buckets and the circuit breaker (see guard.h).
 * Pure integer code; the exact refill keeps the long-run rate at n per
 * window whatever the call pattern. */
#include "live/exec/guard.h"

void pmc_bucket_init(struct pmc_bucket *b, struct pmc_rate r, pmc_ms now)
{
    b->n = r.window_ms > 0 ? r.n : 0;
    b->window = r.window_ms;
    b->cap_milli = (int64_t)b->n * 1000;
    b->milli = b->cap_milli;
    b->frac = 0;
    b->last = now;
}

static void refill(struct pmc_bucket *b, pmc_ms now)
{
    if (now <= b->last) /* time never goes back for us; ignore if it does */
        return;
    if (b->milli >= b->cap_milli) {
        b->last = now;
        b->frac = 0;
        return;
    }
    pmc_ms dt = now - b->last;
    /* cap dt so the product cannot overflow: one window refills fully */
    if (dt > b->window)
        dt = b->window;
    int64_t total = (int64_t)dt * b->n * 1000 + b->frac;
    b->milli += total / b->window;
    b->frac = total % b->window;
    if (b->milli >= b->cap_milli) {
        b->milli = b->cap_milli;
        b->frac = 0;
    }
    b->last = now;
}

pmc_ms pmc_bucket_wait(struct pmc_bucket *b, pmc_ms now)
{
    if (b->n == 0)
        return 0;
    refill(b, now);
    if (b->milli >= 1000)
        return 0;
    /* ms until milli reaches 1000: need*window - frac over n*1000 */
    int64_t need = (1000 - b->milli) * b->window - b->frac;
    int64_t rate = (int64_t)b->n * 1000;
    pmc_ms w = (need + rate - 1) / rate;
    return w > 0 ? w : 1;
}

void pmc_bucket_take(struct pmc_bucket *b, pmc_ms now)
{
    if (b->n == 0)
        return;
    refill(b, now);
    b->milli -= 1000;
}

const char *pmc_breaker_name(enum pmc_breaker_state s)
{
    switch (s) {
    case PMC_BREAKER_CLOSED:
        return "closed";
    case PMC_BREAKER_OPEN:
        return "open";
    case PMC_BREAKER_HALF_OPEN:
        return "half_open";
    }
    return "?";
}

void pmc_breaker_init(struct pmc_breaker *b, uint32_t threshold,
                      pmc_ms cooldown_ms)
{
    b->state = PMC_BREAKER_CLOSED;
    b->fails = 0;
    b->threshold = threshold;
    b->cooldown = cooldown_ms;
    b->open_until = 0;
    b->probing = 0;
    b->opens = 0;
}

static void trip(struct pmc_breaker *b, pmc_ms now)
{
    b->state = PMC_BREAKER_OPEN;
    b->open_until = now + b->cooldown;
    b->probing = 0;
    b->opens++;
}

int pmc_breaker_allow(struct pmc_breaker *b, pmc_ms now)
{
    if (b->threshold == 0)
        return 1;
    switch (b->state) {
    case PMC_BREAKER_CLOSED:
        return 1;
    case PMC_BREAKER_OPEN:
        if (now < b->open_until)
            return 0;
        b->state = PMC_BREAKER_HALF_OPEN;
        b->probing = 1;
        return 1;
    case PMC_BREAKER_HALF_OPEN:
        if (b->probing)
            return 0;
        b->probing = 1;
        return 1;
    }
    return 0;
}

void pmc_breaker_result(struct pmc_breaker *b, int ok, pmc_ms now)
{
    if (b->threshold == 0)
        return;
    switch (b->state) {
    case PMC_BREAKER_CLOSED:
        if (ok) {
            b->fails = 0;
        } else if (++b->fails >= b->threshold) {
            trip(b, now);
        }
        return;
    case PMC_BREAKER_OPEN:
        return; /* answers to requests sent before it opened */
    case PMC_BREAKER_HALF_OPEN:
        if (ok) {
            b->state = PMC_BREAKER_CLOSED;
            b->fails = 0;
            b->probing = 0;
        } else {
            trip(b, now);
        }
        return;
    }
}
