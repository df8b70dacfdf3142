/* app/synth.c - `pmcopy synth`: write the synthetic fixture tape
 * (sim/synth.h). Same seed => same bytes. Exit 0 ok, 1 write failure,
 * 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "sim/synth.h"
#include "sim/synth_pop.h"

static const char intro[] =
    "usage: pmcopy synth [options]\n"
    "\n"
    "Generate a synthetic tape: 12 hours (default) of BTC 15-minute and "
    "5-minute up/down\n"
    "markets priced off one random walk, with quotes, market records,\n"
    "resolutions and three source traders (a two-sided market maker "
    "0x1111...,\n"
    "a momentum taker 0x2222..., a late-window buyer 0x3333...).\n"
    "Deterministic: the same seed gives the same bytes. The bundled\n"
    "fixtures/default.tape is `pmcopy synth --out fixtures/default.tape`.\n"
    "\n"
    "With --population N it writes instead the ground truth of `pmcopy rank`:\n"
    "--days days of binary markets moved by news and N wallets of known\n"
    "kinds (copyable informed, fast informed, makers, noise, one big win;\n"
    "the kind is in the address prefix: c0, fa, a0, d0, b1; docs/rank.md).\n";

static const char outro[] = "exit status: 0 ok, 1 write failure, 2 usage\n";

static int start_arg(const struct pmc_opt *o, const char *v, char *err,
                     size_t cap)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || !*v || x < 0 || x > 9000000000LL) {
        snprintf(err, cap, "--%s %s: an integer in [0, 9000000000]", o->name,
                 v);
        return -1;
    }
    if (x % 900) {
        snprintf(err, cap, "--start must be a multiple of 900");
        return -1;
    }
    *(pmc_ms *)o->target = x * 1000;
    return 0;
}

int pmc_cmd_synth(int argc, char **argv)
{
    struct pmc_synth_opts o;
    pmc_synth_defaults(&o);
    const char *out = NULL;
    int64_t seed = (int64_t)o.seed, pop = 0, days = 30, per_day = 5;
    int seed_set = 0;
    const struct pmc_opt opts[] = {
        PMC_OPT_INTEGER("seed", 0, "N", "random seed (default 42)", &seed, 0,
                        INT64_MAX),
        PMC_OPT_INTEGER("hours", 0, "N",
                        "hours of markets (default 12, 1..744)", &o.hours, 1,
                        744),
        PMC_OPT_FUNC("start", 0, "SEC",
                     "first market start, Unix seconds, multiple of 900\n"
                     "(default 1771286400 = 2026-02-17 00:00 UTC)",
                     &o.start, start_arg),
        PMC_OPT_STRING("out", 'o', "FILE", "write there instead of stdout",
                       &out),
        PMC_OPT_INTEGER("population", 0, "N",
                        "the rank ground truth with N wallets (1..100000)",
                        &pop, 1, 100000),
        PMC_OPT_INTEGER("days", 0, "N",
                        "with --population: days of markets (default 30)",
                        &days, 2, 400),
        PMC_OPT_INTEGER("trades-per-day", 0, "N",
                        "with --population: trades per wallet and day "
                        "(default 5)",
                        &per_day, 1, 100),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "synth", intro, outro, "options:", opts, PMC_ARRAY_LEN(opts), NULL};
    int nargs;
    int r = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (nargs > 0) {
        fprintf(stderr, "pmcopy synth: unknown argument '%s' (see --help)\n",
                argv[1]);
        return PMC_EXIT_USAGE;
    }
    o.seed = (uint64_t)seed;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--seed", 6))
            seed_set = 1;
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "pmcopy synth: %s: %s\n", out, strerror(errno));
        return PMC_EXIT_FAIL;
    }
    uint64_t n = 0;
    enum pmc_err e;
    if (pop) {
        struct pmc_pop_opts po;
        pmc_pop_defaults(&po);
        if (seed_set)
            po.seed = (uint64_t)seed;
        po.wallets = (uint32_t)pop;
        po.days = days;
        po.trades_day = (uint32_t)per_day;
        o.seed = po.seed;
        e = pmc_pop_write(f, &po, &n);
    } else {
        e = pmc_synth_write(f, &o, &n);
    }
    int closed = out ? fclose(f) : fflush(f);
    if (e != PMC_OK || closed) {
        fprintf(stderr, "pmcopy synth: %s: write error\n",
                out ? out : "stdout");
        return PMC_EXIT_FAIL;
    }
    if (out)
        fprintf(stderr,
                "pmcopy synth: %" PRIu64 " records -> %s (seed %" PRIu64 ")\n",
                n, out, o.seed);
    return PMC_EXIT_OK;
}
