/* core/risk.h - the pre-trade limits and the kill switch's counters
 * (SPEC.md 3: risk caps, kill switch).
 *
 * Decides: how far a BUY is clipped by the caps per order, per market, per
 * UTC 15-minute window and per UTC day (or that it is skipped because the
 * clipped size is below the minimum), when the daily loss or the run of
 * rejects trips the kill switch; keeps the counters those decisions read
 * (notional bought in the window and the day, pending buy notional,
 * realised and unrealised P&L, consecutive rejects), rolling them over at
 * window and day boundaries of the logical time.
 *
 * Must never: read a clock (time is the engine's `now`), emit actions (the
 * engine writes the kill record), touch the token or order tables (the
 * market's exposure is passed in), use floating point. Amounts are micro
 * units: USD and shares scaled by 1e6. The engine owns the struct. */
#ifndef PMC_RISK_H
#define PMC_RISK_H

#include "sizing.h"

struct pmc_risk {
    int64_t day, window; /* UTC day and quarter hour; INT64_MIN: none yet */
    int killed;
    int64_t consecutive_rejects;
    pmc_micros bought_today, bought_window; /* notional incl. pending */
    pmc_micros pending_buy;                 /* notional awaiting a report */
    pmc_micros realized_total, realized_today;
    pmc_micros unrealized, unrealized_day_start;
};

/* Counters at zero, no day or window yet, not killed. */
void pmc_risk_init(struct pmc_risk *r);

/* Enter logical time `now` (ms since the epoch): a new UTC day clears the
 * day's volume and P&L, a new quarter hour the window's volume. */
static inline void pmc_risk_roll(struct pmc_risk *r, pmc_ms now)
{
    int64_t day = pmc_floor_div(now, PMC_MS_PER_DAY);
    int64_t win = pmc_floor_div(now, PMC_MS_PER_WINDOW);
    if (day != r->day) {
        r->day = day;
        r->bought_today = 0;
        r->realized_today = 0;
        r->unrealized_day_start = r->unrealized;
    }
    if (win != r->window) {
        r->window = win;
        r->bought_window = 0;
    }
}

/* Clip a BUY of `sh` shares (on the share grid) at limit `lim` to the caps,
 * in order: per order, per market (`exposure`: the market's open cost
 * basis plus pending buy notional), per window, per day. Returns the
 * shares left; *clip names the last cap that clipped (unchanged when none
 * did). When a clipped size falls below the minimum (sizing.h, `minsz` the
 * market's minimum size), returns 0 with *skip set to that cap's skip
 * reason; *skip is left alone otherwise. */
static inline pmc_micros pmc_risk_clip_buy(const struct pmc_risk *r,
                                           const struct pmc_config *c,
                                           pmc_micros exposure,
                                           pmc_micros minsz, pmc_micros sh,
                                           pmc_micros lim, enum pmc_clip *clip,
                                           enum pmc_skip_reason *skip)
{
    const struct {
        pmc_micros room;
        enum pmc_clip clip;
        enum pmc_skip_reason why;
    } caps[4] = {
        {c->max_notional_per_order_usd, PMC_CLIP_ORDER, PMC_SKIP_BELOW_MIN},
        {c->max_notional_per_market_usd - exposure, PMC_CLIP_MARKET,
         PMC_SKIP_CAP_MARKET},
        {c->max_total_notional_per_15m_window_usd - r->bought_window,
         PMC_CLIP_WINDOW, PMC_SKIP_CAP_WINDOW},
        {c->max_daily_volume_usd - r->bought_today, PMC_CLIP_DAILY,
         PMC_SKIP_CAP_DAILY},
    };
    for (int i = 0; i < 4; i++) {
        /* sh is on the share grid, so sh <= fit(room, lim) exactly when
         * sh x lim <= room: no division when it fits */
        if (caps[i].room > 0 &&
            (pmc_i128)sh * lim <= (pmc_i128)caps[i].room * PMC_MICRO)
            continue;
        pmc_micros most = pmc_sizing_fit(caps[i].room, lim);
        if (sh <= most)
            continue;
        sh = most;
        *clip = caps[i].clip;
        if (pmc_sizing_below_min(c, minsz, PMC_BUY, sh, lim)) {
            *skip = caps[i].why;
            return 0;
        }
    }
    return sh;
}

/* A BUY of notional n (USD micros) was placed: it counts against the window
 * and the day and is pending until reported. */
static inline void pmc_risk_on_buy(struct pmc_risk *r, pmc_micros n)
{
    r->bought_window += n;
    r->bought_today += n;
    r->pending_buy += n;
}

/* The unfilled notional n of a BUY placed in (window, day) is released. */
static inline void pmc_risk_on_release(struct pmc_risk *r, pmc_micros n,
                                       int64_t window, int64_t day)
{
    r->pending_buy -= n;
    if (window == r->window)
        r->bought_window -= n;
    if (day == r->day)
        r->bought_today -= n;
}

/* A BUY placed in (window, day) filled: `counted` USD of its pending
 * notional is replaced by `spend` USD actually spent. */
static inline void pmc_risk_on_buy_fill(struct pmc_risk *r, pmc_micros counted,
                                        pmc_micros spend, int64_t window,
                                        int64_t day)
{
    r->pending_buy -= counted;
    if (window == r->window)
        r->bought_window += spend - counted;
    if (day == r->day)
        r->bought_today += spend - counted;
}

/* Realised P&L `pnl` (USD micros). */
static inline void pmc_risk_on_pnl(struct pmc_risk *r, pmc_micros pnl)
{
    r->realized_total += pnl;
    r->realized_today += pnl;
}

/* 1 when today's P&L (realised + change in unrealised since the day
 * began) has lost kill_max_daily_loss_usd or more. */
static inline int pmc_risk_daily_loss_hit(const struct pmc_risk *r,
                                          const struct pmc_config *c)
{
    pmc_micros pnl =
        r->realized_today + (r->unrealized - r->unrealized_day_start);
    return pnl <= -c->kill_max_daily_loss_usd;
}

/* An order was rejected: 1 when the run of consecutive rejects reaches
 * kill_max_consecutive_rejects. An ack or a fill ends the run
 * (consecutive_rejects = 0). */
static inline int pmc_risk_on_reject(struct pmc_risk *r,
                                     const struct pmc_config *c)
{
    return ++r->consecutive_rejects >= c->kill_max_consecutive_rejects;
}

#endif
