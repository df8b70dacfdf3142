/* proto/sign/sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104)
 * for the L2 request signature on the order path.
 *
 * Small and allocation-free so that signing a request right after the loop
 * wakes costs a few compressions, not a walk through a provider library
 * with cold caches. A prepared HMAC key holds the inner and outer states
 * after the padded key block: each message then costs its own blocks plus
 * one. Checked against the FIPS and RFC 4231 vectors and against OpenSSL
 * in tests/unit/test_auth.c. */
#ifndef PMC_SIGN_SHA256_H
#define PMC_SIGN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pmc_sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes absorbed */
    uint8_t buf[64];
    size_t nbuf;
};

/* The block function is chosen once, at load: the x86 SHA extensions when
 * the CPU has them, portable C otherwise. pmc_sha256_accel(0) forces the
 * portable one and (1) restores the choice (for tests and benchmarks; not
 * while another thread hashes). Returns 1 when the extensions are in use. */
int pmc_sha256_accel(int on);

void pmc_sha256_init(struct pmc_sha256 *c);
void pmc_sha256_update(struct pmc_sha256 *c, const void *p, size_t n);
void pmc_sha256_final(struct pmc_sha256 *c, uint8_t out[32]);

/* HMAC-SHA256 with the key schedule done once. Holds key-derived state:
 * wipe it (pmc_hmac256_wipe) when done. */
struct pmc_hmac256 {
    struct pmc_sha256 inner, outer; /* after key ^ ipad, key ^ opad */
};

void pmc_hmac256_key(struct pmc_hmac256 *k, const void *key, size_t n);
/* Start a message: m continues from k's inner state. */
void pmc_hmac256_begin(const struct pmc_hmac256 *k, struct pmc_sha256 *m);
void pmc_hmac256_end(const struct pmc_hmac256 *k, struct pmc_sha256 *m,
                     uint8_t out[32]);
void pmc_hmac256_wipe(struct pmc_hmac256 *k);

#endif
