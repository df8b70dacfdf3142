/* core/config.h - the configuration the core decides with (SPEC.md 2).
 *
 * Pure: defaults and validation only. Loading (JSON file, environment,
 * flags, traders.json) is in proto/config_load.c. Every amount is micro
 * units (USD, shares, prices, ratios all scaled by 1e6); every duration is
 * milliseconds. */
#ifndef PMC_CONFIG_H
#define PMC_CONFIG_H

#include "event.h"

enum pmc_copy_mode {
    PMC_MODE_PER_FILL = 0,
    PMC_MODE_AGGREGATE,
    PMC_MODE_INTENT_NET
};
enum pmc_sizing { PMC_SIZE_FIXED = 0, PMC_SIZE_PROPORTIONAL, PMC_SIZE_CAPPED };

#define PMC_MAX_TRADERS 256

struct pmc_trader_cfg {
    struct pmc_sym address; /* 0x + 40 lowercase hex */
    char label[48];
    pmc_micros ratio;          /* -1 = use the global ratio */
    pmc_micros min_source_usd; /* 0 = no threshold */
    int enabled;
};

struct pmc_config {
    enum pmc_copy_mode copy_mode;
    pmc_ms coalesce_ms;
    int net_opposite_trades;
    pmc_micros bypass_shares;
    pmc_micros max_pending_usd;
    enum pmc_sizing sizing;
    pmc_micros cap_usd;
    pmc_micros ratio;
    pmc_micros fixed_usd;
    int64_t near_expiry_cutoff_seconds;
    pmc_micros max_notional_per_order_usd;
    pmc_micros max_notional_per_market_usd;
    pmc_micros max_total_notional_per_15m_window_usd;
    pmc_micros max_daily_volume_usd;
    pmc_micros min_order_notional_usd;
    pmc_micros max_slippage;
    pmc_ms max_source_lag_ms;
    pmc_micros kill_max_daily_loss_usd;
    int64_t kill_max_consecutive_rejects;
    /* per-trader cut-offs (0 = none): a trader whose copies lost this much
     * realised P&L today (UTC), or closed this many losing trades in a row,
     * is switched off by the core (engine.h) while the others go on */
    pmc_micros trader_max_daily_loss_usd;
    int64_t trader_max_consecutive_losses;
    enum pmc_tif time_in_force; /* order_tif, default FAK */
    /* order_ttl_s: how long a GTD order rests, whole seconds from its
     * emission rounded up to the next second (the order's `exp`); 120..
     * 2592000, default 300. The venue is sent exp + its 60 s security
     * threshold as `expiration`, at least 180 s ahead as its SDK asks. */
    int64_t order_ttl_s;
    /* copy a fill from a wallet not in traders[] too: the engine adds the
     * wallet to its own copy of the list (global ratio, no min_source_usd,
     * enabled) in order of first appearance; a full list is PMC_EFULL */
    int follow_all;

    /* capacities: fixed at init, a full table is an error, never a realloc */
    uint32_t max_tokens;       /* markets/tokens tracked */
    uint32_t max_open_buckets; /* coalescing buckets open at once */
    uint32_t max_bucket_fills; /* fills held in one bucket */
    uint32_t max_open_orders;  /* orders awaiting a final report */
    uint32_t dedupe_capacity;  /* fill keys remembered */

    /* shell settings (the core ignores them) */
    char db_path[256];
    int db_enabled;
    int api_enabled;
    int api_port;
    int64_t max_source_silence_s; /* /ready: not ready once no fill source
                                     delivered data for this long */
    /* simulated venues (backtest, paper): the share of matched trades that
     * fail on chain (micros of 1), and how long after the match they do */
    pmc_micros trade_fail_share;
    int64_t trade_fail_after_ms;

    uint32_t ntraders;
    struct pmc_trader_cfg traders[PMC_MAX_TRADERS];
};

/* Fill *c with the built-in defaults (SPEC.md 2) and no traders. */
void pmc_config_defaults(struct pmc_config *c);

/* Add a trader (address normalised; a duplicate address is merged: later
 * fields win). PMC_EPARSE on a bad address, PMC_EFULL past the limit. */
PMC_MUST_USE enum pmc_err
pmc_config_add_trader(struct pmc_config *c, const char *addr, size_t n,
                      const char *label, pmc_micros ratio,
                      pmc_micros min_source_usd, int enabled);

/* Check every rule; on failure write "key=value: rule" into msg and return
 * PMC_ECONFIG. */
PMC_MUST_USE enum pmc_err pmc_config_validate(const struct pmc_config *c,
                                              char *msg, size_t cap);

/* Index of the trader with this normalised address, or -1. */
int pmc_config_find_trader(const struct pmc_config *c,
                           const struct pmc_sym *addr);

const char *pmc_copy_mode_name(enum pmc_copy_mode m);
const char *pmc_sizing_name(enum pmc_sizing s);

#endif
