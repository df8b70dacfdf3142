/* live/exec/guard.h - the executor's traffic guards: a token-bucket rate
 * limiter and a circuit breaker.
 *
 * Decides only "may a request go out at `now`, and if not, when". Pure:
 * no I/O, no clock reads (every call takes `now`, ms since the epoch, never
 * decreasing), no allocation. Integer arithmetic only; a bucket refills
 * exactly n tokens per window with no rounding drift.
 * Ownership: callers own the structs (plain values, no cleanup). */
#ifndef PMC_EXEC_GUARD_H
#define PMC_EXEC_GUARD_H

#include <stdint.h>

#include "core/pmc.h"

/* A limit as documented by the venue: n requests per window_ms. */
struct pmc_rate {
    uint32_t n;
    pmc_ms window_ms;
};

/* Token bucket holding at most n tokens, refilled at n per window. Tokens
 * are counted in thousandths; frac keeps the refill remainder exact. */
struct pmc_bucket {
    int64_t milli;     /* tokens x 1000 */
    int64_t cap_milli; /* n x 1000 */
    int64_t frac;      /* refill remainder, in (ms x n x 1000) mod window */
    uint32_t n;
    pmc_ms window;
    pmc_ms last;
};

/* Start full at `now`. A rate with n == 0 or window_ms <= 0 means "no
 * limit" (wait is always 0). */
void pmc_bucket_init(struct pmc_bucket *b, struct pmc_rate r, pmc_ms now);
/* Milliseconds until one token is available (0 = now). */
pmc_ms pmc_bucket_wait(struct pmc_bucket *b, pmc_ms now);
/* Take one token (call only after pmc_bucket_wait returned 0). */
void pmc_bucket_take(struct pmc_bucket *b, pmc_ms now);

enum pmc_breaker_state {
    PMC_BREAKER_CLOSED = 0,
    PMC_BREAKER_OPEN,
    PMC_BREAKER_HALF_OPEN
};
const char *pmc_breaker_name(enum pmc_breaker_state s);

/* Opens after `threshold` consecutive failures; refuses everything for
 * `cooldown_ms`; then lets exactly one probe through (half-open): its
 * success closes the breaker, its failure opens it again. */
struct pmc_breaker {
    enum pmc_breaker_state state;
    uint32_t fails, threshold;
    pmc_ms cooldown, open_until;
    int probing;    /* half-open: the probe is in flight */
    uint64_t opens; /* times it opened (metrics) */
};

/* threshold 0 disables the breaker (always allows). */
void pmc_breaker_init(struct pmc_breaker *b, uint32_t threshold,
                      pmc_ms cooldown_ms);
/* May a request go out now? 1 yes, 0 no. In the half-open state the first
 * allowed request becomes the probe. */
int pmc_breaker_allow(struct pmc_breaker *b, pmc_ms now);
/* Report a request's outcome: ok = 1 for an answer that shows the server
 * is healthy (2xx-4xx other than 429), 0 for 5xx, 429 or a transport
 * failure. */
void pmc_breaker_result(struct pmc_breaker *b, int ok, pmc_ms now);

#endif
