# reports/sweep.gp - the charts of a latency sweep. Run by `pmcopy backtest
# --latency A,B,...` inside the sweep folder as:
#   gnuplot -e "fmt='svg'|'png'; pngterm='pngcairo'|'png'; lats='400 3000'; logx=0|1" sweep.gp
# Reads sweep.csv and each run's latency-<ms>ms/equity.csv; writes
# sweep_pnl, sweep_fill, sweep_penalty and sweep_equity (.svg/.png).
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
set grid xtics ytics lc rgb "#dddddd"
set border 3
set tics nomirror
# each curve's range, read before any axis setting applies to stats
stats "sweep.csv" skip 1 using 2 nooutput
pnl_lo = STATS_min
pnl_hi = STATS_max
stats "sweep.csv" skip 1 using 5 nooutput
pnl_lo = STATS_min < pnl_lo ? STATS_min : pnl_lo
pnl_hi = STATS_max > pnl_hi ? STATS_max : pnl_hi
stats "sweep.csv" skip 1 using 4 nooutput
fill_lo = STATS_min
fill_hi = STATS_max
stats "sweep.csv" skip 1 using 6 nooutput
pen_lo = STATS_min
pen_hi = STATS_max
stats "sweep.csv" skip 1 using 7 nooutput
pen_lo = STATS_min < pen_lo ? STATS_min : pen_lo
pen_hi = STATS_max > pen_hi ? STATS_max : pen_hi
# a flat curve gets a range around it (no empty y range)
yfit(lo, hi) = lo == hi ? sprintf("set yrange [%.6f:%.6f]", lo - 1, hi + 1) : "set autoscale y"

if (!exists("logx")) { logx = 0 }
if (logx) { set logscale x 10 }
set xlabel "detection latency (s)"
set offsets graph 0.03, graph 0.03, 0, 0

# P&L of the copy and of the source against latency
set output "sweep_pnl".ext
set title "P\\&L against detection latency (USD)"
set ylabel "P\\&L (USD)"
set key outside right top
eval yfit(pnl_lo, pnl_hi)
plot "sweep.csv" skip 1 using ($1/1000):2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "copy", \
     "sweep.csv" skip 1 using ($1/1000):5 with linespoints lw 2 pt 5 lc rgb "#ff7f0e" title "source"

# fill rate against latency
set output "sweep_fill".ext
set title "Fill rate against detection latency (filled / ordered shares)"
set ylabel "fill rate"
unset key
eval yfit(fill_lo, fill_hi)
plot "sweep.csv" skip 1 using ($1/1000):4 with linespoints lw 2 pt 7 lc rgb "#2ca02c" notitle

# follower penalty against latency: whole, and at our size per market
set output "sweep_penalty".ext
set title "Follower penalty against detection latency (source P\\&L - copy P\\&L, USD)"
set ylabel "penalty (USD)"
set key outside right top
eval yfit(pen_lo, pen_hi)
plot "sweep.csv" skip 1 using ($1/1000):6 with linespoints lw 2 pt 7 lc rgb "#9467bd" title "source - copy", \
     "sweep.csv" skip 1 using ($1/1000):7 with linespoints lw 2 pt 5 lc rgb "#8c564b" title "at our size"

# the equity curves overlaid, one per latency
unset logscale x
set offsets 0, 0, 0, 0
set autoscale y
eval sprintf(term, 480)
set output "sweep_equity".ext
set title "Equity by detection latency (USD)"
set xlabel ""
set ylabel "equity (USD)"
set key outside right top
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set autoscale xfix
plot for [i=1:words(lats)] sprintf("latency-%sms/equity.csv", word(lats, i)) \
     skip 1 using ($1/1000):2 with steps lw 2 title sprintf("%s ms", word(lats, i))
