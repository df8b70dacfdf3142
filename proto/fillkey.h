/* proto/fillkey.h - the canonical fill key (docs/live.md).
 *
 * One fill of a source wallet can be seen on chain (OrderFilled log), on
 * RTDS (activity/trades) and on the data API. Each source names it its own
 * way (chain: tx:logIndex; data API / RTDS: tx:hash of the row), so every
 * fill is re-keyed here from what all three sources agree on:
 *
 *     <txhash>:<8 hex of pmc_hash64(token)>:<B|S>:<shares micros>
 *
 * (the 8 hex digits are the high 32 bits of pmc_hash64 of the token id),
 * e.g. 0x00ab...ef:1f2e3d4c:B:100000000 (64 hex tx hash, lowercase). The
 * longest key is 2+64+1+8+1+1+1+16 = 94 bytes <= PMC_SYM_MAX.
 *
 * Decides only the key. Never looks at price or time (sources disagree on
 * their rounding), never allocates, never fails on a valid fill. Two fills
 * of one wallet in one transaction on the same token, side and size get
 * the same key: they are indistinguishable from the data API's point of
 * view and are copied once. */
#ifndef PMC_FILLKEY_H
#define PMC_FILLKEY_H

#include "core/event.h"

/* Build the key from a transaction hash (`0x` + 64 hex, any case; the
 * `0x` is required) of txn bytes, the token id, the side and the shares
 * in micro units (> 0, <= PMC_SIZE_MAX). Returns PMC_OK, PMC_EPARSE for a
 * malformed hash or empty token, PMC_ERANGE for a size out of range. */
PMC_MUST_USE enum pmc_err pmc_fillkey(const char *tx, size_t txn,
                                      const struct pmc_sym *token,
                                      enum pmc_side side, pmc_micros sz,
                                      struct pmc_sym *out);

/* Re-key a decoded fill in place: the transaction hash is taken from the
 * decoder's key (the part before the first ':'), token/side/sz from the
 * fill. Same errors as pmc_fillkey; on error f is unchanged. */
PMC_MUST_USE enum pmc_err pmc_fillkey_apply(struct pmc_fill *f);

#endif
