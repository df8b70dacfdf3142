/* sim/ledger.c - the simulator's books: tokens and markets as they appear,
 * cash, positions, realised and unrealised P&L, fees, per-trader
 * attribution, equity rows (equity.csv) and, at the end, the accounting
 * identity and the core's positions against the ledger.
 *
 * Decides only arithmetic on fills and resolutions it is given. Never:
 * floating point for money, or a decision about what fills (sim/venue.c)
 * or when (sim/source.c). */
#include "sim/sim_int.h"

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

uint32_t pmc_sim_tok_find(const struct pmc_sim *s, const struct pmc_sym *t)
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
enum pmc_err pmc_sim_tok_get(struct pmc_sim *s, const struct pmc_sym *t,
                             const struct pmc_sym *market, uint32_t *out)
{
    uint32_t k = pmc_sim_tok_find(s, t);
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

pmc_micros pmc_sim_equity(const struct pmc_sim *s)
{
    return s->r.cash + s->r.mv_open;
}

void pmc_sim_equity_row(struct pmc_sim *s, const char *why)
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
void pmc_sim_remark(struct pmc_sim *s, struct pmc_sim_token *x)
{
    pmc_micros mv = x->shares > 0 ? pmc_notional_down(x->shares, x->mark) : 0;
    s->r.mv_open += mv - x->mv;
    x->mv = mv;
}

void pmc_sim_set_mark(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros p)
{
    if (p <= 0 || x->resolved)
        return;
    x->mark = p;
    if (x->shares > 0) {
        pmc_sim_remark(s, x);
        pmc_sim_equity_row(s, NULL);
    }
}

void pmc_sim_book_buy(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros sz,
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
    pmc_sim_remark(s, x);
    if (s->r.cash < s->r.min_cash)
        s->r.min_cash = s->r.cash;
}

void pmc_sim_book_sell(struct pmc_sim *s, struct pmc_sim_token *x,
                       pmc_micros sz, pmc_micros px, pmc_micros fee)
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
    pmc_sim_remark(s, x);
}

void pmc_sim_unbook_buy(struct pmc_sim *s, struct pmc_sim_token *x,
                        pmc_micros sz, pmc_micros px, pmc_micros fee)
{
    pmc_micros cost = pmc_notional_up(sz, px);
    /* shares sold since leave less to take back: at most what is held */
    pmc_micros sh = sz < x->shares ? sz : x->shares;
    pmc_micros c = sh == sz        ? (cost < x->cost ? cost : x->cost)
                   : x->shares > 0 ? pmc_muldiv_floor(x->cost, sh, x->shares)
                                   : 0;
    s->r.cash += cost + fee;
    x->shares -= sh;
    x->cost -= c;
    s->r.cost_open -= c;
    x->fees -= fee;
    s->r.fees -= fee;
    x->bought_usd -= cost;
    x->bought_sh -= sz;
    pmc_sim_remark(s, x);
}

void pmc_sim_unbook_sell(struct pmc_sim *s, struct pmc_sim_token *x,
                         pmc_micros sz, pmc_micros px, pmc_micros fee,
                         pmc_micros basis)
{
    pmc_micros proceeds = pmc_notional_down(sz, px);
    s->r.cash -= proceeds - fee;
    x->shares += sz;
    x->cost += basis;
    s->r.cost_open += basis;
    x->realized -= proceeds - basis;
    s->r.realized -= proceeds - basis;
    x->fees -= fee;
    s->r.fees -= fee;
    x->sold_usd -= proceeds;
    x->sold_sh -= sz;
    pmc_sim_remark(s, x);
    if (s->r.cash < s->r.min_cash)
        s->r.min_cash = s->r.cash;
}

void pmc_sim_attribute(struct pmc_sim_token *x, int32_t trader, pmc_micros usd)
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

void pmc_sim_maybe_sample(struct pmc_sim *s)
{
    if (s->o.equity_sample_ms <= 0 || s->now < s->next_equity_row)
        return;
    if (pmc_sim_equity(s) != s->last_equity_row)
        pmc_sim_equity_row(s, "mark");
    s->next_equity_row = (pmc_floor_div(s->now, s->o.equity_sample_ms) + 1) *
                         s->o.equity_sample_ms;
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
        uint32_t k = pmc_sim_tok_find(s, v.token);
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

void pmc_sim_final_checks(struct pmc_sim *s)
{
    s->r.unresolved_positions = 0;
    for (uint32_t i = 0; i < s->ntok; i++)
        if (s->tok[i].shares > 0)
            s->r.unresolved_positions++;
    check_books(s);
    s->r.capital_used = s->r.capital - s->r.min_cash;
    pmc_sim_equity_row(s, "end");
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

int pmc_sim_trader_find(const struct pmc_sim *s, const struct pmc_sym *a)
{
    for (uint32_t i = (uint32_t)a->h & (PMC_SIM_TRADER_SLOTS - 1);;
         i = (i + 1) & (PMC_SIM_TRADER_SLOTS - 1)) {
        uint16_t v = s->trader_ix[i];
        if (!v)
            return -1;
        if (pmc_sym_eq(&s->cfg.traders[v - 1].address, a))
            return (int)v - 1;
    }
}

void pmc_sim_trader_index(struct pmc_sim *s, uint32_t k)
{
    const struct pmc_sym *a = &s->cfg.traders[k].address;
    uint32_t i = (uint32_t)a->h & (PMC_SIM_TRADER_SLOTS - 1);
    while (s->trader_ix[i])
        i = (i + 1) & (PMC_SIM_TRADER_SLOTS - 1);
    s->trader_ix[i] = (uint16_t)(k + 1);
}

int32_t pmc_sim_trader_of(const struct pmc_sim *s, uint32_t ti)
{
    if (!s->cfg.follow_all)
        return ti < s->cfg.ntraders ? (int32_t)ti : -1;
    const struct pmc_config *c = pmc_engine_config(s->eng);
    if (ti >= c->ntraders)
        return -1;
    int k = pmc_sim_trader_find(s, &c->traders[ti].address);
    return k < 0 ? -1 : (int32_t)k;
}
