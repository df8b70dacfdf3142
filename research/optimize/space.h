/* research/optimize/space.h - SPACE.json: which configuration keys and
 * simulator knobs `pmcopy optimize` varies, and the values of trial i
 * (docs/optimize.md).
 *
 * SPACE.json is an object; each member names a configuration key (as
 * `--set KEY=VALUE` takes it: coalesce_ms, ratio, max_order_usd, ...) or a
 * simulator knob (latency_ms: the detection latency of every source;
 * half_spread: the no-book model's half spread) with either a list of
 * values ([0, 300, 800], ["fixed", "proportional"]) or a range
 * ({"min": 0.05, "max": 0.5, "log": true, "points": 8}; "points" is the
 * range's size in a grid, default 5). Numbers are kept as the text given
 * (never through a double); a range's points are exact decimals (micros)
 * rounded half-to-even, integers for integer keys. Unknown keys, and
 * values the key's rule refuses (checked by applying each list value and
 * both ends of each range to the base configuration), are refused at
 * load, naming the key.
 *
 * Trials: grid (every combination, the last dimension varying fastest) or
 * sobol (gsl_qrng_sobol over the ranges, lists indexed by the point's
 * coordinate; a seeded Cranley-Patterson shift). A trial is a pure
 * function of (space, search, seed, index).
 *
 * Decides: the trials and their values. Never: runs a backtest, reads the
 * clock, keeps memory that grows with the number of trials. */
#ifndef PMC_SPACE_H
#define PMC_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "sim/sim.h"

#define PMC_SPACE_MAX_DIMS 32 /* more is refused at load, named */
#define PMC_SPACE_VAL_MAX 64  /* a value's text, NUL included */

enum pmc_search { PMC_SEARCH_GRID = 0, PMC_SEARCH_SOBOL };

struct pmc_space; /* opaque; read-only once loaded */

/* Load and check path against the base configuration. NULL with err
 * ("SPACE.json: key 'x': reason"). */
struct pmc_space *pmc_space_load(const char *path,
                                 const struct pmc_config *base, char *err,
                                 size_t cap);
void pmc_space_free(struct pmc_space *s);

size_t pmc_space_ndims(const struct pmc_space *s);
const char *pmc_space_key(const struct pmc_space *s, size_t d);
/* the number of values of dimension d in a grid */
uint64_t pmc_space_dim_size(const struct pmc_space *s, size_t d);

/* The number of trials of a grid (the product of the dimensions' sizes;
 * 0 when it overflows 2^63). */
uint64_t pmc_space_grid_size(const struct pmc_space *s);

/* Trial `index`'s values, one per dimension, as text (what --set takes).
 * Grid: index < pmc_space_grid_size. 0, or -1 with err. */
int pmc_space_trial(const struct pmc_space *s, enum pmc_search how,
                    uint64_t seed, uint64_t index,
                    char vals[][PMC_SPACE_VAL_MAX], char *err, size_t cap);

/* Grid only: the indices of the trials one step away from `index` in one
 * dimension (the plateau check), at most 2 per dimension, into out[];
 * returns how many. */
size_t pmc_space_neighbours(const struct pmc_space *s, uint64_t index,
                            uint64_t *out, size_t cap);

/* Apply a trial's values to a configuration and the simulator's knobs.
 * 0, or -1 with err naming the key. */
int pmc_space_apply(const struct pmc_space *s, char vals[][PMC_SPACE_VAL_MAX],
                    struct pmc_config *cfg, struct pmc_sim_opts *so, char *err,
                    size_t cap);

#endif
