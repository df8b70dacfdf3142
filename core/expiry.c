/* core/expiry.c - the near-expiry guard (expiry.h). Pure. */
#include "expiry.h"

int pmc_expiry_blocks_buy(const struct pmc_config *c, pmc_ms end, pmc_ms now)
{
    /* end and now are within [0, PMC_TIME_MAX] and the cutoff within a
     * day: no overflow */
    return end && end - now < c->near_expiry_cutoff_seconds * 1000;
}
