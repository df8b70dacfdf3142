/* sim/report_csv.c - the CSV files of the report folder: the streamed
 * ledger files opened before the run (orders, fills, equity) and the
 * tables written after it (markets, the best and worst markets by name,
 * the distribution of per-market P&L, traders, skips, histograms,
 * penalty). docs/backtest.md documents every column. Never reads a clock. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/dec.h"
#include "proto/jsonout.h"
#include "sim/report_int.h"

static int mkdir_p(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (char *q = p + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            if (mkdir(p, 0777) && errno != EEXIST)
                return -1;
            *q = '/';
        }
    }
    if (mkdir(p, 0777) && errno != EEXIST)
        return -1;
    return 0;
}

enum pmc_err pmc_report_open(const char *dir, struct pmc_sim_opts *o, char *err,
                             size_t cap)
{
    char gp[PATH_MAX], tmpl[PATH_MAX];
    PMC_TRY(pmc_report_templates(gp, tmpl, err, cap));
    if (mkdir_p(dir)) {
        snprintf(err, cap, "%s: cannot create the report folder: %s", dir,
                 strerror(errno));
        return PMC_EIO;
    }
    o->orders_csv = pmc__report_open_in(dir, "orders.csv", err, cap);
    o->fills_csv = pmc__report_open_in(dir, "fills.csv", err, cap);
    o->equity_csv = pmc__report_open_in(dir, "equity.csv", err, cap);
    if (!o->orders_csv || !o->fills_csv || !o->equity_csv)
        return PMC_EIO;
    fputs("coid,t_emit_ms,t_arrive_ms,t_final_ms,token,market,outcome,side,"
          "tif,limit_px,size,ref_px,mid_at_arrival,filled,avg_px,notional_usd,"
          "fee_usd,status,reason,clip,source_fills,first_key\n",
          o->orders_csv);
    fputs("coid,t_ms,token,market,outcome,side,liquidity,px,size,"
          "notional_usd,fee_usd,ref_px,mid_at_arrival,slippage,"
          "drift_usd,spread_usd,since_order_ms\n",
          o->fills_csv);
    fputs("t_ms,equity_usd,cash_usd,positions_usd,drawdown_usd,"
          "realized_usd,fees_usd,event\n",
          o->equity_csv);
    return PMC_OK;
}

static void write_hist(FILE *f, const uint64_t *h, int which, double scale,
                       const char *unit)
{
    fprintf(f, "label,lo_%s,hi_%s,count\n", unit, unit);
    for (int i = 0; i < PMC_SIM_HIST_BINS; i++) {
        int64_t lo = pmc_sim_hist_lo(which, i);
        double dlo = lo == INT64_MIN ? -1e9 : (double)lo / scale;
        double dhi = i + 1 < PMC_SIM_HIST_BINS
                         ? (double)pmc_sim_hist_lo(which, i + 1) / scale
                         : 1e9;
        if (lo == INT64_MIN)
            fprintf(f, "<%g,,%g,%" PRIu64 "\n", dhi, dhi, h[i]);
        else if (i + 1 == PMC_SIM_HIST_BINS)
            fprintf(f, ">=%g,%g,,%" PRIu64 "\n", dlo, dlo, h[i]);
        else
            fprintf(f, "%g,%g,%g,%" PRIu64 "\n", dlo, dlo, dhi, h[i]);
    }
}

/* a market's chart label: its name (else its id), quotes made ' and
 * control bytes spaces, cut at a UTF-8 boundary to at most 60 bytes with
 * "..." */
#define LABEL_MAX 60
static void market_label(const struct pmc_sim_market *m, char *b, size_t cap)
{
    const char *src = m->name[0] ? m->name : m->id.s;
    size_t n = 0, len = strlen(src);
    int cut = len > LABEL_MAX;
    size_t keep = cut ? LABEL_MAX - 3 : len;
    while (cut && keep > 0 && ((unsigned char)src[keep] & 0xC0) == 0x80)
        keep--;
    for (size_t i = 0; i < keep && n + 4 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        b[n++] = c == '"' ? '\'' : c < 0x20 || c == 0x7F ? ' ' : (char)c;
    }
    if (cut && n + 4 <= cap) {
        memcpy(b + n, "...", 3);
        n += 3;
    }
    b[n] = '\0';
}

struct mkt_rank {
    pmc_micros pnl;
    uint32_t i;
};
/* P&L descending; ties in market order */
static int by_pnl_desc(const void *x, const void *y)
{
    const struct mkt_rank *a = x, *b = y;
    if (a->pnl != b->pnl)
        return a->pnl > b->pnl ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

#define TOP_N 10
/* markets_top.csv: the markets of markets.csv by P&L, the TOP_N best and
 * the TOP_N worst, best first (all of them when 2 x TOP_N or fewer: the
 * better half "best", the rest "worst"); hist_pnl_market.csv: how their P&L is distributed, equal-width
 * bins of a 1-2-5 width in micros covering [min, max] in at most 21 bins */
static enum pmc_err market_rank_files(const char *dir, const struct pmc_sim *s,
                                      const struct pmc__report_agg *a,
                                      char *err, size_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nmkt; i++)
        n += a[i].traded || a[i].orders;
    struct mkt_rank *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) {
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    n = 0;
    for (uint32_t i = 0; i < s->nmkt; i++)
        if (a[i].traded || a[i].orders)
            r[n++] = (struct mkt_rank){a[i].pnl, i};
    qsort(r, n, sizeof *r, by_pnl_desc);
    FILE *f = pmc__report_open_in(dir, "markets_top.csv", err, cap);
    if (!f) {
        free(r);
        return PMC_EIO;
    }
    fputs("group,rank,market,pnl_usd,bought_usd,return,label,name\n", f);
    uint32_t nbest = n - n / 2 < TOP_N ? n - n / 2 : TOP_N;
    uint32_t nworst = n - nbest < TOP_N ? n - nbest : TOP_N;
    for (uint32_t k = 0; k < nbest + nworst; k++) {
        /* the worst are the last nworst rows, listed best first */
        uint32_t j = k < nbest ? k : n - nworst + (k - nbest);
        const struct pmc__report_agg *g = &a[r[j].i];
        const struct pmc_sim_market *m = &s->mkt[r[j].i];
        char lab[LABEL_MAX + 8];
        market_label(m, lab, sizeof lab);
        fprintf(f, "%s,%u,", k < nbest ? "best" : "worst",
                k < nbest ? k + 1 : n - j);
        pmc_csv_str(f, m->id.s);
        fputc(',', f);
        pmc__report_dec(f, g->pnl);
        fputc(',', f);
        pmc__report_dec(f, g->bought);
        fprintf(f, ",%.6f,",
                g->bought ? (double)g->pnl / (double)g->bought : 0.0);
        pmc_csv_str(f, lab);
        fputc(',', f);
        pmc_csv_str(f, m->name);
        fputc('\n', f);
    }
    int bad = pmc__report_close_file(&f);

    f = pmc__report_open_in(dir, "hist_pnl_market.csv", err, cap);
    if (!f) {
        free(r);
        return PMC_EIO;
    }
    fputs("label,lo_usd,hi_usd,count\n", f);
    if (n) {
        pmc_micros hi = r[0].pnl, lo = r[n - 1].pnl;
        /* the smallest 1-2-5 width w with 20 x w > hi - lo, so that
         * [floor(lo / w) w, +21 w) holds every value */
        pmc_micros w = 1;
        for (int k = 0; (hi - lo) / 20 >= w && w <= INT64_MAX / 10; k++)
            w = k % 3 == 0 ? w * 2 : k % 3 == 1 ? w / 2 * 5 : w * 2;
        pmc_micros b0 = pmc_floor_div(lo, w) * w;
        int64_t nb = (hi - b0) / w + 1;
        uint32_t cnt[21] = {0};
        for (uint32_t k = 0; k < n; k++)
            cnt[(r[k].pnl - b0) / w]++;
        for (int64_t k = 0; k < nb && k < 21; k++) {
            pmc_micros bl = b0 + k * w;
            pmc__report_dec(f, bl);
            fputc(',', f);
            pmc__report_dec(f, bl);
            fputc(',', f);
            pmc__report_dec(f, bl + w);
            fprintf(f, ",%u\n", cnt[k]);
        }
    }
    bad |= pmc__report_close_file(&f);
    free(r);
    if (bad) {
        snprintf(err, cap, "%s: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}

enum pmc_err pmc__report_tables(const char *dir, const struct pmc_sim *s,
                                char *err, size_t cap)
{
    struct pmc__report_agg *a = pmc__report_aggregate(s);
    if (!a) {
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    FILE *f = pmc__report_open_in(dir, "markets.csv", err, cap);
    if (!f) {
        free(a);
        return PMC_EIO;
    }
    fputs("market,end_ms,orders,fills,bought_usd,sold_usd,paid_out_usd,"
          "fees_usd,open_shares,open_value_usd,pnl_usd,return,status,"
          "winner,name\n",
          f);
    for (uint32_t i = 0; i < s->nmkt; i++) {
        const struct pmc__report_agg *g = &a[i];
        if (!g->traded && !g->orders)
            continue;
        pmc_csv_str(f, s->mkt[i].id.s);
        fprintf(f, ",%" PRId64 ",%u,%u,", s->mkt[i].end, g->orders, g->fills);
        pmc__report_dec(f, g->bought);
        fputc(',', f);
        pmc__report_dec(f, g->sold);
        fputc(',', f);
        pmc__report_dec(f, g->paid);
        fputc(',', f);
        pmc__report_dec(f, g->fees);
        fputc(',', f);
        pmc__report_dec(f, g->shares_open);
        fputc(',', f);
        pmc__report_dec(f, g->mv);
        fputc(',', f);
        pmc__report_dec(f, g->pnl);
        fprintf(f, ",%.6f,%s,",
                g->bought ? (double)g->pnl / (double)g->bought : 0.0,
                !g->traded        ? "not_filled"
                : g->resolved_all ? "resolved"
                                  : "unresolved");
        pmc_csv_str(f, g->outcome_won);
        fputc(',', f);
        pmc_csv_str(f, s->mkt[i].name);
        fputc('\n', f);
    }
    int bad = pmc__report_close_file(&f);
    enum pmc_err rk = market_rank_files(dir, s, a, err, cap);
    free(a);
    if (rk != PMC_OK)
        return rk;

    /* traders: attribute each token's P&L by our buy notional share */
    uint32_t nt = s->cfg.ntraders + 1;
    pmc_micros *pnl = calloc(nt, sizeof *pnl), *usd = calloc(nt, sizeof *usd);
    if (!pnl || !usd) {
        free(pnl);
        free(usd);
        snprintf(err, cap, "out of memory");
        return PMC_ENOMEM;
    }
    pmc_micros *fees = calloc(nt, sizeof *fees);
    for (uint32_t i = 0; fees && i < s->ntok; i++) {
        const struct pmc_sim_token *x = &s->tok[i];
        pmc_micros tot = 0;
        for (int k = 0; k <= PMC_SIM_TOKEN_TRADERS; k++)
            if (x->alloc[k].trader >= -1)
                tot += x->alloc[k].usd;
        if (tot <= 0)
            continue;
        pmc_micros tp = pmc__report_tok_pnl(x);
        for (int k = 0; k <= PMC_SIM_TOKEN_TRADERS; k++) {
            if (x->alloc[k].trader < -1 || x->alloc[k].usd <= 0)
                continue;
            uint32_t ti = x->alloc[k].trader < 0 ? s->cfg.ntraders
                                                 : (uint32_t)x->alloc[k].trader;
            pnl[ti] += pmc_muldiv_floor(tp, x->alloc[k].usd, tot);
            usd[ti] += x->alloc[k].usd;
            fees[ti] += pmc_muldiv_floor(x->fees, x->alloc[k].usd, tot);
        }
    }
    f = pmc__report_open_in(dir, "traders.csv", err, cap);
    if (!f || !fees) {
        free(pnl);
        free(usd);
        free(fees);
        return PMC_EIO;
    }
    fputs("trader,label,source_fills,source_usd,fills_copied,"
          "fills_not_copied,our_bought_usd,our_fees_usd,pnl_usd,return\n",
          f);
    for (uint32_t i = 0; i < nt; i++) {
        const struct pmc_sim_trader *t = &s->trd[i];
        if (i == s->cfg.ntraders && !t->fills_seen && !usd[i])
            continue;
        pmc_csv_str(f, t->addr.n ? t->addr.s : "(others)");
        fputc(',', f);
        pmc_csv_str(f, t->label);
        fprintf(f, ",%" PRIu64 ",", t->fills_seen);
        pmc__report_dec(f, t->src_usd);
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", t->fills_copied,
                t->fills_seen > t->fills_copied
                    ? t->fills_seen - t->fills_copied
                    : 0);
        pmc__report_dec(f, usd[i]);
        fputc(',', f);
        pmc__report_dec(f, fees[i]);
        fputc(',', f);
        pmc__report_dec(f, pnl[i]);
        fprintf(f, ",%.6f\n", usd[i] ? (double)pnl[i] / (double)usd[i] : 0.0);
    }
    bad |= pmc__report_close_file(&f);
    free(pnl);
    free(usd);
    free(fees);

    f = pmc__report_open_in(dir, "skips.csv", err, cap);
    if (!f)
        return PMC_EIO;
    fputs("reason,count\n", f);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "%s,%" PRIu64 "\n", pmc_skip_name((enum pmc_skip_reason)i),
                s->r.skips[i]);
    bad |= pmc__report_close_file(&f);

    f = pmc__report_open_in(dir, "hist_detection.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_detect, 0, 1000.0, "s");
    bad |= pmc__report_close_file(&f);
    f = pmc__report_open_in(dir, "hist_round_trip.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_rtt, 1, 1.0, "ms");
    bad |= pmc__report_close_file(&f);
    f = pmc__report_open_in(dir, "hist_slippage.csv", err, cap);
    if (!f)
        return PMC_EIO;
    write_hist(f, s->r.h_slip, 2, 10.0, "cents");
    bad |= pmc__report_close_file(&f);

    f = pmc__report_open_in(dir, "penalty.csv", err, cap);
    if (!f)
        return PMC_EIO;
    fputs("component,usd\nlatency drift,", f);
    pmc__report_dec(f, s->r.pen.drift);
    fputs("\nspread,", f);
    pmc__report_dec(f, s->r.pen.spread);
    fputs("\nfees,", f);
    pmc__report_dec(f, s->r.pen.fees);
    fputs("\n", f);
    bad |= pmc__report_close_file(&f);
    if (bad) {
        snprintf(err, cap, "%s: write error", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}
