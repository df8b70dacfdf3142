# reports/charts.gp - the backtest charts. Run by `pmcopy backtest` inside
# the report folder as: gnuplot -e "fmt='svg'|'png'; pngterm='pngcairo'|'png'"
# charts.gp (and kill_s: when the kill switch first tripped, s, 0 = never).
# Reads the CSV files written next to it; writes NAME.svg/.png.
set datafile separator ","
if (fmt eq "svg") {
    term = "set terminal svg size 900,%d font 'sans,11' background rgb 'white'"
    ext = ".svg"
} else {
    if (pngterm eq "pngcairo") {
        term = "set terminal pngcairo size 900,%d font 'sans,10' background rgb 'white'"
    } else {
        term = "set terminal png size 900,%d background rgb 'white'"
    }
    ext = ".png"
}
eval sprintf(term, 420)
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
set style fill solid 0.8 border -1

# every plot has a title (the SVG tooltip; with no title gnuplot puts its
# plot command there) and, where a key is wanted, the key outside the data

# equity (top, the kill switch marked when it tripped: kill_s > 0),
# drawdown and exposure (open positions at their marks); the three panels
# share their margins so the time axes line up
if (!exists("kill_s")) { kill_s = 0 }
eval sprintf(term, 640)
set output "equity".ext
set multiplot layout 3,1 title "Equity, drawdown and exposure (USD)"
set lmargin 10
set rmargin 20
set autoscale xfix
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set ylabel "equity (USD)"
set key outside right top
if (kill_s > 0) {
    set arrow 1 from kill_s, graph 0 to kill_s, graph 1 nohead lc rgb "#d62728" dt 2 lw 2
    set label 1 "kill switch" at kill_s, graph 0.9 offset 0.5,0 tc rgb "#d62728"
}
plot "equity.csv" skip 1 using ($1/1000):2 with steps lw 2 lc rgb "#1f77b4" title "equity"
unset arrow 1
unset label 1
set ylabel "drawdown (USD)"
plot "equity.csv" skip 1 using ($1/1000):(-$5) with filledcurves y1=0 lc rgb "#d62728" title "drawdown"
set ylabel "in positions (USD)"
plot "equity.csv" skip 1 using ($1/1000):4 with steps lw 1 lc rgb "#7f7f7f" title "in positions"
unset multiplot
unset lmargin
unset rmargin
set autoscale x
eval sprintf(term, 420)
unset xdata
set format x "% h"

# the source as benchmark: its P&L and ours on one time axis
if (!exists("capital")) { capital = 0 }
set output "source".ext
set title "P\\&L of the source and of the copy (USD)"
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set autoscale xfix
set ylabel "P\\&L (USD)"
set key outside right top
plot "source_equity.csv" skip 1 using ($1/1000):2 with steps lw 2 lc rgb "#ff7f0e" title "source", \
     "equity.csv" skip 1 using ($1/1000):($2 - capital) with steps lw 2 lc rgb "#1f77b4" title "copy"
set autoscale x
unset xdata
set format x "% h"
unset key

# P&L per market: the ten best and the ten worst (markets_top.csv, best
# first) as horizontal bars named by the market; the y axis runs down
# nmkt: the rows of markets.csv (given by pmcopy; stats warns on a file
# without rows); markets_top.csv has up to 20 of them
if (!exists("nmkt")) { nmkt = 0 }
ntop = nmkt < 20 ? nmkt : 20
# a chart without data: a note where the bars would be
nodata = 'set xrange [0:1]; set yrange [0:1]; unset xtics; unset ytics; set label 99 "no market traded" at graph 0.5, 0.5 center; plot 2 notitle; unset label 99; set xrange [*:*]; set yrange [*:*]; set xtics; set ytics'
set output "pnl_market".ext
if (ntop < nmkt) {
    set title sprintf("P\\&L of the %d best and the %d worst of %d markets (USD)", ntop - ntop / 2, ntop / 2, nmkt)
} else {
    set title sprintf("P\\&L per market, all %d (USD)", nmkt)
}
set lmargin 60
set xlabel "P\\&L (USD)"
set ylabel ""
set ytics noenhanced scale 0 font ",9"
set yrange [ntop - 0.5 : -0.5]
set grid xtics ytics lc rgb "#dddddd"
set xzeroaxis lt -1
if (ntop == 0) { @nodata } else {
plot "markets_top.csv" skip 1 using (0):0:(0 < $4 ? 0 : $4):(0 < $4 ? $4 : 0):($0 - 0.4):($0 + 0.4):($4 >= 0 ? 0x2ca02c : 0xd62728):ytic(7) with boxxyerror lc rgb variable title "P\\&L per market"
}
set yrange [*:*]
set ytics enhanced scale default font ""
set grid noxtics ytics lc rgb "#dddddd"
unset xzeroaxis
unset lmargin
unset xlabel

# histograms drawn at their true bin widths: x from lo to hi. An open-ended
# end bin (no lo, or no hi) is drawn as wide as its neighbour and hatched.
# hw: the width of the row before; first_w: the first closed bin's width
first_w = 1
hw = 1
# (an empty field is read with strcol: $N of one makes gnuplot skip the row)
bar_lo = '(strcol(2) eq "" ? real(strcol(3)) - first_w : real(strcol(2)))'
bar_hi = '(strcol(3) eq "" ? real(strcol(2)) + hw : real(strcol(3)))'
closed = '(strcol(2) ne "" && strcol(3) ne "")'
set style fill solid 0.8 border -1

# P&L per market: how it is distributed (equal-width bins)
set output "pnl_market_dist".ext
set title sprintf("How the P\\&L of %d markets is distributed (USD, equal-width bins)", nmkt)
set ylabel "markets"
set xlabel "P\\&L per market (USD)"
if (nmkt == 0) { @nodata } else {
plot "hist_pnl_market.csv" skip 1 using (($2 + $3) / 2):4:2:3:(0):4 with boxxyerror lc rgb "#2ca02c" title "markets"
}

# detection latency histogram
stats "hist_detection.csv" skip 1 every ::1::1 using ($3 - $2) nooutput
first_w = STATS_min
set output "latency".ext
set title "Detection latency of source fills (bins at their true width)"
set ylabel "source fills"
set xlabel "detection latency (s); hatched: an open-ended bin, drawn as wide as its neighbour"
plot "hist_detection.csv" skip 1 using (@closed ? (@bar_lo + @bar_hi) / 2 : NaN):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#1f77b4" title "source fills", \
     "" skip 1 using (@closed ? (hw = @bar_hi - @bar_lo, NaN) : (@bar_lo + @bar_hi) / 2):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#1f77b4" fs pattern 4 border title "source fills, open-ended bin"

# order round trip: from sending an order to its report (equal bins)
stats "hist_round_trip.csv" skip 1 every ::1::1 using ($3 - $2) nooutput
first_w = STATS_min
set output "round_trip".ext
set title "Order round trip, sent to reported (bins at their true width)"
set ylabel "orders"
set xlabel "round trip (ms); hatched: an open-ended bin, drawn as wide as its neighbour"
plot "hist_round_trip.csv" skip 1 using (@closed ? (@bar_lo + @bar_hi) / 2 : NaN):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#17becf" title "orders", \
     "" skip 1 using (@closed ? (hw = @bar_hi - @bar_lo, NaN) : (@bar_lo + @bar_hi) / 2):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#17becf" fs pattern 4 border title "orders, open-ended bin"

# slippage histogram
stats "hist_slippage.csv" skip 1 every ::1::1 using ($3 - $2) nooutput
first_w = STATS_min
set output "slippage".ext
set title "Fill price minus the source's price (bins at their true width)"
set ylabel "fill legs"
set xlabel "fill price - source price (cents); hatched: an open-ended bin, drawn as wide as its neighbour"
plot "hist_slippage.csv" skip 1 using (@closed ? (@bar_lo + @bar_hi) / 2 : NaN):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#ff7f0e" title "fill legs", \
     "" skip 1 using (@closed ? (hw = @bar_hi - @bar_lo, NaN) : (@bar_lo + @bar_hi) / 2):4:(@bar_lo):(@bar_hi):(0):4 with boxxyerror lc rgb "#ff7f0e" fs pattern 4 border title "fill legs, open-ended bin"

# P&L per UTC day (days.csv) and by hour of the UTC day (hours.csv)
set output "days".ext
set title "P\\&L per UTC day (USD)"
set ylabel "P\\&L (USD)"
set xlabel ""
stats "days.csv" skip 1 using ($1 / 1000) nooutput
set xdata time
set timefmt "%s"
set format x "%Y-%m-%d"
set xrange [STATS_min : STATS_max + 86400]
set xtics STATS_min + 43200, 86400 * ceil(STATS_records / 10.0)
set mxtics 1
set xzeroaxis lt -1
plot "days.csv" skip 1 using ($1 / 1000 + 43200):2:($1 / 1000 + 43200 - 34560):($1 / 1000 + 43200 + 34560):(0):2:($2 >= 0 ? 0x2ca02c : 0xd62728) with boxxyerror lc rgb variable title "P\\&L per day"
set xrange [*:*]
set xtics autofreq
unset xdata
set format x "% h"
set output "hours".ext
set title "P\\&L by hour of the UTC day, all days together (USD)"
set xlabel "hour of the day (UTC)"
set xrange [-0.5:23.5]
set xtics 0, 1, 23
plot "hours.csv" skip 1 using 1:2:($1 - 0.4):($1 + 0.4):(0):2:($2 >= 0 ? 0x2ca02c : 0xd62728) with boxxyerror lc rgb variable title "P\\&L by hour"
set xrange [*:*]
set xtics autofreq
unset xzeroaxis

# follower penalty breakdown
set output "penalty".ext
set title "Follower penalty: what copying late cost (USD)"
set ylabel "USD (positive = cost to the copy)"
set xlabel ""
set boxwidth 0.8 relative
plot "penalty.csv" skip 1 using 0:2:xtic(1) with boxes lc rgb "#9467bd" title "follower penalty"
