/* core/coalesce.h - coalescing source fills into buckets, and netting
 * (SPEC.md 3: coalescing and netting).
 *
 * Decides: which bucket a fill joins (one per token and side, or one per
 * token for both sides when netting, none in per_fill mode), when a bucket
 * must be flushed at once (per_fill, a bypass-sized fill, the pending
 * notional over max_pending_usd, a full bucket) or on its deadline
 * (coalesce_ms after it opened), and what a bucket nets to: its side, its
 * absolute scaled net size and its reference price (the size-weighted
 * price of that side's fills).
 *
 * Owns a fixed pool of buckets (max_open_buckets + 2, so the free list is
 * never empty: a flushed bucket goes back to it behind its head and stays
 * readable until the next step), the list of open buckets in deadline
 * order and the fills each holds.
 *
 * Must never: size, price or risk-check an order, emit actions, touch the
 * token table (the engine keeps each token's open buckets), allocate or
 * read a clock (deadlines come from the engine's logical `now`). */
#ifndef PMC_COALESCE_H
#define PMC_COALESCE_H

#include "sizing.h"

#define PMC_BUCKET_NONE UINT32_MAX

struct pmc_bucket {
    uint32_t tok, nfills; /* the engine's token index; fills held */
    int side;             /* -1 when the bucket nets both sides */
    pmc_ms deadline;
    pmc_micros pending;  /* scaled notional, USD micros */
    uint32_t prev, next; /* open list, in deadline order */
    struct pmc_fill_ref *fills;
    /* per side [enum pmc_side], kept as fills join and leave: the scaled
     * sizes, and each times its price (the net and reference price) */
    pmc_i128 wsum[2], pxw[2];
};

struct pmc_coalesce {
    struct pmc_bucket *b;
    uint32_t free, head, tail, nopen;
};

/* Buckets in the pool for this configuration. */
static inline uint32_t pmc_coalesce_pool_size(const struct pmc_config *c)
{
    return c->max_open_buckets + 2;
}

/* Bytes of the two arrays pmc_coalesce_init takes, each its own block:
 * buckets and fills. */
size_t pmc_coalesce_buckets_bytes(const struct pmc_config *c);
size_t pmc_coalesce_fills_bytes(const struct pmc_config *c);

/* Lay the pool over caller memory (sized as above); all buckets free. */
void pmc_coalesce_init(struct pmc_coalesce *q, const struct pmc_config *c,
                       void *buckets, void *fills);

/* 1 when a bucket nets both sides of a token (intent_net with
 * net_opposite_trades). */
static inline int pmc_coalesce_nets(const struct pmc_config *c)
{
    return c->copy_mode == PMC_MODE_INTENT_NET && c->net_opposite_trades;
}

/* The token slot a fill of `side` joins: 0 when netting, else the side; -1
 * in per_fill mode (no bucket is kept per token: every fill is flushed
 * alone). */
static inline int pmc_coalesce_slot(const struct pmc_config *c,
                                    enum pmc_side side)
{
    if (c->copy_mode == PMC_MODE_PER_FILL)
        return -1;
    return pmc_coalesce_nets(c) ? 0 : (int)side;
}

/* Open a bucket for token `tok` (side -1 = netting) due at `deadline`;
 * deadlines must not decrease from one call to the next (they are now +
 * coalesce_ms). The pool must have a free bucket: the engine flushes the
 * oldest first when max_open_buckets are open. Returns its index. */
static inline uint32_t pmc_coalesce_open(struct pmc_coalesce *q, uint32_t tok,
                                         int side, pmc_ms deadline)
{
    uint32_t bi = q->free;
    PMC_ASSERT(bi != PMC_BUCKET_NONE);
    struct pmc_bucket *b = &q->b[bi];
    q->free = b->next;
    b->tok = tok;
    b->side = side;
    b->nfills = 0;
    b->pending = 0;
    b->wsum[0] = b->wsum[1] = b->pxw[0] = b->pxw[1] = 0;
    b->deadline = deadline;
    /* deadlines are now + coalesce_ms and now never decreases, so
     * appending keeps the list sorted */
    b->prev = q->tail;
    b->next = PMC_BUCKET_NONE;
    if (q->tail != PMC_BUCKET_NONE)
        q->b[q->tail].next = bi;
    else
        q->head = bi;
    q->tail = bi;
    q->nopen++;
    return bi;
}

/* Take bucket bi off the open list and back to the free list, behind its
 * head: a step opens at most one bucket, and that one is the head, so bi's
 * fills stay readable until the next step (the actions of this one point
 * at them). The free list holds every bucket not open, at least two (the
 * pool has two more than max_open_buckets), so it has a head. */
static inline void pmc_coalesce_unlink(struct pmc_coalesce *q, uint32_t bi)
{
    struct pmc_bucket *b = &q->b[bi];
    if (b->prev != PMC_BUCKET_NONE)
        q->b[b->prev].next = b->next;
    else
        q->head = b->next;
    if (b->next != PMC_BUCKET_NONE)
        q->b[b->next].prev = b->prev;
    else
        q->tail = b->prev;
    q->nopen--;
    PMC_ASSERT(q->free != PMC_BUCKET_NONE);
    b->next = q->b[q->free].next;
    q->b[q->free].next = bi;
}

/* The oldest open bucket, or PMC_BUCKET_NONE. */
static inline uint32_t pmc_coalesce_oldest(const struct pmc_coalesce *q)
{
    return q->head;
}

/* The earliest deadline of an open bucket, or INT64_MAX. */
static inline pmc_ms pmc_coalesce_next_deadline(const struct pmc_coalesce *q)
{
    return q->head == PMC_BUCKET_NONE ? INT64_MAX : q->b[q->head].deadline;
}

/* Add fill f (trader index ti) to bucket b; returns 1 when the bucket must
 * be flushed now. The bucket has room: it is flushed when full. */
static inline int pmc_coalesce_add(const struct pmc_config *c,
                                   struct pmc_bucket *b,
                                   const struct pmc_fill *f, uint32_t ti)
{
    struct pmc_fill_ref *r = &b->fills[b->nfills++];
    r->key = f->key;
    r->trader = ti;
    r->side = f->side;
    r->px = f->px;
    r->sz = f->sz;
    /* a run's ratios never change: the scaled size is kept for the net and
     * the traders' weights at the flush */
    r->scaled = pmc_mul(f->sz, pmc_sizing_ratio(c, ti));
    /* each term is below 1e18 for fills within the tape's ranges, and the
     * sum before it below max_pending_usd (else it had flushed) */
    b->pending += pmc_mul(r->scaled, f->px);
    b->wsum[f->side] += r->scaled;
    b->pxw[f->side] += (pmc_i128)r->scaled * f->px;
    return c->copy_mode == PMC_MODE_PER_FILL || f->sz >= c->bypass_shares ||
           b->pending >= c->max_pending_usd || b->nfills == c->max_bucket_fills;
}

/* Take fill i out of open bucket b (a source fill the chain took back):
 * the later fills move up, the sums lose its part. */
static inline void pmc_coalesce_withdraw(struct pmc_bucket *b, uint32_t i)
{
    struct pmc_fill_ref *f = &b->fills[i];
    b->pending -= pmc_mul(f->scaled, f->px);
    b->wsum[f->side] -= f->scaled;
    b->pxw[f->side] -= (pmc_i128)f->scaled * f->px;
    memmove(f, f + 1, (size_t)(b->nfills - i - 1) * sizeof *f);
    b->nfills--;
}

/* What a bucket nets to. */
struct pmc_net {
    enum pmc_side side;
    pmc_i128 net;   /* absolute scaled net, micro shares; 0 = netted out */
    pmc_micros ref; /* size-weighted price of the side's fills */
};

/* Net bucket b's fills, each scaled by its trader's ratio, from the sums
 * pmc_coalesce_add and pmc_coalesce_withdraw keep (no pass over the
 * fills). Returns 0 when they net to zero (n->net = 0), 1 otherwise. */
static inline int pmc_coalesce_net(const struct pmc_bucket *b,
                                   struct pmc_net *n)
{
    /* each scaled size is below 2^63, each price below 1e6 (the step
     * refuses others) and there are at most 65536 fills: the sums fit 128
     * bits */
    const pmc_i128 *wsum = b->wsum, *pxw = b->pxw;
    pmc_i128 net = wsum[PMC_BUY] - wsum[PMC_SELL];
    if (net == 0) {
        n->net = 0;
        return 0;
    }
    enum pmc_side side = net > 0 ? PMC_BUY : PMC_SELL;
    pmc_micros ref = b->fills[0].px;
    if (wsum[side]) {
        /* 64-bit division when the sums fit (nearly always): a 128-bit
         * one costs tens of ns */
        if (pxw[side] <= (pmc_i128)INT64_MAX &&
            wsum[side] <= (pmc_i128)INT64_MAX)
            ref = (pmc_micros)((int64_t)pxw[side] / (int64_t)wsum[side]);
        else
            ref = (pmc_micros)(pxw[side] / wsum[side]);
    }
    n->side = side;
    n->net = net > 0 ? net : -net;
    n->ref = ref;
    return 1;
}

#endif
