/* app/live.c - `pmcopy live`: the live bot (paper by default). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "proto/config_load.h"
#include "core/dec.h"
#include "live/exec/clob.h"
#include "live/loop.h"

static const char usage[] =
    "usage: pmcopy live [--paper | --live] [options]\n"
    "\n"
    "Watch the source wallets, decide with the core, execute. --paper (the\n"
    "default) fills our orders against the live book as the backtest would;\n"
    "--live places real orders on the CLOB and needs credentials in the\n"
    "environment: PMC_PRIVATE_KEY or PMC_PRIVATE_KEY_FILE (mode 0600),\n"
    "PMC_API_KEY, PMC_API_SECRET, PMC_API_PASSPHRASE (or *_FILE).\n"
    "SIGINT/SIGTERM stop it cleanly: intake stops, pending buckets flush,\n"
    "open orders get --drain-ms to finish, the store is flushed, exit 0.\n"
    "\n"
    "endpoints (\"\" or off disables a source):\n"
    "  --clob-url URL      CLOB REST root (default "
    "https://clob.polymarket.com)\n"
    "  --clob-lanes N      connections kept open for POST /order, written\n"
    "                      directly (0-8, default 2; 0 = all through libcurl)\n"
    "  --chain-ws URL      Polygon JSON-RPC websocket for OrderFilled logs\n"
    "                      (default off: give your provider's wss URL)\n"
    "  --chain-v1          also watch the V1 exchanges' OrderFilled\n"
    "  --rtds-ws URL       realtime data socket (default\n"
    "                      wss://ws-live-data.polymarket.com)\n"
    "  --book-ws URL       CLOB market channel (default\n"
    "                      "
    "wss://ws-subscriptions-clob.polymarket.com/ws/market)\n"
    "  --data-api URL      data API root (default "
    "https://data-api.polymarket.com)\n"
    "  --poll-ms N         data API poll interval while no websocket source "
    "is\n"
    "                      up (default 5000)\n"
    "  --poll-idle-ms N    ... while one is: the catch-all for fills a socket\n"
    "                      missed (default 60000)\n"
    "\n"
    "options:\n"
    "  --db PATH           SQLite store (default pmcopy.db / DB_PATH); "
    "--no-db\n"
    "  --api-port N        serve the local API on 127.0.0.1:N (0 = any port)\n"
    "  --run-for SECONDS   stop by itself after this long\n"
    "  --drain-ms N        at shutdown, wait up to N ms for open orders "
    "(3000)\n"
    "  --no-shutdown-flush drop pending buckets at shutdown instead of "
    "sending\n"
    "  --ready-file FILE   write pid and API port there once running\n"
    "  --seed N            reconnect jitter seed\n"
    "  --quiet             no per-order log lines\n"
    "  --no-mlock          do not lock the process's memory once running (by\n"
    "                      default it is locked when RLIMIT_MEMLOCK or\n"
    "                      CAP_IPC_LOCK allow, so the order path takes no\n"
    "                      page faults)\n"
    "  plus every configuration flag of `pmcopy decide --help` (--config,\n"
    "  --trader, --traders, --set, --KEY VALUE)\n"
    "\n"
    "exit status: 0 clean stop, 1 failure, 2 usage\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const char *url_arg(const char *v)
{
    return !strcmp(v, "off") ? "" : v;
}

int pmc_cmd_live(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_live_opts o;
    pmc_live_opts_default(&o);
    int want_live = 0, want_paper = 0, no_db = 0;
    const char *db = NULL;
    long api_port = -1;
    for (int i = 1; i < argc;) {
        const char *s = argv[i];
        char err[256];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                \
    do {                                                                       \
        if (!v) {                                                              \
            fprintf(stderr, "pmcopy live: %s needs a value\n", s);             \
            return PMC_EXIT_USAGE;                                             \
        }                                                                      \
        i += 2;                                                                \
    } while (0)
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            return PMC_EXIT_OK;
        } else if (!strcmp(s, "--live")) {
            want_live = 1;
            i++;
        } else if (!strcmp(s, "--paper")) {
            want_paper = 1;
            i++;
        } else if (!strcmp(s, "--chain-v1")) {
            o.chain_v1 = 1;
            i++;
        } else if (!strcmp(s, "--no-db")) {
            no_db = 1;
            i++;
        } else if (!strcmp(s, "--quiet")) {
            o.quiet = 1;
            i++;
        } else if (!strcmp(s, "--no-mlock")) {
            o.mlock = 0;
            i++;
        } else if (!strcmp(s, "--no-shutdown-flush")) {
            o.shutdown_flush = 0;
            i++;
        } else if (!strcmp(s, "--clob-url")) {
            NEEDV();
            o.clob_url = url_arg(v);
        } else if (!strcmp(s, "--chain-ws")) {
            NEEDV();
            o.chain_ws = url_arg(v);
        } else if (!strcmp(s, "--rtds-ws")) {
            NEEDV();
            o.rtds_ws = url_arg(v);
        } else if (!strcmp(s, "--book-ws")) {
            NEEDV();
            o.book_ws = url_arg(v);
        } else if (!strcmp(s, "--data-api")) {
            NEEDV();
            o.data_api = url_arg(v);
        } else if (!strcmp(s, "--db")) {
            NEEDV();
            db = v;
        } else if (!strcmp(s, "--ready-file")) {
            NEEDV();
            o.ready_file = v;
        } else if (!strcmp(s, "--api-port") || !strcmp(s, "--run-for") ||
                   !strcmp(s, "--drain-ms") || !strcmp(s, "--seed") ||
                   !strcmp(s, "--poll-ms") || !strcmp(s, "--poll-idle-ms") ||
                   !strcmp(s, "--clob-lanes")) {
            NEEDV();
            char *end;
            long long n = strtoll(v, &end, 10);
            if (*end || n < 0 || (!strcmp(s, "--api-port") && n > 65535) ||
                (!strcmp(s, "--clob-lanes") && n > PMC_CLOB_LANES_MAX)) {
                fprintf(stderr, "pmcopy live: %s %s: not a valid number\n", s,
                        v);
                return PMC_EXIT_USAGE;
            }
            if (!strcmp(s, "--api-port"))
                api_port = (long)n;
            else if (!strcmp(s, "--run-for"))
                o.run_for_ms = (pmc_ms)n * 1000;
            else if (!strcmp(s, "--drain-ms"))
                o.drain_ms = (pmc_ms)n;
            else if (!strcmp(s, "--poll-ms"))
                o.poll_ms = (pmc_ms)n;
            else if (!strcmp(s, "--poll-idle-ms"))
                o.poll_idle_ms = (pmc_ms)n;
            else if (!strcmp(s, "--clob-lanes"))
                o.clob_lanes = (int)n;
            else
                o.seed = (uint64_t)n;
        } else {
            int k = pmc_config_take_flag(&ca, argc, argv, &i, err, sizeof err);
            if (k < 0) {
                fprintf(stderr, "pmcopy live: %s\n", err);
                return PMC_EXIT_USAGE;
            }
            if (k == 0) {
                fprintf(stderr, "pmcopy live: unknown option '%s'\n%s", s,
                        usage);
                return PMC_EXIT_USAGE;
            }
        }
#undef NEEDV
    }
    if (want_live && want_paper) {
        fprintf(stderr, "pmcopy live: --live and --paper exclude each other\n");
        return PMC_EXIT_USAGE;
    }
    o.mode = want_live ? PMC_LIVE_REAL : PMC_LIVE_PAPER;
    struct pmc_config *cfg = malloc(sizeof *cfg);
    char err[1024];
    if (!cfg)
        return PMC_EXIT_FAIL;
    if (pmc_config_build(cfg, &ca, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy live: %s\n", err);
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    if (db) {
        if (strlen(db) >= sizeof cfg->db_path) {
            fprintf(stderr, "pmcopy live: --db: path too long\n");
            free(cfg);
            return PMC_EXIT_USAGE;
        }
        strcpy(cfg->db_path, db);
    }
    if (no_db)
        cfg->db_enabled = 0;
    if (api_port >= 0) {
        cfg->api_enabled = 1;
        cfg->api_port = (int)api_port;
    }
    if (cfg->ntraders == 0) {
        fprintf(stderr, "pmcopy live: no source traders configured "
                        "(--trader ADDR, TRADER_ADDRESSES or a config "
                        "file)\n");
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = pmc_live_run(cfg, &o, &stop_flag, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "pmcopy live: %s\n", err);
    free(cfg);
    return rc;
}
