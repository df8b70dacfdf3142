#!/usr/bin/env python3
"""Write fixtures/deepmarket_resolutions.tape: ev=resolve records for the
2026-02-17 markets of wallet 0x1d00...0313 whose winner is known.

Winners are the facts stated in ../shared/data/hxx344__deepmarket/PROVENANCE.md
(high-confidence rows) and herbalclaw's settled trades (btc-updown-5m-1771359300
Down, btc-updown-5m-1771359600 Up). Token ids are looked up (slug, outcome) in the
activity dump, read in place. Markets with an unknown or low-confidence winner get
no record and stay unresolved in the backtest.
Usage: sim/tools/deepmarket_resolutions.py [$PMC_DATA] > fixtures/deepmarket_resolutions.tape
"""
import json, os, sys

WINNERS = {
    "btc-updown-15m-1771355700": "Down", "btc-updown-15m-1771356600": "Up",
    "btc-updown-15m-1771357500": "Down",
    "btc-updown-5m-1771355700": "Down", "btc-updown-5m-1771356000": "Up",
    "btc-updown-5m-1771356300": "Down", "btc-updown-5m-1771356600": "Up",
    "btc-updown-5m-1771356900": "Up", "btc-updown-5m-1771357200": "Up",
    "btc-updown-5m-1771357500": "Down", "btc-updown-5m-1771357800": "Down",
    "btc-updown-5m-1771358100": "Down",
    "btc-updown-5m-1771359300": "Down", "btc-updown-5m-1771359600": "Up",
    "eth-updown-15m-1771355700": "Down", "eth-updown-15m-1771356600": "Up",
    "eth-updown-15m-1771357500": "Down",
    "sol-updown-15m-1771355700": "Down", "sol-updown-15m-1771356600": "Down",
    "sol-updown-15m-1771357500": "Down",
    "xrp-updown-15m-1771356600": "Up",
}
data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PMC_DATA", "../shared/data")
rows = json.load(open(os.path.join(data, "hxx344__deepmarket", "docs", "pm_account_0x1d_raw_trades.json")))
tok = {}
for r in rows:
    if r.get("type") == "TRADE" and r.get("asset") and r.get("outcome"):
        tok[(r["slug"], r["outcome"])] = r["asset"]
out = []
for slug, win in sorted(WINNERS.items()):
    start = int(slug.rsplit("-", 1)[1])
    end = start + (900 if "-15m-" in slug else 300)
    for o in ("Up", "Down"):
        if (slug, o) in tok:
            out.append((end * 1000 + 60000, tok[(slug, o)], 1 if o == win else 0, slug, o))
print("#pmcopy-tape v1")
print("# Resolutions of wallet 0x1d00...0313's 2026-02-17 markets with a known winner")
print("# (sim/tools/deepmarket_resolutions.py; winners from the data's PROVENANCE.md).")
for t, token, pay, slug, o in sorted(out):
    print("t=%d ev=resolve token=%s payout=%d slug=%s outcome=%s" % (t, token, pay, slug, o))
