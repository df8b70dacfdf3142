/* sim/synth.h - a synthetic but realistic tape: a day of BTC 15-minute and
 * 5-minute up/down markets over one underlying random walk, with quotes,
 * market records, resolutions and three source traders of different
 * styles. Deterministic from the seed (gsl mt19937). Calibration and the
 * model are described in docs/backtest.md.
 *
 * Decides: the synthetic world only. Must never read a clock or any real
 * recording (its constants were measured once by
 * sim/tools/calibrate_synth.py and are written below). */
#ifndef PMC_SIM_SYNTH_H
#define PMC_SIM_SYNTH_H

#include <stdio.h>

#include "core/pmc.h"

struct pmc_synth_opts {
    uint64_t seed;
    pmc_ms start;        /* first market start, ms (multiple of 900 s) */
    int64_t hours;       /* length of the day generated */
    double vol_annual;   /* realised volatility of the underlying */
    double vol_ratio;    /* implied / realised, calibrated 1.25 */
    int64_t quote_gap_s; /* minimum seconds between two quotes of a token */
};

/* Defaults: seed 42, 2026-02-17 00:00 UTC, 24 h, 50 % vol, ratio 1.25,
 * quote gap 30 s. */
void pmc_synth_defaults(struct pmc_synth_opts *o);

/* The three source wallets, in the order written. */
extern const char *const pmc_synth_traders[3];

/* Write the tape to f. PMC_EIO on a write error, PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err
pmc_synth_write(FILE *f, const struct pmc_synth_opts *o, uint64_t *records);

#endif
