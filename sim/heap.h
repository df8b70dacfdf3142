/* sim/heap.h - the simulator's event queue: a binary min-heap ordered by
 * (time, class, sequence). The class is 0 for an event scheduled for the
 * instant being simulated (a zero-latency consequence of what just
 * happened: it goes before anything else due at that millisecond) and 1
 * for one scheduled ahead. The sequence number is assigned at push, so
 * events of one time and class pop in the order they were scheduled: the
 * order never depends on memory addresses. Items carry a slot index into the
 * caller's payload pool. Grows by doubling (memory follows the number of
 * events in flight, never the tape's length). */
#ifndef PMC_SIM_HEAP_H
#define PMC_SIM_HEAP_H

#include "core/pmc.h"

struct pmc_heap_item {
    pmc_ms t;
    uint64_t seq;
    uint32_t slot;
    uint8_t later; /* 0: due at the instant it was scheduled in */
};

struct pmc_heap {
    struct pmc_heap_item *v;
    size_t n, cap;
    uint64_t next_seq;
};

void pmc_heap_init(struct pmc_heap *h);
void pmc_heap_fini(struct pmc_heap *h);
/* Schedule slot at t; later = 0 when t is the instant being simulated
 * (see above). PMC_ENOMEM when growing fails. */
PMC_MUST_USE enum pmc_err pmc_heap_push(struct pmc_heap *h, pmc_ms t, int later,
                                        uint32_t slot);
/* Earliest item, or NULL when empty. Valid until the next push/pop. */
const struct pmc_heap_item *pmc_heap_top(const struct pmc_heap *h);
/* Remove the earliest item into *out; 0 when empty. */
int pmc_heap_pop(struct pmc_heap *h, struct pmc_heap_item *out);

#endif
