/* live/views_monitor.c - one frame of the position monitor (`pmcopy
 * positions --watch`): each open position with its market name, outcome,
 * shares, average entry, mark and unrealised P&L, the portfolio's value
 * and the P&L of the day and in all.
 *
 * Decides: the frame's columns, which mark a row takes (the session's bid
 * for a long, the price it would sell at now; else the core's mark; else
 * the store's) and how it ends each line (eol: plain, or clearing the rest
 * of a terminal's line). Never writes to the store, asks the session,
 * reads a clock or sleeps (app/views.c fetches the quotes and paces the
 * frames). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "live/store.h"
#include "live/views.h"
#include "live/views_int.h"
#include "proto/jsonout.h"
#include "proto/tapeio.h"

struct mon_row {
    char token[PMC_SYM_MAX + 1];
    char name[160], outcome[24];
    pmc_micros shares, avg, basis, mark, unreal;
    int has_mark;
    const char *by; /* what the mark is: "bid", "core", "store" */
    int named;      /* by a market record */
};

struct mon_acc {
    struct mon_row *r;
    size_t n, cap;
    int oom;
    pmc_micros value, basis, unreal, realized, realized_today;
    size_t closed;
};

static int mon_position(void *ctx, const struct pmc_store_position *p)
{
    struct mon_acc *a = ctx;
    a->realized += p->realized;
    a->realized_today += p->realized_since;
    if (!p->shares || p->resolved) {
        a->closed++;
        return 0;
    }
    struct mon_row *nr = pmc__view_grow(a->r, &a->cap, a->n, sizeof *a->r);
    if (!nr) {
        a->oom = 1;
        return 1;
    }
    a->r = nr;
    struct mon_row *r = &a->r[a->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->token, sizeof r->token, "%s", p->token);
    r->shares = p->shares;
    r->avg = p->avg_px;
    r->basis = p->cost_basis;
    r->mark = p->mark;
    r->has_mark = p->has_mark;
    r->by = p->has_mark ? "store" : "-";
    return 0;
}

/* The session's quote of a row's token: the bid, else the core's mark. */
static void mon_quote(struct mon_row *r, const struct pmc_view_quotes *q)
{
    for (size_t i = 0; q && i < q->n; i++) {
        const struct pmc_view_quote *x = &q->v[i];
        if (strcmp(x->token, r->token) != 0)
            continue;
        if (x->bid > 0 || x->mark > 0) {
            r->mark = x->bid > 0 ? x->bid : x->mark;
            r->by = x->bid > 0 ? "bid" : "core";
            r->has_mark = 1;
        }
        return;
    }
}

/* Rows marked, totals summed: valued at the mark, at cost without one;
 * unrealised = shares x mark (floored) - basis, the store's arithmetic. */
static void mon_total(struct mon_acc *a, const struct pmc_view_quotes *q)
{
    for (size_t i = 0; i < a->n; i++) {
        struct mon_row *r = &a->r[i];
        mon_quote(r, q);
        pmc_micros value = r->has_mark
                               ? pmc_muldiv_floor(r->shares, r->mark, PMC_MICRO)
                               : r->basis;
        r->unreal = r->has_mark ? value - r->basis : 0;
        a->basis += r->basis;
        a->unreal += r->unreal;
        a->value += value;
    }
}

/* The names of the tokens held, from the journal's market records (the
 * question, else the slug, else the market id; the last record of a token
 * wins), else from the source fills on them (market id and outcome). */
static int mon_name(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                    size_t n)
{
    (void)seq;
    (void)t;
    struct mon_acc *a = ctx;
    struct pmc_record rec;
    struct pmc_tape_err te;
    int has;
    if (pmc_tape_parse(line, n, &rec, &has, &te) != PMC_OK || !has)
        return 0; /* a name is a label: an odd record names nothing */
    const char *tok, *nm, *outcome;
    if (rec.kind == PMC_K_MARKET) {
        const struct pmc_market_ev *m = &rec.u.market;
        tok = m->token.s;
        nm = m->question[0] ? m->question : m->slug[0] ? m->slug : m->market.s;
        outcome = m->outcome;
    } else if (rec.kind == PMC_K_FILL) {
        tok = rec.u.fill.token.s;
        nm = rec.u.fill.market.s;
        outcome = rec.u.fill.outcome;
    } else {
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        struct mon_row *r = &a->r[i];
        if (strcmp(r->token, tok) != 0 ||
            (rec.kind == PMC_K_FILL && (r->named || !*nm)))
            continue;
        r->named = rec.kind == PMC_K_MARKET;
        snprintf(r->name, sizeof r->name, "%s", nm);
        if (*outcome || rec.kind == PMC_K_MARKET)
            snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
    }
    return 0;
}

/* A column cut to w bytes at a UTF-8 boundary, padded. */
static void col(FILE *out, const char *s, int w)
{
    int n = (int)strlen(s);
    if (n > w) {
        n = w;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    int pad = w, k = 0;
    for (int i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    fprintf(out, "%.*s%*s", n, s, pad - k > 0 ? pad - k : 0, "");
}

int pmc_view_monitor(const struct pmc_view_opts *o, const char *eol)
{
    struct pmc_store *s = pmc__view_open(o, "positions");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct mon_acc a;
    memset(&a, 0, sizeof a);
    pmc_ms day = pmc_floor_div(o->now, 86400000) * 86400000;
    enum pmc_err e = pmc_store_positions_since(s, day, mon_position, &a);
    if (e == PMC_OK && a.oom)
        e = PMC_ENOMEM;
    if (e == PMC_OK && a.n)
        e = pmc_store_journal_each(s, "market", 0, mon_name, &a);
    if (e == PMC_OK && a.n) {
        size_t unnamed = 0;
        for (size_t i = 0; i < a.n; i++)
            unnamed += !a.r[i].named;
        if (unnamed)
            e = pmc_store_journal_each(s, "fill", 0, mon_name, &a);
    }
    if (e == PMC_OK) {
        const struct pmc_view_quotes *q =
            o->quotes && o->quotes->ok ? o->quotes : NULL;
        mon_total(&a, q);
        char b[6][32], tb[40];
        fprintf(out, "pmcopy positions  %s  %s UTC%s\n", o->db,
                pmc__view_utc(o->now, tb, sizeof tb), eol);
        if (q)
            fprintf(out,
                    "marks: the book's bid from the session at "
                    "127.0.0.1:%d%s\n",
                    o->api_port, eol);
        else if (o->quotes_why)
            fprintf(out, "marks: the store's (session: %s)%s\n", o->quotes_why,
                    eol);
        else
            fprintf(out, "marks: the store's%s\n", eol);
        fprintf(out, "%-32s %-8s %12s %9s %9s %12s %-5s  %s%s\n", "market",
                "outcome", "shares", "avg_entry", "mark", "unreal_usd", "by",
                "token", eol);
        for (size_t i = 0; i < a.n; i++) {
            const struct mon_row *r = &a.r[i];
            col(out, r->name[0] ? r->name : "-", 32);
            fputc(' ', out);
            col(out, r->outcome[0] ? r->outcome : "-", 8);
            fprintf(out, " %12s %9s %9s %12s %-5s  %s%s\n",
                    pmc__view_dec(r->shares, b[0]), pmc__view_dec(r->avg, b[1]),
                    r->has_mark ? pmc__view_dec(r->mark, b[2]) : "-",
                    r->has_mark ? pmc__view_dec(r->unreal, b[3]) : "-", r->by,
                    r->token, eol);
        }
        if (!a.n)
            fprintf(out, "no open positions%s\n", eol);
        fprintf(out,
                "open %zu, closed %zu | value %s USD, cost basis %s USD, "
                "unrealised %s USD%s\n",
                a.n, a.closed, pmc__view_dec(a.value, b[0]),
                pmc__view_dec(a.basis, b[1]), pmc__view_dec(a.unreal, b[2]),
                eol);
        if (q)
            fprintf(out,
                    "P&L today %s USD (realised %s, unrealised change %s at "
                    "the core's marks), realised total %s USD%s\n",
                    pmc__view_dec(q->pnl_today, b[3]),
                    pmc__view_dec(q->realized_today, b[4]),
                    pmc__view_dec(q->pnl_today - q->realized_today, b[5]),
                    pmc__view_dec(a.realized, b[0]), eol);
        else
            fprintf(out, "realised today %s USD, realised total %s USD%s\n",
                    pmc__view_dec(a.realized_today, b[3]),
                    pmc__view_dec(a.realized, b[4]), eol);
    }
    free(a.r);
    return pmc__view_finish(o, s, e, "positions");
}
