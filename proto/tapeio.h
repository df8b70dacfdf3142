/* proto/tapeio.h - reading and writing tapes on streams.
 *
 * The reader splits a stream into lines (bounded: a line longer than
 * PMC_TAPE_LINE_MAX is an error, never buffered whole), checks the
 * `#pmcopy-tape v1` header and non-decreasing `t`, and hands each line to
 * the pure codec in core/tape.h. Errors read "file:line: reason". */
#ifndef PMC_TAPEIO_H
#define PMC_TAPEIO_H

#include <stdio.h>

#include "core/source.h"
#include "core/tape.h"

struct pmc_tape_reader {
    FILE *f;
    const char *name;
    uint64_t line; /* number of the line last returned */
    char *buf;     /* owned */
    size_t cap, start, end;
    int eof, header_seen, check_order;
    pmc_ms last_t;
    const char *cur; /* the last record's line (valid until next) */
    size_t cur_len;
    char err[512];
};

/* Set up a reader on f (not closed by the reader). name is used in error
 * messages and must outlive the reader. PMC_ENOMEM on allocation failure. */
PMC_MUST_USE enum pmc_err pmc_tape_reader_init(struct pmc_tape_reader *r,
                                               FILE *f, const char *name);
void pmc_tape_reader_fini(struct pmc_tape_reader *r);

/* Next record: 1 = *rec set, 0 = end of input, -1 = error (r->err). */
int pmc_tape_next(struct pmc_tape_reader *r, struct pmc_record *rec);

/* Write one record line; 0 on success, -1 on a write error. */
int pmc_tape_write(FILE *f, const struct pmc_record *rec);

/* A tape reader as the driver's input port (core/source.h): the tape's input
 * records in order, an input at t only once the timers due by t have fired.
 * Recorded actions are not inputs and are passed over. A parse error is
 * PMC_EPARSE with the reader's err set. `ts` is the port's state; `src` is
 * filled in to point at it. */
struct pmc_tape_source {
    struct pmc_tape_reader *r;
    struct pmc_record peek;
    int have;
};
void pmc_tape_source_init(struct pmc_tape_source *ts, struct pmc_source *src,
                          struct pmc_tape_reader *r);

#endif
