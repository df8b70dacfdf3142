/* proto/wire/chain.h - Polygon `OrderFilled` logs (sections 5.4, 6) to
 * ev=fill.
 *
 * Decides, per log (V1 and V2 exchanges, told apart by topic0):
 *  - the fill belongs to the order's owner, `maker` (topic 2); with a
 *    tracked wallet, logs whose maker is another wallet (the counterparty's
 *    record of trading against the wallet) are counted as ignored, so a
 *    wallet's fills are never counted twice;
 *  - V2 data words: side, tokenId, makerAmountFilled, takerAmountFilled,
 *    fee, builder, metadata. BUY: sz = taker amount, px = maker/taker;
 *    SELL: sz = maker amount, px = taker/maker;
 *  - V1 data words: makerAssetId, takerAssetId, makerAmount, takerAmount,
 *    fee. makerAssetId 0 means BUY takerAssetId, else SELL makerAssetId;
 *  - role (in the extras): TAKER when topic 3 is the emitting exchange (or
 *    any known exchange address), else MAKER;
 *  - px is rounded half to even to 6 decimals and must be in (0,1); amounts
 *    are 6-decimal base units, so sz is the amount itself;
 *  - key = transactionHash + ":" + decimal logIndex (the on-chain dedupe
 *    key); ts = blockTimestamp when the provider sends it;
 *  - OrdersMatched / FeeCharged / OrderCancelled logs and subscription
 *    acknowledgements count as ignored, other topics as unknown; a log with
 *    "removed": true is still decoded, with extra->removed = 1 (undo it).
 * Never uses floating point; amounts above int64 are range errors. */
#ifndef PMC_WIRE_CHAIN_H
#define PMC_WIRE_CHAIN_H

#include "proto/wire/wire.h"

#define PMC_TOPIC_ORDER_FILLED_V2                                              \
    "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee"
#define PMC_TOPIC_ORDER_FILLED_V1                                              \
    "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfec0f6"

/* Decode one document: an eth_subscription notification, a bare log
 * object, an array of logs, or an eth_getLogs response ({"result":[...]}).
 * wallet: the tracked wallet (0x + 40 lowercase hex) or NULL for every
 * maker. t = t_recv when > 0, else the log's blockTimestamp; a log with
 * neither is an error. Returns PMC_OK, PMC_EPARSE / PMC_ERANGE (err->row =
 * the 1-based log in an array), PMC_ENOMEM, or the callback's code. */
PMC_MUST_USE enum pmc_err pmc_wire_decode_logs(const char *buf, size_t n,
                                               pmc_ms t_recv,
                                               const struct pmc_sym *wallet,
                                               struct pmc_wire_sink *sink,
                                               struct pmc_wire_err *err);

/* The 256-bit big-endian word w[32] as a decimal string (no leading
 * zeros; "0" for zero) into out (at least 80 bytes). Returns the length. */
size_t pmc_wire_u256_dec(const uint8_t w[32], char *out);

#endif
