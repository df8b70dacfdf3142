/* proto/tapeio.c - buffered tape reader and writer over stdio. */
#include "proto/tapeio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (1u << 20)

enum pmc_err pmc_tape_reader_init(struct pmc_tape_reader *r, FILE *f,
                                  const char *name)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name;
    r->cap = READ_CHUNK + PMC_TAPE_LINE_MAX + 2;
    r->buf = malloc(r->cap);
    r->check_order = 1;
    r->last_t = INT64_MIN;
    return r->buf ? PMC_OK : PMC_ENOMEM;
}

void pmc_tape_reader_fini(struct pmc_tape_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

static int fill(struct pmc_tape_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->eof || r->end == r->cap)
        return 0;
    size_t n = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
    if (n == 0) {
        if (ferror(r->f)) {
            snprintf(r->err, sizeof r->err, "%s: read error: %s", r->name,
                     strerror(errno));
            return -1;
        }
        r->eof = 1;
    }
    r->end += n;
    return (int)n;
}

/* The next line in [*s, *s+*n) without its newline: 1, 0 at EOF, -1. */
static int next_line(struct pmc_tape_reader *r, const char **s, size_t *n)
{
    for (;;) {
        char *b = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(b, '\n', avail);
        if (nl) {
            *s = b;
            *n = (size_t)(nl - b);
            r->start += *n + 1;
            r->line++;
            break;
        }
        if (avail > PMC_TAPE_LINE_MAX) {
            snprintf(r->err, sizeof r->err,
                     "%s:%llu: line too long (more than %d bytes)", r->name,
                     (unsigned long long)r->line + 1, PMC_TAPE_LINE_MAX);
            return -1;
        }
        if (r->eof) {
            if (avail == 0)
                return 0;
            *s = b; /* last line without a newline */
            *n = avail;
            r->start = r->end;
            r->line++;
            break;
        }
        if (fill(r) < 0)
            return -1;
    }
    if (*n > PMC_TAPE_LINE_MAX) {
        snprintf(r->err, sizeof r->err,
                 "%s:%llu: line too long (more than %d bytes)", r->name,
                 (unsigned long long)r->line, PMC_TAPE_LINE_MAX);
        return -1;
    }
    return 1;
}

int pmc_tape_next(struct pmc_tape_reader *r, struct pmc_record *rec)
{
    const char *s;
    size_t n;
    for (;;) {
        int k = next_line(r, &s, &n);
        if (k <= 0) {
            if (k == 0 && !r->header_seen) {
                snprintf(r->err, sizeof r->err,
                         "%s: empty input: a tape starts with '%s'", r->name,
                         PMC_TAPE_HEADER);
                return -1;
            }
            return k;
        }
        if (!r->header_seen) {
            size_t hl = strlen(PMC_TAPE_HEADER);
            if (n && s[n - 1] == '\r')
                n--;
            if (n < hl || memcmp(s, PMC_TAPE_HEADER, hl) != 0 ||
                (n > hl && s[hl] != ' ')) {
                snprintf(r->err, sizeof r->err,
                         "%s:%llu: not a pmcopy tape: the first line must be "
                         "'%s'",
                         r->name, (unsigned long long)r->line, PMC_TAPE_HEADER);
                return -1;
            }
            r->header_seen = 1;
            continue;
        }
        int has;
        struct pmc_tape_err e;
        if (pmc_tape_parse(s, n, rec, &has, &e) != PMC_OK) {
            snprintf(r->err, sizeof r->err, "%s:%llu: %s", r->name,
                     (unsigned long long)r->line, e.msg);
            return -1;
        }
        if (!has)
            continue;
        if (r->check_order && rec->t < r->last_t) {
            snprintf(r->err, sizeof r->err,
                     "%s:%llu: t=%lld goes back in time (previous record had "
                     "t=%lld; records must be in non-decreasing t)",
                     r->name, (unsigned long long)r->line, (long long)rec->t,
                     (long long)r->last_t);
            return -1;
        }
        r->last_t = rec->t;
        r->cur = s;
        r->cur_len = n;
        return 1;
    }
}

int pmc_tape_write(FILE *f, const struct pmc_record *rec)
{
    static _Thread_local char buf[PMC_TAPE_LINE_MAX + 2];
    size_t n = pmc_tape_format(rec, buf, sizeof buf);
    if (n == 0) {
        errno = EOVERFLOW;
        return -1;
    }
    return fwrite(buf, 1, n, f) == n ? 0 : -1;
}

static enum pmc_err tape_source_next(void *self, pmc_ms deadline,
                                     struct pmc_record *ev)
{
    struct pmc_tape_source *ts = self;
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

void pmc_tape_source_init(struct pmc_tape_source *ts, struct pmc_source *src,
                          struct pmc_tape_reader *r)
{
    memset(ts, 0, sizeof *ts);
    ts->r = r;
    src->self = ts;
    src->next = tape_source_next;
    src->clock = NULL;
}
