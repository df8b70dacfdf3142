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

# equity (top, the kill switch marked when it tripped: kill_s > 0),
# drawdown and exposure (open positions at their marks)
if (!exists("kill_s")) { kill_s = 0 }
eval sprintf(term, 640)
set output "equity".ext
set multiplot layout 3,1 title "Equity, drawdown and exposure (USD)"
set autoscale xfix
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set ylabel "equity (USD)"
set key top left
if (kill_s > 0) {
    set arrow 1 from kill_s, graph 0 to kill_s, graph 1 nohead lc rgb "#d62728" dt 2 lw 2
    set label 1 "kill switch" at kill_s, graph 0.9 offset 0.5,0 tc rgb "#d62728"
}
plot "equity.csv" skip 1 using ($1/1000):2 with steps lw 2 lc rgb "#1f77b4" title "equity"
unset arrow 1
unset label 1
set ylabel "drawdown (USD)"
plot "equity.csv" skip 1 using ($1/1000):(-$5) with filledcurves y1=0 lc rgb "#d62728" notitle
set ylabel "in positions (USD)"
plot "equity.csv" skip 1 using ($1/1000):4 with steps lw 1 lc rgb "#7f7f7f" notitle
unset multiplot
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
unset title
set autoscale x
unset xdata
set format x "% h"

# P&L per market (bars in market order)
set output "pnl_market".ext
set ylabel "P\\&L (USD)"
set xlabel "market (in order of first appearance)"
unset key
set boxwidth 0.8 relative
set offsets 1, 1, 0, 0
set xrange [*:*] noextend
plot "markets.csv" skip 1 using 0:11:($11 >= 0 ? 0x2ca02c : 0xd62728) with boxes lc rgb variable
set offsets 0, 0, 0, 0
set xrange [*:*]
unset xlabel

# detection latency histogram
set output "latency".ext
set ylabel "source fills"
set xlabel "detection latency (s), bin lower bound"
set xtics rotate by -45
plot "hist_detection.csv" skip 1 using 0:4:xtic(1) with boxes lc rgb "#1f77b4"

# slippage histogram
set output "slippage".ext
set ylabel "fill legs"
set xlabel "fill price - source price (cents), bin lower bound"
plot "hist_slippage.csv" skip 1 using 0:4:xtic(1) with boxes lc rgb "#ff7f0e"
set xtics norotate

# follower penalty breakdown
set output "penalty".ext
set ylabel "USD (positive = cost to the copy)"
set xlabel ""
plot "penalty.csv" skip 1 using 0:2:xtic(1) with boxes lc rgb "#9467bd"
