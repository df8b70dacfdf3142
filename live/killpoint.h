/* live/killpoint.h - deterministic kill points, a testing aid for the
 * crash trials (tests/cli/live_kill.sh, `make soak`).
 *
 * PMCOPY_KILL_AT=<point>[:<n>] (n defaults to 1), read once when `pmcopy
 * live` starts, makes the process raise SIGKILL the n-th time it reaches
 * the point:
 *
 *   durable    an order is committed to the store (order log) and not yet
 *              handed to the venue
 *   sent       a POST /order is written (a lane or libcurl), its answer not
 *              read yet
 *   answer     the venue's answer to a POST /order arrived; nothing of it
 *              is reported or recorded yet
 *   batch      the store's writer applied the first item of a batch of two
 *              or more to SQLite and has not committed the transaction
 *   olog_grow  the order log's file was extended and its mapping not yet
 *              grown; the batch being appended is not in it yet (while this
 *              point is armed the mapped log starts at 48 bytes, so the
 *              first order of a process grows it)
 *   reconcile  after a restart, the answer to a look-up of an order of an
 *              earlier run arrived and is not applied yet
 *
 * Decides: the points, the variable's syntax, when to raise SIGKILL.
 * Never: reads a clock, lives in core/ (core stays pure), costs more than
 * one compare and branch per point reached when unset. */
#ifndef PMC_KILLPOINT_H
#define PMC_KILLPOINT_H

#include <stddef.h>

enum pmc_kp {
    PMC_KP_NONE,
    PMC_KP_DURABLE,
    PMC_KP_SENT,
    PMC_KP_ANSWER,
    PMC_KP_BATCH,
    PMC_KP_OLOG_GROW,
    PMC_KP_RECONCILE,
    PMC_KP_COUNT
};

/* The armed point (PMC_KP_NONE when unset). Written once by
 * pmc_killpoint_init before any thread of the store starts. */
extern int pmc_killpoint_at;

/* Read PMCOPY_KILL_AT (once per process; later calls return the first
 * result). 0 when unset or valid; -1 with err naming the variable, the
 * value and what is wrong. */
int pmc_killpoint_init(char *err, size_t cap);

/* "point:n" of the armed point into buf, or "" when none. */
void pmc_killpoint_describe(char *buf, size_t cap);

/* Counts a reach of the armed point; raises SIGKILL at the n-th. */
void pmc_killpoint_hit(enum pmc_kp p);

/* The point is reached: one compare and branch when it is not armed. */
static inline void pmc_killpoint(enum pmc_kp p)
{
    if (pmc_killpoint_at == (int)p)
        pmc_killpoint_hit(p);
}

/* Is the point armed? (1/0) */
static inline int pmc_killpoint_armed(enum pmc_kp p)
{
    return pmc_killpoint_at == (int)p;
}

#endif
