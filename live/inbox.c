/* live/inbox.c - the fixed ring of records for the core (see inbox.h). */
#include "live/inbox.h"

#include <stdlib.h>

enum pmc_err pmc_inbox_init(struct pmc_inbox *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->cap = cap ? cap : 1;
    q->v = calloc(q->cap, sizeof *q->v);
    q->mono = calloc(q->cap, sizeof *q->mono);
    if (!q->v || !q->mono) {
        pmc_inbox_fini(q);
        return PMC_ENOMEM;
    }
    return PMC_OK;
}

void pmc_inbox_fini(struct pmc_inbox *q)
{
    free(q->v);
    free(q->mono);
    memset(q, 0, sizeof *q);
}

enum pmc_err pmc_inbox_push(struct pmc_inbox *q, const struct pmc_record *r,
                            int64_t mono)
{
    if (q->n == q->cap)
        return PMC_EFULL;
    size_t i = (q->head + q->n) % q->cap;
    q->v[i] = *r;
    q->mono[i] = mono;
    q->n++;
    return PMC_OK;
}

int pmc_inbox_pop(struct pmc_inbox *q, struct pmc_record *r, int64_t *mono)
{
    if (!q->n)
        return 0;
    *r = q->v[q->head];
    *mono = q->mono[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return 1;
}
