/* core/venue.h - the venue port: where the shell sends the core's orders.
 *
 * A small struct of function pointers (SQLite's VFS, redis' ConnectionType)
 * implemented by the simulator (sim/), the paper venue and the real CLOB
 * executor (live/). The core never calls it: the shell's loop hands each
 * ORDER action to submit(), and the venue's answers come back to the core
 * later as `exec` input records (ack / fill / reject / cancel) through the
 * shell's event queue. */
#ifndef PMC_VENUE_H
#define PMC_VENUE_H

#include "event.h"

struct pmc_venue {
    void *self;
    /* Accept an order action (kind PMC_K_ORDER) emitted at `now`. The
     * venue copies what it needs; `order` is only valid during the call.
     * A refusal is reported later as an exec reject, not as an error;
     * errors are for the venue itself failing (PMC_EIO, PMC_EFULL). */
    enum pmc_err (*submit)(void *self, const struct pmc_record *order,
                           pmc_ms now);
    /* Cancel what is left of an order (GTC); may be NULL. */
    enum pmc_err (*cancel)(void *self, const struct pmc_sym *coid, pmc_ms now);
};

#endif
