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
#include <unistd.h>

#include "app/backtest_cmp.h"
#include "app/cmds.h"
#include "app/opt.h"
#include "live/views.h"
#include "proto/config_load.h"
#include "proto/tapeio.h"
#include "core/dec.h"
#include "sim/report.h"
#include "sim/sim.h"
#include "sim/sweep.h"

static const char intro[] =
    "usage: pmcopy backtest [options] [TAPE]\n"
    "\n"
    "Replay a tape of source fills, prices and market metadata through the\n"
    "decision core and a simulated venue (latency, book walk, fees,\n"
    "resolutions); print a summary and write a report folder (CSV, JSON,\n"
    "gnuplot charts, report.html). Without a tape it runs the bundled\n"
    "fixture fixtures/default.tape. With no trader configured, every wallet\n"
    "on the tape is copied (follow_all, at most 256 wallets).\n"
    "\n"
    "--latency A,B,... (up to 16 values) sweeps the detection latency: the\n"
    "tape is read once, each value is a full backtest with the same\n"
    "configuration; with --out DIR each run's report goes to\n"
    "DIR/latency-<ms>ms/ and DIR/index.html (sweep.csv, sweep.json, charts)\n"
    "compares them; without --out the comparison table is printed.\n"
    "\n"
    "--db STORE runs a live session's own journal (pmcopy live --db STORE)\n"
    "through the simulator: each fill when the session received it\n"
    "(--latency-recorded), orders with the latency the session measured\n"
    "(submit 0, report = the median of order -> first report), the\n"
    "session's configuration (STORE-config.json) unless one is given; then\n"
    "it compares the backtest with what the session did (as --compare).\n"
    "--compare does the same comparison for a TAPE that is such a journal\n"
    "(pmcopy journal --db STORE): orders one for one, their fills, P&L\n"
    "within 1 %; the first order that differs is printed with why.\n";

static const char outro[] =
    "exit status: 0 ok, 1 runtime failure (or, with --db / --compare, the\n"
    "backtest differs from the session), 2 usage\n";

static int seed_arg(const struct pmc_opt *opt, const char *v, char *err,
                    size_t cap)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || !*v || v[0] == '-') {
        snprintf(err, cap, "--%s %s: an unsigned integer", opt->name, v);
        return -1;
    }
    *(uint64_t *)opt->target = x;
    return 0;
}

static int recorded_arg(const struct pmc_opt *opt, const char *v, char *err,
                        size_t cap)
{
    (void)v, (void)err, (void)cap;
    ((struct pmc_sim_opts *)opt->target)->lat_mode = PMC_LAT_RECORDED;
    return 0;
}

struct samples_arg {
    struct pmc_sim_opts *o;
    const char **file;
};

static int samples_arg(const struct pmc_opt *opt, const char *v, char *err,
                       size_t cap)
{
    (void)err, (void)cap;
    const struct samples_arg *s = opt->target;
    *s->file = v;
    s->o->lat_mode = PMC_LAT_EMPIRICAL;
    return 0;
}

/* --latency MS or a comma list of them (a sweep, sweep.h) */
struct lat_list {
    pmc_ms *all; /* the 4 source kinds of the run, set by a single value */
    pmc_ms v[PMC_SWEEP_MAX];
    size_t n;
};

static int latency_arg(const struct pmc_opt *opt, const char *v, char *err,
                       size_t cap)
{
    struct lat_list *l = opt->target;
    const char *end = v + strlen(v);
    size_t n = 0;
    for (const char *p = v;; n++) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : (size_t)(end - p);
        if (n == PMC_SWEEP_MAX) {
            snprintf(err, cap,
                     "--%s %s: item %zu '%.*s': more than %d latencies "
                     "(PMC_SWEEP_MAX)",
                     opt->name, v, n + 1, (int)(len > 40 ? 40 : len), p,
                     PMC_SWEEP_MAX);
            return -1;
        }
        if (!len) {
            snprintf(err, cap, "--%s %s: item %zu is empty", opt->name, v,
                     n + 1);
            return -1;
        }
        char item[64], e2[256];
        if (len >= sizeof item) {
            snprintf(err, cap, "--%s %s: item %zu '%.*s' is too long",
                     opt->name, v, n + 1, (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        struct pmc_opt one = *opt;
        one.target = &l->v[n];
        one.ival = 0;
        if (pmc_opt_ms(&one, item, e2, sizeof e2) < 0) {
            const char *why = strstr(e2, ": ");
            snprintf(err, cap, "--%s %s: item %zu '%s': %s", opt->name, v,
                     n + 1, item, why ? why + 2 : e2);
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            if (l->v[k] == l->v[n]) {
                snprintf(err, cap,
                         "--%s %s: item %zu '%s' is %" PRId64
                         " ms again (item %zu)",
                         opt->name, v, n + 1, item, l->v[n], k + 1);
                return -1;
            }
        if (!c)
            break;
        p = c + 1;
    }
    l->n = n + 1;
    if (l->n == 1) /* as before: every source kind, from here on */
        for (int k = 0; k < 4; k++)
            l->all[k] = l->v[0];
    return 0;
}

/* a per-source-kind latency; noted, since a sweep sets every kind */
struct kind_arg {
    pmc_ms *dst;
    int *given;
};

static int kind_ms_arg(const struct pmc_opt *opt, const char *v, char *err,
                       size_t cap)
{
    const struct kind_arg *k = opt->target;
    struct pmc_opt one = *opt;
    one.target = k->dst;
    *k->given = 1;
    return pmc_opt_ms(&one, v, err, cap);
}

/* The configuration of the run beside its journal, as JOURNAL-config.json:
 * `pmcopy replay JOURNAL` re-decides with it. */
static int write_config(const char *journal, const struct pmc_config *cfg)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s-config.json", journal) >=
        sizeof path) {
        fprintf(stderr, "pmcopy backtest: %s-config.json: path too long\n",
                journal);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "pmcopy backtest: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int bad = pmc_config_write_json(cfg, f) != PMC_OK;
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "pmcopy backtest: %s: write error\n", path);
        return -1;
    }
    return 0;
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

/* --latency A,B,...: the tape parsed once, a backtest per latency, the
 * comparison (sim/sweep.h). */
static int run_sweep(struct pmc_sweep *w, int json)
{
    FILE *in = fopen(w->tape, "r");
    if (!in) {
        fprintf(stderr, "pmcopy backtest: %s: %s\n", w->tape, strerror(errno));
        return PMC_EXIT_FAIL;
    }
    char err[700];
    struct pmc_sweep_tape *t =
        pmc_sweep_tape_load(in, w->tape, err, sizeof err);
    fclose(in);
    if (!t) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        return PMC_EXIT_FAIL;
    }
    /* the one pass over the file: its records, then fed from memory */
    fprintf(stderr,
            "pmcopy backtest: %s: %" PRIu64
            " records parsed once, held in memory (%zu KiB), for %zu "
            "latencies\n",
            w->tape, pmc_sweep_tape_records(t),
            (pmc_sweep_tape_bytes(t) + 1023) / 1024, w->n);
    struct pmc_sweep_row rows[PMC_SWEEP_MAX];
    int rc = PMC_EXIT_FAIL;
    if (pmc_sweep_run(w, t, rows, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (w->out && pmc_sweep_page(w, rows, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (json)
        pmc_sweep_json(stdout, w, rows);
    else
        pmc_sweep_text(stdout, w, rows);
    if (w->out)
        fprintf(json ? stderr : stdout, "report: %s/index.html\n", w->out);
    rc = PMC_EXIT_OK;
    for (size_t i = 0; i < w->n; i++)
        if (!rows[i].ledger_ok) {
            fprintf(stderr,
                    "pmcopy backtest: latency %" PRId64
                    " ms: ledger check failed\n",
                    rows[i].latency);
            rc = PMC_EXIT_FAIL;
        }
done:
    pmc_sweep_tape_free(t);
    return rc;
}

int pmc_cmd_backtest(int argc, char **argv)
{
    struct pmc_cfg_args ca;
    memset(&ca, 0, sizeof ca);
    struct pmc_sim_opts o;
    pmc_sim_opts_defaults(&o);
    const char *tape = NULL, *out = NULL, *name = NULL, *samples = NULL;
    const char *journal = NULL, *db = NULL;
    int json = 0, no_report = 0, compare = 0;
    struct samples_arg sarg = {&o, &samples};
    struct lat_list lats = {o.lat_src, {0}, 0};
    int kind_given = 0;
    int64_t jobs = 1;
    struct kind_arg k_chain = {&o.lat_src[PMC_SRC_CHAIN], &kind_given},
                    k_rtds = {&o.lat_src[PMC_SRC_RTDS], &kind_given},
                    k_api = {&o.lat_src[PMC_SRC_API], &kind_given},
                    k_none = {&o.lat_src[PMC_SRC_NONE], &kind_given};
#define MS_OPT(name, help, ptr, all)                                           \
    {                                                                          \
        PMC_OPT_CALL, name, 0, "MS", help, ptr, all, 0, 0, pmc_opt_ms          \
    }
#define KIND_OPT(name, help, ptr)                                              \
    {                                                                          \
        PMC_OPT_CALL, name, 0, "MS", help, ptr, 0, 0, 0, kind_ms_arg           \
    }
    const struct pmc_opt opts[] = {
        PMC_OPT_HEAD("input and output:"),
        PMC_OPT_STRING("tape", 0, "FILE",
                       "the tape (or give it as the only argument)", &tape),
        PMC_OPT_STRING("out", 'o', "DIR",
                       "report folder (default reports/out/NAME)", &out),
        PMC_OPT_STRING("name", 0, "NAME",
                       "run name (default: the tape's file name)", &name),
        PMC_OPT_BOOL("json", 'j',
                     "print summary.json on stdout instead of the table",
                     &json),
        PMC_OPT_BOOL("no-report", 0, "no report folder (summary only)",
                     &no_report),
        PMC_OPT_STRING("journal", 0, "FILE",
                       "write every record the core saw and every action\n"
                       "as a tape, and the configuration as FILE-config.json\n"
                       "(`pmcopy replay FILE` checks it)",
                       &journal),
        PMC_OPT_STRING("db", 0, "STORE",
                       "the journal of this live store, with its receive\n"
                       "times, measured order latency and configuration;\n"
                       "compared with what the session did (exit 1 when\n"
                       "they differ)",
                       &db),
        PMC_OPT_BOOL("compare", 0,
                     "TAPE is a live journal: compare the backtest's\n"
                     "orders, fills and P&L with the ones it recorded",
                     &compare),
        PMC_OPT_HEAD("simulator:"),
        PMC_OPT_FUNC("seed", 0, "N",
                     "random seed (default 20260217); printed in the report",
                     &o.seed, seed_arg),
        PMC_OPT_FUNC("latency", 0, "MS[,MS...]",
                     "detection latency for every source kind; several\n"
                     "(at most 16, each once): one backtest per value over\n"
                     "the tape read once, compared in DIR/index.html",
                     &lats, latency_arg),
        PMC_OPT_INTEGER("jobs", 0, "N",
                        "a sweep: run N latencies at once (default 1)", &jobs,
                        1, PMC_SWEEP_MAX),
        KIND_OPT("latency-chain", "on-chain fills (default 3000)", &k_chain),
        KIND_OPT("latency-rtds", "realtime socket fills (default 400)",
                 &k_rtds),
        KIND_OPT("latency-api", "data-api fills (default 22000)", &k_api),
        KIND_OPT("latency-none", "fills without src= (default 3000, as chain)",
                 &k_none),
        PMC_OPT_FUNC("latency-samples", 0, "FILE",
                     "empirical: draw from these samples (ms, one a line)",
                     &sarg, samples_arg),
        PMC_OPT_FUNC("latency-recorded", 0, NULL,
                     "the core sees each fill at the tape's own t", &o,
                     recorded_arg),
        MS_OPT("latency-submit", "our order: submit -> venue (default 100)",
               &o.lat_submit, 0),
        MS_OPT("latency-report",
               "venue -> our core sees the report (default 50)", &o.lat_report,
               0),
        MS_OPT("latency-jitter",
               "mean of an exponential added to submit (default 20)\n"
               "(MS may be decimal, or seconds with an s suffix: 0.4s)",
               &o.lat_jitter, 0),
        PMC_OPT_FUNC_RANGE("half-spread", 0, "P",
                           "no-book fill model: last trade +- P (default "
                           "0.005)",
                           &o.half_spread, pmc_opt_dec, 0, PMC_MICRO / 2),
        PMC_OPT_FUNC_RANGE("capital", 0, "USD", "starting cash (default 1000)",
                           &o.capital, pmc_opt_dec, 0,
                           (pmc_micros)1000000000 * PMC_MICRO),
        PMC_OPT_HEAD("configuration (defaults < --config FILE < environment < "
                     "flags):"),
        PMC_OPT_HELP_ENTRY("this text"),
    };
#undef MS_OPT
#undef KIND_OPT
    const struct pmc_opt_cmd cmd = {
        "backtest", intro, outro, NULL, opts, PMC_ARRAY_LEN(opts), &ca};
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    for (int i = 1; i <= nargs; i++) {
        if (tape) {
            fprintf(stderr,
                    "pmcopy backtest: more than one tape ('%s', "
                    "'%s')\n",
                    tape, argv[i]);
            return PMC_EXIT_USAGE;
        }
        tape = argv[i];
    }

    if (db && tape) {
        fprintf(stderr, "pmcopy backtest: give a TAPE or --db, not both\n");
        return PMC_EXIT_USAGE;
    }
    if (db)
        compare = 1;
    if (compare && !db &&
        (!tape || !strcmp(tape, "-") || !strncmp(tape, "/dev/", 5))) {
        fprintf(stderr, "pmcopy backtest: --compare needs the journal as a "
                        "file (it is read twice)\n");
        return PMC_EXIT_USAGE;
    }
    if (lats.n > 1) {
        const char *why =
            compare   ? "--db or --compare (one backtest against the session)"
            : journal ? "--journal (one journal per run)"
            : samples || o.lat_mode == PMC_LAT_RECORDED
                ? "--latency-samples or --latency-recorded (they replace "
                  "the latency)"
            : kind_given ? "--latency-chain, -rtds, -api or -none (each value "
                           "sets every source kind)"
                         : NULL;
        if (why) {
            fprintf(stderr,
                    "pmcopy backtest: --latency with several values cannot "
                    "be combined with %s\n",
                    why);
            return PMC_EXIT_USAGE;
        }
    }

    char deftape[4096], saved[4096];
    if (db && !ca.config_file && !ca.traders_file && !ca.ntraders &&
        !ca.nsets) {
        /* the configuration the session wrote beside its store */
        snprintf(saved, sizeof saved, "%s-config.json", db);
        if (access(saved, R_OK) == 0) {
            ca.config_file = saved;
            fprintf(stderr, "pmcopy backtest: configuration from %s\n", saved);
        }
    }
    if (!tape && db) {
        tape = db;
    } else if (!tape) {
        if (!pmc_find_shared("fixtures/default.tape", deftape,
                             sizeof deftape)) {
            fprintf(stderr, "pmcopy backtest: the default fixture "
                            "fixtures/default.tape was not found in "
                            "$PMC_HOME, next to the binary, in "
                            "../share/pmcopy beside it or in the current "
                            "directory (regenerate "
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
    struct pmc_cmp_side *live = NULL, *bt = NULL;
    struct pmc_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        goto done;
    /* every wallet on the tape, in order of first appearance, in the same
     * pass as the run (the simulator stops at a 257th) */
    if (!cfg->ntraders)
        cfg->follow_all = 1;
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
    if (lats.n > 1) { /* without --out: the table only */
        struct pmc_sweep w = {cfg,
                              &o,
                              name,
                              tape,
                              ca.config_file,
                              lat_desc,
                              no_report ? NULL : out,
                              lats.v,
                              lats.n,
                              (unsigned)jobs};
        rc = run_sweep(&w, json);
        goto done;
    }
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "reports/out/%s", name);
        out = outbuf;
    }
    if (db)
        in = pmc_journal_tmpfile(db, err, sizeof err);
    else if (!(in = fopen(tape, "r")))
        snprintf(err, sizeof err, "%s: %s", tape, strerror(errno));
    if (!in) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (compare) {
        if (!(live = pmc_cmp_read(in, tape, err, sizeof err))) {
            fprintf(stderr, "pmcopy backtest: %s\n", err);
            goto done;
        }
        size_t nlat;
        pmc_ms med = pmc_cmp_latency(live, &nlat);
        if (db) {
            /* the paper venue (and this model of the CLOB) matches at
             * submit; the session's core saw the reports med ms later */
            o.lat_mode = PMC_LAT_RECORDED;
            o.lat_submit = 0;
            o.lat_jitter = 0;
            o.lat_report = med;
        }
        fprintf(stderr,
                "pmcopy backtest: %s: %zu orders recorded; the session's "
                "order latency (decided -> first report): median %" PRId64
                " ms over %zu orders%s\n",
                tape, pmc_cmp_orders(live), med, nlat,
                db ? ", used as the report latency (submit 0, no jitter)" : "");
    }
    if (!no_report && pmc_report_open(out, &o, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy backtest: %s\n", err);
        goto done;
    }
    if (journal) {
        if (!(o.journal = fopen(journal, compare ? "w+" : "w"))) {
            fprintf(stderr, "pmcopy backtest: %s: %s\n", journal,
                    strerror(errno));
            goto done;
        }
        fputs(PMC_TAPE_HEADER "\n", o.journal);
        if (write_config(journal, cfg) < 0)
            goto done;
    } else if (compare) {
        if (!(o.journal = tmpfile())) {
            fprintf(stderr, "pmcopy backtest: a temporary file: %s\n",
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
    if (o.journal && compare) {
        /* the backtest's own journal: its orders and fills */
        if (fflush(o.journal) != 0 ||
            !(bt = pmc_cmp_read(o.journal, journal ? journal : "backtest", err,
                                sizeof err))) {
            fprintf(stderr, "pmcopy backtest: the backtest's journal: %s\n",
                    err);
            goto done;
        }
    }
    if (o.journal) {
        int werr = fclose(o.journal) != 0;
        o.journal = NULL;
        if (werr) {
            fprintf(stderr, "pmcopy backtest: %s: write error\n",
                    journal ? journal : "backtest journal");
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
    struct pmc_report_risk rk, *rkp = NULL;
    if (!no_report) {
        if (pmc_report_risk(out, sim, &rk, err, sizeof err) != PMC_OK) {
            fprintf(stderr, "pmcopy backtest: %s\n", err);
            goto done;
        }
        rkp = &rk;
    }
    if (json)
        pmc_report_json(stdout, sim, &info, rkp);
    else
        pmc_report_text(stdout, sim, &info, rkp);
    if (!no_report)
        fprintf(json ? stderr : stdout, "report: %s/report.html\n", out);
    rc = sim->r.identity_ok && sim->r.engine_agrees ? PMC_EXIT_OK
                                                    : PMC_EXIT_FAIL;
    if (rc != PMC_EXIT_OK)
        fprintf(stderr, "pmcopy backtest: ledger check failed: %s\n",
                sim->r.identity_msg);
    if (live && bt &&
        pmc_cmp_report(json ? stderr : stdout, live, bt,
                       pmc_sim_equity(sim) - sim->r.capital, in, tape) != 0)
        rc = PMC_EXIT_FAIL;
done:
    pmc_cmp_free(live);
    pmc_cmp_free(bt);
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
