/* live/traders.h - per-trader accountability (docs/store.md "Traders"):
 * what `pmcopy traders` and GET /traders print, from the core's own
 * numbers (pmc_engine_trader_stats). The live loop prints its engine's;
 * `pmcopy traders` re-runs the store's journal through a fresh core (as a
 * restart does), so both give the same numbers for the same journal. */
#ifndef PMC_LIVE_TRADERS_H
#define PMC_LIVE_TRADERS_H

#include <stdio.h>

#include "core/engine.h"

/* The accountability of every trader of e: JSON ({"traders": [...]}, one
 * trader per line) or a text table. 0, or -1 when out of memory. */
int pmc_traders_print(FILE *f, const struct pmc_engine *e, int json);

/* Only the JSON rows, one per line, each line starting with four spaces
 * and the rows separated by ",\n" (for embedding in a larger document).
 * 0, or -1 when out of memory (nothing written). */
int pmc_traders_rows(FILE *f, const struct pmc_engine *e);

/* Re-run the committed journal of the store at db through a fresh core
 * configured by cfg; *out is a driver's memory holding the engine (free it
 * with free()), *eng the engine. 0, or -1 with err set. */
int pmc_traders_replay(const char *db, const struct pmc_config *cfg, void **mem,
                       const struct pmc_engine **eng, char *err, size_t cap);

#endif
