/* sim/report_fmt.c - what every report writer shares: micros as decimals
 * and as 2-decimal USD, UTC times, CSV and HTML quoting, opening and
 * closing a file of the report folder, and finding the files shipped with
 * pmcopy (pmc_find_shared).
 * Decides the textual form of a value; calls no other report file. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/dec.h"
#include "sim/report_int.h"

void pmc__report_dec(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

/* USD with 2 decimals, sign, rounded half away from zero. */
const char *pmc__report_usd2(pmc_micros v, char *b, size_t cap)
{
    pmc_micros a = v < 0 ? -v : v;
    pmc_micros c = (a + 5000) / 10000;
    snprintf(b, cap, "%s%" PRId64 ".%02" PRId64, v < 0 ? "-" : "", c / 100,
             c % 100);
    return b;
}

const char *pmc__report_utc(pmc_ms t, char *b, size_t cap)
{
    time_t s = (time_t)pmc_floor_div(t, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(b, cap, "%Y-%m-%d %H:%M:%S", &tm);
    return b;
}

void pmc__report_html_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

FILE *pmc__report_open_in(const char *dir, const char *name, char *err,
                          size_t cap)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        snprintf(err, cap, "%s: %s", p, strerror(errno));
    return f;
}

int pmc__report_close_file(FILE **f)
{
    int bad = 0;
    if (*f) {
        bad = ferror(*f) || fclose(*f);
        *f = NULL;
    }
    return bad;
}

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

int pmc_find_shared(const char *rel, char *out, size_t cap)
{
    const char *home = getenv("PMC_HOME");
    if (home && *home) {
        snprintf(out, cap, "%s/%s", home, rel);
        if (readable(out))
            return 1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const up[] = {"", "/..", "/../..",
                                         "/../share/pmcopy"};
        for (size_t i = 0; i < PMC_ARRAY_LEN(up); i++) {
            snprintf(out, cap, "%s%s/%s", exe, up[i], rel);
            if (readable(out))
                return 1;
        }
    }
    snprintf(out, cap, "%s", rel);
    return readable(out);
}

enum pmc_err pmc_report_templates(char *gp, char *tmpl, char *err, size_t cap)
{
    if (pmc_find_shared("reports/charts.gp", gp, PATH_MAX) &&
        pmc_find_shared("reports/report.html.tmpl", tmpl, PATH_MAX))
        return PMC_OK;
    snprintf(err, cap,
             "report templates (reports/charts.gp, reports/report.html.tmpl) "
             "not found in $PMC_HOME, next to the binary, in "
             "../share/pmcopy beside it or in the current directory; set "
             "PMC_HOME or reinstall");
    return PMC_EIO;
}
