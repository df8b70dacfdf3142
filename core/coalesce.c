/* core/coalesce.c - laying the bucket pool over the engine's memory
 * (coalesce.h; the per-fill and per-flush functions are static inline
 * there, on the step's hot path). Pure: fixed memory handed in. */
#include "coalesce.h"

size_t pmc_coalesce_buckets_bytes(const struct pmc_config *c)
{
    return (size_t)pmc_coalesce_pool_size(c) * sizeof(struct pmc_bucket);
}

size_t pmc_coalesce_fills_bytes(const struct pmc_config *c)
{
    return (size_t)pmc_coalesce_pool_size(c) * c->max_bucket_fills *
           sizeof(struct pmc_fill_ref);
}

void pmc_coalesce_init(struct pmc_coalesce *q, const struct pmc_config *c,
                       void *buckets, void *fills)
{
    uint32_t n = pmc_coalesce_pool_size(c);
    q->b = buckets;
    struct pmc_fill_ref *pool = fills;
    for (uint32_t i = 0; i < n; i++) {
        q->b[i].next = i + 1 < n ? i + 1 : PMC_BUCKET_NONE;
        q->b[i].fills = pool + (size_t)i * c->max_bucket_fills;
    }
    q->free = 0;
    q->head = q->tail = PMC_BUCKET_NONE;
    q->nopen = 0;
}
