/* sim/synth_pop.h - the ground truth of `pmcopy rank`: a synthetic tape of
 * binary markets and N wallets of known kinds (`pmcopy synth
 * --population N`; docs/rank.md "Ground truth").
 *
 * Each market is a YES/NO pair whose price follows news: a market's
 * outcome is drawn first, then each piece of news is a signal that points
 * to the outcome with probability 0.8 and moves the price by Bayes' rule
 * (the price is a martingale that ends near the outcome). Slow news reaches
 * the price in steps over 10 minutes, fast news within the same second.
 * Wallet kinds:
 *   copyable - buys the side the coming slow news favours, 1..20 s before
 *              it: the edge lasts minutes, a copier 3 s late keeps it;
 *   fast     - buys before fast news 0.8 s ahead: gone at 3 s;
 *   maker    - buys YES and NO at the bid (passive fills): earns the
 *              spread, which a copier crossing it pays;
 *   noise    - random buys at the ask (some lucky);
 *   bigwin   - small noise buys and one large winning bet.
 * The kind is in the address: 0x + a two-hex-digit prefix (c0 copyable, fa
 * fast, a0 maker, d0 noise, b1 bigwin) + the wallet's number.
 *
 * Decides: this synthetic world only. Deterministic from the seed (gsl
 * mt19937); never reads a clock. */
#ifndef PMC_SIM_SYNTH_POP_H
#define PMC_SIM_SYNTH_POP_H

#include <stdio.h>

#include "core/pmc.h"

enum pmc_pop_kind {
    PMC_POP_COPYABLE = 0,
    PMC_POP_FAST,
    PMC_POP_MAKER,
    PMC_POP_NOISE,
    PMC_POP_BIGWIN,
    PMC_POP_NKINDS
};

struct pmc_pop_opts {
    uint64_t seed;
    pmc_ms start;        /* first day, ms (a UTC midnight) */
    int64_t days;        /* tape length */
    uint32_t wallets;    /* N */
    uint32_t mkts_day;   /* markets opened per day; 0 = max(8, N/8) */
    uint32_t trades_day; /* informed trades per wallet per day (default 5) */
};

/* Defaults: seed 7, 2026-01-01, 30 days, 100 wallets, markets auto, 5. */
void pmc_pop_defaults(struct pmc_pop_opts *o);

/* How many wallets of each kind N gives: 20 % copyable, 15 % fast, 15 %
 * maker, 10 % bigwin, the rest noise (at least one of each when N >= 5). */
void pmc_pop_counts(uint32_t n, uint32_t counts[PMC_POP_NKINDS]);

/* The kind of an address written by the generator, -1 for another. */
int pmc_pop_kind_of(const char *addr);
const char *pmc_pop_kind_name(int kind);

/* Write the tape. PMC_EIO on a write error, PMC_ENOMEM, PMC_ERANGE for
 * out-of-range options (days 1..400, wallets 1..100000). */
PMC_MUST_USE enum pmc_err pmc_pop_write(FILE *f, const struct pmc_pop_opts *o,
                                        uint64_t *records);

#endif
