/* proto/wire/clob_rest.c - the CLOB's REST answers (see clob_rest.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/sign/order.h"
#include "proto/wire/clob_rest.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

/* Sizes beyond 10^12 shares are not an answer about a real order. */
#define SHARES_MAX (1000000000000 * PMC_MICRO)

void pmc_clob_rest_text(const char *buf, size_t n, char *out, size_t cap)
{
    if (!cap)
        return;
    size_t i = 0;
    for (; buf && i < n && buf[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)buf[i];
        out[i] = c < 0x20 || c >= 0x7f ? ' ' : (char)c;
    }
    out[i] = '\0';
}

/* The string under k of object o (number text included), or NULL. */
static const char *str_of(const json_t *o, const char *k, size_t *n)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
    size_t len = 0;
    const char *s = pmc_json_text(v, &len);
    if (n)
        *n = len;
    return s;
}

static void msg_of(const json_t *j, const char *buf, size_t n, char *out,
                   size_t cap)
{
    size_t len = 0;
    const char *m = str_of(j, "error", &len);
    if (!m || !len)
        m = str_of(j, "errorMsg", &len);
    if (!m || !len) {
        m = j ? "" : buf;
        len = j ? 0 : n;
    }
    pmc_clob_rest_text(m, len, out, cap);
}

void pmc_clob_rest_msg(const char *buf, size_t n, char *out, size_t cap)
{
    json_t *j = NULL;
    struct pmc_wire_err err;
    if (pmc_json_exact_loads(buf, n, &j, &err) != PMC_OK)
        j = NULL;
    msg_of(j, buf, n, out, cap);
    json_decref(j);
}

static enum pmc_err load(const char *buf, size_t n, json_t **j,
                         struct pmc_wire_err *err)
{
    *j = NULL;
    if (n == 0)
        return pmc_wire_fail(err, PMC_EPARSE, 0, "empty answer");
    return pmc_json_exact_loads(buf, n, j, err);
}

static enum pmc_clob_status status_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum pmc_clob_status st;
    } S[] = {{"live", PMC_CLOB_ST_LIVE},
             {"matched", PMC_CLOB_ST_MATCHED},
             {"delayed", PMC_CLOB_ST_DELAYED},
             {"unmatched", PMC_CLOB_ST_UNMATCHED}};
    if (!s)
        return PMC_CLOB_ST_NONE;
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++)
        if (strlen(S[i].name) == n && strncasecmp(s, S[i].name, n) == 0)
            return S[i].st;
    return PMC_CLOB_ST_OTHER;
}

static void copy_status(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    for (; s && i < n && i + 1 < cap; i++)
        out[i] = s[i];
    out[i] = '\0';
}

/* A decimal text in both readings (see struct pmc_clob_amount). */
static struct pmc_clob_amount amount_of(const json_t *v)
{
    struct pmc_clob_amount a = {0, 0, -1};
    size_t n = 0;
    const char *s = pmc_json_text(v, &n);
    if (!s || n == 0 || pmc_json_dec_text(s, n, 1, &a.human) != PMC_OK ||
        a.human < 0) {
        a.human = 0;
        return a;
    }
    int64_t b;
    a.base = pmc_json_int(v, &b) == PMC_OK && b >= 0 ? b : -1;
    a.ok = 1;
    return a;
}

/* "true" / "false" as a boolean or its text: 1 / 0; -1 otherwise. */
static int bool_of(const json_t *v)
{
    size_t n = 0;
    const char *s = pmc_json_text(v, &n);
    if (json_is_true(v) || (s && n == 4 && memcmp(s, "true", 4) == 0))
        return 1;
    if (json_is_false(v) || (s && n == 5 && memcmp(s, "false", 5) == 0))
        return 0;
    return -1;
}

static enum pmc_err post_of(const json_t *j, struct pmc_clob_post_ans *out,
                            struct pmc_wire_err *err);

enum pmc_err pmc_clob_rest_post(const char *buf, size_t n,
                                struct pmc_clob_post_ans *out,
                                struct pmc_wire_err *err)
{
    json_t *j = NULL;
    enum pmc_err e = load(buf, n, &j, err);
    if (e != PMC_OK) {
        memset(out, 0, sizeof *out);
        out->making.base = out->taking.base = -1;
        msg_of(NULL, buf, n, out->msg, sizeof out->msg);
        return e;
    }
    e = post_of(j, out, err);
    json_decref(j);
    return e;
}

enum pmc_err pmc_clob_rest_post_batch(const char *buf, size_t n,
                                      struct pmc_clob_post_ans *out,
                                      enum pmc_err *elem, size_t cap,
                                      size_t *count, struct pmc_wire_err *err)
{
    *count = 0;
    json_t *j = NULL;
    PMC_TRY(load(buf, n, &j, err));
    if (!json_is_array(j)) {
        json_decref(j);
        return pmc_wire_fail(err, PMC_EPARSE, 0,
                             "POST /orders answer: expected a JSON array");
    }
    *count = json_array_size(j);
    for (size_t i = 0; i < *count && i < cap; i++) {
        struct pmc_wire_err ee;
        elem[i] = post_of(json_array_get(j, i), &out[i], &ee);
    }
    json_decref(j);
    return PMC_OK;
}

/* One POST /order answer, already parsed. */
static enum pmc_err post_of(const json_t *j, struct pmc_clob_post_ans *out,
                            struct pmc_wire_err *err)
{
    memset(out, 0, sizeof *out);
    out->making.base = out->taking.base = -1;
    msg_of(j, "", 0, out->msg, sizeof out->msg);
    if (!json_is_object(j))
        return pmc_wire_fail(err, PMC_EPARSE, 0,
                             "POST /order answer: expected a JSON object");
    enum pmc_err e = PMC_OK;
    int ok = bool_of(json_object_get(j, "success"));
    size_t en = 0;
    const char *em = str_of(j, "errorMsg", &en);
    int has_err = em && en > 0;
    if (ok < 0 && !has_err) {
        char show[64];
        const json_t *v = json_object_get(j, "success");
        if (v)
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"success\": %s: expected true or false",
                              pmc_wf_show(v, show, sizeof show));
        else
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"success\" is missing and no "
                              "\"errorMsg\"");
        return e;
    }
    out->accepted = ok == 1 && !has_err;
    size_t sn = 0;
    const char *st = str_of(j, "status", &sn);
    out->status = status_of(st, sn);
    copy_status(st, sn, out->status_text, sizeof out->status_text);
    out->making = amount_of(json_object_get(j, "makingAmount"));
    out->taking = amount_of(json_object_get(j, "takingAmount"));
    return PMC_OK;
}

static enum pmc_err dec_field(const json_t *j, const char *name, int required,
                              pmc_micros lo, pmc_micros hi, pmc_micros *out,
                              struct pmc_wire_err *err)
{
    /* the decimal getter rounds past 6 places half to even; lo/hi bound */
    return pmc_wf_dec(j, name, NULL, required, lo, hi, out, 0, err);
}

enum pmc_err pmc_clob_rest_order(const char *buf, size_t n,
                                 struct pmc_clob_order_ans *out,
                                 struct pmc_wire_err *err)
{
    memset(out, 0, sizeof *out);
    out->price = out->original_size = -1;
    /* a bare null (the parser takes objects and arrays only) */
    size_t a = 0, b = n;
    while (a < b && strchr(" \t\r\n", buf[a]) && buf[a])
        a++;
    while (b > a && strchr(" \t\r\n", buf[b - 1]) && buf[b - 1])
        b--;
    if (b - a == 4 && memcmp(buf + a, "null", 4) == 0)
        return PMC_OK;
    json_t *j = NULL;
    PMC_TRY(load(buf, n, &j, err));
    if ((json_is_object(j) &&
         (json_object_size(j) == 0 || !json_object_get(j, "id")))) {
        json_decref(j);
        return PMC_OK;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return pmc_wire_fail(err, PMC_EPARSE, 0,
                             "order look-up answer: expected a JSON object "
                             "or null");
    }
    enum pmc_err e = PMC_OK;
    size_t sn = 0;
    const char *st = str_of(j, "status", &sn);
    if (!st || sn == 0) {
        char show[64];
        const json_t *v = json_object_get(j, "status");
        if (v && !json_is_null(v))
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"status\": %s: expected a non-empty "
                              "string",
                              pmc_wf_show(v, show, sizeof show));
        else
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"status\" is missing");
        goto out;
    }
    if (sn > 13 && strncasecmp(st, "ORDER_STATUS_", 13) == 0) {
        st += 13;
        sn -= 13;
    }
    out->status = status_of(st, sn);
    copy_status(st, sn, out->status_text, sizeof out->status_text);
    if ((e = dec_field(j, "size_matched", PMC_WF_REQUIRED, 0, SHARES_MAX,
                       &out->size_matched, err)) != PMC_OK)
        goto out;
    if ((e = dec_field(j, "original_size", PMC_WF_OPTIONAL, 0, SHARES_MAX,
                       &out->original_size, err)) != PMC_OK)
        goto out;
    const char *pname;
    if (pmc_wf_get(j, "price", NULL, &pname)) {
        if ((e = pmc_wf_price(j, "price", NULL, PMC_WF_REQUIRED, 0, &out->price,
                              0, err)) != PMC_OK)
            goto out;
    }
    sn = 0;
    const char *ot = str_of(j, "order_type", &sn);
    if (ot && pmc_order_type_parse(ot, sn, &out->tif) == PMC_OK)
        out->has_tif = 1;
    out->found = 1;
out:
    json_decref(j);
    return e;
}

enum pmc_err pmc_clob_rest_cancel(const char *buf, size_t n, const char *id,
                                  struct pmc_clob_cancel_ans *out,
                                  struct pmc_wire_err *err)
{
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    PMC_TRY(load(buf, n, &j, err));
    enum pmc_err e = PMC_OK;
    if (!json_is_object(j)) {
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "cancel answer: expected a JSON object");
        goto out;
    }
    const json_t *c = json_object_get(j, "canceled");
    const json_t *nc = json_object_get(j, "not_canceled");
    if (!nc || json_is_null(nc))
        nc = json_object_get(j, "notCanceled");
    if (c && !json_is_null(c) && !json_is_array(c)) {
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "field \"canceled\": expected an array");
        goto out;
    }
    if (nc && !json_is_null(nc) && !json_is_object(nc)) {
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "field \"not_canceled\": expected an object");
        goto out;
    }
    size_t idn = id ? strlen(id) : 0;
    for (size_t i = 0; json_is_array(c) && i < json_array_size(c); i++) {
        size_t k = 0;
        const char *s = pmc_json_text(json_array_get(c, i), &k);
        if (!s) {
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"canceled\": item %zu is not a string",
                              i + 1);
            goto out;
        }
        if (id && k == idn && strncasecmp(s, id, k) == 0)
            out->canceled = 1;
    }
    const char *key;
    json_t *v;
    if (json_is_object(nc)) {
        json_object_foreach((json_t *)nc, key, v)
        {
            if (!id || strcasecmp(key, id) != 0)
                continue;
            size_t k = 0;
            const char *s = pmc_json_text(v, &k);
            out->refused = 1;
            pmc_clob_rest_text(s ? s : "", k, out->why, sizeof out->why);
        }
    }
out:
    json_decref(j);
    return e;
}

enum pmc_err pmc_clob_rest_tick(const char *buf, size_t n, struct pmc_tick *out,
                                struct pmc_wire_err *err)
{
    json_t *j = NULL;
    PMC_TRY(load(buf, n, &j, err));
    const json_t *v =
        json_is_object(j) ? json_object_get(j, "minimum_tick_size") : NULL;
    size_t k = 0;
    const char *s = pmc_json_text(v, &k);
    enum pmc_err e = PMC_OK;
    if (!json_is_object(j))
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "tick-size answer: expected a JSON object");
    else if (!v)
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "field \"minimum_tick_size\" is missing");
    else if (!s || pmc_tick_parse(s, k, out) != PMC_OK) {
        char show[64];
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "field \"minimum_tick_size\": %s: not a venue tick "
                          "(0.1, 0.01, 0.001 or 0.0001)",
                          pmc_wf_show(v, show, sizeof show));
    }
    json_decref(j);
    return e;
}

enum pmc_err pmc_clob_rest_negrisk(const char *buf, size_t n, int *out,
                                   struct pmc_wire_err *err)
{
    json_t *j = NULL;
    PMC_TRY(load(buf, n, &j, err));
    const json_t *v = json_is_object(j) ? json_object_get(j, "neg_risk") : NULL;
    int b = bool_of(v);
    enum pmc_err e = PMC_OK;
    if (!json_is_object(j))
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "neg-risk answer: expected a JSON object");
    else if (!v)
        e = pmc_wire_fail(err, PMC_EPARSE, 0, "field \"neg_risk\" is missing");
    else if (b < 0) {
        char show[64];
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "field \"neg_risk\": %s: expected true or false",
                          pmc_wf_show(v, show, sizeof show));
    } else
        *out = b;
    json_decref(j);
    return e;
}

/* A credential string: 1..cap-1 bytes, printable, no space, '"' or '\\'. */
static int cred_ok(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n >= sizeof((struct pmc_api_creds *)0)->key)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
            s[i] == '"' || s[i] == '\\')
            return 0;
    return 1;
}

static void wipe_str(json_t *v)
{
    if (json_is_string(v))
        explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

enum pmc_err pmc_clob_rest_api_key(const char *buf, size_t n,
                                   struct pmc_api_creds *out,
                                   struct pmc_wire_err *err)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    /* the numbers do not matter here: plain jansson, no exact copy of the
     * secrets */
    json_t *o = n ? json_loadb(buf, n, 0, &jerr) : NULL;
    size_t at = o ? 0 : (size_t)jerr.position;
    explicit_bzero(&jerr, sizeof jerr); /* it may quote the text */
    if (!json_is_object(o)) {
        json_decref(o);
        err->offset = at;
        return pmc_wire_fail(err, PMC_EPARSE, 0,
                             "API key answer: expected a JSON object with "
                             "apiKey, secret and passphrase");
    }
    static const char *const NAMES[3] = {"apiKey", "secret", "passphrase"};
    json_t *v[3] = {json_object_get(o, "apiKey"), json_object_get(o, "secret"),
                    json_object_get(o, "passphrase")};
    if (!v[0])
        v[0] = json_object_get(o, "key");
    char *dst[3] = {out->key, out->secret, out->passphrase};
    enum pmc_err e = PMC_OK;
    for (int i = 0; i < 3 && e == PMC_OK; i++) {
        if (!v[i])
            e = pmc_wire_fail(err, PMC_EPARSE, 0, "field \"%s\" is missing",
                              NAMES[i]);
        else if (!cred_ok(v[i]))
            e = pmc_wire_fail(err, PMC_EPARSE, 0,
                              "field \"%s\": must be a string of 1..127 "
                              "printable characters without spaces, quotes or "
                              "backslashes",
                              NAMES[i]);
        else
            memcpy(dst[i], json_string_value(v[i]),
                   json_string_length(v[i]) + 1);
    }
    /* wipe jansson's copies of every string before freeing them */
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        wipe_str(val);
    }
    json_decref(o);
    if (e != PMC_OK)
        pmc_api_creds_wipe(out);
    return e;
}
