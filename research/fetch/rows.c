/* research/fetch/rows.c - page rows and their repeats (see rows.h). */
#include "research/fetch/rows.h"

#include <stdlib.h>
#include <string.h>

#include "proto/sign/sha256.h"
#include "proto/wire/json_exact.h"

struct pmc_fx_rowkey {
    uint64_t a, b; /* a == 0 && b == 0: empty slot */
};

enum pmc_err pmc_fx_page_parse(const char *body, size_t n,
                               struct pmc_fx_page *p, struct pmc_wire_err *err)
{
    memset(p, 0, sizeof *p);
    p->has_more = -1;
    PMC_TRY(pmc_json_exact_loads(body, n, &p->doc, err));
    if (json_is_array(p->doc)) {
        p->rows = p->doc;
        return PMC_OK;
    }
    json_t *d = json_is_object(p->doc) ? json_object_get(p->doc, "data") : NULL;
    if (!json_is_array(d)) {
        pmc_fx_page_free(p);
        return pmc_wire_fail(err, PMC_EPARSE, 0,
                             "expected a JSON array of rows or an object "
                             "with a \"data\" array");
    }
    p->rows = d;
    json_t *pg = json_object_get(p->doc, "pagination");
    if (json_is_object(pg)) {
        json_t *hm = json_object_get(pg, "has_more");
        if (json_is_boolean(hm))
            p->has_more = json_is_true(hm);
        size_t cn;
        const char *c = pmc_json_text(json_object_get(pg, "next_cursor"), &cn);
        if (c && cn > 0) {
            if (cn >= sizeof p->cursor) {
                pmc_fx_page_free(p);
                return pmc_wire_fail(err, PMC_ERANGE, 0,
                                     "pagination.next_cursor longer than "
                                     "%zu bytes",
                                     sizeof p->cursor - 1);
            }
            memcpy(p->cursor, c, cn);
            p->cursor[cn] = '\0';
        }
    }
    return PMC_OK;
}

void pmc_fx_page_free(struct pmc_fx_page *p)
{
    if (p->doc)
        json_decref(p->doc);
    p->doc = p->rows = NULL;
}

void pmc_fx_rows_init(struct pmc_fx_rows *r)
{
    memset(r, 0, sizeof *r);
}

void pmc_fx_rows_free(struct pmc_fx_rows *r)
{
    free(r->buf);
    free(r->set);
    memset(r, 0, sizeof *r);
}

static int set_grow(struct pmc_fx_rows *r)
{
    size_t nc = r->setcap ? r->setcap * 2 : 4096;
    struct pmc_fx_rowkey *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return 0;
    for (size_t i = 0; i < r->setcap; i++) {
        struct pmc_fx_rowkey k = r->set[i];
        if (!k.a && !k.b)
            continue;
        size_t j = k.a & (nc - 1);
        while (ns[j].a || ns[j].b)
            j = (j + 1) & (nc - 1);
        ns[j] = k;
    }
    free(r->set);
    r->set = ns;
    r->setcap = nc;
    return 1;
}

/* 1 inserted, 0 already there, -1 out of memory */
static int set_add(struct pmc_fx_rows *r, struct pmc_fx_rowkey k)
{
    if ((r->setn + 1) * 2 > r->setcap && !set_grow(r))
        return -1;
    if (!k.a && !k.b)
        k.a = 1;
    size_t j = k.a & (r->setcap - 1);
    while (r->set[j].a || r->set[j].b) {
        if (r->set[j].a == k.a && r->set[j].b == k.b)
            return 0;
        j = (j + 1) & (r->setcap - 1);
    }
    r->set[j] = k;
    r->setn++;
    return 1;
}

static int put(struct pmc_fx_rows *r, const char *s, size_t n)
{
    if (r->len + n + 2 > r->cap) {
        size_t nc = r->cap ? r->cap : 65536;
        while (nc < r->len + n + 2)
            nc *= 2;
        char *nb = realloc(r->buf, nc);
        if (!nb)
            return 0;
        r->buf = nb;
        r->cap = nc;
    }
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    return 1;
}

static struct pmc_fx_rowkey key_of(const char *s, size_t n, uint64_t ord)
{
    struct pmc_sha256 c;
    uint8_t d[32];
    pmc_sha256_init(&c);
    pmc_sha256_update(&c, s, n);
    pmc_sha256_update(&c, &ord, sizeof ord);
    pmc_sha256_final(&c, d);
    struct pmc_fx_rowkey k;
    memcpy(&k.a, d, 8);
    memcpy(&k.b, d + 8, 8);
    return k;
}

enum pmc_err pmc_fx_rows_add(struct pmc_fx_rows *r, const json_t *stream)
{
    if (!json_is_array(stream))
        return PMC_EPARSE;
    if (r->len == 0 && !put(r, "[", 1))
        return PMC_ENOMEM;
    /* ordinals within this stream: a second set of (content, k) keys */
    struct pmc_fx_rows local;
    pmc_fx_rows_init(&local);
    enum pmc_err rc = PMC_OK;
    size_t i;
    json_t *row;
    json_array_foreach(stream, i, row)
    {
        char *s =
            json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (!s) {
            rc = PMC_ENOMEM;
            break;
        }
        size_t n = strlen(s);
        uint64_t ord = 0;
        int ins;
        while ((ins = set_add(&local, key_of(s, n, ord))) == 0)
            ord++;
        int g = ins < 0 ? -1 : set_add(r, key_of(s, n, ord));
        if (g < 0) {
            free(s);
            rc = PMC_ENOMEM;
            break;
        }
        if (g == 0)
            r->repeats++;
        else if ((r->kept && !put(r, ",", 1)) || !put(r, s, n)) {
            free(s);
            rc = PMC_ENOMEM;
            break;
        } else
            r->kept++;
        free(s);
    }
    pmc_fx_rows_free(&local);
    return rc;
}

const char *pmc_fx_rows_doc(struct pmc_fx_rows *r, size_t *n)
{
    if (r->len == 0 && !put(r, "[", 1)) {
        *n = 0;
        return "[]";
    }
    r->buf[r->len] = ']';
    r->buf[r->len + 1] = '\0';
    *n = r->len + 1;
    return r->buf;
}
