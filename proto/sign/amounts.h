/* proto/sign/amounts.h - makerAmount / takerAmount of a CLOB order.
 *
 * Exact integer arithmetic (no floating point anywhere): prices, sizes and
 * USD amounts come in as micro units (pmc_micros, 1e-6) and the results
 * are base units (1e-6 of pUSD or of a share). The rules reproduce the
 * official V2 builders' outputs for every tick size (protocol reference
 * 2.7.3), except that marketable buys floor the share amount to the 4
 * decimals the server accepts. This module decides nothing about risk;
 * it only validates a price against the tick grid and venue minimums. */
#ifndef PMC_SIGN_AMOUNTS_H
#define PMC_SIGN_AMOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"

/* A tick size is step * 10^-dec: 0.1 {1,1}, 0.01 {2,1}, 0.005 {3,5},
 * 0.0025 {4,25}, 0.001 {3,1}, 0.0001 {4,1}. */
struct pmc_tick {
    uint8_t dec;  /* price decimals D */
    uint8_t step; /* tick in units of 10^-D */
};

enum pmc_order_kind {
    PMC_ORDER_LIMIT,  /* resting/limit: price + size in shares */
    PMC_ORDER_MARKET, /* marketable: worst price + USD (BUY) / shares (SELL) */
};

/* Venue minimum for a marketable buy (USD micros). */
#define PMC_MIN_MARKET_BUY_USD ((pmc_micros)1000000)

struct pmc_amount_req {
    enum pmc_order_kind kind;
    uint8_t side;     /* enum pmc_side: 0 BUY, 1 SELL */
    pmc_micros price; /* limit price, or worst acceptable price (market) */
    pmc_micros size;  /* limit: shares; market: USD (BUY) / shares (SELL) */
    struct pmc_tick tick;
    pmc_micros min_shares; /* market's minimum order size for limit orders
                              (shares micros); 0 = no minimum */
};

struct pmc_amounts {
    uint64_t maker_amount; /* base units: BUY pUSD, SELL shares */
    uint64_t taker_amount; /* base units: BUY shares, SELL pUSD */
    pmc_micros price;      /* the price actually used (market: floored) */
};

/* Parse a tick size string of n bytes ("0.01", "0.0025", ...; any exact
 * decimal equal to one of the six venue ticks). PMC_EPARSE on syntax,
 * PMC_ERANGE for a value that is not a venue tick. */
PMC_MUST_USE enum pmc_err pmc_tick_parse(const char *s, size_t n,
                                         struct pmc_tick *out);

/* The tick as micro units (0.01 -> 10000). */
pmc_micros pmc_tick_micros(struct pmc_tick t);

/* Check that price lies on the tick grid and within [tick, 1 - tick].
 * PMC_ERANGE otherwise; why (may be NULL) gets a one-line reason naming
 * the value and the rule. */
PMC_MUST_USE enum pmc_err pmc_price_check(pmc_micros price, struct pmc_tick t,
                                          char *why, size_t why_len);

/* Compute the amounts for req into out.
 * Limit: price must be on the grid and in range; shares are floored to 2
 * decimals and must be >= min_shares. Market: price is floored to the
 * grid, then range-checked; BUY USD is floored to cents and must be >= $1,
 * SELL shares are floored to 2 decimals and must be > 0.
 * Returns PMC_ERANGE (why says which rule) or PMC_EUSAGE for a bad side or
 * kind; out is written only on success. */
PMC_MUST_USE enum pmc_err pmc_amounts_compute(const struct pmc_amount_req *req,
                                              struct pmc_amounts *out,
                                              char *why, size_t why_len);

#endif
