/* core/engine_int.h - the engine's state: struct pmc_engine and the slots
 * of its tables (tokens, markets, orders, per-trader records and parts),
 * shared by engine.c (the pipeline), tables.c (the memory and the tables),
 * traders.c (per-trader accountability) and failed.c (failed trades).
 * Private to those four. */
#ifndef PMC_ENGINE_INT_H
#define PMC_ENGINE_INT_H

#include "engine.h"

#include "coalesce.h"
#include "dec.h"
#include "dedupe.h"
#include "risk.h"
#include "sizing.h"

#define NONE UINT32_MAX

#define TOK_PART_CACHE 8u

#define TOK_TICK 1u
#define TOK_MINSZ 2u

/* A token (outcome) we have seen: metadata, quotes and our position. */
struct tok {
    struct pmc_sym token;
    uint32_t market;
    uint64_t mkt_h, mkt_h2; /* mkts[market].id's hashes (a cheap check) */
    pmc_ms end;
    pmc_micros tick, minsz;
    uint8_t stated; /* TOK_TICK | TOK_MINSZ: set by a non-default record */
    pmc_micros bid, ask, mark;
    pmc_micros shares, cost, realized;
    pmc_micros pend_buy, pend_sell; /* shares in open orders */
    uint32_t bucket[2];             /* open bucket per side; [0] if netting */
    int resolved;
    uint32_t nord;   /* open orders on it */
    uint32_t live;   /* its place in e->live; the next free slot while free */
    uint32_t queued; /* 1 while in the reclaim ring */
    uint32_t parts;  /* its first (trader, token) part, NONE = none */
    /* the latest part found per trader & (TOK_PART_CACHE - 1): a hint,
     * checked against the part's (trader, token) before use */
    uint32_t part_cache[TOK_PART_CACHE];
};

struct mkt {
    struct pmc_sym id;
    uint32_t ntok;   /* tokens linked to it; the next free slot while free */
    uint32_t queued; /* 1 while in the reclaim ring */
};

/* A ring of candidate slots to reclaim, each slot in it at most once (so
 * max_tokens entries never overflow). */
struct ring {
    uint32_t *v;
    uint32_t head, n, cap;
};

enum ord_state { ORD_FREE = 0, ORD_OPEN };

struct order {
    struct pmc_sym coid;
    uint32_t tok; /* token index; the next free slot while ORD_FREE */
    uint32_t state;
    enum pmc_side side;
    pmc_micros px, sz, done;
    int64_t window, day; /* where its notional was counted */
    uint32_t nattr;      /* traders it is attributed to (e->attr) */
    uint32_t attr_big;   /* the largest weight's entry: the rounding rest */
    uint32_t filled;     /* 1 once an execution fill came */
    pmc_micros attr_w;   /* the weights' sum (held at INT64_MAX) */
};

/* A trader's share of an order: the scaled source shares it contributed on
 * the order's side (engine.h: attribution). */
struct attr {
    uint32_t trader;
    uint32_t part; /* its part of the order's token; NONE: the table was full */
    pmc_micros w;
};

/* A trader's part of a token: our attributed position, the source's own
 * virtual one. Linked from the token (tok.parts) through next, found by
 * (trader, token) in e->part_ix. */
struct part {
    uint32_t trader, next; /* next: the token's next part; free list link */
    uint32_t tok;
    pmc_micros shares, cost;         /* ours attributed to the trader */
    pmc_micros src_shares, src_cost; /* the source's own, at its prices */
};

/* Amounts of a fill a FAILED report takes back: shares into or out of the
 * position, shares x price, fee, a SELL's cost basis. */
struct pmc__undo {
    pmc_micros sh, usd, fee, basis;
};

/* A fill report applied to an order, kept so later FAILED reports of the
 * order can undo what it did, whole or in parts (a ring of the latest
 * e->fm_cap; e->fm_attr holds each one's attribution). */
struct fillrec {
    uint64_t h, h2;    /* the order's client id (pmc_sym hashes) */
    uint64_t tok_h;    /* the token's hash: its slot still holds it */
    uint32_t tok;      /* token slot */
    uint32_t ord;      /* order slot (its order while open with this coid) */
    uint32_t nattr;    /* entries in e->fm_attr[i * attr_k] */
    uint32_t attr_big; /* the order's largest weight's entry */
    pmc_micros attr_w; /* the order's weights' sum */
    enum pmc_side side;
    int used;
    pmc_micros sz, px, fee;  /* the report */
    pmc_micros failed_sz;    /* of sz, failed so far (== sz: all of it) */
    struct pmc__undo undone; /* of fs, spend, fee_used, basis: taken back */
    pmc_micros undone_f, undone_fr, undone_counted;
    pmc_micros held0, cost0; /* a SELL's: the position it sold from */
    pmc_micros f, fr;        /* shares moved; of them, the pending part */
    pmc_micros fs; /* shares into (BUY) or out of (SELL) the position */
    pmc_micros spend, fee_used, basis, counted, pnl;
    int64_t window, day; /* where the order's notional was counted */
    int64_t pnl_day;     /* UTC day its realised P&L was counted in */
};

struct tstat {
    struct pmc_trader_stats s;
    int64_t off_day; /* UTC day of a daily-loss cut-off */
    uint32_t bj;     /* 1 + its place in e->bt, 0 when not in that bucket */
};

/* A trader of the bucket being flushed, in the order of the bucket's
 * fills: its part of the bucket's token (NONE: the table is full), its
 * fills in the bucket and their scaled shares per side (the weights of an
 * order on that side, held at INT64_MAX). */
struct bslot {
    uint32_t trader, part;
    uint64_t nfills;
    pmc_micros w[2]; /* [enum pmc_side] */
};

/* open-addressing index from a pmc_sym hash to a table slot */
struct index {
    uint32_t *slot; /* NONE = empty */
    uint32_t mask;
};

/* trader address hash -> index in cfg.traders (at most half full) */
#define TRADER_SLOTS (2 * PMC_MAX_TRADERS)
struct trader_slot {
    uint64_t h;
    uint32_t i; /* NONE = empty */
};

struct pmc_engine {
    struct pmc_config cfg;
    struct trader_slot trader_ix[TRADER_SLOTS];
    pmc_ms now;
    pmc_ms roll_at; /* the next window's start: the clock rolls there */
    uint64_t flush_seq;
    struct pmc_risk risk;

    struct tok *toks;
    uint32_t ntoks;    /* live tokens, listed in live[0..ntoks) */
    uint32_t *live;    /* slot of each live token, for the position view */
    uint32_t free_tok; /* freed slots, linked through tok.live */
    uint32_t tok_hwm;  /* slots [tok_hwm, max_tokens) never used yet */
    struct ring tok_reclaim; /* resolved, flat and idle: reusable */
    struct index tok_ix;
    struct mkt *mkts;
    /* per market: open cost basis + pending buy notional (apart from the
     * ids, so the hot numbers share few cache lines) */
    pmc_micros *mkt_exposure;
    uint32_t nmkts;
    uint32_t free_mkt;       /* freed slots, linked through mkt.ntok */
    uint32_t mkt_hwm;        /* slots [mkt_hwm, max_tokens) never used yet */
    struct ring mkt_reclaim; /* markets no token links to: reusable */
    struct index mkt_ix;

    struct pmc_coalesce q;

    struct order *orders;
    struct index ord_ix;  /* linear probing with backward-shift delete */
    uint32_t ord_ix_full; /* slots the index may grow to */
    uint32_t free_order, nopen_orders;

    struct pmc_dedupe dedupe;

    /* per-trader accountability (engine.h) */
    struct tstat *ts;   /* [ntcap] */
    uint32_t ntcap;     /* traders the tables hold */
    struct attr *attr;  /* [max_open_orders * attr_k] */
    uint32_t attr_k;    /* attribution entries per order */
    struct part *parts; /* [part_cap] */
    uint32_t part_cap, part_hwm, free_part;
    struct index part_ix; /* (trader, token) -> part, at most half full */
    /* the traders of the last bucket flushed (pmc__attr_sources), kept for
     * its order (pmc__attr_order): [min(ntcap, max_bucket_fills)] */
    struct bslot *bt;
    uint32_t bn;
    int64_t ts_day; /* UTC day of realized_today */

    /* fills a FAILED report may still undo: a ring, newest at fm_next - 1 */
    struct fillrec *fm;
    struct attr *fm_attr; /* [fm_cap * attr_k] */
    uint32_t fm_cap, fm_next;

    /* the kill switch, by who set it (engine.h: kill and resume); risk.killed
     * is set while any is */
    int kill_op, kill_file;
    char kill_auto[64]; /* the core's own kill: its reason; "" = none */

    struct pmc_engine_stats st;
};

/* Where part p's (trader, token) starts probing e->part_ix. */
static inline uint32_t pmc__part_home(uint32_t trader, uint32_t tok)
{
    uint64_t k = ((uint64_t)trader << 32 | tok) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(k >> 32);
}

static inline struct pmc_trader_stats *tst(struct pmc_engine *e, uint32_t i)
{
    PMC_ASSERT(i < e->ntcap);
    return &e->ts[i].s;
}

/* ---- positions (engine.c, failed.c) -------------------------------------- */

/* The most a token may hold, in shares and in cost (1e12 shares or USD):
 * a BUY report may bring more shares than ordered, so only this bounds
 * what reports add up to. */
#define POS_MAX ((pmc_micros)1000000000000 * PMC_MICRO)

/* A token's unrealised P&L at its mark (0 without a mark or shares). The
 * product is taken either way and the zero picked without a branch: a
 * source fill marks its token at each step (TOK_UPDATE), and whether the
 * token has a mark or holds shares is as good as random from one fill to
 * the next. */
static inline pmc_micros pmc__tok_unreal(const struct tok *x)
{
    pmc_micros u = pmc_mul(x->shares, x->mark) - x->cost;
    return x->mark && x->shares ? u : 0;
}

/* Apply a change to a token's position or mark, keeping the running
 * unrealised total exact without a scan. */
#define TOK_UPDATE(e, x, stmt)                                                 \
    do {                                                                       \
        pmc_micros before_ = pmc__tok_unreal(x);                               \
        stmt;                                                                  \
        (e)->risk.unrealized += pmc__tok_unreal(x) - before_;                  \
    } while (0)

/* ---- tables.c: the engine's memory and tables ---------------------------- */

/* Enter cfg.traders[t] in the trader index. */
void pmc__trader_index(struct pmc_engine *e, uint32_t t);

/* Queue token k's slot for reuse (it is idle, not queued yet). */
void pmc__tok_queue(struct pmc_engine *e, uint32_t k);

/* Resolved, flat, no open order, no open bucket. */
static inline int tok_idle(const struct tok *x)
{
    return x->resolved && !x->shares && !x->pend_buy && !x->pend_sell &&
           !x->nord && x->bucket[0] == NONE && x->bucket[1] == NONE;
}

/* Called where token k may have become idle: queue it for reuse. */
static inline void tok_check_idle(struct pmc_engine *e, uint32_t k)
{
    const struct tok *x = &e->toks[k];
    if (!x->queued && tok_idle(x))
        pmc__tok_queue(e, k);
}

/* tok_get's second half: t is not in the table (i: the free index slot
 * tok_probe found). Its index, NONE when the table is full. */
uint32_t pmc__tok_add(struct pmc_engine *e, const struct pmc_sym *t,
                      const struct pmc_sym *market, uint32_t i);

/* tok_link_market's second half: the market is another one. */
enum pmc_err pmc__tok_move_market(struct pmc_engine *e, struct tok *x,
                                  const struct pmc_sym *market);

/* Delete slot value k from an index whose entries hash by home(k) (linear
 * probing: backward-shift deletion keeps probe chains intact). */
static inline void
pmc__index_del(struct index *ix, uint32_t k, const struct pmc_engine *e,
               uint32_t (*home)(const struct pmc_engine *, uint32_t))
{
    uint32_t mask = ix->mask;
    uint32_t i = home(e, k) & mask;
    while (ix->slot[i] != k)
        i = (i + 1) & mask;
    uint32_t j = i;
    for (;;) {
        ix->slot[i] = NONE;
        for (;;) {
            j = (j + 1) & mask;
            uint32_t s = ix->slot[j];
            if (s == NONE)
                return;
            uint32_t h = home(e, s) & mask;
            if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
                break;
        }
        ix->slot[i] = ix->slot[j];
        i = j;
    }
}

/* Double the order index (ord_index_add: it would be over half full). */
void pmc__ord_index_grow(struct pmc_engine *e);

static inline uint32_t ord_home(const struct pmc_engine *e, uint32_t k)
{
    return (uint32_t)e->orders[k].coid.h;
}

static inline void ord_index_put(struct index *ix, const struct order *orders,
                                 uint32_t k)
{
    uint32_t i = (uint32_t)orders[k].coid.h & ix->mask;
    while (ix->slot[i] != NONE) {
        /* the same id twice means the same flush twice: a broken invariant */
        PMC_ASSERT(!pmc_sym_eq(&orders[ix->slot[i]].coid, &orders[k].coid));
        i = (i + 1) & ix->mask;
    }
    ix->slot[i] = k;
}

/* Index open order k, doubling the index first when it would be over half
 * full. */
static inline void ord_index_add(struct pmc_engine *e, uint32_t k)
{
    uint32_t size = e->ord_ix.mask + 1;
    if (2 * (e->nopen_orders + 1) > size && size < e->ord_ix_full)
        pmc__ord_index_grow(e);
    ord_index_put(&e->ord_ix, e->orders, k);
}

static inline void ord_index_del(struct pmc_engine *e, uint32_t k)
{
    pmc__index_del(&e->ord_ix, k, e, ord_home);
}

/* Probe for t: its index, or NONE with *slot set to the free slot. */
static inline uint32_t tok_probe(const struct pmc_engine *e,
                                 const struct pmc_sym *t, uint32_t *slot)
{
    uint32_t i = (uint32_t)t->h & e->tok_ix.mask;
    for (;; i = (i + 1) & e->tok_ix.mask) {
        uint32_t s = e->tok_ix.slot[i];
        if (s == NONE) {
            *slot = i;
            return NONE;
        }
        if (pmc_sym_eq(&e->toks[s].token, t))
            return s;
    }
}

/* Find or create; NONE when the table is full. A token with no market id
 * is its own market until metadata says otherwise. */
static inline uint32_t tok_get(struct pmc_engine *e, const struct pmc_sym *t,
                               const struct pmc_sym *market)
{
    uint32_t i, found = tok_probe(e, t, &i);
    return found != NONE ? found : pmc__tok_add(e, t, market, i);
}

/* Move a token to the market named by metadata, carrying its exposure. */
static inline enum pmc_err tok_link_market(struct pmc_engine *e, struct tok *x,
                                           const struct pmc_sym *market)
{
    /* the same market as now, by both 64-bit hashes of its id (lengths are
     * mixed into them): a fill names its token's market every time, and
     * this keeps the market table out of the common path */
    if (!market->n || (market->h == x->mkt_h && market->h2 == x->mkt_h2))
        return PMC_OK;
    return pmc__tok_move_market(e, x, market);
}

/* The open order with client id c, or NONE. */
static inline uint32_t ord_find(const struct pmc_engine *e,
                                const struct pmc_sym *c)
{
    uint32_t i = (uint32_t)c->h & e->ord_ix.mask;
    for (;; i = (i + 1) & e->ord_ix.mask) {
        uint32_t s = e->ord_ix.slot[i];
        if (s == NONE)
            return NONE;
        if (pmc_sym_eq(&e->orders[s].coid, c))
            return s;
    }
}

/* ---- failed.c: failed trades --------------------------------------------- */

/* Keep what a fill report of the order in slot k did, for a FAILED report
 * of it (the oldest kept one gives its place): f shares moved, fr of them
 * pending, fs into or out of the position, spend, fee, a SELL's basis, the
 * notional counted, a SELL's realised pnl. */
void pmc__fill_remember(struct pmc_engine *e, uint32_t k,
                        const struct pmc_exec *x, pmc_micros f, pmc_micros fr,
                        pmc_micros fs, pmc_micros spend, pmc_micros fee,
                        pmc_micros basis, pmc_micros counted, pmc_micros pnl);

/* A FAILED report: undo the kept fill (or part of it) it names. *undone = 1
 * when amounts were taken back (the caller checks the daily loss then);
 * PMC_ENOTFOUND when no kept fill matches, nothing applied. */
enum pmc_err pmc__on_failed(struct pmc_engine *e, const struct pmc_exec *x,
                            int *undone);

/* ---- traders.c ----------------------------------------------------------- */

/* The order in slot k was emitted from bucket b on `side`, right after
 * pmc__attr_sources(b): list the traders it is attributed to (their parts
 * resolved once), weigh them and count their fills copied. */
void pmc__attr_order(struct pmc_engine *e, uint32_t k,
                     const struct pmc_bucket *b, enum pmc_side side);

/* An execution fill of the order in slot k: `sh` shares into (BUY) or out
 * of (SELL) the position, `usd` shares x price, `fee`, and for a SELL the
 * cost `basis` it takes out. */
void pmc__attr_fill(struct pmc_engine *e, uint32_t k, pmc_micros sh,
                    pmc_micros usd, pmc_micros fee, pmc_micros basis,
                    struct pmc_actions *out);

/* A FAILED report takes back (part of) a fill attributed as a[0, n) (the
 * order's weights' sum W and largest entry big, the parts as the fill found
 * them; pnl_day: the UTC day it was counted). `before` and `after` are how
 * much of the values pmc__attr_fill was given had been taken back before
 * this report and are after it (after == those values, before == 0: the
 * whole fill); each trader loses split(after) - split(before), so parts
 * that add up to the whole take back exactly its split. */
void pmc__attr_unfill(struct pmc_engine *e, const struct attr *a, uint32_t n,
                      pmc_micros W, uint32_t big, enum pmc_side side,
                      const struct pmc__undo *before,
                      const struct pmc__undo *after, int64_t pnl_day);

/* Token x resolved at `payout`: realise every trader's part, ours and the
 * source's. */
void pmc__attr_resolve(struct pmc_engine *e, struct tok *x, pmc_micros payout,
                       struct pmc_actions *out);

/* The source fills of bucket b, taken off the open list, move their
 * traders' virtual positions, in order; its traders and their parts stay
 * listed (e->bt) for its order. */
void pmc__attr_sources(struct pmc_engine *e, const struct pmc_bucket *b);

/* The core's own switch of trader i (an action, by=core). */
void pmc__emit_trader(struct pmc_engine *e, uint32_t i, int on, const char *why,
                      struct pmc_actions *out);

#endif
