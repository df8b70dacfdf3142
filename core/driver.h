/* core/driver.h - the one engine loop of every shell (decide, replay,
 * backtest, live).
 *
 * Decides: when the core's timers fire (when the input port has nothing
 * before the next deadline: timers due at t fire before an input at t),
 * how the shutdown flush drains every open bucket, and where each action
 * goes (the record hook first - the journal - then, for an order, the
 * venue port). Never: allocates (the caller hands in one block sized by
 * pmc_driver_mem_size), does I/O, reads a clock, or decides what to trade.
 *
 *     while (src->next(src->self, next_deadline(eng), &ev) == PMC_OK)
 *         step(eng, &ev, ev.t, &out), then hook + venue for each action;
 *     PMC_EAGAIN -> the timers due at the deadline fire; PMC_EEND -> stop.
 *
 * The record hook sees every input the core steps, as it steps it (ev->t
 * is the time the core saw it; a flush once per drain; timers are not
 * inputs: they follow from time and replay re-derives them) and every
 * action the core emits, in order: what it writes is a tape that `pmcopy
 * replay` reproduces byte for byte. */
#ifndef PMC_DRIVER_H
#define PMC_DRIVER_H

#include "engine.h"
#include "source.h"
#include "venue.h"

struct pmc_driver_hook {
    void *ctx;
    /* An input the core is about to step (may be NULL). Non-OK stops. */
    enum pmc_err (*input)(void *ctx, const struct pmc_record *ev);
    /* An action the core emitted, before the venue sees it (may be NULL).
     * Non-OK stops. */
    enum pmc_err (*action)(void *ctx, const struct pmc_record *a);
};

struct pmc_driver {
    struct pmc_engine *eng;
    struct pmc_actions out;
    const struct pmc_venue *venue; /* may be NULL: orders go nowhere */
    struct pmc_driver_hook hook;
    pmc_ms now; /* time of the last step (input, timer or flush) */
    /* the input (or timer/flush) during which the last error happened */
    enum pmc_kind fail_kind;
    pmc_ms fail_t;
};

/* Bytes of memory the driver needs (engine + one step's action buffer).
 * The block must be aligned to 64. */
size_t pmc_driver_mem_size(const struct pmc_config *cfg);

/* Set up the driver and its engine in mem. venue and hook may be NULL.
 * PMC_ECONFIG when cfg does not validate, PMC_ERANGE when size is short. */
PMC_MUST_USE enum pmc_err pmc_driver_init(struct pmc_driver *d, void *mem,
                                          size_t size,
                                          const struct pmc_config *cfg,
                                          const struct pmc_venue *venue,
                                          const struct pmc_driver_hook *hook);

/* Fire the timers due at or before `until` (each at its own deadline). */
PMC_MUST_USE enum pmc_err pmc_driver_advance(struct pmc_driver *d,
                                             pmc_ms until);

/* One input record: the timers due at or before rec->t first, then the
 * record (a flush record drains every open bucket). Records that are not
 * inputs (actions, import-only kinds, a kill by the core) are ignored. */
PMC_MUST_USE enum pmc_err pmc_driver_feed(struct pmc_driver *d,
                                          const struct pmc_record *rec);

/* Drain every open bucket at time t (timers due by t first). Stops with
 * PMC_ESTATE if a flush step makes no progress, so it always ends. */
PMC_MUST_USE enum pmc_err pmc_driver_flush(struct pmc_driver *d, pmc_ms t);

/* The loop: inputs from src until it answers PMC_EEND (PMC_OK) or fails. */
PMC_MUST_USE enum pmc_err pmc_driver_run(struct pmc_driver *d,
                                         const struct pmc_source *src);

/* Shutdown: the flush at the later of the last step and src's clock. */
PMC_MUST_USE enum pmc_err pmc_driver_finish(struct pmc_driver *d,
                                            const struct pmc_source *src);

#endif
