/* research/fetch/fetch.c - the fetch subcommands (see fetch.h): which
 * jobs each one runs, in which order, and what it writes. */
#include "research/fetch/fetch.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tape.h"
#include "proto/wire/json_exact.h"
#include "research/fetch/activity.h"
#include "research/fetch/drive.h"
#include "research/fetch/pagers.h"
#include "research/fetch/rows.h"
#include "research/fetch/tape.h"

#define EARLIEST 1577836800 /* 2020-01-01: before Polymarket's first trade */
#define MAX_GAMMA_PATH 4000

void pmc_fetch_defaults(struct pmc_fetch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 4;
    o->progress = PMC_FX_P_AUTO;
    o->since = o->until = -1;
    o->lb_limit = 50;
    o->seed = 20260217;
    o->max_retries = 6;
    o->limits[PMC_FX_DATA] = 1000;
    o->limits[PMC_FX_GAMMA] = 300;
    o->limits[PMC_FX_CLOB] = 1000;
    o->page_limit = 500;
    o->offset_cap = 10000;
    o->max_rows = 10000000;
    o->chunk_s = 7 * 86400;
    o->fidelity = 1;
}

/* ---- the jobs of a run ------------------------------------------------- */

struct set {
    struct pmc_fx_job **v;
    size_t n, cap;
};

static int set_add(struct set *s, struct pmc_fx_job *j)
{
    if (!j)
        return 0;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct pmc_fx_job **nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) {
            j->free(j);
            return 0;
        }
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = j;
    return 1;
}

static void set_free(struct set *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->v[i]->free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* every job's rows, repeats removed, as one array text */
static int gather(const struct set *s, struct pmc_fx_rows *rows)
{
    pmc_fx_rows_init(rows);
    for (size_t i = 0; i < s->n; i++)
        if (pmc_fx_rows_add(rows, s->v[i]->rows) != PMC_OK) {
            fprintf(stderr, "pmcopy fetch: out of memory\n");
            return -1;
        }
    return 0;
}

static int oom(void)
{
    fprintf(stderr, "pmcopy fetch: out of memory\n");
    return 1;
}

static int addr_ok(const char *a)
{
    if (strncmp(a, "0x", 2) || strlen(a) != 42)
        return 0;
    for (int i = 2; i < 42; i++)
        if (!isxdigit((unsigned char)a[i]))
            return 0;
    return 1;
}

static int id_ok(const char *s, int hex)
{
    size_t n = strlen(s);
    if (n == 0 || n > 96)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || (hex && i == 1 && s[i] == 'x')))
            return 0;
    return 1;
}

static int wallet_jobs(const struct pmc_fetch_opts *o,
                       struct pmc_fx_act_cfg *cfg, const char *const *addrs,
                       size_t n, int64_t since, int64_t until, struct set *s)
{
    for (size_t w = 0; w < n; w++) {
        char a[64];
        snprintf(a, sizeof a, "%s", addrs[w]);
        for (char *p = a; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        /* windows aligned to chunk_s, so the same request comes back on
         * every run whatever --since is */
        for (int64_t ws = since; ws <= until;) {
            int64_t we = (ws / o->chunk_s + 1) * o->chunk_s - 1;
            if (we > until)
                we = until;
            if (!set_add(s, pmc_fx_activity_job(cfg, a, ws, we)))
                return -1;
            ws = we + 1;
        }
    }
    return 0;
}

static int run_init(struct pmc_fx_run *r, const struct pmc_fetch_opts *o)
{
    memset(r, 0, sizeof *r);
    char err[512];
    if (pmc_fx_cache_open(&r->cache, o->cache_dir, err, sizeof err) != 0) {
        fprintf(stderr, "pmcopy fetch: %s\n", err);
        return -1;
    }
    if (pmc_fx_http_init(&r->http, o->jobs, o->max_retries, o->seed,
                         o->limits) != 0) {
        fprintf(stderr, "pmcopy fetch: libcurl failed to start\n");
        return -1;
    }
    r->base[PMC_FX_DATA] = o->data_api;
    r->base[PMC_FX_GAMMA] = o->gamma_url;
    r->base[PMC_FX_CLOB] = o->clob_url;
    r->offline = o->offline;
    r->max_retries = o->max_retries;
    r->max_rows = o->max_rows;
    r->now_s = (int64_t)time(NULL);
    r->trades_v2 = -1;
    r->st.t0_ms = pmc_fx_mono_ms();
    pmc_fx_progress_init(&r->prog, o->progress, stderr);
    return 0;
}

static void summary(struct pmc_fx_run *r)
{
    pmc_fx_progress_end(&r->prog);
    int64_t ms = pmc_fx_mono_ms() - r->st.t0_ms;
    fprintf(stderr,
            "pmcopy fetch: %" PRIu64 " requests, %" PRIu64 " rows, %" PRIu64
            " bytes, %" PRIu64 " cache hits, %" PRIu64 " retries, %" PRId64
            ".%03" PRId64 " s\n",
            r->http.n.requests, r->st.rows, r->http.n.bytes, r->st.cache_hits,
            r->http.n.retries, ms / 1000, ms % 1000);
}

/* ---- subcommands ------------------------------------------------------- */

static int gamma_set(const char *key, const char *const *ids, size_t n,
                     struct set *s)
{
    return n == 0 || set_add(s, pmc_fx_gamma_job(key, ids, n, MAX_GAMMA_PATH))
               ? 0
               : -1;
}

/* condition ids of closed markets that ended over an hour before now */
static int sealed_market(const json_t *m, int64_t now_s)
{
    json_t *c = json_object_get(m, "closed");
    if (!json_is_true(c) &&
        !(json_is_string(c) && !strcmp(json_string_value(c), "true")))
        return 0;
    const char *names[] = {"closedTime", "endDate"};
    for (size_t k = 0; k < 2; k++) {
        size_t n;
        const char *t = pmc_json_text(json_object_get(m, names[k]), &n);
        pmc_ms ms;
        if (t && pmc_wire_iso_ms(t, n, &ms) == PMC_OK)
            return ms / 1000 < now_s - 3600;
    }
    return 0;
}

static int prints_jobs(const struct pmc_fetch_opts *o, struct pmc_fx_run *r,
                       char **conds, size_t n, const json_t *markets,
                       int64_t since, struct set *s)
{
    for (size_t i = 0; i < n; i++) {
        int sealed = 0;
        size_t k;
        json_t *m;
        json_array_foreach(markets, k, m)
        {
            size_t cn;
            const char *c =
                pmc_json_text(json_object_get(m, "conditionId"), &cn);
            if (c && cn == strlen(conds[i]) && !strncasecmp(c, conds[i], cn))
                sealed = sealed_market(m, r->now_s);
        }
        char prefix[512], v2p[512], name[200];
        snprintf(prefix, sizeof prefix, "/trades?market=%s&takerOnly=false",
                 conds[i]);
        snprintf(v2p, sizeof v2p, "/v2/trades?condition=%s&taker_only=false",
                 conds[i]);
        snprintf(name, sizeof name, "trades of market %s", conds[i]);
        if (!set_add(s, pmc_fx_offset_job(PMC_FX_DATA, "trades", prefix,
                                          o->page_limit, o->offset_cap, 0,
                                          sealed, since, name)))
            return -1;
        pmc_fx_offset_v2(s->v[s->n - 1], v2p, &r->trades_v2);
    }
    return 0;
}

static json_t *rows_json(struct pmc_fx_rows *rows)
{
    size_t n;
    const char *d = pmc_fx_rows_doc(rows, &n);
    json_t *v;
    struct pmc_wire_err e;
    memset(&e, 0, sizeof e);
    return pmc_json_exact_loads(d, n, &v, &e) == PMC_OK ? v : NULL;
}

static void free_ids(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int write_tape(const struct pmc_fetch_opts *o, struct pmc_fx_rows *act,
                      struct pmc_fx_rows *mk, struct pmc_fx_rows *tr,
                      int64_t since, int64_t until)
{
    struct pmc_fx_tape_in in;
    memset(&in, 0, sizeof in);
    if (act)
        in.activity = pmc_fx_rows_doc(act, &in.activity_len);
    if (mk)
        in.markets = pmc_fx_rows_doc(mk, &in.markets_len);
    if (tr)
        in.trades = pmc_fx_rows_doc(tr, &in.trades_len);
    in.since = since;
    in.until = until;
    struct pmc_fx_tape_counts c;
    char err[600];
    if (pmc_fx_tape_write(&in, o->out, &c, err, sizeof err) != 0) {
        fprintf(stderr, "pmcopy fetch: %s\n", err);
        return 1;
    }
    fprintf(stderr,
            "pmcopy fetch: %s: %" PRIu64 " fills, %" PRIu64
            " merge/redeem/split, %" PRIu64 " markets, %" PRIu64
            " resolutions (+%" PRIu64 " from redeems), %" PRIu64
            " trade prints (%" PRIu64 " outside the window), %" PRIu64
            " rows of unknown type\n",
            o->out, c.fills, c.ctf, c.markets, c.resolves, c.resolves_redeem,
            c.trades, c.trades_outside, c.unknown);
    return 0;
}

static int cmd_wallet_or_tape(const struct pmc_fetch_opts *o, int tape,
                              const char *const *args, size_t nargs,
                              struct pmc_fx_run *r)
{
    if (nargs == 0) {
        fprintf(stderr, "pmcopy fetch: no wallet ADDR given\n");
        return 2;
    }
    for (size_t i = 0; i < nargs; i++)
        if (!addr_ok(args[i])) {
            fprintf(stderr,
                    "pmcopy fetch: '%s' is not a wallet address (0x and 40 "
                    "hex digits)\n",
                    args[i]);
            return 2;
        }
    if (tape && (o->since < 0 || o->until < 0 || !o->out)) {
        fprintf(stderr, "pmcopy fetch tape: --since, --until and --out are "
                        "required\n");
        return 2;
    }
    int64_t since = o->since >= 0 ? o->since : EARLIEST;
    int64_t until = o->until >= 0 ? o->until : r->now_s;
    if (until < since) {
        fprintf(stderr, "pmcopy fetch: --until is before --since\n");
        return 2;
    }
    struct pmc_fx_act_cfg cfg = {-1, o->page_limit, o->offset_cap};
    struct set wj = {0}, gj = {0}, tj = {0};
    struct pmc_fx_rows act, mk, tr;
    pmc_fx_rows_init(&act);
    pmc_fx_rows_init(&mk);
    pmc_fx_rows_init(&tr);
    char **conds = NULL;
    size_t nconds = 0;
    json_t *mj = NULL;
    int rc = 1;
    if (wallet_jobs(o, &cfg, args, nargs, since, until, &wj) != 0) {
        rc = oom();
        goto out;
    }
    int bad = pmc_fx_drive(r, wj.v, wj.n);
    if (r->missing || gather(&wj, &act) != 0)
        goto out;
    set_free(&wj); /* the page trees: the kept rows are in act now */
    if (!tape) {
        rc = bad;
        if (o->out && bad)
            fprintf(stderr, "pmcopy fetch: no tape written to %s\n", o->out);
        else if (o->out && write_tape(o, &act, NULL, NULL, since, until))
            rc = 1;
        goto out;
    }
    size_t an;
    const char *ad = pmc_fx_rows_doc(&act, &an);
    char err[600];
    if (pmc_fx_tape_markets_of(ad, an, &conds, &nconds, err, sizeof err)) {
        fprintf(stderr, "pmcopy fetch: %s\n", err);
        goto out;
    }
    if (gamma_set("condition_ids", (const char *const *)conds, nconds, &gj)) {
        rc = oom();
        goto out;
    }
    bad |= pmc_fx_drive(r, gj.v, gj.n);
    if (r->missing || gather(&gj, &mk) != 0 || !(mj = rows_json(&mk)))
        goto out;
    if (prints_jobs(o, r, conds, nconds, mj, since, &tj) != 0) {
        rc = oom();
        goto out;
    }
    bad |= pmc_fx_drive(r, tj.v, tj.n);
    if (r->missing || gather(&tj, &tr) != 0)
        goto out;
    if (act.repeats || tr.repeats)
        fprintf(stderr,
                "pmcopy fetch: %" PRIu64 " activity and %" PRIu64
                " trade rows were served twice (kept once)\n",
                act.repeats, tr.repeats);
    if (bad) {
        fprintf(stderr, "pmcopy fetch: no tape written to %s (see above)\n",
                o->out);
        rc = 1;
    } else
        rc = write_tape(o, &act, &mk, &tr, since, until);
out:
    if (mj)
        json_decref(mj);
    free_ids(conds, nconds);
    pmc_fx_rows_free(&act);
    pmc_fx_rows_free(&mk);
    pmc_fx_rows_free(&tr);
    set_free(&wj);
    set_free(&gj);
    set_free(&tj);
    return rc;
}

/* ---- the markets of the cached activity ---------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int slurp(const char *path, char **buf, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, k = 0, r;
    char *b = malloc(cap + 1);
    while (b && (r = fread(b + k, 1, cap - k, f)) > 0) {
        k += r;
        if (k == cap) {
            char *nb = cap < ((size_t)1 << 30) ? realloc(b, 2 * cap + 1) : NULL;
            if (!nb)
                free(b);
            b = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        return -1;
    }
    b[k] = '\0';
    *buf = b;
    *n = k;
    return 0;
}

/* every condition id named by the activity pages in the cache, sorted */
static int cached_markets(const char *dir, char ***ids, size_t *nids)
{
    static const char *const routes[] = {"activity", "v2-activity"};
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t rt = 0; rt < 2; rt++) {
        char d1[PMC_FX_PATH_MAX];
        snprintf(d1, sizeof d1, "%s/%s", dir, routes[rt]);
        DIR *a = opendir(d1);
        if (!a)
            continue;
        struct dirent *e1;
        while ((e1 = readdir(a))) {
            if (e1->d_name[0] == '.')
                continue;
            char d2[PMC_FX_PATH_MAX + 300];
            snprintf(d2, sizeof d2, "%s/%s", d1, e1->d_name);
            DIR *b = opendir(d2);
            if (!b)
                continue;
            struct dirent *e2;
            while ((e2 = readdir(b))) {
                size_t l = strlen(e2->d_name);
                if (l < 6 || strcmp(e2->d_name + l - 5, ".json"))
                    continue;
                char p[PMC_FX_PATH_MAX + 600];
                snprintf(p, sizeof p, "%s/%s", d2, e2->d_name);
                char *buf, **got = NULL, err[600];
                size_t len, ng = 0;
                if (slurp(p, &buf, &len) != 0) {
                    fprintf(stderr, "pmcopy fetch: %s: cannot read\n", p);
                    continue;
                }
                if (pmc_fx_tape_markets_of(buf, len, &got, &ng, err,
                                           sizeof err) != 0)
                    fprintf(stderr, "pmcopy fetch: %s: %s\n", p, err);
                free(buf);
                for (size_t i = 0; i < ng; i++) {
                    int seen = 0;
                    for (size_t k = 0; k < n && !seen; k++)
                        seen = !strcmp(v[k], got[i]);
                    if (seen) {
                        free(got[i]);
                        continue;
                    }
                    if (n == cap) {
                        size_t nc = cap ? cap * 2 : 64;
                        char **nv = realloc(v, nc * sizeof *nv);
                        if (!nv) {
                            free(got[i]);
                            continue;
                        }
                        v = nv;
                        cap = nc;
                    }
                    v[n++] = got[i];
                }
                free(got);
            }
            closedir(b);
        }
        closedir(a);
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_str);
    *ids = v;
    *nids = n;
    return 0;
}

static int cmd_markets(const struct pmc_fetch_opts *o, struct pmc_fx_run *r,
                       int prints)
{
    struct set gj = {0}, tj = {0};
    struct pmc_fx_rows mk, tr;
    pmc_fx_rows_init(&mk);
    pmc_fx_rows_init(&tr);
    json_t *mj = NULL;
    char **conds = NULL;
    size_t nconds = 0;
    int rc = 1;
    char **cached = NULL;
    size_t ncached = 0;
    if (!prints && o->from_cache) {
        cached_markets(o->cache_dir, &cached, &ncached);
        if (ncached == 0) {
            fprintf(stderr,
                    "pmcopy fetch markets --from-cache: no activity "
                    "naming a market in %s\n",
                    o->cache_dir);
            return 1;
        }
        int g = gamma_set("condition_ids", (const char *const *)cached, ncached,
                          &gj);
        free_ids(cached, ncached);
        if (g)
            return oom();
    } else if (o->nconditions + (prints ? 0 : o->ntokens) == 0) {
        fprintf(stderr, "pmcopy fetch: give --condition ID%s\n",
                prints ? "" : " or --token ID");
        return 2;
    }
    for (size_t i = 0; i < o->nconditions; i++)
        if (!id_ok(o->conditions[i], 1)) {
            fprintf(stderr, "pmcopy fetch: bad --condition '%s'\n",
                    o->conditions[i]);
            return 2;
        }
    for (size_t i = 0; !prints && i < o->ntokens; i++)
        if (!id_ok(o->tokens[i], 0)) {
            fprintf(stderr, "pmcopy fetch: bad --token '%s'\n", o->tokens[i]);
            return 2;
        }
    if (gamma_set("condition_ids", o->conditions, o->nconditions, &gj) ||
        (!prints && gamma_set("clob_token_ids", o->tokens, o->ntokens, &gj))) {
        rc = oom();
        goto out;
    }
    int bad = pmc_fx_drive(r, gj.v, gj.n);
    if (r->missing || gather(&gj, &mk) != 0 || !(mj = rows_json(&mk)))
        goto out;
    if (prints) {
        conds = calloc(o->nconditions + 1, sizeof *conds);
        if (!conds) {
            rc = oom();
            goto out;
        }
        for (size_t i = 0; i < o->nconditions; i++)
            if (!(conds[nconds++] = strdup(o->conditions[i]))) {
                rc = oom();
                goto out;
            }
        if (prints_jobs(o, r, conds, nconds, mj, o->since > 0 ? o->since : 0,
                        &tj) != 0) {
            rc = oom();
            goto out;
        }
        bad |= pmc_fx_drive(r, tj.v, tj.n);
        if (r->missing || gather(&tj, &tr) != 0)
            goto out;
    }
    rc = bad;
    if (o->out && bad)
        fprintf(stderr, "pmcopy fetch: no tape written to %s\n", o->out);
    else if (o->out) {
        int64_t since = o->since >= 0 ? o->since : 0;
        int64_t until = o->until >= 0 ? o->until : INT64_MAX / 1000 - 1;
        if (write_tape(o, NULL, &mk, prints ? &tr : NULL, since, until))
            rc = 1;
    }
out:
    if (mj)
        json_decref(mj);
    free_ids(conds, nconds);
    pmc_fx_rows_free(&mk);
    pmc_fx_rows_free(&tr);
    set_free(&gj);
    set_free(&tj);
    return rc;
}

static int cmd_prices(const struct pmc_fetch_opts *o, struct pmc_fx_run *r,
                      const char *const *args, size_t nargs)
{
    if (nargs == 0) {
        fprintf(stderr, "pmcopy fetch prices: no TOKEN given\n");
        return 2;
    }
    int64_t until = o->until >= 0 ? o->until : r->now_s;
    int64_t since = o->since >= 0 ? o->since : until - 30 * 86400;
    struct set s = {0};
    for (size_t i = 0; i < nargs; i++) {
        if (!id_ok(args[i], 0)) {
            fprintf(stderr, "pmcopy fetch prices: bad TOKEN '%s'\n", args[i]);
            set_free(&s);
            return 2;
        }
        if (!set_add(&s,
                     pmc_fx_prices_job(args[i], since, until, o->fidelity))) {
            set_free(&s);
            return oom();
        }
    }
    int rc = pmc_fx_drive(r, s.v, s.n);
    set_free(&s);
    return rc;
}

static const char *const categories[] = {
    "OVERALL",  "POLITICS", "SPORTS",    "CRYPTO", "CULTURE",
    "MENTIONS", "WEATHER",  "ECONOMICS", "TECH",   "FINANCE"};
static const char *const periods[] = {"DAY", "WEEK", "MONTH", "ALL"};
static const char *const orders[] = {"PNL", "VOL"};

static int pick(const char *want, const char *const *v, size_t n,
                const char *what, size_t *lo, size_t *hi)
{
    *lo = 0;
    *hi = n;
    if (!want)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(want, v[i])) {
            *lo = i;
            *hi = i + 1;
            return 0;
        }
    fprintf(stderr, "pmcopy fetch leaderboard: unknown %s '%s' (one of", what,
            want);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %s", v[i]);
    fprintf(stderr, ")\n");
    return -1;
}

static int cmd_leaderboard(const struct pmc_fetch_opts *o, struct pmc_fx_run *r,
                           pmc_fetch_board_fn fn, void *ctx)
{
    size_t c0, c1, p0, p1, b0, b1;
    if (pick(o->category, categories, 10, "category", &c0, &c1) ||
        pick(o->period, periods, 4, "period", &p0, &p1) ||
        pick(o->order_by, orders, 2, "order", &b0, &b1))
        return 2;
    int lim = o->lb_limit < 50 ? o->lb_limit : 50;
    int cap = o->lb_limit - 1 < 1000 ? o->lb_limit - 1 : 1000;
    struct set s = {0};
    for (size_t c = c0; c < c1; c++)
        for (size_t p = p0; p < p1; p++)
            for (size_t b = b0; b < b1; b++) {
                char prefix[256], name[128];
                snprintf(prefix, sizeof prefix,
                         "/v1/leaderboard?category=%s&timePeriod=%s&orderBy=%s",
                         categories[c], periods[p], orders[b]);
                snprintf(name, sizeof name, "leaderboard %s %s %s",
                         categories[c], periods[p], orders[b]);
                if (!set_add(&s, pmc_fx_offset_job(PMC_FX_DATA, "leaderboard",
                                                   prefix, lim, cap, 1, 0, 0,
                                                   name))) {
                    set_free(&s);
                    return oom();
                }
                pmc_fx_offset_total(s.v[s.n - 1], o->lb_limit);
            }
    int rc = pmc_fx_drive(r, s.v, s.n);
    /* every board in the order asked, its rows in the order served, the
     * members as the server sent them */
    size_t i = 0;
    for (size_t c = c0; c < c1 && rc == 0; c++)
        for (size_t p = p0; p < p1 && rc == 0; p++)
            for (size_t b = b0; b < b1 && rc == 0; b++, i++) {
                size_t k;
                json_t *row;
                json_array_foreach(s.v[i]->rows, k, row)
                {
                    if ((int64_t)k >= o->lb_limit)
                        break;
                    static const char *const f[PMC_FETCH_BOARD_NF] = {
                        "rank", "proxyWallet", "userName", "pnl", "vol"};
                    struct pmc_fetch_board_row br = {
                        categories[c], periods[p], orders[b], {0}, {0}};
                    for (int x = 0; x < PMC_FETCH_BOARD_NF; x++)
                        br.f[x] =
                            pmc_json_text(json_object_get(row, f[x]), &br.n[x]);
                    if (fn(&br, ctx) != 0) {
                        rc = 1;
                        break;
                    }
                }
            }
    set_free(&s);
    return rc;
}

/* `fetch leaderboard`: one line per row, tab-separated: the board, then
 * rank, wallet, name, pnl, vol as the server sent them */
static int print_board_row(const struct pmc_fetch_board_row *r, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\t%s", r->category, r->period, r->order_by);
    for (int x = 0; x < PMC_FETCH_BOARD_NF; x++) {
        putchar('\t');
        for (size_t y = 0; r->f[x] && y < r->n[x]; y++)
            putchar((unsigned char)r->f[x][y] < 0x20 ? ' ' : r->f[x][y]);
    }
    putchar('\n');
    return 0;
}

static void run_free(struct pmc_fx_run *r)
{
    pmc_fx_http_free(&r->http);
}

int pmc_fetch_leaderboard(const struct pmc_fetch_opts *o, pmc_fetch_board_fn fn,
                          void *ctx)
{
    struct pmc_fx_run r;
    if (run_init(&r, o) != 0)
        return 1;
    int rc = cmd_leaderboard(o, &r, fn, ctx);
    if (rc != 2)
        summary(&r);
    if (rc == 0 && r.missing)
        rc = 1;
    run_free(&r);
    return rc;
}

int pmc_fetch_run(const char *sub, const struct pmc_fetch_opts *o,
                  const char *const *args, size_t nargs)
{
    static const char *const subs[] = {"wallet", "markets",     "prints",
                                       "prices", "leaderboard", "tape"};
    size_t k = 0;
    while (k < 6 && strcmp(sub, subs[k]))
        k++;
    if (k == 6) {
        fprintf(stderr,
                "pmcopy fetch: unknown subcommand '%s' (wallet, "
                "markets, prints, prices, leaderboard, tape)\n",
                sub);
        return 2;
    }
    if ((k == 1 || k == 2 || k == 4) && nargs > 0) {
        fprintf(stderr, "pmcopy fetch %s: unexpected argument '%s'\n", sub,
                args[0]);
        return 2;
    }
    struct pmc_fx_run r;
    if (run_init(&r, o) != 0)
        return 1;
    int rc;
    switch (k) {
    case 0:
        rc = cmd_wallet_or_tape(o, 0, args, nargs, &r);
        break;
    case 5:
        rc = cmd_wallet_or_tape(o, 1, args, nargs, &r);
        break;
    case 1:
        rc = cmd_markets(o, &r, 0);
        break;
    case 2:
        rc = cmd_markets(o, &r, 1);
        break;
    case 3:
        rc = cmd_prices(o, &r, args, nargs);
        break;
    default:
        rc = cmd_leaderboard(o, &r, print_board_row, NULL);
        if (fflush(stdout) != 0)
            rc = 1;
        break;
    }
    if (rc != 2)
        summary(&r);
    if (rc == 0 && r.missing)
        rc = 1;
    run_free(&r);
    return rc;
}
