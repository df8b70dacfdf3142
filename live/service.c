/* live/service.c - `pmcopy live` as a service: what the service manager is
 * told (sd_notify: READY, WATCHDOG, STATUS, STOPPING; live/notify.h) and
 * the alerts posted to the operator's webhook (live/alert.h), from what the
 * loop observes each pass (live/alert_rules.h).
 *
 * READY=1 goes out once the store is open (set-up is over when the loop
 * runs) and a fill source delivered data or connected; STATUS follows the
 * readiness of the last pass (ready.c). Alert observations are taken at
 * most every PMC_SERVICE_OBS_MS.
 * Decides: when the manager hears what, what an alert observation holds.
 * Never: changes the engine, the store, a venue or a watcher, blocks (the
 * webhook is posted by alert.c's worker), or reads a clock. */
#include "live/loop_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PMC_SERVICE_OBS_MS 250

static const char *const src_names[3] = {"chain", "rtds", "api"};
static const enum pmc_watch_src src_ids[3] = {PMC_WATCH_CHAIN, PMC_WATCH_RTDS,
                                              PMC_WATCH_API};

static const char *src_url(const struct live *L, int i)
{
    return i == 0 ? L->o.chain_ws : i == 1 ? L->o.rtds_ws : L->o.data_api;
}

enum pmc_err pmc_live_service_open(struct live *L)
{
    pmc_notify_init(&L->notify);
    struct pmc_alert_rules_cfg rc = {0};
    rc.silence_ms = L->cfg.max_source_silence_s * 1000;
    pmc_alert_rules_init(&L->rules, &rc);
    if (!L->o.alert_url || !*L->o.alert_url)
        return PMC_OK;
    char host[256], err[320];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    struct pmc_alert_opts ao = {0};
    ao.url = L->o.alert_url;
    ao.fmt = L->o.alert_fmt;
    ao.chat_id = L->o.alert_chat;
    ao.name = host;
    if (pmc_alert_open(&L->alert, &ao, err, sizeof err) != PMC_OK) {
        pmc_live_fail(L, "alerts", err);
        return PMC_ECONFIG;
    }
    char where[160];
    pmc_alert_url_host(L->o.alert_url, where, sizeof where);
    pmc_live_log(L, "level=info event=alerts_on webhook=%s format=%s", where,
                 L->o.alert_fmt == PMC_ALERT_TELEGRAM ? "telegram" : "generic");
    return PMC_OK;
}

static void emit(void *ctx, const char *event, const char *level,
                 const char *text)
{
    struct live *L = ctx;
    pmc_live_log(L, "level=%s event=alert alert=%s text=\"%s\"",
                 strcmp(level, "critical") ? level : "error", event, text);
    if (L->alert && pmc_alert_post(L->alert, L->now, event, level, text) != 0)
        pmc_live_log(L,
                     "level=warn event=alert_dropped alert=%s "
                     "reason=\"queue full\"",
                     event);
}

static void observe(struct live *L)
{
    struct pmc_alert_obs o;
    memset(&o, 0, sizeof o);
    o.now = L->now;
    struct pmc_engine_stats es;
    pmc_engine_stats(L->drv.eng, &es);
    struct pmc_kill_view kv;
    pmc_engine_kill_view(L->drv.eng, &kv);
    o.killed = es.killed;
    o.kill_reason = kv.automatic[0]   ? kv.automatic
                    : kv.by_kill_file ? "the kill file exists"
                    : kv.by_operator  ? "an operator's kill"
                                      : "";
    o.ready = L->ready;
    o.why = L->ready_why;
    const struct pmc_watch_stats *ws =
        L->watch ? pmc_watch_stats(L->watch) : NULL;
    for (int i = 0; i < 3; i++) {
        uint64_t fr = ws ? ws->c[src_ids[i]].frames : 0;
        if (fr != L->svc_frames[i]) {
            L->svc_frames[i] = fr;
            L->svc_last[i] = L->now;
        }
        o.src[i].name = src_names[i];
        o.src[i].on = src_url(L, i) && *src_url(L, i);
        o.src[i].last_data = L->svc_last[i];
    }
    o.nsrc = 3;
    o.rejects = es.rejects;
    o.orders = es.orders;
    o.fills_seen = es.fills_seen;
    o.fills_copied = es.fills_copied;
    o.realized_today = es.realized_today;
    pmc_alert_rules_step(&L->rules, &o, emit, L);
}

void pmc_live_service_pass(struct live *L)
{
    if (!L->notify.ready_sent && L->notify.on) {
        int data = 0;
        for (int i = 0; i < 3 && L->watch; i++)
            data |= pmc_watch_stats(L->watch)->c[src_ids[i]].frames > 0 ||
                    (i < 2 && pmc_watch_is_up(L->watch, src_ids[i]));
        if (data) {
            char st[128];
            snprintf(st, sizeof st, "copying %u traders (%s)", L->cfg.ntraders,
                     L->paper ? "paper" : "live");
            pmc_notify_ready(&L->notify, st);
            L->svc_ready = L->ready;
        }
    }
    pmc_notify_tick(&L->notify, L->now);
    if (L->notify.ready_sent && L->ready != L->svc_ready) {
        L->svc_ready = L->ready;
        char st[300];
        snprintf(st, sizeof st, "%s%s", L->ready ? "copying" : "not copying: ",
                 L->ready ? "" : L->ready_why);
        pmc_notify_status(&L->notify, st);
    }
    if (L->now - L->svc_obs >= PMC_SERVICE_OBS_MS) {
        L->svc_obs = L->now;
        observe(L);
    }
}

void pmc_live_service_stopping(struct live *L)
{
    pmc_notify_stopping(&L->notify);
}

void pmc_live_service_close(struct live *L)
{
    if (!L->alert)
        return;
    pmc_alert_close(L->alert, 2000);
    L->alert = NULL;
}
