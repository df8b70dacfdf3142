/* research/fetch/drive.c - the job driver (see drive.h). */
#include "research/fetch/drive.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cached(void *ctx, const char *route, const char *pathq)
{
    struct pmc_fx_run *r = ctx;
    char *b = NULL;
    size_t n;
    char err[256];
    int hit =
        pmc_fx_cache_get(&r->cache, route, pathq, &b, &n, err, sizeof err);
    free(b);
    return hit == 1;
}

static void show(struct pmc_fx_run *r, int force)
{
    r->st.requests = r->http.n.requests;
    r->st.retries = r->http.n.retries;
    r->st.bytes = r->http.n.bytes;
    pmc_fx_progress_show(&r->prog, &r->st, pmc_fx_mono_ms(), force);
}

/* more rows served than the run may hold: the job fails naming the cap */
static int too_many(struct pmc_fx_run *r, struct pmc_fx_job *j)
{
    if (!r->max_rows || r->st.rows <= r->max_rows)
        return 0;
    if (snprintf(j->msg, sizeof j->msg,
                 "%s: more than %" PRIu64
                 " rows served in this run (--max-rows %" PRIu64 "); stopped",
                 j->name, r->max_rows, r->max_rows) < 0)
        j->msg[0] = '\0';
    r->capped = 1;
    return 1;
}

static void job_fail(struct pmc_fx_run *r, struct pmc_fx_job *j)
{
    if (!j->failed) {
        j->failed = 1;
    }
    r->failed++;
    r->st.jobs_done++;
    pmc_fx_progress_end(&r->prog);
    fprintf(stderr, "pmcopy fetch: %s\n", j->msg[0] ? j->msg : j->name);
}

/* Ask job j for requests until one needs the network (1, step in s), it
 * is finished (0) or it failed (-1). */
static int advance(struct pmc_fx_run *r, struct pmc_fx_job *j,
                   struct pmc_fx_step *s)
{
    for (;;) {
        j->now_s = r->now_s;
        j->offline = r->offline;
        j->cached = cached;
        j->cached_ctx = r;
        int k = j->next(j, s);
        if (k == PMC_FX_NEXT_DONE)
            return 0;
        if (k != PMC_FX_NEXT_STEP)
            return -1;
        if (!s->sealed && !r->offline)
            return 1;
        char *b = NULL;
        size_t n = 0;
        char err[512];
        long status = 0;
        int hit = pmc_fx_cache_get_status(&r->cache, s->route, s->pathq, &b, &n,
                                          &status, err, sizeof err);
        if (hit < 0) {
            snprintf(j->msg, sizeof j->msg, "cache: %s", err);
            return -1;
        }
        if (hit == 0) {
            if (!r->offline)
                return 1;
            char p[PMC_FX_PATH_MAX];
            if (pmc_fx_cache_path(&r->cache, s->route, s->pathq, p, sizeof p) !=
                0)
                p[0] = '\0';
            if (snprintf(j->msg, sizeof j->msg,
                         "--offline: not in the cache: %s (%s, for %s)",
                         s->pathq, p, j->name) < 0)
                j->msg[0] = '\0';
            r->missing = 1;
            return -1;
        }
        uint64_t rows = 0;
        int f = j->feed(j, status, b, n, &rows);
        free(b);
        r->st.cache_hits++;
        r->st.rows += rows;
        if (f == PMC_FX_FEED_OK && too_many(r, j))
            return -1;
        if (f != PMC_FX_FEED_OK) {
            if (f == PMC_FX_FEED_BADBODY) {
                char m[sizeof j->msg];
                snprintf(m, sizeof m, "%s", j->msg);
                if (snprintf(j->msg, sizeof j->msg, "cached %s: %s", s->pathq,
                             m) < 0)
                    j->msg[0] = '\0';
            }
            return -1;
        }
    }
}

int pmc_fx_drive(struct pmc_fx_run *r, struct pmc_fx_job **jobs, size_t n)
{
    size_t cap = (size_t)r->http.jobs * 4;
    struct pmc_fx_req *reqs = calloc(cap, sizeof *reqs);
    struct pmc_fx_req **rp = calloc(cap, sizeof *rp);
    struct pmc_fx_step *steps = calloc(cap, sizeof *steps);
    size_t *owner = calloc(cap, sizeof *owner);
    int *bad = calloc(n ? n : 1, sizeof *bad);
    char *fin = calloc(n ? n : 1, 1); /* counted as finished */
    int rc = 0;
    if (!reqs || !rp || !steps || !owner || !bad || !fin) {
        fprintf(stderr, "pmcopy fetch: out of memory\n");
        rc = 1;
        goto out;
    }
    r->st.jobs_total += n;
    size_t start = 0; /* round-robin start, so every job gets its turn */
    for (;;) {
        size_t nb = 0;
        for (size_t k = 0; k < n && nb < cap; k++) {
            size_t i = (start + k) % n;
            struct pmc_fx_job *j = jobs[i];
            if (fin[i])
                continue;
            int a = j->failed ? -1 : j->done ? 0 : advance(r, j, &steps[nb]);
            if (a == 0) {
                j->done = 1;
                fin[i] = 1;
                r->st.jobs_done++;
                if (j->overflows) {
                    r->overflows += j->overflows;
                    pmc_fx_progress_end(&r->prog);
                    fprintf(stderr, "pmcopy fetch: overflow: %s\n", j->msg);
                } else if (!strncmp(j->msg, "note: ", 6)) {
                    pmc_fx_progress_end(&r->prog);
                    fprintf(stderr, "pmcopy fetch: %s\n", j->msg);
                }
                continue;
            }
            if (a < 0) {
                fin[i] = 1;
                job_fail(r, j);
                if (r->missing || r->capped)
                    goto stop;
                continue;
            }
            struct pmc_fx_req *q = &reqs[nb];
            int w = snprintf(q->url, sizeof q->url, "%s%s",
                             r->base[steps[nb].fam], steps[nb].pathq);
            if (w < 0 || (size_t)w >= sizeof q->url) {
                snprintf(j->msg, sizeof j->msg, "%s: URL too long", j->name);
                fin[i] = 1;
                job_fail(r, j);
                continue;
            }
            q->fam = steps[nb].fam;
            rp[nb] = q;
            owner[nb] = i;
            nb++;
        }
        start = n ? (start + 1) % n : 0;
        if (nb == 0)
            break;
        show(r, 0);
        if (pmc_fx_http_run(&r->http, rp, nb) != 0) {
            fprintf(stderr, "pmcopy fetch: libcurl multi failed\n");
            rc = 1;
            goto out;
        }
        for (size_t b = 0; b < nb; b++) {
            struct pmc_fx_req *q = &reqs[b];
            struct pmc_fx_job *j = jobs[owner[b]];
            if (q->status == 0) {
                snprintf(j->msg, sizeof j->msg,
                         "%s: GET %s: %s (after %d tries)", j->name, q->url,
                         q->err, q->tries);
                fin[owner[b]] = 1;
                job_fail(r, j);
            } else {
                uint64_t rows = 0;
                int f = j->feed(j, q->status, q->body ? q->body : "", q->len,
                                &rows);
                if (f == PMC_FX_FEED_OK)
                    r->st.rows += rows;
                if (f == PMC_FX_FEED_OK && too_many(r, j)) {
                    fin[owner[b]] = 1;
                    job_fail(r, j);
                } else if (f == PMC_FX_FEED_OK) {
                    char err[512];
                    /* a 400 (offset cap) or 404 (no v2 route) the job
                     * understood is as final as a 200 */
                    if ((q->status == 200 || q->status == 400 ||
                         q->status == 404) &&
                        pmc_fx_cache_put(&r->cache, steps[b].route,
                                         steps[b].pathq, q->status, q->body,
                                         q->len, rows, r->now_s, err,
                                         sizeof err) != 0) {
                        pmc_fx_progress_end(&r->prog);
                        fprintf(stderr, "pmcopy fetch: cache: %s\n", err);
                        rc = 1;
                    }
                } else if (f == PMC_FX_FEED_BADBODY &&
                           ++bad[owner[b]] <= r->max_retries) {
                    r->http.n.retries++; /* the same request again */
                } else {
                    fin[owner[b]] = 1;
                    job_fail(r, j);
                }
            }
            free(q->body);
            q->body = NULL;
            q->len = 0;
            q->cap = 0;
        }
        show(r, 0);
        if (r->capped)
            break;
    }
stop:
    show(r, 1);
    if (r->failed || r->overflows || r->missing || r->capped)
        rc = 1;
out:
    free(reqs);
    free(rp);
    free(steps);
    free(owner);
    free(bad);
    free(fin);
    return rc;
}
