/* sim/synth.c - the synthetic fixture generator (see synth.h).
 *
 * Model, second by second:
 *  - underlying: log price random walk, sigma = vol_annual / sqrt(seconds
 *    per year) per second, no drift;
 *  - each market's Up price: Phi(r / (vol_ratio * sigma * sqrt(T_left)))
 *    with r the log return since the market's start (drift-free fair value;
 *    vol_ratio > 1 because the real 1 Hz recordings move less than the
 *    plain model: |dmid| over 10 s averages 0.031 and over 30 s 0.056);
 *  - Up book: ask = mid rounded to the tick + half the spread; the spread
 *    is one tick (0.01) 92 % of the time and two ticks otherwise (the
 *    recordings: median 0.01, mean 0.0108); the Down book mirrors it
 *    (bid_down = 1 - ask_up); top sizes log-uniform in [40, 1500) shares;
 *  - a quote is written when the top of book changed and at least
 *    quote_gap_s passed since the token's last quote (and always right
 *    before a source fill on it, so the source trades on the book shown);
 *  - traders: a two-sided market maker (passive buys at the bid of either
 *    side, src=chain), a momentum taker (buys the side that rose >= 0.06 in
 *    30 s at the ask, at most twice a market, sells half once on a 0.05 drop,
 *    src=rtds), a late-window
 *    buyer (favourite at ask 0.80..0.97 in the last 90..30 s, src=api);
 *  - resolution 60 s after the end: Up pays 1 when the end price >= the
 *    start price (ties resolve Up). */
#include "sim/synth.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

const char *const pmc_synth_traders[3] = {
    "0x1111111111111111111111111111111111111111", /* market maker */
    "0x2222222222222222222222222222222222222222", /* momentum taker */
    "0x3333333333333333333333333333333333333333", /* late-window buyer */
};

void pmc_synth_defaults(struct pmc_synth_opts *o)
{
    o->seed = 42;
    o->start = (pmc_ms)1771286400 * 1000; /* 2026-02-17 00:00:00 UTC */
    o->hours = 12;
    o->vol_annual = 0.50;
    o->vol_ratio = 1.25;
    o->quote_gap_s = 30;
}

#define NKINDS 2
static const int64_t kind_len[NKINDS] = {900, 300};
static const char *const kind_name[NKINDS] = {"15m", "5m"};

struct tokq {
    int bid, ask;     /* cents */
    int bidsz, asksz; /* shares */
    int64_t last_q;   /* second of the last quote, -1 none */
};

struct mkt {
    int active;
    int64_t start, end; /* seconds */
    double s0;          /* log price at start */
    struct tokq tk[2];  /* 0 = Up, 1 = Down */
    int up_hist[32];    /* Up mid (cents) for the last 32 s, ring */
    int mom_held[2];    /* momentum trader's shares per side */
    int mom_entry[2];
    int late_done;
    int mom_buys;
};

struct gen {
    FILE *f;
    gsl_rng *rng;
    uint64_t records, keyn;
    int err;
};

static void tok_id(char *b, size_t cap, int kind, int64_t start, int side)
{
    snprintf(b, cap, "btc%s-%" PRId64 "-%s", kind_name[kind], start,
             side ? "down" : "up");
}

static void mkt_id(char *b, size_t cap, int kind, int64_t start)
{
    snprintf(b, cap, "btc-updown-%s-%" PRId64, kind_name[kind], start);
}

static void line(struct gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void line(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(g->f, fmt, ap) < 0)
        g->err = 1;
    va_end(ap);
    g->records++;
}

static void cents(char *b, int c)
{
    snprintf(b, 8, "0.%02d", c);
}

static void quote(struct gen *g, int kind, const struct mkt *m, int side,
                  int64_t t)
{
    char tok[64], bid[8], ask[8];
    tok_id(tok, sizeof tok, kind, m->start, side);
    cents(bid, m->tk[side].bid);
    cents(ask, m->tk[side].ask);
    line(g,
         "t=%" PRId64 "000 ev=quote token=%s bid=%s ask=%s bidsz=%d "
         "asksz=%d\n",
         t, tok, bid, ask, m->tk[side].bidsz, m->tk[side].asksz);
}

static int rnd_size(struct gen *g, double lo, double hi)
{
    return (int)floor(
        exp(log(lo) + gsl_rng_uniform(g->rng) * (log(hi) - log(lo))));
}

static void fill(struct gen *g, int kind, struct mkt *m, int side, int64_t t,
                 int trader, int sell, int px, int sz, const char *src)
{
    char tok[64], mk[64], p[8];
    struct tokq *q = &m->tk[side];
    if (q->last_q != t) {
        quote(g, kind, m, side, t);
        q->last_q = t;
    }
    tok_id(tok, sizeof tok, kind, m->start, side);
    mkt_id(mk, sizeof mk, kind, m->start);
    cents(p, px);
    line(g,
         "t=%" PRId64 "000 ev=fill trader=%s token=%s side=%s px=%s sz=%d "
         "key=syn-%06" PRIu64 ":%d market=%s outcome=%s src=%s\n",
         t, pmc_synth_traders[trader], tok, sell ? "SELL" : "BUY", p, sz,
         ++g->keyn, trader, mk, side ? "Down" : "Up", src);
}

static void set_book(struct gen *g, struct mkt *m, double up)
{
    int spread = gsl_rng_uniform(g->rng) < 0.92 ? 1 : 2;
    int mid2 = (int)lround(up * 200.0); /* half cents */
    int bid = (mid2 - spread) / 2;
    if (bid < 1)
        bid = 1;
    if (bid > 99 - spread)
        bid = 99 - spread;
    int ask = bid + spread;
    struct tokq *u = &m->tk[0], *d = &m->tk[1];
    if (u->bid != bid || u->ask != ask) {
        u->bidsz = rnd_size(g, 40, 1500);
        u->asksz = rnd_size(g, 40, 1500);
    }
    u->bid = bid;
    u->ask = ask;
    d->bid = 100 - ask;
    d->ask = 100 - bid;
    d->bidsz = u->asksz;
    d->asksz = u->bidsz;
}

enum pmc_err pmc_synth_write(FILE *f, const struct pmc_synth_opts *o,
                             uint64_t *records)
{
    struct gen g = {f, gsl_rng_alloc(gsl_rng_mt19937), 0, 0, 0};
    if (!g.rng)
        return PMC_ENOMEM;
    gsl_rng_set(g.rng, (unsigned long)o->seed);
    const double sigma = o->vol_annual / sqrt(365.0 * 86400.0);
    const int64_t t0 = o->start / 1000, t1 = t0 + o->hours * 3600;
    struct mkt mk[NKINDS];
    memset(mk, 0, sizeof mk);
    double s = log(68000.0);
    /* resolutions due: at most one pending per kind at a time */
    int64_t res_at[NKINDS] = {0, 0};
    int res_up[NKINDS] = {0, 0};
    int64_t res_start[NKINDS] = {0, 0};

    line(&g, "#pmcopy-tape v1\n");
    line(&g,
         "# pmcopy synth --seed %" PRIu64 ": BTC 15m + 5m up/down, %" PRId64
         " h from %" PRId64 " (see docs/backtest.md)\n",
         o->seed, o->hours, t0);
    g.records = 0;
    for (int64_t t = t0; t <= t1 + 120; t++) {
        if (t > t0)
            s += sigma * gsl_ran_gaussian_ziggurat(g.rng, 1.0);
        for (int k = 0; k < NKINDS; k++) {
            if (res_at[k] && t == res_at[k]) {
                char up[64], dn[64];
                tok_id(up, sizeof up, k, res_start[k], 0);
                tok_id(dn, sizeof dn, k, res_start[k], 1);
                line(&g, "t=%" PRId64 "000 ev=resolve token=%s payout=%d\n", t,
                     up, res_up[k]);
                line(&g, "t=%" PRId64 "000 ev=resolve token=%s payout=%d\n", t,
                     dn, !res_up[k]);
                res_at[k] = 0;
            }
            struct mkt *m = &mk[k];
            if (m->active && t >= m->end) {
                res_at[k] = m->end + 60;
                res_up[k] = s >= m->s0;
                res_start[k] = m->start;
                m->active = 0;
            }
            if (!m->active && t < t1 && t % kind_len[k] == 0) {
                memset(m, 0, sizeof *m);
                m->active = 1;
                m->start = t;
                m->end = t + kind_len[k];
                m->s0 = s;
                m->tk[0].last_q = m->tk[1].last_q = -1;
                char mid[64], tok[64];
                mkt_id(mid, sizeof mid, k, t);
                for (int side = 0; side < 2; side++) {
                    tok_id(tok, sizeof tok, k, t, side);
                    line(&g,
                         "t=%" PRId64 "000 ev=market token=%s market=%s "
                         "end=%" PRId64 "000 tick=0.01 minsz=5 "
                         "fee_rate=0.25 fee_exp=2 outcome=%s\n",
                         t, tok, mid, m->end, side ? "Down" : "Up");
                }
            }
            if (!m->active)
                continue;
            int64_t left = m->end - t;
            double z =
                (s - m->s0) / (o->vol_ratio * sigma * sqrt((double)left));
            double up = gsl_cdf_ugaussian_P(z);
            int old_bid = m->tk[0].bid, old_ask = m->tk[0].ask;
            set_book(&g, m, up);
            int changed = old_bid != m->tk[0].bid || old_ask != m->tk[0].ask;
            int64_t age = t - m->tk[0].last_q;
            if (m->tk[0].last_q < 0 || (changed && age >= o->quote_gap_s)) {
                for (int side = 0; side < 2; side++) {
                    quote(&g, k, m, side, t);
                    m->tk[side].last_q = t;
                }
            }
            int elapsed = (int)(t - m->start);
            int upmid = (m->tk[0].bid + m->tk[0].ask) / 2;
            int prev30 =
                elapsed >= 30 ? m->up_hist[(elapsed - 30) & 31] : upmid;
            m->up_hist[elapsed & 31] = upmid;

            /* market maker: passive buys at the bid, either side */
            double mm_rate = k == 0 ? 1.0 / 900.0 : 1.0 / 600.0;
            if (left > 20 && gsl_rng_uniform(g.rng) < mm_rate) {
                int side = (int)gsl_rng_uniform_int(g.rng, 2);
                int px = m->tk[side].bid;
                if (px >= 5 && px <= 95)
                    fill(&g, k, m, side, t, 0, 0, px, rnd_size(&g, 15, 150),
                         "chain");
            }
            /* momentum taker: checks every 10 s, <= 2 buys a market */
            if (elapsed >= 30 && left > 60 && t % 10 == 0) {
                int d = upmid - prev30;
                int side = d >= 8 ? 0 : d <= -8 ? 1 : -1;
                if (side >= 0 && m->tk[side].ask <= 90 && m->mom_buys < 1 &&
                    gsl_rng_uniform(g.rng) < 0.06) {
                    m->mom_buys++;
                    int sz = rnd_size(&g, 40, 400);
                    fill(&g, k, m, side, t, 1, 0, m->tk[side].ask, sz, "rtds");
                    m->mom_held[side] += sz;
                    m->mom_entry[side] = m->tk[side].ask;
                }
                for (int sd = 0; sd < 2; sd++) {
                    if (m->mom_held[sd] >= 10 &&
                        m->tk[sd].bid <= m->mom_entry[sd] - 5 &&
                        m->tk[sd].bid >= 2) {
                        int sz = m->mom_held[sd] / 2;
                        fill(&g, k, m, sd, t, 1, 1, m->tk[sd].bid, sz, "rtds");
                        m->mom_held[sd] = 0; /* sells once */
                    }
                }
            }
            /* late-window buyer */
            if (left <= 90 && left >= 30 && m->late_done < 1 &&
                gsl_rng_uniform(g.rng) < 0.02) {
                int side = upmid >= 50 ? 0 : 1;
                int ask = m->tk[side].ask;
                if (ask >= 80 && ask <= 97) {
                    fill(&g, k, m, side, t, 2, 0, ask, rnd_size(&g, 80, 500),
                         "api");
                    m->late_done++;
                }
            }
        }
    }
    gsl_rng_free(g.rng);
    if (records)
        *records = g.records;
    if (g.err || ferror(f))
        return PMC_EIO;
    return PMC_OK;
}
