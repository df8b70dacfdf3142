/* proto/msg.h - formatting a one-line reason into a caller's buffer (the
 * `why` out-parameters of the live code). */
#ifndef PMC_MSG_H
#define PMC_MSG_H

#include <stddef.h>

/* printf into why[len]; nothing when why is NULL or len 0. */
void pmc_msgf(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
