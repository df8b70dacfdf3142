/* proto/sign/amounts.c - exact order amounts (protocol reference 2.7.3).
 *
 * Let D be the tick's price decimals, P = price * 10^D, S = floor(shares *
 * 100) and U = floor(usd * 100). Then, in base units:
 *   limit BUY    maker = S * P * 10^(4-D)        taker = S * 10^4
 *   limit SELL   maker = S * 10^4                taker = S * P * 10^(4-D)
 *   market BUY   maker = U * 10^4                taker = floor(U * 10^(D+2) /
 * P) * 100 market SELL  maker = S * 10^4                taker = S * P *
 * 10^(4-D) S * P has D + 2 decimals, which never exceeds the builders' amount
 * decimals for any tick, so limit amounts are exact. Products are taken in
 * 128 bits. Never uses floating point. */
#include "proto/msg.h"
#include "proto/sign/amounts.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/dec.h"
#include "proto/sign/eip712.h"

__extension__ typedef __int128 i128;

static const int64_t POW10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

/* Amount ceiling: far above any real order, and it keeps every product
 * below 2^63. */
#define AMOUNT_MAX ((i128)1 << 62)

enum pmc_err pmc_tick_parse(const char *s, size_t n, struct pmc_tick *out)
{
    pmc_micros v;
    enum pmc_err e = pmc_dec_parse(s, n, &v);
    if (e == PMC_ERANGE)
        return PMC_ERANGE;
    if (e != PMC_OK)
        return PMC_EPARSE;
    static const struct {
        pmc_micros v;
        struct pmc_tick t;
    } TICKS[] = {
        {100000, {1, 1}}, {10000, {2, 1}}, {5000, {3, 5}},
        {2500, {4, 25}},  {1000, {3, 1}},  {100, {4, 1}},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(TICKS); i++)
        if (TICKS[i].v == v) {
            *out = TICKS[i].t;
            return PMC_OK;
        }
    return PMC_ERANGE;
}

pmc_micros pmc_tick_micros(struct pmc_tick t)
{
    return (pmc_micros)t.step * POW10[6 - t.dec];
}

static int tick_ok(struct pmc_tick t)
{
    return t.dec >= 1 && t.dec <= 4 && t.step >= 1 &&
           (t.step == 1 || (t.dec == 3 && t.step == 5) ||
            (t.dec == 4 && t.step == 25));
}

enum pmc_err pmc_price_check(pmc_micros price, struct pmc_tick t, char *why,
                             size_t why_len)
{
    char pb[32], tb[32], hb[32];
    pmc_micros tick = pmc_tick_micros(t);
    pmc_dec_format(price, pb);
    pmc_dec_format(tick, tb);
    if (price % tick != 0) {
        pmc_msgf(why, why_len, "price %s is not on the %s tick grid", pb, tb);
        return PMC_ERANGE;
    }
    if (price < tick || price > PMC_MICRO - tick) {
        pmc_dec_format(PMC_MICRO - tick, hb);
        pmc_msgf(why, why_len, "price %s is outside [%s, %s] for tick %s", pb,
                 tb, hb, tb);
        return PMC_ERANGE;
    }
    return PMC_OK;
}

enum pmc_err pmc_amounts_compute(const struct pmc_amount_req *req,
                                 struct pmc_amounts *out, char *why,
                                 size_t why_len)
{
    struct pmc_tick t = req->tick;
    char vb[32], mb[32];
    if (!tick_ok(t)) {
        pmc_msgf(why, why_len, "tick_size is not a venue tick size");
        return PMC_ERANGE;
    }
    if (req->side != PMC_BUY && req->side != PMC_SELL) {
        pmc_msgf(why, why_len, "side must be BUY or SELL");
        return PMC_EUSAGE;
    }
    if (req->kind != PMC_ORDER_LIMIT && req->kind != PMC_ORDER_MARKET) {
        pmc_msgf(why, why_len, "kind must be limit or market");
        return PMC_EUSAGE;
    }
    pmc_micros price = req->price;
    if (price <= 0 || price >= PMC_MICRO) {
        pmc_dec_format(price, vb);
        pmc_msgf(why, why_len, "price %s is outside (0, 1)", vb);
        return PMC_ERANGE;
    }
    if (req->kind == PMC_ORDER_MARKET) /* worst price floored to the grid */
        price = pmc_round_down(price, pmc_tick_micros(t));
    PMC_TRY(pmc_price_check(price, t, why, why_len));
    if (req->size <= 0) {
        pmc_dec_format(req->size, vb);
        pmc_msgf(why, why_len, "%s %s must be > 0",
                 req->kind == PMC_ORDER_LIMIT ? "size"
                 : req->side == PMC_BUY       ? "amount (USD)"
                                              : "amount (shares)",
                 vb);
        return PMC_ERANGE;
    }

    const i128 P = price / POW10[6 - t.dec]; /* price * 10^D, exact */
    const i128 scale = POW10[4 - t.dec];     /* 10^(4-D) */
    const i128 S = req->size / 10000; /* centi-shares (or cents), floored */
    i128 maker, taker;

    if (req->kind == PMC_ORDER_LIMIT) {
        if (S * 10000 < req->min_shares || S == 0) {
            pmc_dec_format(req->size, vb);
            pmc_dec_format(req->min_shares > 10000 ? req->min_shares : 10000,
                           mb);
            pmc_msgf(why, why_len,
                     "size %s shares (floored to 2 decimals) is below the "
                     "minimum order size %s shares",
                     vb, mb);
            return PMC_ERANGE;
        }
        i128 usd = S * P * scale, shares = S * 10000;
        maker = req->side == PMC_BUY ? usd : shares;
        taker = req->side == PMC_BUY ? shares : usd;
    } else if (req->side == PMC_BUY) {
        const i128 U = S; /* cents */
        if (U * 10000 < PMC_MIN_MARKET_BUY_USD) {
            pmc_dec_format(req->size, vb);
            pmc_dec_format(PMC_MIN_MARKET_BUY_USD, mb);
            pmc_msgf(why, why_len,
                     "amount %s USD is below the minimum marketable buy of %s "
                     "USD",
                     vb, mb);
            return PMC_ERANGE;
        }
        maker = U * 10000;
        /* shares = U / 100 / (P / 10^D), floored to 4 decimals */
        taker = (U * POW10[t.dec + 2] / P) * 100;
    } else {
        if (S == 0) {
            pmc_dec_format(req->size, vb);
            pmc_msgf(why, why_len,
                     "amount %s shares is below 0.01 share (sizes are floored "
                     "to 2 decimals)",
                     vb);
            return PMC_ERANGE;
        }
        maker = S * 10000;
        taker = S * P * scale;
    }
    if (maker > AMOUNT_MAX || taker > AMOUNT_MAX || maker <= 0 || taker <= 0) {
        pmc_dec_format(req->size, vb);
        pmc_msgf(why, why_len, "size %s gives an amount out of range", vb);
        return PMC_ERANGE;
    }
    out->maker_amount = (uint64_t)maker;
    out->taker_amount = (uint64_t)taker;
    out->price = price;
    return PMC_OK;
}
