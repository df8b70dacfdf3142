/* app/decide.c - `pmcopy decide`: the core alone on a tape, its actions
 * as a tape on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "app/tapecmd.h"
#include "core/driver.h"
#include "proto/config_load.h"
#include "proto/tapeio.h"

static const char intro[] =
    "usage: pmcopy decide [options] [FILE]\n"
    "\n"
    "Run the decision core on a tape (FILE or stdin) and write its actions\n"
    "(ev=order, ev=skip, ev=kill by=core) as a tape on stdout. No latency, "
    "no\n"
    "venue: timers fire as the tape's time passes each deadline, and every\n"
    "pending bucket flushes at the end of input. Same input => same bytes.\n";

static const char outro[] =
    "exit status: 0 ok, 1 bad input or configuration, 2 usage\n";

struct args {
    struct pmc_cfg_args cfg;
    const char *file;
    int echo;
};

/* -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    const struct pmc_opt opts[] = {
        PMC_OPT_BOOL("echo", 0,
                     "also write every input record, so the output is a\n"
                     "journal that `pmcopy replay` can check",
                     &a->echo),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "decide", intro, outro, "options:", opts, PMC_ARRAY_LEN(opts), &a->cfg};
    int n;
    int r = pmc_opt_parse(&cmd, argc, argv, &n, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (n > 1) {
        fprintf(stderr,
                "pmcopy decide: more than one input file ('%s', '%s')\n",
                argv[1], argv[2]);
        return PMC_EXIT_USAGE;
    }
    a->file = n ? argv[1] : NULL;
    return -1;
}

struct decide_out {
    FILE *f;
    const struct pmc_tape_reader *r;
    int echo;
};

/* --echo: each input as the core saw it (its own line, as read), so the
 * output is a journal; the shutdown flush as a flush record. */
static enum pmc_err write_input(void *ctx, const struct pmc_record *ev)
{
    struct decide_out *o = ctx;
    if (!o->echo)
        return PMC_OK;
    if (ev->kind == PMC_K_FLUSH) {
        fprintf(o->f, "t=%lld ev=flush\n", (long long)ev->t);
        return PMC_OK;
    }
    fwrite(o->r->cur, 1, o->r->cur_len, o->f);
    fputc('\n', o->f);
    return PMC_OK;
}

static enum pmc_err write_action(void *ctx, const struct pmc_record *a)
{
    struct decide_out *o = ctx;
    return pmc_tape_write(o->f, a) == 0 ? PMC_OK : PMC_EIO;
}

int pmc_cmd_decide(int argc, char **argv)
{
    struct args a;
    int pr = parse_args(argc, argv, &a);
    if (pr >= 0)
        return pr;
    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg || pmc_tapecmd_config(&a.cfg, cfg) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    FILE *in;
    const char *name;
    if (pmc_tapecmd_open(a.file, &in, &name) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    struct pmc_driver d;
    struct pmc_tape_reader r;
    int rc = PMC_EXIT_FAIL;
    size_t msz;
    void *mem = pmc_tapecmd_driver_mem(cfg, &msz);
    struct decide_out o = {stdout, &r, a.echo};
    struct pmc_driver_hook hook = {&o, write_input, write_action};
    if (!mem) {
        fprintf(stderr, "pmcopy: cannot set up the engine: out of memory\n");
        goto out_cfg;
    }
    if (pmc_driver_init(&d, mem, msz, cfg, NULL, &hook) != PMC_OK) {
        fprintf(stderr, "pmcopy: cannot set up the engine\n");
        goto out_drv;
    }
    if (pmc_tape_reader_init(&r, in, name) != PMC_OK) {
        fprintf(stderr, "pmcopy: out of memory\n");
        goto out_drv;
    }
    fputs(PMC_TAPE_HEADER "\n", stdout);
    struct pmc_tape_source ts;
    struct pmc_source src;
    pmc_tape_source_init(&ts, &src, &r);
    enum pmc_err e = pmc_driver_run(&d, &src);
    if (e == PMC_EPARSE) {
        fprintf(stderr, "pmcopy: %s\n", r.err);
        goto out_all;
    }
    if (e != PMC_OK) {
        rc = pmc_tapecmd_engine_error(&r, e);
        goto out_all;
    }
    if (pmc_driver_finish(&d, &src) != PMC_OK) {
        fprintf(stderr, "pmcopy: flushing at end of input failed\n");
        goto out_all;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pmcopy: write error: %s\n", strerror(errno));
        goto out_all;
    }
    rc = PMC_EXIT_OK;
out_all:
    pmc_tape_reader_fini(&r);
out_drv:
    free(mem);
out_cfg:
    if (in != stdin)
        fclose(in);
    free(cfg);
    return rc;
}
