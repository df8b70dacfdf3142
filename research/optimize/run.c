/* research/optimize/run.c - the trials of `pmcopy optimize` on threads,
 * streamed to disk, resumable (optimize.h step 1).
 *
 * Decides: how a trial runs (the base configuration and simulator knobs,
 * the trial's values applied, the whole tape fed record by record), what
 * its daily P&L is (equity at the first record of each UTC day), the order
 * of the output (trial index: a finished trial waits in a window of
 * 4 x jobs slots until the ones before it are written; a worker does not
 * start a trial beyond the window), and what --resume trusts (the complete
 * lines of trials.jsonl, whose daily P&L daily.bin already holds).
 * Never: shares mutable state outside the pool's mutex, keeps a finished
 * trial once written, or lets the thread that ran a trial show in it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dec.h"
#include "proto/jsonout.h"
#include "research/optimize/opt_int.h"
#include "research/shard/shard.h"

void pmc_opt_defaults(struct pmc_opt_opts *o)
{
    memset(o, 0, sizeof *o);
    pmc_sim_opts_defaults(&o->sim);
    o->how = PMC_SEARCH_GRID;
    o->seed = 1;
    o->folds = 5;
    o->objective = PMC_OBJ_PNL;
    o->jobs = 2;
}

static const char *const obj_names[] = {"pnl", "celb", "sharpe"};

int pmc_objective_parse(const char *s, enum pmc_objective *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, obj_names[i])) {
            *out = (enum pmc_objective)i;
            return 0;
        }
    return -1;
}

const char *pmc_objective_name(enum pmc_objective o)
{
    return (unsigned)o < 3 ? obj_names[o] : "?";
}

void pmc_opt_days(const struct pmc_rank_tape *t, pmc_ms *day0, uint32_t *ndays)
{
    pmc_ms f = pmc_rank_tape_first(t), l = pmc_rank_tape_last(t);
    *day0 = f / PMC_MS_PER_DAY * PMC_MS_PER_DAY;
    *ndays = (uint32_t)((l - *day0) / PMC_MS_PER_DAY + 1);
}

/* ---- one trial ---------------------------------------------------------- */

struct feed {
    const struct pmc_rank_tape *t;
    uint64_t i, n;
    struct pmc_sim *s;
    pmc_ms day0;
    uint32_t ndays, cur;
    int started;
    pmc_micros eq, traded;
    pmc_micros *x, *c;
};

static void close_days(struct feed *f, uint32_t upto)
{
    pmc_micros eq = pmc_sim_equity(f->s), tr = f->s->r.filled_usd;
    while (f->cur < upto && f->cur < f->ndays) {
        f->x[f->cur] = eq - f->eq;
        f->c[f->cur] = tr - f->traded;
        f->eq = eq;
        f->traded = tr;
        f->cur++;
    }
}

static int feed_next(void *ctx, struct pmc_record *rec)
{
    struct feed *f = ctx;
    if (!f->started) {
        f->started = 1;
        f->eq = pmc_sim_equity(f->s);
        f->traded = f->s->r.filled_usd;
    }
    if (f->i >= f->n)
        return 0;
    pmc_rank_tape_record(f->t, f->i++, rec);
    uint32_t day = (uint32_t)((rec->t - f->day0) / PMC_MS_PER_DAY);
    if (day > f->cur)
        close_days(f, day);
    return 1;
}

int pmc__opt_trial(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                   struct pmc_sim *s, struct pmc_config *c,
                   struct pmc__opt_trial *r)
{
    *c = *o->base;
    struct pmc_sim_opts so = o->sim;
    so.orders_csv = so.fills_csv = so.equity_csv = NULL;
    so.journal = NULL;
    if (pmc_space_apply(o->space, r->vals, c, &so, r->err, sizeof r->err) < 0) {
        r->failed = 1;
        return 0;
    }
    enum pmc_err e = pmc_sim_init(s, c, &so);
    if (e == PMC_ENOMEM)
        return -1;
    if (e != PMC_OK) {
        r->failed = 1;
        snprintf(r->err, sizeof r->err, "%.190s", s->err);
        return 0;
    }
    struct feed f = {t,    0,   pmc_rank_tape_records(t), s, 0, 0, 0, 0, 0, 0,
                     r->x, r->c};
    pmc_opt_days(t, &f.day0, &f.ndays);
    struct pmc_sim_feed feed = {&f, feed_next};
    e = pmc_sim_run_feed(s, &feed, o->tape_path);
    if (e == PMC_OK && !(s->r.identity_ok && s->r.engine_agrees)) {
        snprintf(s->err, sizeof s->err, "ledger check failed: %s",
                 s->r.identity_msg);
        e = PMC_ESTATE;
    }
    if (e == PMC_ENOMEM) {
        pmc_sim_fini(s);
        return -1;
    }
    if (e != PMC_OK) {
        r->failed = 1;
        snprintf(r->err, sizeof r->err, "%.190s", s->err);
        pmc_sim_fini(s);
        return 0;
    }
    close_days(&f, f.ndays);
    r->pnl = pmc_sim_equity(s) - so.capital;
    r->fees = s->r.fees;
    r->traded = s->r.filled_usd;
    r->orders = s->r.orders;
    r->fills = s->r.fill_legs;
    pmc_sim_fini(s);
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

static void usd(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

/* a value as JSON: a bare number when it is a decimal, else a string */
static void json_val(FILE *f, const char *v)
{
    pmc_micros x;
    if (pmc_dec_parse(v, strlen(v), &x) == PMC_OK)
        fputs(v, f);
    else
        pmc_json_str(f, v);
}

static void fold_range(uint32_t ndays, unsigned k, unsigned K, uint32_t *a,
                       uint32_t *b)
{
    *a = (uint32_t)((uint64_t)ndays * k / K);
    *b = (uint32_t)((uint64_t)ndays * (k + 1) / K);
}

static pmc_micros fold_pnl(const struct pmc__opt_trial *r, uint32_t ndays,
                           unsigned k, unsigned K)
{
    uint32_t a, b;
    fold_range(ndays, k, K, &a, &b);
    pmc_micros s = 0;
    for (uint32_t d = a; d < b; d++)
        s += r->x[d];
    return s;
}

static void write_trial(struct pmc__opt_out *w, const struct pmc_opt_opts *o,
                        const struct pmc__opt_trial *r)
{
    const struct pmc_space *sp = o->space;
    size_t nd = pmc_space_ndims(sp);
    FILE *j = w->jsonl, *c = w->csv;
    fprintf(j, "{\"trial\":%" PRIu64 ",\"params\":{", r->index);
    for (size_t d = 0; d < nd; d++) {
        fprintf(j, "%s\"%s\":", d ? "," : "", pmc_space_key(sp, d));
        json_val(j, r->vals[d]);
    }
    fputs("},\"pnl_usd\":", j);
    usd(j, r->pnl);
    fputs(",\"fees_usd\":", j);
    usd(j, r->fees);
    fputs(",\"traded_usd\":", j);
    usd(j, r->traded);
    fprintf(j, ",\"orders\":%" PRIu64 ",\"fills\":%" PRIu64 ",\"folds\":[",
            r->orders, r->fills);
    for (unsigned k = 0; k < o->folds; k++) {
        if (k)
            fputc(',', j);
        usd(j, r->failed ? 0 : fold_pnl(r, w->ndays, k, o->folds));
    }
    fputs("],\"error\":", j);
    pmc_json_str(j, r->failed ? r->err : NULL);
    fputs("}\n", j);

    fprintf(c, "%" PRIu64, r->index);
    for (size_t d = 0; d < nd; d++) {
        fputc(',', c);
        pmc_csv_str(c, r->vals[d]);
    }
    fputc(',', c);
    usd(c, r->pnl);
    fputc(',', c);
    usd(c, r->fees);
    fputc(',', c);
    usd(c, r->traded);
    fprintf(c, ",%" PRIu64 ",%" PRIu64, r->orders, r->fills);
    for (unsigned k = 0; k < o->folds; k++) {
        fputc(',', c);
        usd(c, r->failed ? 0 : fold_pnl(r, w->ndays, k, o->folds));
    }
    fputc(',', c);
    pmc_csv_str(c, r->failed ? r->err : "");
    fprintf(c, ",%s,%s\n", w->tape_sha, o->version ? o->version : "");
}

/* daily P&L and traded notional of trial i at its place in daily.bin */
static int write_daily(struct pmc__opt_out *w, const struct pmc__opt_trial *r)
{
    size_t n = (size_t)w->ndays * 2 * sizeof(int64_t);
    unsigned char *buf = w->dbuf;
    memcpy(buf, r->x, n / 2);
    memcpy(buf + n / 2, r->c, n / 2);
    off_t at = (off_t)(PMC_OPT_DAILY_HEAD + (r->index - w->base) * n);
    size_t done = 0;
    while (done < n) {
        ssize_t k = pwrite(w->dfd, buf + done, n - done, at + (off_t)done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pmc__opt_progress(const struct pmc_opt_opts *o, struct pmc__opt_out *w,
                       uint64_t done, const struct pmc__opt_trial *r)
{
    if (!r->failed) {
        double v = (double)r->pnl / 1e6;
        if (!w->have_best || v > w->best) {
            w->best = v;
            w->have_best = 1;
        }
    }
    if (!w->bar && o->progress != PMC_OP_JSON)
        return;
    double el = (double)((uint64_t)mono_ms() - w->t0_ms) / 1000.0;
    double rate = el > 0 ? (double)(done - w->base) / el : 0;
    double eta = rate > 0 ? (double)(w->total - done) / rate : 0;
    if (o->progress == PMC_OP_JSON)
        fprintf(
            stderr,
            "{\"trials_done\":%" PRIu64 ",\"trials\":%" PRIu64
            ",\"best_pnl_usd\":%.6f,\"trials_per_s\":%.2f,\"eta_s\":%.0f}\n",
            done, w->total, w->have_best ? w->best : 0.0, rate, eta);
    else
        fprintf(stderr,
                "\rtrials %" PRIu64 "/%" PRIu64
                "  best P&L %.2f USD  %.2f trials/s  ETA %.0f s   ",
                done, w->total, w->have_best ? w->best : 0.0, rate, eta);
}

/* ---- the pool ----------------------------------------------------------- */

struct pool {
    const struct pmc_rank_tape *t;
    const struct pmc_opt_opts *o;
    struct pmc__opt_out *w;
    struct pmc_space_cursor *cur;
    uint64_t end;      /* no trial at or past this index */
    uint64_t next_out; /* the next index to write */
    int exhausted;
    struct pmc__opt_trial *slot; /* window: index % nslot */
    unsigned char *busy;         /* 0 free, 1 running, 2 done */
    size_t nslot;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int failed;
    char err[300];
    uint64_t done, t0_ms;
};

static void fail(struct pool *p, const char *msg)
{
    if (!p->failed) {
        p->failed = 1;
        snprintf(p->err, sizeof p->err, "%s", msg);
    }
    pthread_cond_broadcast(&p->cv);
}

/* write every finished trial that is next in order (mutex held) */
static void flush(struct pool *p)
{
    for (;;) {
        struct pmc__opt_trial *r = &p->slot[p->next_out % p->nslot];
        if (p->busy[p->next_out % p->nslot] != 2 || r->index != p->next_out)
            return;
        if (write_daily(p->w, r) < 0) {
            fail(p, "daily.bin: write error");
            return;
        }
        write_trial(p->w, p->o, r);
        if (fflush(p->w->jsonl) || fflush(p->w->csv)) {
            fail(p, "trials.jsonl / trials.csv: write error");
            return;
        }
        p->busy[p->next_out % p->nslot] = 0;
        p->next_out++;
        p->done++;
        pmc__opt_progress(p->o, p->w, p->done, r);
        pthread_cond_broadcast(&p->cv);
    }
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct pmc_sim *s = malloc(sizeof *s);
    struct pmc_config *c = malloc(sizeof *c);
    if (!s || !c) {
        pthread_mutex_lock(&p->mu);
        fail(p, "out of memory");
        pthread_mutex_unlock(&p->mu);
        free(s);
        free(c);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->failed || p->exhausted)
            break;
        /* the next trial of the cursor, once its slot is free (the trial
         * nslot before it written) */
        uint64_t idx;
        char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];
        char why[300];
        uint64_t nexti = p->w->cursor_next;
        if (nexti >= p->end) {
            p->exhausted = 1;
            break;
        }
        if (p->busy[nexti % p->nslot] != 0) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        int g = pmc_space_cursor_next(p->cur, &idx, vals, why, sizeof why);
        if (g != 0) {
            if (g < 0)
                fail(p, why);
            p->exhausted = 1;
            break;
        }
        p->w->cursor_next = idx + 1;
        struct pmc__opt_trial *r = &p->slot[idx % p->nslot];
        unsigned char *bz = &p->busy[idx % p->nslot];
        *bz = 1;
        pmc_micros *x = r->x, *cc = r->c;
        memset(r, 0, sizeof *r);
        r->x = x;
        r->c = cc;
        r->index = idx;
        memcpy(r->vals, vals, sizeof vals);
        memset(r->x, 0, p->w->ndays * sizeof *r->x);
        memset(r->c, 0, p->w->ndays * sizeof *r->c);
        pthread_mutex_unlock(&p->mu);
        int rc = pmc__opt_trial(p->t, p->o, s, c, r);
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            fail(p, "out of memory");
            break;
        }
        *bz = 2;
        flush(p);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    free(s);
    free(c);
    return NULL;
}

int pmc__opt_pool(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                  struct pmc__opt_out *w, uint64_t first, uint64_t end,
                  char *err, size_t cap)
{
    int jobs = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
    struct pool p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.o = o;
    p.w = w;
    p.end = end;
    p.next_out = first;
    p.done = first;
    p.nslot = (size_t)jobs * 4;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.cur = pmc_space_cursor_new(o->space, o->how, o->seed, first);
    p.slot = calloc(p.nslot, sizeof *p.slot);
    p.busy = calloc(p.nslot, 1);
    int rc = -1;
    if (!p.cur || !p.slot || !p.busy) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < p.nslot; i++) {
        p.slot[i].x = calloc(w->ndays + 1, sizeof *p.slot[i].x);
        p.slot[i].c = calloc(w->ndays + 1, sizeof *p.slot[i].c);
        if (!p.slot[i].x || !p.slot[i].c) {
            snprintf(err, cap, "out of memory");
            goto done;
        }
    }
    w->cursor_next = first;
    w->t0_ms = (uint64_t)mono_ms();
    pthread_t th[64];
    int started = 0;
    for (int j = 1; j < jobs; j++) {
        if (pthread_create(&th[started], NULL, worker, &p) != 0)
            break; /* fewer threads: the same bytes, later */
        started++;
    }
    worker(&p);
    for (int j = 0; j < started; j++)
        pthread_join(th[j], NULL);
    if (p.failed) {
        snprintf(err, cap, "%s", p.err);
        goto done;
    }
    w->trials = p.next_out;
    rc = 0;
done:
    if (p.slot)
        for (size_t i = 0; i < p.nslot; i++) {
            free(p.slot[i].x);
            free(p.slot[i].c);
        }
    free(p.slot);
    free(p.busy);
    pmc_space_cursor_free(p.cur);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
