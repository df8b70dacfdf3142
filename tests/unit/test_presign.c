/* tests/unit/test_presign.c - the executor's presignature pool
 * (live/exec/presign.h): its thread keeps the pool full, signatures taken
 * from it are valid, fresh and counted, an empty pool or an unusable digest
 * falls back to RFC 6979, and stopping it leaves the signer deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "live/exec/presign.h"
#include "proto/sign/keccak.h"
#include "proto/sign/signer.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

static struct pmc_signer *signer(void)
{
    struct pmc_signer *s = NULL;
    assert_int_equal(pmc_signer_new(PK, strlen(PK), &s), PMC_OK);
    return s;
}

/* Presigned signatures (nonce pool): valid, low-s, recoverable to the
 * signer, not the RFC 6979 ones (so the pool was used); an empty pool and a
 * digest >= n fall back to RFC 6979 byte for byte. */
static void wait_ready(const struct pmc_presign *p, uint32_t want)
{
    struct pmc_presign_stats st;
    for (int i = 0; i < 2000; i++) {
        pmc_presign_stats(p, &st);
        if (st.ready >= want)
            return;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("presignature pool never filled (%u of %u)", st.ready, want);
}

static void test_presign(void **state)
{
    (void)state;
    static const uint8_t half[32] = {
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
        0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};
    struct pmc_signer *s = signer(), *det = signer();
    struct pmc_presign *p = NULL;
    struct pmc_presign_stats st;
    pmc_presign_stats(NULL, &st);
    assert_int_equal(st.cap, 0);
    assert_int_equal(pmc_presign_start(s, 1, &p), PMC_EUSAGE);
    assert_int_equal(pmc_presign_start(s, PMC_PRESIGN_MAX + 1, &p), PMC_EUSAGE);
    assert_null(p);
    assert_int_equal(pmc_presign_start(s, 16, &p), PMC_OK);
    int seen27 = 0, seen28 = 0, pooled = 0;
    uint8_t prev_r[32] = {0};
    for (uint32_t round = 0; round < 20; round++) {
        wait_ready(p, 16);
        for (uint32_t i = 0; i < 16; i++) {
            uint32_t n = round * 16 + i;
            uint8_t d[32], sig[65], ref[65], rec[20];
            pmc_keccak256(&n, sizeof(n), d);
            assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
            assert_int_equal(pmc_signer_sign(det, d, ref), PMC_OK);
            assert_true(memcmp(sig + 32, half, 32) <= 0);
            assert_true(sig[64] == 27 || sig[64] == 28);
            seen27 |= sig[64] == 27;
            seen28 |= sig[64] == 28;
            assert_int_equal(pmc_signer_recover(s, d, sig, rec), PMC_OK);
            assert_memory_equal(rec, pmc_signer_address(s), 20);
            pooled += memcmp(sig, ref, 65) != 0;
            assert_memory_not_equal(sig, prev_r, 32); /* fresh nonces */
            memcpy(prev_r, sig, 32);
        }
    }
    pmc_presign_stats(p, &st);
    assert_int_equal(st.cap, 16);
    assert_int_equal(st.used + st.fallback, 320);
    assert_int_equal(st.used, (uint64_t)pooled); /* waited: never empty */
    assert_true(st.used >= 320 - 16);
    assert_true(st.made >= st.used);
    assert_true(seen27 && seen28);

    /* one signature taken from a full pool is replaced on its own, soon
     * (the pool is topped up, not refilled only once half empty) */
    {
        wait_ready(p, 16);
        uint8_t d[32] = {1}, one[65];
        assert_int_equal(pmc_signer_sign(s, d, one), PMC_OK);
        pmc_presign_stats(p, &st);
        uint64_t made = st.made;
        wait_ready(p, 16);
        pmc_presign_stats(p, &st);
        assert_true(st.made > made);
    }

    /* a digest >= n cannot use a presignature: the RFC 6979 signature */
    uint8_t big[32], sig[65], ref[65];
    memset(big, 0xff, sizeof big);
    wait_ready(p, 1);
    assert_int_equal(pmc_signer_sign(s, big, sig), PMC_OK);
    assert_int_equal(pmc_signer_sign(det, big, ref), PMC_OK);
    assert_memory_equal(sig, ref, 65);

    /* drained faster than refilled: every signature still valid */
    for (uint32_t n = 1000; n < 1200; n++) {
        uint8_t d[32], rec[20];
        pmc_keccak256(&n, sizeof(n), d);
        assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
        assert_int_equal(pmc_signer_recover(s, d, sig, rec), PMC_OK);
        assert_memory_equal(rec, pmc_signer_address(s), 20);
    }
    /* drained again and stopped mid-refill; then the signer is RFC 6979 */
    for (uint32_t n = 2000; n < 2040; n++) {
        uint8_t d[32];
        pmc_keccak256(&n, sizeof(n), d);
        assert_int_equal(pmc_signer_sign(s, d, sig), PMC_OK);
    }
    pmc_presign_stop(p);
    uint8_t d1[32] = {5};
    assert_int_equal(pmc_signer_sign(s, d1, sig), PMC_OK);
    assert_int_equal(pmc_signer_sign(det, d1, ref), PMC_OK);
    assert_memory_equal(sig, ref, 65);
    pmc_presign_stop(NULL);
    pmc_signer_free(s);
    pmc_signer_free(det);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presign),
    };
    return cmocka_run_group_tests_name("presign", tests, NULL, NULL);
}
