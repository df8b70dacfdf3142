/* core/failed.c - failed trades: the memory of the latest fill reports
 * and what a FAILED report takes back (engine.h, PMC_EXEC_FAILED).
 *
 * Each fill report of one of our orders is kept in a ring (e->fm, the
 * latest fm_cap) with what it did: shares into or out of the position,
 * its USD, fee, a SELL's cost basis and realised P&L, the notional it
 * counted and where, and its order's attribution (e->fm_attr). A FAILED
 * report finds the kept fill it names (fill_find) and undoes it, or the
 * part of it one venue trade was: the parts of a fill add up to the
 * whole, and failing every part leaves the engine as if the fill had never
 * come.
 *
 * Called by engine.c (on each fill report, and on a FAILED report);
 * calls traders.c for each trader's share and nothing of engine.c. Must
 * never (as all of core/): read a clock, do I/O, allocate, use floating
 * point or keep global mutable state. */
#include "engine_int.h"

void pmc__fill_remember(struct pmc_engine *e, uint32_t k,
                        const struct pmc_exec *x, pmc_micros f, pmc_micros fr,
                        pmc_micros fs, pmc_micros spend, pmc_micros fee,
                        pmc_micros basis, pmc_micros counted, pmc_micros pnl)
{
    const struct order *o = &e->orders[k];
    uint32_t i = e->fm_next;
    e->fm_next = (i + 1) % e->fm_cap;
    struct fillrec *m = &e->fm[i];
    m->h = x->coid.h;
    m->h2 = x->coid.h2;
    m->tok = o->tok;
    m->ord = k;
    m->tok_h = e->toks[o->tok].token.h;
    m->side = o->side;
    m->used = 1;
    m->failed_sz = 0;
    m->undone = (struct pmc__undo){0, 0, 0, 0};
    m->undone_f = m->undone_fr = m->undone_counted = 0;
    /* a SELL's position before it (it took fs shares and basis out) */
    m->held0 = e->toks[o->tok].shares + fs;
    m->cost0 = e->toks[o->tok].cost + basis;
    m->sz = x->sz;
    m->px = x->px;
    m->fee = x->fee;
    m->f = f;
    m->fr = fr;
    m->fs = fs;
    m->spend = spend;
    m->fee_used = fee;
    m->basis = basis;
    m->counted = counted;
    m->pnl = pnl;
    m->window = o->window;
    m->day = o->day;
    m->pnl_day = e->risk.day;
    m->nattr = o->nattr;
    m->attr_big = o->attr_big;
    m->attr_w = o->attr_w;
    if (e->attr_k)
        memcpy(&e->fm_attr[(size_t)i * e->attr_k],
               &e->attr[(size_t)k * e->attr_k],
               (size_t)o->nattr * sizeof(struct attr));
}

/* The kept fill of the order that a FAILED report takes back (all or part
 * of); NONE when there is none. Rule (the store's too, live/store): the
 * newest kept fill of the order whose shares not failed yet are the
 * report's sz at the report's px (the whole fill, or the rest of it, at
 * its price); else the newest kept fill of the order with at least the
 * report's sz not failed yet (a part: one venue trade of a fill report
 * that covered several). */
static uint32_t fill_find(const struct pmc_engine *e, const struct pmc_exec *x)
{
    uint32_t part = NONE;
    if (x->sz <= 0)
        return NONE;
    for (uint32_t n = 0; n < e->fm_cap; n++) {
        uint32_t i = (e->fm_next + e->fm_cap - 1 - n) % e->fm_cap;
        const struct fillrec *m = &e->fm[i];
        if (!m->used)
            break;
        if (m->h != x->coid.h || m->h2 != x->coid.h2)
            continue;
        pmc_micros left = m->sz - m->failed_sz;
        if (left == x->sz && m->px == x->px)
            return i;
        if (part == NONE && x->sz <= left)
            part = i;
    }
    return part;
}

/* Of what is left of q (`done` taken back already), the share of sz of the
 * `left` shares not failed yet, floored; all of it when sz is all of them,
 * so the parts of a fill add up to q exactly. */
static pmc_micros fill_share(pmc_micros q, pmc_micros done, pmc_micros sz,
                             pmc_micros left)
{
    return sz >= left ? q - done : pmc_muldiv_floor(q - done, sz, left);
}

/* A FAILED report: the venue's trade behind an earlier fill report (or one
 * of the venue trades it covered) failed on chain. Undo what that trade
 * did: the position and its cost basis, a SELL's realised P&L, the
 * market's exposure, the notional counted against the window and the day,
 * the order's filled amount (its pending part comes back while the order is
 * open; once it is final that part is released, as a cancel would have)
 * and each trader's attributed share. A part of a fill (its sz less than
 * what is left of the fill) undoes its share of what is left of the
 * fill's amounts (sz of the shares left, floored: the part that completes
 * the fill takes all that is left), except the USD: its own sz x px, at
 * most what is left of the fill's, and a SELL's shares and basis: those of
 * the SELL as if it had been the shares still standing (from the position
 * it sold from); the report's fee is not used (its share of the fill's
 * is). live/store takes the same parts, so its replay agrees. Failing every
 * part of a fill undoes exactly what the whole did. PMC_ENOTFOUND when no
 * kept fill of the order matches (never applied, more than is left of it,
 * or older than the latest fm_cap fills): nothing applied. A fill whose
 * token resolved since is not undone (its payout stands): only counted. */
enum pmc_err pmc__on_failed(struct pmc_engine *e, const struct pmc_exec *x,
                            int *undone)
{
    uint32_t i = fill_find(e, x);
    if (i == NONE)
        return PMC_ENOTFOUND;
    struct fillrec *m = &e->fm[i];
    struct tok *t = &e->toks[m->tok];
    pmc_micros left = m->sz - m->failed_sz, q = x->sz;
    if (t->token.h != m->tok_h || t->resolved) {
        /* resolved since (a reused slot was resolved first): the payout
         * stands; the failure is kept as such, counted, nothing undone */
        m->failed_sz += q;
        e->st.fills_failed_resolved++;
        return PMC_OK;
    }
    /* this part's amounts: its share of what is left of the fill's */
    struct pmc__undo u0 = m->undone, u1 = u0;
    pmc_micros f = fill_share(m->f, m->undone_f, q, left);
    pmc_micros fs = fill_share(m->fs, u0.sh, q, left);
    pmc_micros fee = fill_share(m->fee_used, u0.fee, q, left);
    pmc_micros basis = 0;
    if (m->side == PMC_SELL) {
        /* as if the SELL had been the shares still standing: the basis of
         * those out of what it sold from (the store's replay, positions.c) */
        pmc_micros fl = m->f - m->undone_f - f;
        pmc_micros sl = fl < m->held0 ? fl : m->held0;
        pmc_micros bl =
            m->held0 > 0 ? pmc_muldiv_floor(m->cost0, sl, m->held0) : 0;
        fs = m->fs - u0.sh - sl;
        basis = m->basis - u0.basis - bl;
    }
    pmc_micros fr = fill_share(m->fr, m->undone_fr, q, left);
    pmc_micros counted = fill_share(m->counted, m->undone_counted, q, left);
    /* its USD: its own shares x price, within what is left (the rest of
     * the fill: all that is left) */
    pmc_micros usd = m->spend - u0.usd;
    if (q < left) {
        pmc_micros own = pmc_mul(f, x->px);
        usd = own < 0 ? 0 : own < usd ? own : usd;
    }
    u1.sh += fs;
    u1.usd += usd;
    u1.fee += fee;
    u1.basis += basis;
    pmc_micros pnl = usd - fee - basis;
    if (m->side == PMC_SELL &&
        (t->shares > POS_MAX - fs || t->cost > POS_MAX - basis))
        return PMC_ERANGE;
    /* its order's slot, while that order is still open */
    struct order *o = &e->orders[m->ord];
    if (o->state != ORD_OPEN || o->coid.h != m->h || o->coid.h2 != m->h2)
        o = NULL;
    m->failed_sz += q;
    m->undone = u1;
    m->undone_f += f;
    m->undone_fr += fr;
    m->undone_counted += counted;
    e->st.fills_failed++;
    if (m->side == PMC_BUY) {
        pmc_micros back = usd + fee;
        if (o) { /* the pending part comes back */
            t->pend_buy += fr;
            e->mkt_exposure[t->market] -= back - counted;
            pmc_risk_on_buy_fill(&e->risk, -counted, -usd, m->window, m->day);
        } else { /* ... and is released with the rest of the final order */
            e->mkt_exposure[t->market] -= back;
            pmc_risk_on_buy_fill(&e->risk, 0, -usd, m->window, m->day);
        }
        /* shares sold since leave less to take back: at most what is held */
        pmc_micros sh = fs < t->shares ? fs : t->shares;
        pmc_micros c = sh == fs ? (back < t->cost ? back : t->cost)
                       : t->shares > 0
                           ? pmc_muldiv_floor(t->cost, sh, t->shares)
                           : 0;
        TOK_UPDATE(e, t, (t->shares -= sh, t->cost -= c));
    } else {
        if (o)
            t->pend_sell += fr;
        e->mkt_exposure[t->market] += basis;
        TOK_UPDATE(e, t, (t->shares += fs, t->cost += basis));
        t->realized -= pnl;
        e->risk.realized_total -= pnl;
        if (m->pnl_day == e->risk.day)
            e->risk.realized_today -= pnl;
    }
    if (o)
        o->done -= fr;
    pmc__attr_unfill(e, &e->fm_attr[(size_t)i * e->attr_k], m->nattr, m->attr_w,
                     m->attr_big, m->side, &u0, &u1, m->pnl_day);
    *undone = 1;
    return PMC_OK;
}
