/* app/rank.c - `pmcopy rank`: which wallets on a tape are worth copying at
 * the user's latency (research/rank/rank.h, docs/rank.md).
 *
 * Decides only the command line: the tape, the candidates (every wallet on
 * the tape, a file of addresses, addresses as arguments), the
 * configuration, L*, the output format, the report folder, --jobs and the
 * walk-forward validation's windows. Exit codes: 0 ok, 1 runtime failure
 * (unreadable or malformed tape, unknown wallet, write error), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "core/dec.h"
#include "core/tape.h"
#include "research/rank/rank.h"
#include "research/rank/report.h"
#include "research/rank/shard.h"
#include "research/rank/validate.h"

static const char intro[] =
    "usage: pmcopy rank --tape FILE [ADDR...] [--wallets FILE] [options]\n"
    "\n"
    "Score each candidate wallet by what copying it would have earned with\n"
    "this configuration (copy mode, sizing, caps, expiry guard, fees, fill\n"
    "model) at detection latency L* and 2 L* (and 0, 4 L* for diagnosis):\n"
    "score = USD per active day x the lower bound of the copier's edge, with\n"
    "the best market left out and z = Phi^-1(1 - 0.05/K) for K wallets\n"
    "screened. Wallets with fewer than 20 resolved markets or 5 active days\n"
    "are listed unrated, with the reason. Without ADDR or --wallets every\n"
    "wallet on the tape is a candidate. The tape is read once and shared by\n"
    "--jobs threads; the output does not depend on --jobs.\n";

static const char outro[] =
    "The online path (--leaderboard, fetching missing history) comes with\n"
    "`pmcopy fetch`; here the tape is the history (--offline is implied).\n"
    "exit status: 0 ok, 1 runtime failure, 2 usage\n";

/* MS as milliseconds (may be decimal) or seconds with an s suffix. */
static int ms_arg(const struct pmc_opt *opt, const char *v, char *err,
                  size_t cap)
{
    size_t n = strlen(v);
    int secs = n > 1 && v[n - 1] == 's' && !(n > 2 && v[n - 2] == 'm');
    if (n > 2 && v[n - 1] == 's' && v[n - 2] == 'm')
        n -= 2;
    else if (secs)
        n -= 1;
    pmc_micros x;
    if (pmc_dec_parse(v, n, &x) != PMC_OK || x < 0 ||
        x > (pmc_micros)3600000 * PMC_MICRO) {
        snprintf(err, cap,
                 "--%s %s: milliseconds in [0, 3600000] (or seconds with an "
                 "s suffix: 0.4s)",
                 opt->name, v);
        return -1;
    }
    if (secs)
        x *= 1000;
    *(pmc_ms *)opt->target = (x + PMC_MICRO / 2) / PMC_MICRO;
    return 0;
}

/* A duration: N followed by d (days), h (hours) or s (seconds). */
static int dur_arg(const struct pmc_opt *opt, const char *v, char *err,
                   size_t cap)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    pmc_ms unit = !strcmp(end, "d")   ? PMC_MS_PER_DAY
                  : !strcmp(end, "h") ? 3600000
                  : !strcmp(end, "s") ? 1000
                                      : 0;
    if (errno || end == v || !unit || x <= 0 || x > 3660) {
        snprintf(err, cap,
                 "--%s %s: a duration like 30d, 12h or 600s (1..3660 units)",
                 opt->name, v);
        return -1;
    }
    *(pmc_ms *)opt->target = (pmc_ms)x * unit;
    return 0;
}

/* A time: Unix seconds. */
static int time_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || !*v || x < 0 || x > PMC_TIME_MAX / 1000) {
        snprintf(err, cap, "--%s %s: Unix seconds", opt->name, v);
        return -1;
    }
    *(pmc_ms *)opt->target = (pmc_ms)x * 1000;
    return 0;
}

/* Add the wallet named by text s (n bytes) to the candidates. */
static int add_candidate(const struct pmc_rank_tape *t, const char *s, size_t n,
                         const char *where, size_t *idx, size_t *nidx,
                         unsigned char *seen)
{
    struct pmc_sym a;
    if (pmc_addr_norm(s, n, &a) != PMC_OK) {
        fprintf(stderr, "pmcopy rank: %s: '%.*s' is not a wallet address\n",
                where, (int)(n > 64 ? 64 : n), s);
        return -1;
    }
    long k = pmc_rank_tape_find(t, &a);
    if (k < 0) {
        fprintf(stderr,
                "pmcopy rank: %s: wallet %s has no fill on the tape (fetch "
                "its history into the tape first)\n",
                where, a.s);
        return -1;
    }
    if (!seen[k]) {
        seen[k] = 1;
        idx[(*nidx)++] = (size_t)k;
    }
    return 0;
}

static int read_wallets(const char *path, const struct pmc_rank_tape *t,
                        size_t *idx, size_t *nidx, unsigned char *seen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pmcopy rank: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    unsigned long ln = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "pmcopy rank: %s:%lu: line longer than %zu bytes\n",
                    path, ln, sizeof line - 2);
            rc = -1;
            break;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t\r\n#,");
        if (!n)
            continue;
        char where[600];
        snprintf(where, sizeof where, "%.500s:%lu", path, ln);
        if (add_candidate(t, p, n, where, idx, nidx, seen) < 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

int pmc_cmd_rank(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    const char *tape = NULL, *wallets = NULL, *out = NULL, *shard = NULL;
    int json = 0, csv = 0, validate = 0, offline = 0, leaderboard = 0;
    int64_t top = 0, jobs = 2, report_top = 10;
    pmc_ms latency = 400, train = 30 * PMC_MS_PER_DAY,
           test = 7 * PMC_MS_PER_DAY, since = 0, until = 0;
    const struct pmc_opt opts[] = {
        PMC_OPT_HEAD("candidates and history:"),
        PMC_OPT_STRING("tape", 0, "FILE",
                       "rank the wallets of this tape (offline)", &tape),
        PMC_OPT_STRING("wallets", 0, "FILE",
                       "candidates: one address a line ('#' comments)",
                       &wallets),
        PMC_OPT_FUNC("since", 0, "SEC",
                     "window start, Unix seconds (default: the tape's)", &since,
                     time_arg),
        PMC_OPT_FUNC("until", 0, "SEC",
                     "window end, Unix seconds, exclusive (default: open)",
                     &until, time_arg),
        PMC_OPT_BOOL("offline", 0, "never fetch (implied with --tape)",
                     &offline),
        PMC_OPT_BOOL("leaderboard", 0,
                     "candidates from the leaderboard (needs `pmcopy fetch`)",
                     &leaderboard),
        PMC_OPT_HEAD("scoring:"),
        PMC_OPT_FUNC("latency", 0, "MS",
                     "L*, the detection latency (default 400 = the realtime\n"
                     "socket; seconds with an s suffix: 3s)",
                     &latency, ms_arg),
        PMC_OPT_INTEGER("jobs", 0, "N", "worker threads (default 2, 1..64)",
                        &jobs, 1, 64),
        PMC_OPT_HEAD("output:"),
        PMC_OPT_BOOL("json", 'j', "a JSON array instead of the table", &json),
        PMC_OPT_BOOL("csv", 0, "CSV with the JSON's columns", &csv),
        PMC_OPT_INTEGER("top", 0, "N", "show the first N rows (default all)",
                        &top, 0, INT64_MAX),
        PMC_OPT_STRING("out", 'o', "DIR",
                       "report folder: report.html, ranking.json/.csv and\n"
                       "each top wallet's own backtest report",
                       &out),
        PMC_OPT_INTEGER("report-top", 0, "N",
                        "wallets with their own backtest report (default 10)",
                        &report_top, 0, 1000),
        PMC_OPT_STRING("shard", 0, "I/N",
                       "compute shard I of N (or auto: Slurm array task,\n"
                       "Kubernetes indexed job) into --out DIR; then\n"
                       "`pmcopy merge DIR` (docs/shards.md)",
                       &shard),
        PMC_OPT_HEAD("validation:"),
        PMC_OPT_BOOL("validate", 0,
                     "walk forward: score on [t-train, t), measure copy P&L\n"
                     "per day on [t, t+test), for every fold",
                     &validate),
        PMC_OPT_FUNC("train", 0, "DUR", "training window (default 30d)", &train,
                     dur_arg),
        PMC_OPT_FUNC("test", 0, "DUR", "test window (default 7d)", &test,
                     dur_arg),
        PMC_OPT_HEAD("configuration (defaults < --config FILE < environment < "
                     "flags):"),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "rank", intro, outro, NULL, opts, PMC_ARRAY_LEN(opts), &ca};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    (void)offline;
    if (leaderboard) {
        fprintf(stderr, "pmcopy rank: --leaderboard needs the leaderboard "
                        "cache of `pmcopy fetch`, not in this build; rank a "
                        "tape with --tape FILE\n");
        return PMC_EXIT_USAGE;
    }
    if (!tape) {
        fprintf(stderr, "pmcopy rank: no tape: give --tape FILE (see "
                        "--help)\n");
        return PMC_EXIT_USAGE;
    }
    if (json && csv) {
        fprintf(stderr, "pmcopy rank: --json and --csv: choose one\n");
        return PMC_EXIT_USAGE;
    }
    /* --shard: this process computes one part of the run (shard.h) */
    unsigned shard_i = 0, shard_n = 0;
    if (shard) {
        char serr[300];
        if (pmc_shard_parse(shard, &shard_i, &shard_n, serr, sizeof serr)) {
            fprintf(stderr, "pmcopy rank: %s\n", serr);
            return PMC_EXIT_USAGE;
        }
        if (!out || validate) {
            fprintf(stderr, "pmcopy rank: --shard needs --out DIR (the "
                            "parts folder) and no --validate\n");
            return PMC_EXIT_USAGE;
        }
    }
    if (until && until <= since) {
        fprintf(stderr, "pmcopy rank: --until must be after --since\n");
        return PMC_EXIT_USAGE;
    }
    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        return PMC_EXIT_FAIL;
    }
    char err[600];
    if (pmc_config_build(cfg, &ca, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy rank: %s\n", err);
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    int rc = PMC_EXIT_FAIL;
    struct pmc_rank_tape *t = NULL;
    size_t *idx = NULL, n = 0;
    unsigned char *seen = NULL;
    struct pmc_rank_wallet *w = NULL;
    FILE *in = fopen(tape, "r");
    if (!in) {
        fprintf(stderr, "pmcopy rank: %s: %s\n", tape, strerror(errno));
        goto done;
    }
    t = pmc_rank_tape_load(in, tape, err, sizeof err);
    fclose(in);
    if (!t) {
        fprintf(stderr, "pmcopy rank: %s\n", err);
        goto done;
    }
    size_t nw = pmc_rank_tape_nwallets(t);
    idx = malloc((nw + 1) * sizeof *idx);
    seen = calloc(nw + 1, 1);
    if (!idx || !seen) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        goto done;
    }
    for (int i = 1; i <= nargs; i++)
        if (add_candidate(t, argv[i], strlen(argv[i]), "argument", idx, &n,
                          seen) < 0)
            goto done;
    if (wallets && read_wallets(wallets, t, idx, &n, seen) < 0)
        goto done;
    if (!nargs && !wallets)
        for (size_t i = 0; i < nw; i++)
            idx[n++] = i;
    if (!n) {
        fprintf(stderr,
                "pmcopy rank: %s: no wallet to rank (no fill on the "
                "tape)\n",
                tape);
        goto done;
    }
    struct pmc_rank_opts o;
    pmc_rank_opts_defaults(&o, cfg);
    o.latency = latency;
    o.jobs = (int)jobs;
    o.since = since;
    o.until = until;
    enum pmc_rank_fmt fmt = json  ? PMC_RANK_JSON
                            : csv ? PMC_RANK_CSV
                                  : PMC_RANK_TABLE;
    if (validate) {
        struct pmc_rank_vopts v;
        pmc_rank_vopts_defaults(&v);
        v.train = train;
        v.test = test;
        if (pmc_rank_validate(stdout, t, idx, n, &o, &v, fmt, err, sizeof err) <
            0) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        rc = PMC_EXIT_OK;
        goto done;
    }
    if (shard) {
        if (pmc_rank_shard_run(t, idx, n, &o, tape, shard_i, shard_n, out,
                               stderr, err, sizeof err) != PMC_OK) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        rc = PMC_EXIT_OK;
        goto done;
    }
    w = calloc(n + 1, sizeof *w);
    if (!w || pmc_rank_run(t, idx, n, &o, w) != PMC_OK) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        goto done;
    }
    if (pmc_rank_finish(stdout, fmt, w, n, n, (size_t)top) < 0 ||
        fflush(stdout) != 0) {
        fprintf(stderr, "pmcopy rank: write error\n");
        goto done;
    }
    if (out) {
        struct pmc_rank_report_info ri = {tape, ca.config_file,
                                          (size_t)report_top};
        if (pmc_rank_report_write(out, t, idx, w, n, &o, &ri, err, sizeof err) <
            0) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        fprintf(fmt == PMC_RANK_TABLE ? stdout : stderr,
                "report: %s/report.html\n", out);
    }
    rc = PMC_EXIT_OK;
done:
    if (w)
        for (size_t i = 0; i < n; i++)
            pmc_rank_wallet_free(&w[i]);
    free(w);
    free(idx);
    free(seen);
    pmc_rank_tape_free(t);
    free(cfg);
    return rc;
}
