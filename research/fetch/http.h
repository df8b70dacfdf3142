/* research/fetch/http.h - many GET requests at once over libcurl multi.
 *
 * Decides when each request starts (its family's token bucket, at most
 * `jobs` in flight, kept-alive connections shared through the multi
 * handle), which answers are retried (a transport error, a truncated body,
 * 408, 425, 429 and 5xx; at most max_retries times), and how long to wait
 * before a retry: the Retry-After the server sent, else 500 ms x 2^attempt
 * (at most 30 s), plus a jitter in [0, wait/2) drawn from a seeded
 * xorshift (same seed, same waits). Never interprets a body, never writes
 * files, never prints. */
#ifndef PMC_FETCH_HTTP_H
#define PMC_FETCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "research/fetch/bucket.h"

#define PMC_FX_URL_MAX 8192
#define PMC_FX_BODY_MAX ((size_t)256 << 20) /* larger answers are errors */

enum pmc_fx_family { PMC_FX_DATA = 0, PMC_FX_GAMMA, PMC_FX_CLOB, PMC_FX_NFAM };

struct pmc_fx_req {
    /* in */
    char url[PMC_FX_URL_MAX];
    enum pmc_fx_family fam;
    /* out: status 0 = no HTTP answer (err says why) */
    long status;
    char *body; /* malloc'd, NUL-terminated; the caller frees */
    size_t len;
    int64_t ms; /* latency of the last attempt */
    int tries;
    char err[160];
    /* private */
    void *easy;
    int64_t ready_at, t0, retry_after;
    size_t cap;
    int toobig, active;
};

struct pmc_fx_counts {
    uint64_t requests, bytes, retries, throttled, slowdowns;
};

struct pmc_fx_http {
    void *multi;
    void **pool; /* idle easy handles */
    size_t npool;
    int jobs, max_retries;
    long timeout_ms;
    uint64_t rng;
    struct pmc_fx_bucket bucket[PMC_FX_NFAM];
    struct pmc_fx_counts n;
    int64_t (*now)(void); /* monotonic ms */
};

/* limits: documented requests per 10 s for each family. 0 or -1. */
int pmc_fx_http_init(struct pmc_fx_http *h, int jobs, int max_retries,
                     uint64_t seed, const int64_t limits[PMC_FX_NFAM]);
void pmc_fx_http_free(struct pmc_fx_http *h);

/* Perform the n requests (fills their out fields; body may be NULL on a
 * failure). Returns 0, or -1 when the multi interface itself failed. */
int pmc_fx_http_run(struct pmc_fx_http *h, struct pmc_fx_req *const *reqs,
                    size_t n);

/* Monotonic milliseconds. */
int64_t pmc_fx_mono_ms(void);

#endif
