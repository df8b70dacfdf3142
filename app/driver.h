/* app/driver.h - the engine loop for tapes: timers are delivered as the
 * tape's time passes each deadline (every timer at its own deadline), then
 * the record; a flush record drains every open bucket. Used by decide and
 * replay so both see exactly the same sequence of steps as live. */
#ifndef PMC_DRIVER_H
#define PMC_DRIVER_H

#include "core/engine.h"

/* Called for every action the engine emits, in order. Non-OK stops. */
typedef enum pmc_err (*pmc_action_fn)(void *ctx, const struct pmc_record *a);

struct pmc_driver {
    struct pmc_engine *eng;
    void *mem;
    struct pmc_actions out;
    pmc_action_fn on_action;
    void *ctx;
};

PMC_MUST_USE enum pmc_err pmc_driver_init(struct pmc_driver *d,
                                          const struct pmc_config *cfg,
                                          pmc_action_fn fn, void *ctx);
void pmc_driver_fini(struct pmc_driver *d);

/* Deliver the timers due at or before `until`. */
PMC_MUST_USE enum pmc_err pmc_driver_advance(struct pmc_driver *d,
                                             pmc_ms until);

/* Feed one input record (timers first). Non-input records are ignored. */
PMC_MUST_USE enum pmc_err pmc_driver_feed(struct pmc_driver *d,
                                          const struct pmc_record *rec);

/* Flush every open bucket at time t (the shutdown path). */
PMC_MUST_USE enum pmc_err pmc_driver_flush(struct pmc_driver *d, pmc_ms t);

#endif
