/* sim/synth_pop.c - the population tape of `pmcopy synth --population N`
 * (see synth_pop.h for the model).
 *
 * Decides: markets (opened at random seconds of each day, 24 h long,
 * resolved 60 s after the end; only markets that resolve on the tape), the
 * news of each market (6, one in the first half of each of six equal slots
 * between the first and the last hour, 0.8-accurate signals, half of them
 * fast), the quoted book (1-cent spread around the price, sizes 300..3000
 * shares; written when the bid moves), and every wallet's fills. Lines are
 * collected, then written in (time, creation) order.
 * Never: reads a clock or a recording; uses doubles for the world's
 * dynamics only (prices are written as whole cents, sizes as whole
 * shares). */
#include "sim/synth_pop.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#define NNEWS 6
#define SLOW_STEPS 5
#define SLOW_STEP_MS 120000
#define MKT_MS ((pmc_ms)86400000)

static const char *const kind_names[PMC_POP_NKINDS] = {
    "copyable", "fast", "maker", "noise", "bigwin"};
static const char *const kind_prefix[PMC_POP_NKINDS] = {"c0", "fa", "a0", "d0",
                                                        "b1"};

void pmc_pop_defaults(struct pmc_pop_opts *o)
{
    o->seed = 7;
    o->start = (pmc_ms)1767225600 * 1000; /* 2026-01-01 00:00 UTC */
    o->days = 30;
    o->wallets = 100;
    o->mkts_day = 0;
    o->trades_day = 5;
}

void pmc_pop_counts(uint32_t n, uint32_t c[PMC_POP_NKINDS])
{
    c[PMC_POP_COPYABLE] = n / 5;
    c[PMC_POP_FAST] = n * 15 / 100;
    c[PMC_POP_MAKER] = n * 15 / 100;
    c[PMC_POP_BIGWIN] = n / 10;
    if (n >= 5)
        for (int k = 0; k < PMC_POP_NKINDS; k++)
            if (k != PMC_POP_NOISE && !c[k])
                c[k] = 1;
    uint32_t used = c[PMC_POP_COPYABLE] + c[PMC_POP_FAST] + c[PMC_POP_MAKER] +
                    c[PMC_POP_BIGWIN];
    c[PMC_POP_NOISE] = n > used ? n - used : 0;
}

int pmc_pop_kind_of(const char *addr)
{
    if (strncmp(addr, "0x", 2) != 0 || strlen(addr) != 42)
        return -1;
    for (int k = 0; k < PMC_POP_NKINDS; k++)
        if (!strncmp(addr + 2, kind_prefix[k], 2))
            return k;
    return -1;
}

const char *pmc_pop_kind_name(int kind)
{
    return kind >= 0 && kind < PMC_POP_NKINDS ? kind_names[kind] : "?";
}

/* ---- collected lines ---------------------------------------------------- */

struct ln {
    pmc_ms t;
    uint64_t seq;
    size_t off;
    uint32_t len;
};

struct gen {
    gsl_rng *rng;
    struct ln *ln;
    size_t n, cap;
    char *arena;
    size_t used, acap;
    uint64_t keyn;
    int oom;
};

static void emit(struct gen *g, pmc_ms t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emit(struct gen *g, pmc_ms t, const char *fmt, ...)
{
    if (g->oom)
        return;
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof b) {
        g->oom = 1;
        return;
    }
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 4096;
        struct ln *x = realloc(g->ln, nc * sizeof *x);
        if (!x) {
            g->oom = 1;
            return;
        }
        g->ln = x;
        g->cap = nc;
    }
    if (g->used + (size_t)len > g->acap) {
        size_t nc = g->acap ? g->acap * 2 : 1 << 20;
        while (nc < g->used + (size_t)len)
            nc *= 2;
        char *x = realloc(g->arena, nc);
        if (!x) {
            g->oom = 1;
            return;
        }
        g->arena = x;
        g->acap = nc;
    }
    memcpy(g->arena + g->used, b, (size_t)len);
    g->ln[g->n] = (struct ln){t, g->n, g->used, (uint32_t)len};
    g->used += (size_t)len;
    g->n++;
}

static int ln_cmp(const void *a, const void *b)
{
    const struct ln *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- markets ------------------------------------------------------------ */

struct step {
    pmc_ms t;
    int bid; /* YES bid, cents */
};

struct news {
    pmc_ms t;
    int fast, dir; /* dir +1: YES favoured */
    int ask;       /* the favoured side's ask before the news, cents */
    uint32_t mkt;
};

struct pmkt {
    pmc_ms open, close;
    int y;
    struct step *st; /* price steps, time order */
    size_t nst;
};

static int cents_bid(double p)
{
    int b = (int)floor(p * 100.0);
    return b < 1 ? 1 : b > 98 ? 98 : b;
}

/* YES bid at time t (the last step at or before t). */
static int bid_at(const struct pmkt *m, pmc_ms t)
{
    size_t lo = 0, hi = m->nst;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (m->st[mid].t <= t)
            lo = mid;
        else
            hi = mid;
    }
    return m->st[lo].bid;
}

static void quote(struct gen *g, uint32_t k, pmc_ms t, int bid)
{
    int ask = bid + 1;
    unsigned s1 = 300 + (unsigned)gsl_rng_uniform_int(g->rng, 2700);
    unsigned s2 = 300 + (unsigned)gsl_rng_uniform_int(g->rng, 2700);
    emit(g, t,
         "t=%" PRId64 " ev=quote token=pop%u-yes bid=0.%02d ask=0.%02d "
         "bidsz=%u asksz=%u\n",
         t, k, bid, ask, s1, s2);
    emit(g, t,
         "t=%" PRId64 " ev=quote token=pop%u-no bid=0.%02d ask=0.%02d "
         "bidsz=%u asksz=%u\n",
         t, k, 100 - ask, 100 - bid, s2, s1);
}

static int add_step(struct pmkt *m, size_t *cap, pmc_ms t, int bid)
{
    if (m->nst && m->st[m->nst - 1].bid == bid)
        return 0;
    if (m->nst == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct step *x = realloc(m->st, nc * sizeof *x);
        if (!x)
            return -1;
        m->st = x;
        *cap = nc;
    }
    m->st[m->nst++] = (struct step){t, bid};
    return 1;
}

/* One market: outcome, news, price steps and their quotes. */
static int make_market(struct gen *g, uint32_t k, pmc_ms open, struct pmkt *m,
                       struct news *nw)
{
    m->open = open;
    m->close = open + MKT_MS;
    double p = 0.3 + 0.4 * gsl_rng_uniform(g->rng);
    m->y = gsl_rng_uniform(g->rng) < p;
    double lo = log(p / (1 - p)), step = log(9.0);
    size_t cap = 0;
    for (int side = 0; side < 2; side++)
        emit(g, open,
             "t=%" PRId64 " ev=market token=pop%u-%s market=popm%u end=%" PRId64
             " tick=0.01 minsz=5 fee_rate=0 negrisk=0 outcome=%s\n",
             open, k, side ? "no" : "yes", k, m->close, side ? "No" : "Yes");
    if (add_step(m, &cap, open, cents_bid(p)) < 0)
        return -1;
    quote(g, k, open, cents_bid(p));
    pmc_ms span = MKT_MS - 2 * 3600000, slot = span / NNEWS;
    for (int i = 0; i < NNEWS; i++) {
        struct news *n = &nw[i];
        n->mkt = k;
        n->t =
            open + 3600000 + slot * i +
            (pmc_ms)gsl_rng_uniform_int(g->rng, (unsigned long)(slot / 2000)) *
                1000;
        n->fast = gsl_rng_uniform(g->rng) < 0.5;
        int right = gsl_rng_uniform(g->rng) < 0.9;
        n->dir = (m->y ? 1 : -1) * (right ? 1 : -1);
        double p0 = 1 / (1 + exp(-lo));
        n->ask = n->dir > 0 ? cents_bid(p0) + 1 : 100 - cents_bid(p0);
        lo += n->dir * step;
        double p1 = 1 / (1 + exp(-lo));
        int nsteps = n->fast ? 1 : SLOW_STEPS;
        for (int s = 1; s <= nsteps; s++) {
            pmc_ms t = n->fast ? n->t : n->t + (pmc_ms)s * SLOW_STEP_MS;
            int b = cents_bid(p0 + (p1 - p0) * s / nsteps);
            int r = add_step(m, &cap, t, b);
            if (r < 0)
                return -1;
            if (r)
                quote(g, k, t, b);
        }
    }
    pmc_ms rt = m->close + 60000;
    emit(g, rt, "t=%" PRId64 " ev=resolve token=pop%u-yes payout=%d\n", rt, k,
         m->y);
    emit(g, rt, "t=%" PRId64 " ev=resolve token=pop%u-no payout=%d\n", rt, k,
         !m->y);
    return 0;
}

/* ---- wallets ------------------------------------------------------------ */

static void wallet_addr(char *b, size_t cap, int kind, uint32_t i)
{
    snprintf(b, cap, "0x%s%038" PRIx32, kind_prefix[kind], i);
}

/* A BUY of token side (0 YES, 1 NO) of market k at t, at the ask (taker)
 * or the bid (maker), for about usd dollars. */
static void buy(struct gen *g, const char *addr, const struct pmkt *mk,
                uint32_t k, int side, pmc_ms t, int at_bid, double usd)
{
    int yb = bid_at(&mk[k], t);
    int px = side ? (at_bid ? 99 - yb : 100 - yb) : (at_bid ? yb : yb + 1);
    long sz = (long)floor(usd * 100.0 / px);
    if (sz < 1)
        sz = 1;
    emit(g, t,
         "t=%" PRId64 " ev=fill trader=%s token=pop%u-%s side=BUY px=0.%02d "
         "sz=%ld key=pop-%" PRIu64 " market=popm%u outcome=%s src=rtds\n",
         t, addr, k, side ? "no" : "yes", px, sz, ++g->keyn, k,
         side ? "No" : "Yes");
}

static double unif(struct gen *g, double a, double b)
{
    return a + (b - a) * gsl_rng_uniform(g->rng);
}

static pmc_ms rnd_ms(struct gen *g, pmc_ms a, pmc_ms b)
{
    return a + (pmc_ms)gsl_rng_uniform_int(g->rng,
                                           (unsigned long)((b - a) / 1000)) *
                   1000;
}

/* A market and a time in [open + a, close - b] where its YES bid is in
 * 0.10 .. 0.89 (noise and makers trade where prices are not settled; 50
 * draws). */
static pmc_ms mid_time(struct gen *g, const struct pmkt *mk, uint32_t *k,
                       pmc_ms a, pmc_ms b, size_t nm)
{
    pmc_ms t = 0;
    for (int tries = 0; tries < 50; tries++) {
        *k = (uint32_t)gsl_rng_uniform_int(g->rng, (unsigned long)nm);
        t = rnd_ms(g, mk[*k].open + a, mk[*k].close - b);
        int yb = bid_at(&mk[*k], t);
        if (yb >= 10 && yb <= 89)
            break;
    }
    return t;
}

enum pmc_err pmc_pop_write(FILE *f, const struct pmc_pop_opts *o,
                           uint64_t *records)
{
    if (o->days < 1 || o->days > 400 || o->wallets < 1 || o->wallets > 100000 ||
        o->trades_day < 1 || o->trades_day > 100)
        return PMC_ERANGE;
    uint32_t md =
        o->mkts_day ? o->mkts_day : (o->wallets / 8 > 8 ? o->wallets / 8 : 8);
    /* markets that resolve on the tape: opened in the first days - 1 */
    size_t nm = (size_t)md * (size_t)(o->days > 1 ? o->days - 1 : 1);
    struct gen g;
    memset(&g, 0, sizeof g);
    g.rng = gsl_rng_alloc(gsl_rng_mt19937);
    struct pmkt *mk = calloc(nm + 1, sizeof *mk);
    struct news *nw = calloc(nm * NNEWS + 1, sizeof *nw);
    struct news **slow = malloc((nm * NNEWS + 1) * sizeof *slow);
    struct news **fast = malloc((nm * NNEWS + 1) * sizeof *fast);
    enum pmc_err e = PMC_ENOMEM;
    if (!g.rng || !mk || !nw || !slow || !fast)
        goto done;
    gsl_rng_set(g.rng, (unsigned long)o->seed);
    size_t nslow = 0, nfast = 0;
    for (size_t k = 0; k < nm; k++) {
        pmc_ms open = o->start + (pmc_ms)(k / md) * MKT_MS +
                      rnd_ms(&g, 0, MKT_MS - 3600000);
        if (make_market(&g, (uint32_t)k, open, &mk[k], &nw[k * NNEWS]) < 0)
            goto done;
        for (int i = 0; i < NNEWS; i++) {
            struct news *n = &nw[k * NNEWS + i];
            if (n->fast)
                fast[nfast++] = n;
            else
                slow[nslow++] = n;
        }
    }
    uint32_t cnt[PMC_POP_NKINDS];
    pmc_pop_counts(o->wallets, cnt);
    uint32_t id = 0;
    size_t ntrades = (size_t)o->trades_day * (size_t)o->days;
    for (int kind = 0; kind < PMC_POP_NKINDS; kind++) {
        for (uint32_t w = 0; w < cnt[kind]; w++, id++) {
            char a[48];
            wallet_addr(a, sizeof a, kind, id);
            emit(&g, o->start, "# pop wallet=%s kind=%s\n", a,
                 kind_names[kind]);
            if (kind == PMC_POP_COPYABLE || kind == PMC_POP_FAST) {
                struct news **l = kind == PMC_POP_FAST ? fast : slow;
                size_t nl = kind == PMC_POP_FAST ? nfast : nslow;
                for (size_t j = 0; j < ntrades && nl; j++) {
                    /* news on a side priced 0.20 .. 0.80 (50 draws) */
                    const struct news *n = NULL;
                    for (int tries = 0; tries < 50; tries++) {
                        n = l[gsl_rng_uniform_int(g.rng, (unsigned long)nl)];
                        if (n->ask >= 20 && n->ask <= 80)
                            break;
                    }
                    pmc_ms t =
                        kind == PMC_POP_FAST
                            ? n->t - 800
                            : n->t - rnd_ms(&g, 1000, 21000) -
                                  (pmc_ms)gsl_rng_uniform_int(g.rng, 1000);
                    buy(&g, a, mk, n->mkt, n->dir > 0 ? 0 : 1, t, 0,
                        unif(&g, 50, 300));
                }
            } else if (kind == PMC_POP_MAKER) {
                for (size_t j = 0; j < ntrades; j++) {
                    uint32_t k;
                    pmc_ms t = mid_time(&g, mk, &k, 1800000, 1800000, nm);
                    double usd = unif(&g, 50, 200);
                    buy(&g, a, mk, k, 0, t, 1, usd);
                    buy(&g, a, mk, k, 1, t + rnd_ms(&g, 5000, 60000), 1, usd);
                }
            } else {
                size_t nb = kind == PMC_POP_BIGWIN ? ntrades / 2 : ntrades;
                for (size_t j = 0; j < nb; j++) {
                    uint32_t k;
                    pmc_ms t = mid_time(&g, mk, &k, 60000, 3600000, nm);
                    int side = (int)gsl_rng_uniform_int(g.rng, 2);
                    buy(&g, a, mk, k, side, t, 0,
                        kind == PMC_POP_BIGWIN ? unif(&g, 10, 60)
                                               : unif(&g, 20, 200));
                }
                if (kind == PMC_POP_BIGWIN) {
                    /* one large bet on the side that wins, early */
                    uint32_t k =
                        (uint32_t)gsl_rng_uniform_int(g.rng, (unsigned long)nm);
                    buy(&g, a, mk, k, mk[k].y ? 0 : 1, mk[k].open + 600000, 0,
                        5000);
                }
            }
        }
    }
    if (g.oom)
        goto done;
    qsort(g.ln, g.n, sizeof *g.ln, ln_cmp);
    e = PMC_EIO;
    if (fprintf(f,
                "#pmcopy-tape v1\n# pmcopy synth --population %" PRIu32
                " --seed %" PRIu64 " --days %" PRId64
                ": %zu markets, kinds in each address (docs/rank.md)\n",
                o->wallets, o->seed, o->days, nm) < 0)
        goto done;
    for (size_t i = 0; i < g.n; i++)
        if (fwrite(g.arena + g.ln[i].off, 1, g.ln[i].len, f) != g.ln[i].len)
            goto done;
    *records = g.n;
    e = PMC_OK;
done:
    for (size_t k = 0; mk && k < nm; k++)
        free(mk[k].st);
    free(mk);
    free(nw);
    free(slow);
    free(fast);
    free(g.ln);
    free(g.arena);
    if (g.rng)
        gsl_rng_free(g.rng);
    return e;
}
