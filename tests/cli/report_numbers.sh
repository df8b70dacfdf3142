#!/bin/sh
# tests/cli/report_numbers.sh - the backtest report's headline numbers
# against an independent computation: a hand-made 7-day tape (one market a
# day, a day without any record), then python3 recomputes from equity.csv
# and summary.json's capital: ROI on starting capital and on capital used,
# daily returns on capital (a day without rows keeps its close), Sharpe,
# Sortino, Calmar annualised over 365 days, and the drawdown episodes
# (start, trough, recovery, depth; the five deepest).
# $1 = the pmcopy binary. Prints "report_numbers: N passed, M failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "report_numbers: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

# day d: the source buys 100 Yes at 0.40; two marks; resolves at 21:00 UTC
# (payout by day, day 3 has no record at all)
python3 - "$tmp/days.tape" <<'PY'
import sys
W = '0x' + 'a' * 40
D, H, t0 = 86400000, 3600000, 1771286400000
out = ['#pmcopy-tape v1']
for d, p in enumerate([1, 0, 0, None, 1, 1, 0]):
    if p is None:
        continue
    b = t0 + d * D
    for tok, oc in (('y', 'Yes'), ('n', 'No')):
        out.append(f't={b} ev=market token={tok}{d} market=m{d} end={b + 20 * H} '
                   f'tick=0.01 minsz=5 fee_rate=0 fee_exp=1 outcome={oc} question="Day {d}"')
    out.append(f't={b + H} ev=book token=y{d} bids=0.39:100 asks=0.40:500')
    out.append(f't={b + H + 10000} ev=fill trader={W} token=y{d} side=BUY px=0.40 '
               f'sz=100 key=k{d} market=m{d} outcome=Yes src=rtds')
    for h, (bid, ask) in ((3, ('0.55', '0.57') if p else ('0.30', '0.32')),
                          (5, ('0.45', '0.47') if p else ('0.20', '0.22'))):
        out.append(f't={b + h * H} ev=quote token=y{d} bid={bid} ask={ask}')
    out.append(f't={b + 21 * H} ev=resolve token=y{d} payout={p}')
    out.append(f't={b + 21 * H} ev=resolve token=n{d} payout={1 - p}')
open(sys.argv[1], 'w').write('\n'.join(out) + '\n')
PY
"$bin" backtest "$tmp/days.tape" --copy-mode per_fill --latency-jitter 0 --out "$tmp/o" >"$tmp/o.txt" 2>"$tmp/o.err"
check "7-day tape runs" '[ $? -eq 0 ]'

# the independent computation; prints one line per mismatch
cat >"$tmp/check.py" <<'PY'
import json, math, sys
from decimal import Decimal
d = sys.argv[1]
S = json.load(open(d + '/summary.json'))
rows = []
for i, line in enumerate(open(d + '/equity.csv')):
    if i == 0:
        continue
    f = line.rstrip('\n').split(',')
    rows.append((int(f[0]), Decimal(f[1])))
cap = Decimal(str(S['capital_usd']))
bad = []
def near(what, got, want, tol=1e-4):
    if want is None or got is None:
        if got != want:
            bad.append(f'{what}: got {got}, want {want}')
    elif abs(got - want) > tol * max(1.0, abs(want)):
        bad.append(f'{what}: got {got}, want {want}')
pnl = rows[-1][1] - cap
near('pnl_usd', S['pnl_usd'], float(pnl))
near('roi_on_capital', S['roi_on_capital'], float(pnl / cap))
used = Decimal(str(S['capital_used_usd']))
near('roi_on_capital_used', S['roi_on_capital_used'], float(pnl / used) if used else 0.0)
# daily closes (UTC), gaps carried forward
DAY = 86400000
close = {}
for t, e in rows:
    close[t // DAY] = e
d0, d1 = min(close), max(close)
prev, rets = cap, []
for day in range(d0, d1 + 1):
    c = close.get(day, prev)
    rets.append(float((c - prev) / cap))
    prev = c
n = len(rets)
mean = sum(rets) / n
sd = math.sqrt(sum((r - mean) ** 2 for r in rets) / (n - 1)) if n >= 2 else 0.0
down = math.sqrt(sum(min(r, 0.0) ** 2 for r in rets) / n) if n >= 2 else 0.0
R = S['risk']
if R['days'] != n:
    bad.append(f'days: got {R["days"]}, want {n}')
near('mean_daily_return', R['mean_daily_return'], mean, 1e-6)
near('sharpe', R['sharpe'], mean / sd * math.sqrt(365) if sd > 0 else None)
near('sortino', R['sortino'], mean / down * math.sqrt(365) if down > 0 else None)
# drawdown episodes: start = last row at the peak, trough = first deepest
# row, recovery = first row back at or above the peak
eps, peak, pt, cur = [], cap, rows[0][0], None
for t, e in rows:
    if e >= peak:
        if cur:
            cur['recovery_ms'] = t
            eps.append(cur)
            cur = None
        peak, pt = e, t
    else:
        if cur is None:
            cur = {'start_ms': pt, 'peak': peak, 'depth': Decimal(0), 'trough_ms': None}
        if peak - e > cur['depth']:
            cur['depth'], cur['trough_ms'] = peak - e, t
if cur:
    cur['recovery_ms'] = None
    eps.append(cur)
eps.sort(key=lambda x: (-x['depth'], x['start_ms']))
top = eps[:5]
if R['drawdown_episodes'] != len(eps):
    bad.append(f'drawdown_episodes: got {R["drawdown_episodes"]}, want {len(eps)}')
if len(R['drawdowns']) != len(top):
    bad.append(f'drawdowns listed: got {len(R["drawdowns"])}, want {len(top)}')
for i, (g, w) in enumerate(zip(R['drawdowns'], top)):
    for k in ('start_ms', 'trough_ms', 'recovery_ms'):
        if g[k] != w[k]:
            bad.append(f'drawdown {i} {k}: got {g[k]}, want {w[k]}')
    near(f'drawdown {i} depth', g['depth_usd'], float(w['depth']))
near('max_drawdown_usd', S['max_drawdown_usd'], float(top[0]['depth']) if top else 0.0)
near('calmar', R['calmar'],
     mean * 365 / float(top[0]['depth'] / cap) if n >= 2 and top else None)
# per-market trade statistics from markets.csv and orders.csv
import csv
mk = list(csv.DictReader(open(d + '/markets.csv')))
gp = sum(Decimal(r['pnl_usd']) for r in mk if int(r['fills']) > 0 and Decimal(r['pnl_usd']) > 0)
gl = -sum(Decimal(r['pnl_usd']) for r in mk if int(r['fills']) > 0 and Decimal(r['pnl_usd']) < 0)
T = S['trades']
near('gross_profit_usd', T['gross_profit_usd'], float(gp))
near('gross_loss_usd', T['gross_loss_usd'], float(gl))
near('profit_factor', T['profit_factor'], float(gp / gl) if gl else None)
norders = sum(1 for _ in open(d + '/orders.csv')) - 1
near('expectancy_per_order_usd', T['expectancy_per_order_usd'],
     float(pnl) / norders if norders else 0.0, 1e-6)
# exposure: positions_usd held from one row to the next, over the data
pos = []
for i, line in enumerate(open(d + '/equity.csv')):
    if i:
        f = line.split(',')
        pos.append((int(f[0]), Decimal(f[3])))
area = sum(p * (pos[i + 1][0] - t) for i, (t, p) in enumerate(pos[:-1]))
span = pos[-1][0] - pos[0][0]
near('exposure_avg_usd', R['exposure_avg_usd'], float(area / span) if span else 0.0, 1e-5)
near('exposure_max_usd', R['exposure_max_usd'], float(max(p for _, p in pos)))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
check "numbers agree with the independent computation" 'python3 "$tmp/check.py" "$tmp/o"'
check "trades: 3 of 6 tokens held at resolution paid out, profit factor 18/12" 'grep -q "\"gross_profit_usd\": 18, \"gross_loss_usd\": 12, \"profit_factor\": 1.5000, \"expectancy_per_order_usd\": 1.000000, \"tokens_held_at_resolution\": 6, \"tokens_paid_out\": 3, \"win_rate_by_payout\": 0.5000" "$tmp/o/summary.json"'
check "the tape makes several drawdowns, one not recovered" 'python3 -c "
import json,sys; R=json.load(open(sys.argv[1]))[\"risk\"]
sys.exit(0 if R[\"drawdown_episodes\"] >= 3 and R[\"drawdowns\"][1][\"recovery_ms\"] is None and R[\"days\"] == 7 else 1)" "$tmp/o/summary.json"'
check "text summary: both ROIs, the deepest drawdown's dates, the ratios with their days" 'grep -q "ROI 0.60 % on the starting capital of 1000.00 USD; 100.00 % on the peak capital used, 6.00 USD" "$tmp/o.txt" && grep -q "deepest .*from 2026-02-18 01:00:10 to the trough at 2026-02-19 21:00:00 UTC, recovered 2026-02-22 21:00:00 UTC, 4.83 days" "$tmp/o.txt" && grep -q "risk-adjusted .*Sharpe 3.266, Sortino 6.254, Calmar 39.107 (annualised; daily returns on the starting capital, 7 days)" "$tmp/o.txt"'
check "report.html: drawdown table with five columns of dates and depths" 'grep -q "<table class=\"data sortable\" id=\"drawdowns\">" "$tmp/o/report.html" && grep -q "<td>2026-02-23 01:00:10</td><td>2026-02-23 21:00:00</td><td>not recovered</td>" "$tmp/o/report.html"'
check "report.html: ROI on both bases, Sharpe per market labelled" 'grep -q "of the starting capital (1000.00 USD)" "$tmp/o/report.html" && grep -q "Sharpe per market" "$tmp/o/report.html"'
"$bin" backtest "$tmp/days.tape" --copy-mode per_fill --latency-jitter 0 --json --out "$tmp/j" >"$tmp/j.json" 2>/dev/null
check "--json with a report folder prints the same summary.json" 'cmp -s "$tmp/j.json" "$tmp/j/summary.json"'
"$bin" backtest "$tmp/days.tape" --copy-mode per_fill --latency-jitter 0 --json --no-report >"$tmp/n.json" 2>/dev/null
check "--json --no-report: risk is null (no equity.csv)" 'grep -q "\"risk\": null," "$tmp/n.json" && python3 -m json.tool "$tmp/n.json" >/dev/null'
# one day of data: no sample deviation, the ratios are undefined, not 0
head -9 "$tmp/days.tape" >"$tmp/one.tape"
"$bin" backtest "$tmp/one.tape" --copy-mode per_fill --latency-jitter 0 --out "$tmp/one" >"$tmp/one.txt" 2>&1
check "one day: ratios null in summary.json, n/a in the text" 'grep -q "\"sharpe\": null, \"sortino\": null, \"calmar\": null" "$tmp/one/summary.json" && grep -q "Sharpe n/a, Sortino n/a, Calmar n/a" "$tmp/one.txt"'
# the default fixture, too
(cd "$tmp" && "$bin" backtest --out "$tmp/d" >/dev/null 2>"$tmp/d.err")
check "default fixture (one day): numbers agree with the independent computation" 'python3 "$tmp/check.py" "$tmp/d"'

# the source as benchmark: its own P&L from the tape (cash flow of its
# fills + payouts + open shares at the last price), per market and in total
cat >"$tmp/src.py" <<'PY'
import csv, json, re, sys
from decimal import Decimal
tape, d = sys.argv[1], sys.argv[2]
mark, sh, cash, bought, mkt = {}, {}, {}, {}, {}
for line in open(tape):
    if line.startswith('#'):
        continue
    kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
    tok, ev = kv.get('token'), kv['ev']
    if ev == 'market':
        mkt[tok] = kv['market']
    elif ev == 'quote':
        mark[tok] = (Decimal(kv['bid']) + Decimal(kv['ask'])) / 2
    elif ev == 'book':
        mark[tok] = (Decimal(kv['bids'].split(':')[0]) + Decimal(kv['asks'].split(':')[0])) / 2
    elif ev == 'fill':
        px, sz = Decimal(kv['px']), Decimal(kv['sz'])
        mark[tok] = px
        sgn = 1 if kv['side'] == 'BUY' else -1
        sh[tok] = sh.get(tok, 0) + sgn * sz
        cash[tok] = cash.get(tok, 0) - sgn * px * sz
        if sgn > 0:
            bought[tok] = bought.get(tok, 0) + px * sz
    elif ev == 'resolve':
        cash[tok] = cash.get(tok, 0) + max(sh.get(tok, 0), 0) * Decimal(kv['payout'])
        sh[tok] = 0
        mark[tok] = Decimal(kv['payout'])
pm = {}
for tok in cash:
    pm[mkt[tok]] = pm.get(mkt[tok], 0) + cash[tok] + sh.get(tok, 0) * mark.get(tok, 0)
bad = []
got = {r['market']: Decimal(r['source_pnl_usd']) for r in csv.DictReader(open(d + '/source_markets.csv'))}
if got != pm:
    bad.append(f'per market: got {got}, want {pm}')
tot = sum(pm.values())
S = json.load(open(d + '/summary.json'))
if Decimal(str(S['risk']['source_pnl_usd'])) != tot:
    bad.append(f'source_pnl_usd: got {S["risk"]["source_pnl_usd"]}, want {tot}')
last = list(csv.reader(open(d + '/source_equity.csv')))[-1]
if Decimal(last[1]) != tot:
    bad.append(f'source_equity.csv last row: got {last[1]}, want {tot}')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
check "source benchmark: per market and total agree with the tape" 'python3 "$tmp/src.py" "$tmp/days.tape" "$tmp/o"'
check "source benchmark: 6 markets, source made 60 USD on 240 bought, we made 6 on 24" 'grep -q "^0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,6,240,60,0.250000$" "$tmp/o/source_traders.csv" && [ "$(grep -c "^m[0-9]" "$tmp/o/source_markets.csv")" = 6 ] && grep -q "^m1,40,-40,-1.000000,4,-4,-1.000000,0.00,Day 1$" "$tmp/o/source_markets.csv"'
check "source benchmark: chart and tables in report.html" 'grep -q "P&amp;L of the source and of the copy" "$tmp/o/report.html" && grep -q "source_<wbr>pnl_<wbr>usd" "$tmp/o/report.html" && grep -q ">source<" "$tmp/o/source.svg"'

check "report.html: end times as UTC dates, the ms on hover" 'grep -q "<td title=\"1771358400000 ms\" data-sort=\"1771358400000\">2026-02-17 20:00:00</td>" "$tmp/o/report.html" && ! grep -q "<td>1771358400000</td>" "$tmp/o/report.html"'
check "report.html: print CSS for A4" 'grep -q "@page { size: A4;" "$tmp/o/report.html"'

# the kill switch: summary.json, the text summary, a marker on the equity chart
root=$(cd "$(dirname "$0")/../.." && pwd)
"$bin" backtest "$root/scenarios/sim/reject_kill.tape" --copy-mode per_fill --latency-jitter 0 --capital 5 --out "$tmp/k" >"$tmp/k.txt" 2>/dev/null
check "kill switch: when, why and what it skipped in summary.json and the summary" 'grep -q "\"kill_switch\": {\"tripped\": true, \"times\": 1, \"first_utc\": \"2026-02-17 00:00:25\", \"reason\": \"max_consecutive_rejects\", \"source_fills_skipped\": 1}" "$tmp/k/summary.json" && grep -q "kill switch .*max_consecutive_rejects; 1 source fills skipped by it" "$tmp/k.txt"'
check "kill switch: marked on the equity chart, and only when it tripped" 'grep -q ">kill switch<" "$tmp/k/equity.svg" && ! grep -q ">kill switch<" "$tmp/o/equity.svg" && grep -q "\"kill_switch\": {\"tripped\": false, \"times\": 0, \"first_utc\": null, \"reason\": null" "$tmp/o/summary.json"'
check "equity chart has a title" 'grep -q ">Equity, drawdown and exposure (USD)<" "$tmp/o/equity.svg"'

# the breakdowns: markets_top.csv (ten best, ten worst; halves when fewer),
# hist_pnl_market.csv (equal 1-2-5 bins), days.csv and hours.csv, recomputed
# from markets.csv, fills.csv and equity.csv
cat >"$tmp/brk.py" <<'PY'
import csv, json, sys
from decimal import Decimal
d = sys.argv[1]
M = 1000000
bad = []
S = json.load(open(d + '/summary.json'))
cap = Decimal(str(S['capital_usd']))
mk = list(csv.DictReader(open(d + '/markets.csv')))
order = sorted(range(len(mk)), key=lambda i: (-Decimal(mk[i]['pnl_usd']), i))
nb = min(10, len(mk) - len(mk) // 2); nw = min(10, len(mk) - nb)
want = [('best', k + 1, order[k]) for k in range(nb)] + \
       [('worst', len(mk) - j, order[j]) for j in range(len(mk) - nw, len(mk))]
top = list(csv.DictReader(open(d + '/markets_top.csv')))
if len(top) != len(want):
    bad.append(f'markets_top rows: got {len(top)}, want {len(want)}')
for g, (grp, rank, i) in zip(top, want):
    m = mk[i]
    exp = (grp, str(rank), m['market'], m['pnl_usd'], m['bought_usd'], m['name'])
    got = (g['group'], g['rank'], g['market'], g['pnl_usd'], g['bought_usd'], g['name'])
    if got != exp:
        bad.append(f'markets_top: got {got}, want {exp}')
    lab = (m['name'] or m['market']).replace('"', "'")
    if len(lab.encode()) > 60:
        lab = lab.encode()[:57].decode('utf-8', 'ignore') + '...'
    if g['label'] != lab:
        bad.append(f'markets_top label: got {g["label"]!r}, want {lab!r}')
# distribution
pn = [int(Decimal(m['pnl_usd']) * M) for m in mk]
h = list(csv.DictReader(open(d + '/hist_pnl_market.csv')))
if pn:
    lo, hi = min(pn), max(pn)
    w, k = 1, 0
    while hi - lo >= 20 * w:
        w = w * 2 if k % 3 != 1 else w // 2 * 5
        k += 1
    b0 = (lo // w) * w
    n = (hi - b0) // w + 1
    cnt = [0] * n
    for v in pn:
        cnt[(v - b0) // w] += 1
    exp = [(Decimal(b0 + i * w) / M, Decimal(b0 + (i + 1) * w) / M, cnt[i]) for i in range(n)]
    got = [(Decimal(r['lo_usd']), Decimal(r['hi_usd']), int(r['count'])) for r in h]
    if got != exp:
        bad.append(f'hist_pnl_market: got {got}, want {exp}')
    if sum(int(r['count']) for r in h) != len(mk) or len(h) > 21:
        bad.append('hist_pnl_market: counts or bins')
# days and hours
DAY, HOUR = 86400000, 3600000
eq = [(int(r['t_ms']), Decimal(r['equity_usd'])) for r in csv.DictReader(open(d + '/equity.csv'))]
fl = list(csv.DictReader(open(d + '/fills.csv')))
day = {}
hour = {h: [Decimal(0), 0, Decimal(0), Decimal(0), Decimal(0)] for h in range(24)}
for f in fl:
    t = int(f['t_ms'])
    for key, tab in ((t // DAY, day), ((t % DAY) // HOUR, hour)):
        x = tab.setdefault(key, [Decimal(0), 0, Decimal(0), Decimal(0), Decimal(0)])
        x[1] += 1
        x[2 if f['side'] == 'BUY' else 3] += Decimal(f['notional_usd'])
        x[4] += Decimal(f['fee_usd'])
close, prev = {}, cap
for t, e in eq:
    close[t // DAY] = e
    hour[(t % DAY) // HOUR][0] += e - prev
    prev = e
rows, pc = [], cap
for dd in range(min(close), max(close) + 1):
    c = close.get(dd, pc)
    x = day.get(dd, [0, 0, 0, 0, 0])
    rows.append((dd * DAY, c - pc, c, x[1], x[2], x[3], x[4]))
    pc = c
got = [(int(r['t_day_ms']), Decimal(r['pnl_usd']), Decimal(r['equity_close_usd']), int(r['fills']),
        Decimal(r['bought_usd']), Decimal(r['sold_usd']), Decimal(r['fees_usd']))
       for r in csv.DictReader(open(d + '/days.csv'))]
if got != rows:
    bad.append(f'days.csv: got {got}, want {rows}')
got = [(int(r['hour_utc']), Decimal(r['pnl_usd']), int(r['fills']), Decimal(r['bought_usd']),
        Decimal(r['sold_usd']), Decimal(r['fees_usd'])) for r in csv.DictReader(open(d + '/hours.csv'))]
exp = [(h, *hour[h]) for h in range(24)]
if got != exp:
    bad.append(f'hours.csv: got {got}, want {exp}')
if sum(r[1] for r in got) != Decimal(str(S['pnl_usd'])):
    bad.append('hours.csv: the hours do not add up to the P&L')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
check "7-day tape: best/worst, distribution, days (the empty day too) and hours agree with the independent computation" 'python3 "$tmp/brk.py" "$tmp/o"'
check "default fixture: best/worst, distribution, days and hours agree with the independent computation" 'python3 "$tmp/brk.py" "$tmp/d"'
check "7-day tape: seven day rows, the day without records changes nothing" '[ "$(grep -c "^17" "$tmp/o/days.csv")" = 7 ] && grep -q "^1771545600000,0,998,0,0,0,0$" "$tmp/o/days.csv"'
check "7-day tape: markets named in the best/worst table and the chart" 'grep -q "^best,1,m0,.*,Day 0,Day 0$" "$tmp/o/markets_top.csv" && grep -q ">Day 0<" "$tmp/o/pnl_market.svg"'
check "report.html: markets by name with the id on hover, day and hour tables" 'grep -q "<td class=\"nm\" title=\"m1\">Day 1</td>" "$tmp/o/report.html" && grep -q "id=\"days\"" "$tmp/o/report.html" && grep -q "id=\"hours\"" "$tmp/o/report.html"'
check "report.html: win rate by payout" 'grep -q "<th>win rate by payout</th><td>50.0 % (3 of 6 tokens held at their resolution paid out)</td>" "$tmp/o/report.html"'
check "every chart has a title, none a gnuplot command as tooltip" 'for c in "$tmp"/d/*.svg; do grep -q "<text><tspan[^>]*>[A-Z]" "$c" || exit 1; done; ! grep -q "<title>[^<]* using " "$tmp"/d/*.svg'
check "no gnuplot warnings on stderr" '[ ! -s "$tmp/d.err" ]'

# holding periods: a token's position from a BUY into no shares to the SELL
# back to none, else to its market's end time when resolved, else to the
# tape's last record; the mean in the page, recomputed from fills.csv
cat >"$tmp/hold.py" <<'PY'
import csv, json, re, sys
from decimal import Decimal
d = sys.argv[1]
S = json.load(open(d + '/summary.json'))
mk = {r['market']: r for r in csv.DictReader(open(d + '/markets.csv'))}
pos, n, tot = {}, [0, 0, 0], 0
for f in csv.DictReader(open(d + '/fills.csv')):
    t, sz = int(f['t_ms']), Decimal(f['size'])
    sh, since, m = pos.get(f['token'], (Decimal(0), 0, f['market']))
    if f['side'] == 'BUY':
        if sh <= 0:
            since = t
        sh += sz
    elif sh > 0:
        sh -= sz
        if sh <= 0:
            tot += max(t - since, 0); n[0] += 1
    pos[f['token']] = (sh, since, m)
for sh, since, m in pos.values():
    if sh > 0:
        if mk[m]['status'] == 'resolved':
            tot += max(int(mk[m]['end_ms']) - since, 0); n[1] += 1
        else:
            tot += max(S['data']['t_last'] - since, 0); n[2] += 1
N = sum(n)
want = (f'<th>average holding time</th><td>{(tot / N + 0.5) // 1 / 3600000.0:.3f} hours over {N} holding periods '
        f'({n[0]} sold out, {n[1]} held to resolution: to the market&#39;s end time, {n[2]} still open at the end of the tape)</td>')
page = open(d + '/report.html').read().replace("'", '&#39;')
if want not in page:
    print('want', want)
    print('got ', re.findall(r'<th>average holding time</th><td>[^<]*</td>', page))
    sys.exit(1)
PY
check "7-day tape: average holding time agrees with the independent computation" 'python3 "$tmp/hold.py" "$tmp/o"'
check "default fixture: average holding time agrees with the independent computation" 'python3 "$tmp/hold.py" "$tmp/d"'

# a run without a trade: the charts are still made (a note where market
# bars would be), gnuplot's range warnings go to gnuplot.log, named once
printf '#pmcopy-tape v1\nt=1771286400000 ev=market token=a market=m end=1771290000000 tick=0.01 minsz=5 fee_rate=0 fee_exp=1 outcome=Yes\nt=1771286401000 ev=quote token=a bid=0.5 ask=0.6\n' >"$tmp/none.tape"
"$bin" backtest "$tmp/none.tape" --trader 0x1111111111111111111111111111111111111111 --out "$tmp/none" >/dev/null 2>"$tmp/none.err"
check "no trade: charts made, gnuplot's warnings in gnuplot.log and named on stderr" '[ $? -eq 0 ] && [ -s "$tmp/none/pnl_market.svg" ] && grep -q ">no market traded<" "$tmp/none/pnl_market.svg" && [ -s "$tmp/none/gnuplot.log" ] && [ "$(cat "$tmp/none.err")" = "pmcopy backtest: warning: gnuplot warned (no data for a chart?); its messages: $tmp/none/gnuplot.log" ]'
check "the default run leaves no gnuplot.log" '[ ! -e "$tmp/d/gnuplot.log" ]'

echo "report_numbers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
