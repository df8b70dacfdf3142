/* bench/bench_rank.c - `pmcopy rank` throughput: the population tape of
 * sim/synth_pop.c (default 1,000 wallets x 30 days) loaded once, every
 * wallet backtested at 0, L*, 2L*, 4L* (and the 4x-size run) with L* = 3 s,
 * on 1 thread and on 2 (best of 3 each). Prints the load rate, wallets/s, simulated
 * records/s, peak memory and the speed-up from 1 to 2 jobs. Fails (exit 1)
 * when the outcome is wrong: 1 and 2 jobs differ by a byte, or the ground
 * truth does not hold (>= 80 % of the top places copyable, >= 95 % of noise
 * wallets <= 0, no one-big-win wallet in the top decile).
 * Usage: bench_rank [wallets [days]]. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/config.h"
#include "research/rank/rank.h"
#include "sim/synth_pop.h"

#include "bench/bench.h"

static char *finish(const struct pmc_rank_wallet *w, size_t n, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f || pmc_rank_finish(f, PMC_RANK_JSON, w, n, n, 0) < 0)
        return NULL;
    fclose(f);
    return buf;
}

static int run(const struct pmc_rank_tape *t, const size_t *idx, size_t n,
               const struct pmc_config *cfg, int jobs,
               struct pmc_rank_wallet *w, double *secs)
{
    struct pmc_rank_opts o;
    pmc_rank_opts_defaults(&o, cfg);
    o.latency = 3000;
    o.jobs = jobs;
    double t0 = now_s();
    enum pmc_err e = pmc_rank_run(t, idx, n, &o, w);
    *secs = now_s() - t0;
    return e == PMC_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct pmc_pop_opts po;
    pmc_pop_defaults(&po);
    po.wallets = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000;
    po.days = argc > 2 ? strtoll(argv[2], NULL, 10) : 30;
    FILE *f = tmpfile();
    uint64_t nrec = 0;
    if (!f || pmc_pop_write(f, &po, &nrec) != PMC_OK) {
        fprintf(stderr, "bench_rank: cannot write the population tape\n");
        return 1;
    }
    rewind(f);
    char err[600];
    double t0 = now_s();
    struct pmc_rank_tape *t =
        pmc_rank_tape_load(f, "population", err, sizeof err);
    double tload = now_s() - t0;
    fclose(f);
    if (!t) {
        fprintf(stderr, "bench_rank: %s\n", err);
        return 1;
    }
    size_t n = pmc_rank_tape_nwallets(t);
    size_t *idx = malloc(n * sizeof *idx);
    struct pmc_config *cfg = malloc(sizeof *cfg);
    struct pmc_rank_wallet *w1 = calloc(n, sizeof *w1);
    struct pmc_rank_wallet *w2 = calloc(n, sizeof *w2);
    if (!idx || !cfg || !w1 || !w2)
        return 1;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    pmc_config_defaults(cfg);
    printf("tape: %" PRIu64 " records, %zu wallets, %" PRId64
           " days; loaded in %.3f s (%.2f M records/s)\n",
           pmc_rank_tape_records(t), n, po.days, tload,
           (double)pmc_rank_tape_records(t) / tload / 1e6);
    /* best of 3, alternating: the machine is shared */
    double s1 = 1e30, s2 = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double a, b;
        for (size_t i = 0; i < n; i++) {
            pmc_rank_wallet_free(&w1[i]);
            pmc_rank_wallet_free(&w2[i]);
        }
        if (run(t, idx, n, cfg, 1, w1, &a) < 0 ||
            run(t, idx, n, cfg, 2, w2, &b) < 0) {
            fprintf(stderr, "bench_rank: out of memory\n");
            return 1;
        }
        s1 = a < s1 ? a : s1;
        s2 = b < s2 ? b : s2;
    }
    uint64_t simrec = 0;
    for (size_t i = 0; i < n; i++)
        simrec += w1[i].records * PMC_RANK_NRUNS;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("1 job : %.3f s, %.1f wallets/s, %.2f M simulated records/s "
           "(%d runs a wallet: 4 latencies + 4x size)\n",
           s1, (double)n / s1, (double)simrec / s1 / 1e6, PMC_RANK_NRUNS);
    printf("2 jobs: %.3f s, %.1f wallets/s, %.2f M simulated records/s; "
           "speed-up %.2fx\n",
           s2, (double)n / s2, (double)simrec / s2 / 1e6, s1 / s2);
    printf("peak memory: %.1f MB (max RSS)\n", (double)ru.ru_maxrss / 1024.0);
    int bad = 0;
    size_t l1, l2;
    char *b1 = finish(w1, n, &l1), *b2 = finish(w2, n, &l2);
    if (!b1 || !b2 || l1 != l2 || memcmp(b1, b2, l1) != 0) {
        printf("WRONG: 1 and 2 jobs give different output\n");
        bad = 1;
    }
    struct pmc_rank_score *sc = calloc(n, sizeof *sc);
    if (!sc || pmc_rank_score_all(w2, n, n, sc) < 0)
        return 1;
    uint32_t cnt[PMC_POP_NKINDS];
    pmc_pop_counts((uint32_t)n, cnt);
    size_t top = 0, noise = 0, noise0 = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        int k = pmc_pop_kind_of(w2[i].addr.s);
        if (sc[i].rated && sc[i].rank <= cnt[PMC_POP_COPYABLE] &&
            k == PMC_POP_COPYABLE)
            top++;
        if (k == PMC_POP_NOISE) {
            noise++;
            noise0 += sc[i].score <= 0;
        }
        if (k == PMC_POP_BIGWIN && sc[i].rated && sc[i].rank <= n / 10)
            big++;
    }
    printf("ground truth: top %u places %zu copyable; noise <= 0 %zu/%zu; "
           "bigwin in top decile %zu\n",
           cnt[PMC_POP_COPYABLE], top, noise0, noise, big);
    if (top * 10 < (size_t)cnt[PMC_POP_COPYABLE] * 8 ||
        noise0 * 100 < noise * 95 || big) {
        printf("WRONG: the ground truth does not hold\n");
        bad = 1;
    }
    for (size_t i = 0; i < n; i++) {
        pmc_rank_wallet_free(&w1[i]);
        pmc_rank_wallet_free(&w2[i]);
    }
    free(b1);
    free(b2);
    free(sc);
    free(w1);
    free(w2);
    free(idx);
    free(cfg);
    pmc_rank_tape_free(t);
    return bad;
}
