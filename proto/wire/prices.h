/* proto/wire/prices.h - CLOB `/prices-history` responses to ev=trade.
 *
 * Decides: each history point {"t": unix seconds, "p": price} becomes one
 * ev=trade at t with px = p. The endpoint gives no traded size, so sz is a
 * nominal 1 share: the record is a price observation, not volume. Points
 * priced exactly 0 or 1 (a settled market) cannot be traded and are counted
 * as ignored; prices outside [0,1] are errors. The response does not name
 * its token: the caller passes it, or the document carries it in a
 * "market" / "token_id" / "asset_id" member next to "history".
 * Never uses floating point. */
#ifndef PMC_WIRE_PRICES_H
#define PMC_WIRE_PRICES_H

#include "proto/wire/wire.h"

/* Decode one /prices-history body ({"history":[...]}, or a bare array of
 * points). token (tok_len bytes) may be NULL to take it from the document.
 * Returns PMC_OK, PMC_EPARSE / PMC_ERANGE (err->row = 1-based point),
 * PMC_ENOMEM, or the callback's code. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_prices(const char *buf, size_t n,
                                                 const char *token,
                                                 size_t tok_len,
                                                 struct pmc_wire_sink *sink,
                                                 struct pmc_wire_err *err);

#endif
