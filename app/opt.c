/* app/opt.c - the table-driven option parser (see opt.h).
 *
 * Decides how an argument is read against a command's table, which option
 * a near miss is taken for (the fewest edits, a swap of neighbours being
 * one, within 1 for names of up to 4 letters, 2 up to 8, else 3; the first
 * in table order on a tie) and how the table prints as --help. Never exits,
 * never allocates, never prints on stdout except --help and --help-config. */
#include "app/opt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "core/dec.h"

/* The configuration flags as --help lists them for a command that takes
 * them (proto/config_load.h reads them). */
static const struct pmc_opt config_help[] = {
    PMC_OPT_LINE("--config FILE", "JSON configuration (keys as in "
                                  "--help-config)"),
    PMC_OPT_LINE("--trader ADDR[:R]", "copy this wallet (repeatable), "
                                      "optional ratio R"),
    PMC_OPT_LINE("--traders FILE", "traders.json"),
    PMC_OPT_LINE("--set KEY=VALUE", "set any configuration key (repeatable)"),
    PMC_OPT_LINE("--KEY VALUE", "the same, e.g. --copy-mode per_fill"),
    PMC_OPT_LINE("--help-config", "list the configuration keys and defaults"),
};

int pmc_opt_exit(int r)
{
    return r == PMC_OPT_DONE ? PMC_EXIT_OK : PMC_EXIT_USAGE;
}

int pmc_opt_distance(const char *a, const char *b)
{
    enum { MAXL = 64 };
    size_t na = strlen(a), nb = strlen(b);
    if (na >= MAXL || nb >= MAXL)
        return 100;
    /* edits: insert, delete, substitute, swap two neighbours */
    int d[MAXL + 1][MAXL + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[na][nb];
}

/* ---- --help ---------------------------------------------------------------
 */

static size_t left_text(const struct pmc_opt *o, char *b, size_t cap)
{
    if (o->type == PMC_OPT_NOTE)
        return (size_t)snprintf(b, cap, "%s", o->name);
    int n = 0;
    if (o->shrt)
        n = snprintf(b, cap, "-%c, ", o->shrt);
    n += snprintf(b + n, cap - (size_t)n, "--%s%s%s", o->name,
                  o->arg ? " " : "", o->arg ? o->arg : "");
    return (size_t)n;
}

static int listed(const struct pmc_opt *o)
{
    return o->help && o->type != PMC_OPT_SECTION;
}

static void print_entry(FILE *f, const struct pmc_opt *o, size_t col)
{
    char left[128];
    size_t n = left_text(o, left, sizeof left);
    fprintf(f, "  %s", left);
    const char *h = o->help;
    for (int first = 1;; first = 0) {
        const char *nl = strchr(h, '\n');
        size_t len = nl ? (size_t)(nl - h) : strlen(h);
        size_t pad = first ? col - n : col + 2;
        fprintf(f, "%*s%.*s\n", (int)pad, "", (int)len, h);
        if (!nl)
            break;
        h = nl + 1;
    }
}

void pmc_opt_help(const struct pmc_opt_cmd *c, FILE *f)
{
    char left[128];
    size_t col = 0;
    for (size_t i = 0; i < c->nopts; i++)
        if (listed(&c->opts[i])) {
            size_t n = left_text(&c->opts[i], left, sizeof left);
            col = n > col ? n : col;
        }
    if (c->cfg)
        for (size_t i = 0; i < PMC_ARRAY_LEN(config_help); i++) {
            size_t n = left_text(&config_help[i], left, sizeof left);
            col = n > col ? n : col;
        }
    col += 2;
    fputs(c->intro, f);
    if (c->title)
        fprintf(f, "\n%s\n", c->title);
    else
        fputc('\n', f);
    for (size_t i = 0; i < c->nopts; i++) {
        const struct pmc_opt *o = &c->opts[i];
        if (o->type == PMC_OPT_SECTION) {
            fprintf(f, "%s\n", o->help);
            continue;
        }
        /* the configuration flags go right before -h, --help */
        if (c->cfg && o->type == PMC_OPT_HELP)
            for (size_t k = 0; k < PMC_ARRAY_LEN(config_help); k++)
                print_entry(f, &config_help[k], col);
        if (listed(o))
            print_entry(f, o, col);
    }
    if (c->outro)
        fprintf(f, "\n%s", c->outro);
}

/* ---- parsing --------------------------------------------------------------
 */

static void say(FILE *err, const struct pmc_opt_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(FILE *err, const struct pmc_opt_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(err, "pmcopy %s: ", c->prog);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
    va_end(ap);
}

static const struct pmc_opt *find_long(const struct pmc_opt_cmd *c,
                                       const char *name, size_t n)
{
    for (size_t i = 0; i < c->nopts; i++) {
        const struct pmc_opt *o = &c->opts[i];
        if (o->type >= PMC_OPT_HELP && strlen(o->name) == n &&
            !memcmp(o->name, name, n))
            return o;
    }
    return NULL;
}

static const struct pmc_opt *find_short(const struct pmc_opt_cmd *c, char s)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (c->opts[i].type >= PMC_OPT_HELP && c->opts[i].shrt == s)
            return &c->opts[i];
    return NULL;
}

/* The nearest long option to `name`, or NULL when none is near. */
static const char *suggest(const struct pmc_opt_cmd *c, const char *name,
                           char *buf, size_t cap)
{
    int best = 100;
    const char *pick = NULL;
    size_t n = strlen(name);
    int limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
    for (size_t i = 0; i < c->nopts; i++) {
        const struct pmc_opt *o = &c->opts[i];
        if (o->type < PMC_OPT_HELP)
            continue;
        int d = pmc_opt_distance(name, o->name);
        if (d < best) {
            best = d;
            pick = o->name;
        }
    }
    if (c->cfg) {
        static const char *const extra[] = {"config", "traders", "trader",
                                            "set", "help-config"};
        for (size_t i = 0; i < PMC_ARRAY_LEN(extra); i++) {
            int d = pmc_opt_distance(name, extra[i]);
            if (d < best) {
                best = d;
                pick = extra[i];
            }
        }
        const char *k;
        for (size_t i = 0; (k = pmc_config_key_name(i)) != NULL; i++) {
            char dashed[64];
            snprintf(dashed, sizeof dashed, "%s", k);
            for (char *p = dashed; *p; p++)
                if (*p == '_')
                    *p = '-';
            int d = pmc_opt_distance(name, dashed);
            if (d < best) {
                best = d;
                snprintf(buf, cap, "%s", dashed);
                pick = buf;
            }
        }
    }
    return best <= limit ? pick : NULL;
}

static int take_int(const struct pmc_opt *o, const char *v, char *err,
                    size_t cap)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || !*v || x < o->lo || x > o->hi) {
        snprintf(err, cap, "--%s %s: an integer in [%" PRId64 ", %" PRId64 "]",
                 o->name, v, o->lo, o->hi);
        return -1;
    }
    *(int64_t *)o->target = x;
    return 0;
}

/* Apply option o with value v (NULL for a flag). */
static int apply(const struct pmc_opt_cmd *c, const struct pmc_opt *o,
                 const char *v, FILE *err)
{
    char msg[512];
    msg[0] = '\0';
    int k = 0;
    switch (o->type) {
    case PMC_OPT_HELP:
        pmc_opt_help(c, stdout);
        return PMC_OPT_DONE;
    case PMC_OPT_FLAG:
        *(int *)o->target = o->ival;
        return PMC_OPT_OK;
    case PMC_OPT_STR:
        *(const char **)o->target = v;
        return PMC_OPT_OK;
    case PMC_OPT_INT:
        k = take_int(o, v, msg, sizeof msg);
        break;
    case PMC_OPT_CALL:
        k = o->fn(o, v, msg, sizeof msg);
        break;
    case PMC_OPT_SECTION:
    case PMC_OPT_NOTE:
        break;
    }
    if (k < 0) {
        say(err, c, "%s", msg);
        return PMC_OPT_USAGE;
    }
    return k > 0 ? PMC_OPT_DONE : PMC_OPT_OK;
}

/* STR and INT always take a value; a handler when it names one. */
static int takes_value(const struct pmc_opt *o)
{
    return o->type == PMC_OPT_STR || o->type == PMC_OPT_INT ||
           (o->type == PMC_OPT_CALL && o->arg != NULL);
}

/* A long option (s points past "--"). *i is at it; advanced past its
 * value when that is the next argument. */
static int take_long(const struct pmc_opt_cmd *c, const char *s, int argc,
                     char **argv, int *i, FILE *err)
{
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    const char *v = eq ? eq + 1 : NULL;
    const struct pmc_opt *o = find_long(c, s, n);
    int cfg = !o && c->cfg && pmc_config_is_flag(s, n);
    if (!o && c->cfg && n == 11 && !memcmp(s, "help-config", n)) {
        pmc_config_print_keys(stdout);
        return PMC_OPT_DONE;
    }
    if (!o && !cfg) {
        char name[64], buf[64];
        snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), s);
        const char *near = suggest(c, name, buf, sizeof buf);
        if (near)
            say(err, c, "unknown option '--%s' (did you mean '--%s'?)", name,
                near);
        else
            say(err, c, "unknown option '--%s' (see --help)", name);
        return PMC_OPT_USAGE;
    }
    int wants = cfg || takes_value(o);
    if (!wants && v) {
        say(err, c, "option '--%s' takes no value", o->name);
        return PMC_OPT_USAGE;
    }
    if (wants && !v) {
        if (*i + 1 >= argc) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), s);
            say(err, c, "option '--%s' needs a value", name);
            return PMC_OPT_USAGE;
        }
        v = argv[++*i];
    }
    if (cfg) {
        char msg[512];
        if (pmc_config_take_named(c->cfg, s, n, v, msg, sizeof msg) < 0) {
            say(err, c, "%s", msg);
            return PMC_OPT_USAGE;
        }
        return PMC_OPT_OK;
    }
    return apply(c, o, v, err);
}

int pmc_opt_parse(const struct pmc_opt_cmd *c, int argc, char **argv,
                  int *nargs, FILE *err)
{
    if (!err)
        err = stderr;
    int npos = 0, only_args = 0;
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        int r;
        if (only_args || s[0] != '-' || s[1] == '\0') {
            argv[++npos] = s; /* npos < i: nothing unread is overwritten */
            continue;
        }
        if (!strcmp(s, "--")) {
            only_args = 1;
            continue;
        }
        if (s[1] == '-') {
            r = take_long(c, s + 2, argc, argv, &i, err);
        } else {
            const struct pmc_opt *o = find_short(c, s[1]);
            if (!o) {
                say(err, c, "unknown option '%s' (see --help)", s);
                return PMC_OPT_USAGE;
            }
            const char *v = NULL;
            if (takes_value(o)) {
                if (s[2])
                    v = s + 2;
                else if (i + 1 < argc)
                    v = argv[++i];
                else {
                    say(err, c, "option '%s' needs a value", s);
                    return PMC_OPT_USAGE;
                }
            } else if (s[2]) {
                say(err, c, "unknown option '%s' (see --help)", s);
                return PMC_OPT_USAGE;
            }
            r = apply(c, o, v, err);
        }
        if (r != PMC_OPT_OK)
            return r;
    }
    *nargs = npos;
    return PMC_OPT_OK;
}

int pmc_opt_ms(const struct pmc_opt *opt, const char *v, char *err, size_t cap)
{
    size_t n = strlen(v);
    int secs = n > 1 && v[n - 1] == 's' && !(n > 2 && v[n - 2] == 'm');
    if (n > 2 && v[n - 1] == 's' && v[n - 2] == 'm')
        n -= 2;
    else if (secs)
        n -= 1;
    pmc_micros x;
    if (pmc_dec_parse(v, n, &x) != PMC_OK || x < 0 ||
        x > (pmc_micros)86400000 * PMC_MICRO) {
        snprintf(err, cap,
                 "--%s %s: milliseconds in [0, 86400000] (or seconds with "
                 "an s suffix: 0.4s)",
                 opt->name, v);
        return -1;
    }
    if (secs)
        x *= 1000;
    pmc_ms ms = (x + PMC_MICRO / 2) / PMC_MICRO;
    if (opt->ival) /* --latency: every source kind */
        for (int k = 0; k < 4; k++)
            ((pmc_ms *)opt->target)[k] = ms;
    else
        *(pmc_ms *)opt->target = ms;
    return 0;
}

int pmc_opt_dec(const struct pmc_opt *opt, const char *v, char *err, size_t cap)
{
    pmc_micros *out = opt->target;
    if (pmc_dec_parse(v, strlen(v), out) != PMC_OK || *out < opt->lo ||
        *out > opt->hi) {
        char a[32], b[32];
        pmc_dec_format(opt->lo, a);
        pmc_dec_format(opt->hi, b);
        snprintf(err, cap, "--%s %s: a decimal in [%s, %s]", opt->name, v, a,
                 b);
        return -1;
    }
    return 0;
}
