/* research/rank/validate.c - the walk-forward validation (validate.h).
 *
 * Decides: the folds (t = the tape's first UTC midnight + train, then
 * every test length while t + test <= the tape's end), which wallets count
 * in a fold (rated on its training window), the measures and their
 * layout. The later outcome of a wallet is its copy P&L at L* on [t,
 * t + test) per day of the test window. Never: reads a clock; the
 * bootstrap is seeded, so the report is the same every run. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "research/rank/validate.h"

void pmc_rank_vopts_defaults(struct pmc_rank_vopts *v)
{
    v->train = 30 * PMC_MS_PER_DAY;
    v->test = 7 * PMC_MS_PER_DAY;
    v->topk = 10;
    v->seed = 20260217;
    v->boot = 1000;
}

struct ix {
    double v;
    size_t i;
};

static int ix_cmp(const void *a, const void *b)
{
    const struct ix *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* average ranks (1-based) of v[0..n) into r */
static int ranks(const double *v, size_t n, double *r)
{
    struct ix *a = malloc((n + 1) * sizeof *a);
    if (!a)
        return -1;
    for (size_t i = 0; i < n; i++)
        a[i] = (struct ix){v[i], i};
    qsort(a, n, sizeof *a, ix_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && a[j + 1].v == a[i].v)
            j++;
        double avg = ((double)i + (double)j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            r[a[k].i] = avg;
        i = j + 1;
    }
    free(a);
    return 0;
}

double pmc_rank_spearman(const double *a, const double *b, size_t n)
{
    if (n < 3)
        return 0;
    double *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb);
    double rho = 0;
    if (ra && rb && ranks(a, n, ra) == 0 && ranks(b, n, rb) == 0) {
        double ma = 0, mb = 0;
        for (size_t i = 0; i < n; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= (double)n;
        mb /= (double)n;
        double sab = 0, saa = 0, sbb = 0;
        for (size_t i = 0; i < n; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        rho = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
    }
    free(ra);
    free(rb);
    return rho;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void pmc_rank_spearman_ci(const double *a, const double *b, size_t n, int boot,
                          uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = 0;
    if (n < 3 || boot < 2)
        return;
    double *ba = malloc(n * sizeof *ba), *bb = malloc(n * sizeof *bb);
    double *rho = malloc((size_t)boot * sizeof *rho);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (ba && bb && rho && g) {
        gsl_rng_set(g, (unsigned long)seed);
        for (int k = 0; k < boot; k++) {
            for (size_t i = 0; i < n; i++) {
                size_t j = (size_t)gsl_rng_uniform_int(g, (unsigned long)n);
                ba[i] = a[j];
                bb[i] = b[j];
            }
            rho[k] = pmc_rank_spearman(ba, bb, n);
        }
        qsort(rho, (size_t)boot, sizeof *rho, dbl_cmp);
        *lo = rho[(size_t)(0.025 * (boot - 1))];
        *hi = rho[(size_t)(0.975 * (boot - 1))];
    }
    free(ba);
    free(bb);
    free(rho);
    if (g)
        gsl_rng_free(g);
}

/* The measures: score and three baselines, as predictors. */
enum { P_SCORE = 0, P_SOURCE, P_PER_VOL, P_RAW, NPRED };
static const char *const pred_name[NPRED] = {
    "score", "source_pnl", "source_pnl_per_volume", "in_sample_copy_pnl"};

struct sample {
    double pred[NPRED];
    double y; /* later copy P&L per day, USD */
};

struct fold_stat {
    pmc_ms t;
    size_t n;
    double rho[NPRED], lo[NPRED], hi[NPRED];
    double top_score, top_source; /* mean later copy P&L/day of the top k */
};

static void stats(const struct sample *s, size_t n,
                  const struct pmc_rank_vopts *v, uint64_t seed,
                  struct fold_stat *fs, double *tmpa, double *tmpb)
{
    fs->n = n;
    for (int p = 0; p < NPRED; p++) {
        for (size_t i = 0; i < n; i++) {
            tmpa[i] = s[i].pred[p];
            tmpb[i] = s[i].y;
        }
        fs->rho[p] = pmc_rank_spearman(tmpa, tmpb, n);
        pmc_rank_spearman_ci(tmpa, tmpb, n, v->boot, seed + (uint64_t)p,
                             &fs->lo[p], &fs->hi[p]);
    }
    /* top k by score and by source P&L (ties: sample order) */
    for (int which = 0; which < 2; which++) {
        int p = which ? P_SOURCE : P_SCORE;
        struct ix *a = malloc((n + 1) * sizeof *a);
        double sum = 0;
        size_t k = v->topk < n ? v->topk : n;
        if (a) {
            for (size_t i = 0; i < n; i++)
                a[i] = (struct ix){-s[i].pred[p], i};
            qsort(a, n, sizeof *a, ix_cmp);
            for (size_t i = 0; i < k; i++)
                sum += s[a[i].i].y;
            free(a);
        }
        double mean = k ? sum / (double)k : 0;
        if (which)
            fs->top_source = mean;
        else
            fs->top_score = mean;
    }
}

static void day_str(pmc_ms t, char *b, size_t cap)
{
    time_t s = (time_t)pmc_floor_div(t, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(b, cap, "%Y-%m-%d", &tm);
}

static void put_fold(FILE *f, enum pmc_rank_fmt fmt, const char *name,
                     const struct fold_stat *fs, size_t k, int first)
{
    char d[32] = "all";
    if (fs->t)
        day_str(fs->t, d, sizeof d);
    if (fmt == PMC_RANK_JSON) {
        fprintf(f, "%s\n{\"fold\":\"%s\",\"test_from\":\"%s\",\"wallets\":%zu",
                first ? "" : ",", name, d, fs->n);
        for (int p = 0; p < NPRED; p++)
            fprintf(f, ",\"%s\":{\"spearman\":%.4f,\"ci95\":[%.4f,%.4f]}",
                    pred_name[p], fs->rho[p], fs->lo[p], fs->hi[p]);
        fprintf(f,
                ",\"top_k\":%zu,\"top_k_by_score_usd_day\":%.4f,"
                "\"top_k_by_source_pnl_usd_day\":%.4f}",
                k, fs->top_score, fs->top_source);
    } else if (fmt == PMC_RANK_CSV) {
        for (int p = 0; p < NPRED; p++)
            fprintf(f, "%s,%s,%zu,%s,%.4f,%.4f,%.4f,%zu,%.4f,%.4f\n", name, d,
                    fs->n, pred_name[p], fs->rho[p], fs->lo[p], fs->hi[p], k,
                    fs->top_score, fs->top_source);
    } else {
        fprintf(f, "%-6s %-10s %7zu", name, d, fs->n);
        for (int p = 0; p < NPRED; p++)
            fprintf(f, "  %+.2f [%+.2f,%+.2f]", fs->rho[p], fs->lo[p],
                    fs->hi[p]);
        fprintf(f, "  %9.2f  %9.2f\n", fs->top_score, fs->top_source);
    }
}

static void free_ws(struct pmc_rank_wallet *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pmc_rank_wallet_free(&w[i]);
}

int pmc_rank_validate(FILE *f, const struct pmc_rank_tape *t, const size_t *idx,
                      size_t n, const struct pmc_rank_opts *o,
                      const struct pmc_rank_vopts *v, enum pmc_rank_fmt fmt,
                      char *err, size_t cap)
{
    pmc_ms first =
        pmc_floor_div(pmc_rank_tape_first(t), PMC_MS_PER_DAY) * PMC_MS_PER_DAY;
    pmc_ms last = pmc_rank_tape_last(t);
    if (first + v->train + v->test > last + 1) {
        snprintf(err, cap,
                 "--validate: the tape covers %.1f days; one fold needs "
                 "train + test = %.1f days",
                 (double)(last - first) / (double)PMC_MS_PER_DAY,
                 (double)(v->train + v->test) / (double)PMC_MS_PER_DAY);
        return -1;
    }
    size_t nf = (size_t)((last + 1 - first - v->train) / v->test);
    struct pmc_rank_wallet *wa = calloc(n + 1, sizeof *wa);
    struct pmc_rank_wallet *wb = calloc(n + 1, sizeof *wb);
    struct pmc_rank_score *sc = calloc(n + 1, sizeof *sc);
    struct sample *all = calloc(nf * n + 1, sizeof *all);
    struct fold_stat *fs = calloc(nf + 1, sizeof *fs);
    double *ta = malloc((nf * n + 1) * sizeof *ta);
    double *tb = malloc((nf * n + 1) * sizeof *tb);
    size_t nall = 0;
    int rc = -1;
    if (!wa || !wb || !sc || !all || !fs || !ta || !tb) {
        snprintf(err, cap, "--validate: out of memory");
        goto done;
    }
    for (size_t k = 0; k < nf; k++) {
        pmc_ms t0 = first + v->train + (pmc_ms)k * v->test;
        struct pmc_rank_opts ot = *o, ov = *o;
        ot.since = t0 - v->train;
        ot.until = t0;
        ov.since = t0;
        ov.until = t0 + v->test;
        if (pmc_rank_run(t, idx, n, &ot, wa) != PMC_OK ||
            pmc_rank_run(t, idx, n, &ov, wb) != PMC_OK ||
            pmc_rank_score_all(wa, n, n, sc) < 0) {
            snprintf(err, cap, "--validate: out of memory");
            free_ws(wa, n);
            free_ws(wb, n);
            goto done;
        }
        double test_days = (double)v->test / (double)PMC_MS_PER_DAY;
        double train_days = (double)v->train / (double)PMC_MS_PER_DAY;
        size_t start = nall;
        for (size_t i = 0; i < n; i++) {
            if (!sc[i].rated)
                continue;
            struct sample *s = &all[nall++];
            double src = (double)(wa[i].has_lb ? wa[i].lb_pnl : wa[i].src_pnl);
            s->pred[P_SCORE] = sc[i].score;
            s->pred[P_SOURCE] = src;
            s->pred[P_PER_VOL] =
                wa[i].src_volume > 0 ? src / (double)wa[i].src_volume : 0;
            s->pred[P_RAW] = (double)wa[i].copy_pnl[PMC_RANK_L1] /
                             (double)PMC_MICRO / train_days;
            s->y = (double)wb[i].copy_pnl[PMC_RANK_L1] / (double)PMC_MICRO /
                   test_days;
        }
        fs[k].t = t0;
        stats(all + start, nall - start, v, v->seed + k * 16, &fs[k], ta, tb);
        free_ws(wa, n);
        free_ws(wb, n);
    }
    struct fold_stat tot;
    memset(&tot, 0, sizeof tot);
    stats(all, nall, v, v->seed + nf * 16, &tot, ta, tb);
    if (fmt == PMC_RANK_JSON) {
        fprintf(f,
                "{\"train_days\":%.3f,\"test_days\":%.3f,\"wallets\":%zu,"
                "\"bootstrap\":%d,\"seed\":%" PRIu64 ",\"folds\":[",
                (double)v->train / (double)PMC_MS_PER_DAY,
                (double)v->test / (double)PMC_MS_PER_DAY, n, v->boot, v->seed);
    } else if (fmt == PMC_RANK_CSV) {
        fputs("fold,test_from,wallets,predictor,spearman,ci95_lo,ci95_hi,"
              "top_k,top_k_by_score_usd_day,top_k_by_source_pnl_usd_day\n",
              f);
    } else {
        fprintf(f,
                "walk-forward: train %.1f d, test %.1f d, %zu folds, %zu "
                "candidates; Spearman of each predictor (wallets rated in the "
                "training window) with the later copy P&L per day [95%% "
                "bootstrap, %d resamples]\n",
                (double)v->train / (double)PMC_MS_PER_DAY,
                (double)v->test / (double)PMC_MS_PER_DAY, nf, n, v->boot);
        fprintf(f, "%-6s %-10s %7s  %-20s  %-20s  %-20s  %-20s  %9s  %9s\n",
                "fold", "test from", "wallets", "score", "source P&L",
                "P&L/volume", "in-sample copy", "topk:scr", "topk:src");
    }
    for (size_t k = 0; k < nf; k++) {
        char name[24];
        snprintf(name, sizeof name, "%zu", k + 1);
        put_fold(f, fmt, name, &fs[k], v->topk, k == 0);
    }
    if (fmt == PMC_RANK_JSON) {
        fputs("],\"overall\":", f);
        put_fold(f, fmt, "all", &tot, v->topk, 1);
        fputs("}\n", f);
    } else {
        put_fold(f, fmt, "all", &tot, v->topk, 0);
    }
    if (ferror(f)) {
        snprintf(err, cap, "--validate: write error");
        goto done;
    }
    rc = 0;
done:
    free(wa);
    free(wb);
    free(sc);
    free(all);
    free(fs);
    free(ta);
    free(tb);
    return rc;
}
