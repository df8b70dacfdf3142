/* core/risk.c - the caps a BUY is clipped to, and the counters (risk.h).
 * Pure: no clock, no tables, no actions. */
#include "risk.h"

void pmc_risk_init(struct pmc_risk *r)
{
    memset(r, 0, sizeof *r);
    r->day = r->window = INT64_MIN;
}

pmc_micros pmc_risk_clip_buy(const struct pmc_risk *r,
                             const struct pmc_config *c, pmc_micros exposure,
                             pmc_micros minsz, pmc_micros sh, pmc_micros lim,
                             enum pmc_clip *clip, enum pmc_skip_reason *skip)
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
