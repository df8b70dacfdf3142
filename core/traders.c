/* core/traders.c - per-trader accountability (engine.h): which traders an
 * order is attributed to and what its execution earned each of them, the
 * sources' own virtual positions, the cut-offs (trader_max_daily_loss_usd,
 * trader_max_consecutive_losses) and the views of these numbers.
 *
 * Called by engine.c at an order's emission, an execution fill, a
 * resolution and a bucket's flush; calls nothing of engine.c. Must never
 * (as all of core/): read a clock, do I/O, allocate, use floating point or
 * keep global mutable state. */
#include "engine_int.h"

/* ---- per-trader accountability (engine.h) ------------------------------ */

/* a + b, held at the int64 range (sums of the source's P&L, which no cap
 * bounds) */
static pmc_micros sat_add(pmc_micros a, pmc_micros b)
{
    pmc_micros r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* The most a source's virtual position holds, in shares and in cost (1e12
 * shares or USD, as our own positions): beyond, the fill is untracked. */
#define SRC_MAX ((pmc_micros)1000000000000 * PMC_MICRO)

/* A new flat part of token tk for trader i; NULL when the table is full
 * (the caller counts it untracked). */
static struct part *part_new(struct pmc_engine *e, uint32_t i, uint32_t tk)
{
    struct tok *x = &e->toks[tk];
    uint32_t p;
    if (e->free_part != NONE) {
        p = e->free_part;
        e->free_part = e->parts[p].next;
    } else if (e->part_hwm < e->part_cap) {
        p = e->part_hwm++;
    } else {
        return NULL;
    }
    struct part *q = &e->parts[p];
    memset(q, 0, sizeof *q);
    q->trader = i;
    q->next = x->parts;
    x->parts = p;
    return q;
}

/* The parts of token tk of traders tr[0, n) (distinct) into pp[0, n), in
 * one walk of the token's list (they lie apart in memory: one walk per
 * flush or report, not one per trader), new ones created; NULL where the
 * table is full. */
static void parts_for(struct pmc_engine *e, uint32_t tk, const uint32_t *tr,
                      uint32_t n, struct part **pp)
{
    uint32_t found = 0;
    for (uint32_t j = 0; j < n; j++)
        pp[j] = NULL;
    for (uint32_t p = e->toks[tk].parts; p != NONE && found < n;
         p = e->parts[p].next)
        for (uint32_t j = 0; j < n; j++)
            if (tr[j] == e->parts[p].trader) {
                pp[j] = &e->parts[p];
                found++;
                break;
            }
    for (uint32_t j = 0; j < n && found < n; j++)
        if (!pp[j])
            pp[j] = part_new(e, tr[j], tk);
}

/* How an order's execution is shared: the weights' sum and the largest
 * contributor (the first of them), who takes the rounding remainder. */
struct shares {
    pmc_micros W;
    uint32_t big;
};

static struct shares shares_of(const struct attr *a, uint32_t n)
{
    struct shares sh = {0, 0};
    for (uint32_t i = 0; i < n; i++) {
        sh.W = a[i].w > INT64_MAX - sh.W ? INT64_MAX : sh.W + a[i].w;
        if (a[i].w > a[sh.big].w)
            sh.big = i;
    }
    return sh;
}

/* floor(v x w / W), without the 128-bit division when v x w fits */
static pmc_micros part_floor(pmc_micros v, pmc_micros w, pmc_micros W)
{
    int64_t p;
    if (__builtin_mul_overflow(v, w, &p))
        return pmc_muldiv_floor(v, w, W);
    int64_t q = p / W;
    return (p % W != 0 && p < 0) ? q - 1 : q;
}

/* Split v between a[0..n) into part[0..n): each floor(v x w_j / W), the
 * rounding remainder to the largest contributor, so the parts add up to v;
 * with no weight at all, everything to the first. */
static void split(pmc_micros v, const struct attr *a, uint32_t n,
                  struct shares sh, pmc_micros *part)
{
    if (n == 1 || sh.W <= 0) {
        for (uint32_t i = 0; i < n; i++)
            part[i] = i == 0 ? v : 0;
        return;
    }
    pmc_micros rest = v;
    for (uint32_t i = 0; i < n; i++) {
        if (i == sh.big)
            continue;
        part[i] = part_floor(v, a[i].w, sh.W);
        rest -= part[i];
    }
    part[sh.big] = rest;
}

/* The core's own switch of trader i (an action, by=core). */
void pmc__emit_trader(struct pmc_engine *e, uint32_t i, int on, const char *why,
                      struct pmc_actions *out)
{
    PMC_ASSERT(out->n < out->cap);
    struct pmc_record *a = &out->v[out->n++];
    a->kind = PMC_K_TRADER;
    a->t = e->now;
    struct pmc_trader_ev *t = &a->u.trader;
    t->trader = e->cfg.traders[i].address;
    t->on = on;
    t->who = PMC_WHO_CORE;
    size_t n = strlen(why);
    PMC_ASSERT(n < sizeof t->reason);
    memcpy(t->reason, why, n + 1);
}

/* Enter trader i's realised P&L of one closing trade, then its cut-offs:
 * today's realised loss first, then the run of losses. */
static void trader_pnl(struct pmc_engine *e, uint32_t i, pmc_micros pnl,
                       struct pmc_actions *out)
{
    struct pmc_trader_stats *t = tst(e, i);
    const struct pmc_config *c = &e->cfg;
    t->realized_usd += pnl;
    t->realized_today += pnl;
    if (pnl < 0)
        t->consecutive_losses++;
    else if (pnl > 0)
        t->consecutive_losses = 0;
    if (t->off)
        return;
    if (c->trader_max_daily_loss_usd > 0 &&
        t->realized_today <= -c->trader_max_daily_loss_usd) {
        t->off = PMC_TRADER_OFF_DAILY_LOSS;
        e->ts[i].off_day = e->risk.day;
    } else if (c->trader_max_consecutive_losses > 0 &&
               t->consecutive_losses >= c->trader_max_consecutive_losses) {
        t->off = PMC_TRADER_OFF_LOSS_STREAK;
    } else {
        return;
    }
    pmc__emit_trader(e, i, 0, pmc_trader_off_name(t->off), out);
}

/* The order in slot k was emitted from bucket b on `side`: list the
 * traders it is attributed to and count their fills copied. */
void pmc__attr_order(struct pmc_engine *e, uint32_t k,
                     const struct pmc_bucket *b, enum pmc_side side)
{
    struct attr *a = &e->attr[(size_t)k * e->attr_k];
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->nfills; i++) {
        const struct pmc_fill_ref *f = &b->fills[i];
        struct pmc_trader_stats *t = tst(e, f->trader);
        t->fills_copied++;
        uint32_t j = 0;
        while (j < n && a[j].trader != f->trader)
            j++;
        if (j == n) {
            if (n == e->attr_k) {
                t->untracked++;
                continue;
            }
            a[n].trader = f->trader;
            a[n].w = 0;
            n++;
            t->orders++;
        }
        if (f->side == side) {
            pmc_micros w = pmc_mul(f->sz, pmc_sizing_ratio(&e->cfg, f->trader));
            a[j].w = w > INT64_MAX - a[j].w ? INT64_MAX : a[j].w + w;
        }
    }
    e->orders[k].nattr = n;
}

/* An execution fill of the order in slot k: `sh` shares into (BUY) or out
 * of (SELL) the position, `usd` shares x price, `fee`, and for a SELL the
 * cost `basis` it takes out. */
void pmc__attr_fill(struct pmc_engine *e, uint32_t k, pmc_micros sh,
                    pmc_micros usd, pmc_micros fee, pmc_micros basis,
                    struct pmc_actions *out)
{
    const struct order *o = &e->orders[k];
    const struct attr *a = &e->attr[(size_t)k * e->attr_k];
    uint32_t n = o->nattr;
    pmc_micros dsh[PMC_ATTR_MAX], dusd[PMC_ATTR_MAX], dfee[PMC_ATTR_MAX],
        db[PMC_ATTR_MAX];
    uint32_t tr[PMC_ATTR_MAX] = {0};
    struct part *pp[PMC_ATTR_MAX];
    for (uint32_t j = 0; j < n; j++)
        tr[j] = a[j].trader;
    parts_for(e, o->tok, tr, n, pp);
    struct shares w = shares_of(a, n);
    split(sh, a, n, w, dsh);
    split(usd, a, n, w, dusd);
    split(fee, a, n, w, dfee);
    split(o->side == PMC_SELL ? basis : 0, a, n, w, db);
    for (uint32_t j = 0; j < n; j++) {
        struct pmc_trader_stats *t = tst(e, a[j].trader);
        struct part *p = pp[j];
        if (!p)
            t->untracked++;
        t->order_fills++;
        t->fees_usd += dfee[j];
        if (o->side == PMC_BUY) {
            t->bought_usd += dusd[j];
            if (p) {
                p->shares += dsh[j];
                p->cost += dusd[j] + dfee[j];
            }
        } else {
            t->sold_usd += dusd[j];
            trader_pnl(e, a[j].trader, dusd[j] - dfee[j] - db[j], out);
            if (p) {
                p->shares -= dsh[j];
                p->cost -= db[j];
            }
        }
    }
}

/* Token x resolved at `payout`: realise every trader's part, ours and the
 * source's. */
void pmc__attr_resolve(struct pmc_engine *e, struct tok *x, pmc_micros payout,
                       struct pmc_actions *out)
{
    for (uint32_t i = x->parts; i != NONE; i = e->parts[i].next) {
        struct part *p = &e->parts[i];
        if (p->shares || p->cost)
            trader_pnl(e, p->trader, pmc_mul(p->shares, payout) - p->cost, out);
        struct pmc_trader_stats *t = tst(e, p->trader);
        t->src_realized_usd = sat_add(
            t->src_realized_usd, pmc_mul(p->src_shares, payout) - p->src_cost);
        p->shares = p->cost = p->src_shares = p->src_cost = 0;
    }
}

/* One source fill of trader i moves its virtual position p (NULL: the
 * part table is full). */
static void src_apply(struct pmc_engine *e, uint32_t i, struct part *p,
                      const struct pmc_fill_ref *f)
{
    if (!p) {
        tst(e, i)->untracked++;
        return;
    }
    if (f->side == PMC_BUY) {
        pmc_micros cost = pmc_mul(f->sz, f->px);
        if (p->src_shares > SRC_MAX - f->sz || p->src_cost > SRC_MAX - cost) {
            tst(e, i)->untracked++;
            return;
        }
        p->src_shares += f->sz;
        p->src_cost += cost;
        return;
    }
    pmc_micros sold = f->sz < p->src_shares ? f->sz : p->src_shares;
    if (sold <= 0)
        return;
    pmc_micros basis = pmc_muldiv_floor(p->src_cost, sold, p->src_shares);
    struct pmc_trader_stats *t = tst(e, i);
    t->src_realized_usd =
        sat_add(t->src_realized_usd, pmc_mul(sold, f->px) - basis);
    p->src_shares -= sold;
    p->src_cost -= basis;
}

/* The source fills of bucket b, taken off the open list, move their
 * traders' virtual positions, in order: the parts of up to PMC_ATTR_MAX
 * traders found in one walk, any further trader's in its own. */
void pmc__attr_sources(struct pmc_engine *e, const struct pmc_bucket *b)
{
    uint32_t tr[PMC_ATTR_MAX];
    struct part *pp[PMC_ATTR_MAX];
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->nfills && n < PMC_ATTR_MAX; i++) {
        uint32_t j = 0;
        while (j < n && tr[j] != b->fills[i].trader)
            j++;
        if (j == n)
            tr[n++] = b->fills[i].trader;
    }
    parts_for(e, b->tok, tr, n, pp);
    for (uint32_t i = 0; i < b->nfills; i++) {
        const struct pmc_fill_ref *f = &b->fills[i];
        uint32_t j = 0;
        while (j < n && tr[j] != f->trader)
            j++;
        struct part *p = pp[j < n ? j : 0];
        if (j == n) { /* beyond the first PMC_ATTR_MAX traders */
            struct part *q[1];
            parts_for(e, b->tok, &f->trader, 1, q);
            p = q[0];
        }
        src_apply(e, f->trader, p, f);
    }
}

const char *pmc_trader_off_name(int off)
{
    switch (off) {
    case PMC_TRADER_ON:
        return "on";
    case PMC_TRADER_OFF_OPERATOR:
        return "operator";
    case PMC_TRADER_OFF_DAILY_LOSS:
        return "daily_loss";
    case PMC_TRADER_OFF_LOSS_STREAK:
        return "loss_streak";
    default:
        return "?";
    }
}

/* Trader i's counters as the view shows them, without the unrealised
 * parts. */
static void trader_view(const struct pmc_engine *e, uint32_t i,
                        struct pmc_trader_stats *out)
{
    *out = e->ts[i].s;
    if (out->off == PMC_TRADER_OFF_DAILY_LOSS &&
        e->ts[i].off_day != e->risk.day)
        out->off = PMC_TRADER_ON; /* lifted by the new day (at its next fill) */
    out->unrealized_usd = out->src_unrealized_usd = 0;
}

/* Add a token's parts at its mark to the unrealised numbers of out[0, n)
 * (only trader `only` when it is not NONE). */
static void parts_unreal(const struct pmc_engine *e, const struct tok *x,
                         struct pmc_trader_stats *out, uint32_t n,
                         uint32_t only)
{
    if (!x->mark)
        return;
    for (uint32_t p = x->parts; p != NONE; p = e->parts[p].next) {
        const struct part *q = &e->parts[p];
        if (only != NONE ? q->trader != only : q->trader >= n)
            continue;
        struct pmc_trader_stats *t = only != NONE ? out : &out[q->trader];
        if (q->shares)
            t->unrealized_usd += pmc_mul(q->shares, x->mark) - q->cost;
        if (q->src_shares)
            t->src_unrealized_usd =
                sat_add(t->src_unrealized_usd,
                        pmc_mul(q->src_shares, x->mark) - q->src_cost);
    }
}

uint32_t pmc_engine_traders_copied(const struct pmc_engine *e)
{
    uint32_t n = 0,
             nt = e->cfg.ntraders < e->ntcap ? e->cfg.ntraders : e->ntcap;
    for (uint32_t i = 0; i < nt; i++) {
        int off = e->ts[i].s.off;
        if (off == PMC_TRADER_OFF_DAILY_LOSS && e->ts[i].off_day != e->risk.day)
            off = PMC_TRADER_ON;
        n += off == PMC_TRADER_ON && e->cfg.traders[i].enabled;
    }
    return n;
}

int pmc_engine_trader_stats(const struct pmc_engine *e, uint32_t i,
                            struct pmc_trader_stats *out)
{
    if (i >= e->cfg.ntraders || i >= e->ntcap)
        return 0;
    trader_view(e, i, out);
    for (uint32_t n = 0; n < e->ntoks; n++)
        parts_unreal(e, &e->toks[e->live[n]], out, 1, i);
    return 1;
}

uint32_t pmc_engine_trader_stats_all(const struct pmc_engine *e,
                                     struct pmc_trader_stats *out, uint32_t cap)
{
    uint32_t n = e->cfg.ntraders < cap ? e->cfg.ntraders : cap;
    for (uint32_t i = 0; i < n; i++)
        trader_view(e, i, &out[i]);
    for (uint32_t k = 0; k < e->ntoks; k++)
        parts_unreal(e, &e->toks[e->live[k]], out, n, NONE);
    return n;
}

/* A FAILED report takes back a fill of an order attributed as a[0, n) on
 * token tk: the same split of `sh`, `usd`, `fee` and `basis` as
 * pmc__attr_fill made, subtracted; a SELL's realised P&L comes off the
 * traders' totals (and today's when it was counted today). A cut-off the
 * fill tripped and the run of losses stay. */
void pmc__attr_unfill(struct pmc_engine *e, const struct attr *a, uint32_t n,
                      uint32_t tk, enum pmc_side side, pmc_micros sh,
                      pmc_micros usd, pmc_micros fee, pmc_micros basis,
                      int64_t pnl_day)
{
    pmc_micros dsh[PMC_ATTR_MAX], dusd[PMC_ATTR_MAX], dfee[PMC_ATTR_MAX],
        db[PMC_ATTR_MAX];
    uint32_t tr[PMC_ATTR_MAX] = {0};
    struct part *pp[PMC_ATTR_MAX];
    for (uint32_t j = 0; j < n; j++)
        tr[j] = a[j].trader;
    parts_for(e, tk, tr, n, pp);
    struct shares w = shares_of(a, n);
    split(sh, a, n, w, dsh);
    split(usd, a, n, w, dusd);
    split(fee, a, n, w, dfee);
    split(side == PMC_SELL ? basis : 0, a, n, w, db);
    for (uint32_t j = 0; j < n; j++) {
        struct pmc_trader_stats *t = tst(e, a[j].trader);
        struct part *p = pp[j];
        t->fees_usd -= dfee[j];
        if (side == PMC_BUY) {
            t->bought_usd -= dusd[j];
            if (p) {
                p->shares -= dsh[j];
                p->cost -= dusd[j] + dfee[j];
            }
        } else {
            pmc_micros pnl = dusd[j] - dfee[j] - db[j];
            t->sold_usd -= dusd[j];
            t->realized_usd -= pnl;
            if (pnl_day == e->ts_day)
                t->realized_today -= pnl;
            if (p) {
                p->shares += dsh[j];
                p->cost += db[j];
            }
        }
    }
}
