/* live/exec/clob_cfg.c - the executor's settings: their defaults and the
 * rule of every key (see struct pmc_clob_cfg in clob.h).
 *
 * Decides which values an executor accepts, and says for the first key
 * that breaks its rule: its name, its value and the rule. Never reads a
 * file or the environment (the caller fills the struct), never opens a
 * connection. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "live/exec/clob.h"
#include "proto/sign/order.h"

/* Delays and timeouts longer than a day are a mistake in the unit (and
 * a doubled back-off of one must not overflow). */
#define MS_MAX 86400000

void pmc_clob_cfg_default(struct pmc_clob_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->base_url = "https://clob.polymarket.com";
    c->chain_id = PMC_CHAIN_POLYGON;
    c->sig_type = PMC_SIG_EOA;
    c->post_timeout_ms = 3000;
    c->get_timeout_ms = 3000;
    c->connect_timeout_ms = 2000;
    c->max_retries = 2;
    c->retry_backoff_ms = 200;
    c->max_429 = 5;
    c->reconcile_tries = 3;
    c->reconcile_delay_ms = 300;
    c->poll_open_ms = 2000;
    c->post_burst = (struct pmc_rate){3500, 10000};
    c->post_sustained = (struct pmc_rate){36000, 600000};
    c->cancel = (struct pmc_rate){3000, 10000};
    c->meta = (struct pmc_rate){200, 10000};
    c->ledger = (struct pmc_rate){900, 10000};
    c->breaker_threshold = 5;
    c->breaker_cooldown_ms = 10000;
    c->max_orders = 256;
    c->max_tokens = 1024;
    c->max_host_conns = 8;
    c->presign = 256;
    c->lanes = 2;
    c->batch_burst = (struct pmc_rate){1000, 10000};
    c->batch_10min = (struct pmc_rate){15000, 600000};
    c->batch_max = PMC_CLOB_BATCH_MAX;
    c->trades_pages = 50;
}

static const struct {
    const char *name;
    size_t off;
    pmc_ms lo;
} MS_KEYS[] = {
    {"post_timeout_ms", offsetof(struct pmc_clob_cfg, post_timeout_ms), 1},
    {"get_timeout_ms", offsetof(struct pmc_clob_cfg, get_timeout_ms), 1},
    {"connect_timeout_ms", offsetof(struct pmc_clob_cfg, connect_timeout_ms),
     1},
    {"retry_backoff_ms", offsetof(struct pmc_clob_cfg, retry_backoff_ms), 0},
    {"reconcile_delay_ms", offsetof(struct pmc_clob_cfg, reconcile_delay_ms),
     0},
    {"poll_open_ms", offsetof(struct pmc_clob_cfg, poll_open_ms), 0},
    {"breaker_cooldown_ms", offsetof(struct pmc_clob_cfg, breaker_cooldown_ms),
     0},
};

static const struct {
    const char *name;
    size_t off;
    uint32_t lo, hi;
} U32_KEYS[] = {
    {"max_retries", offsetof(struct pmc_clob_cfg, max_retries), 0, 20},
    {"max_orders", offsetof(struct pmc_clob_cfg, max_orders), 1, 65536},
    {"max_tokens", offsetof(struct pmc_clob_cfg, max_tokens), 1, 1u << 20},
    {"lanes", offsetof(struct pmc_clob_cfg, lanes), 0, PMC_CLOB_LANES_MAX},
    {"batch_max", offsetof(struct pmc_clob_cfg, batch_max), 0,
     PMC_CLOB_BATCH_MAX},
    {"trades_pages", offsetof(struct pmc_clob_cfg, trades_pages), 1, 10000},
};

static const struct {
    const char *name;
    size_t off;
} RATE_KEYS[] = {
    {"post_burst", offsetof(struct pmc_clob_cfg, post_burst)},
    {"post_sustained", offsetof(struct pmc_clob_cfg, post_sustained)},
    {"cancel", offsetof(struct pmc_clob_cfg, cancel)},
    {"meta", offsetof(struct pmc_clob_cfg, meta)},
    {"ledger", offsetof(struct pmc_clob_cfg, ledger)},
    {"batch_burst", offsetof(struct pmc_clob_cfg, batch_burst)},
    {"batch_10min", offsetof(struct pmc_clob_cfg, batch_10min)},
};

enum pmc_err pmc_clob_cfg_check(const struct pmc_clob_cfg *c, char *why,
                                size_t why_len)
{
    char dummy[8];
    if (!why || !why_len) {
        why = dummy;
        why_len = sizeof dummy;
    }
    why[0] = '\0';
    const char *u = c->base_url;
    if (!u || strlen(u) >= 256 ||
        (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)) {
        snprintf(why, why_len,
                 "base_url = \"%.80s%s\": must be an http:// or https:// URL "
                 "under 256 bytes",
                 u ? u : "(none)", u && strlen(u) > 80 ? "..." : "");
        return PMC_ECONFIG;
    }
    if (c->ca_file && (!c->ca_file[0] || strlen(c->ca_file) >= 4096)) {
        snprintf(why, why_len,
                 "ca_file = \"%.80s\": must be a path of 1..4095 bytes (or "
                 "unset for libcurl's default)",
                 c->ca_file);
        return PMC_ECONFIG;
    }
    if (c->chain_id != PMC_CHAIN_POLYGON && c->chain_id != PMC_CHAIN_AMOY) {
        snprintf(why, why_len,
                 "chain_id = %" PRIu64 ": must be 137 (Polygon) or 80002 "
                 "(Amoy)",
                 c->chain_id);
        return PMC_ECONFIG;
    }
    if (c->sig_type > PMC_SIG_POLY_1271) {
        snprintf(why, why_len,
                 "sig_type = %u: must be 0 (EOA), 1 (proxy), 2 (Safe) or 3 "
                 "(deposit wallet)",
                 (unsigned)c->sig_type);
        return PMC_ECONFIG;
    }
    if (c->sig_type != PMC_SIG_EOA && !c->has_funder) {
        snprintf(why, why_len,
                 "sig_type = %u: needs the funder (has_funder = 1 and the "
                 "proxy/Safe/deposit wallet address)",
                 (unsigned)c->sig_type);
        return PMC_ECONFIG;
    }
    if (c->exchange_v3 != 0 && c->exchange_v3 != 1) {
        snprintf(why, why_len,
                 "exchange_v3 = %d: must be 0 (CTF Exchange V2) or 1 "
                 "(ExchangeV3)",
                 c->exchange_v3);
        return PMC_ECONFIG;
    }
    for (size_t i = 0; i < sizeof MS_KEYS / sizeof MS_KEYS[0]; i++) {
        pmc_ms v;
        memcpy(&v, (const char *)c + MS_KEYS[i].off, sizeof v);
        if (v < MS_KEYS[i].lo || v > MS_MAX) {
            snprintf(why, why_len,
                     "%s = %" PRId64 ": must be %" PRId64 "..%d (ms)",
                     MS_KEYS[i].name, v, MS_KEYS[i].lo, MS_MAX);
            return PMC_ECONFIG;
        }
    }
    for (size_t i = 0; i < sizeof U32_KEYS / sizeof U32_KEYS[0]; i++) {
        uint32_t v;
        memcpy(&v, (const char *)c + U32_KEYS[i].off, sizeof v);
        if (v < U32_KEYS[i].lo || v > U32_KEYS[i].hi) {
            snprintf(why, why_len, "%s = %" PRIu32 ": must be %u..%u",
                     U32_KEYS[i].name, v, U32_KEYS[i].lo, U32_KEYS[i].hi);
            return PMC_ECONFIG;
        }
    }
    for (size_t i = 0; i < sizeof RATE_KEYS / sizeof RATE_KEYS[0]; i++) {
        struct pmc_rate r;
        memcpy(&r, (const char *)c + RATE_KEYS[i].off, sizeof r);
        if (r.n > 0 && (r.window_ms <= 0 || r.window_ms > MS_MAX)) {
            snprintf(why, why_len,
                     "%s = %" PRIu32 " per %" PRId64
                     " ms: a limit of n > 0 requests needs a window of "
                     "1..%d ms",
                     RATE_KEYS[i].name, (uint32_t)r.n, (int64_t)r.window_ms,
                     MS_MAX);
            return PMC_ECONFIG;
        }
    }
    if (c->presign == 1 || c->presign > PMC_PRESIGN_MAX) {
        snprintf(why, why_len,
                 "presign = %" PRIu32 ": must be 0 (off) or 2..%u", c->presign,
                 PMC_PRESIGN_MAX);
        return PMC_ECONFIG;
    }
    if (c->max_host_conns < 0 || c->max_host_conns > 1024) {
        snprintf(why, why_len,
                 "max_host_conns = %ld: must be 0..1024 (0 = the default 8)",
                 c->max_host_conns);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}
