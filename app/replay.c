/* app/replay.c - `pmcopy replay`: re-run a recorded tape (or a live
 * store's journal) through a fresh core and compare the actions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "app/tapecmd.h"
#include "core/driver.h"
#include "live/views.h"
#include "proto/config_load.h"
#include "proto/tapeio.h"

static const char intro[] =
    "usage: pmcopy replay [options] FILE\n"
    "       pmcopy replay [options] --db DB\n"
    "\n"
    "Re-run a tape holding inputs and the actions recorded for them (a live\n"
    "journal, `pmcopy decide --echo` output, or a scenario) through a fresh\n"
    "core and compare each action byte for byte. Takes the same configuration\n"
    "options as `pmcopy decide`. With --db, the journal of the live store DB\n"
    "is checked (the same check as on its `pmcopy journal` export). With no\n"
    "configuration option, FILE-config.json (DB-config.json) is loaded when\n"
    "it exists, as `pmcopy backtest --journal` (`pmcopy live`) writes it.\n";

static const char outro[] =
    "exit status: 0 every action matches, 1 divergence (the first divergent\n"
    "line is named) or bad input, 2 usage\n";

struct args {
    struct pmc_cfg_args cfg;
    const char *file;
    const char *db; /* --db */
};

/* -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    const struct pmc_opt opts[] = {
        PMC_OPT_STRING("db", 0, "DB", "check the journal of this live store",
                       &a->db),
        PMC_OPT_HELP_ENTRY("this text"),
    };
    const struct pmc_opt_cmd cmd = {
        "replay", intro, outro, "options:", opts, PMC_ARRAY_LEN(opts), &a->cfg};
    int n;
    int r = pmc_opt_parse(&cmd, argc, argv, &n, NULL);
    if (r != PMC_OPT_OK)
        return pmc_opt_exit(r);
    if (n > 1) {
        fprintf(stderr,
                "pmcopy replay: more than one input file ('%s', '%s')\n",
                argv[1], argv[2]);
        return PMC_EXIT_USAGE;
    }
    a->file = n ? argv[1] : NULL;
    return -1;
}

struct produced {
    char **line; /* queue of formatted actions, without newline */
    size_t head, n, cap;
};

static enum pmc_err queue_action(void *ctx, const struct pmc_record *a)
{
    struct produced *q = ctx;
    char buf[PMC_TAPE_LINE_MAX + 2];
    size_t n = pmc_tape_format(a, buf, sizeof buf);
    if (n == 0)
        return PMC_ERANGE;
    if (q->head + q->n == q->cap) {
        if (q->head > 0) {
            memmove(q->line, q->line + q->head, q->n * sizeof *q->line);
            q->head = 0;
        } else {
            size_t nc = q->cap ? 2 * q->cap : 64;
            char **nl = realloc(q->line, nc * sizeof *nl);
            if (!nl)
                return PMC_ENOMEM;
            q->line = nl;
            q->cap = nc;
        }
    }
    char *s = strndup(buf, n - 1);
    if (!s)
        return PMC_ENOMEM;
    q->line[q->head + q->n++] = s;
    return PMC_OK;
}

static char *queue_pop(struct produced *q)
{
    if (!q->n)
        return NULL;
    q->n--;
    return q->line[q->head++];
}

/* The journal as an input port: its inputs go to the core; each recorded
 * action is compared with the next one the core produced (the timers due by
 * its time fire first when none is waiting). PMC_EMISMATCH on divergence,
 * with the first divergent line on stderr. */
struct replay_src {
    struct pmc_tape_reader *r;
    struct produced *q;
    struct pmc_record peek;
    int have;
    uint64_t inputs, matched;
    const char *name;
};

static enum pmc_err replay_next(void *self, pmc_ms deadline,
                                struct pmc_record *ev)
{
    struct replay_src *rs = self;
    struct pmc_tape_reader *r = rs->r;
    struct produced *q = rs->q;
    for (;;) {
        if (!rs->have) {
            int k = pmc_tape_next(r, &rs->peek);
            if (k < 0)
                return PMC_EPARSE;
            if (k == 0)
                return PMC_EEND;
            rs->have = 1;
        }
        const struct pmc_record *rec = &rs->peek;
        if (pmc_record_is_action(rec)) {
            if (!q->n && rec->t >= deadline)
                return PMC_EAGAIN;
            char *got = queue_pop(q);
            if (!got || strlen(got) != r->cur_len ||
                memcmp(got, r->cur, r->cur_len) != 0) {
                fprintf(stderr,
                        "replay: %s:%llu: diverges\n  recorded: %.*s\n"
                        "  core:     %s\n",
                        rs->name, (unsigned long long)r->line, (int)r->cur_len,
                        r->cur, got ? got : "(no action)");
                free(got);
                return PMC_EMISMATCH;
            }
            free(got);
            rs->matched++;
            rs->have = 0;
            continue;
        }
        if (!pmc_kind_is_input(rec->kind)) {
            rs->have = 0;
            continue;
        }
        /* the core must have nothing unmatched before the next input */
        if (rec->t >= deadline)
            return PMC_EAGAIN;
        if (q->n) {
            fprintf(stderr,
                    "replay: %s:%llu: diverges\n  recorded: %.*s\n"
                    "  core:     %s (an action the record does not have)\n",
                    rs->name, (unsigned long long)r->line, (int)r->cur_len,
                    r->cur, q->line[q->head]);
            return PMC_EMISMATCH;
        }
        *ev = *rec;
        rs->have = 0;
        rs->inputs++;
        return PMC_OK;
    }
}

int pmc_cmd_replay(int argc, char **argv)
{
    struct args a;
    int pr = parse_args(argc, argv, &a);
    if (pr >= 0)
        return pr;
    if (a.file && a.db) {
        fprintf(stderr, "pmcopy replay: give FILE or --db, not both\n");
        return PMC_EXIT_USAGE;
    }
    if (!a.file && !a.db) {
        fprintf(stderr, "pmcopy replay: a FILE is required (see --help)\n");
        return PMC_EXIT_USAGE;
    }
    char saved[4096];
    if (!a.cfg.config_file && !a.cfg.traders_file && !a.cfg.ntraders &&
        !a.cfg.nsets) {
        /* the configuration the live session wrote beside its store, or
         * `pmcopy backtest --journal` beside its journal */
        snprintf(saved, sizeof saved, "%s-config.json", a.db ? a.db : a.file);
        if (access(saved, R_OK) == 0) {
            a.cfg.config_file = saved;
            fprintf(stderr, "pmcopy replay: configuration from %s\n", saved);
        }
    }
    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg || pmc_tapecmd_config(&a.cfg, cfg) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    FILE *in;
    const char *name;
    if (a.db) {
        char err[512];
        name = a.db;
        if (!(in = pmc_journal_tmpfile(a.db, err, sizeof err))) {
            fprintf(stderr, "pmcopy replay: %s\n", err);
            free(cfg);
            return PMC_EXIT_FAIL;
        }
    } else if (pmc_tapecmd_open(a.file, &in, &name) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    struct produced q = {0};
    struct pmc_driver d;
    struct pmc_tape_reader r;
    int rc = PMC_EXIT_FAIL;
    size_t msz;
    void *mem = pmc_tapecmd_driver_mem(cfg, &msz);
    struct pmc_driver_hook hook = {&q, NULL, queue_action};
    if (!mem) {
        fprintf(stderr, "pmcopy: cannot set up the engine: out of memory\n");
        goto out_cfg;
    }
    if (pmc_driver_init(&d, mem, msz, cfg, NULL, &hook) != PMC_OK) {
        fprintf(stderr, "pmcopy: cannot set up the engine\n");
        goto out_drv;
    }
    if (pmc_tape_reader_init(&r, in, name) != PMC_OK)
        goto out_drv;
    struct replay_src rs = {&r, &q, {0}, 0, 0, 0, name};
    struct pmc_source src = {&rs, replay_next, NULL};
    enum pmc_err e = pmc_driver_run(&d, &src);
    if (e == PMC_EMISMATCH)
        goto out_all;
    if (e == PMC_EPARSE) {
        fprintf(stderr, "pmcopy: %s\n", r.err);
        goto out_all;
    }
    if (e != PMC_OK) {
        rc = pmc_tapecmd_engine_error(&r, e);
        goto out_all;
    }
    if (q.n) {
        fprintf(stderr,
                "replay: %s: diverges at end of input\n  recorded: (nothing)\n"
                "  core:     %s\n",
                name, q.line[q.head]);
        goto out_all;
    }
    printf("replay: %s: %llu inputs, %llu actions, all match\n", name,
           (unsigned long long)rs.inputs, (unsigned long long)rs.matched);
    rc = PMC_EXIT_OK;
out_all:
    pmc_tape_reader_fini(&r);
out_drv:
    free(mem);
out_cfg:
    while (q.n)
        free(queue_pop(&q));
    free(q.line);
    if (in != stdin)
        fclose(in);
    free(cfg);
    return rc;
}
