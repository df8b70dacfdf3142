/* proto/jsonout.h - writing JSON text to a stream, for the commands' machine
 * output (reports, views, configuration files). */
#ifndef PMC_JSONOUT_H
#define PMC_JSONOUT_H

#include <stdio.h>

/* Write s as a JSON string (quoted; '"', '\\' and control bytes escaped);
 * NULL writes null. */
void pmc_json_str(FILE *f, const char *s);

#endif
