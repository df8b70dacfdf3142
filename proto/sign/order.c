/* proto/sign/order.c - one signed CLOB V2 order and its POST /order body.
 *
 * The body is written with fixed key order straight into a buffer (no JSON
 * library): what is hashed for L2 auth is exactly what is sent. Addresses
 * are EIP-55 checksummed like the official client's, the signature is
 * lowercase 0x hex. Pure apart from the signer. */
#include "proto/msg.h"
#include "proto/sign/order.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/dec.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"

static const char *const OT_NAME[] = {
    [PMC_TIF_FAK] = "FAK",
    [PMC_TIF_FOK] = "FOK",
    [PMC_TIF_GTC] = "GTC",
    [PMC_TIF_GTD] = "GTD",
};

enum pmc_err pmc_order_type_parse(const char *s, size_t n, enum pmc_tif *out)
{
    for (size_t i = 0; i < PMC_ARRAY_LEN(OT_NAME); i++)
        if (n == 3 && memcmp(s, OT_NAME[i], 3) == 0) {
            *out = (enum pmc_tif)i;
            return PMC_OK;
        }
    return PMC_EPARSE;
}

const char *pmc_order_type_name(enum pmc_tif t)
{
    return (unsigned)t < PMC_ARRAY_LEN(OT_NAME) ? OT_NAME[t] : "?";
}

/* Bounded append buffer: a write past cap sets overflow and stops. */
struct out {
    char *p;
    size_t n, cap;
    bool overflow;
};

static void put(struct out *b, const char *s, size_t n)
{
    if (b->overflow || n >= b->cap - b->n) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void put_str(struct out *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_int(struct out *b, uint64_t v)
{
    char tmp[24];
    PMC_ASSERT(v <= INT64_MAX);
    put(b, tmp, pmc_int_format((int64_t)v, tmp));
}

static void put_hex(struct out *b, const uint8_t *p, size_t n)
{
    char tmp[2 * PMC_ORDER_SIG_MAX + 1];
    PMC_ASSERT(n <= PMC_ORDER_SIG_MAX);
    put(b, "0x", 2);
    put(b, tmp, pmc_hex_encode(p, n, tmp));
}

static void put_addr(struct out *b, const uint8_t a[PMC_ADDR_LEN])
{
    char tmp[PMC_ADDR_STR_LEN + 1];
    pmc_addr_checksum(a, tmp);
    put(b, tmp, PMC_ADDR_STR_LEN);
}

static void put_u64_str(struct out *b, uint64_t v)
{
    put(b, "\"", 1);
    put_int(b, v);
    put(b, "\"", 1);
}

#define LIT(b, s) put((b), (s), sizeof(s) - 1)

static int owner_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < 0x20 || s[n] > 0x7e || s[n] == '"' || s[n] == '\\')
            return 0;
    return n > 0 && n <= PMC_ORDER_OWNER_MAX;
}

enum pmc_err pmc_order_body(const struct pmc_order_v2 *o, const uint8_t *sig,
                            size_t sig_len, uint64_t expiration,
                            enum pmc_tif type, const char *owner,
                            bool post_only, bool defer_exec, char *buf,
                            size_t cap, size_t *len)
{
    struct out b;
    char dec[PMC_U256_DEC_MAX + 1], maker[PMC_ADDR_STR_LEN + 1];
    if (!owner || !owner_ok(owner))
        return PMC_EPARSE;
    if (o->salt > PMC_SALT_MAX || o->maker_amount > INT64_MAX ||
        o->taker_amount > INT64_MAX || o->timestamp_ms > INT64_MAX ||
        expiration > INT64_MAX || (unsigned)type >= PMC_ARRAY_LEN(OT_NAME) ||
        sig_len > PMC_ORDER_SIG_MAX)
        return PMC_ERANGE;
    if (cap == 0)
        return PMC_EFULL;
    b.p = buf;
    b.n = 0;
    b.cap = cap;
    b.overflow = false;
    buf[0] = '\0';
    LIT(&b, "{\"deferExec\":");
    put_str(&b, defer_exec ? "true" : "false");
    LIT(&b, ",\"postOnly\":");
    put_str(&b, post_only ? "true" : "false");
    LIT(&b, ",\"order\":{\"salt\":");
    put_int(&b, o->salt);
    LIT(&b, ",\"maker\":\"");
    pmc_addr_checksum(o->maker, maker);
    put(&b, maker, PMC_ADDR_STR_LEN);
    LIT(&b, "\",\"signer\":\"");
    if (memcmp(o->signer, o->maker, PMC_ADDR_LEN) == 0) /* EOA: reuse */
        put(&b, maker, PMC_ADDR_STR_LEN);
    else
        put_addr(&b, o->signer);
    LIT(&b, "\",\"tokenId\":\"");
    put(&b, dec, pmc_u256_format_dec(o->token_id, dec));
    LIT(&b, "\",\"makerAmount\":");
    put_u64_str(&b, o->maker_amount);
    LIT(&b, ",\"takerAmount\":");
    put_u64_str(&b, o->taker_amount);
    LIT(&b, ",\"side\":");
    put_str(&b, o->side == PMC_BUY ? "\"BUY\"" : "\"SELL\"");
    LIT(&b, ",\"signatureType\":");
    put_int(&b, o->sig_type);
    LIT(&b, ",\"timestamp\":");
    put_u64_str(&b, o->timestamp_ms);
    LIT(&b, ",\"expiration\":");
    put_u64_str(&b, expiration);
    LIT(&b, ",\"metadata\":\"");
    put_hex(&b, o->metadata, 32);
    LIT(&b, "\",\"builder\":\"");
    put_hex(&b, o->builder, 32);
    LIT(&b, "\",\"signature\":\"");
    put_hex(&b, sig, sig_len);
    LIT(&b, "\"},\"owner\":\"");
    put_str(&b, owner);
    LIT(&b, "\",\"orderType\":\"");
    put_str(&b, OT_NAME[type]);
    LIT(&b, "\"}");
    if (b.overflow)
        return PMC_EFULL;
    *len = b.n;
    return PMC_OK;
}

/* ERC-7739 wrapped signature for a deposit wallet (POLY_1271):
 * innerSig(65) || appDomain(32) || contentsHash(32) || Order type string ||
 * uint16_be(len(type string)). */
static enum pmc_err
sign_1271(const struct pmc_signer *s, const uint8_t app_domain[32],
          const uint8_t contents_hash[32], uint64_t chain_id,
          const uint8_t wallet[PMC_ADDR_LEN], uint8_t *sig, size_t *sig_len)
{
    uint8_t digest[32];
    size_t tlen = strlen(PMC_ORDER_V2_TYPE);
    PMC_ASSERT(65 + 64 + tlen + 2 <= PMC_ORDER_SIG_MAX);
    pmc_eip712_typed_data_sign_digest(app_domain, contents_hash, chain_id,
                                      wallet, digest);
    PMC_TRY(pmc_signer_sign(s, digest, sig));
    memcpy(sig + 65, app_domain, 32);
    memcpy(sig + 97, contents_hash, 32);
    memcpy(sig + 129, PMC_ORDER_V2_TYPE, tlen);
    sig[129 + tlen] = (uint8_t)(tlen >> 8);
    sig[130 + tlen] = (uint8_t)tlen;
    *sig_len = 131 + tlen;
    return PMC_OK;
}

enum pmc_err pmc_order_v2_sign(const struct pmc_signer *s, enum pmc_exchange e,
                               uint64_t chain_id, const struct pmc_order_v2 *o,
                               uint8_t struct_hash[32], uint8_t digest[32],
                               uint8_t sig[PMC_ORDER_SIG_MAX], size_t *sig_len)
{
    const uint8_t *dom;
    if (e == PMC_EXCH_V1 || e == PMC_EXCH_V1_NEGRISK)
        return PMC_EUSAGE;
    PMC_TRY(pmc_exchange_domain(e, chain_id, &dom));
    if (o->sig_type > PMC_SIG_POLY_1271)
        return PMC_EUSAGE;
    pmc_order_v2_struct_hash(o, struct_hash);
    pmc_eip712_digest(dom, struct_hash, digest);
    if (o->sig_type == PMC_SIG_POLY_1271) {
        /* the deposit wallet is both maker and signer */
        if (memcmp(o->maker, o->signer, PMC_ADDR_LEN) != 0)
            return PMC_EUSAGE;
        return sign_1271(s, dom, struct_hash, chain_id, o->signer, sig,
                         sig_len);
    }
    if (memcmp(o->signer, pmc_signer_address(s), PMC_ADDR_LEN) != 0)
        return PMC_EUSAGE; /* the exchange would reject the signature */
    *sig_len = PMC_SIG_LEN;
    return pmc_signer_sign(s, digest, sig);
}

enum pmc_err pmc_order_sign(const struct pmc_signer *s,
                            const struct pmc_order_req *req,
                            struct pmc_signed_order *out, char *why,
                            size_t why_len)
{
    struct pmc_order_v2 *o = &out->order;
    struct pmc_amounts am;
    const uint8_t *dom;
    const uint8_t *self = pmc_signer_address(s);
    enum pmc_err e;

    if (req->exchange == PMC_EXCH_V1 || req->exchange == PMC_EXCH_V1_NEGRISK) {
        pmc_msgf(why, why_len,
                 "exchange %s: V1 orders are no longer accepted by the CLOB; "
                 "use v2, v2-negrisk or v3",
                 pmc_exchange_name(req->exchange));
        return PMC_ENOTSUP;
    }
    e = pmc_exchange_domain(req->exchange, req->chain_id, &dom);
    if (e != PMC_OK) {
        pmc_msgf(why, why_len, "chain_id %llu: only 137 and 80002 are known",
                 (unsigned long long)req->chain_id);
        return e;
    }
    if ((unsigned)req->order_type >= PMC_ARRAY_LEN(OT_NAME)) {
        pmc_msgf(why, why_len, "order_type must be GTC, GTD, FOK or FAK");
        return PMC_EUSAGE;
    }
    if (req->order_type == PMC_TIF_GTD && req->expiration == 0) {
        pmc_msgf(why, why_len, "expiration is required (> 0) for a GTD order");
        return PMC_EUSAGE;
    }
    if (req->order_type != PMC_TIF_GTD && req->expiration != 0) {
        pmc_msgf(why, why_len,
                 "expiration %llu is only allowed with order_type GTD",
                 (unsigned long long)req->expiration);
        return PMC_EUSAGE;
    }
    if (req->amt.kind == PMC_ORDER_MARKET && req->order_type != PMC_TIF_FOK &&
        req->order_type != PMC_TIF_FAK) {
        pmc_msgf(why, why_len,
                 "order_type %s: a market order must be FOK or FAK",
                 OT_NAME[req->order_type]);
        return PMC_EUSAGE;
    }
    if (req->post_only &&
        (req->order_type == PMC_TIF_FOK || req->order_type == PMC_TIF_FAK)) {
        pmc_msgf(why, why_len, "post_only is not supported for FOK/FAK orders");
        return PMC_EUSAGE;
    }
    if (req->salt > PMC_SALT_MAX) {
        pmc_msgf(why, why_len, "salt %llu exceeds 2^53-1 (it is a JSON number)",
                 (unsigned long long)req->salt);
        return PMC_ERANGE;
    }
    if (req->timestamp_ms > INT64_MAX || req->expiration > INT64_MAX) {
        pmc_msgf(why, why_len, "timestamp or expiration out of range");
        return PMC_ERANGE;
    }
    if (!req->owner || !owner_ok(req->owner)) {
        pmc_msgf(why, why_len,
                 "owner (API key) must be 1..%d printable ASCII characters "
                 "without quotes or backslashes",
                 PMC_ORDER_OWNER_MAX);
        return PMC_EPARSE;
    }

    memset(o, 0, sizeof(*o));
    if (!req->token_id ||
        (e = pmc_u256_parse_dec(req->token_id, strlen(req->token_id),
                                o->token_id)) != PMC_OK) {
        pmc_msgf(why, why_len,
                 "token_id '%.80s' must be a decimal integer below 2^256",
                 req->token_id ? req->token_id : "");
        return e == PMC_OK ? PMC_EPARSE : e;
    }
    switch (req->sig_type) {
    case PMC_SIG_EOA:
        if (req->has_maker && memcmp(req->maker, self, PMC_ADDR_LEN) != 0) {
            pmc_msgf(why, why_len,
                     "maker must equal the signer address for signature_type 0 "
                     "(EOA)");
            return PMC_EUSAGE;
        }
        memcpy(o->maker, self, PMC_ADDR_LEN);
        memcpy(o->signer, self, PMC_ADDR_LEN);
        break;
    case PMC_SIG_POLY_PROXY:
    case PMC_SIG_POLY_GNOSIS_SAFE:
    case PMC_SIG_POLY_1271:
        if (!req->has_maker) {
            pmc_msgf(why, why_len,
                     "maker (the %s wallet address) is required for "
                     "signature_type %u",
                     req->sig_type == PMC_SIG_POLY_PROXY         ? "proxy"
                     : req->sig_type == PMC_SIG_POLY_GNOSIS_SAFE ? "Safe"
                                                                 : "deposit",
                     req->sig_type);
            return PMC_EUSAGE;
        }
        memcpy(o->maker, req->maker, PMC_ADDR_LEN);
        /* POLY_1271: the wallet contract is the order's signer */
        memcpy(o->signer,
               req->sig_type == PMC_SIG_POLY_1271 ? req->maker : self,
               PMC_ADDR_LEN);
        break;
    default:
        pmc_msgf(why, why_len, "signature_type %u must be 0, 1, 2 or 3",
                 req->sig_type);
        return PMC_EUSAGE;
    }

    PMC_TRY(pmc_amounts_compute(&req->amt, &am, why, why_len));
    o->salt = req->salt;
    o->maker_amount = am.maker_amount;
    o->taker_amount = am.taker_amount;
    o->side = req->amt.side;
    o->sig_type = req->sig_type;
    o->timestamp_ms = req->timestamp_ms;
    memcpy(o->metadata, req->metadata, 32);
    memcpy(o->builder, req->builder, 32);

    e = pmc_order_v2_sign(s, req->exchange, req->chain_id, o, out->struct_hash,
                          out->digest, out->sig, &out->sig_len);
    if (e != PMC_OK) {
        pmc_msgf(why, why_len, "signing failed: %s", pmc_strerror(e));
        return e;
    }
    e = pmc_order_body(o, out->sig, out->sig_len, req->expiration,
                       req->order_type, req->owner, req->post_only,
                       req->defer_exec, out->body, sizeof(out->body),
                       &out->body_len);
    if (e != PMC_OK)
        pmc_msgf(why, why_len, "cannot serialize the order body: %s",
                 pmc_strerror(e));
    return e;
}
