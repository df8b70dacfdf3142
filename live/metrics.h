/* live/metrics.h - counters and latency histograms for /metrics.
 *
 * Fixed memory, log-linear buckets: each power of two is split into 8
 * sub-buckets, so a quantile is reported within 12.5 % of the true value
 * (values below 8 are exact). Adding a sample is a few instructions and
 * never allocates. The unit is whatever the name says (µs for latencies,
 * ms for lags). Not thread-safe: owned by the loop thread. */
#ifndef PMC_METRICS_H
#define PMC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define PMC_HIST_SUB 8
#define PMC_HIST_BUCKETS (64 * PMC_HIST_SUB)

struct pmc_hist {
    uint64_t b[PMC_HIST_BUCKETS];
    uint64_t n;
    int64_t sum, max;
};

/* Add one sample (negative samples count as 0). */
void pmc_hist_add(struct pmc_hist *h, int64_t v);
/* The largest value of the bucket holding quantile q (0..1), capped at the
 * largest sample; 0 when empty. */
int64_t pmc_hist_quantile(const struct pmc_hist *h, double q);
/* Write the histogram in Prometheus text format as NAME_bucket{le=...},
 * NAME_sum, NAME_count, with extra labels (may be "" or `src="chain"`). */
void pmc_hist_prom(FILE *f, const char *name, const char *labels,
                   const struct pmc_hist *h);

#endif
