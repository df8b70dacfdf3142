/* core/engine.c - the decision core's pipeline (SPEC.md 3).
 *
 * A fill goes: (follow_all: its wallet joins the trader list if new)
 * dedupe (dedupe.h), trader filter, source threshold,
 * staleness, then into a bucket (coalesce.h). A bucket is flushed on its
 * deadline, when full or pending enough, or at once for a bypass-sized fill
 * or in per_fill mode; the flush nets it (coalesce.h), sizes it and prices
 * its limit (sizing.h), clips a SELL to what is held, applies the
 * near-expiry guard (expiry.h), the caps (risk.h), the size and venue
 * minimums, the kill switch and the quote check, then emits the order with
 * its client order id, or one skip per fill. Execution reports keep our
 * orders, positions, exposure and P&L (risk.h holds the counters); a
 * failed report undoes one earlier fill report, whole or the part of it
 * one venue trade was (its parts add up to the whole); a daily loss or a
 * run of rejects trips the kill switch. A source fill a reorg removed
 * leaves its bucket if it still waits there (skipped `removed`).
 *
 * The tables the pipeline looks things up in (tokens, markets, open
 * orders, the trader index) and the engine's memory are tables.c; their
 * layout is in engine_int.h. What each trader's copies earned (attribution
 * of orders and fills, the sources' own positions) is kept by traders.c,
 * and what a failed report undoes (the latest fill reports, a ring) by
 * failed.c. This file calls all three and none calls anything here.
 *
 * Must never: read a clock, do I/O, allocate, use floating point or keep
 * global mutable state. All memory is the block handed to pmc_engine_init,
 * carved into fixed tables sized by the configuration. */
#include "engine_int.h"

#include "expiry.h"
#include "tape.h"

/* Transitions of an order slot, and of a bucket (coalesce.h):
 *
 *   order slot   FREE --flush emits an order------------------> OPEN
 *                OPEN --fill reaching its size, reject, cancel-> FREE
 *                OPEN --ack, partial fill---------------------> OPEN
 *                OPEN --failed report of one of its fills-----> OPEN (the
 *                         fill's, or the failed part's, pending shares
 *                         back; a FREE order's fill
 *                         is undone without reopening it)
 *   (token and market slots: tables.c)
 *
 *   bucket       free --first fill for its token and side------> open
 *                open --deadline, full, pending, bypass, forced-> flushed
 *                open --its last fill removed (ev=removed)-----> flushed
 *                         (nothing emitted but that fill's skip)
 *                flushed --at once, behind the free list's head-> free
 *                         (reopened at the next step at the earliest:
 *                         this step's actions still read its fills) */

/* ---- P&L helpers -------------------------------------------------------- */

static void kill_sync(struct pmc_engine *e)
{
    e->risk.killed = e->kill_op || e->kill_file || e->kill_auto[0];
}

/* The core's own kill: remembered by its reason until a resume names it
 * (an operator kill before it does not hide it). */
static void emit_kill(struct pmc_engine *e, const char *why,
                      struct pmc_actions *out)
{
    if (e->kill_auto[0])
        return;
    size_t n = strlen(why);
    PMC_ASSERT(n < sizeof e->kill_auto);
    memcpy(e->kill_auto, why, n + 1);
    kill_sync(e);
    PMC_ASSERT(out->n < out->cap);
    struct pmc_record *a = &out->v[out->n++];
    a->kind = PMC_K_KILL;
    a->t = e->now;
    memcpy(a->u.kill.reason, why, n + 1);
    a->u.kill.by_core = 1;
    a->u.kill.who = PMC_WHO_CORE;
}

static void check_daily_loss(struct pmc_engine *e, struct pmc_actions *out)
{
    if (pmc_risk_daily_loss_hit(&e->risk, &e->cfg))
        emit_kill(e, "max_daily_loss", out);
}

/* ---- time --------------------------------------------------------------- */

/* The clock moves to now; the window and the day roll only when now
 * reaches the next window's start (a day starts with a window). */
static void roll_clock(struct pmc_engine *e, pmc_ms now)
{
    e->now = now;
    if (now < e->roll_at)
        return;
    e->roll_at =
        (pmc_floor_div(now, PMC_MS_PER_WINDOW) + 1) * PMC_MS_PER_WINDOW;
    pmc_risk_roll(&e->risk, now);
    if (e->risk.day != e->ts_day) {
        e->ts_day = e->risk.day;
        for (uint32_t i = 0; i < e->cfg.ntraders; i++)
            e->ts[i].s.realized_today = 0;
    }
}

/* ---- orders ------------------------------------------------------------- */

/* Release the unfilled part of an order from every counter. */
static void release(struct pmc_engine *e, struct order *o)
{
    struct tok *x = &e->toks[o->tok];
    pmc_micros rem = o->sz - o->done;
    if (o->side == PMC_BUY) {
        pmc_micros n = pmc_sizing_notional(rem, o->px);
        x->pend_buy -= rem;
        e->mkt_exposure[x->market] -= n;
        pmc_risk_on_release(&e->risk, n, o->window, o->day);
    } else {
        x->pend_sell -= rem;
    }
    o->done = o->sz;
}

static void ord_close(struct pmc_engine *e, uint32_t k)
{
    struct order *o = &e->orders[k];
    uint32_t tk = o->tok;
    ord_index_del(e, k);
    o->state = ORD_FREE;
    o->tok = e->free_order;
    e->free_order = k;
    e->nopen_orders--;
    e->toks[tk].nord--;
    tok_check_idle(e, tk);
}

static enum pmc_err on_exec(struct pmc_engine *e, const struct pmc_exec *x,
                            struct pmc_actions *out)
{
    e->st.reports++;
    if (x->status == PMC_EXEC_FAILED) {
        int undone = 0;
        enum pmc_err err = pmc__on_failed(e, x, &undone);
        if (err == PMC_OK && undone)
            check_daily_loss(e, out);
        return err;
    }
    uint32_t k = ord_find(e, &x->coid);
    if (k == NONE)
        return PMC_OK; /* not ours, or already final: reports may repeat */
    struct order *o = &e->orders[k];
    struct tok *t = &e->toks[o->tok];
    switch (x->status) {
    case PMC_EXEC_ACK:
        e->risk.consecutive_rejects = 0;
        return PMC_OK;
    case PMC_EXEC_FILL: {
        /* A marketable BUY spends shares x limit USD and may receive more
         * shares at a better price: every share received is ours. A SELL
         * never gives more than it offered. */
        pmc_micros rem = o->sz - o->done;
        pmc_micros f = o->side == PMC_BUY ? x->sz : (x->sz < rem ? x->sz : rem);
        pmc_micros fr = f < rem ? f : rem; /* the part that was pending */
        if (f <= 0)
            return PMC_OK;
        pmc_micros spend = pmc_mul(f, x->px);
        /* scale the fee down when the report oversells the order */
        pmc_micros fee =
            f == x->sz ? x->fee : pmc_muldiv_floor(x->fee, f, x->sz);
        /* f, spend and fee are each at most 1e15 (the step's ranges) */
        if (o->side == PMC_BUY &&
            (t->shares > POS_MAX - f || t->cost > POS_MAX - spend - fee))
            return PMC_ERANGE;
        e->risk.consecutive_rejects = 0;
        e->st.fills_copied++;
        if (o->side == PMC_BUY) {
            pmc_micros counted = pmc_sizing_notional(fr, o->px);
            t->pend_buy -= fr;
            e->mkt_exposure[t->market] += spend + fee - counted;
            pmc_risk_on_buy_fill(&e->risk, counted, spend, o->window, o->day);
            TOK_UPDATE(e, t, (t->shares += f, t->cost += spend + fee));
            pmc__attr_fill(e, k, f, spend, fee, 0, out);
            pmc__fill_remember(e, k, x, f, fr, f, spend, fee, 0, counted, 0);
        } else {
            t->pend_sell -= f;
            pmc_micros held = t->shares;
            pmc_micros basis =
                held > 0 ? pmc_muldiv_floor(t->cost, f < held ? f : held, held)
                         : 0;
            pmc_micros pnl = spend - fee - basis;
            e->mkt_exposure[t->market] -= basis;
            TOK_UPDATE(e, t,
                       (t->shares -= f < held ? f : held, t->cost -= basis));
            t->realized += pnl;
            pmc_risk_on_pnl(&e->risk, pnl);
            pmc__attr_fill(e, k, f < held ? f : held, spend, fee, basis, out);
            pmc__fill_remember(e, k, x, f, fr, f < held ? f : held, spend, fee,
                               basis, 0, pnl);
        }
        o->done += fr;
        if (o->done >= o->sz)
            ord_close(e, k);
        check_daily_loss(e, out);
        return PMC_OK;
    }
    case PMC_EXEC_REJECT:
        e->st.rejects++;
        for (uint32_t j = 0; j < o->nattr; j++)
            tst(e, e->attr[(size_t)k * e->attr_k + j].trader)->rejects++;
        release(e, o);
        ord_close(e, k);
        if (pmc_risk_on_reject(&e->risk, &e->cfg))
            emit_kill(e, "max_consecutive_rejects", out);
        return PMC_OK;
    case PMC_EXEC_CANCEL:
        release(e, o);
        ord_close(e, k);
        return PMC_OK;
    case PMC_EXEC_FAILED:
        break; /* on_failed */
    }
    return PMC_OK;
}

/* ---- skips -------------------------------------------------------------- */

/* Skip a fill; `trader` is its trader index, NONE when not listed. */
static void skip(struct pmc_engine *e, const struct pmc_sym *key,
                 uint32_t trader, enum pmc_skip_reason why,
                 struct pmc_actions *out)
{
    if (trader != NONE)
        tst(e, trader)->skips[why]++;
    PMC_ASSERT(out->n < out->cap);
    struct pmc_record *a = &out->v[out->n++];
    a->kind = PMC_K_SKIP;
    a->t = e->now;
    a->u.skip.key = *key;
    a->u.skip.reason = why;
    e->st.skips[why]++;
}

static void skip_all(struct pmc_engine *e, const struct pmc_bucket *b,
                     enum pmc_skip_reason why, struct pmc_actions *out)
{
    for (uint32_t i = 0; i < b->nfills; i++)
        skip(e, &b->fills[i].key, b->fills[i].trader, why, out);
}

/* ---- flush: netting, sizing, guards, risk, limit, id --------------------- */

/* The 8 lowercase hex digits of v, most significant first, as the bytes
 * of a word in memory order: each nibble spread into its own byte, then
 * '0' + n, with 'a' - '0' - 10 more for the bytes of 10 and above. */
static uint64_t hex8(uint32_t v)
{
    uint64_t x = v;
    x = (x | x << 16) & 0x0000ffff0000ffffULL;
    x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
    x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x); /* the most significant nibble first */
#endif
    uint64_t ten = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
    return x + 0x3030303030303030ULL + ten * ('a' - '0' - 10);
}

/* SPEC 3.11: a hash of the first fill key and the flush sequence. The key
 * enters through its two independent 64-bit hashes (already computed): 24
 * bytes to hash instead of ~90, byte-order independent. */
static void coid_make(struct pmc_sym *coid, const struct pmc_sym *first,
                      uint64_t seq)
{
    uint64_t h = pmc_hash64_words3(first->h, first->h2, seq);
    char s[20] = "pmc-";
    uint64_t hi = hex8((uint32_t)(h >> 32)), lo = hex8((uint32_t)h);
    memcpy(s + 4, &hi, 8);
    memcpy(s + 12, &lo, 8);
    enum pmc_err err = pmc_sym_set(coid, s, 20);
    PMC_ASSERT(err == PMC_OK);
}

/* The pipeline's second half (SPEC.md 3), on a bucket taken off the open
 * list: netting, sizing, the holdings clip, the expiry guard, the limit
 * price, the caps, the size and venue minimum checks, the kill switch, the
 * quote check, then the order. Every fill of the bucket ends in the order
 * or in one skip. */
static void flush(struct pmc_engine *e, struct pmc_bucket *b,
                  struct pmc_actions *out)
{
    struct tok *x = &e->toks[b->tok];
    const struct pmc_config *c = &e->cfg;
    struct pmc_net nt;
    e->flush_seq++;
    if (!pmc_coalesce_net(b, &nt)) {
        skip_all(e, b, PMC_SKIP_NETTED_OUT, out);
        return;
    }
    enum pmc_side side = nt.side;
    pmc_micros ref = nt.ref;
    pmc_micros sh = pmc_sizing_shares(c, nt.net, ref);
    enum pmc_clip clip = PMC_CLIP_NONE;
    if (side == PMC_SELL) {
        pmc_micros avail = x->shares - x->pend_sell;
        avail = pmc_round_down(avail, PMC_SHARE_STEP);
        if (avail <= 0) {
            skip_all(e, b, PMC_SKIP_NOTHING_TO_SELL, out);
            return;
        }
        if (sh > avail) {
            sh = avail;
            clip = PMC_CLIP_HOLDINGS;
        }
    }
    if (side == PMC_BUY && pmc_expiry_blocks_buy(c, x->end, e->now)) {
        skip_all(e, b, PMC_SKIP_EXPIRY_GUARD, out);
        return;
    }
    pmc_micros lim = pmc_sizing_limit(c, side, ref, x->tick);
    if (side == PMC_BUY) {
        enum pmc_skip_reason why = PMC_SKIP_COUNT;
        sh = pmc_risk_clip_buy(&e->risk, c, e->mkt_exposure[x->market],
                               x->minsz, sh, lim, &clip, &why);
        if (why != PMC_SKIP_COUNT) {
            skip_all(e, b, why, out);
            return;
        }
    }
    if (sh > PMC_SIZE_MAX) {
        /* no cap brought it down to a size an order (and a tape) holds */
        skip_all(e, b, PMC_SKIP_SIZE_OVERFLOW, out);
        return;
    }
    if (pmc_sizing_below_min(c, x->minsz, side, sh, lim)) {
        skip_all(e, b, PMC_SKIP_BELOW_MIN, out);
        return;
    }
    if (side == PMC_BUY && e->risk.killed) {
        skip_all(e, b, PMC_SKIP_KILLED, out);
        return;
    }
    if ((side == PMC_BUY && x->ask && x->ask > lim) ||
        (side == PMC_SELL && x->bid && x->bid < lim)) {
        /* the limit held at the market's price bound by its tick is not a
         * move of the price */
        pmc_micros tk = x->tick ? x->tick : PMC_DEFAULT_TICK;
        int capped = side == PMC_BUY
                         ? lim == PMC_MICRO - tk && ref + c->max_slippage > lim
                         : lim == tk && ref - c->max_slippage < lim;
        skip_all(e, b, capped ? PMC_SKIP_TICK_CAP : PMC_SKIP_PRICE_MOVED, out);
        return;
    }
    if (e->free_order == NONE) {
        /* a full order table is a configuration error, not a decision:
         * refuse to trade rather than lose track of exposure */
        skip_all(e, b, PMC_SKIP_KILLED, out);
        emit_kill(e, "order_table_full", out);
        return;
    }
    /* emit */
    PMC_ASSERT(out->n < out->cap);
    struct pmc_record *a = &out->v[out->n++];
    a->kind = PMC_K_ORDER;
    a->t = e->now;
    struct pmc_order_act *o = &a->u.order;
    coid_make(&o->coid, &b->fills[0].key, e->flush_seq);
    o->token = x->token;
    o->side = side;
    o->tif = c->time_in_force;
    o->clip = clip;
    o->px = lim;
    o->sz = sh;
    o->ref = ref;
    o->exp = o->tif == PMC_TIF_GTD ? (e->now + 999) / 1000 + c->order_ttl_s : 0;
    o->fills = b->fills;
    o->nfills = b->nfills;
    o->keys_text = NULL;
    o->keys_len = 0;
    e->st.orders++;

    uint32_t k = e->free_order;
    struct order *r = &e->orders[k];
    e->free_order = r->tok;
    r->coid = o->coid;
    r->tok = b->tok;
    r->state = ORD_OPEN;
    r->side = side;
    r->px = lim;
    r->sz = sh;
    r->done = 0;
    r->window = e->risk.window;
    r->day = e->risk.day;
    pmc__attr_order(e, k, b, side);
    ord_index_add(e, k);
    e->nopen_orders++;
    x->nord++;
    if (side == PMC_BUY) {
        pmc_micros n = pmc_sizing_notional(sh, lim);
        x->pend_buy += sh;
        e->mkt_exposure[x->market] += n;
        pmc_risk_on_buy(&e->risk, n);
    } else {
        x->pend_sell += sh;
    }
}

/* ---- buckets ------------------------------------------------------------ */

static void bucket_flush(struct pmc_engine *e, uint32_t bi,
                         struct pmc_actions *out)
{
    struct pmc_bucket *b = &e->q.b[bi];
    pmc_coalesce_unlink(&e->q, bi);
    struct tok *x = &e->toks[b->tok];
    for (int s = 0; s < 2; s++)
        if (x->bucket[s] == bi)
            x->bucket[s] = NONE;
    pmc__attr_sources(e, b);
    flush(e, b, out);
    tok_check_idle(e, b->tok);
}

/* Index of the trader with this address, or -1 (as pmc_config_find_trader,
 * without the scan). */
static inline int trader_find(const struct pmc_engine *e,
                              const struct pmc_sym *a)
{
    for (uint32_t i = (uint32_t)a->h & (TRADER_SLOTS - 1);;
         i = (i + 1) & (TRADER_SLOTS - 1)) {
        const struct trader_slot *t = &e->trader_ix[i];
        if (t->i == NONE)
            return -1;
        if (t->h == a->h && pmc_sym_eq(&e->cfg.traders[t->i].address, a))
            return (int)t->i;
    }
}

/* follow_all: a wallet not in the list joins it with the defaults (the
 * global ratio, no min_source_usd, enabled), as pmc_config_add_trader
 * would add it, so the run decides as one listing the wallets in this
 * order. PMC_EFULL, nothing changed, when the list is full. */
static enum pmc_err trader_follow(struct pmc_engine *e, const struct pmc_sym *a)
{
    if (trader_find(e, a) >= 0)
        return PMC_OK;
    struct pmc_config *c = &e->cfg;
    if (c->ntraders == PMC_MAX_TRADERS)
        return PMC_EFULL;
    struct pmc_trader_cfg *t = &c->traders[c->ntraders];
    memset(t, 0, sizeof *t);
    t->address = *a;
    t->ratio = -1;
    t->enabled = 1;
    pmc__trader_index(e, c->ntraders++);
    return PMC_OK;
}

static enum pmc_err on_fill(struct pmc_engine *e, const struct pmc_fill *f,
                            struct pmc_actions *out)
{
    const struct pmc_config *c = &e->cfg;

    /* before anything is counted: a full list leaves the step undone */
    if (c->follow_all)
        PMC_TRY(trader_follow(e, &f->trader));
    e->st.fills_seen++;
    int ti = trader_find(e, &f->trader);
    uint32_t tu = ti < 0 ? NONE : (uint32_t)ti;
    if (ti >= 0)
        tst(e, tu)->fills_seen++;
    if (!pmc_dedupe_insert(&e->dedupe, &f->key)) {
        skip(e, &f->key, tu, PMC_SKIP_DUPLICATE, out);
        return PMC_OK;
    }
    if (ti < 0 || !c->traders[ti].enabled) {
        skip(e, &f->key, tu, PMC_SKIP_UNKNOWN_TRADER, out);
        return PMC_OK;
    }
    struct pmc_trader_stats *ts = tst(e, tu);
    if (ts->off == PMC_TRADER_OFF_DAILY_LOSS &&
        e->ts[tu].off_day != e->risk.day) {
        /* a new UTC day lifts a daily-loss cut-off */
        ts->off = PMC_TRADER_ON;
        pmc__emit_trader(e, tu, 1, "new_day", out);
    }
    if (ts->off) {
        skip(e, &f->key, tu, PMC_SKIP_TRADER_OFF, out);
        return PMC_OK;
    }
    if (pmc_mul(f->sz, f->px) < c->traders[ti].min_source_usd) {
        skip(e, &f->key, tu, PMC_SKIP_BELOW_THRESHOLD, out);
        return PMC_OK;
    }
    if (e->now - f->ts > c->max_source_lag_ms) {
        skip(e, &f->key, tu, PMC_SKIP_STALE, out);
        return PMC_OK;
    }
    uint32_t tk = tok_get(e, &f->token, &f->market);
    if (tk == NONE)
        return PMC_EFULL;
    struct tok *x = &e->toks[tk];
    if (f->market.n)
        PMC_TRY(tok_link_market(e, x, &f->market));
    if (f->end && !x->end)
        x->end = f->end;
    /* the source's fill is a trade print on its token (marked even when
     * unchanged: no branch on it) */
    TOK_UPDATE(e, x, x->mark = f->px);
    ts->fills_eligible++;

    int slot = pmc_coalesce_slot(c, f->side);
    uint32_t bi = slot < 0 ? NONE : x->bucket[slot];
    if (bi == NONE) {
        if (e->q.nopen == c->max_open_buckets) /* the oldest goes out early */
            bucket_flush(e, pmc_coalesce_oldest(&e->q), out);
        bi = pmc_coalesce_open(&e->q, tk,
                               pmc_coalesce_nets(c) ? -1 : (int)f->side,
                               e->now + c->coalesce_ms);
        if (slot >= 0)
            x->bucket[slot] = bi;
    }
    if (pmc_coalesce_add(c, &e->q.b[bi], f, (uint32_t)ti))
        bucket_flush(e, bi, out);
    return PMC_OK;
}

/* ---- removed source fills ----------------------------------------------- */

/* A source fill the chain took back (ev=removed). Still in an open bucket
 * of its token: withdrawn (the bucket nets without it at its flush; an
 * emptied bucket is closed) and skipped with reason removed. Otherwise it
 * was copied, skipped or never seen: nothing is undone, only counted. Its
 * key stays in the dedupe set either way. */
static void on_removed(struct pmc_engine *e, const struct pmc_removed_ev *r,
                       struct pmc_actions *out)
{
    /* the open buckets, not the token index: a rare step stays off the
     * hot path's inlined look-ups */
    for (uint32_t bi = e->q.head; bi != NONE; bi = e->q.b[bi].next) {
        struct pmc_bucket *b = &e->q.b[bi];
        uint32_t tk = b->tok;
        struct tok *x = &e->toks[tk];
        if (!pmc_sym_eq(&x->token, &r->token))
            continue;
        for (uint32_t i = 0; i < b->nfills; i++) {
            struct pmc_fill_ref *f = &b->fills[i];
            if (!pmc_sym_eq(&f->key, &r->key))
                continue;
            uint32_t ti = f->trader;
            pmc_coalesce_withdraw(b, i);
            if (!b->nfills) {
                pmc_coalesce_unlink(&e->q, bi);
                for (int sd = 0; sd < 2; sd++)
                    if (x->bucket[sd] == bi)
                        x->bucket[sd] = NONE;
                tok_check_idle(e, tk);
            }
            tst(e, ti)->fills_eligible--;
            e->st.removed_withdrawn++;
            skip(e, &r->key, ti, PMC_SKIP_REMOVED, out);
            return;
        }
    }
    e->st.removed_late++;
}

/* ---- market data -------------------------------------------------------- */

static enum pmc_err on_market(struct pmc_engine *e,
                              const struct pmc_market_ev *m)
{
    uint32_t tk = tok_get(e, &m->token, &m->market);
    if (tk == NONE)
        return PMC_EFULL;
    struct tok *x = &e->toks[tk];
    PMC_TRY(tok_link_market(e, x, &m->market));
    if (m->end)
        x->end = m->end;
    /* a stated value wins over a default, whatever the order */
    if (m->tick && !(m->defaults && (x->stated & TOK_TICK)))
        x->tick = m->tick;
    if (m->minsz && !(m->defaults && (x->stated & TOK_MINSZ)))
        x->minsz = m->minsz;
    if (!m->defaults)
        x->stated |=
            (uint8_t)((m->tick ? TOK_TICK : 0) | (m->minsz ? TOK_MINSZ : 0));
    return PMC_OK;
}

static enum pmc_err on_quote(struct pmc_engine *e, const struct pmc_quote *q)
{
    uint32_t tk = tok_get(e, &q->token, NULL);
    if (tk == NONE)
        return PMC_EFULL;
    struct tok *x = &e->toks[tk];
    x->bid = q->bid;
    x->ask = q->ask;
    if (q->bid && q->ask)
        TOK_UPDATE(e, x, x->mark = (q->bid + q->ask) / 2);
    return PMC_OK;
}

static enum pmc_err on_resolve(struct pmc_engine *e,
                               const struct pmc_resolve *r,
                               struct pmc_actions *out)
{
    uint32_t tk = tok_get(e, &r->token, NULL);
    if (tk == NONE)
        return PMC_EFULL;
    struct tok *x = &e->toks[tk];
    pmc_micros value = pmc_mul(x->shares, r->payout);
    pmc_micros pnl = value - x->cost;
    e->mkt_exposure[x->market] -= x->cost;
    TOK_UPDATE(e, x, (x->shares = 0, x->cost = 0, x->mark = r->payout));
    x->realized += pnl;
    pmc_risk_on_pnl(&e->risk, pnl);
    pmc__attr_resolve(e, x, r->payout, out);
    x->resolved = 1;
    if (!x->end || x->end > e->now)
        x->end = e->now;
    tok_check_idle(e, tk);
    return PMC_OK;
}

/* ---- kill, resume, traders on and off ------------------------------------ */

const char *pmc_engine_resume_refusal(const struct pmc_engine *e,
                                      const struct pmc_resume_ev *r)
{
    if (r->who == PMC_WHO_KILL_FILE)
        return NULL;
    if (e->kill_auto[0] && strcmp(r->override, e->kill_auto) != 0)
        return e->kill_auto;
    if (e->kill_file)
        return "kill_file";
    return NULL;
}

static void on_resume(struct pmc_engine *e, const struct pmc_resume_ev *r,
                      struct pmc_actions *out)
{
    if (r->who == PMC_WHO_KILL_FILE) {
        e->kill_file = 0; /* that kill only */
        kill_sync(e);
        return;
    }
    const char *why = pmc_engine_resume_refusal(e, r);
    if (why) {
        PMC_ASSERT(out->n < out->cap);
        struct pmc_record *a = &out->v[out->n++];
        a->kind = PMC_K_REFUSE;
        a->t = e->now;
        size_t n = strlen(why);
        PMC_ASSERT(n < sizeof a->u.refuse.reason);
        memcpy(a->u.refuse.reason, why, n + 1);
        return;
    }
    e->kill_op = 0;
    e->kill_auto[0] = '\0';
    e->risk.consecutive_rejects = 0;
    kill_sync(e);
}

static void on_trader(struct pmc_engine *e, const struct pmc_trader_ev *t)
{
    if (t->who == PMC_WHO_CORE)
        return; /* the core's own record: an action */
    /* follow_all: a wallet not seen yet joins the list so the switch holds
     * for its first fill (a full list: as for any unknown address) */
    if (e->cfg.follow_all && trader_follow(e, &t->trader) != PMC_OK)
        return;
    int i = trader_find(e, &t->trader);
    if (i < 0)
        return; /* not a trader of this configuration: nothing to switch */
    struct pmc_trader_stats *s = tst(e, (uint32_t)i);
    if (t->on) {
        s->off = PMC_TRADER_ON;
        s->consecutive_losses = 0; /* a fresh run */
    } else {
        s->off = PMC_TRADER_OFF_OPERATOR;
    }
}

int pmc_engine_trader_find(const struct pmc_engine *e,
                           const struct pmc_sym *addr)
{
    return trader_find(e, addr);
}

void pmc_engine_kill_view(const struct pmc_engine *e, struct pmc_kill_view *v)
{
    v->killed = e->risk.killed;
    v->by_operator = e->kill_op;
    v->by_kill_file = e->kill_file;
    memcpy(v->automatic, e->kill_auto, sizeof v->automatic);
}

/* ---- step --------------------------------------------------------------- */

void pmc_engine_prefetch(const struct pmc_engine *e,
                         const struct pmc_record *next)
{
    if (next->kind == PMC_K_EXEC) {
        uint32_t i = (uint32_t)next->u.exec.coid.h & e->ord_ix.mask;
        __builtin_prefetch(&e->ord_ix.slot[i]);
        return;
    }
    if (next->kind != PMC_K_FILL)
        return;
    const struct pmc_fill *f = &next->u.fill;
    pmc_dedupe_prefetch(&e->dedupe, &f->key);
    __builtin_prefetch(&e->tok_ix.slot[(uint32_t)f->token.h & e->tok_ix.mask]);
}

/* The ranges the tape codec enforces, for the values that enter the
 * engine's sums: within them no sum below can overflow 64 bits (a bucket's
 * net, summed in 128 bits, is the one exception and is checked). Records
 * from other decoders are held to the same ranges here. */
static int in_range(const struct pmc_record *ev)
{
    if (ev->kind == PMC_K_FILL) {
        const struct pmc_fill *f = &ev->u.fill;
        return f->px > 0 && f->px < PMC_MICRO && f->sz > 0 &&
               f->sz <= PMC_SIZE_MAX && f->ts >= 0 && f->ts <= PMC_TIME_MAX &&
               f->end >= 0 && f->end <= PMC_TIME_MAX &&
               (unsigned)f->side <= PMC_SELL;
    }
    switch (ev->kind) {
    case PMC_K_EXEC: {
        const struct pmc_exec *x = &ev->u.exec;
        return x->sz >= 0 && x->sz <= PMC_SIZE_MAX && x->px >= 0 &&
               x->px < PMC_MICRO && x->fee >= 0 && x->fee <= PMC_SIZE_MAX;
    }
    case PMC_K_QUOTE:
        return ev->u.quote.bid >= 0 && ev->u.quote.bid < PMC_MICRO &&
               ev->u.quote.ask >= 0 && ev->u.quote.ask < PMC_MICRO;
    case PMC_K_TRADE:
        return ev->u.trade.px >= 0 && ev->u.trade.px <= PMC_MICRO;
    case PMC_K_RESOLVE:
        return ev->u.resolve.payout >= 0 && ev->u.resolve.payout <= PMC_MICRO;
    case PMC_K_MARKET: {
        const struct pmc_market_ev *m = &ev->u.market;
        return m->end >= 0 && m->end <= PMC_TIME_MAX && m->tick >= 0 &&
               m->tick < PMC_MICRO && m->minsz >= 0 && m->minsz <= PMC_SIZE_MAX;
    }
    default:
        return 1;
    }
}

enum pmc_err pmc_engine_step(struct pmc_engine *e, const struct pmc_record *ev,
                             pmc_ms now, struct pmc_actions *out)
{
    if (now < e->now)
        return PMC_ETIME;
    if (now > PMC_TIME_MAX || !in_range(ev))
        return PMC_ERANGE;
    roll_clock(e, now);
    switch (ev->kind) {
    case PMC_K_FILL:
        return on_fill(e, &ev->u.fill, out);
    case PMC_K_MARKET:
        return on_market(e, &ev->u.market);
    case PMC_K_QUOTE:
        return on_quote(e, &ev->u.quote);
    case PMC_K_TRADE: {
        uint32_t tk = tok_get(e, &ev->u.trade.token, NULL);
        if (tk == NONE)
            return PMC_EFULL;
        TOK_UPDATE(e, &e->toks[tk], e->toks[tk].mark = ev->u.trade.px);
        check_daily_loss(e, out);
        return PMC_OK;
    }
    case PMC_K_RESOLVE:
        PMC_TRY(on_resolve(e, &ev->u.resolve, out));
        check_daily_loss(e, out);
        return PMC_OK;
    case PMC_K_EXEC:
        return on_exec(e, &ev->u.exec, out);
    case PMC_K_KILL:
        if (!ev->u.kill.by_core) {
            if (ev->u.kill.who == PMC_WHO_KILL_FILE)
                e->kill_file = 1;
            else
                e->kill_op = 1;
            kill_sync(e);
        }
        return PMC_OK;
    case PMC_K_RESUME:
        on_resume(e, &ev->u.resume, out);
        return PMC_OK;
    case PMC_K_TRADER:
        on_trader(e, &ev->u.trader);
        return PMC_OK;
    case PMC_K_REMOVED:
        on_removed(e, &ev->u.removed, out);
        return PMC_OK;
    case PMC_K_TIMER:
        /* one due bucket per timer step: the action buffer holds one */
        if (e->q.head != NONE && e->q.b[e->q.head].deadline <= now)
            bucket_flush(e, e->q.head, out);
        return PMC_OK;
    case PMC_K_FLUSH:
        /* as many buckets as the action buffer can take; the caller
         * repeats while pmc_engine_stats().open_buckets > 0 */
        while (e->q.head != NONE &&
               out->cap - out->n >= (size_t)e->q.b[e->q.head].nfills + 2)
            bucket_flush(e, e->q.head, out);
        return PMC_OK;
    default:
        return PMC_OK;
    }
}

pmc_ms pmc_engine_next_deadline(const struct pmc_engine *e)
{
    return pmc_coalesce_next_deadline(&e->q);
}

enum pmc_err pmc_engine_advance(struct pmc_engine *e, pmc_ms until,
                                struct pmc_actions *out, int *more)
{
    struct pmc_record timer;
    timer.kind = PMC_K_TIMER;
    *more = 0;
    for (;;) {
        pmc_ms d = pmc_engine_next_deadline(e);
        if (d > until)
            return PMC_OK;
        if (out->cap - out->n < (size_t)e->q.b[e->q.head].nfills + 2) {
            *more = 1;
            return PMC_OK;
        }
        timer.t = d < e->now ? e->now : d;
        PMC_TRY(pmc_engine_step(e, &timer, timer.t, out));
    }
}

void pmc_engine_stats(const struct pmc_engine *e, struct pmc_engine_stats *s)
{
    *s = e->st;
    s->bought_today = e->risk.bought_today;
    s->bought_window = e->risk.bought_window;
    s->realized_total = e->risk.realized_total;
    s->realized_today = e->risk.realized_today;
    s->unrealized = e->risk.unrealized;
    s->pnl_today = e->risk.realized_today +
                   (e->risk.unrealized - e->risk.unrealized_day_start);
    s->pending_buy = e->risk.pending_buy;
    s->open_orders = e->nopen_orders;
    s->open_buckets = e->q.nopen;
    s->positions = e->ntoks;
    s->consecutive_rejects = e->risk.consecutive_rejects;
    s->killed = e->risk.killed;
}

int pmc_engine_position(const struct pmc_engine *e, uint32_t i,
                        struct pmc_position_view *v)
{
    if (i >= e->ntoks)
        return 0;
    const struct tok *x = &e->toks[e->live[i]];
    v->token = &x->token;
    v->market = &e->mkts[x->market].id;
    v->shares = x->shares;
    v->cost = x->cost;
    v->realized = x->realized;
    v->mark = x->mark;
    v->bid = x->bid;
    v->ask = x->ask;
    v->pending_buy = x->pend_buy;
    v->pending_sell = x->pend_sell;
    v->end = x->end;
    v->resolved = x->resolved;
    return 1;
}
