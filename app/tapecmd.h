/* app/tapecmd.h - what `pmcopy decide` and `pmcopy replay` share: the
 * input tape (a file or stdin) and how an engine error on it is named.
 * Decides only those messages. */
#ifndef PMC_TAPECMD_H
#define PMC_TAPECMD_H

#include <stdio.h>

#include "core/config.h"
#include "core/pmc.h"
#include "proto/config_load.h"
#include "proto/tapeio.h"

/* Open file ("-" or NULL: stdin) for reading; its name for messages in
 * *name. -1 after a message on stderr. */
int pmc_tapecmd_open(const char *file, FILE **f, const char **name);

/* Print where on the tape the engine failed; returns the exit code. */
int pmc_tapecmd_engine_error(const struct pmc_tape_reader *r, enum pmc_err e);

/* One zeroed, 64-byte aligned block for a driver and its engine
 * (pmc_driver_mem_size; core/ does not allocate); its size in *sz. NULL when
 * out of memory. The caller frees it. */
void *pmc_tapecmd_driver_mem(const struct pmc_config *cfg, size_t *sz);

/* Build the configuration from the command's flags, file and environment;
 * -1 after a message on stderr. */
int pmc_tapecmd_config(const struct pmc_cfg_args *a, struct pmc_config *cfg);

#endif
