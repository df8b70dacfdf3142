/* proto/sign/sha256.c - SHA-256 and HMAC-SHA256 (see sha256.h). */
#include "proto/sign/sha256.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress_c(uint32_t h[8], const uint8_t b[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
             g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = bb;
        bb = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

#ifdef HAVE_SHA_NI
/* The x86 SHA extensions: four rounds per pair of sha256rnds2, the message
 * schedule with sha256msg1/msg2. The state is kept as ABEF / CDGH. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[8], const uint8_t b[64])
{
    const __m128i bswap =
        _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);
    t = _mm_shuffle_epi32(t, 0xB1);         /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);       /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8); /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);      /* CDGH */
    const __m128i abef = s0, cdgh = s1;
    __m128i w[4];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) {
        __m128i m;
        if (i < 4) {
            m = _mm_loadu_si128((const __m128i *)(b + 16 * i));
            m = _mm_shuffle_epi8(m, bswap);
        } else {
            /* W[t-16] + s0(W[t-15]) + W[t-7], then + s1(W[t-2]) */
            m = _mm_sha256msg1_epu32(w[i % 4], w[(i + 1) % 4]);
            m = _mm_add_epi32(
                m, _mm_alignr_epi8(w[(i + 3) % 4], w[(i + 2) % 4], 4));
            m = _mm_sha256msg2_epu32(m, w[(i + 3) % 4]);
        }
        w[i % 4] = m;
        m = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
        s1 = _mm_sha256rnds2_epu32(s1, s0, m);
        m = _mm_shuffle_epi32(m, 0x0E);
        s0 = _mm_sha256rnds2_epu32(s0, s1, m);
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
    t = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);  /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0); /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

static int cpu_has_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) ||
        !(c & bit_SSSE3))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1; /* CPUID.7.0:EBX.SHA */
}
#endif

static void (*compress)(uint32_t h[8], const uint8_t b[64]) = compress_c;

__attribute__((constructor)) static void sha256_select(void)
{
#ifdef HAVE_SHA_NI
    if (cpu_has_sha_ni())
        compress = compress_ni;
#endif
}

int pmc_sha256_accel(int on)
{
    compress = compress_c;
#ifdef HAVE_SHA_NI
    if (on && cpu_has_sha_ni())
        compress = compress_ni;
#endif
    return compress != compress_c;
}

void pmc_sha256_init(struct pmc_sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->len = 0;
    c->nbuf = 0;
}

void pmc_sha256_update(struct pmc_sha256 *c, const void *p, size_t n)
{
    const uint8_t *s = p;
    c->len += n;
    if (c->nbuf) {
        size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
        memcpy(c->buf + c->nbuf, s, k);
        c->nbuf += k;
        s += k;
        n -= k;
        if (c->nbuf < 64)
            return;
        compress(c->h, c->buf);
        c->nbuf = 0;
    }
    for (; n >= 64; s += 64, n -= 64)
        compress(c->h, s);
    memcpy(c->buf, s, n);
    c->nbuf = n;
}

void pmc_sha256_final(struct pmc_sha256 *c, uint8_t out[32])
{
    uint64_t bits = c->len * 8;
    uint8_t pad[72] = {0x80};
    size_t npad = (c->nbuf < 56 ? 56 : 120) - c->nbuf;
    for (int i = 0; i < 8; i++)
        pad[npad + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    pmc_sha256_update(c, pad, npad + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void pmc_hmac256_key(struct pmc_hmac256 *k, const void *key, size_t n)
{
    uint8_t kb[64], pad[64];
    memset(kb, 0, sizeof kb);
    if (n > 64) { /* a long key is hashed first */
        struct pmc_sha256 t;
        pmc_sha256_init(&t);
        pmc_sha256_update(&t, key, n);
        pmc_sha256_final(&t, kb);
        explicit_bzero(&t, sizeof t);
    } else if (n) {
        memcpy(kb, key, n);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x36;
    pmc_sha256_init(&k->inner);
    pmc_sha256_update(&k->inner, pad, 64);
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x5c;
    pmc_sha256_init(&k->outer);
    pmc_sha256_update(&k->outer, pad, 64);
    explicit_bzero(kb, sizeof kb);
    explicit_bzero(pad, sizeof pad);
}

void pmc_hmac256_begin(const struct pmc_hmac256 *k, struct pmc_sha256 *m)
{
    *m = k->inner;
}

void pmc_hmac256_end(const struct pmc_hmac256 *k, struct pmc_sha256 *m,
                     uint8_t out[32])
{
    uint8_t ih[32];
    pmc_sha256_final(m, ih);
    struct pmc_sha256 o = k->outer;
    pmc_sha256_update(&o, ih, 32);
    pmc_sha256_final(&o, out);
    explicit_bzero(ih, sizeof ih);
    explicit_bzero(&o, sizeof o);
    explicit_bzero(m, sizeof *m);
}

void pmc_hmac256_wipe(struct pmc_hmac256 *k)
{
    explicit_bzero(k, sizeof *k);
}
