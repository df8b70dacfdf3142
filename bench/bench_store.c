/* bench/bench_store.c - the live store's costs (live/store.h).
 *
 * 1. Journal append on the caller's thread: each pmc_store_journal() call
 *    timed alone, in bursts that fit the ring (so no wait for the writer is
 *    measured), ns per record p50/p99, next to the cost of the timer itself.
 * 2. Sustained writer throughput: records pushed as fast as the ring
 *    accepts them until the writer thread has committed them all; records/s.
 * 3. Synchronous order commit: pmc_store_order_new() after a few queued
 *    records (all committed in the same transaction), p50/p99 us.
 * Then it checks what it timed was kept: every item queued was committed,
 * and the reopened store holds every journal record and order with the
 * last sequence number; exits 1 otherwise (or on any store error).
 * The database lives in a temporary folder under /tmp, removed at the end.
 * Takes no arguments; about 5 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/tape.h"
#include "live/store.h"

#define BURST 4000
#define BURSTS 50
#define SUSTAINED 400000
#define ORDERS 2000
#define PER_ORDER 20

static uint64_t ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i];
}

static void fill_record(struct pmc_record *r, uint64_t i)
{
    static const char base[] =
        "t=1767229200000 ev=fill trader=0x1d0034134e339a309700ff2d34e99fa2d48b"
        "0313 token=62119371190345781226154839541307022449887018412791094658"
        "126797418099213317792 side=BUY px=0.545 sz=198.5318 "
        "key=0xb97c5f1e9c2f4e6b8a3d2c1b0a9f8e7d6c5b4a3928171605f4e3d2c1b0a99f"
        "4b:17 src=chain";
    static struct pmc_record proto;
    static int init;
    if (!init) {
        struct pmc_tape_err te;
        int has;
        if (pmc_tape_parse(base, sizeof base - 1, &proto, &has, &te) !=
            PMC_OK) {
            fprintf(stderr, "bench_store: %s\n", te.msg);
            exit(1);
        }
        init = 1;
    }
    *r = proto;
    r->t += (pmc_ms)i;
    r->u.fill.ts = r->t;
}

static void check(enum pmc_err e, struct pmc_store *s, const char *what)
{
    if (e != PMC_OK) {
        fprintf(stderr, "bench_store: %s: %s (%s)\n", what, pmc_strerror(e),
                s ? pmc_store_errmsg(s) : "");
        exit(1);
    }
}

int main(void)
{
    char dir[] = "/tmp/pmc_bench_store_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_store: mkdtemp");
        return 1;
    }
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    struct pmc_store *s;
    check(pmc_store_open(path, NULL, &s, NULL, err, sizeof err), NULL, err);
    struct pmc_store_stats st0, st;
    pmc_store_stats(s, &st0);

    /* 1. append cost */
    uint64_t *lat = malloc(sizeof *lat * BURST * BURSTS);
    uint64_t *tim = malloc(sizeof *tim * BURST * BURSTS);
    if (!lat || !tim)
        return 1;
    struct pmc_record r;
    uint64_t seq = 0;
    for (int b = 0; b < BURSTS; b++) {
        for (int i = 0; i < BURST; i++) {
            fill_record(&r, seq++);
            uint64_t t0 = ns();
            enum pmc_err e = pmc_store_journal(s, &r, NULL);
            uint64_t t1 = ns();
            check(e, s, "journal");
            lat[b * BURST + i] = t1 - t0;
            uint64_t u0 = ns();
            uint64_t u1 = ns();
            tim[b * BURST + i] = u1 - u0;
        }
        check(pmc_store_sync(s), s, "sync");
    }
    size_t n = (size_t)BURST * BURSTS;
    uint64_t tp50 = pct(tim, n, 0.50), tp99 = pct(tim, n, 0.99);
    uint64_t p50 = pct(lat, n, 0.50), p99 = pct(lat, n, 0.99),
             p999 = pct(lat, n, 0.999);
    pmc_store_stats(s, &st);
    printf("store: journal append (caller thread, %zu records of %zu B): "
           "p50 %llu ns, p99 %llu ns, p99.9 %llu ns (timer alone: p50 %llu "
           "ns, p99 %llu ns); ring stalls %llu\n",
           n, sizeof r, (unsigned long long)p50, (unsigned long long)p99,
           (unsigned long long)p999, (unsigned long long)tp50,
           (unsigned long long)tp99,
           (unsigned long long)(st.stalls - st0.stalls));

    /* 2. sustained writer throughput */
    pmc_store_stats(s, &st0);
    uint64_t t0 = ns();
    for (int i = 0; i < SUSTAINED; i++) {
        fill_record(&r, seq++);
        check(pmc_store_journal(s, &r, NULL), s, "journal");
    }
    /* wait for the writer thread itself to commit the backlog */
    for (;;) {
        pmc_store_stats(s, &st);
        if (st.committed - st0.committed >= SUSTAINED)
            break;
        if (st.failed)
            check(PMC_EIO, s, "writer");
        usleep(200);
    }
    uint64_t t1 = ns();
    double secs = (double)(t1 - t0) * 1e-9;
    printf("store: sustained writer: %d records in %.2f s = %.0f records/s "
           "(%llu transactions, %llu producer stalls on a %zu KiB ring)\n",
           SUSTAINED, secs, SUSTAINED / secs,
           (unsigned long long)(st.batches - st0.batches),
           (unsigned long long)(st.stalls - st0.stalls), st.ring_bytes >> 10);

    /* 3. synchronous order commit */
    struct pmc_store_src src = {"0x1d0034134e339a309700ff2d34e99fa2d48b0313",
                                1000000};
    for (int i = 0; i < ORDERS; i++) {
        for (int k = 0; k < PER_ORDER; k++) {
            fill_record(&r, seq++);
            check(pmc_store_journal(s, &r, NULL), s, "journal");
        }
        char coid[32];
        snprintf(coid, sizeof coid, "pmc-%016x", i);
        struct pmc_store_order o;
        memset(&o, 0, sizeof o);
        o.coid = coid;
        o.token = "62119371190345781226154839541307022449887018412791094658"
                  "126797418099213317792";
        o.px = 550000;
        o.sz = 10000000;
        o.keys = "0xb97c5f1e9c2f4e6b8a3d2c1b0a9f8e7d6c5b4a3928171605f4e3d2c1"
                 "b0a99f4b:17";
        o.src = &src;
        o.nsrc = 1;
        o.ts_decided = r.t;
        uint64_t a = ns();
        check(pmc_store_order_new(s, &o), s, "order_new");
        lat[i] = ns() - a;
    }
    printf("store: order commit (synchronous, with %d queued records): "
           "p50 %.1f us, p99 %.1f us, max %.1f us over %d orders\n",
           PER_ORDER, (double)pct(lat, ORDERS, 0.50) / 1e3,
           (double)pct(lat, ORDERS, 0.99) / 1e3,
           (double)pct(lat, ORDERS, 1.0) / 1e3, ORDERS);
    pmc_store_stats(s, &st);
    check(pmc_store_close(s), NULL, "close");
    /* what was timed is in the store */
    struct pmc_store_opts ro = {0};
    ro.readonly = 1;
    struct pmc_store_info info;
    check(pmc_store_open(path, &ro, &s, &info, err, sizeof err), NULL, err);
    check(pmc_store_close(s), NULL, "close");
    if (st.failed || info.journal_records != seq || info.last_seq != seq ||
        info.orders != ORDERS || st.journal_seq != seq) {
        fprintf(stderr,
                "bench_store: wrong outcome: %llu journal records (last "
                "%llu), %llu orders; want %llu records and %d orders%s\n",
                (unsigned long long)info.journal_records,
                (unsigned long long)info.last_seq,
                (unsigned long long)info.orders, (unsigned long long)seq,
                ORDERS, st.failed ? "; the store failed" : "");
        return 1;
    }
    printf("store: checked: %llu journal records and %d orders committed\n",
           (unsigned long long)seq, ORDERS);
    free(lat);
    free(tim);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
