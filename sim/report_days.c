/* sim/report_days.c - the day and hour-of-day breakdown of a finished run,
 * read back from the report folder's fills.csv and equity.csv:
 *   days.csv   one row per UTC day from the first equity row to the last
 *              (a day without a row is there, with no change): P&L (the
 *              day's close minus the previous close, the first against the
 *              starting capital), the close, fills, bought, sold and fees;
 *   hours.csv  24 rows, hour of the UTC day: P&L (every equity change
 *              counted in the hour of its row, the first against the
 *              starting capital: the hours add up to the run's P&L),
 *              fills, bought, sold and fees;
 * and the holding periods of the positions (report.h, hold_*).
 * Decides how activity is bucketed by time; never reads a clock. Money is
 * parsed as integer micros. Rows out of time order, a malformed row or more
 * than MAX_DAYS days are errors naming the file and line. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "sim/report_int.h"

#define DAY_MS INT64_C(86400000)
#define HOUR_MS INT64_C(3600000)
#define MAX_DAYS 100000 /* as report_risk.c */
#define LINE_MAX_B 8192

struct bucket {
    int64_t day;
    uint64_t fills;
    pmc_micros bought, sold, fees, pnl, close;
};

/* Split one CSV line (quoted fields with "" for a quote) in place into at
 * most max fields; returns the count. The trailing newline is dropped. */
static int split(char *line, char **fld, int max)
{
    int n = 0;
    char *r = line, *w = line;
    while (n < max) {
        fld[n++] = w;
        if (*r == '"') {
            r++;
            while (*r && !(r[0] == '"' && r[1] != '"')) {
                if (r[0] == '"')
                    r++;
                *w++ = *r++;
            }
            if (*r == '"')
                r++;
        }
        while (*r && *r != ',' && *r != '\n')
            *w++ = *r++;
        int more = *r == ',';
        *w++ = '\0';
        if (!more)
            break;
        r++;
    }
    return n;
}

static int64_t day_of(pmc_ms t)
{
    return pmc_floor_div(t, DAY_MS);
}

static int hour_of(pmc_ms t)
{
    return (int)(pmc_floor_div(t - day_of(t) * DAY_MS, HOUR_MS));
}

struct tok_ref {
    const char *id;
    uint32_t i;
};

/* one token's position as the fills replay it */
struct hold {
    pmc_micros shares;
    pmc_ms since; /* when it went from none to some */
};

struct days {
    struct bucket *b;
    size_t n, cap;
    struct bucket hour[24];
    /* s->tok sorted by token id, and a position per token */
    struct tok_ref *by_id;
    struct hold *pos;
    const struct pmc_sim *s;
    long double hold_sum; /* ms */
    struct pmc_report_risk *rk;
};

static int tok_cmp(const void *x, const void *y)
{
    return strcmp(((const struct tok_ref *)x)->id,
                  ((const struct tok_ref *)y)->id);
}

/* the index in s->tok of a token id, -1 when not there */
static int64_t tok_find(const struct days *D, const char *id)
{
    struct tok_ref key = {id, 0};
    const struct tok_ref *r =
        bsearch(&key, D->by_id, D->s->ntok, sizeof *D->by_id, tok_cmp);
    return r ? (int64_t)r->i : -1;
}

static void hold_end(struct days *D, pmc_ms since, pmc_ms until, uint64_t *kind)
{
    D->hold_sum += (long double)(until > since ? until - since : 0);
    D->rk->hold_n++;
    (*kind)++;
}

/* a fill of token id at t: +size on BUY, -size on SELL */
static int hold_fill(struct days *D, const char *id, pmc_ms t, int buy,
                     pmc_micros size)
{
    int64_t k = tok_find(D, id);
    if (k < 0)
        return 0;
    struct hold *h = &D->pos[k];
    if (buy) {
        if (h->shares <= 0)
            h->since = t;
        h->shares += size;
    } else if (h->shares > 0) {
        h->shares -= size;
        if (h->shares <= 0)
            hold_end(D, h->since, t, &D->rk->hold_sold);
    }
    return 1;
}

/* the positions still held after the last fill */
static void hold_finish(struct days *D)
{
    const struct pmc_sim *s = D->s;
    for (uint32_t i = 0; i < s->ntok; i++) {
        if (D->pos[i].shares <= 0)
            continue;
        const struct pmc_sim_token *x = &s->tok[i];
        if (x->resolved)
            hold_end(D, D->pos[i].since, s->mkt[x->market_idx].end,
                     &D->rk->hold_resolved);
        else
            hold_end(D, D->pos[i].since, s->r.t_last, &D->rk->hold_open);
    }
    if (D->rk->hold_n)
        D->rk->hold_avg_ms =
            (pmc_ms)(D->hold_sum / (long double)D->rk->hold_n + 0.5L);
}

/* the bucket of day d: the last one or a new one after it */
static struct bucket *day_bucket(struct days *D, int64_t d)
{
    if (D->n && D->b[D->n - 1].day == d)
        return &D->b[D->n - 1];
    if (D->n == D->cap) {
        size_t nc = D->cap ? D->cap * 2 : 64;
        struct bucket *nb = realloc(D->b, nc * sizeof *nb);
        if (!nb)
            return NULL;
        D->b = nb;
        D->cap = nc;
    }
    struct bucket *x = &D->b[D->n++];
    memset(x, 0, sizeof *x);
    x->day = d;
    return x;
}

/* fills.csv: t_ms (1), token (2), side (5), liquidity (6), size (8),
 * notional_usd (9), fee_usd (10) */
static enum pmc_err read_fills(const char *dir, struct days *D, char *err,
                               size_t cap)
{
    char path[4096], line[LINE_MAX_B];
    snprintf(path, sizeof path, "%s/fills.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: cannot read", path);
        return PMC_EIO;
    }
    uint64_t ln = 0;
    enum pmc_err rc = PMC_OK;
    pmc_ms last = INT64_MIN;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1)
            continue;
        char *c[17];
        int64_t t;
        pmc_micros usd, fee, size;
        int ok = strchr(line, '\n') && split(line, c, 17) == 17 &&
                 pmc_int_parse(c[1], strlen(c[1]), &t) == PMC_OK &&
                 pmc_dec_parse(c[8], strlen(c[8]), &size) == PMC_OK &&
                 pmc_dec_parse(c[9], strlen(c[9]), &usd) == PMC_OK &&
                 pmc_dec_parse(c[10], strlen(c[10]), &fee) == PMC_OK;
        if (!ok) {
            snprintf(err, cap, "%s:%" PRIu64 ": malformed fill row", path, ln);
            rc = PMC_EPARSE;
            break;
        }
        if (t < last) {
            snprintf(err, cap, "%s:%" PRIu64 ": fills out of time order", path,
                     ln);
            rc = PMC_EPARSE;
            break;
        }
        last = t;
        struct bucket *b = day_bucket(D, day_of(t));
        if (!b) {
            snprintf(err, cap, "%s: out of memory", path);
            rc = PMC_ENOMEM;
            break;
        }
        struct bucket *h = &D->hour[hour_of(t)];
        int buy = !strcmp(c[5], "BUY");
        /* a failed leg (liquidity failed, its amounts negated) nets the
         * money out; the fills and the holding times count the matches */
        int failed = !strcmp(c[6], "failed");
        if (!failed && !hold_fill(D, c[2], t, buy, size)) {
            snprintf(err, cap, "%s:%" PRIu64 ": token %s not on the tape", path,
                     ln, c[2]);
            rc = PMC_EPARSE;
            break;
        }
        b->fills += !failed;
        h->fills += !failed;
        *(buy ? &b->bought : &b->sold) += usd;
        *(buy ? &h->bought : &h->sold) += usd;
        b->fees += fee;
        h->fees += fee;
    }
    if (rc == PMC_OK && ferror(f)) {
        snprintf(err, cap, "%s: read error", path);
        rc = PMC_EIO;
    }
    fclose(f);
    return rc;
}

static void money_row(FILE *o, const struct bucket *b)
{
    fprintf(o, ",%" PRIu64 ",", b->fills);
    pmc__report_dec(o, b->bought);
    fputc(',', o);
    pmc__report_dec(o, b->sold);
    fputc(',', o);
    pmc__report_dec(o, b->fees);
    fputc('\n', o);
}

/* The row of day `day` (its P&L from prev_close to eq, its fills when
 * D->b[*fi] is that day's bucket, which it then consumes). */
static void day_row(FILE *o, const struct days *D, size_t *fi, int64_t day,
                    pmc_micros prev_close, pmc_micros eq)
{
    struct bucket b = {.day = day};
    if (*fi < D->n && D->b[*fi].day == day)
        b = D->b[(*fi)++];
    fprintf(o, "%" PRId64 ",", day * DAY_MS);
    pmc__report_dec(o, eq - prev_close);
    fputc(',', o);
    pmc__report_dec(o, eq);
    money_row(o, &b);
}

/* equity.csv streamed into days.csv (with the fill buckets merged in by
 * day) and the hours' P&L */
static enum pmc_err write_days(const char *dir, const struct pmc_sim *s,
                               struct days *D, char *err, size_t cap)
{
    char path[4096], line[LINE_MAX_B];
    snprintf(path, sizeof path, "%s/equity.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: cannot read", path);
        return PMC_EIO;
    }
    FILE *o = pmc__report_open_in(dir, "days.csv", err, cap);
    if (!o) {
        fclose(f);
        return PMC_EIO;
    }
    fputs("t_day_ms,pnl_usd,equity_close_usd,fills,bought_usd,sold_usd,"
          "fees_usd\n",
          o);
    uint64_t ln = 0;
    enum pmc_err rc = PMC_OK;
    pmc_micros prev_eq = s->r.capital, prev_close = s->r.capital;
    int64_t day = 0, day0 = 0;
    int any = 0;
    size_t fi = 0; /* next fill bucket */
    pmc_ms last = INT64_MIN;
    while (rc == PMC_OK && fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1)
            continue;
        char *c[8];
        int64_t t;
        pmc_micros eq;
        if (!strchr(line, '\n') || split(line, c, 8) < 2 ||
            pmc_int_parse(c[0], strlen(c[0]), &t) != PMC_OK ||
            pmc_dec_parse(c[1], strlen(c[1]), &eq) != PMC_OK) {
            snprintf(err, cap, "%s:%" PRIu64 ": malformed equity row", path,
                     ln);
            rc = PMC_EPARSE;
            break;
        }
        if (t < last) {
            snprintf(err, cap, "%s:%" PRIu64 ": equity rows out of time order",
                     path, ln);
            rc = PMC_EPARSE;
            break;
        }
        last = t;
        int64_t d = day_of(t);
        if (!any) {
            any = 1;
            day = day0 = d;
        }
        if (d - day0 >= MAX_DAYS) {
            snprintf(err, cap, "%s:%" PRIu64 ": more than %d days of equity",
                     path, ln, MAX_DAYS);
            rc = PMC_ERANGE;
            break;
        }
        /* close the days before d: the one with rows, then the empty ones */
        for (; day < d; day++) {
            day_row(o, D, &fi, day, prev_close, prev_eq);
            prev_close = prev_eq;
        }
        D->hour[hour_of(t)].pnl += eq - prev_eq;
        prev_eq = eq;
    }
    if (rc == PMC_OK && ferror(f)) {
        snprintf(err, cap, "%s: read error", path);
        rc = PMC_EIO;
    }
    if (rc == PMC_OK && any)
        day_row(o, D, &fi, day, prev_close, prev_eq);
    if (rc == PMC_OK && fi < D->n) {
        snprintf(err, cap, "%s/fills.csv: fills on a day without equity rows",
                 dir);
        rc = PMC_EPARSE;
    }
    fclose(f);
    if (pmc__report_close_file(&o) && rc == PMC_OK) {
        snprintf(err, cap, "%s/days.csv: write error", dir);
        rc = PMC_EIO;
    }
    return rc;
}

enum pmc_err pmc__report_days(const char *dir, const struct pmc_sim *s,
                              struct pmc_report_risk *rk, char *err, size_t cap)
{
    struct days D;
    memset(&D, 0, sizeof D);
    D.s = s;
    D.rk = rk;
    rk->hold_n = rk->hold_sold = rk->hold_resolved = rk->hold_open = 0;
    rk->hold_avg_ms = 0;
    size_t nt = s->ntok ? s->ntok : 1;
    D.by_id = malloc(nt * sizeof *D.by_id);
    D.pos = calloc(nt, sizeof *D.pos);
    if (!D.by_id || !D.pos) {
        free(D.by_id);
        free(D.pos);
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    for (uint32_t i = 0; i < s->ntok; i++)
        D.by_id[i] = (struct tok_ref){s->tok[i].token.s, i};
    qsort(D.by_id, s->ntok, sizeof *D.by_id, tok_cmp);
    enum pmc_err rc = read_fills(dir, &D, err, cap);
    if (rc == PMC_OK)
        rc = write_days(dir, s, &D, err, cap);
    if (rc == PMC_OK)
        hold_finish(&D);
    free(D.b);
    free(D.by_id);
    free(D.pos);
    if (rc != PMC_OK)
        return rc;
    FILE *o = pmc__report_open_in(dir, "hours.csv", err, cap);
    if (!o)
        return PMC_EIO;
    fputs("hour_utc,pnl_usd,fills,bought_usd,sold_usd,fees_usd\n", o);
    for (int h = 0; h < 24; h++) {
        fprintf(o, "%d,", h);
        pmc__report_dec(o, D.hour[h].pnl);
        money_row(o, &D.hour[h]);
    }
    if (pmc__report_close_file(&o)) {
        snprintf(err, cap, "%s/hours.csv: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}
