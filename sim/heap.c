/* sim/heap.c - (time, class, seq) min-heap; see heap.h. */
#include "sim/heap.h"

#include <stdlib.h>

void pmc_heap_init(struct pmc_heap *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->next_seq = 0;
}

void pmc_heap_fini(struct pmc_heap *h)
{
    free(h->v);
    pmc_heap_init(h);
}

static int less(const struct pmc_heap_item *a, const struct pmc_heap_item *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->later != b->later)
        return a->later < b->later;
    return a->seq < b->seq;
}

enum pmc_err pmc_heap_push(struct pmc_heap *h, pmc_ms t, int later,
                           uint32_t slot)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct pmc_heap_item *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return PMC_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    struct pmc_heap_item it = {t, h->next_seq++, slot, (uint8_t)(later != 0)};
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(&it, &h->v[p]))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = it;
    return PMC_OK;
}

const struct pmc_heap_item *pmc_heap_top(const struct pmc_heap *h)
{
    return h->n ? &h->v[0] : NULL;
}

int pmc_heap_pop(struct pmc_heap *h, struct pmc_heap_item *out)
{
    if (!h->n)
        return 0;
    *out = h->v[0];
    struct pmc_heap_item last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct pmc_heap_item *best = &last;
        if (l < n && less(&h->v[l], best)) {
            m = l;
            best = &h->v[l];
        }
        if (r < n && less(&h->v[r], best))
            m = r;
        if (m == i)
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    if (n)
        h->v[i] = last;
    return 1;
}
