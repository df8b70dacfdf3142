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
 * default size). Insert and look-up are two probes of 8-byte slots. */
#ifndef PMC_DEDUPE_H
#define PMC_DEDUPE_H

#include "pmc.h"

struct pmc_dedupe {
    uint64_t *slot; /* [2 * nslots] fingerprints, interleaved; 0 = empty */
    uint32_t mask;  /* nslots - 1 */
    uint32_t cap;   /* keys per generation */
    uint32_t cur;   /* index of the current generation */
    uint32_t n;     /* keys in the current generation */
};

size_t pmc_dedupe_mem_size(uint32_t cap);
void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap);
/* 1 when key is new (and now remembered), 0 when it was seen before. */
int pmc_dedupe_insert(struct pmc_dedupe *d, const struct pmc_sym *key);
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
