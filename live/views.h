/* live/views.h - the operator views over the store (docs/store.md): what
 * `pmcopy positions`, `history`, `traders` and `journal` print, and the
 * journal export `pmcopy replay --db` runs on, and the read API of the
 * local HTTP API (live/readapi.c) prints the same views as JSON. Each view
 * opens the store read-only, writes on o->out (stdout when NULL) and names
 * any failure on stderr as "pmcopy VIEW: ..." (or into o->err when set);
 * it returns 0, or -1 after such a message. */
#ifndef PMC_LIVE_VIEWS_H
#define PMC_LIVE_VIEWS_H

#include <stdio.h>

#include "core/engine.h"
#include "core/tape.h"
#include "live/store.h"

enum pmc_view_fmt { PMC_VIEW_TEXT, PMC_VIEW_CSV, PMC_VIEW_JSON };

struct pmc_view_opts {
    const char *db;
    int fmt; /* enum pmc_view_fmt */
    struct pmc_store_filter filter;
    struct pmc_sym trader; /* storage for filter.trader */
    pmc_ms now;            /* traders: "today" is the UTC day of now ... */
    int has_now;           /* ... when set, else of the last record */
    int stages;            /* history: stage latencies instead of orders */
    FILE *out;             /* NULL = stdout */
    char *err;             /* NULL: failures on stderr; else written here */
    size_t errcap;
    size_t limit;    /* history, fills, skips: at most this many rows (0 = all);
                     the answer says when more were left out */
    int skip_reason; /* skips: -1 = every reason, else enum pmc_skip_reason */
    const struct pmc_engine *eng; /* traders: the core's accountability of
                                     this engine too (live/traders.h) */
};

/* Defaults: every order, text, the store at $DB_PATH, else pmcopy.db. */
void pmc_view_opts_init(struct pmc_view_opts *o);

/* ms since the epoch, or YYYY-MM-DD[THH:MM[:SS]][Z] in UTC. -1 if neither. */
int pmc_view_parse_time(const char *s, pmc_ms *out);

int pmc_view_positions(const struct pmc_view_opts *o);
int pmc_view_history(const struct pmc_view_opts *o);
int pmc_view_traders(const struct pmc_view_opts *o);
/* Our executions, oldest first (filter.since on the fill's time). */
int pmc_view_fills(const struct pmc_view_opts *o);
/* The core's skips from the journal, oldest first (filter.since on the
 * record's time, skip_reason). */
int pmc_view_skips(const struct pmc_view_opts *o);
/* Counts: orders by status, fills, skips by reason, stage latencies. */
int pmc_view_stats(const struct pmc_view_opts *o);

/* One frame of the position monitor (`positions --watch`): the open
 * positions with market name, outcome, shares, average entry, the core's
 * mark and unrealised P&L, then value and P&L; "today" is the UTC day of
 * o->now. Every line ends with eol then '\n' (e.g. "\033[K" to clear
 * what a previous frame left on a terminal). */
int pmc_view_monitor(const struct pmc_view_opts *o, const char *eol);

/* Where a view writes: o->out, or stdout. */
FILE *pmc_view_out(const struct pmc_view_opts *o);

/* The journal as a tape on stdout. */
int pmc_view_journal(const char *db);

/* Append the records of tape ("-" = stdin) to the journal of db, byte for
 * byte (creating the store); a record older than the journal's last is
 * refused. */
int pmc_view_journal_append(const char *db, const char *tape);

/* The journal of the store at db exported as a tape into a temporary
 * file, rewound. NULL with err set on failure; the caller fcloses it. */
FILE *pmc_journal_tmpfile(const char *db, char *err, size_t cap);

#endif
