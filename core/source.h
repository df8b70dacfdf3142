/* core/source.h - the input port: where the driver takes the core's next
 * input from. The counterpart of core/venue.h.
 *
 * A small struct of function pointers implemented by every shell: a tape
 * reader (decide, replay), the simulator's event heap merged with its tape
 * (sim/), the live loop's inbox (live/). The driver (core/driver.h) asks it
 * for the next input strictly before the core's next timer deadline; the
 * source decides only what comes next and when, never what the core does
 * with it. */
#ifndef PMC_SOURCE_H
#define PMC_SOURCE_H

#include "event.h"

struct pmc_source {
    void *self;
    /* The next input record strictly before `deadline` (PMC_NO_DEADLINE
     * when no timer is pending) into *ev with ev->t the time the core sees
     * it: PMC_OK. Nothing before the deadline (time reaches it first):
     * PMC_EAGAIN, and the driver fires the timers due at the deadline; a
     * source never answers PMC_EAGAIN to PMC_NO_DEADLINE. No more input
     * (for now): PMC_EEND. Anything else is an error that stops the loop. */
    enum pmc_err (*next)(void *self, pmc_ms deadline, struct pmc_record *ev);
    /* The time of the last thing the source consumed, including records it
     * did not hand to the core; the shutdown flush happens at the later of
     * this and the last step. May be NULL. */
    pmc_ms (*clock)(void *self);
};

#endif
