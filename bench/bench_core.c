/* bench/bench_core.c - throughput and latency of the decision core, and of
 * `pmcopy decide` end to end (SPEC.md 6).
 *
 *   (a) engine step: >= 1M source fills (a few hundred tokens, several
 *       traders, BUY/SELL mix, some duplicates and bypass-sized fills),
 *       default configuration with the caps raised so orders keep flowing,
 *       execution reports interleaved so orders close. The records are
 *       made in chunks of CHUNK_DEFAULT into one buffer that is reused, as
 *       a shell's are (untimed: the source's work), then stepped: due
 *       timers first (advance is called only when pmc_engine_next_deadline
 *       says one is due), the pmc_engine_prefetch hint two records ahead.
 *       The engine's memory asks for transparent huge pages (madvise; a
 *       hint, without effect where THP is off). Prints fills/s over the
 *       stepping (timers and reports included), per-step latency
 *       percentiles (each step timed on its own with CLOCK_MONOTONIC, the
 *       median cost of an empty timer read subtracted), and checks that
 *       the loop does not allocate (mallinfo2() identical before and
 *       after) and that every pass decides as the generating run did.
 *   (b) `pmcopy decide` on a generated tape of >= 1M fills with market and
 *       quote records mixed in, then on a tape 4x longer: records/s and the
 *       child's peak RSS for both (memory must not grow with tape length).
 *
 * usage: bench_core [PMCOPY]   (default: $PMCOPY, else build/pmcopy)
 * env:   BENCH_FILLS (default 1000000), BENCH_SKIP_E2E=1,
 *        BENCH_PASSES (timed loops, default 3; more for profiling),
 *        BENCH_CHUNK (records per chunk, default CHUNK_DEFAULT)
 * Exit status is non-zero when a check fails (not when a target is
 * missed: targets are reported as ratios). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/dec.h"
#include "core/engine.h"
#include "core/tape.h"

#include "bench/bench.h"

#define NTRADERS 8
#define NTOKENS 300
#define T0 ((pmc_ms)1700000000000)
#define USD(x) ((pmc_micros)(x)*PMC_MICRO)

/* ---- deterministic generator ------------------------------------------ */

static uint64_t rng_state = 0x5eed;

/* splitmix64 on the stream *st */
static uint64_t rnd_r(uint64_t *st)
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rnd_below_r(uint64_t *st, uint64_t n)
{
    return rnd_r(st) % n;
}

static uint64_t rnd_below(uint64_t n)
{
    return rnd_below_r(&rng_state, n);
}

static const char hexd[] = "0123456789abcdef";

struct market {
    char token[80];
    char market[67];
    pmc_micros px; /* current price, on the 0.001 grid */
    int bias;      /* percent of BUYs */
};

struct universe {
    char trader[NTRADERS][43];
    struct market tok[NTOKENS];
};

static void make_universe(struct universe *u)
{
    for (int i = 0; i < NTRADERS; i++) {
        u->trader[i][0] = '0';
        u->trader[i][1] = 'x';
        for (int j = 0; j < 40; j++)
            u->trader[i][2 + j] = hexd[rnd_below(16)];
        u->trader[i][42] = '\0';
    }
    for (int i = 0; i < NTOKENS; i++) {
        struct market *m = &u->tok[i];
        m->token[0] = (char)('1' + rnd_below(9));
        for (int j = 1; j < 77; j++)
            m->token[j] = (char)('0' + rnd_below(10));
        m->token[77] = '\0';
        m->market[0] = '0';
        m->market[1] = 'x';
        for (int j = 0; j < 64; j++)
            m->market[2 + j] = hexd[rnd_below(16)];
        m->market[66] = '\0';
        m->px = (pmc_micros)(50 + rnd_below(900)) * 1000;
        m->bias = 45 + (int)rnd_below(25);
    }
}

/* One synthetic source fill, as fields. */
struct gen_fill {
    int trader, tok;
    enum pmc_side side;
    pmc_micros px, sz;
    pmc_ms t, ts;
    char key[80];
    size_t keylen;
    int dup; /* the key of a recent fill again */
};

/* The fill generator: its own random stream and its own copy of the
 * prices it walks, so one seed gives the same fills on every pass. */
#define GEN_SEED 0xf111ULL
struct gen {
    struct universe *u;
    uint64_t rng;
    pmc_ms t;
    uint64_t seq;
    char recent[64][80]; /* recent keys, for re-sent duplicates */
    size_t recent_len[64];
};

static void next_fill(struct gen *g, struct gen_fill *f)
{
    g->t += (pmc_ms)(rnd_below_r(&g->rng, 4) == 0); /* ~4 fills per ms */
    f->t = g->t;
    f->ts = g->t - (pmc_ms)rnd_below_r(&g->rng, 1500);
    f->trader = (int)rnd_below_r(&g->rng, NTRADERS);
    f->tok = (int)rnd_below_r(&g->rng, NTOKENS);
    struct market *m = &g->u->tok[f->tok];
    /* a bounded random walk on the 0.001 grid */
    m->px += (pmc_micros)((int)rnd_below_r(&g->rng, 5) - 2) * 1000;
    if (m->px < 20000)
        m->px = 20000;
    if (m->px > 980000)
        m->px = 980000;
    f->px = m->px;
    f->side = (int)rnd_below_r(&g->rng, 100) < m->bias ? PMC_BUY : PMC_SELL;
    if (rnd_below_r(&g->rng, 1000) == 0)
        f->sz = USD(4000 + rnd_below_r(&g->rng, 2000)); /* bypass-sized */
    else
        f->sz = (pmc_micros)(500 + rnd_below_r(&g->rng, 50000)) *
                10000; /* 5..505 */
    if (g->seq > 64 && rnd_below_r(&g->rng, 100) == 0) {
        /* the same fill seen again (another source) */
        size_t r = rnd_below_r(&g->rng, 64);
        memcpy(f->key, g->recent[r], g->recent_len[r] + 1);
        f->keylen = g->recent_len[r];
        f->dup = 1;
        return;
    }
    f->dup = 0;
    f->key[0] = '0';
    f->key[1] = 'x';
    for (int j = 0; j < 64; j++)
        f->key[2 + j] = hexd[rnd_below_r(&g->rng, 16)];
    int n =
        snprintf(f->key + 66, 14, ":%u", (unsigned)rnd_below_r(&g->rng, 400));
    f->keylen = 66 + (size_t)n;
    size_t slot = g->seq % 64;
    memcpy(g->recent[slot], f->key, f->keylen + 1);
    g->recent_len[slot] = f->keylen;
    g->seq++;
}

/* ---- engine setup ------------------------------------------------------- */

/* n bytes, zeroed, on transparent huge pages where the kernel gives them
 * (an anonymous mapping, madvise): a few TLB entries for the whole array.
 * Freed with big_free(p, n). */
static size_t big_round(size_t n)
{
    size_t huge = (size_t)2 << 20;
    return (n + huge - 1) & ~(huge - 1);
}

static void *big_alloc(size_t n)
{
    n = big_round(n);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    (void)madvise(p, n, MADV_HUGEPAGE);
    memset(p, 0, n); /* touch every page before timing */
    return p;
}

static void big_free(void *p, size_t n)
{
    if (p)
        munmap(p, big_round(n));
}

static void bench_config(struct pmc_config *c, const struct universe *u)
{
    pmc_config_defaults(c);
    c->max_notional_per_order_usd = USD(1000000);
    c->max_notional_per_market_usd = USD(1000000000);
    c->max_total_notional_per_15m_window_usd = USD(1000000000);
    c->max_daily_volume_usd = USD(1000000000);
    c->cap_usd = USD(200);
    c->kill_max_daily_loss_usd = USD(1000000000);
    for (int i = 0; i < NTRADERS; i++) {
        enum pmc_err e =
            pmc_config_add_trader(c, u->trader[i], 42, NULL,
                                  i == 0 ? 200000 : -1, i == 1 ? USD(2) : 0, 1);
        if (e != PMC_OK) {
            fprintf(stderr, "bench: add trader: %s\n", pmc_strerror(e));
            exit(1);
        }
    }
}

struct eng {
    void *mem;
    size_t size;
    struct pmc_engine *e;
    struct pmc_actions out;
};

static void eng_init(struct eng *x, const struct pmc_config *c)
{
    size_t sz = pmc_engine_mem_size(c);
    x->size = sz;
    x->mem = big_alloc(sz);
    x->out.cap = pmc_engine_max_actions(c);
    x->out.v = calloc(x->out.cap, sizeof *x->out.v);
    x->out.n = 0;
    if (!x->out.v) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    enum pmc_err e = pmc_engine_init(&x->e, x->mem, sz, c);
    if (e != PMC_OK) {
        fprintf(stderr, "bench: engine init: %s\n", pmc_strerror(e));
        exit(1);
    }
}

static void eng_fini(struct eng *x)
{
    big_free(x->mem, x->size);
    free(x->out.v);
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die_step(enum pmc_err e, size_t i)
{
    fprintf(stderr, "bench: step %zu failed: %s\n", i, pmc_strerror(e));
    exit(1);
}

/* ---- (a) the event source ------------------------------------------------ */

/* A report the source sends: one full fill of an order at its limit, at
 * position `at` of the event sequence. */
struct report {
    struct pmc_sym coid;
    pmc_micros sz, px;
    size_t at;
};

/* What the generator knows of the outcome apart from the timed runs: the
 * duplicates it injected and the reports it wrote (one full fill per
 * order), and what the generating run emitted (each fill must end in
 * exactly one order or skip). */
struct expect {
    size_t norders, ndups, nexec, order_fills, skips;
    size_t left; /* fills still in buckets at the end, flushed untimed */
};

/* The event sequence: the generator's fills with the reports spliced in
 * at their places. Every pass makes the same records again, in chunks, into
 * one buffer it reuses. */
struct source {
    struct universe u; /* its own copy: the generator walks the prices */
    struct gen g;
    size_t nfills, i; /* fills to make, made */
    const struct report *rep;
    size_t nrep, ri; /* reports, sent */
    size_t pos;      /* events made */
};

static void source_init(struct source *s, const struct universe *u,
                        size_t nfills, const struct report *rep, size_t nrep)
{
    s->u = *u;
    memset(&s->g, 0, sizeof s->g);
    s->g.u = &s->u;
    s->g.rng = GEN_SEED;
    s->g.t = T0;
    s->nfills = nfills;
    s->i = 0;
    s->rep = rep;
    s->nrep = nrep;
    s->ri = 0;
    s->pos = 0;
}

/* The next fill as a record; *dup = 1 when its key is a recent one again. */
static void make_fill(struct source *s, struct pmc_record *r, int *dup)
{
    struct gen_fill f;
    next_fill(&s->g, &f);
    r->kind = PMC_K_FILL;
    r->t = f.t;
    struct pmc_fill *pf = &r->u.fill;
    memset(pf, 0, sizeof *pf);
    if (pmc_sym_set(&pf->trader, s->u.trader[f.trader], 42) != PMC_OK ||
        pmc_sym_set(&pf->token, s->u.tok[f.tok].token, 77) != PMC_OK ||
        pmc_sym_set(&pf->key, f.key, f.keylen) != PMC_OK ||
        pmc_sym_set(&pf->market, s->u.tok[f.tok].market, 66) != PMC_OK)
        exit(1);
    pf->side = f.side;
    pf->px = f.px;
    pf->sz = f.sz;
    pf->ts = f.ts;
    pf->src = PMC_SRC_CHAIN;
    *dup = f.dup;
    s->i++;
}

static void make_report(struct pmc_record *r, const struct report *p, pmc_ms t)
{
    r->kind = PMC_K_EXEC;
    r->t = t;
    memset(&r->u.exec, 0, sizeof r->u.exec);
    r->u.exec.coid = p->coid;
    r->u.exec.status = PMC_EXEC_FILL;
    r->u.exec.sz = p->sz;
    r->u.exec.px = p->px;
    r->u.exec.fee = 0;
}

/* Up to n next records into buf; 0 at the end of the sequence. */
static size_t source_fill(struct source *s, struct pmc_record *buf, size_t n)
{
    size_t k = 0;
    for (; k < n; k++, s->pos++) {
        if (s->ri < s->nrep && s->rep[s->ri].at == s->pos) {
            make_report(&buf[k], &s->rep[s->ri++], s->g.t);
        } else if (s->i < s->nfills) {
            int dup;
            make_fill(s, &buf[k], &dup);
        } else {
            break;
        }
    }
    return k;
}

/* The generating run: the fills, and a report (a full fill at the limit)
 * 1 to 16 events after each order. The orders' ids are only known by
 * running the engine, so this untimed run discovers them; the same inputs
 * give the same ids, so the timed runs see matching reports. Returns the
 * reports (*nrep) and the length of the sequence (*nev). */
static struct report *discover(const struct pmc_config *c,
                               const struct universe *u, size_t nfills,
                               size_t *nrep_out, size_t *nev_out,
                               struct expect *x_out)
{
    struct expect xp;
    memset(&xp, 0, sizeof xp);
    size_t qcap = 1u << 16, rcap = 1u << 16, nrep = 0;
    struct report *q = malloc(qcap * sizeof *q);
    struct report *rep = malloc(rcap * sizeof *rep);
    struct source *s = malloc(sizeof *s);
    if (!q || !rep || !s) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    source_init(s, u, nfills, NULL, 0);
    size_t qh = 0, qn = 0, n = 0;
    struct eng x;
    eng_init(&x, c);
    struct pmc_record rec, *r = &rec;
    for (; s->i < nfills || qn; n++, s->pos++) {
        if (qn && (q[qh].at <= n || s->i >= nfills)) {
            /* the report for an order emitted a few events ago */
            if (nrep == rcap) {
                rcap *= 2;
                rep = realloc(rep, rcap * sizeof *rep);
                if (!rep) {
                    fprintf(stderr, "bench: out of memory\n");
                    exit(1);
                }
            }
            rep[nrep] = q[qh];
            rep[nrep].at = n;
            make_report(r, &rep[nrep++], s->g.t);
            qh = (qh + 1) % qcap;
            qn--;
            xp.nexec++;
        } else {
            int dup;
            make_fill(s, r, &dup);
            xp.ndups += (size_t)dup;
        }
        int more;
        do {
            enum pmc_err e = pmc_engine_advance(x.e, r->t, &x.out, &more);
            if (e == PMC_OK && !more)
                e = pmc_engine_step(x.e, r, r->t, &x.out);
            if (e != PMC_OK)
                die_step(e, n);
            for (size_t k = 0; k < x.out.n; k++) {
                const struct pmc_record *a = &x.out.v[k];
                xp.skips += a->kind == PMC_K_SKIP;
                if (a->kind != PMC_K_ORDER)
                    continue;
                xp.norders++;
                xp.order_fills += a->u.order.nfills;
                if (qn == qcap) {
                    fprintf(stderr, "bench: report queue full\n");
                    exit(1);
                }
                struct report *p = &q[(qh + qn++) % qcap];
                p->coid = a->u.order.coid;
                p->sz = a->u.order.sz;
                p->px = a->u.order.px;
                p->at = n + 1 + rnd_below(16);
            }
            x.out.n = 0;
        } while (more);
    }
    /* the fills still coalescing: flushed at shutdown (not in the timed
     * runs, which end with open buckets), so every fill is accounted */
    struct pmc_record fl;
    memset(&fl, 0, sizeof fl);
    fl.kind = PMC_K_FLUSH;
    fl.t = s->g.t;
    struct pmc_engine_stats est;
    do {
        if (pmc_engine_step(x.e, &fl, fl.t, &x.out) != PMC_OK)
            die_step(PMC_ESTATE, n);
        for (size_t k = 0; k < x.out.n; k++) {
            const struct pmc_record *a = &x.out.v[k];
            xp.left += a->kind == PMC_K_SKIP;
            if (a->kind == PMC_K_ORDER)
                xp.left += a->u.order.nfills;
        }
        x.out.n = 0;
        pmc_engine_stats(x.e, &est);
    } while (est.open_buckets > 0);
    eng_fini(&x);
    free(q);
    free(s);
    *nrep_out = nrep;
    *nev_out = n;
    *x_out = xp;
    return rep;
}

/* Records per chunk: the source makes a chunk (untimed), the loop steps it
 * (timed). A shell's records are in cache when stepped: the driver
 * (core/driver.c) has its source write each next record into the one
 * record it reuses, so the loop must not measure a stream of records
 * through the caches. 256 records are 143 KB: in L2 with the engine's
 * working set.
 * Measured here (the same engine, alternately): 64 to 1024 records within
 * the noise of each other; one 670 MB array of every record, prefetched
 * ahead, about 0.85x (its stream evicts the engine's lines from L2).
 * BENCH_CHUNK overrides. */
#define CHUNK_DEFAULT 256

struct pass {
    const struct pmc_config *c;
    const struct universe *u;
    size_t nfills;
    const struct report *rep;
    size_t nrep;
    struct pmc_record *buf; /* [chunk] */
    size_t chunk;
    struct source *src;
};

/* One timed pass over the sequence; returns the seconds spent stepping. */
static double run_pass(struct pass *P, struct pmc_engine_stats *st,
                       long *heap_delta)
{
    struct eng x;
    eng_init(&x, P->c);
    source_init(P->src, P->u, P->nfills, P->rep, P->nrep);
    struct mallinfo2 m0 = mallinfo2();
    double t = 0;
    size_t base = 0, k;
    pmc_ms due = pmc_engine_next_deadline(x.e);
    while ((k = source_fill(P->src, P->buf, P->chunk)) > 0) {
        const struct pmc_record *ev = P->buf;
        double t0 = now_s();
        for (size_t i = 0; i < k; i++) {
            int more = due <= ev[i].t;
            while (more) { /* the timers due first */
                enum pmc_err e =
                    pmc_engine_advance(x.e, ev[i].t, &x.out, &more);
                if (e != PMC_OK)
                    die_step(e, base + i);
                x.out.n = 0;
            }
            if (i + 2 < k)
                pmc_engine_prefetch(x.e, &ev[i + 2]);
            enum pmc_err e = pmc_engine_step(x.e, &ev[i], ev[i].t, &x.out);
            if (e != PMC_OK)
                die_step(e, base + i);
            x.out.n = 0;
            due = pmc_engine_next_deadline(x.e);
        }
        t += now_s() - t0;
        base += k;
    }
    struct mallinfo2 m1 = mallinfo2();
    *heap_delta = (long)(m1.uordblks - m0.uordblks) +
                  (long)(m1.hblkhd - m0.hblkhd) +
                  (long)(m1.hblks - m0.hblks) * 1000000L;
    pmc_engine_stats(x.e, st);
    eng_fini(&x);
    return t;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t timer_overhead_ns(void)
{
    enum { N = 200001 };
    static uint32_t d[N];
    for (int i = 0; i < N; i++) {
        uint64_t a = now_ns();
        uint64_t b = now_ns();
        d[i] = (uint32_t)(b - a);
    }
    qsort(d, N, sizeof d[0], cmp_u32);
    return d[N / 2];
}

static uint32_t pct(const uint32_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* Time each step on its own (n events in the sequence). Fills and other
 * steps are kept apart. */
static void run_latency(struct pass *P, size_t n, uint32_t overhead)
{
    struct eng x;
    eng_init(&x, P->c);
    source_init(P->src, P->u, P->nfills, P->rep, P->nrep);
    uint32_t *fl = malloc(n * sizeof *fl), *other = malloc(2 * n * sizeof *fl);
    if (!fl || !other)
        exit(1);
    size_t nf = 0, no = 0, base = 0, k;
    struct pmc_record timer;
    memset(&timer, 0, sizeof timer);
    timer.kind = PMC_K_TIMER;
    while ((k = source_fill(P->src, P->buf, P->chunk)) > 0) {
        const struct pmc_record *ev = P->buf;
        for (size_t i = 0; i < k; i++) {
            /* due timers, one step each (as pmc_engine_advance does) */
            for (;;) {
                pmc_ms d = pmc_engine_next_deadline(x.e);
                if (d > ev[i].t)
                    break;
                timer.t = d;
                uint64_t a = now_ns();
                enum pmc_err e = pmc_engine_step(x.e, &timer, d, &x.out);
                uint64_t b = now_ns();
                if (e != PMC_OK)
                    die_step(e, base + i);
                x.out.n = 0;
                uint64_t dt = b - a;
                if (no == 2 * n) {
                    fprintf(stderr,
                            "bench: more timer steps than 2 x events\n");
                    exit(1);
                }
                other[no++] = dt > overhead ? (uint32_t)(dt - overhead) : 0;
            }
            uint64_t a = now_ns();
            enum pmc_err e = pmc_engine_step(x.e, &ev[i], ev[i].t, &x.out);
            uint64_t b = now_ns();
            if (e != PMC_OK)
                die_step(e, base + i);
            x.out.n = 0;
            uint64_t dt = b - a;
            uint32_t v = dt > overhead ? (uint32_t)(dt - overhead) : 0;
            if (ev[i].kind == PMC_K_FILL)
                fl[nf++] = v;
            else
                other[no++] = v;
        }
        base += k;
    }
    qsort(fl, nf, sizeof *fl, cmp_u32);
    qsort(other, no, sizeof *other, cmp_u32);
    printf("core: fill step latency (each step timed alone, minus %u ns timer "
           "overhead): p50 %u ns, p90 %u ns, p99 %u ns, p99.9 %u ns, max %u "
           "ns\n",
           overhead, pct(fl, nf, 0.5), pct(fl, nf, 0.9), pct(fl, nf, 0.99),
           pct(fl, nf, 0.999), fl[nf - 1]);
    printf("core: timer/report step latency: p50 %u ns, p99 %u ns, max %u ns "
           "(%zu steps)\n",
           pct(other, no, 0.5), pct(other, no, 0.99), no ? other[no - 1] : 0,
           no);
    double p99 = pct(fl, nf, 0.99);
    printf("core: p99 decision time %.0f ns (target < 1000 ns: %.2fx "
           "headroom)\n",
           p99, p99 > 0 ? 1000.0 / p99 : 0.0);
    free(fl);
    free(other);
    eng_fini(&x);
}

/* The outcome, checked against what the generator knows: a benchmark of a
 * core that decides wrongly measures nothing. */
static int check_outcome(const struct pmc_engine_stats *st, size_t nfills,
                         const struct expect *xp, uint64_t skips)
{
    int rc = 0;
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            printf("core: FAIL: " __VA_ARGS__);                                \
            printf("\n");                                                      \
            rc = 1;                                                            \
        }                                                                      \
    } while (0)
    CHECK(xp->order_fills + xp->skips + xp->left == nfills,
          "%zu fills in orders + %zu skips + %zu flushed at the end != %zu "
          "fills (each ends once)",
          xp->order_fills, xp->skips, xp->left, nfills);
    CHECK(skips == xp->skips, "%llu skips in the timed run vs %zu",
          (unsigned long long)skips, xp->skips);
    CHECK(st->skips[PMC_SKIP_DUPLICATE] == xp->ndups,
          "%llu duplicates skipped, %zu injected",
          (unsigned long long)st->skips[PMC_SKIP_DUPLICATE], xp->ndups);
    CHECK(st->reports == xp->nexec && st->fills_copied == xp->nexec,
          "%llu reports seen, %llu matched an open order, %zu written",
          (unsigned long long)st->reports, (unsigned long long)st->fills_copied,
          xp->nexec);
    CHECK(xp->nexec == xp->norders, "%zu reports for %zu orders", xp->nexec,
          xp->norders);
    CHECK(st->open_orders == 0 && st->pending_buy == 0,
          "%u orders open, %lld pending at the end (all were filled)",
          st->open_orders, (long long)st->pending_buy);
    CHECK(!st->killed, "the kill switch tripped");
    /* the mix copies about one fill in five: far fewer orders means the
     * pipeline skips what it should copy */
    CHECK(st->orders >= nfills / 10, "only %llu orders for %zu fills",
          (unsigned long long)st->orders, nfills);
#undef CHECK
    return rc;
}

static int bench_core(size_t nfills)
{
    struct universe *u = calloc(1, sizeof *u);
    struct pmc_config *c = malloc(sizeof *c);
    if (!u || !c)
        return 1;
    rng_state = 0x5eed;
    make_universe(u);
    bench_config(c, u);
    double g0 = now_s();
    size_t nev, nrep;
    struct expect xp;
    struct report *reps = discover(c, u, nfills, &nrep, &nev, &xp);
    size_t norders = xp.norders;
    struct pass P;
    P.c = c;
    P.u = u;
    P.nfills = nfills;
    P.rep = reps;
    P.nrep = nrep;
    const char *ck = getenv("BENCH_CHUNK");
    P.chunk = ck && atol(ck) > 0 ? (size_t)atol(ck) : CHUNK_DEFAULT;
    P.buf = calloc(P.chunk, sizeof *P.buf);
    P.src = malloc(sizeof *P.src);
    if (!P.buf || !P.src)
        return 1;
    printf("core: %zu events (%zu fills, %zu exec reports, %d tokens, %d "
           "traders), generated in %.1f s, stepped from a buffer of %zu "
           "records refilled between chunks (untimed)\n",
           nev, nfills, nev - nfills, NTOKENS, NTRADERS, now_s() - g0, P.chunk);

    double best = 1e30;
    struct pmc_engine_stats st;
    int rc = 0;
    const char *pe = getenv("BENCH_PASSES");
    int passes = pe && atoi(pe) > 0 ? atoi(pe) : 3;
    for (int rep = 0; rep < passes; rep++) {
        long heap;
        double dt = run_pass(&P, &st, &heap);
        if (dt < best)
            best = dt;
        if (heap != 0) {
            printf("core: FAIL: the step loop changed the heap by %ld bytes "
                   "(mallinfo2)\n",
                   heap);
            rc = 1;
        }
    }
    uint64_t skips = 0;
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        skips += st.skips[i];
    printf("core: outcome: %llu orders, %llu skips (duplicate %llu, "
           "netted_out %llu, nothing_to_sell %llu, below_min %llu, "
           "price_moved %llu), %llu reports, %u open orders at the end\n",
           (unsigned long long)st.orders, (unsigned long long)skips,
           (unsigned long long)st.skips[PMC_SKIP_DUPLICATE],
           (unsigned long long)st.skips[PMC_SKIP_NETTED_OUT],
           (unsigned long long)st.skips[PMC_SKIP_NOTHING_TO_SELL],
           (unsigned long long)st.skips[PMC_SKIP_BELOW_MIN],
           (unsigned long long)st.skips[PMC_SKIP_PRICE_MOVED],
           (unsigned long long)st.reports, st.open_orders);
    if (st.fills_seen != nfills || st.orders != norders) {
        printf("core: FAIL: timed run diverged from the generating run "
               "(%llu fills seen, %llu orders vs %zu)\n",
               (unsigned long long)st.fills_seen, (unsigned long long)st.orders,
               norders);
        rc = 1;
    }
    rc |= check_outcome(&st, nfills, &xp, skips);
    if (rc == 0)
        printf("core: no heap allocation in the step loop (mallinfo2 equal "
               "before and after, %d runs)\n",
               passes);
    double fps = (double)nfills / best, eps = (double)nev / best;
    printf("core: step %.2f M fills/s, %.2f M events/s, %.1f ns/event mean "
           "(best of %d loops over all %zu events, timers included)\n",
           fps / 1e6, eps / 1e6, best * 1e9 / (double)nev, passes, nev);
    printf("core: step %.1f M fills/s (target 10 M: %.2fx)\n", fps / 1e6,
           fps / 1e7);
    run_latency(&P, nev, timer_overhead_ns());
    free(reps);
    free(P.buf);
    free(P.src);
    free(u);
    free(c);
    return rc;
}

/* ---- (b) pmcopy decide end to end ---------------------------------------- */

struct out {
    FILE *f;
    char *buf;
    size_t n, cap;
};

static void out_flush(struct out *o)
{
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n) {
        perror("bench: write tape");
        exit(1);
    }
    o->n = 0;
}

static inline void put(struct out *o, const char *s, size_t n)
{
    if (o->n + n > o->cap)
        out_flush(o);
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

static inline void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static inline void put_int(struct out *o, int64_t v)
{
    char b[24];
    put(o, b, pmc_int_format(v, b));
}

static inline void put_dec(struct out *o, pmc_micros v)
{
    char b[32];
    put(o, b, pmc_dec_format(v, b));
}

/* Write a tape of nfills fills, ~1 quote per 5 fills and a market record
 * per token up front. Returns the number of records. */
static size_t write_tape(const char *path, struct universe *u, size_t nfills)
{
    struct out o;
    o.f = fopen(path, "wb");
    o.cap = 1u << 20;
    o.buf = malloc(o.cap);
    o.n = 0;
    if (!o.f || !o.buf) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t nrec = 0;
    puts_(&o, PMC_TAPE_HEADER "\n");
    for (int i = 0; i < NTOKENS; i++) {
        puts_(&o, "t=");
        put_int(&o, T0);
        puts_(&o, " ev=market token=");
        puts_(&o, u->tok[i].token);
        puts_(&o, " market=");
        puts_(&o, u->tok[i].market);
        puts_(&o, " end=");
        put_int(&o, T0 + 30 * PMC_MS_PER_DAY);
        puts_(&o, " tick=0.001 minsz=5 fee_rate=0 fee_exp=1 negrisk=0\n");
        nrec++;
    }
    struct gen g;
    memset(&g, 0, sizeof g);
    g.u = u;
    g.t = T0;
    g.rng = GEN_SEED;
    static const char *const side[] = {"BUY", "SELL"};
    for (size_t i = 0; i < nfills; i++) {
        struct gen_fill f;
        next_fill(&g, &f);
        puts_(&o, "t=");
        put_int(&o, f.t);
        puts_(&o, " ev=fill trader=");
        puts_(&o, u->trader[f.trader]);
        puts_(&o, " token=");
        puts_(&o, u->tok[f.tok].token);
        puts_(&o, " side=");
        puts_(&o, side[f.side]);
        puts_(&o, " px=");
        put_dec(&o, f.px);
        puts_(&o, " sz=");
        put_dec(&o, f.sz);
        puts_(&o, " key=");
        put(&o, f.key, f.keylen);
        puts_(&o, " ts=");
        put_int(&o, f.ts);
        puts_(&o, " src=chain\n");
        nrec++;
        if (rnd_below(5) == 0) {
            const struct market *m = &u->tok[rnd_below(NTOKENS)];
            pmc_micros bid = m->px > 10000 ? m->px - 5000 : m->px;
            pmc_micros ask = m->px + 5000 < PMC_MICRO ? m->px + 5000 : m->px;
            puts_(&o, "t=");
            put_int(&o, f.t);
            puts_(&o, " ev=quote token=");
            puts_(&o, m->token);
            puts_(&o, " bid=");
            put_dec(&o, bid);
            puts_(&o, " ask=");
            put_dec(&o, ask);
            puts_(&o, " bidsz=100 asksz=250.5\n");
            nrec++;
        }
    }
    out_flush(&o);
    if (fclose(o.f) != 0) {
        perror("bench: close tape");
        exit(1);
    }
    free(o.buf);
    return nrec;
}

struct run_result {
    double wall, cpu;
    long maxrss_kb;
};

static int run_decide(const char *pmcopy, const char *tape,
                      const struct universe *u, struct run_result *res)
{
    char *argv[4 + 2 * NTRADERS + 16];
    int a = 0;
    argv[a++] = (char *)(uintptr_t)pmcopy;
    argv[a++] = "decide";
    for (int i = 0; i < NTRADERS; i++) {
        argv[a++] = "--trader";
        argv[a++] = (char *)(uintptr_t)u->trader[i];
    }
    argv[a++] = "--set";
    argv[a++] = "max_notional_per_market_usd=1000000000";
    argv[a++] = "--set";
    argv[a++] = "max_total_notional_per_15m_window_usd=1000000000";
    argv[a++] = "--set";
    argv[a++] = "max_daily_volume_usd=1000000000";
    argv[a++] = "--set";
    argv[a++] = "kill_max_daily_loss_usd=1000000000";
    argv[a] = NULL;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench: fork");
        return -1;
    }
    if (pid == 0) {
        int in = open(tape, O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
            _exit(127);
        execv(pmcopy, argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", pmcopy, strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bench: wait4");
        return -1;
    }
    res->wall = now_s() - t0;
    res->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    res->maxrss_kb = ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: %s decide failed (status %d)\n", pmcopy,
                status);
        return -1;
    }
    return 0;
}

static int bench_decide(const char *pmcopy, size_t nfills)
{
    if (access(pmcopy, X_OK) != 0) {
        fprintf(stderr,
                "bench: %s is not executable (build it, or pass its "
                "path)\n",
                pmcopy);
        return 1;
    }
    struct universe *u = calloc(1, sizeof *u);
    if (!u)
        return 1;
    char p1[64], p4[64];
    snprintf(p1, sizeof p1, "/tmp/pmc_bench_%d_1x.tape", (int)getpid());
    snprintf(p4, sizeof p4, "/tmp/pmc_bench_%d_4x.tape", (int)getpid());
    int rc = 1;
    rng_state = 0xdec1de;
    make_universe(u);
    double g0 = now_s();
    size_t n1 = write_tape(p1, u, nfills);
    struct universe *u4 = calloc(1, sizeof *u4);
    if (!u4)
        goto out;
    rng_state = 0xdec1de;
    make_universe(u4);
    size_t n4 = write_tape(p4, u4, 4 * nfills);
    printf("decide: tapes of %zu and %zu records written in %.1f s\n", n1, n4,
           now_s() - g0);
    struct run_result r1, r4;
    if (run_decide(pmcopy, p1, u, &r1) < 0 ||
        run_decide(pmcopy, p4, u4, &r4) < 0)
        goto out;
    double rate1 = (double)n1 / r1.wall, rate4 = (double)n4 / r4.wall;
    printf("decide: %zu records in %.2f s (%.2f s CPU): %.2f M records/s, "
           "peak RSS %.1f MB\n",
           n1, r1.wall, r1.cpu, rate1 / 1e6, (double)r1.maxrss_kb / 1024.0);
    printf("decide: %zu records in %.2f s (%.2f s CPU): %.2f M records/s, "
           "peak RSS %.1f MB\n",
           n4, r4.wall, r4.cpu, rate4 / 1e6, (double)r4.maxrss_kb / 1024.0);
    printf("decide: end to end %.2f M records/s (target 1 M: %.2fx)\n",
           rate1 / 1e6, rate1 / 1e6);
    double ratio = (double)r4.maxrss_kb / (double)r1.maxrss_kb;
    printf("decide: peak memory 4x tape / 1x tape = %.3f (target: "
           "independent of length, ~1.00)\n",
           ratio);
    rc = 0;
    if (ratio > 1.10) {
        printf("decide: FAIL: memory grows with tape length\n");
        rc = 1;
    }
out:
    unlink(p1);
    unlink(p4);
    free(u);
    free(u4);
    return rc;
}

int main(int argc, char **argv)
{
    const char *pmcopy = argc > 1 ? argv[1] : getenv("PMCOPY");
    if (!pmcopy)
        pmcopy = "build/pmcopy";
    size_t nfills = 1000000;
    const char *nf = getenv("BENCH_FILLS");
    if (nf && atol(nf) > 0)
        nfills = (size_t)atol(nf);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = bench_core(nfills);
    const char *skip = getenv("BENCH_SKIP_E2E");
    if (!skip || strcmp(skip, "1") != 0)
        rc |= bench_decide(pmcopy, nfills);
    return rc;
}
