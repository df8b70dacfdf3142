/* proto/wire/gamma.h - Gamma market objects (section 4.3) to ev=market and
 * ev=resolve records.
 *
 * Decides, per market object:
 *  - one ev=market per token of `clobTokenIds` (a JSON array encoded as a
 *    string, parsed a second time, also accepted as a real array), with
 *    market = conditionId, outcome = outcomes[i], end = endDate (else the
 *    up/down slug window end), tick = orderPriceMinTickSize, minsz =
 *    orderMinSize, fee_rate/fee_exp = feeSchedule.rate/exponent (feesEnabled
 *    false gives rate 0, exponent 1), negrisk = negRisk, question and slug
 *    (display labels, cut at a UTF-8 boundary). Unknown values stay
 *    unknown (the importer applies documented defaults, not this decoder);
 *  - when the market is closed and every outcomePrices entry is 0 or 1, or
 *    the prices are an even split (0.5 each), one ev=resolve per token with
 *    payout = its outcome price. Prices strictly between 0 and 1 on an open
 *    or unresolved market are not a resolution and give nothing.
 * t of ev=market is createdAt, else startDate, else eventStartTime, else 0;
 * t of ev=resolve is closedTime, else umaEndDate, else endDate, never
 * earlier than the market's t.
 * Accepted documents: a market object, an array of them, an event object
 * (its `markets` array), a wrapper object whose `raw` member is the market
 * (as dataset vendors store it), or an object of markets (or events) keyed
 * by id, read in the document's order (row = the 1-based member). Any
 * other object is an error, not an empty result. Never uses floating
 * point. */
#ifndef PMC_WIRE_GAMMA_H
#define PMC_WIRE_GAMMA_H

#include "proto/wire/wire.h"

/* Decode one Gamma document of n bytes. Returns PMC_OK, PMC_EPARSE /
 * PMC_ERANGE (err->row = the 1-based market in an array, 0 for a single
 * object), PMC_ENOMEM, or the callback's code. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_gamma(const char *buf, size_t n,
                                                struct pmc_wire_sink *sink,
                                                struct pmc_wire_err *err);

#endif
