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

#define PMC_SHARD_MAX 4096 /* shards of one run */

/* ---- shares (research/rank/shard.c) ----------------------------------- */

/* Parse a --shard value: "I/N" (0 <= I < N <= PMC_SHARD_MAX, decimal) or
 * "auto": Slurm's SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of
 * SLURM_ARRAY_TASK_COUNT (a contiguous array), or, with PMCOPY_SHARDS=N set,
 * SLURM_ARRAY_TASK_ID or else JOB_COMPLETION_INDEX (a Kubernetes indexed job)
 * as I of N. 0 ok, -1 with the reason in err ("--shard ..."). */
int pmc_shard_parse(const char *spec, unsigned *i, unsigned *n, char *err,
                    size_t cap);

/* Owner shard of each of m candidates of size[0..m): greedy largest first
 * (ties: the earlier candidate), each to the least loaded shard (ties: the
 * lowest index). owner[0..m) in [0, n). PMC_ENOMEM, PMC_EUSAGE (n == 0). */
PMC_MUST_USE enum pmc_err pmc_shard_assign(const uint64_t *size, size_t m,
                                           unsigned n, unsigned *owner);

/* Candidates by address, for the checks of a shard and of merge. */
struct pmc_shard_index {
    const char *const *addr; /* not owned */
    size_t *ord;             /* 0..n) sorted by addr (owned) */
    size_t n;
};
/* Sort; PMC_ENOMEM, or PMC_EMISMATCH with *dup the position of an address
 * listed twice (the second). */
PMC_MUST_USE enum pmc_err pmc_shard_index_init(struct pmc_shard_index *x,
                                               const char *const *addr,
                                               size_t n, size_t *dup);
/* Position of a in the list, -1 when absent. */
long pmc_shard_index_find(const struct pmc_shard_index *x, const char *a);
void pmc_shard_index_fini(struct pmc_shard_index *x);

/* ---- files (research/rank/partfile.c) --------------------------------- */

/* Write p[0..n) to path as a whole or not at all: path.PID.tmp, fsync,
 * rename, fsync of the folder. PMC_EIO with err naming the path and errno. */
PMC_MUST_USE enum pmc_err pmc_shard_write_atomic(const char *path,
                                                 const void *p, size_t n,
                                                 char *err, size_t cap);

/* Read a whole file into a malloc'd buffer (NUL-terminated, *n bytes
 * without it) of at most max bytes. PMC_ENOTFOUND when it does not exist,
 * PMC_ERANGE when larger, PMC_EIO, PMC_ENOMEM; err names the path. */
PMC_MUST_USE enum pmc_err pmc_shard_read_file(const char *path, size_t max,
                                              char **buf, size_t *n, char *err,
                                              size_t cap);

/* sha256 of a file's bytes as 64 lowercase hex digits, and its size. */
PMC_MUST_USE enum pmc_err pmc_shard_hash_file(const char *path, char hex[65],
                                              uint64_t *bytes, char *err,
                                              size_t cap);
void pmc_shard_hash_hex(const void *p, size_t n, char hex[65]);

/* The done marker of a part. Its one line:
 *   pmcopy-rank-done 1 run=HEX shard=I/N wallets=C sha256=HEX */
struct pmc_shard_done {
    char run[65];      /* the run id: sha256 of the manifest */
    unsigned shard, n; /* I of N */
    uint64_t wallets;  /* lines after the part's header */
    char sha256[65];   /* of the part file's bytes */
};
/* The marker's text (a line with '\n') into out; its length. */
size_t pmc_shard_done_format(const struct pmc_shard_done *d, char *out,
                             size_t cap);
/* Parse a marker's bytes; PMC_EPARSE with err naming `name`. */
PMC_MUST_USE enum pmc_err pmc_shard_done_parse(const char *s, size_t n,
                                               const char *name,
                                               struct pmc_shard_done *d,
                                               char *err, size_t cap);

/* A part's (and a batch's) first line:
 *   pmcopy-rank-part 1 run=HEX shard=I/N
 * parse: the run id and I/N; PMC_EPARSE with err naming `name`. */
size_t pmc_shard_part_header(const char *run, unsigned i, unsigned n, char *out,
                             size_t cap);
PMC_MUST_USE enum pmc_err
pmc_shard_part_header_parse(const char *line, const char *name, char run[65],
                            unsigned *i, unsigned *n, char *err, size_t cap);

/* The header line of a part's (or batch's) bytes buf[0..n): its run, shard
 * I/N, and *body, where its wallet lines begin. PMC_EPARSE with err
 * ("NAME: line 1: ..."). buf is not changed. */
PMC_MUST_USE enum pmc_err pmc_shard_part_split(char *buf, size_t n,
                                               const char *name, char run[65],
                                               unsigned *i, unsigned *nn,
                                               size_t *body, char *err,
                                               size_t cap);

/* "DIR/part-I-of-N" (+ suffix) into out; -1 when it does not fit. */
int pmc_shard_part_path(const char *dir, unsigned i, unsigned n,
                        const char *suffix, char *out, size_t cap);
/* Is name "part-I-of-N" exactly (no suffix)? 1 with I, N set, else 0. */
int pmc_shard_part_name(const char *name, unsigned *i, unsigned *n);

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
/* Write DIR/manifest when absent (atomically; no two shards race: the file
 * is linked into place), else check it has the same bytes: PMC_EMISMATCH
 * ("DIR holds another run") when not. */
PMC_MUST_USE enum pmc_err pmc_manifest_publish(const struct pmc_manifest *m,
                                               const char *dir, char *err,
                                               size_t cap);
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
