/* research/optimize/report.c - overfit.json, best.json, sensitivity.csv,
 * summary.json and report.html of an optimize run (report.h).
 *
 * Decides: how the verdict reads (what PBO, DSR, WFE and the plateau say,
 * --strict's thresholds stated beside them). Never: computes a statistic
 * (analyse.c and overfit.c do), reads the clock. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/config_load.h"
#include "proto/jsonout.h"
#include "research/optimize/report.h"

static FILE *out(const struct pmc__opt_summary *s, const char *name, char *err,
                 size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", s->o->out, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, cap, "%s: %s", path, strerror(errno));
    return f;
}

static int done(FILE *f, const struct pmc__opt_summary *s, const char *name,
                char *err, size_t cap)
{
    if (fclose(f) != 0) {
        snprintf(err, cap, "%s/%s: write error", s->o->out, name);
        return -1;
    }
    return 0;
}

static void num(FILE *f, double v, int prec)
{
    if (isfinite(v))
        fprintf(f, "%.*f", prec, v);
    else
        fputs("null", f);
}

/* the best trial's values */
static int best_vals(const struct pmc__opt_summary *s,
                     char vals[][PMC_SPACE_VAL_MAX], char *err, size_t cap)
{
    return pmc_space_trial(s->o->space, s->o->how, s->o->seed, s->v->best, vals,
                           err, cap) != 0
               ? -1
               : 0;
}

static void params_json(FILE *f, const struct pmc_space *sp,
                        char vals[][PMC_SPACE_VAL_MAX])
{
    fputc('{', f);
    for (size_t d = 0; d < pmc_space_ndims(sp); d++) {
        fprintf(f, "%s\"%s\":", d ? "," : "", pmc_space_key(sp, d));
        pmc_json_str(f, vals[d]);
    }
    fputc('}', f);
}

int pmc__opt_write_overfit(const struct pmc__opt_summary *s, char *err,
                           size_t cap)
{
    FILE *f = out(s, "overfit.json", err, cap);
    if (!f)
        return -1;
    const struct pmc_pbo *p = s->pbo;
    fputs("{\n  \"pbo\": ", f);
    if (s->v->pbo_known)
        num(f, p->pbo, 4);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"pbo_detail\": {\"combinations\": %zu, \"logit_mean\": ",
            p->combinations);
    num(f, p->logit_mean, 4);
    fputs(", \"logit_median\": ", f);
    num(f, p->logit_median, 4);
    fputs(", \"degradation_slope\": ", f);
    num(f, p->slope, 4);
    fputs(", \"prob_oos_loss\": ", f);
    num(f, p->prob_oos_loss, 4);
    fputs(", \"why_unknown\": ", f);
    pmc_json_str(f, s->v->pbo_known ? NULL : s->pbo_why);
    fputs("},\n  \"dsr\": ", f);
    if (s->v->dsr_known)
        num(f, s->v->dsr, 4);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"dsr_detail\": {\"sharpe_daily\": ");
    num(f, s->best_sr, 6);
    fputs(", \"sharpe_annualised\": ", f);
    num(f, s->best_sr * sqrt(365.0), 4);
    fputs(", \"sr0_daily\": ", f);
    num(f, s->sr0, 6);
    fputs(", \"var_sharpe_trials\": ", f);
    num(f, s->var_sr, 8);
    fprintf(f, ", \"trials\": %" PRIu64 ", \"days\": %" PRIu32 ", \"skew\": ",
            s->ran, s->days);
    num(f, s->mo->skew, 4);
    fputs(", \"kurtosis\": ", f);
    num(f, s->mo->kurt, 4);
    fputs("},\n  \"wfe\": ", f);
    num(f, s->v->wfe, 4);
    fputs(",\n  \"wfe_detail\": {\"is_pnl_usd_per_day\": ", f);
    num(f, s->is_rate, 6);
    fputs(", \"oos_pnl_usd_per_day\": ", f);
    num(f, s->oos_rate, 6);
    fprintf(f,
            ", \"folds\": %u},\n  \"plateau\": {\"neighbours\": %zu, "
            "\"best\": ",
            s->nwf, s->nb_ok);
    num(f, s->v->best_objective, 6);
    fputs(", \"neighbours_mean\": ", f);
    num(f, s->nb_mean, 6);
    fputs(", \"neighbours_min\": ", f);
    num(f, s->nb_min, 6);
    fputs("},\n  \"strict\": {\"pbo_max\": 0.5, \"dsr_min\": 0.95}\n}\n", f);
    return done(f, s, "overfit.json", err, cap);
}

int pmc__opt_write_best(const struct pmc__opt_summary *s, char *err, size_t cap)
{
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];
    if (best_vals(s, vals, err, cap) < 0)
        return -1;
    struct pmc_config *c = malloc(sizeof *c);
    if (!c) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    *c = *s->o->base;
    struct pmc_sim_opts so = s->o->sim;
    if (pmc_space_apply(s->o->space, vals, c, &so, err, cap) < 0) {
        free(c);
        return -1;
    }
    FILE *f = out(s, "best.json", err, cap);
    int rc = -1;
    if (f) {
        rc = pmc_config_write_json(c, f) == PMC_OK ? 0 : -1;
        if (done(f, s, "best.json", err, cap) < 0)
            rc = -1;
        else if (rc < 0)
            snprintf(err, cap, "%s/best.json: write error", s->o->out);
    }
    free(c);
    return rc;
}

static const char *strict_word(const struct pmc__opt_summary *s)
{
    int bad_pbo = s->v->pbo_known && s->v->pbo > 0.5;
    int bad_dsr = !s->v->dsr_known || s->v->dsr < 0.95;
    return bad_pbo || bad_dsr ? "fails" : "passes";
}

int pmc__opt_write_summary(const struct pmc__opt_summary *s, const double *obj,
                           char *err, size_t cap)
{
    (void)obj;
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];
    if (best_vals(s, vals, err, cap) < 0)
        return -1;
    FILE *f = out(s, "summary.json", err, cap);
    if (!f)
        return -1;
    const struct pmc_opt_opts *o = s->o;
    fputs("{\n  \"pmcopy\": ", f);
    pmc_json_str(f, o->version ? o->version : "");
    fputs(",\n  \"tape\": ", f);
    pmc_json_str(f, o->tape_path);
    fprintf(f,
            ",\n  \"search\": \"%s\",\n  \"seed\": %" PRIu64
            ",\n  \"objective\": \"%s\",\n  \"trials\": %" PRIu64
            ",\n  \"trials_failed\": %" PRIu64 ",\n  \"days\": %" PRIu32
            ",\n  \"folds\": %u,\n  \"embargo_days\": %u,\n  \"best\": "
            "{\"trial\": %" PRIu64 ", \"params\": ",
            o->how == PMC_SEARCH_SOBOL ? "sobol" : "grid", o->seed,
            pmc_objective_name(o->objective), s->v->trials,
            s->v->trials - s->ran, s->days, o->folds, o->embargo, s->v->best);
    params_json(f, o->space, vals);
    fputs(", \"objective\": ", f);
    num(f, s->v->best_objective, 6);
    fputs("},\n  \"pbo\": ", f);
    if (s->v->pbo_known)
        num(f, s->v->pbo, 4);
    else
        fputs("null", f);
    fputs(",\n  \"dsr\": ", f);
    if (s->v->dsr_known)
        num(f, s->v->dsr, 4);
    else
        fputs("null", f);
    fputs(",\n  \"wfe\": ", f);
    num(f, s->v->wfe, 4);
    fprintf(f, ",\n  \"strict\": \"%s\"\n}\n", strict_word(s));
    return done(f, s, "summary.json", err, cap);
}

int pmc__opt_write_report(const struct pmc__opt_summary *s, const double *obj,
                          const unsigned char *failed, uint64_t n,
                          const double *oos, const unsigned char *in_oos,
                          char *err, size_t cap)
{
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];
    if (best_vals(s, vals, err, cap) < 0)
        return -1;
    FILE *f = out(s, "report.html", err, cap);
    if (!f)
        return -1;
    const struct pmc_opt_opts *o = s->o;
    fputs("<!doctype html><html><head><meta charset=\"utf-8\">"
          "<title>pmcopy optimize</title><style>"
          "body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:"
          "1100px}table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
          "th{background:#f3f3f3}td.l,th.l{text-align:left}"
          ".bad{color:#b00}.good{color:#070}"
          ".heats{display:flex;flex-wrap:wrap;gap:12px}"
          ".heats figure{margin:0}.heats.compact{gap:4px}"
          ".heats.compact figcaption{font-size:11px}"
          "@media print{body{margin:0}}</style></head><body>\n",
          f);
    fputs("<h1>pmcopy optimize</h1>\n<p>Tape <code>", f);
    pmc__opt_html(f, o->tape_path);
    fprintf(f,
            "</code>, %" PRIu64 " trials (%s search, seed %" PRIu64
            "), %" PRIu32 " days, objective <b>%s</b>, %u folds, embargo %u "
            "days.</p>\n",
            s->v->trials, o->how == PMC_SEARCH_SOBOL ? "sobol" : "grid",
            o->seed, s->days, pmc_objective_name(o->objective), o->folds,
            o->embargo);
    fputs("<h2>Verdict</h2><table>", f);
    fprintf(f,
            "<tr><th class=l>probability of backtest overfitting (PBO, "
            "CSCV)</th><td class=%s>",
            s->v->pbo_known && s->v->pbo > 0.5 ? "bad" : "good");
    if (s->v->pbo_known)
        fprintf(f, "%.3f", s->v->pbo);
    else {
        fputs("unknown: ", f);
        pmc__opt_html(f, s->pbo_why);
    }
    fprintf(f, "</td><td class=l>over 0.5: the best in-sample trial is below "
               "the median out of sample more often than not</td></tr>\n");
    fprintf(f,
            "<tr><th class=l>deflated Sharpe ratio of the best trial</th>"
            "<td class=%s>",
            s->v->dsr_known && s->v->dsr >= 0.95 ? "good" : "bad");
    if (s->v->dsr_known)
        fprintf(f, "%.3f", s->v->dsr);
    else
        fputs("unknown (no variation in its daily P&amp;L)", f);
    fprintf(f,
            "</td><td class=l>the probability its Sharpe ratio is above "
            "what the best of %" PRIu64
            " skill-less trials would show; below 0.95 is not "
            "significant</td></tr>\n",
            s->ran);
    fputs("<tr><th class=l>walk-forward efficiency</th><td>", f);
    num(f, s->v->wfe, 3);
    fputs("</td><td class=l>out-of-sample P&amp;L per day over in-sample, "
          "with the parameters re-chosen on each in-sample fold</td></tr>\n",
          f);
    fprintf(f,
            "<tr><th class=l>plateau</th><td>%zu neighbours</td><td "
            "class=l>mean ",
            s->nb_ok);
    num(f, s->nb_mean, 4);
    fputs(", worst ", f);
    num(f, s->nb_min, 4);
    fputs(" against the best's ", f);
    num(f, s->v->best_objective, 4);
    fprintf(f,
            "</td></tr>\n<tr><th class=l>--strict</th><td>%s</td><td "
            "class=l>PBO &le; 0.5 and DSR &ge; 0.95</td></tr></table>\n",
            strict_word(s));
    fprintf(f, "<h2>Best trial (%" PRIu64 ")</h2><table>", s->v->best);
    for (size_t d = 0; d < pmc_space_ndims(o->space); d++) {
        fputs("<tr><th class=l>", f);
        pmc__opt_html(f, pmc_space_key(o->space, d));
        fputs("</th><td>", f);
        pmc__opt_html(f, vals[d]);
        fputs("</td></tr>", f);
    }
    fputs("</table><p>Its configuration: <a href=\"best.json\">best.json</a> "
          "(<code>pmcopy backtest TAPE --config best.json</code>).</p>\n",
          f);
    fputs("<h2>Walk-forward</h2><table><tr><th>fold</th><th>in-sample "
          "days</th><th>out-of-sample days</th><th>chosen trial</th><th>IS "
          "P&amp;L/day</th><th>OOS P&amp;L/day</th></tr>\n",
          f);
    for (unsigned k = 0; k < s->nwf; k++)
        fprintf(f,
                "<tr><td>%u</td><td>%" PRIu32 "</td><td>%" PRIu32
                "</td><td>%" PRIu64 "</td><td>%.2f</td><td>%.2f</td></tr>\n",
                s->wf[k].fold, s->wf[k].is_b - s->wf[k].is_a,
                s->wf[k].oos_b - s->wf[k].oos_a, s->wf[k].chosen,
                s->wf[k].is_pnl_day, s->wf[k].oos_pnl_day);
    fputs("</table>\n", f);
    /* the spliced out-of-sample equity as an inline SVG */
    double eq = 0, lo = 0, hi = 0;
    uint32_t npt = 0;
    for (uint32_t d = 0; d < s->days; d++)
        if (in_oos[d]) {
            eq += oos[d];
            lo = eq < lo ? eq : lo;
            hi = eq > hi ? eq : hi;
            npt++;
        }
    if (npt > 1) {
        double span = hi - lo > 0 ? hi - lo : 1;
        fputs("<h2>Out-of-sample equity (spliced folds)</h2>"
              "<svg width=\"800\" height=\"240\" viewBox=\"0 0 800 240\" "
              "role=\"img\"><rect width=\"800\" height=\"240\" fill=\"#fff\" "
              "stroke=\"#ccc\"/><polyline fill=\"none\" stroke=\"#1f77b4\" "
              "stroke-width=\"2\" points=\"",
              f);
        eq = 0;
        uint32_t k = 0;
        for (uint32_t d = 0; d < s->days; d++)
            if (in_oos[d]) {
                eq += oos[d];
                fprintf(f, "%.1f,%.1f ", 10 + 780.0 * k / (npt - 1),
                        230 - 220 * (eq - lo) / span);
                k++;
            }
        fprintf(f,
                "\"/><text x=\"12\" y=\"16\" font-size=\"12\">%.2f "
                "USD</text><text x=\"12\" y=\"236\" font-size=\"12\">%.2f "
                "USD</text></svg>\n",
                hi, lo);
    }
    if (pmc__opt_write_heatmaps(f, s, obj, failed, n, err, cap) < 0) {
        fclose(f);
        return -1;
    }
    fputs("<p>Files: <a href=\"trials.csv\">trials.csv</a>, <a "
          "href=\"trials.jsonl\">trials.jsonl</a>, <a "
          "href=\"daily_pnl.csv\">daily_pnl.csv</a>, <a "
          "href=\"walkforward.csv\">walkforward.csv</a>, <a "
          "href=\"oos_equity.csv\">oos_equity.csv</a>, <a "
          "href=\"sensitivity.csv\">sensitivity.csv</a>, <a "
          "href=\"overfit.json\">overfit.json</a>, <a "
          "href=\"summary.json\">summary.json</a>.</p>\n</body></html>\n",
          f);
    return done(f, s, "report.html", err, cap);
}
