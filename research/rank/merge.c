/* research/rank/merge.c - `pmcopy merge DIR`: the parts of a sharded rank
 * run checked against the run's manifest and put back together, then the
 * same final step as an unsharded run (pmc_rank_finish, K = every
 * candidate), so the output is byte-identical whatever the split.
 *
 * Refuses, naming the file (and line): a part without its done marker, a
 * marker without its part, a part that does not match its marker (count or
 * sha256), a marker or part of another run (its run id is not the
 * manifest's sha256), parts of different splits (part-0-of-2 beside
 * part-0-of-3), a wallet that is no candidate, a wallet in two parts, and
 * candidates in no part (with the shards whose part is missing).
 *
 * Decides: what a complete set of parts is. Never: computes a wallet again
 * (it has no tape), or writes anything but the output stream. */
#include "research/rank/shard.h"

#include "research/rank/report.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PART_MAX ((size_t)1 << 31)

struct ent {
    unsigned i, n;
    int part, done; /* which of the two files exist */
};

static int ent_cmp(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The part-I-of-N and part-I-of-N.done names of dir, one entry per (I, N),
 * sorted by N then I. */
static enum pmc_err scan(const char *dir, struct ent **out, size_t *nout,
                         char *err, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return errno == ENOENT ? PMC_ENOTFOUND : PMC_EIO;
    }
    struct ent *v = NULL;
    size_t n = 0, c = 0;
    struct dirent *de;
    enum pmc_err e = PMC_OK;
    while ((de = readdir(d)) != NULL) {
        char nm[256];
        unsigned i, k;
        int isdone = 0;
        size_t l = strlen(de->d_name);
        if (l >= sizeof nm)
            continue;
        memcpy(nm, de->d_name, l + 1);
        if (l > 5 && !strcmp(nm + l - 5, ".done")) {
            nm[l - 5] = 0;
            isdone = 1;
        }
        if (!pmc_shard_part_name(nm, &i, &k))
            continue; /* the manifest, batch folders, temp files */
        size_t j = 0;
        while (j < n && !(v[j].i == i && v[j].n == k))
            j++;
        if (j == n) {
            if (n == c) {
                c = c ? 2 * c : 16;
                struct ent *nv = realloc(v, c * sizeof *v);
                if (!nv) {
                    e = PMC_ENOMEM;
                    snprintf(err, cap, "%s: out of memory", dir);
                    break;
                }
                v = nv;
            }
            v[n].i = i;
            v[n].n = k;
            v[n].part = v[n].done = 0;
            n++;
        }
        if (isdone)
            v[j].done = 1;
        else
            v[j].part = 1;
    }
    closedir(d);
    if (e != PMC_OK) {
        free(v);
        return e;
    }
    if (n)
        qsort(v, n, sizeof *v, ent_cmp);
    *out = v;
    *nout = n;
    return PMC_OK;
}

struct merge {
    const char *dir;
    const struct pmc_manifest *m;
    const struct pmc_shard_index *ix;
    struct pmc_rank_wallet *w; /* by candidate */
    unsigned *from;            /* 1 + the shard a candidate came from */
};

/* One part: its marker, its bytes against the marker, its header, its
 * wallets into mg->w. */
/* One wallet of a part: a candidate of the run, in no other part. */
struct take_ctx {
    struct merge *mg;
    const struct ent *en;
    const char *part;
};

static enum pmc_err take_wallet(void *ctx, struct pmc_rank_wallet *w,
                                size_t line, char *err, size_t cap)
{
    struct take_ctx *c = ctx;
    long k = pmc_shard_index_find(c->mg->ix, w->addr.s);
    if (k < 0 || c->mg->from[k]) {
        if (k < 0)
            snprintf(err, cap,
                     "%s: line %zu: wallet %s is not a candidate of this run",
                     c->part, line, w->addr.s);
        else
            snprintf(err, cap,
                     "%s: line %zu: wallet %s is also in part-%u-of-%u",
                     c->part, line, w->addr.s, c->mg->from[k] - 1, c->en->n);
        pmc_rank_wallet_free(w);
        return PMC_EMISMATCH;
    }
    c->mg->w[k] = *w;
    c->mg->from[k] = c->en->i + 1;
    return PMC_OK;
}

static enum pmc_err read_part(struct merge *mg, const struct ent *en, char *err,
                              size_t cap)
{
    char part[4096], done[4096], run[65];
    char *db = NULL, *pb = NULL;
    size_t dn = 0, pn = 0;
    unsigned hi, hn;
    struct pmc_shard_done d;
    enum pmc_err e;
    if (pmc_shard_part_path(mg->dir, en->i, en->n, "", part, sizeof part) < 0 ||
        pmc_shard_part_path(mg->dir, en->i, en->n, ".done", done, sizeof done) <
            0) {
        snprintf(err, cap, "%s: path too long", mg->dir);
        return PMC_EIO;
    }
    if ((e = pmc_shard_read_file(done, 4096, &db, &dn, err, cap)) != PMC_OK ||
        (e = pmc_shard_done_parse(db, dn, done, &d, err, cap)) != PMC_OK)
        goto out;
    e = PMC_EMISMATCH;
    if (strcmp(d.run, mg->m->id)) {
        snprintf(err, cap,
                 "%s: of another run (run %.12s; this folder's manifest is "
                 "run %.12s)",
                 done, d.run, mg->m->id);
        goto out;
    }
    if (d.shard != en->i || d.n != en->n) {
        snprintf(err, cap, "%s: names shard %u/%u, not %u/%u", done, d.shard,
                 d.n, en->i, en->n);
        goto out;
    }
    if ((e = pmc_shard_read_file(part, PART_MAX, &pb, &pn, err, cap)) != PMC_OK)
        goto out;
    char sha[65];
    pmc_shard_hash_hex(pb, pn, sha);
    if (strcmp(sha, d.sha256)) {
        snprintf(err, cap,
                 "%s: its sha256 %.12s is not the one of its done marker "
                 "(%.12s): changed after the shard finished",
                 part, sha, d.sha256);
        e = PMC_EMISMATCH;
        goto out;
    }
    size_t off;
    e = pmc_shard_part_split(pb, pn, part, run, &hi, &hn, &off, err, cap);
    if (e != PMC_OK)
        goto out;
    if (strcmp(run, mg->m->id) || hi != en->i || hn != en->n) {
        snprintf(err, cap, "%s: line 1: of run %.12s shard %u/%u", part, run,
                 hi, hn);
        e = PMC_EMISMATCH;
        goto out;
    }
    struct take_ctx tc = {mg, en, part};
    uint64_t count;
    e = pmc_rank_wallets_each(pb + off, pn - off, part, 2, take_wallet, &tc,
                              &count, err, cap);
    if (e == PMC_OK && count != d.items) {
        snprintf(err, cap,
                 "%s: %" PRIu64 " wallets, its done marker says %" PRIu64, part,
                 count, d.items);
        e = PMC_EMISMATCH;
    }
out:
    free(db);
    free(pb);
    return e;
}

enum pmc_err pmc_rank_merge(const char *outdir, FILE *f, enum pmc_rank_fmt fmt,
                            size_t top, const char *report, char *err,
                            size_t cap)
{
    struct pmc_manifest m;
    struct pmc_shard_index ix = {0};
    struct ent *ents = NULL;
    size_t nents = 0;
    struct merge mg = {outdir, &m, &ix, NULL, NULL};
    const char **addr = NULL;
    enum pmc_err e = pmc_manifest_load(&m, outdir, err, cap);
    if (e != PMC_OK)
        return e;
    if ((e = scan(outdir, &ents, &nents, err, cap)) != PMC_OK)
        goto out;
    e = PMC_EMISMATCH;
    if (nents == 0) {
        snprintf(err, cap, "%s: no parts (no shard has finished)", outdir);
        goto out;
    }
    for (size_t k = 0; k < nents; k++) {
        if (ents[k].n != ents[0].n) {
            snprintf(err, cap,
                     "%s: parts of different splits: part-%u-of-%u and "
                     "part-%u-of-%u",
                     outdir, ents[0].i, ents[0].n, ents[k].i, ents[k].n);
            goto out;
        }
        if (!ents[k].done) {
            snprintf(err, cap,
                     "%s/part-%u-of-%u: no done marker: shard %u/%u did not "
                     "finish (or its marker was removed); run it again",
                     outdir, ents[k].i, ents[k].n, ents[k].i, ents[k].n);
            goto out;
        }
        if (!ents[k].part) {
            snprintf(err, cap, "%s/part-%u-of-%u.done: its part is missing",
                     outdir, ents[k].i, ents[k].n);
            goto out;
        }
    }

    e = PMC_ENOMEM;
    addr = calloc(m.n ? m.n : 1, sizeof *addr);
    mg.w = calloc(m.n ? m.n : 1, sizeof *mg.w);
    mg.from = calloc(m.n ? m.n : 1, sizeof *mg.from);
    if (!addr || !mg.w || !mg.from) {
        snprintf(err, cap, "merge: out of memory");
        goto out;
    }
    for (size_t k = 0; k < m.n; k++)
        addr[k] = m.addr[k];
    size_t dup = 0;
    e = pmc_shard_index_init(&ix, (const char *const *)addr, m.n, &dup);
    if (e != PMC_OK) {
        snprintf(err, cap,
                 e == PMC_EMISMATCH ? "%s/manifest: a candidate is listed "
                                      "twice"
                                    : "%s: out of memory",
                 outdir);
        goto out;
    }
    for (size_t k = 0; k < nents && e == PMC_OK; k++)
        e = read_part(&mg, &ents[k], err, cap);
    if (e != PMC_OK)
        goto out;

    size_t missing = 0, first = 0;
    for (size_t k = 0; k < m.n; k++)
        if (!mg.from[k] && !missing++)
            first = k;
    if (missing) {
        char shards[256] = "";
        size_t sl = 0;
        unsigned nn = ents[0].n;
        for (unsigned i = 0, j = 0; i < nn && sl + 16 < sizeof shards; i++) {
            while (j < nents && ents[j].i < i)
                j++;
            if (j < nents && ents[j].i == i)
                continue;
            sl += (size_t)snprintf(shards + sl, sizeof shards - sl, "%s%u/%u",
                                   sl ? " " : "", i, nn);
        }
        snprintf(err, cap,
                 "%s: %zu of %zu candidates are in no part (the first: %s); "
                 "shards without a part: %s",
                 outdir, missing, m.n, m.addr[first],
                 sl ? shards : "none (a part misses wallets)");
        e = PMC_EMISMATCH;
        goto out;
    }
    if (pmc_rank_finish(f, fmt, mg.w, m.n, m.n, top) != 0) {
        snprintf(err, cap, "merge: writing the output failed");
        e = PMC_EIO;
        goto out;
    }
    if (report) {
        /* the tape is named by the run's folder: merge never saw its path */
        char label[600];
        snprintf(label, sizeof label, "sharded run %s (run %.12s)", outdir,
                 m.id);
        struct pmc_rank_report_info ri = {label, NULL, 0};
        if (pmc_rank_report_html(report, mg.w, m.n, m.n, &ri, 0, err, cap) <
            0) {
            e = PMC_EIO;
            goto out;
        }
    }
    e = PMC_OK;
out:
    for (size_t k = 0; mg.w && k < m.n; k++)
        if (mg.from[k])
            pmc_rank_wallet_free(&mg.w[k]);
    free(mg.w);
    free(mg.from);
    free(addr);
    free(ents);
    pmc_shard_index_fini(&ix);
    pmc_manifest_free(&m);
    return e;
}
