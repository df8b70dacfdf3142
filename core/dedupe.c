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

/* The window an insert reads first: this many slots from the home. */
#define WINDOW 4

/* Words of the `over` bits: two bits a slot. */
static size_t over_words(uint32_t ns)
{
    return (2 * (size_t)ns + 63) / 64;
}

size_t pmc_dedupe_mem_size(uint32_t cap)
{
    uint32_t ns = slots_for(cap);
    return (2 * (size_t)ns + over_words(ns)) * sizeof(uint64_t);
}

void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap)
{
    uint32_t ns = slots_for(cap);
    d->slot = mem;
    d->over = d->slot + 2 * (size_t)ns;
    d->mask = ns - 1;
    d->cap = cap;
    d->cur = 0;
    d->n = 0;
    memset(mem, 0, pmc_dedupe_mem_size(cap));
}

static void over_set(struct pmc_dedupe *d, uint32_t s, uint32_t g)
{
    size_t b = 2 * (size_t)s + g;
    d->over[b / 64] |= (uint64_t)1 << (b % 64);
}

/* A key of generation g with home h goes into slot at: mark h when that
 * is past h's window. */
static void placed(struct pmc_dedupe *d, uint32_t h, uint32_t at, uint32_t g)
{
    if (((at - h) & d->mask) >= WINDOW)
        over_set(d, h, g);
}

/* The chain of one generation (t = slot + g, stride 2) from slot j on: the
 * slot holding fp, or the empty slot where it would go (*found = 0). */
static uint32_t probe_from(const uint64_t *t, uint32_t mask, uint32_t j,
                           uint64_t fp, int *found)
{
    for (;; j = (j + 1) & mask) {
        uint64_t v = t[2 * (size_t)j];
        if (v == fp || v == 0) {
            *found = v == fp;
            return j;
        }
    }
}

/* In generation g (t = slot + g, stride 2): the slot holding fp, or the
 * empty slot where it would go (*found = 0), from the home of hash h. */
static inline uint32_t probe(const uint64_t *t, uint32_t mask, uint64_t h,
                             uint64_t fp, int *found)
{
    return probe_from(t, mask, (uint32_t)h & mask, fp, found);
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
        uint32_t g = d->cur ^ 1;
        for (size_t j = 0; j <= d->mask; j++)
            old[2 * j] = 0;
        /* its `over` bits: every other bit, from bit g */
        uint64_t keep = g ? 0x5555555555555555ULL : 0xaaaaaaaaaaaaaaaaULL;
        for (size_t j = 0; j < over_words(d->mask + 1); j++)
            d->over[j] &= keep;
        d->cur = g;
        d->n = 0;
        cur = old;
        i = probe(cur, d->mask, h, fp, &found);
    }
    cur[2 * (size_t)i] = fp;
    placed(d, (uint32_t)h & d->mask, i, d->cur);
    d->n++;
    return 1;
}

int pmc__dedupe_insert_past(struct pmc_dedupe *d, uint32_t i, uint64_t fp,
                            unsigned free_cur, unsigned free_old)
{
    uint32_t cur = d->cur, old = cur ^ 1, end = (i + WINDOW) & d->mask, at;
    int found;
    /* the older generation: only when a key of this home lies past the
     * window */
    if (!free_old && pmc__dedupe_over(d, i, old)) {
        (void)probe_from(d->slot + old, d->mask, end, fp, &found);
        if (found)
            return 0;
    }
    if (free_cur) {
        at = i + (uint32_t)__builtin_ctz(free_cur) / 2;
    } else {
        /* the current one runs past the window: fp may lie on (only when
         * the bit is set), and the free slot does */
        at = probe_from(d->slot + cur, d->mask, end, fp, &found);
        if (found)
            return 0;
        over_set(d, i, cur);
    }
    d->slot[2 * (size_t)at + cur] = fp;
    d->n++;
    return 1;
}
