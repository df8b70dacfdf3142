/* proto/wire/data_api.c - data-api activity/trades rows and RTDS trades
 * frames (see data_api.h for the mapping and the fill key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/data_api.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

uint64_t pmc_wire_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s, size_t n)
{
    h = pmc_wire_fnv1a(h, s, n);
    return pmc_wire_fnv1a(h, "|", 1);
}

static uint64_t fnv_dec(uint64_t h, pmc_micros v)
{
    char b[32];
    size_t n = pmc_dec_format(v, b);
    return fnv_str(h, b, n);
}

/* Identical rows of one transaction in one document: how many of each
 * (transaction, content hash) came before. Open addressing over the
 * document's own row count (memory follows the input). */
struct occ_tab {
    uint64_t *id;
    uint32_t *cnt; /* 0 = free slot */
    size_t cap;    /* power of two, > 2 x rows */
};

static enum pmc_err occ_init(struct occ_tab *o, size_t rows)
{
    o->cap = 16;
    while (o->cap < 2 * rows + 2)
        o->cap *= 2;
    o->id = calloc(o->cap, sizeof *o->id);
    o->cnt = calloc(o->cap, sizeof *o->cnt);
    return o->id && o->cnt ? PMC_OK : PMC_ENOMEM;
}

static void occ_free(struct occ_tab *o)
{
    free(o->id);
    free(o->cnt);
}

/* The occurrence (1, 2, ...) of this (tx, h) in the document; 1 without a
 * table (RTDS frames: one fill each). */
static uint32_t occ_next(struct occ_tab *o, const struct pmc_sym *tx,
                         uint64_t h)
{
    if (!o)
        return 1;
    uint64_t id = pmc_wire_fnv1a(h, tx->s, tx->n);
    size_t m = o->cap - 1;
    for (size_t i = (size_t)id & m;; i = (i + 1) & m) {
        if (!o->cnt[i]) {
            o->id[i] = id;
            return o->cnt[i] = 1;
        }
        if (o->id[i] == id)
            return ++o->cnt[i];
    }
}

/* key = tx + ":" + 16 hex digits of h, then ":" + k for the k-th identical
 * row of the transaction (k >= 2) */
static enum pmc_err make_key(const struct pmc_sym *tx, uint64_t h, uint32_t k,
                             struct pmc_sym *key, size_t row,
                             struct pmc_wire_err *err)
{
    char b[PMC_SYM_MAX + 32];
    if (tx->n > PMC_SYM_MAX - 17)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "field \"transactionHash\": longer than %d "
                             "characters",
                             PMC_SYM_MAX - 17);
    memcpy(b, tx->s, tx->n);
    int n = k > 1 ? snprintf(b + tx->n, sizeof b - tx->n, ":%016llx:%u",
                             (unsigned long long)h, (unsigned)k)
                  : snprintf(b + tx->n, sizeof b - tx->n, ":%016llx",
                             (unsigned long long)h);
    if (n <= 0 || tx->n + (size_t)n > PMC_SYM_MAX)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "field \"transactionHash\": too long for the "
                             "key of the %u-th identical row of its "
                             "transaction",
                             (unsigned)k);
    return pmc_sym_set(key, b, tx->n + (size_t)n);
}

static void slug_of(const json_t *row, struct pmc_wire_extra *x)
{
    const char *name;
    json_t *v = pmc_wf_get(row, "slug", "market_slug", &name);
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s || n == 0) {
        v = pmc_wf_get(row, "eventSlug", "event_slug", &name);
        s = pmc_json_text(v, &n);
    }
    if (s && n > 0) {
        x->slug = s;
        x->slug_len = n;
    }
    s = pmc_json_text(pmc_wf_get(row, "title", NULL, &name), &n);
    if (s && n > 0) {
        x->title = s;
        x->title_len = n;
    }
}

enum row_kind { ROW_TRADE, ROW_MERGE, ROW_REDEEM, ROW_SPLIT, ROW_UNKNOWN };

static enum row_kind kind_of(const json_t *row, const char **name, size_t *nlen)
{
    const char *fname;
    json_t *v = pmc_wf_get(row, "type", NULL, &fname);
    *name = "";
    *nlen = 0;
    if (!v)
        return ROW_TRADE; /* /trades rows carry no type */
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s) {
        *name = "(not a string)";
        *nlen = strlen(*name);
        return ROW_UNKNOWN;
    }
    *name = s;
    *nlen = n;
    static const struct {
        const char *s;
        enum row_kind k;
    } tab[] = {{"TRADE", ROW_TRADE},
               {"MERGE", ROW_MERGE},
               {"REDEEM", ROW_REDEEM},
               {"SPLIT", ROW_SPLIT}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (n == strlen(tab[i].s) && !memcmp(s, tab[i].s, n))
            return tab[i].k;
    return ROW_UNKNOWN;
}

static enum pmc_err emit(struct pmc_wire_sink *sink, const struct pmc_record *r,
                         const struct pmc_wire_extra *x)
{
    sink->records++;
    return sink->emit ? sink->emit(sink->ctx, r, x) : PMC_OK;
}

static enum pmc_err decode_side(const json_t *row, enum pmc_side *side,
                                size_t rowi, struct pmc_wire_err *err)
{
    if (pmc_wf_is(row, "side", NULL, "BUY"))
        *side = PMC_BUY;
    else if (pmc_wf_is(row, "side", NULL, "SELL"))
        *side = PMC_SELL;
    else {
        const char *name;
        char show[64];
        json_t *v = pmc_wf_get(row, "side", NULL, &name);
        return pmc_wire_fail(err, PMC_EPARSE, rowi,
                             "field \"side\": %s: expected \"BUY\" or "
                             "\"SELL\"",
                             pmc_wf_show(v, show, sizeof show));
    }
    return PMC_OK;
}

/* One activity/trades row (legacy or v2 names) or RTDS payload. */
static enum pmc_err decode_row(const json_t *row, size_t rowi, enum pmc_src src,
                               pmc_ms t, struct occ_tab *occ,
                               struct pmc_wire_sink *sink,
                               struct pmc_wire_err *err)
{
    sink->rows++;
    if (!json_is_object(row))
        return pmc_wire_fail(err, PMC_EPARSE, rowi, "expected an object");
    const char *tname;
    size_t tlen;
    enum row_kind k = kind_of(row, &tname, &tlen);
    if (k == ROW_UNKNOWN) {
        pmc_wire_note_unknown(sink, tname, tlen);
        return PMC_OK;
    }
    struct pmc_record r;
    struct pmc_wire_extra x;
    struct pmc_sym tx;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    slug_of(row, &x);
    pmc_ms ts = 0;
    PMC_TRY(
        pmc_wf_time(row, "timestamp", NULL, PMC_WF_REQUIRED, &ts, rowi, err));
    r.t = t > 0 ? t : ts;
    PMC_TRY(pmc_wf_sym(row, "transactionHash", "transaction_hash",
                       PMC_WF_REQUIRED, &tx, rowi, err));
    if (k == ROW_TRADE) {
        struct pmc_fill *f = &r.u.fill;
        r.kind = PMC_K_FILL;
        f->src = src;
        f->ts = ts;
        PMC_TRY(pmc_wf_addr(row, "proxyWallet", "proxy_wallet", PMC_WF_REQUIRED,
                            &f->trader, rowi, err));
        PMC_TRY(pmc_wf_sym(row, "asset", "token_id", PMC_WF_REQUIRED, &f->token,
                           rowi, err));
        PMC_TRY(decode_side(row, &f->side, rowi, err));
        PMC_TRY(pmc_wf_price(row, "price", NULL, PMC_WF_REQUIRED, 0, &f->px,
                             rowi, err));
        PMC_TRY(pmc_wf_dec(row, "size", NULL, PMC_WF_REQUIRED, 1, PMC_SIZE_MAX,
                           &f->sz, rowi, err));
        PMC_TRY(pmc_wf_sym(row, "conditionId", "condition_id", PMC_WF_OPTIONAL,
                           &f->market, rowi, err));
        PMC_TRY(pmc_wf_label(row, "outcome", NULL, f->outcome,
                             sizeof f->outcome, rowi, err));
        pmc_ms start;
        if (!pmc_wire_slug_window(x.slug, x.slug_len, &start, &f->end))
            f->end = 0;
        uint64_t h = PMC_WIRE_FNV_INIT;
        h = fnv_str(h, f->token.s, f->token.n);
        h = fnv_str(h, f->side == PMC_BUY ? "BUY" : "SELL",
                    f->side == PMC_BUY ? 3 : 4);
        h = fnv_dec(h, f->sz);
        h = fnv_dec(h, f->px);
        PMC_TRY(make_key(&tx, h, occ_next(occ, &tx, h), &f->key, rowi, err));
    } else {
        struct pmc_ctf_ev *c = &r.u.ctf;
        static const enum pmc_kind kinds[] = {PMC_K_FILL, PMC_K_MERGE,
                                              PMC_K_REDEEM, PMC_K_SPLIT};
        r.kind = kinds[k];
        PMC_TRY(pmc_wf_addr(row, "proxyWallet", "proxy_wallet", PMC_WF_REQUIRED,
                            &c->trader, rowi, err));
        PMC_TRY(pmc_wf_sym(row, "conditionId", "condition_id", PMC_WF_OPTIONAL,
                           &c->market, rowi, err));
        PMC_TRY(pmc_wf_dec(row, "size", NULL, PMC_WF_OPTIONAL, 0, PMC_SIZE_MAX,
                           &c->sz, rowi, err));
        PMC_TRY(pmc_wf_dec(row, "usdcSize", "usdc_size", PMC_WF_OPTIONAL, 0,
                           PMC_SIZE_MAX, &c->usd, rowi, err));
        uint64_t h = PMC_WIRE_FNV_INIT;
        h = fnv_str(h, tname, tlen);
        h = fnv_str(h, c->market.s, c->market.n);
        h = fnv_dec(h, c->sz);
        PMC_TRY(make_key(&tx, h, occ_next(occ, &tx, h), &c->key, rowi, err));
    }
    return emit(sink, &r, &x);
}

enum pmc_err pmc_wire_decode_activity(const char *buf, size_t n,
                                      struct pmc_wire_sink *sink,
                                      struct pmc_wire_err *err)
{
    json_t *root;
    err->row = 0;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    const json_t *rows = root;
    if (json_is_object(root)) {
        const char *name;
        json_t *data = pmc_wf_get(root, "data", NULL, &name);
        if (data)
            rows = data;
    }
    struct occ_tab occ = {0};
    if (json_is_array(rows)) {
        rc = occ_init(&occ, json_array_size(rows));
        for (size_t i = 0; i < json_array_size(rows) && rc == PMC_OK; i++)
            rc = decode_row(json_array_get(rows, i), i + 1, PMC_SRC_API, 0,
                            &occ, sink, err);
    } else if (json_is_object(rows) &&
               (json_object_get(rows, "proxyWallet") ||
                json_object_get(rows, "proxy_wallet"))) {
        rc = decode_row(rows, 1, PMC_SRC_API, 0, NULL, sink, err);
    } else {
        rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                           "expected an array of rows or a {\"data\": [...]} "
                           "envelope");
    }
    occ_free(&occ);
    json_decref(root);
    return rc;
}

static enum pmc_err rtds_msg(const json_t *m, size_t rowi, pmc_ms t_recv,
                             struct pmc_wire_sink *sink,
                             struct pmc_wire_err *err)
{
    if (!json_is_object(m))
        return pmc_wire_fail(err, PMC_EPARSE, rowi,
                             "expected an RTDS message object");
    if (!pmc_wf_is(m, "topic", NULL, "activity") ||
        !pmc_wf_is(m, "type", NULL, "trades")) {
        const char *name;
        if (!pmc_wf_get(m, "topic", NULL, &name)) {
            pmc_wire_note_unknown(sink, "(no topic)", 10);
            return PMC_OK;
        }
        sink->ignored++;
        return PMC_OK;
    }
    pmc_ms t = t_recv;
    if (t <= 0)
        PMC_TRY(
            pmc_wf_time(m, "timestamp", NULL, PMC_WF_OPTIONAL, &t, rowi, err));
    const char *name;
    json_t *p = pmc_wf_get(m, "payload", NULL, &name);
    if (!p)
        return pmc_wire_fail(err, PMC_EPARSE, rowi,
                             "field \"payload\" is missing");
    if (json_is_array(p)) {
        for (size_t i = 0; i < json_array_size(p); i++)
            PMC_TRY(decode_row(json_array_get(p, i), rowi, PMC_SRC_RTDS, t,
                               NULL, sink, err));
        return PMC_OK;
    }
    return decode_row(p, rowi, PMC_SRC_RTDS, t, NULL, sink, err);
}

static int is_pong(const char *buf, size_t n)
{
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    return n == 4 && (!memcmp(buf, "PONG", 4) || !memcmp(buf, "pong", 4));
}

enum pmc_err pmc_wire_decode_rtds(const char *buf, size_t n, pmc_ms t_recv,
                                  struct pmc_wire_sink *sink,
                                  struct pmc_wire_err *err)
{
    err->row = 0;
    if (is_pong(buf, n)) {
        sink->ignored++;
        return PMC_OK;
    }
    json_t *root;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root) && rc == PMC_OK; i++)
            rc = rtds_msg(json_array_get(root, i), i + 1, t_recv, sink, err);
    } else {
        rc = rtds_msg(root, 0, t_recv, sink, err);
    }
    json_decref(root);
    return rc;
}
