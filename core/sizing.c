/* core/sizing.c - the size and limit price of a copy order (sizing.h).
 * Pure arithmetic on micro units: no state, no tables, no clock. */
#include "sizing.h"

pmc_micros pmc_sizing_shares(const struct pmc_config *c, pmc_i128 net,
                             pmc_micros ref)
{
    /* the net is a sum of up to max_bucket_fills 64-bit sizes: it is
     * narrowed only once it fits */
    pmc_i128 want = net;
    if (c->sizing == PMC_SIZE_CAPPED) {
        pmc_micros cap = pmc_div(c->cap_usd, ref);
        if (want > cap)
            want = cap;
    } else if (c->sizing == PMC_SIZE_FIXED) {
        want = pmc_div(c->fixed_usd, ref);
    }
    pmc_micros sh = want > (pmc_i128)INT64_MAX ? INT64_MAX : (pmc_micros)want;
    return pmc_round_down(sh, PMC_SHARE_STEP);
}

pmc_micros pmc_sizing_limit(const struct pmc_config *c, enum pmc_side side,
                            pmc_micros ref, pmc_micros tick)
{
    if (!tick)
        tick = PMC_DEFAULT_TICK;
    pmc_micros lim = side == PMC_BUY
                         ? pmc_round_down(ref + c->max_slippage, tick)
                         : pmc_round_up(ref - c->max_slippage, tick);
    if (lim < tick)
        lim = tick;
    if (lim > PMC_MICRO - tick)
        lim = PMC_MICRO - tick;
    return lim;
}
