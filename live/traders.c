/* live/traders.c - per-trader accountability from the core (traders.h):
 * the table and JSON of `pmcopy traders` and GET /traders, and the journal
 * re-run that gives `pmcopy traders` the live engine's numbers.
 *
 * Decides: the fields and their order (only ever added at the end), the
 * derived ratios (tracking accuracy = fills copied / fills eligible, fill
 * rate = orders filled / orders, source fills per order, execution fills
 * per order, orders saved by aggregation
 * = fills copied - orders) and the fee saving of aggregation, which is 0
 * under the venue's fee (proportional to shares at a price, rounded to the
 * micro-dollar per fill: docs/store.md). Ratios are floored to 1e-6; null
 * when the divisor is 0.
 * Never: computes a count or P&L itself (the core does), writes to the
 * store, reads a clock. */
#include "live/traders.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/driver.h"
#include "core/tape.h"
#include "live/store.h"
#include "proto/jsonout.h"

static const char *dec(pmc_micros v, char *b)
{
    pmc_dec_format(v, b);
    return b;
}

/* a / b as a decimal (floor, 1e-6), or "null" / "-" when b is 0 */
static const char *ratio(uint64_t a, uint64_t b, char *buf, const char *none)
{
    if (!b || a > (uint64_t)INT64_MAX || b > (uint64_t)INT64_MAX)
        return none;
    return dec(pmc_muldiv_floor((int64_t)a, PMC_MICRO, (int64_t)b), buf);
}

static void row_json(FILE *f, const struct pmc_trader_cfg *t,
                     const struct pmc_trader_stats *s)
{
    char b[13][32];
    fputs("    {\"trader\": ", f);
    pmc_json_str(f, t->address.s);
    fputs(", \"label\": ", f);
    pmc_json_str(f, t->label);
    fprintf(f,
            ", \"off\": \"%s\", \"fills_seen\": %" PRIu64
            ", \"fills_eligible\": %" PRIu64 ", \"fills_copied\": %" PRIu64
            ", \"tracking\": %s, \"skips\": {",
            pmc_trader_off_name(s->off), s->fills_seen, s->fills_eligible,
            s->fills_copied,
            ratio(s->fills_copied, s->fills_eligible, b[0], "null"));
    int first = 1;
    for (int r = 0; r < PMC_SKIP_COUNT; r++)
        if (s->skips[r]) {
            fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ",
                    pmc_skip_name((enum pmc_skip_reason)r), s->skips[r]);
            first = 0;
        }
    uint64_t saved =
        s->fills_copied > s->orders ? s->fills_copied - s->orders : 0;
    fprintf(f,
            "}, \"orders\": %" PRIu64 ", \"order_fills\": %" PRIu64
            ", \"rejects\": %" PRIu64 ", \"exec_fills_per_order\": %s"
            ", \"fills_per_order\": %s, \"orders_saved\": %" PRIu64
            ", \"fees_saved_usd\": 0, \"bought_usd\": %s, \"sold_usd\": %s"
            ", \"fees_usd\": %s, \"realized_usd\": %s"
            ", \"realized_today_usd\": %s, \"unrealized_usd\": %s"
            ", \"src_realized_usd\": %s, \"src_unrealized_usd\": %s"
            ", \"consecutive_losses\": %u, \"untracked\": %" PRIu64
            ", \"orders_filled\": %" PRIu64 ", \"fill_rate\": %s}",
            s->orders, s->order_fills, s->rejects,
            ratio(s->order_fills, s->orders, b[1], "null"),
            ratio(s->fills_copied, s->orders, b[2], "null"), saved,
            dec(s->bought_usd, b[3]), dec(s->sold_usd, b[4]),
            dec(s->fees_usd, b[5]), dec(s->realized_usd, b[6]),
            dec(s->realized_today, b[7]), dec(s->unrealized_usd, b[8]),
            dec(s->src_realized_usd, b[9]), dec(s->src_unrealized_usd, b[10]),
            s->consecutive_losses, s->untracked, s->orders_filled,
            ratio(s->orders_filled, s->orders, b[11], "null"));
}

/* Every trader's numbers in one pass over the core's tokens; *n of them
 * (NULL with *n = 0 when there are none). NULL with *n = -1 when out of
 * memory. */
static struct pmc_trader_stats *stats_all(const struct pmc_engine *e,
                                          int64_t *n)
{
    uint32_t nt = pmc_engine_config(e)->ntraders;
    *n = 0;
    if (!nt)
        return NULL;
    struct pmc_trader_stats *v = calloc(nt, sizeof *v);
    if (!v) {
        *n = -1;
        return NULL;
    }
    *n = pmc_engine_trader_stats_all(e, v, nt);
    return v;
}

int pmc_traders_rows(FILE *f, const struct pmc_engine *e)
{
    const struct pmc_config *c = pmc_engine_config(e);
    int64_t n;
    struct pmc_trader_stats *v = stats_all(e, &n);
    if (n < 0)
        return -1;
    for (int64_t i = 0; i < n; i++) {
        if (i)
            fputs(",\n", f);
        row_json(f, &c->traders[i], &v[i]);
    }
    free(v);
    return 0;
}

int pmc_traders_print(FILE *f, const struct pmc_engine *e, int json)
{
    const struct pmc_config *c = pmc_engine_config(e);
    if (json) {
        fputs("{\"traders\": [\n", f);
        if (pmc_traders_rows(f, e) < 0)
            return -1;
        fputs(c->ntraders ? "\n]}\n" : "]}\n", f);
        return 0;
    }
    if (!c->ntraders) {
        fputs("no traders configured\n", f);
        return 0;
    }
    int64_t n;
    struct pmc_trader_stats *v = stats_all(e, &n);
    if (n < 0)
        return -1;
    fprintf(f,
            "%-42s %-12s %-11s %6s %6s %6s %8s %6s %6s %9s %6s %8s %11s "
            "%11s %11s %11s  %s\n",
            "trader", "label", "off", "seen", "elig", "copied", "tracking",
            "orders", "filled", "fill_rate", "fills", "fill/ord", "real_usd",
            "unreal_usd", "src_real", "src_unreal", "skips");
    for (int64_t i = 0; i < n; i++) {
        const struct pmc_trader_stats s = v[i];
        const struct pmc_trader_cfg *t = &c->traders[i];
        char b[8][32];
        fprintf(f,
                "%-42s %-12.12s %-11s %6" PRIu64 " %6" PRIu64 " %6" PRIu64
                " %8s %6" PRIu64 " %6" PRIu64 " %9s %6" PRIu64
                " %8s %11s %11s %11s %11s  ",
                t->address.s, t->label[0] ? t->label : "-",
                pmc_trader_off_name(s.off), s.fills_seen, s.fills_eligible,
                s.fills_copied,
                ratio(s.fills_copied, s.fills_eligible, b[0], "-"), s.orders,
                s.orders_filled, ratio(s.orders_filled, s.orders, b[6], "-"),
                s.order_fills, ratio(s.fills_copied, s.orders, b[1], "-"),
                dec(s.realized_usd, b[2]), dec(s.unrealized_usd, b[3]),
                dec(s.src_realized_usd, b[4]), dec(s.src_unrealized_usd, b[5]));
        int first = 1;
        for (int r = 0; r < PMC_SKIP_COUNT; r++)
            if (s.skips[r]) {
                fprintf(f, "%s%s=%" PRIu64, first ? "" : ",",
                        pmc_skip_name((enum pmc_skip_reason)r), s.skips[r]);
                first = 0;
            }
        fputs(first ? "-\n" : "\n", f);
    }
    free(v);
    fputs("tracking = copied / eligible; fill_rate = orders filled / orders; "
          "fills = execution fills; fill/ord = source fills per order "
          "(aggregation); fees saved by aggregation: 0 (docs/store.md)\n",
          f);
    return 0;
}

int pmc_traders_replay(const char *db, const struct pmc_config *cfg, void **mem,
                       const struct pmc_engine **eng, char *err, size_t cap)
{
    *mem = NULL;
    struct pmc_store_opts so = {0};
    so.readonly = 1;
    struct pmc_store *s;
    if (pmc_store_open(db, &so, &s, NULL, err, cap) != PMC_OK)
        return -1;
    struct pmc_driver *d = malloc(sizeof *d);
    size_t dsz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    void *m = d ? aligned_alloc(64, dsz) : NULL;
    enum pmc_err e =
        m ? pmc_driver_init(d, m, dsz, cfg, NULL, NULL) : PMC_ENOMEM;
    struct pmc_store_cursor *c = NULL;
    if (e != PMC_OK) {
        snprintf(err, cap, "cannot set up the core: %s", pmc_strerror(e));
        goto fail;
    }
    if (pmc_store_cursor_open(s, 1, &c) != PMC_OK) {
        snprintf(err, cap, "%s", pmc_store_errmsg(s));
        goto fail;
    }
    int k;
    uint64_t seq;
    pmc_ms t;
    const char *line;
    size_t n;
    while ((k = pmc_store_cursor_next(c, &seq, &t, &line, &n)) == 1) {
        struct pmc_record rec;
        struct pmc_tape_err te;
        int has;
        if (pmc_tape_parse(line, n, &rec, &has, &te) != PMC_OK || !has) {
            snprintf(err, cap, "%s: journal record %" PRIu64 ": %s", db, seq,
                     te.msg);
            goto fail;
        }
        if (!pmc_kind_is_input(rec.kind) || pmc_record_is_action(&rec))
            continue; /* the core re-derives its actions */
        e = pmc_driver_feed(d, &rec);
        if (e != PMC_OK) {
            snprintf(err, cap,
                     "%s: journal record %" PRIu64 ": the core stops: %s", db,
                     seq, pmc_strerror(e));
            goto fail;
        }
    }
    if (k < 0) {
        snprintf(err, cap, "%s", pmc_store_errmsg(s));
        goto fail;
    }
    pmc_store_cursor_close(c);
    *eng = d->eng;
    free(d);
    *mem = m;
    return pmc_store_close(s) == PMC_OK ? 0 : (free(m), *mem = NULL, -1);
fail:
    pmc_store_cursor_close(c);
    free(d);
    free(m);
    if (pmc_store_close(s) != PMC_OK)
        return -1;
    return -1;
}
