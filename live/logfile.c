/* live/logfile.c - stderr redirected to a log file, reopened on SIGHUP (see
 * logfile.h).
 *
 * Decides: the file's mode and flags, that a failed reopen keeps writing
 * to the old file (nothing is lost, the next SIGHUP tries again). Never:
 * buffers a line (every log line is one write(2) on fd 2). The reopen uses
 * only open, dup2 and close, so the signal handler may call it. */
#include "live/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char log_path[4096];

int pmc_logfile_reopen(void)
{
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    int rc = fd == STDERR_FILENO ? 0 : dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
    if (fd != STDERR_FILENO)
        close(fd);
    return rc;
}

static void on_hup(int sig)
{
    (void)sig;
    int e = errno;
    (void)pmc_logfile_reopen();
    errno = e;
}

int pmc_logfile_open(const char *path, char *err, size_t cap)
{
    if (!path || !*path || strlen(path) >= sizeof log_path) {
        snprintf(err, cap, "--log-file: %s",
                 path && *path ? "path too long" : "empty path");
        return -1;
    }
    memcpy(log_path, path, strlen(path) + 1);
    if (pmc_logfile_reopen() != 0) {
        snprintf(err, cap, "--log-file %s: %s", path, strerror(errno));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    return 0;
}
