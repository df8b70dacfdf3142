/* sim/sweep_tape.c - the tape of a latency sweep, parsed once and held in
 * memory (sweep.h).
 *
 * Decides the compact form: every record the tape reader returns, in tape
 * order, as bytes in one growing buffer - its kind and time, then for
 * fills, quotes, trades, resolutions and books their fields with tokens,
 * wallets and market ids as indexes into one symbol table (books only
 * with the levels they have); any other kind as the whole record. Decoding
 * gives back the record the reader gave, field for field, so a run over it
 * is the run over the file. Never: drops a record, or changes one once
 * loaded (runs on threads share it). */
#include <stdlib.h>
#include <string.h>

#include "proto/grow.h"
#include "proto/tapeio.h"
#include "sim/sweep.h"

struct pmc_sweep_tape {
    unsigned char *b;
    size_t n, cap;
    uint64_t nrec;
    /* symbols: open addressing by hash, slot + 1, 0 = empty */
    struct pmc_sym *sym;
    size_t nsym, capsym;
    uint32_t *slot, nslot;
};

static int sym_rehash(struct pmc_sweep_tape *t)
{
    uint32_t ncap = t->nslot ? t->nslot * 2 : 1024;
    if (!ncap)
        return -1;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->nsym; i++) {
        uint32_t j = (uint32_t)(t->sym[i].h & (ncap - 1));
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = ns;
    t->nslot = ncap;
    return 0;
}

/* Index of y in the table, added when new; -1 when out of memory or past
 * 2^31 symbols. */
static long sym_get(struct pmc_sweep_tape *t, const struct pmc_sym *y)
{
    if (t->nslot) {
        uint32_t j = (uint32_t)(y->h & (t->nslot - 1));
        while (t->slot[j]) {
            uint32_t i = t->slot[j] - 1;
            if (pmc_sym_eq(&t->sym[i], y))
                return (long)i;
            j = (j + 1) & (t->nslot - 1);
        }
    }
    if (t->nsym >= 0x7fffffff)
        return -1;
    if ((t->nsym + 1) * 2 > t->nslot && sym_rehash(t) < 0)
        return -1;
    if (pmc_grow((void **)&t->sym, &t->capsym, t->nsym + 1, sizeof *t->sym) < 0)
        return -1;
    t->sym[t->nsym] = *y;
    uint32_t j = (uint32_t)(y->h & (t->nslot - 1));
    while (t->slot[j])
        j = (j + 1) & (t->nslot - 1);
    t->slot[j] = (uint32_t)t->nsym + 1;
    return (long)t->nsym++;
}

static int put(struct pmc_sweep_tape *t, const void *p, size_t n)
{
    if (t->n + n < t->n || pmc_grow((void **)&t->b, &t->cap, t->n + n, 1) < 0)
        return -1;
    memcpy(t->b + t->n, p, n);
    t->n += n;
    return 0;
}

static int put_i64(struct pmc_sweep_tape *t, int64_t v)
{
    return put(t, &v, sizeof v);
}

static int put_sym(struct pmc_sweep_tape *t, const struct pmc_sym *y)
{
    long k = sym_get(t, y);
    if (k < 0)
        return -1;
    uint32_t u = (uint32_t)k;
    return put(t, &u, sizeof u);
}

/* bytes of a short text: its length, then the bytes */
static int put_text(struct pmc_sweep_tape *t, const char *s, size_t n)
{
    unsigned char len = (unsigned char)n;
    return put(t, &len, 1) || put(t, s, n) ? -1 : 0;
}

static int keep(struct pmc_sweep_tape *t, const struct pmc_record *r)
{
    unsigned char kind = (unsigned char)r->kind;
    if (put(t, &kind, 1) || put_i64(t, r->t))
        return -1;
    switch (r->kind) {
    case PMC_K_FILL: {
        const struct pmc_fill *f = &r->u.fill;
        unsigned char ss[2] = {(unsigned char)f->side, (unsigned char)f->src};
        return put_sym(t, &f->trader) || put_sym(t, &f->token) ||
                       put_sym(t, &f->market) ||
                       put_text(t, f->key.s, f->key.n) ||
                       put_text(t, f->outcome,
                                strnlen(f->outcome, sizeof f->outcome)) ||
                       put(t, ss, 2) || put_i64(t, f->px) ||
                       put_i64(t, f->sz) || put_i64(t, f->ts) ||
                       put_i64(t, f->end)
                   ? -1
                   : 0;
    }
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &r->u.quote;
        return put_sym(t, &q->token) || put_i64(t, q->bid) ||
                       put_i64(t, q->ask) || put_i64(t, q->bidsz) ||
                       put_i64(t, q->asksz)
                   ? -1
                   : 0;
    }
    case PMC_K_TRADE:
        return put_sym(t, &r->u.trade.token) || put_i64(t, r->u.trade.px) ||
                       put_i64(t, r->u.trade.sz)
                   ? -1
                   : 0;
    case PMC_K_RESOLVE:
        return put_sym(t, &r->u.resolve.token) ||
                       put_i64(t, r->u.resolve.payout)
                   ? -1
                   : 0;
    case PMC_K_BOOK: {
        const struct pmc_book_ev *k = &r->u.book;
        unsigned char nb[2] = {k->nbid, k->nask};
        if (put_sym(t, &k->token) || put(t, nb, 2) ||
            put(t, k->bid_px, k->nbid * sizeof(pmc_micros)) ||
            put(t, k->bid_sz, k->nbid * sizeof(pmc_micros)) ||
            put(t, k->ask_px, k->nask * sizeof(pmc_micros)) ||
            put(t, k->ask_sz, k->nask * sizeof(pmc_micros)))
            return -1;
        return 0;
    }
    default: {
        /* rare kinds whole; an order's pointers into the reader's line
         * would not outlive it (the simulator ignores orders on a tape) */
        struct pmc_record c = *r;
        if (c.kind == PMC_K_ORDER) {
            c.u.order.fills = NULL;
            c.u.order.nfills = 0;
            c.u.order.keys_text = NULL;
            c.u.order.keys_len = 0;
        }
        return put(t, &c, sizeof c);
    }
    }
}

struct pmc_sweep_tape *pmc_sweep_tape_load(FILE *f, const char *name, char *err,
                                           size_t cap)
{
    struct pmc_sweep_tape *t = calloc(1, sizeof *t);
    struct pmc_record *r = malloc(sizeof *r);
    struct pmc_tape_reader rd;
    if (!t || !r || pmc_tape_reader_init(&rd, f, name) != PMC_OK) {
        free(t);
        free(r);
        snprintf(err, cap, "%s: out of memory", name);
        return NULL;
    }
    int k;
    while ((k = pmc_tape_next(&rd, r)) == 1) {
        if (keep(t, r) < 0) {
            snprintf(err, cap,
                     "%s:%llu: out of memory holding the tape "
                     "(%llu records, %zu bytes so far)",
                     name, (unsigned long long)rd.line,
                     (unsigned long long)t->nrec, t->n);
            k = -2;
            break;
        }
        t->nrec++;
    }
    if (k == -1)
        snprintf(err, cap, "%s", rd.err);
    pmc_tape_reader_fini(&rd);
    free(r);
    if (k != 0) {
        pmc_sweep_tape_free(t);
        return NULL;
    }
    return t;
}

void pmc_sweep_tape_free(struct pmc_sweep_tape *t)
{
    if (!t)
        return;
    free(t->b);
    free(t->sym);
    free(t->slot);
    free(t);
}

uint64_t pmc_sweep_tape_records(const struct pmc_sweep_tape *t)
{
    return t->nrec;
}

size_t pmc_sweep_tape_bytes(const struct pmc_sweep_tape *t)
{
    return t->cap + t->capsym * sizeof *t->sym +
           (size_t)t->nslot * sizeof *t->slot;
}

/* ---- reading back ------------------------------------------------------ */

static void get(struct pmc_sweep_cursor *c, void *p, size_t n)
{
    memcpy(p, c->t->b + c->off, n);
    c->off += n;
}

static int64_t get_i64(struct pmc_sweep_cursor *c)
{
    int64_t v;
    get(c, &v, sizeof v);
    return v;
}

static void get_sym(struct pmc_sweep_cursor *c, struct pmc_sym *y)
{
    uint32_t u;
    get(c, &u, sizeof u);
    *y = c->t->sym[u];
}

static int next(void *ctx, struct pmc_record *r)
{
    struct pmc_sweep_cursor *c = ctx;
    if (c->i >= c->t->nrec)
        return 0;
    c->i++;
    unsigned char kind;
    get(c, &kind, 1);
    pmc_ms t = get_i64(c);
    if (kind != PMC_K_FILL && kind != PMC_K_QUOTE && kind != PMC_K_TRADE &&
        kind != PMC_K_RESOLVE && kind != PMC_K_BOOK) {
        get(c, r, sizeof *r);
        return 1;
    }
    memset(r, 0, sizeof *r);
    r->kind = (enum pmc_kind)kind;
    r->t = t;
    switch (r->kind) {
    case PMC_K_FILL: {
        struct pmc_fill *f = &r->u.fill;
        get_sym(c, &f->trader);
        get_sym(c, &f->token);
        get_sym(c, &f->market);
        unsigned char n, ss[2];
        get(c, &n, 1);
        char key[256];
        get(c, key, n);
        if (pmc_sym_set(&f->key, key, n) != PMC_OK)
            pmc_sym_clear(&f->key); /* cannot happen: it was a key */
        get(c, &n, 1);
        get(c, f->outcome, n);
        get(c, ss, 2);
        f->side = (enum pmc_side)ss[0];
        f->src = (enum pmc_src)ss[1];
        f->px = get_i64(c);
        f->sz = get_i64(c);
        f->ts = get_i64(c);
        f->end = get_i64(c);
        break;
    }
    case PMC_K_QUOTE:
        get_sym(c, &r->u.quote.token);
        r->u.quote.bid = get_i64(c);
        r->u.quote.ask = get_i64(c);
        r->u.quote.bidsz = get_i64(c);
        r->u.quote.asksz = get_i64(c);
        break;
    case PMC_K_TRADE:
        get_sym(c, &r->u.trade.token);
        r->u.trade.px = get_i64(c);
        r->u.trade.sz = get_i64(c);
        break;
    case PMC_K_RESOLVE:
        get_sym(c, &r->u.resolve.token);
        r->u.resolve.payout = get_i64(c);
        break;
    default: { /* PMC_K_BOOK */
        struct pmc_book_ev *k = &r->u.book;
        get_sym(c, &k->token);
        unsigned char nb[2];
        get(c, nb, 2);
        k->nbid = nb[0];
        k->nask = nb[1];
        get(c, k->bid_px, k->nbid * sizeof(pmc_micros));
        get(c, k->bid_sz, k->nbid * sizeof(pmc_micros));
        get(c, k->ask_px, k->nask * sizeof(pmc_micros));
        get(c, k->ask_sz, k->nask * sizeof(pmc_micros));
        break;
    }
    }
    return 1;
}

void pmc_sweep_feed(const struct pmc_sweep_tape *t, struct pmc_sweep_cursor *c,
                    struct pmc_sim_feed *feed)
{
    c->t = t;
    c->off = 0;
    c->i = 0;
    feed->ctx = c;
    feed->next = next;
}
