/* research/rank/wallet_io.c - one wallet's reduced backtests as one line
 * of text and back (rank.h), for parts of a sharded run.
 *
 * The line: `wallet ADDR LABEL FAILED ERR` then every integer field in the
 * order of struct pmc_rank_wallet, then nmarkets and each market's x[5]
 * c[5] resolved[5]. LABEL and ERR are hex bytes ("-" when empty), so a line
 * has no quoting. Decides only this format: exact (integers only), so a
 * merged run writes the bytes of an unsharded one. Never trusts the input:
 * every number is range-checked and the market count is bounded. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/tape.h"
#include "research/rank/rank_int.h"

#define MAX_MARKETS (1u << 20)

static void hexstr(FILE *f, const char *s)
{
    if (!*s) {
        fputs(" -", f);
        return;
    }
    fputc(' ', f);
    for (; *s; s++)
        fprintf(f, "%02x", (unsigned char)*s);
}

int pmc_rank_wallet_write(FILE *f, const struct pmc_rank_wallet *w)
{
    fprintf(f, "wallet %s", w->addr.s);
    hexstr(f, w->label);
    fprintf(f, " %d", w->failed ? 1 : 0);
    hexstr(f, w->err);
    for (int r = 0; r < PMC_RANK_NRUNS; r++)
        fprintf(f, " %" PRId64, w->lat[r]);
    fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu32, w->records, w->fills,
            w->active_days);
    for (int r = 0; r < PMC_RANK_NRUNS; r++)
        fprintf(f, " %" PRId64 " %" PRId64 " %" PRIu64 " %" PRIu64,
                w->copy_pnl[r], w->copy_bought[r], w->orders[r],
                w->fills_copied[r]);
    for (int k = 0; k < PMC_SKIP_COUNT; k++)
        fprintf(f, " %" PRIu64, w->skips[k]);
    fprintf(f,
            " %" PRId64 " %" PRId64 " %" PRId64 " %" PRIu64 " %" PRIu64
            " %" PRId64 " %d %" PRId64 " %" PRIu32,
            w->src_pnl, w->src_bought, w->src_volume, w->taker_fills,
            w->role_known, w->hold_median, w->has_lb ? 1 : 0, w->lb_pnl,
            w->nmarkets);
    for (uint32_t k = 0; k < w->nmarkets; k++) {
        const struct pmc_rank_market *m = &w->m[k];
        for (int r = 0; r < PMC_RANK_NRUNS; r++)
            fprintf(f, " %" PRId64, m->x[r]);
        for (int r = 0; r < PMC_RANK_NRUNS; r++)
            fprintf(f, " %" PRId64, m->c[r]);
        for (int r = 0; r < PMC_RANK_NRUNS; r++)
            fprintf(f, " %u", (unsigned)m->resolved[r]);
    }
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

struct rd {
    FILE *f;
    char *err;
    size_t cap;
    int bad;
};

/* Next space-separated word into b (at most cap-1 bytes). */
static int word(struct rd *r, char *b, size_t cap, const char *what)
{
    int c;
    while ((c = fgetc(r->f)) == ' ')
        ;
    size_t n = 0;
    while (c != EOF && c != ' ' && c != '\n') {
        if (n + 1 >= cap) {
            snprintf(r->err, r->cap, "wallet line: %s longer than %zu bytes",
                     what, cap - 1);
            r->bad = 1;
            return -1;
        }
        b[n++] = (char)c;
        c = fgetc(r->f);
    }
    b[n] = '\0';
    if (c == '\n')
        ungetc(c, r->f);
    if (!n) {
        snprintf(r->err, r->cap, "wallet line: %s missing", what);
        r->bad = 1;
        return -1;
    }
    return 0;
}

static int64_t i64(struct rd *r, int64_t lo, int64_t hi, const char *what)
{
    char b[32], *end;
    if (r->bad || word(r, b, sizeof b, what) < 0)
        return 0;
    errno = 0;
    long long v = strtoll(b, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        snprintf(r->err, r->cap, "wallet line: bad %s '%s'", what, b);
        r->bad = 1;
        return 0;
    }
    return (int64_t)v;
}

static uint64_t u64(struct rd *r, const char *what)
{
    char b[32], *end;
    if (r->bad || word(r, b, sizeof b, what) < 0)
        return 0;
    errno = 0;
    unsigned long long v = strtoull(b, &end, 10);
    if (errno || *end || b[0] == '-') {
        snprintf(r->err, r->cap, "wallet line: bad %s '%s'", what, b);
        r->bad = 1;
        return 0;
    }
    return (uint64_t)v;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

static void unhex(struct rd *r, char *out, size_t cap, const char *what)
{
    char b[512];
    out[0] = '\0';
    if (r->bad || word(r, b, sizeof b, what) < 0)
        return;
    if (!strcmp(b, "-"))
        return;
    size_t n = strlen(b);
    if (n % 2 || n / 2 >= cap) {
        snprintf(r->err, r->cap, "wallet line: bad %s", what);
        r->bad = 1;
        return;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int a = hexval(b[2 * i]), c = hexval(b[2 * i + 1]);
        if (a < 0 || c < 0 || (a == 0 && c == 0)) {
            snprintf(r->err, r->cap, "wallet line: bad %s", what);
            r->bad = 1;
            return;
        }
        out[i] = (char)(a * 16 + c);
    }
    out[n / 2] = '\0';
}

int pmc_rank_wallet_read(FILE *f, struct pmc_rank_wallet *w, char *err,
                         size_t cap)
{
    memset(w, 0, sizeof *w);
    int c;
    while ((c = fgetc(f)) == '\n')
        ;
    if (c == EOF)
        return 0;
    ungetc(c, f);
    struct rd r = {f, err, cap, 0};
    char b[PMC_SYM_MAX + 1];
    if (word(&r, b, sizeof b, "tag") < 0)
        return -1;
    if (strcmp(b, "wallet") != 0) {
        snprintf(err, cap, "wallet line: starts with '%s', not 'wallet'", b);
        return -1;
    }
    if (word(&r, b, sizeof b, "address") < 0)
        return -1;
    if (pmc_addr_norm(b, strlen(b), &w->addr) != PMC_OK) {
        snprintf(err, cap, "wallet line: bad address '%s'", b);
        return -1;
    }
    unhex(&r, w->label, sizeof w->label, "label");
    w->failed = (int)i64(&r, 0, 1, "failed");
    unhex(&r, w->err, sizeof w->err, "err");
    for (int k = 0; k < PMC_RANK_NRUNS; k++)
        w->lat[k] = i64(&r, 0, PMC_TIME_MAX, "latency");
    w->records = u64(&r, "records");
    w->fills = u64(&r, "fills");
    w->active_days = (uint32_t)i64(&r, 0, UINT32_MAX, "active_days");
    for (int k = 0; k < PMC_RANK_NRUNS; k++) {
        w->copy_pnl[k] = i64(&r, INT64_MIN, INT64_MAX, "copy_pnl");
        w->copy_bought[k] = i64(&r, 0, INT64_MAX, "copy_bought");
        w->orders[k] = u64(&r, "orders");
        w->fills_copied[k] = u64(&r, "fills_copied");
    }
    for (int k = 0; k < PMC_SKIP_COUNT; k++)
        w->skips[k] = u64(&r, "skips");
    w->src_pnl = i64(&r, INT64_MIN, INT64_MAX, "src_pnl");
    w->src_bought = i64(&r, 0, INT64_MAX, "src_bought");
    w->src_volume = i64(&r, 0, INT64_MAX, "src_volume");
    w->taker_fills = u64(&r, "taker_fills");
    w->role_known = u64(&r, "role_known");
    w->hold_median = i64(&r, -1, INT64_MAX, "hold_median");
    w->has_lb = (int)i64(&r, 0, 1, "has_lb");
    w->lb_pnl = i64(&r, INT64_MIN, INT64_MAX, "lb_pnl");
    w->nmarkets = (uint32_t)i64(&r, 0, MAX_MARKETS, "nmarkets");
    if (r.bad)
        return -1;
    w->m = calloc((size_t)w->nmarkets + 1, sizeof *w->m);
    if (!w->m) {
        snprintf(err, cap, "wallet line: out of memory");
        return -1;
    }
    for (uint32_t k = 0; k < w->nmarkets && !r.bad; k++) {
        struct pmc_rank_market *m = &w->m[k];
        for (int q = 0; q < PMC_RANK_NRUNS; q++)
            m->x[q] = i64(&r, INT64_MIN, INT64_MAX, "market x");
        for (int q = 0; q < PMC_RANK_NRUNS; q++)
            m->c[q] = i64(&r, 0, INT64_MAX, "market c");
        for (int q = 0; q < PMC_RANK_NRUNS; q++)
            m->resolved[q] = (uint8_t)i64(&r, 0, 1, "market resolved");
    }
    if (!r.bad) {
        c = fgetc(f);
        while (c == ' ')
            c = fgetc(f);
        if (c != '\n' && c != EOF) {
            snprintf(err, cap, "wallet line: more fields than %u markets",
                     w->nmarkets);
            r.bad = 1;
        }
    }
    if (r.bad) {
        pmc_rank_wallet_free(w);
        return -1;
    }
    return 1;
}

enum pmc_err pmc_rank_wallets_each(const char *p, size_t n, const char *name,
                                   size_t line, pmc_rank_wallet_fn fn,
                                   void *ctx, uint64_t *count, char *err,
                                   size_t cap)
{
    *count = 0;
    /* fmemopen of 0 bytes is not portable: open 1 and start at its end */
    FILE *f = fmemopen((void *)p, n ? n : 1, "r");
    if (!f) {
        snprintf(err, cap, "%s: out of memory", name);
        return PMC_ENOMEM;
    }
    if (n == 0)
        fseek(f, 1, SEEK_SET);
    enum pmc_err e = PMC_OK;
    for (;; line++) {
        struct pmc_rank_wallet w;
        char why[256];
        int got = pmc_rank_wallet_read(f, &w, why, sizeof why);
        if (got == 0)
            break;
        if (got < 0) {
            snprintf(err, cap, "%s: line %zu: %s", name, line, why);
            e = PMC_EPARSE;
            break;
        }
        (*count)++;
        if ((e = fn(ctx, &w, line, err, cap)) != PMC_OK)
            break;
    }
    fclose(f);
    return e;
}
