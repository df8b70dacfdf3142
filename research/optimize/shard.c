/* research/optimize/shard.c - `pmcopy optimize --shard I/N` and the merge
 * of its parts (optimize.h, the contract of research/shard/shard.h).
 *
 * The manifest (text, '\n' lines, in this order):
 *   pmcopy-optimize-manifest 1
 *   pmcopy-optimize v1 tape=HEX space=HEX ...   the run's identity line
 *   trials N                                    the trials of the run
 *   days first=MS n=N                           the tape's UTC days
 *   space BYTES        then BYTES bytes of SPACE.json and a '\n'
 *   config BYTES       then the base configuration (JSON) and a '\n'
 *   end
 * A shard owns trials [N*I/S, N*(I+1)/S): every trial costs about the same
 * (one whole backtest), so equal runs of indices are an even split, and
 * the parts spliced in shard order are the unsharded files' bodies.
 * A part's marker counts its trials; its sha256 is that of the line
 * "SHA(trials.jsonl) SHA(trials.csv) SHA(daily.bin)\n".
 *
 * Decides: the manifest, the share, what merge refuses (a missing or
 * foreign part, a marker that does not match its files, parts of
 * different splits) and that merge needs nothing but the folder. Never:
 * computes a trial itself (step 1 does), lets the split change a byte of
 * the merged outputs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/tape.h"
#include "proto/config_load.h"
#include "research/optimize/opt_int.h"
#include "research/shard/shard.h"

#define MANIFEST_MAGIC "pmcopy-optimize-manifest 1\n"
#define MANIFEST_MAX ((size_t)1 << 24) /* a 1 MiB space, a config */

/* The manifest text (malloc'd) for o over the tape whose sha is tape_sha. */
static char *manifest_text(const struct pmc_opt_opts *o, const char *tape_sha,
                           pmc_ms day0, uint32_t ndays, size_t *len, char *err,
                           size_t cap)
{
    char id[512];
    if (pmc__opt_identity(o, tape_sha, id, sizeof id, err, cap) < 0)
        return NULL;
    char *sp = NULL, *txt = NULL, *cfg = NULL;
    size_t spn = 0, txtn = 0, cfgn = 0;
    FILE *cf = NULL, *f = NULL;
    if (pmc_shard_read_file(o->space_path, (size_t)1 << 20, &sp, &spn, err,
                            cap) != PMC_OK)
        return NULL;
    if (!(cf = open_memstream(&cfg, &cfgn)) ||
        pmc_config_write_json(o->base, cf) != PMC_OK || fclose(cf) != 0) {
        snprintf(err, cap, "manifest: the configuration did not write");
        goto fail;
    }
    cf = NULL;
    if (!(f = open_memstream(&txt, &txtn))) {
        snprintf(err, cap, "out of memory");
        goto fail;
    }
    fprintf(f, "%s%strials %" PRIu64 "\ndays first=%" PRId64 " n=%" PRIu32 "\n",
            MANIFEST_MAGIC, id, pmc__opt_total(o), day0, ndays);
    fprintf(f, "space %zu\n", spn);
    fwrite(sp, 1, spn, f);
    fprintf(f, "\nconfig %zu\n", cfgn);
    fwrite(cfg, 1, cfgn, f);
    fputs("\nend\n", f);
    if (fclose(f) != 0) {
        f = NULL;
        snprintf(err, cap, "out of memory");
        goto fail;
    }
    free(sp);
    free(cfg);
    *len = txtn;
    return txt;
fail:
    if (cf)
        fclose(cf);
    free(sp);
    free(cfg);
    free(txt);
    return NULL;
}

/* A line of m->text at *pos (without '\n'), its length; -1 at the end. */
static long take_line(const struct pmc__opt_manifest *m, size_t *pos,
                      const char **line)
{
    if (*pos >= m->len)
        return -1;
    const char *s = m->text + *pos;
    const char *nl = memchr(s, '\n', m->len - *pos);
    if (!nl)
        return -1;
    *line = s;
    *pos += (size_t)(nl - s) + 1;
    return (long)(nl - s);
}

/* "WORD N\n" then N bytes and '\n'. */
static int take_blob(struct pmc__opt_manifest *m, size_t *pos, const char *word,
                     const char **p, size_t *n)
{
    const char *l;
    long ll = take_line(m, pos, &l);
    size_t wl = strlen(word);
    if (ll <= (long)wl || strncmp(l, word, wl) || l[wl] != ' ')
        return -1;
    char num[24];
    size_t k = (size_t)ll - wl - 1;
    if (k == 0 || k >= sizeof num)
        return -1;
    memcpy(num, l + wl + 1, k);
    num[k] = 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(num, &end, 10);
    if (errno || *end || num[0] == '-' || v > m->len - *pos ||
        m->len - *pos - v < 1 || m->text[*pos + v] != '\n')
        return -1;
    *p = m->text + *pos;
    *n = (size_t)v;
    *pos += (size_t)v + 1;
    return 0;
}

int pmc__opt_manifest_parse(struct pmc__opt_manifest *m, const char *name,
                            char *err, size_t cap)
{
    pmc_shard_hash_hex(m->text, m->len, m->id);
    size_t pos = 0;
    const char *l;
    long ll;
    if (m->len < sizeof MANIFEST_MAGIC - 1 ||
        memcmp(m->text, MANIFEST_MAGIC, sizeof MANIFEST_MAGIC - 1))
        goto bad;
    pos = sizeof MANIFEST_MAGIC - 1;
    if ((ll = take_line(m, &pos, &l)) < 0 || ll < 16 ||
        strncmp(l, "pmcopy-optimize ", 16))
        goto bad;
    m->ident = l;
    m->ident_len = (size_t)ll + 1;
    char buf[128];
    if ((ll = take_line(m, &pos, &l)) < 0 || (size_t)ll >= sizeof buf)
        goto bad;
    memcpy(buf, l, (size_t)ll);
    buf[ll] = 0;
    char tail;
    if (sscanf(buf, "trials %" SCNu64 "%c", &m->trials, &tail) != 1)
        goto bad;
    if ((ll = take_line(m, &pos, &l)) < 0 || (size_t)ll >= sizeof buf)
        goto bad;
    memcpy(buf, l, (size_t)ll);
    buf[ll] = 0;
    int64_t d0;
    uint32_t nd;
    if (sscanf(buf, "days first=%" SCNd64 " n=%" SCNu32 "%c", &d0, &nd,
               &tail) != 2 ||
        nd == 0 || nd > 1000000 || d0 < 0 || d0 > PMC_TIME_MAX)
        goto bad;
    m->day0 = d0;
    m->ndays = nd;
    if (take_blob(m, &pos, "space", &m->space, &m->space_len) < 0 ||
        take_blob(m, &pos, "config", &m->config, &m->config_len) < 0 ||
        (ll = take_line(m, &pos, &l)) != 3 || strncmp(l, "end", 3) ||
        pos != m->len)
        goto bad;
    return 0;
bad:
    snprintf(err, cap,
             "%s: not an optimize manifest, or damaged (near byte %zu)", name,
             pos);
    return -1;
}

static int man_load(struct pmc__opt_manifest *m, const char *dir, char *err,
                    size_t cap)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    if (pmc__opt_path(path, sizeof path, dir, "manifest") < 0) {
        snprintf(err, cap, "%s: path too long", dir);
        return -1;
    }
    if (pmc_shard_read_file(path, MANIFEST_MAX, &m->text, &m->len, err, cap) !=
        PMC_OK)
        return -1;
    if (pmc__opt_manifest_parse(m, path, err, cap) < 0) {
        free(m->text);
        m->text = NULL;
        return -1;
    }
    return 0;
}

/* The sha256 a marker carries for the part folder, and its files synced to
 * disk. */
static int part_sha(const char *pdir, char hex[65], char *err, size_t cap)
{
    static const char *const names[] = {"trials.jsonl", "trials.csv",
                                        "daily.bin"};
    char line[200], path[4200];
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        char h[65];
        uint64_t bytes;
        if (pmc__opt_path(path, sizeof path, pdir, names[k]) < 0) {
            snprintf(err, cap, "%s: path too long", pdir);
            return -1;
        }
        if (pmc_shard_hash_file(path, h, &bytes, err, cap) != PMC_OK)
            return -1;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
            snprintf(err, cap, "%s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", k ? " " : "",
                              h);
    }
    n += (size_t)snprintf(line + n, sizeof line - n, "\n");
    pmc_shard_hash_hex(line, n, hex);
    return 0;
}

static void share(uint64_t total, unsigned i, unsigned n, uint64_t *lo,
                  uint64_t *hi)
{
    /* total * i / n without overflow: total < 2^63, n <= PMC_SHARD_MAX */
    *lo = total / n * i + total % n * i / n;
    *hi = total / n * (i + 1) + total % n * (i + 1) / n;
}

/* Check the marker at done against the run, the share and pdir's files.
 * 1 valid, 0 absent, -1 with err. */
static int check_done(const char *done, const char *pdir, const char *run,
                      unsigned i, unsigned n, uint64_t items, char *err,
                      size_t cap)
{
    char *buf = NULL;
    size_t len = 0;
    enum pmc_err e = pmc_shard_read_file(done, 4096, &buf, &len, err, cap);
    if (e == PMC_ENOTFOUND)
        return 0;
    if (e != PMC_OK)
        return -1;
    struct pmc_shard_done d;
    int rc = -1;
    if (pmc_shard_done_parse(buf, len, done, &d, err, cap) != PMC_OK)
        goto out;
    if (d.kind != PMC_SHARD_OPTIMIZE || strcmp(d.run, run)) {
        snprintf(err, cap, "%s: of another run (%.12s; this run %.12s)", done,
                 d.run, run);
        goto out;
    }
    if (d.shard != i || d.n != n || d.items != items) {
        snprintf(err, cap,
                 "%s: names shard %u/%u with %" PRIu64
                 " trials, not %u/%u with %" PRIu64,
                 done, d.shard, d.n, d.items, i, n, items);
        goto out;
    }
    char sha[65];
    if (part_sha(pdir, sha, err, cap) < 0)
        goto out;
    if (strcmp(sha, d.sha256)) {
        snprintf(err, cap,
                 "%s: its files do not match %s (sha256 %.12s, the marker "
                 "says %.12s): changed after the shard finished",
                 pdir, done, sha, d.sha256);
        goto out;
    }
    rc = 1;
out:
    free(buf);
    return rc;
}

int pmc_opt_shard_run(const struct pmc_rank_tape *t,
                      const struct pmc_opt_opts *o, unsigned shard,
                      unsigned nshards, FILE *log, char *err, size_t cap)
{
    char tsha[65];
    uint64_t bytes;
    if (pmc_shard_hash_file(o->tape_path, tsha, &bytes, err, cap) != PMC_OK)
        return -1;
    pmc_ms day0;
    uint32_t ndays;
    pmc_opt_days(t, &day0, &ndays);
    size_t len = 0;
    char *txt = manifest_text(o, tsha, day0, ndays, &len, err, cap);
    if (!txt)
        return -1;
    int rc = -1;
    char run[65], pdir[4200], done[4200];
    pmc_shard_hash_hex(txt, len, run);
    if (mkdir(o->out, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", o->out, strerror(errno));
        goto out;
    }
    if (pmc_shard_publish(o->out, txt, len, err, cap) != PMC_OK)
        goto out;
    if (pmc_shard_part_path(o->out, shard, nshards, NULL, pdir, sizeof pdir) <
            0 ||
        pmc_shard_part_path(o->out, shard, nshards, ".done", done,
                            sizeof done) < 0) {
        snprintf(err, cap, "%s: path too long", o->out);
        goto out;
    }
    uint64_t lo, hi;
    share(pmc__opt_total(o), shard, nshards, &lo, &hi);
    int have = check_done(done, pdir, run, shard, nshards, hi - lo, err, cap);
    if (have < 0)
        goto out;
    if (have) {
        if (log)
            fprintf(log,
                    "pmcopy optimize: shard %u/%u: already done (%" PRIu64
                    " trials)\n",
                    shard, nshards, hi - lo);
        rc = 0;
        goto out;
    }
    if (pmc__opt_step1(t, o, tsha, pdir, lo, hi, 1, err, cap) < 0)
        goto out;
    struct pmc_shard_done d;
    memset(&d, 0, sizeof d);
    d.kind = PMC_SHARD_OPTIMIZE;
    memcpy(d.run, run, sizeof d.run);
    d.shard = shard;
    d.n = nshards;
    d.items = hi - lo;
    if (part_sha(pdir, d.sha256, err, cap) < 0)
        goto out;
    char line[512];
    size_t ll = pmc_shard_done_format(&d, line, sizeof line);
    if (pmc_shard_write_atomic(done, line, ll, err, cap) != PMC_OK)
        goto out;
    if (log)
        fprintf(log,
                "pmcopy optimize: shard %u/%u: trials %" PRIu64 "..%" PRIu64
                " done; `pmcopy merge %s` once every part is in\n",
                shard, nshards, lo, hi, o->out);
    rc = 0;
out:
    free(txt);
    return rc;
}

int pmc_opt_is_sharded_run(const char *dir)
{
    char path[4200];
    if (pmc__opt_path(path, sizeof path, dir, "manifest") < 0)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char head[sizeof MANIFEST_MAGIC];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    return n == sizeof MANIFEST_MAGIC - 1 &&
           !memcmp(head, MANIFEST_MAGIC, sizeof MANIFEST_MAGIC - 1);
}

/* The number of shards the parts in dir were split into; -1 with err when
 * none or of different splits. */
static long find_split(const char *dir, char *err, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned i, nn;
        char name[300];
        snprintf(name, sizeof name, "%s", de->d_name);
        size_t l = strlen(name);
        if (l > 5 && !strcmp(name + l - 5, ".done"))
            name[l - 5] = 0;
        if (!pmc_shard_part_name(name, &i, &nn))
            continue;
        if (n && (long)nn != n) {
            snprintf(err, cap,
                     "%s: parts of different splits (%s and of %ld): "
                     "one --out folder per split",
                     dir, de->d_name, n);
            closedir(d);
            return -1;
        }
        n = (long)nn;
    }
    closedir(d);
    if (!n)
        snprintf(err, cap, "%s: no part-I-of-N: run the shards first", dir);
    return n ? n : -1;
}

/* Append src's bytes after its first `skip` bytes (skip_line: after its
 * first line instead) to f. */
static int append_body(FILE *f, const char *src, size_t skip, int skip_line,
                       char *err, size_t cap)
{
    FILE *in = fopen(src, "rb");
    if (!in) {
        snprintf(err, cap, "%s: %s", src, strerror(errno));
        return -1;
    }
    int ch;
    if (skip_line) {
        while ((ch = getc(in)) != EOF && ch != '\n')
            ;
    } else if (fseek(in, (long)skip, SEEK_SET) != 0) {
        snprintf(err, cap, "%s: %s", src, strerror(errno));
        fclose(in);
        return -1;
    }
    char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, f) != k)
            break;
    int bad = ferror(in);
    fclose(in);
    if (bad || ferror(f)) {
        snprintf(err, cap, "%s: read or write error", src);
        return -1;
    }
    return 0;
}

/* dir/name from the parts' files (their header from part 0): head = 0 a
 * header line, else head bytes. */
static int splice_all(const char *dir, const char *name, long n, size_t head,
                      char *err, size_t cap)
{
    char out[4200], tmp[4300], src[4300], pdir[4200];
    if (pmc__opt_path(out, sizeof out, dir, name) < 0) {
        snprintf(err, cap, "%s: path too long", dir);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        pmc_shard_part_path(dir, (unsigned)i, (unsigned)n, NULL, pdir,
                            sizeof pdir);
        snprintf(src, sizeof src, "%s/%s", pdir, name);
        if (i == 0) {
            FILE *in = fopen(src, "rb");
            if (!in) {
                snprintf(err, cap, "%s: %s", src, strerror(errno));
                rc = -1;
                break;
            }
            int ch;
            size_t k = 0;
            while ((ch = getc(in)) != EOF) {
                putc(ch, f);
                k++;
                if (head ? k == head : ch == '\n')
                    break;
            }
            fclose(in);
        }
        rc = append_body(f, src, head, head == 0, err, cap);
    }
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, cap, "%s: write error", tmp);
        rc = -1;
    }
    if (rc == 0 && rename(tmp, out) != 0) {
        snprintf(err, cap, "%s: %s", out, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* The "tape" of part 0's trials.jsonl header: the path the run was given
 * (reports name it). Into out; "" when absent or unreadable. */
static void tape_of(const char *pdir, char *out, size_t cap)
{
    char path[4300];
    out[0] = 0;
    snprintf(path, sizeof path, "%s/trials.jsonl", pdir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    json_t *h = json_loadf(f, JSON_DISABLE_EOF_CHECK, NULL);
    fclose(f);
    const char *t = json_string_value(json_object_get(h, "tape"));
    if (t)
        snprintf(out, cap, "%s", t);
    json_decref(h);
}

int pmc_opt_merge(const char *dir, const char *version,
                  struct pmc_opt_verdict *v, enum pmc_objective *obj, char *err,
                  size_t cap)
{
    struct pmc__opt_manifest m;
    if (man_load(&m, dir, err, cap) < 0)
        return -1;
    int rc = -1;
    struct pmc_config *cfg = malloc(sizeof *cfg);
    struct pmc_space *sp = NULL;
    char mpath[4200], origin[4300];
    pmc__opt_path(mpath, sizeof mpath, dir, "manifest");
    snprintf(origin, sizeof origin, "%s (its configuration)", mpath);
    if (!cfg) {
        snprintf(err, cap, "out of memory");
        goto out;
    }
    if (pmc_config_from_json(cfg, m.config, m.config_len, origin, err, cap) !=
        PMC_OK)
        goto out;
    if (!(sp = pmc_space_parse(m.space, m.space_len, cfg, err, cap)))
        goto out;
    /* the identity line's options */
    char search[8], objective[16];
    struct pmc_opt_opts o;
    pmc_opt_defaults(&o);
    char ident[600];
    if (m.ident_len >= sizeof ident)
        goto bad_ident;
    memcpy(ident, m.ident, m.ident_len);
    ident[m.ident_len] = 0;
    uint64_t trials_arg;
    if (sscanf(ident,
               "pmcopy-optimize v1 tape=%*64[0-9a-f] space=%*64[0-9a-f] "
               "config=%*64[0-9a-f] search=%7s seed=%" SCNu64 " trials=%" SCNu64
               " folds=%u embargo=%u objective=%15s",
               search, &o.seed, &trials_arg, &o.folds, &o.embargo,
               objective) != 6 ||
        o.folds < 2 || o.folds > 64 ||
        pmc_objective_parse(objective, &o.objective) < 0)
        goto bad_ident;
    o.how = !strcmp(search, "sobol") ? PMC_SEARCH_SOBOL : PMC_SEARCH_GRID;
    o.trials = trials_arg;
    o.base = cfg;
    o.space = sp;
    o.out = dir;
    o.version = version;
    if (pmc__opt_total(&o) != m.trials) {
        snprintf(err, cap,
                 "%s: %" PRIu64 " trials, but its space and search give "
                 "%" PRIu64,
                 mpath, m.trials, pmc__opt_total(&o));
        goto out;
    }
    long n = find_split(dir, err, cap);
    if (n < 0)
        goto out;
    for (long i = 0; i < n; i++) {
        char pdir[4200], done[4200];
        if (pmc_shard_part_path(dir, (unsigned)i, (unsigned)n, NULL, pdir,
                                sizeof pdir) < 0 ||
            pmc_shard_part_path(dir, (unsigned)i, (unsigned)n, ".done", done,
                                sizeof done) < 0) {
            snprintf(err, cap, "%s: path too long", dir);
            goto out;
        }
        uint64_t lo, hi;
        share(m.trials, (unsigned)i, (unsigned)n, &lo, &hi);
        int have = check_done(done, pdir, m.id, (unsigned)i, (unsigned)n,
                              hi - lo, err, cap);
        if (have < 0)
            goto out;
        if (!have) {
            snprintf(err, cap,
                     "%s: missing: shard %ld/%ld has not finished (run it "
                     "again; it continues where it stopped)",
                     done, i, n);
            goto out;
        }
    }
    char pdir0[4200], tape[4096], runid[4200];
    pmc_shard_part_path(dir, 0, (unsigned)n, NULL, pdir0, sizeof pdir0);
    tape_of(pdir0, tape, sizeof tape);
    o.tape_path = tape;
    if (splice_all(dir, "trials.jsonl", n, 0, err, cap) < 0 ||
        splice_all(dir, "trials.csv", n, 0, err, cap) < 0 ||
        splice_all(dir, "daily.bin", n, PMC_OPT_DAILY_HEAD, err, cap) < 0)
        goto out;
    if (pmc__opt_path(runid, sizeof runid, dir, "run.id") < 0 ||
        pmc_shard_write_atomic(runid, m.ident, m.ident_len, err, cap) != PMC_OK)
        goto out;
    if (pmc_opt_analyse(m.day0, m.ndays, &o, v, err, cap) < 0)
        goto out;
    *obj = o.objective;
    rc = 0;
    goto out;
bad_ident:
    snprintf(err, cap, "%s: line 2: not an optimize run's identity", mpath);
out:
    pmc_space_free(sp);
    free(cfg);
    free(m.text);
    return rc;
}
