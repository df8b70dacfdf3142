/* tests/unit/test_order_sign.c - the whole order pipeline (amounts, EIP-712,
 * signature, POST body) against the protocol reference 8.3 vectors A, B, C
 * byte for byte, the official POLY_1271 signature (8.3.4), and the
 * request validation errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/dec.h"
#include "proto/sign/hex.h"
#include "proto/sign/order.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define OWNER "00000000-0000-0000-0000-000000000000"
#define TOKEN_A                                                                \
    "21742633143463906290569050155826241533067272736897614950488156847949938"  \
    "836455"
#define TOKEN_B                                                                \
    "48331043336612883890938759509493159234755048973500640148014422747788308"  \
    "965732"

/* The three POST /order bodies of 8.3, hashed verbatim. */
#define BODY_A                                                                 \
    "{\"deferExec\":false,\"postOnly\":false,\"order\":{\"salt\":123456789,"   \
    "\"maker\":\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"signer\":"     \
    "\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"tokenId\":"              \
    "\"217426331434639062905690501558262415330672727368976149504881568479499"  \
    "38836455\",\"makerAmount\":\"5500000\",\"takerAmount\":\"10000000\","     \
    "\"side\":\"BUY\",\"signatureType\":0,\"timestamp\":\"1767225600000\","    \
    "\"expiration\":\"0\",\"metadata\":\"0x0000000000000000000000000000000000" \
    "000000000000000000000000000000\",\"builder\":\"0x0000000000000000000000"  \
    "000000000000000000000000000000000000000000\",\"signature\":"              \
    "\"0x3d247e86080c2dc6fb330551a9e0b0bfd5093b9547e021d0c286b598cb2e0554375"  \
    "ac64e8dc4e888d02e6a164979a3d32565c430cfddcff32531ba4b5edf71301c\"},"      \
    "\"owner\":\"00000000-0000-0000-0000-000000000000\",\"orderType\":"        \
    "\"GTC\"}"
#define BODY_B                                                                 \
    "{\"deferExec\":false,\"postOnly\":false,\"order\":{\"salt\":"             \
    "987654321012,"                                                            \
    "\"maker\":\"0x1111111111111111111111111111111111111111\",\"signer\":"     \
    "\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"tokenId\":"              \
    "\"483310433366128838909387595094931592347550489735006401480144227477883"  \
    "08965732\",\"makerAmount\":\"25000000\",\"takerAmount\":\"10500000\","    \
    "\"side\":\"SELL\",\"signatureType\":2,\"timestamp\":\"1767225601234\","   \
    "\"expiration\":\"1767229200\",\"metadata\":"                              \
    "\"0x00000000000000000000000000"                                           \
    "00000000000000000000000000000000000000\",\"builder\":\"0x000000000000000" \
    "0000000000000000000000000000000000000000000000000\",\"signature\":"       \
    "\"0x2975d2c18e2f35e256a13cdcd39b4cb6f7cc41c67c8bca986001b47ffcbc954822e"  \
    "27843f2afd62c6cc454af6eb6107d1b58d746a200a9003069e4a0367863bf1b\"},"      \
    "\"owner\":\"00000000-0000-0000-0000-000000000000\",\"orderType\":"        \
    "\"GTD\"}"
#define BODY_C                                                                 \
    "{\"deferExec\":false,\"postOnly\":false,\"order\":{\"salt\":42,"          \
    "\"maker\":\"0x2222222222222222222222222222222222222222\",\"signer\":"     \
    "\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"tokenId\":"              \
    "\"217426331434639062905690501558262415330672727368976149504881568479499"  \
    "38836455\",\"makerAmount\":\"1000000\",\"takerAmount\":\"3333300\","      \
    "\"side\":\"BUY\",\"signatureType\":1,\"timestamp\":\"1767225602000\","    \
    "\"expiration\":\"0\",\"metadata\":\"0x0000000000000000000000000000000000" \
    "000000000000000000000000000000\",\"builder\":\"0x0000000000000000000000"  \
    "0000000000000000000000000000000000000000ab\",\"signature\":"              \
    "\"0x12f793ac3387cce3c3142754b3546887e687dcdc65cfbc777d697773b57fe17e749"  \
    "156166822bd5e75ad786babbfa61d4f875909478e4acc9842ea4abe0535431c\"},"      \
    "\"owner\":\"00000000-0000-0000-0000-000000000000\",\"orderType\":"        \
    "\"FOK\"}"

static struct pmc_signer *S;

static int setup(void **state)
{
    (void)state;
    return pmc_signer_new(PK, strlen(PK), &S) == PMC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pmc_signer_free(S);
    return 0;
}

static pmc_micros dec(const char *s)
{
    pmc_micros v;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

static struct pmc_tick tick(const char *s)
{
    struct pmc_tick t;
    assert_int_equal(pmc_tick_parse(s, strlen(s), &t), PMC_OK);
    return t;
}

static void hexs(const uint8_t *p, size_t n, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    pmc_hex_encode(p, n, out + 2);
}

static void base_req(struct pmc_order_req *r)
{
    memset(r, 0, sizeof(*r));
    r->exchange = PMC_EXCH_V2;
    r->chain_id = 137;
    r->token_id = TOKEN_A;
    r->amt = (struct pmc_amount_req){PMC_ORDER_LIMIT, PMC_BUY,      dec("0.55"),
                                     dec("10"),       tick("0.01"), dec("5")};
    r->order_type = PMC_TIF_GTC;
    r->sig_type = PMC_SIG_EOA;
    r->salt = 123456789;
    r->timestamp_ms = 1767225600000ULL;
    r->owner = OWNER;
}

static void sign_ok(const struct pmc_order_req *r, struct pmc_signed_order *o)
{
    char why[256] = "";
    enum pmc_err e = pmc_order_sign(S, r, o, why, sizeof(why));
    if (e != PMC_OK)
        print_message("why: %s\n", why);
    assert_int_equal(e, PMC_OK);
    assert_int_equal(strlen(o->body), o->body_len);
}

static void test_vector_a(void **state)
{
    (void)state;
    struct pmc_order_req r;
    struct pmc_signed_order o;
    char h[67];
    base_req(&r);
    sign_ok(&r, &o);
    assert_string_equal(o.body, BODY_A);
    hexs(o.struct_hash, 32, h);
    assert_string_equal(h, "0x2099ae4763976e86de0a51496d5038565daef977e8efc6b79"
                           "b8c48d65b8e72c4");
    hexs(o.digest, 32, h);
    assert_string_equal(h, "0xafe9a5ad2aa2f2cc93a7fb955f056f7b399adab65fe3d035d"
                           "802d8747980a20d");
    /* maker given explicitly (lowercase) is the same order */
    r.has_maker = true;
    assert_int_equal(
        pmc_addr_parse("f39fd6e51aad88f6f4ce6ab8827279cfffb92266", 40, r.maker),
        PMC_OK);
    sign_ok(&r, &o);
    assert_string_equal(o.body, BODY_A);
}

static void test_vector_b(void **state)
{
    (void)state;
    struct pmc_order_req r;
    struct pmc_signed_order o;
    char h[67];
    base_req(&r);
    r.exchange = PMC_EXCH_V2_NEGRISK;
    r.token_id = TOKEN_B;
    r.amt.side = PMC_SELL;
    r.amt.price = dec("0.42");
    r.amt.size = dec("25");
    r.order_type = PMC_TIF_GTD;
    r.expiration = 1767229200;
    r.sig_type = PMC_SIG_POLY_GNOSIS_SAFE;
    r.has_maker = true;
    memset(r.maker, 0x11, 20);
    r.salt = 987654321012ULL;
    r.timestamp_ms = 1767225601234ULL;
    sign_ok(&r, &o);
    assert_string_equal(o.body, BODY_B);
    hexs(o.struct_hash, 32, h);
    assert_string_equal(h, "0xd37a8de7bd3ca01d7d8d98c2e61fff754d3d30e90b29d900e"
                           "30d11d79bb63402");
    hexs(o.digest, 32, h);
    assert_string_equal(h, "0x90ffcd87cb998c5d2499da2eb89a69ddce56743b07122fb94"
                           "590fe9f3a118be2");
}

static void test_vector_c(void **state)
{
    (void)state;
    struct pmc_order_req r;
    struct pmc_signed_order o;
    char h[67];
    base_req(&r);
    r.exchange = PMC_EXCH_V3;
    r.amt = (struct pmc_amount_req){PMC_ORDER_MARKET, PMC_BUY,      dec("0.3"),
                                    dec("1"),         tick("0.01"), dec("5")};
    r.order_type = PMC_TIF_FOK;
    r.sig_type = PMC_SIG_POLY_PROXY;
    r.has_maker = true;
    memset(r.maker, 0x22, 20);
    r.salt = 42;
    r.timestamp_ms = 1767225602000ULL;
    r.builder[31] = 0xab;
    sign_ok(&r, &o);
    assert_string_equal(o.body, BODY_C);
    hexs(o.struct_hash, 32, h);
    assert_string_equal(h, "0xc19a67176fd1638a3e77877da7b272fafe9926841febc56ae"
                           "3771eb5d4ffe16d");
    hexs(o.digest, 32, h);
    assert_string_equal(h, "0x43adb685146a3d7822d8ced602e32f33977fd580da4521acb"
                           "ba3f9d529401574");
}

/* 8.3.4: the official POLY_1271 (deposit wallet) signature, 317 bytes. */
static void test_poly_1271(void **state)
{
    (void)state;
    static const char want[] =
        "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b"
        "2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1c"
        "a440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148d2"
        "3d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd838044f72"
        "6465722875696e743235362073616c742c61646472657373206d616b65722c6164"
        "6472657373207369676e65722c75696e7432353620746f6b656e49642c75696e74"
        "323536206d616b6572416d6f756e742c75696e743235362074616b6572416d6f75"
        "6e742c75696e743820736964652c75696e7438207369676e617475726554797065"
        "2c75696e743235362074696d657374616d702c62797465733332206d6574616461"
        "74612c62797465733332206275696c6465722900ba";
    struct pmc_order_v2 o;
    uint8_t sh[32], dg[32], sig[PMC_ORDER_SIG_MAX];
    size_t n = 0;
    char got[2 * PMC_ORDER_SIG_MAX + 3];
    memset(&o, 0, sizeof(o));
    o.salt = 479249096354ULL;
    memset(o.maker, 0x11, 20);
    memset(o.signer, 0x11, 20);
    assert_int_equal(pmc_u256_parse_dec("1234", 4, o.token_id), PMC_OK);
    o.maker_amount = 100000000;
    o.taker_amount = 50000000;
    o.side = PMC_BUY;
    o.sig_type = PMC_SIG_POLY_1271;
    o.timestamp_ms = 1710000000000ULL;
    assert_int_equal(
        pmc_order_v2_sign(S, PMC_EXCH_V2, 80002, &o, sh, dg, sig, &n), PMC_OK);
    assert_int_equal(n, 317);
    hexs(sig, n, got);
    assert_string_equal(got, want);
    /* maker != signer is refused for POLY_1271 */
    o.signer[0] = 0x12;
    assert_int_equal(
        pmc_order_v2_sign(S, PMC_EXCH_V2, 80002, &o, sh, dg, sig, &n),
        PMC_EUSAGE);
}

/* The request path for sigType 3 sets signer = maker and emits the wrapped
 * signature in the body. */
static void test_poly_1271_request(void **state)
{
    (void)state;
    struct pmc_order_req r;
    struct pmc_signed_order o;
    base_req(&r);
    r.sig_type = PMC_SIG_POLY_1271;
    r.has_maker = true;
    memset(r.maker, 0x33, 20);
    sign_ok(&r, &o);
    assert_int_equal(o.sig_len, 317);
    assert_memory_equal(o.order.signer, r.maker, 20);
    assert_non_null(strstr(o.body, "\"signer\":\"0x33333333333333333333333333"
                                   "33333333333333\""));
    assert_non_null(strstr(o.body, "\"signatureType\":3,"));
    /* signature = 0x + 634 hex digits */
    const char *sig = strstr(o.body, "\"signature\":\"0x");
    assert_non_null(sig);
    sig += strlen("\"signature\":\"0x");
    assert_int_equal(strchr(sig, '"') - sig, 634);
}

static void expect_fail(const struct pmc_order_req *r, enum pmc_err want,
                        const char *needle)
{
    struct pmc_signed_order o;
    char why[256] = "";
    assert_int_equal(pmc_order_sign(S, r, &o, why, sizeof(why)), want);
    print_message("why: %s\n", why);
    assert_non_null(strstr(why, needle));
    assert_null(strstr(why, "ac0974bec39a17e36ba4a6b4d238ff944bacb478"));
}

static void test_request_errors(void **state)
{
    (void)state;
    struct pmc_order_req r;

    base_req(&r);
    r.amt.price = dec("0.555");
    expect_fail(&r, PMC_ERANGE, "not on the 0.01 tick grid");

    base_req(&r);
    r.amt.size = dec("4.99");
    expect_fail(&r, PMC_ERANGE, "minimum order size 5");

    base_req(&r);
    r.exchange = PMC_EXCH_V1;
    expect_fail(&r, PMC_ENOTSUP, "V1");

    base_req(&r);
    r.chain_id = 1;
    expect_fail(&r, PMC_ENOTSUP, "chain_id 1");

    base_req(&r);
    r.order_type = PMC_TIF_GTD;
    expect_fail(&r, PMC_EUSAGE, "expiration is required");

    base_req(&r);
    r.expiration = 5;
    expect_fail(&r, PMC_EUSAGE, "only allowed with order_type GTD");

    base_req(&r);
    r.amt.kind = PMC_ORDER_MARKET;
    expect_fail(&r, PMC_EUSAGE, "must be FOK or FAK");

    base_req(&r);
    r.order_type = PMC_TIF_FAK;
    r.post_only = true;
    expect_fail(&r, PMC_EUSAGE, "post_only");

    base_req(&r);
    r.salt = PMC_SALT_MAX + 1;
    expect_fail(&r, PMC_ERANGE, "2^53");

    base_req(&r);
    r.owner = "bad\"owner";
    expect_fail(&r, PMC_EPARSE, "owner");

    base_req(&r);
    r.token_id = "12x";
    expect_fail(&r, PMC_EPARSE, "token_id '12x'");

    base_req(&r);
    r.sig_type = PMC_SIG_POLY_PROXY;
    expect_fail(&r, PMC_EUSAGE, "maker (the proxy wallet address)");

    base_req(&r);
    r.sig_type = 4;
    expect_fail(&r, PMC_EUSAGE, "signature_type 4");

    base_req(&r);
    r.has_maker = true;
    memset(r.maker, 0x44, 20);
    expect_fail(&r, PMC_EUSAGE, "maker must equal the signer");
}

static void test_body_flags(void **state)
{
    (void)state;
    struct pmc_order_req r;
    struct pmc_signed_order o;
    base_req(&r);
    r.post_only = true;
    r.defer_exec = true;
    sign_ok(&r, &o);
    assert_true(strncmp(o.body, "{\"deferExec\":true,\"postOnly\":true,", 34) ==
                0);
    /* too small a buffer is reported, not truncated silently */
    char small[100];
    size_t n = 0;
    assert_int_equal(pmc_order_body(&o.order, o.sig, o.sig_len, 0, PMC_TIF_GTC,
                                    OWNER, false, false, small, sizeof(small),
                                    &n),
                     PMC_EFULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_a),
        cmocka_unit_test(test_vector_b),
        cmocka_unit_test(test_vector_c),
        cmocka_unit_test(test_poly_1271),
        cmocka_unit_test(test_poly_1271_request),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_body_flags),
    };
    return cmocka_run_group_tests_name("order_sign", tests, setup, teardown);
}
