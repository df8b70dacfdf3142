/* research/rank/report.c - the report folder of `pmcopy rank --out DIR`
 * (report.h).
 *
 * Decides the folder: ranking.json and ranking.csv (rank.h's output),
 * wallets/ADDR/ for the first `top` rows (the backtest report of sim/ at
 * L*), and report.html, self-contained: the ranking table with links, the
 * edge-versus-latency curves of the top wallets and the score against the
 * source's (or the leaderboard's) P&L as inline SVG. Never reads a clock;
 * equal inputs give equal bytes. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/dec.h"

#include "research/rank/rank_int.h"
#include "research/rank/report.h"
#include "sim/report.h"

static int mkdir_p(const char *dir, char *err, size_t cap)
{
    char b[4096];
    if (snprintf(b, sizeof b, "%s", dir) >= (int)sizeof b) {
        snprintf(err, cap, "%.200s: path too long", dir);
        return -1;
    }
    for (char *p = b + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(b, 0777) != 0 && errno != EEXIST) {
            snprintf(err, cap, "%.200s: %s", b, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(b, 0777) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%.200s: %s", b, strerror(errno));
        return -1;
    }
    return 0;
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t cap)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        snprintf(err, cap, "%.200s: %s", p, strerror(errno));
    return f;
}

static int close_ok(FILE *f, const char *dir, const char *name, char *err,
                    size_t cap)
{
    int bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        snprintf(err, cap, "%.200s/%s: write error", dir, name);
        return -1;
    }
    return 0;
}

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static const char *const palette[10] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* Copy P&L (USD) versus detection latency, top wallets. */
static void curves(FILE *f, const struct pmc_rank_wallet *w, const size_t *ord,
                   size_t k)
{
    const double W = 640, H = 300, L = 60, B = 30;
    double lo = 0, hi = 0, lmax = 1;
    for (size_t i = 0; i < k; i++)
        for (int r = 0; r < PMC_RANK_NLAT; r++) {
            double e = (double)w[ord[i]].copy_pnl[r] / 1e6;
            lo = e < lo ? e : lo;
            hi = e > hi ? e : hi;
            if ((double)w[ord[i]].lat[r] > lmax)
                lmax = (double)w[ord[i]].lat[r];
        }
    if (hi - lo < 1e-9)
        hi = lo + 1;
    fprintf(f,
            "<svg width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\">\n",
            W, H);
    double y0 = H - B - (0 - lo) / (hi - lo) * (H - 2 * B);
    fprintf(f,
            "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
            "stroke=\"#999\"/>\n",
            L, y0, W - 10, y0);
    fprintf(
        f,
        "<text x=\"5\" y=\"15\" font-size=\"11\">edge %.3f .. %.3f (P&amp;L "
        "per USD bought); x: latency 0 .. %.0f ms</text>\n",
        lo, hi, lmax);
    for (size_t i = 0; i < k; i++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" points=\"",
                palette[i % 10]);
        for (int r = 0; r < PMC_RANK_NLAT; r++) {
            double x = L + (double)w[ord[i]].lat[r] / lmax * (W - L - 10);
            double y = H - B -
                       ((double)w[ord[i]].copy_pnl[r] / 1e6 - lo) / (hi - lo) *
                           (H - 2 * B);
            fprintf(f, "%s%.1f,%.1f", r ? " " : "", x, y);
        }
        fprintf(f,
                "\"/>\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" "
                "fill=\"%s\">%zu</text>\n",
                W - 30.0, 30.0 + 12.0 * (double)i, palette[i % 10], i + 1);
    }
    fputs("</svg>\n", f);
}

/* Score against the source's own (or leaderboard) P&L, rated wallets. */
static void scatter(FILE *f, const struct pmc_rank_wallet *w,
                    const struct pmc_rank_score *sc, size_t n)
{
    const double W = 640, H = 300, M = 40;
    double xl = 0, xh = 0, yl = 0, yh = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sc[i].rated)
            continue;
        double x = (double)(w[i].has_lb ? w[i].lb_pnl : w[i].src_pnl) / 1e6;
        xl = x < xl ? x : xl;
        xh = x > xh ? x : xh;
        yl = sc[i].score < yl ? sc[i].score : yl;
        yh = sc[i].score > yh ? sc[i].score : yh;
    }
    if (xh - xl < 1e-9)
        xh = xl + 1;
    if (yh - yl < 1e-9)
        yh = yl + 1;
    fprintf(f,
            "<svg width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\">\n",
            W, H);
    fprintf(f,
            "<text x=\"5\" y=\"15\" font-size=\"11\">x: source P&amp;L %.0f .. "
            "%.0f USD; y: score %.2f .. %.2f USD/day</text>\n",
            xl, xh, yl, yh);
    for (size_t i = 0; i < n; i++) {
        if (!sc[i].rated)
            continue;
        double x = (double)(w[i].has_lb ? w[i].lb_pnl : w[i].src_pnl) / 1e6;
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>"
                "%s</title></circle>\n",
                M + (x - xl) / (xh - xl) * (W - 2 * M),
                H - M - (sc[i].score - yl) / (yh - yl) * (H - 2 * M),
                sc[i].score > 0 ? "#2ca02c" : "#d62728", w[i].addr.s);
    }
    fputs("</svg>\n", f);
}

static int write_html(const char *dir, const struct pmc_rank_wallet *w,
                      const struct pmc_rank_score *sc, const size_t *ord,
                      size_t n, size_t K, const struct pmc_rank_report_info *ri,
                      size_t ntop, char *err, size_t cap)
{
    FILE *f = open_in(dir, "report.html", err, cap);
    if (!f)
        return -1;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
          "<title>pmcopy rank</title><style>body{font-family:sans-serif;"
          "margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;"
          "border-bottom:1px solid #ddd;text-align:right}td.l{text-align:left}"
          "</style></head><body>\n<h1>pmcopy rank</h1>\n<p>tape ",
          f);
    html_text(f, ri->tape ? ri->tape : "");
    fprintf(f, "; configuration ");
    html_text(f, ri->config_file ? ri->config_file : "(defaults)");
    fprintf(f,
            "; L* = %" PRId64 " ms; %zu wallets screened; z = %.4f. Score = "
            "USD bought per active day &times; min(LB(L*), LB(2L*)), LB the "
            "edge without the best market minus z standard errors "
            "(docs/rank.md).</p>\n",
            n ? w[0].lat[PMC_RANK_L1] : (pmc_ms)0, K, pmc_rank_z(K));
    fputs("<h2>Copy P&amp;L versus detection latency (top wallets)</h2>\n", f);
    curves(f, w, ord, n < 10 ? n : 10);
    fputs("<h2>Score against the source's own P&amp;L</h2>\n", f);
    scatter(f, w, sc, n);
    fputs("<h2>Ranking</h2>\n<table><tr><th>rank</th><th>wallet</th>"
          "<th>score USD/day</th><th>edge 0</th><th>edge L*</th>"
          "<th>edge 2L*</th><th>edge 4L*</th><th>edge 4&times; size</th>"
          "<th>markets</th><th>days</th><th>source P&amp;L</th>"
          "<th>copy P&amp;L</th><th>why unrated</th></tr>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct pmc_rank_wallet *x = &w[ord[i]];
        const struct pmc_rank_score *s = &sc[ord[i]];
        char a[32], b[32];
        pmc_dec_format(x->src_pnl, a);
        pmc_dec_format(x->copy_pnl[PMC_RANK_L1], b);
        fputs("<tr><td>", f);
        if (s->rated)
            fprintf(f, "%" PRIu32, s->rank);
        fputs("</td><td class=\"l\">", f);
        if (i < ntop)
            fprintf(f, "<a href=\"wallets/%s/report.html\">%s</a>", x->addr.s,
                    x->addr.s);
        else
            fputs(x->addr.s, f);
        if (x->label[0]) {
            fputs(" ", f);
            html_text(f, x->label);
        }
        fprintf(f, "</td><td>%.2f</td>", s->rated ? s->score : 0.0);
        for (int r = 0; r < PMC_RANK_NLAT; r++)
            fprintf(f, "<td>%.4f</td>", s->edge[r]);
        fprintf(f,
                "<td>%.4f</td><td>%" PRIu32 "</td><td>%" PRIu32
                "</td><td>%s</td><td>%s</td><td class=\"l\">",
                s->edge[PMC_RANK_CAP], s->markets, x->active_days, a, b);
        if (!s->rated)
            html_text(f, s->why);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n</body></html>\n", f);
    return close_ok(f, dir, "report.html", err, cap);
}

/* scores and the ranking order of w[0..n) with K; -1 out of memory */
static int ranked(const struct pmc_rank_wallet *w, size_t n, size_t K,
                  struct pmc_rank_score **sc, size_t **ord)
{
    *sc = calloc(n + 1, sizeof **sc);
    *ord = malloc((n + 1) * sizeof **ord);
    if (!*sc || !*ord || pmc_rank_score_all(w, n, K, *sc) < 0)
        return -1;
    pmc__rank_order(w, *sc, n, *ord);
    return 0;
}

int pmc_rank_report_html(const char *dir, const struct pmc_rank_wallet *w,
                         size_t n, size_t K,
                         const struct pmc_rank_report_info *ri, size_t linked,
                         char *err, size_t cap)
{
    if (mkdir_p(dir, err, cap) < 0)
        return -1;
    struct pmc_rank_score *sc = NULL;
    size_t *ord = NULL;
    int rc = -1;
    if (ranked(w, n, K, &sc, &ord) < 0) {
        snprintf(err, cap, "%s: out of memory", dir);
        goto done;
    }
    static const char *const names[2] = {"ranking.json", "ranking.csv"};
    for (int k = 0; k < 2; k++) {
        FILE *f = open_in(dir, names[k], err, cap);
        if (!f)
            goto done;
        int bad = pmc_rank_write(f, k ? PMC_RANK_CSV : PMC_RANK_JSON, w, sc, n,
                                 K, 0) < 0;
        if (close_ok(f, dir, names[k], err, cap) < 0 || bad)
            goto done;
    }
    rc = write_html(dir, w, sc, ord, n, K, ri, linked < n ? linked : n, err,
                    cap);
done:
    free(sc);
    free(ord);
    return rc;
}

long pmc_rank_report_wallets(const char *dir, const struct pmc_rank_tape *t,
                             const size_t *idx, const struct pmc_rank_wallet *w,
                             size_t n, const struct pmc_rank_opts *o,
                             const struct pmc_rank_report_info *ri, char *err,
                             size_t cap)
{
    struct pmc_rank_score *sc = NULL;
    size_t *ord = NULL;
    long rc = -1;
    if (ranked(w, n, n, &sc, &ord) < 0) {
        snprintf(err, cap, "%s: out of memory", dir);
        goto done;
    }
    size_t ntop = ri->top < n ? ri->top : n;
    for (size_t i = 0; i < ntop; i++) {
        if (idx[ord[i]] == SIZE_MAX) { /* not on the tape: nothing to show */
            ntop = i;
            break;
        }
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/wallets/%s", dir, w[ord[i]].addr.s);
        if (mkdir_p(sub, err, cap) < 0)
            goto done;
        struct pmc_report_info info = {w[ord[i]].addr.s, ri->tape,
                                       "rank: every source kind at L*",
                                       ri->config_file};
        if (pmc__rank_wallet_report(t, idx[ord[i]], o, sub, &info, err, cap) <
            0)
            goto done;
    }
    rc = (long)ntop;
done:
    free(sc);
    free(ord);
    return rc;
}

int pmc_rank_report_write(const char *dir, const struct pmc_rank_tape *t,
                          const size_t *idx, const struct pmc_rank_wallet *w,
                          size_t n, const struct pmc_rank_opts *o,
                          const struct pmc_rank_report_info *ri, char *err,
                          size_t cap)
{
    if (mkdir_p(dir, err, cap) < 0)
        return -1;
    long k = pmc_rank_report_wallets(dir, t, idx, w, n, o, ri, err, cap);
    if (k < 0)
        return -1;
    return pmc_rank_report_html(dir, w, n, n, ri, (size_t)k, err, cap);
}
