/* live/store/err.c - the store's errors and its fault hooks.
 *
 * Decides: the text of an error ("PATH: what: why"), that a failed store
 * keeps naming its first failure, how a caller reads it (a copy taken
 * under mu into a per-thread buffer), and when an armed fault fires (the
 * nth run of a path, once; see store.h).
 * Never: calls another file of the store, decides what is an error (its
 * callers do), or injects anything unless a test armed a fault. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/store/store_int.h"

/* ---- fault injection --------------------------------------------------------
 *
 * One armed fault per process (see store.h). The hot path pays one relaxed
 * load per check. */

static atomic_int fault_kind;
static atomic_long fault_left, fault_count;
static atomic_int fault_errno;
/* SQLite result code of an injected step failure, for db_err (per thread:
 * set and read by the thread that ran the step) */
static _Thread_local int injected_rc;

static const char *const fault_names[PMC_STORE_FAULT_COUNT] = {
    [PMC_STORE_FAULT_OFF] = "off",       [PMC_STORE_FAULT_ALLOC] = "alloc",
    [PMC_STORE_FAULT_QUEUE] = "queue",   [PMC_STORE_FAULT_JOURNAL] = "journal",
    [PMC_STORE_FAULT_SEEN] = "seen",     [PMC_STORE_FAULT_CKPT] = "checkpoint",
    [PMC_STORE_FAULT_UPDATE] = "update", [PMC_STORE_FAULT_FILL] = "fill",
    [PMC_STORE_FAULT_STEP] = "step",     [PMC_STORE_FAULT_OLOG] = "olog",
    [PMC_STORE_FAULT_GROW] = "grow",
};

void pmc_store_fault_set(enum pmc_store_fault kind, long nth, int err)
{
    atomic_store(&fault_kind, PMC_STORE_FAULT_OFF);
    atomic_store(&fault_errno, err);
    atomic_store(&fault_left, nth);
    if (nth > 0 && kind > PMC_STORE_FAULT_OFF && kind < PMC_STORE_FAULT_COUNT)
        atomic_store(&fault_kind, (int)kind);
}

long pmc_store_fault_fired(void)
{
    return atomic_load(&fault_count);
}

int fault_hit(enum pmc_store_fault kind, int dflt)
{
    if (atomic_load_explicit(&fault_kind, memory_order_relaxed) != (int)kind)
        return 0;
    if (atomic_fetch_sub(&fault_left, 1) != 1)
        return 0;
    atomic_store(&fault_kind, PMC_STORE_FAULT_OFF);
    atomic_fetch_add(&fault_count, 1);
    int e = atomic_load(&fault_errno);
    return e ? e : dflt;
}

/* PMC_STORE_FAULT=KIND:N[:ERR], read at the first open of the process. */
static void fault_from_env(void)
{
    const char *v = getenv("PMC_STORE_FAULT");
    if (!v || !*v)
        return;
    const char *c = strchr(v, ':');
    if (!c)
        return;
    int kind = -1;
    for (int i = 1; i < PMC_STORE_FAULT_COUNT; i++)
        if (strlen(fault_names[i]) == (size_t)(c - v) &&
            !memcmp(fault_names[i], v, (size_t)(c - v)))
            kind = i;
    char *end;
    long nth = strtol(c + 1, &end, 10);
    int err = 0;
    if (*end == ':') {
        static const struct {
            const char *name;
            int e;
        } errs[] = {{"ENOMEM", ENOMEM},
                    {"EIO", EIO},
                    {"ERANGE", ERANGE},
                    {"ENOSPC", ENOSPC}};
        for (size_t i = 0; i < PMC_ARRAY_LEN(errs); i++)
            if (!strcmp(end + 1, errs[i].name))
                err = errs[i].e;
    }
    if (kind > 0 && nth > 0)
        pmc_store_fault_set((enum pmc_store_fault)kind, nth, err);
}

void *store_malloc(size_t n)
{
    return fault_hit(PMC_STORE_FAULT_ALLOC, ENOMEM) ? NULL : malloc(n);
}

void *store_calloc(size_t n, size_t size)
{
    return fault_hit(PMC_STORE_FAULT_ALLOC, ENOMEM) ? NULL : calloc(n, size);
}

void fault_env(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fault_from_env);
}

/* ---- errors ---------------------------------------------------------------
 */

static void vset_err(struct pmc_store *s, int mu_held, const char *fmt,
                     va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!mu_held)
        pthread_mutex_lock(&s->mu);
    /* a failed store keeps naming its first failure */
    if (!s->failed)
        snprintf(s->err, sizeof s->err, "%s: %s", s->path, msg);
    if (!mu_held)
        pthread_mutex_unlock(&s->mu);
}

void set_err(struct pmc_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(s, 0, fmt, ap);
    va_end(ap);
}

void set_err_locked(struct pmc_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(s, 1, fmt, ap);
    va_end(ap);
}

enum pmc_err db_err(struct pmc_store *s, sqlite3 *db, const char *what)
{
    int rc = sqlite3_errcode(db);
    if (injected_rc) {
        rc = injected_rc;
        injected_rc = 0;
        set_err(s, "%s: %s (injected)", what, sqlite3_errstr(rc));
    } else {
        set_err(s, "%s: %s", what, sqlite3_errmsg(db));
    }
    int prim = rc & 0xff;
    return (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT) ? PMC_EPARSE
                                                             : PMC_EIO;
}

/* Called with dbmu held; marks the store failed and wakes a stalled
 * producer. */
void fail_store(struct pmc_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->failed = 1;
    s->stats.failed = 1;
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
}

const char *pmc_store_errmsg(const struct pmc_store *s)
{
    static _Thread_local char copy[sizeof s->err];
    if (!s)
        return "";
    /* the writer thread sets err under mu when a commit fails */
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    memcpy(copy, s->err, sizeof copy);
    pthread_mutex_unlock(mu);
    return copy;
}

int step_done(sqlite3_stmt *st)
{
    int f = fault_hit(PMC_STORE_FAULT_STEP, EIO);
    if (f) {
        /* as if SQLite had failed the step (nothing written) */
        injected_rc = f == ENOSPC ? SQLITE_FULL : SQLITE_IOERR;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return -1;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}
