/* proto/sign/order.h - build, sign and serialize one CLOB V2 order.
 *
 * From a request in fixed-point units to the exact POST /order body bytes:
 * amounts (amounts.h), the V2/V3 order struct, its EIP-712 digest
 * (eip712.h), the signature (signer.h; ERC-7739 wrapped for POLY_1271) and
 * the JSON body, serialized once into a buffer so the bytes that are
 * HMAC-signed (auth.h) are the bytes that are sent. No I/O, no clock, no
 * randomness: salt and timestamp are inputs. Never touches key material
 * except through the signer. */
#ifndef PMC_SIGN_ORDER_H
#define PMC_SIGN_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/pmc.h"
#include "proto/sign/amounts.h"
#include "proto/sign/eip712.h"
#include "proto/sign/signer.h"

/* Largest salt whose JSON number is exact in a double (2^53 - 1). */
#define PMC_SALT_MAX ((uint64_t)9007199254740991ULL)
/* POLY_1271: inner sig 65 + app domain 32 + contents hash 32 + the Order
 * type string + its uint16 length. */
#define PMC_ORDER_SIG_MAX (65 + 32 + 32 + 186 + 2)
#define PMC_ORDER_OWNER_MAX 128
#define PMC_ORDER_BODY_MAX 2048

/* The wire orderType "GTC" / "GTD" / "FOK" / "FAK" (n bytes) <-> enum
 * pmc_tif (core/event.h). PMC_EPARSE for anything else. */
PMC_MUST_USE enum pmc_err pmc_order_type_parse(const char *s, size_t n,
                                               enum pmc_tif *out);
const char *pmc_order_type_name(enum pmc_tif t);

struct pmc_order_req {
    enum pmc_exchange exchange; /* v2, v2-negrisk or v3 */
    uint64_t chain_id;          /* 137 or 80002 */
    const char *token_id;       /* decimal uint256, NUL-terminated */
    struct pmc_amount_req amt;  /* kind, side, price, size, tick, minimum */
    enum pmc_tif order_type;
    uint64_t expiration; /* unix seconds; GTD only (0 otherwise); not signed */
    uint8_t sig_type;    /* enum pmc_sig_type */
    bool has_maker;      /* maker given; else maker = signer (EOA only) */
    uint8_t maker[PMC_ADDR_LEN]; /* funder: proxy, Safe or deposit wallet */
    uint64_t salt;               /* <= PMC_SALT_MAX */
    uint64_t timestamp_ms;       /* order creation time, signed */
    uint8_t metadata[32], builder[32]; /* bytes32, zero by default */
    bool post_only, defer_exec;
    const char *owner; /* the L2 API key, NUL-terminated */
};

struct pmc_signed_order {
    struct pmc_order_v2 order;
    uint8_t struct_hash[32];
    uint8_t digest[32]; /* the EIP-712 order hash = CLOB order id */
    uint8_t sig[PMC_ORDER_SIG_MAX];
    size_t sig_len; /* 65, or 317 for POLY_1271 */
    char body[PMC_ORDER_BODY_MAX];
    size_t body_len; /* body is NUL-terminated as well */
};

/* Serialize the POST /order body (key order and value types exactly as the
 * official TS client sends them) into buf (cap bytes, NUL-terminated);
 * *len gets the length. owner must be printable ASCII without '"' or '\'.
 * Returns PMC_EPARSE for a bad owner, PMC_ERANGE for a salt above
 * PMC_SALT_MAX, PMC_EFULL when buf is too small. */
PMC_MUST_USE enum pmc_err pmc_order_body(const struct pmc_order_v2 *o,
                                         const uint8_t *sig, size_t sig_len,
                                         uint64_t expiration, enum pmc_tif type,
                                         const char *owner, bool post_only,
                                         bool defer_exec, char *buf, size_t cap,
                                         size_t *len);

/* Hash and sign an already built V2/V3 order o for exchange e on chain_id:
 * struct_hash, digest (the order id) and sig (sig_len bytes: 65, or the
 * ERC-7739 wrapped form for POLY_1271, where o->maker == o->signer is the
 * deposit wallet). For sigTypes 0-2, o->signer must be the signer's
 * address. PMC_EUSAGE for a V1 exchange, a bad sigType or a signer
 * mismatch, PMC_ENOTSUP for an unknown chain, PMC_ECRYPTO. */
PMC_MUST_USE enum pmc_err
pmc_order_v2_sign(const struct pmc_signer *s, enum pmc_exchange e,
                  uint64_t chain_id, const struct pmc_order_v2 *o,
                  uint8_t struct_hash[32], uint8_t digest[32],
                  uint8_t sig[PMC_ORDER_SIG_MAX], size_t *sig_len);

/* Build, hash, sign and serialize req with signer s into out.
 * Errors: PMC_ERANGE / PMC_EPARSE / PMC_EUSAGE for an invalid request
 * (why, if not NULL, gets a one-line reason naming the field, the value and
 * the rule), PMC_ENOTSUP for a V1 exchange or an unknown chain,
 * PMC_ECRYPTO if signing fails. why never contains key material. */
PMC_MUST_USE enum pmc_err pmc_order_sign(const struct pmc_signer *s,
                                         const struct pmc_order_req *req,
                                         struct pmc_signed_order *out,
                                         char *why, size_t why_len);

#endif
