/* proto/wire/import.c - Polymarket's native JSON (plain or gzip) to one
 * tape (docs/import.md); `pmcopy import` is its command.
 *
 * Decides: which decoder reads which kind, how a file is split into
 * documents (one document, or one per line for .jsonl files and `book`),
 * which ev=market records are synthesised from what the rows say (slug
 * window, condition id, outcome, documented defaults for up/down crypto
 * markets), and the output order: by t, market records before other
 * records of the same t, resolutions after them, input order otherwise.
 * Never reorders records of equal (t, rank); never writes anything but the
 * tape on its output; output is byte-identical across runs. */
#include "proto/grow.h"
#include "proto/wire/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/chain.h"
#include "proto/wire/clob.h"
#include "proto/wire/data_api.h"
#include "proto/wire/gamma.h"
#include "proto/wire/prices.h"

#define MAX_FILE_BYTES ((size_t)1 << 30)
#define MAX_GZ_RATIO 200 /* plain JSON rows compress 10-30 times */

static const char *const kind_names[] = {"activity", "trades", "prices",
                                         "markets",  "book",   "logs"};

struct item {
    pmc_ms t;
    int rank; /* 0 market, 1 other, 2 resolve */
    uint64_t seq;
    size_t off, len;    /* formatted line in the arena */
    struct pmc_sym key; /* fills: for reorg removal (logs) */
    int dead;
};

struct meta {
    struct pmc_sym token, market;
    char outcome[24];
    char question[160], slug[80]; /* the rows' title and slug, if any */
    pmc_ms end, first_t;
    int updown, used;
};

struct imp {
    enum pmc_import_kind kind;
    unsigned flags;
    pmc_micros fee_rate;
    int fee_exp, no_meta;
    const struct pmc_sym *wallet;
    /* output */
    struct item *items;
    size_t nitems, capitems;
    char *arena;
    size_t narena, caparena;
    uint64_t seq;
    uint64_t per_kind[PMC_K_COUNT];
    uint64_t removed, removed_missing;
    /* token metadata */
    struct meta *metas;
    size_t cap_metas, nmetas;
    int oom;
};

static struct meta *meta_get(struct imp *im, const struct pmc_sym *tok)
{
    if (im->nmetas * 2 >= im->cap_metas) {
        size_t nc = im->cap_metas ? im->cap_metas * 2 : 1024;
        struct meta *nm = calloc(nc, sizeof *nm);
        if (!nm)
            return NULL;
        for (size_t i = 0; i < im->cap_metas; i++) {
            if (!im->metas[i].used)
                continue;
            size_t j = im->metas[i].token.h & (nc - 1);
            while (nm[j].used)
                j = (j + 1) & (nc - 1);
            nm[j] = im->metas[i];
        }
        free(im->metas);
        im->metas = nm;
        im->cap_metas = nc;
    }
    size_t j = tok->h & (im->cap_metas - 1);
    while (im->metas[j].used) {
        if (pmc_sym_eq(&im->metas[j].token, tok))
            return &im->metas[j];
        j = (j + 1) & (im->cap_metas - 1);
    }
    struct meta *m = &im->metas[j];
    memset(m, 0, sizeof *m);
    m->used = 1;
    m->token = *tok;
    m->first_t = INT64_MAX;
    im->nmetas++;
    return m;
}

static enum pmc_err add_line(struct imp *im, const struct pmc_record *r,
                             int rank)
{
    char line[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(r, line, sizeof line);
    if (n == 0)
        return PMC_ERANGE;
    if (pmc_grow((void **)&im->arena, &im->caparena, im->narena + n, 1) < 0 ||
        pmc_grow((void **)&im->items, &im->capitems, im->nitems + 1,
                 sizeof *im->items) < 0)
        return PMC_ENOMEM;
    memcpy(im->arena + im->narena, line, n);
    struct item *it = &im->items[im->nitems++];
    memset(it, 0, sizeof *it);
    it->t = r->t;
    it->rank = rank;
    it->seq = im->seq++;
    it->off = im->narena;
    it->len = n;
    if (r->kind == PMC_K_FILL)
        it->key = r->u.fill.key;
    im->narena += n;
    im->per_kind[r->kind]++;
    return PMC_OK;
}

/* A display label: control bytes become spaces; a longer one is cut at a
 * UTF-8 character boundary. */
static void label_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t k = 0; k < n; k++)
        dst[k] = (unsigned char)s[k] < 0x20 ? ' ' : s[k];
    dst[n] = '\0';
}

/* What a record says about its token's market. */
static enum pmc_err learn(struct imp *im, const struct pmc_record *r,
                          const struct pmc_wire_extra *x)
{
    const struct pmc_sym *tok = NULL, *market = NULL;
    const char *outcome = NULL;
    switch (r->kind) {
    case PMC_K_FILL:
        tok = &r->u.fill.token;
        market = &r->u.fill.market;
        outcome = r->u.fill.outcome;
        break;
    case PMC_K_QUOTE:
        tok = &r->u.quote.token;
        break;
    case PMC_K_TRADE:
        tok = &r->u.trade.token;
        break;
    case PMC_K_BOOK:
        tok = &r->u.book.token;
        break;
    default:
        return PMC_OK;
    }
    struct meta *m = meta_get(im, tok);
    if (!m)
        return PMC_ENOMEM;
    if (r->t < m->first_t)
        m->first_t = r->t;
    if (market && market->n && !m->market.n)
        m->market = *market;
    if (!m->market.n && x->market && x->market_len &&
        pmc_wire_sym(&m->market, x->market, x->market_len) != PMC_OK)
        pmc_sym_clear(&m->market);
    if (outcome && outcome[0] && !m->outcome[0])
        memcpy(m->outcome, outcome, sizeof m->outcome);
    if (!m->slug[0] && x->slug)
        label_copy(m->slug, sizeof m->slug, x->slug, x->slug_len);
    if (!m->question[0] && x->title)
        label_copy(m->question, sizeof m->question, x->title, x->title_len);
    pmc_ms start, end;
    if (!m->updown &&
        pmc_wire_slug_window(x->slug, x->slug_len, &start, &end)) {
        m->updown = 1;
        m->end = end;
    }
    return PMC_OK;
}

static enum pmc_err on_record(void *ctx, const struct pmc_record *r,
                              const struct pmc_wire_extra *x)
{
    struct imp *im = ctx;
    if (r->kind == PMC_K_FILL && x->removed) {
        /* a reorg removed this log: drop the fill it gave earlier */
        im->removed++;
        for (size_t i = im->nitems; i-- > 0;)
            if (!im->items[i].dead &&
                pmc_sym_eq(&im->items[i].key, &r->u.fill.key)) {
                im->items[i].dead = 1;
                return PMC_OK;
            }
        im->removed_missing++;
        return PMC_OK;
    }
    if (!im->no_meta && im->kind != PMC_IMPORT_MARKETS)
        PMC_TRY(learn(im, r, x));
    int rank = r->kind == PMC_K_MARKET ? 0 : r->kind == PMC_K_RESOLVE ? 2 : 1;
    return add_line(im, r, rank);
}

static enum pmc_err synth_markets(struct imp *im)
{
    /* table order is a function of the tokens seen, so it is the same on
     * every run; the final sort puts each record at its token's first t */
    for (size_t i = 0; i < im->cap_metas; i++) {
        const struct meta *m = &im->metas[i];
        if (!m->used || (!m->updown && !m->market.n))
            continue;
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.kind = PMC_K_MARKET;
        r.t = m->first_t;
        struct pmc_market_ev *mk = &r.u.market;
        mk->token = m->token;
        mk->market = m->market;
        memcpy(mk->outcome, m->outcome, sizeof mk->outcome);
        memcpy(mk->question, m->question, sizeof mk->question);
        memcpy(mk->slug, m->slug, sizeof mk->slug);
        mk->end = m->end;
        mk->fee_rate = -1;
        mk->fee_exp = -1;
        mk->negrisk = -1;
        if (m->updown) {
            mk->tick = PMC_MICRO / 100;
            mk->minsz = 5 * PMC_MICRO;
            mk->fee_rate = im->fee_rate;
            mk->fee_exp = im->fee_exp;
            mk->negrisk = 0;
            mk->defaults = 1; /* never over what Gamma states */
        }
        PMC_TRY(add_line(im, &r, 0));
    }
    return PMC_OK;
}

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- input ------------------------------------------------------------- */

static int read_file(const char *path, char **buf, size_t *n)
{
    gzFile g = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(0, "rb");
    if (!g) {
        fprintf(stderr, "pmcopy import: %s: %s\n", path,
                errno ? strerror(errno) : "cannot open");
        return 0;
    }
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (!b) {
            fprintf(stderr, "pmcopy import: %s: out of memory\n", path);
            gzclose(g);
            return 0;
        }
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) {
                fprintf(stderr, "pmcopy import: %s: larger than 1 GiB\n", path);
                free(b);
                gzclose(g);
                return 0;
            }
            char *nb = realloc(b, 2 * cap + 1);
            if (!nb)
                free(b);
            b = nb;
            cap *= 2;
            continue;
        }
        unsigned want =
            cap - len > (1u << 30) ? (1u << 30) : (unsigned)(cap - len);
        int r = gzread(g, b + len, want);
        if (r < 0) {
            int zerr;
            fprintf(stderr, "pmcopy import: %s: read error: %s\n", path,
                    gzerror(g, &zerr));
            free(b);
            gzclose(g);
            return 0;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        /* a gzip bomb: past 16 MiB, more than MAX_GZ_RATIO times the
         * compressed bytes read so far */
        z_off_t zin = gzdirect(g) ? 0 : gzoffset(g);
        if (zin > 0 && len > (16u << 20) && len / MAX_GZ_RATIO > (size_t)zin) {
            fprintf(stderr,
                    "pmcopy import: %s: decompresses to more than %d times "
                    "its size (%zu bytes from %lld); refused\n",
                    path, MAX_GZ_RATIO, len, (long long)zin);
            free(b);
            gzclose(g);
            return 0;
        }
    }
    gzclose(g);
    b[len] = '\0';
    *buf = b;
    *n = len;
    return 1;
}

static int ends_with_jsonl(const char *p)
{
    return strstr(p, ".jsonl") != NULL;
}

static enum pmc_err decode_doc(struct imp *im, const char *doc, size_t n,
                               const char *path, struct pmc_wire_sink *sink,
                               const char *token, size_t tlen,
                               struct pmc_wire_err *err)
{
    (void)path;
    switch (im->kind) {
    case PMC_IMPORT_ACTIVITY:
    case PMC_IMPORT_TRADES:
        return pmc_wire_decode_activity(doc, n, sink, err);
    case PMC_IMPORT_PRICES:
        return pmc_wire_decode_prices(doc, n, token, tlen, sink, err);
    case PMC_IMPORT_MARKETS:
        return pmc_wire_decode_gamma(doc, n, sink, err);
    case PMC_IMPORT_BOOK:
        return pmc_wire_decode_clob(doc, n, 0, im->flags, sink, err);
    case PMC_IMPORT_LOGS:
        return pmc_wire_decode_logs(doc, n, 0, im->wallet, sink, err);
    }
    return PMC_EUSAGE;
}

static int import_file(struct imp *im, const char *path, int lines,
                       const char *token_opt, struct pmc_wire_sink *sink)
{
    char *buf;
    size_t n;
    if (!read_file(path, &buf, &n))
        return 0;
    /* prices: a file named <digits>.json gives the token */
    const char *token = token_opt;
    size_t tlen = token ? strlen(token) : 0;
    char fname_tok[PMC_SYM_MAX + 1];
    if (!token && im->kind == PMC_IMPORT_PRICES) {
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        size_t k = 0;
        while (b[k] >= '0' && b[k] <= '9' && k < PMC_SYM_MAX)
            k++;
        if (k > 0 && (b[k] == '.' || b[k] == '\0')) {
            memcpy(fname_tok, b, k);
            fname_tok[k] = '\0';
            token = fname_tok;
            tlen = k;
        }
    }
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    int ok = 1;
    if (!lines) {
        enum pmc_err e = decode_doc(im, buf, n, path, sink, token, tlen, &err);
        if (e != PMC_OK) {
            if (err.row)
                fprintf(stderr, "%s:%zu: %s\n", path, err.row,
                        err.msg[0] ? err.msg : pmc_strerror(e));
            else
                fprintf(stderr, "%s: %s\n", path,
                        err.msg[0] ? err.msg : pmc_strerror(e));
            ok = 0;
        }
    } else {
        size_t lineno = 0;
        for (size_t i = 0; i < n && ok;) {
            char *nl = memchr(buf + i, '\n', n - i);
            size_t end = nl ? (size_t)(nl - buf) : n;
            size_t len = end - i;
            lineno++;
            const char *l = buf + i;
            size_t k = 0;
            while (k < len && (l[k] == ' ' || l[k] == '\t' || l[k] == '\r'))
                k++;
            if (k < len) {
                memset(&err, 0, sizeof err);
                enum pmc_err e =
                    decode_doc(im, l, len, path, sink, token, tlen, &err);
                if (e != PMC_OK) {
                    if (err.row)
                        fprintf(stderr, "%s:%zu: item %zu: %s\n", path, lineno,
                                err.row,
                                err.msg[0] ? err.msg : pmc_strerror(e));
                    else
                        fprintf(stderr, "%s:%zu: %s\n", path, lineno,
                                err.msg[0] ? err.msg : pmc_strerror(e));
                    ok = 0;
                }
            }
            i = end + 1;
        }
    }
    free(buf);
    return ok;
}

int pmc_import_kind_parse(const char *s, enum pmc_import_kind *k)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (!strcmp(s, kind_names[i])) {
            *k = (enum pmc_import_kind)i;
            return 1;
        }
    return 0;
}

void pmc_import_defaults(struct pmc_import_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fee_rate = PMC_MICRO / 4; /* 0.25: section 7.1, Jan 2026 crypto */
    o->fee_exp = 2;
}

int pmc_import_run(const struct pmc_import_opts *o, const char *const *files,
                   size_t nfiles, FILE *out)
{
    struct imp im;
    memset(&im, 0, sizeof im);
    im.kind = o->kind;
    im.flags = o->depth ? PMC_WIRE_DEPTH : 0;
    im.fee_rate = o->fee_rate;
    im.fee_exp = o->fee_exp;
    im.no_meta = o->no_meta;
    im.wallet = o->wallet;
    int rc = -1;
    struct pmc_wire_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.emit = on_record;
    sink.ctx = &im;
    for (size_t f = 0; f < nfiles; f++) {
        int lines =
            o->lines || im.kind == PMC_IMPORT_BOOK || ends_with_jsonl(files[f]);
        if (!import_file(&im, files[f], lines, o->token, &sink))
            goto out;
    }
    if (!im.no_meta && im.kind != PMC_IMPORT_MARKETS &&
        synth_markets(&im) != PMC_OK) {
        fprintf(stderr, "pmcopy import: out of memory\n");
        goto out;
    }
    if (im.nitems > 1) /* no records: items is NULL, qsort's is nonnull */
        qsort(im.items, im.nitems, sizeof *im.items, item_cmp);
    fputs(PMC_TAPE_HEADER "\n", out);
    for (size_t i = 0; i < im.nitems; i++)
        if (!im.items[i].dead)
            fwrite(im.arena + im.items[i].off, 1, im.items[i].len, out);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "pmcopy import: writing the tape: %s\n",
                strerror(errno));
        goto out;
    }
    fprintf(stderr,
            "pmcopy import: %s: %llu rows -> %llu fills, %llu merge, "
            "%llu redeem, %llu split, %llu quote, %llu book, %llu trade, "
            "%llu market, %llu resolve; %llu ignored; %llu of unknown type",
            kind_names[im.kind], (unsigned long long)sink.rows,
            (unsigned long long)im.per_kind[PMC_K_FILL],
            (unsigned long long)im.per_kind[PMC_K_MERGE],
            (unsigned long long)im.per_kind[PMC_K_REDEEM],
            (unsigned long long)im.per_kind[PMC_K_SPLIT],
            (unsigned long long)im.per_kind[PMC_K_QUOTE],
            (unsigned long long)im.per_kind[PMC_K_BOOK],
            (unsigned long long)im.per_kind[PMC_K_TRADE],
            (unsigned long long)im.per_kind[PMC_K_MARKET],
            (unsigned long long)im.per_kind[PMC_K_RESOLVE],
            (unsigned long long)sink.ignored, (unsigned long long)sink.unknown);
    if (sink.unknown)
        fprintf(stderr, " (first: %s)", sink.unknown_first);
    if (im.removed)
        fprintf(stderr, "; %llu removed by reorgs (%llu not found)",
                (unsigned long long)im.removed,
                (unsigned long long)im.removed_missing);
    fputc('\n', stderr);
    rc = 0;
out:
    free(im.items);
    free(im.arena);
    free(im.metas);
    return rc;
}
