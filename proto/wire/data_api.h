/* proto/wire/data_api.h - data-api rows (/activity, /trades, legacy and v2)
 * and RTDS `activity/trades` frames to tape records.
 *
 * Decides: a TRADE row (or a /trades row, which has no type) becomes
 * ev=fill with trader = proxyWallet; MERGE / REDEEM / SPLIT rows become
 * ev=merge / ev=redeem / ev=split; any other type (REWARD, CONVERSION, ...)
 * is counted in sink->unknown, never silently dropped. Prices must be in
 * (0,1) and sizes in (0, 1e9] shares; extra decimals (the API sends
 * averages such as 0.11545454545454545) are rounded half to even to 6.
 *
 * Fill key: the data API has no log index, so key = transactionHash + ":" +
 * 16 hex digits of FNV-1a-64 over "asset|side|size|price" (size and price
 * in micro units). It is stable across fetches and identical for the same
 * fill seen on RTDS, distinct for the several fills one transaction gives a
 * wallet on different tokens, sides, sizes or prices. MERGE/REDEEM/SPLIT
 * keys hash "TYPE|conditionId|size" instead (one transaction may redeem 25
 * markets). Identical rows of one transaction are distinct fills (a
 * maker's order matched by several takers at one size and price): the k-th
 * of them in a document (k >= 2) gets ":" + k appended, so that
 * tx:h, tx:h:2, tx:h:3 ... (a document is one response or one dump; RTDS
 * frames, one fill each, always give the first key).
 *
 * Times: the row `timestamp` is seconds (a value >= 1e11 is taken as ms);
 * t = ts for data-api rows. When the slug is an up/down crypto slug the
 * fill's end = window end (section 7.2). Never uses floating point. */
#ifndef PMC_WIRE_DATA_API_H
#define PMC_WIRE_DATA_API_H

#include "proto/wire/wire.h"

/* Decode a /activity or /trades response body: a bare array of camelCase
 * rows (legacy), a {"data":[...],"pagination":{...}} envelope of
 * snake_case rows (v2), or a single row object. Emits records in input
 * order; src=api. Returns PMC_OK, PMC_EPARSE / PMC_ERANGE (err->row = the
 * 1-based row), PMC_ENOMEM, or what the callback returned. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_activity(const char *buf, size_t n,
                                                   struct pmc_wire_sink *sink,
                                                   struct pmc_wire_err *err);

/* Decode one RTDS frame (an envelope object, or an array of them; the bare
 * text PONG/pong is counted as ignored). Only topic "activity", type
 * "trades" gives records (src=rtds); other topics count as ignored. t is
 * t_recv when > 0, else the envelope's timestamp (ms), else the payload's;
 * ts is the payload's own timestamp. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_rtds(const char *buf, size_t n,
                                               pmc_ms t_recv,
                                               struct pmc_wire_sink *sink,
                                               struct pmc_wire_err *err);

/* Exposed for the other decoders: FNV-1a-64 (offset basis 0xcbf29ce4...). */
uint64_t pmc_wire_fnv1a(uint64_t h, const void *p, size_t n);
#define PMC_WIRE_FNV_INIT 0xcbf29ce484222325ULL

#endif
