/* app/main.c - the `pmcopy` dispatcher: git-style subcommands. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct cmd cmds[] = {
    {"decide", pmc_cmd_decide,
     "run the decision core on a tape (stdin -> stdout)"},
    {"replay", pmc_cmd_replay,
     "re-run a recorded tape and compare the actions"},
    {"backtest", pmc_cmd_backtest,
     "simulate copying on a tape; summary + report"},
    {"synth", pmc_cmd_synth, "generate the synthetic fixture tape"},
    {"rank", pmc_cmd_rank,
     "rank wallets by what copying them earns at your latency"},
    {"merge", pmc_cmd_merge, "combine the parts of a sharded rank run"},
    {"optimize", pmc_cmd_optimize,
     "search parameters with walk-forward and overfitting statistics"},
    {"order", pmc_cmd_order,
     "order sign: build and sign one CLOB order (JSON in, POST body out)"},
    {"live", pmc_cmd_live,
     "watch source wallets and copy them (paper by default)"},
    {"import", pmc_cmd_import,
     "convert Polymarket JSON (activity, book, ...) to a tape"},
    {"fetch", pmc_cmd_fetch,
     "fetch a wallet's history, markets, prints into a cache or a tape"},
    {"positions", pmc_cmd_positions,
     "positions with realised/unrealised P&L from the store"},
    {"history", pmc_cmd_history,
     "order/trade history from the store (filters, CSV/JSON)"},
    {"traders", pmc_cmd_traders, "per-trader comparison from the store"},
    {"journal", pmc_cmd_journal,
     "write the store's journal as a tape on stdout"},
    {"version", pmc_cmd_version,
     "version, git commit and build flags (also --version)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pmcopy <command> [options]   (pmcopy <command> --help)\n"
               "       pmcopy --version\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PMC_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return PMC_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        char *v[] = {"version", NULL};
        return pmc_cmd_version(1, v);
    }
    /* once per process, before any thread: live/ never calls it */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "pmcopy: libcurl failed to start\n");
        return PMC_EXIT_FAIL;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    const char *best = NULL;
    int bestd = 3; /* suggest only a near miss */
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        int d = pmc_opt_distance(argv[1], cmds[i].name);
        if (d < bestd) {
            bestd = d;
            best = cmds[i].name;
        }
    }
    if (best)
        fprintf(stderr, "pmcopy: unknown command '%s' (did you mean '%s'?)\n",
                argv[1], best);
    else
        fprintf(stderr, "pmcopy: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return PMC_EXIT_USAGE;
}
