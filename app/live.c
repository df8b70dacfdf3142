/* app/live.c - `pmcopy live`: the live bot (paper by default). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "core/dec.h"
#include "live/alert.h"
#include "live/exec/clob.h"
#include "live/logfile.h"
#include "live/logfmt.h"
#include "live/loop.h"
#include "proto/config_load.h"

static const char intro[] =
    "usage: pmcopy live [--paper | --live] [options]\n"
    "\n"
    "Watch the source wallets, decide with the core, execute. --paper (the\n"
    "default) fills our orders against the live book as the backtest would;\n"
    "--live places real orders on the CLOB and needs credentials in the\n"
    "environment: PMC_PRIVATE_KEY or PMC_PRIVATE_KEY_FILE (mode 0600),\n"
    "PMC_API_KEY, PMC_API_SECRET, PMC_API_PASSPHRASE (or *_FILE).\n"
    "SIGINT/SIGTERM stop it cleanly: intake stops, pending buckets flush,\n"
    "open orders get --drain-ms to finish, the store is flushed, exit 0.\n"
    "With --log-file, SIGHUP reopens the log file (for logrotate).\n";

static const char outro[] = "exit status: 0 clean stop, 1 failure, 2 usage\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* A URL; "off" (or "") disables the source. */
static int url_arg(const struct pmc_opt *opt, const char *v, char *err,
                   size_t cap)
{
    (void)err, (void)cap;
    *(const char **)opt->target = !strcmp(v, "off") ? "" : v;
    return 0;
}

int pmc_cmd_live(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_live_opts o;
    pmc_live_opts_default(&o);
    int want_live = 0, want_paper = 0, no_db = 0, no_mlock = 0, no_flush = 0;
    const char *db = NULL, *log_file = NULL, *log_level = NULL;
    const char *alert_fmt = NULL;
    int64_t api_port = -1, run_for = -1, drain_ms = -1, seed = -1;
    int64_t poll_ms = -1, poll_idle_ms = -1, lanes = -1, batch = -1;
    const struct pmc_opt opts[] = {
        PMC_OPT_BOOL("paper", 0, NULL, &want_paper),
        PMC_OPT_BOOL("live", 0, NULL, &want_live),
        PMC_OPT_HEAD("endpoints (\"\" or off disables a source):"),
        PMC_OPT_FUNC("clob-url", 0, "URL",
                     "CLOB REST root (default https://clob.polymarket.com)",
                     &o.clob_url, url_arg),
        PMC_OPT_INTEGER("clob-lanes", 0, "N",
                        "connections kept open for POST /order, written\n"
                        "directly (0-8, default 2; 0 = all through libcurl)",
                        &lanes, 0, PMC_CLOB_LANES_MAX),
        PMC_OPT_INTEGER("clob-batch", 0, "N",
                        "orders of one loop pass posted together in one\n"
                        "POST /orders (0-15, default 15; 0 or 1 = each\n"
                        "order its own POST /order)",
                        &batch, 0, PMC_CLOB_BATCH_MAX),
        PMC_OPT_FUNC("chain-ws", 0, "URL",
                     "Polygon JSON-RPC websocket for OrderFilled logs\n"
                     "(default off: give your provider's wss URL)",
                     &o.chain_ws, url_arg),
        PMC_OPT_BOOL("chain-v1", 0, "also watch the V1 exchanges' OrderFilled",
                     &o.chain_v1),
        PMC_OPT_FUNC("rtds-ws", 0, "URL",
                     "realtime data socket (default\n"
                     "wss://ws-live-data.polymarket.com)",
                     &o.rtds_ws, url_arg),
        PMC_OPT_FUNC("book-ws", 0, "URL",
                     "CLOB market channel (default\n"
                     "wss://ws-subscriptions-clob.polymarket.com/ws/market)",
                     &o.book_ws, url_arg),
        PMC_OPT_FUNC("user-ws", 0, "URL",
                     "CLOB user channel of our orders and trades (--live;\n"
                     "default wss://ws-subscriptions-clob.polymarket.com/"
                     "ws/user\nwith the default --clob-url, else off; off: "
                     "orders\nare polled by hash)",
                     &o.user_ws, url_arg),
        PMC_OPT_FUNC("data-api", 0, "URL",
                     "data API root (default https://data-api.polymarket.com)",
                     &o.data_api, url_arg),
        PMC_OPT_INTEGER("poll-ms", 0, "N",
                        "data API poll interval while no websocket source "
                        "is\nup (default 5000)",
                        &poll_ms, 0, INT64_MAX / 1000),
        PMC_OPT_INTEGER("poll-idle-ms", 0, "N",
                        "... while one is: the catch-all for fills a socket\n"
                        "missed (default 60000)",
                        &poll_idle_ms, 0, INT64_MAX / 1000),
        PMC_OPT_HEAD("\noptions:"),
        PMC_OPT_STRING("db", 0, "PATH",
                       "SQLite store (default pmcopy.db / DB_PATH); --no-db",
                       &db),
        PMC_OPT_BOOL("no-db", 0, NULL, &no_db),
        PMC_OPT_INTEGER("api-port", 0, "N",
                        "serve the local API on 127.0.0.1:N (0 = any port)",
                        &api_port, 0, 65535),
        PMC_OPT_INTEGER("run-for", 0, "SECONDS",
                        "stop by itself after this long", &run_for, 0,
                        INT64_MAX / 1000),
        PMC_OPT_INTEGER("drain-ms", 0, "N",
                        "at shutdown, wait up to N ms for open orders (3000)",
                        &drain_ms, 0, INT64_MAX / 1000),
        PMC_OPT_BOOL("no-shutdown-flush", 0,
                     "drop pending buckets at shutdown instead of sending",
                     &no_flush),
        PMC_OPT_STRING("ready-file", 0, "FILE",
                       "write pid and API port there once running",
                       &o.ready_file),
        PMC_OPT_STRING("kill-file", 0, "PATH",
                       "while PATH exists, no new buys (checked every\n"
                       "250 ms; removing it lifts that kill only)",
                       &o.kill_file),
        PMC_OPT_INTEGER("seed", 0, "N", "reconnect jitter seed", &seed, 0,
                        INT64_MAX),
        PMC_OPT_BOOL("quiet", 'q', "no per-order log lines", &o.quiet),
        PMC_OPT_STRING("log-file", 0, "PATH",
                       "append the log there instead of stderr (mode\n"
                       "0640); SIGHUP reopens it",
                       &log_file),
        PMC_OPT_STRING("alert-webhook", 0, "URL",
                       "POST alerts there as JSON: kill switch, a silent\n"
                       "source, a reject spike, readiness lost and\n"
                       "regained, a daily summary (default\n"
                       "$PMC_ALERT_WEBHOOK: keep a URL holding a token\n"
                       "off the command line)",
                       &o.alert_url),
        PMC_OPT_STRING("alert-format", 0, "F",
                       "generic (default) | telegram (the URL is\n"
                       "https://api.telegram.org/bot<TOKEN>/sendMessage)",
                       &alert_fmt),
        PMC_OPT_STRING("alert-chat", 0, "ID", "Telegram's chat id",
                       &o.alert_chat),
        PMC_OPT_STRING("log-level", 0, "LEVEL",
                       "debug | info | warn | error: the least severe log\n"
                       "lines printed (default info; skips are debug)",
                       &log_level),
        PMC_OPT_BOOL("no-mlock", 0,
                     "do not lock the process's memory once running (by\n"
                     "default it is locked when RLIMIT_MEMLOCK or\n"
                     "CAP_IPC_LOCK allow, so the order path takes no\n"
                     "page faults)",
                     &no_mlock),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "live", intro, outro, NULL, opts, PMC_ARRAY_LEN(opts), &ca};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    if (nargs > 0) {
        fprintf(stderr, "pmcopy live: unexpected argument '%s' (see --help)\n",
                argv[1]);
        return PMC_EXIT_USAGE;
    }
    if (log_level) {
        int lv = pmc_log_level_parse(log_level, strlen(log_level));
        if (lv < 0) {
            fprintf(stderr,
                    "pmcopy live: --log-level %s: must be debug, info, warn "
                    "or error\n",
                    log_level);
            return PMC_EXIT_USAGE;
        }
        o.log_level = lv;
    }
    if (!o.alert_url) {
        const char *env = getenv("PMC_ALERT_WEBHOOK");
        o.alert_url = env && *env ? env : NULL;
    }
    if (alert_fmt) {
        o.alert_fmt = pmc_alert_fmt_parse(alert_fmt);
        if (o.alert_fmt < 0) {
            fprintf(stderr,
                    "pmcopy live: --alert-format %s: must be generic "
                    "or telegram\n",
                    alert_fmt);
            return PMC_EXIT_USAGE;
        }
    }
    if (no_mlock)
        o.mlock = 0;
    if (no_flush)
        o.shutdown_flush = 0;
    if (run_for >= 0)
        o.run_for_ms = (pmc_ms)run_for * 1000;
    if (drain_ms >= 0)
        o.drain_ms = (pmc_ms)drain_ms;
    if (poll_ms >= 0)
        o.poll_ms = (pmc_ms)poll_ms;
    if (poll_idle_ms >= 0)
        o.poll_idle_ms = (pmc_ms)poll_idle_ms;
    if (lanes >= 0)
        o.clob_lanes = (int)lanes;
    if (batch >= 0)
        o.clob_batch = (int)batch;
    if (seed >= 0)
        o.seed = (uint64_t)seed;
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
    if (log_file && pmc_logfile_open(log_file, err, sizeof err) != 0) {
        fprintf(stderr, "pmcopy live: %s\n", err);
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
