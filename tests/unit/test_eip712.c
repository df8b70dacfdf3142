/* tests/unit/test_eip712.c - EIP-712 hashing and secp256k1 signing against
 * the protocol reference 8.2 (official V1), 8.3 (V2/V3 vectors A, B, C and
 * POLY_1271) and 2.3 (domain separators) vectors, byte for byte. Also
 * recomputes every hard-coded constant from its definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "proto/sign/eip712.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/sign/signer.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define EOA "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define TOKEN_A                                                                \
    "21742633143463906290569050155826241533067272736897614950488156847949938"  \
    "836455"
#define TOKEN_B                                                                \
    "48331043336612883890938759509493159234755048973500640148014422747788308"  \
    "965732"

static void hexs(const uint8_t *p, size_t n, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    pmc_hex_encode(p, n, out + 2);
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 + 2 * 400 + 1];
    assert_true(n <= 400);
    hexs(p, n, got);
    assert_string_equal(got, want);
}

static void addr(const char *s, uint8_t out[20])
{
    assert_int_equal(pmc_addr_parse(s, strlen(s), out), PMC_OK);
}

static void u256(const char *s, uint8_t out[32])
{
    assert_int_equal(pmc_u256_parse_dec(s, strlen(s), out), PMC_OK);
}

static struct pmc_signer *signer(void)
{
    struct pmc_signer *s = NULL;
    assert_int_equal(pmc_signer_new(PK, strlen(PK), &s), PMC_OK);
    return s;
}

/* ---- constants -------------------------------------------------------- */

static void test_typehashes(void **state)
{
    (void)state;
    uint8_t h[32];
    const char *v1 = "Order(uint256 salt,address maker,address signer,address "
                     "taker,uint256 tokenId,uint256 makerAmount,uint256 "
                     "takerAmount,uint256 expiration,uint256 nonce,uint256 "
                     "feeRateBps,uint8 side,uint8 signatureType)";
    const char *dom = "EIP712Domain(string name,string version,uint256 "
                      "chainId,address verifyingContract)";
    pmc_keccak256(PMC_ORDER_V2_TYPE, strlen(PMC_ORDER_V2_TYPE), h);
    assert_memory_equal(h, PMC_ORDER_V2_TYPEHASH, 32);
    assert_hex(h, 32,
               "0xbb86318a2138f5fa8ae32fbe8e659f8fcf13cc6ae4014a70789305"
               "5433818589");
    assert_int_equal(strlen(PMC_ORDER_V2_TYPE), 186);
    pmc_keccak256(v1, strlen(v1), h);
    assert_memory_equal(h, PMC_ORDER_V1_TYPEHASH, 32);
    pmc_keccak256(dom, strlen(dom), h);
    assert_memory_equal(h, PMC_EIP712_DOMAIN_TYPEHASH, 32);
}

/* Every hard-coded domain separator equals the one computed from the
 * exchange's name, version, chain and address, and the 2.3 table. */
static void test_domains(void **state)
{
    (void)state;
    static const struct {
        enum pmc_exchange e;
        uint64_t chain;
        const char *addr, *sep;
    } T[] = {
        {PMC_EXCH_V2, 137, "0xE111180000d2663C0091e4f400237545B87B996B",
         "0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2"},
        {PMC_EXCH_V2_NEGRISK, 137, "0xe2222d279d744050d28e00520010520000310F59",
         "0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a"},
        {PMC_EXCH_V3, 137, "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa",
         "0x466c63910185bbd55e8679264200c4e0abdcbb0c6264eb3d41d13326022e095b"},
        {PMC_EXCH_V1, 137, "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E",
         "0x1a573e3617c78403b5b4b892827992f027b03d4eaf570048b8ee8cdd84d151be"},
        {PMC_EXCH_V1_NEGRISK, 137, "0xC5d563A36AE78145C45a50134d48A1215220f80a",
         "0x82cb6aa85babb812f4b521a12b10f0cbc68d2b44be7bc02c047004f544adb49f"},
        {PMC_EXCH_V2, 80002, "0xE111180000d2663C0091e4f400237545B87B996B",
         "0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148"},
        {PMC_EXCH_V2_NEGRISK, 80002,
         "0xe2222d279d744050d28e00520010520000310F59",
         "0x1468e39841f0a0e05d3762b235cb7acecabf8cd7b6d3a672965a5d415bf9378e"},
        {PMC_EXCH_V3, 80002, "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D",
         "0xdf8b5fd204134b8d562677d7fc9346884e8f02ef2fd43358239393723e8833e6"},
        {PMC_EXCH_V1, 80002, "0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40",
         "0x44b180a7e548e2d916b5410176db13a07744966f9b6c93c4bccdabebbcdfca93"},
        {PMC_EXCH_V1_NEGRISK, 80002,
         "0xC5d563A36AE78145C45a50134d48A1215220f80a",
         "0x9fa10822e4b86fd1eed68ea1c2628e0ee9a6c523cb2570592768432cfdb09bf1"},
    };
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
        uint8_t a[20], want_a[20], h[32];
        char cs[43];
        const uint8_t *sep;
        assert_int_equal(pmc_exchange_address(T[i].e, T[i].chain, a), PMC_OK);
        addr(T[i].addr, want_a);
        assert_memory_equal(a, want_a, 20);
        pmc_addr_checksum(a, cs); /* table spelling is EIP-55 */
        assert_string_equal(cs, T[i].addr);
        pmc_eip712_domain_hash("Polymarket CTF Exchange",
                               pmc_exchange_domain_version(T[i].e), T[i].chain,
                               a, h);
        assert_hex(h, 32, T[i].sep);
        assert_int_equal(pmc_exchange_domain(T[i].e, T[i].chain, &sep), PMC_OK);
        assert_memory_equal(sep, h, 32);
    }
    const uint8_t *sep;
    uint8_t a[20];
    assert_int_equal(pmc_exchange_domain(PMC_EXCH_V2, 1, &sep), PMC_ENOTSUP);
    assert_int_equal(pmc_exchange_address(PMC_EXCH_V2, 1, a), PMC_ENOTSUP);
    assert_int_equal(pmc_exchange_domain(PMC_EXCH_COUNT, 137, &sep),
                     PMC_ERANGE);
}

static void test_exchange_names(void **state)
{
    (void)state;
    enum pmc_exchange e;
    for (int i = 0; i < PMC_EXCH_COUNT; i++) {
        const char *n = pmc_exchange_name((enum pmc_exchange)i);
        assert_int_equal(pmc_exchange_parse(n, strlen(n), &e), PMC_OK);
        assert_int_equal(e, i);
    }
    assert_int_equal(pmc_exchange_parse("v2-NegRisk", 10, &e), PMC_EPARSE);
    assert_int_equal(pmc_exchange_parse("v4", 2, &e), PMC_EPARSE);
    assert_string_equal(pmc_exchange_domain_version(PMC_EXCH_V3), "3");
    assert_string_equal(pmc_exchange_domain_version(PMC_EXCH_V2_NEGRISK), "2");
}

/* ---- helpers ------------------------------------------------------------ */

static void test_hex_helpers(void **state)
{
    (void)state;
    uint8_t t[32], a[20];
    char dec[79];
    u256(TOKEN_A, t);
    assert_hex(t, 32,
               "0x3011e4ede0f6befa0ad3f571001d3e1ffeef3d4af78c3112aaac"
               "90416e3a43e7");
    assert_int_equal(pmc_u256_format_dec(t, dec), strlen(TOKEN_A));
    assert_string_equal(dec, TOKEN_A);
    u256("0", t);
    pmc_u256_format_dec(t, dec);
    assert_string_equal(dec, "0");
    u256("000123", t);
    pmc_u256_format_dec(t, dec);
    assert_string_equal(dec, "123");
    /* 10^19 and neighbours cross a chunk boundary */
    u256("10000000000000000000", t);
    pmc_u256_format_dec(t, dec);
    assert_string_equal(dec, "10000000000000000000");
    const char *max = "115792089237316195423570985008687907853269984665640564"
                      "039457584007913129639935";
    u256(max, t);
    for (int i = 0; i < 32; i++)
        assert_int_equal(t[i], 0xff);
    pmc_u256_format_dec(t, dec);
    assert_string_equal(dec, max);
    const char *over = "115792089237316195423570985008687907853269984665640564"
                       "039457584007913129639936";
    assert_int_equal(pmc_u256_parse_dec(over, strlen(over), t), PMC_ERANGE);
    assert_int_equal(pmc_u256_parse_dec("12a", 3, t), PMC_EPARSE);
    assert_int_equal(pmc_u256_parse_dec("-1", 2, t), PMC_EPARSE);
    assert_int_equal(pmc_u256_parse_dec("", 0, t), PMC_EPARSE);

    addr("f39fd6e51aad88f6f4ce6ab8827279cfffb92266", a);
    pmc_addr_checksum(a, dec);
    assert_string_equal(dec, EOA);
    assert_int_equal(pmc_addr_parse("0x1234", 6, a), PMC_EPARSE);
    assert_int_equal(
        pmc_addr_parse("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266", 42, a),
        PMC_EPARSE);
}

/* ---- V1 (8.2) ---------------------------------------------------------- */

static void v1_order(struct pmc_order_v1 *o)
{
    memset(o, 0, sizeof(*o));
    o->salt = 479249096354ULL;
    addr(EOA, o->maker);
    addr(EOA, o->signer);
    u256("1234", o->token_id);
    o->maker_amount = 100000000;
    o->taker_amount = 50000000;
    o->fee_rate_bps = 100;
    o->side = PMC_BUY;
    o->sig_type = PMC_SIG_EOA;
}

static void test_v1_vectors(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    struct pmc_order_v1 o;
    uint8_t digest[32], sig[65];
    v1_order(&o);

    assert_int_equal(pmc_order_v1_hash(&o, PMC_EXCH_V1, 80002, NULL, digest),
                     PMC_OK);
    assert_hex(digest, 32,
               "0x02ca1d1aa31103804173ad1acd70066cb6c1258a4be6dada0"
               "55111f9a7ea4e55");
    assert_int_equal(pmc_signer_sign(s, digest, sig), PMC_OK);
    assert_hex(sig, 65,
               "0x302cd9abd0b5fcaa202a344437ec0b6660da984e24ae9ad915a592a90fac"
               "f5a51bb8a873cd8d270f070217fea1986531d5eec66f1162a81f66e026db65"
               "3bf7ce1c");

    assert_int_equal(
        pmc_order_v1_hash(&o, PMC_EXCH_V1_NEGRISK, 80002, NULL, digest),
        PMC_OK);
    assert_hex(digest, 32,
               "0xf15790d3edc4b5aed427b0b543a9206fcf4b1a13dfed016d3"
               "3bfb313076263b8");
    assert_int_equal(pmc_signer_sign(s, digest, sig), PMC_OK);
    assert_hex(sig, 65,
               "0x1b3646ef347e5bd144c65bd3357ba19c12c12abaeedae733cf8579bc51a2"
               "752c0454c3bc6b236957e393637982c769b8dc0706c0f5c399983d933850af"
               "d1cbcd1c");

    /* a V1 order cannot be hashed under a V2 domain and vice versa */
    assert_int_equal(pmc_order_v1_hash(&o, PMC_EXCH_V2, 137, NULL, digest),
                     PMC_EUSAGE);
    pmc_signer_free(s);
}

/* ---- V2 / V3 (8.3) ----------------------------------------------------- */

struct vec {
    enum pmc_exchange e;
    uint64_t salt;
    const char *maker, *token;
    uint64_t maker_amount, taker_amount;
    uint8_t side, sig_type;
    uint64_t ts;
    const char *builder;
    const char *domain, *struct_hash, *digest, *sig;
};

static const struct vec VA = {
    PMC_EXCH_V2,
    123456789,
    EOA,
    TOKEN_A,
    5500000,
    10000000,
    0,
    0,
    1767225600000ULL,
    NULL,
    "0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2",
    "0x2099ae4763976e86de0a51496d5038565daef977e8efc6b79b8c48d65b8e72c4",
    "0xafe9a5ad2aa2f2cc93a7fb955f056f7b399adab65fe3d035d802d8747980a20d",
    "0x3d247e86080c2dc6fb330551a9e0b0bfd5093b9547e021d0c286b598cb2e0554375a"
    "c64e8dc4e888d02e6a164979a3d32565c430cfddcff32531ba4b5edf71301c",
};

static const struct vec VB = {
    PMC_EXCH_V2_NEGRISK,
    987654321012ULL,
    "0x1111111111111111111111111111111111111111",
    TOKEN_B,
    25000000,
    10500000,
    1,
    2,
    1767225601234ULL,
    NULL,
    "0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a",
    "0xd37a8de7bd3ca01d7d8d98c2e61fff754d3d30e90b29d900e30d11d79bb63402",
    "0x90ffcd87cb998c5d2499da2eb89a69ddce56743b07122fb94590fe9f3a118be2",
    "0x2975d2c18e2f35e256a13cdcd39b4cb6f7cc41c67c8bca986001b47ffcbc954822e2"
    "7843f2afd62c6cc454af6eb6107d1b58d746a200a9003069e4a0367863bf1b",
};

static const struct vec VC = {
    PMC_EXCH_V3,
    42,
    "0x2222222222222222222222222222222222222222",
    TOKEN_A,
    1000000,
    3333300,
    0,
    1,
    1767225602000ULL,
    "0x00000000000000000000000000000000000000000000000000000000000000ab",
    "0x466c63910185bbd55e8679264200c4e0abdcbb0c6264eb3d41d13326022e095b",
    "0xc19a67176fd1638a3e77877da7b272fafe9926841febc56ae3771eb5d4ffe16d",
    "0x43adb685146a3d7822d8ced602e32f33977fd580da4521acbba3f9d529401574",
    "0x12f793ac3387cce3c3142754b3546887e687dcdc65cfbc777d697773b57fe17e7491"
    "56166822bd5e75ad786babbfa61d4f875909478e4acc9842ea4abe0535431c",
};

static void check_vec(const struct vec *v)
{
    struct pmc_signer *s = signer();
    struct pmc_order_v2 o;
    const uint8_t *dom;
    uint8_t sh[32], dg[32], sig[65], rec[20];
    memset(&o, 0, sizeof(o));
    o.salt = v->salt;
    addr(v->maker, o.maker);
    memcpy(o.signer, pmc_signer_address(s), 20);
    u256(v->token, o.token_id);
    o.maker_amount = v->maker_amount;
    o.taker_amount = v->taker_amount;
    o.side = v->side;
    o.sig_type = v->sig_type;
    o.timestamp_ms = v->ts;
    if (v->builder)
        assert_int_equal(
            pmc_hex_decode(v->builder, strlen(v->builder), o.builder, 32),
            PMC_OK);
    assert_int_equal(pmc_exchange_domain(v->e, 137, &dom), PMC_OK);
    assert_hex(dom, 32, v->domain);
    assert_int_equal(pmc_order_v2_hash(&o, v->e, 137, sh, dg), PMC_OK);
    assert_hex(sh, 32, v->struct_hash);
    assert_hex(dg, 32, v->digest);
    assert_int_equal(pmc_signer_sign(s, dg, sig), PMC_OK);
    assert_hex(sig, 65, v->sig);
    assert_int_equal(pmc_signer_recover(s, dg, sig, rec), PMC_OK);
    assert_memory_equal(rec, pmc_signer_address(s), 20);
    /* the same order under another exchange hashes differently */
    uint8_t other[32];
    assert_int_equal(
        pmc_order_v2_hash(&o, v->e == PMC_EXCH_V2 ? PMC_EXCH_V3 : PMC_EXCH_V2,
                          137, NULL, other),
        PMC_OK);
    assert_memory_not_equal(other, dg, 32);
    assert_int_equal(pmc_order_v2_hash(&o, PMC_EXCH_V1, 137, NULL, other),
                     PMC_EUSAGE);
    pmc_signer_free(s);
}

static void test_vector_a(void **state)
{
    (void)state;
    check_vec(&VA);
}
static void test_vector_b(void **state)
{
    (void)state;
    check_vec(&VB);
}
static void test_vector_c(void **state)
{
    (void)state;
    check_vec(&VC);
}

/* ---- signer ------------------------------------------------------------ */

static void test_signer(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    char a[43];
    pmc_addr_checksum(pmc_signer_address(s), a);
    assert_string_equal(a, EOA);
    pmc_signer_free(s);
    pmc_signer_free(NULL);

    /* whitespace and a missing 0x are tolerated */
    const char *k2 = "  ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7"
                     "bf4f2ff80\n";
    assert_int_equal(pmc_signer_new(k2, strlen(k2), &s), PMC_OK);
    pmc_addr_checksum(pmc_signer_address(s), a);
    assert_string_equal(a, EOA);
    pmc_signer_free(s);

    s = NULL;
    assert_int_equal(pmc_signer_new("0x1234", 6, &s), PMC_EPARSE);
    assert_null(s);
    const char *zero =
        "0x000000000000000000000000000000000000000000000000000000"
        "0000000000";
    assert_int_equal(pmc_signer_new(zero, strlen(zero), &s), PMC_ERANGE);
    const char *order =
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25"
        "e8cd0364141"; /* = n, not a valid key */
    assert_int_equal(pmc_signer_new(order, strlen(order), &s), PMC_ERANGE);
    assert_null(s);
}

/* Low-s and v in {27, 28} over many digests. */
static void test_low_s(void **state)
{
    (void)state;
    static const uint8_t half[32] = {
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
        0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};
    struct pmc_signer *s = signer();
    int seen27 = 0, seen28 = 0;
    for (uint32_t i = 0; i < 64; i++) {
        uint8_t d[32], sig[65], rec[20];
        pmc_keccak256(&i, sizeof(i), d);
        assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
        assert_true(memcmp(sig + 32, half, 32) <= 0);
        assert_true(sig[64] == 27 || sig[64] == 28);
        seen27 |= sig[64] == 27;
        seen28 |= sig[64] == 28;
        assert_int_equal(pmc_signer_recover(s, d, sig, rec), PMC_OK);
        assert_memory_equal(rec, pmc_signer_address(s), 20);
    }
    assert_true(seen27 && seen28);
    pmc_signer_free(s);
}

/* Presignatures, the math alone (the pool is live/exec/presign.c): from
 * given entropy a presignature signs validly, low-s, recoverable to the
 * signer; the same entropy gives the same signature (pure), other entropy
 * another nonce; it is wiped once used; a digest >= n is refused. A
 * presigner is asked first and an RFC 6979 signature made when it declines. */
static const uint8_t HALF[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

struct fake_presigner {
    int accept, asked;
    uint32_t n;
};

static int fake_presigner(void *ctx, const struct pmc_signer *s,
                          const uint8_t digest[32], uint8_t sig[PMC_SIG_LEN])
{
    struct fake_presigner *f = ctx;
    f->asked++;
    if (!f->accept)
        return 0;
    uint8_t ent[PMC_PRESIG_ENTROPY] = {0};
    memcpy(ent, &f->n, sizeof f->n);
    f->n++;
    struct pmc_presig e;
    return pmc_signer_presig(s, ent, &e) &&
           pmc_signer_sign_presig(s, &e, digest, sig) == PMC_OK;
}

static void test_presig_math(void **state)
{
    (void)state;
    struct pmc_signer *s = signer(), *det = signer();
    int seen27 = 0, seen28 = 0;
    uint8_t prev_r[32] = {0};
    for (uint32_t n = 0; n < 64; n++) {
        uint8_t ent[PMC_PRESIG_ENTROPY] = {0}, d[32], sig[65], again[65];
        uint8_t ref[65], rec[20];
        memcpy(ent, &n, sizeof n);
        pmc_keccak256(&n, sizeof n, d);
        struct pmc_presig e, e2;
        assert_int_equal(pmc_signer_presig(s, ent, &e), 1);
        assert_int_equal(pmc_signer_presig(s, ent, &e2), 1);
        assert_int_equal(pmc_signer_sign_presig(s, &e, d, sig), PMC_OK);
        static const struct pmc_presig zero;
        assert_memory_equal(&e, &zero, sizeof e); /* wiped once used */
        assert_int_equal(pmc_signer_sign_presig(s, &e2, d, again), PMC_OK);
        assert_memory_equal(sig, again, 65); /* a function of its inputs */
        assert_true(memcmp(sig + 32, HALF, 32) <= 0);
        assert_true(sig[64] == 27 || sig[64] == 28);
        seen27 |= sig[64] == 27;
        seen28 |= sig[64] == 28;
        assert_int_equal(pmc_signer_recover(s, d, sig, rec), PMC_OK);
        assert_memory_equal(rec, pmc_signer_address(s), 20);
        assert_int_equal(pmc_signer_sign(det, d, ref), PMC_OK);
        assert_memory_not_equal(sig, ref, 65);    /* not the RFC 6979 nonce */
        assert_memory_not_equal(sig, prev_r, 32); /* another nonce */
        memcpy(prev_r, sig, 32);
    }
    assert_true(seen27 && seen28);
    /* a digest >= n cannot use a presignature */
    uint8_t big[32], sig[65], ref[65], ent[PMC_PRESIG_ENTROPY] = {9};
    memset(big, 0xff, sizeof big);
    struct pmc_presig e;
    assert_int_equal(pmc_signer_presig(s, ent, &e), 1);
    assert_int_equal(pmc_signer_sign_presig(s, &e, big, sig), PMC_ERANGE);

    /* the presigner: declining gives the RFC 6979 signature byte for byte;
     * accepting gives its own; removed, RFC 6979 again */
    struct fake_presigner f = {0, 0, 0};
    uint8_t d[32] = {3};
    pmc_signer_set_presigner(s, fake_presigner, &f);
    assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
    assert_int_equal(pmc_signer_sign(det, d, ref), PMC_OK);
    assert_memory_equal(sig, ref, 65);
    assert_int_equal(f.asked, 1);
    f.accept = 1;
    assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
    assert_memory_not_equal(sig, ref, 65);
    assert_int_equal(f.asked, 2);
    assert_int_equal(pmc_signer_sign(s, big, sig), PMC_OK); /* declined */
    assert_int_equal(pmc_signer_sign(det, big, ref), PMC_OK);
    assert_memory_equal(sig, ref, 65);
    pmc_signer_set_presigner(s, NULL, NULL);
    assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
    assert_int_equal(pmc_signer_sign(det, d, ref), PMC_OK);
    assert_memory_equal(sig, ref, 65);
    assert_int_equal(f.asked, 3);
    pmc_signer_free(s);
    pmc_signer_free(det);
}

/* ---- POLY_1271 (8.3.4) ------------------------------------------------- */

static void test_poly_1271_digest(void **state)
{
    (void)state;
    struct pmc_order_v2 o;
    const uint8_t *dom;
    uint8_t sh[32], inner[32], sig[65];
    memset(&o, 0, sizeof(o));
    o.salt = 479249096354ULL;
    addr("0x1111111111111111111111111111111111111111", o.maker);
    memcpy(o.signer, o.maker, 20);
    u256("1234", o.token_id);
    o.maker_amount = 100000000;
    o.taker_amount = 50000000;
    o.side = PMC_BUY;
    o.sig_type = PMC_SIG_POLY_1271;
    o.timestamp_ms = 1710000000000ULL;
    assert_int_equal(pmc_exchange_domain(PMC_EXCH_V2, 80002, &dom), PMC_OK);
    pmc_order_v2_struct_hash(&o, sh);
    assert_hex(sh, 32,
               "0xd23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12b"
               "b595dd83804");
    pmc_eip712_typed_data_sign_digest(dom, sh, 80002, o.maker, inner);
    struct pmc_signer *s = signer();
    assert_int_equal(pmc_signer_sign(s, inner, sig), PMC_OK);
    assert_hex(sig, 65,
               "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad"
               "145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff"
               "3be6ff1c");
    pmc_signer_free(s);

    /* TypedDataSign typehash, "DepositWallet" constants */
    char ts[512];
    snprintf(ts, sizeof(ts),
             "TypedDataSign(Order contents,string name,string version,"
             "uint256 chainId,address verifyingContract,bytes32 salt)%s",
             PMC_ORDER_V2_TYPE);
    uint8_t th[32], nh[32], vh[32], buf[7 * 32], manual_sh[32], manual[32];
    pmc_keccak256(ts, strlen(ts), th);
    pmc_keccak256("DepositWallet", 13, nh);
    pmc_keccak256("1", 1, vh);
    memcpy(buf, th, 32);
    memcpy(buf + 32, sh, 32);
    memcpy(buf + 64, nh, 32);
    memcpy(buf + 96, vh, 32);
    pmc_u256_from_u64(80002, buf + 128);
    memset(buf + 160, 0, 12);
    memcpy(buf + 172, o.maker, 20);
    memset(buf + 192, 0, 32);
    pmc_keccak256(buf, sizeof(buf), manual_sh);
    pmc_eip712_digest(dom, manual_sh, manual);
    assert_memory_equal(manual, inner, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typehashes),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_exchange_names),
        cmocka_unit_test(test_hex_helpers),
        cmocka_unit_test(test_v1_vectors),
        cmocka_unit_test(test_vector_a),
        cmocka_unit_test(test_vector_b),
        cmocka_unit_test(test_vector_c),
        cmocka_unit_test(test_signer),
        cmocka_unit_test(test_low_s),
        cmocka_unit_test(test_presig_math),
        cmocka_unit_test(test_poly_1271_digest),
    };
    return cmocka_run_group_tests_name("eip712", tests, NULL, NULL);
}
