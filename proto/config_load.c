/* proto/config_load.c - configuration from file, environment and flags.
 * Numbers in JSON are read from their original text (proto/wire/json_exact)
 * so money never passes through double. */
#include <stdio.h>

#include "proto/jsonout.h"
#include "proto/config_load.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/json_exact.h"

enum ktype {
    K_INT,
    K_MS,
    K_DEC,
    K_BOOL,
    K_MODE,
    K_SIZING,
    K_TIF,
    K_STR,
    K_U32
};

struct key {
    const char *name;
    enum ktype type;
    size_t off;
    const char *help;
};

#define F(field) offsetof(struct pmc_config, field)
static const struct key keys[] = {
    {"copy_mode", K_MODE, F(copy_mode), "per_fill | aggregate | intent_net"},
    {"coalesce_ms", K_MS, F(coalesce_ms), "coalescing window, ms"},
    {"net_opposite_trades", K_BOOL, F(net_opposite_trades),
     "net buys against sells in a window"},
    {"bypass_shares", K_DEC, F(bypass_shares),
     "a fill this large flushes its bucket, shares"},
    {"max_pending_usd", K_DEC, F(max_pending_usd),
     "a bucket this large flushes, USD"},
    {"sizing", K_SIZING, F(sizing),
     "fixed | proportional | capped_proportional"},
    {"cap_usd", K_DEC, F(cap_usd), "per-copy ceiling, USD"},
    {"ratio", K_DEC, F(ratio), "proportional ratio"},
    {"fixed_usd", K_DEC, F(fixed_usd), "notional per copy in fixed mode, USD"},
    {"near_expiry_cutoff_seconds", K_INT, F(near_expiry_cutoff_seconds),
     "no buys in a market's last N s"},
    {"max_notional_per_order_usd", K_DEC, F(max_notional_per_order_usd), "USD"},
    {"max_notional_per_market_usd", K_DEC, F(max_notional_per_market_usd),
     "USD"},
    {"max_total_notional_per_15m_window_usd", K_DEC,
     F(max_total_notional_per_15m_window_usd), "USD"},
    {"max_daily_volume_usd", K_DEC, F(max_daily_volume_usd), "USD"},
    {"min_order_notional_usd", K_DEC, F(min_order_notional_usd), "USD"},
    {"max_slippage", K_DEC, F(max_slippage), "limit = ref +- this"},
    {"max_source_lag_ms", K_MS, F(max_source_lag_ms), "older fills are stale"},
    {"kill_max_daily_loss_usd", K_DEC, F(kill_max_daily_loss_usd), "USD"},
    {"kill_max_consecutive_rejects", K_INT, F(kill_max_consecutive_rejects),
     "count"},
    {"trader_max_daily_loss_usd", K_DEC, F(trader_max_daily_loss_usd),
     "a trader's copies lose this today: it is cut off, USD (0 = no)"},
    {"trader_max_consecutive_losses", K_INT, F(trader_max_consecutive_losses),
     "a trader's copies close this many losses in a row: cut off (0 = no)"},
    {"order_tif", K_TIF, F(time_in_force), "FAK | FOK | GTC | GTD"},
    {"order_ttl_s", K_INT, F(order_ttl_s),
     "a GTD order rests this long, s (the venue gets +60 s)"},
    {"follow_all", K_BOOL, F(follow_all),
     "copy every wallet (unlisted ones at the global ratio)"},
    {"max_tokens", K_U32, F(max_tokens), "capacity"},
    {"max_open_buckets", K_U32, F(max_open_buckets), "capacity"},
    {"max_bucket_fills", K_U32, F(max_bucket_fills), "capacity"},
    {"max_open_orders", K_U32, F(max_open_orders), "capacity"},
    {"dedupe_capacity", K_U32, F(dedupe_capacity), "fill keys remembered"},
    {"db_path", K_STR, F(db_path), "SQLite store"},
    {"db_enabled", K_BOOL, F(db_enabled), "use the store"},
    {"api_enabled", K_BOOL, F(api_enabled), "local HTTP API"},
    {"api_port", K_INT, F(api_port), "local HTTP API port (127.0.0.1)"},
    {"max_source_silence_s", K_INT, F(max_source_silence_s),
     "/ready fails after this long without source data, s"},
    {"trade_fail_share", K_DEC, F(trade_fail_share),
     "simulated venues: share of matched trades that fail on chain, 0..1"},
    {"trade_fail_after_ms", K_MS, F(trade_fail_after_ms),
     "simulated venues: a failing trade fails this long after its match"},
};
#undef F

static const struct key *find_key(const char *name, size_t n)
{
    for (size_t i = 0; i < PMC_ARRAY_LEN(keys); i++)
        if (strlen(keys[i].name) == n && !memcmp(keys[i].name, name, n))
            return &keys[i];
    return NULL;
}

static enum pmc_err cfg_fail(char *err, size_t cap, const char *origin,
                             const char *key, const char *value,
                             const char *rule)
{
    snprintf(err, cap, "config: %s=%s: %s (from %s)", key, value, rule, origin);
    return PMC_ECONFIG;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int pick(const char *v, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return (int)i;
    return -1;
}

static enum pmc_err set_key(struct pmc_config *c, const struct key *k,
                            const char *v, const char *origin, char *err,
                            size_t cap)
{
    char *p = (char *)c + k->off;
    int64_t iv;
    pmc_micros dv;
    int b;
    switch (k->type) {
    case K_INT:
    case K_MS:
    case K_U32:
        switch (pmc_int_parse(v, strlen(v), &iv)) {
        case PMC_OK:
            break;
        case PMC_ERANGE:
            return cfg_fail(err, cap, origin, k->name, v,
                            v[0] == '-' ? "too large a negative number"
                                        : "too large");
        default:
            return cfg_fail(err, cap, origin, k->name, v, "not an integer");
        }
        if (k->type == K_U32) {
            /* the key's range is stated once, by pmc_config_validate */
            if (iv < 0)
                return cfg_fail(err, cap, origin, k->name, v,
                                "must not be negative");
            if (iv > UINT32_MAX)
                return cfg_fail(err, cap, origin, k->name, v, "too large");
            *(uint32_t *)(void *)p = (uint32_t)iv;
        } else if (k->off == offsetof(struct pmc_config, api_port)) {
            if (iv < 0 || iv > 65535)
                return cfg_fail(err, cap, origin, k->name, v,
                                "must be 0..65535 (0: any free port)");
            *(int *)(void *)p = (int)iv;
        } else {
            *(int64_t *)(void *)p = iv;
        }
        return PMC_OK;
    case K_DEC: {
        enum pmc_err e = pmc_dec_parse(v, strlen(v), &dv);
        if (e != PMC_OK)
            return cfg_fail(err, cap, origin, k->name, v,
                            e == PMC_EPARSE ? "not a decimal number"
                            : pmc_dec_frac_digits(v, strlen(v)) > 6
                                ? "more than 6 decimal places"
                                : "too large");
        *(pmc_micros *)(void *)p = dv;
        return PMC_OK;
    }
    case K_BOOL:
        if (parse_bool(v, &b) < 0)
            return cfg_fail(err, cap, origin, k->name, v,
                            "must be true or false");
        *(int *)(void *)p = b;
        return PMC_OK;
    case K_MODE: {
        static const char *const n[] = {"per_fill", "aggregate", "intent_net"};
        int i = pick(v, n, 3);
        if (i < 0)
            return cfg_fail(err, cap, origin, k->name, v,
                            "must be per_fill, aggregate or intent_net");
        c->copy_mode = (enum pmc_copy_mode)i;
        return PMC_OK;
    }
    case K_SIZING: {
        static const char *const n[] = {"fixed", "proportional",
                                        "capped_proportional"};
        int i = pick(v, n, 3);
        if (i < 0)
            return cfg_fail(err, cap, origin, k->name, v,
                            "must be fixed, proportional or "
                            "capped_proportional");
        c->sizing = (enum pmc_sizing)i;
        return PMC_OK;
    }
    case K_TIF: {
        static const char *const n[] = {"FAK", "FOK", "GTC", "GTD"};
        int i = pick(v, n, 4);
        if (i < 0)
            return cfg_fail(err, cap, origin, k->name, v,
                            "must be FAK, FOK, GTC or GTD");
        c->time_in_force = (enum pmc_tif)i;
        return PMC_OK;
    }
    case K_STR:
        if (strlen(v) >= sizeof c->db_path || !*v)
            return cfg_fail(err, cap, origin, k->name, v,
                            "must be 1..255 bytes");
        if (!pmc_utf8_ok(v, strlen(v))) /* it is written out as JSON */
            return cfg_fail(err, cap, origin, k->name, "(not shown)",
                            "must be UTF-8 text");
        strcpy(p, v);
        return PMC_OK;
    }
    return PMC_ECONFIG;
}

enum pmc_err pmc_config_set(struct pmc_config *c, const char *key,
                            const char *value, const char *origin, char *err,
                            size_t cap)
{
    char norm[64];
    size_t n = strlen(key);
    if (n >= sizeof norm)
        n = sizeof norm - 1;
    for (size_t i = 0; i < n; i++)
        norm[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
    norm[n] = '\0';
    const struct key *k = find_key(norm, n);
    if (!k) {
        snprintf(err, cap,
                 "config: unknown key '%s' (from %s); `pmcopy "
                 "decide --help-config` lists the keys",
                 key, origin);
        return PMC_ECONFIG;
    }
    return set_key(c, k, value, origin, err, cap);
}

/* "0xabc...[:ratio]" */
static enum pmc_err add_trader_spec(struct pmc_config *c, const char *spec,
                                    const char *origin, char *err, size_t cap)
{
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    while (n && isspace((unsigned char)spec[0])) {
        spec++;
        n--;
    }
    while (n && isspace((unsigned char)spec[n - 1]))
        n--;
    pmc_micros ratio = -1;
    if (colon && pmc_dec_parse(colon + 1, strlen(colon + 1), &ratio) != PMC_OK)
        return cfg_fail(err, cap, origin, "trader ratio", colon + 1,
                        "not a decimal number");
    /* a repeated address keeps what it had unless this spec says more */
    struct pmc_sym a;
    int have = pmc_addr_norm(spec, n, &a) == PMC_OK
                   ? pmc_config_find_trader(c, &a)
                   : -1;
    pmc_micros min_usd = have >= 0 ? c->traders[have].min_source_usd : 0;
    if (have >= 0 && !colon)
        ratio = c->traders[have].ratio;
    enum pmc_err e =
        pmc_config_add_trader(c, spec, n, NULL, ratio, min_usd,
                              have >= 0 ? c->traders[have].enabled : 1);
    if (e == PMC_EFULL)
        return cfg_fail(err, cap, origin, "traders", spec,
                        "too many traders (at most 256)");
    if (e != PMC_OK) {
        char shown[64];
        snprintf(shown, sizeof shown, "%.*s", (int)(n < 60 ? n : 60), spec);
        return cfg_fail(err, cap, origin, "trader", shown,
                        "an address is 40 hex digits, 0x optional");
    }
    return PMC_OK;
}

static enum pmc_err json_text_value(const json_t *v, const char *key, char *buf,
                                    size_t bn, const char *origin, char *err,
                                    size_t cap)
{
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (json_is_true(v)) {
        snprintf(buf, bn, "true");
        return PMC_OK;
    }
    if (json_is_false(v)) {
        snprintf(buf, bn, "false");
        return PMC_OK;
    }
    if (!s || n >= bn) {
        snprintf(err, cap,
                 "config: %s: must be a number, string or boolean "
                 "(from %s)",
                 key, origin);
        return PMC_ECONFIG;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return PMC_OK;
}

static enum pmc_err load_traders_json(struct pmc_config *c, const json_t *arr,
                                      const char *origin, char *err, size_t cap)
{
    if (json_is_object(arr) && json_object_get(arr, "traders"))
        arr = json_object_get(arr, "traders");
    if (!json_is_array(arr)) {
        snprintf(err, cap,
                 "config: traders: must be an array of objects "
                 "(from %s)",
                 origin);
        return PMC_ECONFIG;
    }
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t)
    {
        char where[300];
        snprintf(where, sizeof where, "%s, traders[%zu]", origin, i);
        if (json_is_string(t)) {
            PMC_TRY(add_trader_spec(c, json_string_value(t), where, err, cap));
            continue;
        }
        if (!json_is_object(t)) {
            snprintf(err, cap,
                     "config: traders[%zu]: must be an object or "
                     "an address string (from %s)",
                     i, origin);
            return PMC_ECONFIG;
        }
        const char *k;
        json_t *v;
        const char *addr = NULL, *label = NULL;
        pmc_micros ratio = -1, min_usd = 0;
        int enabled = 1;
        json_object_foreach(t, k, v)
        {
            char val[128];
            if (!strcmp(k, "address") || !strcmp(k, "label")) {
                if (!json_is_string(v)) {
                    snprintf(err, cap,
                             "config: traders[%zu].%s: must be a "
                             "string (from %s)",
                             i, k, origin);
                    return PMC_ECONFIG;
                }
                if (k[0] == 'a')
                    addr = json_string_value(v);
                else
                    label = json_string_value(v);
            } else if (!strcmp(k, "ratio") || !strcmp(k, "min_source_usd")) {
                PMC_TRY(
                    json_text_value(v, k, val, sizeof val, where, err, cap));
                pmc_micros d;
                if (pmc_dec_parse(val, strlen(val), &d) != PMC_OK || d < 0)
                    return cfg_fail(err, cap, where, k, val,
                                    "must be a non-negative decimal with at "
                                    "most 6 places");
                if (k[0] == 'r')
                    ratio = d;
                else
                    min_usd = d;
            } else if (!strcmp(k, "enabled")) {
                if (!json_is_boolean(v)) {
                    snprintf(err, cap,
                             "config: traders[%zu].enabled: must be "
                             "true or false (from %s)",
                             i, origin);
                    return PMC_ECONFIG;
                }
                enabled = json_is_true(v);
            } else {
                snprintf(err, cap,
                         "config: traders[%zu]: unknown key '%s' "
                         "(known: address, label, ratio, "
                         "min_source_usd, enabled) (from %s)",
                         i, k, origin);
                return PMC_ECONFIG;
            }
        }
        if (!addr) {
            snprintf(err, cap,
                     "config: traders[%zu]: missing address (from "
                     "%s)",
                     i, origin);
            return PMC_ECONFIG;
        }
        enum pmc_err e = pmc_config_add_trader(c, addr, strlen(addr), label,
                                               ratio, min_usd, enabled);
        if (e != PMC_OK)
            return cfg_fail(err, cap, where, "address", addr,
                            e == PMC_EFULL
                                ? "too many traders (at most 256)"
                                : "an address is 40 hex digits, 0x optional");
    }
    return PMC_OK;
}

static enum pmc_err read_json_file(const char *path, json_t **out, char *err,
                                   size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "config: cannot open %s: %s", path, strerror(errno));
        return PMC_EIO;
    }
    char *buf = NULL;
    size_t n = 0, bcap = 0;
    for (;;) {
        if (n == bcap) {
            if (bcap >= (16u << 20)) {
                snprintf(err, cap, "config: %s: larger than 16 MB", path);
                free(buf);
                fclose(f);
                return PMC_ECONFIG;
            }
            char *nb = realloc(buf, bcap = bcap ? 2 * bcap : 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return PMC_ENOMEM;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, bcap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    struct pmc_wire_err we = {0};
    enum pmc_err e = pmc_json_exact_loads(buf, n, out, &we);
    free(buf);
    if (e != PMC_OK) {
        snprintf(err, cap, "config: %s: invalid JSON: %s", path, we.msg);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}

/* The keys and traders of a configuration object (root, from `path`). */
static enum pmc_err load_root(struct pmc_config *c, json_t *root,
                              const char *path, char *err, size_t cap)
{
    enum pmc_err e = PMC_OK;
    if (!json_is_object(root)) {
        snprintf(err, cap, "config: %s: must be a JSON object", path);
        e = PMC_ECONFIG;
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (!strcmp(k, "traders")) {
            e = load_traders_json(c, v, path, err, cap);
        } else {
            char val[300];
            const struct key *key = find_key(k, strlen(k));
            if (!key) {
                snprintf(err, cap, "config: %s: unknown key '%s'", path, k);
                e = PMC_ECONFIG;
            } else {
                e = json_text_value(v, k, val, sizeof val, path, err, cap);
                if (e == PMC_OK)
                    e = set_key(c, key, val, path, err, cap);
            }
        }
        if (e != PMC_OK)
            break;
    }
out:
    return e;
}

static enum pmc_err load_file(struct pmc_config *c, const char *path, char *err,
                              size_t cap)
{
    json_t *root;
    PMC_TRY(read_json_file(path, &root, err, cap));
    enum pmc_err e = load_root(c, root, path, err, cap);
    json_decref(root);
    return e;
}

enum pmc_err pmc_config_from_json(struct pmc_config *c, const char *buf,
                                  size_t n, const char *origin, char *err,
                                  size_t cap)
{
    pmc_config_defaults(c);
    json_t *root;
    struct pmc_wire_err we = {0};
    if (pmc_json_exact_loads(buf, n, &root, &we) != PMC_OK) {
        snprintf(err, cap, "config: %s: invalid JSON: %s", origin, we.msg);
        return PMC_ECONFIG;
    }
    enum pmc_err e = load_root(c, root, origin, err, cap);
    json_decref(root);
    if (e != PMC_OK)
        return e;
    char msg[200];
    if (pmc_config_validate(c, msg, sizeof msg) != PMC_OK) {
        snprintf(err, cap, "config: %s: %s", origin, msg);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}

static enum pmc_err load_traders_file(struct pmc_config *c, const char *path,
                                      char *err, size_t cap)
{
    json_t *root;
    PMC_TRY(read_json_file(path, &root, err, cap));
    enum pmc_err e = load_traders_json(c, root, path, err, cap);
    json_decref(root);
    return e;
}

static enum pmc_err add_trader_list(struct pmc_config *c, const char *list,
                                    const char *origin, char *err, size_t cap)
{
    char buf[8192];
    if (strlen(list) >= sizeof buf)
        return cfg_fail(err, cap, origin, "traders", "(long list)",
                        "longer than 8191 bytes");
    strcpy(buf, list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save))
        PMC_TRY(add_trader_spec(c, t, origin, err, cap));
    return PMC_OK;
}

enum pmc_err pmc_config_build(struct pmc_config *c,
                              const struct pmc_cfg_args *a, char *err,
                              size_t cap)
{
    pmc_config_defaults(c);
    if (a->config_file)
        PMC_TRY(load_file(c, a->config_file, err, cap));
    const char *tf = a->traders_file ? a->traders_file : getenv("TRADERS_FILE");
    if (tf)
        PMC_TRY(load_traders_file(c, tf, err, cap));
    for (size_t i = 0; i < PMC_ARRAY_LEN(keys); i++) {
        char env[64];
        size_t n = strlen(keys[i].name);
        for (size_t j = 0; j <= n; j++)
            env[j] = (char)toupper((unsigned char)keys[i].name[j]);
        const char *v = getenv(env);
        if (v) {
            char origin[80];
            snprintf(origin, sizeof origin, "environment %s", env);
            PMC_TRY(set_key(c, &keys[i], v, origin, err, cap));
        }
    }
    const char *v;
    if ((v = getenv("TRADER_ADDRESSES")) && *v)
        PMC_TRY(
            add_trader_list(c, v, "environment TRADER_ADDRESSES", err, cap));
    if ((v = getenv("TARGET_WHALE_ADDRESS")) && *v)
        PMC_TRY(add_trader_spec(c, v, "environment TARGET_WHALE_ADDRESS", err,
                                cap));
    for (size_t i = 0; i < a->nsets; i++) {
        char kbuf[128];
        const char *eq = strchr(a->sets[i], '=');
        size_t kn = eq ? (size_t)(eq - a->sets[i]) : 0;
        if (!eq || kn == 0 || kn >= sizeof kbuf) {
            snprintf(err, cap, "config: --set %s: expected KEY=VALUE",
                     a->sets[i]);
            return PMC_ECONFIG;
        }
        memcpy(kbuf, a->sets[i], kn);
        kbuf[kn] = '\0';
        char origin[160];
        snprintf(origin, sizeof origin, "flag --%s", kbuf);
        PMC_TRY(pmc_config_set(c, kbuf, eq + 1, origin, err, cap));
    }
    for (size_t i = 0; i < a->ntraders; i++)
        PMC_TRY(add_trader_spec(c, a->traders[i], "flag --trader", err, cap));
    char msg[200];
    if (pmc_config_validate(c, msg, sizeof msg) != PMC_OK) {
        snprintf(err, cap, "config: %s", msg);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}

/* name (n bytes, dashes or underscores) normalised into norm; 0 if too
 * long to be a flag of ours. */
static int norm_name(const char *name, size_t n, char *norm, size_t cap)
{
    if (n >= cap)
        return 0;
    for (size_t j = 0; j < n; j++)
        norm[j] = name[j] == '-' ? '_' : name[j];
    norm[n] = '\0';
    return 1;
}

int pmc_config_is_flag(const char *name, size_t n)
{
    char norm[64];
    if (!norm_name(name, n, norm, sizeof norm))
        return 0;
    return !strcmp(norm, "config") || !strcmp(norm, "traders") ||
           !strcmp(norm, "trader") || !strcmp(norm, "set") ||
           find_key(norm, n) != NULL;
}

const char *pmc_config_key_name(size_t i)
{
    return i < PMC_ARRAY_LEN(keys) ? keys[i].name : NULL;
}

int pmc_config_take_named(struct pmc_cfg_args *a, const char *name, size_t n,
                          const char *val, char *err, size_t cap)
{
    char norm[64];
    if (!pmc_config_is_flag(name, n) || !norm_name(name, n, norm, sizeof norm))
        return 0;
    if (!strcmp(norm, "config")) {
        a->config_file = val;
    } else if (!strcmp(norm, "traders")) {
        a->traders_file = val;
    } else if (!strcmp(norm, "trader")) {
        if (a->ntraders == PMC_CFG_MAX_ARGS) {
            snprintf(err, cap, "--trader: at most %d", PMC_CFG_MAX_ARGS);
            return -1;
        }
        a->traders[a->ntraders++] = val;
    } else {
        if (a->nsets == PMC_CFG_MAX_ARGS) {
            snprintf(err, cap, "too many configuration flags");
            return -1;
        }
        if (!strcmp(norm, "set")) {
            a->sets[a->nsets++] = val;
        } else {
            /* keep "key=value" in a small arena of argv-lifetime strings */
            static char arena[PMC_CFG_MAX_ARGS][320];
            int w =
                snprintf(arena[a->nsets], sizeof arena[0], "%s=%s", norm, val);
            if (w < 0 || (size_t)w >= sizeof arena[0]) {
                snprintf(err, cap, "--%s: value longer than %zu bytes", norm,
                         sizeof arena[0] - n - 2);
                return -1;
            }
            a->sets[a->nsets] = arena[a->nsets];
            a->nsets++;
        }
    }
    return 1;
}

int pmc_config_take_flag(struct pmc_cfg_args *a, int argc, char **argv, int *i,
                         char *err, size_t cap)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t nn = eq ? (size_t)(eq - name) : strlen(name);
    if (!pmc_config_is_flag(name, nn))
        return 0;
    const char *val = eq ? eq + 1 : NULL;
    if (!val) {
        if (*i + 1 >= argc) {
            snprintf(err, cap, "%s: needs a value", arg);
            return -1;
        }
        val = argv[*i + 1];
    }
    int k = pmc_config_take_named(a, name, nn, val, err, cap);
    if (k == 1)
        *i += eq ? 1 : 2;
    return k;
}

void pmc_config_print_keys(FILE *f)
{
    struct pmc_config d;
    pmc_config_defaults(&d);
    fprintf(f, "configuration keys (JSON file key / --flag / ENV):\n");
    for (size_t i = 0; i < PMC_ARRAY_LEN(keys); i++) {
        const struct key *k = &keys[i];
        const char *p = (const char *)&d + k->off;
        char def[64];
        switch (k->type) {
        case K_INT:
        case K_MS:
            snprintf(def, sizeof def, "%lld",
                     (long long)*(const int64_t *)(const void *)p);
            if (k->off == offsetof(struct pmc_config, api_port))
                snprintf(def, sizeof def, "%d", d.api_port);
            break;
        case K_U32:
            snprintf(def, sizeof def, "%u", *(const uint32_t *)(const void *)p);
            break;
        case K_DEC:
            pmc_dec_format(*(const pmc_micros *)(const void *)p, def);
            break;
        case K_BOOL:
            snprintf(def, sizeof def, "%s",
                     *(const int *)(const void *)p ? "true" : "false");
            break;
        case K_MODE:
            snprintf(def, sizeof def, "%s", pmc_copy_mode_name(d.copy_mode));
            break;
        case K_SIZING:
            snprintf(def, sizeof def, "%s", pmc_sizing_name(d.sizing));
            break;
        case K_TIF:
            snprintf(def, sizeof def, "%s", pmc_tif_name(d.time_in_force));
            break;
        case K_STR:
            snprintf(def, sizeof def, "%s", p);
            break;
        }
        fprintf(f, "  %-38s default %-14s %s\n", k->name, def, k->help);
    }
    fprintf(f, "  traders: --trader ADDR[:RATIO], --traders FILE, "
               "TRADER_ADDRESSES=a,b, TARGET_WHALE_ADDRESS=a\n");
}

enum pmc_err pmc_config_write_json(const struct pmc_config *c, FILE *f)
{
    fputs("{\n", f);
    for (size_t i = 0; i < PMC_ARRAY_LEN(keys); i++) {
        const struct key *k = &keys[i];
        const char *p = (const char *)c + k->off;
        char v[64];
        fprintf(f, "  \"%s\": ", k->name);
        switch (k->type) {
        case K_INT:
        case K_MS:
            if (k->off == offsetof(struct pmc_config, api_port))
                fprintf(f, "%d", c->api_port);
            else
                fprintf(f, "%lld",
                        (long long)*(const int64_t *)(const void *)p);
            break;
        case K_U32:
            fprintf(f, "%u", *(const uint32_t *)(const void *)p);
            break;
        case K_DEC:
            pmc_dec_format(*(const pmc_micros *)(const void *)p, v);
            fprintf(f, "\"%s\"", v); /* exact: read back from its text */
            break;
        case K_BOOL:
            fputs(*(const int *)(const void *)p ? "true" : "false", f);
            break;
        case K_MODE:
            pmc_json_str(f, pmc_copy_mode_name(c->copy_mode));
            break;
        case K_SIZING:
            pmc_json_str(f, pmc_sizing_name(c->sizing));
            break;
        case K_TIF:
            pmc_json_str(f, pmc_tif_name(c->time_in_force));
            break;
        case K_STR:
            pmc_json_str(f, p);
            break;
        }
        fputs(",\n", f);
    }
    fputs("  \"traders\": [", f);
    for (uint32_t i = 0; i < c->ntraders; i++) {
        const struct pmc_trader_cfg *t = &c->traders[i];
        char r[32], m[32];
        fprintf(f, "%s\n    {\"address\": \"%s\", \"label\": ", i ? "," : "",
                t->address.s);
        pmc_json_str(f, t->label);
        if (t->ratio > 0) {
            pmc_dec_format(t->ratio, r);
            fprintf(f, ", \"ratio\": \"%s\"", r);
        }
        pmc_dec_format(t->min_source_usd, m);
        fprintf(f, ", \"min_source_usd\": \"%s\", \"enabled\": %s}", m,
                t->enabled ? "true" : "false");
    }
    fputs(c->ntraders ? "\n  ]\n}\n" : "]\n}\n", f);
    return ferror(f) ? PMC_EIO : PMC_OK;
}
