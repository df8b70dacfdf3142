/* sim/sweep.c - the runs of a latency sweep (sweep.h): one simulator per
 * latency over the tape held in memory, `jobs` of them at once on threads,
 * then, in the order given, each run's report folder and its row.
 *
 * Decides: a run's options (the base ones, the detection latency of every
 * source kind set to its item, no journal), its folder (latency-<ms>ms),
 * and what its row holds. The simulator keeps all its state in its own
 * struct pmc_sim (its rng included) and the tape is read-only, so runs on
 * threads give the bytes of runs one after another; the report folders
 * (gnuplot is a child process) are written by the calling thread only.
 * Never: parses the tape, reads a clock. */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "sim/report_int.h"
#include "sim/sweep.h"

struct job {
    const struct pmc_sweep *w;
    const struct pmc_sweep_tape *t;
    struct pmc_sim *sim;
    struct pmc_sim_opts o;
    char dir[PATH_MAX];
    enum pmc_err e;
};

static void *run_one(void *arg)
{
    struct job *j = arg;
    j->e = pmc_sim_init(j->sim, j->w->cfg, &j->o);
    if (j->e != PMC_OK)
        return NULL;
    struct pmc_sweep_cursor c;
    struct pmc_sim_feed feed;
    pmc_sweep_feed(j->t, &c, &feed);
    j->e = pmc_sim_run_feed(j->sim, &feed, j->w->tape);
    return NULL;
}

static void close_ledger(struct pmc_sim_opts *o)
{
    if (o->orders_csv)
        fclose(o->orders_csv);
    if (o->fills_csv)
        fclose(o->fills_csv);
    if (o->equity_csv)
        fclose(o->equity_csv);
    o->orders_csv = o->fills_csv = o->equity_csv = NULL;
}

/* The report folder of run j (with w->out) and its row. */
static enum pmc_err finish(struct job *j, struct pmc_sweep_row *row, char *err,
                           size_t cap)
{
    const struct pmc_sweep *w = j->w;
    const struct pmc_sim *s = j->sim;
    struct pmc_sweep_cursor c;
    struct pmc_sim_feed feed;
    pmc_sweep_feed(j->t, &c, &feed);
    if (w->out) {
        char ld[512];
        w->lat_desc(&j->o, ld, sizeof ld);
        struct pmc_report_info info = {w->name, w->tape, ld, w->config_file};
        PMC_TRY(
            pmc_report_write_records(j->dir, s, &info, &feed, &j->o, err, cap));
    }
    /* the source benchmark's sums (as the report has them; from memory) */
    pmc_sweep_feed(j->t, &c, &feed);
    struct pmc__report_src src;
    enum pmc_err e =
        pmc__report_source(NULL, w->tape, &feed, s, &src, err, cap);
    struct pmc__report_agg *a = e == PMC_OK ? pmc__report_aggregate(s) : NULL;
    if (e == PMC_OK && !a) {
        snprintf(err, cap, "out of memory");
        e = PMC_ENOMEM;
    }
    /* per market the source bought in: its return at our size, minus our
     * P&L (source_markets.csv penalty_usd, in integers) */
    pmc_micros sized = 0;
    for (uint32_t i = 0; a && i < s->nmkt; i++)
        if (src.mkt_bought[i] > 0 && a[i].bought > 0)
            sized += pmc_muldiv_floor(src.mkt_pnl[i], a[i].bought,
                                      src.mkt_bought[i]) -
                     a[i].pnl;
    pmc_micros source_pnl = src.pnl;
    free(a);
    pmc__report_source_free(&src);
    PMC_TRY(e);
    row->penalty_sized = sized;
    struct pmc_summary m;
    pmc_summary_compute(s, &m);
    row->pnl = m.pnl;
    row->fees = m.fees;
    row->source_pnl = source_pnl;
    row->penalty = source_pnl - m.pnl;
    row->max_dd = s->r.max_dd;
    row->max_dd_pct = m.max_dd_pct;
    row->fill_rate = m.fill_rate;
    row->orders = s->r.orders;
    row->fills = s->r.fill_legs;
    row->source_fills = s->r.fills_delivered;
    row->ledger_ok = s->r.identity_ok && s->r.engine_agrees;
    return PMC_OK;
}

enum pmc_err pmc_sweep_run(const struct pmc_sweep *w,
                           const struct pmc_sweep_tape *t,
                           struct pmc_sweep_row *rows, char *err, size_t cap)
{
    size_t batch = w->jobs > 1 ? w->jobs : 1;
    if (batch > w->n)
        batch = w->n;
    struct job *jobs = calloc(batch, sizeof *jobs);
    pthread_t *th = calloc(batch, sizeof *th);
    int *started = calloc(batch, sizeof *started);
    enum pmc_err rc = PMC_OK;
    if (!jobs || !th || !started) {
        snprintf(err, cap, "out of memory");
        rc = PMC_ENOMEM;
        goto out;
    }
    for (size_t b = 0; b < w->n && rc == PMC_OK; b += batch) {
        size_t nb = w->n - b < batch ? w->n - b : batch;
        for (size_t k = 0; k < nb; k++) {
            struct job *j = &jobs[k];
            size_t i = b + k;
            memset(j, 0, sizeof *j);
            j->w = w;
            j->t = t;
            j->o = *w->o;
            for (int q = 0; q < 4; q++)
                j->o.lat_src[q] = w->lat[i];
            j->o.journal = NULL;
            j->o.orders_csv = j->o.fills_csv = j->o.equity_csv = NULL;
            memset(&rows[i], 0, sizeof rows[i]);
            rows[i].latency = w->lat[i];
            if (w->out) {
                snprintf(rows[i].dir, sizeof rows[i].dir,
                         "latency-%" PRId64 "ms", w->lat[i]);
                if ((size_t)snprintf(j->dir, sizeof j->dir, "%s/%s", w->out,
                                     rows[i].dir) >= sizeof j->dir) {
                    snprintf(err, cap, "%s/%s: path too long", w->out,
                             rows[i].dir);
                    rc = PMC_ERANGE;
                    break;
                }
                if ((rc = pmc_report_open(j->dir, &j->o, err, cap)) != PMC_OK)
                    break;
            }
            if (!(j->sim = calloc(1, sizeof *j->sim))) {
                snprintf(err, cap, "out of memory");
                rc = PMC_ENOMEM;
                break;
            }
        }
        if (rc == PMC_OK) {
            for (size_t k = 0; k < nb; k++)
                started[k] =
                    nb > 1 && !pthread_create(&th[k], NULL, run_one, &jobs[k]);
            for (size_t k = 0; k < nb; k++) {
                if (started[k])
                    pthread_join(th[k], NULL);
                else
                    run_one(&jobs[k]); /* one at a time, or no thread */
            }
        }
        for (size_t k = 0; k < nb; k++) {
            struct job *j = &jobs[k];
            if (rc == PMC_OK && j->sim && j->e != PMC_OK) {
                snprintf(err, cap, "latency %" PRId64 " ms: %s", w->lat[b + k],
                         j->sim->err);
                rc = j->e;
            }
            if (rc == PMC_OK) {
                char e2[600];
                rc = finish(j, &rows[b + k], e2, sizeof e2);
                if (rc != PMC_OK)
                    snprintf(err, cap, "latency %" PRId64 " ms: %s",
                             w->lat[b + k], e2);
            }
            close_ledger(&j->o);
            if (j->sim && j->sim->eng_mem)
                pmc_sim_fini(j->sim);
            free(j->sim);
            j->sim = NULL;
        }
    }
out:
    free(jobs);
    free(th);
    free(started);
    return rc;
}
