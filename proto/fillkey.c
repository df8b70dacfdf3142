/* proto/fillkey.c - the canonical fill key (see fillkey.h). */
#include <stdio.h>

#include "core/tape.h"
#include "proto/fillkey.h"

static int hexdig(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

enum pmc_err pmc_fillkey(const char *tx, size_t txn,
                         const struct pmc_sym *token, enum pmc_side side,
                         pmc_micros sz, uint32_t k, struct pmc_sym *out)
{
    if (txn != 66 || tx[0] != '0' || (tx[1] != 'x' && tx[1] != 'X'))
        return PMC_EPARSE;
    for (size_t i = 2; i < txn; i++)
        if (!hexdig(tx[i]))
            return PMC_EPARSE;
    if (token->n == 0)
        return PMC_EPARSE;
    if (sz <= 0 || sz > PMC_SIZE_MAX)
        return PMC_ERANGE;
    char b[PMC_SYM_MAX + 8];
    b[0] = '0';
    b[1] = 'x';
    for (size_t i = 2; i < txn; i++) {
        char c = tx[i];
        b[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    uint32_t th;
    if (k <= 1) {
        th = (uint32_t)(pmc_hash64(token->s, token->n) >> 32);
    } else {
        char tk[PMC_SYM_MAX + 16];
        int m = snprintf(tk, sizeof tk, "%s#%u", token->s, (unsigned)k);
        if (m <= 0 || (size_t)m >= sizeof tk)
            return PMC_ERANGE;
        th = (uint32_t)(pmc_hash64(tk, (size_t)m) >> 32);
    }
    int n = snprintf(b + 66, sizeof b - 66, ":%08x:%c:%lld", th,
                     side == PMC_SELL ? 'S' : 'B', (long long)sz);
    if (n <= 0 || (size_t)n + 66 > PMC_SYM_MAX)
        return PMC_ERANGE;
    return pmc_sym_set(out, b, 66 + (size_t)n);
}

enum pmc_err pmc_fillkey_apply(struct pmc_fill *f, uint32_t k)
{
    size_t n = 0;
    while (n < f->key.n && f->key.s[n] != ':')
        n++;
    struct pmc_sym key;
    PMC_TRY(pmc_fillkey(f->key.s, n, &f->token, f->side, f->sz, k, &key));
    f->key = key;
    return PMC_OK;
}

void pmc_fillkey_occ_init(struct pmc_fillkey_occ *o)
{
    o->n = o->head = 0;
}

uint32_t pmc_fillkey_occ(struct pmc_fillkey_occ *o, uint64_t batch, uint64_t id,
                         int64_t ord)
{
    uint32_t k = 1;
    int seen = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        const struct pmc_fillkey_seen *e = &o->e[i];
        if (e->batch != batch || e->id != id)
            continue;
        if (e->ord < ord)
            k++;
        else if (e->ord == ord)
            seen = 1;
    }
    if (!seen) {
        struct pmc_fillkey_seen *e = &o->e[o->head];
        e->batch = batch;
        e->id = id;
        e->ord = ord;
        o->head = (o->head + 1) % PMC_FILLKEY_OCC_CAP;
        if (o->n < PMC_FILLKEY_OCC_CAP)
            o->n++;
    }
    return k;
}
