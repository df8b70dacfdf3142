#!/bin/sh
# tests/cli/optimize_heat.sh - `pmcopy optimize`'s pairs of keys:
# sensitivity.csv's rows per pair of bins and report.html's heatmaps, on
# the rank ground truth tape of tests/cli/optimize.sh.
# What must hold:
#  grid    - every row of sensitivity.csv (one key and pairs) equals the
#            trials, mean and best pnl python3 recomputes from trials.csv,
#            and no bin is missing; one heatmap per pair, each with the
#            best trial's cell (summary.json's params) outlined, its cells'
#            tooltips equal to the file's rows;
#  sobol   - range bins: each trial falls in the bins its values lie in
#            (the labels' lo..hi), recomputed the same way;
#  passes  - pairs whose cells take several passes over the trials agree
#            the same way;
#  many    - 7 keys (21 pairs) are drawn compact, saying so; a pair of
#            4096 x 17 bins is over the limit and both files name it;
#            the same run twice gives the same bytes.
# Usage: sh tests/cli/optimize_heat.sh path/to/pmcopy
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d /tmp/pmc_cli_optimize_heat.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "optimize_heat: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

"$bin" synth --population 40 --days 20 --out "$tmp/pop.tape" 2>/dev/null
opt() { "$bin" optimize "$tmp/pop.tape" --progress none --capital 100000 "$@"; }

# The independent computation: python3 check.py DIR MODE (MODE grid: bins
# are the values; sobol: a range's bin is the row label lo..hi holding it).
cat >"$tmp/check.py" <<'PY'
import csv, html, json, re, sys
from decimal import Decimal as D
d, mode = sys.argv[1], sys.argv[2]
errs = []
trials = list(csv.DictReader(open(d + "/trials.csv")))
head = json.loads(open(d + "/trials.jsonl").readline())
sens = list(csv.reader(open(d + "/sensitivity.csv")))
if sens[0] != ["key", "value", "trials", "mean_pnl", "best_pnl", "key_b", "value_b"]:
    errs.append("header %r" % sens[0])
keys = list(trials[0].keys())[1 : list(trials[0].keys()).index("pnl_usd")]
labels = {k: set() for k in keys}
for r in sens[1:]:
    labels[r[0]].add(r[1])
    if r[5]:
        labels[r[5]].add(r[6])

def bin_of(k, v):
    """the label of the bin v falls in"""
    if mode == "grid" or "," in v or not any(".." in l for l in labels[k]):
        return v
    x, hits = D(v), []
    for l in labels[k]:
        lo, hi = (D(p) for p in l.split(".."))
        if lo <= x < hi or (x == hi and hi == max(D(m.split("..")[1]) for m in labels[k])):
            hits.append(l)
    if len(hits) != 1:
        errs.append("%s=%s in %d bins" % (k, v, len(hits)))
        return None
    return hits[0]

want = {}
for t in trials:
    if t["error"]:
        continue
    p = D(t["pnl_usd"])
    b = {k: bin_of(k, t[k]) for k in keys}
    rows = [(k, b[k], "", "") for k in keys]
    rows += [(keys[i], b[keys[i]], keys[j], b[keys[j]])
             for i in range(len(keys)) for j in range(i + 1, len(keys))]
    for r in rows:
        w = want.setdefault(r, [0, D(0), None])
        w[0] += 1
        w[1] += p
        w[2] = p if w[2] is None or p > w[2] else w[2]
got = {}
for r in sens[1:]:
    got[(r[0], r[1], r[5], r[6])] = r
for k, w in want.items():
    r = got.get(k)
    if not r:
        errs.append("no row %r" % (k,))
        continue
    if int(r[2]) != w[0]:
        errs.append("%r: %s trials, want %d" % (k, r[2], w[0]))
    if abs(D(r[3]) - w[1] / w[0]) > D("0.000002"):
        errs.append("%r: mean %s, want %s" % (k, r[3], w[1] / w[0]))
    if abs(D(r[4]) - w[2]) > D("0.000002"):
        errs.append("%r: best %s, want %s" % (k, r[4], w[2]))
for k in got:
    if k not in want:
        errs.append("row %r has no trial" % (k,))
npairs = sum(1 for k in want if k[2])
if npairs == 0 or sum(1 for k in got if k[2]) != npairs:
    errs.append("pair rows: %d" % npairs)

# report.html: one heatmap per pair, the best cell outlined, tooltips = rows
rep = open(d + "/report.html").read()
summ = json.loads(open(d + "/summary.json").read())
best = summ["best"]["params"]
svgs = re.findall(r"<figure><figcaption>(.*?) &times; (.*?)</figcaption>\n(<svg.*?</svg>)", rep, re.S)
if len(svgs) != len(keys) * (len(keys) - 1) // 2:
    errs.append("%d heatmaps for %d keys" % (len(svgs), len(keys)))
for ka, kb, svg in svgs:
    outl = re.findall(r'<rect class=best x="(\d+)" y="(\d+)"', svg)
    cells = {(int(x), int(y)): html.unescape(t) for x, y, t in re.findall(
        r'<rect x="(\d+)" y="(\d+)" width="\d+" height="\d+" fill="#[0-9a-f]{6}"><title>(.*?)</title>', svg)}
    if len(outl) != 1:
        errs.append("%s x %s: %d outlines" % (ka, kb, len(outl)))
        continue
    t = cells.get((int(outl[0][0]) - 1, int(outl[0][1]) - 1), "")
    want_t = "%s %s, %s %s: " % (ka, bin_of(ka, best[ka]), kb, bin_of(kb, best[kb]))
    if not t.startswith(want_t):
        errs.append("%s x %s: outlined %r, want %r" % (ka, kb, t, want_t))
    for t in cells.values():
        m = re.match(r"(\S+) (.*), (\S+) (.*): (\d+) trials, mean (\S+), best (\S+)$", t)
        r = m and got.get((m[1], m[2], m[3], m[4]))
        if not r or (r[2], r[3], r[4]) != (m[5], m[6], m[7]):
            errs.append("tooltip %r against %r" % (t, r))
    if len(cells) != sum(1 for k in got if k[0] == ka and k[2] == kb):
        errs.append("%s x %s: %d cells" % (ka, kb, len(cells)))
for e in errs[:10]:
    print("  " + e)
sys.exit(1 if errs else 0)
PY

# ---- grid: three keys, copying every wallet ----------------------------------------
printf '{"latency_ms": [0, 2000, 60000], "coalesce_ms": [0, 800], "cap_usd": [5, 20]}\n' >"$tmp/g.json"
opt --space "$tmp/g.json" --out "$tmp/g" >/dev/null 2>"$tmp/g.err"
check "grid: exit 0" '[ $? -eq 0 ]'
check "grid: rows and heatmaps agree with trials.csv" 'python3 "$tmp/check.py" "$tmp/g" grid'
check "grid: 7 rows of one key, 16 of pairs" '[ $(grep -c ",,$" "$tmp/g/sensitivity.csv") -eq 7 ] && [ $(sed 1d "$tmp/g/sensitivity.csv" | grep -vc ",,$") -eq 16 ]'
check "grid: 3 heatmaps, not compact" '[ $(grep -c "<svg class=heat" "$tmp/g/report.html") -eq 3 ] && grep -q "<p>3 pairs\." "$tmp/g/report.html" && ! grep -q "shown compact" "$tmp/g/report.html"'

# ---- sobol: range bins ----------------------------------------------------------------
printf '{"ratio": {"min": 0.02, "max": 0.5, "log": true}, "latency_ms": {"min": 0, "max": 4000}, "coalesce_ms": [0, 300, 800]}\n' >"$tmp/s.json"
opt --space "$tmp/s.json" --search sobol --trials 40 --seed 9 --out "$tmp/s" >/dev/null 2>&1
check "sobol: exit 0" '[ $? -eq 0 ]'
check "sobol: range bins agree with trials.csv" 'python3 "$tmp/check.py" "$tmp/s" sobol'

# ---- pairs in more than one pass over the trials ------------------------------------------
# 15 pairs of 256 x 256 bins: 983,040 cells, several passes of at most
# 262,144 (decimal ranges: an integer range's fine bins have labels like
# 8..8, which the lo..hi check cannot place)
printf '{"ratio": {"min": 0.05, "max": 0.2, "points": 256}, "max_slippage": {"min": 0.005, "max": 0.05, "points": 256}, "cap_usd": {"min": 5.5, "max": 50.5, "points": 256}, "fixed_usd": {"min": 5.5, "max": 20.5, "points": 256}, "max_pending_usd": {"min": 100.5, "max": 1000.5, "points": 256}, "max_notional_per_order_usd": {"min": 20.5, "max": 30.5, "points": 256}}\n' >"$tmp/w.json"
opt --space "$tmp/w.json" --search sobol --trials 8 --out "$tmp/w" >/dev/null 2>&1
check "passes: exit 0" '[ $? -eq 0 ]'
check "passes: every pair agrees with trials.csv" 'python3 "$tmp/check.py" "$tmp/w" sobol'

# ---- many keys, a pair over the limit ---------------------------------------------------
printf '{"latency_ms": {"min": 0, "max": 4000, "points": 4096}, "ratio": {"min": 0.05, "max": 0.2, "points": 17}, "coalesce_ms": [0, 300], "cap_usd": [5, 20], "copy_mode": ["per_fill", "intent_net"], "max_slippage": [0.01, 0.02], "fixed_usd": [5, 10]}\n' >"$tmp/m.json"
opt --space "$tmp/m.json" --search sobol --trials 8 --out "$tmp/m" >/dev/null 2>&1
check "many: exit 0" '[ $? -eq 0 ]'
check "many: 21 pairs shown compact" 'grep -q "<p>21 pairs\..*More than 15 pairs: shown compact" "$tmp/m/report.html" && grep -q "<div class=\"heats compact\">" "$tmp/m/report.html" && [ $(grep -c "<figure>" "$tmp/m/report.html") -eq 21 ] && [ $(grep -c "<svg class=heat" "$tmp/m/report.html") -eq 20 ]'
check "many: the 4096 x 17 pair is named in sensitivity.csv" 'grep -qx "latency_ms,not tabulated: 4096 x 17 bins is over the limit of 65536,,,,ratio," "$tmp/m/sensitivity.csv" && [ $(grep -c "^latency_ms,.*,ratio," "$tmp/m/sensitivity.csv") -eq 1 ]'
check "many: and in report.html" 'grep -q "latency_ms &times; ratio</figcaption><p>not tabulated: 4096 &times; 17 bins is over the limit of 65536" "$tmp/m/report.html"'
opt --space "$tmp/m.json" --search sobol --trials 8 --out "$tmp/m2" >/dev/null 2>&1
check "many: same bytes twice" 'cmp -s "$tmp/m/sensitivity.csv" "$tmp/m2/sensitivity.csv" && cmp -s "$tmp/m/report.html" "$tmp/m2/report.html"'

echo "optimize_heat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
