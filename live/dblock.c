/* live/dblock.c - the store's writer lock (see dblock.h).
 *
 * Decides: the lock file's name (DB-lock) and content (the holder's pid
 * and a newline), and the message naming the holder.
 * Never: waits for the lock, removes the file, or touches the store. */
#include "live/dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* The holder's pid from the file: it writes it right after taking the
 * lock, so a reader that comes in between retries briefly. 0 = unknown. */
static long holder_pid(int fd)
{
    for (int tries = 0; tries < 50; tries++) {
        char b[32];
        ssize_t n = pread(fd, b, sizeof b - 1, 0);
        if (n > 0) {
            b[n] = '\0';
            char *end;
            long pid = strtol(b, &end, 10);
            if (end != b && *end == '\n' && pid > 0)
                return pid;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

int pmc_dblock_take(const char *db, int *fd, char *err, size_t cap)
{
    *fd = -1;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s-lock", db) >= sizeof path) {
        snprintf(err, cap, "the store path %s is too long for its lock", db);
        return -1;
    }
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0) {
        snprintf(err, cap, "cannot open the store's lock %s: %s", path,
                 strerror(errno));
        return -1;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            long pid = holder_pid(f);
            if (pid)
                snprintf(err, cap,
                         "the store %s is in use by pid %ld (lock %s)", db, pid,
                         path);
            else
                snprintf(err, cap,
                         "the store %s is in use by another process (lock %s)",
                         db, path);
        } else {
            snprintf(err, cap, "cannot lock %s: %s", path, strerror(e));
        }
        close(f);
        return -1;
    }
    char b[32];
    int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, b, (size_t)n, 0) != n) {
        snprintf(err, cap, "cannot write the pid into %s: %s", path,
                 strerror(errno));
        close(f);
        return -1;
    }
    *fd = f;
    return 0;
}

void pmc_dblock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
