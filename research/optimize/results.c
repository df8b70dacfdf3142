/* research/optimize/results.c - the run's folder: its identity, the files
 * step 1 streams to, --resume, the progress (optimize.h step 1).
 *
 * Decides: what makes two runs the same run (DIR/run.id: the tape's and
 * the space file's sha256, the base configuration, the simulator knobs,
 * search, seed, trials, folds, embargo, objective), that a folder holding
 * another run is refused, and where a resumed run starts (after the last
 * complete line of trials.jsonl; a torn line is cut off, trials.csv cut to
 * the same trials). Never: writes a byte that depends on the clock, the
 * thread or --jobs into these files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dec.h"
#include "proto/config_load.h"
#include "proto/jsonout.h"
#include "research/optimize/opt_int.h"
#include "research/shard/shard.h"

static const char *search_name(enum pmc_search h)
{
    return h == PMC_SEARCH_SOBOL ? "sobol" : "grid";
}

int pmc__opt_identity(const struct pmc_opt_opts *o, const char *tape_sha,
                      char *out, size_t cap, char *err, size_t ecap)
{
    char ssha[65], csha[65];
    uint64_t bytes;
    if (pmc_shard_hash_file(o->space_path, ssha, &bytes, err, ecap) != PMC_OK)
        return -1;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f || pmc_config_write_json(o->base, f) != PMC_OK) {
        if (f)
            fclose(f);
        free(buf);
        snprintf(err, ecap, "out of memory");
        return -1;
    }
    const struct pmc_sim_opts *s = &o->sim;
    fprintf(f,
            "sim seed=%" PRIu64 " lat=%d:%" PRId64 ",%" PRId64 ",%" PRId64
            ",%" PRId64 " submit=%" PRId64 " report=%" PRId64 " jitter=%" PRId64
            " half_spread=%" PRId64 " depth=%" PRId64 " capital=%" PRId64 "\n",
            s->seed, (int)s->lat_mode, s->lat_src[0], s->lat_src[1],
            s->lat_src[2], s->lat_src[3], s->lat_submit, s->lat_report,
            s->lat_jitter, s->half_spread, s->nobook_depth, s->capital);
    fclose(f);
    pmc_shard_hash_hex(buf, n, csha);
    free(buf);
    snprintf(out, cap,
             "pmcopy-optimize v1 tape=%s space=%s config=%s search=%s "
             "seed=%" PRIu64 " trials=%" PRIu64
             " folds=%u embargo=%u objective=%s\n",
             tape_sha, ssha, csha, search_name(o->how), o->seed, o->trials,
             o->folds, o->embargo, pmc_objective_name(o->objective));
    return 0;
}

int pmc__opt_path(char *buf, size_t cap, const char *dir, const char *name)
{
    return snprintf(buf, cap, "%s/%s", dir, name) >= (int)cap ? -1 : 0;
}

/* Keep the first `keep` lines after `skip` header lines of path (a torn
 * last line is dropped too); returns how many complete lines there were
 * beyond the header (when keep is UINT64_MAX: counts and cuts a torn
 * tail). -1 on I/O errors. */
static int64_t cut_lines(const char *path, uint64_t skip, uint64_t keep)
{
    FILE *f = fopen(path, "r+");
    if (!f)
        return -1;
    int ch;
    uint64_t lines = 0;
    long good = 0, pos = 0;
    while ((ch = fgetc(f)) != EOF) {
        pos++;
        if (ch == '\n') {
            lines++;
            if (lines <= skip || lines - skip <= keep)
                good = pos;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || truncate(path, good) != 0)
        return -1;
    uint64_t body = lines > skip ? lines - skip : 0;
    return (int64_t)(body < keep ? body : keep);
}

/* The trial indices of a resumed trials.jsonl must be lo, lo+1, ... */
static int check_order(const char *path, uint64_t lo, uint64_t n, char *err,
                       size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    uint64_t i = lo;
    int first = 1, rc = 0;
    while (fgets(line, sizeof line, f)) {
        int whole = strchr(line, '\n') != NULL;
        if (first) {
            first = 0;
            while (!whole && fgets(line, sizeof line, f))
                whole = strchr(line, '\n') != NULL;
            continue;
        }
        uint64_t k;
        if (sscanf(line, "{\"trial\":%" SCNu64, &k) != 1 || k != i) {
            snprintf(err, cap,
                     "%s: line %" PRIu64 ": trial %" PRIu64
                     " expected: not a file this command wrote",
                     path, i - lo + 2, i);
            rc = -1;
            break;
        }
        i++;
        while (!whole && fgets(line, sizeof line, f))
            whole = strchr(line, '\n') != NULL;
    }
    fclose(f);
    if (rc == 0 && i - lo != n) {
        snprintf(err, cap, "%s: %" PRIu64 " trials, expected %" PRIu64, path,
                 i - lo, n);
        rc = -1;
    }
    return rc;
}

static void json_header(FILE *j, const struct pmc_opt_opts *o,
                        const struct pmc__opt_out *w)
{
    size_t nd = pmc_space_ndims(o->space);
    fputs("{\"pmcopy\":", j);
    pmc_json_str(j, o->version ? o->version : "");
    fputs(",\"tape\":", j);
    pmc_json_str(j, o->tape_path);
    fprintf(j, ",\"tape_sha256\":\"%s\",\"search\":\"%s\",\"seed\":%" PRIu64,
            w->tape_sha, search_name(o->how), o->seed);
    fprintf(j,
            ",\"objective\":\"%s\",\"folds\":%u,\"embargo_days\":%u,"
            "\"days\":%" PRIu32 ",\"first_day_ms\":%" PRId64 ",\"keys\":[",
            pmc_objective_name(o->objective), o->folds, o->embargo, w->ndays,
            w->day0);
    for (size_t d = 0; d < nd; d++) {
        if (d)
            fputc(',', j);
        pmc_json_str(j, pmc_space_key(o->space, d));
    }
    fputs("]}\n", j);
}

static void csv_header(FILE *c, const struct pmc_opt_opts *o)
{
    size_t nd = pmc_space_ndims(o->space);
    fputs("trial", c);
    for (size_t d = 0; d < nd; d++)
        fprintf(c, ",%s", pmc_space_key(o->space, d));
    fputs(",pnl_usd,fees_usd,traded_usd,orders,fills", c);
    for (unsigned k = 0; k < o->folds; k++)
        fprintf(c, ",fold_%u_pnl_usd", k + 1);
    fputs(",error,tape_sha256,pmcopy\n", c);
}

uint64_t pmc__opt_total(const struct pmc_opt_opts *o)
{
    uint64_t end = o->trials;
    if (o->how == PMC_SEARCH_GRID) {
        uint64_t g = pmc_space_grid_size(o->space);
        if (!end || end > g)
            end = g;
    }
    return end;
}

int pmc__opt_step1(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                   const char *tape_sha, const char *dir, uint64_t lo,
                   uint64_t hi, int resume, char *err, size_t cap)
{
    struct pmc__opt_out w;
    memset(&w, 0, sizeof w);
    w.dfd = -1;
    w.base = lo;
    pmc_opt_days(t, &w.day0, &w.ndays);
    uint64_t bytes;
    if (tape_sha)
        memcpy(w.tape_sha, tape_sha, sizeof w.tape_sha);
    else if (pmc_shard_hash_file(o->tape_path, w.tape_sha, &bytes, err, cap) !=
             PMC_OK)
        return -1;
    char id[512], p_id[4200], p_j[4200], p_c[4200], p_d[4200];
    if (pmc__opt_identity(o, w.tape_sha, id, sizeof id, err, cap) < 0)
        return -1;
    if (pmc__opt_path(p_id, sizeof p_id, dir, "run.id") ||
        pmc__opt_path(p_j, sizeof p_j, dir, "trials.jsonl") ||
        pmc__opt_path(p_c, sizeof p_c, dir, "trials.csv") ||
        pmc__opt_path(p_d, sizeof p_d, dir, "daily.bin")) {
        snprintf(err, cap, "--out %s: path too long", dir);
        return -1;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    uint64_t first = lo;
    int exists = access(p_j, F_OK) == 0;
    if (exists && !resume) {
        snprintf(err, cap,
                 "%s already holds a run (trials.jsonl): --resume to "
                 "continue it, or another --out",
                 dir);
        return -1;
    }
    int rc = -1;
    if (exists) {
        char *old = NULL;
        size_t on = 0;
        if (pmc_shard_read_file(p_id, 4096, &old, &on, err, cap) != PMC_OK)
            return -1;
        int same = on == strlen(id) && !memcmp(old, id, on);
        free(old);
        if (!same) {
            snprintf(err, cap,
                     "--resume: %s is a run of another tape, space, "
                     "configuration or search (run.id differs)",
                     dir);
            return -1;
        }
        /* the trials both files hold complete (a kill may fall between
         * the two writes); daily.bin was written before either */
        int64_t kj = cut_lines(p_j, 1, UINT64_MAX);
        int64_t kc = cut_lines(p_c, 1, UINT64_MAX);
        if (kj < 0 || kc < 0) {
            snprintf(err, cap, "%s: %s", kj < 0 ? p_j : p_c, strerror(errno));
            return -1;
        }
        int64_t k = kj < kc ? kj : kc;
        if (cut_lines(p_j, 1, (uint64_t)k) != k ||
            cut_lines(p_c, 1, (uint64_t)k) != k) {
            snprintf(err, cap, "%s: %s", dir, strerror(errno));
            return -1;
        }
        if (check_order(p_j, lo, (uint64_t)k, err, cap) < 0)
            return -1;
        first = lo + (uint64_t)k;
        w.jsonl = fopen(p_j, "a");
        w.csv = fopen(p_c, "a");
        w.dfd = open(p_d, O_WRONLY | O_CLOEXEC);
    } else {
        if (pmc_shard_write_atomic(p_id, id, strlen(id), err, cap) != PMC_OK)
            return -1;
        w.jsonl = fopen(p_j, "w");
        w.csv = fopen(p_c, "w");
        w.dfd = open(p_d, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w.jsonl && w.csv) {
            json_header(w.jsonl, o, &w);
            csv_header(w.csv, o);
        }
        char head[PMC_OPT_DAILY_HEAD];
        memset(head, ' ', sizeof head);
        int hn = snprintf(head, sizeof head, "pmcopy-daily v1 days=%" PRIu32,
                          w.ndays);
        head[hn] = ' ';
        head[sizeof head - 1] = '\n';
        if (w.dfd >= 0 &&
            pwrite(w.dfd, head, sizeof head, 0) != (ssize_t)sizeof head) {
            snprintf(err, cap, "%s: write error", p_d);
            goto done;
        }
    }
    if (!w.jsonl || !w.csv || w.dfd < 0) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        goto done;
    }
    w.dbuf = malloc((size_t)w.ndays * 2 * sizeof(int64_t) + 16);
    if (!w.dbuf) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    uint64_t end = hi;
    w.total = end;
    w.bar = o->progress == PMC_OP_BAR ||
            (o->progress == PMC_OP_AUTO && isatty(STDERR_FILENO));
    if (first < end && pmc__opt_pool(t, o, &w, first, end, err, cap) < 0)
        goto done;
    if (w.bar)
        fputc('\n', stderr);
    rc = 0;
done:
    if (w.jsonl && fclose(w.jsonl) != 0 && rc == 0) {
        snprintf(err, cap, "%s: write error", p_j);
        rc = -1;
    }
    if (w.csv && fclose(w.csv) != 0 && rc == 0) {
        snprintf(err, cap, "%s: write error", p_c);
        rc = -1;
    }
    if (w.dfd >= 0)
        close(w.dfd);
    free(w.dbuf);
    return rc;
}

int pmc_opt_run(const struct pmc_rank_tape *t, const struct pmc_opt_opts *o,
                char *err, size_t cap)
{
    return pmc__opt_step1(t, o, NULL, o->out, 0, pmc__opt_total(o), o->resume,
                          err, cap);
}
