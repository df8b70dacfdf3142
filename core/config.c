/* core/config.c - configuration defaults and validation. Pure. */
#include "config.h"

#include "sbuf.h"
#include "tape.h"

static const char *const mode_names[] = {"per_fill", "aggregate", "intent_net"};
static const char *const sizing_names[] = {"fixed", "proportional",
                                           "capped_proportional"};

const char *pmc_copy_mode_name(enum pmc_copy_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}
const char *pmc_sizing_name(enum pmc_sizing s)
{
    return (unsigned)s < 3 ? sizing_names[s] : "?";
}

#define USD(x) ((pmc_micros)(x)*PMC_MICRO)

void pmc_config_defaults(struct pmc_config *c)
{
    memset(c, 0, sizeof *c);
    c->copy_mode = PMC_MODE_INTENT_NET;
    c->coalesce_ms = 300;
    c->net_opposite_trades = 1;
    c->bypass_shares = USD(4000);
    c->max_pending_usd = USD(500);
    c->sizing = PMC_SIZE_CAPPED;
    c->cap_usd = USD(20);
    c->ratio = 100000; /* 0.1 */
    c->fixed_usd = USD(10);
    c->near_expiry_cutoff_seconds = 25;
    c->max_notional_per_order_usd = USD(25);
    c->max_notional_per_market_usd = USD(150);
    c->max_total_notional_per_15m_window_usd = USD(400);
    c->max_daily_volume_usd = USD(2000);
    c->min_order_notional_usd = USD(1);
    c->max_slippage = 20000; /* 0.02 */
    c->max_source_lag_ms = 30000;
    c->kill_max_daily_loss_usd = USD(200);
    c->kill_max_consecutive_rejects = 5;
    c->time_in_force = PMC_TIF_FAK;
    c->order_ttl_s = 300;
    c->max_tokens = 65536;
    c->max_open_buckets = 1024;
    c->max_bucket_fills = 64;
    c->max_open_orders = 65536;
    c->dedupe_capacity = 1u << 16;
    memcpy(c->db_path, "pmcopy.db", sizeof "pmcopy.db");
    c->db_enabled = 1;
    c->api_enabled = 0;
    c->api_port = 8080;
    c->max_source_silence_s = 60;
    c->trade_fail_share = 0;
    c->trade_fail_after_ms = 5000;
}

int pmc_config_find_trader(const struct pmc_config *c,
                           const struct pmc_sym *addr)
{
    for (uint32_t i = 0; i < c->ntraders; i++)
        if (pmc_sym_eq(&c->traders[i].address, addr))
            return (int)i;
    return -1;
}

enum pmc_err pmc_config_add_trader(struct pmc_config *c, const char *addr,
                                   size_t n, const char *label,
                                   pmc_micros ratio, pmc_micros min_source_usd,
                                   int enabled)
{
    struct pmc_sym a;
    PMC_TRY(pmc_addr_norm(addr, n, &a));
    int i = pmc_config_find_trader(c, &a);
    struct pmc_trader_cfg *t;
    if (i >= 0) {
        t = &c->traders[i];
    } else {
        if (c->ntraders == PMC_MAX_TRADERS)
            return PMC_EFULL;
        t = &c->traders[c->ntraders++];
        memset(t, 0, sizeof *t);
        t->address = a;
    }
    size_t ln = label ? strlen(label) : 0;
    if (ln >= sizeof t->label)
        ln = sizeof t->label - 1;
    if (ln || i < 0) {
        memcpy(t->label, label ? label : "", ln);
        t->label[ln] = '\0';
    }
    t->ratio = ratio;
    t->min_source_usd = min_source_usd;
    t->enabled = enabled;
    return PMC_OK;
}

struct rule {
    const char *key;
    int64_t v, lo, hi;
    int dec; /* 1: print as decimal */
    const char *text;
};

static enum pmc_err bad(char *msg, size_t cap, const char *key, int64_t v,
                        int dec, const char *text)
{
    struct pmc_sbuf b;
    pmc_sbuf_init(&b, msg, cap);
    pmc_sbuf_str(&b, key);
    pmc_sbuf_str(&b, "=");
    if (dec)
        pmc_sbuf_dec(&b, v);
    else
        pmc_sbuf_int(&b, v);
    pmc_sbuf_str(&b, ": ");
    pmc_sbuf_str(&b, text);
    return PMC_ECONFIG;
}

/* each rule's text states its whole range (BIG is 1e9 USD or shares) */
#define USD_POS "must be in (0, 1000000000] USD"
#define USD_NONNEG "must be in [0, 1000000000] USD"
#define SHARES_POS "must be in (0, 1000000000] shares"

enum pmc_err pmc_config_validate(const struct pmc_config *c, char *msg,
                                 size_t cap)
{
    const int64_t BIG = USD(1000000000);
    const struct rule rules[] = {
        {"coalesce_ms", c->coalesce_ms, 0, 3600000, 0, "must be 0..3600000 ms"},
        {"bypass_shares", c->bypass_shares, 1, BIG, 1, SHARES_POS},
        {"max_pending_usd", c->max_pending_usd, 1, BIG, 1, USD_POS},
        {"cap_usd", c->cap_usd, 1, BIG, 1, USD_POS},
        {"ratio", c->ratio, 1, USD(1000), 1, "must be in (0, 1000]"},
        {"fixed_usd", c->fixed_usd, 1, BIG, 1, USD_POS},
        {"near_expiry_cutoff_seconds", c->near_expiry_cutoff_seconds, 0, 86400,
         0, "must be 0..86400 s"},
        {"max_notional_per_order_usd", c->max_notional_per_order_usd, 1, BIG, 1,
         USD_POS},
        {"max_notional_per_market_usd", c->max_notional_per_market_usd, 1, BIG,
         1, USD_POS},
        {"max_total_notional_per_15m_window_usd",
         c->max_total_notional_per_15m_window_usd, 1, BIG, 1, USD_POS},
        {"max_daily_volume_usd", c->max_daily_volume_usd, 1, BIG, 1, USD_POS},
        {"min_order_notional_usd", c->min_order_notional_usd, 0, BIG, 1,
         USD_NONNEG},
        {"max_slippage", c->max_slippage, 0, PMC_MICRO - 1, 1,
         "must be in [0, 1)"},
        {"max_source_lag_ms", c->max_source_lag_ms, 0, 86400000, 0,
         "must be 0..86400000 ms"},
        {"kill_max_daily_loss_usd", c->kill_max_daily_loss_usd, 1, BIG, 1,
         USD_POS},
        {"kill_max_consecutive_rejects", c->kill_max_consecutive_rejects, 1,
         1000000, 0, "must be 1..1000000"},
        {"trader_max_daily_loss_usd", c->trader_max_daily_loss_usd, 0, BIG, 1,
         "must be in [0, 1000000000] USD (0: no cut-off)"},
        {"trader_max_consecutive_losses", c->trader_max_consecutive_losses, 0,
         1000000, 0, "must be 0..1000000 (0: no cut-off)"},
        {"order_ttl_s", c->order_ttl_s, 120, 2592000, 0,
         "must be 120..2592000 s"},
        {"max_tokens", c->max_tokens, 1, 1 << 24, 0, "must be 1..16777216"},
        {"max_open_buckets", c->max_open_buckets, 1, 1 << 20, 0,
         "must be 1..1048576"},
        {"max_bucket_fills", c->max_bucket_fills, 1, 65536, 0,
         "must be 1..65536"},
        {"max_open_orders", c->max_open_orders, 1, 1 << 24, 0,
         "must be 1..16777216"},
        /* two generations of 2x slots of 8 bytes: 512 MiB at the top,
         * zeroed at start (1 << 26 was 2 GiB, 20 s for any tape) */
        {"dedupe_capacity", c->dedupe_capacity, 16, 1 << 24, 0,
         "must be 16..16777216"},
        {"api_port", c->api_port, 0, 65535, 0,
         "must be 0..65535 (0: any free port)"},
        {"max_source_silence_s", c->max_source_silence_s, 1, 86400, 0,
         "must be 1..86400 s"},
        {"trade_fail_share", c->trade_fail_share, 0, PMC_MICRO, 1,
         "must be in [0, 1]"},
        {"trade_fail_after_ms", c->trade_fail_after_ms, 0, 3600000, 0,
         "must be 0..3600000 ms"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(rules); i++) {
        const struct rule *r = &rules[i];
        if (r->v < r->lo || r->v > r->hi)
            return bad(msg, cap, r->key, r->v, r->dec, r->text);
    }
    if ((unsigned)c->copy_mode > PMC_MODE_INTENT_NET)
        return bad(msg, cap, "copy_mode", c->copy_mode, 0,
                   "must be per_fill, aggregate or intent_net");
    if ((unsigned)c->sizing > PMC_SIZE_CAPPED)
        return bad(msg, cap, "sizing", c->sizing, 0,
                   "must be fixed, proportional or capped_proportional");
    if ((unsigned)c->time_in_force > PMC_TIF_GTD)
        return bad(msg, cap, "order_tif", c->time_in_force, 0,
                   "must be FAK, FOK, GTC or GTD");
    for (uint32_t i = 0; i < c->ntraders; i++) {
        const struct pmc_trader_cfg *t = &c->traders[i];
        if (t->ratio != -1 && (t->ratio <= 0 || t->ratio > USD(1000)))
            return bad(msg, cap, "traders[].ratio", t->ratio, 1,
                       "must be in (0, 1000]");
        if (t->min_source_usd < 0 || t->min_source_usd > BIG)
            return bad(msg, cap, "traders[].min_source_usd", t->min_source_usd,
                       1, USD_NONNEG);
    }
    if (msg && cap)
        msg[0] = '\0';
    return PMC_OK;
}
