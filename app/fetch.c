/* app/fetch.c - `pmcopy fetch SUBCOMMAND`: the flags; what is fetched and
 * how is research/fetch/fetch.h. Exit codes: 0 ok, 1 failure (a request
 * that kept failing, an overflow, a page missing with --offline), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "app/fetchargs.h"

static const char intro[] =
    "usage: pmcopy fetch wallet ADDR... [--since T] [--until T] [--out FILE]\n"
    "       pmcopy fetch markets (--condition ID... | --token ID...)\n"
    "       pmcopy fetch prints --condition ID... [--since T] [--until T]\n"
    "       pmcopy fetch prices TOKEN... [--since T] [--until T]\n"
    "       pmcopy fetch leaderboard [--category C] [--period P]\n"
    "                                [--order-by pnl|vol] [--limit N]\n"
    "       pmcopy fetch tape ADDR... --since T --until T --out FILE\n"
    "\n"
    "Fetch Polymarket history into a local cache of raw answers (pmcopy\n"
    "import reads those files), and with `tape` write one tape that\n"
    "pmcopy backtest reads: the wallets' fills, their markets (tick, fees,\n"
    "end, question, slug), every trade print of those markets and the\n"
    "resolutions. Windows that ended more than an hour ago are sealed: a\n"
    "second run reads them from the cache without a request.\n"
    "Times T: ISO-8601 (2026-01-02, 2026-01-02T03:04:05Z) or epoch seconds.\n";

static const char outro[] =
    "Exit status: 0 ok; 1 a request kept failing, a window overflowed the\n"
    "offset cap (never truncated silently), or --offline missed a page\n"
    "(named); 2 bad usage. See docs/fetch.md.\n";

#define MAX_IDS 100000

struct idlist {
    const char **v;
    size_t n, cap;
};

static int list_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    struct idlist *l = opt->target;
    if (l->n >= MAX_IDS) {
        snprintf(err, cap, "--%s: more than %d values", opt->name, MAX_IDS);
        return -1;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        const char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) {
            snprintf(err, cap, "--%s: out of memory", opt->name);
            return -1;
        }
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = v;
    return 0;
}

static int rate_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    static const char *const fams[] = {"data", "gamma", "clob"};
    int64_t *limits = opt->target;
    const char *eq = strchr(v, '=');
    for (int f = 0; eq && f < 3; f++)
        if ((size_t)(eq - v) == strlen(fams[f]) &&
            !strncmp(v, fams[f], (size_t)(eq - v))) {
            char *end;
            long long n = strtoll(eq + 1, &end, 10);
            if (*end || n < 2 || n > 10000000)
                break;
            limits[f] = n;
            return 0;
        }
    snprintf(err, cap,
             "--rate %s: expected FAMILY=N, FAMILY data, gamma or clob, N the "
             "documented requests per 10 s (2..10000000)",
             v);
    return -1;
}

int pmc_cmd_fetch(int argc, char **argv)
{
    struct pmc_fetch_opts o;
    pmc_fetchargs_defaults(&o);
    struct idlist conds = {0}, toks = {0};
    int64_t jobs = o.jobs, limit = o.lb_limit, retries = o.max_retries;
    int64_t seed = (int64_t)o.seed, page = o.page_limit, cap = o.offset_cap;
    int64_t max_rows = (int64_t)o.max_rows;
    const struct pmc_opt opts[] = {
        PMC_OPT_HEAD("common:"),
        PMC_OPT_STRING("cache", 0, "DIR",
                       "cache folder (default $PMC_CACHE, else\n"
                       "$XDG_CACHE_HOME/pmcopy, else ~/.cache/pmcopy)",
                       &o.cache_dir),
        PMC_OPT_BOOL("offline", 0,
                     "use the cache only; exit 1 naming the first missing "
                     "page",
                     &o.offline),
        PMC_OPT_STRING("data-api", 0, "URL",
                       "data API root (env PMC_DATA_API_URL; default\n"
                       "https://data-api.polymarket.com)",
                       &o.data_api),
        PMC_OPT_STRING("gamma-url", 0, "URL",
                       "Gamma API root (env PMC_GAMMA_URL; default\n"
                       "https://gamma-api.polymarket.com)",
                       &o.gamma_url),
        PMC_OPT_STRING("clob-url", 0, "URL",
                       "CLOB REST root (env PMC_CLOB_URL; default\n"
                       "https://clob.polymarket.com)",
                       &o.clob_url),
        PMC_OPT_INTEGER("jobs", 'j', "N", "requests in flight (default 4)",
                        &jobs, 1, 64),
        PMC_OPT_FUNC("progress", 0, "MODE",
                     "auto (a bar on a terminal, else nothing), bar, json\n"
                     "(one JSON object per line on stderr), none",
                     &o.progress, pmc_fetchargs_progress),
        PMC_OPT_FUNC("since", 0, "T", "from this time (inclusive)", &o.since,
                     pmc_fetchargs_time),
        PMC_OPT_FUNC("until", 0, "T", "up to this time (inclusive)", &o.until,
                     pmc_fetchargs_time),
        PMC_OPT_STRING("out", 'o', "FILE",
                       "write the tape here (tape: required; wallet,\n"
                       "markets, prints: optional)",
                       &o.out),
        PMC_OPT_HEAD("markets, prints:"),
        PMC_OPT_FUNC("condition", 0, "ID",
                     "a market's condition id "
                     "(repeatable)",
                     &conds, list_arg),
        PMC_OPT_FUNC("token", 0, "ID", "markets: a token id (repeatable)",
                     &toks, list_arg),
        PMC_OPT_BOOL("from-cache", 0,
                     "markets: the markets of the activity in the cache",
                     &o.from_cache),
        PMC_OPT_HEAD("leaderboard:"),
        PMC_OPT_STRING("category", 0, "C",
                       "OVERALL, POLITICS, SPORTS, CRYPTO, ... (default: "
                       "every one)",
                       &o.category),
        PMC_OPT_STRING("period", 0, "P",
                       "DAY, WEEK, MONTH, ALL (default: every one)", &o.period),
        PMC_OPT_STRING("order-by", 0, "pnl|vol", "default: both", &o.order_by),
        PMC_OPT_INTEGER("limit", 0, "N", "rows per board (1..1050, default 50)",
                        &limit, 1, 1050),
        PMC_OPT_HEAD("requests:"),
        PMC_OPT_FUNC("rate", 0, "FAMILY=N",
                     "documented limit per 10 s of data, gamma or clob\n"
                     "(defaults 1000, 300, 1000); fetch uses half",
                     o.limits, rate_arg),
        PMC_OPT_INTEGER("retries", 0, "N", "retries of a request (default 6)",
                        &retries, 0, 20),
        PMC_OPT_INTEGER("seed", 0, "N", "seed of the retry jitter", &seed, 1,
                        INT64_MAX),
        PMC_OPT_INTEGER("page-limit", 0, "N",
                        "rows per /activity and /trades page (default 500)",
                        &page, 1, 500),
        PMC_OPT_INTEGER("offset-cap", 0, "N",
                        "the servers' highest offset (default 10000)", &cap, 0,
                        1000000),
        PMC_OPT_INTEGER("max-rows", 0, "N",
                        "rows served in one run before it fails\n"
                        "(default 10000000; bounds memory)",
                        &max_rows, 1, INT64_MAX),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "fetch", intro, outro, NULL, opts, PMC_ARRAY_LEN(opts), NULL};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK) {
        free(conds.v);
        free(toks.v);
        return pmc_opt_exit(pr);
    }
    int rc = PMC_EXIT_USAGE;
    char def[4096];
    if (nargs < 1) {
        fprintf(stderr, "pmcopy fetch: no subcommand (wallet, markets, "
                        "prints, prices, leaderboard, tape)\n");
        goto usage_out;
    }
    if (pmc_fetchargs_cache(&o, "fetch", def, sizeof def) != 0)
        goto usage_out;
    o.jobs = (int)jobs;
    o.lb_limit = (int)limit;
    o.max_retries = (int)retries;
    o.seed = (uint64_t)seed;
    o.page_limit = (int)page;
    o.offset_cap = (int)cap;
    o.max_rows = (uint64_t)max_rows;
    o.conditions = conds.v;
    o.nconditions = conds.n;
    o.tokens = toks.v;
    o.ntokens = toks.n;
    rc = pmc_fetch_run(argv[1], &o, (const char *const *)argv + 2,
                       (size_t)nargs - 1);
    if (rc == PMC_EXIT_USAGE)
        goto usage_out;
    free(conds.v);
    free(toks.v);
    return rc;
usage_out:
    free(conds.v);
    free(toks.v);
    fprintf(stderr, "run 'pmcopy fetch --help' for usage\n");
    return PMC_EXIT_USAGE;
}
