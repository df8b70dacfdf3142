/* proto/msg.c - one-line reasons into caller buffers. */
#include "proto/msg.h"

#include <stdarg.h>
#include <stdio.h>

void pmc_msgf(char *why, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}
