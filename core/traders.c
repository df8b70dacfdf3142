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

/* A new flat part of token tk for trader i: its index, NONE when the
 * table is full (the caller counts it untracked). */
static uint32_t part_new(struct pmc_engine *e, uint32_t i, uint32_t tk)
{
    struct tok *x = &e->toks[tk];
    uint32_t p;
    if (e->free_part != NONE) {
        p = e->free_part;
        e->free_part = e->parts[p].next;
    } else if (e->part_hwm < e->part_cap) {
        p = e->part_hwm++;
    } else {
        return NONE;
    }
    struct part *q = &e->parts[p];
    memset(q, 0, sizeof *q);
    q->trader = i;
    q->tok = tk;
    q->next = x->parts;
    x->parts = p;
    uint32_t mask = e->part_ix.mask, s = pmc__part_home(i, tk) & mask;
    while (e->part_ix.slot[s] != NONE)
        s = (s + 1) & mask;
    e->part_ix.slot[s] = p;
    return p;
}

/* Trader i's part of token tk, new if it has none (NONE: the table is
 * full). */
static uint32_t part_of(struct pmc_engine *e, uint32_t tk, uint32_t i)
{
    uint32_t *hint = &e->toks[tk].part_cache[i & (TOK_PART_CACHE - 1)];
    uint32_t p = *hint;
    if (p != NONE && e->parts[p].trader == i && e->parts[p].tok == tk)
        return p;
    uint32_t mask = e->part_ix.mask;
    for (uint32_t s = pmc__part_home(i, tk) & mask;; s = (s + 1) & mask) {
        p = e->part_ix.slot[s];
        if (p == NONE) {
            p = part_new(e, i, tk);
            break;
        }
        if (e->parts[p].trader == i && e->parts[p].tok == tk)
            break;
    }
    *hint = p;
    return p;
}

static struct part *part_at(struct pmc_engine *e, uint32_t p)
{
    return p == NONE ? NULL : &e->parts[p];
}

/* floor(v x w / W), without the 128-bit division when v x w fits, and
 * without a branch on the rounding */
static inline pmc_micros part_floor(pmc_micros v, pmc_micros w, pmc_micros W)
{
    int64_t p;
    if (__builtin_mul_overflow(v, w, &p))
        return pmc_muldiv_floor(v, w, W);
    int64_t q = p / W, r = p % W;
    return q - (int64_t)((r != 0) & (p < 0));
}

/* The split of the amounts v among a[0, n) (weights' sum W, largest entry
 * big): floor(x x w_j / W) each, the rounding rest to the largest weight,
 * so the parts add up to v; with no weight at all (or one trader)
 * everything to the first. Every entry's floor is taken, the largest's
 * too, and the rest added to it after: no branch on where the largest
 * is (its place is as good as random). */
static void attr_split(const struct attr *a, uint32_t n, pmc_micros W,
                       uint32_t big, const struct pmc__undo *v,
                       struct pmc__undo *d)
{
    if (n == 1 || W <= 0) {
        for (uint32_t j = 0; j < n; j++)
            d[j] = (struct pmc__undo){0, 0, 0, 0};
        d[0] = *v;
        return;
    }
    struct pmc__undo r = *v;
    int fee = v->fee != 0, basis = v->basis != 0;
    for (uint32_t j = 0; j < n; j++) {
        pmc_micros w = a[j].w;
        r.sh -= d[j].sh = part_floor(v->sh, w, W);
        r.usd -= d[j].usd = part_floor(v->usd, w, W);
        r.fee -= d[j].fee = fee ? part_floor(v->fee, w, W) : 0;
        r.basis -= d[j].basis = basis ? part_floor(v->basis, w, W) : 0;
    }
    d[big].sh += r.sh;
    d[big].usd += r.usd;
    d[big].fee += r.fee;
    d[big].basis += r.basis;
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

/* The order in slot k was emitted from bucket b on `side`, right after
 * pmc__attr_sources(b) listed its traders: the first attr_k of them (in
 * the order of the bucket's fills) are the order's attribution, each
 * weighted by its scaled source shares on the order's side; their fills
 * copied are counted (a further trader's fills as untracked). The weights'
 * sum and the largest (the first of them: it takes the rounding rest of
 * every split) are kept once for the order's fills. */
void pmc__attr_order(struct pmc_engine *e, uint32_t k,
                     const struct pmc_bucket *b, enum pmc_side side)
{
    (void)b;
    struct attr *a = &e->attr[(size_t)k * e->attr_k];
    uint32_t n = e->bn < e->attr_k ? e->bn : e->attr_k;
    pmc_micros W = 0;
    uint32_t big = 0;
    for (uint32_t j = 0; j < e->bn; j++) {
        const struct bslot *q = &e->bt[j];
        struct pmc_trader_stats *t = tst(e, q->trader);
        t->fills_copied += q->nfills;
        if (j >= n) { /* beyond the attr_k traders an order names */
            t->untracked += q->nfills;
            continue;
        }
        t->orders++;
        a[j].trader = q->trader;
        a[j].part = q->part;
        a[j].w = q->w[side];
        W = a[j].w > INT64_MAX - W ? INT64_MAX : W + a[j].w;
        if (a[j].w > a[big].w)
            big = j;
    }
    struct order *o = &e->orders[k];
    o->nattr = n;
    o->filled = 0;
    o->attr_w = W;
    o->attr_big = big;
}

/* Attributed entry a of the order o: its share of one execution fill (the
 * order's first: `first`). */
static inline void attr_fill_one(struct pmc_engine *e, const struct order *o,
                                 struct attr *a, int first, pmc_micros sh,
                                 pmc_micros usd, pmc_micros fee,
                                 pmc_micros basis, struct pmc_actions *out)
{
    struct pmc_trader_stats *t = tst(e, a->trader);
    t->orders_filled += (uint64_t)first;
    if (a->part == NONE) /* the table was full: it may have room now */
        a->part = part_of(e, o->tok, a->trader);
    struct part *p = part_at(e, a->part);
    if (!p)
        t->untracked++;
    t->order_fills++;
    t->fees_usd += fee;
    if (o->side == PMC_BUY) {
        t->bought_usd += usd;
        if (p) {
            p->shares += sh;
            p->cost += usd + fee;
        }
    } else {
        t->sold_usd += usd;
        trader_pnl(e, a->trader, usd - fee - basis, out);
        if (p) {
            p->shares -= sh;
            p->cost -= basis;
        }
    }
}

/* An execution fill of the order in slot k: `sh` shares into (BUY) or out
 * of (SELL) the position, `usd` shares x price, `fee`, and for a SELL the
 * cost `basis` it takes out, each split between the order's traders
 * (attr_split). The order's first fill counts it filled for each of its
 * traders. */
void pmc__attr_fill(struct pmc_engine *e, uint32_t k, pmc_micros sh,
                    pmc_micros usd, pmc_micros fee, pmc_micros basis,
                    struct pmc_actions *out)
{
    struct order *o = &e->orders[k];
    struct attr *a = &e->attr[(size_t)k * e->attr_k];
    uint32_t n = o->nattr;
    int first = !o->filled;
    o->filled = 1;
    if (o->side == PMC_BUY)
        basis = 0;
    if (n == 0)
        return;
    struct pmc__undo v = {sh, usd, fee, basis}, d[PMC_ATTR_MAX];
    attr_split(a, n, o->attr_w, o->attr_big, &v, d);
    for (uint32_t j = 0; j < n; j++)
        attr_fill_one(e, o, &a[j], first, d[j].sh, d[j].usd, d[j].fee,
                      d[j].basis, out);
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
 * traders' virtual positions, in order. Its traders are listed in e->bt
 * in the order of its fills (each marked by its place in its tstat.bj),
 * each with its part of the token (found in the token's list, else created,
 * at its first fill) and its fills' counts and weights; the list stays for
 * the bucket's order (pmc__attr_order) until the next bucket. */
void pmc__attr_sources(struct pmc_engine *e, const struct pmc_bucket *b)
{
    for (uint32_t j = 0; j < e->bn; j++)
        e->ts[e->bt[j].trader].bj = 0;
    uint32_t n = 0, last = NONE;
    struct bslot *q = NULL;
    struct part *p = NULL;
    for (uint32_t i = 0; i < b->nfills; i++) {
        const struct pmc_fill_ref *f = &b->fills[i];
        if (f->trader != last) {
            last = f->trader;
            struct tstat *t = &e->ts[last];
            if (!t->bj) {
                q = &e->bt[n];
                q->trader = last;
                q->part = part_of(e, b->tok, last);
                q->nfills = 0;
                q->w[0] = q->w[1] = 0;
                t->bj = ++n;
            } else {
                q = &e->bt[t->bj - 1];
            }
            p = part_at(e, q->part);
        }
        q->nfills++;
        pmc_micros w = f->scaled;
        pmc_micros *ws = &q->w[f->side];
        if (__builtin_add_overflow(*ws, w, ws)) /* both >= 0: held */
            *ws = INT64_MAX;
        src_apply(e, last, p, f);
    }
    e->bn = n;
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

/* A FAILED report takes back (part of) a fill of an order attributed as
 * a[0, n) (weights' sum W, largest entry big; each entry's part as the fill
 * found it): the split of what `after` adds to `before`, as pmc__attr_fill
 * split the whole, subtracted; a SELL's realised P&L comes off the traders'
 * totals (and today's when it was counted today, UTC day pnl_day). The
 * order's fill counts, a cut-off the fill tripped and the run of losses
 * stay. */
void pmc__attr_unfill(struct pmc_engine *e, const struct attr *a, uint32_t n,
                      pmc_micros W, uint32_t big, enum pmc_side side,
                      const struct pmc__undo *before,
                      const struct pmc__undo *after, int64_t pnl_day)
{
    if (n == 0)
        return;
    struct pmc__undo v0 = *before, v1 = *after;
    if (side == PMC_BUY)
        v0.basis = v1.basis = 0;
    struct pmc__undo d0[PMC_ATTR_MAX], d1[PMC_ATTR_MAX];
    attr_split(a, n, W, big, &v0, d0);
    attr_split(a, n, W, big, &v1, d1);
    pmc_micros dsh[PMC_ATTR_MAX], dusd[PMC_ATTR_MAX], dfee[PMC_ATTR_MAX],
        db[PMC_ATTR_MAX];
    for (uint32_t j = 0; j < n; j++) {
        dsh[j] = d1[j].sh - d0[j].sh;
        dusd[j] = d1[j].usd - d0[j].usd;
        dfee[j] = d1[j].fee - d0[j].fee;
        db[j] = d1[j].basis - d0[j].basis;
    }
    for (uint32_t j = 0; j < n; j++) {
        struct pmc_trader_stats *t = tst(e, a[j].trader);
        struct part *p = part_at(e, a[j].part);
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
