/* bench/bench_optimize.c - `pmcopy optimize` throughput against running
 * `pmcopy backtest` once per trial. A population tape (sim/synth_pop.c,
 * default 250 wallets x 160 days x 20 trades a day, about a million
 * records; with no trader configured both commands follow every wallet,
 * at most 256) and a 200-trial
 * grid (ratio x coalesce_ms x latency_ms); prints trial x records per
 * second of `optimize --jobs 2` and of separate `backtest` runs (a sample
 * of trials, each a whole process: parse + simulate), their ratio (target
 * >= 3), and the peak memory of optimize at 20 and at 200 trials (flat in
 * the number of trials apart from 8 bytes per day and trial). Fails
 * (exit 1) when a sampled trial's P&L in trials.csv differs from its
 * backtest's, or a command fails.
 * Usage: bench_optimize [wallets [days [backtest-samples]]]. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"

/* Run argv with stdout to `out` (NULL: /dev/null); its peak RSS in KiB. */
static int run(char *const argv[], const char *out, long *maxrss_kb,
               double *secs)
{
    double t0 = now_s();
    pid_t p = fork();
    if (p < 0)
        return -1;
    if (p == 0) {
        FILE *o = freopen(out ? out : "/dev/null", "w", stdout);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)o, (void)e;
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(p, &st, 0, &ru) < 0)
        return -1;
    if (secs)
        *secs = now_s() - t0;
    if (maxrss_kb)
        *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *ratios[10] = {"0.02", "0.05", "0.08", "0.1", "0.12",
                                 "0.15", "0.2",  "0.25", "0.3", "0.4"};
static const char *coal[4] = {"0", "200", "400", "800"};
static const char *lats[5] = {"0", "400", "1000", "3000", "10000"};

/* The pnl_usd column (found by its header) of trial i's row in
 * trials.csv. */
static int csv_pnl(const char *path, int i, char *pnl, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int rc = -1, col = -1;
    if (fgets(line, sizeof line, f)) {
        int c = 0;
        for (char *s = line; s; s = strchr(s, ','), s = s ? s + 1 : NULL, c++)
            if (!strncmp(s, "pnl_usd,", 8)) {
                col = c;
                break;
            }
    }
    while (col >= 0 && fgets(line, sizeof line, f)) {
        if (line[0] < '0' || line[0] > '9' || atoi(line) != i)
            continue;
        char *s = line;
        for (int c = 0; c < col && s; c++) {
            s = strchr(s, ',');
            if (s)
                s++;
        }
        if (!s)
            break;
        size_t n = strcspn(s, ",");
        snprintf(pnl, cap, "%.*s", (int)n, s);
        rc = 0;
        break;
    }
    fclose(f);
    return rc;
}

static int json_pnl(const char *path, char *pnl, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        char *s = strstr(line, "\"pnl_usd\": ");
        if (!s)
            continue;
        s += strlen("\"pnl_usd\": ");
        snprintf(pnl, cap, "%.*s", (int)strcspn(s, ",\n"), s);
        rc = 0;
        break;
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *bin = getenv("PMCOPY") ? getenv("PMCOPY") : "build/pmcopy";
    const char *wallets = argc > 1 ? argv[1] : "250";
    const char *days = argc > 2 ? argv[2] : "160";
    int samples = argc > 3 ? atoi(argv[3]) : 4;
    if (samples < 1 || samples > 200)
        samples = 4;
    char dir[] = "/tmp/bench_optimize.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char tape[512], space[512], o20[512], o200[512], csv[600], bt[512];
    snprintf(tape, sizeof tape, "%s/pop.tape", dir);
    snprintf(space, sizeof space, "%s/space.json", dir);
    snprintf(o20, sizeof o20, "%s/o20", dir);
    snprintf(o200, sizeof o200, "%s/o200", dir);
    snprintf(csv, sizeof csv, "%s/trials.csv", o200);
    snprintf(bt, sizeof bt, "%s/bt.json", dir);
    int fail = 0;
    char *synth[] = {(char *)bin,
                     "synth",
                     "--population",
                     (char *)wallets,
                     "--days",
                     (char *)days,
                     "--trades-per-day",
                     "20",
                     "--out",
                     tape,
                     NULL};
    if (run(synth, NULL, NULL, NULL) != 0) {
        fprintf(stderr, "bench_optimize: %s synth failed\n", bin);
        return 1;
    }
    uint64_t records = 0;
    FILE *f = fopen(tape, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '#')
            records++;
    if (f)
        fclose(f);
    f = fopen(space, "w");
    if (!f)
        return 1;
    fprintf(f, "{\"ratio\": [");
    for (int i = 0; i < 10; i++)
        fprintf(f, "%s%s", i ? ", " : "", ratios[i]);
    fprintf(f, "], \"coalesce_ms\": [0, 200, 400, 800], "
               "\"latency_ms\": [0, 400, 1000, 3000, 10000]}\n");
    fclose(f);
    long rss20 = 0, rss200 = 0;
    double t20, t200;
    char *opt20[] = {(char *)bin, "optimize",   tape,       "--space", space,
                     "--out",     o20,          "--trials", "20",      "--jobs",
                     "2",         "--progress", "none",     NULL};
    char *opt200[] = {(char *)bin, "optimize",   tape,   "--space",
                      space,       "--out",      o200,   "--jobs",
                      "2",         "--progress", "none", NULL};
    if (run(opt20, NULL, &rss20, &t20) != 0 ||
        run(opt200, NULL, &rss200, &t200) != 0) {
        fprintf(stderr, "bench_optimize: optimize failed\n");
        return 1;
    }
    double opt_rate = 200.0 * (double)records / t200;
    /* backtest once per sampled trial (spread over the grid) */
    double bsum = 0;
    for (int k = 0; k < samples; k++) {
        int i = (int)((200L * k) / samples + k) % 200;
        int r = i / 20, c = (i / 5) % 4, l = i % 5;
        char sr[64], sc[64];
        snprintf(sr, sizeof sr, "ratio=%s", ratios[r]);
        snprintf(sc, sizeof sc, "coalesce_ms=%s", coal[c]);
        char *b[] = {(char *)bin,
                     "backtest",
                     tape,
                     "--set",
                     sr,
                     "--set",
                     sc,
                     "--latency",
                     (char *)lats[l],
                     "--no-report",
                     "--json",
                     NULL};
        double s;
        if (run(b, bt, NULL, &s) != 0) {
            fprintf(stderr, "bench_optimize: backtest of trial %d failed\n", i);
            return 1;
        }
        bsum += s;
        char want[64] = "", got[64] = "";
        if (json_pnl(bt, want, sizeof want) != 0 ||
            csv_pnl(csv, i, got, sizeof got) != 0 || strcmp(want, got)) {
            fprintf(stderr,
                    "bench_optimize: trial %d: optimize P&L %s != backtest "
                    "%s\n",
                    i, got, want);
            fail = 1;
        }
    }
    double bt_rate = (double)samples * (double)records / bsum;
    printf("tape: %" PRIu64 " records (%s wallets x %s days)\n", records,
           wallets, days);
    printf("optimize --jobs 2: 200 trials in %.2f s = %.3g trial*records/s\n",
           t200, opt_rate);
    printf("backtest per trial: %d trials in %.2f s = %.3g trial*records/s "
           "(200 trials: %.0f s)\n",
           samples, bsum, bt_rate, bsum / samples * 200);
    printf("speed-up: %.2fx (target >= 3x)\n", opt_rate / bt_rate);
    printf("peak memory: 20 trials %ld KiB, 200 trials %ld KiB (+%.1f%%)\n",
           rss20, rss200, 100.0 * ((double)rss200 / (double)rss20 - 1));
    printf("sampled trials' P&L = backtest's: %s\n", fail ? "NO" : "yes");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_optimize: could not remove %s\n", dir);
    return fail;
}
