/* proto/sign/signer.h - secp256k1 ECDSA signing of 32-byte digests.
 *
 * A signer owns one libsecp256k1 context (created and randomized once)
 * and one private key. Signatures are RFC 6979 deterministic, low-s,
 * encoded r || s || v with v = 27 + recovery id, exactly what ethers/viem
 * produce; or, once pmc_signer_presign has started a pool, low-s with a
 * fresh hedged nonce per signature (valid for the same verifiers, not
 * reproducible). The key is held only inside the signer and wiped with
 * explicit_bzero when the signer is freed; it is never printed, logged or
 * copied into an error message, and no function returns it.
 * Thread safety: a signer may sign from one thread at a time. */
#ifndef PMC_SIGN_SIGNER_H
#define PMC_SIGN_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"
#include "proto/sign/hex.h"

#define PMC_SIG_LEN 65

struct pmc_signer;

/* Create a signer from the n bytes of hexkey: 64 hex digits, "0x"
 * optional, surrounding whitespace ignored. The caller should wipe its own
 * copy of hexkey afterwards. Returns PMC_EPARSE on a malformed key,
 * PMC_ERANGE when it is not a valid secp256k1 secret (0 or >= n),
 * PMC_ENOMEM, PMC_ECRYPTO if the library fails. *out is set on success
 * only; free with pmc_signer_free. */
PMC_MUST_USE enum pmc_err pmc_signer_new(const char *hexkey, size_t n,
                                         struct pmc_signer **out);

/* Same from 32 raw key bytes (left untouched; the caller wipes them). */
PMC_MUST_USE enum pmc_err pmc_signer_new_raw(const uint8_t key[32],
                                             struct pmc_signer **out);

/* Wipe the key and free. NULL is a no-op. */
void pmc_signer_free(struct pmc_signer *s);

/* The signer's Ethereum address (keccak256 of the uncompressed public key,
 * last 20 bytes). Points into s; valid until pmc_signer_free. */
const uint8_t *pmc_signer_address(const struct pmc_signer *s);

/* Sign a 32-byte digest as-is (no "\x19Ethereum Signed Message" prefix).
 * Writes r(32) || s(32) || v(1), v in {27, 28}, into sig. Returns
 * PMC_ECRYPTO if libsecp256k1 refuses. */
PMC_MUST_USE enum pmc_err pmc_signer_sign(const struct pmc_signer *s,
                                          const uint8_t digest[32],
                                          uint8_t sig[PMC_SIG_LEN]);

/* Start a background thread that keeps up to n presignatures (nonce k,
 * r, k^-1 and r d, all but r secret) ready: a signature then costs two
 * scalar operations instead of a point multiplication (proto/sign/signer.c
 * says how). Signatures stop being RFC 6979: each draws a fresh nonce,
 * HMAC-SHA256(key, getrandom || counter). When the pool is empty, or for a
 * digest >= the group order, pmc_signer_sign signs the RFC 6979 way. The
 * thread runs at SCHED_IDLE; it checks the pool every 2 ms and tops it up
 * (a signature never wakes it); pmc_signer_free stops it and wipes the
 * pool. PMC_EUSAGE if a pool runs
 * already or n is outside [2, PMC_PRESIGN_MAX]. */
#define PMC_PRESIGN_MAX 65536u
PMC_MUST_USE enum pmc_err pmc_signer_presign(struct pmc_signer *s, uint32_t n);

struct pmc_presign_stats {
    uint32_t cap, ready; /* pool size; presignatures ready now */
    uint64_t made, used; /* computed; signatures made with one */
    uint64_t fallback;   /* signatures made the RFC 6979 way instead */
    uint64_t bad;        /* nonces dropped (unusable or failed checks) */
};
/* All zero when no pool was started. */
void pmc_signer_presign_stats(const struct pmc_signer *s,
                              struct pmc_presign_stats *st);

/* Recover the signing address from a 65-byte r||s||v signature over
 * digest (for self-checks and tests). PMC_ECRYPTO when invalid. */
PMC_MUST_USE enum pmc_err pmc_signer_recover(const struct pmc_signer *s,
                                             const uint8_t digest[32],
                                             const uint8_t sig[PMC_SIG_LEN],
                                             uint8_t addr[PMC_ADDR_LEN]);

#endif
