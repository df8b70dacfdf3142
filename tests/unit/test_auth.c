/* tests/unit/test_auth.c - L1 ClobAuth (reference 8.4) and L2 HMAC
 * (reference 8.5 and the POST /order HMACs of 8.3) byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/sign/auth.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/sign/sha256.h"

#include "proto/sign/signer.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define EOA "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define ZERO_SECRET "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define URL_SECRET "c2VjcmV0LWtleS1mb3ItdGVzdGluZy1vbmx5LTAxMjM0NTY3ODk_-w=="

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 + 2 * 65 + 1];
    assert_true(n <= 65);
    got[0] = '0';
    got[1] = 'x';
    pmc_hex_encode(p, n, got + 2);
    assert_string_equal(got, want);
}

static struct pmc_signer *signer(void)
{
    struct pmc_signer *s = NULL;
    assert_int_equal(pmc_signer_new(PK, strlen(PK), &s), PMC_OK);
    return s;
}

static void test_clob_auth_typehash(void **state)
{
    (void)state;
    uint8_t h[32];
    const char *t =
        "ClobAuth(address address,string timestamp,uint256 nonce,string "
        "message)";
    pmc_keccak256(t, strlen(t), h);
    assert_hex(h, 32,
               "0x52578c5c725a28a84fedc8c22aa47947822942f35b4dc350db028e"
               "45320e035c");
}

static void test_l1_official(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    uint8_t dom[32], sh[32], dg[32];
    struct pmc_l1_headers h;
    pmc_clob_auth_hash(pmc_signer_address(s), 10000000, 23, 80002, dom, sh, dg);
    assert_hex(dom, 32,
               "0xa1df8f4e3112eaee2448fbec9ab79f68278407e49d9cf52e3dd3"
               "d9692fcac9b6");
    assert_hex(sh, 32,
               "0x11100b50654a1fcdab3af4f391788034786202690bb9319db16fd"
               "3f335ef643c");
    assert_hex(dg, 32,
               "0x8f442df8073c9cf2e36d7b20ca9d64d1a9352e982cc82a293b7de"
               "2df57920610");
    assert_int_equal(pmc_auth_l1(s, 80002, 10000000, 23, &h), PMC_OK);
    assert_string_equal(
        h.signature,
        "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c168"
        "2518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b");
    assert_string_equal(h.address, EOA);
    assert_string_equal(h.timestamp, "10000000");
    assert_string_equal(h.nonce, "23");
    pmc_signer_free(s);
}

static void test_l1_polygon(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    uint8_t dom[32], sh[32], dg[32];
    struct pmc_l1_headers h;
    pmc_clob_auth_hash(pmc_signer_address(s), 1767225600, 0, 137, dom, sh, dg);
    assert_hex(dom, 32,
               "0xcfc66be2a3b30464cb3b588324101f660c9a205fa76e8e5f83ee"
               "16a528e1c4cb");
    assert_hex(sh, 32,
               "0xd903d85c70d24609a1e1e1b928fe9b6beb0456bada9ca23385421"
               "716ac7699a3");
    assert_hex(dg, 32,
               "0x5a466d8609e3d69888f14640cf1002efe07300540256b093e6065"
               "b8b5430c796");
    assert_int_equal(pmc_auth_l1(s, 137, 1767225600, 0, &h), PMC_OK);
    assert_string_equal(h.address, EOA);
    assert_string_equal(
        h.signature,
        "0x51d1afb278b170edacd84f507f65329aca671950e0a1809560dccceef366877"
        "83ab16df2d5b0000e71a7583a07fd5efa12c3a047d6d412a3b0c1e1da964d0aff1b");
    assert_string_equal(h.timestamp, "1767225600");
    assert_string_equal(h.nonce, "0");
    pmc_signer_free(s);
}

static void hmac_is(const char *secret, uint64_t ts, const char *method,
                    const char *path, const char *body, const char *want)
{
    char out[PMC_HMAC_SIG_LEN + 1];
    assert_int_equal(pmc_auth_hmac(secret, strlen(secret), ts, method, path,
                                   body, body ? strlen(body) : 0, out),
                     PMC_OK);
    assert_string_equal(out, want);
}

static void test_hmac_vectors(void **state)
{
    (void)state;
    hmac_is(ZERO_SECRET, 1000000, "test-sign", "/orders",
            "{\"hash\": \"0x123\"}",
            "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=");
    hmac_is(ZERO_SECRET, 1767225600, "GET", "/data/orders", NULL,
            "hsbnc6zm_g3USPihrCjnipW_CUBgBJEX8qPJ9oV0Ms4=");
    hmac_is(
        URL_SECRET, 1767225600, "DELETE", "/order",
        "{\"orderID\":\"0xafe9a5ad2aa2f2cc93a7fb955f056f7b399adab65fe3d035d80"
        "2d8747980a20d\"}",
        "mhzZBXQfDC0wMKQp934QEMvuspbfyo0VtUmZ7OqdAGI=");
}

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

static void test_hmac_order_bodies(void **state)
{
    (void)state;
    hmac_is(ZERO_SECRET, 1767225600, "POST", "/order", BODY_A,
            "h4AWGuoNyWQI0Su-Br5j-Yy58_3XvbeSMjLs41AuJzA=");
    hmac_is(URL_SECRET, 1767225601, "POST", "/order", BODY_B,
            "FmibI4cTBfro9d2VLLw_1ADUHctBSImHrsJ6wjCjNPE=");
    hmac_is(ZERO_SECRET, 1767225602, "POST", "/order", BODY_C,
            "G7lmxns-tHpPlAQXFPJccMW5Sox42D8Why7S-R15fW4=");
}

static void test_hmac_rules(void **state)
{
    (void)state;
    /* the query string is not signed */
    hmac_is(ZERO_SECRET, 1767225600, "GET", "/data/orders?market=0xabc&x=1",
            NULL, "hsbnc6zm_g3USPihrCjnipW_CUBgBJEX8qPJ9oV0Ms4=");
    /* an empty body is the same as none */
    hmac_is(ZERO_SECRET, 1767225600, "GET", "/data/orders", "",
            "hsbnc6zm_g3USPihrCjnipW_CUBgBJEX8qPJ9oV0Ms4=");
    /* missing padding and the standard alphabet decode to the same key */
    hmac_is("c2VjcmV0LWtleS1mb3ItdGVzdGluZy1vbmx5LTAxMjM0NTY3ODk_-w",
            1767225601, "POST", "/order", BODY_B,
            "FmibI4cTBfro9d2VLLw_1ADUHctBSImHrsJ6wjCjNPE=");
    hmac_is("c2VjcmV0LWtleS1mb3ItdGVzdGluZy1vbmx5LTAxMjM0NTY3ODk/+w==",
            1767225601, "POST", "/order", BODY_B,
            "FmibI4cTBfro9d2VLLw_1ADUHctBSImHrsJ6wjCjNPE=");
    /* a different body changes the signature */
    char out[PMC_HMAC_SIG_LEN + 1];
    assert_int_equal(pmc_auth_hmac(ZERO_SECRET, strlen(ZERO_SECRET), 1767225600,
                                   "POST", "/order", "{}", 2, out),
                     PMC_OK);
    assert_string_not_equal(out,
                            "h4AWGuoNyWQI0Su-Br5j-Yy58_3XvbeSMjLs41AuJzA=");
    assert_int_equal(strlen(out), 44);
    assert_int_equal(out[43], '=');
}

static void test_hmac_bad_secret(void **state)
{
    (void)state;
    char out[PMC_HMAC_SIG_LEN + 1];
    const char *bad[] = {"", "A", "AB!D", "ABC===", "AAAA AAAA", "=AAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(
            pmc_auth_hmac(bad[i], strlen(bad[i]), 1, "GET", "/", NULL, 0, out),
            PMC_EPARSE);
}

static void test_l2_headers(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    struct pmc_api_creds c;
    struct pmc_l2_headers h;
    memset(&c, 0, sizeof(c));
    strcpy(c.key, "00000000-0000-0000-0000-000000000000");
    strcpy(c.secret, ZERO_SECRET);
    strcpy(c.passphrase, "pass");
    assert_int_equal(pmc_auth_l2(pmc_signer_address(s), &c, 1767225600, "POST",
                                 "/order", BODY_A, strlen(BODY_A), &h),
                     PMC_OK);
    assert_string_equal(h.address, EOA);
    assert_string_equal(h.signature,
                        "h4AWGuoNyWQI0Su-Br5j-Yy58_3XvbeSMjLs41AuJzA=");
    assert_string_equal(h.timestamp, "1767225600");
    assert_string_equal(h.api_key, "00000000-0000-0000-0000-000000000000");
    assert_string_equal(h.passphrase, "pass");
    pmc_api_creds_wipe(&c);
    for (size_t i = 0; i < sizeof(c.secret); i++)
        assert_int_equal(c.secret[i], 0);
    pmc_signer_free(s);
}

/* The prepared signer (keyed once, used for many requests) gives the same
 * headers as the one-shot path, request after request, and refuses a bad
 * secret at creation. */
static void test_l2_prepared(void **state)
{
    (void)state;
    struct pmc_signer *s = signer();
    struct pmc_api_creds c;
    memset(&c, 0, sizeof(c));
    strcpy(c.key, "00000000-0000-0000-0000-000000000000");
    strcpy(c.secret, ZERO_SECRET);
    strcpy(c.passphrase, "pass");
    struct pmc_l2_auth *a;
    assert_int_equal(pmc_l2_auth_new(pmc_signer_address(s), &c, &a), PMC_OK);
    const struct {
        const char *method, *path, *body;
    } rq[] = {
        {"POST", "/order", BODY_A},
        {"GET", "/data/order/0xabc?x=1", NULL},
        {"POST", "/order", BODY_A},
        {"DELETE", "/order", "{\"orderID\":\"0x1\"}"},
        {"GET", "/", ""},
    };
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof rq / sizeof rq[0]; i++) {
            uint64_t ts = 1767225600 + (uint64_t)(k * 7 + (int)i);
            size_t bl = rq[i].body ? strlen(rq[i].body) : 0;
            struct pmc_l2_headers h1, h2;
            assert_int_equal(pmc_l2_auth_headers(a, ts, rq[i].method,
                                                 rq[i].path, rq[i].body, bl,
                                                 &h1),
                             PMC_OK);
            assert_int_equal(pmc_auth_l2(pmc_signer_address(s), &c, ts,
                                         rq[i].method, rq[i].path, rq[i].body,
                                         bl, &h2),
                             PMC_OK);
            assert_string_equal(h1.signature, h2.signature);
            assert_string_equal(h1.address, EOA);
            assert_string_equal(h1.timestamp, h2.timestamp);
            assert_ptr_equal(h1.api_key, c.key);
            assert_ptr_equal(h1.passphrase, c.passphrase);
        }
    /* the vector of test_l2_headers, after all that use */
    struct pmc_l2_headers h;
    assert_int_equal(pmc_l2_auth_headers(a, 1767225600, "POST", "/order",
                                         BODY_A, strlen(BODY_A), &h),
                     PMC_OK);
    assert_string_equal(h.signature,
                        "h4AWGuoNyWQI0Su-Br5j-Yy58_3XvbeSMjLs41AuJzA=");
    pmc_l2_auth_free(a);
    strcpy(c.secret, "not*base64");
    assert_int_equal(pmc_l2_auth_new(pmc_signer_address(s), &c, &a),
                     PMC_EPARSE);
    pmc_api_creds_wipe(&c);
    pmc_signer_free(s);
}

static void hex32(const uint8_t d[32], char out[65])
{
    pmc_hex_encode(d, 32, out);
}

/* FIPS 180-4 examples, fed whole and byte by byte. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklm"
         "nopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t d[32];
        char h[65];
        struct pmc_sha256 c;
        pmc_sha256_init(&c);
        pmc_sha256_update(&c, v[i].msg, strlen(v[i].msg));
        pmc_sha256_final(&c, d);
        hex32(d, h);
        assert_string_equal(h, v[i].hex);
        pmc_sha256_init(&c);
        for (size_t k = 0; v[i].msg[k]; k++)
            pmc_sha256_update(&c, v[i].msg + k, 1);
        pmc_sha256_final(&c, d);
        hex32(d, h);
        assert_string_equal(h, v[i].hex);
    }
    /* one million 'a', in uneven pieces */
    struct pmc_sha256 c;
    pmc_sha256_init(&c);
    char a[997];
    memset(a, 'a', sizeof a);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof a ? left : sizeof a;
        pmc_sha256_update(&c, a, n);
        left -= n;
    }
    uint8_t d[32];
    char h[65];
    pmc_sha256_final(&c, d);
    hex32(d, h);
    assert_string_equal(
        h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block). */
static void test_hmac256_rfc4231(void **state)
{
    (void)state;
    uint8_t k1[20], k6[131];
    memset(k1, 0x0b, sizeof k1);
    memset(k6, 0xaa, sizeof k6);
    static const char m6[] =
        "Test Using Larger Than Block-Size Key - Hash Key First";
    const struct {
        const void *key;
        size_t klen;
        const char *msg, *hex;
    } v[] = {
        {k1, sizeof k1, "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", 4, "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {k6, sizeof k6, m6,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct pmc_hmac256 k;
        struct pmc_sha256 m;
        uint8_t d[32];
        char h[65];
        pmc_hmac256_key(&k, v[i].key, v[i].klen);
        for (int rep = 0; rep < 2; rep++) { /* the key is reusable */
            pmc_hmac256_begin(&k, &m);
            pmc_sha256_update(&m, v[i].msg, strlen(v[i].msg));
            pmc_hmac256_end(&k, &m, d);
            hex32(d, h);
            assert_string_equal(h, v[i].hex);
        }
        pmc_hmac256_wipe(&k);
    }
}

/* Against OpenSSL's HMAC on random keys and messages of every length
 * around the block boundaries. */
static void test_hmac256_vs_openssl(void **state)
{
    (void)state;
    uint64_t x = 42;
    uint8_t key[200], msg[300];
    for (int t = 0; t < 400; t++) {
        size_t kl = (size_t)(t % 150), ml = (size_t)(t * 7 % 300);
        for (size_t i = 0; i < kl; i++)
            key[i] = (uint8_t)((x = x * 6364136223846793005ULL + 1) >> 56);
        for (size_t i = 0; i < ml; i++)
            msg[i] = (uint8_t)((x = x * 6364136223846793005ULL + 1) >> 56);
        uint8_t want[32], got[32];
        unsigned int wl = 0;
        assert_non_null(HMAC(EVP_sha256(), key, (int)kl, msg, ml, want, &wl));
        assert_int_equal(wl, 32);
        struct pmc_hmac256 k;
        struct pmc_sha256 m;
        pmc_hmac256_key(&k, key, kl);
        pmc_hmac256_begin(&k, &m);
        size_t cut = ml / 3; /* in two pieces */
        pmc_sha256_update(&m, msg, cut);
        pmc_sha256_update(&m, msg + cut, ml - cut);
        pmc_hmac256_end(&k, &m, got);
        assert_memory_equal(got, want, 32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clob_auth_typehash),
        cmocka_unit_test(test_l1_official),
        cmocka_unit_test(test_l1_polygon),
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_hmac_order_bodies),
        cmocka_unit_test(test_hmac_rules),
        cmocka_unit_test(test_hmac_bad_secret),
        cmocka_unit_test(test_l2_headers),
        cmocka_unit_test(test_l2_prepared),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac256_rfc4231),
        cmocka_unit_test(test_hmac256_vs_openssl),
    };
    /* every test twice: with the block function the CPU selects (the SHA
     * extensions where present) and with the portable one */
    int accel = pmc_sha256_accel(1);
    printf("sha256: %s block function selected\n",
           accel ? "SHA extensions" : "portable");
    int rc = cmocka_run_group_tests_name("auth", tests, NULL, NULL);
    if (accel) {
        pmc_sha256_accel(0);
        rc |= cmocka_run_group_tests_name("auth (portable SHA-256)", tests,
                                          NULL, NULL);
        pmc_sha256_accel(1);
    }
    return rc;
}
