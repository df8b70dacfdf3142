/* core/sizing.h - how large a copy order is and at what limit price
 * (SPEC.md 3: sizing, limit prices, venue minimums).
 *
 * Decides: a trader's ratio, the shares a bucket's net asks for under the
 * configured sizing (fixed, proportional, capped proportional), the shares
 * that fit under a USD room at a price, the limit price (the reference
 * price plus or minus the slippage, on the tick grid), and whether a size
 * is below the venue's minimums.
 *
 * Must never: keep state, read tables, emit actions, read a clock or use
 * floating point. Every amount is micro units (USD, shares and prices
 * scaled by 1e6); shares are on the 0.01 grid. Header only: every
 * function is static inline, since each runs on every flush of the step's
 * hot path (out of line they cost the core ~5% of its throughput). */
#ifndef PMC_SIZING_H
#define PMC_SIZING_H

#include "config.h"
#include "dec.h"

__extension__ typedef __int128 pmc_i128;

#define PMC_SHARE_STEP 10000              /* shares are rounded down to 0.01 */
#define PMC_DEFAULT_TICK 10000            /* 0.01 when the market gave none */
#define PMC_DEFAULT_MINSZ (5 * PMC_MICRO) /* venue minimum, resting orders */
#define PMC_MARKETABLE_MIN_USD PMC_MICRO  /* venue minimum, marketable buys */

/* The ratio (micro units, 1e6 = 1:1) applied to trader `trader`'s fills:
 * its own when set, else the global one; 1 under fixed sizing (only the
 * side of the net matters there). */
static inline pmc_micros pmc_sizing_ratio(const struct pmc_config *c,
                                          uint32_t trader)
{
    if (c->sizing == PMC_SIZE_FIXED)
        return PMC_MICRO;
    pmc_micros r = c->traders[trader].ratio;
    return r > 0 ? r : c->ratio;
}

/* Shares a bucket asks for: `net` is the absolute scaled net of its fills
 * (micro shares, up to 128 bits), `ref` its reference price (> 0).
 * Proportional: the net; capped: at most cap_usd / ref; fixed: fixed_usd /
 * ref. Saturates at INT64_MAX (the caps and the order size check decide
 * what becomes of such a size) and rounds down to the share grid. */
static inline pmc_micros pmc_sizing_shares(const struct pmc_config *c,
                                           pmc_i128 net, pmc_micros ref)
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

/* The limit price for a copy of side `side` at reference `ref`: ref +
 * max_slippage rounded down to the tick for a BUY, ref - max_slippage
 * rounded up for a SELL, kept within [tick, 1 - tick]. tick 0 = 0.01. */
static inline pmc_micros pmc_sizing_limit(const struct pmc_config *c,
                                          enum pmc_side side, pmc_micros ref,
                                          pmc_micros tick)
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

/* USD notional of `shares` at `px`, rounded up (what a cap counts). */
static inline pmc_micros pmc_sizing_notional(pmc_micros shares, pmc_micros px)
{
    return pmc_muldiv_ceil(shares, px, PMC_MICRO);
}

/* Shares that fit under `room` USD at price px (> 0), on the share grid;
 * 0 when room <= 0. */
static inline pmc_micros pmc_sizing_fit(pmc_micros room, pmc_micros px)
{
    if (room <= 0)
        return 0;
    return pmc_round_down(pmc_div(room, px), PMC_SHARE_STEP);
}

/* 1 when an order of sz shares at px is below the venue's minimum or the
 * configured min_order_notional_usd (minsz: the market's minimum size for
 * resting orders, 0 = unknown). */
static inline int pmc_sizing_below_min(const struct pmc_config *c,
                                       pmc_micros minsz, enum pmc_side side,
                                       pmc_micros sz, pmc_micros px)
{
    pmc_micros n = pmc_mul(sz, px);
    if (sz <= 0 || n < c->min_order_notional_usd)
        return 1;
    if (c->time_in_force == PMC_TIF_GTC || c->time_in_force == PMC_TIF_GTD)
        return sz < (minsz ? minsz : PMC_DEFAULT_MINSZ);
    return side == PMC_BUY && n < PMC_MARKETABLE_MIN_USD;
}

#endif
