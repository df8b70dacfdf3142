/* app/optimize.c - `pmcopy optimize`: a parameter search over one tape
 * with walk-forward and overfitting statistics
 * (research/optimize/optimize.h, docs/optimize.md).
 *
 * Decides only the command line: the tape, the space, the search, the
 * folds, the objective, the output folder, --jobs, --resume, --strict.
 * Exit codes: 0 ok, 1 runtime failure or --strict's verdict, 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "research/optimize/optimize.h"
#include "research/rank/rank.h"
#include "research/shard/shard.h"

static const char intro[] =
    "usage: pmcopy optimize TAPE --space SPACE.json [options]\n"
    "\n"
    "Search the configuration keys and simulator knobs SPACE.json names\n"
    "(a list of values or a range each) over one tape: the tape is parsed\n"
    "once and shared by --jobs threads; each trial is a whole backtest with\n"
    "your configuration and the trial's values, streamed to --out DIR as it\n"
    "finishes. Then walk-forward over --folds K (parameters re-chosen on each\n"
    "in-sample part, --embargo D days before each out-of-sample fold), the\n"
    "probability of backtest overfitting (CSCV), the deflated Sharpe ratio of\n"
    "the best trial, walk-forward efficiency and the best trial's\n"
    "neighbours. A trial is a pure function of (seed, index): the same\n"
    "command gives the same bytes, whatever --jobs.\n";

static const char outro[] =
    "Output in DIR: trials.csv, trials.jsonl, daily_pnl.csv, best.json (a\n"
    "--config file), walkforward.csv, oos_equity.csv, overfit.json,\n"
    "sensitivity.csv, summary.json, report.html.\n"
    "exit status: 0 ok, 1 runtime failure or --strict not met, 2 usage\n";

static int search_arg(const struct pmc_opt *opt, const char *v, char *err,
                      size_t cap)
{
    if (!strcmp(v, "grid"))
        *(enum pmc_search *)opt->target = PMC_SEARCH_GRID;
    else if (!strcmp(v, "sobol"))
        *(enum pmc_search *)opt->target = PMC_SEARCH_SOBOL;
    else {
        snprintf(err, cap, "--search %s: grid or sobol", v);
        return -1;
    }
    return 0;
}

static int objective_arg(const struct pmc_opt *opt, const char *v, char *err,
                         size_t cap)
{
    if (pmc_objective_parse(v, opt->target) < 0) {
        snprintf(err, cap, "--objective %s: pnl, celb or sharpe", v);
        return -1;
    }
    return 0;
}

static int progress_arg(const struct pmc_opt *opt, const char *v, char *err,
                        size_t cap)
{
    static const char *const names[] = {"auto", "bar", "json", "none"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, names[i])) {
            *(enum pmc_opt_progress *)opt->target = (enum pmc_opt_progress)i;
            return 0;
        }
    snprintf(err, cap, "--progress %s: auto, bar, json or none", v);
    return -1;
}

/* D days: N or Nd */
static int days_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || (*end && strcmp(end, "d")) || x < 0 || x > 3650) {
        snprintf(err, cap, "--%s %s: days, 0..3650 (3 or 3d)", opt->name, v);
        return -1;
    }
    *(unsigned *)opt->target = (unsigned)x;
    return 0;
}

int pmc_cmd_optimize(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_opt_opts o;
    pmc_opt_defaults(&o);
    const char *space = NULL, *out = "reports/out/optimize", *shard = NULL;
    int strict = 0, resume = 0;
    int64_t trials = 0, seed = 1, folds = 5, jobs = 2;
    const struct pmc_opt opts[] = {
        PMC_OPT_HEAD("search:"),
        PMC_OPT_STRING("space", 0, "FILE",
                       "SPACE.json: keys and knobs with their values", &space),
        PMC_OPT_FUNC("search", 0, "grid|sobol", "default grid", &o.how,
                     search_arg),
        PMC_OPT_INTEGER("trials", 'n', "N",
                        "trials (sobol: required; grid: at most N, default\n"
                        "the whole grid)",
                        &trials, 1, 10000000),
        PMC_OPT_INTEGER("seed", 0, "S", "Sobol shift (default 1)", &seed, 0,
                        INT64_MAX),
        PMC_OPT_FUNC("objective", 0, "NAME",
                     "pnl (default), celb (copyable edge lower bound per\n"
                     "day) or sharpe (of daily P&L)",
                     &o.objective, objective_arg),
        PMC_OPT_HEAD("walk-forward and overfitting:"),
        PMC_OPT_INTEGER("folds", 0, "K", "folds in time (default 5, 2..64)",
                        &folds, 2, 64),
        PMC_OPT_FUNC("embargo", 0, "D",
                     "days left out before each out-of-sample fold\n"
                     "(default 0)",
                     &o.embargo, days_arg),
        PMC_OPT_BOOL("strict", 0,
                     "exit 1 when PBO > 0.5 or DSR < 0.95, saying which",
                     &strict),
        PMC_OPT_HEAD("the simulator before the space's knobs (as backtest):"),
        {PMC_OPT_CALL, "latency", 0, "MS",
         "detection latency of every source kind (default: backtest's)",
         o.sim.lat_src, 1, 0, 0, pmc_opt_ms},
        PMC_OPT_FUNC_RANGE("half-spread", 0, "P",
                           "no-book fill model: last trade +- P (default "
                           "0.005)",
                           &o.sim.half_spread, pmc_opt_dec, 0, PMC_MICRO / 2),
        PMC_OPT_FUNC_RANGE("capital", 0, "USD", "starting cash (default 1000)",
                           &o.sim.capital, pmc_opt_dec, 0,
                           (pmc_micros)1000000000 * PMC_MICRO),
        PMC_OPT_HEAD("running:"),
        PMC_OPT_STRING("out", 'o', "DIR",
                       "output folder (default reports/out/optimize)", &out),
        PMC_OPT_INTEGER("jobs", 'j', "N", "worker threads (default 2, 1..64)",
                        &jobs, 1, 64),
        PMC_OPT_BOOL("resume", 0, "continue the run in DIR", &resume),
        PMC_OPT_FUNC("progress", 0, "MODE",
                     "auto (a bar on a terminal), bar, json, none", &o.progress,
                     progress_arg),
        PMC_OPT_STRING("shard", 0, "I/N|auto",
                       "only trials [T*I/N, T*(I+1)/N) into DIR/part-I-of-N;\n"
                       "`pmcopy merge DIR` once every part is in (auto:\n"
                       "from Slurm's array or PMCOPY_SHARDS, docs/shards.md)",
                       &shard),
        PMC_OPT_HEAD("configuration (defaults < --config FILE < environment < "
                     "flags):"),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "optimize", intro, outro, NULL, opts, PMC_ARRAY_LEN(opts), &ca};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    int rc = PMC_EXIT_USAGE;
    struct pmc_config *cfg = NULL;
    struct pmc_space *sp = NULL;
    struct pmc_rank_tape *t = NULL;
    if (nargs != 1 || !space) {
        fprintf(stderr, "pmcopy optimize: give one TAPE and --space "
                        "SPACE.json (see --help)\n");
        goto out;
    }
    if (shard && resume) {
        fprintf(stderr, "pmcopy optimize: --shard continues on its own when "
                        "run again: no --resume\n");
        goto out;
    }
    if (o.how == PMC_SEARCH_SOBOL && !trials) {
        fprintf(stderr, "pmcopy optimize: --search sobol needs --trials N\n");
        goto out;
    }
    rc = PMC_EXIT_FAIL;
    char err[600];
    cfg = malloc(sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "pmcopy optimize: out of memory\n");
        goto out;
    }
    if (pmc_config_build(cfg, &ca, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy optimize: %s\n", err);
        goto out;
    }
    /* as backtest: with no trader configured, every wallet on the tape */
    if (!cfg->ntraders)
        cfg->follow_all = 1;
    sp = pmc_space_load(space, cfg, err, sizeof err);
    if (!sp) {
        fprintf(stderr, "pmcopy optimize: %s\n", err);
        rc = PMC_EXIT_USAGE;
        goto out;
    }
    if (o.how == PMC_SEARCH_GRID && pmc_space_grid_size(sp) == 0) {
        fprintf(stderr,
                "pmcopy optimize: %s: the grid has more than 2^63 "
                "trials; use --search sobol --trials N\n",
                space);
        rc = PMC_EXIT_USAGE;
        goto out;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        fprintf(stderr, "pmcopy optimize: %s: %s\n", argv[1], strerror(errno));
        goto out;
    }
    t = pmc_rank_tape_load(in, argv[1], err, sizeof err);
    fclose(in);
    if (!t) {
        fprintf(stderr, "pmcopy optimize: %s\n", err);
        goto out;
    }
    o.base = cfg;
    o.space = sp;
    o.space_path = space;
    o.tape_path = argv[1];
    o.seed = (uint64_t)seed;
    o.trials = (uint64_t)trials;
    o.folds = (unsigned)folds;
    o.jobs = (int)jobs;
    o.resume = resume;
    o.out = out;
    o.version = pmc_version_string();
    if (shard) {
        unsigned si, sn;
        if (pmc_shard_parse(shard, &si, &sn, err, sizeof err) < 0) {
            fprintf(stderr, "pmcopy optimize: %s\n", err);
            rc = PMC_EXIT_USAGE;
            goto out;
        }
        if (pmc_opt_shard_run(t, &o, si, sn, stderr, err, sizeof err) < 0) {
            fprintf(stderr, "pmcopy optimize: %s\n", err);
            goto out;
        }
        rc = PMC_EXIT_OK;
        goto out;
    }
    if (pmc_opt_run(t, &o, err, sizeof err) < 0) {
        fprintf(stderr, "pmcopy optimize: %s\n", err);
        goto out;
    }
    pmc_ms day0;
    uint32_t ndays;
    pmc_opt_days(t, &day0, &ndays);
    struct pmc_opt_verdict v;
    if (pmc_opt_analyse(day0, ndays, &o, &v, err, sizeof err) < 0) {
        fprintf(stderr, "pmcopy optimize: %s\n", err);
        goto out;
    }
    pmc_opt_print_verdict(stdout, o.objective, &v, out);
    rc = PMC_EXIT_OK;
    if (strict && pmc_opt_strict(&v, "pmcopy optimize", stderr))
        rc = PMC_EXIT_FAIL;
out:
    if (rc == PMC_EXIT_USAGE)
        fprintf(stderr, "run 'pmcopy optimize --help' for usage\n");
    pmc_rank_tape_free(t);
    pmc_space_free(sp);
    free(cfg);
    return rc;
}
