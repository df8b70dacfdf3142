/* proto/sign/keccak.c - Keccak-256 (Ethereum flavour, 0x01 padding).
 *
 * The permutation keeps the 25 lanes in locals and runs two rounds per
 * loop pass, ping-ponging between the a* and e* register sets, so the
 * compiler can keep most lanes in registers. The round body below is the
 * straight-line expansion of theta, rho+pi and chi for one round (rho
 * offsets and the lane permutation as in the Keccak reference); iota is
 * the final xor of the round constant. Must never be used where SHA3-256
 * is meant: the padding differs. */
#include "proto/sign/keccak.h"

#include <string.h>

#define ROL(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROUND(S, T, rc)                                                        \
    do {                                                                       \
        c0 = S##0 ^ S##5 ^ S##10 ^ S##15 ^ S##20;                              \
        c1 = S##1 ^ S##6 ^ S##11 ^ S##16 ^ S##21;                              \
        c2 = S##2 ^ S##7 ^ S##12 ^ S##17 ^ S##22;                              \
        c3 = S##3 ^ S##8 ^ S##13 ^ S##18 ^ S##23;                              \
        c4 = S##4 ^ S##9 ^ S##14 ^ S##19 ^ S##24;                              \
        d0 = c4 ^ ROL(c1, 1);                                                  \
        d1 = c0 ^ ROL(c2, 1);                                                  \
        d2 = c1 ^ ROL(c3, 1);                                                  \
        d3 = c2 ^ ROL(c4, 1);                                                  \
        d4 = c3 ^ ROL(c0, 1);                                                  \
        b0 = S##0 ^ d0;                                                        \
        b1 = ROL(S##6 ^ d1, 44);                                               \
        b2 = ROL(S##12 ^ d2, 43);                                              \
        b3 = ROL(S##18 ^ d3, 21);                                              \
        b4 = ROL(S##24 ^ d4, 14);                                              \
        T##0 = b0 ^ (~b1 & b2);                                                \
        T##1 = b1 ^ (~b2 & b3);                                                \
        T##2 = b2 ^ (~b3 & b4);                                                \
        T##3 = b3 ^ (~b4 & b0);                                                \
        T##4 = b4 ^ (~b0 & b1);                                                \
        b0 = ROL(S##3 ^ d3, 28);                                               \
        b1 = ROL(S##9 ^ d4, 20);                                               \
        b2 = ROL(S##10 ^ d0, 3);                                               \
        b3 = ROL(S##16 ^ d1, 45);                                              \
        b4 = ROL(S##22 ^ d2, 61);                                              \
        T##5 = b0 ^ (~b1 & b2);                                                \
        T##6 = b1 ^ (~b2 & b3);                                                \
        T##7 = b2 ^ (~b3 & b4);                                                \
        T##8 = b3 ^ (~b4 & b0);                                                \
        T##9 = b4 ^ (~b0 & b1);                                                \
        b0 = ROL(S##1 ^ d1, 1);                                                \
        b1 = ROL(S##7 ^ d2, 6);                                                \
        b2 = ROL(S##13 ^ d3, 25);                                              \
        b3 = ROL(S##19 ^ d4, 8);                                               \
        b4 = ROL(S##20 ^ d0, 18);                                              \
        T##10 = b0 ^ (~b1 & b2);                                               \
        T##11 = b1 ^ (~b2 & b3);                                               \
        T##12 = b2 ^ (~b3 & b4);                                               \
        T##13 = b3 ^ (~b4 & b0);                                               \
        T##14 = b4 ^ (~b0 & b1);                                               \
        b0 = ROL(S##4 ^ d4, 27);                                               \
        b1 = ROL(S##5 ^ d0, 36);                                               \
        b2 = ROL(S##11 ^ d1, 10);                                              \
        b3 = ROL(S##17 ^ d2, 15);                                              \
        b4 = ROL(S##23 ^ d3, 56);                                              \
        T##15 = b0 ^ (~b1 & b2);                                               \
        T##16 = b1 ^ (~b2 & b3);                                               \
        T##17 = b2 ^ (~b3 & b4);                                               \
        T##18 = b3 ^ (~b4 & b0);                                               \
        T##19 = b4 ^ (~b0 & b1);                                               \
        b0 = ROL(S##2 ^ d2, 62);                                               \
        b1 = ROL(S##8 ^ d3, 55);                                               \
        b2 = ROL(S##14 ^ d4, 39);                                              \
        b3 = ROL(S##15 ^ d0, 41);                                              \
        b4 = ROL(S##21 ^ d1, 2);                                               \
        T##20 = b0 ^ (~b1 & b2);                                               \
        T##21 = b1 ^ (~b2 & b3);                                               \
        T##22 = b2 ^ (~b3 & b4);                                               \
        T##23 = b3 ^ (~b4 & b0);                                               \
        T##24 = b4 ^ (~b0 & b1);                                               \
        T##0 ^= (rc);                                                          \
    } while (0)

void pmc_keccak_f1600(uint64_t s[25])
{
    uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4];
    uint64_t a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8], a9 = s[9];
    uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
    uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
    uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
    uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12;
    uint64_t e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
    uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

    for (int i = 0; i < 24; i += 2) {
        ROUND(a, e, RC[i]);
        ROUND(e, a, RC[i + 1]);
    }

    s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4;
    s[5] = a5, s[6] = a6, s[7] = a7, s[8] = a8, s[9] = a9;
    s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14;
    s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19;
    s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

/* Lanes are little-endian. On a little-endian host the xor-in is a plain
 * 8-byte load; the generic path assembles bytes. */
static inline uint64_t load64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
#endif
}

static inline void xor_byte(uint64_t *s, size_t i, uint8_t b)
{
    s[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

static void absorb_block(uint64_t *s, const uint8_t *p)
{
    for (size_t i = 0; i < PMC_KECCAK256_RATE / 8; i++)
        s[i] ^= load64(p + 8 * i);
    pmc_keccak_f1600(s);
}

void pmc_keccak_init(struct pmc_keccak *k)
{
    memset(k, 0, sizeof(*k));
}

void pmc_keccak_update(struct pmc_keccak *k, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (k->pos) {
        while (n && k->pos < PMC_KECCAK256_RATE) {
            xor_byte(k->s, k->pos++, *p++);
            n--;
        }
        if (k->pos < PMC_KECCAK256_RATE)
            return;
        pmc_keccak_f1600(k->s);
        k->pos = 0;
    }
    for (; n >= PMC_KECCAK256_RATE; n -= PMC_KECCAK256_RATE) {
        absorb_block(k->s, p);
        p += PMC_KECCAK256_RATE;
    }
    for (size_t i = 0; i < n; i++)
        xor_byte(k->s, i, p[i]);
    k->pos = n;
}

void pmc_keccak_final(struct pmc_keccak *k, uint8_t out[PMC_KECCAK256_LEN])
{
    xor_byte(k->s, k->pos, 0x01); /* Keccak padding, not SHA-3's 0x06 */
    xor_byte(k->s, PMC_KECCAK256_RATE - 1, 0x80);
    pmc_keccak_f1600(k->s);
    for (size_t i = 0; i < PMC_KECCAK256_LEN; i++)
        out[i] = (uint8_t)(k->s[i / 8] >> (8 * (i % 8)));
}

void pmc_keccak256(const void *p, size_t n, uint8_t out[PMC_KECCAK256_LEN])
{
    struct pmc_keccak k;
    pmc_keccak_init(&k);
    pmc_keccak_update(&k, p, n);
    pmc_keccak_final(&k, out);
}
