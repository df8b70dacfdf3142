/* core/sbuf.h - bounded string building without stdio (core/ may not use
 * printf). Appends past the capacity are dropped and flagged. */
#ifndef PMC_SBUF_H
#define PMC_SBUF_H

#include "dec.h"

struct pmc_sbuf {
    char *p;
    size_t n, cap; /* cap includes room for the NUL */
    int overflow;
};

static inline void pmc_sbuf_init(struct pmc_sbuf *b, char *p, size_t cap)
{
    b->p = p;
    b->n = 0;
    b->cap = cap;
    b->overflow = 0;
    if (cap)
        p[0] = '\0';
}

static inline void pmc_sbuf_put(struct pmc_sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->overflow = 1;
        n = b->cap > b->n + 1 ? b->cap - b->n - 1 : 0;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    if (b->cap)
        b->p[b->n] = '\0';
}

static inline void pmc_sbuf_str(struct pmc_sbuf *b, const char *s)
{
    pmc_sbuf_put(b, s, strlen(s));
}

static inline void pmc_sbuf_int(struct pmc_sbuf *b, int64_t v)
{
    char t[24];
    pmc_sbuf_put(b, t, pmc_int_format(v, t));
}

static inline void pmc_sbuf_dec(struct pmc_sbuf *b, pmc_micros v)
{
    char t[32];
    pmc_sbuf_put(b, t, pmc_dec_format(v, t));
}

/* Append at most max bytes of s, replacing control bytes with '?'. */
static inline void pmc_sbuf_clip(struct pmc_sbuf *b, const char *s, size_t n,
                                 size_t max)
{
    size_t k = n < max ? n : max;
    for (size_t i = 0; i < k; i++) {
        char c = (unsigned char)s[i] < 0x20 ? '?' : s[i];
        pmc_sbuf_put(b, &c, 1);
    }
    if (n > max)
        pmc_sbuf_str(b, "...");
}

#endif
