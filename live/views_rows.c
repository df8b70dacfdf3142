/* live/views_rows.c - the views that list rows as JSON, for the read API
 * and the CLI: fills, skips (from the journal) and the counts of /stats,
 * each with its limit and a cut answer that says where it stopped.
 *
 * Decides: their JSON layout (fields only ever added at the end) and the
 * limits. Never writes to the store or reads a clock. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "live/store.h"
#include "live/views.h"
#include "live/views_int.h"
#include "proto/jsonout.h"
#include "proto/tapeio.h"

/* A walk with a row limit: `cut` once a row past it was met. */
struct rows_acc {
    const struct pmc_view_opts *o;
    FILE *out;
    size_t n;
    int cut;
    pmc_ms next; /* the time of the first row left out */
    pmc_micros cost, fees;
    uint64_t counts[PMC_SKIP_COUNT];
    int bad; /* a journal line that does not parse */
    struct pmc_tape_err te;
};

/* An empty accumulator for o's rows on out, the object and its list opened. */
static void rows_begin(struct rows_acc *a, const struct pmc_view_opts *o,
                       FILE *out, const char *list)
{
    memset(a, 0, sizeof *a);
    a->o = o;
    a->out = out;
    fprintf(out, "{\n  \"%s\": [", list);
}

/* 1 when the row is past the limit (the walk stops). */
static int rows_full(struct rows_acc *a, pmc_ms t)
{
    if (a->o->limit && a->n == a->o->limit) {
        a->cut = 1;
        a->next = t;
        return 1;
    }
    return 0;
}

static void rows_tail(const struct rows_acc *a, const char *what)
{
    FILE *out = a->out;
    fprintf(out, "  \"%s\": %zu", what, a->n);
    if (a->o->limit) {
        fprintf(out, ",\n  \"limit\": %zu, \"truncated\": %s", a->o->limit,
                a->cut ? "true" : "false");
        if (a->cut)
            fprintf(out, ", \"next_since\": %" PRId64, a->next);
    }
}

static int print_fill(void *ctx, const struct pmc_store_fill_row *r)
{
    struct rows_acc *a = ctx;
    FILE *out = a->out;
    if (r->t < a->o->filter.since)
        return 0;
    if (rows_full(a, r->t))
        return 1;
    char b[4][32];
    fputs(a->n ? ",\n    {" : "\n    {", out);
    fputs("\"coid\": ", out);
    pmc_json_str(out, r->coid);
    fputs(", \"trade_id\": ", out);
    pmc_json_str(out, r->trade_id);
    fputs(", \"token\": ", out);
    pmc_json_str(out, r->token);
    fprintf(out,
            ", \"side\": \"%s\", \"sz\": %s, \"px\": %s, \"cost\": %s, "
            "\"fee\": %s, \"t\": %" PRId64 ", \"source_removed\": %" PRId64,
            pmc_side_name(r->side), pmc__view_dec(r->sz, b[0]),
            pmc__view_dec(r->px, b[1]), pmc__view_dec(r->cost, b[2]),
            pmc__view_dec(r->fee, b[3]), r->t, r->removed);
    /* a fill the venue took back (its trade FAILED): shown, not totalled */
    if (r->failed_t)
        fprintf(out, ", \"failed_t\": %" PRId64 "}", r->failed_t);
    else
        fputs(", \"failed_t\": null}", out);
    if (!r->failed_t) {
        a->cost += r->cost;
        a->fees += r->fee;
    }
    a->n++;
    return 0;
}

int pmc_view_fills(const struct pmc_view_opts *o)
{
    struct pmc_store *s = pmc__view_open(o, "fills");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct rows_acc a;
    rows_begin(&a, o, out, "fills");
    enum pmc_err e = pmc_store_fills_each(s, NULL, print_fill, &a);
    if (e == PMC_OK) {
        char b[2][32];
        fprintf(out, "%s  \"totals\": {\"cost\": %s, \"fees\": %s},\n",
                a.n ? "\n  ],\n" : "],\n", pmc__view_dec(a.cost, b[0]),
                pmc__view_dec(a.fees, b[1]));
        rows_tail(&a, "count");
        fputs("\n}\n", out);
    }
    return pmc__view_finish(o, s, e, "fills");
}

static int parse_skip(struct rows_acc *a, const char *line, size_t n,
                      struct pmc_record *rec)
{
    int has;
    if (pmc_tape_parse(line, n, rec, &has, &a->te) != PMC_OK || !has ||
        rec->kind != PMC_K_SKIP) {
        a->bad = 1;
        return -1;
    }
    return 0;
}

static int print_skip(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                      size_t n)
{
    struct rows_acc *a = ctx;
    struct pmc_record rec;
    if (parse_skip(a, line, n, &rec) < 0)
        return 1;
    if (a->o->skip_reason >= 0 && (int)rec.u.skip.reason != a->o->skip_reason)
        return 0;
    a->counts[rec.u.skip.reason]++;
    if (a->cut || rows_full(a, t))
        return 0; /* counted, not listed */
    FILE *out = a->out;
    fputs(a->n ? ",\n    {" : "\n    {", out);
    fprintf(out, "\"seq\": %" PRIu64 ", \"t\": %" PRId64 ", \"key\": ", seq, t);
    pmc_json_str(out, rec.u.skip.key.s);
    fprintf(out, ", \"reason\": \"%s\"}", pmc_skip_name(rec.u.skip.reason));
    a->n++;
    return 0;
}

static void print_counts(FILE *out, const uint64_t *c)
{
    fputs("{", out);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "",
                pmc_skip_name((enum pmc_skip_reason)i), c[i]);
    fputs("}", out);
}

int pmc_view_skips(const struct pmc_view_opts *o)
{
    struct pmc_store *s = pmc__view_open(o, "skips");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct rows_acc a;
    rows_begin(&a, o, out, "skips");
    enum pmc_err e =
        pmc_store_journal_each(s, "skip", o->filter.since, print_skip, &a);
    if (e == PMC_OK && a.bad) {
        pmc__view_err(o, "skips", "%s: a journal skip record: %s", o->db,
                      a.te.msg);
        pmc__view_close_quiet(s);
        return -1;
    }
    if (e == PMC_OK) {
        fputs(a.n ? "\n  ],\n  \"by_reason\": " : "],\n  \"by_reason\": ", out);
        print_counts(out, a.counts);
        fputs(",\n", out);
        rows_tail(&a, "count");
        fputs("\n}\n", out);
    }
    return pmc__view_finish(o, s, e, "skips");
}

struct stat_acc {
    struct pmc__stage_acc st;
    uint64_t by_status[PMC_OS_COUNT], fills;
    pmc_micros filled_cost, fees;
    struct rows_acc sk;
};

static int count_order(void *ctx, const struct pmc_store_order_row *r)
{
    struct stat_acc *a = ctx;
    a->by_status[r->status]++;
    a->filled_cost += r->filled_cost;
    a->fees += r->fees;
    a->fills += (uint64_t)r->nfills;
    return pmc__view_add_stages(&a->st, r);
}

static int count_skip(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                      size_t n)
{
    (void)seq;
    (void)t;
    struct rows_acc *a = ctx;
    struct pmc_record rec;
    if (parse_skip(a, line, n, &rec) < 0)
        return 1;
    a->counts[rec.u.skip.reason]++;
    return 0;
}

int pmc_view_stats(const struct pmc_view_opts *o)
{
    struct pmc_store *s = pmc__view_open(o, "stats");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct stat_acc *a = calloc(1, sizeof *a);
    if (!a) {
        pmc__view_err(o, "stats", "out of memory");
        pmc__view_close_quiet(s);
        return -1;
    }
    a->sk.o = o;
    enum pmc_err e = pmc_store_orders_each(s, &o->filter, count_order, a);
    if (e == PMC_OK && a->st.oom)
        e = PMC_ENOMEM;
    pmc_ms last = 0;
    if (e == PMC_OK)
        e = pmc_store_journal_each(s, "skip", o->filter.since, count_skip,
                                   &a->sk);
    if (e == PMC_OK)
        e = pmc_store_last_time(s, &last);
    if (e == PMC_OK && a->sk.bad) {
        pmc__view_err(o, "stats", "%s: a journal skip record: %s", o->db,
                      a->sk.te.msg);
        for (int i = 0; i < PMC__VIEW_NSTAGES; i++)
            free(a->st.v[i]);
        free(a);
        pmc__view_close_quiet(s);
        return -1;
    }
    if (e == PMC_OK) {
        char b[2][32];
        uint64_t n = 0, sk = 0;
        for (int i = 0; i < PMC_OS_COUNT; i++)
            n += a->by_status[i];
        for (int i = 0; i < PMC_SKIP_COUNT; i++)
            sk += a->sk.counts[i];
        fputs("{\n  \"now\": ", out);
        pmc__view_json_ms(out, last);
        fprintf(out, ",\n  \"orders\": %" PRIu64 ",\n  \"orders_by_status\": {",
                n);
        for (int i = 0; i < PMC_OS_COUNT; i++)
            fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "",
                    pmc_order_status_name((enum pmc_order_status)i),
                    a->by_status[i]);
        fprintf(out,
                "},\n  \"fills\": %" PRIu64 ", \"filled_cost\": %s, "
                "\"fees\": %s,\n  \"skips\": %" PRIu64
                ",\n  \"skips_by_reason\": ",
                a->fills, pmc__view_dec(a->filled_cost, b[0]),
                pmc__view_dec(a->fees, b[1]), sk);
        print_counts(out, a->sk.counts);
        fputs(",\n", out);
        pmc__view_print_stages(out, &a->st, -PMC_VIEW_JSON);
    } else {
        for (int i = 0; i < PMC__VIEW_NSTAGES; i++)
            free(a->st.v[i]);
    }
    free(a);
    return pmc__view_finish(o, s, e, "stats");
}
