/* live/dblock.h - one writer per store: an exclusive lock on the file
 * DB-lock beside the database, holding the writer's pid.
 *
 * flock(2) on an open descriptor: the kernel drops the lock when the
 * process ends however it ends (a SIGKILL leaves no stale lock), and the
 * file is left in place (removing it would race with a new holder).
 * Readers (the views, replay --db) never take it. */
#ifndef PMC_DBLOCK_H
#define PMC_DBLOCK_H

#include <stddef.h>

/* Take the lock of the store at db. 0 and *fd set (keep it open for as
 * long as the store is written; pmc_dblock_release closes it), or -1 with
 * err = "the store DB is in use by pid N (lock DB-lock)" or the system
 * error naming the lock file. */
int pmc_dblock_take(const char *db, int *fd, char *err, size_t cap);
/* Release (close) it; fd < 0 is fine. */
void pmc_dblock_release(int fd);

#endif
