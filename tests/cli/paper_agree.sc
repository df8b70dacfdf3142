# tests/cli/paper_agree.sc - the recorded session of tests/cli/paper_agree.sh
# (synthetic): books, price changes and trade prints on four tokens, and the
# trades of three copied wallets (A, B, C) and one that is not copied (D)
# over three minutes of source time, played ten times faster: a trade's
# source time is @+S (S seconds after the session's base), its at_ms S x 100.
# @SLUG is a 5-minute up/down market whose window ends about 11 s of real
# time into the run, so A's last SELL of token 101 comes after its market
# closed. The test fills in @+S, @SLUG and the wallets @A..@D.
#
# token 101/102: the two outcomes of the 5-minute market (@SLUG)
0     book token=101 market=0xaa01 bids=0.47:200,0.46:500 asks=0.50:60,0.51:400
0     book token=102 market=0xaa01 bids=0.49:300,0.48:300 asks=0.52:300
# token 201: a thin ask that a price change thins further
0     book token=201 market=0xbb02 bids=0.30:1000 asks=0.32:50,0.33:800
# token 301: a book; D's trades are prints on it
0     book token=301 market=0xcc03 bids=0.70:100 asks=0.72:100,0.73:300
# token 401: no book at all (the last print +- the half spread)

700   trade wallet=@A token=101 side=BUY px=0.50 sz=300 tx=0x01 log=1 rtds=0 ts=@+7 market=0xaa01 slug=@SLUG outcome=Up
1500  trade wallet=@B token=201 side=BUY px=0.32 sz=200 tx=0x02 log=1 rtds=0 ts=@+15 market=0xbb02
2300  price_change token=201 side=SELL px=0.32 sz=10 best_bid=0.30 best_ask=0.32
2600  trade wallet=@C token=201 side=BUY px=0.32 sz=400 tx=0x03 log=1 rtds=0 ts=@+26 market=0xbb02
3300  trade wallet=@A token=102 side=BUY px=0.52 sz=150 tx=0x04 log=2 rtds=0 ts=@+33 market=0xaa01 slug=@SLUG outcome=Down
3800  price_change token=101 side=BUY px=0.48 sz=100 best_bid=0.48 best_ask=0.50
4400  trade wallet=@B token=201 side=SELL px=0.31 sz=100 tx=0x05 log=1 rtds=0 ts=@+44 market=0xbb02
5000  last_trade token=301 px=0.71 sz=50
5400  trade wallet=@D token=301 side=BUY px=0.72 sz=80 tx=0x06 log=1 rtds=0 ts=@+54 market=0xcc03
6000  trade wallet=@C token=301 side=BUY px=0.72 sz=120 tx=0x07 log=1 rtds=0 ts=@+60 market=0xcc03
6150  trade wallet=@A token=301 side=BUY px=0.72 sz=60 tx=0x08 log=1 rtds=0 ts=@+61 market=0xcc03
6900  price_change token=301 side=SELL px=0.74 sz=40 best_bid=0.71 best_ask=0.74
7500  trade wallet=@B token=401 side=BUY px=0.61 sz=100 tx=0x09 log=1 rtds=0 ts=@+75 market=0xdd04
8200  trade wallet=@C token=401 side=BUY px=0.62 sz=50 tx=0x0a log=1 rtds=0 ts=@+82 market=0xdd04
# too small to copy (below_min)
9000  trade wallet=@B token=201 side=BUY px=0.33 sz=20 tx=0x0b log=2 rtds=0 ts=@+90 market=0xbb02
9800  trade wallet=@D token=401 side=SELL px=0.58 sz=40 tx=0x0c log=1 rtds=0 ts=@+98 market=0xdd04
10500 trade wallet=@C token=301 side=SELL px=0.71 sz=60 tx=0x0d log=2 rtds=0 ts=@+105 market=0xcc03
11200 price_change token=102 side=SELL px=0.55 sz=20 best_bid=0.51 best_ask=0.55
12000 trade wallet=@B token=401 side=SELL px=0.57 sz=50 tx=0x0e log=2 rtds=0 ts=@+120 market=0xdd04
13000 trade wallet=@A token=201 side=BUY px=0.33 sz=250 tx=0x0f log=1 rtds=0 ts=@+130 market=0xbb02
# after the 5-minute market's end: the venue refuses it
15500 trade wallet=@A token=101 side=SELL px=0.45 sz=200 tx=0x10 log=3 rtds=0 ts=@+155 market=0xaa01 slug=@SLUG outcome=Up
16500 trade wallet=@C token=201 side=SELL px=0.32 sz=300 tx=0x11 log=3 rtds=0 ts=@+165 market=0xbb02
17500 last_trade token=401 px=0.55 sz=30
18000 trade wallet=@B token=301 side=BUY px=0.74 sz=100 tx=0x12 log=3 rtds=0 ts=@+180 market=0xcc03
