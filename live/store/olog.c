/* live/store/olog.c - the order log (PATH-olog) and the durability steps.
 *
 * A record (any queued write) goes through these states from the
 * producer's call to committed in SQLite. Positions are the ring's
 * (ring.c): head <= logged <= tail.
 *
 *   state       holds                          a crash (process kill) leaves
 *   ----------  -----------------------------  ------------------------------
 *   QUEUED      in the ring in [logged, tail)  nothing: the record is lost
 *               only                           (at most one writer interval
 *                                              plus a commit; never an order
 *                                              or anything before one)
 *   LOGGED      also in the order log, in      the log item (CRC-checked);
 *               [head, logged)                 open() replays it: COMMITTED
 *   COMMITTED   in SQLite with meta.lsn >= its the row; the log may still
 *               lsn; head past it              hold it: replay skips lsn <=
 *                                              meta.lsn
 *   TRIMMED     the log no longer holds it     the row
 *   FAILED      the store failed before the    committed rows and logged
 *               record committed               items; open() replays them
 *
 *   transition            performed by                 when
 *   QUEUED -> LOGGED      log_append (here)            pmc_store_order_new:
 *                                                      everything up to and
 *                                                      including the order,
 *                                                      before it is sent
 *   QUEUED -> COMMITTED   drain (writer.c)             writer pass or sync,
 *   LOGGED -> COMMITTED                                one transaction,
 *                                                      ring order, meta.lsn
 *   COMMITTED -> TRIMMED  log_trim (here, from drain)  once head >= logged:
 *                                                      zero header at the
 *                                                      log's start (mapped)
 *                                                      or truncate (writev)
 *   LOGGED -> COMMITTED   olog_open (here)             open() read-write:
 *     (recovery)                                       items with lsn >
 *                                                      meta.lsn, in order,
 *                                                      up to the first torn
 *                                                      or corrupt one (CRC,
 *                                                      or lengths past its
 *                                                      payload); then
 *                                                      the log is emptied
 *   any -> FAILED         log_append / log_write_map   an append or growth
 *                         (log_fail), drain            fails; a transaction
 *                         (fail_store)                 fails: every later
 *                                                      write is PMC_EIO
 *
 * A torn item is where the log ends: it was cut by the kill while being
 * appended, so the order it carries was never handed back to the caller,
 * let alone sent. A mapped log is appended with the batch's first header
 * copied last (behind a signal fence), so a kill leaves all of the batch
 * or none of it; a zero header ends the log. After FAILED, close() keeps
 * the log for the next open.
 *
 * Decides: the log's format (magic, record sizes of this build, items as
 * in the ring), when it is mapped (posix_fallocate + MAP_SHARED, doubled
 * with mremap) or appended with writev(2), the replay.
 * Never: fsyncs (a process kill is the bound, see store.h), reads a clock,
 * replays a log written by another build (PMC_EPARSE, move it away). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "live/killpoint.h"
#include "live/store/store_int.h"

/* The order log mapped: an append is a copy into the page cache (durable
 * across a process kill exactly like write(2), without a system call on
 * the order path). The file is allocated up front (posix_fallocate), so a
 * full disk shows as an error here, never as SIGBUS on a store. A zero
 * header ends the log; items are copied first and the first one's header
 * last, so a log cut by a kill ends before the batch or holds all of it.
 * Maps (or grows the mapping to) len bytes: 0, or the errno. */
static int log_map(struct pmc_store *s, size_t len)
{
    int rc = posix_fallocate(s->logfd, 0, (off_t)len);
    if (rc != 0)
        return rc;
    if (s->logmap)
        pmc_killpoint(PMC_KP_OLOG_GROW); /* file extended, not mapped */
    void *p = s->logmap ? mremap(s->logmap, s->logmap_len, len, MREMAP_MAYMOVE)
                        : mmap(NULL, len, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_POPULATE, s->logfd, 0);
    if (p == MAP_FAILED)
        return errno;
    s->logmap = p;
    s->logmap_len = len;
    return 0;
}

/* Map the emptied log (appends then copy); where the file system cannot
 * allocate or map it, appends stay writev(2). */
static void olog_map_or_write(struct pmc_store *s)
{
    /* a kill-point trial of the growth starts small, so that the first
     * order of the process grows the log (live/killpoint.h) */
    size_t len = pmc_killpoint_armed(PMC_KP_OLOG_GROW)
                     ? OLOG_HDR + sizeof(struct item_hdr)
                     : OLOG_MAP;
    if (log_map(s, len) != 0) {
        s->logmap = NULL;
        s->logmap_len = 0;
    }
}

/* Does the item's payload (len bytes at p) hold what its lengths say?
 * The CRC vouches for bytes this build wrote; a length read from the file
 * is still never trusted past the payload. */
static int item_fits(const struct item_hdr *h, const unsigned char *p)
{
    uint64_t len = h->len, fixed = 0, var = 0;
    switch (h->type) {
    case IT_REC:
        return len == sizeof(struct pmc_record);
    case IT_LINE: {
        struct line_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = k.n;
        break;
    }
    case IT_UPD: {
        struct upd_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.clen + k.vlen + k.elen;
        break;
    }
    case IT_FILL: {
        struct fill_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.clen + k.tlen;
        break;
    }
    case IT_SEEN: {
        struct seen_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = k.klen;
        break;
    }
    case IT_CKPT: {
        struct ckpt_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.wlen + k.vlen;
        break;
    }
    case IT_MARK: {
        struct mark_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = k.tlen;
        break;
    }
    case IT_OSRC: {
        struct osrc_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.clen + k.tlen;
        break;
    }
    case IT_TRADE: {
        struct trade_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.clen + k.tlen + k.hlen;
        break;
    }
    case IT_FILL_FAILED: {
        struct fill_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = k.clen;
        break;
    }
    case IT_ORDER: {
        struct order_item k;
        if (len < (fixed = sizeof k))
            return 0;
        memcpy(&k, p, sizeof k);
        var = (uint64_t)k.clen + k.tlen + k.klen + k.trlen + k.blen + k.hlen;
        break;
    }
    default:
        return 1; /* apply_item names an unknown type */
    }
    return var <= len - fixed;
}

/* Open the order log beside the database (PATH-olog, mode 0600) and
 * replay into the database whatever a killed process made durable there
 * but had not committed yet: items after the last one the database has
 * (meta lsn), up to the first torn or corrupt one (a write cut short by the
 * kill: nothing after it was ever acted upon). Then empty it. */
enum pmc_err olog_open(struct pmc_store *s)
{
    size_t pl = strlen(s->path);
    unsigned char want[OLOG_HDR];
    uint32_t a = (uint32_t)sizeof(struct pmc_record),
             b = (uint32_t)sizeof(struct item_hdr);
    memcpy(want, OLOG_MAGIC, 8);
    memcpy(want + 8, &a, 4);
    memcpy(want + 12, &b, 4);
    if (!(s->logpath = store_malloc(pl + 6))) {
        set_err(s, "order log: out of memory");
        return PMC_ENOMEM;
    }
    memcpy(s->logpath, s->path, pl);
    memcpy(s->logpath + pl, "-olog", 6);
    s->logfd = open(s->logpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct stat st;
    if (s->logfd < 0 || fstat(s->logfd, &st) < 0) {
        set_err(s, "%s: cannot open: %s", s->logpath, strerror(errno));
        return PMC_EIO;
    }
    if (st.st_size == 0) {
        if (write(s->logfd, want, OLOG_HDR) != OLOG_HDR) {
            set_err(s, "%s: write: %s", s->logpath, strerror(errno));
            return PMC_EIO;
        }
        if (!s->log_writev)
            olog_map_or_write(s);
        return PMC_OK;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = store_malloc(size);
    if (!buf) {
        set_err(s, "%s: out of memory (%zu bytes)", s->logpath, size);
        return PMC_ENOMEM;
    }
    if (pread(s->logfd, buf, size, 0) != (ssize_t)size) {
        set_err(s, "%s: read: %s", s->logpath, strerror(errno));
        free(buf);
        return PMC_EIO;
    }
    if (size < OLOG_HDR || memcmp(buf, want, OLOG_HDR) != 0) {
        set_err(s,
                "%s: not an order log of this build of pmcopy (move it "
                "away to open the store; it may hold its last orders)",
                s->logpath);
        free(buf);
        return PMC_EPARSE;
    }
    int64_t applied = 0;
    if (query_i64(s->db,
                  "SELECT COALESCE((SELECT v FROM meta WHERE k = 'lsn'), 0)",
                  &applied) < 0) {
        free(buf);
        return db_err(s, s->db, "reading the store");
    }
    uint64_t top = (uint64_t)applied, last = 0;
    long n = 0;
    if (step_done(s->st[ST_BEGIN]) < 0) {
        free(buf);
        return db_err(s, s->db, "begin");
    }
    size_t pos = OLOG_HDR;
    while (pos + sizeof(struct item_hdr) <= size) {
        struct item_hdr hd, z;
        memcpy(&hd, buf + pos, sizeof hd);
        if (hd.type == 0)
            break; /* the end of a mapped log */
        if (hd.len > size - pos - sizeof hd)
            break; /* torn: cut short by the kill */
        z = hd;
        z.crc = 0;
        uLong c = crc32(0L, (const Bytef *)&z, sizeof z);
        if ((uint32_t)crc32(c, buf + pos + sizeof hd, hd.len) != hd.crc ||
            !item_fits(&hd, buf + pos + sizeof hd))
            break; /* corrupt: the log ends before it */
        if (hd.lsn > (uint64_t)applied) {
            int rc = apply_item(s, &hd, buf + pos + sizeof hd);
            if (rc < 0) {
                if (rc == -1)
                    db_err(s, s->db, "replaying the order log");
                step_done(s->st[ST_ROLLBACK]);
                free(buf);
                return PMC_EIO;
            }
            last = hd.lsn;
            n++;
        }
        if (hd.lsn > top)
            top = hd.lsn;
        pos += sizeof hd + hd.len;
    }
    free(buf);
    if ((last && put_lsn(s, last) < 0) || step_done(s->st[ST_COMMIT]) < 0) {
        step_done(s->st[ST_ROLLBACK]);
        return db_err(s, s->db, "replaying the order log");
    }
    s->lsn = top;
    s->stats.recovered = (uint64_t)n;
    if (ftruncate(s->logfd, OLOG_HDR) < 0) {
        set_err(s, "%s: truncate: %s", s->logpath, strerror(errno));
        return PMC_EIO;
    }
    if (!s->log_writev)
        olog_map_or_write(s);
    return PMC_OK;
}

/* An order-log append failed: nothing after it may be sent. mu held. */
static void log_fail(struct pmc_store *s)
{
    s->failed = 1;
    s->stats.failed = 1;
    pthread_cond_broadcast(&s->space);
}

static enum pmc_err log_write_map(struct pmc_store *s, const struct iovec *iov,
                                  int niov, size_t want)
{
    size_t off = OLOG_HDR + (size_t)s->log_bytes;
    size_t end = off + want + sizeof(struct item_hdr);
    if (end > s->logmap_len) {
        size_t len = s->logmap_len * 2;
        while (len < end)
            len *= 2;
        int rc = fault_hit(PMC_STORE_FAULT_GROW, ENOSPC);
        const char *inj = rc ? " (injected)" : "";
        if (!rc)
            rc = log_map(s, len);
        if (rc != 0) {
            set_err_locked(s, "%s: cannot grow to %zu bytes: %s%s", s->logpath,
                           len, strerror(rc), inj);
            log_fail(s);
            return PMC_EIO;
        }
    }
    unsigned char *base = s->logmap + off, *p = base;
    memset(base + want, 0, sizeof(struct item_hdr)); /* the new end */
    for (int i = 0; i < niov; i++) {
        size_t skip = i == 0 ? sizeof(struct item_hdr) : 0;
        memcpy(p + skip, (const unsigned char *)iov[i].iov_base + skip,
               iov[i].iov_len - skip);
        p += iov[i].iov_len;
    }
    /* a kill is a signal: order the stores as the program wrote them */
    atomic_signal_fence(memory_order_release);
    memcpy(base, iov[0].iov_base, sizeof(struct item_hdr));
    s->log_bytes += want;
    return PMC_OK;
}

/* Append every ring item not yet in the order log to it (one writev per
 * 64 items). mu held; called by the producer, the only thread that adds
 * items, so [logged, tail) cannot change meanwhile. A short or failed write
 * fails the store: nothing after it may be sent. */
enum pmc_err log_append(struct pmc_store *s)
{
    if (s->logfd < 0)
        return PMC_OK;
    uint64_t pos = s->logged > s->head ? s->logged : s->head, t = s->tail;
    struct iovec iov[64];
    int niov = 0;
    size_t want = 0;
    while (pos < t || niov) {
        if (pos < t) {
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
            iov[niov].iov_base = s->ring + off;
            iov[niov].iov_len = sizeof hd + hd.len;
            want += iov[niov].iov_len;
            niov++;
            pos += align8(sizeof hd + hd.len);
            if (niov < 64 && pos < t)
                continue;
        }
        int f = fault_hit(PMC_STORE_FAULT_OLOG, EIO);
        if (f) {
            set_err_locked(s, "%s: write: %s (injected)", s->logpath,
                           strerror(f));
            log_fail(s);
            return PMC_EIO;
        }
        if (s->logmap) {
            if (log_write_map(s, iov, niov, want) != PMC_OK)
                return PMC_EIO;
            niov = 0;
            want = 0;
            continue;
        }
        ssize_t w = writev(s->logfd, iov, niov);
        if (w < 0 || (size_t)w != want) {
            set_err_locked(s, "%s: write: %s", s->logpath,
                           w < 0 ? strerror(errno) : "short write");
            log_fail(s);
            return PMC_EIO;
        }
        s->log_bytes += want;
        niov = 0;
        want = 0;
    }
    s->logged = t;
    return PMC_OK;
}

/* Empty the order log once everything it holds is in the database. mu
 * held. */
void log_trim(struct pmc_store *s)
{
    if (s->logfd < 0 || !s->log_bytes || s->head < s->logged)
        return;
    if (s->logmap) {
        /* a zero header ends the log: what follows is committed */
        memset(s->logmap + OLOG_HDR, 0, sizeof(struct item_hdr));
        s->log_bytes = 0;
    } else if (ftruncate(s->logfd, OLOG_HDR) == 0) {
        s->log_bytes = 0;
    }
}
