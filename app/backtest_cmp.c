/* app/backtest_cmp.c - a recorded session against its backtest (see
 * backtest_cmp.h). */
#include "app/backtest_cmp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/fillmodel.h"
#include "proto/tapeio.h"

struct cmp_order {
    struct pmc_sym coid, token;
    enum pmc_side side;
    enum pmc_tif tif;
    pmc_micros px, sz;
    pmc_ms t, t_rep; /* decided; first report seen (-1 = none) */
    pmc_micros filled, notional, fee; /* net of failed trades */
    uint32_t legs, failed;            /* fill reports; FAILED ones */
    int rejected, final;
    char reason[48]; /* reject or cancel text */
    uint64_t line;
};

struct cmp_tok {
    struct pmc_sym token;
    pmc_micros shares, mark;
    int resolved;
};

struct pmc_cmp_side {
    struct cmp_order *o;
    size_t n, cap;
    uint32_t *idx; /* coid hash -> order + 1 */
    size_t idx_cap;
    struct cmp_tok *tok;
    size_t ntok, tok_cap;
    pmc_micros cash; /* fills' cash flow, fees included */
    uint64_t legs, execs_unknown;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static int index_put(struct pmc_cmp_side *s, size_t i)
{
    if ((s->n + 1) * 2 > s->idx_cap) {
        size_t nc = s->idx_cap ? s->idx_cap * 2 : 256;
        uint32_t *ni = calloc(nc, sizeof *ni);
        if (!ni)
            return -1;
        free(s->idx);
        s->idx = ni;
        s->idx_cap = nc;
        for (size_t k = 0; k < i; k++) {
            size_t h = (size_t)s->o[k].coid.h & (nc - 1);
            while (s->idx[h])
                h = (h + 1) & (nc - 1);
            s->idx[h] = (uint32_t)(k + 1);
        }
    }
    size_t m = s->idx_cap - 1, h = (size_t)s->o[i].coid.h & m;
    while (s->idx[h])
        h = (h + 1) & m;
    s->idx[h] = (uint32_t)(i + 1);
    return 0;
}

static struct cmp_order *find(const struct pmc_cmp_side *s,
                              const struct pmc_sym *coid)
{
    if (!s->idx_cap)
        return NULL;
    size_t m = s->idx_cap - 1;
    for (size_t h = (size_t)coid->h & m; s->idx[h]; h = (h + 1) & m)
        if (pmc_sym_eq(&s->o[s->idx[h] - 1].coid, coid))
            return &s->o[s->idx[h] - 1];
    return NULL;
}

static struct cmp_tok *tok_of(struct pmc_cmp_side *s, const struct pmc_sym *t)
{
    for (size_t i = s->ntok; i-- > 0;)
        if (pmc_sym_eq(&s->tok[i].token, t))
            return &s->tok[i];
    if (grow((void **)&s->tok, &s->tok_cap, s->ntok + 1, sizeof *s->tok))
        return NULL;
    struct cmp_tok *k = &s->tok[s->ntok++];
    memset(k, 0, sizeof *k);
    k->token = *t;
    return k;
}

static void set_mark(struct cmp_tok *k, pmc_micros p)
{
    if (k && !k->resolved && p > 0)
        k->mark = p;
}

/* One record of the journal: orders, their reports, the marks. */
static int take(struct pmc_cmp_side *s, const struct pmc_record *r,
                uint64_t line)
{
    struct pmc_book bk;
    struct cmp_tok *k;
    switch (r->kind) {
    case PMC_K_ORDER: {
        const struct pmc_order_act *a = &r->u.order;
        if (find(s, &a->coid))
            return 0; /* the same order again (a restart): once */
        if (grow((void **)&s->o, &s->cap, s->n + 1, sizeof *s->o))
            return -1;
        struct cmp_order *o = &s->o[s->n];
        memset(o, 0, sizeof *o);
        o->coid = a->coid;
        o->token = a->token;
        o->side = a->side;
        o->tif = a->tif;
        o->px = a->px;
        o->sz = a->sz;
        o->t = r->t;
        o->t_rep = -1;
        o->line = line;
        if (index_put(s, s->n))
            return -1;
        s->n++;
        return 0;
    }
    case PMC_K_EXEC: {
        const struct pmc_exec *x = &r->u.exec;
        struct cmp_order *o = find(s, &x->coid);
        if (!o) {
            s->execs_unknown++;
            return 0;
        }
        if (o->t_rep < 0)
            o->t_rep = r->t;
        if (x->status == PMC_EXEC_FILL || x->status == PMC_EXEC_FAILED) {
            /* a FAILED trade is the exact inverse of its fill */
            pmc_micros sg = x->status == PMC_EXEC_FILL ? 1 : -1;
            int buy = o->side == PMC_BUY;
            pmc_micros usd = buy ? pmc_notional_up(x->sz, x->px)
                                 : pmc_notional_down(x->sz, x->px);
            o->filled += sg * x->sz;
            o->notional += sg * usd;
            o->fee += sg * x->fee;
            if (sg > 0)
                o->legs++, s->legs++;
            else
                o->failed++;
            s->cash += sg * ((buy ? -usd : usd) - x->fee);
            if (!(k = tok_of(s, &o->token)))
                return -1;
            k->shares += sg * (buy ? x->sz : -x->sz);
            if (o->filled >= o->sz)
                o->final = 1;
        } else if (x->status == PMC_EXEC_REJECT ||
                   x->status == PMC_EXEC_CANCEL) {
            o->rejected |= x->status == PMC_EXEC_REJECT;
            o->final = 1;
            snprintf(o->reason, sizeof o->reason, "%s", x->reason);
        }
        return 0;
    }
    case PMC_K_FILL:
        if (!(k = tok_of(s, &r->u.fill.token)))
            return -1;
        set_mark(k, r->u.fill.px);
        return 0;
    case PMC_K_TRADE:
        if (!(k = tok_of(s, &r->u.trade.token)))
            return -1;
        set_mark(k, r->u.trade.px);
        return 0;
    case PMC_K_QUOTE:
        if (!(k = tok_of(s, &r->u.quote.token)))
            return -1;
        pmc_book_from_quote(&bk, &r->u.quote, PMC_SIZE_MAX);
        set_mark(k, pmc_book_mid(&bk));
        return 0;
    case PMC_K_RESOLVE:
        if (!(k = tok_of(s, &r->u.resolve.token)))
            return -1;
        if (!k->resolved) {
            k->mark = r->u.resolve.payout;
            k->resolved = 1;
        }
        return 0;
    default:
        return 0;
    }
}

struct pmc_cmp_side *pmc_cmp_read(FILE *f, const char *name, char *err,
                                  size_t cap)
{
    struct pmc_cmp_side *s = calloc(1, sizeof *s);
    struct pmc_tape_reader r;
    if (!s) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    rewind(f);
    if (pmc_tape_reader_init(&r, f, name) != PMC_OK) {
        snprintf(err, cap, "out of memory");
        free(s);
        return NULL;
    }
    struct pmc_record rec;
    int k;
    while ((k = pmc_tape_next(&r, &rec)) == 1)
        if (take(s, &rec, r.line) < 0) {
            snprintf(err, cap, "%s:%" PRIu64 ": out of memory", name, r.line);
            k = -2;
            break;
        }
    if (k == -1)
        snprintf(err, cap, "%s", r.err);
    pmc_tape_reader_fini(&r);
    rewind(f);
    if (k < 0) {
        pmc_cmp_free(s);
        return NULL;
    }
    return s;
}

void pmc_cmp_free(struct pmc_cmp_side *s)
{
    if (!s)
        return;
    free(s->o);
    free(s->idx);
    free(s->tok);
    free(s);
}

size_t pmc_cmp_orders(const struct pmc_cmp_side *s)
{
    return s->n;
}

static int cmp_ms(const void *a, const void *b)
{
    pmc_ms x = *(const pmc_ms *)a, y = *(const pmc_ms *)b;
    return (x > y) - (x < y);
}

pmc_ms pmc_cmp_latency(const struct pmc_cmp_side *s, size_t *n)
{
    *n = 0;
    pmc_ms *v = malloc((s->n ? s->n : 1) * sizeof *v);
    if (!v)
        return 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->o[i].t_rep >= 0)
            v[(*n)++] = s->o[i].t_rep - s->o[i].t;
    pmc_ms med = 0;
    if (*n) {
        qsort(v, *n, sizeof *v, cmp_ms);
        med = v[(*n - 1) / 2]; /* the lower median: an observed value */
    }
    free(v);
    return med;
}

/* P&L: the fills' cash flow plus the shares held at the last price seen
 * (the payout once resolved), as the simulator marks them. */
static pmc_micros pnl(const struct pmc_cmp_side *s)
{
    pmc_micros v = s->cash;
    for (size_t i = 0; i < s->ntok; i++) {
        const struct cmp_tok *k = &s->tok[i];
        v += k->shares >= 0 ? pmc_notional_down(k->shares, k->mark)
                            : -pmc_notional_up(-k->shares, k->mark);
    }
    return v;
}

static const char *dec(pmc_micros v, char *b)
{
    pmc_dec_format(v, b);
    return b;
}

static const char *status_of(const struct cmp_order *o)
{
    if (o->rejected)
        return "rejected";
    if (o->filled >= o->sz)
        return "filled";
    if (!o->final)
        return o->filled > 0 ? "partly filled, open" : "open";
    return o->filled > 0 ? "partly filled" : "unfilled";
}

static void say_order(FILE *out, const char *who, const struct cmp_order *o)
{
    char a[32], b[32], c[32], d[32], e[32];
    fprintf(out, "  %-8s %s %s %s @ %s %s on %s, decided t=%" PRId64 "\n", who,
            o->coid.s, pmc_side_name(o->side), dec(o->sz, a), dec(o->px, b),
            pmc_tif_name(o->tif), o->token.s, o->t);
    fprintf(out,
            "           %s: %s shares in %" PRIu32
            " fills for %s USD, fee %s (%" PRIu32 " trades failed)%s%s\n",
            status_of(o), dec(o->filled, c), o->legs, dec(o->notional, d),
            dec(o->fee, e), o->failed, o->reason[0] ? ", reason: " : "",
            o->reason);
}

/* What the tape says about the token's book when the order was decided:
 * its last quote, else its last trade print. */
static void say_book(FILE *out, const struct cmp_order *o, FILE *in,
                     const char *name)
{
    struct pmc_tape_reader r;
    rewind(in);
    if (pmc_tape_reader_init(&r, in, name) != PMC_OK)
        return;
    struct pmc_record rec, q, p;
    memset(&q, 0, sizeof q);
    memset(&p, 0, sizeof p);
    uint64_t ql = 0, pl = 0;
    int k;
    while ((k = pmc_tape_next(&r, &rec)) == 1 && rec.t <= o->t) {
        if (rec.kind == PMC_K_QUOTE &&
            pmc_sym_eq(&rec.u.quote.token, &o->token))
            q = rec, ql = r.line;
        else if ((rec.kind == PMC_K_TRADE &&
                  pmc_sym_eq(&rec.u.trade.token, &o->token)) ||
                 (rec.kind == PMC_K_FILL &&
                  pmc_sym_eq(&rec.u.fill.token, &o->token)))
            p = rec, pl = r.line;
    }
    char a[32], b[32], c[32], d[32];
    if (ql)
        fprintf(out,
                "  the book it met at both venues: the tape's last quote, "
                "of t=%" PRId64 " (%s:%" PRIu64 "): bid %s x %s, ask %s x %s "
                "(x 0 = depth unknown, taken as unlimited)\n",
                q.t, name, ql, dec(q.u.quote.bid, a), dec(q.u.quote.bidsz, b),
                dec(q.u.quote.ask, c), dec(q.u.quote.asksz, d));
    else if (pl)
        fprintf(out,
                "  no quote of the token before it: the no-book model, the "
                "last print %s of t=%" PRId64 " (%s:%" PRIu64
                ") +- the half spread\n",
                dec(p.kind == PMC_K_TRADE ? p.u.trade.px : p.u.fill.px, a), p.t,
                name, pl);
    else
        fprintf(out, "  no price of the token on the tape before it\n");
    pmc_tape_reader_fini(&r);
    rewind(in);
}

int pmc_cmp_report(FILE *out, const struct pmc_cmp_side *live,
                   const struct pmc_cmp_side *bt, pmc_micros bt_pnl,
                   FILE *inputs, const char *inputs_name)
{
    size_t n = live->n > bt->n ? live->n : bt->n;
    char a[32], b[32], c[32], d[32];
    for (size_t i = 0; i < n; i++) {
        const struct cmp_order *l = i < live->n ? &live->o[i] : NULL;
        const struct cmp_order *t = i < bt->n ? &bt->o[i] : NULL;
        const char *why = NULL;
        if (!l || !t)
            why = l ? "the backtest placed no such order"
                    : "the session placed no such order";
        else if (!pmc_sym_eq(&l->token, &t->token))
            why = "another token";
        else if (l->side != t->side)
            why = "another side";
        else if (l->px != t->px)
            why = "another limit price";
        else if (l->sz != t->sz)
            why = "another size";
        else if (l->tif != t->tif)
            why = "another time in force";
        else if (l->rejected != t->rejected)
            why = "one venue rejected it";
        else if (l->filled != t->filled || l->notional != t->notional ||
                 l->fee != t->fee || l->failed != t->failed)
            why = "the fills differ";
        if (!why)
            continue;
        fprintf(out, "DIFFER: order %zu of %zu live, %zu backtest: %s\n", i + 1,
                live->n, bt->n, why);
        if (l)
            say_order(out, "live", l);
        if (t)
            say_order(out, "backtest", t);
        int venue = l && t && l->sz == t->sz && l->px == t->px &&
                    l->side == t->side && l->tif == t->tif &&
                    pmc_sym_eq(&l->token, &t->token);
        if (venue)
            say_book(out, l, inputs, inputs_name);
        else if (l && t && l->t != t->t)
            fprintf(out,
                    "  the core decided at another time (t=%" PRId64
                    " live, t=%" PRId64 " backtest): an input or a report "
                    "reached it at another time\n",
                    l->t, t->t);
        else if (l && t)
            fprintf(out, "  the core decided otherwise at the same time, "
                         "every order before it filled alike: another "
                         "configuration\n");
        return 1;
    }
    pmc_micros pl = pnl(live), pb = bt_pnl;
    pmc_micros diff = pl > pb ? pl - pb : pb - pl;
    pmc_micros tol = (pl < 0 ? -pl : pl) / 100;
    if (tol < 10000)
        tol = 10000;
    fprintf(out,
            "orders: %zu live, %zu backtest, one for one (token, side, "
            "limit, size, fills, fees)\n",
            live->n, bt->n);
    fprintf(out,
            "P&L: live %s USD, backtest %s USD, difference %s (tolerance %s: "
            "1 %%, at least 0.01)\n",
            dec(pl, a), dec(pb, b), dec(diff, c), dec(tol, d));
    if (diff > tol) {
        fprintf(out, "DIFFER: P&L beyond the tolerance, every order and "
                     "fill alike: the backtest's ledger books the same fills "
                     "otherwise (see its checks)\n");
        return 1;
    }
    fprintf(out, "agree: yes\n");
    return 0;
}
