/* live/metrics.h - counters and latency histograms for /metrics.
 *
 * Fixed memory: a histogram has 64 power-of-two buckets over a value in
 * whatever unit its name says (µs for latencies, ms for lags), so adding a
 * sample is a few instructions and never allocates. Not thread-safe: owned
 * by the loop thread. */
#ifndef PMC_METRICS_H
#define PMC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define PMC_HIST_BUCKETS 64

struct pmc_hist {
    uint64_t b[PMC_HIST_BUCKETS]; /* b[i]: values in [2^(i-1), 2^i) */
    uint64_t n;
    int64_t sum, max;
};

/* Add one sample (negative samples count as 0). */
void pmc_hist_add(struct pmc_hist *h, int64_t v);
/* Upper bound of the bucket holding quantile q (0..1); 0 when empty. */
int64_t pmc_hist_quantile(const struct pmc_hist *h, double q);
/* Write the histogram in Prometheus text format as NAME_bucket{le=...},
 * NAME_sum, NAME_count, with extra labels (may be "" or `src="chain"`). */
void pmc_hist_prom(FILE *f, const char *name, const char *labels,
                   const struct pmc_hist *h);

#endif
