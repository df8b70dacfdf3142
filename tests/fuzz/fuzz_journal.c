/* tests/fuzz/fuzz_journal.c - fuzz target for the journal reader of
 * `pmcopy replay --db` (live/views.h pmc_journal_tmpfile: the store's
 * journal cursor and export) and the tape reader replay runs over what it
 * gives. The database is a file: its journal rows may hold any bytes.
 *
 * The input: rows, each a flags byte (bit 0: stored as a blob, not text;
 * bit 1: a gap of 1000 in the sequence before it), a length (2 bytes,
 * little-endian) and the line's bytes. They go into the journal of an
 * empty store. Any rows: no crash, no leak; the export either fails
 * saying why or is the header and one line per row (a row never becomes
 * two records), and the tape reader reads it to the end or names the
 * line it cannot read. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/store.h"
#include "live/views.h"
#include "proto/tapeio.h"
#include "tests/fuzz/fuzz_store_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_store("fuzz_journal");
    unlink(wal);
    unlink(shm);
    unlink(olog);
    if (!write_all(db, tmpl, ntmpl))
        abort();
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK)
        abort();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h,
                           "INSERT INTO journal(seq, t, ev, line) "
                           "VALUES (?, 0, 'x', ?)",
                           -1, &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    size_t rows = 0, i = 0;
    int64_t seq = 0;
    while (size - i >= 3) {
        unsigned fl = data[i];
        size_t len = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
        if (len > size - i - 3)
            len = size - i - 3;
        const uint8_t *p = data + i + 3;
        i += 3 + len;
        seq += fl & 2 ? 1000 : 1;
        sqlite3_bind_int64(st, 1, seq);
        if (fl & 1)
            sqlite3_bind_blob(st, 2, p, (int)len, SQLITE_STATIC);
        else
            sqlite3_bind_text(st, 2, (const char *)p, (int)len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            abort();
        sqlite3_reset(st);
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(h);

    char err[512] = "";
    FILE *f = pmc_journal_tmpfile(db, err, sizeof err);
    if (!f) {
        if (!err[0])
            abort(); /* refused without a word */
        return 0;
    }
    /* the header and one line per row */
    size_t lines = 0;
    int c;
    while ((c = getc(f)) != EOF)
        lines += c == '\n';
    if (lines != rows + 1)
        abort();
    rewind(f);
    struct pmc_tape_reader r;
    if (pmc_tape_reader_init(&r, f, "journal") != PMC_OK)
        abort();
    struct pmc_record rec;
    int k;
    while ((k = pmc_tape_next(&r, &rec)) == 1)
        ;
    if (k < 0 && !r.err[0])
        abort();
    pmc_tape_reader_fini(&r);
    fclose(f);
    return 0;
}
