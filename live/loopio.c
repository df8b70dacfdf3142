/* live/loopio.c - what every part of the live loop may do to the loop
 * itself: write a log line, fail it, queue a record for the core.
 *
 * Decides: the log line's form (logfmt, stamped with the loop's now), that
 * the first failure is the one reported, and that a full inbox stops the
 * loop with an error naming the record refused.
 * Never: reads the wall clock (only the monotonic stamp of a queued
 * record), feeds the core, or drops a record silently. */
#include "live/loop_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "live/clock.h"

void pmc_live_log(struct live *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* logfmt: one event per line, the client order id as correlation id */
    fprintf(stderr, "t=%lld %s\n", (long long)L->now, line);
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
