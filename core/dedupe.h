/* core/dedupe.h - bounded memory of the source fill keys already seen.
 *
 * Pure, fixed memory, no deletion: two generations of an open-addressing
 * set of key fingerprints. New keys go into the current generation; when
 * it holds `cap` keys, the previous generation is wiped and the current
 * one becomes the previous. So the set always remembers at least the last
 * `cap` keys inserted and at most the last 2 x cap; older keys are
 * forgotten (a fill that old is long past max_source_lag_ms anyway).
 *
 * A key is identified by its 64-bit table hash (pmc_sym.h, which picks the
 * slot) and a second, independently seeded 64-bit fingerprint stored in
 * the slot: a false "duplicate" needs both to collide (~2^-100 at the
 * default size). The two generations' slots are interleaved: an insert
 * reads the 4 slot pairs from the key's home (its window: one or two cache
 * lines) at once. A bit per slot and generation (`over`) says whether a key
 * of that generation whose home is that slot lies past its window: a chain
 * is walked past the window only when that bit is set, or to find the
 * free slot a new key goes into. */
#ifndef PMC_DEDUPE_H
#define PMC_DEDUPE_H

#include "pmc.h"

struct pmc_dedupe {
    uint64_t *slot; /* [2 * nslots] fingerprints, interleaved; 0 = empty */
    uint64_t *over; /* [2 * nslots] bits, interleaved as slot: bit 2 s + g
                     * set when a key of generation g with home s lies 4 or
                     * more slots past s */
    uint32_t mask;  /* nslots - 1 */
    uint32_t cap;   /* keys per generation */
    uint32_t cur;   /* index of the current generation */
    uint32_t n;     /* keys in the current generation */
};

size_t pmc_dedupe_mem_size(uint32_t cap);
void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap);

/* A key's fingerprint in the slots (0 marks an empty slot). */
static inline uint64_t pmc__dedupe_fp(const struct pmc_sym *k)
{
    return k->h2 | 1;
}

/* pmc_dedupe_insert's slow path (dedupe.c): both probe chains walked to
 * their end, the generations turned when the current one is full. */
int pmc__dedupe_insert_probing(struct pmc_dedupe *d, uint64_t h, uint64_t fp);

/* pmc_dedupe_insert when a generation has no free slot in the window of
 * home i (fp is in neither; free_cur, free_old: each generation's free
 * slots in it, bit 2k for slot i + k): a chain is walked from the window's
 * end only where its `over` bit says a key of home i lies past it, or to
 * find where the new key goes. */
int pmc__dedupe_insert_past(struct pmc_dedupe *d, uint32_t i, uint64_t fp,
                            unsigned free_cur, unsigned free_old);

/* The `over` bit of slot s in generation g. */
static inline unsigned pmc__dedupe_over(const struct pmc_dedupe *d, uint32_t s,
                                        uint32_t g)
{
    size_t b = 2 * (size_t)s + g;
    return (unsigned)(d->over[b / 64] >> (b % 64)) & 1u;
}

/* 1 when key is new (and now remembered), 0 when it was seen before. */
static inline int pmc_dedupe_insert(struct pmc_dedupe *d,
                                    const struct pmc_sym *key)
{
    uint64_t fp = pmc__dedupe_fp(key);
    uint32_t i = (uint32_t)key->h & d->mask;
    if (d->n == d->cap || i > d->mask - 3)
        return pmc__dedupe_insert_probing(d, key->h, fp);
    /* The 4 slot pairs from the home slot (8 words, the generations
     * interleaved), without a branch per slot: the probe loops' exits are
     * data-dependent and mispredicted about once a probe at the tables'
     * load. A key is never stored past an empty slot of its generation's
     * chain (no deletion), so fp anywhere in the window is the key; when
     * each generation has an empty slot in the window, its chain ends
     * there and the key is not further on (else pmc__dedupe_insert_past
     * decides by the `over` bits). Bit k of a mask is word k. */
    const uint64_t *w = d->slot + 2 * (size_t)i;
    unsigned seen = 0, empty = 0;
#define WORD(k)                                                                \
    seen |= (unsigned)(w[k] == fp) << (k);                                     \
    empty |= (unsigned)(w[k] == 0) << (k)
    WORD(0);
    WORD(1);
    WORD(2);
    WORD(3);
    WORD(4);
    WORD(5);
    WORD(6);
    WORD(7);
#undef WORD
    unsigned c = d->cur, free_cur = (empty >> c) & 0x55u,
             free_old = (empty >> (c ^ 1)) & 0x55u;
    if (seen)
        return 0;
    /* the older generation's chain matters past the window only when a
     * key of this home lies there (its `over` bit): read here, so that the
     * branch below is taken rarely (a full window alone: about one insert
     * in eight at the tables' load) */
    unsigned past_old = (free_old == 0) & pmc__dedupe_over(d, i, c ^ 1);
    if (!free_cur || past_old) /* a chain runs past the window */
        return pmc__dedupe_insert_past(d, i, fp, free_cur, free_old);
    d->slot[2 * (size_t)i + (size_t)__builtin_ctz(free_cur) + c] = fp;
    d->n++;
    return 1;
}

/* Start loading the slots key would probe first (a hint; no effect): its
 * home slot's line and the next one, where a probe chain (about four slot
 * pairs at the tables' load) often runs on. For the last slots that line
 * lies past the table: a prefetch only names an address, never reads it;
 * the engine's block goes on after its dedupe region. */
static inline void pmc_dedupe_prefetch(const struct pmc_dedupe *d,
                                       const struct pmc_sym *key)
{
    const char *s =
        (const char *)&d->slot[2 * (size_t)((uint32_t)key->h & d->mask)];
    __builtin_prefetch(s);
    __builtin_prefetch(s + 64);
}
/* 1 when key is remembered. */
int pmc_dedupe_contains(const struct pmc_dedupe *d, const struct pmc_sym *key);

#endif
