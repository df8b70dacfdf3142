/* live/pending.h - order actions handed to the venue and not yet journaled
 * with their signed body, by client order id.
 *
 * Decides: where an order waits between the core emitting it and the
 * executor's journal_order hook (which may come much later: the executor
 * first learns the token's tick). An open-addressing table (linear probing,
 * backward-shift deletion) that grows by doubling up to a bound given at
 * set-up; each entry owns a copy of every source fill behind its order.
 * Never: overwrites an entry (a second order with the same coid is
 * PMC_ESTATE, a full table PMC_EFULL), or cuts an order's fills. */
#ifndef PMC_PENDING_H
#define PMC_PENDING_H

#include "core/event.h"

struct pmc_pending_order {
    struct pmc_record a;        /* the order action; a.u.order.fills -> fills */
    struct pmc_fill_ref *fills; /* owned, a.u.order.nfills of them */
    pmc_ms ts_source, ts_recv;  /* stage times of its first source fill */
    int used;
};

struct pmc_pending {
    struct pmc_pending_order *v;
    uint32_t cap, n, max;
};

/* At most `max` orders waiting at once (>= 1). PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_pending_init(struct pmc_pending *t, uint32_t max);
void pmc_pending_fini(struct pmc_pending *t);

/* Keep a copy of order action a (kind PMC_K_ORDER, fills included).
 * PMC_EFULL when `max` orders wait already, PMC_ESTATE when its coid is
 * already there, PMC_ENOMEM. *out (may be NULL) is the entry, valid until
 * the next put or del. */
PMC_MUST_USE enum pmc_err pmc_pending_put(struct pmc_pending *t,
                                          const struct pmc_record *a,
                                          struct pmc_pending_order **out);

/* The entry for coid, or NULL. Valid until the next put or del. */
struct pmc_pending_order *pmc_pending_get(const struct pmc_pending *t,
                                          const struct pmc_sym *coid);

/* Forget coid (no-op when absent). */
void pmc_pending_del(struct pmc_pending *t, const struct pmc_sym *coid);

#endif
