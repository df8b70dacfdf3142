/* live/paper.h - the paper venue: our orders fill against the live book as
 * the simulator would fill them (the same core/fillmodel.c code and fee
 * formula), so paper trading and backtests agree.
 *
 * Implements the venue port (core/venue.h). Books, trade prints and fee
 * parameters come from the records the loop feeds it (market channel);
 * execution reports go back through `emit` as `ev=exec` records. Never
 * reads a clock: `now` comes with each call. */
#ifndef PMC_PAPER_H
#define PMC_PAPER_H

#include "core/venue.h"

typedef void (*pmc_paper_emit_fn)(void *ctx, struct pmc_record *exec);

struct pmc_paper;

PMC_MUST_USE enum pmc_err pmc_paper_new(struct pmc_paper **out,
                                        pmc_paper_emit_fn emit, void *ctx);
void pmc_paper_free(struct pmc_paper *p);
/* The venue port over this paper venue. */
struct pmc_venue pmc_paper_venue(struct pmc_paper *p);
/* Feed market data (quote, book, trade, market records); other kinds are
 * ignored. Resting orders crossed by it fill and are reported. */
void pmc_paper_on_record(struct pmc_paper *p, const struct pmc_record *rec,
                         pmc_ms now);
/* Half spread of the book assumed around the last trade price of a token
 * with no book yet (the simulator's no-book model; default 0.005). */
void pmc_paper_set_half_spread(struct pmc_paper *p, pmc_micros half);

/* Matched trades fail on chain as the simulator's do (config
 * trade_fail_share, trade_fail_after_ms; core/fillmodel.h
 * pmc_trade_fails): the fill is reported at once, its status=failed
 * report after_ms later, from pmc_paper_tick. Default: none fails. */
void pmc_paper_set_trade_fail(struct pmc_paper *p, pmc_micros share,
                              pmc_ms after_ms);
/* End the resting GTD orders whose exp is due by now (an exec cancel,
 * reason "expired"; submit and pmc_paper_on_record do it first too), then
 * report the trade failures due by now (in the order they were due).
 * Called by the loop every pass. -1 once when a failure could not be
 * queued (out of memory: that trade stands), else 0. */
int pmc_paper_tick(struct pmc_paper *p, pmc_ms now);
/* Failures queued, not yet reported. */
size_t pmc_paper_failing(const struct pmc_paper *p);

/* Orders resting (GTC, GTD) right now. */
size_t pmc_paper_resting(const struct pmc_paper *p);

#endif
