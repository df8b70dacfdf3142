/* core/pmc.h - base types shared by every part of pmcopy.
 *
 * Units are in the type names: pmc_ms is milliseconds since the Unix epoch
 * (or a duration in ms), pmc_micros is a fixed-point decimal scaled by 1e6
 * (USD, prices and shares alike). No floating point is ever used for money.
 *
 * Errors: one X-macro list gives enum pmc_err and pmc_strerror().
 * Symbols: struct pmc_sym is a short identifier (token id, address, fill
 * key) stored inline with its hash, so tables never allocate per event. */
#ifndef PMC_H
#define PMC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int64_t pmc_ms;
typedef int64_t pmc_micros;

#define PMC_MICRO ((pmc_micros)1000000)

#define PMC_ERR_LIST(X)                                                        \
    X(OK, "ok")                                                                \
    X(PARSE, "malformed input")                                                \
    X(RANGE, "value out of range")                                             \
    X(FULL, "fixed-capacity table is full")                                    \
    X(NOMEM, "out of memory")                                                  \
    X(IO, "input/output error")                                                \
    X(CONFIG, "invalid configuration")                                         \
    X(USAGE, "invalid usage")                                                  \
    X(STATE, "invalid state")                                                  \
    X(TIME, "time went backwards")                                             \
    X(NOTFOUND, "not found")                                                   \
    X(PROTO, "protocol error")                                                 \
    X(HTTP, "HTTP error")                                                      \
    X(CRYPTO, "cryptographic failure")                                         \
    X(NOTSUP, "not supported")                                                 \
    X(MISMATCH, "output differs from the record")                              \
    X(AGAIN, "nothing before the deadline")                                    \
    X(END, "end of input")

enum pmc_err {
#define PMC_ERR_ENUM(name, text) PMC_E##name,
    PMC_ERR_LIST(PMC_ERR_ENUM)
#undef PMC_ERR_ENUM
        PMC_E_COUNT
};
#define PMC_OK PMC_EOK

const char *pmc_strerror(enum pmc_err e);

#define PMC_MUST_USE __attribute__((warn_unused_result))
#define PMC_TRY(expr)                                                          \
    do {                                                                       \
        enum pmc_err pmc_try_e_ = (expr);                                      \
        if (pmc_try_e_ != PMC_OK)                                              \
            return pmc_try_e_;                                                 \
    } while (0)

/* Broken invariants stop the program with file:line. The handler lives
 * outside core/ (it prints); core only calls it. */
__attribute__((noreturn)) void pmc_panic(const char *file, int line,
                                         const char *expr);
#define PMC_ASSERT(c)                                                          \
    do {                                                                       \
        if (!(c))                                                              \
            pmc_panic(__FILE__, __LINE__, #c);                                 \
    } while (0)

#define PMC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- symbols ---------------------------------------------------------- */

#define PMC_SYM_MAX 95 /* longest id: 78-digit token, 0x+64 hex tx hash:idx */

struct pmc_sym {
    uint64_t h;              /* pmc_hash64 of s[0..n) */
    uint64_t h2;             /* an independently seeded second hash */
    uint8_t n;               /* length, 0 = empty */
    char s[PMC_SYM_MAX + 1]; /* NUL-terminated */
};

uint64_t pmc_hash64(const void *p, size_t n);
/* The same hash family with another seed (independent fingerprints). */
uint64_t pmc_hash64_seed(const void *p, size_t n, uint64_t seed);
/* pmc_hash64 of the 24 bytes a, b, c written little-endian, without
 * writing them. */
uint64_t pmc_hash64_words3(uint64_t a, uint64_t b, uint64_t c);
/* Set a symbol from n bytes; PMC_ERANGE when n > PMC_SYM_MAX. */
PMC_MUST_USE enum pmc_err pmc_sym_set(struct pmc_sym *y, const char *s,
                                      size_t n);
/* Make y the empty symbol. */
void pmc_sym_clear(struct pmc_sym *y);
static inline uint64_t pmc__load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* 16 bytes as two 64-bit lanes (a GCC/Clang vector: one SSE2 or NEON
 * register), loaded unaligned. */
typedef uint64_t pmc__u64x2 __attribute__((vector_size(16)));
static inline pmc__u64x2 pmc__load16(const char *p)
{
    pmc__u64x2 x;
    memcpy(&x, p, 16);
    return x;
}

/* Equal bytes, compared 16 at a time in one vector register, the rest as
 * the last 16 bytes overlapping those (under 16 bytes: the first and last
 * 8, under 8 one at a time): no library call on the hot path. */
static inline int pmc_bytes_eq(const char *a, const char *b, size_t n)
{
    if (n < 8) {
        uint64_t d = 0;
        for (size_t i = 0; i < n; i++)
            d |= (uint64_t)(unsigned char)(a[i] ^ b[i]);
        return d == 0;
    }
    if (n < 16)
        return ((pmc__load8(a) ^ pmc__load8(b)) |
                (pmc__load8(a + n - 8) ^ pmc__load8(b + n - 8))) == 0;
    pmc__u64x2 d = pmc__load16(a + n - 16) ^ pmc__load16(b + n - 16);
    d |= pmc__load16(a) ^ pmc__load16(b);
    if (n > 32) {
        d |= pmc__load16(a + 16) ^ pmc__load16(b + 16);
        if (n > 48) {
            d |= pmc__load16(a + 32) ^ pmc__load16(b + 32);
            if (n > 64) {
                d |= pmc__load16(a + 48) ^ pmc__load16(b + 48);
                for (size_t i = 64; i + 16 < n; i += 16)
                    d |= pmc__load16(a + i) ^ pmc__load16(b + i);
            }
        }
    }
    return (d[0] | d[1]) == 0;
}

static inline int pmc_sym_eq(const struct pmc_sym *a, const struct pmc_sym *b)
{
    return a->h == b->h && a->h2 == b->h2 && a->n == b->n &&
           pmc_bytes_eq(a->s, b->s, a->n);
}

/* ---- time helpers ----------------------------------------------------- */

#define PMC_MS_PER_DAY ((pmc_ms)86400000)
#define PMC_MS_PER_WINDOW ((pmc_ms)900000) /* a UTC quarter hour */

static inline pmc_ms pmc_floor_div(pmc_ms a, pmc_ms b)
{
    pmc_ms q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#endif
