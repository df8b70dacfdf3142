/* tests/unit/test_keccak.c - Keccak-256 against the protocol reference
 * 8.1 vectors, plus block-boundary and incremental-update checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"

static void hex32(const uint8_t h[32], char out[67])
{
    out[0] = '0';
    out[1] = 'x';
    pmc_hex_encode(h, 32, out + 2);
}

static void check(const char *in, const char *want)
{
    uint8_t h[32];
    char got[67];
    pmc_keccak256(in, strlen(in), h);
    hex32(h, got);
    assert_string_equal(got, want);
}

static void test_vectors(void **state)
{
    (void)state;
    check("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85"
              "a470");
    check("OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,"
          "uint256,bytes32,bytes32)",
          "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84"
          "d8ee");
    check("OrderFilled(bytes32,address,address,uint256,uint256,uint256,"
          "uint256,uint256)",
          "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfe"
          "c0f6");
    check("OrdersMatched(bytes32,address,uint8,uint256,uint256,uint256)",
          "0x174b3811690657c217184f89418266767c87e4805d09680c39fc9c031c0c"
          "ab7c");
    check("OrdersMatched(bytes32,address,uint256,uint256,uint256,uint256)",
          "0x63bf4d16b7fa898ef4c4b2b6d90fd201e9c56313b65638af6088d149d2ce"
          "956c");
    check("TransferSingle(address,address,address,uint256,uint256)",
          "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d"
          "0f62");
    check("Transfer(address,address,uint256)",
          "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523"
          "b3ef");
    check("EIP712Domain(string name,string version,uint256 chainId,address "
          "verifyingContract)",
          "0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39"
          "400f");
    check("Order(uint256 salt,address maker,address signer,uint256 tokenId,"
          "uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 "
          "signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)",
          "0xbb86318a2138f5fa8ae32fbe8e659f8fcf13cc6ae4014a70789305543381"
          "8589");
    check("Order(uint256 salt,address maker,address signer,address taker,"
          "uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 "
          "expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 "
          "signatureType)",
          "0xa852566c4e14d00869b6db0220888a9090a13eccdaea03713ff0a3d27bf9"
          "767c");
    check("ClobAuth(address address,string timestamp,uint256 nonce,string "
          "message)",
          "0x52578c5c725a28a84fedc8c22aa47947822942f35b4dc350db028e45320e"
          "035c");
    check("Polymarket CTF Exchange",
          "0xf30041e9aac4c4d3a1481d2941dfb0a844a72040e9bbc79a810d1ec5b5d6"
          "c7af");
    check("1", "0xc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f29"
               "8b8bc6");
    check("2", "0xad7c5bef027816a800da1736444fb58a807ef4c9603b7848673f7e3a68"
               "eb14a5");
    check("3", "0x2a80e1ef1d7842f27f2e6be0972bb708b9a135c38860dbe73c27c3486c"
               "34f4de");
    check("ClobAuthDomain", "0x64feabfd0e91bed17f4270585553ca8456298e8f507363"
                            "a4b725be4e4da29810");
    check("This message attests that I control the given wallet",
          "0x474924bb27022542020023b4a52fb834ca5e3dd70b9a4d7e7fe9ca13228c"
          "bda3");
}

/* Not SHA3-256: the empty-string SHA3-256 digest must not come out. */
static void test_not_sha3(void **state)
{
    (void)state;
    uint8_t h[32];
    char got[67];
    pmc_keccak256("", 0, h);
    hex32(h, got);
    assert_string_not_equal(got, "0xa7ffc6f8bf1ed76651c14756a061d662f580ff4de4"
                                 "3b49fa82d80a4b80f8434a");
}

/* Incremental absorption in every split gives the one-shot digest, across
 * the 136-byte rate boundary (135, 136, 137 and multi-block lengths). */
static void test_incremental(void **state)
{
    (void)state;
    uint8_t msg[3 * 136 + 7];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    const size_t lens[] = {0, 1, 135, 136, 137, 271, 272, 273, sizeof(msg)};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        size_t n = lens[li];
        uint8_t one[32];
        pmc_keccak256(msg, n, one);
        for (size_t cut = 0; cut <= n; cut += (n < 20 ? 1 : 17)) {
            struct pmc_keccak k;
            uint8_t two[32];
            pmc_keccak_init(&k);
            pmc_keccak_update(&k, msg, cut);
            pmc_keccak_update(&k, msg + cut, n - cut);
            pmc_keccak_final(&k, two);
            assert_memory_equal(one, two, 32);
        }
        /* byte at a time */
        struct pmc_keccak k;
        uint8_t three[32];
        pmc_keccak_init(&k);
        for (size_t i = 0; i < n; i++)
            pmc_keccak_update(&k, msg + i, 1);
        pmc_keccak_final(&k, three);
        assert_memory_equal(one, three, 32);
    }
}

/* A plain sponge over pmc_keccak_f1600 with a chosen padding byte: with
 * 0x06 it is SHA3-256, which OpenSSL computes independently; with 0x01 it
 * must equal pmc_keccak256. This checks the permutation on multi-block
 * inputs against a second implementation. */
static void sponge(const uint8_t *p, size_t n, uint8_t pad, uint8_t out[32])
{
    uint64_t s[25] = {0};
    uint8_t block[136];
    for (;;) {
        size_t k = n < 136 ? n : 136;
        memset(block, 0, sizeof(block));
        memcpy(block, p, k);
        if (k < 136) {
            block[k] ^= pad;
            block[135] ^= 0x80;
        }
        for (size_t i = 0; i < 17; i++) {
            uint64_t lane = 0;
            for (int j = 7; j >= 0; j--)
                lane = (lane << 8) | block[8 * i + (size_t)j];
            s[i] ^= lane;
        }
        pmc_keccak_f1600(s);
        if (k < 136)
            break;
        p += 136;
        n -= 136;
    }
    for (size_t i = 0; i < 32; i++)
        out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

static void test_permutation_vs_openssl(void **state)
{
    (void)state;
    uint8_t msg[1000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(msg); i++) {
        x = x * 1103515245u + 12345u;
        msg[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof(msg); n += 37) {
        uint8_t mine[32], ref[32], kec[32];
        unsigned int rl = 0;
        sponge(msg, n, 0x06, mine);
        assert_int_equal(EVP_Digest(msg, n, ref, &rl, EVP_sha3_256(), NULL), 1);
        assert_int_equal(rl, 32);
        assert_memory_equal(mine, ref, 32);
        sponge(msg, n, 0x01, mine);
        pmc_keccak256(msg, n, kec);
        assert_memory_equal(mine, kec, 32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_not_sha3),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_permutation_vs_openssl),
    };
    return cmocka_run_group_tests_name("keccak", tests, NULL, NULL);
}
