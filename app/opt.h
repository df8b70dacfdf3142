/* app/opt.h - the one option parser of every `pmcopy X`: a command
 * describes its options as a table of {long name, short letter, value
 * placeholder, help, target}; the parser reads argv against it and --help
 * is printed from the same table.
 *
 * Decides: the syntax (--opt VALUE, --opt=VALUE, -o VALUE, -oVALUE, `--`
 * ends the options, a lone `-` is an argument), that a repeated option
 * takes the last value (or adds up, for options whose handler collects),
 * and the one error style of usage errors: "pmcopy CMD: unknown option
 * '--latncy' (did you mean '--latency'?)" on stderr, exit 2. With
 * configuration arguments attached, every configuration flag of
 * proto/config_load.h (--config, --traders, --trader, --set, --KEY) is
 * accepted too and listed in --help. Never exits the process, never
 * allocates: arguments stay in argv, moved to its front. */
#ifndef PMC_OPT_H
#define PMC_OPT_H

#include <stdint.h>
#include <stdio.h>

#include "proto/config_load.h"

enum pmc_opt_type {
    PMC_OPT_SECTION, /* no option: a heading line in --help */
    PMC_OPT_NOTE,    /* no option: a line of the list in --help (e.g. --KEY) */
    PMC_OPT_HELP,    /* print --help on stdout and stop (exit 0) */
    PMC_OPT_FLAG,    /* no value: *(int *)target = ival */
    PMC_OPT_STR,     /* *(const char **)target = value */
    PMC_OPT_INT,     /* *(int64_t *)target = value, an integer in [lo, hi] */
    PMC_OPT_CALL,    /* fn(opt, value or NULL) decides */
};

struct pmc_opt;

/* A handler: 0 ok, 1 done (it printed what was asked; exit 0), -1 bad
 * value (the reason in err, starting with the option, e.g. "--seed x: an
 * unsigned integer"). val is NULL for an option without a value. */
typedef int (*pmc_opt_fn)(const struct pmc_opt *o, const char *val, char *err,
                          size_t cap);

struct pmc_opt {
    enum pmc_opt_type type;
    const char *name; /* long name without the dashes */
    char shrt;        /* short letter, 0 for none */
    const char *arg;  /* the value's name in --help; CALL: NULL = no value */
    const char *help; /* lines separated by '\n'; NULL: not in --help */
    void *target;
    int ival;
    int64_t lo, hi;
    pmc_opt_fn fn;
};

/* Table entries. */
#define PMC_OPT_HEAD(text)                                                     \
    {                                                                          \
        PMC_OPT_SECTION, NULL, 0, NULL, text, NULL, 0, 0, 0, NULL              \
    }
#define PMC_OPT_LINE(left, text)                                               \
    {                                                                          \
        PMC_OPT_NOTE, left, 0, NULL, text, NULL, 0, 0, 0, NULL                 \
    }
#define PMC_OPT_HELP_ENTRY(text)                                               \
    {                                                                          \
        PMC_OPT_HELP, "help", 'h', NULL, text, NULL, 0, 0, 0, NULL             \
    }
#define PMC_OPT_SET(name, s, help, ptr, v)                                     \
    {                                                                          \
        PMC_OPT_FLAG, name, s, NULL, help, ptr, v, 0, 0, NULL                  \
    }
#define PMC_OPT_BOOL(name, s, help, ptr) PMC_OPT_SET(name, s, help, ptr, 1)
#define PMC_OPT_STRING(name, s, arg, help, ptr)                                \
    {                                                                          \
        PMC_OPT_STR, name, s, arg, help, ptr, 0, 0, 0, NULL                    \
    }
#define PMC_OPT_INTEGER(name, s, arg, help, ptr, lo, hi)                       \
    {                                                                          \
        PMC_OPT_INT, name, s, arg, help, ptr, 0, lo, hi, NULL                  \
    }
#define PMC_OPT_FUNC(name, s, arg, help, ptr, fn)                              \
    {                                                                          \
        PMC_OPT_CALL, name, s, arg, help, ptr, 0, 0, 0, fn                     \
    }
/* a handler given a range in lo, hi */
#define PMC_OPT_FUNC_RANGE(name, s, arg, help, ptr, fn, lo, hi)                \
    {                                                                          \
        PMC_OPT_CALL, name, s, arg, help, ptr, 0, lo, hi, fn                   \
    }

struct pmc_opt_cmd {
    const char
        *prog; /* "backtest", "order sign": messages say "pmcopy PROG: " */
    const char *intro; /* --help before the option list: usage, description */
    const char *outro; /* --help after it (exit status, ...); may be NULL */
    const char *title; /* the list's heading ("options:"); NULL for none */
    const struct pmc_opt *opts;
    size_t nopts;
    struct pmc_cfg_args *cfg; /* non-NULL: configuration flags accepted */
};

enum {
    PMC_OPT_OK = 0,    /* go on: the arguments are argv[1] .. argv[*nargs] */
    PMC_OPT_DONE = 1,  /* help or a listing was printed: exit 0 */
    PMC_OPT_USAGE = -1 /* a usage error was printed on stderr: exit 2 */
};

/* Parse argv[1..argc-1] (argv[0] is the command's name). On PMC_OPT_OK the
 * arguments that are not options are moved, in order, to argv[1] ..
 * argv[*nargs]. Errors go to `err` (stderr when NULL). */
int pmc_opt_parse(const struct pmc_opt_cmd *c, int argc, char **argv,
                  int *nargs, FILE *err);

/* --help, from the table. */
void pmc_opt_help(const struct pmc_opt_cmd *c, FILE *f);

/* The process exit code for what pmc_opt_parse returned (not for OK). */
int pmc_opt_exit(int r);

/* A PMC_OPT_FUNC parser: MS as milliseconds (decimals allowed, rounded
 * to the millisecond; "ms" suffix allowed) or seconds with an s suffix
 * (0.4s), 0..86400000, into the pmc_ms at opt->target; with opt->ival
 * set, into the 4 pmc_ms there (every source kind's latency). */
int pmc_opt_ms(const struct pmc_opt *opt, const char *v, char *err, size_t cap);

/* A PMC_OPT_FUNC_RANGE parser: a decimal in [opt->lo, opt->hi] micro
 * units into the pmc_micros at opt->target (never through a double). */
int pmc_opt_dec(const struct pmc_opt *opt, const char *v, char *err,
                size_t cap);

/* The edit distance of a and b (insertions, deletions, substitutions and
 * swaps of neighbours; for suggestions); 100 for names of 64 bytes or
 * more. */
int pmc_opt_distance(const char *a, const char *b);

#endif
