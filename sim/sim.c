/* sim/sim.c - discrete-event simulator, simulated venue and ledger (see
 * sim.h for what it decides and must never do).
 *
 * Ordering rule: the next thing to happen is the earliest of (a) the next
 * tape record, (b) the earliest simulated event (delayed source fill, order
 * arrival, exec report) and (c) the core's next timer. Ties go timer first
 * (the driver asks for inputs strictly before its deadline), then the tape
 * record (market data is applied before our own simulated events of the
 * same millisecond), then simulated events by sequence. */
#include "sim/sim.h"

#include <inttypes.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "proto/tapeio.h"
#include "core/dec.h"
#include "core/fees.h"
#include "core/tape.h"

enum ev_type { EV_DELIVER = 1, EV_ARRIVE, EV_FREE };

struct pmc_sim_ev {
    enum ev_type type;
    uint32_t next_free;
    uint32_t order;        /* EV_ARRIVE: order slot */
    pmc_ms detect;         /* EV_DELIVER of a fill: detection latency */
    struct pmc_record rec; /* EV_DELIVER: what the core will see */
};

#define ORDER_TRADERS 8

struct pmc_sim_order {
    struct pmc_sym coid;
    uint32_t tok;
    enum pmc_side side;
    enum pmc_tif tif;
    enum pmc_clip clip;
    pmc_micros px, sz, ref;
    pmc_ms t_emit, t_arrive, t_final;
    pmc_micros filled, notional, fee;
    pmc_micros mid_arrive;
    uint32_t nlegs, nfills;
    char first_key[PMC_SYM_MAX + 1];
    char status[12];
    char reason[48];
    uint32_t next_resting; /* slot + 1 */
    int live, resting, reports_pending;
    uint32_t ntr;
    int32_t tr[ORDER_TRADERS];
    pmc_micros tr_w[ORDER_TRADERS]; /* scaled source shares per trader */
    uint32_t next_free;
};

void pmc_sim_opts_defaults(struct pmc_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 20260217;
    o->lat_mode = PMC_LAT_CONST;
    o->lat_src[PMC_SRC_NONE] = 3000;
    o->lat_src[PMC_SRC_CHAIN] = 3000;
    o->lat_src[PMC_SRC_RTDS] = 400;
    o->lat_src[PMC_SRC_API] = 22000;
    o->lat_submit = 100;
    o->lat_report = 50;
    o->lat_jitter = 20;
    o->half_spread = 5000;
    o->nobook_depth = PMC_SIZE_MAX;
    o->unknown_sz = PMC_SIZE_MAX;
    o->capital = 1000 * PMC_MICRO;
    o->min_marketable_usd = PMC_MICRO;
    o->default_minsz = 5 * PMC_MICRO;
    o->default_fee_rate = PMC_FEE_DEFAULT_RATE;
    o->default_fee_exp = PMC_FEE_DEFAULT_EXP;
    o->equity_sample_ms = 60000;
}

/* ---- small helpers ----------------------------------------------------- */

static void fmt_dec(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

static uint32_t *grow_index(uint32_t *idx, uint32_t *cap)
{
    (void)idx;
    uint32_t ncap = *cap ? *cap * 2 : 256;
    uint32_t *v = calloc(ncap, sizeof *v);
    if (v)
        *cap = ncap;
    return v;
}

static int grow(void **v, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*v, (size_t)ncap * elem);
    if (!p)
        return -1;
    *v = p;
    *cap = ncap;
    return 0;
}

/* ---- tokens and markets ------------------------------------------------ */

static uint32_t mkt_find(struct pmc_sim *s, const struct pmc_sym *id)
{
    if (!s->mkt_idx_cap)
        return UINT32_MAX;
    uint32_t m = s->mkt_idx_cap - 1;
    for (uint32_t i = (uint32_t)id->h & m;; i = (i + 1) & m) {
        uint32_t v = s->mkt_idx[i];
        if (!v)
            return UINT32_MAX;
        if (pmc_sym_eq(&s->mkt[v - 1].id, id))
            return v - 1;
    }
}

static void mkt_index_put(uint32_t *idx, uint32_t cap, uint64_t h, uint32_t v)
{
    uint32_t m = cap - 1;
    uint32_t i = (uint32_t)h & m;
    while (idx[i])
        i = (i + 1) & m;
    idx[i] = v;
}

static enum pmc_err mkt_get(struct pmc_sim *s, const struct pmc_sym *id,
                            uint32_t *out)
{
    uint32_t k = mkt_find(s, id);
    if (k != UINT32_MAX) {
        *out = k;
        return PMC_OK;
    }
    if ((s->nmkt + 1) * 2 > s->mkt_idx_cap) {
        uint32_t cap = s->mkt_idx_cap;
        uint32_t *n = grow_index(s->mkt_idx, &cap);
        if (!n)
            return PMC_ENOMEM;
        for (uint32_t i = 0; i < s->nmkt; i++)
            mkt_index_put(n, cap, s->mkt[i].id.h, i + 1);
        free(s->mkt_idx);
        s->mkt_idx = n;
        s->mkt_idx_cap = cap;
    }
    if (s->nmkt == s->cap_mkt &&
        grow((void **)&s->mkt, &s->cap_mkt, sizeof *s->mkt))
        return PMC_ENOMEM;
    struct pmc_sim_market *m = &s->mkt[s->nmkt];
    memset(m, 0, sizeof *m);
    m->id = *id;
    mkt_index_put(s->mkt_idx, s->mkt_idx_cap, id->h, s->nmkt + 1);
    *out = s->nmkt++;
    s->r.markets_seen = s->nmkt;
    return PMC_OK;
}

static uint32_t tok_find(const struct pmc_sim *s, const struct pmc_sym *t)
{
    if (!s->tok_idx_cap)
        return UINT32_MAX;
    uint32_t m = s->tok_idx_cap - 1;
    for (uint32_t i = (uint32_t)t->h & m;; i = (i + 1) & m) {
        uint32_t v = s->tok_idx[i];
        if (!v)
            return UINT32_MAX;
        if (pmc_sym_eq(&s->tok[v - 1].token, t))
            return v - 1;
    }
}

/* Find or add a token; `market` (may be NULL/empty) names its market. */
static enum pmc_err tok_get(struct pmc_sim *s, const struct pmc_sym *t,
                            const struct pmc_sym *market, uint32_t *out)
{
    uint32_t k = tok_find(s, t);
    if (k != UINT32_MAX) {
        struct pmc_sim_token *x = &s->tok[k];
        if (market && market->n && !pmc_sym_eq(&x->market, market) &&
            x->market.n == x->token.n &&
            !memcmp(x->market.s, x->token.s, x->token.n)) {
            /* first seen without a market: attach it now */
            uint32_t mi;
            PMC_TRY(mkt_get(s, market, &mi));
            x = &s->tok[k];
            x->market = *market;
            x->market_idx = mi;
            if (s->mkt[mi].ntokens < 2)
                s->mkt[mi].tokens[s->mkt[mi].ntokens] = k;
            s->mkt[mi].ntokens++;
        }
        *out = k;
        return PMC_OK;
    }
    if ((s->ntok + 1) * 2 > s->tok_idx_cap) {
        uint32_t cap = s->tok_idx_cap;
        uint32_t *n = grow_index(s->tok_idx, &cap);
        if (!n)
            return PMC_ENOMEM;
        for (uint32_t i = 0; i < s->ntok; i++)
            mkt_index_put(n, cap, s->tok[i].token.h, i + 1);
        free(s->tok_idx);
        s->tok_idx = n;
        s->tok_idx_cap = cap;
    }
    if (s->ntok == s->cap_tok &&
        grow((void **)&s->tok, &s->cap_tok, sizeof *s->tok))
        return PMC_ENOMEM;
    const struct pmc_sym *mid = market && market->n ? market : t;
    uint32_t mi;
    PMC_TRY(mkt_get(s, mid, &mi));
    struct pmc_sim_token *x = &s->tok[s->ntok];
    memset(x, 0, sizeof *x);
    x->token = *t;
    x->market = *mid;
    x->market_idx = mi;
    x->tick = 10000;
    x->minsz = s->o.default_minsz;
    x->fee_rate = s->o.default_fee_rate;
    x->fee_exp = s->o.default_fee_exp;
    for (int i = 0; i <= PMC_SIM_TOKEN_TRADERS; i++)
        x->alloc[i].trader = -2; /* unused */
    x->alloc[PMC_SIM_TOKEN_TRADERS].trader = -1;
    if (s->mkt[mi].ntokens < 2)
        s->mkt[mi].tokens[s->mkt[mi].ntokens] = s->ntok;
    s->mkt[mi].ntokens++;
    mkt_index_put(s->tok_idx, s->tok_idx_cap, t->h, s->ntok + 1);
    *out = s->ntok++;
    return PMC_OK;
}

/* ---- ledger ------------------------------------------------------------ */

pmc_micros pmc_sim_equity(const struct pmc_sim *s)
{
    return s->r.cash + s->r.mv_open;
}

static void equity_row(struct pmc_sim *s, const char *why)
{
    pmc_micros eq = pmc_sim_equity(s);
    if (eq > s->r.peak_equity)
        s->r.peak_equity = eq;
    pmc_micros dd = s->r.peak_equity - eq;
    if (dd > s->r.max_dd) {
        s->r.max_dd = dd;
        s->r.max_dd_peak = s->r.peak_equity;
    }
    if (!s->o.equity_csv || !why)
        return;
    FILE *f = s->o.equity_csv;
    fprintf(f, "%" PRId64 ",", s->now);
    fmt_dec(f, eq);
    fputc(',', f);
    fmt_dec(f, s->r.cash);
    fputc(',', f);
    fmt_dec(f, s->r.mv_open);
    fputc(',', f);
    fmt_dec(f, s->r.peak_equity - eq);
    fputc(',', f);
    fmt_dec(f, s->r.realized);
    fputc(',', f);
    fmt_dec(f, s->r.fees);
    fprintf(f, ",%s\n", why);
    s->last_equity_row = eq;
}

/* Re-mark a token's open shares; keeps the running total exact. */
static void remark(struct pmc_sim *s, struct pmc_sim_token *x)
{
    pmc_micros mv = x->shares > 0 ? pmc_notional_down(x->shares, x->mark) : 0;
    s->r.mv_open += mv - x->mv;
    x->mv = mv;
}

static void set_mark(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros p)
{
    if (p <= 0 || x->resolved)
        return;
    x->mark = p;
    if (x->shares > 0) {
        remark(s, x);
        equity_row(s, NULL);
    }
}

static void book_buy(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros sz,
                     pmc_micros px, pmc_micros fee)
{
    pmc_micros cost = pmc_notional_up(sz, px);
    s->r.cash -= cost + fee;
    x->shares += sz;
    x->cost += cost;
    s->r.cost_open += cost;
    x->fees += fee;
    s->r.fees += fee;
    x->bought_usd += cost;
    x->bought_sh += sz;
    if (!x->mark)
        x->mark = px;
    remark(s, x);
    if (s->r.cash < s->r.min_cash)
        s->r.min_cash = s->r.cash;
}

static void book_sell(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros sz,
                      pmc_micros px, pmc_micros fee)
{
    pmc_micros proceeds = pmc_notional_down(sz, px);
    pmc_micros basis =
        sz >= x->shares ? x->cost : pmc_muldiv_floor(x->cost, sz, x->shares);
    s->r.cash += proceeds - fee;
    x->shares -= sz;
    x->cost -= basis;
    s->r.cost_open -= basis;
    x->realized += proceeds - basis;
    s->r.realized += proceeds - basis;
    x->fees += fee;
    s->r.fees += fee;
    x->sold_usd += proceeds;
    x->sold_sh += sz;
    remark(s, x);
}

static void attribute(struct pmc_sim_token *x, int32_t trader, pmc_micros usd)
{
    for (int i = 0; i < PMC_SIM_TOKEN_TRADERS; i++) {
        if (x->alloc[i].trader == trader) {
            x->alloc[i].usd += usd;
            return;
        }
        if (x->alloc[i].trader == -2) {
            x->alloc[i].trader = trader;
            x->alloc[i].usd = usd;
            return;
        }
    }
    x->alloc[PMC_SIM_TOKEN_TRADERS].usd += usd;
}

/* ---- event pool -------------------------------------------------------- */

static enum pmc_err ev_alloc(struct pmc_sim *s, uint32_t *slot)
{
    if (s->free_ev) {
        *slot = s->free_ev - 1;
        s->free_ev = s->evs[*slot].next_free;
        return PMC_OK;
    }
    if (s->nev == s->cap_ev &&
        grow((void **)&s->evs, &s->cap_ev, sizeof *s->evs))
        return PMC_ENOMEM;
    *slot = s->nev++;
    return PMC_OK;
}

static void ev_release(struct pmc_sim *s, uint32_t slot)
{
    s->evs[slot].type = EV_FREE;
    s->evs[slot].next_free = s->free_ev;
    s->free_ev = slot + 1;
}

static enum pmc_err schedule(struct pmc_sim *s, pmc_ms t, uint32_t slot)
{
    PMC_TRY(pmc_heap_push(&s->heap, t, slot));
    if (s->heap.n > s->r.max_inflight)
        s->r.max_inflight = s->heap.n;
    return PMC_OK;
}

/* Schedule an exec report for the core. */
static enum pmc_err report(struct pmc_sim *s, struct pmc_sim_order *o, pmc_ms t,
                           enum pmc_exec_status st, pmc_micros sz,
                           pmc_micros px, pmc_micros fee, const char *reason)
{
    uint32_t slot;
    PMC_TRY(ev_alloc(s, &slot));
    struct pmc_sim_ev *e = &s->evs[slot];
    e->type = EV_DELIVER;
    e->detect = -1;
    memset(&e->rec, 0, sizeof e->rec);
    e->rec.kind = PMC_K_EXEC;
    e->rec.t = t;
    struct pmc_exec *x = &e->rec.u.exec;
    x->coid = o->coid;
    x->status = st;
    x->sz = sz;
    x->px = px;
    x->fee = fee;
    if (reason)
        snprintf(x->reason, sizeof x->reason, "%s", reason);
    o->reports_pending++;
    return schedule(s, t, slot);
}

/* ---- orders ------------------------------------------------------------ */

static uint32_t ord_find(const struct pmc_sim *s, const struct pmc_sym *coid)
{
    if (!s->ord_idx_cap)
        return UINT32_MAX;
    uint32_t m = s->ord_idx_cap - 1;
    for (uint32_t i = (uint32_t)coid->h & m;; i = (i + 1) & m) {
        uint32_t v = s->ord_idx[i];
        if (!v)
            return UINT32_MAX;
        if (v != UINT32_MAX && pmc_sym_eq(&s->ords[v - 1].coid, coid))
            return v - 1;
    }
}

static enum pmc_err ord_index_rebuild(struct pmc_sim *s, uint32_t cap)
{
    uint32_t *n = calloc(cap, sizeof *n);
    if (!n)
        return PMC_ENOMEM;
    for (uint32_t i = 0; i < s->nord; i++)
        if (s->ords[i].live)
            mkt_index_put(n, cap, s->ords[i].coid.h, i + 1);
    free(s->ord_idx);
    s->ord_idx = n;
    s->ord_idx_cap = cap;
    s->ord_tomb = 0;
    return PMC_OK;
}

static void ord_unindex(struct pmc_sim *s, uint32_t slot)
{
    uint32_t m = s->ord_idx_cap - 1;
    for (uint32_t i = (uint32_t)s->ords[slot].coid.h & m;; i = (i + 1) & m) {
        if (s->ord_idx[i] == slot + 1) {
            s->ord_idx[i] = UINT32_MAX; /* tombstone */
            s->ord_tomb++;
            return;
        }
        if (!s->ord_idx[i])
            return;
    }
}

/* The order is final: write its row, free its slot. */
static void order_done(struct pmc_sim *s, uint32_t slot)
{
    struct pmc_sim_order *o = &s->ords[slot];
    struct pmc_sim_token *x = &s->tok[o->tok];
    if (!strcmp(o->status, "rejected"))
        s->r.orders_rejected++;
    else if (o->filled >= o->sz)
        s->r.orders_filled++;
    else if (o->filled > 0)
        s->r.orders_partial++;
    else
        s->r.orders_unfilled++;
    if (s->o.orders_csv) {
        FILE *f = s->o.orders_csv;
        fprintf(f, "%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%s,%s,%s,%s,%s,",
                o->coid.s, o->t_emit, o->t_arrive, o->t_final, x->token.s,
                x->market.s, x->outcome, pmc_side_name(o->side),
                pmc_tif_name(o->tif));
        fmt_dec(f, o->px);
        fputc(',', f);
        fmt_dec(f, o->sz);
        fputc(',', f);
        fmt_dec(f, o->ref);
        fputc(',', f);
        fmt_dec(f, o->mid_arrive);
        fputc(',', f);
        fmt_dec(f, o->filled);
        fputc(',', f);
        fmt_dec(f, o->filled > 0
                       ? pmc_muldiv_floor(o->notional, PMC_MICRO, o->filled)
                       : 0);
        fputc(',', f);
        fmt_dec(f, o->notional);
        fputc(',', f);
        fmt_dec(f, o->fee);
        fprintf(f, ",%s,%s,%s,%u,%s\n", o->status, o->reason,
                o->clip ? pmc_clip_name(o->clip) : "", o->nfills, o->first_key);
    }
    ord_unindex(s, slot);
    o->live = 0;
    s->ord_live--;
    o->next_free = s->free_ord;
    s->free_ord = slot + 1;
}

/* Apply a fill leg at the venue: ledger, fills.csv, exec report. */
static enum pmc_err venue_fill(struct pmc_sim *s, struct pmc_sim_order *o,
                               pmc_micros sz, pmc_micros px, pmc_micros fee,
                               int maker)
{
    struct pmc_sim_token *x = &s->tok[o->tok];
    if (o->side == PMC_BUY)
        book_buy(s, x, sz, px, fee);
    else
        book_sell(s, x, sz, px, fee);
    pmc_micros usd = o->side == PMC_BUY ? pmc_notional_up(sz, px)
                                        : pmc_notional_down(sz, px);
    o->filled += sz;
    o->notional += usd;
    o->fee += fee;
    o->nlegs++;
    x->fills++;
    s->r.fill_legs++;
    s->r.filled_sh += sz;
    s->r.filled_usd += usd;
    /* follower penalty versus the source's price (ref) */
    pmc_micros mid = o->mid_arrive ? o->mid_arrive : px;
    pmc_micros sgn = o->side == PMC_BUY ? 1 : -1;
    pmc_micros drift = sgn * pmc_muldiv_floor(mid - o->ref, sz, PMC_MICRO);
    pmc_micros spread = sgn * pmc_muldiv_floor(px - mid, sz, PMC_MICRO);
    s->r.pen.drift += drift;
    s->r.pen.spread += spread;
    s->r.pen.fees += fee;
    pmc_micros slip_px = sgn * (px - o->ref); /* price micros, + = worse */
    s->r.slip_sum_sh += pmc_muldiv_floor(slip_px, sz, PMC_MICRO);
    int64_t tenth_cents = slip_px / 1000;
    int b = 0;
    while (b + 1 < PMC_SIM_HIST_BINS &&
           tenth_cents >= pmc_sim_hist_lo(2, b + 1))
        b++;
    s->r.h_slip[b]++;
    /* attribute our buy notional to the traders behind the order */
    if (o->side == PMC_BUY && o->ntr) {
        pmc_micros wsum = 0;
        for (uint32_t i = 0; i < o->ntr; i++)
            wsum += o->tr_w[i];
        for (uint32_t i = 0; i < o->ntr; i++) {
            pmc_micros part =
                wsum > 0 ? pmc_muldiv_floor(usd, o->tr_w[i], wsum) : 0;
            attribute(x, o->tr[i], part);
        }
    }
    if (s->o.fills_csv) {
        FILE *f = s->o.fills_csv;
        fprintf(f, "%s,%" PRId64 ",%s,%s,%s,%s,%s,", o->coid.s, s->now,
                x->token.s, x->market.s, x->outcome, pmc_side_name(o->side),
                maker ? "maker" : "taker");
        fmt_dec(f, px);
        fputc(',', f);
        fmt_dec(f, sz);
        fputc(',', f);
        fmt_dec(f, usd);
        fputc(',', f);
        fmt_dec(f, fee);
        fputc(',', f);
        fmt_dec(f, o->ref);
        fputc(',', f);
        fmt_dec(f, mid);
        fputc(',', f);
        fmt_dec(f, slip_px);
        fputc(',', f);
        fmt_dec(f, drift);
        fputc(',', f);
        fmt_dec(f, spread);
        fprintf(f, ",%" PRId64 "\n", s->now - o->t_emit);
    }
    equity_row(s, "fill");
    return report(s, o, s->now + s->o.lat_report, PMC_EXEC_FILL, sz, px, fee,
                  NULL);
}

static enum pmc_err finalize(struct pmc_sim *s, struct pmc_sim_order *o,
                             const char *status, const char *reason)
{
    snprintf(o->status, sizeof o->status, "%s", status);
    if (reason)
        snprintf(o->reason, sizeof o->reason, "%s", reason);
    o->t_final = s->now + s->o.lat_report;
    if (!strcmp(status, "rejected"))
        return report(s, o, o->t_final, PMC_EXEC_REJECT, 0, 0, 0, reason);
    if (o->filled < o->sz)
        return report(s, o, o->t_final, PMC_EXEC_CANCEL, 0, 0, 0, reason);
    return PMC_OK;
}

static void unlink_resting(struct pmc_sim *s, uint32_t slot)
{
    struct pmc_sim_order *o = &s->ords[slot];
    struct pmc_sim_token *x = &s->tok[o->tok];
    uint32_t *p = &x->resting;
    while (*p && *p != slot + 1)
        p = &s->ords[*p - 1].next_resting;
    if (*p)
        *p = o->next_resting;
    o->next_resting = 0;
    o->resting = 0;
}

/* The order reaches the venue. */
static enum pmc_err arrive(struct pmc_sim *s, uint32_t slot)
{
    struct pmc_sim_order *o = &s->ords[slot];
    struct pmc_sim_token *x = &s->tok[o->tok];
    o->t_arrive = s->now;
    pmc_ms rtt = s->now + s->o.lat_report - o->t_emit;
    int b = 0;
    while (b + 1 < PMC_SIM_HIST_BINS && rtt >= pmc_sim_hist_lo(1, b + 1))
        b++;
    s->r.h_rtt[b]++;
    s->r.rtt_sum += rtt;
    s->r.rtt_n++;

    struct pmc_book synth, *bk = &x->book;
    if (!x->has_book) {
        pmc_book_synthetic(&synth, x->last ? x->last : x->mark,
                           s->o.half_spread, s->o.nobook_depth);
        bk = &synth;
    }
    o->mid_arrive = pmc_book_mid(bk);
    int resting_kind = o->tif == PMC_TIF_GTC || o->tif == PMC_TIF_GTD;
    const char *why = NULL;
    pmc_micros want = o->sz;
    if (x->resolved || (x->end && s->now >= x->end))
        why = "market_closed";
    else if (o->sz <= 0)
        why = "invalid_size";
    else if (o->side == PMC_BUY) {
        int marketable = bk->nask && bk->ask_px[0] <= o->px;
        pmc_micros notional = pmc_notional_up(o->sz, o->px);
        pmc_micros maxfee =
            pmc_fee_taker(o->sz, o->px, x->fee_rate, x->fee_exp);
        if ((marketable || !resting_kind) && notional < s->o.min_marketable_usd)
            why = "min_notional";
        else if (resting_kind && !marketable && o->sz < x->minsz)
            why = "min_size";
        else if (notional + maxfee > s->r.cash)
            why = "insufficient_balance";
    } else {
        if (x->shares <= 0)
            why = "insufficient_shares";
        else if (want > x->shares)
            want = x->shares;
        if (!why && resting_kind && want < x->minsz &&
            !(bk->nbid && bk->bid_px[0] >= o->px))
            why = "min_size";
    }
    if (why)
        return finalize(s, o, "rejected", why);
    PMC_TRY(
        report(s, o, s->now + s->o.lat_report, PMC_EXEC_ACK, 0, 0, 0, NULL));
    struct pmc_match m;
    struct pmc_fee_params fp = {x->fee_rate, x->fee_exp};
    pmc_fill_match(bk, o->side, o->px, want, o->tif, &fp, 1, &m);
    for (uint8_t i = 0; i < m.nlegs; i++)
        PMC_TRY(venue_fill(s, o, m.legs[i].sz, m.legs[i].px, m.legs[i].fee, 0));
    if (o->filled >= o->sz)
        return finalize(s, o, "filled", NULL);
    if (resting_kind) {
        o->resting = 1;
        o->next_resting = x->resting;
        x->resting = slot + 1;
        snprintf(o->status, sizeof o->status, "resting");
        return PMC_OK;
    }
    const char *reason = o->tif == PMC_TIF_FOK ? "fok_unfilled"
                         : m.nlegs             ? "fak_remainder"
                                               : "no_liquidity";
    return finalize(s, o, o->filled > 0 ? "partial" : "unfilled", reason);
}

/* A book or trade print on x: fill resting orders it crosses (as maker, at
 * their limit, no fee). trade_px == 0 means "a book update". */
static enum pmc_err cross_resting(struct pmc_sim *s, struct pmc_sim_token *x,
                                  pmc_micros trade_px, pmc_micros trade_sz)
{
    uint32_t cur = x->resting;
    while (cur) {
        uint32_t slot = cur - 1;
        struct pmc_sim_order *o = &s->ords[slot];
        cur = o->next_resting;
        pmc_micros rem = o->sz - o->filled;
        if (o->side == PMC_SELL && rem > x->shares)
            rem = x->shares;
        pmc_micros q;
        if (trade_px)
            q = pmc_fill_rest_trade(o->side, o->px, rem, trade_px, trade_sz);
        else
            q = pmc_fill_rest_book(&x->book, o->side, o->px, rem, 1);
        if (q <= 0)
            continue;
        if (o->side == PMC_BUY && pmc_notional_up(q, o->px) > s->r.cash)
            continue;
        PMC_TRY(venue_fill(s, o, q, o->px, 0, 1));
        if (o->filled >= o->sz || (o->side == PMC_SELL && x->shares <= 0)) {
            unlink_resting(s, slot);
            PMC_TRY(finalize(s, o, o->filled >= o->sz ? "filled" : "partial",
                             o->filled >= o->sz ? NULL : "no_shares"));
        }
    }
    return PMC_OK;
}

static enum pmc_err cancel_resting(struct pmc_sim *s, struct pmc_sim_token *x,
                                   const char *why)
{
    while (x->resting) {
        uint32_t slot = x->resting - 1;
        struct pmc_sim_order *o = &s->ords[slot];
        unlink_resting(s, slot);
        PMC_TRY(finalize(s, o, o->filled > 0 ? "partial" : "unfilled", why));
    }
    return PMC_OK;
}

/* ---- the venue port ------------------------------------------------------ */

static enum pmc_err venue_submit(void *self, const struct pmc_record *rec,
                                 pmc_ms now)
{
    struct pmc_sim *s = self;
    const struct pmc_order_act *a = &rec->u.order;
    uint32_t tk;
    PMC_TRY(tok_get(s, &a->token, NULL, &tk));
    if ((s->ord_live + s->ord_tomb + 1) * 2 > s->ord_idx_cap) {
        uint32_t cap = 256;
        while (cap < (s->ord_live + 1) * 4)
            cap *= 2;
        PMC_TRY(ord_index_rebuild(s, cap));
    }
    uint32_t slot;
    if (s->free_ord) {
        slot = s->free_ord - 1;
        s->free_ord = s->ords[slot].next_free;
    } else {
        if (s->nord == s->cap_ord &&
            grow((void **)&s->ords, &s->cap_ord, sizeof *s->ords))
            return PMC_ENOMEM;
        slot = s->nord++;
    }
    struct pmc_sim_order *o = &s->ords[slot];
    memset(o, 0, sizeof *o);
    o->coid = a->coid;
    o->tok = tk;
    o->side = a->side;
    o->tif = a->tif;
    o->clip = a->clip;
    o->px = a->px;
    o->sz = a->sz;
    o->ref = a->ref;
    o->t_emit = now;
    o->live = 1;
    o->nfills = a->nfills;
    if (a->nfills)
        snprintf(o->first_key, sizeof o->first_key, "%s", a->fills[0].key.s);
    for (uint32_t i = 0; i < a->nfills; i++) {
        const struct pmc_fill_ref *fr = &a->fills[i];
        int32_t tr = fr->trader < s->cfg.ntraders ? (int32_t)fr->trader : -1;
        s->trd[tr < 0 ? s->cfg.ntraders : (uint32_t)tr].fills_copied++;
        pmc_micros ratio = tr >= 0 && s->cfg.traders[tr].ratio >= 0
                               ? s->cfg.traders[tr].ratio
                               : s->cfg.ratio;
        pmc_micros w = pmc_mul(fr->sz, ratio);
        uint32_t j = 0;
        while (j < o->ntr && o->tr[j] != tr)
            j++;
        if (j == o->ntr && o->ntr < ORDER_TRADERS) {
            o->tr[o->ntr] = tr;
            o->tr_w[o->ntr++] = 0;
        } else if (j == o->ntr) {
            j = ORDER_TRADERS - 1;
        }
        o->tr_w[j] += w;
    }
    /* keep the index consistent */
    mkt_index_put(s->ord_idx, s->ord_idx_cap, o->coid.h, slot + 1);
    s->ord_live++;
    s->tok[tk].orders++;
    s->r.orders++;
    s->r.ordered_sh += a->sz;
    s->r.ordered_usd += pmc_notional_up(a->sz, a->px);
    pmc_ms lat = s->o.lat_submit;
    if (s->o.lat_jitter > 0)
        lat += (pmc_ms)(gsl_ran_exponential(s->rng, (double)s->o.lat_jitter) +
                        0.5);
    uint32_t es;
    PMC_TRY(ev_alloc(s, &es));
    s->evs[es].type = EV_ARRIVE;
    s->evs[es].order = slot;
    return schedule(s, now + lat, es);
}

static enum pmc_err venue_cancel(void *self, const struct pmc_sym *coid,
                                 pmc_ms now)
{
    struct pmc_sim *s = self;
    uint32_t slot = ord_find(s, coid);
    s->now = now > s->now ? now : s->now;
    if (slot == UINT32_MAX || !s->ords[slot].resting)
        return PMC_OK;
    unlink_resting(s, slot);
    struct pmc_sim_order *o = &s->ords[slot];
    return finalize(s, o, o->filled > 0 ? "partial" : "unfilled", "cancelled");
}

/* ---- the input port ------------------------------------------------------ */

/* The driver's record hook: the simulator counts skips and kills and keeps
 * its clock at the driver's (a timer fires at its deadline); the journal,
 * when asked for, gets every input and action. */
static enum pmc_err hook_input(void *ctx, const struct pmc_record *ev)
{
    struct pmc_sim *s = ctx;
    if (s->o.journal && pmc_tape_write(s->o.journal, ev) != 0)
        return PMC_EIO;
    return PMC_OK;
}

static enum pmc_err hook_action(void *ctx, const struct pmc_record *a)
{
    struct pmc_sim *s = ctx;
    if (a->t > s->now)
        s->now = a->t;
    switch (a->kind) {
    case PMC_K_SKIP:
        s->r.skips[a->u.skip.reason]++;
        break;
    case PMC_K_KILL:
        if (!s->r.kills++) {
            snprintf(s->r.first_kill, sizeof s->r.first_kill, "%s",
                     a->u.kill.reason);
            s->r.first_kill_t = a->t;
        }
        break;
    default:
        break;
    }
    if (s->o.journal && pmc_tape_write(s->o.journal, a) != 0)
        return PMC_EIO;
    return PMC_OK;
}

static void maybe_sample(struct pmc_sim *s)
{
    if (s->o.equity_sample_ms <= 0 || s->now < s->next_equity_row)
        return;
    if (pmc_sim_equity(s) != s->last_equity_row)
        equity_row(s, "mark");
    s->next_equity_row = (pmc_floor_div(s->now, s->o.equity_sample_ms) + 1) *
                         s->o.equity_sample_ms;
}

/* After the core stepped an exec report: the order is done once its last
 * report is in. */
static void post_step(struct pmc_sim *s)
{
    if (!s->post_exec)
        return;
    s->post_exec = 0;
    uint32_t slot = ord_find(s, &s->post_coid);
    if (slot != UINT32_MAX) {
        struct pmc_sim_order *o = &s->ords[slot];
        if (--o->reports_pending == 0 && !o->resting && o->t_final &&
            o->status[0])
            order_done(s, slot);
    }
}

/* A simulated event is due: an order reaches the venue (*give = 0) or the
 * core is to see a record (*give = 1, *ev set). */
static enum pmc_err take_event(struct pmc_sim *s,
                               const struct pmc_heap_item *it,
                               struct pmc_record *ev, int *give)
{
    struct pmc_sim_ev *e = &s->evs[it->slot];
    s->now = it->t;
    enum pmc_err err = PMC_OK;
    *give = 0;
    if (e->type == EV_ARRIVE) {
        err = arrive(s, e->order);
    } else if (e->type == EV_DELIVER) {
        if (e->rec.kind == PMC_K_FILL) {
            s->r.fills_delivered++;
            const struct pmc_fill *f = &e->rec.u.fill;
            int tr = pmc_config_find_trader(&s->cfg, &f->trader);
            struct pmc_sim_trader *t =
                &s->trd[tr < 0 ? s->cfg.ntraders : (uint32_t)tr];
            t->fills_seen++;
            t->src_usd += pmc_notional_down(f->sz, f->px);
            int b = 0;
            while (b + 1 < PMC_SIM_HIST_BINS &&
                   e->detect >= pmc_sim_hist_lo(0, b + 1))
                b++;
            s->r.h_detect[b]++;
            s->r.detect_sum += e->detect;
            s->r.detect_n++;
        }
        *ev = e->rec;
        ev->t = it->t;
        *give = 1;
        if (e->rec.kind == PMC_K_EXEC) {
            s->post_exec = 1;
            s->post_coid = e->rec.u.exec.coid;
        }
    }
    ev_release(s, it->slot);
    maybe_sample(s);
    return err;
}

static pmc_ms detection_latency(struct pmc_sim *s, const struct pmc_fill *f)
{
    switch (s->o.lat_mode) {
    case PMC_LAT_EMPIRICAL:
        if (s->o.lat_nsamples)
            return s->o.lat_samples[gsl_rng_uniform_int(
                s->rng, (unsigned long)s->o.lat_nsamples)];
        return s->o.lat_src[f->src];
    case PMC_LAT_RECORDED:
        return 0;
    case PMC_LAT_CONST:
    default:
        return s->o.lat_src[f->src];
    }
}

/* A tape record is due: the market model takes it (prices, books, resting
 * orders crossed, resolutions paid) and, for what the core sees now, *give
 * = 1 with *ev set (a source fill reaches the core later, after its
 * detection latency; a book as its top-of-book quote). */
static enum pmc_err take_tape(struct pmc_sim *s, const struct pmc_record *rec,
                              struct pmc_record *ev, int *give)
{
    *give = 0;
    if (rec->t > s->now)
        s->now = rec->t;
    if (!s->r.records++)
        s->r.t_first = rec->t;
    s->r.t_last = rec->t;
    uint32_t tk;
    switch (rec->kind) {
    case PMC_K_FILL: {
        const struct pmc_fill *f = &rec->u.fill;
        s->r.fills_in_tape++;
        PMC_TRY(tok_get(s, &f->token, &f->market, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        if (f->end && !x->end)
            x->end = f->end;
        if (f->outcome[0] && !x->outcome[0])
            memcpy(x->outcome, f->outcome, sizeof x->outcome);
        /* the source's fill is a trade print on its token */
        x->last = f->px;
        set_mark(s, x, f->px);
        PMC_TRY(cross_resting(s, x, f->px, f->sz));
        pmc_ms see;
        if (s->o.lat_mode == PMC_LAT_RECORDED)
            see = rec->t;
        else
            see = f->ts + detection_latency(s, f);
        if (see < rec->t)
            see = rec->t;
        uint32_t slot;
        PMC_TRY(ev_alloc(s, &slot));
        struct pmc_sim_ev *e = &s->evs[slot];
        e->type = EV_DELIVER;
        e->rec = *rec;
        e->rec.t = see;
        e->detect = see - f->ts;
        return schedule(s, see, slot);
    }
    case PMC_K_MARKET: {
        const struct pmc_market_ev *m = &rec->u.market;
        PMC_TRY(tok_get(s, &m->token, &m->market, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        if (m->end) {
            x->end = m->end;
            s->mkt[x->market_idx].end = m->end;
        }
        if (m->tick)
            x->tick = m->tick;
        if (m->minsz)
            x->minsz = m->minsz;
        if (m->fee_rate >= 0)
            x->fee_rate = m->fee_rate;
        if (m->fee_exp >= 0)
            x->fee_exp = m->fee_exp;
        if (m->outcome[0])
            memcpy(x->outcome, m->outcome, sizeof x->outcome);
        *ev = *rec;
        *give = 1;
        return PMC_OK;
    }
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &rec->u.quote;
        s->r.quotes++;
        PMC_TRY(tok_get(s, &q->token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        pmc_book_from_quote(&x->book, q, s->o.unknown_sz);
        x->has_book = 1;
        set_mark(s, x, pmc_book_mid(&x->book));
        PMC_TRY(cross_resting(s, x, 0, 0));
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_BOOK: {
        const struct pmc_book_ev *b = &rec->u.book;
        s->r.quotes++;
        PMC_TRY(tok_get(s, &b->token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        pmc_book_from_levels(&x->book, b);
        x->has_book = 1;
        set_mark(s, x, pmc_book_mid(&x->book));
        PMC_TRY(cross_resting(s, x, 0, 0));
        /* the core sees the top of book as a quote */
        struct pmc_record q;
        memset(&q, 0, sizeof q);
        q.kind = PMC_K_QUOTE;
        q.t = rec->t;
        q.u.quote.token = b->token;
        if (b->nbid) {
            q.u.quote.bid = b->bid_px[0];
            q.u.quote.bidsz = b->bid_sz[0];
        }
        if (b->nask) {
            q.u.quote.ask = b->ask_px[0];
            q.u.quote.asksz = b->ask_sz[0];
        }
        if (b->nbid || b->nask) {
            *ev = q;
            *give = 1;
        }
        break;
    }
    case PMC_K_TRADE: {
        s->r.trades++;
        PMC_TRY(tok_get(s, &rec->u.trade.token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        x->last = rec->u.trade.px;
        set_mark(s, x, rec->u.trade.px);
        PMC_TRY(cross_resting(s, x, rec->u.trade.px, rec->u.trade.sz));
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_RESOLVE: {
        s->r.resolves++;
        PMC_TRY(tok_get(s, &rec->u.resolve.token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        PMC_TRY(cancel_resting(s, x, "market_resolved"));
        if (!x->resolved) {
            x->resolved = 1;
            x->payout = rec->u.resolve.payout;
            pmc_micros paid = pmc_notional_down(x->shares, x->payout);
            s->r.cash += paid;
            s->r.paid_out += paid;
            x->paid_usd += paid;
            x->realized += paid - x->cost;
            s->r.realized += paid - x->cost;
            s->r.cost_open -= x->cost;
            x->cost = 0;
            x->shares = 0;
            x->mark = x->payout;
            remark(s, x);
            if (paid || x->bought_sh)
                equity_row(s, "resolve");
        }
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_KILL:
    case PMC_K_RESUME:
        if (rec->kind == PMC_K_KILL && rec->u.kill.by_core)
            break; /* a recorded action, not an input */
        *ev = *rec;
        *give = 1;
        break;
    default:
        /* exec/order/skip/timer/flush on an input tape are outputs or
         * driver-owned: the simulator makes its own. Import-only kinds
         * (merge/redeem/split) do not move prices. */
        break;
    }
    maybe_sample(s);
    return PMC_OK;
}

static enum pmc_err sim_next(void *self, pmc_ms deadline,
                             struct pmc_record *ev)
{
    struct pmc_sim *s = self;
    post_step(s);
    for (;;) {
        if (!s->have_peek && !s->tape_end) {
            int k = s->rd ? pmc_tape_next(s->rd, &s->peek) : 0;
            if (k < 0) {
                snprintf(s->err, sizeof s->err, "%s", s->rd->err);
                return PMC_EPARSE;
            }
            s->have_peek = k == 1;
            s->tape_end = k == 0;
        }
        const struct pmc_heap_item *top = pmc_heap_top(&s->heap);
        pmc_ms ht = top ? top->t : PMC_NO_DEADLINE;
        int give;
        if (s->have_peek && s->peek.t <= ht) {
            if (s->peek.t >= deadline)
                return PMC_EAGAIN;
            s->have_peek = 0;
            PMC_TRY(take_tape(s, &s->peek, ev, &give));
        } else if (top) {
            if (ht >= deadline)
                return PMC_EAGAIN;
            struct pmc_heap_item it;
            pmc_heap_pop(&s->heap, &it);
            PMC_TRY(take_event(s, &it, ev, &give));
        } else {
            /* the data is over and nothing is in flight: simulated time
             * still runs to the core's timers */
            return deadline == PMC_NO_DEADLINE ? PMC_EEND : PMC_EAGAIN;
        }
        if (give)
            return PMC_OK;
    }
}

static pmc_ms sim_clock(void *self)
{
    const struct pmc_sim *s = self;
    return s->now;
}

/* ---- setup, finish ------------------------------------------------------- */

enum pmc_err pmc_sim_init(struct pmc_sim *s, const struct pmc_config *cfg,
                          const struct pmc_sim_opts *o)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->o = *o;
    pmc_heap_init(&s->heap);
    char msg[256];
    if (pmc_config_validate(cfg, msg, sizeof msg) != PMC_OK) {
        snprintf(s->err, sizeof s->err, "invalid configuration: %s", msg);
        return PMC_ECONFIG;
    }
    size_t sz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    s->eng_mem = aligned_alloc(64, sz);
    s->trd = calloc(cfg->ntraders + 1, sizeof *s->trd);
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->eng_mem || !s->trd || !s->rng) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return PMC_ENOMEM;
    }
    gsl_rng_set(s->rng, (unsigned long)o->seed);
    s->venue.self = s;
    s->venue.submit = venue_submit;
    s->venue.cancel = venue_cancel;
    s->src.self = s;
    s->src.next = sim_next;
    s->src.clock = sim_clock;
    struct pmc_driver_hook hook = {s, hook_input, hook_action};
    enum pmc_err e =
        pmc_driver_init(&s->drv, s->eng_mem, sz, cfg, &s->venue, &hook);
    if (e != PMC_OK) {
        snprintf(s->err, sizeof s->err, "core init failed: %s",
                 pmc_strerror(e));
        return e;
    }
    s->eng = s->drv.eng;
    for (uint32_t i = 0; i < cfg->ntraders; i++) {
        s->trd[i].addr = cfg->traders[i].address;
        memcpy(s->trd[i].label, cfg->traders[i].label, sizeof s->trd[i].label);
    }
    snprintf(s->trd[cfg->ntraders].label, sizeof s->trd[0].label, "(others)");
    s->r.cash = s->r.capital = s->r.peak_equity = s->r.min_cash = o->capital;
    s->last_equity_row = o->capital;
    s->r.identity_ok = s->r.engine_agrees = 1;
    return PMC_OK;
}

void pmc_sim_fini(struct pmc_sim *s)
{
    free(s->eng_mem);
    free(s->trd);
    if (s->rng)
        gsl_rng_free(s->rng);
    pmc_heap_fini(&s->heap);
    free(s->evs);
    free(s->ords);
    free(s->ord_idx);
    free(s->tok);
    free(s->tok_idx);
    free(s->mkt);
    free(s->mkt_idx);
    memset(s, 0, sizeof *s);
}

static void check_books(struct pmc_sim *s)
{
    /* Recompute the running totals from the per-token ledger. */
    pmc_micros cost = 0, mv = 0, realized = 0, fees = 0;
    for (uint32_t i = 0; i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        cost += x->cost;
        mv += x->shares > 0 ? pmc_notional_down(x->shares, x->mark) : 0;
        realized += x->realized;
        fees += x->fees;
    }
    pmc_micros unreal = mv - cost;
    s->r.unrealized = unreal;
    /* cash + positions at mark = start + realised + unrealised - fees */
    pmc_micros lhs = s->r.cash + mv;
    pmc_micros rhs = s->r.capital + realized + unreal - fees;
    if (lhs != rhs || cost != s->r.cost_open || mv != s->r.mv_open ||
        realized != s->r.realized || fees != s->r.fees) {
        s->r.identity_ok = 0;
        char a[32], b[32];
        pmc_dec_format(lhs, a);
        pmc_dec_format(rhs, b);
        snprintf(s->r.identity_msg, sizeof s->r.identity_msg,
                 "cash+positions %s != start+realised+unrealised-fees %s", a,
                 b);
    }
    /* The core saw the same exec reports: its positions must agree. */
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(s->eng, i, &v); i++) {
        uint32_t k = tok_find(s, v.token);
        pmc_micros held = k == UINT32_MAX ? 0 : s->tok[k].shares;
        int resolved = k != UINT32_MAX && s->tok[k].resolved;
        if (!resolved && v.shares != held && !v.resolved) {
            s->r.engine_agrees = 0;
            snprintf(s->r.identity_msg, sizeof s->r.identity_msg,
                     "core holds %" PRId64
                     " micro-shares of %s, ledger %" PRId64,
                     v.shares, v.token->s, held);
        }
    }
}

/* End of data: resting orders die with it. */
static enum pmc_err end_of_data(struct pmc_sim *s)
{
    for (uint32_t i = 0; i < s->ntok; i++)
        PMC_TRY(cancel_resting(s, &s->tok[i], "end_of_data"));
    return PMC_OK;
}

static void final_checks(struct pmc_sim *s)
{
    s->r.unresolved_positions = 0;
    for (uint32_t i = 0; i < s->ntok; i++)
        if (s->tok[i].shares > 0)
            s->r.unresolved_positions++;
    check_books(s);
    s->r.capital_used = s->r.capital - s->r.min_cash;
    equity_row(s, "end");
}

/* Name what failed: the tape line for a record the core refused. */
static enum pmc_err run_error(struct pmc_sim *s, const char *name,
                              enum pmc_err e)
{
    char tmp[sizeof s->err];
    if (s->err[0])
        snprintf(tmp, sizeof tmp, "%s", s->err);
    else if (s->drv.fail_kind == PMC_K_TIMER)
        snprintf(tmp, sizeof tmp, "core timer failed: %s", pmc_strerror(e));
    else
        snprintf(tmp, sizeof tmp,
                 "core refused a %s record at t=%" PRId64 ": %s",
                 pmc_kind_name(s->drv.fail_kind), s->drv.fail_t,
                 pmc_strerror(e));
    if (e == PMC_EPARSE && s->rd)
        snprintf(s->err, sizeof s->err, "%s", tmp);
    else if (s->rd && !s->tape_end)
        snprintf(s->err, sizeof s->err, "%.200s:%" PRIu64 ": %.300s", name,
                 s->rd->line, tmp);
    else
        snprintf(s->err, sizeof s->err, "%.200s: at end of data: %.300s",
                 name, tmp);
    return e;
}

enum pmc_err pmc_sim_run(struct pmc_sim *s, FILE *in, const char *name)
{
    struct pmc_tape_reader rd;
    if (pmc_tape_reader_init(&rd, in, name) != PMC_OK) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return PMC_ENOMEM;
    }
    s->rd = &rd;
    s->have_peek = s->tape_end = 0;
    /* the data and everything it causes; the shutdown flush; what the
     * flush sent; resting orders cancelled at the end of data and their
     * reports */
    enum pmc_err e = pmc_driver_run(&s->drv, &s->src);
    if (e == PMC_OK)
        e = pmc_driver_finish(&s->drv, &s->src);
    if (e == PMC_OK)
        e = pmc_driver_run(&s->drv, &s->src);
    if (e == PMC_OK)
        e = end_of_data(s);
    if (e == PMC_OK)
        e = pmc_driver_run(&s->drv, &s->src);
    if (e != PMC_OK)
        run_error(s, name, e);
    else
        final_checks(s);
    s->rd = NULL;
    pmc_tape_reader_fini(&rd);
    return e;
}

enum pmc_err pmc_sim_load_samples(const char *path, pmc_ms **out, size_t *n,
                                  char *msg, size_t cap)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, cap, "%s: cannot open latency samples", path);
        return PMC_EIO;
    }
    char line[256];
    size_t cnt = 0, capn = 0;
    pmc_ms *v = NULL;
    unsigned long ln = 0;
    enum pmc_err e = PMC_OK;
    while (fgets(line, sizeof line, f)) {
        ln++;
        size_t len = strcspn(line, "\r\n");
        char *p = line;
        while (*p == ' ')
            p++;
        len = strcspn(p, "\r\n");
        while (len && p[len - 1] == ' ')
            len--;
        if (!len || *p == '#')
            continue;
        pmc_micros ms;
        if (pmc_dec_parse(p, len, &ms) != PMC_OK || ms < 0) {
            snprintf(msg, cap,
                     "%s:%lu: bad latency sample '%.*s': "
                     "milliseconds >= 0",
                     path, ln, (int)len, p);
            e = PMC_EPARSE;
            break;
        }
        if (cnt == capn) {
            capn = capn ? capn * 2 : 256;
            pmc_ms *nv = realloc(v, capn * sizeof *nv);
            if (!nv) {
                e = PMC_ENOMEM;
                break;
            }
            v = nv;
        }
        v[cnt++] = (ms + PMC_MICRO / 2) / PMC_MICRO;
    }
    fclose(f);
    if (e == PMC_OK && !cnt) {
        snprintf(msg, cap, "%s: no latency samples", path);
        e = PMC_EPARSE;
    }
    if (e != PMC_OK) {
        free(v);
        return e;
    }
    *out = v;
    *n = cnt;
    return PMC_OK;
}

int64_t pmc_sim_hist_lo(int which, int i)
{
    switch (which) {
    case 0: /* detection latency ms: 0, 250, 500, ... by 1 s past 2 s */
        return i < 8 ? (int64_t)i * 250 : 2000 + (int64_t)(i - 8) * 2000;
    case 1: /* round trip ms: 0, 25, 50, ... */
        return (int64_t)i * 25;
    default: /* slippage tenths of a cent: -60 .. +170 by 10 */
        return i == 0 ? INT64_MIN : -60 + (int64_t)(i - 1) * 10;
    }
}
