/* app/version.c - `pmcopy version` / `pmcopy --version`: what was built
 * and how. The Makefile passes the values as -D defines to this file
 * alone, so a new commit recompiles only it. Never reads anything at run
 * time. */
#include <stdio.h>
#include <string.h>

#include "app/cmds.h"
#include "app/opt.h"

#ifndef PMC_VERSION
#define PMC_VERSION "unknown"
#endif
#ifndef PMC_GIT_COMMIT
#define PMC_GIT_COMMIT "unknown"
#endif
#ifndef PMC_BUILD_CC
#define PMC_BUILD_CC "unknown"
#endif
#ifndef PMC_BUILD_OPT
#define PMC_BUILD_OPT "unknown"
#endif
#ifndef PMC_BUILD_SAN
#define PMC_BUILD_SAN ""
#endif

const char *pmc_version_string(void)
{
    return PMC_VERSION;
}

static void print_version(FILE *f)
{
    fprintf(f, "pmcopy %s\n", PMC_VERSION);
    fprintf(f, "commit: %s\n", PMC_GIT_COMMIT);
    fprintf(f, "cc: %s (%s)\n", PMC_BUILD_CC, __VERSION__);
    fprintf(f, "cflags: %s\n", PMC_BUILD_OPT);
    fprintf(f, "sanitizers: %s\n", PMC_BUILD_SAN[0] ? PMC_BUILD_SAN : "none");
}

int pmc_cmd_version(int argc, char **argv)
{
    static const char intro[] =
        "usage: pmcopy version   (or pmcopy --version)\n"
        "\n"
        "Print the version, the git commit it was built from (\"unknown\"\n"
        "outside a git checkout; -dirty with uncommitted changes), the\n"
        "compiler, the optimisation flags and the sanitizers.\n";
    static const struct pmc_opt opts[] = {
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "version", intro, NULL, NULL, opts, PMC_ARRAY_LEN(opts), NULL};
    int nargs;
    int r = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (nargs > 0) {
        fprintf(stderr, "pmcopy version: unexpected argument '%s'\n", argv[1]);
        return PMC_EXIT_USAGE;
    }
    print_version(stdout);
    return fflush(stdout) == 0 ? PMC_EXIT_OK : PMC_EXIT_FAIL;
}
