/* live/store/jreads.c - journal records of one kind for the operator views
 * and the read API (skips, market metadata): a walk over the journal table
 * filtered in SQL by the record's kind and time.
 *
 * Decides: the order of the walk (sequence order).
 * Never: writes, reads a clock, parses a record (the caller does), keeps a
 * row past its callback. */
#include "live/store/store_int.h"

struct line_walk {
    pmc_store_line_fn fn;
    void *ctx;
};

static int line_row(void *ctx, sqlite3_stmt *st)
{
    struct line_walk *w = ctx;
    const char *line = (const char *)sqlite3_column_text(st, 2);
    int n = sqlite3_column_bytes(st, 2);
    return w->fn(w->ctx, (uint64_t)sqlite3_column_int64(st, 0),
                 sqlite3_column_int64(st, 1), line ? line : "",
                 line && n > 0 ? (size_t)n : 0);
}

enum pmc_err pmc_store_journal_each(struct pmc_store *s, const char *ev,
                                    pmc_ms since, pmc_store_line_fn fn,
                                    void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e = prepare(s,
                             "SELECT seq, t, line FROM journal WHERE ev = ?1 "
                             "AND t >= ?2 ORDER BY seq",
                             &st);
    if (e == PMC_OK) {
        sqlite3_bind_text(st, 1, ev, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, since);
        struct line_walk w = {fn, ctx};
        e = each_row(s, st, line_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}
