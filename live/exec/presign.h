/* live/exec/presign.h - the executor's presignature pool: a background
 * thread that keeps presignatures (proto/sign/signer.h) ready for its
 * signer, so an order's signature costs two scalar operations instead of
 * a point multiplication.
 *
 * Decides where the nonces' randomness comes from (getrandom, hedged with
 * the key by pmc_signer_presig), when the pool is topped up (every
 * PRESIGN_POLL_NS, one presignature per one used: the work never lands as
 * a burst), and that the thread runs at SCHED_IDLE (it never takes a core
 * from the loop). Never signs without a presignature (the signer then
 * signs RFC 6979), never prints. */
#ifndef PMC_EXEC_PRESIGN_H
#define PMC_EXEC_PRESIGN_H

#include <stdint.h>

#include "core/pmc.h"
#include "proto/sign/signer.h"

#define PMC_PRESIGN_MAX 65536u

struct pmc_presign;

/* Start a pool of n presignatures for s and install it as s's presigner
 * (pmc_signer_set_presigner): pmc_signer_sign then takes one per
 * signature while any is ready. PMC_EUSAGE when n is outside
 * [2, PMC_PRESIGN_MAX], PMC_ENOMEM (also when the thread cannot start).
 * s must outlive the pool: stop the pool before freeing s. */
PMC_MUST_USE enum pmc_err pmc_presign_start(struct pmc_signer *s, uint32_t n,
                                            struct pmc_presign **out);

/* Remove the presigner from its signer, stop the thread, wipe and free the
 * pool. NULL is a no-op. */
void pmc_presign_stop(struct pmc_presign *p);

struct pmc_presign_stats {
    uint32_t cap, ready; /* pool size; presignatures ready now */
    uint64_t made, used; /* computed; signatures made with one */
    uint64_t fallback;   /* signatures made the RFC 6979 way instead */
    uint64_t bad;        /* nonces dropped (unusable or failed checks) */
};
/* All zero for NULL (no pool). */
void pmc_presign_stats(const struct pmc_presign *p,
                       struct pmc_presign_stats *st);

#endif
