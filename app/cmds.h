/* app/cmds.h - every subcommand's entry point. Each folder owns its
 * commands; app/main.c only dispatches. Return the process exit code:
 * 0 ok, 1 runtime failure, 2 usage. */
#ifndef PMC_CMDS_H
#define PMC_CMDS_H

#define PMC_EXIT_OK 0
#define PMC_EXIT_FAIL 1
#define PMC_EXIT_USAGE 2

int pmc_cmd_decide(int argc, char **argv);  /* app/decide.c */
int pmc_cmd_replay(int argc, char **argv);  /* app/decide.c */
int pmc_cmd_order(int argc, char **argv);   /* live/cmd_order.c */
int pmc_cmd_import(int argc, char **argv);  /* live/cmd_import.c */
int pmc_cmd_backtest(int argc, char **argv); /* sim/cmd_backtest.c */
int pmc_cmd_synth(int argc, char **argv);   /* sim/cmd_synth.c */

#endif
