/* research/optimize/optimize.h - `pmcopy optimize`: a parameter search
 * over one tape that says whether its best trial is skill or overfitting
 * (docs/optimize.md).
 *
 * Two steps:
 *   1. pmc_opt_run: the tape parsed once (research/rank's compact tape),
 *      the trials of the space (space.h) on --jobs threads, each a whole
 *      backtest with the user's configuration and the trial's values; a
 *      finished trial is streamed to DIR/trials.jsonl, trials.csv (in index
 *      order: a small reorder window, so --jobs changes no byte) and its
 *      daily P&L to DIR/daily.bin; --resume continues from those files;
 *   2. pmc_opt_analyse: from those files alone, the objective of every
 *      trial, walk-forward over K folds with an embargo, PBO (CSCV), the
 *      DSR of the chosen trial, WFE, the plateau, and every output file.
 *
 * Decides: what a trial's daily P&L is (equity at the first record of each
 * UTC day of the tape, the last day ending at the tape's end), the
 * objectives, the folds. Never: holds memory that grows with the number of
 * trials (the days x trials matrix is read from daily.bin through mmap in
 * step 2), reads a clock into an output. */
#ifndef PMC_OPTIMIZE_H
#define PMC_OPTIMIZE_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "research/optimize/space.h"
#include "research/rank/rank.h"
#include "sim/sim.h"

enum pmc_objective { PMC_OBJ_PNL = 0, PMC_OBJ_CELB, PMC_OBJ_SHARPE };

enum pmc_opt_progress { PMC_OP_AUTO = 0, PMC_OP_BAR, PMC_OP_JSON, PMC_OP_NONE };

struct pmc_opt_opts {
    const struct pmc_config *base; /* --config / --set / flags */
    struct pmc_sim_opts sim;       /* simulator knobs before the space */
    const struct pmc_space *space;
    const char *space_path, *tape_path;
    enum pmc_search how;
    uint64_t seed;
    uint64_t trials;  /* sobol: how many; grid: at most (0 = the grid) */
    unsigned folds;   /* K, 2..64 (default 5) */
    unsigned embargo; /* days between in-sample and out-of-sample */
    enum pmc_objective objective;
    int jobs;
    int resume;
    enum pmc_opt_progress progress;
    const char *out;     /* the folder */
    const char *version; /* pmcopy's, for the outputs */
};

void pmc_opt_defaults(struct pmc_opt_opts *o);

/* Step 1: every trial into o->out. 0, or -1 with err. */
int pmc_opt_run(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                char *err, size_t cap);

/* What step 2 found (also written to overfit.json and summary.json). */
struct pmc_opt_verdict {
    uint64_t trials, best;
    double best_objective;
    double pbo, dsr, wfe;
    int pbo_known, dsr_known;
};

/* The UTC days a tape covers: the first, and how many (step 2's days). */
void pmc_opt_days(const struct pmc_rank_tape *t, pmc_ms *day0, uint32_t *ndays);

/* Step 2 over the ndays days from day0: the analysis and the output
 * files. 0, or -1 with err. */
int pmc_opt_analyse(pmc_ms day0, uint32_t ndays, const struct pmc_opt_opts *o,
                    struct pmc_opt_verdict *v, char *err, size_t cap);

/* ---- a sharded run (research/optimize/shard.c, research/shard/) -------
 *
 * OUT/manifest (the run's identity line, the trial count, the days, the
 * space file's bytes and the base configuration as JSON), OUT/part-I-of-N/
 * (step 1 for trials [total*I/N, total*(I+1)/N): a folder as step 1
 * writes, resumed when the shard runs again), OUT/part-I-of-N.done.
 * Merge: every part checked against its marker and the manifest, the
 * parts' files spliced into OUT's trials.jsonl, trials.csv and daily.bin
 * (the bytes the unsharded run writes), then step 2 as the unsharded run
 * does it. */

/* Shard `shard` of `nshards` of the run o describes (o->out the shared
 * folder): publish the manifest, step 1 for its trials, the marker. A
 * shard already done does nothing. 0, or -1 with err. */
int pmc_opt_shard_run(const struct pmc_rank_tape *t,
                      const struct pmc_opt_opts *o, unsigned shard,
                      unsigned nshards, FILE *log, char *err, size_t cap);

/* Is DIR/manifest an optimize run's? 1 yes, 0 no (or no manifest). */
int pmc_opt_is_sharded_run(const char *dir);

/* Merge the parts in dir and run step 2 from the manifest alone (no tape,
 * no configuration file, no environment). version: pmcopy's, for the
 * outputs. *obj: the run's objective (for printing v). 0, or -1 with err
 * naming the file. */
int pmc_opt_merge(const char *dir, const char *version,
                  struct pmc_opt_verdict *v, enum pmc_objective *obj, char *err,
                  size_t cap);

/* The verdict as `pmcopy optimize` prints it (out: the report folder). */
void pmc_opt_print_verdict(FILE *f, enum pmc_objective obj,
                           const struct pmc_opt_verdict *v, const char *out);

/* --strict: 0 met, else 1 with a line per failure on err (prog: "pmcopy
 * optimize" or "pmcopy merge"). */
int pmc_opt_strict(const struct pmc_opt_verdict *v, const char *prog,
                   FILE *err);

/* Objective names: pnl, celb, sharpe. -1 for another. */
int pmc_objective_parse(const char *s, enum pmc_objective *out);
const char *pmc_objective_name(enum pmc_objective o);

#endif
