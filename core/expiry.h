/* core/expiry.h - the near-expiry guard (SPEC.md 3).
 *
 * Decides: whether a BUY copy is refused because its market ends within
 * near_expiry_cutoff_seconds (or has ended). SELLs are never guarded: they
 * reduce what we hold.
 *
 * Must never: keep state, read a clock (the engine passes its logical
 * `now`), emit actions. Header only: it runs on every BUY flush. */
#ifndef PMC_EXPIRY_H
#define PMC_EXPIRY_H

#include "config.h"

/* 1 when a BUY on a market ending at `end` (ms since the epoch, 0 =
 * unknown: never guarded) must be skipped at time `now` (ms): end - now <
 * near_expiry_cutoff_seconds x 1000. */
static inline int pmc_expiry_blocks_buy(const struct pmc_config *c, pmc_ms end,
                                        pmc_ms now)
{
    /* end and now are within [0, PMC_TIME_MAX] and the cutoff within a
     * day: no overflow */
    return end && end - now < c->near_expiry_cutoff_seconds * 1000;
}

#endif
