/* live/store/ring.c - the ring that carries asynchronous writes from the
 * producer thread (the live loop) to the writer thread, and the producer
 * calls that only queue: journal, journal_line, seen, checkpoint, mark.
 *
 * The ring is a byte buffer of `cap` bytes with monotonically increasing
 * positions head <= logged <= tail (mod cap in memory): [head, tail) is
 * queued and not yet committed, [head, logged) is also in the order log
 * (olog.c: the durability steps). An item never wraps: a WRAP marker (or
 * too little room for one) sends the next item to offset 0. The producer
 * only writes outside [head, tail), so the drainer reads without `mu`.
 *
 * Decides: item layout and sequence numbers (journal seq; every item's
 * lsn), that a full ring makes the producer wait (stats.stalls), never
 * drop, and that an item over half the ring is refused (PMC_ERANGE).
 * Never: calls SQLite, reads a clock, formats anything but an order action
 * (its key list points into engine memory). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <zlib.h>

#include "live/store/store_int.h"

static const char *item_name(uint32_t type)
{
    static const char *const names[] = {
        "?",     "wrap",     "journal record", "journal line", "order update",
        "fill",  "seen key", "checkpoint",     "mark",         "order source",
        "order", "trade",    "failed fill"};
    return type < PMC_ARRAY_LEN(names) ? names[type] : "?";
}

/* The queue fault of an item type (OFF: only the generic one). */
static enum pmc_store_fault item_fault(uint32_t type)
{
    switch (type) {
    case IT_REC:
    case IT_LINE:
        return PMC_STORE_FAULT_JOURNAL;
    case IT_SEEN:
        return PMC_STORE_FAULT_SEEN;
    case IT_CKPT:
        return PMC_STORE_FAULT_CKPT;
    case IT_UPD:
        return PMC_STORE_FAULT_UPDATE;
    case IT_FILL:
        return PMC_STORE_FAULT_FILL;
    default:
        return PMC_STORE_FAULT_OFF;
    }
}

enum pmc_err ring_put(struct pmc_store *s, uint32_t type, const void *fixed,
                      size_t flen, const struct part *parts, int nparts,
                      uint64_t *seq_out, int journal)
{
    if (s->readonly) {
        set_err(s, "queue: the store is open read-only");
        return PMC_ESTATE;
    }
    size_t payload = flen;
    for (int i = 0; i < nparts; i++)
        payload += parts[i].n;
    size_t need = align8(sizeof(struct item_hdr) + payload);
    if (need > s->cap / 2) {
        set_err(s, "queue: a %s item of %zu bytes exceeds half the ring (%zu)",
                item_name(type), need, s->cap / 2);
        return PMC_ERANGE;
    }
    if (fault_hit(PMC_STORE_FAULT_QUEUE, ERANGE) ||
        fault_hit(item_fault(type), ERANGE)) {
        set_err(s, "queue: a %s item of %zu bytes is refused (injected)",
                item_name(type), need);
        return PMC_ERANGE;
    }
    pthread_mutex_lock(&s->mu);
    size_t off, pad;
    for (;;) {
        if (s->failed) {
            pthread_mutex_unlock(&s->mu);
            return PMC_EIO;
        }
        off = (size_t)(s->tail % s->cap);
        pad = s->cap - off < need ? s->cap - off : 0;
        if (s->cap - (size_t)(s->tail - s->head) >= pad + need)
            break;
        s->stats.stalls++;
        pthread_cond_wait(&s->space, &s->mu);
    }
    if (pad) {
        if (pad >= sizeof(struct item_hdr)) {
            struct item_hdr w = {IT_WRAP, 0, 0, 0, 0, 0};
            memcpy(s->ring + off, &w, sizeof w);
        }
        s->tail += pad;
        off = 0;
    }
    struct item_hdr h = {type, (uint32_t)payload, 0, 0, 0, 0};
    if (journal)
        h.seq = ++s->seq;
    h.lsn = ++s->lsn;
    unsigned char *p = s->ring + off, *body = p + sizeof h;
    p = body;
    memcpy(p, fixed, flen);
    p += flen;
    for (int i = 0; i < nparts; i++) {
        if (parts[i].n)
            memcpy(p, parts[i].p, parts[i].n);
        p += parts[i].n;
    }
    uLong c = crc32(0L, (const Bytef *)&h, sizeof h);
    h.crc = (uint32_t)crc32(c, body, (uInt)payload);
    memcpy(s->ring + off, &h, sizeof h);
    s->tail += need;
    s->stats.queued++;
    s->stats.journal_seq = s->seq;
    size_t used = (size_t)(s->tail - s->head);
    if (used > s->stats.ring_high)
        s->stats.ring_high = used;
    pthread_mutex_unlock(&s->mu);
    if (seq_out)
        *seq_out = h.seq;
    return PMC_OK;
}

enum pmc_err pmc_store_journal(struct pmc_store *s,
                               const struct pmc_record *rec, uint64_t *seq)
{
    if (rec->kind == PMC_K_ORDER) {
        /* the key list points into engine memory: format it now */
        char buf[PMC_TAPE_LINE_MAX + 2];
        size_t n = pmc_tape_format(rec, buf, sizeof buf);
        if (n == 0) {
            set_err(s,
                    "journal: the order %s cannot be formatted as a tape "
                    "line (over %d bytes)",
                    rec->u.order.coid.s, PMC_TAPE_LINE_MAX);
            return PMC_ERANGE;
        }
        struct line_item li = {rec->t, (uint32_t)(n - 1)};
        struct part p = {buf, n - 1};
        return ring_put(s, IT_LINE, &li, sizeof li, &p, 1, seq, 1);
    }
    return ring_put(s, IT_REC, rec, sizeof *rec, NULL, 0, seq, 1);
}

enum pmc_err pmc_store_journal_line(struct pmc_store *s, const char *line,
                                    size_t n, uint64_t *seq)
{
    if (n == 0 || n > PMC_TAPE_LINE_MAX) {
        set_err(s, "journal line: %zu bytes (1..%d)", n, PMC_TAPE_LINE_MAX);
        return PMC_ERANGE;
    }
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    enum pmc_err e = pmc_tape_parse(line, n, &r, &has, &te);
    if (e != PMC_OK) {
        set_err(s, "journal line: %s", te.msg);
        return e;
    }
    if (!has) {
        set_err(s, "journal line: not a record (a comment or blank line)");
        return PMC_EPARSE;
    }
    struct line_item li = {r.t, (uint32_t)n};
    struct part p = {line, n};
    return ring_put(s, IT_LINE, &li, sizeof li, &p, 1, seq, 1);
}

enum pmc_err pmc_store_seen(struct pmc_store *s, const char *key, pmc_ms t)
{
    size_t n = strlen(key);
    if (n == 0 || n > PMC_SYM_MAX) {
        set_err(s, "seen: a key of %zu bytes (1..%d)", n, PMC_SYM_MAX);
        return PMC_ERANGE;
    }
    struct seen_item k = {t, (uint32_t)n};
    struct part p = {key, n};
    return ring_put(s, IT_SEEN, &k, sizeof k, &p, 1, NULL, 0);
}

enum pmc_err pmc_store_checkpoint(struct pmc_store *s, const char *watcher,
                                  const char *value, pmc_ms t)
{
    size_t wn = strlen(watcher), vn = strlen(value);
    if (wn == 0 || wn > PMC_SYM_MAX || vn > PMC_STORE_CKPT_MAX) {
        set_err(s,
                "checkpoint: watcher name of %zu bytes (1..%d) or value of "
                "%zu bytes (up to %d)",
                wn, PMC_SYM_MAX, vn, PMC_STORE_CKPT_MAX);
        return PMC_ERANGE;
    }
    struct ckpt_item k = {t, (uint32_t)wn, (uint32_t)vn};
    struct part p[2] = {{watcher, wn}, {value, vn}};
    return ring_put(s, IT_CKPT, &k, sizeof k, p, 2, NULL, 0);
}

enum pmc_err pmc_store_mark(struct pmc_store *s, const char *token,
                            pmc_micros px, int resolved, pmc_ms t)
{
    size_t n = strlen(token);
    if (n == 0 || n > PMC_SYM_MAX || px < 0) {
        set_err(s,
                "mark: token of %zu bytes (1..%d) or price %" PRId64 " below 0",
                n, PMC_SYM_MAX, px);
        return PMC_ERANGE;
    }
    struct mark_item m = {t, px, resolved ? 1 : 0, (uint32_t)n};
    struct part p = {token, n};
    return ring_put(s, IT_MARK, &m, sizeof m, &p, 1, NULL, 0);
}
