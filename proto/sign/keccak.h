/* proto/sign/keccak.h - Keccak-256 as Ethereum uses it.
 *
 * This is the original Keccak submission with the 0x01 domain padding
 * (rate 136 bytes, 32-byte output), NOT FIPS 202 SHA3-256 (padding 0x06):
 * the two give different digests for every input. Pure: no I/O, no
 * allocation, no global state; safe to call from any thread. */
#ifndef PMC_KECCAK_H
#define PMC_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define PMC_KECCAK256_LEN 32
#define PMC_KECCAK256_RATE 136

/* Incremental hashing state. Caller-owned; no cleanup needed. */
struct pmc_keccak {
    uint64_t s[25];
    size_t pos; /* bytes absorbed into the current block, < RATE */
};

void pmc_keccak_init(struct pmc_keccak *k);
/* Absorb n bytes of p (p may be NULL when n == 0). */
void pmc_keccak_update(struct pmc_keccak *k, const void *p, size_t n);
/* Pad, squeeze 32 bytes into out, and leave k unusable until re-init. */
void pmc_keccak_final(struct pmc_keccak *k, uint8_t out[PMC_KECCAK256_LEN]);

/* One-shot Keccak-256 of n bytes of p into out (32 bytes). */
void pmc_keccak256(const void *p, size_t n, uint8_t out[PMC_KECCAK256_LEN]);

/* The Keccak-f[1600] permutation on 25 little-endian lanes (exposed for
 * tests and benchmarks). */
void pmc_keccak_f1600(uint64_t s[25]);

#endif
