/* core/tables.c - the engine's memory and tables: the layout of the one
 * block pmc_engine_init is handed, carved into fixed tables sized by the
 * configuration, and the tables the pipeline (engine.c) looks things up
 * in: tokens (metadata, quotes, position, open buckets), markets (exposure
 * per market), open orders by client order id, the trader index, with
 * their hash indexes and the reuse of token and market slots. The hot
 * look-ups (tok_get, tok_link_market, ord_find) are inline in
 * engine_int.h; what they do on a miss is here.
 *
 * Calls nothing of engine.c, traders.c or failed.c. Must never (as all of
 * core/): read a clock, do I/O, allocate, use floating point or keep
 * global mutable state.
 *
 * Transitions of the slots kept here (an order slot's are in engine.c):
 *
 *   token slot   free --first record naming the token---------> live
 *                        (pmc__tok_add)
 *                live --resolved, flat, no order, no bucket---> queued
 *                        (tok_check_idle)
 *                queued --table full, still idle--------------> free
 *                        (tok_reclaim, from pmc__tok_add)
 *                queued --a bucket or an order on it----------> live (the
 *                        ring entry is dropped when popped)
 *   market slot  free --first token naming it-----------------> live
 *                        (mkt_find_or_add)
 *                live --last token unlinked or reused---------> queued
 *                        (mkt_unref)
 *                queued --table full, still no token----------> free
 *                        (mkt_reclaim) */
#include "engine_int.h"

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
        mkt_ix, buckets, fills, orders, ord_ix, dedupe, ts, attr, parts,
        part_ix, bt, fm, fm_attr, total;
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
void pmc__trader_index(struct pmc_engine *e, uint32_t t)
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
        pmc__trader_index(e, t);
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
    pmc_coalesce_init(&e->q, cfg, base + L.buckets, base + L.fills);
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
    e->roll_at = INT64_MIN;
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
        pmc__index_del(&e->mkt_ix, m, e, mkt_home);
        k->ntok = e->free_mkt;
        e->free_mkt = m;
        e->nmkts--;
        return 1;
    }
    return 0;
}

void pmc__tok_queue(struct pmc_engine *e, uint32_t k)
{
    e->toks[k].queued = 1;
    ring_push(&e->tok_reclaim, k);
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
        pmc__index_del(&e->part_ix, x->parts, e, part_home);
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
        pmc__index_del(&e->tok_ix, k, e, tok_home);
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

static void tok_set_market(const struct pmc_engine *e, struct tok *x,
                           uint32_t m)
{
    x->market = m;
    x->mkt_h = e->mkts[m].id.h;
    x->mkt_h2 = e->mkts[m].id.h2;
}

uint32_t pmc__tok_add(struct pmc_engine *e, const struct pmc_sym *t,
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

enum pmc_err pmc__tok_move_market(struct pmc_engine *e, struct tok *x,
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

/* Double the order index (ord_index_add: it would be over half full). */
void pmc__ord_index_grow(struct pmc_engine *e)
{
    uint32_t size = e->ord_ix.mask + 1;
    struct index old = e->ord_ix;
    index_init(&e->ord_ix, old.slot + size, 2 * size);
    for (uint32_t i = 0; i < size; i++)
        if (old.slot[i] != NONE)
            ord_index_put(&e->ord_ix, e->orders, old.slot[i]);
}
