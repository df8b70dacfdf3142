/* research/rank/candidates.c - see candidates.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "research/rank/candidates.h"

static int push(struct pmc_rank_cands *c, const struct pmc_rank_cand *x)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct pmc_rank_cand *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = nc;
    }
    c->v[c->n++] = *x;
    return 0;
}

int pmc_rank_cands_add(struct pmc_rank_cands *c, const char *s, size_t n,
                       const char *where, char *err, size_t cap)
{
    struct pmc_rank_cand x;
    memset(&x, 0, sizeof x);
    if (pmc_addr_norm(s, n, &x.addr) != PMC_OK) {
        snprintf(err, cap, "%s: '%.*s' is not a wallet address", where,
                 (int)(n > 64 ? 64 : n), s);
        return -1;
    }
    if (push(c, &x) < 0) {
        snprintf(err, cap, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

int pmc_rank_cands_file(struct pmc_rank_cands *c, const char *path, char *err,
                        size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    unsigned long ln = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, cap, "%.300s:%lu: line longer than %zu bytes", path,
                     ln, sizeof line - 2);
            rc = -1;
            break;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t\r\n#,");
        if (!n)
            continue;
        char where[400];
        snprintf(where, sizeof where, "%.300s:%lu", path, ln);
        if (pmc_rank_cands_add(c, p, n, where, err, cap) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, cap, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

struct lb_ctx {
    struct pmc_rank_cands *c;
    int oom;
};

static int on_row(const struct pmc_fetch_board_row *r, void *ctx)
{
    struct lb_ctx *x = ctx;
    const char *w = r->f[PMC_FETCH_BOARD_WALLET];
    size_t wn = r->n[PMC_FETCH_BOARD_WALLET];
    struct pmc_rank_cand k;
    memset(&k, 0, sizeof k);
    k.from_board = 1;
    if (!w || pmc_addr_norm(w, wn, &k.addr) != PMC_OK) {
        fprintf(stderr,
                "pmcopy rank: leaderboard %s %s %s: a row without a wallet "
                "address ('%.*s'), left out\n",
                r->category, r->period, r->order_by,
                (int)(w ? (wn > 64 ? 64 : wn) : 0), w ? w : "");
        return 0;
    }
    const char *p = r->f[PMC_FETCH_BOARD_PNL];
    size_t pn = r->n[PMC_FETCH_BOARD_PNL];
    if (p && pmc_dec_parse_round(p, pn, &k.lb_pnl) == PMC_OK)
        k.has_lb = 1;
    else
        fprintf(stderr,
                "pmcopy rank: leaderboard %s %s %s: %s: pnl '%.*s' is not a "
                "decimal; its leaderboard P&L is shown as unknown\n",
                r->category, r->period, r->order_by, k.addr.s,
                (int)(p ? (pn > 64 ? 64 : pn) : 0), p ? p : "");
    if (push(x->c, &k) < 0) {
        x->oom = 1;
        return -1;
    }
    return 0;
}

int pmc_rank_cands_leaderboard(struct pmc_rank_cands *c,
                               const struct pmc_fetch_opts *fo)
{
    struct lb_ctx x = {c, 0};
    int rc = pmc_fetch_leaderboard(fo, on_row, &x);
    if (x.oom)
        fprintf(stderr, "pmcopy rank: out of memory reading the "
                        "leaderboard\n");
    return rc;
}

static const struct pmc_rank_cand *sort_base;

static int by_addr(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int d = strcmp(sort_base[i].addr.s, sort_base[j].addr.s);
    return d ? d : (i < j ? -1 : i > j);
}

int pmc_rank_cands_dedupe(struct pmc_rank_cands *c)
{
    if (c->n < 2)
        return 0;
    size_t *o = malloc(c->n * sizeof *o);
    unsigned char *drop = calloc(c->n, 1);
    if (!o || !drop) {
        free(o);
        free(drop);
        return -1;
    }
    for (size_t i = 0; i < c->n; i++)
        o[i] = i;
    sort_base = c->v;
    qsort(o, c->n, sizeof *o, by_addr);
    sort_base = NULL;
    for (size_t i = 1; i < c->n; i++) {
        struct pmc_rank_cand *first = &c->v[o[i - 1]];
        if (strcmp(c->v[o[i]].addr.s, first->addr.s))
            continue;
        /* o[i - 1] is the first mention of a run of equal addresses */
        if (!first->has_lb && c->v[o[i]].has_lb) {
            first->has_lb = 1;
            first->lb_pnl = c->v[o[i]].lb_pnl;
        }
        drop[o[i]] = 1;
        o[i] = o[i - 1];
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!drop[i])
            c->v[k++] = c->v[i];
    c->n = k;
    free(o);
    free(drop);
    return 0;
}

int pmc_rank_cands_fetch(const struct pmc_rank_cands *c,
                         const struct pmc_fetch_opts *fo)
{
    const char **a = malloc((c->n + 1) * sizeof *a);
    if (!a)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        a[i] = c->v[i].addr.s;
    int rc = pmc_fetch_run("tape", fo, a, c->n);
    free(a);
    return rc;
}

void pmc_rank_cands_free(struct pmc_rank_cands *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}
