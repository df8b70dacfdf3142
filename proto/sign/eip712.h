/* proto/sign/eip712.h - EIP-712 hashing of Polymarket CTF Exchange orders.
 *
 * Covers the CLOB V2 order (domain version "2": CTF Exchange V2 and NegRisk
 * CTF Exchange V2), the same struct under ExchangeV3 (domain version "3"),
 * and the legacy V1 order (domain version "1", for decoding history). The
 * verifying contract is always chosen from enum pmc_exchange and the chain
 * id; no caller hard-codes an address. Pure: no I/O, no allocation, no
 * mutable globals; never signs (that is signer.h). */
#ifndef PMC_SIGN_EIP712_H
#define PMC_SIGN_EIP712_H

#include <stdint.h>

#include "core/event.h"
#include "core/pmc.h"
#include "proto/sign/hex.h"

#define PMC_CHAIN_POLYGON 137
#define PMC_CHAIN_AMOY 80002

/* Which exchange contract (and so which EIP-712 domain) an order is for. */
enum pmc_exchange {
    PMC_EXCH_V2,         /* CTF Exchange V2, domain "2" */
    PMC_EXCH_V2_NEGRISK, /* NegRisk CTF Exchange V2, domain "2" */
    PMC_EXCH_V3,         /* ExchangeV3 (Protocol V2 markets), domain "3" */
    PMC_EXCH_V1,         /* legacy CTF Exchange, domain "1" */
    PMC_EXCH_V1_NEGRISK, /* legacy NegRisk CTF Exchange, domain "1" */
    PMC_EXCH_COUNT
};

enum pmc_sig_type {
    PMC_SIG_EOA = 0,
    PMC_SIG_POLY_PROXY = 1,
    PMC_SIG_POLY_GNOSIS_SAFE = 2,
    PMC_SIG_POLY_1271 = 3,
};

/* The V2/V3 signed order struct. Amounts are base units (1e-6). */
struct pmc_order_v2 {
    uint64_t salt;                /* < 2^53 so the JSON body number is exact */
    uint8_t maker[PMC_ADDR_LEN];  /* funder */
    uint8_t signer[PMC_ADDR_LEN]; /* EOA (sigType 3: the wallet itself) */
    uint8_t token_id[32];         /* uint256, big-endian */
    uint64_t maker_amount, taker_amount;
    uint8_t side;     /* enum pmc_side */
    uint8_t sig_type; /* enum pmc_sig_type */
    uint64_t timestamp_ms;
    uint8_t metadata[32], builder[32];
};

/* The legacy V1 order struct (history only). */
struct pmc_order_v1 {
    uint64_t salt;
    uint8_t maker[PMC_ADDR_LEN], signer[PMC_ADDR_LEN], taker[PMC_ADDR_LEN];
    uint8_t token_id[32];
    uint64_t maker_amount, taker_amount, expiration, nonce, fee_rate_bps;
    uint8_t side, sig_type;
};

/* "v2", "v2-negrisk", "v3", "v1", "v1-negrisk" <-> enum. The parser takes
 * n bytes of s; PMC_EPARSE for anything else. */
PMC_MUST_USE enum pmc_err pmc_exchange_parse(const char *s, size_t n,
                                             enum pmc_exchange *out);
const char *pmc_exchange_name(enum pmc_exchange e);
/* Domain version string of e: "1", "2" or "3". */
const char *pmc_exchange_domain_version(enum pmc_exchange e);

/* The verifying contract of e on chain_id (137 or 80002) into addr.
 * PMC_ENOTSUP for another chain, PMC_ERANGE for a bad enum. */
PMC_MUST_USE enum pmc_err pmc_exchange_address(enum pmc_exchange e,
                                               uint64_t chain_id,
                                               uint8_t addr[PMC_ADDR_LEN]);

/* The precomputed domain separator of e on chain_id (pointer to 32 static
 * bytes, valid forever). Same errors as pmc_exchange_address. */
PMC_MUST_USE enum pmc_err pmc_exchange_domain(enum pmc_exchange e,
                                              uint64_t chain_id,
                                              const uint8_t **sep);

/* Generic EIP-712 domain separator for {name, version, chainId[,
 * verifyingContract]}: with contract == NULL the domain type has no
 * verifyingContract field (as ClobAuthDomain). Strings are NUL-terminated
 * UTF-8. Writes 32 bytes into out. */
void pmc_eip712_domain_hash(const char *name, const char *version,
                            uint64_t chain_id,
                            const uint8_t contract[PMC_ADDR_LEN],
                            uint8_t out[32]);

/* digest = keccak256(0x19 0x01 || domain_sep || struct_hash). */
void pmc_eip712_digest(const uint8_t domain_sep[32],
                       const uint8_t struct_hash[32], uint8_t out[32]);

/* Type hashes (static 32 bytes): V2/V3 Order, V1 Order, EIP712Domain. */
extern const uint8_t PMC_ORDER_V2_TYPEHASH[32];
extern const uint8_t PMC_ORDER_V1_TYPEHASH[32];
extern const uint8_t PMC_EIP712_DOMAIN_TYPEHASH[32];
/* The V2 Order type string (ERC-7739 needs its bytes). */
extern const char PMC_ORDER_V2_TYPE[];

/* hashStruct of a V2/V3 order into out (32 bytes). */
void pmc_order_v2_struct_hash(const struct pmc_order_v2 *o, uint8_t out[32]);
/* hashStruct of a V1 order into out (32 bytes). */
void pmc_order_v1_struct_hash(const struct pmc_order_v1 *o, uint8_t out[32]);

/* struct hash and EIP-712 digest (the CLOB order id) of a V2/V3 order for
 * exchange e on chain_id; either output may be NULL. PMC_EUSAGE when e is
 * a V1 exchange, else the errors of pmc_exchange_domain. */
PMC_MUST_USE enum pmc_err pmc_order_v2_hash(const struct pmc_order_v2 *o,
                                            enum pmc_exchange e,
                                            uint64_t chain_id,
                                            uint8_t struct_hash[32],
                                            uint8_t digest[32]);
/* Same for a V1 order; PMC_EUSAGE unless e is a V1 exchange. */
PMC_MUST_USE enum pmc_err pmc_order_v1_hash(const struct pmc_order_v1 *o,
                                            enum pmc_exchange e,
                                            uint64_t chain_id,
                                            uint8_t struct_hash[32],
                                            uint8_t digest[32]);

/* ERC-7739 TypedDataSign digest for a POLY_1271 (deposit wallet) order:
 * hashStruct(TypedDataSign{contents: order, name: "DepositWallet",
 * version: "1", chainId, verifyingContract: wallet, salt: 0}) under the
 * exchange domain app_domain. contents_hash is the order struct hash.
 * Writes 32 bytes into out. */
void pmc_eip712_typed_data_sign_digest(const uint8_t app_domain[32],
                                       const uint8_t contents_hash[32],
                                       uint64_t chain_id,
                                       const uint8_t wallet[PMC_ADDR_LEN],
                                       uint8_t out[32]);

#endif
