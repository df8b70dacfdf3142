/* app/synth.c - `pmcopy synth`: write the synthetic fixture tape
 * (sim/synth.h). Same seed => same bytes. Exit 0 ok, 1 write failure,
 * 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "sim/synth.h"

static const char usage[] =
    "usage: pmcopy synth [options]\n"
    "\n"
    "Generate a synthetic tape: 12 hours (default) of BTC 15-minute and 5-minute up/down\n"
    "markets priced off one random walk, with quotes, market records,\n"
    "resolutions and three source traders (a two-sided market maker "
    "0x1111...,\n"
    "a momentum taker 0x2222..., a late-window buyer 0x3333...).\n"
    "Deterministic: the same seed gives the same bytes. The bundled\n"
    "fixtures/default.tape is `pmcopy synth --out fixtures/default.tape`.\n"
    "\n"
    "options:\n"
    "  --seed N      random seed (default 42)\n"
    "  --hours N     hours of markets (default 12, 1..744)\n"
    "  --start SEC   first market start, Unix seconds, multiple of 900\n"
    "                (default 1771286400 = 2026-02-17 00:00 UTC)\n"
    "  --out FILE    write there instead of stdout\n"
    "  -h, --help    this text\n"
    "\n"
    "exit status: 0 ok, 1 write failure, 2 usage\n";

static int num(const char *flag, const char *v, int64_t lo, int64_t hi,
               int64_t *out)
{
    char *end;
    errno = 0;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || errno || *end || !*v || x < lo || x > hi) {
        fprintf(stderr,
                "pmcopy synth: %s %s: an integer in [%" PRId64 ", %" PRId64
                "]\n",
                flag, v ? v : "(missing)", lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int pmc_cmd_synth(int argc, char **argv)
{
    struct pmc_synth_opts o;
    pmc_synth_defaults(&o);
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t x;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            return PMC_EXIT_OK;
        } else if (!strcmp(s, "--seed")) {
            if (num(s, v, 0, INT64_MAX, &x))
                return PMC_EXIT_USAGE;
            o.seed = (uint64_t)x;
            i++;
        } else if (!strcmp(s, "--hours")) {
            if (num(s, v, 1, 744, &x))
                return PMC_EXIT_USAGE;
            o.hours = x;
            i++;
        } else if (!strcmp(s, "--start")) {
            if (num(s, v, 0, 9000000000LL, &x) || x % 900) {
                if (x % 900)
                    fprintf(stderr, "pmcopy synth: --start must be a "
                                    "multiple of 900\n");
                return PMC_EXIT_USAGE;
            }
            o.start = x * 1000;
            i++;
        } else if (!strcmp(s, "--out")) {
            if (!v) {
                fprintf(stderr, "pmcopy synth: --out needs a file\n");
                return PMC_EXIT_USAGE;
            }
            out = v;
            i++;
        } else {
            fprintf(stderr,
                    "pmcopy synth: unknown argument '%s' (see "
                    "--help)\n",
                    s);
            return PMC_EXIT_USAGE;
        }
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "pmcopy synth: %s: %s\n", out, strerror(errno));
        return PMC_EXIT_FAIL;
    }
    uint64_t n = 0;
    enum pmc_err e = pmc_synth_write(f, &o, &n);
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
