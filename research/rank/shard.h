/* research/rank/shard.h - a `pmcopy rank` run split into shards that a
 * scheduler runs anywhere (Slurm job arrays, Kubernetes indexed jobs), and
 * `pmcopy merge` putting them back together (docs/shards.md).
 *
 * The files of a sharded run, all in one folder OUT:
 *   OUT/manifest            what the run is: the configuration (JSON), the
 *                           rank and simulator options, the tape (bytes,
 *                           sha256) and the candidates in run order with
 *                           their sizes. Its sha256 is the run id. The
 *                           first shard writes it; every other shard and
 *                           merge refuse a folder whose manifest differs.
 *   OUT/part-I-of-N         shard I's wallets, one pmc_rank_wallet_write
 *                           line each, in candidate order, after a header
 *                           naming the run; written whole (temp file,
 *                           fsync, rename) when the shard is complete.
 *   OUT/part-I-of-N.done    the done marker: run id, shard, wallet count and
 *                           the part's sha256; written (atomically) after
 *                           the part. Merge takes no part without it.
 *   OUT/part-I-of-N.d/      while the shard runs: its finished wallets in
 *                           batches, each file written atomically; a shard
 *                           started again skips those wallets. Removed
 *                           once the done marker is in.
 *
 * Shares: the candidates by size (records of the wallet's view) largest
 * first, each to the shard with the least work so far (the lowest index on
 * a tie): deterministic, and within one wallet of an even split.
 *
 * Decides: the shares, the files and what merge refuses. Never: reads a
 * clock, changes a wallet's result (step 2 of rank.h does not depend on the
 * shard), or lets the split change a byte of the merged output: merge calls
 * pmc_rank_finish as an unsharded run does, with K = every candidate. */
#ifndef PMC_RANK_SHARD_H
#define PMC_RANK_SHARD_H

#include <stdint.h>
#include <stdio.h>

#include "core/pmc.h"
#include "research/rank/rank.h"
#include "research/shard/shard.h"

/* ---- the manifest (research/rank/manifest.c) -------------------------- */

struct pmc_manifest {
    char *text; /* the file's bytes, NUL-terminated (owned) */
    size_t len;
    char id[65];                   /* sha256 of text: the run id */
    size_t n;                      /* candidates */
    char (*addr)[PMC_SYM_MAX + 1]; /* n addresses in run order (owned) */
    uint64_t *size;                /* n sizes (owned) */
};

/* What a run is made of, for pmc_manifest_build. */
struct pmc_manifest_in {
    const struct pmc_rank_opts *opts; /* configuration and options */
    const char *tape_sha256;          /* 64 hex digits */
    uint64_t tape_bytes;
    size_t n;                /* candidates, in run order: */
    const char *const *addr; /* their addresses */
    const uint64_t *size;    /* their sizes */
};

/* Build the manifest text and id. PMC_ENOMEM, PMC_EIO (the configuration
 * did not write), PMC_EPARSE (an address with a blank or control byte). */
PMC_MUST_USE enum pmc_err pmc_manifest_build(struct pmc_manifest *m,
                                             const struct pmc_manifest_in *in,
                                             char *err, size_t cap);
/* Read DIR/manifest back (its id, candidates and sizes). PMC_ENOTFOUND,
 * PMC_EPARSE with the line. */
PMC_MUST_USE enum pmc_err pmc_manifest_load(struct pmc_manifest *m,
                                            const char *dir, char *err,
                                            size_t cap);
void pmc_manifest_free(struct pmc_manifest *m);

/* ---- a shard and the merge (research/rank/shardrun.c, merge.c) -------- */

/* The sharded form of pmc_rank_run + pmc_rank_finish: publish OUT/manifest
 * for the candidates idx[0..n) of t (run order), compute shard's share,
 * skip the wallets an earlier attempt finished (OUT/part-I-of-N.d/), back
 * the others up in batches, then write the part and its done marker. A
 * shard already done (a valid marker) does nothing. tape_path: the file t
 * was read from (hashed into the manifest). log: progress lines, may be
 * NULL. PMC_OK, else err says what and where. */
PMC_MUST_USE enum pmc_err
pmc_rank_shard_run(const struct pmc_rank_tape *t, const size_t *idx, size_t n,
                   const struct pmc_rank_opts *o, const char *tape_path,
                   unsigned shard, unsigned nshards, const char *outdir,
                   FILE *log, char *err, size_t cap);

/* Read OUT/manifest and every part with its done marker; refuse parts of
 * another run, a part without its marker (or one that does not match it),
 * a marker without its part, parts of different splits, a wallet that is
 * not a candidate, in two parts, or in none; then pmc_rank_finish(f, fmt,
 * wallets, n, K = n, top), the output of the unsharded run. report: NULL,
 * or a folder for report.html, ranking.json and ranking.csv from the
 * wallets alone (pmc_rank_report_html; no wallet's own backtest report:
 * those need the tape). */
PMC_MUST_USE enum pmc_err pmc_rank_merge(const char *outdir, FILE *f,
                                         enum pmc_rank_fmt fmt, size_t top,
                                         const char *report, char *err,
                                         size_t cap);

#endif
