/* live/logfile.h - `pmcopy live --log-file PATH`: the process's stderr
 * (every log line, libraries' messages too) goes to PATH, appended; SIGHUP
 * reopens PATH, so logrotate can move the file away and signal
 * (contrib/logrotate/pmcopy). The file is created mode 0640. */
#ifndef PMC_LOGFILE_H
#define PMC_LOGFILE_H

#include <stddef.h>

/* Open PATH and make it fd 2; install the SIGHUP handler that reopens it.
 * 0, or -1 with err naming the path and the reason (stderr unchanged). */
int pmc_logfile_open(const char *path, char *err, size_t cap);
/* Reopen now (what SIGHUP does); async-signal-safe. 0 or -1. */
int pmc_logfile_reopen(void);

#endif
