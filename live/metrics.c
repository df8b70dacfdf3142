/* live/metrics.c - log-linear histograms and their Prometheus text.
 *
 * Decides: the buckets (log-linear for quantiles, a fixed set for the
 * exposition) and the form of a histogram's lines.
 * Never: allocates or reads a clock. */
#include "live/metrics.h"

const int64_t pmc_hist_fixed_le[PMC_HIST_FIXED] = {
    10,     25,      50,      100,     250,     500,    1000,
    2500,   5000,    10000,   25000,   50000,   100000, 250000,
    500000, 1000000, 2500000, 5000000, 10000000};

static int fixed_of(int64_t v)
{
    int lo = 0, hi = PMC_HIST_FIXED; /* first bound >= v */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (pmc_hist_fixed_le[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int bucket_of(int64_t v)
{
    if (v < PMC_HIST_SUB)
        return v < 0 ? 0 : (int)v;
    int e = 63 - __builtin_clzll((unsigned long long)v); /* >= 3 */
    int sub = (int)((v >> (e - 3)) & (PMC_HIST_SUB - 1));
    int i = (e - 2) * PMC_HIST_SUB + sub;
    return i < PMC_HIST_BUCKETS ? i : PMC_HIST_BUCKETS - 1;
}

/* largest value that falls in bucket i */
static int64_t upper(int i)
{
    if (i < PMC_HIST_SUB)
        return i;
    int e = i / PMC_HIST_SUB + 2, sub = i % PMC_HIST_SUB;
    if (e >= 62)
        return INT64_MAX;
    return (((int64_t)PMC_HIST_SUB + sub + 1) << (e - 3)) - 1;
}

void pmc_hist_add(struct pmc_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    h->b[bucket_of(v)]++;
    h->fx[fixed_of(v)]++;
    h->n++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

int64_t pmc_hist_quantile(const struct pmc_hist *h, double q)
{
    if (!h->n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->n);
    if (want >= h->n)
        want = h->n - 1;
    uint64_t seen = 0;
    for (int i = 0; i < PMC_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen > want) {
            int64_t u = upper(i);
            return u < h->max ? u : h->max;
        }
    }
    return h->max;
}

void pmc_prom_head(FILE *f, const char *name, const char *type,
                   const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void pmc_hist_prom(FILE *f, const char *name, const char *help,
                   const char *labels, const struct pmc_hist *h)
{
    if (help)
        pmc_prom_head(f, name, "histogram", help);
    const char *sep = labels && *labels ? "," : "";
    uint64_t cum = 0;
    for (int i = 0; i < PMC_HIST_FIXED; i++) {
        cum += h->fx[i];
        fprintf(f, "%s_bucket{%s%sle=\"%lld\"} %llu\n", name, labels, sep,
                (long long)pmc_hist_fixed_le[i], (unsigned long long)cum);
    }
    fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
            (unsigned long long)h->n);
    const char *open = *sep ? "{" : "", *close = *sep ? "}" : "";
    fprintf(f, "%s_sum%s%s%s %lld\n", name, open, labels, close,
            (long long)h->sum);
    fprintf(f, "%s_count%s%s%s %llu\n", name, open, labels, close,
            (unsigned long long)h->n);
}
