/* research/fetch/activity.c - the /activity window pager (the transition
 * table is in activity.h). */
#include "research/fetch/activity.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/fetch/rows.h"

enum st { ST_START, ST_V2PAGE, ST_PAGE, ST_DONE };

struct win {
    int64_t s, e;
};

struct act {
    struct pmc_fx_job j;
    struct pmc_fx_act_cfg *cfg;
    char addr[64];
    enum st st;
    int v2; /* this window is paged on the v2 route */
    struct win *stack;
    size_t nstack, capstack;
    struct win cur;
    int64_t offset;
    char cursor[512];
    json_t *pending; /* rows of the current window */
};

static int push(struct act *a, int64_t s, int64_t e)
{
    if (a->nstack == a->capstack) {
        size_t nc = a->capstack ? a->capstack * 2 : 16;
        struct win *n = realloc(a->stack, nc * sizeof *n);
        if (!n)
            return 0;
        a->stack = n;
        a->capstack = nc;
    }
    a->stack[a->nstack].s = s;
    a->stack[a->nstack].e = e;
    a->nstack++;
    return 1;
}

static int fail(struct act *a, const char *what, long status)
{
    if (status)
        snprintf(a->j.msg, sizeof a->j.msg, "%s: HTTP status %ld", a->j.name,
                 status);
    else
        snprintf(a->j.msg, sizeof a->j.msg, "%s: %s", a->j.name,
                 what ? what : "failed");
    a->j.failed = 1;
    return -1;
}

static void url_of(const struct act *a, int v2, int64_t offset,
                   const char *cursor, struct pmc_fx_step *s)
{
    if (v2) {
        s->route = "v2-activity";
        snprintf(s->pathq, sizeof s->pathq,
                 "/v2/activity?user=%s&start=%" PRId64 "&end=%" PRId64
                 "&limit=%d%s%s",
                 a->addr, a->cur.s, a->cur.e, a->cfg->limit,
                 cursor[0] ? "&cursor=" : "", cursor);
    } else {
        s->route = "activity";
        snprintf(s->pathq, sizeof s->pathq,
                 "/activity?user=%s&start=%" PRId64 "&end=%" PRId64
                 "&limit=%d&offset=%" PRId64
                 "&sortBy=TIMESTAMP&sortDirection=ASC",
                 a->addr, a->cur.s, a->cur.e, a->cfg->limit, offset);
    }
    s->fam = PMC_FX_DATA;
    s->sealed = a->cur.e < a->j.now_s - 3600;
}

static int next(struct pmc_fx_job *j, struct pmc_fx_step *s)
{
    struct act *a = (struct act *)j;
    if (a->st == ST_DONE)
        return PMC_FX_NEXT_DONE;
    if (a->st == ST_START) {
        if (a->nstack == 0) {
            a->st = ST_DONE;
            j->done = 1;
            return PMC_FX_NEXT_DONE;
        }
        a->cur = a->stack[--a->nstack];
        a->offset = 0;
        a->cursor[0] = '\0';
        json_array_clear(a->pending);
        a->v2 = a->cfg->v2 != 0;
        if (a->v2 && a->cfg->v2 < 0) {
            /* route unknown: a window a run already finished on one route
             * is read from the cache on that route, without a probe */
            url_of(a, 1, 0, "", s);
            int v2c = s->sealed || j->offline
                          ? j->cached(j->cached_ctx, s->route, s->pathq)
                          : 0;
            url_of(a, 0, 0, "", s);
            int lc = s->sealed || j->offline
                         ? j->cached(j->cached_ctx, s->route, s->pathq)
                         : 0;
            if (!v2c && lc)
                a->v2 = 0;
        }
        a->st = a->v2 ? ST_V2PAGE : ST_PAGE;
    }
    url_of(a, a->v2, a->offset, a->cursor, s);
    return PMC_FX_NEXT_STEP;
}

static int commit(struct act *a)
{
    if (json_array_extend(a->j.rows, a->pending) != 0)
        return fail(a, "out of memory", 0);
    json_array_clear(a->pending);
    a->st = ST_START;
    return 0;
}

static int split(struct act *a)
{
    if (a->cur.e <= a->cur.s) {
        /* one second holds more rows than the offset cap reaches */
        a->j.overflows++;
        char b[sizeof a->j.msg];
        snprintf(b, sizeof b,
                 "%s: second %" PRId64 " holds more than %zu rows (the "
                 "offset cap); rows past it cannot be fetched",
                 a->j.name, a->cur.s, json_array_size(a->pending));
        if (!a->j.msg[0])
            snprintf(a->j.msg, sizeof a->j.msg, "%s", b);
        return commit(a);
    }
    int64_t m = a->cur.s + (a->cur.e - a->cur.s) / 2;
    if (!push(a, m + 1, a->cur.e) || !push(a, a->cur.s, m))
        return fail(a, "out of memory", 0);
    json_array_clear(a->pending);
    a->st = ST_START;
    return 0;
}

static int feed(struct pmc_fx_job *j, long status, const char *body, size_t len,
                uint64_t *rows)
{
    struct act *a = (struct act *)j;
    *rows = 0;
    if (a->st == ST_V2PAGE && (status == 404 || status == 400) &&
        !a->cursor[0] && a->cfg->v2 != 1) {
        a->cfg->v2 = 0;
        if (!push(a, a->cur.s, a->cur.e)) /* again, on the legacy route */
            return fail(a, "out of memory", 0);
        a->st = ST_START;
        return PMC_FX_FEED_OK;
    }
    if (a->st == ST_PAGE && status == 400 && a->offset > 0)
        return split(a) ? PMC_FX_FEED_FAIL : PMC_FX_FEED_OK;
    if (status != 200)
        return fail(a, NULL, status);
    struct pmc_fx_page p;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    if (pmc_fx_page_parse(body, len, &p, &err) != PMC_OK) {
        char m[300];
        snprintf(m, sizeof m, "bad page: %s", err.msg);
        fail(a, m, 0);
        a->j.failed = 0; /* the driver may ask again */
        return PMC_FX_FEED_BADBODY;
    }
    size_t n = json_array_size(p.rows);
    *rows = n;
    if (json_array_extend(a->pending, p.rows) != 0) {
        pmc_fx_page_free(&p);
        return fail(a, "out of memory", 0);
    }
    int rc = 0;
    if (a->st == ST_V2PAGE) {
        if (a->cfg->v2 < 0)
            a->cfg->v2 = 1;
        if (p.has_more != 0 && p.cursor[0] && n > 0)
            memcpy(a->cursor, p.cursor, sizeof a->cursor);
        else
            rc = commit(a);
    } else if (n < (size_t)a->cfg->limit) {
        rc = commit(a);
    } else if (a->offset + a->cfg->limit > a->cfg->offset_cap) {
        rc = split(a);
    } else {
        a->offset += a->cfg->limit;
    }
    pmc_fx_page_free(&p);
    return rc ? PMC_FX_FEED_FAIL : PMC_FX_FEED_OK;
}

static void act_free(struct pmc_fx_job *j)
{
    struct act *a = (struct act *)j;
    free(a->stack);
    if (a->pending)
        json_decref(a->pending);
    if (j->rows)
        json_decref(j->rows);
    free(a);
}

struct pmc_fx_job *pmc_fx_activity_job(struct pmc_fx_act_cfg *cfg,
                                       const char *addr, int64_t since,
                                       int64_t until)
{
    struct act *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cfg = cfg;
    snprintf(a->addr, sizeof a->addr, "%s", addr);
    a->j.next = next;
    a->j.feed = feed;
    a->j.free = act_free;
    a->j.rows = json_array();
    a->pending = json_array();
    snprintf(a->j.name, sizeof a->j.name,
             "activity of %s in [%" PRId64 ",%" PRId64 "]", addr, since, until);
    if (!a->j.rows || !a->pending || !push(a, since, until)) {
        act_free(&a->j);
        return NULL;
    }
    return &a->j;
}
