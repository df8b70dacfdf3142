/* research/fetch/rows.h - the rows of pages, kept once.
 *
 * Decides what a page's rows are (a bare JSON array, or the `data` array of
 * a {"data":[...],"pagination":{...}} envelope, whose has_more and
 * next_cursor it reads) and which rows are true repeats: a row's identity
 * is its content (every member, compact, keys sorted, numbers as the text
 * the server sent) plus its ordinal among identical rows of the same
 * stream (one pager's pages in order; identical rows always share their
 * transaction hash, so this is the ordinal within the transaction). The
 * k-th identical fill of a transaction is a real fill and kept; the same
 * (content, k) seen again in another stream (overlapping windows, a second
 * route, pages shifted by new rows between two answers) is a repeat and
 * counted, not kept. Numbers never go through double (json_exact.h). */
#ifndef PMC_FETCH_ROWS_H
#define PMC_FETCH_ROWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire/wire.h"

struct pmc_fx_page {
    json_t *doc;      /* the parsed page (owned) */
    json_t *rows;     /* its row array (borrowed from doc) */
    int has_more;     /* envelope: pagination.has_more (-1 absent) */
    char cursor[512]; /* envelope: next_cursor ("" none) */
};

/* Parse one page of n bytes. PMC_OK, or PMC_EPARSE with err. */
PMC_MUST_USE enum pmc_err pmc_fx_page_parse(const char *body, size_t n,
                                            struct pmc_fx_page *p,
                                            struct pmc_wire_err *err);
void pmc_fx_page_free(struct pmc_fx_page *p);

/* The kept rows of every stream added, as one JSON array text. */
struct pmc_fx_rows {
    char *buf; /* "[row,row,...]" without the closing ']' while building */
    size_t len, cap;
    uint64_t kept, repeats;
    struct pmc_fx_rowkey *set;
    size_t setcap, setn;
};

void pmc_fx_rows_init(struct pmc_fx_rows *r);
void pmc_fx_rows_free(struct pmc_fx_rows *r);

/* Add one stream's rows (a JSON array, in the order served). PMC_OK or
 * PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_fx_rows_add(struct pmc_fx_rows *r,
                                          const json_t *stream);

/* The array text so far ("[...]", NUL-terminated; valid until the next
 * add) and its length. */
const char *pmc_fx_rows_doc(struct pmc_fx_rows *r, size_t *n);

#endif
