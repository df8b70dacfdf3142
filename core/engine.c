/* core/engine.c - the decision core's pipeline (SPEC.md 3) and its tables.
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
 * Tables kept here: tokens (metadata, quotes, position, open buckets; a
 * resolved idle token's slot is reused when the table is full), markets
 * (exposure per market), open orders by client order id, the trader index,
 * the latest fill reports (a ring: what each did, for a failed report).
 * Their layout is in engine_int.h; what each trader's copies earned
 * (attribution of orders and fills, the sources' own positions) is kept by
 * traders.c, and what a failed report undoes by failed.c; this file calls
 * both and neither calls anything here.
 *
 * Must never: read a clock, do I/O, allocate, use floating point or keep
 * global mutable state. All memory is the block handed to pmc_engine_init,
 * carved into fixed tables sized by the configuration. */
#include "engine_int.h"

#include "expiry.h"
#include "tape.h"

/* Transitions of the slots this file keeps, and of a bucket (coalesce.h):
 *
 *   order slot   FREE --flush emits an order------------------> OPEN
 *                OPEN --fill reaching its size, reject, cancel-> FREE
 *                OPEN --ack, partial fill---------------------> OPEN
 *                OPEN --failed report of one of its fills-----> OPEN (the
 *                         fill's, or the failed part's, pending shares
 *                         back; a FREE order's fill
 *                         is undone without reopening it)
 *   token slot   free --first record naming the token---------> live
 *                live --resolved, flat, no order, no bucket---> queued
 *                queued --table full, still idle--------------> free
 *                queued --a bucket or an order on it----------> live (the
 *                         ring entry is dropped when popped)
 *   market slot  free --first token naming it-----------------> live
 *                live --last token unlinked or reused---------> queued
 *                queued --table full, still no token----------> free
 *
 *   bucket       free --first fill for its token and side------> open
 *                open --deadline, full, pending, bypass, forced-> flushed
 *                open --its last fill removed (ev=removed)-----> flushed
 *                         (nothing emitted but that fill's skip)
 *                flushed --next step----------------------------> free */

/* ---- memory ------------------------------------------------------------- */

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

/* The order index starts at ORD_IX_MIN slots and doubles, up to the size
 * max_open_orders needs (at most half full), each size in its own region
 * right after the previous one: sessions with few open orders keep a table
 * that stays in cache. Growing re-inserts from the old region. */
#define ORD_IX_MIN 1024u

static uint32_t ord_ix_full(const struct pmc_config *c)
{
    return pow2_at_least(2ull * c->max_open_orders);
}

static uint32_t ord_ix_first(const struct pmc_config *c)
{
    uint32_t full = ord_ix_full(c);
    return full < ORD_IX_MIN ? full : ORD_IX_MIN;
}

/* regions first, 2 first, ..., full: 2 full - first slots in all */
static size_t ord_ix_bytes(const struct pmc_config *c)
{
    return (2 * (size_t)ord_ix_full(c) - ord_ix_first(c)) * 4;
}

struct layout {
    size_t eng, toks, live, tok_ring, tok_ix, mkts, mkt_exposure, mkt_ring,
        mkt_ix, buckets, released, fills, orders, ord_ix, dedupe, ts, attr,
        parts, part_ix, bt, fm, fm_attr, total;
};

/* Traders the per-trader tables are sized for: the list, or the most a
 * follow_all run may grow it to. */
static uint32_t ntcap(const struct pmc_config *c)
{
    return c->follow_all ? PMC_MAX_TRADERS : c->ntraders;
}

static uint32_t attr_k(const struct pmc_config *c)
{
    uint32_t k = ntcap(c);
    if (k > c->max_bucket_fills)
        k = c->max_bucket_fills;
    return k < PMC_ATTR_MAX ? k : PMC_ATTR_MAX;
}

static uint32_t part_cap(const struct pmc_config *c)
{
    return ntcap(c) ? 2 * c->max_tokens : 0;
}

/* Distinct traders a bucket holds at most. */
static uint32_t bt_cap(const struct pmc_config *c)
{
    return ntcap(c) < c->max_bucket_fills ? ntcap(c) : c->max_bucket_fills;
}

/* Fill reports a FAILED report may still undo: the latest this many. */
#define FILL_MEMORY_MAX 4096u
static uint32_t fm_cap(const struct pmc_config *c)
{
    return c->max_open_orders < FILL_MEMORY_MAX ? c->max_open_orders
                                                : FILL_MEMORY_MAX;
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static void layout(const struct pmc_config *c, struct layout *L)
{
    size_t o = 0;
#define TAKE(field, bytes)                                                     \
    do {                                                                       \
        L->field = o;                                                          \
        o += align16(bytes);                                                   \
    } while (0)
    TAKE(eng, sizeof(struct pmc_engine));
    TAKE(toks, (size_t)c->max_tokens * sizeof(struct tok));
    TAKE(live, (size_t)c->max_tokens * 4);
    TAKE(tok_ring, (size_t)c->max_tokens * 4);
    TAKE(tok_ix, (size_t)pow2_at_least(2ull * c->max_tokens) * 4);
    TAKE(mkts, (size_t)c->max_tokens * sizeof(struct mkt));
    TAKE(mkt_exposure, (size_t)c->max_tokens * sizeof(pmc_micros));
    TAKE(mkt_ring, (size_t)c->max_tokens * 4);
    TAKE(mkt_ix, (size_t)pow2_at_least(2ull * c->max_tokens) * 4);
    TAKE(buckets, pmc_coalesce_buckets_bytes(c));
    TAKE(released, pmc_coalesce_released_bytes(c));
    TAKE(fills, pmc_coalesce_fills_bytes(c));
    TAKE(orders, (size_t)c->max_open_orders * sizeof(struct order));
    TAKE(ord_ix, ord_ix_bytes(c));
    TAKE(dedupe, pmc_dedupe_mem_size(c->dedupe_capacity));
    TAKE(ts, (size_t)ntcap(c) * sizeof(struct tstat));
    TAKE(attr, (size_t)c->max_open_orders * attr_k(c) * sizeof(struct attr));
    TAKE(parts, (size_t)part_cap(c) * sizeof(struct part));
    TAKE(part_ix, (size_t)pow2_at_least(2ull * part_cap(c)) * 4);
    TAKE(bt, (size_t)bt_cap(c) * sizeof(struct bslot));
    TAKE(fm, (size_t)fm_cap(c) * sizeof(struct fillrec));
    TAKE(fm_attr, (size_t)fm_cap(c) * attr_k(c) * sizeof(struct attr));
#undef TAKE
    L->total = o;
}

size_t pmc_engine_mem_size(const struct pmc_config *cfg)
{
    struct layout L;
    layout(cfg, &L);
    return L.total;
}

size_t pmc_engine_max_actions(const struct pmc_config *cfg)
{
    /* a step may force-flush the oldest bucket, then flush its own one; a
     * resolution may cut off every trader holding a part of the token */
    return 2 * ((size_t)cfg->max_bucket_fills + 2) + 4 + ntcap(cfg);
}

static void index_init(struct index *ix, void *mem, uint32_t cap)
{
    ix->slot = mem;
    ix->mask = cap - 1;
    memset(ix->slot, 0xff, (size_t)cap * 4);
}

/* Enter cfg.traders[t] in the trader index (at most half full: a free slot
 * is always found). */
static void trader_index(struct pmc_engine *e, uint32_t t)
{
    uint64_t h = e->cfg.traders[t].address.h;
    uint32_t i = (uint32_t)h & (TRADER_SLOTS - 1);
    while (e->trader_ix[i].i != NONE)
        i = (i + 1) & (TRADER_SLOTS - 1);
    e->trader_ix[i].h = h;
    e->trader_ix[i].i = t;
}

enum pmc_err pmc_engine_init(struct pmc_engine **out, void *mem, size_t size,
                             const struct pmc_config *cfg)
{
    char msg[160];
    PMC_TRY(pmc_config_validate(cfg, msg, sizeof msg));
    struct layout L;
    layout(cfg, &L);
    if (size < L.total || ((uintptr_t)mem & 15))
        return PMC_ENOMEM;
    char *base = mem;
    struct pmc_engine *e = (struct pmc_engine *)(void *)(base + L.eng);
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    for (uint32_t i = 0; i < TRADER_SLOTS; i++)
        e->trader_ix[i].i = NONE;
    for (uint32_t t = 0; t < cfg->ntraders; t++)
        trader_index(e, t);
    e->toks = (struct tok *)(void *)(base + L.toks);
    e->live = (uint32_t *)(void *)(base + L.live);
    e->tok_reclaim.v = (uint32_t *)(void *)(base + L.tok_ring);
    e->tok_reclaim.cap = cfg->max_tokens;
    index_init(&e->tok_ix, base + L.tok_ix,
               pow2_at_least(2ull * cfg->max_tokens));
    e->mkts = (struct mkt *)(void *)(base + L.mkts);
    e->mkt_reclaim.v = (uint32_t *)(void *)(base + L.mkt_ring);
    e->mkt_reclaim.cap = cfg->max_tokens;
    /* slots are handed out from the never-used range first, so the pages
     * of the tables a run does not reach are never touched */
    e->free_tok = e->free_mkt = NONE;
    e->tok_hwm = e->mkt_hwm = 0;
    e->mkt_exposure = (pmc_micros *)(void *)(base + L.mkt_exposure);
    index_init(&e->mkt_ix, base + L.mkt_ix,
               pow2_at_least(2ull * cfg->max_tokens));
    pmc_coalesce_init(&e->q, cfg, base + L.buckets, base + L.released,
                      base + L.fills);
    e->orders = (struct order *)(void *)(base + L.orders);
    for (uint32_t i = 0; i < cfg->max_open_orders; i++) {
        e->orders[i].state = ORD_FREE;
        e->orders[i].tok = i + 1 < cfg->max_open_orders ? i + 1 : NONE;
    }
    e->free_order = 0;
    index_init(&e->ord_ix, base + L.ord_ix, ord_ix_first(cfg));
    e->ord_ix_full = ord_ix_full(cfg);
    pmc_dedupe_init(&e->dedupe, base + L.dedupe, cfg->dedupe_capacity);
    e->ntcap = ntcap(cfg);
    e->ts = (struct tstat *)(void *)(base + L.ts);
    memset(e->ts, 0, (size_t)e->ntcap * sizeof *e->ts);
    e->attr_k = attr_k(cfg);
    e->attr = (struct attr *)(void *)(base + L.attr);
    e->parts = (struct part *)(void *)(base + L.parts);
    e->part_cap = part_cap(cfg);
    e->part_hwm = 0;
    e->free_part = NONE;
    index_init(&e->part_ix, base + L.part_ix,
               pow2_at_least(2ull * part_cap(cfg)));
    e->bt = (struct bslot *)(void *)(base + L.bt);
    e->bn = 0;
    e->ts_day = INT64_MIN;
    e->fm = (struct fillrec *)(void *)(base + L.fm);
    e->fm_attr = (struct attr *)(void *)(base + L.fm_attr);
    e->fm_cap = fm_cap(cfg);
    e->fm_next = 0;
    memset(e->fm, 0, (size_t)e->fm_cap * sizeof *e->fm);
    pmc_risk_init(&e->risk);
    *out = e;
    return PMC_OK;
}

const struct pmc_config *pmc_engine_config(const struct pmc_engine *e)
{
    return &e->cfg;
}

/* ---- tables ------------------------------------------------------------- */

/* Token and market slots are reused: a token that is resolved, holds
 * nothing, has no open order and no open bucket, and a market no token
 * links to, are put in a reclaim ring when they become so. Their slots are
 * taken back only when a table is full (oldest first, re-checked then), so
 * a run whose tables never fill behaves exactly as with no reuse, and a
 * tape of rolling markets of any length runs in fixed memory. A token seen
 * again after its slot was reused starts afresh. */

static void ring_push(struct ring *r, uint32_t k)
{
    PMC_ASSERT(r->n < r->cap);
    r->v[(r->head + r->n++) % r->cap] = k;
}

static uint32_t ring_pop(struct ring *r)
{
    if (!r->n)
        return NONE;
    uint32_t k = r->v[r->head];
    r->head = (r->head + 1) % r->cap;
    r->n--;
    return k;
}

/* Delete slot value k from an index whose entries hash by home(k) (linear
 * probing: backward-shift deletion keeps probe chains intact). */
static void index_del(struct index *ix, uint32_t k, const struct pmc_engine *e,
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

static uint32_t mkt_home(const struct pmc_engine *e, uint32_t m)
{
    return (uint32_t)e->mkts[m].id.h;
}

static uint32_t tok_home(const struct pmc_engine *e, uint32_t k)
{
    return (uint32_t)e->toks[k].token.h;
}

static void mkt_unref(struct pmc_engine *e, uint32_t m)
{
    struct mkt *k = &e->mkts[m];
    PMC_ASSERT(k->ntok > 0);
    if (--k->ntok == 0 && !k->queued) {
        k->queued = 1;
        ring_push(&e->mkt_reclaim, m);
    }
}

/* Free the oldest market no token links to; 0 when there is none. */
static int mkt_reclaim(struct pmc_engine *e)
{
    for (uint32_t m; (m = ring_pop(&e->mkt_reclaim)) != NONE;) {
        struct mkt *k = &e->mkts[m];
        k->queued = 0;
        if (k->ntok)
            continue; /* linked again since */
        index_del(&e->mkt_ix, m, e, mkt_home);
        k->ntok = e->free_mkt;
        e->free_mkt = m;
        e->nmkts--;
        return 1;
    }
    return 0;
}

static int tok_idle(const struct tok *x)
{
    return x->resolved && !x->shares && !x->pend_buy && !x->pend_sell &&
           !x->nord && x->bucket[0] == NONE && x->bucket[1] == NONE;
}

/* Called where a token may have become idle: queue it for reuse. */
static void tok_check_idle(struct pmc_engine *e, uint32_t k)
{
    struct tok *x = &e->toks[k];
    if (!x->queued && tok_idle(x)) {
        x->queued = 1;
        ring_push(&e->tok_reclaim, k);
    }
}

static uint32_t part_home(const struct pmc_engine *e, uint32_t p)
{
    return pmc__part_home(e->parts[p].trader, e->parts[p].tok);
}

/* Give a token's (trader, token) parts back (it is flat: resolution
 * realised them). */
static void parts_free(struct pmc_engine *e, struct tok *x)
{
    while (x->parts != NONE) {
        struct part *p = &e->parts[x->parts];
        uint32_t next = p->next;
        index_del(&e->part_ix, x->parts, e, part_home);
        p->next = e->free_part;
        e->free_part = x->parts;
        x->parts = next;
    }
    for (uint32_t j = 0; j < TOK_PART_CACHE; j++)
        x->part_cache[j] = NONE;
}

/* Free the oldest idle token; 0 when there is none. */
static int tok_reclaim(struct pmc_engine *e)
{
    for (uint32_t k; (k = ring_pop(&e->tok_reclaim)) != NONE;) {
        struct tok *x = &e->toks[k];
        x->queued = 0;
        if (!tok_idle(x))
            continue; /* in use again since */
        index_del(&e->tok_ix, k, e, tok_home);
        parts_free(e, x);
        uint32_t last = e->live[--e->ntoks];
        e->live[x->live] = last;
        e->toks[last].live = x->live;
        mkt_unref(e, x->market);
        x->live = e->free_tok;
        e->free_tok = k;
        e->st.positions = e->ntoks;
        return 1;
    }
    return 0;
}

static uint32_t mkt_find_or_add(struct pmc_engine *e, const struct pmc_sym *id)
{
    uint32_t i = (uint32_t)id->h & e->mkt_ix.mask;
    for (;; i = (i + 1) & e->mkt_ix.mask) {
        uint32_t s = e->mkt_ix.slot[i];
        if (s == NONE)
            break;
        if (pmc_sym_eq(&e->mkts[s].id, id))
            return s;
    }
    if (e->free_mkt == NONE && e->mkt_hwm == e->cfg.max_tokens) {
        if (!mkt_reclaim(e))
            return NONE;
        /* the deletion may have moved entries: probe again */
        for (i = (uint32_t)id->h & e->mkt_ix.mask; e->mkt_ix.slot[i] != NONE;
             i = (i + 1) & e->mkt_ix.mask)
            ;
    }
    uint32_t m = e->free_mkt != NONE ? e->free_mkt : e->mkt_hwm++;
    struct mkt *k = &e->mkts[m];
    if (m == e->free_mkt)
        e->free_mkt = k->ntok;
    e->nmkts++;
    k->id = *id;
    k->ntok = 0;
    k->queued = 0;
    e->mkt_exposure[m] = 0;
    e->mkt_ix.slot[i] = m;
    return m;
}

/* Probe for t: its index, or NONE with *slot set to the free slot. */
static uint32_t tok_probe(const struct pmc_engine *e, const struct pmc_sym *t,
                          uint32_t *slot)
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

static void tok_set_market(const struct pmc_engine *e, struct tok *x,
                           uint32_t m)
{
    x->market = m;
    x->mkt_h = e->mkts[m].id.h;
    x->mkt_h2 = e->mkts[m].id.h2;
}

/* tok_get's second half: t is not in the table (i: its free slot). */
static PMC_NOINLINE uint32_t tok_add(struct pmc_engine *e,
                                     const struct pmc_sym *t,
                                     const struct pmc_sym *market, uint32_t i)
{
    if (e->free_tok == NONE && e->tok_hwm == e->cfg.max_tokens) {
        if (!tok_reclaim(e))
            return NONE;
        (void)tok_probe(e, t, &i); /* the deletion may have moved entries */
    }
    uint32_t m = mkt_find_or_add(e, market && market->n ? market : t);
    if (m == NONE)
        return NONE;
    uint32_t k = e->free_tok != NONE ? e->free_tok : e->tok_hwm++;
    struct tok *x = &e->toks[k];
    if (k == e->free_tok)
        e->free_tok = x->live;
    memset(x, 0, sizeof *x);
    x->token = *t;
    tok_set_market(e, x, m);
    e->mkts[m].ntok++;
    x->bucket[0] = x->bucket[1] = NONE;
    x->parts = NONE;
    for (uint32_t j = 0; j < TOK_PART_CACHE; j++)
        x->part_cache[j] = NONE;
    x->live = e->ntoks;
    e->live[e->ntoks++] = k;
    e->tok_ix.slot[i] = k;
    e->st.positions = e->ntoks;
    return k;
}

/* Find or create; NONE when the table is full. A token with no market id
 * is its own market until metadata says otherwise. */
static inline uint32_t tok_get(struct pmc_engine *e, const struct pmc_sym *t,
                               const struct pmc_sym *market)
{
    uint32_t i, found = tok_probe(e, t, &i);
    return found != NONE ? found : tok_add(e, t, market, i);
}

/* tok_link_market's second half: the market is another one. */
static PMC_NOINLINE enum pmc_err tok_move_market(struct pmc_engine *e,
                                                 struct tok *x,
                                                 const struct pmc_sym *market)
{
    uint32_t m = mkt_find_or_add(e, market);
    if (m == NONE)
        return PMC_EFULL;
    struct order *o;
    pmc_micros move = x->cost;
    for (uint32_t i = 0; i < e->cfg.max_open_orders; i++) {
        o = &e->orders[i];
        if (o->state == ORD_OPEN && &e->toks[o->tok] == x && o->side == PMC_BUY)
            move += pmc_mul(o->sz - o->done, o->px);
    }
    e->mkt_exposure[x->market] -= move;
    e->mkt_exposure[m] += move;
    mkt_unref(e, x->market);
    e->mkts[m].ntok++;
    tok_set_market(e, x, m);
    return PMC_OK;
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
    return tok_move_market(e, x, market);
}

static uint32_t ord_find(const struct pmc_engine *e, const struct pmc_sym *c)
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

static void ord_index_put(struct index *ix, const struct order *orders,
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

/* Index order k, doubling the index first when it would be over half
 * full. */
static void ord_index_add(struct pmc_engine *e, uint32_t k)
{
    uint32_t size = e->ord_ix.mask + 1;
    if (2 * (e->nopen_orders + 1) > size && size < e->ord_ix_full) {
        struct index old = e->ord_ix;
        index_init(&e->ord_ix, old.slot + size, 2 * size);
        for (uint32_t i = 0; i < size; i++)
            if (old.slot[i] != NONE)
                ord_index_put(&e->ord_ix, e->orders, old.slot[i]);
    }
    ord_index_put(&e->ord_ix, e->orders, k);
}

static void ord_index_del(struct pmc_engine *e, uint32_t k)
{
    uint32_t mask = e->ord_ix.mask;
    uint32_t i = (uint32_t)e->orders[k].coid.h & mask;
    while (e->ord_ix.slot[i] != k)
        i = (i + 1) & mask;
    /* backward-shift deletion keeps probe chains intact */
    uint32_t j = i;
    for (;;) {
        e->ord_ix.slot[i] = NONE;
        for (;;) {
            j = (j + 1) & mask;
            uint32_t s = e->ord_ix.slot[j];
            if (s == NONE)
                return;
            uint32_t home = (uint32_t)e->orders[s].coid.h & mask;
            /* can s move to i? only if home is not in (i, j] cyclically */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        e->ord_ix.slot[i] = e->ord_ix.slot[j];
        i = j;
    }
}

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

static void roll_clock(struct pmc_engine *e, pmc_ms now)
{
    if (now == e->now && e->started)
        return;
    e->now = now;
    e->started = 1;
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
    trader_index(e, c->ntraders++);
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
    /* the source's fill is a trade print on its token */
    if (x->mark != f->px) /* an unchanged mark moves nothing */
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
            b->pending -= pmc_mul(f->scaled, f->px);
            memmove(f, f + 1, (size_t)(b->nfills - i - 1) * sizeof *f);
            b->nfills--;
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
    /* a timer due by then flushes the oldest bucket: its fills */
    if (e->q.head != NONE && e->q.b[e->q.head].deadline <= next->t) {
        const struct pmc_bucket *b = &e->q.b[e->q.head];
        const char *p = (const char *)b->fills;
        size_t n = (size_t)b->nfills * sizeof *b->fills;
        for (size_t o = 0; o < n && o < 512; o += 64)
            __builtin_prefetch(p + o);
    }
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
    pmc_coalesce_release(&e->q);
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
