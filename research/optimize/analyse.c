/* research/optimize/analyse.c - from the run's files to the verdict:
 * objectives, walk-forward, PBO, DSR, WFE, plateau, sensitivity, and the
 * output files (optimize.h step 2).
 *
 * Decides: the objectives over a range of days (pnl: the sum of daily
 * P&L; sharpe: mean over standard deviation of daily P&L; celb: rank's
 * copyable edge lower bound with days in place of markets, K = the trials
 * screened), the folds (K equal runs of days; fold k's in-sample is every
 * day before it less the embargo), and the choice on ties (the lower
 * trial). Reads daily.bin through mmap, trials.jsonl line by line: memory
 * is a few numbers per trial, never a trial's days.
 * Never: runs a backtest, reads the clock. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dec.h"
#include "proto/config_load.h"
#include "proto/jsonout.h"
#include "research/optimize/opt_int.h"
#include "research/optimize/overfit.h"
#include "research/optimize/report.h"

struct mat {
    const int64_t *p; /* the mapped file */
    size_t bytes;
    uint64_t n; /* trials */
    uint32_t days;
};

static const int64_t *row_x(const struct mat *m, uint64_t i)
{
    return m->p + PMC_OPT_DAILY_HEAD / 8 + i * (uint64_t)m->days * 2;
}

static const int64_t *row_c(const struct mat *m, uint64_t i)
{
    return row_x(m, i) + m->days;
}

double pmc__opt_objective(enum pmc_objective ob, const int64_t *x,
                          const int64_t *c, uint32_t a, uint32_t b, double z)
{
    if (b <= a)
        return 0;
    double n = (double)(b - a);
    if (ob == PMC_OBJ_PNL) {
        double s = 0;
        for (uint32_t d = a; d < b; d++)
            s += (double)x[d] / 1e6;
        return s;
    }
    if (ob == PMC_OBJ_SHARPE) {
        double s = 0, s2 = 0;
        for (uint32_t d = a; d < b; d++) {
            double v = (double)x[d] / 1e6;
            s += v;
            s2 += v * v;
        }
        double mean = s / n;
        double var = n > 1 ? (s2 - s * mean) / (n - 1) : 0;
        return var > 1e-18 ? mean / sqrt(var) : 0;
    }
    /* celb: days as the units of rank's score */
    double sx = 0, sc = 0;
    uint32_t big = a;
    for (uint32_t d = a; d < b; d++) {
        sx += (double)x[d];
        sc += (double)c[d];
        if (x[d] > x[big])
            big = d;
    }
    uint32_t M = 0;
    double lx = 0, lc = 0;
    for (uint32_t d = a; d < b; d++)
        if (d != big && c[d] > 0) {
            lx += (double)x[d];
            lc += (double)c[d];
            M++;
        }
    if (M < 2 || lc <= 0 || sc <= 0)
        return 0;
    double e = lx / lc, q = 0;
    for (uint32_t d = a; d < b; d++)
        if (d != big && c[d] > 0) {
            double r = (double)x[d] - e * (double)c[d];
            q += r * r;
        }
    double se = sqrt((double)M / (M - 1) * q) / lc;
    return (sc / 1e6 / n) * (e - z * se);
}

static int map_daily(const char *dir, uint32_t days, uint64_t n, struct mat *m,
                     char *err, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/daily.bin", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t want = PMC_OPT_DAILY_HEAD + n * (uint64_t)days * 16;
    if ((uint64_t)st.st_size < want) {
        snprintf(err, cap, "%s: %lld bytes, %" PRIu64 " trials need %" PRIu64,
                 path, (long long)st.st_size, n, want);
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)want, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    m->p = p;
    m->bytes = (size_t)want;
    m->n = n;
    m->days = days;
    return 0;
}

/* Which trials failed: the "error" member of each line of trials.jsonl. */
static int read_failed(const char *dir, uint64_t n, unsigned char *failed,
                       char *err, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/trials.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lc = 0;
    ssize_t len;
    uint64_t i = 0;
    int head = 1;
    while ((len = getline(&line, &lc, f)) > 0) {
        if (head) {
            head = 0;
            continue;
        }
        if (i < n)
            failed[i] = !strstr(line, ",\"error\":null}");
        i++;
    }
    free(line);
    fclose(f);
    if (i != n) {
        snprintf(err, cap, "%s: %" PRIu64 " trials, expected %" PRIu64, path, i,
                 n);
        return -1;
    }
    return 0;
}

static void usd(FILE *f, double v)
{
    fprintf(f, "%.6f", v);
}

static FILE *open_out(const char *dir, const char *name, char *err, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, cap, "%s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *dir, const char *name, char *err,
                     size_t cap)
{
    if (fclose(f) != 0) {
        snprintf(err, cap, "%s/%s: write error", dir, name);
        return -1;
    }
    return 0;
}

static void day_text(pmc_ms day0, uint32_t d, char out[16])
{
    time_t s = (time_t)((day0 + (pmc_ms)d * PMC_MS_PER_DAY) / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

int pmc_opt_analyse(pmc_ms day0, uint32_t T, const struct pmc_opt_opts *o,
                    struct pmc_opt_verdict *v, char *err, size_t cap)
{
    memset(v, 0, sizeof *v);
    uint64_t N = pmc__opt_total(o);
    struct mat m = {0};
    unsigned char *failed = calloc(N + 1, 1);
    double *obj = malloc((N + 1) * sizeof *obj);
    double *sr = malloc((N + 1) * sizeof *sr);
    double *pm = NULL;
    int rc = -1;
    FILE *f = NULL;
    if (!failed || !obj || !sr) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    if (read_failed(o->out, N, failed, err, cap) < 0 ||
        map_daily(o->out, T, N, &m, err, cap) < 0)
        goto done;
    uint64_t ok = 0;
    for (uint64_t i = 0; i < N; i++)
        ok += !failed[i];
    if (ok == 0) {
        snprintf(err, cap,
                 "every trial failed (see trials.csv, column "
                 "error)");
        goto done;
    }
    double z = pmc_rank_z((size_t)ok);
    /* every trial over every day; the best */
    uint64_t best = UINT64_MAX;
    for (uint64_t i = 0; i < N; i++) {
        obj[i] = failed[i] ? -INFINITY
                           : pmc__opt_objective(o->objective, row_x(&m, i),
                                                row_c(&m, i), 0, T, z);
        sr[i] = failed[i] ? 0
                          : pmc__opt_objective(PMC_OBJ_SHARPE, row_x(&m, i),
                                               row_c(&m, i), 0, T, z);
        if (!failed[i] && (best == UINT64_MAX || obj[i] > obj[best]))
            best = i;
    }
    v->trials = N;
    v->best = best;
    v->best_objective = obj[best];

    /* walk-forward */
    struct pmc__opt_wf wf[64];
    unsigned nwf = 0;
    double *oos = calloc(T + 1, sizeof *oos);
    unsigned char *in_oos = calloc(T + 1, 1);
    if (!oos || !in_oos) {
        free(oos);
        free(in_oos);
        snprintf(err, cap, "out of memory");
        goto done;
    }
    double is_sum = 0, oos_sum = 0;
    uint32_t is_days = 0, oos_days = 0;
    for (unsigned k = 1; k < o->folds && k < 64; k++) {
        uint32_t a = (uint32_t)((uint64_t)T * k / o->folds),
                 b = (uint32_t)((uint64_t)T * (k + 1) / o->folds);
        if (a < o->embargo + 1 || b <= a)
            continue;
        uint32_t ie = a - o->embargo;
        uint64_t ch = UINT64_MAX;
        double chv = 0;
        for (uint64_t i = 0; i < N; i++) {
            if (failed[i])
                continue;
            double x = pmc__opt_objective(o->objective, row_x(&m, i),
                                          row_c(&m, i), 0, ie, z);
            if (ch == UINT64_MAX || x > chv) {
                ch = i;
                chv = x;
            }
        }
        struct pmc__opt_wf *w = &wf[nwf++];
        w->fold = k + 1;
        w->is_a = 0;
        w->is_b = ie;
        w->oos_a = a;
        w->oos_b = b;
        w->chosen = ch;
        w->is_obj = chv;
        double ip = 0, op = 0;
        for (uint32_t d = 0; d < ie; d++)
            ip += (double)row_x(&m, ch)[d] / 1e6;
        for (uint32_t d = a; d < b; d++) {
            oos[d] = (double)row_x(&m, ch)[d] / 1e6;
            in_oos[d] = 1;
            op += oos[d];
        }
        w->is_pnl_day = ip / ie;
        w->oos_pnl_day = op / (b - a);
        w->oos_obj = pmc__opt_objective(o->objective, row_x(&m, ch),
                                        row_c(&m, ch), a, b, z);
        is_sum += ip;
        is_days += ie;
        oos_sum += op;
        oos_days += b - a;
    }
    double is_rate = is_days ? is_sum / is_days : 0,
           oos_rate = oos_days ? oos_sum / oos_days : 0;
    v->wfe = is_rate > 0 ? oos_rate / is_rate : NAN;

    /* PBO over the days x trials matrix of the trials that ran */
    struct pmc_pbo pbo;
    memset(&pbo, 0, sizeof pbo);
    unsigned S = T < 16 ? (T / 2) * 2 : 16;
    char perr[200] = "";
    if (ok >= 2 && S >= 2) {
        pm = malloc((size_t)T * ok * sizeof *pm);
        if (!pm) {
            free(oos);
            free(in_oos);
            snprintf(err, cap, "out of memory (PBO's %u x %" PRIu64 " matrix)",
                     T, ok);
            goto done;
        }
        uint64_t col = 0;
        for (uint64_t i = 0; i < N; i++) {
            if (failed[i])
                continue;
            for (uint32_t d = 0; d < T; d++)
                pm[(size_t)d * ok + col] = (double)row_x(&m, i)[d] / 1e6;
            col++;
        }
        if (pmc_pbo_cscv(pm, T, (size_t)ok, S,
                         o->objective == PMC_OBJ_SHARPE ? PMC_PBO_SHARPE
                                                        : PMC_PBO_MEAN,
                         &pbo, perr, sizeof perr) == 0) {
            v->pbo = pbo.pbo;
            v->pbo_known = 1;
        }
    } else
        snprintf(perr, sizeof perr, "needs 2 trials that ran and 2 days");
    /* DSR of the chosen trial */
    struct pmc_moments mo;
    double *bx = malloc((T + 1) * sizeof *bx);
    if (!bx) {
        free(oos);
        free(in_oos);
        snprintf(err, cap, "out of memory");
        goto done;
    }
    for (uint32_t d = 0; d < T; d++)
        bx[d] = (double)row_x(&m, best)[d] / 1e6;
    pmc_moments(bx, T, &mo);
    free(bx);
    double ssr = 0, ssr2 = 0;
    for (uint64_t i = 0; i < N; i++)
        if (!failed[i]) {
            ssr += sr[i];
            ssr2 += sr[i] * sr[i];
        }
    double var_sr =
        ok > 1 ? (ssr2 - ssr * ssr / (double)ok) / (double)(ok - 1) : 0;
    double best_sr = mo.sd > 0 ? mo.mean / mo.sd : 0;
    double sr0 = pmc_sr0(var_sr, (size_t)ok);
    if (mo.sd > 0 && T >= 2) {
        v->dsr = pmc_dsr(best_sr, var_sr, (size_t)ok, T, mo.skew, mo.kurt);
        v->dsr_known = isfinite(v->dsr);
    }
    /* plateau: the best trial's neighbours in the grid */
    uint64_t nb[2 * PMC_SPACE_MAX_DIMS];
    size_t nnb = o->how == PMC_SEARCH_GRID
                     ? pmc_space_neighbours(o->space, best, nb, 64)
                     : 0;
    double nb_sum = 0, nb_min = INFINITY;
    size_t nb_ok = 0;
    for (size_t k = 0; k < nnb; k++)
        if (nb[k] < N && !failed[nb[k]]) {
            nb_sum += obj[nb[k]];
            nb_min = obj[nb[k]] < nb_min ? obj[nb[k]] : nb_min;
            nb_ok++;
        }

    /* ---- files ---- */
    struct pmc__opt_summary sum = {o,
                                   v,
                                   &pbo,
                                   perr,
                                   &mo,
                                   best_sr,
                                   var_sr,
                                   sr0,
                                   nb_ok,
                                   nb_ok ? nb_sum / nb_ok : NAN,
                                   nb_ok ? nb_min : NAN,
                                   wf,
                                   nwf,
                                   is_rate,
                                   oos_rate,
                                   T,
                                   day0,
                                   ok};
    /* daily_pnl.csv: days x trials */
    if (!(f = open_out(o->out, "daily_pnl.csv", err, cap)))
        goto wf_done;
    fputs("day", f);
    for (uint64_t i = 0; i < N; i++)
        fprintf(f, ",trial_%" PRIu64, i);
    fputc('\n', f);
    for (uint32_t d = 0; d < T; d++) {
        char day[16], b[32];
        day_text(day0, d, day);
        fputs(day, f);
        for (uint64_t i = 0; i < N; i++) {
            pmc_dec_format(row_x(&m, i)[d], b);
            fputc(',', f);
            fputs(b, f);
        }
        fputc('\n', f);
    }
    if (close_out(f, o->out, "daily_pnl.csv", err, cap) < 0)
        goto wf_done;
    /* walkforward.csv and oos_equity.csv */
    if (!(f = open_out(o->out, "walkforward.csv", err, cap)))
        goto wf_done;
    fputs("fold,is_first_day,is_last_day,oos_first_day,oos_last_day,"
          "chosen_trial,is_objective,oos_objective,is_pnl_usd_per_day,"
          "oos_pnl_usd_per_day\n",
          f);
    for (unsigned k = 0; k < nwf; k++) {
        char a[16], b[16], c[16], d[16];
        day_text(day0, wf[k].is_a, a);
        day_text(day0, wf[k].is_b - 1, b);
        day_text(day0, wf[k].oos_a, c);
        day_text(day0, wf[k].oos_b - 1, d);
        fprintf(f, "%u,%s,%s,%s,%s,%" PRIu64 ",%.6f,%.6f,%.6f,%.6f\n",
                wf[k].fold, a, b, c, d, wf[k].chosen, wf[k].is_obj,
                wf[k].oos_obj, wf[k].is_pnl_day, wf[k].oos_pnl_day);
    }
    if (close_out(f, o->out, "walkforward.csv", err, cap) < 0)
        goto wf_done;
    if (!(f = open_out(o->out, "oos_equity.csv", err, cap)))
        goto wf_done;
    fputs("day,oos_pnl_usd,oos_equity_usd\n", f);
    double eq = 0;
    for (uint32_t d = 0; d < T; d++) {
        if (!in_oos[d])
            continue;
        char day[16];
        day_text(day0, d, day);
        eq += oos[d];
        fprintf(f, "%s,", day);
        usd(f, oos[d]);
        fputc(',', f);
        usd(f, eq);
        fputc('\n', f);
    }
    if (close_out(f, o->out, "oos_equity.csv", err, cap) < 0)
        goto wf_done;
    if (pmc__opt_write_overfit(&sum, err, cap) < 0 ||
        pmc__opt_write_best(&sum, err, cap) < 0 ||
        pmc__opt_write_sensitivity(&sum, obj, failed, N, err, cap) < 0 ||
        pmc__opt_write_summary(&sum, obj, err, cap) < 0 ||
        pmc__opt_write_report(&sum, obj, failed, N, oos, in_oos, err, cap) < 0)
        goto wf_done;
    rc = 0;
wf_done:
    free(oos);
    free(in_oos);
done:
    if (m.p)
        munmap((void *)m.p, m.bytes);
    free(pm);
    free(failed);
    free(obj);
    free(sr);
    return rc;
}
