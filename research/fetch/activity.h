/* research/fetch/activity.h - a wallet's /activity in one time window.
 *
 * Transition table (state x answer -> state):
 *   START     --(v2 allowed)-->                 V2PAGE
 *   START     --(v2 refused or known absent)--> PAGE
 *   V2PAGE    --200, has_more + cursor-->        V2PAGE (cursor = next_cursor)
 *   V2PAGE    --200, no more-->                  COMMIT
 *   V2PAGE    --404 or 400 on the first page, v2 not yet seen working-->
 *                                                START (v2 absent: legacy)
 *   PAGE      --200, fewer rows than limit-->    COMMIT
 *   PAGE      --200, full, next offset <= cap--> PAGE (offset += limit)
 *   PAGE      --200 full at the cap, or 400 at offset > 0--> SPLIT
 *   SPLIT     --window > 1 s-->  the two halves [s,m] [m+1,e] replace it,
 *                                rows of the window dropped, START
 *   SPLIT     --window of 1 s--> rows kept, overflow recorded, COMMIT
 *   COMMIT    --more windows--> START;  --none--> DONE
 *   any       --other status / bad body--> FAILED
 * Windows are whole seconds, both ends inclusive, asked oldest-first
 * (sortBy=TIMESTAMP, sortDirection=ASC). Never pages by "last timestamp +
 * 1"; never drops a row it was served (see rows.h for repeats). */
#ifndef PMC_FETCH_ACTIVITY_H
#define PMC_FETCH_ACTIVITY_H

#include "research/fetch/job.h"

/* Shared by every activity job of a run: whether the v2 cursor route
 * exists (-1 unknown, 0 no, 1 yes) and the paging limits. */
struct pmc_fx_act_cfg {
    int v2;
    int limit;      /* rows per page (500) */
    int offset_cap; /* highest offset the server accepts (10000) */
};

/* A job for ADDR's activity in [since, until] (seconds, inclusive). */
struct pmc_fx_job *pmc_fx_activity_job(struct pmc_fx_act_cfg *cfg,
                                       const char *addr, int64_t since,
                                       int64_t until);

#endif
