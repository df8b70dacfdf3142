/* research/fetch/bucket.h - one token bucket per endpoint family.
 *
 * Decides how fast requests of one family may start: at most half the
 * documented limit (protocol section 4.5; the limit is configuration),
 * slower after a 429/503 (rate halved) or when an answer's latency rises
 * well above the family's baseline (rate x 3/4; the venue delays rather
 * than refuses), nothing before a Retry-After has passed, and back towards
 * the configured rate by 1/16 of it per answer that was neither. Pure and
 * clock-injected: every call takes `now` in ms; never sleeps, never reads
 * a clock, never allocates. */
#ifndef PMC_FETCH_BUCKET_H
#define PMC_FETCH_BUCKET_H

#include <stdint.h>

struct pmc_fx_bucket {
    int64_t base;     /* configured rate, micro-requests per ms */
    int64_t rate;     /* current rate, micro-requests per ms */
    int64_t floor;    /* the rate never drops below this */
    int64_t cap;      /* burst, micro-requests */
    int64_t tokens;   /* micro-requests available at `last` */
    int64_t last;     /* ms of the last refill */
    int64_t hold;     /* no request starts before this ms (Retry-After) */
    int64_t baseline; /* typical latency in ms, 0 = none yet */
    uint64_t slowed;  /* times the rate was lowered */
};

/* A bucket allowing limit_per_10s / 2 requests per 10 s (at least one per
 * 10 s), a burst of one second's worth (at least 1), full at now. */
void pmc_fx_bucket_init(struct pmc_fx_bucket *b, int64_t limit_per_10s,
                        int64_t now);

/* Milliseconds until a request may start (0: now). */
int64_t pmc_fx_bucket_wait(struct pmc_fx_bucket *b, int64_t now);

/* Take one request's token if available: 1, else 0. */
int pmc_fx_bucket_take(struct pmc_fx_bucket *b, int64_t now);

/* What an answer said. status 429 or 503 halves the rate; retry_after_ms
 * > 0 holds every request until now + retry_after_ms; latency_ms is
 * compared with the baseline (above 4 x baseline + 250 ms lowers the rate;
 * else it feeds the baseline and the rate recovers). */
void pmc_fx_bucket_answer(struct pmc_fx_bucket *b, int64_t now, long status,
                          int64_t latency_ms, int64_t retry_after_ms);

#endif
