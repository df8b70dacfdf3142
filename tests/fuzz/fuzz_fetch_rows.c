/* tests/fuzz/fuzz_fetch_rows.c - fuzz target for fetch's page reader and
 * row set (research/fetch/rows.h): any bytes in, no crash, no leak. A page
 * that parses gives rows of which one stream keeps every one (identical
 * rows are told apart by their ordinal), the same stream added again keeps
 * nothing and counts each row as a repeat, and the kept text is a JSON
 * array of exactly the kept rows. A page that does not parse says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire/json_exact.h"
#include "research/fetch/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_fetch_rows: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmc_fx_page page;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    if (pmc_fx_page_parse((const char *)data, size, &page, &err) != PMC_OK) {
        need(err.msg[0] != '\0', "a refused page without a reason");
        need(page.doc == NULL, "a refused page still holds its document");
        return 0;
    }
    need(json_is_array(page.rows), "the rows are not an array");
    need(page.cursor[sizeof page.cursor - 1] == '\0' &&
             strlen(page.cursor) < sizeof page.cursor,
         "the cursor is not a string");
    size_t n = json_array_size(page.rows);
    struct pmc_fx_rows set;
    pmc_fx_rows_init(&set);
    if (pmc_fx_rows_add(&set, page.rows) == PMC_OK) {
        need(set.kept == n && set.repeats == 0,
             "one stream did not keep every row once");
        if (pmc_fx_rows_add(&set, page.rows) == PMC_OK)
            need(set.kept == n && set.repeats == n,
                 "the same stream again was not all repeats");
        size_t len;
        const char *doc = pmc_fx_rows_doc(&set, &len);
        json_t *back = NULL;
        struct pmc_wire_err e2;
        memset(&e2, 0, sizeof e2);
        need(pmc_json_exact_loads(doc, len, &back, &e2) == PMC_OK,
             "the kept rows are not JSON");
        need(json_is_array(back) && json_array_size(back) == n,
             "the kept rows are not an array of every row");
        json_decref(back);
    }
    pmc_fx_rows_free(&set);
    pmc_fx_page_free(&page);
    return 0;
}
