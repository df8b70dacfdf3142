/* live/store/open.c - the live store on SQLite (see live/store.h,
 * docs/store.md): opening, closing, statistics. The rest is in live/store/
 * (store_int.h lists the files and who calls whom; olog.c has the
 * durability steps, lifecycle.c the order lifecycle).
 *
 * Decides: the order of opening (file checks, WAL and pragmas, schema,
 * write statements, the ring touched up front, the order log replayed,
 * what the store holds, the order index, the writer thread) and of closing
 * (stop the writer, commit the rest, keep the order log of a failed store).
 * Never: reads a clock, keeps a secret, or lets a caller's thread run
 * SQLite outside pmc_store_order_new / pmc_store_sync / the reading
 * calls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/store/store_int.h"

static void store_free(struct pmc_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db)
        sqlite3_close(s->db);
    if (s->ckdb)
        sqlite3_close(s->ckdb);
    if (s->logmap)
        munmap(s->logmap, s->logmap_len);
    if (s->logfd >= 0) {
        /* closed with everything committed: leave an empty log, not the
         * allocated one */
        if (s->logmap && !s->failed && !s->log_bytes)
            (void)ftruncate(s->logfd, OLOG_HDR);
        close(s->logfd);
    }
    free(s->logpath);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->dbmu);
    pthread_cond_destroy(&s->space);
    free(s->ring);
    free(s->fmt);
    free(s->ord);
    free(s->path);
    free(s);
}

enum pmc_err pmc_store_open(const char *path, const struct pmc_store_opts *opts,
                            struct pmc_store **out, struct pmc_store_info *info,
                            char *err, size_t cap)
{
    static const struct pmc_store_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (err && cap)
        err[0] = '\0';
    fault_env();
    struct pmc_store *s = store_calloc(1, sizeof *s);
    size_t pathlen = strlen(path);
    if (s && (s->path = store_malloc(pathlen + 1)))
        memcpy(s->path, path, pathlen + 1);
    if (!s || !s->path) {
        free(s);
        if (err)
            snprintf(err, cap, "%s: out of memory", path);
        return PMC_ENOMEM;
    }
    s->logfd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->dbmu, NULL);
    pthread_cond_init(&s->space, NULL);
    s->readonly = opts->readonly;
    s->log_writev = opts->log_writev;
    s->caller_marks = opts->caller_marks;
    s->interval_us = opts->writer_interval_us ? opts->writer_interval_us
                                              : DEFAULT_INTERVAL_US;
    size_t rb = opts->ring_bytes ? opts->ring_bytes : DEFAULT_RING;
    if (rb < MIN_RING)
        rb = MIN_RING;
    s->cap = align8(rb);
    enum pmc_err e = PMC_OK;
    struct pmc_store_info in = {0};

    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && (opts->readonly || opts->no_create)) {
        set_err(s, "cannot open: %s", strerror(errno));
        e = PMC_EIO;
        goto fail;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        set_err(s, "not a regular file");
        e = PMC_EIO;
        goto fail;
    }
    int flags = SQLITE_OPEN_NOMUTEX;
    if (opts->readonly && access(path, W_OK) != 0)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE |
                 (opts->readonly || opts->no_create ? 0 : SQLITE_OPEN_CREATE);
    s->rw_flags = flags;
    /* A new store holds signed orders, credentials' effects and the whole
     * trading history: create it 0600 here, whatever the umask. SQLite
     * creates the -wal and -shm files with the mode of the database. */
    if (!exists && (flags & SQLITE_OPEN_CREATE)) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            set_err(s, "cannot create: %s", strerror(errno));
            e = PMC_EIO;
            goto fail;
        }
        if (fd >= 0)
            close(fd);
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        if (s->db) {
            e = db_err(s, s->db, "cannot open");
        } else {
            set_err(s, "cannot open: out of memory");
            e = PMC_ENOMEM;
        }
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    if (!opts->readonly) {
        /* WAL must be set outside a transaction; it also is the first read
         * of the file, so a foreign file fails here. */
        sqlite3_stmt *st;
        const char *mode = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            mode = (const char *)sqlite3_column_text(st, 0);
        int walok = mode && !strcmp(mode, "wal");
        if (!mode) {
            sqlite3_finalize(st);
            e = db_err(s, s->db, "not a pmcopy store");
            goto fail;
        }
        sqlite3_finalize(st);
        if (!walok) {
            set_err(s, "cannot switch to WAL mode");
            e = PMC_EIO;
            goto fail;
        }
        if (exec_sql(s->db, "PRAGMA synchronous=NORMAL") < 0 ||
            exec_sql(s->db, "PRAGMA wal_autocheckpoint=0") < 0 ||
            exec_sql(s->db, "PRAGMA foreign_keys=OFF") < 0) {
            e = db_err(s, s->db, "setting pragmas");
            goto fail;
        }
    }
    if ((e = check_schema(s, &in.created)) != PMC_OK)
        goto fail;
    if (!opts->readonly) {
        if ((e = prepare_writes(s)) != PMC_OK)
            goto fail;
        s->ring = store_malloc(s->cap);
        s->fmt = store_malloc(PMC_TAPE_LINE_MAX + 2);
        if (!s->ring || !s->fmt) {
            set_err(s, "out of memory (a ring of %zu bytes)", s->cap);
            e = PMC_ENOMEM;
            goto fail;
        }
        /* touched now, not page by page on the order path */
        memset(s->ring, 0, s->cap);
        /* what a killed process made durable but not yet committed */
        if ((e = olog_open(s)) != PMC_OK)
            goto fail;
    }
    /* a reader that asks for no info skips the counts (whole-table scans:
     * the read API opens the store for every request) */
    if ((!opts->readonly || info) && (e = load_info(s, &in)) != PMC_OK)
        goto fail;
    s->seq = in.last_seq;
    s->stats.journal_seq = s->seq;
    s->stats.ring_bytes = s->cap;
    if (!opts->readonly) {
        if ((e = load_orders(s)) != PMC_OK)
            goto fail;
        sqlite3_wal_hook(s->db, wal_hook, s);
        if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
            set_err(s, "cannot start the writer thread");
            e = PMC_EIO;
            goto fail;
        }
        s->writer_started = 1;
    }
    if (info)
        *info = in;
    *out = s;
    return PMC_OK;
fail:
    if (err)
        snprintf(err, cap, "%s", s->err[0] ? s->err : path);
    store_free(s);
    return e;
}

enum pmc_err pmc_store_close(struct pmc_store *s)
{
    if (!s)
        return PMC_OK;
    enum pmc_err e = PMC_OK;
    if (s->writer_started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->writer, NULL);
        pthread_mutex_lock(&s->dbmu);
        if (drain(s, 0) < 0)
            e = PMC_EIO;
        pthread_mutex_unlock(&s->dbmu);
        if (s->failed)
            e = PMC_EIO;
    }
    store_free(s);
    return e;
}

void pmc_store_stats(struct pmc_store *s, struct pmc_store_stats *st)
{
    pthread_mutex_lock(&s->mu);
    *st = s->stats;
    pthread_mutex_unlock(&s->mu);
}
