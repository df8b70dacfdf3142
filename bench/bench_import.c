/* bench/bench_import.c - `pmcopy import` throughput on the real recordings.
 *
 * Imports, in place from $PMC_DATA (../shared/data), every recording that
 * is Polymarket's native JSON: the 0x1d00 /activity dump (hxx344), the two
 * days of Gamma BTC 5m markets (Ligengxin96) and the two regions of
 * top-of-book logs (ckoyuncu, tokyo and us_east), each through
 * pmc_import_run into memory, and prints rows/s (source rows per second of
 * the whole import: read, gunzip, decode, sort, format).
 *
 * Every run is checked against the counts the folders' PROVENANCE.md state
 * (2,934 TRADE + 25 MERGE + 25 REDEEM rows; 292 markets a day with 137/155
 * and 140/152 Up/Down winners; 85,184 and 137,779 book rows, one quote
 * each): a wrong count prints what and where and exits 1, and so does a
 * missing recording (a fast import that drops rows is no result). Best of
 * 3 runs each; about 10 s; takes no arguments. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/wire/import.h"

#include "bench/bench.h"

#define RUNS 3
#define MAX_FILES 16

struct counts {
    int64_t fill, merge, redeem, quote, market, resolve, up_won, down_won;
};

#define ANY (-1) /* a count PROVENANCE.md does not state: not checked */

/* Token -> outcome of the tape's ev=market records (for the winners). */
struct outcome_tab {
    char (*tok)[96];
    char (*out)[8];
    size_t n, cap;
};

static const char *field(const char *line, const char *key, size_t *n)
{
    const char *p = strstr(line, key);
    if (!p)
        return NULL;
    p += strlen(key);
    *n = strcspn(p, " \n");
    return p;
}

static void count_tape(const char *t, struct counts *c)
{
    memset(c, 0, sizeof *c);
    struct outcome_tab ot = {0};
    for (const char *l = t; *l;) {
        const char *nl = strchr(l, '\n');
        size_t ln = nl ? (size_t)(nl - l) : strlen(l);
        char line[4096];
        if (ln >= sizeof line)
            ln = sizeof line - 1;
        memcpy(line, l, ln);
        line[ln] = '\0';
        size_t n = 0, m = 0;
        const char *tok = field(line, " token=", &n);
        if (strstr(line, " ev=fill "))
            c->fill++;
        else if (strstr(line, " ev=merge "))
            c->merge++;
        else if (strstr(line, " ev=redeem "))
            c->redeem++;
        else if (strstr(line, " ev=quote "))
            c->quote++;
        else if (strstr(line, " ev=market ")) {
            c->market++;
            const char *o = field(line, " outcome=", &m);
            if (tok && o && n < 96 && m < 8) {
                if (ot.n == ot.cap) {
                    ot.cap = ot.cap ? 2 * ot.cap : 1024;
                    ot.tok = realloc(ot.tok, ot.cap * sizeof *ot.tok);
                    ot.out = realloc(ot.out, ot.cap * sizeof *ot.out);
                    if (!ot.tok || !ot.out) {
                        fprintf(stderr, "bench_import: out of memory\n");
                        exit(1);
                    }
                }
                memcpy(ot.tok[ot.n], tok, n);
                ot.tok[ot.n][n] = '\0';
                memcpy(ot.out[ot.n], o, m);
                ot.out[ot.n][m] = '\0';
                ot.n++;
            }
        } else if (strstr(line, " ev=resolve ")) {
            c->resolve++;
            if (tok && strstr(line, " payout=1") && !strstr(line, "payout=1."))
                for (size_t i = 0; i < ot.n; i++)
                    if (strlen(ot.tok[i]) == n && !memcmp(ot.tok[i], tok, n)) {
                        c->up_won += !strcmp(ot.out[i], "Up");
                        c->down_won += !strcmp(ot.out[i], "Down");
                        break;
                    }
        }
        l = nl ? nl + 1 : l + ln;
    }
    free(ot.tok);
    free(ot.out);
}

/* One import into memory with stderr silenced; 0 ok. */
static int run_import(const struct pmc_import_opts *o, const char *const *files,
                      size_t nfiles, char **text, size_t *len)
{
    FILE *mem = open_memstream(text, len);
    if (!mem)
        return -1;
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    if (saved >= 0 && devnull >= 0)
        dup2(devnull, 2);
    int rc = pmc_import_run(o, files, nfiles, mem);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (devnull >= 0)
        close(devnull);
    if (fclose(mem) != 0)
        rc = -1;
    return rc;
}

struct dataset {
    const char *name;
    enum pmc_import_kind kind;
    const char *dir;    /* under $PMC_DATA: every file in it, sorted */
    const char *file;   /* or one file under $PMC_DATA */
    const char *prefix; /* dir: only files starting with this */
    uint64_t rows;      /* source rows (PROVENANCE.md) */
    struct counts want;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_files(const char *data, const struct dataset *d,
                         char **files)
{
    char path[2048];
    if (d->file) {
        snprintf(path, sizeof path, "%s/%s", data, d->file);
        if (access(path, R_OK) != 0)
            return 0;
        files[0] = strdup(path);
        return files[0] ? 1 : 0;
    }
    snprintf(path, sizeof path, "%s/%s", data, d->dir);
    DIR *dp = opendir(path);
    if (!dp)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < MAX_FILES) {
        if (e->d_name[0] == '.' ||
            strncmp(e->d_name, d->prefix, strlen(d->prefix)))
            continue;
        char f[4096];
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        files[n] = strdup(f);
        if (files[n])
            n++;
    }
    closedir(dp);
    qsort(files, n, sizeof *files, cmp_str);
    return n;
}

static int check(const char *name, const char *what, int64_t got, int64_t want)
{
    if (want == ANY || got == want)
        return 0;
    fprintf(stderr,
            "bench_import: %s: %llu %s, PROVENANCE.md says %llu: wrong "
            "outcome\n",
            name, (unsigned long long)got, what, (unsigned long long)want);
    return 1;
}

int main(void)
{
    const char *data = getenv("PMC_DATA");
    if (!data || !*data)
        data = "../shared/data";
    static const struct dataset sets[] = {
        {"activity hxx344 0x1d00 dump",
         PMC_IMPORT_ACTIVITY,
         NULL,
         "hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json",
         NULL,
         2984,
         {.fill = 2934, .merge = 25, .redeem = 25, .market = 68}},
        {"markets Ligengxin96 BTC 5m, 2 days",
         PMC_IMPORT_MARKETS,
         "Ligengxin96__polymarket-data-samples/samples",
         NULL,
         "BTC-5m-markets-",
         584,
         {.market = 1168,
          .resolve = 1168,
          .up_won = 137 + 140,
          .down_won = 155 + 152}},
        {"book ckoyuncu tokyo",
         PMC_IMPORT_BOOK,
         "ckoyuncu__polymarket_research/archive/polymarket/small_sample_data/"
         "orderbook_logs/tokyo",
         NULL,
         "polymarket_books_",
         85184,
         {.quote = 85184, .market = ANY}},
        {"book ckoyuncu us_east",
         PMC_IMPORT_BOOK,
         "ckoyuncu__polymarket_research/archive/polymarket/small_sample_data/"
         "orderbook_logs/us_east",
         NULL,
         "polymarket_books_",
         137779,
         {.quote = 137779, .market = ANY}},
    };
    int bad = 0;
    uint64_t all_rows = 0;
    double all_s = 0;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        const struct dataset *d = &sets[i];
        char *files[MAX_FILES];
        size_t nf = list_files(data, d, files);
        if (nf == 0) {
            fprintf(stderr,
                    "bench_import: %s: the recording is missing under %s "
                    "(%s): the real data is required\n",
                    d->name, data, d->file ? d->file : d->dir);
            bad = 1;
            continue;
        }
        struct pmc_import_opts o;
        pmc_import_defaults(&o);
        o.kind = d->kind;
        double best = 1e30;
        int failed = 0;
        for (int r = 0; r < RUNS && !failed; r++) {
            char *text = NULL;
            size_t len = 0;
            double t0 = now_s();
            int rc =
                run_import(&o, (const char *const *)files, nf, &text, &len);
            double dt = now_s() - t0;
            if (rc != 0) {
                fprintf(stderr,
                        "bench_import: %s: import failed (run it "
                        "with pmcopy import to see why)\n",
                        d->name);
                failed = 1;
            } else {
                struct counts c;
                count_tape(text, &c);
                failed |= check(d->name, "fills", c.fill, d->want.fill);
                failed |= check(d->name, "merges", c.merge, d->want.merge);
                failed |= check(d->name, "redeems", c.redeem, d->want.redeem);
                failed |= check(d->name, "quotes", c.quote, d->want.quote);
                failed |=
                    check(d->name, "market records", c.market, d->want.market);
                failed |=
                    check(d->name, "resolutions", c.resolve, d->want.resolve);
                failed |=
                    check(d->name, "Up winners", c.up_won, d->want.up_won);
                failed |= check(d->name, "Down winners", c.down_won,
                                d->want.down_won);
            }
            free(text);
            if (dt < best)
                best = dt;
        }
        for (size_t f = 0; f < nf; f++)
            free(files[f]);
        if (failed) {
            bad = 1;
            continue;
        }
        all_rows += d->rows;
        all_s += best;
        printf("import %-36s %7llu rows in %2zu file(s): %8.4f s, %10.0f "
               "rows/s  (best of %d; counts as PROVENANCE.md)\n",
               d->name, (unsigned long long)d->rows, nf, best,
               (double)d->rows / best, RUNS);
    }
    if (all_s > 0)
        printf("import all real recordings: %llu rows, %.0f rows/s\n",
               (unsigned long long)all_rows, (double)all_rows / all_s);
    return bad;
}
