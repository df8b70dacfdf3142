#!/bin/sh
# tests/cli/report_browser.sh - the backtest report opened in a real headless
# browser (Debian's chromium, started here with a timeout): a copy of
# report.html with a checker script injected (the product page is never
# changed) checks, once the page has loaded, that every chart is drawn
# (inline SVG with a size, every linked PNG decodes), that every table's
# columns are visible at 1,280 px (each header cell ends inside the window
# and inside any scrolling box around it), that sorting a table by a column
# puts it in order both ways, and that nothing failed: no script error, no
# console message (chromium's log on stderr is read too), no resource
# missing. The default run's report, ten days of synthetic markets (about
# 1,600) and a real recording (from $PMC_DATA, when there). Then it proves
# each check can fail: a broken image, an overwide table, a script error, a
# deleted PNG, a table that does not sort, a gnuplot command as a tooltip,
# a console message.
# $1 = the pmcopy binary. Prints "report_browser: N passed, M failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT; [ -n "${KEEP:-}" ] && echo "report_browser: keeping $tmp"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "report_browser: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

chrome=""
for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1; then chrome=$c; break; fi
done
if [ -z "$chrome" ]; then
    echo "report_browser: FAIL: chromium not found (Debian package chromium; tools/deps.sh installs it)"
    echo "report_browser: 0 passed, 1 failed"
    exit 1
fi

# the checker, put first in <head> so it sees every error of the page
cat >"$tmp/checker.html" <<'JS'
<script>
(function () {
  var errs = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href))
      errs.push('resource failed: ' + (t.src || t.href));
    else
      errs.push('script error: ' + (e.message || e));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    errs.push('unhandled rejection: ' + e.reason);
  });
  function cellKey(td) {
    var k = td.getAttribute('data-sort');
    return k === null ? td.textContent : k;
  }
  function ordered(tb, col, dir) {
    var prev = null;
    for (var r = 1; r < tb.rows.length; r++) {
      var s = cellKey(tb.rows[r].cells[col]), n = Number(s);
      var v = s !== '' && !isNaN(n) ? n : s;
      if (prev !== null && typeof v === typeof prev && (dir > 0 ? v < prev : v > prev))
        return false;
      prev = v;
    }
    return true;
  }
  window.addEventListener('load', function () {
    var W = 1280, out = [], waits = [], i, j;
    if (document.documentElement.clientWidth > W)
      out.push('window wider than ' + W + ' px: ' + document.documentElement.clientWidth);
    var imgs = document.querySelectorAll('img');
    for (i = 0; i < imgs.length; i++)
      if (!imgs[i].complete || !imgs[i].naturalWidth)
        out.push('image not loaded: ' + imgs[i].getAttribute('src'));
    var figs = document.querySelectorAll('figure');
    var nsvg = 0;
    for (i = 0; i < figs.length; i++) {
      var svg = figs[i].querySelector('svg');
      var cap = figs[i].querySelector('figcaption');
      var name = cap ? cap.textContent : 'figure ' + i;
      if (!svg) { out.push('chart missing: ' + name); continue; }
      nsvg++;
      var r = svg.getBoundingClientRect();
      if (r.width < 200 || r.height < 100 || r.right > W)
        out.push('chart ' + name + ' drawn at ' + Math.round(r.width) + 'x' + Math.round(r.height) + ', right edge ' + Math.round(r.right));
      var tt = svg.querySelectorAll('title');
      for (j = 0; j < tt.length; j++)
        if (/ using |gnuplot_plot|skip 1/.test(tt[j].textContent))
          out.push('chart ' + name + ': a tooltip shows a gnuplot command: ' + tt[j].textContent);
    }
    var links = document.querySelectorAll('a[href$=".png"]');
    for (i = 0; i < links.length; i++)
      waits.push(new Promise(function (res) {
        var a = links[i], im = new Image();
        im.onload = function () { if (!im.naturalWidth) out.push('PNG empty: ' + a.getAttribute('href')); res(); };
        im.onerror = function () { out.push('PNG not loaded: ' + a.getAttribute('href')); res(); };
        im.src = a.href;
      }));
    var tabs = document.querySelectorAll('table');
    for (i = 0; i < tabs.length; i++) {
      var tb = tabs[i], lim = W, p = tb.parentElement;
      for (; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible')
          lim = Math.min(lim, p.getBoundingClientRect().right);
      var cells = tb.rows.length ? tb.rows[0].cells : [];
      for (j = 0; j < cells.length; j++) {
        var cr = cells[j].getBoundingClientRect();
        if (cr.right > lim + 0.5) {
          out.push('table ' + (tb.id || i) + ': column "' + cells[j].textContent + '" ends at ' + Math.round(cr.right) + ' px, visible to ' + Math.round(lim));
          break;
        }
      }
    }
    // sorting: every sortable table with 3+ rows, by its last column, both ways
    var st = document.querySelectorAll('table.sortable');
    for (i = 0; i < st.length; i++) {
      var t = st[i];
      if (t.rows.length < 4) continue;
      var hc = t.rows[0].cells, col = hc.length - 1;
      hc[col].click();
      if (!ordered(t, col, 1)) out.push('table ' + (t.id || i) + ' not ascending after a click on ' + hc[col].textContent);
      hc[col].click();
      if (!ordered(t, col, -1)) out.push('table ' + (t.id || i) + ' not descending after a second click on ' + hc[col].textContent);
    }
    Promise.all(waits).then(function () {
      out = out.concat(errs);
      var v = document.createElement('pre');
      v.id = 'pmc-verdict';
      v.textContent = 'charts=' + nsvg + ' tables=' + tabs.length + ' sortable=' + st.length + '\n' +
        (out.length ? 'FAIL\n' + out.join('\n') : 'OK') + '\n';
      document.body.appendChild(v);
    });
  });
})();
</script>
JS

# browse SRC.html: writes SRC.verdict (the checker's lines) and SRC.console
# (chromium's console log lines); the checker goes into a copy
browse() {
    python3 - "$1" "$tmp/checker.html" "${1%.html}.check.html" <<'PY'
import sys
page, chk, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(page, encoding='utf-8').read()
i = s.index('<head>') + len('<head>')
open(out, 'w', encoding='utf-8').write(s[:i] + '\n' + open(chk).read() + s[i:])
PY
    mkdir -p "$tmp/home"
    HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home" \
        timeout -k 5 300 "$chrome" --headless --no-sandbox --disable-gpu \
        --no-first-run --disable-extensions --user-data-dir="$tmp/prof" \
        --window-size=1280,1000 --virtual-time-budget=15000 \
        --enable-logging=stderr --v=0 \
        --dump-dom "file://${1%.html}.check.html" >"${1%.html}.dom" 2>"${1%.html}.err"
    echo "exit=$?" >"${1%.html}.verdict"
    python3 - "${1%.html}.dom" >>"${1%.html}.verdict" <<'PY'
import html, re, sys
m = re.search(r'<pre id="pmc-verdict">(.*?)</pre>', open(sys.argv[1], encoding='utf-8').read(), re.S)
print(html.unescape(m.group(1)) if m else 'NO VERDICT (the checker did not finish)')
PY
    grep 'CONSOLE' "${1%.html}.err" >"${1%.html}.console"
}
# verdict OK, chromium exited 0, no console line
clean() {
    grep -q '^exit=0$' "$1.verdict" && grep -q '^OK$' "$1.verdict" && [ ! -s "$1.console" ]
}
failed_with() { grep -q '^FAIL$' "$1.verdict" && grep -q "$2" "$1.verdict"; }

# the default run's report
(cd "$tmp" && "$bin" backtest --out "$tmp/d" >/dev/null 2>"$tmp/d.err")
check "default run exits 0" '[ $? -eq 0 ]'
browse "$tmp/d/report.html"
check "default report: every chart loads, every table fits 1280 px, sorting works, no error" 'clean "$tmp/d/report"'
clean "$tmp/d/report" || cat "$tmp/d/report.verdict" "$tmp/d/report.console"
check "default report: the checker saw the charts and tables" 'grep -q "charts=[1-9][0-9]* tables=[1-9][0-9]* sortable=[1-9]" "$tmp/d/report.verdict"'

# ten days of synthetic markets (about 1,600): the distribution chart, the
# day chart over ten days, tables cut at 200 rows
"$bin" synth --hours 240 --out "$tmp/big.tape" 2>/dev/null
"$bin" backtest "$tmp/big.tape" --out "$tmp/b" >/dev/null 2>"$tmp/b.err"
check "ten-day run exits 0, no warning" '[ $? -eq 0 ] && [ ! -s "$tmp/b.err" ]'
browse "$tmp/b/report.html"
check "ten-day report: every chart loads, every table fits 1280 px, sorting works, no error" 'clean "$tmp/b/report"'
clean "$tmp/b/report" || cat "$tmp/b/report.verdict" "$tmp/b/report.console"
# a real recording (names are the markets' questions), when it is here
: "${PMC_DATA:=$(cd "$(dirname "$0")/../.." && pwd)/../shared/data}"
dump=$PMC_DATA/hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json
if [ -r "$dump" ]; then
    root=$(cd "$(dirname "$0")/../.." && pwd)
    "$bin" import activity "$dump" >"$tmp/act.tape" 2>/dev/null
    { echo "#pmcopy-tape v1"
      grep -h '^t=' "$tmp/act.tape" "$root/fixtures/deepmarket_resolutions.tape" | sort -s -n -k1.3,1.15
    } >"$tmp/real.tape"
    "$bin" backtest "$tmp/real.tape" --latency 3000 --out "$tmp/r" >/dev/null 2>"$tmp/r.err"
    check "real run exits 0, no warning" '[ $? -eq 0 ] && [ ! -s "$tmp/r.err" ]'
    browse "$tmp/r/report.html"
    check "real report: every chart loads, every table fits 1280 px, sorting works, no error" 'clean "$tmp/r/report"'
    clean "$tmp/r/report" || cat "$tmp/r/report.verdict" "$tmp/r/report.console"
    check "real report: markets named by their question" 'grep -q ">Bitcoin Up or Down - February 17, 2:00PM-2:15PM ET<" "$tmp/r/pnl_market.svg" && grep -q "<td class=\"nm\" title=\"0x8733e4ef3b449ef79e86ce37ca53ccba3377c5e77d3473e55f867d0fbd80edba\">Bitcoin Up or Down - February 17, 2:00PM-2:15PM ET</td>" "$tmp/r/report.html"'
else
    echo "report_browser: no real recording at $dump (set PMC_DATA); the real report is not checked"
fi

# each check can fail: one copy of the folder with every defect at once
# (each check names its own), the console on its own
cp -r "$tmp/d" "$tmp/x"
rm "$tmp/x/equity.png"
sed -e 's|</body>|<img src="no-such-chart.png" alt="x"><table id="wide"><tr><th style="min-width:1500px">wide</th></tr></table><script>null.x = 1;</script></body>|' \
    -e 's|<script id="sort">|<script id="sort">window.addEventListener("click", function (e) { e.stopPropagation(); }, true);|' \
    -e 's|</svg>|<g><title>"x.csv" skip 1 using 1:2</title></g></svg>|' \
    "$tmp/d/report.html" >"$tmp/x/broken.html"
browse "$tmp/x/broken.html"
v="$tmp/x/broken"
check "a broken image fails" 'failed_with "$v" "image not loaded: no-such-chart.png"'
check "an overwide table fails" 'failed_with "$v" "table wide: column \"wide\" ends at"'
check "a script error fails, and chromium logs it" 'failed_with "$v" "script error:" && grep -q "null" "$v.console"'
check "a missing PNG fails" 'failed_with "$v" "PNG not loaded: equity.png"'
check "a table that does not sort fails" 'failed_with "$v" "not ascending after a click"'
check "a gnuplot command in a tooltip fails" 'failed_with "$v" "tooltip shows a gnuplot command"'
sed 's|</body>|<script>console.log("stray");</script></body>|' "$tmp/d/report.html" >"$tmp/d/log.html"
browse "$tmp/d/log.html"
check "a console message fails" 'grep -q "^OK$" "$tmp/d/log.verdict" && ! clean "$tmp/d/log" && grep -q stray "$tmp/d/log.console"'

echo "report_browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
