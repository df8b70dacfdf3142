/* research/rank/candidates.h - who `pmcopy rank` screens, and their
 * history when it is not given as a tape (docs/rank.md).
 *
 * Candidates come from the command line, a file of addresses and the
 * leaderboard (through research/fetch: its cache, its rate limits, its
 * retries); repeats are merged, the first mention keeps its place and a
 * leaderboard row gives its P&L. The history of the candidates is one
 * `fetch tape` over the window.
 *
 * Decides: the candidate order (arguments, file, leaderboard; first
 * mention), the leaderboard P&L as micros (rounded half-to-even, never
 * through a double). Never: ranks, reads the tape. */
#ifndef PMC_RANK_CANDIDATES_H
#define PMC_RANK_CANDIDATES_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"
#include "research/fetch/fetch.h"

struct pmc_rank_cand {
    struct pmc_sym addr; /* normalised: 0x + 40 lowercase hex */
    int from_board;      /* first mentioned by the leaderboard */
    int has_lb;          /* lb_pnl is the leaderboard's P&L */
    pmc_micros lb_pnl;
};

struct pmc_rank_cands {
    struct pmc_rank_cand *v;
    size_t n, cap;
};

/* The address s (n bytes) as a candidate; where names it in an error
 * ("argument", "FILE:LINE"). 0, or -1 with err. */
int pmc_rank_cands_add(struct pmc_rank_cands *c, const char *s, size_t n,
                       const char *where, char *err, size_t cap);

/* Every address of a file: one a line, '#' comments, blank lines, a
 * trailing comma or text after a blank ignored. 0, or -1 with err
 * ("FILE:LINE: reason"). */
int pmc_rank_cands_file(struct pmc_rank_cands *c, const char *path, char *err,
                        size_t cap);

/* The rows of the leaderboards fo asks for, with their P&L. Returns the
 * exit status of research/fetch (0, 1, 2); a P&L that is not a decimal
 * leaves has_lb 0 and is named on stderr. */
int pmc_rank_cands_leaderboard(struct pmc_rank_cands *c,
                               const struct pmc_fetch_opts *fo);

/* Merge repeats: the first mention stays, in its place, and takes a
 * leaderboard P&L a later mention carries. -1 out of memory. */
int pmc_rank_cands_dedupe(struct pmc_rank_cands *c);

/* One `fetch tape` of every candidate over fo->since..fo->until into
 * fo->out. Returns the exit status of research/fetch; -1 out of memory. */
int pmc_rank_cands_fetch(const struct pmc_rank_cands *c,
                         const struct pmc_fetch_opts *fo);

void pmc_rank_cands_free(struct pmc_rank_cands *c);

#endif
