/* live/inbox.h - the live loop's queue of records for the core: a ring of
 * fixed capacity allocated once at set-up.
 *
 * Decides: FIFO order, and that a full inbox is an error the caller sees
 * (PMC_EFULL), never a silent drop and never a reallocation on the hot
 * path. Each record carries the monotonic time (ns) it was queued. */
#ifndef PMC_INBOX_H
#define PMC_INBOX_H

#include "core/event.h"

struct pmc_inbox {
    struct pmc_record *v;
    int64_t *mono;
    size_t head, n, cap;
};

/* cap records (>= 1). PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_inbox_init(struct pmc_inbox *q, size_t cap);
void pmc_inbox_fini(struct pmc_inbox *q);

/* Queue a copy of r received at mono; PMC_EFULL when cap records wait. */
PMC_MUST_USE enum pmc_err
pmc_inbox_push(struct pmc_inbox *q, const struct pmc_record *r, int64_t mono);

/* The oldest record into *r (and its time into *mono); 0 when empty. */
int pmc_inbox_pop(struct pmc_inbox *q, struct pmc_record *r, int64_t *mono);

#endif
