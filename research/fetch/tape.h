/* research/fetch/tape.h - one tape from what fetch gathered.
 *
 * Decides which records the tape holds and in what order: the wallet's
 * activity as the data-API decoder reads it (fills src=api, merge, redeem,
 * split); Gamma's markets as ev=market (tick, fees as Gamma states them,
 * end, neg-risk, outcome from the decoder) with the market's question and
 * slug added as quoted values, and Gamma's resolutions as ev=resolve; the
 * markets' trade prints (/trades rows) as ev=trade records inside
 * [since, until]; for a market Gamma gives no resolution for, the wallet's
 * REDEEM rows: a redeem paying nothing resolves the tokens the wallet held
 * at 0, a paying redeem of exactly one held token resolves it at the paid
 * share price (at most 1) and the market's other tokens at the rest.
 * Order: by t, market records first and resolutions last within a t, input
 * order otherwise (as `pmcopy import`). Never fetches; writes the tape to
 * a temporary file renamed into place. */
#ifndef PMC_FETCH_TAPE_H
#define PMC_FETCH_TAPE_H

#include <stddef.h>
#include <stdint.h>

struct pmc_fx_tape_in {
    const char *activity; /* JSON array of /activity rows */
    size_t activity_len;
    const char *markets; /* JSON array of Gamma market objects */
    size_t markets_len;
    const char *trades; /* JSON array of /trades rows */
    size_t trades_len;
    int64_t since, until; /* seconds, inclusive; prints outside are left */
};

struct pmc_fx_tape_counts {
    uint64_t fills, ctf, markets, resolves, resolves_redeem, trades,
        trades_outside, unknown;
};

/* Write the tape to path. 0, or -1 with the reason in err. */
int pmc_fx_tape_write(const struct pmc_fx_tape_in *in, const char *path,
                      struct pmc_fx_tape_counts *c, char *err, size_t cap);

/* The condition ids the activity rows name (fills, merges, redeems,
 * splits), each once, in order of first appearance: *ids malloc'd array
 * of malloc'd strings. 0, or -1 with err. */
int pmc_fx_tape_markets_of(const char *activity, size_t n, char ***ids,
                           size_t *nids, char *err, size_t cap);

#endif
