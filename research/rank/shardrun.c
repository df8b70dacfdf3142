/* research/rank/shardrun.c - one shard of a `pmcopy rank` run: its share
 * of the candidates backtested, backed up as it goes, and written as a part
 * with its done marker (the files are described in shard.h).
 *
 * A shard's life, each step a file that is either whole or absent:
 *   manifest published (or found equal)  ->  batches of finished wallets in
 *   OUT/part-I-of-N.d/ (each one atomic)  ->  OUT/part-I-of-N (atomic)  ->
 *   OUT/part-I-of-N.done (atomic)  ->  OUT/part-I-of-N.d/ removed.
 * Killed anywhere, the shard started again finds the batches (or the done
 * marker) and computes only what is missing.
 *
 * Decides: the batch size (8 wallets per thread: big enough to keep the
 * threads busy, small enough that a kill loses little), and what a stale or
 * foreign file in the way means (an error naming it, never an overwrite of
 * another run's results). Never: changes a wallet's result (step 2 of
 * rank.h) or computes anything that needs every wallet (merge does). */
#include "research/rank/shard.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PART_MAX ((size_t)1 << 31) /* 2 GiB: a part larger is refused */

/* mkdir -p; PMC_EIO with err. */
static enum pmc_err mkdirs(const char *dir, char *err, size_t cap)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        snprintf(err, cap, "%s: bad folder name", dir);
        return PMC_EIO;
    }
    memcpy(p, dir, n + 1);
    for (size_t k = 1; k <= n; k++) {
        if (p[k] != '/' && p[k] != 0)
            continue;
        char c = p[k];
        p[k] = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            snprintf(err, cap, "%s: %s", p, strerror(errno));
            return PMC_EIO;
        }
        p[k] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, cap, "%s: not a folder", dir);
        return PMC_EIO;
    }
    return PMC_OK;
}

/* The shard's state while it runs. */
struct run {
    const struct pmc_rank_tape *t;
    const struct pmc_rank_opts *o;
    const size_t *idx;       /* the run's candidates (tape indexes) */
    const char *const *addr; /* their addresses */
    char run_id[65];
    unsigned shard, nshards;
    size_t *mine; /* candidate positions of this shard */
    size_t nmine;
    struct pmc_rank_wallet *w; /* nmine results, by position in mine */
    unsigned char *have;       /* w[j] is filled */
    size_t nhave;
    char part[4096], done[4096], bdir[4096];
};

/* j of candidate k in mine (sorted), -1 when not this shard's. */
static long mine_pos(const struct run *r, size_t k)
{
    size_t lo = 0, hi = r->nmine;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->mine[mid] == k)
            return (long)mid;
        if (r->mine[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* One wallet of a batch or part: this shard's; one computed twice (two
 * attempts at once) is kept once (the results are equal). */
struct mine_ctx {
    struct run *r;
    const struct pmc_shard_index *ix;
    const char *path;
};

static enum pmc_err take_mine(void *ctx, struct pmc_rank_wallet *w, size_t line,
                              char *err, size_t cap)
{
    struct mine_ctx *c = ctx;
    long k = pmc_shard_index_find(c->ix, w->addr.s);
    long j = k < 0 ? -1 : mine_pos(c->r, (size_t)k);
    if (j < 0) {
        snprintf(err, cap, "%s: line %zu: wallet %s is not of this shard",
                 c->path, line, w->addr.s);
        pmc_rank_wallet_free(w);
        return PMC_EMISMATCH;
    }
    if (c->r->have[j]) {
        pmc_rank_wallet_free(w);
        return PMC_OK;
    }
    c->r->w[j] = *w;
    c->r->have[j] = 1;
    c->r->nhave++;
    return PMC_OK;
}

/* The wallets of one batch or part file into r->w: its header names this
 * run and shard; each wallet is this shard's and new. */
static enum pmc_err read_wallets(struct run *r,
                                 const struct pmc_shard_index *ix,
                                 const char *path, char *err, size_t cap)
{
    char *buf = NULL;
    size_t n = 0;
    enum pmc_err e = pmc_shard_read_file(path, PART_MAX, &buf, &n, err, cap);
    if (e != PMC_OK)
        return e;
    char run[65];
    unsigned i, nn;
    size_t off;
    e = pmc_shard_part_split(buf, n, path, run, &i, &nn, &off, err, cap);
    if (e != PMC_OK) {
        free(buf);
        return e;
    }
    if (strcmp(run, r->run_id) || i != r->shard || nn != r->nshards) {
        snprintf(err, cap,
                 "%s: of run %.12s shard %u/%u, not of this run %.12s shard "
                 "%u/%u (remove it to compute the shard again)",
                 path, run, i, nn, r->run_id, r->shard, r->nshards);
        free(buf);
        return PMC_EMISMATCH;
    }
    struct mine_ctx mc = {r, ix, path};
    uint64_t count;
    e = pmc_rank_wallets_each(buf + off, n - off, path, 2, take_mine, &mc,
                              &count, err, cap);
    free(buf);
    return e;
}

/* Header + one line per wallet w[js[0..n)] as a heap buffer. */
static enum pmc_err format_wallets(const struct run *r, const size_t *js,
                                   size_t n, char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);
    if (!f)
        return PMC_ENOMEM;
    char head[256];
    pmc_shard_part_header(r->run_id, r->shard, r->nshards, head, sizeof head);
    int bad = fputs(head, f) < 0;
    for (size_t k = 0; k < n && !bad; k++)
        bad = pmc_rank_wallet_write(f, &r->w[js[k]]) < 0;
    bad |= ferror(f) != 0;
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        free(*out);
        *out = NULL;
        return PMC_ENOMEM;
    }
    return PMC_OK;
}

/* Earlier batches of this shard (OUT/part-I-of-N.d/b-PID-SEQ: the pid
 * keeps two attempts running at once from writing the same name). Temp
 * files are passed over. */
static enum pmc_err load_batches(struct run *r,
                                 const struct pmc_shard_index *ix, char *err,
                                 size_t cap)
{
    DIR *d = opendir(r->bdir);
    if (!d) {
        snprintf(err, cap, "%s: %s", r->bdir, strerror(errno));
        return PMC_EIO;
    }
    enum pmc_err e = PMC_OK;
    struct dirent *de;
    char path[8192];
    while (e == PMC_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", r->bdir, nm);
        size_t l = strlen(nm);
        /* a temp file: of a kill (removed with the folder at the end), or
         * of another attempt at this shard still writing it */
        if (l > 4 && !strcmp(nm + l - 4, ".tmp"))
            continue;
        if (strncmp(nm, "b-", 2)) {
            snprintf(err, cap, "%s: not a batch of this shard", path);
            e = PMC_EMISMATCH;
            break;
        }
        e = read_wallets(r, ix, path, err, cap);
    }
    closedir(d);
    return e;
}

/* The folder of batches, once the done marker is in. */
static void remove_batches(const struct run *r)
{
    DIR *d = opendir(r->bdir);
    if (!d)
        return;
    struct dirent *de;
    char path[8192];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", r->bdir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(r->bdir);
}

/* A done marker already there: 1 when it and its part are this shard's,
 * complete (the shard has nothing to do), -1 with err when it is in the
 * way (another run, or a part that does not match it). */
static int check_done(const struct run *r, char *err, size_t cap)
{
    char *buf = NULL, *pb = NULL;
    size_t n = 0, pn = 0;
    struct pmc_shard_done d;
    enum pmc_err e = pmc_shard_read_file(r->done, 4096, &buf, &n, err, cap);
    if (e == PMC_ENOTFOUND)
        return 0;
    int ret = -1;
    if (e != PMC_OK ||
        pmc_shard_done_parse(buf, n, r->done, &d, err, cap) != PMC_OK)
        goto out;
    if (strcmp(d.run, r->run_id) || d.shard != r->shard || d.n != r->nshards) {
        snprintf(err, cap, "%s: of another run (%.12s, this run %.12s)",
                 r->done, d.run, r->run_id);
        goto out;
    }
    if (pmc_shard_read_file(r->part, PART_MAX, &pb, &pn, err, cap) != PMC_OK) {
        snprintf(err, cap,
                 "%s: its part %s is missing (remove the marker to compute "
                 "the shard again)",
                 r->done, r->part);
        goto out;
    }
    char sha[65];
    pmc_shard_hash_hex(pb, pn, sha);
    if (strcmp(sha, d.sha256) || d.items != r->nmine) {
        snprintf(err, cap,
                 "%s does not match its done marker (remove both to compute "
                 "the shard again)",
                 r->part);
        goto out;
    }
    ret = 1;
out:
    free(buf);
    free(pb);
    return ret;
}

enum pmc_err pmc_rank_shard_run(const struct pmc_rank_tape *t,
                                const size_t *idx, size_t n,
                                const struct pmc_rank_opts *o,
                                const char *tape_path, unsigned shard,
                                unsigned nshards, const char *outdir, FILE *log,
                                char *err, size_t cap)
{
    struct run r;
    struct pmc_manifest m;
    struct pmc_shard_index ix = {0};
    const char **addr = NULL;
    uint64_t *size = NULL;
    unsigned *owner = NULL;
    size_t *js = NULL;
    char *txt = NULL;
    size_t txtlen = 0;
    char tsha[65];
    uint64_t tbytes = 0;
    enum pmc_err e;

    memset(&r, 0, sizeof r);
    memset(&m, 0, sizeof m);
    if (nshards == 0 || shard >= nshards || nshards > PMC_SHARD_MAX) {
        snprintf(err, cap, "--shard %u/%u: no such shard", shard, nshards);
        return PMC_EUSAGE;
    }
    if (!tape_path || !strcmp(tape_path, "-")) {
        snprintf(err, cap,
                 "--shard needs --tape FILE: every shard reads the same "
                 "file, whose sha256 goes into the manifest (not stdin)");
        return PMC_EUSAGE;
    }
    if (!outdir) {
        snprintf(err, cap,
                 "--shard needs --out DIR: the folder of the "
                 "manifest and the parts, seen by every shard");
        return PMC_EUSAGE;
    }
    if ((e = mkdirs(outdir, err, cap)) != PMC_OK)
        return e;
    if ((e = pmc_shard_hash_file(tape_path, tsha, &tbytes, err, cap)) != PMC_OK)
        return e;

    e = PMC_ENOMEM;
    addr = calloc(n ? n : 1, sizeof *addr);
    size = calloc(n ? n : 1, sizeof *size);
    owner = calloc(n ? n : 1, sizeof *owner);
    if (!addr || !size || !owner)
        goto nomem;
    for (size_t k = 0; k < n; k++) {
        addr[k] = pmc_rank_tape_wallet(t, idx[k])->s;
        size[k] = pmc_rank_tape_wallet_size(t, idx[k]);
    }
    struct pmc_manifest_in in = {
        .opts = o,
        .tape_sha256 = tsha,
        .tape_bytes = tbytes,
        .n = n,
        .addr = (const char *const *)addr,
        .size = size,
    };
    if ((e = pmc_manifest_build(&m, &in, err, cap)) != PMC_OK ||
        (e = pmc_shard_publish(outdir, m.text, m.len, err, cap)) != PMC_OK)
        goto out;
    if ((e = pmc_shard_index_init(&ix, (const char *const *)addr, n, NULL)) !=
        PMC_OK)
        goto nomem; /* no duplicate: the manifest refused those */
    if ((e = pmc_shard_assign(size, n, nshards, owner)) != PMC_OK)
        goto nomem;

    r.t = t;
    r.o = o;
    r.idx = idx;
    r.addr = (const char *const *)addr;
    memcpy(r.run_id, m.id, sizeof r.run_id);
    r.shard = shard;
    r.nshards = nshards;
    r.mine = calloc(n ? n : 1, sizeof *r.mine);
    if (!r.mine)
        goto nomem;
    for (size_t k = 0; k < n; k++)
        if (owner[k] == shard)
            r.mine[r.nmine++] = k;
    r.w = calloc(r.nmine ? r.nmine : 1, sizeof *r.w);
    r.have = calloc(r.nmine ? r.nmine : 1, 1);
    js = calloc(r.nmine ? r.nmine : 1, sizeof *js);
    if (!r.w || !r.have || !js)
        goto nomem;
    if (pmc_shard_part_path(outdir, shard, nshards, "", r.part, sizeof r.part) <
            0 ||
        pmc_shard_part_path(outdir, shard, nshards, ".done", r.done,
                            sizeof r.done) < 0 ||
        pmc_shard_part_path(outdir, shard, nshards, ".d", r.bdir,
                            sizeof r.bdir) < 0) {
        snprintf(err, cap, "%s: path too long", outdir);
        e = PMC_EIO;
        goto out;
    }

    int dn = check_done(&r, err, cap);
    if (dn < 0) {
        e = PMC_EMISMATCH;
        goto out;
    }
    if (dn > 0) {
        if (log)
            fprintf(log,
                    "pmcopy rank: shard %u/%u: already done (%zu wallets in "
                    "%s)\n",
                    shard, nshards, r.nmine, r.part);
        remove_batches(&r);
        e = PMC_OK;
        goto out;
    }
    if ((e = mkdirs(r.bdir, err, cap)) != PMC_OK)
        goto out;
    unsigned long next = 0;
    if ((e = load_batches(&r, &ix, err, cap)) != PMC_OK)
        goto out;
    size_t earlier = r.nhave;

    /* the rest in batches, each backed up before the next starts */
    int jobs = o->jobs > 0 ? o->jobs : 1;
    size_t bsz = (size_t)jobs * 8, nj = 0;
    size_t *tidx = calloc(bsz, sizeof *tidx);
    struct pmc_rank_wallet *tw = calloc(bsz, sizeof *tw);
    if (!tidx || !tw) {
        free(tidx);
        free(tw);
        goto nomem;
    }
    for (size_t j = 0; j < r.nmine && e == PMC_OK;) {
        nj = 0;
        for (; j < r.nmine && nj < bsz; j++)
            if (!r.have[j]) {
                js[nj] = j;
                tidx[nj++] = idx[r.mine[j]];
            }
        if (nj == 0)
            break;
        memset(tw, 0, nj * sizeof *tw);
        if ((e = pmc_rank_run(t, tidx, nj, o, tw)) != PMC_OK) {
            snprintf(err, cap, "shard %u/%u: %s", shard, nshards,
                     pmc_strerror(e));
            break;
        }
        for (size_t b = 0; b < nj; b++) {
            r.w[js[b]] = tw[b];
            r.have[js[b]] = 1;
            r.nhave++;
        }
        char bp[8192];
        snprintf(bp, sizeof bp, "%s/b-%ld-%06lu", r.bdir, (long)getpid(),
                 next++);
        if ((e = format_wallets(&r, js, nj, &txt, &txtlen)) != PMC_OK) {
            snprintf(err, cap, "%s: out of memory", bp);
            break;
        }
        e = pmc_shard_write_atomic(bp, txt, txtlen, err, cap);
        free(txt);
        txt = NULL;
    }
    free(tidx);
    free(tw);
    if (e != PMC_OK)
        goto out;

    /* the part, then its marker: a marker always names a whole part */
    for (size_t j = 0; j < r.nmine; j++)
        js[j] = j;
    if ((e = format_wallets(&r, js, r.nmine, &txt, &txtlen)) != PMC_OK) {
        snprintf(err, cap, "%s: out of memory", r.part);
        goto out;
    }
    if ((e = pmc_shard_write_atomic(r.part, txt, txtlen, err, cap)) != PMC_OK)
        goto out;
    struct pmc_shard_done d;
    char line[512];
    d.kind = PMC_SHARD_RANK;
    memcpy(d.run, r.run_id, sizeof d.run);
    d.shard = shard;
    d.n = nshards;
    d.items = r.nmine;
    pmc_shard_hash_hex(txt, txtlen, d.sha256);
    size_t ll = pmc_shard_done_format(&d, line, sizeof line);
    if ((e = pmc_shard_write_atomic(r.done, line, ll, err, cap)) != PMC_OK)
        goto out;
    remove_batches(&r);
    if (log)
        fprintf(log,
                "pmcopy rank: shard %u/%u: %zu of %zu wallets (%zu from an "
                "earlier attempt), %s\n",
                shard, nshards, r.nmine, n, earlier, r.part);
    e = PMC_OK;
    goto out;
nomem:
    e = PMC_ENOMEM;
    snprintf(err, cap, "shard %u/%u: out of memory", shard, nshards);
out:
    for (size_t j = 0; r.w && j < r.nmine; j++)
        if (r.have && r.have[j])
            pmc_rank_wallet_free(&r.w[j]);
    free(r.w);
    free(r.have);
    free(r.mine);
    free(js);
    free(txt);
    free(addr);
    free(size);
    free(owner);
    pmc_shard_index_fini(&ix);
    pmc_manifest_free(&m);
    return e;
}
