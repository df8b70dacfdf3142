/* proto/jsonout.h - writing JSON strings and CSV fields to a stream, for
 * the commands' machine output (reports, views, rankings, configuration
 * files). */
#ifndef PMC_JSONOUT_H
#define PMC_JSONOUT_H

#include <stdio.h>

/* Write s as a JSON string (quoted; '"', '\\' and control bytes escaped);
 * NULL writes null. */
void pmc_json_str(FILE *f, const char *s);

/* Write s as one CSV field (RFC 4180): as it is, or quoted with '"'
 * doubled when it holds a comma, a quote or a line break; NULL writes an
 * empty field. */
void pmc_csv_str(FILE *f, const char *s);

#endif
