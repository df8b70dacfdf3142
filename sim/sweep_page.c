/* sim/sweep_page.c - the comparison of a latency sweep (sweep.h): the
 * table on stdout, sweep.csv, sweep.json, the charts (reports/sweep.gp:
 * P&L, fill rate and follower penalty against latency, the equity curves
 * overlaid) and index.html linking each run's report.html.
 *
 * Decides how the rows read: money as exact decimals in the files and
 * with 2 decimals in the table, ratios with fixed precision, rows in the
 * order given, so two sweeps of the same inputs write the same bytes.
 * A missing or failing gnuplot costs the charts only (a warning). Never
 * reads a clock. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/jsonout.h"
#include "sim/report_int.h"
#include "sim/sweep.h"

void pmc_sweep_text(FILE *f, const struct pmc_sweep *w,
                    const struct pmc_sweep_row *rows)
{
    fprintf(f, "%10s %12s %10s %9s %14s %12s %12s %12s %8s %8s%s\n", "latency",
            "pnl_usd", "fees_usd", "fill_rate", "source_pnl_usd", "penalty_usd",
            "at_our_size", "max_dd_usd", "orders", "fills",
            w->out ? "  report" : "");
    for (size_t i = 0; i < w->n; i++) {
        const struct pmc_sweep_row *r = &rows[i];
        char lat[32], a[32], b[32], c[32], d[32], e[32], g[32];
        snprintf(lat, sizeof lat, "%" PRId64 " ms", r->latency);
        fprintf(f,
                "%10s %12s %10s %9.4f %14s %12s %12s %12s %8" PRIu64
                " %8" PRIu64,
                lat, pmc__report_usd2(r->pnl, a, sizeof a),
                pmc__report_usd2(r->fees, b, sizeof b), r->fill_rate,
                pmc__report_usd2(r->source_pnl, c, sizeof c),
                pmc__report_usd2(r->penalty, d, sizeof d),
                pmc__report_usd2(r->penalty_sized, g, sizeof g),
                pmc__report_usd2(r->max_dd, e, sizeof e), r->orders, r->fills);
        if (w->out)
            fprintf(f, "  %s/report.html", r->dir);
        fputs(r->ledger_ok ? "\n" : "  LEDGER CHECK FAILED\n", f);
    }
}

void pmc_sweep_json(FILE *f, const struct pmc_sweep *w,
                    const struct pmc_sweep_row *rows)
{
    fputs("{\n  \"name\": ", f);
    pmc_json_str(f, w->name);
    fputs(",\n  \"tape\": ", f);
    pmc_json_str(f, w->tape);
    fprintf(f,
            ",\n  \"seed\": %" PRIu64 ",\n  \"detection_latency\": \"every "
            "source kind\",\n  \"follower_penalty\": \"source_pnl_usd - "
            "pnl_usd\",\n  \"penalty_at_our_size\": \"per market the source "
            "bought in: source P&L x our bought / source bought - our P&L, "
            "summed\",\n  \"runs\": [",
            w->o->seed);
    for (size_t i = 0; i < w->n; i++) {
        const struct pmc_sweep_row *r = &rows[i];
        fprintf(f, "%s\n    {\"latency_ms\": %" PRId64 ", \"report\": ",
                i ? "," : "", r->latency);
        if (r->dir[0])
            fprintf(f, "\"%s/report.html\"", r->dir);
        else
            fputs("null", f);
        fputs(", \"pnl_usd\": ", f);
        pmc__report_dec(f, r->pnl);
        fputs(", \"fees_usd\": ", f);
        pmc__report_dec(f, r->fees);
        fprintf(f, ", \"fill_rate\": %.4f, \"source_pnl_usd\": ", r->fill_rate);
        pmc__report_dec(f, r->source_pnl);
        fputs(", \"follower_penalty_usd\": ", f);
        pmc__report_dec(f, r->penalty);
        fputs(", \"penalty_at_our_size_usd\": ", f);
        pmc__report_dec(f, r->penalty_sized);
        fputs(", \"max_drawdown_usd\": ", f);
        pmc__report_dec(f, r->max_dd);
        fprintf(f,
                ", \"max_drawdown_pct\": %.4f, \"orders\": %" PRIu64
                ", \"fill_legs\": %" PRIu64 ", \"source_fills_seen\": %" PRIu64
                ", \"ledger_ok\": %s}",
                r->max_dd_pct, r->orders, r->fills, r->source_fills,
                r->ledger_ok ? "true" : "false");
    }
    fputs("\n  ]\n}\n", f);
}

static void csv(FILE *f, const struct pmc_sweep *w,
                const struct pmc_sweep_row *rows)
{
    fputs("latency_ms,pnl_usd,fees_usd,fill_rate,source_pnl_usd,"
          "follower_penalty_usd,penalty_at_our_size_usd,max_drawdown_usd,"
          "max_drawdown_pct,orders,"
          "fill_legs,source_fills_seen,report\n",
          f);
    for (size_t i = 0; i < w->n; i++) {
        const struct pmc_sweep_row *r = &rows[i];
        fprintf(f, "%" PRId64 ",", r->latency);
        pmc__report_dec(f, r->pnl);
        fputc(',', f);
        pmc__report_dec(f, r->fees);
        fprintf(f, ",%.4f,", r->fill_rate);
        pmc__report_dec(f, r->source_pnl);
        fputc(',', f);
        pmc__report_dec(f, r->penalty);
        fputc(',', f);
        pmc__report_dec(f, r->penalty_sized);
        fputc(',', f);
        pmc__report_dec(f, r->max_dd);
        fprintf(f, ",%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s/report.html\n",
                r->max_dd_pct, r->orders, r->fills, r->source_fills, r->dir);
    }
}

/* gnuplot on script in dir with defs; 0 on success */
static int gnuplot(const char *dir, const char *script, const char *defs,
                   int quiet)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir))
            _exit(127);
        FILE *a = freopen("/dev/null", "w", stdout);
        (void)a;
        if (quiet) {
            FILE *b = freopen("/dev/null", "w", stderr);
            (void)b;
        }
        if (script)
            execlp("gnuplot", "gnuplot", "-e", defs, script, (char *)NULL);
        else
            execlp("gnuplot", "gnuplot", "-e", defs, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* 1 when the charts were made, 0 after a warning on stderr */
static int charts(const struct pmc_sweep *w)
{
    char gp[PATH_MAX], gp_abs[PATH_MAX];
    if (!pmc_find_shared("reports/sweep.gp", gp, sizeof gp)) {
        fprintf(stderr, "pmcopy backtest: warning: reports/sweep.gp not "
                        "found (set PMC_HOME); the sweep has no charts\n");
        return 0;
    }
    if (!realpath(gp, gp_abs))
        snprintf(gp_abs, sizeof gp_abs, "%s", gp);
    if (gnuplot(".", NULL, "set terminal svg", 1) != 0) {
        fprintf(stderr, "pmcopy backtest: warning: gnuplot not found "
                        "(Debian: gnuplot-nox); the sweep has no charts\n");
        return 0;
    }
    const char *pngterm = gnuplot(".", NULL, "set terminal pngcairo", 1) == 0
                              ? "pngcairo"
                              : "png";
    /* logarithmic latency axis when every latency is > 0 and they span a
     * factor of 10 or more */
    pmc_ms lo = w->lat[0], hi = w->lat[0];
    for (size_t i = 1; i < w->n; i++) {
        lo = w->lat[i] < lo ? w->lat[i] : lo;
        hi = w->lat[i] > hi ? w->lat[i] : hi;
    }
    char defs[64 + PMC_SWEEP_MAX * 12];
    int n = snprintf(defs, sizeof defs, "pngterm='%s'; logx=%d; lats='",
                     pngterm, lo > 0 && hi >= 10 * lo);
    for (size_t i = 0; i < w->n; i++)
        n += snprintf(defs + n, sizeof defs - (size_t)n, "%s%" PRId64,
                      i ? " " : "", w->lat[i]);
    char all[sizeof defs + 32];
    int ok = 1;
    for (int k = 0; k < 2 && ok; k++) {
        snprintf(all, sizeof all, "%s'; fmt='%s'", defs, k ? "png" : "svg");
        ok = gnuplot(w->out, gp_abs, all, 0) == 0;
    }
    if (!ok)
        fprintf(stderr, "pmcopy backtest: warning: gnuplot failed; the "
                        "sweep has no charts\n");
    return ok;
}

static void html_usd(FILE *f, pmc_micros v)
{
    char b[32];
    fputs(pmc__report_usd2(v, b, sizeof b), f);
}

static void html_chart(FILE *f, const char *name, const char *caption, int ok)
{
    if (!ok) {
        fprintf(f,
                "<p class=\"missing\">%s: chart not available (gnuplot "
                "missing or failed)</p>\n",
                caption);
        return;
    }
    fprintf(f,
            "<figure><img src=\"%s.png\" alt=\"%s\"><figcaption>%s (<a "
            "href=\"%s.svg\">SVG</a>)</figcaption></figure>\n",
            name, caption, caption, name);
}

static void html(FILE *f, const struct pmc_sweep *w,
                 const struct pmc_sweep_row *rows, int ok)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
          "charset=\"utf-8\">\n<title>pmcopy backtest: latency sweep of ",
          f);
    pmc__report_html_str(f, w->name);
    fputs("</title>\n<style>\nbody { font-family: -apple-system, \"Segoe "
          "UI\", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: "
          "1000px; color: #222; padding: 0 1em; }\nh1 { font-size: 1.6em; "
          "}\nh2 { font-size: 1.2em; border-bottom: 1px solid #ddd; "
          "padding-bottom: 0.2em; margin-top: 2em; }\ntable { "
          "border-collapse: collapse; font-size: 0.85em; }\ntd, th { "
          "padding: 3px 10px; border-bottom: 1px solid #f0f0f0; text-align: "
          "right; white-space: nowrap; }\nth { background: #f7f7f7; }\nimg "
          "{ max-width: 100%; height: auto; }\nfigcaption, .note, .missing "
          "{ font-size: 0.85em; color: #555; }\n</style>\n</head>\n<body>\n"
          "<h1>pmcopy backtest: latency sweep of ",
          f);
    pmc__report_html_str(f, w->name);
    fputs("</h1>\n<p class=\"note\">tape ", f);
    pmc__report_html_str(f, w->tape);
    fprintf(f,
            ", read once; seed %" PRIu64
            "; each run is a full backtest with the same configuration, "
            "the detection latency of every source kind set to its value. "
            "Follower penalty = the copied traders' own P&amp;L over the "
            "same tape &minus; the copy's P&amp;L; at our size: per market "
            "the source bought in, its P&amp;L scaled to what the copy "
            "bought &minus; the copy's P&amp;L (the penalty_usd of each "
            "run's source_markets.csv). Fill rate = filled / ordered "
            "shares.</p>\n<h2>Runs</h2>\n<table>\n<tr><th>latency "
            "(ms)</th><th>P&amp;L (USD)</th><th>fees (USD)</th><th>fill "
            "rate</th><th>source P&amp;L (USD)</th><th>follower penalty "
            "(USD)</th><th>at our size (USD)</th><th>max drawdown "
            "(USD)</th><th>orders</th><th>fill legs</th><th>report</th>"
            "</tr>\n",
            w->o->seed);
    for (size_t i = 0; i < w->n; i++) {
        const struct pmc_sweep_row *r = &rows[i];
        fprintf(f, "<tr><td>%" PRId64 "</td><td>", r->latency);
        html_usd(f, r->pnl);
        fputs("</td><td>", f);
        html_usd(f, r->fees);
        fprintf(f, "</td><td>%.4f</td><td>", r->fill_rate);
        html_usd(f, r->source_pnl);
        fputs("</td><td>", f);
        html_usd(f, r->penalty);
        fputs("</td><td>", f);
        html_usd(f, r->penalty_sized);
        fputs("</td><td>", f);
        html_usd(f, r->max_dd);
        fprintf(f,
                "</td><td>%" PRIu64 "</td><td>%" PRIu64
                "</td><td><a href=\"%s/report.html\">%s</a>%s</td></tr>\n",
                r->orders, r->fills, r->dir, r->dir,
                r->ledger_ok ? "" : " (ledger check FAILED)");
    }
    fputs("</table>\n<p class=\"note\">The same numbers: <a "
          "href=\"sweep.csv\">sweep.csv</a>, <a "
          "href=\"sweep.json\">sweep.json</a>.</p>\n<h2>Against "
          "latency</h2>\n",
          f);
    html_chart(f, "sweep_pnl", "P&amp;L of the copy and of the source", ok);
    html_chart(f, "sweep_fill", "Fill rate", ok);
    html_chart(f, "sweep_penalty", "Follower penalty", ok);
    fputs("<h2>Equity curves</h2>\n", f);
    html_chart(f, "sweep_equity", "Equity by detection latency", ok);
    fputs("</body>\n</html>\n", f);
}

enum pmc_err pmc_sweep_page(const struct pmc_sweep *w,
                            const struct pmc_sweep_row *rows, char *err,
                            size_t cap)
{
    static const char *const names[] = {"sweep.csv", "sweep.json"};
    for (int k = 0; k < 2; k++) {
        FILE *f = pmc__report_open_in(w->out, names[k], err, cap);
        if (!f)
            return PMC_EIO;
        if (k)
            pmc_sweep_json(f, w, rows);
        else
            csv(f, w, rows);
        if (pmc__report_close_file(&f)) {
            snprintf(err, cap, "%s/%s: write error", w->out, names[k]);
            return PMC_EIO;
        }
    }
    int ok = charts(w);
    FILE *f = pmc__report_open_in(w->out, "index.html", err, cap);
    if (!f)
        return PMC_EIO;
    html(f, w, rows, ok);
    if (pmc__report_close_file(&f)) {
        snprintf(err, cap, "%s/index.html: write error", w->out);
        return PMC_EIO;
    }
    return PMC_OK;
}
