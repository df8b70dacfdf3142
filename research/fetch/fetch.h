/* research/fetch/fetch.h - `pmcopy fetch`: Polymarket history into a local
 * cache and, for `fetch tape`, one tape a backtest reads (docs/fetch.md).
 *
 * Decides which requests each subcommand needs (wallet activity windows,
 * Gamma markets, trade prints, price histories, leaderboards), in which
 * order they are run, when a cached answer stands for the network (a
 * window that ended more than an hour ago is sealed; --offline takes any
 * cached answer and fails on the first missing one), the end summary and
 * the exit status (1 on any failure or overflow: nothing is truncated
 * silently). app/fetch.c only turns flags into these options. */
#ifndef PMC_FETCH_H
#define PMC_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "research/fetch/progress.h"

struct pmc_fetch_opts {
    const char *cache_dir;
    int offline;
    const char *data_api, *gamma_url, *clob_url;
    int jobs;
    enum pmc_fx_pmode progress;
    int64_t since, until; /* seconds; -1 = not given */
    const char *out;      /* tape (tape: required; others: optional) */
    const char *const *conditions;
    size_t nconditions;
    const char *const *tokens;
    size_t ntokens;
    int from_cache;
    const char *category, *period, *order_by; /* NULL = every one */
    int lb_limit;                             /* leaderboard rows per board */
    uint64_t seed;
    int max_retries;
    int64_t limits[3]; /* documented requests per 10 s: data, gamma, clob */
    int page_limit;    /* /activity and /trades page size (500) */
    int offset_cap;    /* their offset cap (10000) */
    uint64_t max_rows; /* rows served per run before it fails (10000000) */
    int64_t chunk_s;   /* activity windows start aligned to this (7 d) */
    int fidelity;      /* prices-history minutes (1) */
};

/* The documented defaults (limits of protocol section 4.5: data 1000,
 * Gamma /markets 300, CLOB /prices-history 1000 per 10 s). */
void pmc_fetch_defaults(struct pmc_fetch_opts *o);

/* Run subcommand sub ("wallet", "markets", "prints", "prices",
 * "leaderboard", "tape") on its arguments (addresses or tokens). Returns
 * the exit status: 0, 1 (failure, overflow, --offline miss; named on
 * stderr) or 2 (bad arguments). */
int pmc_fetch_run(const char *sub, const struct pmc_fetch_opts *o,
                  const char *const *args, size_t nargs);

/* One leaderboard row, its members as the server sent them (NULL when
 * absent): rank, proxyWallet, userName, pnl, vol. */
enum { PMC_FETCH_BOARD_NF = 5 };
struct pmc_fetch_board_row {
    const char *category, *period, *order_by; /* the board */
    const char *f[PMC_FETCH_BOARD_NF];
    size_t n[PMC_FETCH_BOARD_NF];
};
#define PMC_FETCH_BOARD_RANK 0
#define PMC_FETCH_BOARD_WALLET 1
#define PMC_FETCH_BOARD_NAME 2
#define PMC_FETCH_BOARD_PNL 3
#define PMC_FETCH_BOARD_VOL 4
/* Called for each row; nonzero stops with exit status 1. */
typedef int (*pmc_fetch_board_fn)(const struct pmc_fetch_board_row *r,
                                  void *ctx);

/* The leaderboards o asks for (o->category, o->period, o->order_by; NULL =
 * every one), o->lb_limit rows each, through the cache like every fetch;
 * fn sees every row, board by board in a fixed order. Returns the exit
 * status as pmc_fetch_run. */
int pmc_fetch_leaderboard(const struct pmc_fetch_opts *o, pmc_fetch_board_fn fn,
                          void *ctx);

#endif
