/* research/optimize/opt_int.h - what the files of research/optimize/
 * share. Not for other modules. */
#ifndef PMC_OPT_INT_H
#define PMC_OPT_INT_H

#include <stdio.h>

#include "research/optimize/optimize.h"

/* daily.bin: a 64-byte header ("pmcopy-daily v1 days=N\n", padded), then
 * per trial in index order: N int64 daily P&L (USD micros), N int64
 * traded notional, native byte order (the file is the run's own scratch,
 * read back by the same build). */
#define PMC_OPT_DAILY_HEAD 64

/* One trial while it runs and until it is written. */
struct pmc__opt_trial {
    uint64_t index;
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];
    pmc_micros pnl, fees, traded;
    uint64_t orders, fills;
    int failed;
    char err[200];
    pmc_micros *x, *c; /* per day: P&L, traded notional */
};

/* The run's output files while step 1 writes them. */
struct pmc__opt_out {
    FILE *jsonl, *csv;
    int dfd;             /* daily.bin */
    unsigned char *dbuf; /* one trial's daily rows */
    uint32_t ndays;
    pmc_ms day0;
    char tape_sha[65];
    uint64_t base;        /* the folder's first trial (a shard's lo) */
    uint64_t cursor_next; /* the pool's next index (its mutex) */
    uint64_t trials;      /* written, after the pool */
    /* progress */
    int bar;
    uint64_t total, t0_ms;
    double best;
    int have_best;
};

/* "DIR/NAME" into buf; -1 when it does not fit. */
int pmc__opt_path(char *buf, size_t cap, const char *dir, const char *name);

/* The trials of the run: --trials, or the grid (at most --trials). */
uint64_t pmc__opt_total(const struct pmc_opt_opts *o);

/* The run's identity line (with its '\n') into out: what makes two runs
 * one (run.id, and a sharded run's manifest). 0, or -1 with err. */
int pmc__opt_identity(const struct pmc_opt_opts *o, const char *tape_sha,
                      char *out, size_t cap, char *err, size_t ecap);

/* Step 1 for trials [lo, hi) into the folder dir (run.id, trials.jsonl,
 * trials.csv, daily.bin with trial lo first); resume: continue what dir
 * holds, else refuse a folder that holds a run. tape_sha: the tape's
 * sha256 when the caller has it (NULL: hashed here). 0, or -1 with err. */
int pmc__opt_step1(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                   const char *tape_sha, const char *dir, uint64_t lo,
                   uint64_t hi, int resume, char *err, size_t cap);

/* One trial (r->index and r->vals set; r->x, r->c zeroed, ndays long).
 * 0 (r->failed with r->err when the trial itself failed), -1 out of
 * memory. */
int pmc__opt_trial(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                   struct pmc_sim *s, struct pmc_config *c,
                   struct pmc__opt_trial *r);

/* Trials first..end (end excluded; a grid also ends at its size) on
 * o->jobs threads, written in index order. 0, or -1 with err. */
int pmc__opt_pool(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                  struct pmc__opt_out *w, uint64_t first, uint64_t end,
                  char *err, size_t cap);

/* Progress after a trial is written (under the pool's mutex; run.c). */
void pmc__opt_progress(const struct pmc_opt_opts *o, struct pmc__opt_out *w,
                       uint64_t done, const struct pmc__opt_trial *r);

/* A sharded run's manifest (shard.c), parsed: pointers into text. */
struct pmc__opt_manifest {
    char *text; /* its bytes (the caller's) */
    size_t len;
    char id[65];
    const char *ident; /* the identity line, with its '\n' */
    size_t ident_len;
    uint64_t trials;
    pmc_ms day0;
    uint32_t ndays;
    const char *space, *config;
    size_t space_len, config_len;
};

/* Parse m->text[0..m->len) (set by the caller); name for messages. 0, or
 * -1 with err ("NAME: not an optimize manifest ..."). */
int pmc__opt_manifest_parse(struct pmc__opt_manifest *m, const char *name,
                            char *err, size_t cap);

#endif
