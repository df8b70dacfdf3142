/* research/shard/share.c - which shard this process is (--shard I/N or
 * auto from the scheduler's environment) and which candidates it computes.
 *
 * Decides: the syntax of --shard, which environment variables `auto`
 * believes and in what order, and the greedy largest-first share. Never:
 * reads a file or a clock; the share depends only on the sizes and N. */
#include "research/shard/shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A decimal integer in [lo, hi], the whole of s. -1 otherwise. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi,
                      unsigned long *out)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    if (strlen(s) > 9)
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, NULL, 10);
    if (errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* An environment variable as an integer in [lo, hi]: 1 set and valid, 0
 * unset (or empty), -1 set but not such a number (err says which). */
static int env_uint(const char *name, unsigned long lo, unsigned long hi,
                    unsigned long *out, char *err, size_t cap)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    if (parse_uint(v, lo, hi, out) < 0) {
        snprintf(err, cap, "--shard auto: %s=%s: not an integer in [%lu, %lu]",
                 name, v, lo, hi);
        return -1;
    }
    return 1;
}

static int shard_auto(unsigned *i, unsigned *n, char *err, size_t cap)
{
    unsigned long id, cnt, min = 0, max, shards;
    int hs = env_uint("PMCOPY_SHARDS", 1, PMC_SHARD_MAX, &shards, err, cap);
    if (hs < 0)
        return -1;
    int hid = env_uint("SLURM_ARRAY_TASK_ID", 0, 999999999, &id, err, cap);
    if (hid < 0)
        return -1;
    if (hs && hid) { /* a re-run of some tasks: the id is the shard */
        if (id >= shards) {
            snprintf(err, cap,
                     "--shard auto: SLURM_ARRAY_TASK_ID=%lu is not below "
                     "PMCOPY_SHARDS=%lu",
                     id, shards);
            return -1;
        }
        *i = (unsigned)id;
        *n = (unsigned)shards;
        return 0;
    }
    if (hid) {
        int hc = env_uint("SLURM_ARRAY_TASK_COUNT", 1, PMC_SHARD_MAX, &cnt, err,
                          cap);
        int hm = env_uint("SLURM_ARRAY_TASK_MIN", 0, 999999999, &min, err, cap);
        int hx = env_uint("SLURM_ARRAY_TASK_MAX", 0, 999999999, &max, err, cap);
        if (hc < 0 || hm < 0 || hx < 0)
            return -1;
        if (!hc) {
            snprintf(err, cap,
                     "--shard auto: SLURM_ARRAY_TASK_ID is set but "
                     "SLURM_ARRAY_TASK_COUNT is not (set PMCOPY_SHARDS=N)");
            return -1;
        }
        if (hx && (max < min || max - min + 1 != cnt)) {
            snprintf(err, cap,
                     "--shard auto: the array %lu-%lu has %lu tasks: not "
                     "contiguous (use --array=0-%lu, or set "
                     "PMCOPY_SHARDS=N to take the task id as the shard)",
                     min, max, cnt, cnt - 1);
            return -1;
        }
        if (id < min || id - min >= cnt) {
            snprintf(err, cap,
                     "--shard auto: SLURM_ARRAY_TASK_ID=%lu is outside the "
                     "array (min %lu, %lu tasks)",
                     id, min, cnt);
            return -1;
        }
        *i = (unsigned)(id - min);
        *n = (unsigned)cnt;
        return 0;
    }
    int hj = env_uint("JOB_COMPLETION_INDEX", 0, 999999999, &id, err, cap);
    if (hj < 0)
        return -1;
    if (hj) {
        if (!hs) {
            snprintf(err, cap,
                     "--shard auto: JOB_COMPLETION_INDEX is set but "
                     "PMCOPY_SHARDS (the job's completions) is not");
            return -1;
        }
        if (id >= shards) {
            snprintf(err, cap,
                     "--shard auto: JOB_COMPLETION_INDEX=%lu is not below "
                     "PMCOPY_SHARDS=%lu",
                     id, shards);
            return -1;
        }
        *i = (unsigned)id;
        *n = (unsigned)shards;
        return 0;
    }
    snprintf(err, cap,
             "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) "
             "nor JOB_COMPLETION_INDEX (a Kubernetes indexed job) is set");
    return -1;
}

int pmc_shard_parse(const char *spec, unsigned *i, unsigned *n, char *err,
                    size_t cap)
{
    if (!spec || !*spec) {
        snprintf(err, cap, "--shard: empty (I/N or auto)");
        return -1;
    }
    if (!strcmp(spec, "auto"))
        return shard_auto(i, n, err, cap);
    const char *slash = strchr(spec, '/');
    char a[16];
    unsigned long vi, vn;
    size_t la = slash ? (size_t)(slash - spec) : 0;
    if (!slash || la >= sizeof a) {
        snprintf(err, cap, "--shard %s: I/N (e.g. 0/4) or auto", spec);
        return -1;
    }
    memcpy(a, spec, la);
    a[la] = 0;
    if (parse_uint(a, 0, PMC_SHARD_MAX, &vi) < 0 ||
        parse_uint(slash + 1, 1, PMC_SHARD_MAX, &vn) < 0) {
        snprintf(err, cap,
                 "--shard %s: I/N with integers 0 <= I < N <= %d, or auto",
                 spec, PMC_SHARD_MAX);
        return -1;
    }
    if (vi >= vn) {
        snprintf(err, cap, "--shard %s: I must be below N (shards 0 to %lu)",
                 spec, vn - 1);
        return -1;
    }
    *i = (unsigned)vi;
    *n = (unsigned)vn;
    return 0;
}

/* qsort has no context argument: sort (size, index) pairs instead. */
struct item {
    uint64_t size;
    size_t k;
};

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

enum pmc_err pmc_shard_assign(const uint64_t *size, size_t m, unsigned n,
                              unsigned *owner)
{
    if (n == 0)
        return PMC_EUSAGE;
    if (m == 0)
        return PMC_OK;
    struct item *it = malloc(m * sizeof *it);
    uint64_t *load = calloc(n, sizeof *load);
    if (!it || !load) {
        free(it);
        free(load);
        return PMC_ENOMEM;
    }
    for (size_t k = 0; k < m; k++) {
        it[k].size = size[k];
        it[k].k = k;
    }
    qsort(it, m, sizeof *it, item_cmp);
    /* n is at most PMC_SHARD_MAX and m in the thousands: a scan of the
     * loads per wallet is cheaper to read than a heap and fast enough */
    for (size_t j = 0; j < m; j++) {
        unsigned best = 0;
        for (unsigned s = 1; s < n; s++)
            if (load[s] < load[best])
                best = s;
        owner[it[j].k] = best;
        /* a size near 2^64 saturates instead of wrapping */
        load[best] = load[best] > UINT64_MAX - it[j].size
                         ? UINT64_MAX
                         : load[best] + it[j].size;
    }
    free(it);
    free(load);
    return PMC_OK;
}

/* qsort_r is a GNU extension with two signatures in the wild: sort
 * (address, position) pairs with plain qsort instead. */
struct named {
    const char *a;
    size_t k;
};

static int named_cmp(const void *x, const void *y)
{
    const struct named *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    return c ? c : (p->k < q->k ? -1 : p->k > q->k);
}

enum pmc_err pmc_shard_index_init(struct pmc_shard_index *x,
                                  const char *const *addr, size_t n,
                                  size_t *dup)
{
    x->addr = addr;
    x->n = n;
    x->ord = malloc((n ? n : 1) * sizeof *x->ord);
    struct named *t = malloc((n ? n : 1) * sizeof *t);
    if (!x->ord || !t) {
        free(t);
        free(x->ord);
        x->ord = NULL;
        return PMC_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        t[k].a = addr[k];
        t[k].k = k;
    }
    qsort(t, n, sizeof *t, named_cmp);
    for (size_t k = 0; k < n; k++) {
        x->ord[k] = t[k].k;
        if (k > 0 && !strcmp(t[k].a, t[k - 1].a)) {
            if (dup)
                *dup = t[k].k; /* the later of the two: sorted by k too */
            free(t);
            free(x->ord);
            x->ord = NULL;
            return PMC_EMISMATCH;
        }
    }
    free(t);
    return PMC_OK;
}

long pmc_shard_index_find(const struct pmc_shard_index *x, const char *a)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(x->addr[x->ord[mid]], a);
        if (c == 0)
            return (long)x->ord[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void pmc_shard_index_fini(struct pmc_shard_index *x)
{
    free(x->ord);
    x->ord = NULL;
    x->n = 0;
}
