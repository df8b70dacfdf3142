/* live/store/trades.c - the venue trades of our orders and the fills the
 * venue took back, queued for the writer like every other write.
 *
 * Decides: which arguments are refused (unknown order, empty or long ids).
 * Never: decides a trade's status (live/exec/user.c does), writes SQL
 * (apply.c), reads a clock. */
#include <inttypes.h>
#include <string.h>

#include "live/store/store_int.h"

enum pmc_err pmc_store_trade(struct pmc_store *s, const char *coid,
                             const char *trade_id, const char *order_hash,
                             int status, pmc_micros sz, pmc_micros px,
                             int taker, pmc_ms match_time, pmc_ms t)
{
    if (s->failed)
        return PMC_EIO;
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "trade: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    size_t tn = strlen(trade_id), hn = strlen(order_hash);
    if (tn == 0 || tn > PMC_SYM_MAX || hn > PMC_SYM_MAX) {
        set_err(s,
                "trade: order %s: trade id of %zu bytes (1..%d) or "
                "order hash of %zu",
                coid, tn, PMC_SYM_MAX, hn);
        return PMC_ERANGE;
    }
    size_t cn = strlen(o->coid);
    struct trade_item k;
    memset(&k, 0, sizeof k);
    k.t = t;
    k.match_time = match_time;
    k.sz = sz;
    k.px = px;
    k.status = status;
    k.taker = taker != 0;
    k.clen = (uint32_t)cn;
    k.tlen = (uint32_t)tn;
    k.hlen = (uint32_t)hn;
    struct part p[3] = {{o->coid, cn}, {trade_id, tn}, {order_hash, hn}};
    return ring_put(s, IT_TRADE, &k, sizeof k, p, 3, NULL, 0);
}

enum pmc_err pmc_store_fill_failed(struct pmc_store *s, const char *coid,
                                   pmc_micros sz, pmc_micros px, pmc_ms t)
{
    if (s->failed)
        return PMC_EIO;
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "failed fill: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    size_t cn = strlen(o->coid);
    struct fill_item f;
    memset(&f, 0, sizeof f);
    f.t = t;
    f.sz = sz;
    f.px = px;
    f.clen = (uint32_t)cn;
    struct part p = {o->coid, cn};
    return ring_put(s, IT_FILL_FAILED, &f, sizeof f, &p, 1, NULL, 0);
}
