/* research/shard/shard.h - a research run split into shards that a
 * scheduler runs anywhere (Slurm job arrays, Kubernetes indexed jobs), and
 * what `pmcopy merge` needs to put them back together: one contract for
 * `pmcopy rank` (research/rank/shard.h) and `pmcopy optimize`
 * (research/optimize/optimize.h), docs/shards.md.
 *
 * The common files of a sharded run, all in one folder OUT:
 *   OUT/manifest            what the run is, written by the kind of run;
 *                           its sha256 is the run id. The first shard
 *                           publishes it (pmc_shard_publish); every other
 *                           shard and merge refuse a folder whose manifest
 *                           differs.
 *   OUT/part-I-of-N         shard I's result (a file for rank, a folder
 *                           for optimize).
 *   OUT/part-I-of-N.done    the done marker: kind, run id, shard, the
 *                           count of results and the part's sha256;
 *                           written (atomically) after the part. Merge
 *                           takes no part without it.
 *
 * Decides: --shard's syntax and `auto`, the largest-first share, files
 * written whole or not at all, the marker's format, the race-free
 * publication of the manifest. Never: what a part holds or what makes two
 * processes one run (each kind's manifest says that). */
#ifndef PMC_SHARD_H
#define PMC_SHARD_H

#include <stdint.h>
#include <stdio.h>

#include "core/pmc.h"

#define PMC_SHARD_MAX 4096 /* shards of one run */

/* ---- shares (research/shard/share.c) ----------------------------------- */

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

/* ---- files (research/shard/files.c) --------------------------------- */

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

/* The kinds of sharded run; each names its marker and what it counts. */
enum pmc_shard_kind { PMC_SHARD_RANK = 0, PMC_SHARD_OPTIMIZE };

/* The done marker of a part. Its one line:
 *   pmcopy-rank-done 1 run=HEX shard=I/N wallets=C sha256=HEX
 *   pmcopy-optimize-done 1 run=HEX shard=I/N trials=C sha256=HEX */
struct pmc_shard_done {
    enum pmc_shard_kind kind;
    char run[65];      /* the run id: sha256 of the manifest */
    unsigned shard, n; /* I of N */
    uint64_t items;    /* rank: wallet lines; optimize: trials */
    char sha256[65];   /* of the part's bytes */
};
/* The marker's text (a line with '\n') into out; its length. */
size_t pmc_shard_done_format(const struct pmc_shard_done *d, char *out,
                             size_t cap);
/* Parse a marker's bytes (of either kind: check d->kind); PMC_EPARSE
 * with err naming `name`. */
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

/* Publish a run's manifest text[0..n) as DIR/manifest when absent
 * (atomically; no two shards race: the file is linked into place), else
 * check it has the same bytes: PMC_EMISMATCH ("DIR holds another run",
 * naming the first line that differs) when not. */
PMC_MUST_USE enum pmc_err pmc_shard_publish(const char *dir, const char *text,
                                            size_t n, char *err, size_t cap);

#endif
