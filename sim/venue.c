/* sim/venue.c - the simulated venue behind the venue port (core/venue.h).
 *
 * Decides: when an order arrives (submit latency + seeded jitter), whether
 * the venue accepts it (market closed, minimum notional/size, balance,
 * shares), how it fills (core/fillmodel.h against the tape's book or the
 * no-book model), what rests and when resting orders fill (as maker, at
 * their limit) or die (resolution, cancel, end of data), and the exec
 * reports the core sees lat_report later. Writes orders.csv and fills.csv.
 * Never: steps the core (reports go back through the event heap), or
 * reads a clock.
 *
 * An order's life (status column of orders.csv):
 *
 *   from        event                          to
 *   submitted   arrival, refused               rejected  (report: reject)
 *   submitted   arrival, filled in full        filled    (ack, fills)
 *   submitted   arrival, GTD past its exp      rejected  ("expired")
 *   submitted   arrival, GTC/GTD remainder     resting   (ack, fills)
 *   submitted   arrival, FAK/FOK remainder     partial | unfilled (cancel)
 *   resting     book/trade crosses, all filled filled
 *   resting     SELL runs out of shares        partial (cancel)
 *   resting     resolve / cancel / end of data partial | unfilled (cancel)
 *   resting     GTD: its exp (unix s) is due   partial | unfilled (cancel,
 *                                              reason "expired")
 *   any final   its last report seen by core   done: row written, slot free
 */
#include <gsl/gsl_randist.h>

#include "sim/sim_int.h"

/* Schedule an exec report for the core. */
static enum pmc_err report(struct pmc_sim *s, struct pmc_sim_order *o, pmc_ms t,
                           enum pmc_exec_status st, pmc_micros sz,
                           pmc_micros px, pmc_micros fee, const char *reason)
{
    uint32_t slot;
    PMC_TRY(pmc_sim_ev_alloc(s, &slot));
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
    return pmc_sim_schedule(s, t, slot);
}

uint32_t pmc_sim_ord_find(const struct pmc_sim *s, const struct pmc_sym *coid)
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
void pmc_sim_order_done(struct pmc_sim *s, uint32_t slot)
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

/* A fill leg of o (sz at px) against the source's price (ref): the mid at
 * arrival, the slippage (price micros, + = worse for us) and the follower
 * penalty's drift and spread (USD micros). */
struct leg {
    pmc_micros mid, slip_px, drift, spread;
};

static void leg_price(const struct pmc_sim_order *o, pmc_micros sz,
                      pmc_micros px, struct leg *g)
{
    g->mid = o->mid_arrive ? o->mid_arrive : px;
    pmc_micros sgn = o->side == PMC_BUY ? 1 : -1;
    g->drift = sgn * pmc_muldiv_floor(g->mid - o->ref, sz, PMC_MICRO);
    g->spread = sgn * pmc_muldiv_floor(px - g->mid, sz, PMC_MICRO);
    g->slip_px = sgn * (px - o->ref);
}

/* Our buy notional usd (negative: taken back) split between the traders
 * behind the order by their weights. */
static void attribute_buy(const struct pmc_sim_order *o,
                          struct pmc_sim_token *x, pmc_micros usd)
{
    if (!o->ntr)
        return;
    pmc_micros wsum = 0;
    for (uint32_t i = 0; i < o->ntr; i++)
        wsum += o->tr_w[i];
    for (uint32_t i = 0; i < o->ntr; i++) {
        pmc_micros part =
            wsum > 0 ? pmc_muldiv_floor(usd, o->tr_w[i], wsum) : 0;
        pmc_sim_attribute(x, o->tr[i], part);
    }
}

/* One row of fills.csv: a leg (liquidity taker or maker), or a failed one
 * (liquidity failed: its size, notional, fee, drift and spread negated). */
static void fill_row(struct pmc_sim *s, const struct pmc_sim_order *o,
                     const struct pmc_sim_token *x, const char *liquidity,
                     pmc_micros px, pmc_micros sz, pmc_micros usd,
                     pmc_micros fee, const struct leg *g)
{
    FILE *f = s->o.fills_csv;
    if (!f)
        return;
    fprintf(f, "%s,%" PRId64 ",%s,%s,%s,%s,%s,", o->coid.s, s->now, x->token.s,
            x->market.s, x->outcome, pmc_side_name(o->side), liquidity);
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
    fmt_dec(f, g->mid);
    fputc(',', f);
    fmt_dec(f, g->slip_px);
    fputc(',', f);
    fmt_dec(f, g->drift);
    fputc(',', f);
    fmt_dec(f, g->spread);
    fprintf(f, ",%" PRId64 "\n", s->now - o->t_emit);
}

/* Apply a fill leg at the venue: ledger, fills.csv, exec report. */
static enum pmc_err venue_fill(struct pmc_sim *s, struct pmc_sim_order *o,
                               pmc_micros sz, pmc_micros px, pmc_micros fee,
                               int maker)
{
    struct pmc_sim_token *x = &s->tok[o->tok];
    pmc_micros basis = 0;
    if (o->side == PMC_BUY) {
        pmc_sim_book_buy(s, x, sz, px, fee);
    } else {
        basis = sz >= x->shares ? x->cost
                                : pmc_muldiv_floor(x->cost, sz, x->shares);
        pmc_sim_book_sell(s, x, sz, px, fee);
    }
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
    struct leg g;
    leg_price(o, sz, px, &g);
    s->r.pen.drift += g.drift;
    s->r.pen.spread += g.spread;
    s->r.pen.fees += fee;
    s->r.slip_sum_sh += pmc_muldiv_floor(g.slip_px, sz, PMC_MICRO);
    int64_t tenth_cents = g.slip_px / 1000;
    int b = 0;
    while (b + 1 < PMC_SIM_HIST_BINS &&
           tenth_cents >= pmc_sim_hist_lo(2, b + 1))
        b++;
    s->r.h_slip[b]++;
    if (o->side == PMC_BUY)
        attribute_buy(o, x, usd);
    fill_row(s, o, x, maker ? "maker" : "taker", px, sz, usd, fee, &g);
    pmc_sim_equity_row(s, "fill");
    PMC_TRY(report(s, o, s->now + s->o.lat_report, PMC_EXEC_FILL, sz, px, fee,
                   NULL));
    if (!pmc_trade_fails(s->cfg.trade_fail_share, &o->coid, o->nlegs))
        return PMC_OK;
    /* the venue learns of the failure trade_fail_after_ms later, the core
     * lat_report after that: the ledger is undone when the core sees it */
    uint32_t slot;
    PMC_TRY(pmc_sim_ev_alloc(s, &slot));
    struct pmc_sim_ev *e = &s->evs[slot];
    e->type = EV_TRADE_FAIL;
    e->detect = -1;
    e->order = (uint32_t)(o - s->ords);
    e->basis = basis;
    memset(&e->rec, 0, sizeof e->rec);
    e->rec.kind = PMC_K_EXEC;
    struct pmc_exec *fx = &e->rec.u.exec;
    fx->coid = o->coid;
    fx->status = PMC_EXEC_FAILED;
    fx->sz = sz;
    fx->px = px;
    fx->fee = fee;
    o->reports_pending++;
    pmc_ms t = s->now + s->cfg.trade_fail_after_ms + s->o.lat_report;
    e->rec.t = t;
    return pmc_sim_schedule(s, t, slot);
}

void pmc_sim_trade_failed(struct pmc_sim *s, struct pmc_sim_ev *e)
{
    struct pmc_sim_order *o = &s->ords[e->order];
    struct pmc_sim_token *x = &s->tok[o->tok];
    const struct pmc_exec *fx = &e->rec.u.exec;
    if (o->side == PMC_BUY)
        pmc_sim_unbook_buy(s, x, fx->sz, fx->px, fx->fee);
    else
        pmc_sim_unbook_sell(s, x, fx->sz, fx->px, fx->fee, e->basis);
    pmc_micros usd = o->side == PMC_BUY ? pmc_notional_up(fx->sz, fx->px)
                                        : pmc_notional_down(fx->sz, fx->px);
    s->r.trades_failed++;
    s->r.failed_usd += usd;
    s->r.failed_fees += fx->fee;
    /* the follower penalty and the traders' split net the leg out (the
     * slippage statistics describe the matches and keep it) */
    struct leg g;
    leg_price(o, fx->sz, fx->px, &g);
    s->r.pen.drift -= g.drift;
    s->r.pen.spread -= g.spread;
    s->r.pen.fees -= fx->fee;
    if (o->side == PMC_BUY)
        attribute_buy(o, x, -usd);
    g.drift = -g.drift;
    g.spread = -g.spread;
    fill_row(s, o, x, "failed", fx->px, -fx->sz, -usd, -fx->fee, &g);
    pmc_sim_equity_row(s, "failed");
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

/* Why a FAK/FOK order (after its match m) did not fill in full: the FOK
 * rule, a remainder after some fills, an empty side, a limit held at the
 * market's price bound by its tick (a BUY at 1 - tick, a SELL at tick)
 * with the best price beyond it, or a best price beyond the limit. */
static const char *unfilled_reason(const struct pmc_book *bk,
                                   const struct pmc_sim_order *o,
                                   const struct pmc_sim_token *x,
                                   const struct pmc_match *m)
{
    if (o->tif == PMC_TIF_FOK)
        return "fok_unfilled";
    if (m->nlegs)
        return "fak_remainder";
    pmc_micros tick = x->tick > 0 ? x->tick : 10000;
    if (o->side == PMC_BUY) {
        if (!bk->nask)
            return "no_liquidity";
        return o->px >= PMC_MICRO - tick ? "tick_cap" : "ask_above_limit";
    }
    if (!bk->nbid)
        return "no_liquidity";
    return o->px <= tick ? "tick_cap" : "bid_below_limit";
}

/* The order reaches the venue. */
enum pmc_err pmc_sim_arrive(struct pmc_sim *s, uint32_t slot)
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
                           s->o.half_spread, x->tick, s->o.nobook_depth);
        bk = &synth;
    }
    o->mid_arrive = pmc_book_mid(bk);
    int resting_kind = o->tif == PMC_TIF_GTC || o->tif == PMC_TIF_GTD;
    const char *why = NULL;
    pmc_micros want = o->sz;
    if (x->resolved || (x->end && s->now >= x->end))
        why = "market_closed";
    else if (o->t_expire && s->now >= o->t_expire)
        why = "expired";
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
        if (o->t_expire) {
            uint32_t es;
            PMC_TRY(pmc_sim_ev_alloc(s, &es));
            s->evs[es].type = EV_EXPIRE;
            s->evs[es].order = slot;
            memset(&s->evs[es].rec, 0, sizeof s->evs[es].rec);
            s->evs[es].rec.u.exec.coid = o->coid;
            return pmc_sim_schedule(s, o->t_expire, es);
        }
        return PMC_OK;
    }
    return finalize(s, o, o->filled > 0 ? "partial" : "unfilled",
                    unfilled_reason(bk, o, x, &m));
}

/* A book or trade print on x: fill resting orders it crosses (as maker, at
 * their limit, no fee). trade_px == 0 means "a book update". */
enum pmc_err pmc_sim_cross_resting(struct pmc_sim *s, struct pmc_sim_token *x,
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

enum pmc_err pmc_sim_expire(struct pmc_sim *s, uint32_t slot,
                            const struct pmc_sym *coid)
{
    if (slot >= s->nord)
        return PMC_OK;
    struct pmc_sim_order *o = &s->ords[slot];
    if (!o->live || !o->resting || !pmc_sym_eq(&o->coid, coid))
        return PMC_OK; /* filled, cancelled or gone before its expiry */
    unlink_resting(s, slot);
    return finalize(s, o, o->filled > 0 ? "partial" : "unfilled", "expired");
}

enum pmc_err pmc_sim_cancel_resting(struct pmc_sim *s, struct pmc_sim_token *x,
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

enum pmc_err pmc_sim_venue_submit(void *self, const struct pmc_record *rec,
                                  pmc_ms now)
{
    struct pmc_sim *s = self;
    const struct pmc_order_act *a = &rec->u.order;
    uint32_t tk;
    PMC_TRY(pmc_sim_tok_get(s, &a->token, NULL, &tk));
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
    if (a->tif == PMC_TIF_GTD && a->exp > 0)
        o->t_expire = a->exp * 1000;
    o->live = 1;
    o->nfills = a->nfills;
    if (a->nfills)
        snprintf(o->first_key, sizeof o->first_key, "%s", a->fills[0].key.s);
    for (uint32_t i = 0; i < a->nfills; i++) {
        const struct pmc_fill_ref *fr = &a->fills[i];
        int32_t tr = pmc_sim_trader_of(s, fr->trader);
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
    PMC_TRY(pmc_sim_ev_alloc(s, &es));
    s->evs[es].type = EV_ARRIVE;
    s->evs[es].order = slot;
    return pmc_sim_schedule(s, now + lat, es);
}

enum pmc_err pmc_sim_venue_cancel(void *self, const struct pmc_sym *coid,
                                  pmc_ms now)
{
    struct pmc_sim *s = self;
    uint32_t slot = pmc_sim_ord_find(s, coid);
    s->now = now > s->now ? now : s->now;
    if (slot == UINT32_MAX || !s->ords[slot].resting)
        return PMC_OK;
    unlink_resting(s, slot);
    struct pmc_sim_order *o = &s->ords[slot];
    return finalize(s, o, o->filled > 0 ? "partial" : "unfilled", "cancelled");
}

/* End of data: resting orders die with it. */
enum pmc_err pmc_sim_end_of_data(struct pmc_sim *s)
{
    for (uint32_t i = 0; i < s->ntok; i++)
        PMC_TRY(pmc_sim_cancel_resting(s, &s->tok[i], "end_of_data"));
    return PMC_OK;
}
