/* core/risk.c - the risk counters' initial state (risk.h; the checks are
 * static inline there, on the step's hot path). Pure. */
#include "risk.h"

void pmc_risk_init(struct pmc_risk *r)
{
    memset(r, 0, sizeof *r);
    r->day = r->window = INT64_MIN;
}
