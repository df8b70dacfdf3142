/* core/dedupe.h - bounded memory of the source fill keys already seen.
 *
 * Pure, fixed memory: an open-addressing set of 128-bit key fingerprints
 * plus a ring that remembers insertion order; when full, the oldest key is
 * forgotten (a fill that old is long past max_source_lag_ms anyway). Two
 * independent 64-bit hashes make a false "duplicate" practically
 * impossible (~2^-128 per pair). */
#ifndef PMC_DEDUPE_H
#define PMC_DEDUPE_H

#include "pmc.h"

struct pmc_dedupe {
    uint64_t *fp;   /* [2 * nslots] fingerprints, {0,0} = empty */
    uint32_t *ring; /* [cap] slot of the i-th insert, oldest at head */
    uint32_t *pos;  /* [nslots] ring position of the key in each slot */
    uint32_t mask, cap, head, n;
};

size_t pmc_dedupe_mem_size(uint32_t cap);
void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap);
/* 1 when key is new (and now remembered), 0 when it was seen before. */
int pmc_dedupe_insert(struct pmc_dedupe *d, const struct pmc_sym *key);
/* 1 when key is remembered. */
int pmc_dedupe_contains(const struct pmc_dedupe *d, const struct pmc_sym *key);

#endif
