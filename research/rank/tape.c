/* research/rank/tape.c - the tape of a rank run, parsed once (rank.h).
 *
 * Decides: which records a wallet's backtest sees (its view): its own
 * fills in the window, and every market, quote, book, trade and resolution
 * of the tokens it traded (plus operator kill/resume), in tape order.
 * Other wallets' fills are left out: they are not copied and the tape's
 * trade prints carry the prices. Decides the market groups: tokens of one
 * `market` are one group, neg-risk markets (negrisk=1) with an `event=ID`
 * key are grouped by event.
 * Never: changes the records after loading (threads share them), or keeps
 * a record the simulator ignores (recorded actions, import-only rows). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/grow.h"
#include "proto/tapeio.h"
#include "research/rank/rank_int.h"

/* open addressing over pmc_sym, slot + 1, 0 = empty */
static int symtab_grow(struct rank_symtab *st)
{
    uint32_t ncap = st->cap ? st->cap * 2 : 1024;
    uint32_t *nslot = calloc(ncap, sizeof *nslot);
    if (!nslot)
        return -1;
    for (uint32_t i = 0; i < st->n; i++) {
        uint32_t j = (uint32_t)(st->sym[i].h & (ncap - 1));
        while (nslot[j])
            j = (j + 1) & (ncap - 1);
        nslot[j] = i + 1;
    }
    free(st->slot);
    st->slot = nslot;
    st->cap = ncap;
    return 0;
}

long pmc__rank_sym_find(const struct rank_symtab *st, const struct pmc_sym *y)
{
    if (!st->cap)
        return -1;
    uint32_t j = (uint32_t)(y->h & (st->cap - 1));
    while (st->slot[j]) {
        uint32_t i = st->slot[j] - 1;
        if (pmc_sym_eq(&st->sym[i], y))
            return (long)i;
        j = (j + 1) & (st->cap - 1);
    }
    return -1;
}

/* Index of y, added when new (*added = 1). -1 when out of memory. */
static long symtab_get(struct rank_symtab *st, const struct pmc_sym *y,
                       int *added)
{
    *added = 0;
    long k = pmc__rank_sym_find(st, y);
    if (k >= 0)
        return k;
    if ((uint64_t)(st->n + 1) * 2 > st->cap && symtab_grow(st) < 0)
        return -1;
    if (st->n == st->nalloc) {
        uint32_t na = st->nalloc ? st->nalloc * 2 : 256;
        struct pmc_sym *ns = realloc(st->sym, na * sizeof *ns);
        if (!ns)
            return -1;
        st->sym = ns;
        st->nalloc = na;
    }
    st->sym[st->n] = *y;
    uint32_t j = (uint32_t)(y->h & (st->cap - 1));
    while (st->slot[j])
        j = (j + 1) & (st->cap - 1);
    st->slot[j] = st->n + 1;
    *added = 1;
    return (long)st->n++;
}

static void symtab_free(struct rank_symtab *st)
{
    free(st->sym);
    free(st->slot);
}

/* The value of key `event` on a market line, "" when absent. */
static void event_key(const char *line, size_t n, struct pmc_sym *out)
{
    pmc_sym_clear(out);
    for (size_t i = 0; i + 6 <= n; i++) {
        if ((i == 0 || line[i - 1] == ' ') && !memcmp(line + i, "event=", 6)) {
            size_t a = i + 6, b = a;
            if (a < n && line[a] == '"') {
                a++;
                b = a;
                while (b < n && line[b] != '"')
                    b++;
            } else {
                while (b < n && line[b] != ' ')
                    b++;
            }
            if (b > a && b - a <= PMC_SYM_MAX)
                if (pmc_sym_set(out, line + a, b - a) != PMC_OK)
                    pmc_sym_clear(out);
            return;
        }
    }
}

static const struct pmc_sym *rec_token(const struct pmc_record *r)
{
    switch (r->kind) {
    case PMC_K_FILL:
        return &r->u.fill.token;
    case PMC_K_MARKET:
        return &r->u.market.token;
    case PMC_K_QUOTE:
        return &r->u.quote.token;
    case PMC_K_BOOK:
        return &r->u.book.token;
    case PMC_K_TRADE:
        return &r->u.trade.token;
    case PMC_K_RESOLVE:
        return &r->u.resolve.token;
    default:
        return NULL;
    }
}

/* Per token during the load: its market id and event (first non-empty). */
struct tokinfo {
    struct pmc_sym market, event;
    int8_t negrisk;
};

/* Build the CSR lists: records per token (fills excluded), fills per
 * wallet, and each token's group. */
static int index_tape(struct pmc_rank_tape *t, const uint32_t *rtok,
                      const uint32_t *rwal, const struct tokinfo *ti)
{
    uint32_t nt = t->toks.n, nw = t->wals.n;
    t->tok_off = calloc((size_t)nt + 1, sizeof *t->tok_off);
    t->wal_off = calloc((size_t)nw + 1, sizeof *t->wal_off);
    t->tok_group = malloc(((size_t)nt + 1) * sizeof *t->tok_group);
    if (!t->tok_off || !t->wal_off || !t->tok_group)
        return -1;
    size_t nglob = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (rwal[i] != UINT32_MAX)
            t->wal_off[rwal[i] + 1]++;
        else if (rtok[i] != UINT32_MAX)
            t->tok_off[rtok[i] + 1]++;
        else
            nglob++;
    }
    for (uint32_t k = 0; k < nt; k++)
        t->tok_off[k + 1] += t->tok_off[k];
    for (uint32_t k = 0; k < nw; k++)
        t->wal_off[k + 1] += t->wal_off[k];
    t->tok_rec = malloc((t->tok_off[nt] + 1) * sizeof *t->tok_rec);
    t->wal_rec = malloc((t->wal_off[nw] + 1) * sizeof *t->wal_rec);
    t->glob = malloc((nglob + 1) * sizeof *t->glob);
    uint32_t *ft = calloc((size_t)nt + 1, sizeof *ft);
    uint32_t *fw = calloc((size_t)nw + 1, sizeof *fw);
    if (!t->tok_rec || !t->wal_rec || !t->glob || !ft || !fw) {
        free(ft);
        free(fw);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (rwal[i] != UINT32_MAX)
            t->wal_rec[t->wal_off[rwal[i]] + fw[rwal[i]]++] = (uint32_t)i;
        else if (rtok[i] != UINT32_MAX)
            t->tok_rec[t->tok_off[rtok[i]] + ft[rtok[i]]++] = (uint32_t)i;
        else
            t->glob[t->nglob++] = (uint32_t)i;
    }
    free(ft);
    free(fw);
    /* groups: event (neg-risk) > market > the token alone */
    struct rank_symtab gt;
    memset(&gt, 0, sizeof gt);
    for (uint32_t k = 0; k < nt; k++) {
        char key[PMC_SYM_MAX + 3];
        const struct pmc_sym *src = &t->toks.sym[k];
        char tag = 't';
        if (ti[k].negrisk == 1 && ti[k].event.n) {
            src = &ti[k].event;
            tag = 'e';
        } else if (ti[k].market.n) {
            src = &ti[k].market;
            tag = 'm';
        }
        size_t n = src->n < PMC_SYM_MAX - 1 ? src->n : PMC_SYM_MAX - 1;
        key[0] = tag;
        key[1] = ':';
        memcpy(key + 2, src->s, n);
        struct pmc_sym g;
        int added;
        if (pmc_sym_set(&g, key, n + 2) != PMC_OK ||
            (t->tok_group[k] = (uint32_t)symtab_get(&gt, &g, &added)) ==
                UINT32_MAX) {
            symtab_free(&gt);
            return -1;
        }
    }
    t->ngroups = gt.n;
    symtab_free(&gt);
    return 0;
}

/* Intern s (n bytes) into st; UINT32_MAX for an empty one; -1 on OOM
 * (as *id = UINT32_MAX - 1). */
static int intern(struct rank_symtab *st, const char *s, size_t n, uint32_t *id)
{
    *id = UINT32_MAX;
    if (!n)
        return 0;
    struct pmc_sym y;
    int added;
    if (pmc_sym_set(&y, s, n) != PMC_OK)
        return -1;
    long k = symtab_get(st, &y, &added);
    if (k < 0)
        return -1;
    *id = (uint32_t)k;
    return 0;
}

/* Append r (token tk) to t in its compact form. -1 when out of memory. */
static int keep_record(struct pmc_rank_tape *t, const struct pmc_record *r,
                       uint32_t tk, size_t *cfill, size_t *cfull, size_t *ckeys)
{
    struct rank_rec *c = &t->rec[t->n];
    memset(c, 0, sizeof *c);
    c->t = r->t;
    c->tok = tk;
    c->kind = (uint8_t)r->kind;
    switch (r->kind) {
    case PMC_K_QUOTE:
        c->a = r->u.quote.bid;
        c->b = r->u.quote.ask;
        c->c = r->u.quote.bidsz;
        c->d = r->u.quote.asksz;
        return 0;
    case PMC_K_TRADE:
        c->a = r->u.trade.px;
        c->b = r->u.trade.sz;
        return 0;
    case PMC_K_RESOLVE:
        c->a = r->u.resolve.payout;
        return 0;
    case PMC_K_FILL: {
        const struct pmc_fill *f = &r->u.fill;
        if (pmc_grow((void **)&t->fills, cfill, t->nfills + 1,
                     sizeof *t->fills) < 0 ||
            pmc_grow((void **)&t->keys, ckeys, t->nkeys + f->key.n + 1, 1) < 0)
            return -1;
        struct rank_fill *x = &t->fills[t->nfills];
        memset(x, 0, sizeof *x);
        x->ts = f->ts;
        x->end = f->end;
        x->px = f->px;
        x->sz = f->sz;
        x->side = (uint8_t)f->side;
        x->src = (uint8_t)f->src;
        x->key_off = t->nkeys;
        x->key_len = f->key.n;
        memcpy(t->keys + t->nkeys, f->key.s, f->key.n);
        t->nkeys += f->key.n;
        x->trader = (uint32_t)pmc__rank_sym_find(&t->wals, &f->trader);
        if (intern(&t->mkts, f->market.s, f->market.n, &x->market) < 0 ||
            intern(&t->outs, f->outcome, strlen(f->outcome), &x->outcome) < 0)
            return -1;
        c->aux = (uint32_t)t->nfills++;
        return 0;
    }
    default:
        if (pmc_grow((void **)&t->full, cfull, t->nfull + 1, sizeof *t->full) <
            0)
            return -1;
        t->full[t->nfull] = *r;
        c->aux = (uint32_t)t->nfull++;
        return 0;
    }
}

void pmc__rank_expand(const struct pmc_rank_tape *t, uint32_t i,
                      struct pmc_record *r)
{
    const struct rank_rec *c = &t->rec[i];
    switch (c->kind) {
    case PMC_K_QUOTE:
        r->kind = PMC_K_QUOTE;
        r->t = c->t;
        r->u.quote.token = t->toks.sym[c->tok];
        r->u.quote.bid = c->a;
        r->u.quote.ask = c->b;
        r->u.quote.bidsz = c->c;
        r->u.quote.asksz = c->d;
        return;
    case PMC_K_TRADE:
        r->kind = PMC_K_TRADE;
        r->t = c->t;
        r->u.trade.token = t->toks.sym[c->tok];
        r->u.trade.px = c->a;
        r->u.trade.sz = c->b;
        return;
    case PMC_K_RESOLVE:
        r->kind = PMC_K_RESOLVE;
        r->t = c->t;
        r->u.resolve.token = t->toks.sym[c->tok];
        r->u.resolve.payout = c->a;
        return;
    case PMC_K_FILL: {
        const struct rank_fill *x = &t->fills[c->aux];
        struct pmc_fill *f = &r->u.fill;
        r->kind = PMC_K_FILL;
        r->t = c->t;
        f->trader = t->wals.sym[x->trader];
        f->token = t->toks.sym[c->tok];
        if (pmc_sym_set(&f->key, t->keys + x->key_off, x->key_len) != PMC_OK)
            pmc_sym_clear(&f->key); /* cannot happen: it was a key */
        if (x->market == UINT32_MAX)
            pmc_sym_clear(&f->market);
        else
            f->market = t->mkts.sym[x->market];
        memset(f->outcome, 0, sizeof f->outcome);
        if (x->outcome != UINT32_MAX)
            memcpy(f->outcome, t->outs.sym[x->outcome].s,
                   t->outs.sym[x->outcome].n);
        f->side = (enum pmc_side)x->side;
        f->src = (enum pmc_src)x->src;
        f->px = x->px;
        f->sz = x->sz;
        f->ts = x->ts;
        f->end = x->end;
        return;
    }
    default:
        *r = t->full[c->aux];
        return;
    }
}

struct pmc_rank_tape *pmc_rank_tape_load(FILE *f, const char *name, char *err,
                                         size_t cap)
{
    struct pmc_rank_tape *t = calloc(1, sizeof *t);
    struct pmc_tape_reader rd;
    if (!t || pmc_tape_reader_init(&rd, f, name) != PMC_OK) {
        free(t);
        snprintf(err, cap, "%s: out of memory", name);
        return NULL;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    uint32_t *rtok = NULL, *rwal = NULL;
    size_t ctok = 0, cwal = 0, crec = 0, cti = 0, cfill = 0, cfull = 0,
           ckeys = 0;
    struct tokinfo *ti = NULL;
    struct pmc_record r;
    int k, oom = 0;
    while ((k = pmc_tape_next(&rd, &r)) == 1) {
        int keep = r.kind == PMC_K_FILL || r.kind == PMC_K_MARKET ||
                   r.kind == PMC_K_QUOTE || r.kind == PMC_K_BOOK ||
                   r.kind == PMC_K_TRADE || r.kind == PMC_K_RESOLVE ||
                   r.kind == PMC_K_RESUME ||
                   ((r.kind == PMC_K_KILL || r.kind == PMC_K_TRADER) &&
                    !pmc_record_is_action(&r));
        if (!keep)
            continue;
        if (t->n >= UINT32_MAX - 1) {
            snprintf(err, cap,
                     "%s:%llu: more than %u records: a rank tape is indexed "
                     "by 32-bit positions",
                     name, (unsigned long long)rd.line, UINT32_MAX - 1);
            goto fail;
        }
        if (pmc_grow((void **)&t->rec, &crec, t->n + 1, sizeof *t->rec) < 0 ||
            pmc_grow((void **)&rtok, &ctok, t->n + 1, sizeof *rtok) < 0 ||
            pmc_grow((void **)&rwal, &cwal, t->n + 1, sizeof *rwal) < 0) {
            oom = 1;
            break;
        }
        uint32_t tk = UINT32_MAX, wl = UINT32_MAX;
        const struct pmc_sym *ts = rec_token(&r);
        if (ts) {
            int added;
            long x = symtab_get(&t->toks, ts, &added);
            if (x < 0 ||
                pmc_grow((void **)&ti, &cti, t->toks.n, sizeof *ti) < 0) {
                oom = 1;
                break;
            }
            tk = (uint32_t)x;
            if (added) {
                memset(&ti[tk], 0, sizeof ti[tk]);
                ti[tk].negrisk = -1;
            }
            if (r.kind == PMC_K_MARKET) {
                if (r.u.market.market.n && !ti[tk].market.n)
                    ti[tk].market = r.u.market.market;
                if (r.u.market.negrisk >= 0)
                    ti[tk].negrisk = r.u.market.negrisk;
                struct pmc_sym ev;
                event_key(rd.cur, rd.cur_len, &ev);
                if (ev.n && !ti[tk].event.n)
                    ti[tk].event = ev;
            }
            if (r.kind == PMC_K_FILL && r.u.fill.market.n && !ti[tk].market.n)
                ti[tk].market = r.u.fill.market;
        }
        if (r.kind == PMC_K_FILL) {
            int added;
            long x = symtab_get(&t->wals, &r.u.fill.trader, &added);
            if (x < 0) {
                oom = 1;
                break;
            }
            wl = (uint32_t)x;
        }
        if (!t->n)
            t->first = r.t;
        t->last = r.t;
        if (keep_record(t, &r, tk, &cfill, &cfull, &ckeys) < 0) {
            oom = 1;
            break;
        }
        rtok[t->n] = tk;
        rwal[t->n] = wl;
        t->n++;
    }
    if (oom) {
        snprintf(err, cap, "%s:%llu: out of memory loading the tape", name,
                 (unsigned long long)rd.line);
        goto fail;
    }
    if (k < 0) {
        snprintf(err, cap, "%s", rd.err);
        goto fail;
    }
    if (index_tape(t, rtok, rwal, ti) < 0) {
        snprintf(err, cap, "%s: out of memory indexing the tape", name);
        goto fail;
    }
    free(rtok);
    free(rwal);
    free(ti);
    pmc_tape_reader_fini(&rd);
    return t;
fail:
    free(rtok);
    free(rwal);
    free(ti);
    pmc_tape_reader_fini(&rd);
    pmc_rank_tape_free(t);
    return NULL;
}

void pmc_rank_tape_free(struct pmc_rank_tape *t)
{
    if (!t)
        return;
    free(t->rec);
    free(t->fills);
    free(t->full);
    free(t->keys);
    symtab_free(&t->toks);
    symtab_free(&t->wals);
    symtab_free(&t->mkts);
    symtab_free(&t->outs);
    free(t->tok_off);
    free(t->tok_rec);
    free(t->wal_off);
    free(t->wal_rec);
    free(t->glob);
    free(t->tok_group);
    free(t);
}

size_t pmc_rank_tape_nwallets(const struct pmc_rank_tape *t)
{
    return t->wals.n;
}

const struct pmc_sym *pmc_rank_tape_wallet(const struct pmc_rank_tape *t,
                                           size_t i)
{
    return &t->wals.sym[i];
}

long pmc_rank_tape_find(const struct pmc_rank_tape *t, const struct pmc_sym *a)
{
    return pmc__rank_sym_find(&t->wals, a);
}

uint64_t pmc_rank_tape_records(const struct pmc_rank_tape *t)
{
    return t->n;
}

void pmc_rank_tape_record(const struct pmc_rank_tape *t, uint64_t i,
                          struct pmc_record *r)
{
    pmc__rank_expand(t, (uint32_t)i, r);
}

pmc_ms pmc_rank_tape_first(const struct pmc_rank_tape *t)
{
    return t->first;
}

pmc_ms pmc_rank_tape_last(const struct pmc_rank_tape *t)
{
    return t->last;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int pmc__rank_view(const struct pmc_rank_tape *t, size_t w, pmc_ms since,
                   pmc_ms until, struct rank_view *v)
{
    memset(v, 0, sizeof *v);
    uint32_t a = t->wal_off[w], b = t->wal_off[w + 1];
    /* the wallet's tokens, in order of its first fill on each */
    v->tok = malloc(((size_t)(b - a) + 1) * sizeof *v->tok);
    if (!v->tok)
        return -1;
    size_t total = (size_t)(b - a) + t->nglob;
    for (uint32_t i = a; i < b; i++) {
        uint32_t tk = t->rec[t->wal_rec[i]].tok;
        size_t j = 0;
        while (j < v->ntok && v->tok[j] != tk)
            j++;
        if (j == v->ntok) {
            v->tok[v->ntok++] = tk;
            total += t->tok_off[tk + 1] - t->tok_off[tk];
        }
    }
    v->idx = malloc((total + 1) * sizeof *v->idx);
    if (!v->idx)
        return -1;
    for (uint32_t i = a; i < b; i++) {
        pmc_ms rt = t->rec[t->wal_rec[i]].t;
        if (rt >= since && (!until || rt < until))
            v->idx[v->n++] = t->wal_rec[i];
    }
    for (size_t j = 0; j < v->ntok; j++)
        for (uint32_t i = t->tok_off[v->tok[j]]; i < t->tok_off[v->tok[j] + 1];
             i++)
            if (!until || t->rec[t->tok_rec[i]].t < until)
                v->idx[v->n++] = t->tok_rec[i];
    for (size_t i = 0; i < t->nglob; i++)
        if (!until || t->rec[t->glob[i]].t < until)
            v->idx[v->n++] = t->glob[i];
    qsort(v->idx, v->n, sizeof *v->idx, cmp_u32);
    return 0;
}

void pmc__rank_view_free(struct rank_view *v)
{
    free(v->idx);
    free(v->tok);
    memset(v, 0, sizeof *v);
}

uint64_t pmc_rank_tape_wallet_size(const struct pmc_rank_tape *t, size_t i)
{
    struct rank_view v;
    uint64_t n = 0;
    if (pmc__rank_view(t, i, 0, 0, &v) == 0)
        n = v.n;
    pmc__rank_view_free(&v);
    return n;
}
