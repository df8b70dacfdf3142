/* core/coalesce.c - the bucket pool, the open list and netting
 * (coalesce.h). Pure: fixed memory handed in, no clock, no actions. */
#include "coalesce.h"

size_t pmc_coalesce_buckets_bytes(const struct pmc_config *c)
{
    return (size_t)pmc_coalesce_pool_size(c) * sizeof(struct pmc_bucket);
}

size_t pmc_coalesce_released_bytes(const struct pmc_config *c)
{
    return (size_t)pmc_coalesce_pool_size(c) * sizeof(uint32_t);
}

size_t pmc_coalesce_fills_bytes(const struct pmc_config *c)
{
    return (size_t)pmc_coalesce_pool_size(c) * c->max_bucket_fills *
           sizeof(struct pmc_fill_ref);
}

void pmc_coalesce_init(struct pmc_coalesce *q, const struct pmc_config *c,
                       void *buckets, void *released, void *fills)
{
    uint32_t n = pmc_coalesce_pool_size(c);
    q->b = buckets;
    q->released = released;
    q->nreleased = 0;
    struct pmc_fill_ref *pool = fills;
    for (uint32_t i = 0; i < n; i++) {
        q->b[i].next = i + 1 < n ? i + 1 : PMC_BUCKET_NONE;
        q->b[i].fills = pool + (size_t)i * c->max_bucket_fills;
    }
    q->free = 0;
    q->head = q->tail = PMC_BUCKET_NONE;
    q->nopen = 0;
}

int pmc_coalesce_net(const struct pmc_config *c, const struct pmc_bucket *b,
                     struct pmc_net *n)
{
    /* each scaled size is below 2^63, each price below 1e6 (the step
     * refuses others) and there are at most 65536 fills: the sums fit 128
     * bits */
    pmc_i128 net = 0, wsum[2] = {0, 0}, pxw[2] = {0, 0};
    for (uint32_t i = 0; i < b->nfills; i++) {
        const struct pmc_fill_ref *f = &b->fills[i];
        pmc_micros s = pmc_mul(f->sz, pmc_sizing_ratio(c, f->trader));
        net += f->side == PMC_BUY ? s : -s;
        wsum[f->side] += s;
        pxw[f->side] += (pmc_i128)s * f->px;
    }
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
