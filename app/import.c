/* app/import.c - `pmcopy import KIND FILE...`: the flags; the conversion
 * of Polymarket's JSON to a tape is proto/wire/import.h. Exit codes: 0 ok,
 * 1 bad input or write error, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/import.h"

static const char intro[] =
    "usage: pmcopy import KIND [options] FILE...\n"
    "\n"
    "Convert Polymarket's native JSON into a tape on stdout (first line\n"
    "#pmcopy-tape v1, records sorted by t). FILE may be gzip-compressed and\n"
    "'-' reads stdin. Files named *.jsonl[.gz] hold one JSON document per "
    "line.\n"
    "\n"
    "kinds:\n"
    "  activity  data-api /activity rows (legacy array or v2 {data} "
    "envelope)\n"
    "  trades    data-api /trades rows (same decoder)\n"
    "  prices    CLOB /prices-history {\"history\":[{t,p}]}\n"
    "  markets   Gamma market objects, arrays of them or events\n"
    "  book      CLOB market-channel frames or recorded top-of-book rows,\n"
    "            one per line\n"
    "  logs      Polygon OrderFilled logs (eth_subscription notifications,\n"
    "            log arrays, eth_getLogs responses)\n";

static const char outro[] =
    "Errors are reported as FILE:ROW: reason (exit 1); bad usage exits 2.\n"
    "See docs/import.md for the mapping of every field.\n";

int pmc_cmd_import(int argc, char **argv)
{
    struct pmc_import_opts im;
    pmc_import_defaults(&im);
    const char *wallet_arg = NULL, *fee_rate = NULL;
    int64_t fee_exp = im.fee_exp;
    struct pmc_sym wallet;
    const struct pmc_opt opts[] = {
        PMC_OPT_BOOL("lines", 0,
                     "one JSON document per line whatever the file name",
                     &im.lines),
        PMC_OPT_BOOL("depth", 0, "book: also write ev=book depth records",
                     &im.depth),
        PMC_OPT_STRING("token", 0, "ID",
                       "prices: the token the history is for (default: the\n"
                       "document's \"market\", else a file name of digits)",
                       &im.token),
        PMC_OPT_STRING("wallet", 0, "0x...",
                       "logs: keep only fills of this wallet's orders",
                       &wallet_arg),
        PMC_OPT_STRING("fee-rate", 0, "R",
                       "fee rate for up/down crypto markets whose fees the\n"
                       "input does not state (default 0.25)",
                       &fee_rate),
        PMC_OPT_INTEGER("fee-exp", 0, "E",
                        "fee exponent for those markets (default 2)", &fee_exp,
                        0, 8),
        PMC_OPT_BOOL("no-meta", 0, "do not synthesise ev=market records",
                     &im.no_meta),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "import", intro, outro, "options:", opts, PMC_ARRAY_LEN(opts), NULL};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    im.fee_exp = (int)fee_exp;
    if (wallet_arg) {
        if (pmc_addr_norm(wallet_arg, strlen(wallet_arg), &wallet) != PMC_OK) {
            fprintf(stderr,
                    "pmcopy import: --wallet %s: expected 40 hex digits\n",
                    wallet_arg);
            goto usage_out;
        }
        im.wallet = &wallet;
    }
    if (fee_rate &&
        (pmc_dec_parse(fee_rate, strlen(fee_rate), &im.fee_rate) != PMC_OK ||
         im.fee_rate < 0 || im.fee_rate > PMC_MICRO)) {
        fprintf(stderr,
                "pmcopy import: --fee-rate %s: expected a decimal in [0,1]\n",
                fee_rate);
        goto usage_out;
    }
    if (nargs < 2) {
        fprintf(stderr, "pmcopy import: %s\n",
                nargs ? "no input FILE" : "no KIND given");
        goto usage_out;
    }
    if (!pmc_import_kind_parse(argv[1], &im.kind)) {
        fprintf(stderr, "pmcopy import: unknown kind '%s'\n", argv[1]);
        goto usage_out;
    }
    if (pmc_import_run(&im, (const char *const *)argv + 2, (size_t)nargs - 1,
                       stdout) != 0)
        return PMC_EXIT_FAIL;
    return PMC_EXIT_OK;
usage_out:
    fprintf(stderr, "run 'pmcopy import --help' for usage\n");
    return PMC_EXIT_USAGE;
}
