/* sim/events.c - the simulated-event pool: payload slots scheduled on the
 * (time, class, sequence) heap (sim/heap.h), recycled through a free list.
 * An event due at the simulator's current instant is class 0: it happens
 * before the next tape record of that millisecond (a zero-latency copy
 * sees the market its source fill left, not the second's last print).
 *
 * Decides nothing about what an event means. Never: orders events by
 * address (the heap's sequence number breaks ties). */
#include "sim/sim_int.h"

enum pmc_err pmc_sim_ev_alloc(struct pmc_sim *s, uint32_t *slot)
{
    if (s->free_ev) {
        *slot = s->free_ev - 1;
        s->free_ev = s->evs[*slot].next_free;
        return PMC_OK;
    }
    if (s->nev == s->cap_ev &&
        grow((void **)&s->evs, &s->cap_ev, sizeof *s->evs))
        return PMC_ENOMEM;
    *slot = s->nev++;
    return PMC_OK;
}

void pmc_sim_ev_release(struct pmc_sim *s, uint32_t slot)
{
    s->evs[slot].type = EV_FREE;
    s->evs[slot].next_free = s->free_ev;
    s->free_ev = slot + 1;
}

enum pmc_err pmc_sim_schedule(struct pmc_sim *s, pmc_ms t, uint32_t slot)
{
    PMC_TRY(pmc_heap_push(&s->heap, t, t > s->now, slot));
    if (s->heap.n > s->r.max_inflight)
        s->r.max_inflight = s->heap.n;
    return PMC_OK;
}
