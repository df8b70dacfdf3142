/* live/pending.c - orders awaiting their journal entry (see pending.h). */
#include "live/pending.h"

#include <stdlib.h>

enum pmc_err pmc_pending_init(struct pmc_pending *t, uint32_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max ? max : 1;
    t->cap = 64;
    while (t->cap < 2 * (uint64_t)t->max && t->cap < 256)
        t->cap *= 2;
    t->v = calloc(t->cap, sizeof *t->v);
    return t->v ? PMC_OK : PMC_ENOMEM;
}

void pmc_pending_fini(struct pmc_pending *t)
{
    for (uint32_t i = 0; t->v && i < t->cap; i++)
        free(t->v[i].fills);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static uint32_t home(const struct pmc_pending *t, const struct pmc_sym *coid)
{
    return (uint32_t)coid->h & (t->cap - 1);
}

static uint32_t find(const struct pmc_pending *t, const struct pmc_sym *coid)
{
    for (uint32_t i = home(t, coid);; i = (i + 1) & (t->cap - 1)) {
        if (!t->v[i].used)
            return i;
        if (pmc_sym_eq(&t->v[i].a.u.order.coid, coid))
            return i;
    }
}

static enum pmc_err grow(struct pmc_pending *t)
{
    struct pmc_pending old = *t;
    uint32_t cap = t->cap * 2;
    struct pmc_pending_order *v = calloc(cap, sizeof *v);
    if (!v)
        return PMC_ENOMEM;
    t->v = v;
    t->cap = cap;
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.v[i].used)
            t->v[find(t, &old.v[i].a.u.order.coid)] = old.v[i];
    free(old.v);
    return PMC_OK;
}

enum pmc_err pmc_pending_put(struct pmc_pending *t, const struct pmc_record *a,
                             struct pmc_pending_order **out)
{
    const struct pmc_order_act *o = &a->u.order;
    if (t->n >= t->max)
        return PMC_EFULL;
    if ((t->n + 1) * 2 > t->cap)
        PMC_TRY(grow(t));
    uint32_t i = find(t, &o->coid);
    if (t->v[i].used)
        return PMC_ESTATE;
    struct pmc_fill_ref *f = NULL;
    if (o->nfills) {
        f = malloc(o->nfills * sizeof *f);
        if (!f)
            return PMC_ENOMEM;
        memcpy(f, o->fills, o->nfills * sizeof *f);
    }
    struct pmc_pending_order *p = &t->v[i];
    memset(p, 0, sizeof *p);
    p->a = *a;
    p->fills = f;
    p->a.u.order.fills = f;
    p->used = 1;
    t->n++;
    if (out)
        *out = p;
    return PMC_OK;
}

struct pmc_pending_order *pmc_pending_get(const struct pmc_pending *t,
                                          const struct pmc_sym *coid)
{
    if (!t->v)
        return NULL;
    uint32_t i = find(t, coid);
    return t->v[i].used ? &t->v[i] : NULL;
}

void pmc_pending_del(struct pmc_pending *t, const struct pmc_sym *coid)
{
    if (!t->v)
        return;
    uint32_t m = t->cap - 1, i = find(t, coid);
    if (!t->v[i].used)
        return;
    free(t->v[i].fills);
    memset(&t->v[i], 0, sizeof t->v[i]);
    t->n--;
    /* backward shift: pull later members of the run into the hole */
    for (uint32_t j = (i + 1) & m; t->v[j].used; j = (j + 1) & m) {
        uint32_t h = home(t, &t->v[j].a.u.order.coid);
        /* j may move to i when its home is not in (i, j] (cyclically) */
        int stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (stays)
            continue;
        t->v[i] = t->v[j];
        memset(&t->v[j], 0, sizeof t->v[j]);
        i = j;
    }
}
