/* live/logfmt.h - the pieces of a logfmt line (key=value pairs separated
 * by one space; a value with a space, a quote, an '=' or a backslash is
 * written in double quotes with \" and \\ escaped), the log levels of
 * `pmcopy live`, and the host of a URL for error lines. */
#ifndef PMC_LOGFMT_H
#define PMC_LOGFMT_H

#include <stddef.h>

enum pmc_log_level {
    PMC_LOG_DEBUG = 0,
    PMC_LOG_INFO,
    PMC_LOG_WARN,
    PMC_LOG_ERROR
};
/* "debug", "info", "warn", "error". */
const char *pmc_log_level_name(enum pmc_log_level l);
/* The level named by the n bytes at s, or -1. */
int pmc_log_level_parse(const char *s, size_t n);

/* s as a logfmt value into dst (quoted when it must be; control bytes
 * become spaces, truncated to cap with the quotes kept). Returns dst. */
char *pmc_logfmt_value(char *dst, size_t cap, const char *s);
/* 1 when line is a non-empty sequence of key=value pairs in that form
 * (keys: letters, digits, '_', '.', '-'), else 0. */
int pmc_logfmt_valid(const char *line);

/* The host of scheme://[user@]host[:port]/... into buf ("?" when there is
 * none). Returns buf. */
char *pmc_url_host(const char *url, char *buf, size_t cap);

#endif
