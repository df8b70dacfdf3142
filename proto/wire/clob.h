/* proto/wire/clob.h - CLOB market-channel frames (section 5.1) and recorded
 * top-of-book rows to tape records.
 *
 * Decides:
 *  - `book`: ev=quote with the best bid (highest bid price) and best ask
 *    (lowest ask price) and their sizes, found by scanning every level:
 *    the venue sends levels best-last, but no position is trusted. With
 *    PMC_WIRE_DEPTH also ev=book with up to PMC_BOOK_LEVELS levels per
 *    side, best first. A book with both sides empty gives no quote
 *    (counted as ignored: the tape cannot express an empty book).
 *  - `price_change`: one ev=quote per change that carries best_bid /
 *    best_ask; the changed level's size becomes bidsz/asksz when it is the
 *    best level. Changes without best prices cannot be turned into a top of
 *    book by a stateless decoder and are counted as ignored.
 *  - `best_bid_ask`: ev=quote. `last_trade_price`: ev=trade.
 *  - `tick_size_change`: ev=market with only token, market and tick set
 *    (end 0, fees and neg-risk unknown: a consumer must merge, not replace).
 *  - `market_resolved`: ev=resolve payout 1 for winning_asset_id, 0 for the
 *    other assets_ids.
 *  - other event types: counted as unknown; the text PONG: ignored.
 *  - a recorded top-of-book row (no event_type; token_id, best_bid,
 *    best_ask, *_size, ts_received, condition_id, slug: the format of
 *    websocket logs kept by research tools) -> ev=quote with
 *    t = ts_received.
 * Time: t = t_recv when > 0, else the frame's `timestamp` (ms).
 * Never uses floating point; never trusts array order or lengths. */
#ifndef PMC_WIRE_CLOB_H
#define PMC_WIRE_CLOB_H

#include "proto/wire/wire.h"

/* Decode one market-channel frame of n bytes: one event object or an array
 * of them (or a top-of-book row). flags: PMC_WIRE_DEPTH. Returns PMC_OK,
 * PMC_EPARSE / PMC_ERANGE with err->row = the 1-based array element (0 for
 * a single object), PMC_ENOMEM, or the callback's code. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_clob(const char *buf, size_t n,
                                               pmc_ms t_recv, unsigned flags,
                                               struct pmc_wire_sink *sink,
                                               struct pmc_wire_err *err);

#endif
