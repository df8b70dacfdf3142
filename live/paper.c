/* live/paper.c - paper venue over live books (see paper.h). */
#include "live/paper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fees.h"
#include "core/fillmodel.h"
#include "core/tape.h"

#define MAX_RESTING 1024

struct pbook {
    struct pmc_sym token;
    struct pmc_book book;
    struct pmc_fee_params fee;
    pmc_micros last; /* last trade price, 0 = none */
    pmc_micros tick; /* from ev=market, 0 = unknown (no grid) */
    int have_book;
};

struct resting {
    struct pmc_sym coid, token;
    enum pmc_side side;
    pmc_micros px, left;
    pmc_ms expire;  /* GTD: its exp in ms, 0 = never */
    uint32_t nlegs; /* fill legs reported so far */
};

/* A matched trade that will fail on chain: reported at `due`. */
struct failing {
    struct pmc_sym coid;
    pmc_micros sz, px, fee;
    pmc_ms due;
};

struct pmc_paper {
    pmc_paper_emit_fn emit;
    void *ctx;
    struct pbook *books;
    size_t nbooks, cap;
    struct resting rest[MAX_RESTING];
    size_t nrest;
    pmc_micros half_spread;
    pmc_micros fail_share; /* trade_fail_share */
    pmc_ms fail_after;     /* trade_fail_after_ms */
    struct failing *fail;  /* due in order (now never goes back) */
    size_t nfail, fail_head, fail_cap;
    int oom; /* a failure could not be queued */
};

enum pmc_err pmc_paper_new(struct pmc_paper **out, pmc_paper_emit_fn emit,
                           void *ctx)
{
    struct pmc_paper *p = calloc(1, sizeof *p);
    if (!p)
        return PMC_ENOMEM;
    p->emit = emit;
    p->ctx = ctx;
    p->half_spread = 5000;
    *out = p;
    return PMC_OK;
}

void pmc_paper_free(struct pmc_paper *p)
{
    if (!p)
        return;
    free(p->books);
    free(p->fail);
    free(p);
}

void pmc_paper_set_trade_fail(struct pmc_paper *p, pmc_micros share,
                              pmc_ms after_ms)
{
    p->fail_share = share;
    p->fail_after = after_ms;
}

void pmc_paper_set_half_spread(struct pmc_paper *p, pmc_micros half)
{
    p->half_spread = half;
}

size_t pmc_paper_resting(const struct pmc_paper *p)
{
    return p->nrest;
}

static struct pbook *book_of(struct pmc_paper *p, const struct pmc_sym *t,
                             int create)
{
    for (size_t i = 0; i < p->nbooks; i++)
        if (pmc_sym_eq(&p->books[i].token, t))
            return &p->books[i];
    if (!create)
        return NULL;
    if (p->nbooks == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 64;
        struct pbook *nb = realloc(p->books, nc * sizeof *nb);
        if (!nb)
            return NULL;
        p->books = nb;
        p->cap = nc;
    }
    struct pbook *b = &p->books[p->nbooks++];
    memset(b, 0, sizeof *b);
    b->token = *t;
    b->fee.rate = PMC_FEE_DEFAULT_RATE;
    b->fee.exp = PMC_FEE_DEFAULT_EXP;
    return b;
}

static void report(struct pmc_paper *p, const struct pmc_sym *coid,
                   enum pmc_exec_status st, pmc_micros sz, pmc_micros px,
                   pmc_micros fee, const char *why, pmc_ms now)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_EXEC;
    r.t = now;
    r.u.exec.coid = *coid;
    r.u.exec.status = st;
    r.u.exec.sz = sz;
    r.u.exec.px = px;
    r.u.exec.fee = fee;
    if (why)
        snprintf(r.u.exec.reason, sizeof r.u.exec.reason, "%s", why);
    p->emit(p->ctx, &r);
}

/* A fill report: the nth trade of the order; when the draw says it fails
 * on chain, its FAILED report is queued for trade_fail_after_ms later. */
static void report_fill(struct pmc_paper *p, const struct pmc_sym *coid,
                        uint32_t nth, pmc_micros sz, pmc_micros px,
                        pmc_micros fee, pmc_ms now)
{
    report(p, coid, PMC_EXEC_FILL, sz, px, fee, NULL, now);
    if (!pmc_trade_fails(p->fail_share, coid, nth))
        return;
    if (p->fail_head + p->nfail == p->fail_cap) {
        if (p->fail_head) { /* slide the queue down first */
            memmove(p->fail, p->fail + p->fail_head,
                    p->nfail * sizeof *p->fail);
            p->fail_head = 0;
        } else {
            size_t nc = p->fail_cap ? 2 * p->fail_cap : 64;
            struct failing *nf = realloc(p->fail, nc * sizeof *nf);
            if (!nf) {
                p->oom = 1;
                return;
            }
            p->fail = nf;
            p->fail_cap = nc;
        }
    }
    struct failing *f = &p->fail[p->fail_head + p->nfail++];
    f->coid = *coid;
    f->sz = sz;
    f->px = px;
    f->fee = fee;
    f->due = now + p->fail_after;
}

/* one fill report per level taken, at that level's price */
static void report_match(struct pmc_paper *p, const struct pmc_sym *coid,
                         const struct pmc_match *m, pmc_ms now)
{
    for (uint8_t i = 0; i < m->nlegs; i++)
        report_fill(p, coid, (uint32_t)i + 1, m->legs[i].sz, m->legs[i].px,
                    m->legs[i].fee, now);
}

static void expire_due(struct pmc_paper *p, pmc_ms now);

int pmc_paper_tick(struct pmc_paper *p, pmc_ms now)
{
    expire_due(p, now);
    while (p->nfail && p->fail[p->fail_head].due <= now) {
        const struct failing *f = &p->fail[p->fail_head];
        report(p, &f->coid, PMC_EXEC_FAILED, f->sz, f->px, f->fee, NULL, now);
        p->fail_head++;
        p->nfail--;
    }
    if (!p->nfail)
        p->fail_head = 0;
    if (p->oom) {
        p->oom = 0;
        return -1;
    }
    return 0;
}

size_t pmc_paper_failing(const struct pmc_paper *p)
{
    return p->nfail;
}

/* GTD orders whose exp has come end ("expired"), before anything else
 * can fill them; in the order they were placed (deterministic). */
static void expire_due(struct pmc_paper *p, pmc_ms now)
{
    size_t k = 0;
    for (size_t i = 0; i < p->nrest; i++) {
        struct resting *r = &p->rest[i];
        if (r->expire && now >= r->expire)
            report(p, &r->coid, PMC_EXEC_CANCEL, 0, 0, 0, "expired", now);
        else
            p->rest[k++] = *r;
    }
    p->nrest = k;
}

static enum pmc_err paper_submit(void *self, const struct pmc_record *rec,
                                 pmc_ms now)
{
    struct pmc_paper *p = self;
    const struct pmc_order_act *o = &rec->u.order;
    expire_due(p, now);
    if (o->tif == PMC_TIF_GTD && o->exp > 0 && now >= o->exp * 1000) {
        report(p, &o->coid, PMC_EXEC_REJECT, 0, 0, 0, "expired", now);
        return PMC_OK;
    }
    struct pbook *b = book_of(p, &o->token, 1);
    if (!b)
        return PMC_ENOMEM;
    if (!b->have_book && b->last) {
        /* no book yet: the last trade price +- the half spread on the
         * market's tick grid, as the simulator's no-book model */
        pmc_book_synthetic(&b->book, b->last, p->half_spread, b->tick,
                           PMC_SIZE_MAX);
    } else if (!b->have_book) {
        report(p, &o->coid, PMC_EXEC_REJECT, 0, 0, 0, "no book for token", now);
        return PMC_OK;
    }
    report(p, &o->coid, PMC_EXEC_ACK, 0, 0, 0, NULL, now);
    struct pmc_match m;
    pmc_fill_match(&b->book, o->side, o->px, o->sz, o->tif, &b->fee, 1, &m);
    report_match(p, &o->coid, &m, now);
    pmc_micros left = o->sz - m.filled;
    if (left <= 0)
        return PMC_OK;
    if (o->tif == PMC_TIF_GTC || o->tif == PMC_TIF_GTD) {
        if (p->nrest == MAX_RESTING) {
            report(p, &o->coid, PMC_EXEC_CANCEL, 0, 0, 0,
                   "paper venue: too many resting orders", now);
            return PMC_OK;
        }
        struct resting *r = &p->rest[p->nrest++];
        r->coid = o->coid;
        r->token = o->token;
        r->side = o->side;
        r->px = o->px;
        r->left = left;
        r->expire = o->tif == PMC_TIF_GTD && o->exp > 0 ? o->exp * 1000 : 0;
        r->nlegs = m.nlegs;
        return PMC_OK;
    }
    report(p, &o->coid, PMC_EXEC_CANCEL, 0, 0, 0,
           o->tif == PMC_TIF_FOK ? "FOK not filled" : "FAK remainder", now);
    return PMC_OK;
}

static enum pmc_err paper_cancel(void *self, const struct pmc_sym *coid,
                                 pmc_ms now)
{
    struct pmc_paper *p = self;
    for (size_t i = 0; i < p->nrest; i++)
        if (pmc_sym_eq(&p->rest[i].coid, coid)) {
            report(p, coid, PMC_EXEC_CANCEL, 0, 0, 0, "cancelled", now);
            p->rest[i] = p->rest[--p->nrest];
            return PMC_OK;
        }
    return PMC_ENOTFOUND;
}

struct pmc_venue pmc_paper_venue(struct pmc_paper *p)
{
    struct pmc_venue v = {p, paper_submit, paper_cancel};
    return v;
}

/* Resting orders of this token crossed by the new book or print fill as
 * makers: at their own limit, no fee. */
static void cross(struct pmc_paper *p, struct pbook *b,
                  const struct pmc_trade *tr, pmc_ms now)
{
    for (size_t i = 0; i < p->nrest;) {
        struct resting *r = &p->rest[i];
        if (!pmc_sym_eq(&r->token, &b->token)) {
            i++;
            continue;
        }
        pmc_micros f =
            tr ? pmc_fill_rest_trade(r->side, r->px, r->left, tr->px, tr->sz)
               : pmc_fill_rest_book(&b->book, r->side, r->px, r->left, 1);
        if (f > 0) {
            report_fill(p, &r->coid, ++r->nlegs, f, r->px, 0, now);
            r->left -= f;
        }
        if (r->left <= 0)
            p->rest[i] = p->rest[--p->nrest];
        else
            i++;
    }
}

void pmc_paper_on_record(struct pmc_paper *p, const struct pmc_record *rec,
                         pmc_ms now)
{
    struct pbook *b;
    expire_due(p, now);
    switch (rec->kind) {
    case PMC_K_QUOTE:
        if (!(b = book_of(p, &rec->u.quote.token, 1)))
            return;
        pmc_book_from_quote(&b->book, &rec->u.quote, PMC_SIZE_MAX);
        b->have_book = 1;
        cross(p, b, NULL, now);
        return;
    case PMC_K_BOOK:
        if (!(b = book_of(p, &rec->u.book.token, 1)))
            return;
        pmc_book_from_levels(&b->book, &rec->u.book);
        b->have_book = 1;
        cross(p, b, NULL, now);
        return;
    case PMC_K_TRADE:
        if (!(b = book_of(p, &rec->u.trade.token, 1)))
            return;
        b->last = rec->u.trade.px;
        cross(p, b, &rec->u.trade, now);
        return;
    case PMC_K_MARKET:
        if (!(b = book_of(p, &rec->u.market.token, 1)))
            return;
        if (rec->u.market.tick)
            b->tick = rec->u.market.tick;
        if (rec->u.market.fee_rate >= 0) {
            b->fee.rate = rec->u.market.fee_rate;
            b->fee.exp = rec->u.market.fee_exp >= 0 ? rec->u.market.fee_exp : 1;
        }
        return;
    default:
        return;
    }
}
