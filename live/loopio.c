/* live/loopio.c - what every part of the live loop may do to the loop
 * itself: write a log line, fail it, queue a record for the core.
 *
 * Decides: the log line's form (logfmt: ts= the loop's now in UTC, level=,
 * event=, then the caller's pairs; a line that is not logfmt is quoted
 * whole into msg=; the syslog priority first when stderr is the journal), which levels are printed (--log-level), that
 * the first failure is the one reported, and that a full inbox stops the
 * loop with an error naming the record refused.
 * Never: reads the wall clock (only the monotonic stamp of a queued
 * record), feeds the core, or drops a record silently. */
#include "live/loop_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live/clock.h"
#include "live/logfmt.h"

/* 1 when stderr is the journal's stream (systemd sets JOURNAL_STREAM to its
 * device:inode): each line then starts with its syslog priority, <3> error
 * .. <7> debug, which journald takes off and keeps as the entry's priority.
 * Checked once: --log-file replaces stderr before the loop logs. */
static int to_journal(void)
{
    static int state = -1;
    if (state >= 0)
        return state;
    state = 0;
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
        fstat(STDERR_FILENO, &st) == 0 &&
        (unsigned long long)st.st_dev == dev &&
        (unsigned long long)st.st_ino == ino)
        state = 1;
    return state;
}

/* "level=X " at the head of a caller's line, else info. */
static int line_level(const char **line)
{
    const char *p = *line;
    if (strncmp(p, "level=", 6))
        return PMC_LOG_INFO;
    size_t n = strcspn(p + 6, " ");
    int lv = pmc_log_level_parse(p + 6, n);
    if (lv < 0)
        return PMC_LOG_INFO;
    p += 6 + n;
    *line = *p == ' ' ? p + 1 : p;
    return lv;
}

void pmc_live_log(struct live *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const char *rest = line;
    int lv = line_level(&rest);
    if (lv < L->o.log_level)
        return;
    /* logfmt: ts (UTC, ms), level, event, then the caller's pairs */
    char ts[40];
    time_t secs = (time_t)(L->now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t k = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + k, sizeof ts - k, ".%03dZ", (int)(L->now % 1000));
    const char *lname = pmc_log_level_name((enum pmc_log_level)lv);
    static const char *const prio[] = {"<7>", "<6>", "<4>", "<3>"};
    const char *pre = to_journal() ? prio[lv] : "";
    if (!strncmp(rest, "event=", 6) && pmc_logfmt_valid(rest)) {
        fprintf(stderr, "%sts=%s level=%s %s\n", pre, ts, lname, rest);
        return;
    }
    /* a line that is not logfmt (or was cut short) is kept whole, quoted */
    char q[sizeof line + 64];
    fprintf(stderr, "%sts=%s level=%s event=log msg=%s\n", pre, ts, lname,
            pmc_logfmt_value(q, sizeof q, rest));
}

char *pmc_live_q(char *buf, size_t cap, const char *s)
{
    return pmc_logfmt_value(buf, cap, s ? s : "");
}

void pmc_live_fail(struct live *L, const char *what, const char *detail)
{
    if (!L->failed)
        snprintf(L->err, L->errcap, "%s%s%s", what, detail ? ": " : "",
                 detail ? detail : "");
    L->failed = 1;
}

/* A full inbox stops the loop with a clear error: the core has fallen
 * that far behind its feeds. */
void pmc_live_push(struct live *L, const struct pmc_record *r)
{
    if (L->failed)
        return;
    if (pmc_inbox_push(&L->in, r, pmc_clock_mono_ns()) != PMC_OK) {
        char d[160];
        snprintf(d, sizeof d,
                 "full: %zu records wait for the core (a %s record "
                 "refused; raise the live inbox capacity)",
                 L->in.cap, pmc_kind_name(r->kind));
        pmc_live_fail(L, "inbox", d);
    }
}

void pmc_live_exec_input(struct live *L, const struct pmc_sym *coid,
                         enum pmc_exec_status st, const char *why)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_EXEC;
    r.t = L->now;
    r.u.exec.coid = *coid;
    r.u.exec.status = st;
    snprintf(r.u.exec.reason, sizeof r.u.exec.reason, "%s", why);
    pmc_live_push(L, &r);
}
