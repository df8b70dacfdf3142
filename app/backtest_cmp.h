/* app/backtest_cmp.h - what a recorded session did against what the
 * backtest of the same inputs did: `pmcopy backtest --db STORE` and
 * `pmcopy backtest JOURNAL --compare`.
 *
 * Decides: the orders and fills read from a journal tape (a live store's
 * journal, or the journal the simulator writes), the order latency the
 * session measured (order decided -> its first report, the median), the
 * session's P&L from its own fills marked at the last price of the inputs
 * (as the simulator marks them), and whether the two agree: orders one for one (token, side,
 * limit, size, time in force), each order's fills net of failed trades
 * (refused or not, shares, notional, fee, trades failed), P&L within 1 %
 * (at least 0.01 USD). The first order that differs is named with the
 * tape's book at that time.
 * Never: runs the simulator or reads the store (the caller hands both
 * journals over as streams). */
#ifndef PMC_BACKTEST_CMP_H
#define PMC_BACKTEST_CMP_H

#include <stdio.h>

#include "core/pmc.h"

struct pmc_cmp_side;

/* Read a journal tape (rewound first, rewound again after). NULL with err
 * set on a malformed tape or out of memory. */
struct pmc_cmp_side *pmc_cmp_read(FILE *f, const char *name, char *err,
                                  size_t cap);
void pmc_cmp_free(struct pmc_cmp_side *s);

/* Orders on that journal, and how many of them got a report. */
size_t pmc_cmp_orders(const struct pmc_cmp_side *s);
/* The measured order latency: the median of (first report t - order t)
 * over the orders that got a report; 0 without one. *n = the samples. */
pmc_ms pmc_cmp_latency(const struct pmc_cmp_side *s, size_t *n);

/* Compare a session (live) with its backtest (bt); inputs is the tape both
 * ran on (rewound; read for the book behind a differing fill). The
 * session's P&L is computed from its journal, the backtest's is bt_pnl,
 * the simulator's own (equity at the end - capital). Prints the verdict on
 * out and returns 0 when they agree, 1 when they differ. */
int pmc_cmp_report(FILE *out, const struct pmc_cmp_side *live,
                   const struct pmc_cmp_side *bt, pmc_micros bt_pnl,
                   FILE *inputs, const char *inputs_name);

#endif
