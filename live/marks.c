/* live/marks.c - the core's marks persisted in the store, so that
 * `pmcopy positions`, GET /positions and GET /status value positions at
 * the same prices with the same arithmetic (docs/store.md "One P&L").
 *
 * Decides: which marks are written (those that changed since the last
 * write, by the engine's position slot) and when: after start-up (the
 * rebuilt engine's), at most once a second while inputs move prices, and
 * at shutdown.
 * Never: computes a mark (the core does: quote mid, last trade or source
 * fill price, resolution payout), reads a clock, or blocks on the
 * database (pmc_store_mark only queues). */
#include "live/loop_int.h"

#include <stdlib.h>
#include <string.h>

/* Write the marks that changed; a store failure fails the loop. */
void pmc_live_persist_marks(struct live *L)
{
    if (!L->store || L->failed)
        return;
    L->marks_dirty = 0;
    L->marks_t = L->now;
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(L->drv.eng, i, &v); i++) {
        if (i >= L->marks_cap) {
            size_t nc = L->marks_cap ? 2 * L->marks_cap : 64;
            while (nc <= i)
                nc *= 2;
            struct live_mark *m = realloc(L->marks, nc * sizeof *m);
            if (!m) {
                pmc_live_fail(L, "out of memory", "marks");
                return;
            }
            memset(m + L->marks_cap, 0, (nc - L->marks_cap) * sizeof *m);
            L->marks = m;
            L->marks_cap = nc;
        }
        struct live_mark *w = &L->marks[i];
        if (!v.mark || (w->h == v.token->h && w->px == v.mark &&
                        w->resolved == v.resolved))
            continue;
        if (pmc_store_mark(L->store, v.token->s, v.mark, v.resolved, L->now) !=
            PMC_OK) {
            pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
            return;
        }
        w->h = v.token->h;
        w->px = v.mark;
        w->resolved = v.resolved;
    }
}
