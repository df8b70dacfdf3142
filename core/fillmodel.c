/* core/fillmodel.c - book walk and resting-order crossing (see
 * fillmodel.h). */
#include "fillmodel.h"

#include "dec.h"
#include "fees.h"
#include "tape.h"

void pmc_book_clear(struct pmc_book *b)
{
    memset(b, 0, sizeof *b);
}

void pmc_book_from_quote(struct pmc_book *b, const struct pmc_quote *q,
                         pmc_micros unknown_sz)
{
    pmc_book_clear(b);
    if (unknown_sz <= 0)
        unknown_sz = 1;
    if (q->bid > 0) {
        b->nbid = 1;
        b->bid_px[0] = q->bid;
        b->bid_sz[0] = q->bidsz > 0 ? q->bidsz : unknown_sz;
    }
    if (q->ask > 0) {
        b->nask = 1;
        b->ask_px[0] = q->ask;
        b->ask_sz[0] = q->asksz > 0 ? q->asksz : unknown_sz;
    }
}

void pmc_book_from_levels(struct pmc_book *b, const struct pmc_book_ev *ev)
{
    pmc_book_clear(b);
    b->nbid = ev->nbid > PMC_BOOK_LEVELS ? PMC_BOOK_LEVELS : ev->nbid;
    b->nask = ev->nask > PMC_BOOK_LEVELS ? PMC_BOOK_LEVELS : ev->nask;
    memcpy(b->bid_px, ev->bid_px, sizeof b->bid_px);
    memcpy(b->bid_sz, ev->bid_sz, sizeof b->bid_sz);
    memcpy(b->ask_px, ev->ask_px, sizeof b->ask_px);
    memcpy(b->ask_sz, ev->ask_sz, sizeof b->ask_sz);
}

static pmc_micros clamp_px(pmc_micros p)
{
    const pmc_micros lo = 1, hi = PMC_MICRO - 1;
    return p < lo ? lo : p > hi ? hi : p;
}

void pmc_book_synthetic(struct pmc_book *b, pmc_micros last,
                        pmc_micros half_spread, pmc_micros tick,
                        pmc_micros depth)
{
    pmc_book_clear(b);
    if (last <= 0 || last >= PMC_MICRO)
        return;
    b->nbid = b->nask = 1;
    pmc_micros bid = last - half_spread, ask = last + half_spread;
    if (tick > 0 && tick < PMC_MICRO / 2) {
        bid = pmc_round_down(bid, tick);
        ask = pmc_round_up(ask, tick);
        bid = bid < tick               ? tick
              : bid > PMC_MICRO - tick ? PMC_MICRO - tick
                                       : bid;
        ask = ask < tick               ? tick
              : ask > PMC_MICRO - tick ? PMC_MICRO - tick
                                       : ask;
    }
    b->bid_px[0] = clamp_px(bid);
    b->ask_px[0] = clamp_px(ask);
    b->bid_sz[0] = b->ask_sz[0] = depth;
}

pmc_micros pmc_book_mid(const struct pmc_book *b)
{
    if (b->nbid && b->nask)
        return (b->bid_px[0] + b->ask_px[0]) / 2;
    if (b->nask)
        return b->ask_px[0];
    if (b->nbid)
        return b->bid_px[0];
    return 0;
}

pmc_micros pmc_notional_up(pmc_micros sz, pmc_micros px)
{
    return pmc_muldiv_ceil(sz, px, PMC_MICRO);
}

pmc_micros pmc_notional_down(pmc_micros sz, pmc_micros px)
{
    return pmc_muldiv_floor(sz, px, PMC_MICRO);
}

/* Is a level at px reachable for a taker on `side` with this limit? */
static int crosses(enum pmc_side side, pmc_micros px, pmc_micros limit)
{
    return side == PMC_BUY ? px <= limit : px >= limit;
}

/* Drop level i's taken size; remove emptied levels from the front. */
static void take(pmc_micros *px, pmc_micros *sz, uint8_t *n, uint8_t i,
                 pmc_micros amount)
{
    sz[i] -= amount;
    if (sz[i] > 0)
        return;
    for (uint8_t j = i; j + 1 < *n; j++) {
        px[j] = px[j + 1];
        sz[j] = sz[j + 1];
    }
    (*n)--;
    px[*n] = sz[*n] = 0;
}

void pmc_fill_match(struct pmc_book *b, enum pmc_side side, pmc_micros limit,
                    pmc_micros want, enum pmc_tif tif,
                    const struct pmc_fee_params *fp, int consume,
                    struct pmc_match *m)
{
    memset(m, 0, sizeof *m);
    if (want <= 0)
        return;
    pmc_micros *px = side == PMC_BUY ? b->ask_px : b->bid_px;
    pmc_micros *sz = side == PMC_BUY ? b->ask_sz : b->bid_sz;
    uint8_t *n = side == PMC_BUY ? &b->nask : &b->nbid;

    if (tif == PMC_TIF_FOK) {
        pmc_micros avail = 0;
        for (uint8_t i = 0; i < *n && crosses(side, px[i], limit); i++) {
            avail += sz[i];
            if (avail >= want)
                break;
        }
        if (avail < want)
            return;
    }
    pmc_micros rem = want;
    for (uint8_t i = 0; i < *n && rem > 0 && crosses(side, px[i], limit); i++) {
        pmc_micros q = sz[i] < rem ? sz[i] : rem;
        if (q <= 0)
            continue;
        struct pmc_fill_leg *L = &m->legs[m->nlegs++];
        L->px = px[i];
        L->sz = q;
        L->fee = pmc_fee_taker(q, px[i], fp->rate, fp->exp);
        m->filled += q;
        m->notional += side == PMC_BUY ? pmc_notional_up(q, px[i])
                                       : pmc_notional_down(q, px[i]);
        m->fee += L->fee;
        rem -= q;
    }
    if (consume) {
        for (uint8_t k = 0; k < m->nlegs; k++)
            take(px, sz, n, 0, m->legs[k].sz);
    }
}

pmc_micros pmc_fill_rest_book(struct pmc_book *b, enum pmc_side side,
                              pmc_micros limit, pmc_micros remaining,
                              int consume)
{
    /* A resting buy is crossed by asks, a resting sell by bids. */
    pmc_micros *px = side == PMC_BUY ? b->ask_px : b->bid_px;
    pmc_micros *sz = side == PMC_BUY ? b->ask_sz : b->bid_sz;
    uint8_t *n = side == PMC_BUY ? &b->nask : &b->nbid;
    pmc_micros got = 0;
    while (*n > 0 && got < remaining && crosses(side, px[0], limit)) {
        pmc_micros q = sz[0] < remaining - got ? sz[0] : remaining - got;
        got += q;
        if (!consume) {
            /* Without consuming, only the best level counts once. */
            break;
        }
        take(px, sz, n, 0, q);
    }
    return got;
}

pmc_micros pmc_fill_rest_trade(enum pmc_side side, pmc_micros limit,
                               pmc_micros remaining, pmc_micros trade_px,
                               pmc_micros trade_sz)
{
    if (remaining <= 0 || trade_sz <= 0 || !crosses(side, trade_px, limit))
        return 0;
    return trade_sz < remaining ? trade_sz : remaining;
}

#define TRADE_FAIL_SEED 0x7472616465666169ull

int pmc_trade_fails(pmc_micros share, const struct pmc_sym *coid, uint32_t nth)
{
    if (share <= 0)
        return 0;
    unsigned char buf[PMC_SYM_MAX + 4];
    memcpy(buf, coid->s, coid->n);
    for (int i = 0; i < 4; i++)
        buf[coid->n + i] = (unsigned char)(nth >> (8 * i));
    uint64_t h = pmc_hash64_seed(buf, (size_t)coid->n + 4, TRADE_FAIL_SEED);
    return (pmc_micros)(h % (uint64_t)PMC_MICRO) < share;
}
