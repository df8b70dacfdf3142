/* research/fetch/tape.c - the tape of `fetch tape` (see tape.h). */
#include "proto/grow.h"
#include "research/fetch/tape.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/data_api.h"
#include "proto/wire/gamma.h"
#include "proto/wire/json_exact.h"

struct item {
    int64_t t;
    int rank; /* 0 market, 1 other, 2 resolve */
    uint64_t seq;
    size_t off, len;
};

/* what the market's records need to be named, and resolved by redeems */
struct mkt {
    char cond[PMC_SYM_MAX + 1];
    struct pmc_sym tokens[4];
    int ntokens, resolved;
};

/* a token the wallet traded: its net shares */
struct held {
    struct pmc_sym token, market;
    pmc_micros net;
};

struct asm_ {
    struct item *items;
    size_t nitems, capitems;
    char *arena;
    size_t narena, caparena;
    uint64_t seq;
    struct mkt *mkts;
    size_t nmkts;
    struct held *held;
    size_t nheld, capheld;
    struct pmc_record *redeems;
    size_t nredeems, capredeems;
    int64_t lo_ms, hi_ms;
    int phase; /* 0 activity, 1 markets, 2 trades */
    struct pmc_fx_tape_counts *c;
};

static struct mkt *mkt_find(struct asm_ *a, const struct pmc_sym *cond)
{
    for (size_t i = 0; i < a->nmkts; i++)
        if (!strcasecmp(a->mkts[i].cond, cond->s))
            return &a->mkts[i];
    return NULL;
}

static enum pmc_err add(struct asm_ *a, const struct pmc_record *r, int rank)
{
    char line[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(r, line, sizeof line);
    if (n == 0)
        return PMC_ERANGE;
    if (pmc_grow((void **)&a->arena, &a->caparena, a->narena + n, 1) < 0 ||
        pmc_grow((void **)&a->items, &a->capitems, a->nitems + 1,
                 sizeof *a->items) < 0)
        return PMC_ENOMEM;
    memcpy(a->arena + a->narena, line, n);
    struct item *it = &a->items[a->nitems++];
    it->t = r->t;
    it->rank = rank;
    it->seq = a->seq++;
    it->off = a->narena;
    it->len = n;
    a->narena += n;
    return PMC_OK;
}

static struct held *held_get(struct asm_ *a, const struct pmc_sym *tok)
{
    for (size_t i = 0; i < a->nheld; i++)
        if (pmc_sym_eq(&a->held[i].token, tok))
            return &a->held[i];
    if (pmc_grow((void **)&a->held, &a->capheld, a->nheld + 1,
                 sizeof *a->held) < 0)
        return NULL;
    struct held *h = &a->held[a->nheld++];
    memset(h, 0, sizeof *h);
    h->token = *tok;
    return h;
}

static enum pmc_err on_rec(void *ctx, const struct pmc_record *r,
                           const struct pmc_wire_extra *x)
{
    struct asm_ *a = ctx;
    (void)x;
    if (a->phase == 2) {
        if (r->kind != PMC_K_FILL)
            return PMC_OK;
        if (r->t < a->lo_ms || r->t > a->hi_ms) {
            a->c->trades_outside++;
            return PMC_OK;
        }
        struct pmc_record t;
        memset(&t, 0, sizeof t);
        t.kind = PMC_K_TRADE;
        t.t = r->t;
        t.u.trade.token = r->u.fill.token;
        t.u.trade.px = r->u.fill.px;
        t.u.trade.sz = r->u.fill.sz;
        a->c->trades++;
        return add(a, &t, 1);
    }
    if (a->phase == 1) {
        if (r->kind == PMC_K_MARKET) {
            struct mkt *m = mkt_find(a, &r->u.market.market);
            if (m && m->ntokens < 4)
                m->tokens[m->ntokens++] = r->u.market.token;
            a->c->markets++;
            return add(a, r, 0);
        }
        if (r->kind == PMC_K_RESOLVE) {
            for (size_t i = 0; i < a->nmkts; i++)
                for (int k = 0; k < a->mkts[i].ntokens; k++)
                    if (pmc_sym_eq(&a->mkts[i].tokens[k], &r->u.resolve.token))
                        a->mkts[i].resolved = 1;
            a->c->resolves++;
            return add(a, r, 2);
        }
        return PMC_OK;
    }
    if (r->kind == PMC_K_FILL) {
        struct held *h = held_get(a, &r->u.fill.token);
        if (!h)
            return PMC_ENOMEM;
        h->market = r->u.fill.market;
        h->net += r->u.fill.side == PMC_BUY ? r->u.fill.sz : -r->u.fill.sz;
        a->c->fills++;
    } else if (r->kind == PMC_K_REDEEM) {
        if (pmc_grow((void **)&a->redeems, &a->capredeems, a->nredeems + 1,
                     sizeof *a->redeems) < 0)
            return PMC_ENOMEM;
        a->redeems[a->nredeems++] = *r;
        a->c->ctf++;
    } else
        a->c->ctf++;
    return add(a, r, 1);
}

/* the Gamma markets, by condition id (their tokens and whether Gamma
 * resolved them, for the redeem fallback) */
static int learn_markets(struct asm_ *a, const char *doc, size_t n, char *err,
                         size_t cap)
{
    json_t *root;
    struct pmc_wire_err we;
    memset(&we, 0, sizeof we);
    if (pmc_json_exact_loads(doc, n, &root, &we) != PMC_OK) {
        snprintf(err, cap, "Gamma markets: %s", we.msg);
        return -1;
    }
    size_t i;
    json_t *m;
    int rc = 0;
    a->mkts = calloc(json_array_size(root) + 1, sizeof *a->mkts);
    if (!a->mkts) {
        json_decref(root);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    json_array_foreach(root, i, m)
    {
        size_t cn;
        const char *c = pmc_json_text(json_object_get(m, "conditionId"), &cn);
        if (!c || cn == 0 || cn > PMC_SYM_MAX)
            continue;
        struct pmc_sym cs;
        if (pmc_sym_set(&cs, c, cn) != PMC_OK || mkt_find(a, &cs))
            continue;
        struct mkt *k = &a->mkts[a->nmkts++];
        memcpy(k->cond, c, cn);
        k->cond[cn] = '\0';
    }
    json_decref(root);
    return rc;
}

/* resolutions from the wallet's redeems where Gamma gave none */
static int has_tok(const struct pmc_sym *v, size_t n, const struct pmc_sym *t)
{
    for (size_t i = 0; i < n; i++)
        if (pmc_sym_eq(&v[i], t))
            return 1;
    return 0;
}

static enum pmc_err redeem_fallback(struct asm_ *a)
{
    for (size_t i = 0; i < a->nredeems; i++) {
        const struct pmc_ctf_ev *rd = &a->redeems[i].u.ctf;
        struct mkt *m = mkt_find(a, &rd->market);
        if ((m && m->resolved) || rd->sz <= 0)
            continue;
        /* the market's tokens: Gamma's, else those the wallet traded */
        struct pmc_sym toks[8], held[8];
        size_t nt = 0, nh = 0;
        for (int k = 0; m && k < m->ntokens && nt < 8; k++)
            toks[nt++] = m->tokens[k];
        for (size_t k = 0; k < a->nheld; k++) {
            if (!pmc_sym_eq(&a->held[k].market, &rd->market))
                continue;
            if (nt < 8 && !has_tok(toks, nt, &a->held[k].token))
                toks[nt++] = a->held[k].token;
            if (a->held[k].net > 0 && nh < 8)
                held[nh++] = a->held[k].token;
        }
        if (nh == 0 || (rd->usd > 0 && nh != 1))
            continue; /* nothing held, or which token paid is unclear */
        pmc_micros pay = 0;
        if (rd->usd > 0) {
            pay = rd->usd >= rd->sz
                      ? PMC_MICRO
                      : pmc_muldiv_floor(rd->usd, PMC_MICRO, rd->sz);
        }
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.kind = PMC_K_RESOLVE;
        r.t = a->redeems[i].t;
        for (size_t k = 0; k < nt; k++) {
            int is_held = has_tok(held, nh, &toks[k]);
            if (rd->usd == 0 && !is_held)
                continue; /* a redeem paying 0 says nothing of the others */
            r.u.resolve.token = toks[k];
            r.u.resolve.payout = is_held ? pay : PMC_MICRO - pay;
            PMC_TRY(add(a, &r, 2));
            a->c->resolves_redeem++;
        }
        if (m)
            m->resolved = 1;
        for (size_t k = 0; k < a->nheld; k++)
            if (pmc_sym_eq(&a->held[k].market, &rd->market))
                a->held[k].net = 0; /* one resolution per market */
    }
    return PMC_OK;
}

static int item_cmp(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void asm_free(struct asm_ *a)
{
    for (size_t i = 0; i < a->nmkts; i++) {
    }
    free(a->mkts);
    free(a->items);
    free(a->arena);
    free(a->held);
    free(a->redeems);
}

/* ---- data-API documents in chunks ---------------------------------------
 * The gathered /activity and /trades arrays are decoded CHUNK_ROWS rows or
 * so at a time: one JSON tree of a whole run costs several KiB per row
 * and most of the time of a warm run. A chunk ends only after a row past
 * which no row of the chunk's transactions follows, so the decoder's keys
 * (the k-th identical row of a transaction, counted in its document) are
 * those of the whole document. Row spans and each row's transaction are
 * found by a string-aware scan; a document the scan does not understand
 * is decoded whole (the decoder then names what is wrong). */
#define CHUNK_ROWS 1024

struct rowspan {
    size_t a, b; /* the row's text: doc[a, b) */
    uint64_t tx; /* FNV-1a of its transaction hash's text (0: none) */
};

static const char TX1[] = "\"transactionHash\":";
static const char TX2[] = "\"transaction_hash\":";

/* the rows of "[row,row,...]": 0, or -1 when the scan gives up */
static int scan_rows(const char *d, size_t n, struct rowspan **out,
                     size_t *nout)
{
    struct rowspan *v = NULL;
    size_t nv = 0, cap = 0;
    size_t i = 0;
    while (i < n &&
           (d[i] == ' ' || d[i] == '\n' || d[i] == '\t' || d[i] == '\r'))
        i++;
    if (i == n || d[i] != '[')
        return -1;
    i++;
    int depth = 0, in_row = 0, done = 0;
    for (; i < n && !done; i++) {
        char c = d[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
            continue;
        if (!in_row) {
            if (c == ']' && nv == 0) {
                done = 1;
                break;
            }
            if (pmc_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0)
                goto fail;
            v[nv].a = i;
            v[nv].tx = 0;
            in_row = 1;
        }
        if (c == '"') {
            if (depth == 1 && !v[nv].tx) {
                size_t l = n - i >= sizeof TX1 - 1 &&
                                   !memcmp(d + i, TX1, sizeof TX1 - 1)
                               ? sizeof TX1 - 1
                           : n - i >= sizeof TX2 - 1 &&
                                   !memcmp(d + i, TX2, sizeof TX2 - 1)
                               ? sizeof TX2 - 1
                               : 0;
                if (l) { /* the value's text, whatever it is */
                    size_t e = i + l;
                    if (e < n && d[e] == '"') {
                        e++;
                        while (e < n && d[e] != '"')
                            e += d[e] == '\\' ? 2 : 1;
                    }
                    if (e > n)
                        e = n;
                    v[nv].tx = pmc_wire_fnv1a(PMC_WIRE_FNV_INIT, d + i + l,
                                              e - i - l) |
                               1;
                }
            }
            for (i++; i < n && d[i] != '"'; i++)
                if (d[i] == '\\')
                    i++;
            if (i >= n)
                goto fail;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (depth == 0) {
                if (c != ']')
                    goto fail;
                v[nv].b = i;
                nv++;
                done = 1;
                break;
            }
            depth--;
        } else if (c == ',' && depth == 0) {
            v[nv].b = i;
            nv++;
            in_row = 0;
        }
    }
    if (!done)
        goto fail;
    for (i++; i < n; i++)
        if (!(d[i] == ' ' || d[i] == '\n' || d[i] == '\t' || d[i] == '\r'))
            goto fail;
    *out = v;
    *nout = nv;
    return 0;
fail:
    free(v);
    return -1;
}

/* for every row, the last row of its transaction (in place of .b's use:
 * last[i]) */
static int last_of_tx(const struct rowspan *v, size_t n, size_t *last)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint64_t *key = calloc(cap, sizeof *key);
    size_t *at = calloc(cap, sizeof *at);
    if (!key || !at) {
        free(key);
        free(at);
        return -1;
    }
    for (size_t i = n; i-- > 0;) {
        uint64_t k = v[i].tx ? v[i].tx : 2; /* rows without one: together */
        size_t j = (size_t)k & (cap - 1);
        while (key[j] && key[j] != k)
            j = (j + 1) & (cap - 1);
        if (!key[j]) {
            key[j] = k;
            at[j] = i;
        }
        last[i] = at[j];
    }
    free(key);
    free(at);
    return 0;
}

static enum pmc_err decode_data(const char *doc, size_t n,
                                struct pmc_wire_sink *sink,
                                struct pmc_wire_err *we)
{
    struct rowspan *v = NULL;
    size_t nv = 0;
    if (scan_rows(doc, n, &v, &nv) != 0 || nv <= CHUNK_ROWS) {
        free(v);
        return pmc_wire_decode_activity(doc, n, sink, we);
    }
    size_t *last = malloc(nv * sizeof *last);
    char *buf = malloc(n + 2);
    enum pmc_err e = PMC_OK;
    if (!last || !buf || last_of_tx(v, nv, last) != 0) {
        e = pmc_wire_fail(we, PMC_ENOMEM, 0, "out of memory");
        goto out;
    }
    size_t s = 0, reach = 0;
    for (size_t i = 0; i < nv && e == PMC_OK; i++) {
        if (last[i] > reach)
            reach = last[i];
        if (i + 1 < nv && (reach > i || i + 1 - s < CHUNK_ROWS))
            continue;
        size_t len = v[i].b - v[s].a;
        buf[0] = '[';
        memcpy(buf + 1, doc + v[s].a, len);
        buf[len + 1] = ']';
        e = pmc_wire_decode_activity(buf, len + 2, sink, we);
        if (e != PMC_OK && we->row > 0)
            we->row += s;
        s = i + 1;
    }
out:
    free(v);
    free(last);
    free(buf);
    return e;
}

static int decode(struct asm_ *a, int phase, const char *doc, size_t n,
                  const char *what, char *err, size_t cap)
{
    if (!doc || n == 0)
        return 0;
    a->phase = phase;
    struct pmc_wire_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.emit = on_rec;
    sink.ctx = a;
    struct pmc_wire_err we;
    memset(&we, 0, sizeof we);
    enum pmc_err e = phase == 1 ? pmc_wire_decode_gamma(doc, n, &sink, &we)
                                : decode_data(doc, n, &sink, &we);
    a->c->unknown += sink.unknown;
    if (e != PMC_OK) {
        snprintf(err, cap, "%s: row %zu: %s", what, we.row,
                 we.msg[0] ? we.msg : pmc_strerror(e));
        return -1;
    }
    return 0;
}

int pmc_fx_tape_write(const struct pmc_fx_tape_in *in, const char *path,
                      struct pmc_fx_tape_counts *c, char *err, size_t cap)
{
    struct asm_ a;
    memset(&a, 0, sizeof a);
    memset(c, 0, sizeof *c);
    a.c = c;
    a.lo_ms = in->since * 1000;
    a.hi_ms = in->until * 1000 + 999;
    int rc = -1;
    if ((in->markets && in->markets_len &&
         learn_markets(&a, in->markets, in->markets_len, err, cap) != 0) ||
        decode(&a, 0, in->activity, in->activity_len, "activity", err, cap) ||
        decode(&a, 1, in->markets, in->markets_len, "Gamma markets", err,
               cap) ||
        decode(&a, 2, in->trades, in->trades_len, "trades", err, cap))
        goto out;
    if (redeem_fallback(&a) != PMC_OK) {
        snprintf(err, cap, "out of memory");
        goto out;
    }
    qsort(a.items, a.nitems, sizeof *a.items, item_cmp);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fputs(PMC_TAPE_HEADER "\n", f);
    for (size_t i = 0; i < a.nitems; i++)
        fwrite(a.arena + a.items[i].off, 1, a.items[i].len, f);
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        goto out;
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    asm_free(&a);
    return rc;
}

struct ids {
    char **v;
    size_t n, cap;
    int oom;
};

static enum pmc_err on_id(void *ctx, const struct pmc_record *r,
                          const struct pmc_wire_extra *x)
{
    struct ids *d = ctx;
    (void)x;
    const struct pmc_sym *m =
        r->kind == PMC_K_FILL ? &r->u.fill.market
        : (r->kind == PMC_K_MERGE || r->kind == PMC_K_REDEEM ||
           r->kind == PMC_K_SPLIT)
            ? &r->u.ctf.market
            : NULL;
    if (!m || m->n == 0)
        return PMC_OK;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i], m->s))
            return PMC_OK;
    if (pmc_grow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v) < 0 ||
        !(d->v[d->n] = strdup(m->s)))
        return PMC_ENOMEM;
    d->n++;
    return PMC_OK;
}

int pmc_fx_tape_markets_of(const char *activity, size_t n, char ***ids,
                           size_t *nids, char *err, size_t cap)
{
    struct ids d;
    memset(&d, 0, sizeof d);
    struct pmc_wire_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.emit = on_id;
    sink.ctx = &d;
    struct pmc_wire_err we;
    memset(&we, 0, sizeof we);
    enum pmc_err e = decode_data(activity, n, &sink, &we);
    if (e != PMC_OK) {
        snprintf(err, cap, "activity: row %zu: %s", we.row,
                 we.msg[0] ? we.msg : pmc_strerror(e));
        for (size_t i = 0; i < d.n; i++)
            free(d.v[i]);
        free(d.v);
        return -1;
    }
    *ids = d.v;
    *nids = d.n;
    return 0;
}
