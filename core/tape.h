/* core/tape.h - the logfmt tape codec (SPEC.md section 4; docs/tape.md).
 *
 * Pure: works on one line in memory; no I/O, no allocation. The shell
 * splits a stream into lines, tracks file:line and prefixes errors with it.
 *
 * A line is `key=value` pairs separated by single or repeated spaces.
 * Values are bare (no space, quote or '=') or double-quoted with \" and \\
 * escapes. `#` starts a comment line. Unknown keys are accepted and
 * ignored; a missing, repeated or invalid known key is an error whose
 * message names the key and the rule. */
#ifndef PMC_TAPE_H
#define PMC_TAPE_H

#include "event.h"

#define PMC_TAPE_HEADER "#pmcopy-tape v1"
#define PMC_TAPE_LINE_MAX 65536 /* bytes, newline excluded */
#define PMC_TAPE_MAX_PAIRS 64
#define PMC_TIME_MAX ((pmc_ms)10000000000000)             /* ~ year 2286 */
#define PMC_SIZE_MAX ((pmc_micros)1000000000 * PMC_MICRO) /* 1e9 shares */

struct pmc_tape_err {
    char msg[200]; /* "bad px=1.5: price must be in (0,1)" */
};

/* Parse one line (without its newline) of n bytes. On success *rec is set
 * and *has_record is 1, or 0 for a blank/comment line. On failure returns
 * PMC_EPARSE or PMC_ERANGE and err->msg says why. Order records keep their
 * keys list as a pointer into `line` (order.keys_text). */
PMC_MUST_USE enum pmc_err pmc_tape_parse(const char *line, size_t n,
                                         struct pmc_record *rec,
                                         int *has_record,
                                         struct pmc_tape_err *err);

/* Format rec as one line plus '\n' into buf. Returns the length written
 * (NUL not counted), or 0 when cap is too small. Fields are written in a
 * fixed order so equal records give equal bytes. */
size_t pmc_tape_format(const struct pmc_record *rec, char *buf, size_t cap);

/* Normalise a wallet address ("0x" optional, any case) to "0x" + 40
 * lowercase hex. PMC_EPARSE when it is not 40 hex digits. */
PMC_MUST_USE enum pmc_err pmc_addr_norm(const char *s, size_t n,
                                        struct pmc_sym *out);

/* Is `tick` one of the venue's tick sizes (0.1 ... 0.0001)? */
int pmc_tick_valid(pmc_micros tick);

/* Is s[0..n) well-formed UTF-8 (RFC 3629: no overlong form, no
 * surrogate, nothing above U+10FFFF)? SPEC section 4: a tape is UTF-8;
 * so is every text the configuration writes out. */
int pmc_utf8_ok(const char *s, size_t n);

#endif
