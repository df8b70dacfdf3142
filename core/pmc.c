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

/* 64-bit FNV-1a followed by a murmur3 finaliser: cheap, and good enough
 * spread for open addressing. Not a security boundary. */
uint64_t pmc_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

enum pmc_err pmc_sym_set(struct pmc_sym *y, const char *s, size_t n)
{
    if (n > PMC_SYM_MAX)
        return PMC_ERANGE;
    memcpy(y->s, s, n);
    y->s[n] = '\0';
    y->n = (uint8_t)n;
    y->h = pmc_hash64(s, n);
    return PMC_OK;
}

void pmc_sym_clear(struct pmc_sym *y)
{
    y->n = 0;
    y->s[0] = '\0';
    y->h = pmc_hash64("", 0);
}
