/* live/killpoint.c - PMCOPY_KILL_AT read once, and the n-th reach of the
 * armed point raising SIGKILL (see killpoint.h).
 *
 * Decides: the names of the points, that a malformed value is an error
 * naming it, the message written to stderr right before the kill.
 * Never: calls another file of pmcopy, reads a clock, or does anything
 * when the variable is unset. */
#include "live/killpoint.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pmc_killpoint_at = PMC_KP_NONE;

static const char *const names[PMC_KP_COUNT] = {
    [PMC_KP_NONE] = "none",           [PMC_KP_DURABLE] = "durable",
    [PMC_KP_SENT] = "sent",           [PMC_KP_ANSWER] = "answer",
    [PMC_KP_BATCH] = "batch",         [PMC_KP_OLOG_GROW] = "olog_grow",
    [PMC_KP_RECONCILE] = "reconcile",
};

static long nth;            /* the n of point:n */
static atomic_long left;    /* reaches until the kill */
static int inited, init_rc; /* the first call's result */
static char init_err[256];

#define NTH_MAX 1000000000L

static int parse(const char *v, char *err, size_t cap)
{
    const char *c = strchr(v, ':');
    size_t nl = c ? (size_t)(c - v) : strlen(v);
    int kp = PMC_KP_NONE;
    for (int i = PMC_KP_NONE + 1; i < PMC_KP_COUNT; i++)
        if (strlen(names[i]) == nl && !memcmp(names[i], v, nl))
            kp = i;
    if (kp == PMC_KP_NONE) {
        snprintf(err, cap,
                 "PMCOPY_KILL_AT=\"%.60s\": \"%.*s\" is not a kill point "
                 "(durable, sent, answer, batch, olog_grow, reconcile)",
                 v, (int)(nl < 60 ? nl : 60), v);
        return -1;
    }
    long n = 1;
    if (c) {
        const char *d = c + 1;
        n = 0;
        if (!*d)
            n = -1;
        for (; *d && n >= 0; d++) {
            if (*d < '0' || *d > '9' || n > (NTH_MAX - (*d - '0')) / 10)
                n = -1;
            else
                n = n * 10 + (*d - '0');
        }
        if (n < 1) {
            snprintf(err, cap,
                     "PMCOPY_KILL_AT=\"%.60s\": the count after ':' must be "
                     "a whole number from 1 to %ld",
                     v, NTH_MAX);
            return -1;
        }
    }
    nth = n;
    atomic_store(&left, n);
    pmc_killpoint_at = kp;
    return 0;
}

int pmc_killpoint_init(char *err, size_t cap)
{
    if (!inited) {
        inited = 1;
        const char *v = getenv("PMCOPY_KILL_AT");
        init_rc = v && *v ? parse(v, init_err, sizeof init_err) : 0;
    }
    if (init_rc)
        snprintf(err, cap, "%s", init_err);
    return init_rc;
}

void pmc_killpoint_describe(char *buf, size_t cap)
{
    if (pmc_killpoint_at <= PMC_KP_NONE || pmc_killpoint_at >= PMC_KP_COUNT)
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "%s:%ld", names[pmc_killpoint_at], nth);
}

void pmc_killpoint_hit(enum pmc_kp p)
{
    if (pmc_killpoint_at != (int)p || atomic_fetch_sub(&left, 1) != 1)
        return;
    char msg[96];
    int n =
        snprintf(msg, sizeof msg,
                 "pmcopy: kill point %s:%ld reached: SIGKILL\n", names[p], nth);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0) {
        /* nothing to do: the kill follows anyway */
    }
    kill(getpid(), SIGKILL);
}
