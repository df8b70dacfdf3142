/* app/views.c - the flags of the operator views over the store:
 * `pmcopy positions`, `pmcopy history`, `pmcopy traders`, `pmcopy journal`
 * (live/views.h queries the store and prints them). Exit codes: 0 ok,
 * 1 runtime failure, 2 usage. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "core/tape.h"
#include "app/tapecmd.h"
#include "live/api.h"
#include "live/clock.h"
#include "live/traders.h"
#include "live/views.h"

/* ---- flags ----------------------------------------------------------------
 */

static int time_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    if (pmc_view_parse_time(v, opt->target) < 0) {
        snprintf(err, cap,
                 "--%s %s: want ms since the epoch or "
                 "YYYY-MM-DD[THH:MM[:SS]][Z] (UTC)",
                 opt->name, v);
        return -1;
    }
    return 0;
}

static int now_arg(const struct pmc_opt *opt, const char *v, char *err,
                   size_t cap)
{
    struct pmc_view_opts *o = opt->target;
    if (pmc_view_parse_time(v, &o->now) < 0) {
        snprintf(err, cap,
                 "--now %s: want ms since the epoch or "
                 "YYYY-MM-DD[THH:MM[:SS]][Z]",
                 v);
        return -1;
    }
    o->has_now = 1;
    return 0;
}

static int trader_arg(const struct pmc_opt *opt, const char *v, char *err,
                      size_t cap)
{
    struct pmc_view_opts *o = opt->target;
    if (pmc_addr_norm(v, strlen(v), &o->trader) != PMC_OK) {
        snprintf(err, cap, "--trader %s: want an address of 40 hex digits", v);
        return -1;
    }
    o->filter.trader = o->trader.s;
    return 0;
}

static int status_arg(const struct pmc_opt *opt, const char *v, char *err,
                      size_t cap)
{
    struct pmc_view_opts *o = opt->target;
    int k = pmc_order_status_lookup(v, strlen(v));
    if (!strcmp(v, "open")) {
        o->filter.open_only = 1;
    } else if (k < 0) {
        snprintf(err, cap,
                 "--status %s: want open, submitted, acked, matched, "
                 "confirmed, failed, rejected or cancelled",
                 v);
        return -1;
    } else {
        o->filter.status = k;
    }
    return 0;
}

#define DB_OPT(o)                                                              \
    PMC_OPT_STRING("db", 0, "FILE",                                            \
                   "the store (default $DB_PATH, else pmcopy.db)", &(o)->db)
#define JSON_OPT(o, help)                                                      \
    PMC_OPT_SET("json", 'j', help, &(o)->fmt, PMC_VIEW_JSON)

/* Parse argv against opts: -1 to go on, else the exit code. The views
 * take no arguments besides options. */
static int parse(int argc, char **argv, const char *cmd, const char *intro,
                 const struct pmc_opt *opts, size_t n)
{
    static const char outro[] =
        "exit status: 0 ok, 1 cannot read the store, 2 usage\n";
    const struct pmc_opt_cmd c = {cmd, intro, outro, NULL, opts, n, NULL};
    int nargs;
    int r = pmc_opt_parse(&c, argc, argv, &nargs, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (nargs > 0) {
        fprintf(stderr, "pmcopy %s: unknown argument '%s' (see --help)\n", cmd,
                argv[1]);
        return PMC_EXIT_USAGE;
    }
    return -1;
}

/* ---- positions ----------------------------------------------------------- */

static const char positions_intro[] =
    "usage: pmcopy positions [--db FILE] [--json]\n"
    "       pmcopy positions --watch [--interval S] [--count N] [--api-port "
    "N]\n"
    "                        [--db FILE]\n"
    "\n"
    "Our positions from the store's fills (average-cost accounting, fees in\n"
    "the basis) with realised P&L, and unrealised P&L at the last known mark.\n"
    "While `pmcopy live` runs, the marks are the core's own (the same ones\n"
    "GET /status values positions at, written to the store once a second);\n"
    "otherwise the last quote mid / trade price / resolution payout in the\n"
    "journal. A resolved token's payout is realised. Amounts in USD, sizes\n"
    "in shares.\n"
    "\n"
    "--watch redraws a monitor of the open positions every S seconds (market\n"
    "name, outcome, shares, average entry, mark, unrealised P&L, value and\n"
    "P&L) until Ctrl-C; plain frames one after another when stdout is not a\n"
    "terminal. The positions come from the store; while the session runs,\n"
    "each frame also asks its local API (GET /quotes; the port of\n"
    "DB-config.json unless --api-port, the token of PMC_API_TOKEN or\n"
    "DB-api-token) for the book: a long is marked at the bid, the price it\n"
    "sells at now, and P&L today is the core's (realised today + the change\n"
    "of unrealised since 00:00 UTC, as the daily-loss kill counts it). When\n"
    "the session does not answer, the frame says why and uses the store's\n"
    "marks.\n";

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

/* Write all of buf[n] to fd (one frame in one write unless the kernel
 * takes less). */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The session's API for the monitor: port (--api-port, else the api_port
 * of DB-config.json when its api_enabled is true) and token (PMC_API_TOKEN,
 * else DB-api-token when it exists: never created here). 0 when there is
 * none, with why. */
static int monitor_api(const char *db, int64_t port_opt, char *tok,
                       const char **why)
{
    char path[4096];
    int port = (int)port_opt;
    if (port_opt < 0) {
        snprintf(path, sizeof path, "%s-config.json", db);
        json_error_t je;
        json_t *c = json_load_file(path, 0, &je);
        json_t *en = json_object_get(c, "api_enabled"),
               *p = json_object_get(c, "api_port");
        port = json_is_true(en) && json_is_integer(p) &&
                       json_integer_value(p) > 0 &&
                       json_integer_value(p) <= 65535
                   ? (int)json_integer_value(p)
                   : 0;
        json_decref(c);
        if (!port) {
            *why = "no API port (DB-config.json names none; --api-port)";
            return 0;
        }
    }
    if (!port)
        return 0;
    snprintf(path, sizeof path, "%s-api-token", db);
    const char *src;
    char err[256];
    if (!getenv("PMC_API_TOKEN") && access(path, F_OK) != 0) {
        *why = "no API token (PMC_API_TOKEN or DB-api-token)";
        return 0;
    }
    if (pmc_api_token_load(path, tok, &src, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy positions: %s\n", err);
        *why = "the API token could not be read";
        return 0;
    }
    return port;
}

/* The monitor: a frame every interval until a signal or `count` frames.
 * On a terminal each frame starts at the cursor's home, every line clears
 * what was left of the previous frame's and the end clears the rest of
 * the screen: no blank screen between frames, no flicker. */
static int watch_positions(struct pmc_view_opts *o, pmc_micros interval,
                           int64_t count, int64_t api_port)
{
    char tok[PMC_API_TOKEN_MAX + 1];
    const char *api_why = NULL;
    o->api_port = monitor_api(o->db, api_port, tok, &api_why);
    int tty = isatty(STDOUT_FILENO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watch_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (tty && write_all(STDOUT_FILENO, "\033[?25l\033[2J", 10) < 0)
        return -1;
    int rc = 0;
    for (int64_t frame = 0; !watch_stop && (!count || frame < count); frame++) {
        if (frame) {
            /* sleep in steps so a signal ends the wait promptly */
            int64_t left_us = interval;
            while (left_us > 0 && !watch_stop) {
                int64_t us = left_us < 100000 ? left_us : 100000;
                struct timespec ts = {0, (long)us * 1000};
                nanosleep(&ts, NULL);
                left_us -= us;
            }
            if (watch_stop)
                break;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m) {
            fprintf(stderr, "pmcopy positions: out of memory\n");
            rc = -1;
            break;
        }
        if (tty)
            fputs("\033[H", m);
        o->out = m;
        struct pmc_view_quotes q;
        memset(&q, 0, sizeof q);
        o->quotes = NULL;
        o->quotes_why = api_why;
        if (o->api_port) {
            pmc_view_quotes_get(o->api_port, tok, &q);
            o->quotes = &q;
            o->quotes_why = q.ok ? NULL : q.why;
        }
        o->now = pmc_clock_now_ms();
        int k = pmc_view_monitor(o, tty ? "\033[K" : "");
        pmc_view_quotes_free(&q);
        if (tty)
            fputs("\033[J", m);
        else
            fputc('\n', m);
        if (fclose(m) != 0) {
            free(buf);
            fprintf(stderr, "pmcopy positions: out of memory\n");
            rc = -1;
            break;
        }
        if (k == 0 && write_all(STDOUT_FILENO, buf, len) < 0) {
            free(buf);
            if (!watch_stop)
                fprintf(stderr, "pmcopy positions: write error: %s\n",
                        strerror(errno));
            rc = -1;
            break;
        }
        free(buf);
        if (k != 0) {
            rc = -1;
            break;
        }
    }
    if (tty && write_all(STDOUT_FILENO, "\033[?25h", 6) < 0)
        rc = -1;
    return rc;
}

int pmc_cmd_positions(int argc, char **argv)
{
    struct pmc_view_opts o;
    pmc_view_opts_init(&o);
    int watch = 0;
    pmc_micros interval = 0; /* 0: not given (2 s) */
    int64_t count = 0;       /* 0: not given (until a signal) */
    int64_t api_port = -1;   /* -1: not given (DB-config.json) */
    const struct pmc_opt opts[] = {
        DB_OPT(&o),
        JSON_OPT(&o, "machine output (docs/store.md)"),
        PMC_OPT_BOOL("watch", 'w', "a live monitor, redrawn every interval",
                     &watch),
        PMC_OPT_FUNC_RANGE("interval", 0, "S",
                           "--watch: seconds between frames, 0.1 to 3600\n"
                           "(default 2)",
                           &interval, pmc_opt_dec, PMC_MICRO / 10,
                           3600 * PMC_MICRO),
        PMC_OPT_INTEGER("count", 0, "N",
                        "--watch: stop after N frames (default: at Ctrl-C)",
                        &count, 1, 1000000000),
        PMC_OPT_INTEGER("api-port", 0, "N",
                        "--watch: the session's API port (0: the store only;\n"
                        "default: DB-config.json's)",
                        &api_port, 0, 65535),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    int k = parse(argc, argv, "positions", positions_intro, opts,
                  PMC_ARRAY_LEN(opts));
    if (k >= 0)
        return k;
    if (!watch) {
        if (interval || count || api_port >= 0) {
            fprintf(stderr, "pmcopy positions: --%s is an option of --watch\n",
                    interval ? "interval"
                    : count  ? "count"
                             : "api-port");
            return PMC_EXIT_USAGE;
        }
        return pmc_view_positions(&o) == 0 ? PMC_EXIT_OK : PMC_EXIT_FAIL;
    }
    if (o.fmt == PMC_VIEW_JSON) {
        fprintf(stderr, "pmcopy positions: --watch draws text; without it, "
                        "--json\n");
        return PMC_EXIT_USAGE;
    }
    return watch_positions(&o, interval ? interval : 2 * PMC_MICRO, count,
                           api_port) == 0
               ? PMC_EXIT_OK
               : PMC_EXIT_FAIL;
}

/* ---- history ------------------------------------------------------------- */

static const char history_intro[] =
    "usage: pmcopy history [--db FILE] [--since T] [--until T] [--token ID]\n"
    "                      [--trader ADDR] [--status S] [--csv|--json]\n"
    "\n"
    "Our orders, oldest first, with their fills (filled shares, average\n"
    "price, fees), lifecycle status and stage times.\n";

int pmc_cmd_history(int argc, char **argv)
{
    struct pmc_view_opts o;
    pmc_view_opts_init(&o);
    const struct pmc_opt opts[] = {
        DB_OPT(&o),
        PMC_OPT_FUNC("since", 0, "T",
                     "orders decided at or after T (ms since the epoch, or\n"
                     "YYYY-MM-DD[THH:MM[:SS]][Z], UTC)",
                     &o.filter.since, time_arg),
        PMC_OPT_FUNC("until", 0, "T", "orders decided before T",
                     &o.filter.until, time_arg),
        PMC_OPT_STRING("token", 0, "ID", "one outcome token", &o.filter.token),
        PMC_OPT_FUNC("trader", 0, "ADDR", "orders copying this source wallet",
                     &o, trader_arg),
        PMC_OPT_FUNC("status", 0, "S",
                     "open, submitted, acked, matched, confirmed, failed,\n"
                     "rejected or cancelled (open = not final yet)",
                     &o, status_arg),
        PMC_OPT_SET("csv", 0, "CSV with a header row (docs/store.md)", &o.fmt,
                    PMC_VIEW_CSV),
        JSON_OPT(&o, "JSON (docs/store.md)"),
        PMC_OPT_BOOL("stages", 0,
                     "instead of the orders: the time each stage of a copy\n"
                     "took (source -> received -> decided -> submitted ->\n"
                     "acked / filled), p50/p95/p99/max in ms",
                     &o.stages),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    int k =
        parse(argc, argv, "history", history_intro, opts, PMC_ARRAY_LEN(opts));
    if (k >= 0)
        return k;
    return pmc_view_history(&o) == 0 ? PMC_EXIT_OK : PMC_EXIT_FAIL;
}

/* ---- traders ------------------------------------------------------------- */

static const char traders_intro[] =
    "usage: pmcopy traders [--db FILE] [--now T] [--json] [configuration]\n"
    "\n"
    "Per source trader, two tables. From the store: orders, fills, copied\n"
    "notional (limit price x size x the trader's share of each order),\n"
    "filled cost, successes (orders that matched), failures (rejected or\n"
    "failed), and realised P&L attributed to each trader by its share of\n"
    "the buys of each token; today's counters are for the UTC day of T\n"
    "(default: the time of the journal's last record).\n"
    "Then accountability from the core, by re-running the store's journal\n"
    "through it (as a restart does, so these are the numbers GET /traders\n"
    "of the session gives): the label from the traders file, source fills\n"
    "seen, eligible and copied, tracking accuracy (copied / eligible), skips\n"
    "by reason, orders, orders filled and the fill rate (filled / orders),\n"
    "execution fills, source fills per order (orders saved by\n"
    "aggregation), realised and unrealised P&L of our copies and\n"
    "the source's own P&L on the same markets (docs/store.md). The\n"
    "configuration is DB-config.json, which `pmcopy live` writes beside the\n"
    "store, unless configuration options are given.\n";

int pmc_cmd_traders(int argc, char **argv)
{
    struct pmc_view_opts o;
    pmc_view_opts_init(&o);
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    const struct pmc_opt opts[] = {
        DB_OPT(&o),
        PMC_OPT_FUNC("now", 0, "T",
                     "ms since the epoch or YYYY-MM-DD[THH:MM[:SS]][Z]", &o,
                     now_arg),
        JSON_OPT(&o, "machine output (docs/store.md)"),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    static const char outro[] =
        "exit status: 0 ok, 1 cannot read the store, 2 usage\n";
    const struct pmc_opt_cmd c = {"traders", traders_intro,       outro, NULL,
                                  opts,      PMC_ARRAY_LEN(opts), &ca};
    int nargs;
    int r = pmc_opt_parse(&c, argc, argv, &nargs, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (nargs > 0) {
        fprintf(stderr, "pmcopy traders: unknown argument '%s' (see --help)\n",
                argv[1]);
        return PMC_EXIT_USAGE;
    }
    char saved[4096];
    int have_cfg = ca.config_file || ca.traders_file || ca.ntraders || ca.nsets;
    if (!have_cfg) {
        snprintf(saved, sizeof saved, "%s-config.json", o.db);
        if (access(saved, R_OK) == 0) {
            ca.config_file = saved;
            have_cfg = 1;
        }
    }
    void *mem = NULL;
    struct pmc_config *cfg = NULL;
    if (have_cfg) {
        cfg = malloc(sizeof *cfg);
        if (!cfg || pmc_tapecmd_config(&ca, cfg) < 0) {
            free(cfg);
            return PMC_EXIT_FAIL;
        }
        char err[600];
        if (pmc_traders_replay(o.db, cfg, &mem, &o.eng, err, sizeof err) < 0) {
            fprintf(stderr, "pmcopy traders: %s\n", err);
            free(cfg);
            return PMC_EXIT_FAIL;
        }
    } else {
        fprintf(stderr,
                "pmcopy traders: no %s and no configuration option: the "
                "core's accountability needs the session's traders\n",
                saved);
    }
    int rc = pmc_view_traders(&o);
    free(mem);
    free(cfg);
    return rc == 0 ? PMC_EXIT_OK : PMC_EXIT_FAIL;
}

/* ---- journal ------------------------------------------------------------- */

static const char journal_intro[] =
    "usage: pmcopy journal [--db FILE] [--append TAPE]\n"
    "\n"
    "Write the store's journal (every input the core saw and every action\n"
    "it produced, in order) as a tape on stdout; `pmcopy replay --db FILE`\n"
    "checks it against a fresh core.\n";

int pmc_cmd_journal(int argc, char **argv)
{
    struct pmc_view_opts o;
    const char *append = NULL;
    pmc_view_opts_init(&o);
    const struct pmc_opt opts[] = {
        DB_OPT(&o),
        PMC_OPT_STRING("append", 0, "TAPE",
                       "instead, append the records of TAPE ('-' = stdin) to\n"
                       "the journal, byte for byte (creates the store; the\n"
                       "first record may not be older than the journal's last)",
                       &append),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    int k =
        parse(argc, argv, "journal", journal_intro, opts, PMC_ARRAY_LEN(opts));
    if (k >= 0)
        return k;
    return (append ? pmc_view_journal_append(o.db, append)
                   : pmc_view_journal(o.db)) == 0
               ? PMC_EXIT_OK
               : PMC_EXIT_FAIL;
}
