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
 * One transaction can give a wallet several identical fills (a market
 * maker's order matched by several takers at one size): the k-th of them
 * (k >= 2) takes k into the token hash, i.e. the 8 hex digits are the high
 * 32 bits of pmc_hash64 of "<token>#<k>" (the key keeps its length). Every
 * source counts k its own way, and the counts agree: on chain, by log
 * index; on the data API, by row order within one response; on RTDS, by
 * arrival (struct pmc_fillkey_occ below).
 *
 * Decides only the key and the occurrence. Never looks at price or time
 * (sources disagree on their rounding), never allocates, never fails on a
 * valid fill. */
#ifndef PMC_FILLKEY_H
#define PMC_FILLKEY_H

#include "core/event.h"

/* Build the key from a transaction hash (`0x` + 64 hex, any case; the
 * `0x` is required) of txn bytes, the token id, the side, the shares in
 * micro units (> 0, <= PMC_SIZE_MAX) and the occurrence k (0 or 1: the
 * first). Returns PMC_OK, PMC_EPARSE for a malformed hash or empty token,
 * PMC_ERANGE for a size out of range. */
PMC_MUST_USE enum pmc_err pmc_fillkey(const char *tx, size_t txn,
                                      const struct pmc_sym *token,
                                      enum pmc_side side, pmc_micros sz,
                                      uint32_t k, struct pmc_sym *out);

/* Re-key a decoded fill in place: the transaction hash is taken from the
 * decoder's key (the part before the first ':'), token/side/sz from the
 * fill, k as in pmc_fillkey. Same errors as pmc_fillkey; on error f is
 * unchanged. */
PMC_MUST_USE enum pmc_err pmc_fillkey_apply(struct pmc_fill *f, uint32_t k);

/* Occurrence counter of one source: the fills it reported lately, each as
 * (batch, id, ord). id = the hash of the fill's first-occurrence key (its
 * transaction, token, side and size); ord = its place in its source's
 * order (chain: log index; data API: row in the response, batch = the
 * response; RTDS: arrival). k = 1 + the fills of the same batch and id
 * with a smaller ord; a fill seen again (same batch, id and ord) gets its
 * k again and is not counted twice. Remembers the last
 * PMC_FILLKEY_OCC_CAP fills (a transaction with more identical fills
 * than that counts from the ones remembered). */
#define PMC_FILLKEY_OCC_CAP 1024
struct pmc_fillkey_occ {
    struct pmc_fillkey_seen {
        uint64_t batch, id;
        int64_t ord;
    } e[PMC_FILLKEY_OCC_CAP];
    uint32_t n, head;
};

void pmc_fillkey_occ_init(struct pmc_fillkey_occ *o);
uint32_t pmc_fillkey_occ(struct pmc_fillkey_occ *o, uint64_t batch, uint64_t id,
                         int64_t ord);

#endif
