/* research/rank/run.c - one wallet's backtests and the threads that run
 * many (rank.h step 2).
 *
 * Decides: the configuration of each run (the user's, with the wallet as
 * its only trader; the capacity run with sizing, caps and capital x4),
 * the detection latency of each run (every source kind at L), and how a
 * run's ledger becomes per-market x and c. Also the source's own numbers
 * (P&L, taker share, holding time, active days) from its fills.
 * Never: shares mutable state between threads (the tape is read-only, each
 * wallet writes only its own result), or lets the thread that ran a
 * wallet show in its result. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/fillmodel.h"
#include "research/rank/rank_int.h"
#include "sim/report.h"

void pmc_rank_opts_defaults(struct pmc_rank_opts *o,
                            const struct pmc_config *cfg)
{
    memset(o, 0, sizeof *o);
    o->cfg = cfg;
    pmc_sim_opts_defaults(&o->sim);
    o->latency = 400;
    o->jobs = 2;
}

void pmc_rank_wallet_free(struct pmc_rank_wallet *w)
{
    free(w->m);
    w->m = NULL;
    w->nmarkets = 0;
}

static pmc_micros x4(pmc_micros v, pmc_micros hi)
{
    return v > hi / 4 ? hi : v * 4;
}

static uint32_t min_u32(uint32_t a, uint64_t b)
{
    return b < a ? (uint32_t)b : a;
}

/* The configuration of run `run` for wallet addr, whose view has ntok
 * tokens and nfill fills. The core's tables are sized to the view (never
 * above the user's): a table that cannot fill decides as a larger one,
 * and the engine's memory is set up in a fraction of the time. */
static enum pmc_err run_config(const struct pmc_rank_opts *o,
                               const struct pmc_sym *addr, int run, size_t ntok,
                               uint64_t nfill, struct pmc_config *c)
{
    *c = *o->cfg;
    c->ntraders = 0;
    c->follow_all = 0;
    c->max_tokens = min_u32(c->max_tokens, (uint64_t)ntok + 16);
    c->max_open_orders = min_u32(c->max_open_orders, nfill + 16);
    c->max_open_buckets = min_u32(c->max_open_buckets, nfill + 16);
    c->dedupe_capacity = min_u32(c->dedupe_capacity, 2 * nfill + 16);
    int k = pmc_config_find_trader(o->cfg, addr);
    const struct pmc_trader_cfg *u = k >= 0 ? &o->cfg->traders[k] : NULL;
    PMC_TRY(pmc_config_add_trader(c, addr->s, addr->n, u ? u->label : "",
                                  u ? u->ratio : -1, u ? u->min_source_usd : 0,
                                  1));
    if (run == PMC_RANK_CAP) {
        /* the largest value the configuration accepts for a USD amount */
        const pmc_micros big = (pmc_micros)1000000000 * PMC_MICRO;
        c->cap_usd = x4(c->cap_usd, big);
        c->fixed_usd = x4(c->fixed_usd, big);
        c->ratio = x4(c->ratio, (pmc_micros)1000 * PMC_MICRO);
        if (c->traders[0].ratio > 0)
            c->traders[0].ratio =
                x4(c->traders[0].ratio, (pmc_micros)1000 * PMC_MICRO);
        c->max_notional_per_order_usd = x4(c->max_notional_per_order_usd, big);
        c->max_notional_per_market_usd =
            x4(c->max_notional_per_market_usd, big);
        c->max_total_notional_per_15m_window_usd =
            x4(c->max_total_notional_per_15m_window_usd, big);
        c->max_daily_volume_usd = x4(c->max_daily_volume_usd, big);
        c->kill_max_daily_loss_usd = x4(c->kill_max_daily_loss_usd, big);
        c->max_pending_usd = x4(c->max_pending_usd, big);
    }
    return PMC_OK;
}

static int cmp_ms(const void *a, const void *b)
{
    pmc_ms x = *(const pmc_ms *)a, y = *(const pmc_ms *)b;
    return (x > y) - (x < y);
}

/* The source's own numbers from its fills in the view. */
struct srctok {
    pmc_micros shares, mark, bid, ask;
    pmc_ms opened; /* -1 = flat */
    int resolved;
};

static int source_stats(const struct pmc_rank_tape *t,
                        const struct rank_view *v, pmc_ms since,
                        struct pmc_rank_wallet *w)
{
    struct srctok *st = calloc(v->ntok + 1, sizeof *st);
    pmc_ms *holds = malloc((v->n + v->ntok + 1) * sizeof *holds);
    /* global token -> its index in the view */
    uint32_t *local = malloc(((size_t)t->toks.n + 1) * sizeof *local);
    struct pmc_record *rec = malloc(sizeof *rec);
    if (!st || !holds || !local || !rec) {
        free(st);
        free(holds);
        free(local);
        free(rec);
        return -1;
    }
    memset(local, 0xff, ((size_t)t->toks.n + 1) * sizeof *local);
    for (size_t j = 0; j < v->ntok; j++)
        local[v->tok[j]] = (uint32_t)j;
    size_t nh = 0;
    for (size_t j = 0; j < v->ntok; j++)
        st[j].opened = -1;
    pmc_micros cash = 0;
    pmc_ms last_day = INT64_MIN, last_t = 0;
    for (size_t i = 0; i < v->n; i++) {
        last_t = t->rec[v->idx[i]].t;
        uint32_t tk = t->rec[v->idx[i]].tok;
        if (tk == UINT32_MAX || local[tk] == UINT32_MAX)
            continue;
        uint32_t j = local[tk];
        pmc__rank_expand(t, v->idx[i], rec);
        const struct pmc_record *r = rec;
        struct srctok *x = &st[j];
        if (r->kind == PMC_K_QUOTE) {
            x->bid = r->u.quote.bid;
            x->ask = r->u.quote.ask;
            if (x->bid && x->ask)
                x->mark = (x->bid + x->ask) / 2;
        } else if (r->kind == PMC_K_BOOK) {
            x->bid = r->u.book.nbid ? r->u.book.bid_px[0] : 0;
            x->ask = r->u.book.nask ? r->u.book.ask_px[0] : 0;
            if (x->bid && x->ask)
                x->mark = (x->bid + x->ask) / 2;
        } else if (r->kind == PMC_K_TRADE) {
            x->mark = r->u.trade.px;
        } else if (r->kind == PMC_K_RESOLVE) {
            if (!x->resolved && r->t >= since) {
                cash += pmc_notional_down(x->shares, r->u.resolve.payout);
                if (x->opened >= 0)
                    holds[nh++] = r->t - x->opened;
                x->shares = 0;
                x->opened = -1;
            }
            x->resolved = 1;
            x->mark = r->u.resolve.payout;
        } else if (r->kind == PMC_K_FILL) {
            const struct pmc_fill *f = &r->u.fill;
            pmc_micros usd = pmc_notional_down(f->sz, f->px);
            w->fills++;
            w->src_volume += usd;
            pmc_ms day = pmc_floor_div(r->t, PMC_MS_PER_DAY);
            if (day != last_day) {
                w->active_days++;
                last_day = day;
            }
            if (f->side == PMC_BUY ? x->ask > 0 : x->bid > 0) {
                w->role_known++;
                if (f->side == PMC_BUY ? f->px >= x->ask : f->px <= x->bid)
                    w->taker_fills++;
            }
            x->mark = f->px;
            if (f->side == PMC_BUY) {
                cash -= usd;
                w->src_bought += usd;
                if (x->shares <= 0 && x->opened < 0)
                    x->opened = r->t;
                x->shares += f->sz;
            } else {
                cash += usd;
                x->shares -= f->sz;
                if (x->shares <= 0 && x->opened >= 0) {
                    holds[nh++] = r->t - x->opened;
                    x->opened = -1;
                }
            }
        }
    }
    pmc_micros open = 0;
    for (size_t j = 0; j < v->ntok; j++) {
        if (st[j].shares > 0)
            open += pmc_notional_down(st[j].shares, st[j].mark);
        else if (st[j].shares < 0) /* sold what it held before the window */
            open -= pmc_notional_up(-st[j].shares, st[j].mark);
        if (st[j].opened >= 0)
            holds[nh++] = last_t - st[j].opened;
    }
    w->src_pnl = cash + open;
    w->hold_median = -1;
    if (nh) {
        qsort(holds, nh, sizeof *holds, cmp_ms);
        w->hold_median =
            nh % 2 ? holds[nh / 2] : (holds[nh / 2 - 1] + holds[nh / 2]) / 2;
    }
    free(st);
    free(holds);
    free(local);
    free(rec);
    return 0;
}

/* The simulator's input: the view's records, expanded one at a time. */
struct feed_ctx {
    const struct pmc_rank_tape *t;
    const struct rank_view *v;
    size_t i;
};

static int feed_next(void *ctx, struct pmc_record *rec)
{
    struct feed_ctx *c = ctx;
    if (c->i >= c->v->n)
        return 0;
    pmc__rank_expand(c->t, c->v->idx[c->i++], rec);
    return 1;
}

/* Market groups of the wallet, in order of its first fill in each. */
static int view_groups(const struct pmc_rank_tape *t, const struct rank_view *v,
                       uint32_t **grp, uint32_t *ng)
{
    *grp = malloc((v->ntok + 1) * sizeof **grp);
    if (!*grp)
        return -1;
    *ng = 0;
    for (size_t j = 0; j < v->ntok; j++) {
        uint32_t g = t->tok_group[v->tok[j]];
        uint32_t k = 0;
        while (k < *ng && (*grp)[k] != g)
            k++;
        if (k == *ng)
            (*grp)[(*ng)++] = g;
    }
    return 0;
}

static enum pmc_err one_run(const struct pmc_rank_tape *t,
                            const struct rank_view *v, const uint32_t *grp,
                            uint32_t ng, const struct pmc_rank_opts *o, int run,
                            struct pmc_sim *s, struct pmc_config *c,
                            struct pmc_rank_wallet *w)
{
    PMC_TRY(run_config(o, &w->addr, run, v->ntok, w->fills, c));
    struct pmc_sim_opts so = o->sim;
    so.lat_mode = PMC_LAT_CONST;
    pmc_ms lat = run == PMC_RANK_L0   ? 0
                 : run == PMC_RANK_L2 ? o->latency * 2
                 : run == PMC_RANK_L4 ? o->latency * 4
                                      : o->latency;
    for (int k = 0; k < 4; k++)
        so.lat_src[k] = lat;
    if (run == PMC_RANK_CAP)
        so.capital = x4(so.capital, (pmc_micros)1000000000 * PMC_MICRO);
    so.orders_csv = so.fills_csv = so.equity_csv = so.journal = NULL;
    w->lat[run] = lat;
    enum pmc_err e = pmc_sim_init(s, c, &so);
    if (e == PMC_OK) {
        struct feed_ctx fc = {t, v, 0};
        struct pmc_sim_feed feed = {&fc, feed_next};
        e = pmc_sim_run_feed(s, &feed, t->name);
    }
    if (e == PMC_OK && !(s->r.identity_ok && s->r.engine_agrees)) {
        snprintf(s->err, sizeof s->err, "ledger check failed: %s",
                 s->r.identity_msg);
        e = PMC_ESTATE;
    }
    if (e != PMC_OK) {
        if (e == PMC_ENOMEM) {
            pmc_sim_fini(s);
            return e;
        }
        w->failed = 1;
        snprintf(w->err, sizeof w->err, "backtest at %lld ms: %.120s",
                 (long long)lat, s->err);
        pmc_sim_fini(s);
        return PMC_OK;
    }
    for (uint32_t k = 0; k < ng; k++)
        w->m[k].resolved[run] = 1;
    for (uint32_t i = 0; i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        long tk = pmc__rank_sym_find(&t->toks, &x->token);
        if (tk < 0)
            continue;
        uint32_t g = t->tok_group[tk], k = 0;
        while (k < ng && grp[k] != g)
            k++;
        if (k == ng)
            continue;
        pmc_micros mv =
            x->shares > 0 ? pmc_notional_down(x->shares, x->mark) : 0;
        pmc_micros pnl = x->realized + (mv - x->cost) - x->fees;
        w->m[k].x[run] += pnl;
        w->m[k].c[run] += x->bought_usd;
        w->copy_pnl[run] += pnl;
        w->copy_bought[run] += x->bought_usd;
        if (x->bought_sh > 0 && !x->resolved)
            w->m[k].resolved[run] = 0;
    }
    w->orders[run] = s->r.orders;
    for (uint32_t i = 0; i < s->cfg.ntraders; i++)
        w->fills_copied[run] += s->trd[i].fills_copied;
    if (run == PMC_RANK_L1)
        memcpy(w->skips, s->r.skips, sizeof w->skips);
    pmc_sim_fini(s);
    return PMC_OK;
}

enum pmc_err pmc_rank_wallet_run(const struct pmc_rank_tape *t, size_t i,
                                 const struct pmc_rank_opts *o,
                                 struct pmc_rank_wallet *w)
{
    memset(w, 0, sizeof *w);
    w->addr = t->wals.sym[i];
    int k = pmc_config_find_trader(o->cfg, &w->addr);
    if (k >= 0)
        memcpy(w->label, o->cfg->traders[k].label, sizeof w->label);
    struct rank_view v;
    memset(&v, 0, sizeof v);
    uint32_t *grp = NULL, ng = 0;
    struct pmc_sim *s = malloc(sizeof *s);
    struct pmc_config *c = malloc(sizeof *c);
    enum pmc_err e = PMC_ENOMEM;
    if (!s || !c || pmc__rank_view(t, i, o->since, o->until, &v) < 0 ||
        view_groups(t, &v, &grp, &ng) < 0 ||
        source_stats(t, &v, o->since, w) < 0)
        goto done;
    w->records = v.n;
    w->nmarkets = ng;
    w->m = calloc(ng + 1, sizeof *w->m);
    if (!w->m)
        goto done;
    e = PMC_OK;
    for (int run = 0; run < PMC_RANK_NRUNS && e == PMC_OK && !w->failed; run++)
        e = one_run(t, &v, grp, ng, o, run, s, c, w);
done:
    pmc__rank_view_free(&v);
    free(grp);
    free(s);
    free(c);
    return e;
}

/* ---- threads ------------------------------------------------------------ */

struct pool {
    const struct pmc_rank_tape *t;
    const size_t *idx;
    size_t n;
    const struct pmc_rank_opts *o;
    struct pmc_rank_wallet *w;
    pthread_mutex_t mu;
    size_t next;
    enum pmc_err err;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next < p->n && p->err == PMC_OK ? p->next++ : p->n;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        enum pmc_err e = pmc_rank_wallet_run(p->t, p->idx[i], p->o, &p->w[i]);
        if (e != PMC_OK) {
            pthread_mutex_lock(&p->mu);
            if (p->err == PMC_OK)
                p->err = e;
            pthread_mutex_unlock(&p->mu);
        }
    }
}

enum pmc_err pmc_rank_run(const struct pmc_rank_tape *t, const size_t *idx,
                          size_t n, const struct pmc_rank_opts *o,
                          struct pmc_rank_wallet *w)
{
    struct pool p = {t, idx, n, o, w, PTHREAD_MUTEX_INITIALIZER, 0, PMC_OK};
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    if ((size_t)jobs > n)
        jobs = n ? (int)n : 1;
    pthread_t th[64];
    if (jobs > 64)
        jobs = 64;
    int started = 0;
    for (int j = 1; j < jobs; j++) {
        if (pthread_create(&th[started], NULL, worker, &p) != 0)
            break; /* fewer threads: the same results, later */
        started++;
    }
    worker(&p);
    for (int j = 0; j < started; j++)
        pthread_join(th[j], NULL);
    pthread_mutex_destroy(&p.mu);
    return p.err;
}

/* ---- a wallet's own backtest report ------------------------------------ */

int pmc__rank_wallet_report(const struct pmc_rank_tape *t, size_t i,
                            const struct pmc_rank_opts *o, const char *dir,
                            const struct pmc_report_info *info, char *err,
                            size_t cap)
{
    struct rank_view v;
    memset(&v, 0, sizeof v);
    struct pmc_sim *s = calloc(1, sizeof *s);
    struct pmc_config *c = malloc(sizeof *c);
    int rc = -1;
    if (!s || !c || pmc__rank_view(t, i, o->since, o->until, &v) < 0) {
        snprintf(err, cap, "%s: out of memory", dir);
        goto done;
    }
    struct pmc_sim_opts so = o->sim;
    so.lat_mode = PMC_LAT_CONST;
    for (int k = 0; k < 4; k++)
        so.lat_src[k] = o->latency;
    so.journal = NULL;
    uint64_t nfill = t->wal_off[i + 1] - t->wal_off[i];
    if (run_config(o, &t->wals.sym[i], PMC_RANK_L1, v.ntok, nfill, c) !=
        PMC_OK) {
        snprintf(err, cap, "%s: configuration refused", dir);
        goto done;
    }
    if (pmc_report_open(dir, &so, err, cap) != PMC_OK)
        goto done;
    struct feed_ctx fc = {t, &v, 0};
    struct pmc_sim_feed feed = {&fc, feed_next};
    if (pmc_sim_init(s, c, &so) != PMC_OK ||
        pmc_sim_run_feed(s, &feed, t->name) != PMC_OK) {
        snprintf(err, cap, "%s: %s", dir, s->err);
        goto close;
    }
    if (pmc_report_write(dir, s, info, &so, err, cap) != PMC_OK)
        goto close;
    so.orders_csv = so.fills_csv = so.equity_csv = NULL; /* closed */
    rc = 0;
close:
    if (so.orders_csv)
        fclose(so.orders_csv);
    if (so.fills_csv)
        fclose(so.fills_csv);
    if (so.equity_csv)
        fclose(so.equity_csv);
done:
    if (s && s->eng_mem)
        pmc_sim_fini(s);
    pmc__rank_view_free(&v);
    free(s);
    free(c);
    return rc;
}
