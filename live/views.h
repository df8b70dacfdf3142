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
    /* monitor: the running session's quotes (NULL: the store's marks
     * only) and, when the session was asked but did not answer, why */
    const struct pmc_view_quotes *quotes;
    const char *quotes_why;
    int api_port; /* monitor: the session's API asked, 0 = none */
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

/* The running session's quotes (GET /quotes of its local API): the bid,
 * ask and core mark of every token held, and the day's P&L as the core
 * counts it (realised today + the change of unrealised since 00:00 UTC). */
struct pmc_view_quote {
    char token[PMC_SYM_MAX + 1];
    pmc_micros bid, ask, mark; /* 0 = side empty / unknown */
};
struct pmc_view_quotes {
    struct pmc_view_quote *v;
    size_t n;
    pmc_micros pnl_today, realized_today, unrealized;
    int ok;
    char why[192]; /* when not ok: what failed, naming host:port */
};
/* GET http://127.0.0.1:port/quotes with the bearer token (never written
 * anywhere). 0 and q filled, or -1 with q->why. pmc_view_quotes_free. */
int pmc_view_quotes_get(int port, const char *token, struct pmc_view_quotes *q);
/* The answer's body text[n] into q (any bytes: 0, or -1 with q->why). */
int pmc_view_quotes_parse(struct pmc_view_quotes *q, const char *text,
                          size_t n);
void pmc_view_quotes_free(struct pmc_view_quotes *q);

/* One frame of the position monitor (`positions --watch`): the open
 * positions with market name, outcome, shares, average entry, mark and
 * unrealised P&L, then value and P&L; "today" is the UTC day of o->now.
 * With o->quotes a long is marked at the book's bid (the price it would
 * sell at now; the core's mark when the bid side is empty) and "P&L
 * today" is the core's; without, the store's marks and the realised P&L
 * of the day. Every line ends with eol then '\n' (e.g. "\033[K" to clear
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
