/* app/decide.c - `pmcopy decide` (the core alone on a tape) and
 * `pmcopy replay` (re-run a recorded tape and compare the actions). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cmds.h"
#include "proto/config_load.h"
#include "core/driver.h"
#include "proto/tapeio.h"

static const char decide_usage[] =
    "usage: pmcopy decide [options] [FILE]\n"
    "\n"
    "Run the decision core on a tape (FILE or stdin) and write its actions\n"
    "(ev=order, ev=skip, ev=kill by=core) as a tape on stdout. No latency, "
    "no\n"
    "venue: timers fire as the tape's time passes each deadline, and every\n"
    "pending bucket flushes at the end of input. Same input => same bytes.\n"
    "\n"
    "options:\n"
    "  --echo               also write every input record, so the output is a\n"
    "                       journal that `pmcopy replay` can check\n"
    "  --config FILE        JSON configuration (keys as in --help-config)\n"
    "  --trader ADDR[:R]    copy this wallet (repeatable), optional ratio R\n"
    "  --traders FILE       traders.json\n"
    "  --set KEY=VALUE      set any configuration key (repeatable)\n"
    "  --KEY VALUE          the same, e.g. --copy-mode per_fill\n"
    "  --help-config        list the configuration keys and defaults\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 ok, 1 bad input or configuration, 2 usage\n";

static const char replay_usage[] =
    "usage: pmcopy replay [options] FILE\n"
    "       pmcopy replay [options] --db DB\n"
    "\n"
    "Re-run a tape holding inputs and the actions recorded for them (a live\n"
    "journal, `pmcopy decide --echo` output, or a scenario) through a fresh\n"
    "core and compare each action byte for byte. Takes the same configuration\n"
    "options as `pmcopy decide`. With --db, the journal of the live store DB\n"
    "is checked (the same check as on its `pmcopy journal` export).\n"
    "\n"
    "exit status: 0 every action matches, 1 divergence (the first divergent\n"
    "line is named) or bad input, 2 usage\n";

struct args {
    struct pmc_cfg_args cfg;
    const char *file;
    const char *db; /* replay --db */
    int echo;
};

static int parse_args(int argc, char **argv, struct args *a,
                      const char *usage, int allow_db)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc;) {
        char err[256];
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            exit(PMC_EXIT_OK);
        }
        if (!strcmp(s, "--help-config")) {
            pmc_config_print_keys(stdout);
            exit(PMC_EXIT_OK);
        }
        if (allow_db && !strcmp(s, "--db")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "pmcopy: --db needs a value\n%s", usage);
                return -1;
            }
            a->db = argv[i + 1];
            i += 2;
            continue;
        }
        if (!strcmp(s, "--echo")) {
            a->echo = 1;
            i++;
            continue;
        }
        int k = pmc_config_take_flag(&a->cfg, argc, argv, &i, err, sizeof err);
        if (k < 0) {
            fprintf(stderr, "pmcopy: %s\n", err);
            return -1;
        }
        if (k > 0)
            continue;
        if (s[0] == '-' && s[1] != '\0') {
            fprintf(stderr, "pmcopy: unknown option '%s'\n%s", s, usage);
            return -1;
        }
        if (a->file) {
            fprintf(stderr, "pmcopy: more than one input file\n%s", usage);
            return -1;
        }
        a->file = s;
        i++;
    }
    return 0;
}

static int open_input(const char *file, FILE **f, const char **name)
{
    if (!file || !strcmp(file, "-")) {
        *f = stdin;
        *name = "<stdin>";
        return 0;
    }
    *f = fopen(file, "rb");
    *name = file;
    if (!*f) {
        fprintf(stderr, "pmcopy: cannot open %s: %s\n", file, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the tape as the driver's input port ------------------------------- */

/* A tape reader as an input port: the tape's input records in order, an
 * input at t only once the timers due by t have fired. Recorded actions are
 * not inputs and are passed over. */
struct tape_src {
    struct pmc_tape_reader *r;
    struct pmc_record peek;
    int have;
};

static enum pmc_err tape_next(void *self, pmc_ms deadline,
                              struct pmc_record *ev)
{
    struct tape_src *ts = self;
    while (!ts->have) {
        int k = pmc_tape_next(ts->r, &ts->peek);
        if (k < 0)
            return PMC_EPARSE;
        if (k == 0)
            return PMC_EEND;
        ts->have = pmc_kind_is_input(ts->peek.kind) &&
                   !pmc_record_is_action(&ts->peek);
    }
    if (ts->peek.t >= deadline)
        return PMC_EAGAIN;
    *ev = ts->peek;
    ts->have = 0;
    return PMC_OK;
}

/* One block for the driver and its engine (core/ does not allocate). */
static void *driver_mem(const struct pmc_config *cfg, size_t *sz)
{
    *sz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    void *m = aligned_alloc(64, *sz);
    if (m)
        memset(m, 0, *sz);
    return m;
}

struct decide_out {
    FILE *f;
    const struct pmc_tape_reader *r;
    int echo;
};

static enum pmc_err write_input(void *ctx, const struct pmc_record *ev)
{
    struct decide_out *o = ctx;
    if (!o->echo)
        return PMC_OK;
    if (ev->kind == PMC_K_FLUSH) {
        fprintf(o->f, "t=%lld ev=flush\n", (long long)ev->t);
        return PMC_OK;
    }
    /* the input's own line, as read */
    fwrite(o->r->cur, 1, o->r->cur_len, o->f);
    fputc('\n', o->f);
    return PMC_OK;
}

static enum pmc_err write_action(void *ctx, const struct pmc_record *a)
{
    struct decide_out *o = ctx;
    return pmc_tape_write(o->f, a) == 0 ? PMC_OK : PMC_EIO;
}

static int load_config(const struct args *a, struct pmc_config *cfg)
{
    char err[512];
    if (pmc_config_build(cfg, &a->cfg, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy: %s\n", err);
        return -1;
    }
    return 0;
}

static int engine_error(const struct pmc_tape_reader *r, enum pmc_err e)
{
    fprintf(stderr, "pmcopy: %s:%llu: %s%s\n", r->name,
            (unsigned long long)r->line, pmc_strerror(e),
            e == PMC_EFULL ? " (raise max_tokens / max_open_orders)" : "");
    return PMC_EXIT_FAIL;
}

int pmc_cmd_decide(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, &a, decide_usage, 0) < 0)
        return PMC_EXIT_USAGE;
    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg || load_config(&a, cfg) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    FILE *in;
    const char *name;
    if (open_input(a.file, &in, &name) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    struct pmc_driver d;
    struct pmc_tape_reader r;
    int rc = PMC_EXIT_FAIL;
    size_t msz;
    void *mem = driver_mem(cfg, &msz);
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
    struct tape_src ts = {&r, {0}, 0};
    struct pmc_source src = {&ts, tape_next, NULL};
    enum pmc_err e = pmc_driver_run(&d, &src);
    if (e == PMC_EPARSE) {
        fprintf(stderr, "pmcopy: %s\n", r.err);
        goto out_all;
    }
    if (e != PMC_OK) {
        rc = engine_error(&r, e);
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

/* ---- replay ------------------------------------------------------------- */

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
                        rs->name, (unsigned long long)r->line,
                        (int)r->cur_len, r->cur, got ? got : "(no action)");
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
    if (parse_args(argc, argv, &a, replay_usage, 1) < 0)
        return PMC_EXIT_USAGE;
    if (a.file && a.db) {
        fprintf(stderr, "pmcopy replay: give FILE or --db, not both\n%s",
                replay_usage);
        return PMC_EXIT_USAGE;
    }
    if (!a.file && !a.db) {
        fprintf(stderr, "pmcopy replay: a FILE is required\n%s",
                replay_usage);
        return PMC_EXIT_USAGE;
    }
    char saved[4096];
    if (a.db && !a.cfg.config_file && !a.cfg.traders_file &&
        !a.cfg.ntraders && !a.cfg.nsets) {
        /* the configuration the live session wrote beside its store */
        snprintf(saved, sizeof saved, "%s-config.json", a.db);
        if (access(saved, R_OK) == 0) {
            a.cfg.config_file = saved;
            fprintf(stderr, "pmcopy replay: configuration from %s\n", saved);
        }
    }
    struct pmc_config *cfg = malloc(sizeof *cfg);
    if (!cfg || load_config(&a, cfg) < 0) {
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
    } else if (open_input(a.file, &in, &name) < 0) {
        free(cfg);
        return PMC_EXIT_FAIL;
    }
    struct produced q = {0};
    struct pmc_driver d;
    struct pmc_tape_reader r;
    int rc = PMC_EXIT_FAIL;
    size_t msz;
    void *mem = driver_mem(cfg, &msz);
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
        rc = engine_error(&r, e);
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
