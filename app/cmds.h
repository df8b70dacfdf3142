/* app/cmds.h - every subcommand's entry point. Each lives in app/, in the file
 * of its name; app/main.c only dispatches. Return the process exit code:
 * 0 ok, 1 runtime failure, 2 usage. */
#ifndef PMC_CMDS_H
#define PMC_CMDS_H

#include <stdio.h>

#define PMC_EXIT_OK 0
#define PMC_EXIT_FAIL 1
#define PMC_EXIT_USAGE 2

int pmc_cmd_decide(int argc, char **argv);    /* app/decide.c */
int pmc_cmd_replay(int argc, char **argv);    /* app/replay.c */
int pmc_cmd_order(int argc, char **argv);     /* app/order.c */
int pmc_cmd_import(int argc, char **argv);    /* app/import.c */
int pmc_cmd_fetch(int argc, char **argv);     /* app/fetch.c */
int pmc_cmd_backtest(int argc, char **argv);  /* app/backtest.c */
int pmc_cmd_synth(int argc, char **argv);     /* app/synth.c */
int pmc_cmd_rank(int argc, char **argv);      /* app/rank.c */
int pmc_cmd_merge(int argc, char **argv);     /* app/merge.c */
int pmc_cmd_optimize(int argc, char **argv);  /* app/optimize.c */
int pmc_cmd_positions(int argc, char **argv); /* app/views.c */
int pmc_cmd_history(int argc, char **argv);   /* app/views.c */
int pmc_cmd_traders(int argc, char **argv);   /* app/views.c */
int pmc_cmd_journal(int argc, char **argv);   /* app/views.c */

int pmc_cmd_live(int argc, char **argv);    /* app/live.c */
int pmc_cmd_version(int argc, char **argv); /* app/version.c */
/* pmcopy's version, as --version prints it first */
const char *pmc_version_string(void); /* app/version.c */

#endif
