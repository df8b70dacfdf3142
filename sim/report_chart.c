/* sim/report_chart.c - the charts of the report folder: gnuplot runs
 * reports/charts.gp in the folder, once for SVG and once for PNG (pngcairo
 * when it has it). Decides that a missing or failing gnuplot costs the
 * charts only (a warning on stderr), never the report; what gnuplot says
 * goes to gnuplot.log in the folder (removed when empty), named on stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/report_int.h"

/* the rows of dir/markets.csv after its header (0 when unreadable) */
static unsigned long csv_rows(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    unsigned long n = 0;
    int c, last = '\n';
    while ((c = getc(f)) != EOF) {
        if (c == '\n')
            n++;
        last = c;
    }
    if (last != '\n')
        n++;
    fclose(f);
    return n ? n - 1 : 0;
}

/* Run gnuplot in dir on script with `fmt` set, its stderr appended to
 * dir/gnuplot.log; 0 on success. */
static int run_gnuplot(const char *dir, const char *script, const char *fmt,
                       const char *pngterm, pmc_ms kill_ms, pmc_micros capital)
{
    char defs[288];
    /* kill_s: when the kill switch first tripped (s, 0 = never) */
    snprintf(defs, sizeof defs,
             "fmt='%s'; pngterm='%s'; kill_s=%" PRId64 ".%03d", fmt, pngterm,
             kill_ms / 1000, (int)(kill_ms % 1000));
    /* capital: taken off the copy's equity on the source chart (USD) */
    size_t n = strlen(defs);
    snprintf(defs + n, sizeof defs - n, "; capital=%" PRId64 ".%06d",
             capital / PMC_MICRO, (int)(capital % PMC_MICRO));
    /* nmkt: the markets charted (stats warns on a file without rows) */
    n = strlen(defs);
    snprintf(defs + n, sizeof defs - n, "; nmkt=%lu",
             csv_rows(dir, "markets.csv"));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir))
            _exit(127);
        FILE *nul = freopen("/dev/null", "w", stdout);
        FILE *log = freopen("gnuplot.log", "a", stderr);
        (void)nul;
        (void)log;
        execlp("gnuplot", "gnuplot", "-e", defs, script, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int probe_term(const char *term)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        FILE *a = freopen("/dev/null", "w", stdout);
        FILE *b = freopen("/dev/null", "w", stderr);
        (void)a;
        (void)b;
        char cmd[64];
        snprintf(cmd, sizeof cmd, "set terminal %s", term);
        execlp("gnuplot", "gnuplot", "-e", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int pmc__report_charts(const char *dir, const char *script, pmc_ms kill_ms,
                       pmc_micros capital)
{
    int charts_ok = 0;
    char log[4096];
    snprintf(log, sizeof log, "%s/gnuplot.log", dir);
    unlink(log); /* a previous run's */
    if (probe_term("svg")) {
        const char *pngterm = probe_term("pngcairo") ? "pngcairo" : "png";
        charts_ok =
            run_gnuplot(dir, script, "svg", pngterm, kill_ms, capital) == 0 &&
            run_gnuplot(dir, script, "png", pngterm, kill_ms, capital) == 0;
        /* what gnuplot said: kept in the folder, named on stderr */
        struct stat st;
        int said = stat(log, &st) == 0 && st.st_size > 0;
        if (!said)
            unlink(log);
        if (!charts_ok)
            fprintf(stderr,
                    "pmcopy backtest: warning: gnuplot failed; the report "
                    "has no charts (gnuplot's messages: %s)\n",
                    log);
        else if (said)
            fprintf(stderr,
                    "pmcopy backtest: warning: gnuplot warned (no data for "
                    "a chart?); its messages: %s\n",
                    log);
    } else {
        fprintf(stderr, "pmcopy backtest: warning: gnuplot not found "
                        "(Debian: gnuplot-nox); the report has no charts\n");
    }
    return charts_ok;
}
