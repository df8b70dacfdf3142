/* proto/wire/import.h - Polymarket's native JSON (plain or gzip) to one
 * tape, sorted by t (docs/import.md). */
#ifndef PMC_WIRE_IMPORT_H
#define PMC_WIRE_IMPORT_H

#include <stdio.h>

#include "core/tape.h"

/* Which decoder reads the files. */
enum pmc_import_kind {
    PMC_IMPORT_ACTIVITY, /* data-api /activity rows */
    PMC_IMPORT_TRADES,   /* data-api /trades rows (same decoder) */
    PMC_IMPORT_PRICES,   /* CLOB /prices-history */
    PMC_IMPORT_MARKETS,  /* Gamma market objects or events */
    PMC_IMPORT_BOOK,     /* CLOB market-channel frames, one per line */
    PMC_IMPORT_LOGS      /* Polygon OrderFilled logs */
};

struct pmc_import_opts {
    enum pmc_import_kind kind;
    int lines;         /* every file holds one JSON document per line */
    int depth;         /* book: also ev=book depth records */
    int no_meta;       /* no synthesised ev=market records */
    const char *token; /* prices: the token (NULL: guessed) */
    const struct pmc_sym *wallet; /* logs: only this wallet's fills */
    pmc_micros fee_rate;          /* up/down crypto markets without fees */
    int fee_exp;
};

/* Every kind, lines per file name, fee rate 0.25, exponent 2. */
void pmc_import_defaults(struct pmc_import_opts *o);

/* The kind named s ("activity", "trades", ...): 1, or 0 if none. */
int pmc_import_kind_parse(const char *s, enum pmc_import_kind *k);

/* Read the files ("-" = stdin) and write one tape on out; a summary line
 * on stderr. 0, or -1 after naming the failure on stderr as FILE:ROW:
 * reason. */
int pmc_import_run(const struct pmc_import_opts *o, const char *const *files,
                   size_t nfiles, FILE *out);

#endif
