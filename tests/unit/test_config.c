/* tests/unit/test_config.c - building the configuration (proto/config_load.h
 * over core/config.h): the defaults of SPEC.md 2, the JSON file, the
 * traders list, environment variables, flags, the precedence defaults <
 * file < env < flags, merged duplicate addresses, and refusals that name
 * the key (and where it came from). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/config_load.h"
#include "core/tape.h"

#define A1 "0x1d0034134e339a309700ff2d34e99fa2d48b0313"
#define A1_UPPER "1D0034134E339A309700FF2D34E99FA2D48B0313"
#define A2 "0x6af75d4e4aaf700450efbac3708cce1665810ff1"
#define A3 "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define USD(x) ((pmc_micros)(x)*PMC_MICRO)

/* Every variable the loader reads. */
static const char *const env_names[] = {
    "COPY_MODE",
    "COALESCE_MS",
    "NET_OPPOSITE_TRADES",
    "BYPASS_SHARES",
    "MAX_PENDING_USD",
    "SIZING",
    "CAP_USD",
    "RATIO",
    "FIXED_USD",
    "NEAR_EXPIRY_CUTOFF_SECONDS",
    "MAX_NOTIONAL_PER_ORDER_USD",
    "MAX_NOTIONAL_PER_MARKET_USD",
    "MAX_TOTAL_NOTIONAL_PER_15M_WINDOW_USD",
    "MAX_DAILY_VOLUME_USD",
    "MIN_ORDER_NOTIONAL_USD",
    "MAX_SLIPPAGE",
    "MAX_SOURCE_LAG_MS",
    "KILL_MAX_DAILY_LOSS_USD",
    "KILL_MAX_CONSECUTIVE_REJECTS",
    "ORDER_TIF",
    "MAX_TOKENS",
    "MAX_OPEN_BUCKETS",
    "MAX_BUCKET_FILLS",
    "MAX_OPEN_ORDERS",
    "DEDUPE_CAPACITY",
    "DB_PATH",
    "DB_ENABLED",
    "API_ENABLED",
    "API_PORT",
    "FOLLOW_ALL",
    "TRADERS_FILE",
    "TRADER_ADDRESSES",
    "TARGET_WHALE_ADDRESS",
};

static void clear_env(void)
{
    for (size_t i = 0; i < PMC_ARRAY_LEN(env_names); i++)
        unsetenv(env_names[i]);
}

/* temp files, removed at teardown */
static char tmp_paths[32][64];
static int ntmp;

static const char *write_tmp(const char *text)
{
    assert_true(ntmp < 32);
    char *p = tmp_paths[ntmp++];
    snprintf(p, 64, "/tmp/pmc_test_config_XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return p;
}

static int setup(void **state)
{
    (void)state;
    clear_env();
    ntmp = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clear_env();
    for (int i = 0; i < ntmp; i++)
        unlink(tmp_paths[i]);
    ntmp = 0;
    return 0;
}

static struct pmc_config cfg; /* large: keep it off the stack */
static char err[1024];

static enum pmc_err build(const struct pmc_cfg_args *a)
{
    err[0] = '\0';
    return pmc_config_build(&cfg, a, err, sizeof err);
}

/* Parse argv-style flags into args (every one must be a config flag). */
static void take_all(struct pmc_cfg_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc;) {
        char e[256];
        int k = pmc_config_take_flag(a, argc, argv, &i, e, sizeof e);
        if (k != 1)
            fail_msg("flag %s not taken (%d: %s)", argv[i], k, e);
    }
}

static void build_fails(const struct pmc_cfg_args *a, const char *want)
{
    enum pmc_err e = build(a);
    if (e == PMC_OK)
        fail_msg("build succeeded, want error containing \"%s\"", want);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void build_ok(const struct pmc_cfg_args *a)
{
    if (build(a) != PMC_OK)
        fail_msg("build failed: %s", err);
}

static const struct pmc_trader_cfg *trader(const char *addr)
{
    struct pmc_sym s;
    assert_int_equal(pmc_addr_norm(addr, strlen(addr), &s), PMC_OK);
    int i = pmc_config_find_trader(&cfg, &s);
    if (i < 0)
        fail_msg("trader %s not configured", addr);
    return &cfg.traders[i];
}

/* ---- defaults ------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    build_ok(&a);
    assert_int_equal(cfg.copy_mode, PMC_MODE_INTENT_NET);
    assert_int_equal(cfg.coalesce_ms, 300);
    assert_int_equal(cfg.net_opposite_trades, 1);
    assert_int_equal(cfg.bypass_shares, USD(4000));
    assert_int_equal(cfg.max_pending_usd, USD(500));
    assert_int_equal(cfg.sizing, PMC_SIZE_CAPPED);
    assert_int_equal(cfg.cap_usd, USD(20));
    assert_int_equal(cfg.ratio, 100000);
    assert_int_equal(cfg.fixed_usd, USD(10));
    assert_int_equal(cfg.near_expiry_cutoff_seconds, 25);
    assert_int_equal(cfg.max_notional_per_order_usd, USD(25));
    assert_int_equal(cfg.max_notional_per_market_usd, USD(150));
    assert_int_equal(cfg.max_total_notional_per_15m_window_usd, USD(400));
    assert_int_equal(cfg.max_daily_volume_usd, USD(2000));
    assert_int_equal(cfg.min_order_notional_usd, USD(1));
    assert_int_equal(cfg.max_slippage, 20000);
    assert_int_equal(cfg.max_source_lag_ms, 30000);
    assert_int_equal(cfg.kill_max_daily_loss_usd, USD(200));
    assert_int_equal(cfg.kill_max_consecutive_rejects, 5);
    assert_int_equal(cfg.time_in_force, PMC_TIF_FAK);
    assert_int_equal(cfg.order_ttl_s, 300);
    assert_string_equal(cfg.db_path, "pmcopy.db");
    assert_int_equal(cfg.db_enabled, 1);
    assert_int_equal(cfg.api_enabled, 0);
    assert_int_equal(cfg.api_port, 8080);
    assert_int_equal(cfg.follow_all, 0);
    assert_int_equal(cfg.ntraders, 0);
    /* the defaults validate on their own */
    struct pmc_config d;
    pmc_config_defaults(&d);
    char msg[200] = "x";
    assert_int_equal(pmc_config_validate(&d, msg, sizeof msg), PMC_OK);
    assert_string_equal(msg, "");
    assert_string_equal(pmc_copy_mode_name(d.copy_mode), "intent_net");
    assert_string_equal(pmc_sizing_name(d.sizing), "capped_proportional");
}

/* ---- the JSON file -------------------------------------------------- */

static void test_file_keys(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "{\n"
        "  \"copy_mode\": \"aggregate\",\n"
        "  \"coalesce_ms\": 1500,\n"
        "  \"net_opposite_trades\": false,\n"
        "  \"bypass_shares\": 2500.5,\n"
        "  \"sizing\": \"proportional\",\n"
        "  \"cap_usd\": \"12.25\",\n"
        "  \"ratio\": 0.333333,\n"
        "  \"max_slippage\": 0.015,\n"
        "  \"near_expiry_cutoff_seconds\": 60,\n"
        "  \"order_tif\": \"GTC\",\n"
        "  \"db_path\": \"/var/lib/pmcopy/x.db\",\n"
        "  \"api_enabled\": true,\n"
        "  \"api_port\": 9090,\n"
        "  \"max_tokens\": 1024,\n"
        "  \"traders\": [\n"
        "    {\"address\": \"" A1 "\", \"label\": \"whale\", \"ratio\": 0.5,\n"
        "     \"min_source_usd\": 25, \"enabled\": true},\n"
        "    {\"address\": \"" A2 "\", \"enabled\": false},\n"
        "    \"" A3 ":2\"\n"
        "  ]\n"
        "}\n");
    struct pmc_cfg_args a = {.config_file = p};
    build_ok(&a);
    assert_int_equal(cfg.copy_mode, PMC_MODE_AGGREGATE);
    assert_int_equal(cfg.coalesce_ms, 1500);
    assert_int_equal(cfg.net_opposite_trades, 0);
    assert_int_equal(cfg.bypass_shares, 2500500000);
    assert_int_equal(cfg.sizing, PMC_SIZE_PROPORTIONAL);
    assert_int_equal(cfg.cap_usd, 12250000);
    assert_int_equal(cfg.ratio, 333333);
    assert_int_equal(cfg.max_slippage, 15000);
    assert_int_equal(cfg.near_expiry_cutoff_seconds, 60);
    assert_int_equal(cfg.time_in_force, PMC_TIF_GTC);
    assert_string_equal(cfg.db_path, "/var/lib/pmcopy/x.db");
    assert_int_equal(cfg.api_enabled, 1);
    assert_int_equal(cfg.api_port, 9090);
    assert_int_equal(cfg.max_tokens, 1024);
    /* untouched keys keep their defaults */
    assert_int_equal(cfg.max_pending_usd, USD(500));
    assert_int_equal(cfg.ntraders, 3);
    const struct pmc_trader_cfg *t = trader(A1);
    assert_string_equal(t->label, "whale");
    assert_int_equal(t->ratio, 500000);
    assert_int_equal(t->min_source_usd, USD(25));
    assert_int_equal(t->enabled, 1);
    t = trader(A2);
    assert_int_equal(t->enabled, 0);
    assert_int_equal(t->ratio, -1); /* the global ratio applies */
    assert_int_equal(t->min_source_usd, 0);
    assert_string_equal(t->label, "");
    t = trader(A3);
    assert_int_equal(t->ratio, USD(2));
    assert_int_equal(t->enabled, 1);
    /* config order is file order */
    assert_string_equal(cfg.traders[0].address.s, A1);
    assert_string_equal(cfg.traders[1].address.s, A2);
    assert_string_equal(cfg.traders[2].address.s, A3);
}

static void test_file_errors(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    a.config_file = write_tmp("{\"copy_mode\": \"per_fill\", \"ratoi\": 1}");
    build_fails(&a, "unknown key 'ratoi'");
    assert_non_null(strstr(err, a.config_file));

    a.config_file = write_tmp("{\"coalesce_ms\": \"soon\"}");
    build_fails(&a, "config: coalesce_ms=soon: not an integer (from ");

    a.config_file = write_tmp("{\"coalesce_ms\": [300]}");
    build_fails(&a, "config: coalesce_ms: must be a number, string or "
                    "boolean");

    a.config_file = write_tmp("{\"coalesce_ms\": 1.5}");
    build_fails(&a, "coalesce_ms=1.5: not an integer");

    a.config_file = write_tmp("{\"net_opposite_trades\": \"maybe\"}");
    build_fails(&a, "net_opposite_trades=maybe: must be true or false");

    a.config_file = write_tmp("{\"cap_usd\": {\"v\": 1}}");
    build_fails(&a, "config: cap_usd: must be a number");

    a.config_file = write_tmp("{\"copy_mode\": 2}");
    build_fails(&a, "copy_mode=2: must be per_fill, aggregate or intent_net");

    a.config_file = write_tmp("{\"ratio\": 0.1234567}");
    build_fails(&a, "ratio=0.1234567: more than 6 decimal places");

    a.config_file = write_tmp("{\"ratio\": 99999999999999999999}");
    build_fails(&a, "ratio=99999999999999999999: too large");

    a.config_file = write_tmp("{\"coalesce_ms\": \"99999999999999999999\"}");
    build_fails(&a, "coalesce_ms=99999999999999999999: too large");

    /* the range of a capacity is stated once, by the validation */
    a.config_file = write_tmp("{\"dedupe_capacity\": 99999999999}");
    build_fails(&a, "dedupe_capacity=99999999999: too large");
    assert_null(strstr(err, "4294967295"));
}

static void test_file_errors_more(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    a.config_file = write_tmp("[1, 2]");
    build_fails(&a, "must be a JSON object");

    a.config_file = write_tmp("{\"ratio\": 0.2,");
    build_fails(&a, "invalid JSON: JSON syntax error at line 1, column 15: ");
    a.config_file = write_tmp("{\n  \"ratio\": 0.2,\n  \"x\" 1\n}\n");
    build_fails(&a, "invalid JSON: JSON syntax error at line 3, column ");

    a.config_file = "/nonexistent/pmc.json";
    assert_int_equal(build(&a), PMC_EIO);
    assert_non_null(strstr(err, "cannot open /nonexistent/pmc.json"));

    a.config_file = write_tmp("{\"traders\": 5}");
    build_fails(&a, "traders: must be an array of objects");

    a.config_file = write_tmp("{\"traders\": [{\"label\": \"x\"}]}");
    build_fails(&a, "traders[0]: missing address");

    a.config_file =
        write_tmp("{\"traders\": [{\"address\": \"" A1 "\", \"size\": 3}]}");
    build_fails(&a, "traders[0]: unknown key 'size'");

    a.config_file = write_tmp("{\"traders\": [{\"address\": \"" A1
                              "\"}, {\"address\": \"0x12\"}]}");
    build_fails(&a, "address=0x12: an address is 40 hex digits, 0x optional");
    assert_non_null(strstr(err, "traders[1]"));

    a.config_file = write_tmp("{\"traders\": [{\"address\": \"" A1
                              "\", \"ratio\": \"lots\"}]}");
    build_fails(&a, "ratio=lots: must be a non-negative decimal");

    a.config_file =
        write_tmp("{\"traders\": [{\"address\": \"" A1 "\", \"ratio\": -1}]}");
    build_fails(&a, "ratio=-1: must be a non-negative decimal");

    a.config_file = write_tmp("{\"traders\": [{\"address\": \"" A1
                              "\", \"enabled\": \"yes\"}]}");
    build_fails(&a, "traders[0].enabled: must be true or false");

    /* numbers arrive as their text, so 12 is an (invalid) address */
    a.config_file = write_tmp("{\"traders\": [{\"address\": 12}]}");
    build_fails(&a, "address=12: an address is 40 hex digits");
    a.config_file = write_tmp("{\"traders\": [{\"address\": true}]}");
    build_fails(&a, "traders[0].address: must be a string");

    a.config_file =
        write_tmp("{\"traders\": [{\"address\": \"" A1 "\", \"ratio\": 0}]}");
    build_fails(&a, "traders[].ratio=0: must be in (0, 1000]");

    a.config_file = write_tmp("{\"traders\": [null]}");
    build_fails(&a, "traders[0]: must be an object or an address string");
}

static void test_traders_file(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    /* a bare array or an object with "traders" */
    a.traders_file = write_tmp("[{\"address\": \"" A2 "\", \"label\": \"b\"}]");
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 1);
    assert_string_equal(trader(A2)->label, "b");
    a.traders_file = write_tmp("{\"traders\": [\"" A1 "\"]}");
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 1);
    assert_string_equal(cfg.traders[0].address.s, A1);
    /* TRADERS_FILE from the environment */
    memset(&a, 0, sizeof a);
    setenv("TRADERS_FILE", tmp_paths[0], 1);
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 1);
    assert_string_equal(cfg.traders[0].address.s, A2);
}

/* ---- environment ---------------------------------------------------- */

static void test_env(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    setenv("COPY_MODE", "per_fill", 1);
    setenv("COALESCE_MS", "750", 1);
    setenv("NET_OPPOSITE_TRADES", "no", 1);
    setenv("MAX_SLIPPAGE", "0.05", 1);
    setenv("DB_PATH", "/tmp/other.db", 1);
    setenv("DB_ENABLED", "false", 1);
    setenv("API_PORT", "18080", 1);
    setenv("ORDER_TIF", "FOK", 1);
    setenv("SIZING", "fixed", 1);
    setenv("FIXED_USD", "7.5", 1);
    setenv("TRADER_ADDRESSES", A1 ", " A2 ":0.25", 1);
    build_ok(&a);
    assert_int_equal(cfg.copy_mode, PMC_MODE_PER_FILL);
    assert_int_equal(cfg.coalesce_ms, 750);
    assert_int_equal(cfg.net_opposite_trades, 0);
    assert_int_equal(cfg.max_slippage, 50000);
    assert_string_equal(cfg.db_path, "/tmp/other.db");
    assert_int_equal(cfg.db_enabled, 0);
    assert_int_equal(cfg.api_port, 18080);
    assert_int_equal(cfg.time_in_force, PMC_TIF_FOK);
    assert_int_equal(cfg.sizing, PMC_SIZE_FIXED);
    assert_int_equal(cfg.fixed_usd, 7500000);
    assert_int_equal(cfg.ntraders, 2);
    assert_int_equal(trader(A1)->ratio, -1);
    assert_int_equal(trader(A2)->ratio, 250000);

    /* legacy single trader */
    clear_env();
    setenv("TARGET_WHALE_ADDRESS", A1_UPPER, 1);
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 1);
    assert_string_equal(cfg.traders[0].address.s, A1);
    assert_int_equal(cfg.traders[0].enabled, 1);

    /* empty lists are ignored */
    clear_env();
    setenv("TRADER_ADDRESSES", "", 1);
    setenv("TARGET_WHALE_ADDRESS", "", 1);
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 0);
}

static void test_env_errors(void **state)
{
    (void)state;
    struct pmc_cfg_args a = {0};
    setenv("COPY_MODE", "mirror", 1);
    build_fails(&a, "config: copy_mode=mirror: must be per_fill, aggregate "
                    "or intent_net (from environment COPY_MODE)");
    clear_env();
    setenv("COALESCE_MS", "-1", 1);
    build_fails(&a, "coalesce_ms=-1: must be 0..3600000 ms");
    clear_env();
    setenv("COALESCE_MS", "3s", 1);
    build_fails(&a, "config: coalesce_ms=3s: not an integer (from "
                    "environment COALESCE_MS)");
    clear_env();
    setenv("API_PORT", "65536", 1);
    build_fails(&a, "api_port=65536: must be 0..65535 (0: any free port) "
                    "(from environment API_PORT)");
    clear_env();
    setenv("DB_PATH", "", 1);
    build_fails(&a, "db_path=: must be 1..255 bytes");
    clear_env();
    setenv("TRADER_ADDRESSES", A1 ",0x1234", 1);
    build_fails(&a, "config: trader=0x1234: an address is 40 hex digits, 0x "
                    "optional (from environment TRADER_ADDRESSES)");
    clear_env();
    setenv("TARGET_WHALE_ADDRESS", "whale", 1);
    build_fails(&a, "trader=whale: an address is 40 hex digits");
    assert_non_null(strstr(err, "TARGET_WHALE_ADDRESS"));
    clear_env();
    setenv("TRADER_ADDRESSES", A1 ":fast", 1);
    build_fails(&a, "trader ratio=fast: not a decimal number");
    clear_env();
    setenv("MAX_TOKENS", "-5", 1);
    build_fails(&a, "max_tokens=-5: must not be negative");
    clear_env();
    setenv("MAX_TOKENS", "0", 1);
    build_fails(&a, "max_tokens=0: must be 1..16777216");
}

/* ---- flags ---------------------------------------------------------- */

static void test_flags(void **state)
{
    (void)state;
    char *argv[] = {
        "--copy-mode",
        "per_fill",
        "--set",
        "ratio=0.2",
        "--trader",
        A1 ":0.5",
        "--trader",
        A2,
        "--coalesce_ms=900",
        "--max-slippage",
        "0.03",
        "--set",
        "MAX_DAILY_VOLUME_USD=5000",
    };
    struct pmc_cfg_args a;
    take_all(&a, (int)PMC_ARRAY_LEN(argv), argv);
    assert_int_equal(a.ntraders, 2);
    assert_int_equal(a.nsets, 5);
    build_ok(&a);
    assert_int_equal(cfg.copy_mode, PMC_MODE_PER_FILL);
    assert_int_equal(cfg.ratio, 200000);
    assert_int_equal(cfg.coalesce_ms, 900);
    assert_int_equal(cfg.max_slippage, 30000);
    assert_int_equal(cfg.max_daily_volume_usd, USD(5000));
    assert_int_equal(cfg.ntraders, 2);
    assert_int_equal(trader(A1)->ratio, 500000);
    assert_int_equal(trader(A2)->ratio, -1);
}

static void test_take_flag(void **state)
{
    (void)state;
    struct pmc_cfg_args a;
    memset(&a, 0, sizeof a);
    char e[256];
    char *argv[] = {"--echo",   "-h",     "file.tape",
                    "--config", "c.json", "--traders=t.json",
                    "--ratio"};
    int i = 0;
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), 0);
    assert_int_equal(i, 0);
    i = 1;
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), 0);
    i = 2;
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), 0);
    i = 3;
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), 1);
    assert_int_equal(i, 5);
    assert_string_equal(a.config_file, "c.json");
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), 1);
    assert_int_equal(i, 6);
    assert_string_equal(a.traders_file, "t.json");
    assert_int_equal(pmc_config_take_flag(&a, 7, argv, &i, e, sizeof e), -1);
    assert_string_equal(e, "--ratio: needs a value");
}

static void test_flag_errors(void **state)
{
    (void)state;
    struct pmc_cfg_args a;
    char *bad_key[] = {"--set", "ratoi=0.2"};
    take_all(&a, 2, bad_key);
    build_fails(&a, "config: unknown key 'ratoi' (from flag --ratoi)");

    char *no_eq[] = {"--set", "ratio"};
    take_all(&a, 2, no_eq);
    build_fails(&a, "config: --set ratio: expected KEY=VALUE");

    char *bad_val[] = {"--cap-usd", "lots"};
    take_all(&a, 2, bad_val);
    build_fails(&a, "config: cap_usd=lots: not a decimal number (from flag "
                    "--cap_usd)");

    char *bad_trader[] = {"--trader", "0xnothex"};
    take_all(&a, 2, bad_trader);
    build_fails(&a, "trader=0xnothex: an address is 40 hex digits, 0x "
                    "optional (from flag --trader)");

    char *bad_ratio[] = {"--trader", A1 ":-"};
    take_all(&a, 2, bad_ratio);
    build_fails(&a, "trader ratio=-: not a decimal number (from flag "
                    "--trader)");
}

/* ---- validation ----------------------------------------------------- */

static void invalid(const char *set, const char *want)
{
    struct pmc_cfg_args a;
    memset(&a, 0, sizeof a);
    a.sets[a.nsets++] = set;
    build_fails(&a, want);
}

static void test_invalid_values(void **state)
{
    (void)state;
    invalid("ratio=0", "config: ratio=0: must be in (0, 1000]");
    invalid("ratio=-0.1", "config: ratio=-0.1: must be in (0, 1000]");
    invalid("ratio=1000.000001", "ratio=1000.000001: must be in (0, 1000]");
    invalid("cap_usd=-1", "config: cap_usd=-1: must be in (0, 1000000000] USD");
    invalid("cap_usd=0", "config: cap_usd=0: must be in (0, 1000000000] USD");
    invalid("max_notional_per_order_usd=-5",
            "max_notional_per_order_usd=-5: must be in (0, 1000000000] USD");
    invalid("max_notional_per_market_usd=0",
            "max_notional_per_market_usd=0: must be in (0, 1000000000] USD");
    invalid("max_total_notional_per_15m_window_usd=-1",
            "max_total_notional_per_15m_window_usd=-1: must be in (0, "
            "1000000000] USD");
    invalid("max_daily_volume_usd=-2000",
            "max_daily_volume_usd=-2000: must be in (0, 1000000000] USD");
    invalid("min_order_notional_usd=-1",
            "min_order_notional_usd=-1: must be in [0, 1000000000] USD");
    invalid("max_slippage=1", "config: max_slippage=1: must be in [0, 1)");
    invalid("max_slippage=-0.01", "max_slippage=-0.01: must be in [0, 1)");
    invalid("coalesce_ms=-1", "config: coalesce_ms=-1: must be 0..3600000 ms");
    invalid("coalesce_ms=3600001", "coalesce_ms=3600001: must be 0..3600000");
    invalid("bypass_shares=0",
            "bypass_shares=0: must be in (0, 1000000000] shares");
    invalid("max_pending_usd=-1",
            "max_pending_usd=-1: must be in (0, 1000000000] USD");
    /* the upper bound is named, not just the sign */
    invalid("max_pending_usd=1000000000000",
            "config: max_pending_usd=1000000000000: must be in (0, "
            "1000000000] USD");
    invalid("bypass_shares=1000000000.000001",
            "bypass_shares=1000000000.000001: must be in (0, 1000000000] "
            "shares");
    invalid("max_daily_volume_usd=2000000000",
            "max_daily_volume_usd=2000000000: must be in (0, 1000000000] "
            "USD");
    invalid("min_order_notional_usd=1000000001",
            "min_order_notional_usd=1000000001: must be in [0, 1000000000] "
            "USD");
    invalid("fixed_usd=0", "fixed_usd=0: must be in (0, 1000000000] USD");
    invalid("near_expiry_cutoff_seconds=-1",
            "near_expiry_cutoff_seconds=-1: must be 0..86400 s");
    invalid("max_source_lag_ms=-1", "max_source_lag_ms=-1: must be "
                                    "0..86400000 ms");
    invalid("kill_max_daily_loss_usd=0",
            "kill_max_daily_loss_usd=0: must be in (0, 1000000000] USD");
    invalid("kill_max_consecutive_rejects=0",
            "kill_max_consecutive_rejects=0: must be 1..1000000");
    invalid("dedupe_capacity=8", "dedupe_capacity=8: must be 16..16777216");
    invalid("dedupe_capacity=16777217",
            "dedupe_capacity=16777217: must be 16..16777216");
    invalid("max_bucket_fills=0", "max_bucket_fills=0: must be 1..65536");
    invalid("order_tif=IOC", "order_tif=IOC: must be FAK, FOK, GTC or GTD");
    invalid("order_ttl_s=119", "order_ttl_s=119: must be 120..2592000 s");
    invalid("order_ttl_s=2592001",
            "order_ttl_s=2592001: must be 120..2592000 s");
    invalid("sizing=kelly", "sizing=kelly: must be fixed, proportional or "
                            "capped_proportional");
    invalid("api_enabled=2", "api_enabled=2: must be true or false");
    /* edges that are fine */
    struct pmc_cfg_args a;
    memset(&a, 0, sizeof a);
    a.sets[a.nsets++] = "max_slippage=0.999999";
    a.sets[a.nsets++] = "coalesce_ms=0";
    a.sets[a.nsets++] = "min_order_notional_usd=0";
    a.sets[a.nsets++] = "ratio=1000";
    a.sets[a.nsets++] = "order_tif=GTD";
    a.sets[a.nsets++] = "order_ttl_s=120";
    build_ok(&a);
    assert_int_equal(cfg.time_in_force, PMC_TIF_GTD);
    assert_int_equal(cfg.order_ttl_s, 120);
    assert_int_equal(cfg.max_slippage, 999999);
    assert_int_equal(cfg.coalesce_ms, 0);
    assert_int_equal(cfg.ratio, USD(1000));
}

/* ---- precedence and merging ----------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    const char *file = write_tmp("{\"ratio\": 0.2, \"cap_usd\": 30, "
                                 "\"coalesce_ms\": 100, \"db_path\": "
                                 "\"file.db\", \"traders\": [{\"address\": "
                                 "\"" A1 "\", \"ratio\": 0.5, \"label\": "
                                 "\"from-file\", \"min_source_usd\": 3}]}");
    struct pmc_cfg_args a;
    memset(&a, 0, sizeof a);
    /* defaults < file */
    a.config_file = file;
    build_ok(&a);
    assert_int_equal(cfg.ratio, 200000);
    assert_int_equal(cfg.cap_usd, USD(30));
    assert_int_equal(cfg.coalesce_ms, 100);
    assert_string_equal(cfg.db_path, "file.db");
    assert_int_equal(cfg.max_slippage, 20000); /* default */
    /* file < env */
    setenv("RATIO", "0.3", 1);
    setenv("COALESCE_MS", "200", 1);
    build_ok(&a);
    assert_int_equal(cfg.ratio, 300000);
    assert_int_equal(cfg.coalesce_ms, 200);
    assert_int_equal(cfg.cap_usd, USD(30)); /* file still */
    /* env < flags */
    char *argv[] = {"--config", (char *)(uintptr_t)file,
                    "--set",    "ratio=0.4",
                    "--trader", A1 ":0.75"};
    take_all(&a, 6, argv);
    build_ok(&a);
    assert_int_equal(cfg.ratio, 400000);
    assert_int_equal(cfg.coalesce_ms, 200);
    assert_int_equal(cfg.cap_usd, USD(30));
    /* the trader from the file, ratio overridden by the flag, the rest
     * merged */
    assert_int_equal(cfg.ntraders, 1);
    const struct pmc_trader_cfg *t = trader(A1);
    assert_int_equal(t->ratio, 750000);
    assert_string_equal(t->label, "from-file");
    assert_int_equal(t->min_source_usd, USD(3));
    /* env trader without a ratio keeps the file's ratio */
    unsetenv("RATIO");
    setenv("TRADER_ADDRESSES", A1_UPPER, 1);
    memset(&a, 0, sizeof a);
    a.config_file = file;
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 1);
    assert_int_equal(trader(A1)->ratio, 500000);
    assert_string_equal(trader(A1)->label, "from-file");
}

static void test_duplicates_merged(void **state)
{
    (void)state;
    setenv("TRADER_ADDRESSES", A1 "," A1_UPPER ",0X" A1_UPPER "," A2, 1);
    setenv("TARGET_WHALE_ADDRESS", A2, 1);
    char *argv[] = {"--trader", A1_UPPER ":0.9", "--trader",
                    A3,         "--trader",      A3};
    struct pmc_cfg_args a;
    take_all(&a, 6, argv);
    build_ok(&a);
    assert_int_equal(cfg.ntraders, 3);
    assert_string_equal(cfg.traders[0].address.s, A1);
    assert_string_equal(cfg.traders[1].address.s, A2);
    assert_string_equal(cfg.traders[2].address.s, A3);
    assert_int_equal(trader(A1)->ratio, 900000);

    /* core-level add_trader: later fields win, label kept when empty */
    struct pmc_config c;
    pmc_config_defaults(&c);
    assert_int_equal(
        pmc_config_add_trader(&c, A1, strlen(A1), "one", 100000, 0, 1), PMC_OK);
    assert_int_equal(pmc_config_add_trader(&c, A1_UPPER, strlen(A1_UPPER), NULL,
                                           200000, 5, 0),
                     PMC_OK);
    assert_int_equal(c.ntraders, 1);
    assert_string_equal(c.traders[0].label, "one");
    assert_int_equal(c.traders[0].ratio, 200000);
    assert_int_equal(c.traders[0].min_source_usd, 5);
    assert_int_equal(c.traders[0].enabled, 0);
    assert_int_equal(pmc_config_add_trader(&c, "0x12", 4, "x", 1, 0, 1),
                     PMC_EPARSE);
    /* the table is bounded */
    for (int i = 0; i < PMC_MAX_TRADERS + 1; i++) {
        char addr[41];
        snprintf(addr, sizeof addr, "%040x", i + 1000);
        enum pmc_err e = pmc_config_add_trader(&c, addr, 40, NULL, -1, 0, 1);
        /* one slot is already taken by A1 */
        assert_int_equal(e, i < PMC_MAX_TRADERS - 1 ? PMC_OK : PMC_EFULL);
    }
    assert_int_equal(c.ntraders, PMC_MAX_TRADERS);
}

/* A configuration written by pmc_config_write_json reads back equal. */
static void test_write_json_round_trip(void **state)
{
    (void)state;
    char *argv[] = {
        "--copy-mode", "aggregate",
        "--set",       "max_slippage=0.015",
        "--ratio",     "0.25",
        "--order-tif", "GTC",
        "--db-path",   "/tmp/x \"y\".db",
        "--trader",    "0x1111111111111111111111111111111111111111:0.5",
        "--trader",    "0x2222222222222222222222222222222222222222"};
    struct pmc_cfg_args a;
    take_all(&a, (int)PMC_ARRAY_LEN(argv), argv);
    build_ok(&a);
    static struct pmc_config first;
    first = cfg;
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    assert_non_null(f);
    assert_int_equal(pmc_config_write_json(&first, f), PMC_OK);
    fclose(f);
    struct pmc_cfg_args b;
    memset(&b, 0, sizeof b);
    b.config_file = write_tmp(text);
    free(text);
    build_ok(&b);
    assert_int_equal(cfg.copy_mode, PMC_MODE_AGGREGATE);
    assert_int_equal(cfg.max_slippage, 15000);
    assert_int_equal(cfg.ratio, 250000);
    assert_int_equal(cfg.time_in_force, PMC_TIF_GTC);
    assert_string_equal(cfg.db_path, "/tmp/x \"y\".db");
    assert_int_equal(cfg.ntraders, 2);
    assert_int_equal(
        trader("0x1111111111111111111111111111111111111111")->ratio, 500000);
    assert_int_equal(
        trader("0x2222222222222222222222222222222222222222")->ratio, -1);
    assert_memory_equal(&cfg, &first, offsetof(struct pmc_config, ntraders));
}

/* follow_all: a bool key from every source, written and read back. */
static void test_follow_all_key(void **state)
{
    (void)state;
    char *argv1[] = {"--follow-all", "true"};
    struct pmc_cfg_args a;
    take_all(&a, 2, argv1);
    build_ok(&a);
    assert_int_equal(cfg.follow_all, 1);
    char *argv2[] = {"--set", "follow_all=true"};
    take_all(&a, 2, argv2);
    build_ok(&a);
    assert_int_equal(cfg.follow_all, 1);
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    assert_non_null(f);
    assert_int_equal(pmc_config_write_json(&cfg, f), PMC_OK);
    fclose(f);
    assert_non_null(strstr(text, "\"follow_all\": true,"));
    memset(&a, 0, sizeof a);
    a.config_file = write_tmp(text);
    free(text);
    build_ok(&a);
    assert_int_equal(cfg.follow_all, 1);
    memset(&a, 0, sizeof a);
    a.config_file = write_tmp("{\"follow_all\": false}");
    build_ok(&a);
    assert_int_equal(cfg.follow_all, 0);
    setenv("FOLLOW_ALL", "1", 1);
    memset(&a, 0, sizeof a);
    build_ok(&a);
    assert_int_equal(cfg.follow_all, 1);
    setenv("FOLLOW_ALL", "maybe", 1);
    build_fails(&a, "follow_all=maybe");
    unsetenv("FOLLOW_ALL");
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_all_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_json_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traders_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_merged, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
