#!/bin/sh
# tests/cli/dashboard_browser.sh - the dashboard (GET / of `pmcopy live`'s
# API) in a real headless browser: Debian's chromium driven by
# chromedriver over the W3C WebDriver protocol (python3's urllib, no
# client library), against a paper session on the fakes with one order
# copied before the browser opens.
#
#  page    - GET / answers without a token, the page loads and asks for
#            the token before showing anything; chromium's log holds no
#            script error or console message (a missing API endpoint may
#            answer 404: those requests are listed, not failed).
#  token   - a wrong token brings the form back and the numbers never show
#            (refused by the server once it checks tokens, else by the
#            page's fetch answering 401 as the server does); the right one shows the
#            session's numbers (orders as in /status), the token is in
#            sessionStorage and never in the URL; a reload does not ask
#            again; a new order shows up on the next refresh.
#  kill    - the page's Kill button makes /status killed:true and the page
#            says KILLED; the next source buy is not copied (skip reason
#            killed in the journal, no new order); Resume lifts it.
#  traders - once the server has GET /traders and the trader routes, the
#            page's disable/enable buttons switch the source trader off and
#            on (its "off" in /traders).
#  degrade - through the page's fetch: an endpoint answering 404, a hostile
#            market name (HTML in the JSON), a /traders row, a resume refused
#            with 409 for the core's own kill: the section names the
#            failure, the other sections go on, the name shows as text and
#            runs nothing; the core's own kill (kill.automatic in /status)
#            is named and its override offered; the buttons POST disable,
#            enable, resume and, once the override is ticked, {"override":"max_daily_loss"}, each
#            with the token.
#  stale   - the session stopped: the page says its data is stale.
#  fail    - the checks can fail: a console message and a script error
#            written in the page are caught by the log check; with a wrong
#            token the numbers never show.
# Usage: sh tests/cli/dashboard_browser.sh path/to/pmcopy
# (DASH_SHOT=file.png saves a screenshot of the page once it shows numbers)
name=dashboard_browser
. "$(dirname "$0")/live_lib.inc"

driver=$(command -v chromedriver || true)
chrome=""
for c in chromium chromium-browser; do
    if command -v "$c" > /dev/null 2>&1; then
        chrome=$(command -v "$c")
        break
    fi
done
if [ -z "$driver" ] || [ -z "$chrome" ]; then
    echo "$name: FAIL: chromium and chromedriver are needed (Debian packages chromium, chromium-driver; tools/deps.sh installs them)"
    echo "$name: 0 passed, 1 failed"
    exit 1
fi

# chromedriver on a free port, a child of this shell; on exit the browser
# session (its id in $tmp/wd.session) is closed, which stops chromium, then
# chromedriver is stopped and reaped
cdpid=""
stop_driver() {
    if [ -n "$cdpid" ]; then
        [ -s "$tmp/wd.session" ] && curl -s -m 10 -X DELETE \
            "http://127.0.0.1:$CDP/session/$(cat "$tmp/wd.session")" > /dev/null
        kill -TERM "$cdpid" 2> /dev/null
        for _ in $(seq 1 50); do
            kill -0 "$cdpid" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$cdpid" 2> /dev/null
        wait "$cdpid" 2> /dev/null
        cdpid=""
    fi
}
trap 'stop_driver; cleanup' EXIT INT TERM
CDP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/home"
HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home" \
    "$driver" --port="$CDP" --log-path="$tmp/chromedriver.log" > /dev/null 2>&1 &
cdpid=$!
up=0
for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$CDP/status" 2> /dev/null | grep -q '"ready": *true' && up=1 && break
    sleep 0.05
done
[ "$up" = 1 ] || {
    echo "$name: FAIL: chromedriver did not start on port $CDP: $(tail -3 "$tmp/chromedriver.log")"
    exit 1
}

# the paper session on the fakes, one order before the browser opens
echo "0 book token=303 bids=0.48:300 asks=0.52:2500" > "$tmp/dash.sc"
start_fake feeds "$feeds" --scenario "$tmp/dash.sc" --max-seconds 300
FP=$port
"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/dash.db" --api-port 0 --ready-file "$tmp/dash.ready" \
    --copy-mode per_fill --no-mlock --quiet > /dev/null 2> "$tmp/dash.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/dash.ready" || {
    echo "$name: FAIL: pmcopy live did not start: $(tail -3 "$tmp/dash.err")"
    exit 1
}
AP=$(api_port_of "$tmp/dash.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=303 side=BUY px=0.52 sz=100 tx=$(tx 21) log=1 rtds=0
wait_status $AP orders 1
code=$(curl -s -o "$tmp/page.html" -w '%{http_code}' "http://127.0.0.1:$AP/")
check "page: GET / without a token is 200 (got $code)" [ "$code" = 200 ]
root=$(cd "$(dirname "$0")/../.." && pwd)
check "page: GET / is live/dashboard.html, byte for byte" cmp -s "$tmp/page.html" "$root/live/dashboard.html"
check "page: no innerHTML/outerHTML/insertAdjacentHTML/document.write in the page" \
    sh -c "! grep -qE 'innerHTML|outerHTML|insertAdjacentHTML|document\\.write' '$tmp/page.html'"
check "page: nothing loaded from another host (no http(s):// in src/href/url()/fetch)" \
    sh -c "! grep -qE '(src|href)=\"(https?:)?//|url\\((https?:)?//|fetch\\(.(https?:)?//' '$tmp/page.html'"
# does the server check tokens (it does once the API enforces them)?
wrong=0
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token' \
    "http://127.0.0.1:$AP/status")" = 401 ] && wrong=1
[ "$wrong" = 1 ] || echo "$name: the API does not check tokens: the page's fetch refuses the wrong token instead"

timeout -k 5 300 python3 - "$CDP" "$AP" "$FP" "$PMC_API_TOKEN" "$wrong" "$lp" "$chrome" "$tmp" "$A" > "$tmp/browser.out" 2>&1 << 'PY'
import json, os, signal, sys, time, urllib.request, urllib.error

cdp, ap, fp, token, wrong, lp, chrome, tmp, wallet = sys.argv[1:10]
base = "http://127.0.0.1:%s" % ap
E = "element-6066-11e4-a52e-4f735466cecf"
passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what + (": " + str(detail) if detail != "" else ""))
    sys.stdout.flush()


def http(method, url, body=None, hdr=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (hdr or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def api(path):
    st, b = http("GET", base + path, hdr={"Authorization": "Bearer " + token})
    return json.loads(b) if st == 200 else None


def ctl_trade(n):
    q = "wallet=%s&token=303&side=BUY&px=0.52&sz=100&tx=0x%064x&log=1&rtds=0" % (wallet, n)
    http("GET", "http://127.0.0.1:%s/_control/trade?%s" % (fp, q))


def wait(what, fn, secs=20):
    """fn() until truthy (exceptions count as false), at most secs"""
    end = time.time() + secs
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # a page mid-refresh, a stale element
            last = e
        time.sleep(0.1)
    return None


class Driver:
    def __init__(self):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--window-size=1280,1000",
                "--user-data-dir=" + os.path.join(tmp, "prof")]},
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"script": 10000, "pageLoad": 20000}}}}
        st, b = http("POST", "http://127.0.0.1:%s/session" % cdp, caps, timeout=60)
        v = json.loads(b)["value"]
        if st != 200 or "sessionId" not in v:
            raise SystemExit("no WebDriver session: %s" % b[:500])
        self.url = "http://127.0.0.1:%s/session/%s" % (cdp, v["sessionId"])
        with open(os.path.join(tmp, "wd.session"), "w") as f:
            f.write(v["sessionId"])

    def cmd(self, method, path, body=None):
        st, b = http(method, self.url + path, body if body is not None else ({} if method == "POST" else None))
        v = json.loads(b).get("value") if b else None
        if st != 200:
            raise RuntimeError("%s %s: %s" % (method, path, b[:300]))
        return v

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[E]

    def type(self, css, s):
        e = self.find(css)
        self.cmd("POST", "/element/%s/clear" % e)
        self.cmd("POST", "/element/%s/value" % e, {"text": s})

    def click(self, css):
        # the page redraws its tables on each refresh: an element found
        # just before a redraw is stale, found again
        for i in range(5):
            try:
                return self.cmd("POST", "/element/%s/click" % self.find(css))
            except RuntimeError as e:
                if "stale element" not in str(e) or i == 4:
                    raise

    def text(self, css):
        return self.cmd("GET", "/element/%s/text" % self.find(css))

    def shot(self, path):
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))

    def log(self):
        return self.cmd("POST", "/se/log", {"type": "browser"}) or []

    def quit(self):
        try:
            self.cmd("DELETE", "")
            os.remove(os.path.join(tmp, "wd.session"))
        except Exception:
            pass


# an entry of chromium's log that is not a failed API request of the page
API_PATHS = ("/status", "/ready", "/positions", "/traders", "/orders", "/fills", "/skips")


def bad_entries(entries):
    out, tolerated = [], []
    for e in entries:
        m = e.get("message", "")
        if e.get("source") == "network" and base + "/" in m and \
                any(base + p in m for p in API_PATHS) and \
                ("status of 404" in m or "status of 503" in m):
            tolerated.append(m)
        else:
            out.append("%s %s: %s" % (e.get("level"), e.get("source"), m))
    return out, tolerated


def status_cell(d, key):
    return d.js("var c = document.querySelector('#status tr[data-key=\"' + arguments[0] + '\"] td');"
                "return c ? c.textContent : null;", key)


def visible(d, css):
    return d.js("var e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null;", css)


d = Driver()
try:
    d.go(base + "/")
    check("page: loads, title pmcopy live", d.js("return document.title;") == "pmcopy live")
    check("page: asks for the token (form shown, dashboard hidden)",
          wait("login", lambda: visible(d, "#token") and not visible(d, "#main"), 10))
    time.sleep(2.5)  # a refresh period: nothing is read without a token
    check("page: without a token no numbers show", status_cell(d, "orders") is None)

    how = "by the server"
    if wrong != "1":
        # the server does not check tokens yet: the page's fetch does it
        # as the API will (401 unless the bearer token is the session's)
        how = "(401 from the page's fetch, as the API answers)"
        d.js("""
            var want = 'Bearer ' + arguments[0], real = window.fetch;
            window.fetch = function (u, o) {
                if (!o || !o.headers || o.headers.Authorization !== want)
                    return Promise.resolve(new Response('{"error":"unauthorized"}', {status: 401}));
                return real.call(window, u, o);
            };""", token)
    d.type("#token", "wrong-" + token)
    d.click("#connect")
    refused = wait("refused", lambda: visible(d, "#token") and
                   "refused" in d.text("#login-msg"), 10)
    check("token: a wrong token is refused %s: the form comes back saying so" % how, refused,
          d.js("return document.getElementById('login-msg').textContent;"))
    time.sleep(2.5)
    check("fail: with a wrong token the numbers never show", status_cell(d, "orders") is None)
    check("fail: and the wrong token is not kept",
          d.js("return sessionStorage.getItem('pmcopy.api_token');") is None)
    if wrong == "1":
        entries = d.log()
        check("fail: the refused requests (401) are in chromium's log",
              any("status of 401" in e.get("message", "") for e in entries), entries)

    d.type("#token", token)
    d.click("#connect")
    st = api("/status")
    shown = wait("orders shown", lambda: status_cell(d, "orders") == str(st["orders"]), 15)
    check("token: the page shows the session's orders as /status does (%s)" % st["orders"], shown,
          status_cell(d, "orders"))
    check("token: and its fills_seen (%s)" % st["fills_seen"],
          wait("fills", lambda: status_cell(d, "fills_seen") == str(api("/status")["fills_seen"]), 10))
    check("token: mode shown", d.text("#mode") == "paper", d.text("#mode"))
    check("token: state says copying", d.text("#state") == "copying", d.text("#state"))
    check("token: the token is not in the URL", token not in d.js("return location.href;"))
    check("token: the token is kept in sessionStorage",
          d.js("return sessionStorage.getItem('pmcopy.api_token');") == token)
    check("token: sources listed (rtds up)",
          wait("rtds", lambda: d.js("var t = document.getElementById('t-sources');"
                                    "return !!t && /rtds\\s*true/.test(t.textContent);"), 10))
    check("token: the latency chart is drawn (inline SVG, a bar per stage and percentile)",
          wait("svg", lambda: d.js("return document.querySelectorAll('#latency svg rect').length;") >= 12, 10))
    # every section either rendered or names its endpoint's failure
    secs = d.js("var o = {}; ['positions','traders','orders','skips'].forEach(function (id) {"
                "var s = document.getElementById(id); o[id] = [s.getAttribute('data-state'),"
                "s.querySelector('h2 .err').textContent, s.querySelector('.body').textContent.length]; });"
                "return o;")
    for k, v in sorted(secs.items()):
        check("page: section %s rendered or names its failure (%s)" % (k, v),
              (v[0] == "ok" and v[2] > 0) or (v[0] in ("error", "stale") and k in v[1]))
    for k, v in sorted(secs.items()):
        if v[0] == "ok":
            continue
        print("note: section %s: %s" % (k, v[1]))
    entries = d.log()
    bad, tolerated = bad_entries(entries)
    check("page: no script error or console message in chromium's log", not bad, bad)
    for m in sorted(set(tolerated)):
        print("note: tolerated: " + m)

    if os.environ.get("DASH_SHOT"):  # a picture of the page, to look at
        d.js("window.scrollTo(0, 0);")
        d.shot(os.environ["DASH_SHOT"])

    # a new order shows on the next refresh
    ctl_trade(22)
    wait("orders 2", lambda: api("/status")["orders"] >= 2, 20)
    n2 = api("/status")["orders"]
    check("token: a new order shows on the next refresh (orders %s)" % n2,
          wait("page 2", lambda: status_cell(d, "orders") == str(n2), 15), status_cell(d, "orders"))

    # a reload does not ask for the token again
    d.go(base + "/")
    check("token: after a reload the page does not ask again",
          wait("reload", lambda: status_cell(d, "orders") == str(n2) and not visible(d, "#token"), 15))

    # kill pressed in the page
    d.type("#kill-reason", "dashboard test")
    d.click("#kill")
    killed = wait("killed", lambda: api("/status")["killed"] is True, 15)
    check("kill: the page's Kill makes /status killed:true", killed)
    check("kill: the page says KILLED",
          wait("badge", lambda: d.text("#state").startswith("KILLED"), 10), d.text("#state"))
    fills = api("/status")["fills_seen"]
    ctl_trade(23)
    seen = wait("fill seen", lambda: api("/status")["fills_seen"] > fills, 20)
    time.sleep(1)
    s3 = api("/status")
    check("kill: the next source buy reaches the core (fills_seen %s)" % s3["fills_seen"], seen)
    check("kill: and is not copied (orders stay %s, got %s)" % (n2, s3["orders"]), s3["orders"] == n2)

    # resume from the page
    d.click("#resume")
    check("kill: the page's Resume lifts it (killed:false)",
          wait("resumed", lambda: api("/status")["killed"] is False, 15))
    check("kill: the page says copying again", wait("copying", lambda: d.text("#state") == "copying", 10),
          d.text("#state"))

    # per-trader disable/enable against the server, once it has GET /traders
    # and the trader routes
    def off_of(addr):
        t = api("/traders")
        rows = t.get("traders", []) if isinstance(t, dict) else []
        for r in rows:
            if isinstance(r, dict) and str(r.get("trader", r.get("address", ""))).lower() == addr.lower():
                return str(r.get("off"))
        return None
    before = off_of(wallet)
    if before is None:
        print("note: the server has no GET /traders row for %s: disable/enable checked against the page's fetch only" % wallet)
    else:
        btn = '#traders button[data-action="%s"][data-addr="%s"]'
        check("traders: the page lists %s with disable/enable buttons" % wallet,
              wait("buttons", lambda: visible(d, btn % ("disable", wallet)), 10))
        d.click(btn % ("disable", wallet))
        check("traders: the page's disable switches the trader off in /traders (off was %s)" % before,
              wait("off", lambda: off_of(wallet) not in (None, before), 15), off_of(wallet))
        d.click(btn % ("enable", wallet))
        check("traders: the page's enable switches it back (off %s)" % before,
              wait("on", lambda: off_of(wallet) == before, 15), off_of(wallet))

    # degrade: the page's fetch answers /skips with 404, /positions with a
    # hostile market name, /traders with one row, a first resume with 409
    # (the core's own kill); the page's POSTs are recorded
    evil = '<img src=x onerror="window.pwned=1">Will <b>X</b> win?'
    d.js("""
        var evil = arguments[0], wallet = arguments[1], real = window.fetch;
        window.posts = [];
        window.refused = 0;
        window.fakeKilled = true;
        window.fetch = function (u, o) {
            var p = String(u);
            if (o && o.method === 'POST') {
                window.posts.push([p, o.headers.Authorization, o.body]);
                if (p === '/resume' && !window.refused++)
                    return Promise.resolve(new Response(JSON.stringify({error: 'resume refused',
                        reason: 'max_daily_loss', hint: 'POST /resume {"override":"max_daily_loss"}'}), {status: 409}));
                if (p === '/resume')
                    window.fakeKilled = false;
                return Promise.resolve(new Response('{"queued":"x"}', {status: 200}));
            }
            if (p === '/status' && window.fakeKilled)  /* the core's own kill */
                return real.call(window, u, o).then(function (r) { return r.json(); }).then(function (j) {
                    j.killed = true;
                    j.kill = {operator: false, kill_file: false, automatic: 'max_daily_loss'};
                    return new Response(JSON.stringify(j), {status: 200});
                });
            if (p.indexOf('/traders') === 0)
                return Promise.resolve(new Response(JSON.stringify({traders: [{trader: wallet,
                    label: 'alice', off: 'on', fills_seen: 3, tracking: '0.5', skips: {killed: 1}}]}), {status: 200}));
            if (p.indexOf('/skips') === 0)
                return Promise.resolve(new Response('{"error":"not found"}', {status: 404}));
            if (p.indexOf('/positions') === 0)
                return Promise.resolve(new Response(JSON.stringify({positions: [
                    {market: evil, outcome: 'Yes', shares: '10', unrealized_usd: '-0.16'}]}),
                    {status: 200}));
            return real.call(window, u, o);
        };""", evil, wallet)
    shown = wait("evil", lambda: evil in d.js("return document.getElementById('positions').textContent;"), 10)
    check("degrade: a hostile market name shows as text", shown)
    check("degrade: and runs nothing (no img, no handler ran)",
          d.js("return window.pwned === undefined && !document.querySelector('#positions img, #positions b');"))
    check("degrade: a section whose endpoint answers 404 names it",
          wait("404", lambda: "/skips" in d.text("#skips h2") and "404" in d.text("#skips h2"), 10),
          d.js("return document.querySelector('#skips h2').textContent;"))
    btn = '#traders button[data-action="%s"][data-addr="%s"]'
    ok = wait("fake traders", lambda: visible(d, btn % ("disable", wallet)) and
              "alice" in d.text("#traders"), 10)
    check("degrade: a /traders row gets disable/enable buttons", ok)
    if ok:
        d.click(btn % ("disable", wallet))
        d.click(btn % ("enable", wallet))
    check("degrade: the core's own kill in /status (kill.automatic) is shown and its override offered",
          wait("auto", lambda: "automatic: max_daily_loss" in d.text("#state") and visible(d, "#override")
               and "max_daily_loss" in d.text("#override-label"), 10), d.text("#state"))
    d.click("#resume")
    check("degrade: a resume refused with 409 names the kill and offers the override",
          wait("override", lambda: visible(d, "#override") and "max_daily_loss" in d.text("#override-label")
               and "max_daily_loss" in d.text("#ctl-msg"), 10), d.text("#ctl-msg"))
    if visible(d, "#override"):
        d.click("#override")
    d.click("#resume")
    posts = wait("posts", lambda: (lambda p: p if len(p) >= 4 else None)(d.js("return window.posts;")), 10) or \
        d.js("return window.posts;")
    want = [["/traders/%s/disable" % wallet, "Bearer " + token, "{}"],
            ["/traders/%s/enable" % wallet, "Bearer " + token, "{}"],
            ["/resume", "Bearer " + token, "{}"],
            ["/resume", "Bearer " + token, '{"override":"max_daily_loss"}']]
    check("degrade: the buttons POST disable, enable, resume, resume with the override, with the token",
          posts == want, posts)
    ctl_trade(24)
    wait("orders 3", lambda: api("/status")["orders"] > n2, 20)
    n3 = api("/status")["orders"]
    check("degrade: the other sections go on (orders %s shown)" % n3,
          wait("page 3", lambda: status_cell(d, "orders") == str(n3), 15), status_cell(d, "orders"))
    bad, _ = bad_entries(d.log())
    check("degrade: still no script error or console message", not bad, bad)

    # the log check can fail
    d.js("console.log('pmc-probe-log'); setTimeout(function () { null.x = 1; }, 0);")
    time.sleep(0.5)
    bad, _ = bad_entries(d.log())
    check("fail: a console message in the page is caught", any("pmc-probe-log" in b for b in bad), bad)
    check("fail: a script error in the page is caught", any("null" in b and "javascript" in b for b in bad), bad)

    # stale: the session stops
    os.kill(int(lp), signal.SIGTERM)
    check("stale: the page says its data is stale once the session is gone",
          wait("stale", lambda: d.text("#fresh").startswith("STALE"), 20), d.text("#fresh"))
    check("stale: the status section names the failure",
          wait("unreach", lambda: "/status" in d.text("#status h2"), 5),
          d.js("return document.querySelector('#status h2').textContent;"))
except Exception as e:  # a step that could not run: named, the rest skipped
    check("the browser steps ran without an error", False, repr(e)[:400])
finally:
    d.quit()
print("browser: %d passed, %d failed" % (passed, failed))
PY
prc=$?
sed 's/^/  /' "$tmp/browser.out" | grep -v '^  ok ' >&2
np=$(grep -c '^ok ' "$tmp/browser.out")
nf=$(grep -c '^FAIL ' "$tmp/browser.out")
pass=$((pass + np))
fail=$((fail + nf))
check "browser: the WebDriver script ran to its end (exit $prc)" \
    sh -c "[ $prc -eq 0 ] && grep -q '^browser: ' '$tmp/browser.out'"
kill -TERM "$lp" 2> /dev/null # already stopped by the stale step, unless it failed
wait "$lp" 2> /dev/null
stop_driver

# what the session journaled: the kill from the page, the killed skip of
# the buy made after it, three orders (before the kill, before, after the
# resume)
"$bin" journal --db "$tmp/dash.db" > "$tmp/dash.tape" 2> "$tmp/journal.err"
check "kill: the page's kill is journaled" grep -q ' ev=kill ' "$tmp/dash.tape"
check "kill: the buy after it is skipped, reason killed" \
    grep -q ' ev=skip .*reason=killed' "$tmp/dash.tape"
check "kill: three orders in the journal, none for the killed buy" \
    [ "$(grep -c ' ev=order ' "$tmp/dash.tape")" -eq 3 ]
if [ "$fail" -gt 0 ]; then
    echo "--- journal" >&2
    grep -v ' ev=book' "$tmp/dash.tape" | tail -20 >&2
    echo "--- pmcopy log" >&2
    tail -20 "$tmp/dash.err" >&2
fi
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
