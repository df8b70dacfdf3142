/* live/exec/ledger.c - the trade ledger of the executor: every fill it
 * reported to the core (a chunk: order, shares, price) and every venue
 * trade of our orders (trade id, status, the chunk parts it was counted
 * in), so one fill is never counted twice whichever way it was learned
 * (POST answer, look-up by hash, user channel order or trade event).
 *
 * Decides which chunk a trade is counted in and which entry makes room
 * when the table is full (the oldest finished trade, else the oldest
 * chunk; counted as an eviction). Never emits a report, never reads a
 * clock, never does I/O: user.c and order_fsm.c act on what it says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/exec/clob_int.h"

static int same(const struct pmc_sym *a, const struct pmc_sym *b)
{
    return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

enum pmc_err pmc__led_open(struct pmc_clob *x)
{
    x->led_cap = 4 * x->cfg.max_orders;
    x->chunks = calloc(x->led_cap, sizeof *x->chunks);
    x->trades = calloc(x->led_cap, sizeof *x->trades);
    return x->chunks && x->trades ? PMC_OK : PMC_ENOMEM;
}

void pmc__led_close(struct pmc_clob *x)
{
    free(x->chunks);
    free(x->trades);
    x->chunks = NULL;
    x->trades = NULL;
}

void pmc__led_fill(struct pmc_clob *x, const struct pmc_sym *coid,
                   const char *hash, pmc_micros sz, pmc_micros px)
{
    struct chunk *c = NULL, *old = NULL;
    for (uint32_t i = 0; i < x->led_cap; i++) {
        struct chunk *k = &x->chunks[i];
        if (!k->used) {
            c = k;
            break;
        }
        if (!old || k->seq < old->seq)
            old = k;
    }
    if (!c) {
        c = old;
        x->st.ledger_evictions++;
    }
    memset(c, 0, sizeof *c);
    c->used = 1;
    c->seq = ++x->led_seq;
    c->coid = *coid;
    snprintf(c->hash, sizeof c->hash, "%s", hash);
    c->sz = c->left = sz;
    c->px = px;
    x->last_chunk = c;
    /* trades that came before the answer that reported this fill */
    for (uint32_t i = 0; i < x->led_cap && c->left > 0 && !x->led_direct; i++) {
        struct trade *t = &x->trades[i];
        if (t->used && t->pending && strcmp(t->hash, hash) == 0) {
            pmc_micros need = t->shares;
            for (uint32_t k = 0; k < t->nparts; k++)
                need -= t->part_sz[k];
            /* still pending while shares of it are not counted */
            t->pending = pmc__led_count(x, t, need) > 0 && t->nparts < 3;
            t->counted = t->nparts > 0;
        }
    }
}

pmc_micros pmc__led_count(struct pmc_clob *x, struct trade *t, pmc_micros need)
{
    while (need > 0 && t->nparts < 3) {
        pmc_micros px = 0;
        pmc_micros got = pmc__led_take(x, t->hash, need, &px);
        if (got == 0)
            break;
        t->part_sz[t->nparts] = got;
        t->nparts++;
        need -= got;
    }
    return need;
}

const struct pmc_sym *pmc__led_coid_of(struct pmc_clob *x, const char *hash)
{
    for (uint32_t i = 0; i < x->led_cap; i++)
        if (x->chunks[i].used && strcmp(x->chunks[i].hash, hash) == 0)
            return &x->chunks[i].coid;
    return NULL;
}

pmc_micros pmc__led_take(struct pmc_clob *x, const char *hash, pmc_micros want,
                         pmc_micros *px)
{
    struct chunk *best = NULL;
    for (uint32_t i = 0; i < x->led_cap; i++) {
        struct chunk *k = &x->chunks[i];
        if (k->used && k->left > 0 && strcmp(k->hash, hash) == 0 &&
            (!best || k->seq < best->seq))
            best = k;
    }
    if (!best)
        return 0;
    pmc_micros take = best->left < want ? best->left : want;
    best->left -= take;
    *px = best->px;
    return take;
}

struct trade *pmc__led_trade(struct pmc_clob *x, const struct pmc_sym *id,
                             const char *hash, int create)
{
    struct trade *free_t = NULL, *old = NULL;
    for (uint32_t i = 0; i < x->led_cap; i++) {
        struct trade *t = &x->trades[i];
        if (!t->used) {
            if (!free_t)
                free_t = t;
            continue;
        }
        if (same(&t->id, id) && strcmp(t->hash, hash) == 0)
            return t;
        if ((t->st == PMC_TRADE_CONFIRMED || t->st == PMC_TRADE_FAILED) &&
            (!old || t->seq < old->seq))
            old = t;
    }
    if (!create)
        return NULL;
    struct trade *t = free_t ? free_t : old;
    if (!t) { /* every trade still in flight: the oldest makes room */
        for (uint32_t i = 0; i < x->led_cap; i++)
            if (!t || x->trades[i].seq < t->seq)
                t = &x->trades[i];
    }
    if (!free_t)
        x->st.ledger_evictions++;
    memset(t, 0, sizeof *t);
    t->used = 1;
    t->seq = ++x->led_seq;
    t->id = *id;
    snprintf(t->hash, sizeof t->hash, "%s", hash);
    return t;
}
