/* proto/sign/auth.h - CLOB authentication headers.
 *
 * L1: the ClobAuth EIP-712 signature used to create or derive API keys
 * (domain ClobAuthDomain/"1"/chainId, no verifying contract).
 * L2: the HMAC-SHA256 signature every authenticated REST call carries,
 * over timestamp + method + requestPath (query string excluded) + body,
 * keyed with the base64url-decoded API secret, encoded base64url with the
 * '=' padding kept. HMAC-SHA256 is proto/sign/sha256.c (checked against
 * OpenSSL in the tests), base64 comes from OpenSSL libcrypto.
 * Pure apart from the signer: the timestamp is an input. Decoded secrets
 * are wiped after use; no function prints or returns secret material. */
#ifndef PMC_SIGN_AUTH_H
#define PMC_SIGN_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"
#include "proto/sign/hex.h"
#include "proto/sign/signer.h"

#define PMC_CLOB_AUTH_MESSAGE                                                  \
    "This message attests that I control the given wallet"
#define PMC_HMAC_SIG_LEN 44 /* base64 of 32 bytes, padded */

/* ClobAuth EIP-712 hashes for address addr, timestamp ts (unix seconds,
 * signed as its decimal string), nonce and chain_id. Any output may be
 * NULL. */
void pmc_clob_auth_hash(const uint8_t addr[PMC_ADDR_LEN], uint64_t ts,
                        uint64_t nonce, uint64_t chain_id,
                        uint8_t domain_sep[32], uint8_t struct_hash[32],
                        uint8_t digest[32]);

/* The four L1 headers, NUL-terminated strings. */
struct pmc_l1_headers {
    char address[PMC_ADDR_STR_LEN + 1];      /* POLY_ADDRESS, EIP-55 */
    char signature[2 + 2 * PMC_SIG_LEN + 1]; /* POLY_SIGNATURE, 0x hex */
    char timestamp[24];                      /* POLY_TIMESTAMP */
    char nonce[24];                          /* POLY_NONCE */
};

/* Sign ClobAuth for the signer's address. PMC_ECRYPTO if signing fails. */
PMC_MUST_USE enum pmc_err pmc_auth_l1(const struct pmc_signer *s,
                                      uint64_t chain_id, uint64_t ts,
                                      uint64_t nonce,
                                      struct pmc_l1_headers *out);

/* POLY_SIGNATURE for an L2 request. secret is the API secret (base64url or
 * standard base64, padding optional) of secret_len bytes; method is used
 * verbatim ("GET", "POST", "DELETE"); path may carry a query string, which
 * is not signed; body (body_len bytes, may be NULL/0) is hashed verbatim.
 * Writes 44 chars + NUL into out. PMC_EPARSE for a malformed secret (the
 * error never quotes it), PMC_ECRYPTO / PMC_ENOMEM on library failure. */
PMC_MUST_USE enum pmc_err pmc_auth_hmac(const char *secret, size_t secret_len,
                                        uint64_t ts, const char *method,
                                        const char *path, const char *body,
                                        size_t body_len,
                                        char out[PMC_HMAC_SIG_LEN + 1]);

/* L2 credentials as returned by POST /auth/api-key. Caller-owned; wipe
 * with pmc_api_creds_wipe when done. */
struct pmc_api_creds {
    char key[128];    /* UUID */
    char secret[128]; /* base64url */
    char passphrase[128];
};
void pmc_api_creds_wipe(struct pmc_api_creds *c);

/* The five L2 headers. api_key and passphrase point into the creds given
 * to pmc_auth_l2 and are valid as long as they are. */
struct pmc_l2_headers {
    char address[PMC_ADDR_STR_LEN + 1];   /* POLY_ADDRESS: the EOA signer */
    char signature[PMC_HMAC_SIG_LEN + 1]; /* POLY_SIGNATURE */
    char timestamp[24];                   /* POLY_TIMESTAMP */
    const char *api_key;                  /* POLY_API_KEY */
    const char *passphrase;               /* POLY_PASSPHRASE */
};

/* Fill the L2 headers for one request by the EOA signer_addr (not the
 * proxy/funder). Errors as pmc_auth_hmac. */
PMC_MUST_USE enum pmc_err pmc_auth_l2(const uint8_t signer_addr[PMC_ADDR_LEN],
                                      const struct pmc_api_creds *c,
                                      uint64_t ts, const char *method,
                                      const char *path, const char *body,
                                      size_t body_len,
                                      struct pmc_l2_headers *out);

/* The same, prepared once for many requests (the executor's): the secret
 * decoded and the HMAC keyed at creation, the EIP-55 address computed
 * once. Holds pointers to c's key and passphrase (c must outlive it) and
 * key material inside libcrypto, cleansed by pmc_l2_auth_free. Errors as
 * pmc_auth_hmac. */
struct pmc_l2_auth;
PMC_MUST_USE enum pmc_err
pmc_l2_auth_new(const uint8_t signer_addr[PMC_ADDR_LEN],
                const struct pmc_api_creds *c, struct pmc_l2_auth **out);
PMC_MUST_USE enum pmc_err pmc_l2_auth_headers(struct pmc_l2_auth *a,
                                              uint64_t ts, const char *method,
                                              const char *path,
                                              const char *body, size_t body_len,
                                              struct pmc_l2_headers *out);
void pmc_l2_auth_free(struct pmc_l2_auth *a);

#endif
