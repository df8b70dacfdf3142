/* research/fetch/job.h - what the fetch driver asks of a pager.
 *
 * A job is one pager (one activity window of a wallet, one market's
 * trades, one batch of Gamma ids, ...). The driver asks it for its next
 * request (`next`), answers it from the cache or the network, and hands
 * the answer back (`feed`). A job decides its own URLs, when a cached
 * answer may stand in for the network (`sealed`), when it is done and what
 * an error status means; it never performs I/O itself. Its output is the
 * JSON array `rows` of the rows it accepted, in the order served. */
#ifndef PMC_FETCH_JOB_H
#define PMC_FETCH_JOB_H

#include <jansson.h>
#include <stdint.h>

#include "research/fetch/http.h"

struct pmc_fx_step {
    enum pmc_fx_family fam;
    const char *route;          /* cache folder: "activity", ... */
    char pathq[PMC_FX_URL_MAX]; /* "/activity?user=..." */
    int sealed;                 /* a cached answer is final */
};

enum { PMC_FX_NEXT_DONE = 0, PMC_FX_NEXT_STEP = 1, PMC_FX_NEXT_FAIL = -1 };
enum { PMC_FX_FEED_OK = 0, PMC_FX_FEED_FAIL = -1, PMC_FX_FEED_BADBODY = -2 };

/* Asks the driver whether the cache holds a final answer for a request
 * (used to pick a route without a request): 1 yes, 0 no. */
typedef int (*pmc_fx_cached_fn)(void *ctx, const char *route,
                                const char *pathq);

struct pmc_fx_job {
    int (*next)(struct pmc_fx_job *j, struct pmc_fx_step *s);
    /* status 200 answers: rows = rows in the page (for the metadata) */
    int (*feed)(struct pmc_fx_job *j, long status, const char *body, size_t len,
                uint64_t *rows);
    void (*free)(struct pmc_fx_job *j);
    json_t *rows;   /* accepted rows (a JSON array, owned) */
    char name[160]; /* for messages: "activity 0xabc.. 2026-01-01.." */
    char msg[600];  /* why it failed / overflowed */
    int done, failed;
    uint64_t overflows; /* one-second windows / offset caps that overflowed */
    /* the driver's */
    int64_t now_s;
    int offline;
    pmc_fx_cached_fn cached;
    void *cached_ctx;
};

#endif
