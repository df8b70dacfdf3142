/* proto/wire/prices.c - /prices-history points (see prices.h). */
#include <string.h>

#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"
#include "proto/wire/prices.h"

static enum pmc_err points(const json_t *hist, const struct pmc_sym *tok,
                           struct pmc_wire_sink *sink, struct pmc_wire_err *err)
{
    for (size_t i = 0; i < json_array_size(hist); i++) {
        const json_t *p = json_array_get(hist, i);
        size_t row = i + 1;
        struct pmc_record r;
        struct pmc_wire_extra x;
        memset(&r, 0, sizeof r);
        memset(&x, 0, sizeof x);
        sink->rows++;
        if (!json_is_object(p))
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "expected a {\"t\", \"p\"} object");
        r.kind = PMC_K_TRADE;
        r.u.trade.token = *tok;
        r.u.trade.sz = PMC_MICRO;
        PMC_TRY(pmc_wf_time(p, "t", NULL, PMC_WF_REQUIRED, &r.t, row, err));
        PMC_TRY(pmc_wf_dec(p, "p", NULL, PMC_WF_REQUIRED, 0, PMC_MICRO,
                           &r.u.trade.px, row, err));
        if (r.u.trade.px == 0 || r.u.trade.px == PMC_MICRO) {
            sink->ignored++;
            continue;
        }
        sink->records++;
        if (sink->emit)
            PMC_TRY(sink->emit(sink->ctx, &r, &x));
    }
    return PMC_OK;
}

enum pmc_err pmc_wire_decode_prices(const char *buf, size_t n,
                                    const char *token, size_t tok_len,
                                    struct pmc_wire_sink *sink,
                                    struct pmc_wire_err *err)
{
    json_t *root;
    err->row = 0;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    struct pmc_sym tok;
    memset(&tok, 0, sizeof tok);
    const json_t *hist = root;
    if (json_is_object(root)) {
        const char *name;
        hist = pmc_wf_get(root, "history", NULL, &name);
        if (!hist || !json_is_array(hist)) {
            rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                               "field \"history\": expected an array of "
                               "points");
            goto done;
        }
        if (!token) {
            rc = pmc_wf_sym(root, "market", "token_id", PMC_WF_OPTIONAL, &tok,
                            0, err);
            if (rc == PMC_OK && !tok.n)
                rc = pmc_wf_sym(root, "asset_id", NULL, PMC_WF_OPTIONAL, &tok,
                                0, err);
            if (rc != PMC_OK)
                goto done;
        }
    } else if (!json_is_array(root)) {
        rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                           "expected {\"history\": [...]} or an array of "
                           "points");
        goto done;
    }
    if (token) {
        if (pmc_wire_sym(&tok, token, tok_len) != PMC_OK) {
            rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                               "the token id is empty, too long or not "
                               "printable");
            goto done;
        }
    }
    if (!tok.n) {
        rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                           "the token is unknown: pass it, or add \"market\" "
                           "next to \"history\"");
        goto done;
    }
    rc = points(hist, &tok, sink, err);
done:
    json_decref(root);
    return rc;
}
