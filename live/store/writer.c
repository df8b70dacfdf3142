/* live/store/writer.c - the writer thread and the drain that commits the
 * ring to SQLite (QUEUED/LOGGED -> COMMITTED in olog.c's table).
 *
 * One SQLite connection (`db`) is shared by the writer thread and the
 * synchronous calls, serialised by `dbmu`. Whoever holds dbmu takes a
 * snapshot [head, tail) of the ring under `mu`, applies those items in one
 * transaction and advances head: because the snapshot is taken under dbmu,
 * transactions commit in ring order, so the database always holds a prefix
 * of what was queued. WAL checkpoints (the only fsyncs) run on the
 * writer's own connection without dbmu, so a synchronous commit never
 * waits for one.
 *
 * Decides: the batch (everything queued), the writer's pace (a pass, then
 * a nanosleep of writer_interval_us unless a backlog was drained), when to
 * checkpoint (CKPT_PAGES WAL pages), that a failed transaction fails the
 * store (rolled back; the order log keeps what it holds).
 * Never: reads a clock, runs SQLite on the producer's thread (except
 * pmc_store_sync, whose caller asked for it). */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "live/killpoint.h"
#include "live/store/store_int.h"

/* Move everything queued into the database in one transaction. dbmu held.
 * sync = 1 for a caller waiting on it. Returns the number of items, or -1
 * (the store is then failed and s->err says why). */
long drain(struct pmc_store *s, int sync)
{
    pthread_mutex_lock(&s->mu);
    uint64_t h = s->head, t = s->tail;
    int failed = s->failed;
    pthread_mutex_unlock(&s->mu);
    if (failed)
        return -1;
    if (h == t)
        return 0;
    long n = 0;
    uint64_t lsn = 0;
    if (step_done(s->st[ST_BEGIN]) < 0) {
        db_err(s, s->db, "begin");
        fail_store(s);
        return -1;
    }
    uint64_t pos = h;
    while (pos < t) {
        size_t off = (size_t)(pos % s->cap);
        if (s->cap - off < sizeof(struct item_hdr)) {
            pos += s->cap - off;
            continue;
        }
        struct item_hdr hd;
        memcpy(&hd, s->ring + off, sizeof hd);
        if (hd.type == IT_WRAP) {
            pos += s->cap - off;
            continue;
        }
        int rc = apply_item(s, &hd, s->ring + off + sizeof hd);
        if (rc < 0) {
            if (rc == -1)
                db_err(s, s->db,
                       hd.type == IT_ORDER ? "order insert" : "write");
            goto fail;
        }
        lsn = hd.lsn;
        pos += align8(sizeof hd + hd.len);
        n++;
        if (n == 1 && pos < t)
            pmc_killpoint(PMC_KP_BATCH); /* applied in part, uncommitted */
    }
    if (lsn && put_lsn(s, lsn) < 0) {
        db_err(s, s->db, "write");
        goto fail;
    }
    if (step_done(s->st[ST_COMMIT]) < 0) {
        db_err(s, s->db, "commit");
        goto fail;
    }
    pthread_mutex_lock(&s->mu);
    s->head = t;
    s->stats.committed += (uint64_t)n;
    s->stats.batches++;
    if (sync)
        s->stats.sync_commits++;
    log_trim(s);
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
    return n;
fail:
    step_done(s->st[ST_ROLLBACK]);
    fail_store(s);
    return -1;
}

int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct pmc_store *s = ctx;
    s->wal_pages = pages;
    return SQLITE_OK;
}

static void checkpoint(struct pmc_store *s)
{
    if (!s->ckdb && sqlite3_open_v2(s->path, &s->ckdb,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                    NULL) != SQLITE_OK) {
        sqlite3_close(s->ckdb);
        s->ckdb = NULL;
        return; /* retried later; the WAL just grows meanwhile */
    }
    sqlite3_busy_timeout(s->ckdb, 1000);
    /* PASSIVE: never blocks the writer; a later pass finishes the job */
    sqlite3_wal_checkpoint_v2(s->ckdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
}

void *writer_main(void *arg)
{
    struct pmc_store *s = arg;
    /* The writer wakes every interval; it must not take the core from the
     * event loop when it does. A SCHED_BATCH thread never preempts on
     * wake-up and keeps its fair share of the CPU (no privilege needed;
     * failure only costs latency). */
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int stop = s->stop, empty = s->head == s->tail, failed = s->failed;
        pthread_mutex_unlock(&s->mu);
        if (stop || failed)
            break;
        long n = 0;
        pthread_mutex_lock(&s->dbmu);
        if (!empty)
            n = drain(s, 0);
        /* synchronous commits grow the WAL too: check after every pass */
        int pages = s->wal_pages;
        if (pages >= CKPT_PAGES)
            s->wal_pages = 0;
        pthread_mutex_unlock(&s->dbmu);
        if (pages >= CKPT_PAGES)
            checkpoint(s);
        if (n <= 0) {
            /* nothing was waiting: sleep one interval (a backlog is
             * drained again at once) */
            struct timespec ts = {(time_t)(s->interval_us / 1000000u),
                                  (long)(s->interval_us % 1000000u) * 1000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

enum pmc_err pmc_store_sync(struct pmc_store *s)
{
    if (s->readonly) {
        set_err(s, "sync: the store is open read-only");
        return PMC_ESTATE;
    }
    pthread_mutex_lock(&s->dbmu);
    long n = drain(s, 1);
    pthread_mutex_unlock(&s->dbmu);
    return n < 0 ? PMC_EIO : PMC_OK;
}
