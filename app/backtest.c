/* app/backtest.c - `pmcopy backtest`: replay a tape through the core and
 * the simulated venue, print the summary, write the report folder.
 *
 * Decides only the command line: which tape, which configuration, which
 * simulator knobs and where the report goes. Exit codes: 0 ok, 1 runtime
 * failure (unreadable or malformed tape, failed checks, write errors),
 * 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "proto/config_load.h"
#include "proto/tapeio.h"
#include "core/dec.h"
#include "sim/report.h"
#include "sim/sim.h"

static const char usage[] =
    "usage: pmcopy backtest [options] [TAPE]\n"
    "\n"
    "Replay a tape of source fills, prices and market metadata through the\n"
    "decision core and a simulated venue (latency, book walk, fees,\n"
    "resolutions); print a summary and write a report folder (CSV, JSON,\n"
    "gnuplot charts, report.html). Without a tape it runs the bundled\n"
    "fixture fixtures/default.tape. With no trader configured, every wallet\n"
    "on the tape is copied.\n"
    "\n"
    "input and output:\n"
    "  --tape FILE            the tape (or give it as the only argument)\n"
    "  --out DIR              report folder (default reports/out/NAME)\n"
    "  --name NAME            run name (default: the tape's file name)\n"
    "  --json                 print summary.json on stdout instead of the "
    "table\n"
    "  --no-report            no report folder (summary only)\n"
    "  --journal FILE         write every record the core saw and every "
    "action\n"
    "                         as a tape (`pmcopy replay FILE` checks it)\n"
    "simulator:\n"
    "  --seed N               random seed (default 20260217); printed in the "
    "report\n"
    "  --latency MS           detection latency for every source kind\n"
    "  --latency-chain MS     on-chain fills (default 3000)\n"
    "  --latency-rtds MS      realtime socket fills (default 400)\n"
    "  --latency-api MS       data-api fills (default 22000)\n"
    "  --latency-none MS      fills without src= (default 3000, as chain)\n"
    "  --latency-samples FILE empirical: draw from these samples (ms, one a "
    "line)\n"
    "  --latency-recorded     the core sees each fill at the tape's own t\n"
    "  --latency-submit MS    our order: submit -> venue (default 100)\n"
    "  --latency-report MS    venue -> our core sees the report (default 50)\n"
    "  --latency-jitter MS    mean of an exponential added to submit "
    "(default 20)\n"
    "                         (MS may be decimal, or seconds with an s "
    "suffix: 0.4s)\n"
    "  --half-spread P        no-book fill model: last trade +- P (default "
    "0.005)\n"
    "  --capital USD          starting cash (default 1000)\n"
    "configuration (defaults < --config FILE < environment < flags):\n"
    "  --config FILE, --trader ADDR[:R], --traders FILE, --set KEY=VALUE,\n"
    "  --KEY VALUE            see `pmcopy decide --help-config`\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 ok, 1 runtime failure, 2 usage\n";

static int parse_ms(const char *flag, const char *v, pmc_ms *out)
{
    size_t n = strlen(v);
    int secs = n > 1 && v[n - 1] == 's' && !(n > 2 && v[n - 2] == 'm');
    if (n > 2 && v[n - 1] == 's' && v[n - 2] == 'm')
        n -= 2;
    else if (secs)
        n -= 1;
    pmc_micros x;
    if (pmc_dec_parse(v, n, &x) != PMC_OK || x < 0 ||
        x > (pmc_micros)86400000 * PMC_MICRO) {
        fprintf(stderr,
                "pmcopy backtest: %s %s: milliseconds >= 0 (or "
                "seconds with an s suffix)\n",
                flag, v);
        return -1;
    }
    if (secs)
        x *= 1000;
    *out = (x + PMC_MICRO / 2) / PMC_MICRO;
    return 0;
}

static int parse_dec(const char *flag, const char *v, pmc_micros lo,
                     pmc_micros hi, pmc_micros *out)
{
    if (pmc_dec_parse(v, strlen(v), out) != PMC_OK || *out < lo || *out > hi) {
        char a[32], b[32];
        pmc_dec_format(lo, a);
        pmc_dec_format(hi, b);
        fprintf(stderr, "pmcopy backtest: %s %s: a decimal in [%s, %s]\n", flag,
                v, a, b);
        return -1;
    }
    return 0;
}

/* Follow every wallet on the tape: one pass over it collecting the fills'
 * traders in order of first appearance. */
static int collect_traders(const char *path, struct pmc_config *c)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    struct pmc_tape_reader rd;
    if (pmc_tape_reader_init(&rd, f, path) != PMC_OK) {
        fclose(f);
        return -1;
    }
    struct pmc_record rec;
    int k, rc = 0;
    while ((k = pmc_tape_next(&rd, &rec)) == 1) {
        if (rec.kind != PMC_K_FILL ||
            pmc_config_find_trader(c, &rec.u.fill.trader) >= 0)
            continue;
        if (c->ntraders == PMC_MAX_TRADERS) {
            /* no silent cap: the rest would be skipped as unknown */
            fprintf(stderr,
                    "pmcopy backtest: %s:%" PRIu64 ": wallet %s is the %d-th "
                    "on the tape, and with no trader configured backtest "
                    "follows at most %d (PMC_MAX_TRADERS); name the wallets "
                    "to copy with --trader or --traders\n",
                    path, rd.line, rec.u.fill.trader.s, PMC_MAX_TRADERS + 1,
                    PMC_MAX_TRADERS);
            rc = -2;
            break;
        }
        if (pmc_config_add_trader(c, rec.u.fill.trader.s, rec.u.fill.trader.n,
                                  "", -1, 0, 1) != PMC_OK) {
            rc = -1;
            break;
        }
    }
    if (k < 0) {
        fprintf(stderr, "pmcopy backtest: %s\n", rd.err);
        rc = -2;
    }
    pmc_tape_reader_fini(&rd);
    fclose(f);
    return rc;
}

static void lat_desc(const struct pmc_sim_opts *o, char *b, size_t cap)
{
    if (o->lat_mode == PMC_LAT_RECORDED)
        snprintf(b, cap, "recorded receive time (tape t)");
    else if (o->lat_mode == PMC_LAT_EMPIRICAL)
        snprintf(b, cap, "empirical, %zu samples", o->lat_nsamples);
    else
        snprintf(b, cap,
                 "detection rtds %" PRId64 " ms, chain %" PRId64
                 " ms, api %" PRId64 " ms, no src %" PRId64 " ms",
                 o->lat_src[PMC_SRC_RTDS], o->lat_src[PMC_SRC_CHAIN],
                 o->lat_src[PMC_SRC_API], o->lat_src[PMC_SRC_NONE]);
    size_t n = strlen(b);
    snprintf(b + n, cap - n,
             "; order submit %" PRId64 " ms + exp(%" PRId64
             " ms) jitter, report %" PRId64 " ms",
             o->lat_submit, o->lat_jitter, o->lat_report);
}

int pmc_cmd_backtest(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_sim_opts o;
    pmc_sim_opts_defaults(&o);
    const char *tape = NULL, *out = NULL, *name = NULL, *samples = NULL;
    const char *journal = NULL;
    int json = 0, no_report = 0;
    for (int i = 1; i < argc;) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char err[256];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            return PMC_EXIT_OK;
        }
        if (!strcmp(s, "--json")) {
            json = 1;
            i++;
            continue;
        }
        if (!strcmp(s, "--no-report")) {
            no_report = 1;
            i++;
            continue;
        }
        if (!strcmp(s, "--journal")) {
            if (!v) {
                fprintf(stderr, "pmcopy backtest: %s needs a value\n", s);
                return PMC_EXIT_USAGE;
            }
            journal = v;
            i += 2;
            continue;
        }
        if (!strcmp(s, "--latency-recorded")) {
            o.lat_mode = PMC_LAT_RECORDED;
            i++;
            continue;
        }
        static const char *const valued[] = {
            "--tape",           "--out",
            "--name",           "--seed",
            "--latency",        "--latency-chain",
            "--latency-rtds",   "--latency-api",
            "--latency-none",   "--latency-samples",
            "--latency-submit", "--latency-report",
            "--latency-jitter", "--half-spread",
            "--capital"};
        int which = -1;
        for (size_t k = 0; k < PMC_ARRAY_LEN(valued); k++)
            if (!strcmp(s, valued[k]))
                which = (int)k;
        if (which >= 0) {
            if (!v) {
                fprintf(stderr, "pmcopy backtest: %s needs a value\n", s);
                return PMC_EXIT_USAGE;
            }
            int bad = 0;
            pmc_ms ms = 0;
            switch (which) {
            case 0:
                tape = v;
                break;
            case 1:
                out = v;
                break;
            case 2:
                name = v;
                break;
            case 3: {
                char *end;
                errno = 0;
                unsigned long long x = strtoull(v, &end, 10);
                if (errno || *end || !*v || v[0] == '-') {
                    fprintf(stderr,
                            "pmcopy backtest: --seed %s: an "
                            "unsigned integer\n",
                            v);
                    bad = 1;
                }
                o.seed = x;
                break;
            }
            case 4:
                bad = parse_ms(s, v, &ms);
                for (int k = 0; k < 4; k++)
                    o.lat_src[k] = ms;
                break;
            case 5:
                bad = parse_ms(s, v, &o.lat_src[PMC_SRC_CHAIN]);
                break;
            case 6:
                bad = parse_ms(s, v, &o.lat_src[PMC_SRC_RTDS]);
                break;
            case 7:
                bad = parse_ms(s, v, &o.lat_src[PMC_SRC_API]);
                break;
            case 8:
                bad = parse_ms(s, v, &o.lat_src[PMC_SRC_NONE]);
                break;
            case 9:
                samples = v;
                o.lat_mode = PMC_LAT_EMPIRICAL;
                break;
            case 10:
                bad = parse_ms(s, v, &o.lat_submit);
                break;
            case 11:
                bad = parse_ms(s, v, &o.lat_report);
                break;
            case 12:
                bad = parse_ms(s, v, &o.lat_jitter);
                break;
            case 13:
                bad = parse_dec(s, v, 0, PMC_MICRO / 2, &o.half_spread);
                break;
            case 14:
                bad = parse_dec(s, v, 0, (pmc_micros)1000000000 * PMC_MICRO,
                                &o.capital);
                break;
            }
            if (bad)
                return PMC_EXIT_USAGE;
            i += 2;
            continue;
        }
        int k = pmc_config_take_flag(&ca, argc, argv, &i, err, sizeof err);
        if (k < 0) {
            fprintf(stderr, "pmcopy backtest: %s\n", err);
            return PMC_EXIT_USAGE;
        }
        if (k > 0)
            continue;
        if (s[0] == '-' && s[1]) {
            fprintf(stderr,
                    "pmcopy backtest: unknown option '%s' (see "
                    "--help)\n",
                    s);
            return PMC_EXIT_USAGE;
        }
        if (tape) {
            fprintf(stderr,
                    "pmcopy backtest: more than one tape ('%s', "
                    "'%s')\n",
                    tape, s);
            return PMC_EXIT_USAGE;
        }
        tape = s;
        i++;
    }

    char deftape[4096];
    if (!tape) {
        if (!pmc_find_shared("fixtures/default.tape", deftape,
                             sizeof deftape)) {
            fprintf(stderr, "pmcopy backtest: the default fixture "
                            "fixtures/default.tape was not found next to the "
                            "binary or in the current directory (regenerate "
                            "it with `pmcopy synth --out "
                            "fixtures/default.tape`, or pass a tape)\n");
            return PMC_EXIT_FAIL;
        }
        tape = deftape;
    }

    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "pmcopy backtest: out of memory\n");
        return PMC_EXIT_FAIL;
    }
    char err[600];
    if (pmc_config_build(cfg, &ca, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    int rc = PMC_EXIT_FAIL;
    pmc_ms *lat = NULL;
    FILE *in = NULL;
    struct pmc_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        goto done;
    if (!cfg->ntraders) {
        int c = collect_traders(tape, cfg);
        if (c == -1) {
            fprintf(stderr, "pmcopy backtest: %s: %s\n", tape,
                    errno ? strerror(errno) : "cannot read");
            goto done;
        }
        if (c < 0)
            goto done;
    }
    if (samples) {
        size_t n;
        if (pmc_sim_load_samples(samples, &lat, &n, err, sizeof err) !=
            PMC_OK) {
            fprintf(stderr, "pmcopy backtest: %s\n", err);
            goto done;
        }
        o.lat_samples = lat;
        o.lat_nsamples = n;
    }
    in = fopen(tape, "r");
    if (!in) {
        fprintf(stderr, "pmcopy backtest: %s: %s\n", tape, strerror(errno));
        goto done;
    }
    char namebuf[256], outbuf[4096];
    if (!name) {
        const char *b = strrchr(tape, '/');
        b = b ? b + 1 : tape;
        snprintf(namebuf, sizeof namebuf, "%.200s", b);
        char *dot = strrchr(namebuf, '.');
        if (dot && dot != namebuf)
            *dot = '\0';
        name = namebuf;
    }
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "reports/out/%s", name);
        out = outbuf;
    }
    if (!no_report && pmc_report_open(out, &o, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (journal) {
        if (!(o.journal = fopen(journal, "w"))) {
            fprintf(stderr, "pmcopy backtest: %s: %s\n", journal,
                    strerror(errno));
            goto done;
        }
        fputs(PMC_TAPE_HEADER "\n", o.journal);
    }
    if (pmc_sim_init(sim, cfg, &o) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", sim->err);
        goto done;
    }
    if (pmc_sim_run(sim, in, tape) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", sim->err);
        goto done;
    }
    if (o.journal) {
        int werr = fclose(o.journal) != 0;
        o.journal = NULL;
        if (werr) {
            fprintf(stderr, "pmcopy backtest: %s: write error\n", journal);
            goto done;
        }
    }
    char ld[512];
    lat_desc(&o, ld, sizeof ld);
    struct pmc_report_info info = {name, tape, ld, ca.config_file};
    if (!no_report &&
        pmc_report_write(out, sim, &info, &o, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (json)
        pmc_report_json(stdout, sim, &info);
    else
        pmc_report_text(stdout, sim, &info);
    if (!no_report)
        fprintf(json ? stderr : stdout, "report: %s/report.html\n", out);
    rc = sim->r.identity_ok && sim->r.engine_agrees ? PMC_EXIT_OK
                                                    : PMC_EXIT_FAIL;
    if (rc != PMC_EXIT_OK)
        fprintf(stderr, "pmcopy backtest: ledger check failed: %s\n",
                sim->r.identity_msg);
done:
    if (o.orders_csv)
        fclose(o.orders_csv);
    if (o.fills_csv)
        fclose(o.fills_csv);
    if (o.equity_csv)
        fclose(o.equity_csv);
    if (o.journal)
        fclose(o.journal);
    if (in)
        fclose(in);
    if (sim && sim->eng_mem)
        pmc_sim_fini(sim);
    free(sim);
    free(lat);
    free(cfg);
    return rc;
}
