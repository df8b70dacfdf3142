#!/usr/bin/env python3
"""Statistics that calibrate `pmcopy synth` (docs/backtest.md).

Reads the real recordings IN PLACE (never copies them) and prints:
- thevalerka 1 Hz BTC 15m bid/ask: spread distribution of the Up token,
  |mid move| over 1, 10 and 30 s, by time to expiry;
- ckoyuncu top-of-book logs: best bid/ask size quantiles, spread quantiles.
Usage: sim/tools/calibrate_synth.py [$PMC_DATA]   (default ../shared/data)
"""
import csv, glob, gzip, json, os, statistics, sys

data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "PMC_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))

def q(v, ps=(0.1, 0.25, 0.5, 0.75, 0.9)):
    v = sorted(v)
    return " ".join("p%d=%.4f" % (int(p * 100), v[min(len(v) - 1, int(p * len(v)))]) for p in ps)

files = sorted(glob.glob(os.path.join(data, "thevalerka__PolyMarket_15MIN_Bot_Collection",
                                      "bot016_react", "simulators", "csv_data", "prices_*.csv")))
if not files:
    sys.exit("calibrate: thevalerka data missing under %s" % data)
spreads, moves = [], {1: [], 10: [], 30: []}
moves_late = {1: [], 10: [], 30: []}
for fn in files:
    rows = []
    with open(fn) as f:
        for r in csv.DictReader(f):
            try:
                b, a = float(r["call_bid"]), float(r["call_ask"])
                tte = float(r["seconds_to_expiry"])
            except (ValueError, KeyError):
                continue
            if not (0 < b < a < 1):
                continue
            rows.append((b, a, tte))
    for i, (b, a, tte) in enumerate(rows):
        if 0.05 < (a + b) / 2 < 0.95:
            spreads.append(a - b)
        for k in moves:
            if i + k < len(rows):
                m = abs((rows[i + k][0] + rows[i + k][1]) / 2 - (a + b) / 2)
                (moves_late if tte < 120 else moves)[k].append(m)
print("thevalerka: %d files, %d spread samples (mid in (0.05,0.95))" % (len(files), len(spreads)))
print("  Up spread:", q(spreads), "mean=%.4f" % statistics.mean(spreads))
for k in moves:
    print("  |dmid| %2ds (>120 s left): %s mean=%.4f" % (k, q(moves[k]), statistics.mean(moves[k])))
    print("  |dmid| %2ds (<120 s left): %s mean=%.4f" % (k, q(moves_late[k]), statistics.mean(moves_late[k])))

logs = sorted(glob.glob(os.path.join(data, "ckoyuncu__polymarket_research", "archive", "polymarket",
                                     "small_sample_data", "orderbook_logs", "*", "polymarket_books_*.jsonl*")))
if not logs:
    sys.exit("calibrate: ckoyuncu data missing under %s" % data)
lat, outer, n = [], 0, 0
for fn in logs:
    op = gzip.open if fn.endswith(".gz") else open
    with op(fn, "rt") as f:
        for line in f:
            try:
                r = json.loads(line)
                b, a, l = float(r["best_bid"]), float(r["best_ask"]), float(r["latency_ms"])
            except (ValueError, KeyError, TypeError):
                continue
            n += 1
            outer += (b, a) == (0.01, 0.99)
            if 0 <= l < 60000:
                lat.append(l)
# The logger read index 0 of the wire arrays, which are best level LAST:
# its "best" bid/ask are the outermost levels (0.01/0.99), so only its
# exchange->receive latency is usable here.
print("ckoyuncu: %d files, %d rows, %.1f %% at 0.01/0.99 (outer levels, not top of book)"
      % (len(logs), n, 100.0 * outer / max(n, 1)))
print("  feed latency ms (ts_received - ts_exchange):", q(lat, (0.1, 0.5, 0.9, 0.99)))
