/* proto/sign/eip712.c - EIP-712 struct hashes and digests for CTF Exchange
 * orders.
 *
 * The type hashes and per-(exchange, chain) domain separators are
 * constants, hard-coded here; tests/unit/test_eip712.c recomputes every one
 * of them from its type string / domain fields with our Keccak and checks
 * them byte for byte, so a typo here cannot survive `make check`.
 * ABI words are built in a stack buffer and hashed once. Pure. */
#include "proto/sign/eip712.h"

#include <string.h>

#include "proto/sign/keccak.h"

const char PMC_ORDER_V2_TYPE[] =
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,"
    "uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,"
    "uint256 timestamp,bytes32 metadata,bytes32 builder)";

const uint8_t PMC_ORDER_V2_TYPEHASH[32] = {
    0xbb, 0x86, 0x31, 0x8a, 0x21, 0x38, 0xf5, 0xfa, 0x8a, 0xe3, 0x2f,
    0xbe, 0x8e, 0x65, 0x9f, 0x8f, 0xcf, 0x13, 0xcc, 0x6a, 0xe4, 0x01,
    0x4a, 0x70, 0x78, 0x93, 0x05, 0x54, 0x33, 0x81, 0x85, 0x89,
};

const uint8_t PMC_ORDER_V1_TYPEHASH[32] = {
    0xa8, 0x52, 0x56, 0x6c, 0x4e, 0x14, 0xd0, 0x08, 0x69, 0xb6, 0xdb,
    0x02, 0x20, 0x88, 0x8a, 0x90, 0x90, 0xa1, 0x3e, 0xcc, 0xda, 0xea,
    0x03, 0x71, 0x3f, 0xf0, 0xa3, 0xd2, 0x7b, 0xf9, 0x76, 0x7c,
};

const uint8_t PMC_EIP712_DOMAIN_TYPEHASH[32] = {
    0x8b, 0x73, 0xc3, 0xc6, 0x9b, 0xb8, 0xfe, 0x3d, 0x51, 0x2e, 0xcc,
    0x4c, 0xf7, 0x59, 0xcc, 0x79, 0x23, 0x9f, 0x7b, 0x17, 0x9b, 0x0f,
    0xfa, 0xca, 0xa9, 0xa7, 0x5d, 0x52, 0x2b, 0x39, 0x40, 0x0f,
};

static const uint8_t TYPED_DATA_SIGN_TYPEHASH[32] = {
    0x6b, 0xa0, 0x28, 0x56, 0x5c, 0xb3, 0x24, 0xc2, 0xaa, 0x02, 0xbb,
    0x71, 0x4b, 0x98, 0x16, 0xd0, 0xbd, 0xdd, 0x55, 0x7a, 0x2f, 0x33,
    0xbb, 0x36, 0xcf, 0x13, 0x27, 0x2a, 0x42, 0x56, 0xbd, 0x42,
};

static const uint8_t DEPOSIT_WALLET_NAME_HASH[32] = {
    0xd6, 0x82, 0xb5, 0x29, 0xa1, 0x7c, 0xda, 0x19, 0xaa, 0x27, 0x5f,
    0x3a, 0x05, 0x06, 0x08, 0xf9, 0xe9, 0x40, 0x1f, 0xad, 0xd1, 0xb0,
    0xd2, 0x33, 0xd8, 0x15, 0x19, 0x97, 0x22, 0x95, 0x82, 0x8b,
};

static const uint8_t VERSION_1_HASH[32] = {
    0xc8, 0x9e, 0xfd, 0xaa, 0x54, 0xc0, 0xf2, 0x0c, 0x7a, 0xdf, 0x61,
    0x28, 0x82, 0xdf, 0x09, 0x50, 0xf5, 0xa9, 0x51, 0x63, 0x7e, 0x03,
    0x07, 0xcd, 0xcb, 0x4c, 0x67, 0x2f, 0x29, 0x8b, 0x8b, 0xc6,
};

static const uint8_t DOMAIN_POLYGON[PMC_EXCH_COUNT][32] = {
    [PMC_EXCH_V2] =
        {
            0x32, 0x64, 0xe1, 0x59, 0x34, 0x62, 0x53, 0xe2, 0x6a, 0x64, 0xe0,
            0x0b, 0x69, 0x03, 0x2d, 0xb0, 0xe7, 0xd3, 0x2f, 0x94, 0x62, 0x8d,
            0xe3, 0xe6, 0xee, 0xcb, 0x50, 0x30, 0x4d, 0x7a, 0xf3, 0xd2,
        },
    [PMC_EXCH_V2_NEGRISK] =
        {
            0x9b, 0x85, 0x8f, 0x53, 0x32, 0x7b, 0x0b, 0xd1, 0x3a, 0xf8, 0xec,
            0x14, 0xcf, 0xb3, 0x52, 0x34, 0xfb, 0x9e, 0xb7, 0xb0, 0x50, 0x4d,
            0x1a, 0x4e, 0x61, 0xf4, 0x33, 0x84, 0x0d, 0x30, 0xe8, 0x1a,
        },
    [PMC_EXCH_V3] =
        {
            0x46, 0x6c, 0x63, 0x91, 0x01, 0x85, 0xbb, 0xd5, 0x5e, 0x86, 0x79,
            0x26, 0x42, 0x00, 0xc4, 0xe0, 0xab, 0xdc, 0xbb, 0x0c, 0x62, 0x64,
            0xeb, 0x3d, 0x41, 0xd1, 0x33, 0x26, 0x02, 0x2e, 0x09, 0x5b,
        },
    [PMC_EXCH_V1] =
        {
            0x1a, 0x57, 0x3e, 0x36, 0x17, 0xc7, 0x84, 0x03, 0xb5, 0xb4, 0xb8,
            0x92, 0x82, 0x79, 0x92, 0xf0, 0x27, 0xb0, 0x3d, 0x4e, 0xaf, 0x57,
            0x00, 0x48, 0xb8, 0xee, 0x8c, 0xdd, 0x84, 0xd1, 0x51, 0xbe,
        },
    [PMC_EXCH_V1_NEGRISK] =
        {
            0x82, 0xcb, 0x6a, 0xa8, 0x5b, 0xab, 0xb8, 0x12, 0xf4, 0xb5, 0x21,
            0xa1, 0x2b, 0x10, 0xf0, 0xcb, 0xc6, 0x8d, 0x2b, 0x44, 0xbe, 0x7b,
            0xc0, 0x2c, 0x04, 0x70, 0x04, 0xf5, 0x44, 0xad, 0xb4, 0x9f,
        },
};

static const uint8_t DOMAIN_AMOY[PMC_EXCH_COUNT][32] = {
    [PMC_EXCH_V2] =
        {
            0xa4, 0x40, 0xcb, 0xd8, 0x65, 0xbc, 0x0c, 0x62, 0x43, 0xd7, 0xa8,
            0xdf, 0x9a, 0x8b, 0xf4, 0x8a, 0x88, 0x27, 0xb0, 0xa4, 0xab, 0xbb,
            0x61, 0xc3, 0x0e, 0x96, 0xd3, 0x05, 0x42, 0x3a, 0xf1, 0x48,
        },
    [PMC_EXCH_V2_NEGRISK] =
        {
            0x14, 0x68, 0xe3, 0x98, 0x41, 0xf0, 0xa0, 0xe0, 0x5d, 0x37, 0x62,
            0xb2, 0x35, 0xcb, 0x7a, 0xce, 0xca, 0xbf, 0x8c, 0xd7, 0xb6, 0xd3,
            0xa6, 0x72, 0x96, 0x5a, 0x5d, 0x41, 0x5b, 0xf9, 0x37, 0x8e,
        },
    [PMC_EXCH_V3] =
        {
            0xdf, 0x8b, 0x5f, 0xd2, 0x04, 0x13, 0x4b, 0x8d, 0x56, 0x26, 0x77,
            0xd7, 0xfc, 0x93, 0x46, 0x88, 0x4e, 0x8f, 0x02, 0xef, 0x2f, 0xd4,
            0x33, 0x58, 0x23, 0x93, 0x93, 0x72, 0x3e, 0x88, 0x33, 0xe6,
        },
    [PMC_EXCH_V1] =
        {
            0x44, 0xb1, 0x80, 0xa7, 0xe5, 0x48, 0xe2, 0xd9, 0x16, 0xb5, 0x41,
            0x01, 0x76, 0xdb, 0x13, 0xa0, 0x77, 0x44, 0x96, 0x6f, 0x9b, 0x6c,
            0x93, 0xc4, 0xbc, 0xcd, 0xab, 0xeb, 0xbc, 0xdf, 0xca, 0x93,
        },
    [PMC_EXCH_V1_NEGRISK] =
        {
            0x9f, 0xa1, 0x08, 0x22, 0xe4, 0xb8, 0x6f, 0xd1, 0xee, 0xd6, 0x8e,
            0xa1, 0xc2, 0x62, 0x8e, 0x0e, 0xe9, 0xa6, 0xc5, 0x23, 0xcb, 0x25,
            0x70, 0x59, 0x27, 0x68, 0x43, 0x2c, 0xfd, 0xb0, 0x9b, 0xf1,
        },
};

static const uint8_t ADDR_POLYGON[PMC_EXCH_COUNT][PMC_ADDR_LEN] = {
    [PMC_EXCH_V2] =
        {
            0xe1, 0x11, 0x18, 0x00, 0x00, 0xd2, 0x66, 0x3c, 0x00, 0x91,
            0xe4, 0xf4, 0x00, 0x23, 0x75, 0x45, 0xb8, 0x7b, 0x99, 0x6b,
        }, /* 0xE111180000d2663C0091e4f400237545B87B996B */
    [PMC_EXCH_V2_NEGRISK] =
        {
            0xe2, 0x22, 0x2d, 0x27, 0x9d, 0x74, 0x40, 0x50, 0xd2, 0x8e,
            0x00, 0x52, 0x00, 0x10, 0x52, 0x00, 0x00, 0x31, 0x0f, 0x59,
        }, /* 0xe2222d279d744050d28e00520010520000310F59 */
    [PMC_EXCH_V3] =
        {
            0xe3, 0x33, 0x37, 0x00, 0xca, 0x9d, 0x93, 0x00, 0x3f, 0x00,
            0xf0, 0xf7, 0x1f, 0x85, 0x15, 0x00, 0x5f, 0x6c, 0x00, 0xaa,
        }, /* 0xe3333700cA9d93003F00f0F71f8515005F6c00Aa */
    [PMC_EXCH_V1] =
        {
            0x4b, 0xfb, 0x41, 0xd5, 0xb3, 0x57, 0x0d, 0xef, 0xd0, 0x3c,
            0x39, 0xa9, 0xa4, 0xd8, 0xde, 0x6b, 0xd8, 0xb8, 0x98, 0x2e,
        }, /* 0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E */
    [PMC_EXCH_V1_NEGRISK] =
        {
            0xc5, 0xd5, 0x63, 0xa3, 0x6a, 0xe7, 0x81, 0x45, 0xc4, 0x5a,
            0x50, 0x13, 0x4d, 0x48, 0xa1, 0x21, 0x52, 0x20, 0xf8, 0x0a,
        }, /* 0xC5d563A36AE78145C45a50134d48A1215220f80a */
};

static const uint8_t ADDR_AMOY[PMC_EXCH_COUNT][PMC_ADDR_LEN] = {
    [PMC_EXCH_V2] =
        {
            0xe1, 0x11, 0x18, 0x00, 0x00, 0xd2, 0x66, 0x3c, 0x00, 0x91,
            0xe4, 0xf4, 0x00, 0x23, 0x75, 0x45, 0xb8, 0x7b, 0x99, 0x6b,
        }, /* 0xE111180000d2663C0091e4f400237545B87B996B */
    [PMC_EXCH_V2_NEGRISK] =
        {
            0xe2, 0x22, 0x2d, 0x27, 0x9d, 0x74, 0x40, 0x50, 0xd2, 0x8e,
            0x00, 0x52, 0x00, 0x10, 0x52, 0x00, 0x00, 0x31, 0x0f, 0x59,
        }, /* 0xe2222d279d744050d28e00520010520000310F59 */
    [PMC_EXCH_V3] =
        {
            0x9f, 0xe6, 0xe6, 0x14, 0x22, 0xad, 0xb6, 0xf6, 0x10, 0xd8,
            0x59, 0x7f, 0x96, 0x84, 0xb1, 0x69, 0x12, 0xd5, 0x0c, 0x3d,
        }, /* 0x9fE6e61422AdB6F610d8597F9684b16912D50C3D */
    [PMC_EXCH_V1] =
        {
            0xdf, 0xe0, 0x2e, 0xb6, 0x73, 0x35, 0x38, 0xf8, 0xea, 0x35,
            0xd5, 0x85, 0xaf, 0x8d, 0xe5, 0x95, 0x8a, 0xd9, 0x9e, 0x40,
        }, /* 0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40 */
    [PMC_EXCH_V1_NEGRISK] =
        {
            0xc5, 0xd5, 0x63, 0xa3, 0x6a, 0xe7, 0x81, 0x45, 0xc4, 0x5a,
            0x50, 0x13, 0x4d, 0x48, 0xa1, 0x21, 0x52, 0x20, 0xf8, 0x0a,
        }, /* 0xC5d563A36AE78145C45a50134d48A1215220f80a */
};

static const char *const EXCH_NAME[PMC_EXCH_COUNT] = {
    [PMC_EXCH_V2] = "v2",
    [PMC_EXCH_V2_NEGRISK] = "v2-negrisk",
    [PMC_EXCH_V3] = "v3",
    [PMC_EXCH_V1] = "v1",
    [PMC_EXCH_V1_NEGRISK] = "v1-negrisk",
};

static const char *const EXCH_VERSION[PMC_EXCH_COUNT] = {
    [PMC_EXCH_V2] = "2", [PMC_EXCH_V2_NEGRISK] = "2", [PMC_EXCH_V3] = "3",
    [PMC_EXCH_V1] = "1", [PMC_EXCH_V1_NEGRISK] = "1",
};

enum pmc_err pmc_exchange_parse(const char *s, size_t n, enum pmc_exchange *out)
{
    for (int e = 0; e < PMC_EXCH_COUNT; e++)
        if (strlen(EXCH_NAME[e]) == n && memcmp(EXCH_NAME[e], s, n) == 0) {
            *out = (enum pmc_exchange)e;
            return PMC_OK;
        }
    return PMC_EPARSE;
}

const char *pmc_exchange_name(enum pmc_exchange e)
{
    return (unsigned)e < PMC_EXCH_COUNT ? EXCH_NAME[e] : "?";
}

const char *pmc_exchange_domain_version(enum pmc_exchange e)
{
    return (unsigned)e < PMC_EXCH_COUNT ? EXCH_VERSION[e] : "?";
}

enum pmc_err pmc_exchange_address(enum pmc_exchange e, uint64_t chain_id,
                                  uint8_t addr[PMC_ADDR_LEN])
{
    if ((unsigned)e >= PMC_EXCH_COUNT)
        return PMC_ERANGE;
    if (chain_id == PMC_CHAIN_POLYGON)
        memcpy(addr, ADDR_POLYGON[e], PMC_ADDR_LEN);
    else if (chain_id == PMC_CHAIN_AMOY)
        memcpy(addr, ADDR_AMOY[e], PMC_ADDR_LEN);
    else
        return PMC_ENOTSUP;
    return PMC_OK;
}

enum pmc_err pmc_exchange_domain(enum pmc_exchange e, uint64_t chain_id,
                                 const uint8_t **sep)
{
    if ((unsigned)e >= PMC_EXCH_COUNT)
        return PMC_ERANGE;
    if (chain_id == PMC_CHAIN_POLYGON)
        *sep = DOMAIN_POLYGON[e];
    else if (chain_id == PMC_CHAIN_AMOY)
        *sep = DOMAIN_AMOY[e];
    else
        return PMC_ENOTSUP;
    return PMC_OK;
}

/* ---- ABI word helpers ------------------------------------------------- */

static uint8_t *put_word(uint8_t *p, const uint8_t w[32])
{
    memcpy(p, w, 32);
    return p + 32;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    pmc_u256_from_u64(v, p);
    return p + 32;
}

static uint8_t *put_addr(uint8_t *p, const uint8_t a[PMC_ADDR_LEN])
{
    memset(p, 0, 12);
    memcpy(p + 12, a, PMC_ADDR_LEN);
    return p + 32;
}

static uint8_t *put_str_hash(uint8_t *p, const char *s)
{
    pmc_keccak256(s, strlen(s), p);
    return p + 32;
}

void pmc_eip712_domain_hash(const char *name, const char *version,
                            uint64_t chain_id,
                            const uint8_t contract[PMC_ADDR_LEN],
                            uint8_t out[32])
{
    static const char with_contract[] =
        "EIP712Domain(string name,string version,uint256 chainId,"
        "address verifyingContract)";
    static const char without_contract[] =
        "EIP712Domain(string name,string version,uint256 chainId)";
    uint8_t buf[5 * 32], *p = buf;
    p = put_str_hash(p, contract ? with_contract : without_contract);
    p = put_str_hash(p, name);
    p = put_str_hash(p, version);
    p = put_u64(p, chain_id);
    if (contract)
        p = put_addr(p, contract);
    pmc_keccak256(buf, (size_t)(p - buf), out);
}

void pmc_eip712_digest(const uint8_t domain_sep[32],
                       const uint8_t struct_hash[32], uint8_t out[32])
{
    uint8_t buf[66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    memcpy(buf + 2, domain_sep, 32);
    memcpy(buf + 34, struct_hash, 32);
    pmc_keccak256(buf, sizeof(buf), out);
}

void pmc_order_v2_struct_hash(const struct pmc_order_v2 *o, uint8_t out[32])
{
    uint8_t buf[12 * 32], *p = buf;
    p = put_word(p, PMC_ORDER_V2_TYPEHASH);
    p = put_u64(p, o->salt);
    p = put_addr(p, o->maker);
    p = put_addr(p, o->signer);
    p = put_word(p, o->token_id);
    p = put_u64(p, o->maker_amount);
    p = put_u64(p, o->taker_amount);
    p = put_u64(p, o->side);
    p = put_u64(p, o->sig_type);
    p = put_u64(p, o->timestamp_ms);
    p = put_word(p, o->metadata);
    p = put_word(p, o->builder);
    PMC_ASSERT(p == buf + sizeof(buf));
    pmc_keccak256(buf, sizeof(buf), out);
}

void pmc_order_v1_struct_hash(const struct pmc_order_v1 *o, uint8_t out[32])
{
    uint8_t buf[13 * 32], *p = buf;
    p = put_word(p, PMC_ORDER_V1_TYPEHASH);
    p = put_u64(p, o->salt);
    p = put_addr(p, o->maker);
    p = put_addr(p, o->signer);
    p = put_addr(p, o->taker);
    p = put_word(p, o->token_id);
    p = put_u64(p, o->maker_amount);
    p = put_u64(p, o->taker_amount);
    p = put_u64(p, o->expiration);
    p = put_u64(p, o->nonce);
    p = put_u64(p, o->fee_rate_bps);
    p = put_u64(p, o->side);
    p = put_u64(p, o->sig_type);
    PMC_ASSERT(p == buf + sizeof(buf));
    pmc_keccak256(buf, sizeof(buf), out);
}

static int is_v1(enum pmc_exchange e)
{
    return e == PMC_EXCH_V1 || e == PMC_EXCH_V1_NEGRISK;
}

enum pmc_err pmc_order_v2_hash(const struct pmc_order_v2 *o,
                               enum pmc_exchange e, uint64_t chain_id,
                               uint8_t struct_hash[32], uint8_t digest[32])
{
    const uint8_t *sep;
    uint8_t sh[32];
    if ((unsigned)e < PMC_EXCH_COUNT && is_v1(e))
        return PMC_EUSAGE;
    PMC_TRY(pmc_exchange_domain(e, chain_id, &sep));
    pmc_order_v2_struct_hash(o, sh);
    if (struct_hash)
        memcpy(struct_hash, sh, 32);
    if (digest)
        pmc_eip712_digest(sep, sh, digest);
    return PMC_OK;
}

enum pmc_err pmc_order_v1_hash(const struct pmc_order_v1 *o,
                               enum pmc_exchange e, uint64_t chain_id,
                               uint8_t struct_hash[32], uint8_t digest[32])
{
    const uint8_t *sep;
    uint8_t sh[32];
    if ((unsigned)e < PMC_EXCH_COUNT && !is_v1(e))
        return PMC_EUSAGE;
    PMC_TRY(pmc_exchange_domain(e, chain_id, &sep));
    pmc_order_v1_struct_hash(o, sh);
    if (struct_hash)
        memcpy(struct_hash, sh, 32);
    if (digest)
        pmc_eip712_digest(sep, sh, digest);
    return PMC_OK;
}

void pmc_eip712_typed_data_sign_digest(const uint8_t app_domain[32],
                                       const uint8_t contents_hash[32],
                                       uint64_t chain_id,
                                       const uint8_t wallet[PMC_ADDR_LEN],
                                       uint8_t out[32])
{
    /* TypedDataSign(Order contents,string name,string version,
     * uint256 chainId,address verifyingContract,bytes32 salt) followed by
     * the Order type string, as EIP-712 appends referenced types. */
    uint8_t buf[7 * 32], *p = buf, sh[32];
    p = put_word(p, TYPED_DATA_SIGN_TYPEHASH);
    p = put_word(p, contents_hash);
    p = put_word(p, DEPOSIT_WALLET_NAME_HASH);
    p = put_word(p, VERSION_1_HASH);
    p = put_u64(p, chain_id);
    p = put_addr(p, wallet);
    memset(p, 0, 32); /* salt: bytes32 zero */
    p += 32;
    PMC_ASSERT(p == buf + sizeof(buf));
    pmc_keccak256(buf, sizeof(buf), sh);
    pmc_eip712_digest(app_domain, sh, out);
}
