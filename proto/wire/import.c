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

/* The data API's key of the k-th identical row of a transaction in one
 * document (k >= 2) ends in ":k" (data_api.h). A top-level array is
 * decoded one element at a time, where every row is the first, so the
 * count is kept here, per file, over the keys the decoder gave (the first
 * one's: the transaction and the row's hash). */
struct occ {
    uint64_t h, h2;
    uint32_t cnt; /* 0: a free slot */
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
    /* a top-level array, decoded one element at a time */
    char *piece; /* "[element]" */
    size_t cappiece;
    struct occ *occ; /* identical rows of a transaction, per file */
    size_t cap_occ, nocc;
    int occ_on;
    char rowerr[240]; /* why on_record refused the element's row */
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

/* The occurrence (1, 2, ...) of key in the document; 0 when out of
 * memory. */
static uint32_t occ_count(struct imp *im, const struct pmc_sym *key)
{
    if (2 * (im->nocc + 1) > im->cap_occ) {
        size_t nc = im->cap_occ ? 2 * im->cap_occ : 1024;
        struct occ *no = calloc(nc, sizeof *no);
        if (!no)
            return 0;
        for (size_t i = 0; i < im->cap_occ; i++) {
            if (!im->occ[i].cnt)
                continue;
            size_t k = (size_t)im->occ[i].h & (nc - 1);
            while (no[k].cnt)
                k = (k + 1) & (nc - 1);
            no[k] = im->occ[i];
        }
        free(im->occ);
        im->occ = no;
        im->cap_occ = nc;
    }
    size_t m = im->cap_occ - 1;
    for (size_t i = (size_t)key->h & m;; i = (i + 1) & m) {
        struct occ *o = &im->occ[i];
        if (!o->cnt) {
            o->h = key->h;
            o->h2 = key->h2;
            o->cnt = 1;
            im->nocc++;
            return 1;
        }
        if (o->h == key->h && o->h2 == key->h2)
            return ++o->cnt;
    }
}

/* r's key as the decoder of the whole document gives it: ":k" appended
 * for the k-th identical row of its transaction (k >= 2). */
static enum pmc_err occ_key(struct imp *im, struct pmc_record *r)
{
    struct pmc_sym *key =
        r->kind == PMC_K_FILL ? &r->u.fill.key : &r->u.ctf.key;
    uint32_t k = occ_count(im, key);
    if (k == 0)
        return PMC_ENOMEM;
    if (k == 1)
        return PMC_OK;
    char b[PMC_SYM_MAX + 16];
    int n = snprintf(b, sizeof b, "%s:%u", key->s, (unsigned)k);
    if (n <= 0 || (size_t)n > PMC_SYM_MAX) {
        snprintf(im->rowerr, sizeof im->rowerr,
                 "field \"transactionHash\": too long for the key of the "
                 "%u-th identical row of its transaction",
                 (unsigned)k);
        return PMC_ERANGE;
    }
    return pmc_sym_set(key, b, (size_t)n);
}

static enum pmc_err on_record(void *ctx, const struct pmc_record *r0,
                              const struct pmc_wire_extra *x)
{
    struct imp *im = ctx;
    const struct pmc_record *r = r0;
    struct pmc_record rk;
    if (im->occ_on && (r->kind == PMC_K_FILL || r->kind == PMC_K_MERGE ||
                       r->kind == PMC_K_REDEEM || r->kind == PMC_K_SPLIT)) {
        rk = *r0;
        PMC_TRY(occ_key(im, &rk));
        r = &rk;
    }
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

/* ---- input ---------------------------------------------------------------
 * A file is read as a stream of decompressed bytes; only what one document
 * (a line of a JSON-lines file, an element of a top-level array) needs is
 * held at a time. A top-level array is split into its elements by a
 * string-aware scan and each element is decoded alone as "[element]": the
 * decoders treat array elements independently, except the data API's
 * count of identical rows of a transaction, which occ_* below keeps for
 * the whole document. Row numbers and the line and column of JSON syntax
 * errors are those of the whole file. Any other document (an object, an
 * envelope) is read whole, as before. */

#define READ_CHUNK ((size_t)1 << 16)
#define TAIL_SHOWN 4096 /* bytes after a closed array shown to the parser */

struct src {
    gzFile g;
    const char *path;
    char *buf; /* buf[0, len) read and not yet dropped; NUL after it */
    size_t cap, len;
    uint64_t total; /* decompressed bytes read */
    int eof;
};

/* Where a byte is in the file: 1-based line and column (in bytes) and the
 * 0-based byte offset. */
struct fpos {
    size_t line, col;
    uint64_t off;
};

static void fpos_step(struct fpos *p, char c)
{
    p->off++;
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
}

static int src_open(struct src *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->g = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(0, "rb");
    if (!s->g) {
        fprintf(stderr, "pmcopy import: %s: %s\n", path,
                errno ? strerror(errno) : "cannot open");
        return 0;
    }
    return 1;
}

static void src_close(struct src *s)
{
    if (s->g)
        gzclose(s->g);
    free(s->buf);
}

/* Append what the next read gives to buf. 1, 0 at the end, -1 after
 * naming the failure (read error, more than 1 GiB held, a gzip bomb, out
 * of memory). */
static int src_more(struct src *s)
{
    if (s->eof)
        return 0;
    if (s->cap - s->len < READ_CHUNK + 1) {
        if (s->len >= MAX_FILE_BYTES) {
            fprintf(stderr, "pmcopy import: %s: larger than 1 GiB\n", s->path);
            return -1;
        }
        if (pmc_grow((void **)&s->buf, &s->cap, s->len + READ_CHUNK + 1, 1) <
            0) {
            fprintf(stderr, "pmcopy import: %s: out of memory\n", s->path);
            return -1;
        }
    }
    size_t room = s->cap - s->len - 1;
    unsigned want = room > (1u << 30) ? (1u << 30) : (unsigned)room;
    int r = gzread(s->g, s->buf + s->len, want);
    if (r < 0) {
        int zerr;
        fprintf(stderr, "pmcopy import: %s: read error: %s\n", s->path,
                gzerror(s->g, &zerr));
        return -1;
    }
    if (r == 0) {
        s->eof = 1;
        s->buf[s->len] = '\0';
        return 0;
    }
    s->len += (size_t)r;
    s->total += (uint64_t)r;
    s->buf[s->len] = '\0';
    /* a gzip bomb: past 16 MiB, more than MAX_GZ_RATIO times the
     * compressed bytes read so far */
    z_off_t zin = gzdirect(s->g) ? 0 : gzoffset(s->g);
    if (zin > 0 && s->total > (16u << 20) &&
        s->total / MAX_GZ_RATIO > (uint64_t)zin) {
        fprintf(stderr,
                "pmcopy import: %s: decompresses to more than %d times "
                "its size (%llu bytes from %lld); refused\n",
                s->path, MAX_GZ_RATIO, (unsigned long long)s->total,
                (long long)zin);
        return -1;
    }
    return 1;
}

/* Forget buf[0, k). */
static void src_drop(struct src *s, size_t k)
{
    if (!k)
        return;
    memmove(s->buf, s->buf + k, s->len - k);
    s->len -= k;
    s->buf[s->len] = '\0';
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

/* What one file is decoded with. */
struct job {
    struct imp *im;
    struct src *s;
    struct pmc_wire_sink *sink;
    const char *token;
    size_t tlen;
};

/* Report a failed decode of a whole document or a line (prefix "FILE:" or
 * "FILE:LINE: item"). */
static void report(const char *path, size_t lineno, enum pmc_err e,
                   const struct pmc_wire_err *err)
{
    const char *m = err->msg[0] ? err->msg : pmc_strerror(e);
    if (!lineno) {
        if (err->row)
            fprintf(stderr, "%s:%zu: %s\n", path, err->row, m);
        else
            fprintf(stderr, "%s: %s\n", path, m);
    } else if (err->row) {
        fprintf(stderr, "%s:%zu: item %zu: %s\n", path, lineno, err->row, m);
    } else {
        fprintf(stderr, "%s:%zu: %s\n", path, lineno, m);
    }
}

/* Everything left in the file is one document. */
static int import_whole(struct job *j)
{
    j->im->occ_on = 0; /* the decoder counts over the whole document */
    int r;
    while ((r = src_more(j->s)) > 0)
        ;
    if (r < 0)
        return 0;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    enum pmc_err e = decode_doc(j->im, j->s->buf ? j->s->buf : "", j->s->len,
                                j->s->path, j->sink, j->token, j->tlen, &err);
    if (e != PMC_OK) {
        report(j->s->path, 0, e, &err);
        return 0;
    }
    return 1;
}

/* One document per line. */
static int import_lines(struct job *j)
{
    struct src *s = j->s;
    size_t lineno = 0, start = 0, scan = 0;
    for (;;) {
        char *nl =
            s->len > scan ? memchr(s->buf + scan, '\n', s->len - scan) : NULL;
        size_t end;
        if (nl) {
            end = (size_t)(nl - s->buf);
        } else {
            src_drop(s, start);
            scan = s->len;
            start = 0;
            int r = src_more(s);
            if (r < 0)
                return 0;
            if (r > 0)
                continue;
            if (s->len == 0)
                return 1;
            end = s->len;
        }
        lineno++;
        const char *l = s->buf + start;
        size_t len = end - start, k = 0;
        while (k < len && (l[k] == ' ' || l[k] == '\t' || l[k] == '\r'))
            k++;
        if (k < len) {
            struct pmc_wire_err err;
            memset(&err, 0, sizeof err);
            enum pmc_err e = decode_doc(j->im, l, len, s->path, j->sink,
                                        j->token, j->tlen, &err);
            if (e != PMC_OK) {
                report(s->path, lineno, e, &err);
                return 0;
            }
        }
        if (!nl)
            return 1;
        start = scan = end + 1;
    }
}

/* Decode prefix + text + suffix, a piece of the top-level array: text is
 * the file's bytes from position at; rowbase the elements before it. A
 * failure is reported in the file's terms (row, or line and column of a
 * syntax error); want_fail: the piece is malformed (a syntax error at
 * least). 1 decoded, 0 after naming the failure. */
static int decode_piece(struct job *j, const char *prefix, const char *text,
                        size_t tlen, const char *suffix, struct fpos at,
                        size_t rowbase, int want_fail)
{
    struct imp *im = j->im;
    size_t pl = strlen(prefix), sl = strlen(suffix), n = pl + tlen + sl;
    if (pmc_grow((void **)&im->piece, &im->cappiece, n + 1, 1) < 0) {
        fprintf(stderr, "pmcopy import: %s: out of memory\n", j->s->path);
        return 0;
    }
    memcpy(im->piece, prefix, pl);
    memcpy(im->piece + pl, text, tlen);
    memcpy(im->piece + pl + tlen, suffix, sl);
    im->piece[n] = '\0';
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    im->rowerr[0] = '\0';
    enum pmc_err e = decode_doc(im, im->piece, n, j->s->path, j->sink, j->token,
                                j->tlen, &err);
    if (e == PMC_OK && !want_fail)
        return 1;
    const char *path = j->s->path;
    if (im->rowerr[0]) {
        fprintf(stderr, "%s:%zu: %s\n", path, rowbase + 1, im->rowerr);
        return 0;
    }
    if (err.row) {
        fprintf(stderr, "%s:%zu: %s\n", path, err.row + rowbase,
                err.msg[0] ? err.msg : pmc_strerror(e));
        return 0;
    }
    static const char SYN[] = "JSON syntax error at ";
    const char *why = NULL;
    int bytes = 0;
    if (e == PMC_EPARSE && !strncmp(err.msg, SYN, sizeof SYN - 1)) {
        why = strstr(err.msg, ": ");
        why = why ? why + 2 : "";
        bytes = !strncmp(err.msg + sizeof SYN - 1, "byte ", 5);
    } else if (e == PMC_OK) {
        why = "unexpected text";
    }
    if (!why) {
        report(path, 0, e, &err);
        return 0;
    }
    /* the position in the file: at, moved over the text before it */
    size_t k = err.offset > pl ? err.offset - pl : 0;
    for (size_t i = 0; i < k && i < tlen; i++)
        fpos_step(&at, text[i]);
    if (k > tlen) {
        at.col += k - tlen;
        at.off += k - tlen;
    }
    if (bytes)
        fprintf(stderr, "%s: JSON syntax error at byte %llu: %s\n", path,
                (unsigned long long)at.off, why);
    else
        fprintf(stderr, "%s: JSON syntax error at line %zu, column %zu: %s\n",
                path, at.line, at.col, why);
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* A document that is a top-level array: its elements one at a time. Any
 * other document is read whole. */
static int import_array(struct job *j)
{
    struct src *s = j->s;
    enum { OPEN, FIRST, NEXT, ELEM, AFTER } st = OPEN;
    size_t i = 0, es = 0, nelem = 0;
    int depth = 0, in_str = 0, esc = 0;
    struct fpos cur = {1, 1, 0}, epos = cur;
    for (;;) {
        if (i == s->len) {
            /* keep only what the next piece needs */
            size_t keep = st == OPEN ? 0 : st == ELEM ? es : i;
            if (keep) {
                src_drop(s, keep);
                i -= keep;
                es -= st == ELEM ? keep : 0;
            }
            int r = src_more(s);
            if (r < 0)
                return 0;
            if (r > 0)
                continue;
            /* the end of the file */
            switch (st) {
            case OPEN:
                return import_whole(j);
            case FIRST:
                return decode_piece(j, "[", "", 0, "", cur, nelem, 1);
            case NEXT:
                return decode_piece(j, "[0,", "", 0, "", cur, nelem, 1);
            case ELEM:
                return decode_piece(j, "[", s->buf + es, i - es, "", epos,
                                    nelem, 1);
            case AFTER:
                return 1;
            }
        }
        char c = s->buf[i];
        switch (st) {
        case OPEN:
            if (is_ws(c))
                break;
            if (c != '[') {
                return import_whole(j); /* not an array */
            }
            st = FIRST;
            break;
        case FIRST:
        case NEXT:
            if (is_ws(c))
                break;
            if (st == FIRST && c == ']') {
                /* no element: the decoder says what [] is */
                if (!decode_piece(j, "[]", "", 0, "", cur, 0, 0))
                    return 0;
                st = AFTER;
                break;
            }
            if (c == ',' || c == ']')
                return decode_piece(j, st == FIRST ? "[" : "[0,", &c, 1, "]",
                                    cur, nelem, 1);
            st = ELEM;
            es = i;
            epos = cur;
            depth = in_str = esc = 0;
            continue; /* the byte is the element's */
        case ELEM:
            if (in_str) {
                if (esc)
                    esc = 0;
                else if (c == '\\')
                    esc = 1;
                else if (c == '"')
                    in_str = 0;
                break;
            }
            if (c == '"') {
                in_str = 1;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && depth > 0) {
                depth--;
            } else if (c == '}') { /* closes nothing: a syntax error */
                return decode_piece(j, "[", s->buf + es, i + 1 - es, "]", epos,
                                    nelem, 1);
            } else if ((c == ',' || c == ']') && depth == 0) {
                if (!decode_piece(j, "[", s->buf + es, i - es, "]", epos, nelem,
                                  0))
                    return 0;
                nelem++;
                st = c == ',' ? NEXT : AFTER;
            }
            break;
        case AFTER:
            if (is_ws(c))
                break;
            {
                size_t n = s->len - i;
                return decode_piece(j, "[]", s->buf + i,
                                    n > TAIL_SHOWN ? TAIL_SHOWN : n, "", cur, 0,
                                    1);
            }
        }
        fpos_step(&cur, c);
        i++;
    }
}

static int import_file(struct imp *im, const char *path, int lines,
                       const char *token_opt, struct pmc_wire_sink *sink)
{
    struct src s;
    if (!src_open(&s, path))
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
    struct job j = {im, &s, sink, token, tlen};
    int ok;
    if (lines) {
        ok = import_lines(&j);
    } else {
        /* identical rows of a transaction are counted per document */
        im->occ_on =
            im->kind == PMC_IMPORT_ACTIVITY || im->kind == PMC_IMPORT_TRADES;
        im->nocc = 0;
        if (im->occ)
            memset(im->occ, 0, im->cap_occ * sizeof *im->occ);
        ok = import_array(&j);
        im->occ_on = 0;
    }
    src_close(&s);
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
    free(im.piece);
    free(im.occ);
    return rc;
}
