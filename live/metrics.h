/* live/metrics.h - counters and latency histograms for /metrics.
 *
 * Fixed memory, log-linear buckets: each power of two is split into 8
 * sub-buckets, so a quantile is reported within 12.5 % of the true value
 * (values below 8 are exact). Adding a sample is a few instructions and
 * never allocates. /metrics prints a fixed bucket set (pmc_hist_fixed_le),
 * counted exactly beside the log-linear ones. The unit is whatever the name says (µs for latencies,
 * ms for lags). Not thread-safe: owned by the loop thread. */
#ifndef PMC_METRICS_H
#define PMC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define PMC_HIST_SUB 8
#define PMC_HIST_BUCKETS (64 * PMC_HIST_SUB)

/* The fixed bucket bounds of the Prometheus exposition (le, inclusive),
 * the same for every histogram and every scrape, so quantile queries over
 * them work: 10 .. 10 000 000 in 1-2.5-5 steps (µs: 10 µs .. 10 s). */
#define PMC_HIST_FIXED 19
extern const int64_t pmc_hist_fixed_le[PMC_HIST_FIXED];

struct pmc_hist {
    uint64_t b[PMC_HIST_BUCKETS];
    uint64_t fx[PMC_HIST_FIXED + 1]; /* per fixed bucket; last = above */
    uint64_t n;
    int64_t sum, max;
};

/* Add one sample (negative samples count as 0). */
void pmc_hist_add(struct pmc_hist *h, int64_t v);
/* The largest value of the bucket holding quantile q (0..1), capped at the
 * largest sample; 0 when empty. */
int64_t pmc_hist_quantile(const struct pmc_hist *h, double q);
/* Write the histogram in Prometheus text format: with help (not NULL)
 * first its # HELP and # TYPE lines, then NAME_bucket{le=...} for every
 * fixed bound (cumulative) and +Inf, NAME_sum, NAME_count, with extra
 * labels (may be "" or `src="chain"`). */
void pmc_hist_prom(FILE *f, const char *name, const char *help,
                   const char *labels, const struct pmc_hist *h);
/* The # HELP and # TYPE lines of a series (type: counter, gauge,
 * histogram). */
void pmc_prom_head(FILE *f, const char *name, const char *type,
                   const char *help);

#endif
