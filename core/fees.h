/* core/fees.h - the venue's taker fee, in exact integer arithmetic.
 *
 * Decides: the USD fee a taker pays for `shares` filled at price `p` in a
 * market with fee parameters (rate, exponent):
 *     fee = shares x rate x (p (1 - p))^exponent
 * (polymarket-protocol.md 7.1; makers pay nothing). Must never use floating
 * point, allocate or do I/O: the simulator and the live paper venue charge
 * exactly the same micro-dollars.
 *
 * Rounding: p(1-p) is exact in 1e-12 units; each power step is floored at
 * 1e-12; the product is rounded half-up to a micro-dollar (1e-6 USD). The
 * SDK's reference values (100 shares, rate 0.25, exponent 2: 1.5625 at
 * 0.50, 1.1025 at 0.30, 0.2025 at 0.10) come out exact. */
#ifndef PMC_FEES_H
#define PMC_FEES_H

#include "pmc.h"

/* Default fee parameters of 15-minute crypto up/down markets when a tape's
 * market record carries none (launch schedule of January 2026: rate 0.25,
 * exponent 2). */
#define PMC_FEE_DEFAULT_RATE ((pmc_micros)250000)
#define PMC_FEE_DEFAULT_EXP 2

/* Taker fee in USD micros for `shares` (micros, >= 0) filled at `px`
 * (micros, in [0, 1e6]) with `rate` (micros, in [0, 1e6]) and `exp`
 * (0..8). Returns 0 for a non-positive size or rate; out-of-range inputs
 * are clamped (px to [0,1], exp to [0,8]). */
pmc_micros pmc_fee_taker(pmc_micros shares, pmc_micros px, pmc_micros rate,
                         int32_t exp);

#endif
