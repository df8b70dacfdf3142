/* sim/sweep.h - a latency sweep: one tape read and parsed once into
 * memory, then one full backtest per detection latency over it (the same
 * configuration and simulator knobs, the latency of every source kind set
 * to the item), each run's report folder written as `pmcopy backtest`
 * writes it, and one comparison of the runs (sweep.csv, sweep.json,
 * gnuplot charts, index.html linking each run's report.html; or a table).
 *
 * Decides: how the tape is held (sweep_tape.c: every record, compact:
 * tokens, wallets and market ids interned, books by their used levels),
 * the order of the runs and rows (the order given, whatever --jobs), what
 * a row holds (sweep.c) and how the comparison reads (sweep_page.c).
 * Never: reads the tape twice, reads a clock, or lets the thread that ran
 * a latency show in any output. docs/backtest.md ("Latency sweeps"). */
#ifndef PMC_SIM_SWEEP_H
#define PMC_SIM_SWEEP_H

#include <stdio.h>

#include "sim/report.h"
#include "sim/sim.h"

/* Most latencies in one sweep. */
#define PMC_SWEEP_MAX 16

/* ---- the tape, parsed once (sweep_tape.c) ----------------------------- */

struct pmc_sweep_tape; /* opaque, read-only once loaded */

/* Read a whole tape (proto/tapeio: header, order, every record checked);
 * NULL with err ("file:line: reason", or out of memory) on failure. */
struct pmc_sweep_tape *pmc_sweep_tape_load(FILE *f, const char *name, char *err,
                                           size_t cap);
void pmc_sweep_tape_free(struct pmc_sweep_tape *t);
uint64_t pmc_sweep_tape_records(const struct pmc_sweep_tape *t);
/* Bytes held (records and symbol table). */
size_t pmc_sweep_tape_bytes(const struct pmc_sweep_tape *t);

/* A reader of the records from the first, as the simulator's feed: the
 * records come back as the tape reader gave them, byte for byte. */
struct pmc_sweep_cursor {
    const struct pmc_sweep_tape *t;
    size_t off;
    uint64_t i;
};
void pmc_sweep_feed(const struct pmc_sweep_tape *t, struct pmc_sweep_cursor *c,
                    struct pmc_sim_feed *feed);

/* ---- the runs (sweep.c) ----------------------------------------------- */

/* One latency's results. P&L, fees, drawdown as summary.json has them;
 * follower penalty = the copied traders' own P&L over the same tape
 * (summary.json risk.source_pnl_usd) - our P&L; at our size = the sum over
 * the markets both bought in of source P&L x our bought / source bought -
 * our P&L (source_markets.csv penalty_usd, exact). */
struct pmc_sweep_row {
    pmc_ms latency;
    pmc_micros pnl, fees, source_pnl, penalty, penalty_sized, max_dd;
    double fill_rate; /* filled shares / ordered shares (summary.json) */
    double max_dd_pct;
    uint64_t orders, fills, source_fills;
    int ledger_ok;
    char dir[32]; /* latency-<ms>ms, "" without report folders */
};

struct pmc_sweep {
    const struct pmc_config *cfg;
    const struct pmc_sim_opts *o; /* each run: lat_src[*] = its latency */
    const char *name, *tape, *config_file; /* as pmc_report_info */
    /* the latency model in words, for each run's report */
    void (*lat_desc)(const struct pmc_sim_opts *o, char *b, size_t cap);
    const char *out; /* report folders under it; NULL: none */
    const pmc_ms *lat;
    size_t n;      /* 1 .. PMC_SWEEP_MAX */
    unsigned jobs; /* runs at once, on threads (1: none) */
};

/* Run every latency over t, in batches of w->jobs; rows[i] for lat[i].
 * With w->out, each run's folder is w->out/latency-<ms>ms. A run whose
 * ledger checks fail still gets its row (ledger_ok = 0). PMC_OK, or the
 * error with err naming the latency. */
PMC_MUST_USE enum pmc_err pmc_sweep_run(const struct pmc_sweep *w,
                                        const struct pmc_sweep_tape *t,
                                        struct pmc_sweep_row *rows, char *err,
                                        size_t cap);

/* ---- the comparison (sweep_page.c) ------------------------------------ */

/* The comparison table, one line per row in the order given. */
void pmc_sweep_text(FILE *f, const struct pmc_sweep *w,
                    const struct pmc_sweep_row *rows);
/* sweep.json: the run and one object per row. */
void pmc_sweep_json(FILE *f, const struct pmc_sweep *w,
                    const struct pmc_sweep_row *rows);
/* In w->out: sweep.csv, sweep.json, the charts (reports/sweep.gp; left out
 * with a warning when gnuplot is missing or fails) and index.html. */
PMC_MUST_USE enum pmc_err pmc_sweep_page(const struct pmc_sweep *w,
                                         const struct pmc_sweep_row *rows,
                                         char *err, size_t cap);

#endif
