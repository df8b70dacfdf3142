/* research/fetch/drive.h - runs jobs against the cache and the network.
 *
 * Decides, for every request a job asks for: answered from the cache
 * (the request is sealed, or --offline), refused (--offline and not
 * cached: the first such request is named and the run stops), or sent
 * (in rounds of at most 4 x jobs requests, one per job at a time; a 200
 * answer is stored in the cache after its job accepted it; a 200 whose
 * body does not parse is asked again, at most max_retries times; more
 * than max_rows rows served in one run stop it, so an endless or huge
 * answer costs bounded memory). Keeps
 * the counts the progress display and the summary show. Never decides
 * URLs or what an answer means (the jobs do). */
#ifndef PMC_FETCH_DRIVE_H
#define PMC_FETCH_DRIVE_H

#include "research/fetch/cache.h"
#include "research/fetch/http.h"
#include "research/fetch/job.h"
#include "research/fetch/progress.h"

struct pmc_fx_run {
    struct pmc_fx_http http;
    struct pmc_fx_cache cache;
    struct pmc_fx_progress prog;
    struct pmc_fx_stats st;
    const char *base[PMC_FX_NFAM];
    int offline, max_retries;
    uint64_t max_rows; /* rows served (cache and network) before the run
                          fails naming --max-rows; 0 no cap */
    int64_t now_s;     /* wall clock at the start: sealing and metadata */
    int missing;       /* --offline hit a missing entry */
    int capped;        /* more than max_rows rows were served */
    int trades_v2;     /* /v2/trades exists: -1 unknown, 0 no, 1 yes */
    uint64_t failed, overflows;
};

/* Run every job to its end. 0 when all succeeded without overflow, else
 * 1 (each failure and overflow printed on stderr). */
int pmc_fx_drive(struct pmc_fx_run *r, struct pmc_fx_job **jobs, size_t n);

#endif
