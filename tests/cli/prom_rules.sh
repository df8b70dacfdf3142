#!/bin/sh
# tests/cli/prom_rules.sh - the monitoring files of contrib/ hold against
# the real /metrics of `pmcopy live`.
#
#  rules     - contrib/prometheus/alerts.yml passes `promtool check rules`
#              (Debian's prometheus package, installed by tools/deps.sh;
#              without promtool a YAML parse and the expected alert names),
#              and `promtool test rules tests/cli/prom_rules_test.yml`: each
#              alert fires on the series that should raise it.
#  dashboard - contrib/grafana/pmcopy.json is a Grafana dashboard: JSON, a
#              title, a uid, panels each with at least one PromQL target.
#  names     - every pmcopy_* metric the rules and the dashboard name is a
#              series of a real /metrics scrape of a paper session on the
#              fakes (a renamed series fails here), and promtool's own
#              parser reads that scrape (its only lint: the _us/_ms units
#              in the latency histograms' names, kept for compatibility).
# Usage: sh tests/cli/prom_rules.sh path/to/pmcopy
name=prom_rules
. "$(dirname "$0")/live_lib.inc"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rules=$root/contrib/prometheus/alerts.yml
dash=$root/contrib/grafana/pmcopy.json

# ---- rules -------------------------------------------------------------------
want="PmcopyNotReady PmcopySourceDisconnected PmcopySourcesSilent PmcopyRejectSpike PmcopyStageLatencyHigh PmcopyKillSwitchOn PmcopyNoCopiesWhileSourcesTrade"
if command -v promtool > /dev/null 2>&1; then
    promtool check rules "$rules" > "$tmp/check.out" 2>&1
    check "rules: promtool check rules ($(tail -1 "$tmp/check.out"))" [ $? -eq 0 ]
    (cd "$here" && promtool test rules prom_rules_test.yml) > "$tmp/test.out" 2>&1
    check "rules: promtool test rules: each alert fires when it should ($(grep -m3 -i 'fail\|error' "$tmp/test.out"))" \
        grep -q SUCCESS "$tmp/test.out"
else
    echo "$name: promtool not found (tools/deps.sh installs Debian's prometheus): YAML parse only"
fi
python3 - "$rules" $want > "$tmp/yaml.out" 2>&1 <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
rules = [r for g in doc["groups"] for r in g["rules"]]
names = {r["alert"] for r in rules}
bad = [n for n in sys.argv[2:] if n not in names]
bad += [r["alert"] for r in rules if not r.get("expr") or "severity" not in r.get("labels", {})]
print("missing or incomplete:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
check "rules: the YAML holds every expected alert with an expr and a severity ($(cat "$tmp/yaml.out"))" [ $? -eq 0 ]

# ---- dashboard ---------------------------------------------------------------
python3 - "$dash" > "$tmp/dash.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
if not d.get("title") or not d.get("uid"):
    bad.append("no title or uid")
ps = d.get("panels") or []
if len(ps) < 8:
    bad.append("only %d panels" % len(ps))
for p in ps:
    t = [x.get("expr") for x in p.get("targets", []) if x.get("expr")]
    if not t:
        bad.append("panel %r has no PromQL target" % p.get("title"))
ids = [p.get("id") for p in ps]
if len(set(ids)) != len(ids):
    bad.append("panel ids repeat")
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
check "dashboard: a Grafana dashboard with PromQL panels ($(cat "$tmp/dash.out"))" [ $? -eq 0 ]

# ---- names: a real scrape of a paper session -----------------------------------
echo "0 book token=101 bids=0.48:300 asks=0.52:250" > "$tmp/p.sc"
start_fake feeds "$feeds" --scenario "$tmp/p.sc" --max-seconds 60
FP=$port
"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/p.db" --api-port 0 --no-mlock --ready-file "$tmp/p.ready" \
    > /dev/null 2> "$tmp/p.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/p.ready"
AP=$(api_port_of "$tmp/p.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=200 tx=$(tx 1) log=1 rtds=0
wait_status $AP orders_sent 1
api "$AP" GET /metrics > "$tmp/scrape.txt"
stop_live $lp
python3 "$here/promtext.py" names "$tmp/scrape.txt" "$rules" "$dash" > "$tmp/names.out" 2>&1
check "names: every metric of the rules and the dashboard is in the scrape ($(head -3 "$tmp/names.out"))" [ $? -eq 0 ]
# the check can fail: a renamed series is caught
sed 's/pmcopy_killed/pmcopy_kill_switch/g' "$tmp/scrape.txt" > "$tmp/renamed.txt"
check "names: a renamed series is caught" \
    sh -c "! python3 '$here/promtext.py' names '$tmp/renamed.txt' '$rules' > /dev/null"
if command -v promtool > /dev/null 2>&1; then
    promtool check metrics < "$tmp/scrape.txt" > "$tmp/lint.out" 2>&1
    grep -v 'should not contain abbreviated units' "$tmp/lint.out" > "$tmp/lint2.out"
    check "names: promtool reads the scrape ($(head -3 "$tmp/lint2.out"))" [ ! -s "$tmp/lint2.out" ]
fi

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
