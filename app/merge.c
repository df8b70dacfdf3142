/* app/merge.c - `pmcopy merge DIR`: the output of a sharded `pmcopy rank`
 * or `pmcopy optimize` run from its parts (research/rank/merge.c,
 * research/optimize/shard.c), as the unsharded run would have written it;
 * which kind DIR holds, its manifest says. Exit 0 ok, 1 the parts are
 * incomplete, inconsistent or unreadable (the message names the file), or
 * --strict not met, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "research/optimize/optimize.h"
#include "research/rank/shard.h"

static const char intro[] =
    "usage: pmcopy merge DIR [--json|--csv] [--top N] [--out REPORT]\n"
    "\n"
    "Combine the parts of a sharded run, whatever the number of shards:\n"
    "  pmcopy rank --shard I/N --out DIR: print the ranking exactly as the\n"
    "    unsharded run prints it;\n"
    "  pmcopy optimize --shard I/N --out DIR: write DIR's files (trials,\n"
    "    walk-forward, overfit.json, report.html, ...) byte for byte as the\n"
    "    unsharded run writes them, from DIR alone.\n"
    "Refuses parts of another run, a part without its done marker, a part\n"
    "that does not match its marker, results missing or in two parts\n"
    "(docs/shards.md).\n";

static const char outro[] =
    "exit status: 0 ok, 1 incomplete or inconsistent parts, 2 usage\n";

int pmc_cmd_merge(int argc, char **argv)
{
    int json = 0, csv = 0, strict = 0;
    const char *report = NULL;
    int64_t top = 0;
    const struct pmc_opt opts[] = {
        PMC_OPT_BOOL("json", 0, "a JSON array (as rank --json)", &json),
        PMC_OPT_BOOL("csv", 0, "CSV (as rank --csv)", &csv),
        PMC_OPT_INTEGER("top", 0, "N",
                        "the first N rated wallets (as rank --top)", &top, 0,
                        1000000000),
        PMC_OPT_STRING("out", 'o', "DIR",
                       "also a report folder: report.html, ranking.json,\n"
                       "ranking.csv (no wallet's own backtest report: run\n"
                       "rank --out on one machine for those)",
                       &report),
        PMC_OPT_BOOL("strict", 0,
                     "optimize: exit 1 when PBO > 0.5 or DSR < 0.95", &strict),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "merge", intro, outro, "options:", opts, PMC_ARRAY_LEN(opts), NULL};
    int nargs;
    int r = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (nargs != 1) {
        fprintf(stderr, "pmcopy merge: %s (see --help)\n",
                nargs ? "one folder only" : "which folder? pmcopy merge DIR");
        return PMC_EXIT_USAGE;
    }
    if (json && csv) {
        fprintf(stderr, "pmcopy merge: --json or --csv, not both\n");
        return PMC_EXIT_USAGE;
    }
    char err[1024];
    if (pmc_opt_is_sharded_run(argv[1])) {
        if (json || csv || top || report) {
            fprintf(stderr,
                    "pmcopy merge: %s is an optimize run: --json, "
                    "--csv, --top and --out are rank's\n",
                    argv[1]);
            return PMC_EXIT_USAGE;
        }
        struct pmc_opt_verdict v;
        enum pmc_objective obj;
        if (pmc_opt_merge(argv[1], pmc_version_string(), &v, &obj, err,
                          sizeof err) < 0) {
            fprintf(stderr, "pmcopy merge: %s\n", err);
            return PMC_EXIT_FAIL;
        }
        pmc_opt_print_verdict(stdout, obj, &v, argv[1]);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "pmcopy merge: stdout: write error\n");
            return PMC_EXIT_FAIL;
        }
        return strict && pmc_opt_strict(&v, "pmcopy merge", stderr)
                   ? PMC_EXIT_FAIL
                   : PMC_EXIT_OK;
    }
    if (strict) {
        fprintf(stderr, "pmcopy merge: --strict is for optimize runs\n");
        return PMC_EXIT_USAGE;
    }
    enum pmc_rank_fmt fmt =
        json ? PMC_RANK_JSON : (csv ? PMC_RANK_CSV : PMC_RANK_TABLE);
    enum pmc_err e = pmc_rank_merge(argv[1], stdout, fmt, (size_t)top, report,
                                    err, sizeof err);
    if (e == PMC_OK && fflush(stdout) != 0) {
        snprintf(err, sizeof err, "stdout: write error");
        e = PMC_EIO;
    }
    if (e != PMC_OK) {
        fprintf(stderr, "pmcopy merge: %s\n", err);
        return PMC_EXIT_FAIL;
    }
    if (report)
        fprintf(stderr, "report: %s/report.html\n", report);
    return PMC_EXIT_OK;
}
