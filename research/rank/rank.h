/* research/rank/rank.h - `pmcopy rank`: which wallets are worth copying at
 * the user's latency (docs/rank.md).
 *
 * Three steps, each usable alone (a sharded run does the second on many
 * machines and the third once, in `pmcopy merge`):
 *   1. pmc_rank_tape_load: the tape parsed once into memory, indexed by
 *      token and by wallet; read-only afterwards, shared by every thread;
 *   2. pmc_rank_wallet_run: one wallet's backtests (the user's
 *      configuration, the simulator of sim/, the loop of core/driver.c)
 *      at latencies 0, L*, 2L*, 4L* and at L* with 4x the size, reduced to
 *      per-market integers (struct pmc_rank_wallet); pmc_rank_run does it
 *      for many wallets on --jobs threads;
 *   3. pmc_rank_finish: what needs every wallet (K, the z of the lower
 *      bound, scores, ranks) and the table / JSON / CSV output.
 * The result of step 2 depends only on (tape, configuration, latencies,
 * window, wallet): never on the thread, the shard or the order of wallets.
 *
 * Decides: the score and its diagnostics. Never: reads a clock, fetches,
 * or lets --jobs change a byte of the output. Money stays integer micros
 * until the statistics (doubles, gsl) of step 3. */
#ifndef PMC_RANK_H
#define PMC_RANK_H

#include <stdio.h>

#include "core/config.h"
#include "sim/sim.h"

/* Runs per wallet: latencies 0, L*, 2L*, 4L*, then L* at 4x the size. */
enum {
    PMC_RANK_L0 = 0,
    PMC_RANK_L1,  /* L*, the user's detection latency */
    PMC_RANK_L2,  /* 2 L* */
    PMC_RANK_L4,  /* 4 L* */
    PMC_RANK_CAP, /* L*, sizing, caps and capital x4 (capacity) */
    PMC_RANK_NRUNS
};
#define PMC_RANK_NLAT 4         /* the first four runs are latencies */
#define PMC_RANK_MIN_MARKETS 20 /* resolved markets to be rated */
#define PMC_RANK_MIN_DAYS 5     /* active days to be rated */
#define PMC_RANK_ALPHA 0.05     /* family-wise level of the lower bound */

/* One market of one wallet (neg-risk markets of one event are one group),
 * in order of the wallet's first fill in it. */
struct pmc_rank_market {
    pmc_micros x[PMC_RANK_NRUNS];     /* copier P&L: realized + marked - fees */
    pmc_micros c[PMC_RANK_NRUNS];     /* copier bought notional (USD) */
    uint8_t resolved[PMC_RANK_NRUNS]; /* every token held was paid out */
};

/* One wallet's backtests, reduced. Plain integers and one owned array:
 * writing the fields as decimal integers and reading them back gives the
 * same struct (pmc_rank_wallet_write / _read). */
struct pmc_rank_wallet {
    struct pmc_sym addr;
    char label[48];
    pmc_ms lat[PMC_RANK_NRUNS]; /* detection latency of each run */
    uint64_t records;           /* tape records of its view (work size) */
    uint64_t fills;             /* its source fills in the window */
    uint32_t active_days;       /* UTC days with at least one fill */
    /* per run totals */
    pmc_micros copy_pnl[PMC_RANK_NRUNS];    /* = sum of x over markets */
    pmc_micros copy_bought[PMC_RANK_NRUNS]; /* = sum of c */
    uint64_t orders[PMC_RANK_NRUNS], fills_copied[PMC_RANK_NRUNS];
    uint64_t skips[PMC_SKIP_COUNT]; /* at L* */
    /* the source itself over the window */
    pmc_micros src_pnl;    /* cash flow + payouts + open shares at mark */
    pmc_micros src_bought; /* source buy notional */
    pmc_micros src_volume; /* buy + sell notional */
    uint64_t taker_fills;  /* fills that crossed the quote shown */
    uint64_t role_known;   /* fills with a quote to judge by */
    pmc_ms hold_median;    /* median holding time of its positions, -1 none */
    /* leaderboard P&L when known (the online path); has_lb = 0 offline */
    int has_lb;
    pmc_micros lb_pnl;
    /* a backtest that failed: listed unrated with this reason */
    int failed;
    char err[160];
    uint32_t nmarkets;
    struct pmc_rank_market *m; /* owned, nmarkets entries */
};

/* Step 3's view of one wallet (doubles; derived, never stored in parts). */
struct pmc_rank_score {
    int rated;
    uint32_t rank; /* 1-based; 0 when unrated */
    char why[96];  /* why unrated, "" when rated */
    double score;  /* USD per active day: D * min(LB(L*), LB(2L*)) */
    double edge[PMC_RANK_NRUNS]; /* e-hat per run (NaN-free: 0 if no c) */
    double se[PMC_RANK_NLAT];
    double edge_loo[PMC_RANK_NLAT], se_loo[PMC_RANK_NLAT];
    double lb[PMC_RANK_NLAT];
    double d_usd_day;   /* D = sum c(L*) / active days */
    double half_ms;     /* latency where the edge halves, -1 = not within 4L* */
    double eff_markets; /* (sum c)^2 / sum c^2 at L* */
    double best_share;  /* largest x over sum x at L* (0 when sum x <= 0) */
    double taker_share; /* taker_fills / role_known, -1 unknown */
    uint32_t markets, markets_resolved; /* at L*, c > 0 */
};

/* ---- step 1: the tape ------------------------------------------------- */

struct pmc_rank_tape; /* opaque, read-only once loaded */

/* Read a whole tape (proto/tapeio: header, order, every record checked).
 * Neg-risk markets carrying an `event=ID` key on their market records are
 * grouped by it. NULL with err ("file:line: reason") on failure. */
struct pmc_rank_tape *pmc_rank_tape_load(FILE *f, const char *name, char *err,
                                         size_t cap);
void pmc_rank_tape_free(struct pmc_rank_tape *t);

/* Wallets with at least one fill, in order of first appearance. */
size_t pmc_rank_tape_nwallets(const struct pmc_rank_tape *t);
const struct pmc_sym *pmc_rank_tape_wallet(const struct pmc_rank_tape *t,
                                           size_t i);
/* Records of wallet i's view (its fills and its tokens' data): the work
 * one wallet costs, for balancing shards. */
uint64_t pmc_rank_tape_wallet_size(const struct pmc_rank_tape *t, size_t i);
/* Index of a normalised address, -1 when it has no fill on the tape. */
long pmc_rank_tape_find(const struct pmc_rank_tape *t, const struct pmc_sym *a);
uint64_t pmc_rank_tape_records(const struct pmc_rank_tape *t);
/* Record i (0 <= i < pmc_rank_tape_records) of the whole tape, in tape
 * order, as the simulator reads it (every wallet's fills included). */
void pmc_rank_tape_record(const struct pmc_rank_tape *t, uint64_t i,
                          struct pmc_record *r);
pmc_ms pmc_rank_tape_first(const struct pmc_rank_tape *t);
pmc_ms pmc_rank_tape_last(const struct pmc_rank_tape *t);

/* ---- step 2: one wallet's backtests ----------------------------------- */

struct pmc_rank_opts {
    const struct pmc_config *cfg; /* the user's (traders[] ignored except a
                                     matching entry's ratio and label) */
    struct pmc_sim_opts sim;      /* simulator knobs; lat_src overridden */
    pmc_ms latency;               /* L*, default 400 */
    pmc_ms since, until;          /* window [since, until); 0 = open */
    int jobs;                     /* threads of pmc_rank_run, default 2 */
};

void pmc_rank_opts_defaults(struct pmc_rank_opts *o,
                            const struct pmc_config *cfg);

/* Backtest wallet i of t (PMC_RANK_NRUNS runs) into *w (zeroed first; free
 * with pmc_rank_wallet_free). A backtest that fails leaves w->failed set
 * with the reason and returns PMC_OK: the wallet is listed unrated.
 * PMC_ENOMEM only when memory ran out. */
PMC_MUST_USE enum pmc_err pmc_rank_wallet_run(const struct pmc_rank_tape *t,
                                              size_t i,
                                              const struct pmc_rank_opts *o,
                                              struct pmc_rank_wallet *w);
void pmc_rank_wallet_free(struct pmc_rank_wallet *w);

/* Every wallet of idx[0..n) into w[0..n) on o->jobs threads. */
PMC_MUST_USE enum pmc_err pmc_rank_run(const struct pmc_rank_tape *t,
                                       const size_t *idx, size_t n,
                                       const struct pmc_rank_opts *o,
                                       struct pmc_rank_wallet *w);

/* One wallet as one text line of integers (exact), and back. read returns
 * 1 = read, 0 = end of input, -1 = malformed (err says where). */
int pmc_rank_wallet_write(FILE *f, const struct pmc_rank_wallet *w);
int pmc_rank_wallet_read(FILE *f, struct pmc_rank_wallet *w, char *err,
                         size_t cap);

/* Each wallet line of p[0..n) (a part's body; line numbers from `line`,
 * the first body line): fn takes the wallet (it owns it: frees or keeps
 * it) or returns an error with err set. *count = lines read. A malformed
 * line is PMC_EPARSE with "NAME: line L: reason". */
typedef enum pmc_err (*pmc_rank_wallet_fn)(void *ctx, struct pmc_rank_wallet *w,
                                           size_t line, char *err, size_t cap);
PMC_MUST_USE enum pmc_err pmc_rank_wallets_each(const char *p, size_t n,
                                                const char *name, size_t line,
                                                pmc_rank_wallet_fn fn,
                                                void *ctx, uint64_t *count,
                                                char *err, size_t cap);

/* ---- step 3: scores, ranks, output ------------------------------------ */

/* z = Phi^-1(1 - 0.05 / K), the one-sided normal quantile of the bound. */
double pmc_rank_z(size_t K);

/* Scores for w[0..n) with K wallets screened (K = n in one run; merge
 * passes the run's total). Ranks: rated wallets by score descending, ties
 * by address; deterministic. -1 when out of memory. */
int pmc_rank_score_all(const struct pmc_rank_wallet *w, size_t n, size_t K,
                       struct pmc_rank_score *sc);

enum pmc_rank_fmt { PMC_RANK_TABLE = 0, PMC_RANK_JSON, PMC_RANK_CSV };

/* Write the ranking: rated by rank, then unrated by address; top > 0 keeps
 * the first top rows (the table's footer still counts every wallet). 0 ok,
 * -1 out of memory or write error. */
int pmc_rank_write(FILE *f, enum pmc_rank_fmt fmt,
                   const struct pmc_rank_wallet *w,
                   const struct pmc_rank_score *sc, size_t n, size_t K,
                   size_t top);

/* Steps 3 in one call (what an unsharded run and `merge` both do): score
 * with K, write fmt to f. 0 ok, -1 (out of memory or write error). */
int pmc_rank_finish(FILE *f, enum pmc_rank_fmt fmt,
                    const struct pmc_rank_wallet *w, size_t n, size_t K,
                    size_t top);

#endif
