/* sim/report_source.c - the source as benchmark: a second pass over the
 * tape computing the copied traders' own P&L over the same markets and
 * time, with the definition `pmcopy rank` uses (research/rank/run.c): cash
 * flow of their fills + payouts at resolution + open shares at the last
 * price seen (quote or book mid, trade print, fill price, payout; a short
 * position is valued rounding up). Writes source_equity.csv (the source's
 * P&L after each of its fills, resolutions and changes of the value of its
 * open shares) and fills the per-market and
 * per-trader sums the report compares with the copy.
 * Decides what the source earned; never reads a clock. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/fillmodel.h"
#include "proto/jsonout.h"
#include "proto/tapeio.h"
#include "sim/report_int.h"
#include "sim/sim_int.h"

struct stok {
    pmc_micros shares, mark, mv, cash, bought;
    int resolved;
};

static pmc_micros tok_mv(const struct stok *x)
{
    if (x->shares > 0)
        return pmc_notional_down(x->shares, x->mark);
    if (x->shares < 0)
        return -pmc_notional_up(-x->shares, x->mark);
    return 0;
}

enum pmc_err pmc__report_source(const char *dir, const char *tape,
                                const struct pmc_sim_feed *records,
                                const struct pmc_sim *s,
                                struct pmc__report_src *out, char *err,
                                size_t cap)
{
    memset(out, 0, sizeof *out);
    /* the copied traders: configured, or follow_all's in order of
     * appearance (the run's configuration has them all by now) */
    uint32_t ntr = s->cfg.ntraders;
    out->ntr = ntr;
    if (!records && (!tape || !strcmp(tape, "-")))
        return PMC_OK; /* stdin: read once, no second pass */
    /* records held in memory (a latency sweep): no second read */
    FILE *tf = records ? NULL : fopen(tape, "r");
    if (!records && !tf) {
        snprintf(err, cap,
                 "%s: cannot reopen the tape for the source "
                 "benchmark",
                 tape);
        return PMC_EIO;
    }
    struct pmc_tape_reader rd;
    memset(&rd, 0, sizeof rd);
    if (tf && pmc_tape_reader_init(&rd, tf, tape) != PMC_OK) {
        fclose(tf);
        snprintf(err, cap, "%s: out of memory", tape);
        return PMC_ENOMEM;
    }
    struct stok *st = calloc(s->ntok + 1, sizeof *st);
    out->mkt_pnl = calloc(s->nmkt + 1, sizeof *out->mkt_pnl);
    out->mkt_bought = calloc(s->nmkt + 1, sizeof *out->mkt_bought);
    out->trd_pnl = calloc(ntr + 1, sizeof *out->trd_pnl);
    out->trd_bought = calloc(ntr + 1, sizeof *out->trd_bought);
    out->trd_fills = calloc(ntr + 1, sizeof *out->trd_fills);
    /* per trader x token shares, for the per-trader open value */
    size_t ntt = (size_t)(ntr + 1) * (s->ntok + 1);
    pmc_micros *tsh = calloc(ntt, sizeof *tsh);
    struct pmc_record *rec = malloc(sizeof *rec);
    /* dir NULL: the sums only, no source_equity.csv */
    FILE *eq =
        dir ? pmc__report_open_in(dir, "source_equity.csv", err, cap) : NULL;
    enum pmc_err rc = PMC_OK;
    if (!st || !out->mkt_pnl || !out->mkt_bought || !out->trd_pnl ||
        !out->trd_bought || !out->trd_fills || !tsh || !rec || (dir && !eq)) {
        if (eq || !dir)
            snprintf(err, cap, "source benchmark: out of memory");
        rc = eq || !dir ? PMC_ENOMEM : PMC_EIO;
        goto out;
    }
    if (eq)
        fputs("t_ms,source_pnl_usd,event\n", eq);
    pmc_micros cash = 0, mv = 0;
    int got;
    while ((got = records ? records->next(records->ctx, rec)
                          : pmc_tape_next(&rd, rec)) == 1) {
        const struct pmc_sym *tk =
            rec->kind == PMC_K_QUOTE     ? &rec->u.quote.token
            : rec->kind == PMC_K_BOOK    ? &rec->u.book.token
            : rec->kind == PMC_K_TRADE   ? &rec->u.trade.token
            : rec->kind == PMC_K_RESOLVE ? &rec->u.resolve.token
            : rec->kind == PMC_K_FILL    ? &rec->u.fill.token
                                         : NULL;
        if (!tk)
            continue;
        uint32_t j = pmc_sim_tok_find(s, tk);
        if (j == UINT32_MAX)
            continue;
        struct stok *x = &st[j];
        const char *why = NULL;
        if (rec->kind == PMC_K_QUOTE) {
            if (rec->u.quote.bid && rec->u.quote.ask)
                x->mark = (rec->u.quote.bid + rec->u.quote.ask) / 2;
        } else if (rec->kind == PMC_K_BOOK) {
            const struct pmc_book_ev *b = &rec->u.book;
            if (b->nbid && b->nask)
                x->mark = (b->bid_px[0] + b->ask_px[0]) / 2;
        } else if (rec->kind == PMC_K_TRADE) {
            x->mark = rec->u.trade.px;
        } else if (rec->kind == PMC_K_RESOLVE) {
            if (x->resolved)
                continue;
            x->resolved = 1;
            pmc_micros pay = pmc_notional_down(x->shares > 0 ? x->shares : 0,
                                               rec->u.resolve.payout);
            x->cash += pay;
            cash += pay;
            for (uint32_t i = 0; i < ntr; i++) {
                pmc_micros *sh = &tsh[(size_t)i * (s->ntok + 1) + j];
                if (*sh > 0)
                    out->trd_pnl[i] +=
                        pmc_notional_down(*sh, rec->u.resolve.payout);
                *sh = 0;
            }
            x->shares = 0;
            x->mark = rec->u.resolve.payout;
            why = "resolve";
        } else {
            const struct pmc_fill *f = &rec->u.fill;
            int ti = pmc_sim_trader_find(s, &f->trader);
            x->mark = f->px;
            if (ti >= 0) {
                pmc_micros usd = pmc_notional_down(f->sz, f->px);
                pmc_micros *sh = &tsh[(size_t)ti * (s->ntok + 1) + j];
                out->trd_fills[ti]++;
                if (f->side == PMC_BUY) {
                    x->cash -= usd;
                    cash -= usd;
                    x->shares += f->sz;
                    x->bought += usd;
                    out->trd_pnl[ti] -= usd;
                    out->trd_bought[ti] += usd;
                    *sh += f->sz;
                } else {
                    x->cash += usd;
                    cash += usd;
                    x->shares -= f->sz;
                    out->trd_pnl[ti] += usd;
                    *sh -= f->sz;
                }
                why = "fill";
            }
        }
        pmc_micros v = tok_mv(x);
        if (!why && v != x->mv)
            why = "mark";
        mv += v - x->mv;
        x->mv = v;
        if (why && eq) {
            fprintf(eq, "%" PRId64 ",", rec->t);
            pmc__report_dec(eq, cash + mv);
            fprintf(eq, ",%s\n", why);
        }
        if (why)
            out->any = 1;
    }
    if (got < 0) {
        snprintf(err, cap, "%s", tf ? rd.err : "source benchmark: bad record");
        rc = PMC_EPARSE;
        goto out;
    }
    out->pnl = cash + mv;
    for (uint32_t j = 0; j < s->ntok; j++) {
        uint32_t mi = s->tok[j].market_idx;
        out->mkt_pnl[mi] += st[j].cash + st[j].mv;
        out->mkt_bought[mi] += st[j].bought;
        out->bought += st[j].bought;
        for (uint32_t i = 0; i < ntr; i++) {
            pmc_micros sh = tsh[(size_t)i * (s->ntok + 1) + j];
            if (sh > 0)
                out->trd_pnl[i] += pmc_notional_down(sh, st[j].mark);
            else if (sh < 0)
                out->trd_pnl[i] -= pmc_notional_up(-sh, st[j].mark);
        }
    }
    out->ok = 1;
out:
    if (pmc__report_close_file(&eq) && rc == PMC_OK) {
        snprintf(err, cap, "%s/source_equity.csv: write error", dir);
        rc = PMC_EIO;
    }
    free(rec);
    free(tsh);
    free(st);
    if (tf) {
        pmc_tape_reader_fini(&rd);
        fclose(tf);
    }
    return rc;
}

void pmc__report_source_free(struct pmc__report_src *src)
{
    free(src->mkt_pnl);
    free(src->mkt_bought);
    free(src->trd_pnl);
    free(src->trd_bought);
    free(src->trd_fills);
    memset(src, 0, sizeof *src);
}

/* return on bought notional, 0 when nothing was bought */
static double ret_on(pmc_micros pnl, pmc_micros bought)
{
    return bought > 0 ? (double)pnl / (double)bought : 0.0;
}

enum pmc_err pmc__report_source_csv(const char *dir, const struct pmc_sim *s,
                                    const struct pmc__report_src *src,
                                    char *err, size_t cap)
{
    struct pmc__report_agg *a = pmc__report_aggregate(s);
    FILE *f =
        a ? pmc__report_open_in(dir, "source_markets.csv", err, cap) : NULL;
    if (!f) {
        if (!a)
            snprintf(err, cap, "source_markets.csv: out of memory");
        free(a);
        return a ? PMC_EIO : PMC_ENOMEM;
    }
    fputs("market,source_bought_usd,source_pnl_usd,source_return,"
          "copy_bought_usd,copy_pnl_usd,copy_return,penalty_usd,name\n",
          f);
    for (uint32_t i = 0; i < s->nmkt; i++) {
        if (!src->mkt_bought[i] && !a[i].traded)
            continue;
        double rs = ret_on(src->mkt_pnl[i], src->mkt_bought[i]);
        double rc = ret_on(a[i].pnl, a[i].bought);
        pmc_csv_str(f, s->mkt[i].id.s);
        fputc(',', f);
        pmc__report_dec(f, src->mkt_bought[i]);
        fputc(',', f);
        pmc__report_dec(f, src->mkt_pnl[i]);
        fprintf(f, ",%.6f,", rs);
        pmc__report_dec(f, a[i].bought);
        fputc(',', f);
        pmc__report_dec(f, a[i].pnl);
        /* the source's return at our size minus what we made */
        fprintf(f, ",%.6f,%.2f,", rc,
                src->mkt_bought[i] ? (rs - rc) * (double)a[i].bought / 1e6
                                   : 0.0);
        pmc_csv_str(f, s->mkt[i].name);
        fputc('\n', f);
    }
    int bad = pmc__report_close_file(&f);
    free(a);
    if (bad) {
        snprintf(err, cap, "%s/source_markets.csv: write error", dir);
        return PMC_EIO;
    }
    f = pmc__report_open_in(dir, "source_traders.csv", err, cap);
    if (!f)
        return PMC_EIO;
    fputs("trader,fills,source_bought_usd,source_pnl_usd,source_return\n", f);
    for (uint32_t i = 0; i < src->ntr; i++) {
        fprintf(f, "%s,%" PRIu64 ",", s->cfg.traders[i].address.s,
                src->trd_fills[i]);
        pmc__report_dec(f, src->trd_bought[i]);
        fputc(',', f);
        pmc__report_dec(f, src->trd_pnl[i]);
        fprintf(f, ",%.6f\n", ret_on(src->trd_pnl[i], src->trd_bought[i]));
    }
    if (pmc__report_close_file(&f)) {
        snprintf(err, cap, "%s/source_traders.csv: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}
