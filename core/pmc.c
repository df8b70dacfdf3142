/* core/pmc.c - error strings, hashing and symbols. Pure. */
#include "pmc.h"

static const char *const err_text[] = {
#define PMC_ERR_TEXT(name, text) text,
    PMC_ERR_LIST(PMC_ERR_TEXT)
#undef PMC_ERR_TEXT
};

const char *pmc_strerror(enum pmc_err e)
{
    if ((unsigned)e >= PMC_ARRAY_LEN(err_text))
        return "unknown error";
    return err_text[e];
}

/* Little-endian 64-bit load, the same on every machine. */
static inline uint64_t load64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The last n % 8 bytes of s[0, n) as a little-endian word, zero above
 * (0 when there are none): with at least 8 bytes, the last 8 loaded and
 * shifted down, without a copy. */
static inline uint64_t tail64(const unsigned char *s, size_t n)
{
    size_t r = n & 7;
    if (!r)
        return 0;
    if (n >= 8)
        return load64(s + n - 8) >> (8 * (8 - r));
    uint64_t v = 0;
    for (size_t i = 0; i < r; i++)
        v |= (uint64_t)s[i] << (8 * i);
    return v;
}

uint64_t pmc_hash64_seed(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p, *end = s + (n & ~(size_t)7);
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (; s < end; s += 8) {
        h ^= load64(s) * 0x87c37b91114253d5ULL;
        h = rotl(h, 31) * 0x4cf5ad432745937fULL;
    }
    if (n & 7) {
        h ^= tail64(p, n) * 0x87c37b91114253d5ULL;
        h = rotl(h, 31) * 0x4cf5ad432745937fULL;
    }
    return fmix(h);
}

/* Word-at-a-time multiply-rotate hash with a murmur3 finaliser: cheap,
 * good spread for open addressing, and byte-order independent (the same
 * client order ids on every machine). Not a security boundary. */
uint64_t pmc_hash64(const void *p, size_t n)
{
    return pmc_hash64_seed(p, n, 0x243f6a8885a308d3ULL);
}

uint64_t pmc_hash64_words3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = 0x243f6a8885a308d3ULL ^ (24 * 0x9e3779b97f4a7c15ULL);
    h = rotl(h ^ a * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
    h = rotl(h ^ b * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
    h = rotl(h ^ c * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
    return fmix(h);
}

/* Two independently seeded lanes of pmc_hash64_seed in one pass, two
 * words a turn (the loop's own count and branch paid half as often), in
 * the caller. */
static inline __attribute__((always_inline)) void
hash2x(const void *p, size_t n, uint64_t *a, uint64_t *b)
{
    const unsigned char *s = p, *end = s + (n & ~(size_t)7);
    uint64_t x = 0x243f6a8885a308d3ULL ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    uint64_t y = 0x13198a2e03707344ULL ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (; end - s >= 16; s += 16) {
        uint64_t v = load64(s) * 0x87c37b91114253d5ULL;
        uint64_t w = load64(s + 8) * 0x87c37b91114253d5ULL;
        x = rotl(x ^ v, 31) * 0x4cf5ad432745937fULL;
        y = rotl(y ^ v, 31) * 0x4cf5ad432745937fULL;
        x = rotl(x ^ w, 31) * 0x4cf5ad432745937fULL;
        y = rotl(y ^ w, 31) * 0x4cf5ad432745937fULL;
    }
    if (s < end) {
        uint64_t v = load64(s) * 0x87c37b91114253d5ULL;
        x = rotl(x ^ v, 31) * 0x4cf5ad432745937fULL;
        y = rotl(y ^ v, 31) * 0x4cf5ad432745937fULL;
    }
    if (n & 7) {
        uint64_t v = tail64(p, n) * 0x87c37b91114253d5ULL;
        x = rotl(x ^ v, 31) * 0x4cf5ad432745937fULL;
        y = rotl(y ^ v, 31) * 0x4cf5ad432745937fULL;
    }
    *a = fmix(x);
    *b = fmix(y);
}

enum pmc_err pmc_sym_set(struct pmc_sym *y, const char *s, size_t n)
{
    if (n > PMC_SYM_MAX)
        return PMC_ERANGE;
    memcpy(y->s, s, n);
    y->s[n] = '\0';
    y->n = (uint8_t)n;
    hash2x(s, n, &y->h, &y->h2);
    return PMC_OK;
}

void pmc_sym_clear(struct pmc_sym *y)
{
    y->n = 0;
    y->s[0] = '\0';
    hash2x("", 0, &y->h, &y->h2);
}
