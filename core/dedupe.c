/* core/dedupe.c - two-generation set of seen fill keys. Pure. */
#include "dedupe.h"

/* at most half full: short probe chains */
static uint32_t slots_for(uint32_t cap)
{
    uint32_t p = 16;
    while (p < 2ull * cap)
        p <<= 1;
    return p;
}

size_t pmc_dedupe_mem_size(uint32_t cap)
{
    return 2 * (size_t)slots_for(cap) * sizeof(uint64_t);
}

void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap)
{
    uint32_t ns = slots_for(cap);
    d->slot = mem;
    d->mask = ns - 1;
    d->cap = cap;
    d->cur = 0;
    d->n = 0;
    memset(mem, 0, 2 * (size_t)ns * sizeof(uint64_t));
}

/* In generation g (t = slot + g, stride 2): the slot holding fp, or the
 * empty slot where it would go (*found = 0). */
static inline uint32_t probe(const uint64_t *t, uint32_t mask, uint64_t h,
                             uint64_t fp, int *found)
{
    uint32_t i = (uint32_t)h & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t v = t[2 * (size_t)i];
        if (v == fp) {
            *found = 1;
            return i;
        }
        if (v == 0) {
            *found = 0;
            return i;
        }
    }
}

int pmc_dedupe_contains(const struct pmc_dedupe *d, const struct pmc_sym *key)
{
    uint64_t fp = pmc__dedupe_fp(key);
    int found;
    (void)probe(d->slot, d->mask, key->h, fp, &found);
    if (!found)
        (void)probe(d->slot + 1, d->mask, key->h, fp, &found);
    return found;
}

/* The slow path of pmc_dedupe_insert: both probe chains walked to their
 * end, and the generations turned when the current one is full. */
int pmc__dedupe_insert_probing(struct pmc_dedupe *d, uint64_t h, uint64_t fp)
{
    int found;
    uint64_t *cur = d->slot + d->cur, *old = d->slot + (d->cur ^ 1);
    uint32_t i = probe(cur, d->mask, h, fp, &found);
    if (found)
        return 0;
    (void)probe(old, d->mask, h, fp, &found);
    if (found)
        return 0;
    if (d->n == d->cap) {
        /* the older generation is forgotten; the current one ages */
        for (size_t j = 0; j <= d->mask; j++)
            old[2 * j] = 0;
        d->cur ^= 1;
        d->n = 0;
        cur = old;
        i = probe(cur, d->mask, h, fp, &found);
    }
    cur[2 * (size_t)i] = fp;
    d->n++;
    return 1;
}
