/* research/fetch/pagers.c - offset, Gamma and prices pagers (see
 * pagers.h). */
#include "research/fetch/pagers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/wire/json_exact.h"
#include "research/fetch/rows.h"

static int fail(struct pmc_fx_job *j, const char *what, long status)
{
    if (status)
        snprintf(j->msg, sizeof j->msg, "%s: HTTP status %ld", j->name, status);
    else
        snprintf(j->msg, sizeof j->msg, "%s: %s", j->name,
                 what ? what : "failed");
    j->failed = 1;
    return PMC_FX_FEED_FAIL;
}

static int bad_body(struct pmc_fx_job *j, const struct pmc_wire_err *e)
{
    snprintf(j->msg, sizeof j->msg, "%s: bad page: %s", j->name, e->msg);
    return PMC_FX_FEED_BADBODY;
}

static void base_free(struct pmc_fx_job *j)
{
    if (j->rows)
        json_decref(j->rows);
    free(j);
}

/* ---- offset pager ------------------------------------------------------ */

struct offp {
    struct pmc_fx_job j;
    enum pmc_fx_family fam;
    const char *route;
    char prefix[PMC_FX_URL_MAX - 64];
    int limit, cap, cap_is_end, sealed, cur_limit;
    int64_t offset, stop_before, total;
    char v2_prefix[PMC_FX_URL_MAX - 600];
    char cursor[512];
    int *v2, on_v2;
};

/* does a row of the page lie before second t? */
static int older_than(const json_t *rows, int64_t t)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        int64_t ts;
        if (pmc_json_int(json_object_get(r, "timestamp"), &ts) != PMC_OK)
            continue;
        if (ts >= 100000000000LL)
            ts /= 1000;
        if (ts < t)
            return 1;
    }
    return 0;
}

static int off_next(struct pmc_fx_job *j, struct pmc_fx_step *s)
{
    struct offp *o = (struct offp *)j;
    int64_t have = (int64_t)json_array_size(j->rows);
    if (o->total > 0 && have >= o->total)
        j->done = 1;
    if (j->done)
        return PMC_FX_NEXT_DONE;
    o->cur_limit = o->limit;
    if (o->total > 0 && o->total - have < o->limit)
        o->cur_limit = (int)(o->total - have);
    s->fam = o->fam;
    s->route = o->route;
    s->sealed = o->sealed;
    o->on_v2 = o->v2 && *o->v2 != 0;
    if (o->on_v2) {
        s->route = "v2-trades";
        snprintf(s->pathq, sizeof s->pathq, "%s&limit=%d%s%s", o->v2_prefix,
                 o->cur_limit, o->cursor[0] ? "&cursor=" : "", o->cursor);
        return PMC_FX_NEXT_STEP;
    }
    snprintf(s->pathq, sizeof s->pathq, "%s&limit=%d&offset=%" PRId64,
             o->prefix, o->cur_limit, o->offset);
    return PMC_FX_NEXT_STEP;
}

static void off_end(struct offp *o, size_t served)
{
    o->j.done = 1;
    if (o->cap_is_end)
        return;
    o->j.overflows++;
    snprintf(o->j.msg, sizeof o->j.msg,
             "%s: more than %zu rows; the offset cap (%d) hides the rest",
             o->j.name, served, o->cap);
}

static int off_feed(struct pmc_fx_job *j, long status, const char *body,
                    size_t len, uint64_t *rows)
{
    struct offp *o = (struct offp *)j;
    *rows = 0;
    if (o->on_v2 && (status == 404 || status == 400) && !o->cursor[0] &&
        *o->v2 != 1) {
        *o->v2 = 0; /* no cursor route: by offset */
        return PMC_FX_FEED_OK;
    }
    if (!o->on_v2 && status == 400 && o->offset > 0) {
        off_end(o, json_array_size(j->rows));
        return PMC_FX_FEED_OK;
    }
    if (status != 200)
        return fail(j, NULL, status);
    struct pmc_fx_page p;
    struct pmc_wire_err e;
    memset(&e, 0, sizeof e);
    if (pmc_fx_page_parse(body, len, &p, &e) != PMC_OK)
        return bad_body(j, &e);
    size_t n = json_array_size(p.rows);
    *rows = n;
    int ok = json_array_extend(j->rows, p.rows) == 0;
    int older = o->stop_before > 0 && older_than(p.rows, o->stop_before);
    if (o->on_v2) {
        if (*o->v2 < 0)
            *o->v2 = 1;
        if (ok && !older && p.has_more != 0 && p.cursor[0] && n > 0)
            memcpy(o->cursor, p.cursor, sizeof o->cursor);
        else
            j->done = 1;
        pmc_fx_page_free(&p);
        return ok ? PMC_FX_FEED_OK : fail(j, "out of memory", 0);
    }
    pmc_fx_page_free(&p);
    if (!ok)
        return fail(j, "out of memory", 0);
    if (n < (size_t)o->cur_limit || older)
        j->done = 1;
    else if (o->offset + o->cur_limit > o->cap)
        off_end(o, json_array_size(j->rows));
    else
        o->offset += o->cur_limit;
    return PMC_FX_FEED_OK;
}

struct pmc_fx_job *pmc_fx_offset_job(enum pmc_fx_family fam, const char *route,
                                     const char *prefix, int limit, int cap,
                                     int cap_is_end, int sealed,
                                     int64_t stop_before, const char *name)
{
    struct offp *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    if (strlen(prefix) >= sizeof o->prefix) {
        free(o);
        return NULL;
    }
    snprintf(o->prefix, sizeof o->prefix, "%s", prefix);
    o->fam = fam;
    o->route = route;
    o->limit = limit;
    o->cap = cap;
    o->cap_is_end = cap_is_end;
    o->sealed = sealed;
    o->stop_before = stop_before;
    o->j.next = off_next;
    o->j.feed = off_feed;
    o->j.free = base_free;
    o->j.rows = json_array();
    snprintf(o->j.name, sizeof o->j.name, "%s", name);
    if (!o->j.rows) {
        free(o);
        return NULL;
    }
    return &o->j;
}

void pmc_fx_offset_v2(struct pmc_fx_job *j, const char *v2_prefix, int *v2)
{
    struct offp *o = (struct offp *)j;
    snprintf(o->v2_prefix, sizeof o->v2_prefix, "%s", v2_prefix);
    o->v2 = v2;
}

void pmc_fx_offset_total(struct pmc_fx_job *j, int64_t total)
{
    ((struct offp *)j)->total = total;
}

/* ---- Gamma /markets by ids ---------------------------------------------- */

struct batch {
    size_t at, n;
};

struct gam {
    struct pmc_fx_job j;
    char key[24];
    char **ids;
    char *found;
    size_t nids, max_path;
    int pass;      /* 0 closed=true (sealed), 1 closed=false, 2 closed=true
                 (not sealed: closed since a cached answer), 3 done */
    size_t cursor; /* next id not yet in a batch of this pass */
    struct batch cur, *queue; /* halves of a 414'd batch wait here */
    size_t nqueue;
};

static size_t build(struct gam *g, struct batch b, char *out, size_t cap)
{
    int n = snprintf(out, cap, "/markets?");
    size_t k = (size_t)n;
    int comma = !strcmp(g->key, "condition_ids");
    int first = 1;
    for (size_t i = b.at; i < b.at + b.n; i++) {
        if (g->found[i])
            continue;
        int w = comma ? snprintf(out + k, cap - k, "%s%s",
                                 first ? "condition_ids=" : ",", g->ids[i])
                      : snprintf(out + k, cap - k, "%sclob_token_ids=%s",
                                 first ? "" : "&", g->ids[i]);
        if (w < 0 || (size_t)w >= cap - k)
            return 0;
        k += (size_t)w;
        first = 0;
    }
    int w = snprintf(out + k, cap - k, "&closed=%s&limit=%zu",
                     g->pass == 1 ? "false" : "true", b.n);
    if (w < 0 || (size_t)w >= cap - k)
        return 0;
    return k + (size_t)w;
}

static int gam_next(struct pmc_fx_job *j, struct pmc_fx_step *s)
{
    struct gam *g = (struct gam *)j;
    for (;;) {
        if (g->pass >= 3) {
            size_t missing = 0;
            for (size_t i = 0; i < g->nids; i++)
                missing += !g->found[i];
            if (missing && !j->msg[0])
                snprintf(j->msg, sizeof j->msg,
                         "note: %s: %zu of the ids are on no Gamma market "
                         "(their tokens keep the tape's defaults)",
                         j->name, missing);
            j->done = 1;
            return PMC_FX_NEXT_DONE;
        }
        if (g->nqueue) {
            g->cur = g->queue[--g->nqueue];
        } else {
            while (g->cursor < g->nids && g->found[g->cursor])
                g->cursor++;
            if (g->cursor >= g->nids) {
                g->pass++;
                g->cursor = 0;
                continue;
            }
            /* as many ids as fit: at most 50, path within max_path */
            struct batch b = {g->cursor, 0};
            size_t cnt = 0;
            while (b.at + b.n < g->nids && cnt < 50) {
                struct batch t = {b.at, b.n + 1};
                char tmp[PMC_FX_URL_MAX];
                size_t len = build(g, t, tmp, sizeof tmp);
                if (cnt > 0 && (len == 0 || len > g->max_path))
                    break;
                if (!g->found[b.at + b.n])
                    cnt++;
                b.n++;
            }
            g->cursor = b.at + b.n;
            g->cur = b;
        }
        size_t len = build(g, g->cur, s->pathq, sizeof s->pathq);
        if (len == 0) {
            snprintf(j->msg, sizeof j->msg, "%s: id too long", j->name);
            j->failed = 1;
            return PMC_FX_NEXT_FAIL;
        }
        if (strstr(s->pathq, "?&") || !strchr(s->pathq, '='))
            continue;
        s->fam = PMC_FX_GAMMA;
        s->route = "markets";
        s->sealed = g->pass == 0;
        return PMC_FX_NEXT_STEP;
    }
}

static void mark_found(struct gam *g, const json_t *m)
{
    int comma = !strcmp(g->key, "condition_ids");
    size_t n;
    const char *v = pmc_json_text(
        json_object_get(m, comma ? "conditionId" : "clobTokenIds"), &n);
    if (!v)
        return;
    for (size_t i = g->cur.at; i < g->cur.at + g->cur.n; i++) {
        size_t il = strlen(g->ids[i]);
        if (comma ? (n == il && !strncasecmp(v, g->ids[i], n))
                  : (memmem(v, n, g->ids[i], il) != NULL))
            g->found[i] = 1;
    }
}

static int gam_feed(struct pmc_fx_job *j, long status, const char *body,
                    size_t len, uint64_t *rows)
{
    struct gam *g = (struct gam *)j;
    *rows = 0;
    if (status == 414) {
        if (g->cur.n < 2)
            return fail(j, "a single id gives a URL too long (414)", 0);
        struct batch *q = realloc(g->queue, (g->nqueue + 2) * sizeof *g->queue);
        if (!q)
            return fail(j, "out of memory", 0);
        g->queue = q;
        size_t h = g->cur.n / 2;
        q[g->nqueue++] = (struct batch){g->cur.at + h, g->cur.n - h};
        q[g->nqueue++] = (struct batch){g->cur.at, h};
        return PMC_FX_FEED_OK;
    }
    if (status != 200)
        return fail(j, NULL, status);
    struct pmc_fx_page p;
    struct pmc_wire_err e;
    memset(&e, 0, sizeof e);
    if (pmc_fx_page_parse(body, len, &p, &e) != PMC_OK)
        return bad_body(j, &e);
    size_t i;
    json_t *m;
    json_array_foreach(p.rows, i, m) if (json_is_object(m)) mark_found(g, m);
    *rows = json_array_size(p.rows);
    int ok = json_array_extend(j->rows, p.rows) == 0;
    pmc_fx_page_free(&p);
    return ok ? PMC_FX_FEED_OK : fail(j, "out of memory", 0);
}

static void gam_free(struct pmc_fx_job *j)
{
    struct gam *g = (struct gam *)j;
    for (size_t i = 0; i < g->nids; i++)
        free(g->ids[i]);
    free(g->ids);
    free(g->found);
    free(g->queue);
    base_free(j);
}

struct pmc_fx_job *pmc_fx_gamma_job(const char *key, const char *const *ids,
                                    size_t n, size_t max_path)
{
    struct gam *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    snprintf(g->key, sizeof g->key, "%s", key);
    g->ids = calloc(n ? n : 1, sizeof *g->ids);
    g->found = calloc(n ? n : 1, 1);
    g->nids = n;
    g->max_path = max_path;
    g->j.next = gam_next;
    g->j.feed = gam_feed;
    g->j.free = gam_free;
    g->j.rows = json_array();
    snprintf(g->j.name, sizeof g->j.name, "Gamma /markets by %s (%zu ids)", key,
             n);
    int ok = g->ids && g->found && g->j.rows;
    for (size_t i = 0; ok && i < n; i++)
        ok = (g->ids[i] = strdup(ids[i])) != NULL;
    if (!ok) {
        g->nids = g->ids ? n : 0;
        gam_free(&g->j);
        return NULL;
    }
    return &g->j;
}

/* ---- /prices-history ----------------------------------------------------- */

struct prc {
    struct pmc_fx_job j;
    char path[PMC_FX_URL_MAX];
    int64_t end;
};

static int prc_next(struct pmc_fx_job *j, struct pmc_fx_step *s)
{
    struct prc *p = (struct prc *)j;
    if (j->done)
        return PMC_FX_NEXT_DONE;
    s->fam = PMC_FX_CLOB;
    s->route = "prices-history";
    s->sealed = p->end < j->now_s - 3600;
    snprintf(s->pathq, sizeof s->pathq, "%s", p->path);
    return PMC_FX_NEXT_STEP;
}

static int prc_feed(struct pmc_fx_job *j, long status, const char *body,
                    size_t len, uint64_t *rows)
{
    *rows = 0;
    if (status != 200)
        return fail(j, NULL, status);
    json_t *doc;
    struct pmc_wire_err e;
    memset(&e, 0, sizeof e);
    if (pmc_json_exact_loads(body, len, &doc, &e) != PMC_OK)
        return bad_body(j, &e);
    json_t *h = json_is_object(doc) ? json_object_get(doc, "history") : doc;
    if (!json_is_array(h)) {
        json_decref(doc);
        e.row = 0;
        snprintf(e.msg, sizeof e.msg, "expected {\"history\":[...]}");
        return bad_body(j, &e);
    }
    *rows = json_array_size(h);
    int ok = json_array_append_new(j->rows, doc) == 0;
    j->done = 1;
    return ok ? PMC_FX_FEED_OK : fail(j, "out of memory", 0);
}

struct pmc_fx_job *pmc_fx_prices_job(const char *token, int64_t start,
                                     int64_t end, int fidelity)
{
    struct prc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->path, sizeof p->path,
             "/prices-history?market=%s&startTs=%" PRId64 "&endTs=%" PRId64
             "&fidelity=%d",
             token, start, end, fidelity);
    p->j.next = prc_next;
    p->j.feed = prc_feed;
    p->j.free = base_free;
    p->j.rows = json_array();
    snprintf(p->j.name, sizeof p->j.name, "prices of %.100s", token);
    if (!p->j.rows) {
        free(p);
        return NULL;
    }
    p->end = end;
    return &p->j;
}
