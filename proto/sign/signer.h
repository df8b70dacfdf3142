/* proto/sign/signer.h - secp256k1 ECDSA signing of 32-byte digests.
 *
 * A signer owns one libsecp256k1 context (created and randomized once)
 * and one private key. Signatures are RFC 6979 deterministic, low-s,
 * encoded r || s || v with v = 27 + recovery id, exactly what ethers/viem
 * produce; or, with a presigner installed (pmc_signer_set_presigner), low-s
 * with a fresh hedged nonce per signature (valid for the same verifiers,
 * not reproducible). The key is held only inside the signer and wiped with
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

/* Sign a 32-byte digest as-is (no "\x19Ethereum Signed Message" prefix):
 * through the presigner when one is set and accepts, else RFC 6979.
 * Writes r(32) || s(32) || v(1), v in {27, 28}, into sig. Returns
 * PMC_ECRYPTO if libsecp256k1 refuses. */
PMC_MUST_USE enum pmc_err pmc_signer_sign(const struct pmc_signer *s,
                                          const uint8_t digest[32],
                                          uint8_t sig[PMC_SIG_LEN]);

/* ---- presignatures: the math (live/exec/presign.c keeps a pool) -------
 *
 * A presignature holds what a signature needs that does not depend on the
 * digest: for a nonce k, r = x(kG) mod n, k^-1 and r d (secret: it
 * reveals the key). Signing with one costs two scalar operations instead
 * of a point multiplication; the signature is low-s and valid for the same
 * verifiers, but not RFC 6979 (not reproducible). */
#define PMC_PRESIG_ENTROPY 40
struct pmc_presig {
    uint8_t r[32], kinv[32], rd[32];
    uint8_t odd; /* y of k G is odd: the recovery id before low-s */
};

/* A presignature for the nonce k = HMAC-SHA256(key, entropy): entropy must
 * be fresh random bytes (never repeated: a nonce used twice reveals the
 * key). 1 on success; 0 when this nonce is unusable (*e wiped; draw other
 * entropy). Safe to call on one thread while another signs. */
int pmc_signer_presig(const struct pmc_signer *s,
                      const uint8_t entropy[PMC_PRESIG_ENTROPY],
                      struct pmc_presig *e);

/* Sign digest with e, which is wiped whatever the outcome (use it once).
 * PMC_ERANGE when this digest cannot use it (>= the group order, about
 * 2^-128): sign it the RFC 6979 way instead. */
PMC_MUST_USE enum pmc_err pmc_signer_sign_presig(const struct pmc_signer *s,
                                                 struct pmc_presig *e,
                                                 const uint8_t digest[32],
                                                 uint8_t sig[PMC_SIG_LEN]);

/* A presigner signs digest with a presignature it keeps (1) or declines
 * (0: none ready, or this digest cannot use one); pmc_signer_sign asks it
 * first and signs RFC 6979 when it declines. Set with ctx; fn NULL
 * removes it. The presigner must outlive its use by s. */
typedef int (*pmc_presigner_fn)(void *ctx, const struct pmc_signer *s,
                                const uint8_t digest[32],
                                uint8_t sig[PMC_SIG_LEN]);
void pmc_signer_set_presigner(struct pmc_signer *s, pmc_presigner_fn fn,
                              void *ctx);

/* Recover the signing address from a 65-byte r||s||v signature over
 * digest (for self-checks and tests). PMC_ECRYPTO when invalid. */
PMC_MUST_USE enum pmc_err pmc_signer_recover(const struct pmc_signer *s,
                                             const uint8_t digest[32],
                                             const uint8_t sig[PMC_SIG_LEN],
                                             uint8_t addr[PMC_ADDR_LEN]);

#endif
