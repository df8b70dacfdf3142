/* live/control.c - the operator's controls of a running `pmcopy live`:
 * the routes POST /kill, POST /resume, POST /traders/{addr}/disable|enable
 * of the local API, the kill-switch file (--kill-file) and the log lines
 * of every kill, resume and trader switch.
 *
 * Decides: what a control request is (its body parsed with jansson, each
 * problem answered 400 naming it, an unknown trader 404, a resume the core
 * will refuse 409 with the kill that stays), the record it queues for the
 * core with who asked (api, kill_file) and why, and when the kill file's
 * state becomes a record (checked at most every 250 ms, a stat only).
 * Never: changes the engine itself (every control is a record queued like
 * any input, so the journal holds it and `pmcopy replay` reproduces it),
 * reads a clock (it uses the loop's now) or blocks.
 *
 * The kill file, by its state and the engine's:
 *
 *   file present, engine not killed by it --> queue kill by=kill_file
 *   file absent,  engine killed by it -----> queue resume by=kill_file
 *   otherwise, or that record still queued -> nothing
 *
 * (so a restart on a store whose journal holds the file's kill, with the
 * file gone, lifts it; an automatic or operator kill is never touched). */
#include "live/control.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "core/tape.h"
#include "live/loop_int.h"
#include "proto/jsonout.h"

/* ---- bodies ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
body_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

int pmc_control_body_parse(const char *body, size_t len, unsigned allowed,
                           struct pmc_control_body *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
                       body[i] == '\n'))
        i++;
    if (i == len)
        return 0;
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return body_fail(err, cap, "malformed JSON: %s at byte %d", je.text,
                         je.position);
    int rc = 0;
    if (!json_is_object(j)) {
        rc = body_fail(err, cap, "the body must be a JSON object");
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        int is_reason = !strcmp(k, "reason") && (allowed & PMC_CB_REASON);
        int is_over = !strcmp(k, "override") && (allowed & PMC_CB_OVERRIDE);
        if (!is_reason && !is_over) {
            char key[40];
            size_t n = strlen(k);
            /* name it safely: printable ASCII only, cut */
            size_t m = 0;
            for (size_t c = 0; c < n && m + 1 < sizeof key; c++)
                key[m++] =
                    (k[c] >= 0x20 && k[c] < 0x7f && k[c] != '"') ? k[c] : '?';
            key[m] = '\0';
            rc = body_fail(err, cap, "unknown key \"%s\"", key);
            goto out;
        }
        if (!json_is_string(v)) {
            rc = body_fail(err, cap, "%s must be a string", k);
            goto out;
        }
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (is_reason) {
            if (n > PMC_CB_REASON_MAX) {
                rc = body_fail(err, cap, "reason: at most %d bytes (got %zu)",
                               PMC_CB_REASON_MAX, n);
                goto out;
            }
            for (size_t c = 0; c < n; c++) {
                unsigned char ch = (unsigned char)s[c];
                out->reason[c] =
                    (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
                        ? ' '
                        : (char)ch;
            }
            out->reason[n] = '\0';
        } else {
            if (n == 0 || n > PMC_CB_OVERRIDE_MAX) {
                rc = body_fail(err, cap, "override: 1 to %d bytes (got %zu)",
                               PMC_CB_OVERRIDE_MAX, n);
                goto out;
            }
            for (size_t c = 0; c < n; c++)
                if (!((s[c] >= 'a' && s[c] <= 'z') ||
                      (s[c] >= '0' && s[c] <= '9') || s[c] == '_')) {
                    rc = body_fail(err, cap,
                                   "override: the name of a limit, [a-z0-9_] "
                                   "only (e.g. max_daily_loss)");
                    goto out;
                }
            memcpy(out->override, s, n + 1);
        }
    }
out:
    json_decref(j);
    return rc;
}

/* ---- answers ------------------------------------------------------------------ */

static int answer_error(FILE *out, int status, const char *what)
{
    fputs("{\"error\":", out);
    pmc_json_str(out, what);
    fputs("}\n", out);
    return status;
}

/* The body of a route, or the 400 answer; 0 = parsed. */
static int body_of(const struct pmc_api_req *r, unsigned allowed,
                   struct pmc_control_body *b, FILE *out)
{
    char err[256];
    if (pmc_control_body_parse(r->body, r->body_len, allowed, b, err,
                               sizeof err) != 0)
        return answer_error(out, 400, err);
    return 0;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* ---- routes ---------------------------------------------------------------------- */

static int route_kill(struct live *L, const struct pmc_api_req *r, FILE *out)
{
    struct pmc_control_body b;
    int st = body_of(r, PMC_CB_REASON, &b, out);
    if (st)
        return st;
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_KILL;
    rec.t = L->now;
    rec.u.kill.who = PMC_WHO_API;
    copy_text(rec.u.kill.reason, sizeof rec.u.kill.reason,
              b.reason[0] ? b.reason : "operator");
    pmc_live_push(L, &rec);
    fputs("{\"queued\":\"kill\",\"who\":\"api\",\"reason\":", out);
    pmc_json_str(out, rec.u.kill.reason);
    fputs("}\n", out);
    return 200;
}

static int route_resume(struct live *L, const struct pmc_api_req *r, FILE *out)
{
    struct pmc_control_body b;
    int st = body_of(r, PMC_CB_REASON | PMC_CB_OVERRIDE, &b, out);
    if (st)
        return st;
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_RESUME;
    rec.t = L->now;
    rec.u.resume.who = PMC_WHO_API;
    copy_text(rec.u.resume.reason, sizeof rec.u.resume.reason, b.reason);
    copy_text(rec.u.resume.override, sizeof rec.u.resume.override, b.override);
    /* the core decides the same when it steps the record (queued anyway:
     * the refusal is journaled with it) */
    const char *why = pmc_engine_resume_refusal(L->drv.eng, &rec.u.resume);
    char kept[64];
    if (why)
        copy_text(kept, sizeof kept, why);
    pmc_live_push(L, &rec);
    if (why) {
        fputs("{\"error\":\"resume refused\",\"reason\":", out);
        pmc_json_str(out, kept);
        if (strcmp(kept, "kill_file") != 0)
            fprintf(out,
                    ",\"hint\":\"POST /resume {\\\"override\\\":\\\"%s\\\"}"
                    " lifts the core's own kill\"",
                    kept);
        else
            fputs(",\"hint\":\"remove the kill file\"", out);
        fputs("}\n", out);
        return 409;
    }
    fputs("{\"queued\":\"resume\",\"who\":\"api\"}\n", out);
    return 200;
}

/* /traders/{addr}/disable|enable */
static int route_trader(struct live *L, const struct pmc_api_req *r,
                        const char *rest, FILE *out)
{
    const char *slash = strchr(rest, '/');
    if (!slash)
        return 0;
    const char *verb = slash + 1;
    int on;
    if (!strcmp(verb, "disable"))
        on = 0;
    else if (!strcmp(verb, "enable"))
        on = 1;
    else
        return 0;
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    if (pmc_addr_norm(rest, (size_t)(slash - rest), &rec.u.trader.trader) !=
        PMC_OK)
        return answer_error(out, 400,
                            "the trader address is 40 hex digits, 0x optional");
    if (pmc_engine_trader_find(L->drv.eng, &rec.u.trader.trader) < 0) {
        fputs("{\"error\":\"unknown trader\",\"trader\":", out);
        pmc_json_str(out, rec.u.trader.trader.s);
        fputs("}\n", out);
        return 404;
    }
    struct pmc_control_body b;
    int st = body_of(r, PMC_CB_REASON, &b, out);
    if (st)
        return st;
    rec.kind = PMC_K_TRADER;
    rec.t = L->now;
    rec.u.trader.on = on;
    rec.u.trader.who = PMC_WHO_API;
    copy_text(rec.u.trader.reason, sizeof rec.u.trader.reason, b.reason);
    pmc_live_push(L, &rec);
    fprintf(out,
            "{\"queued\":\"trader_%s\",\"trader\":", on ? "enable" : "disable");
    pmc_json_str(out, rec.u.trader.trader.s);
    fputs(",\"reason\":", out);
    pmc_json_str(out, rec.u.trader.reason);
    fputs("}\n", out);
    return 200;
}

int pmc_live_control_route(struct live *L, const struct pmc_api_req *r,
                           FILE *out)
{
    if (strcmp(r->method, "POST") != 0)
        return 0;
    if (!strcmp(r->path, "/kill"))
        return route_kill(L, r, out);
    if (!strcmp(r->path, "/resume"))
        return route_resume(L, r, out);
    if (!strncmp(r->path, "/traders/", 9))
        return route_trader(L, r, r->path + 9, out);
    return 0;
}

/* ---- the kill file ------------------------------------------------------------------ */

#define KILL_FILE_EVERY_MS 250

void pmc_live_kill_file_check(struct live *L)
{
    const char *path = L->o.kill_file;
    if (!path || !*path || L->rebuilding)
        return;
    if (L->kf_checked && L->now - L->kf_last < KILL_FILE_EVERY_MS)
        return;
    L->kf_checked = 1;
    L->kf_last = L->now;
    struct stat sb;
    /* a file we cannot look at (permissions) counts as there: the switch
     * fails safe */
    int present = stat(path, &sb) == 0 || errno != ENOENT;
    struct pmc_kill_view v;
    pmc_engine_kill_view(L->drv.eng, &v);
    if (present == v.by_kill_file) {
        L->kf_queued = present;
        return;
    }
    if (present == L->kf_queued)
        return; /* queued, not stepped yet */
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.t = L->now;
    if (present) {
        rec.kind = PMC_K_KILL;
        rec.u.kill.who = PMC_WHO_KILL_FILE;
        copy_text(rec.u.kill.reason, sizeof rec.u.kill.reason,
                  "kill file present");
    } else {
        rec.kind = PMC_K_RESUME;
        rec.u.resume.who = PMC_WHO_KILL_FILE;
        copy_text(rec.u.resume.reason, sizeof rec.u.resume.reason,
                  "kill file removed");
    }
    L->kf_queued = present;
    pmc_live_push(L, &rec);
}

void pmc_live_control_status(struct live *L, FILE *f)
{
    struct pmc_kill_view v;
    pmc_engine_kill_view(L->drv.eng, &v);
    fprintf(f, "\"kill\":{\"operator\":%s,\"kill_file\":%s,\"automatic\":",
            v.by_operator ? "true" : "false",
            v.by_kill_file ? "true" : "false");
    pmc_json_str(f, v.automatic[0] ? v.automatic : NULL);
    fputs("},", f);
}

/* ---- log lines ---------------------------------------------------------------------- */

/* one logfmt value between quotes: no quote, backslash or control byte */
static void safe(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] =
            (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? ' ' : (char)c;
    }
    dst[i] = '\0';
}

void pmc_live_control_note(struct live *L, const struct pmc_record *r)
{
    char why[64];
    switch (r->kind) {
    case PMC_K_KILL:
        safe(why, sizeof why, r->u.kill.reason);
        pmc_live_log(L, "level=%s event=kill who=%s reason=\"%s\"",
                     r->u.kill.by_core ? "error" : "warn",
                     pmc_who_name(r->u.kill.who), why);
        break;
    case PMC_K_RESUME:
        safe(why, sizeof why, r->u.resume.reason);
        pmc_live_log(L, "level=warn event=resume who=%s reason=\"%s\"%s%s",
                     pmc_who_name(r->u.resume.who), why,
                     r->u.resume.override[0] ? " override=" : "",
                     r->u.resume.override);
        break;
    case PMC_K_REFUSE:
        safe(why, sizeof why, r->u.refuse.reason);
        pmc_live_log(
            L, "level=warn event=resume_refused who=core reason=\"%s\"", why);
        break;
    case PMC_K_TRADER: {
        const struct pmc_trader_ev *t = &r->u.trader;
        safe(why, sizeof why, t->reason);
        const char *ev = t->on                    ? "trader_enable"
                         : t->who == PMC_WHO_CORE ? "trader_cutoff"
                                                  : "trader_disable";
        pmc_live_log(L, "level=warn event=%s who=%s trader=%s reason=\"%s\"",
                     ev, pmc_who_name(t->who), t->trader.s, why);
        break;
    }
    default:
        break;
    }
}
