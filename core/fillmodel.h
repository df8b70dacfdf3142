/* core/fillmodel.h - how an order fills against a book (the simulator and
 * the live paper venue share this code, so a paper fill and a backtest fill
 * of the same order against the same book are the same micro-dollars).
 *
 * Decides: which levels a marketable limit order takes, at what prices,
 * how many shares, and the taker fee of each level; how much of a resting
 * (GTC) order a later quote or trade print crosses. Never fills beyond the
 * limit price. Must never allocate, do I/O, read a clock or use floating
 * point.
 *
 * Books are best level first (unlike Polymarket's wire arrays, which are
 * best level last; the decoders reverse them). Prices, sizes, USD: micros. */
#ifndef PMC_FILLMODEL_H
#define PMC_FILLMODEL_H

#include "event.h"

struct pmc_book {
    uint8_t nbid, nask;
    pmc_micros bid_px[PMC_BOOK_LEVELS], bid_sz[PMC_BOOK_LEVELS];
    pmc_micros ask_px[PMC_BOOK_LEVELS], ask_sz[PMC_BOOK_LEVELS];
};

/* Empty both sides. */
void pmc_book_clear(struct pmc_book *b);

/* Top of book from a quote. A side whose price is 0 is empty; a size of 0
 * (unknown) becomes `unknown_sz` shares (pass PMC_SIZE_MAX for "as deep as
 * needed"). */
void pmc_book_from_quote(struct pmc_book *b, const struct pmc_quote *q,
                         pmc_micros unknown_sz);

/* Depth from a book record (levels already best first). */
void pmc_book_from_levels(struct pmc_book *b, const struct pmc_book_ev *ev);

/* A one-level book around a reference price when no quotes exist, on the
 * market's price grid: bid = last - half_spread rounded down to the tick,
 * ask = last + half_spread rounded up to it, both kept within
 * [tick, 1 - tick]; each `depth` shares deep. tick 0: no grid, prices
 * kept within (0, 1). */
void pmc_book_synthetic(struct pmc_book *b, pmc_micros last,
                        pmc_micros half_spread, pmc_micros tick,
                        pmc_micros depth);

/* Mid price (micros, floor) of the best levels; the one side's best when
 * only one side exists; 0 for an empty book. */
pmc_micros pmc_book_mid(const struct pmc_book *b);

struct pmc_fee_params {
    pmc_micros rate; /* e.g. 250000 = 0.25 */
    int32_t exp;
};

/* One price level taken by a match. */
struct pmc_fill_leg {
    pmc_micros px, sz, fee; /* price, shares, taker fee USD */
};

struct pmc_match {
    pmc_micros filled;   /* shares */
    pmc_micros notional; /* USD: buy cost rounded up, sell proceeds down */
    pmc_micros fee;      /* USD, sum of the legs' fees */
    uint8_t nlegs;
    struct pmc_fill_leg legs[PMC_BOOK_LEVELS];
};

/* Match a marketable limit order (taker) of `want` shares at limit `limit`
 * against b: a BUY walks the asks priced <= limit, a SELL the bids priced
 * >= limit, best first. FAK and GTC/GTD take what is there (the caller
 * cancels or rests the remainder); FOK takes nothing unless all of `want`
 * is available. With consume != 0 the taken shares are removed from b
 * (our own orders eat the liquidity until the next book update). *m is
 * always written. */
void pmc_fill_match(struct pmc_book *b, enum pmc_side side, pmc_micros limit,
                    pmc_micros want, enum pmc_tif tif,
                    const struct pmc_fee_params *fp, int consume,
                    struct pmc_match *m);

/* Shares of a resting order (maker, priced at its limit) that a new book
 * crosses: a resting BUY at `limit` fills against asks priced <= limit, a
 * resting SELL against bids >= limit, at most `remaining`. Consumes from b
 * when consume != 0. */
pmc_micros pmc_fill_rest_book(struct pmc_book *b, enum pmc_side side,
                              pmc_micros limit, pmc_micros remaining,
                              int consume);

/* Shares of a resting order that a trade print (px, sz) crosses: a resting
 * BUY fills when px <= limit, a resting SELL when px >= limit; at most the
 * print's size and `remaining`. */
pmc_micros pmc_fill_rest_trade(enum pmc_side side, pmc_micros limit,
                               pmc_micros remaining, pmc_micros trade_px,
                               pmc_micros trade_sz);

/* USD value of sz shares at px: rounded up (what a buyer pays) or down
 * (what a seller receives). */
pmc_micros pmc_notional_up(pmc_micros sz, pmc_micros px);
pmc_micros pmc_notional_down(pmc_micros sz, pmc_micros px);

/* Does the nth trade (fill leg, from 1, over the order's life) of order
 * coid fail on chain, with `share` (micros of 1) of the matched trades
 * failing (config trade_fail_share)? A draw from a hash of both with a
 * fixed seed: the same order and leg fail in the simulator and the paper
 * venue, whatever else the run holds. */
int pmc_trade_fails(pmc_micros share, const struct pmc_sym *coid, uint32_t nth);

#endif
