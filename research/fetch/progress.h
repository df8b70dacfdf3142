/* research/fetch/progress.h - what a running fetch shows.
 *
 * Decides the form: a one-line bar on stderr redrawn at most 5 times a
 * second (jobs done/total, requests, rows, rows/s, cache hits, retries,
 * ETA from the jobs' pace) when stderr is a terminal or --progress bar;
 * one JSON object per line on stderr at most once a second with
 * --progress json; nothing when piped (auto) or with none. The end
 * summary line is the caller's. Never writes on stdout. */
#ifndef PMC_FETCH_PROGRESS_H
#define PMC_FETCH_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum pmc_fx_pmode { PMC_FX_P_AUTO, PMC_FX_P_BAR, PMC_FX_P_JSON, PMC_FX_P_NONE };

struct pmc_fx_stats {
    uint64_t jobs_total, jobs_done;
    uint64_t requests, rows, bytes, cache_hits, retries;
    int64_t t0_ms;
};

struct pmc_fx_progress {
    enum pmc_fx_pmode mode; /* resolved: BAR, JSON or NONE */
    FILE *out;
    int64_t last_ms;
    int drawn;
};

/* mode AUTO becomes BAR on a terminal, else NONE. */
void pmc_fx_progress_init(struct pmc_fx_progress *p, enum pmc_fx_pmode mode,
                          FILE *out);
/* Show s now if due (force: always). */
void pmc_fx_progress_show(struct pmc_fx_progress *p,
                          const struct pmc_fx_stats *s, int64_t now_ms,
                          int force);
/* Clear the bar before other output. */
void pmc_fx_progress_end(struct pmc_fx_progress *p);

#endif
