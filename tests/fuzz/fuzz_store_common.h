/* tests/fuzz/fuzz_store_common.h - what the fuzz targets that open a store
 * share (fuzz_journal, fuzz_olog): a folder of their own in /dev/shm (or
 * /tmp), the paths of a store's files in it, and the bytes of an empty
 * store's database, made once so each run starts from them. */
#ifndef PMC_FUZZ_STORE_COMMON_H
#define PMC_FUZZ_STORE_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/store.h"

static char dir[64], db[96], wal[112], shm[112], olog[112];
static unsigned char *tmpl;
static size_t ntmpl;

static int write_all(const char *p, const void *d, size_t n)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    int ok = write(fd, d, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

/* The folder "NAME.PID", the paths, and tmpl (an empty store's database,
 * without its order log). Once; aborts when the store cannot be made. */
static void setup_store(const char *name)
{
    if (tmpl)
        return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/%s.%d", base, name, (int)getpid());
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    snprintf(shm, sizeof shm, "%s-shm", db);
    snprintf(olog, sizeof olog, "%s-olog", db);
    unlink(db);
    unlink(olog);
    struct pmc_store *s;
    char err[512];
    if (pmc_store_open(db, NULL, &s, NULL, err, sizeof err) != PMC_OK ||
        pmc_store_close(s) != PMC_OK)
        abort();
    unlink(olog);
    FILE *f = fopen(db, "rb");
    if (!f)
        abort();
    fseek(f, 0, SEEK_END);
    ntmpl = (size_t)ftell(f);
    rewind(f);
    tmpl = malloc(ntmpl);
    if (!tmpl || fread(tmpl, 1, ntmpl, f) != ntmpl)
        abort();
    fclose(f);
}

#endif
