/* app/rank.c - `pmcopy rank`: which wallets are worth copying at the
 * user's latency (research/rank/rank.h, docs/rank.md).
 *
 * Decides only the command line: the history (a tape, or one `fetch tape`
 * of the candidates over --since..--until), the candidates (addresses as
 * arguments, a file of addresses, the leaderboard, else every wallet on the
 * tape), the configuration, L*, the output format, the report folder,
 * --jobs and the walk-forward validation's windows. Exit codes: 0 ok, 1
 * runtime failure (unreadable or malformed tape, unknown wallet, a fetch
 * that failed, write error), 2 usage. */
#include <errno.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cmds.h"
#include "app/fetchargs.h"
#include "app/opt.h"
#include "core/tape.h"
#include "research/rank/candidates.h"
#include "research/rank/rank.h"
#include "research/rank/report.h"
#include "research/rank/shard.h"
#include "research/rank/validate.h"

static const char intro[] =
    "usage: pmcopy rank [--leaderboard [--category C] [--period P]]\n"
    "                   [--wallets FILE] [ADDR...] --since T --until T "
    "[options]\n"
    "       pmcopy rank --tape FILE [ADDR...] [--wallets FILE] [options]\n"
    "\n"
    "Score each candidate wallet by what copying it would have earned with\n"
    "this configuration (copy mode, sizing, caps, expiry guard, fees, fill\n"
    "model) at detection latency L* and 2 L* (and 0, 4 L* for diagnosis):\n"
    "score = USD per active day x the lower bound of the copier's edge, with\n"
    "the best market left out and z = Phi^-1(1 - 0.05/K) for K wallets\n"
    "screened. Wallets with fewer than 20 resolved markets or 5 active days\n"
    "are listed unrated, with the reason. Without --tape the candidates'\n"
    "history over --since..--until is fetched as `pmcopy fetch tape` does\n"
    "(through its cache; --offline: the cache only). With --tape and no\n"
    "candidate named, every wallet on the tape is one. The tape is read once\n"
    "and shared by --jobs threads; the output does not depend on --jobs.\n";

static const char outro[] =
    "Times T: ISO-8601 (2026-01-02, 2026-01-02T03:04:05Z) or epoch seconds.\n"
    "exit status: 0 ok, 1 runtime failure, 2 usage\n";

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

/* The wallets of c as indices of t into idx[0..*n); a candidate without a
 * fill on t goes to off[0..*noff) (listed unrated) when it came from the
 * leaderboard or the history was fetched, else it is an error. */
static int map_candidates(const struct pmc_rank_tape *t,
                          const struct pmc_rank_cands *c, int fetched,
                          size_t *idx, size_t *n, size_t *off, size_t *noff)
{
    for (size_t i = 0; i < c->n; i++) {
        long k = pmc_rank_tape_find(t, &c->v[i].addr);
        if (k >= 0)
            idx[(*n)++] = (size_t)k;
        else if (fetched || c->v[i].from_board)
            off[(*noff)++] = i;
        else {
            fprintf(stderr,
                    "pmcopy rank: wallet %s has no fill on the tape (fetch "
                    "its history into the tape first)\n",
                    c->v[i].addr.s);
            return -1;
        }
    }
    return 0;
}

/* Where the fetched history goes: DIR/history.tape with --out, else a
 * temporary file removed at the end (*tmp set). */
static int history_path(const char *out, char *buf, size_t cap, int *tmp)
{
    if (out) {
        if (mkdir(out, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "pmcopy rank: %s: %s\n", out, strerror(errno));
            return -1;
        }
        if (snprintf(buf, cap, "%s/history.tape", out) >= (int)cap) {
            fprintf(stderr, "pmcopy rank: --out %s: path too long\n", out);
            return -1;
        }
        return 0;
    }
    const char *d = getenv("TMPDIR");
    if (snprintf(buf, cap, "%s/pmcopy-rank-XXXXXX", d && d[0] ? d : "/tmp") >=
        (int)cap) {
        fprintf(stderr, "pmcopy rank: TMPDIR too long\n");
        return -1;
    }
    int fd = mkstemp(buf);
    if (fd < 0) {
        fprintf(stderr, "pmcopy rank: %s: %s\n", buf, strerror(errno));
        return -1;
    }
    close(fd);
    *tmp = 1;
    return 0;
}

int pmc_cmd_rank(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_fetch_opts fo;
    pmc_fetchargs_defaults(&fo);
    fo.lb_limit = 50;
    const char *tape = NULL, *wallets = NULL, *out = NULL, *shard = NULL;
    int json = 0, csv = 0, validate = 0, leaderboard = 0;
    int64_t top = 0, jobs = 2, report_top = 10, lb_limit = fo.lb_limit;
    int64_t since_s = -1, until_s = -1;
    pmc_ms latency = 400, train = 30 * PMC_MS_PER_DAY,
           test = 7 * PMC_MS_PER_DAY;
    const struct pmc_opt opts[] = {
        PMC_OPT_HEAD("candidates and history:"),
        PMC_OPT_STRING("tape", 0, "FILE",
                       "the history is this tape (nothing is fetched)", &tape),
        PMC_OPT_STRING("wallets", 0, "FILE",
                       "candidates: one address a line ('#' comments)",
                       &wallets),
        PMC_OPT_BOOL("leaderboard", 0,
                     "candidates: a leaderboard's wallets, with its P&L",
                     &leaderboard),
        PMC_OPT_STRING("category", 0, "C",
                       "leaderboard: OVERALL (default), POLITICS, SPORTS,\n"
                       "CRYPTO, CULTURE, MENTIONS, WEATHER, ECONOMICS, TECH,\n"
                       "FINANCE",
                       &fo.category),
        PMC_OPT_STRING("period", 0, "P",
                       "leaderboard: DAY, WEEK, MONTH (default), ALL",
                       &fo.period),
        PMC_OPT_INTEGER("limit", 0, "N",
                        "leaderboard rows (1..1050, default 50)", &lb_limit, 1,
                        1050),
        PMC_OPT_FUNC("since", 0, "T",
                     "window start (without --tape: required; with it,\n"
                     "default the tape's first record)",
                     &since_s, pmc_fetchargs_time),
        PMC_OPT_FUNC("until", 0, "T",
                     "window end, exclusive (without --tape: required;\n"
                     "with it, default open)",
                     &until_s, pmc_fetchargs_time),
        PMC_OPT_HEAD("fetching (without --tape; as `pmcopy fetch`):"),
        PMC_OPT_BOOL("offline", 0,
                     "the cache only; exit 1 naming the first missing page",
                     &fo.offline),
        PMC_OPT_STRING("cache", 0, "DIR",
                       "cache folder (default $PMC_CACHE, else\n"
                       "$XDG_CACHE_HOME/pmcopy, else ~/.cache/pmcopy)",
                       &fo.cache_dir),
        PMC_OPT_STRING("data-api", 0, "URL",
                       "data API root (env PMC_DATA_API_URL)", &fo.data_api),
        PMC_OPT_STRING("gamma-url", 0, "URL", "Gamma root (env PMC_GAMMA_URL)",
                       &fo.gamma_url),
        PMC_OPT_STRING("clob-url", 0, "URL", "CLOB root (env PMC_CLOB_URL)",
                       &fo.clob_url),
        PMC_OPT_FUNC("progress", 0, "MODE", "auto, bar, json, none",
                     &fo.progress, pmc_fetchargs_progress),
        PMC_OPT_HEAD("scoring:"),
        PMC_OPT_FUNC("latency", 0, "MS",
                     "L*, the detection latency (default 400 = the realtime\n"
                     "socket; seconds with an s suffix: 3s)",
                     &latency, pmc_opt_ms),
        PMC_OPT_INTEGER("jobs", 0, "N", "worker threads (default 2, 1..64)",
                        &jobs, 1, 64),
        PMC_OPT_HEAD("output:"),
        PMC_OPT_BOOL("json", 'j', "a JSON array instead of the table", &json),
        PMC_OPT_BOOL("csv", 0, "CSV with the JSON's columns", &csv),
        PMC_OPT_INTEGER("top", 0, "N", "show the first N rows (default all)",
                        &top, 0, INT64_MAX),
        PMC_OPT_STRING("out", 'o', "DIR",
                       "report folder: report.html, ranking.json/.csv,\n"
                       "each top wallet's own backtest report and, when\n"
                       "fetched, history.tape",
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
    if (json && csv) {
        fprintf(stderr, "pmcopy rank: --json and --csv: choose one\n");
        return PMC_EXIT_USAGE;
    }
    if (!tape && (since_s < 0 || until_s < 0)) {
        fprintf(stderr, "pmcopy rank: the window to fetch: give --since T and "
                        "--until T (or rank a tape with --tape FILE)\n");
        return PMC_EXIT_USAGE;
    }
    if (!tape && !leaderboard && !wallets && nargs == 0) {
        fprintf(stderr, "pmcopy rank: no candidate: give ADDR..., --wallets "
                        "FILE or --leaderboard (or --tape FILE)\n");
        return PMC_EXIT_USAGE;
    }
    if ((fo.category || fo.period) && !leaderboard) {
        fprintf(stderr,
                "pmcopy rank: --category and --period need --leaderboard\n");
        return PMC_EXIT_USAGE;
    }
    if (since_s > PMC_TIME_MAX / 1000 || until_s > PMC_TIME_MAX / 1000) {
        fprintf(stderr, "pmcopy rank: --since/--until out of range\n");
        return PMC_EXIT_USAGE;
    }
    pmc_ms since = since_s < 0 ? 0 : (pmc_ms)since_s * 1000;
    pmc_ms until = until_s < 0 ? 0 : (pmc_ms)until_s * 1000;
    if (until_s >= 0 && until <= since) {
        fprintf(stderr, "pmcopy rank: --until must be after --since\n");
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
        if (!out || validate || !tape) {
            fprintf(stderr,
                    "pmcopy rank: --shard needs --out DIR (the parts "
                    "folder), --tape FILE (every shard reads the same "
                    "history: fetch it once with `pmcopy fetch tape`) and no "
                    "--validate\n");
            return PMC_EXIT_USAGE;
        }
    }
    if (!fo.category)
        fo.category = "OVERALL";
    if (!fo.period)
        fo.period = "MONTH";
    fo.order_by = "PNL";
    fo.lb_limit = (int)lb_limit;
    fo.since = since_s;
    fo.until = until_s;
    char cache_buf[4096];
    if ((leaderboard || !tape) &&
        pmc_fetchargs_cache(&fo, "rank", cache_buf, sizeof cache_buf) != 0)
        return PMC_EXIT_USAGE;

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
    int rc = PMC_EXIT_FAIL, tmp_tape = 0, fetched = 0;
    char hist[4200];
    struct pmc_rank_cands c = {0};
    struct pmc_rank_tape *t = NULL;
    size_t *idx = NULL, *off = NULL, n = 0, noff = 0;
    struct pmc_rank_wallet *w = NULL;
    /* candidates: arguments, the file, the leaderboard; first mention */
    for (int i = 1; i <= nargs; i++)
        if (pmc_rank_cands_add(&c, argv[i], strlen(argv[i]), "argument", err,
                               sizeof err) < 0) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
    if (wallets && pmc_rank_cands_file(&c, wallets, err, sizeof err) < 0) {
        fprintf(stderr, "pmcopy rank: %s\n", err);
        goto done;
    }
    if (leaderboard) {
        int frc = pmc_rank_cands_leaderboard(&c, &fo);
        if (frc != 0) {
            rc = frc == 2 ? PMC_EXIT_USAGE : PMC_EXIT_FAIL;
            goto done;
        }
    }
    if (pmc_rank_cands_dedupe(&c) < 0) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        goto done;
    }
    if ((leaderboard || wallets || nargs) && c.n == 0) {
        fprintf(stderr, "pmcopy rank: no candidate (the leaderboard and the "
                        "wallets file are empty)\n");
        goto done;
    }
    /* the history */
    if (!tape) {
        if (history_path(out, hist, sizeof hist, &tmp_tape) < 0)
            goto done;
        fo.out = hist;
        int frc = pmc_rank_cands_fetch(&c, &fo);
        if (frc != 0) {
            if (frc < 0)
                fprintf(stderr, "pmcopy rank: out of memory\n");
            rc = frc == 2 ? PMC_EXIT_USAGE : PMC_EXIT_FAIL;
            goto done;
        }
        tape = hist;
        fetched = 1;
    }
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
    size_t cap = (c.n > nw ? c.n : nw) + 1;
    idx = malloc(cap * sizeof *idx);
    off = malloc(cap * sizeof *off);
    if (!idx || !off) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        goto done;
    }
    if (c.n) {
        if (map_candidates(t, &c, fetched, idx, &n, off, &noff) < 0)
            goto done;
    } else
        for (size_t i = 0; i < nw; i++)
            idx[n++] = i;
    if (!n && !noff) {
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
        if (noff)
            fprintf(stderr,
                    "pmcopy rank: %zu candidates without a fill in the "
                    "window are not part of the validation\n",
                    noff);
        if (pmc_rank_validate(stdout, t, idx, n, &o, &v, fmt, err, sizeof err) <
            0) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        rc = PMC_EXIT_OK;
        goto done;
    }
    if (shard) {
        if (noff) {
            fprintf(stderr,
                    "pmcopy rank: --shard: %zu candidates have no fill on the "
                    "tape; name the wallets of the tape\n",
                    noff);
            goto done;
        }
        if (pmc_rank_shard_run(t, idx, n, &o, tape, shard_i, shard_n, out,
                               stderr, err, sizeof err) != PMC_OK) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        rc = PMC_EXIT_OK;
        goto done;
    }
    size_t all = n + noff;
    w = calloc(all + 1, sizeof *w);
    if (!w || pmc_rank_run(t, idx, n, &o, w) != PMC_OK) {
        fprintf(stderr, "pmcopy rank: out of memory\n");
        goto done;
    }
    /* the candidates without a fill: listed unrated, counted in K */
    for (size_t j = 0; j < noff; j++) {
        struct pmc_rank_wallet *x = &w[n + j];
        x->addr = c.v[off[j]].addr;
        x->failed = 1;
        snprintf(x->err, sizeof x->err, "no fill in the window");
        idx[n + j] = SIZE_MAX;
    }
    for (size_t i = 0; i < c.n; i++)
        if (c.v[i].has_lb)
            for (size_t j = 0; j < all; j++)
                if (pmc_sym_eq(&w[j].addr, &c.v[i].addr)) {
                    w[j].has_lb = 1;
                    w[j].lb_pnl = c.v[i].lb_pnl;
                    break;
                }
    if (pmc_rank_finish(stdout, fmt, w, all, all, (size_t)top) < 0 ||
        fflush(stdout) != 0) {
        fprintf(stderr, "pmcopy rank: write error\n");
        goto done;
    }
    if (out) {
        struct pmc_rank_report_info ri = {tape, ca.config_file,
                                          (size_t)report_top};
        if (pmc_rank_report_write(out, t, idx, w, all, &o, &ri, err,
                                  sizeof err) < 0) {
            fprintf(stderr, "pmcopy rank: %s\n", err);
            goto done;
        }
        fprintf(fmt == PMC_RANK_TABLE ? stdout : stderr,
                "report: %s/report.html\n", out);
    }
    rc = PMC_EXIT_OK;
done:
    if (w)
        for (size_t i = 0; i < n + noff; i++)
            pmc_rank_wallet_free(&w[i]);
    free(w);
    free(idx);
    free(off);
    pmc_rank_tape_free(t);
    pmc_rank_cands_free(&c);
    if (tmp_tape)
        unlink(hist);
    free(cfg);
    return rc;
}
