/* tests/fuzz/fuzz_olog.c - fuzz target for the order log's replay at open
 * (live/store/olog.c, olog_open): a store whose database committed nothing
 * yet, and beside it an order log (PATH-olog) cut anywhere by a kill and
 * damaged anywhere.
 *
 * The input: one byte of flags, then items. Flags: bit 0 the harness
 * fixes each item's CRC (so the replay gets past it and applies the item),
 * bit 1 the log starts with this build's header (else 16 bytes of the
 * input are the header), bit 2 the store maps its log (else it appends
 * with writev: the replay is the same, without allocating and mapping
 * 4 MiB on every open). An item: its type (1 byte, low 4 bits), payload length (2
 * bytes, little-endian) and payload; a journal record (IT_REC) is given
 * as a tape line and written as the record it parses to (a record's bytes
 * are what this build wrote: the CRC stands for them), every other type
 * as the bytes given. What is left after the last whole item is appended
 * as it is: a torn item. Any log: no crash, no leak, an open that fails
 * says why, and one that succeeds has emptied the log: a second open
 * replays nothing. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/tape.h"
#include "live/store.h"
#include "live/store/store_int.h"
#include "tests/fuzz/fuzz_store_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n)
            c *= 2;
        unsigned char *q = realloc(b->p, c);
        if (!q)
            abort();
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_store("fuzz_olog");
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    size_t i = 1;
    struct buf log = {0};
    if (flags & 2) {
        unsigned char h[OLOG_HDR];
        uint32_t a = (uint32_t)sizeof(struct pmc_record),
                 b = (uint32_t)sizeof(struct item_hdr);
        memcpy(h, OLOG_MAGIC, 8);
        memcpy(h + 8, &a, 4);
        memcpy(h + 12, &b, 4);
        put(&log, h, sizeof h);
    } else {
        size_t k = size - i < OLOG_HDR ? size - i : OLOG_HDR;
        put(&log, data + i, k);
        i += k;
    }
    uint64_t lsn = 0;
    while (size - i >= 3) {
        unsigned type = data[i] & 15;
        size_t len = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
        if (len > size - i - 3)
            break; /* torn: appended as it is below */
        const uint8_t *pay = data + i + 3;
        i += 3 + len;
        struct pmc_record r;
        int has = 0;
        struct pmc_tape_err te;
        if (type == IT_REC &&
            pmc_tape_parse((const char *)pay, len, &r, &has, &te) == PMC_OK &&
            has && r.kind != PMC_K_ORDER) {
            pay = (const uint8_t *)&r;
            len = sizeof r;
        }
        struct item_hdr hd;
        memset(&hd, 0, sizeof hd);
        hd.type = type;
        hd.len = (uint32_t)len;
        hd.seq = ++lsn;
        hd.lsn = lsn;
        if (flags & 1) {
            uLong c = crc32(0L, (const Bytef *)&hd, sizeof hd);
            hd.crc = (uint32_t)crc32(c, pay, (uInt)len);
        }
        put(&log, &hd, sizeof hd);
        put(&log, pay, len);
    }
    put(&log, data + i, size - i);

    unlink(wal);
    unlink(shm);
    if (!write_all(db, tmpl, ntmpl) || !write_all(olog, log.p, log.n))
        abort();
    free(log.p);
    struct pmc_store_opts o;
    memset(&o, 0, sizeof o);
    o.log_writev = (flags & 4) == 0;
    o.ring_bytes = (size_t)256 << 10; /* the smallest: set up on each open */
    struct pmc_store *s;
    char err[512] = "";
    enum pmc_err e = pmc_store_open(db, &o, &s, NULL, err, sizeof err);
    if (e != PMC_OK) {
        if (!err[0])
            abort(); /* refused without a word */
        return 0;
    }
    if (pmc_store_close(s) != PMC_OK)
        abort();
    /* the log was replayed and emptied: nothing is replayed twice */
    err[0] = '\0';
    if (pmc_store_open(db, &o, &s, NULL, err, sizeof err) != PMC_OK)
        abort();
    struct pmc_store_stats st;
    pmc_store_stats(s, &st);
    if (st.recovered != 0)
        abort();
    if (pmc_store_close(s) != PMC_OK)
        abort();
    return 0;
}
