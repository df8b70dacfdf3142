/* sim/report_risk.c - the risk figures of a finished run, read back from
 * the report folder's equity.csv (every equity change the ledger wrote):
 * daily returns on starting capital (UTC days, the last equity of a day is
 * its close, a day without a row keeps the previous close), Sharpe,
 * Sortino and Calmar annualised over 365 days, and the drawdown episodes
 * (start = last row at the peak, trough, recovery = first row back at or
 * above the peak) with the five deepest kept.
 * Decides how risk is measured; never writes a file, never reads a clock.
 * Equity is parsed as integer micros; doubles only for the ratios. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "sim/report_int.h"

#define DAY_MS 86400000LL
#define MAX_DAYS 100000 /* ~274 years of tape: more is an error */

static void dd_keep(struct pmc_report_risk *rk, const struct pmc_report_dd *e)
{
    uint32_t n = rk->ndd;
    if (n < PMC_REPORT_DD_TOP)
        rk->dd[rk->ndd++] = *e;
    else if (e->depth > rk->dd[n - 1].depth)
        rk->dd[n - 1] = *e;
    else
        return;
    /* keep deepest first; ties keep the earlier episode first */
    for (uint32_t i = rk->ndd - 1;
         i > 0 && rk->dd[i].depth > rk->dd[i - 1].depth; i--) {
        struct pmc_report_dd t = rk->dd[i];
        rk->dd[i] = rk->dd[i - 1];
        rk->dd[i - 1] = t;
    }
}

/* t, equity and positions from one equity.csv line
 * (t_ms,equity_usd,cash_usd,positions_usd,...); 0 on a malformed line */
static int parse_row(const char *line, pmc_ms *t, pmc_micros *eq,
                     pmc_micros *pos)
{
    const char *c[4];
    const char *p = line;
    for (int i = 0; i < 4; i++) {
        c[i] = strchr(p, ',');
        if (!c[i])
            return 0;
        p = c[i] + 1;
    }
    int64_t tv;
    if (pmc_int_parse(line, (size_t)(c[0] - line), &tv) != PMC_OK ||
        pmc_dec_parse(c[0] + 1, (size_t)(c[1] - c[0] - 1), eq) != PMC_OK ||
        pmc_dec_parse(c[2] + 1, (size_t)(c[3] - c[2] - 1), pos) != PMC_OK)
        return 0;
    *t = tv;
    return 1;
}

/* the source's P&L: the last row of dir/source_equity.csv, when there */
static enum pmc_err source_last(const char *dir, struct pmc_report_risk *rk,
                                char *err, size_t cap)
{
    char path[4096], line[256];
    snprintf(path, sizeof path, "%s/source_equity.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return PMC_OK;
    uint64_t n = 0;
    enum pmc_err rc = PMC_OK;
    while (fgets(line, sizeof line, f)) {
        if (n++ == 0)
            continue;
        const char *c1 = strchr(line, ','),
                   *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2 || pmc_dec_parse(c1 + 1, (size_t)(c2 - c1 - 1),
                                 &rk->source_pnl) != PMC_OK) {
            snprintf(err, cap, "%s:%llu: malformed row", path,
                     (unsigned long long)n);
            rc = PMC_EPARSE;
            break;
        }
    }
    fclose(f);
    rk->has_source = rc == PMC_OK;
    return rc;
}

enum pmc_err pmc_report_risk(const char *dir, const struct pmc_sim *s,
                             struct pmc_report_risk *rk, char *err, size_t cap)
{
    memset(rk, 0, sizeof *rk);
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/equity.csv", dir) >=
        sizeof path) {
        snprintf(err, cap, "%s: path too long", dir);
        return PMC_EIO;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: cannot read", path);
        return PMC_EIO;
    }
    pmc_micros capital = s->r.capital;
    rk->capital = capital;
    char line[1024];
    uint64_t lineno = 0;
    int64_t day0 = 0, dayn = 0;
    pmc_micros *close = NULL;
    size_t nclose = 0;
    int any = 0, in_dd = 0;
    pmc_micros last_pos = 0;
    long double expo_sum = 0; /* micros x ms */
    pmc_micros peak = capital;
    pmc_ms peak_t = 0, t_last = 0;
    struct pmc_report_dd cur = {0};
    enum pmc_err rc = PMC_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1)
            continue; /* header */
        pmc_ms t;
        pmc_micros eq, pos;
        if (!strchr(line, '\n') || !parse_row(line, &t, &eq, &pos)) {
            snprintf(err, cap, "%s:%llu: malformed equity row", path,
                     (unsigned long long)lineno);
            rc = PMC_EPARSE;
            goto out;
        }
        int64_t day = t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);
        if (!any) {
            any = 1;
            day0 = day;
            dayn = day;
            peak_t = t;
            rk->t_first = t;
        }
        if (day < dayn || (any && t < t_last)) {
            snprintf(err, cap, "%s:%llu: equity rows out of time order", path,
                     (unsigned long long)lineno);
            rc = PMC_EPARSE;
            goto out;
        }
        if (day - day0 >= MAX_DAYS) {
            snprintf(err, cap, "%s:%llu: more than %d days of equity", path,
                     (unsigned long long)lineno, MAX_DAYS);
            rc = PMC_ERANGE;
            goto out;
        }
        size_t need = (size_t)(day - day0) + 1;
        if (need > nclose) {
            pmc_micros *nc = realloc(close, need * sizeof *nc);
            if (!nc) {
                snprintf(err, cap, "%s: out of memory", path);
                rc = PMC_ENOMEM;
                goto out;
            }
            close = nc;
            /* days without a row keep the previous close */
            pmc_micros prev = nclose ? close[nclose - 1] : capital;
            for (size_t i = nclose; i < need; i++)
                close[i] = prev;
            nclose = need;
        }
        close[need - 1] = eq;
        /* exposure: the previous row's positions held until this row */
        if (any > 1)
            expo_sum += (long double)last_pos * (long double)(t - t_last);
        any = 2;
        last_pos = pos;
        if (pos > rk->exposure_max)
            rk->exposure_max = pos;
        dayn = day;
        t_last = t;
        /* drawdown episodes */
        if (eq >= peak) {
            if (in_dd) {
                cur.recovered = 1;
                cur.t_recovery = t;
                dd_keep(rk, &cur);
                rk->episodes++;
                in_dd = 0;
            }
            peak = eq;
            peak_t = t;
        } else {
            if (!in_dd) {
                memset(&cur, 0, sizeof cur);
                in_dd = 1;
                cur.t_start = peak_t;
                cur.peak = peak;
                cur.depth = 0;
            }
            if (peak - eq > cur.depth) {
                cur.depth = peak - eq;
                cur.t_trough = t;
            }
        }
    }
    if (ferror(f)) {
        snprintf(err, cap, "%s: read error", path);
        rc = PMC_EIO;
        goto out;
    }
    rk->t_last = t_last;
    if (any && t_last > rk->t_first)
        rk->exposure_avg =
            (pmc_micros)(expo_sum / (long double)(t_last - rk->t_first));
    if (in_dd) {
        cur.recovered = 0;
        cur.t_recovery = t_last; /* duration up to the end of the data */
        dd_keep(rk, &cur);
        rk->episodes++;
    }
    rk->days = (uint32_t)nclose;
    rk->day_first_ms = day0 * DAY_MS;
    if (capital <= 0 || nclose == 0)
        goto out;
    /* daily returns on starting capital */
    double sum = 0, sumsq_dn = 0;
    pmc_micros prev = capital;
    for (size_t i = 0; i < nclose; i++) {
        double r = (double)(close[i] - prev) / (double)capital;
        sum += r;
        if (r < 0)
            sumsq_dn += r * r;
        prev = close[i];
    }
    double n = (double)nclose, mean = sum / n;
    double ss = 0;
    prev = capital;
    for (size_t i = 0; i < nclose; i++) {
        double r = (double)(close[i] - prev) / (double)capital - mean;
        ss += r * r;
        prev = close[i];
    }
    rk->mean_daily = mean;
    rk->annual_return = mean * 365.0;
    if (nclose >= 2) {
        double sd = sqrt(ss / (n - 1));
        rk->sd_daily = sd;
        if (sd > 0) {
            rk->sharpe = mean / sd * sqrt(365.0);
            rk->has_sharpe = 1;
        }
        double dn = sqrt(sumsq_dn / n);
        if (dn > 0) {
            rk->sortino = mean / dn * sqrt(365.0);
            rk->has_sortino = 1;
        }
    }
    if (nclose >= 2 && rk->ndd && rk->dd[0].depth > 0) {
        rk->calmar =
            rk->annual_return / ((double)rk->dd[0].depth / (double)capital);
        rk->has_calmar = 1;
    }
out:
    free(close);
    fclose(f);
    if (rc == PMC_OK)
        rc = source_last(dir, rk, err, cap);
    rk->ok = rc == PMC_OK;
    return rc;
}
