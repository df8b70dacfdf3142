#!/bin/sh
# tests/cli/live_service.sh - `pmcopy live` as a service (contrib/) against
# the fake Polymarket servers on 127.0.0.1:
#  logfile  - --log-file: every line goes to the file (mode 0640), none to
#             the terminal; contrib/logrotate/pmcopy (its path and signal
#             pointed at this session) rotates it with the real logrotate:
#             the old lines stay in pmcopy.log.1, the session reopens the
#             file on SIGHUP and its next lines (an order, the stop) go to
#             the new pmcopy.log; an unwritable path stops the start with a
#             message naming it.
# Usage: sh tests/cli/live_service.sh path/to/pmcopy
umask 022
name=live_service
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/live_lib.inc"

# ---- logfile ---------------------------------------------------------------
echo "0 book token=101 bids=0.48:300 asks=0.52:2500" > "$tmp/log.sc"
start_fake feeds1 "$feeds" --scenario "$tmp/log.sc" --max-seconds 60
FP=$port
mkdir "$tmp/log"
"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/log.db" --api-port 0 --ready-file "$tmp/log.ready" \
    --copy-mode per_fill --no-mlock --log-file "$tmp/log/pmcopy.log" \
    > "$tmp/log.out" 2> "$tmp/log.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/log.ready"
AP=$(api_port_of "$tmp/log.ready")
check "logfile: the start is logged in the file" grep -q 'event=running' "$tmp/log/pmcopy.log"
check "logfile: nothing on the terminal ($(head -c 200 "$tmp/log.err"))" test ! -s "$tmp/log.err"
check "logfile: mode 0640" test "$(stat -c %a "$tmp/log/pmcopy.log")" = 640
if command -v logrotate > /dev/null; then
    sed -e "s|/var/log/pmcopy/\*.log|$tmp/log/*.log|" \
        -e "s|create 0640 pmcopy pmcopy|create 0640|" \
        -e "s|systemctl kill .*|kill -HUP $lp|" \
        "$here/contrib/logrotate/pmcopy" > "$tmp/logrotate.conf"
    logrotate -f -s "$tmp/logrotate.state" "$tmp/logrotate.conf" 2> "$tmp/logrotate.err"
    check "logfile: logrotate rotated ($(head -c 200 "$tmp/logrotate.err"))" \
        grep -q 'event=running' "$tmp/log/pmcopy.log.1"
    wait_stat $FP rtds_subs 1
    ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=100 tx=$(tx 1) log=1 rtds=0
    wait_status $AP orders_sent 1
    stop_live $lp
    check "logfile: clean stop" test "$rc" = 0
    check "logfile: after SIGHUP the order and the stop go to the new file" \
        sh -c "grep -q 'event=stopped' '$tmp/log/pmcopy.log' && ! grep -q 'event=stopped' '$tmp/log/pmcopy.log.1'"
    check "logfile: the rotated file keeps the first lines only" \
        sh -c "! grep -q 'event=running' '$tmp/log/pmcopy.log'"
else
    bad "logfile: logrotate not installed (tools/deps.sh installs it)"
    stop_live $lp
fi
"$bin" live --paper --trader $A --no-db --rtds-ws "" --book-ws "" \
    --data-api "" --chain-ws "" --log-file "$tmp/nodir/x.log" \
    > /dev/null 2> "$tmp/bad.err"
rc=$?
check "logfile: an unwritable path fails the start (rc $rc)" test "$rc" = 1
check "logfile: the message names the path" grep -q "nodir/x.log" "$tmp/bad.err"

# ---- journal -----------------------------------------------------------------
: > "$tmp/j.err"
js=$(stat -c '%d:%i' "$tmp/j.err")
JOURNAL_STREAM=$js "$bin" live --paper --trader $A --no-db --rtds-ws "" \
    --book-ws "" --data-api "" --chain-ws "" --run-for 1 --no-mlock \
    > /dev/null 2>> "$tmp/j.err"
check "journal: info lines carry <6> ($(head -1 "$tmp/j.err"))" \
    grep -q '^<6>ts=[^ ]* level=info event=running ' "$tmp/j.err"
check "journal: warn lines carry <4>" grep -q '^<4>ts=[^ ]* level=warn event=no_source' "$tmp/j.err"
check "journal: every line has a priority" \
    sh -c "! grep -v '^<[3467]>ts=' '$tmp/j.err'"
JOURNAL_STREAM=1:1 "$bin" live --paper --trader $A --no-db --rtds-ws "" \
    --book-ws "" --data-api "" --chain-ws "" --run-for 1 --no-mlock \
    > /dev/null 2> "$tmp/j2.err"
check "journal: another stream gets plain lines" \
    sh -c "grep -q '^ts=' '$tmp/j2.err' && ! grep -q '^<' '$tmp/j2.err'"

# ---- notify ------------------------------------------------------------------
# the fake manager: every datagram on its socket, one line each (newlines
# as |), until killed
notify_rx() { # socket-path out-file
    python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as f:
    while True:
        d = s.recv(4096).decode()
        f.write(d.replace("\n", "|") + "\n")
PY
    pids="$pids $!"
    for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.05; done
    return 1
}
echo "0 book token=101 bids=0.48:300 asks=0.52:2500" > "$tmp/n.sc"
start_fake feeds2 "$feeds" --scenario "$tmp/n.sc" --max-seconds 60
FP=$port
notify_rx "$tmp/notify.sock" "$tmp/notify.log"
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=400000 "$bin" live --paper \
    --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/n.db" --api-port 0 --ready-file "$tmp/n.ready" --no-mlock \
    > /dev/null 2> "$tmp/n.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/n.ready"
for _ in $(seq 1 100); do grep -q '^READY=1' "$tmp/notify.log" && break; sleep 0.05; done
check "notify: READY=1 with a STATUS line ($(head -1 "$tmp/notify.log"))" \
    grep -q '^READY=1|STATUS=copying 1 traders (paper)$' "$tmp/notify.log"
sleep 1
nw=$(grep -c '^WATCHDOG=1$' "$tmp/notify.log")
check "notify: WATCHDOG=1 about every 200 ms ($nw in ~1 s)" test "$nw" -ge 3
stop_live $lp
sleep 0.2
check "notify: clean stop" test "$rc" = 0
check "notify: READY=1 once" test "$(grep -c '^READY=1' "$tmp/notify.log")" = 1
check "notify: STOPPING=1 is the last message ($(tail -1 "$tmp/notify.log"))" \
    test "$(tail -1 "$tmp/notify.log")" = "STOPPING=1"
# every source off: never ready, so no READY=1
notify_rx "$tmp/notify2.sock" "$tmp/notify2.log"
NOTIFY_SOCKET=$tmp/notify2.sock "$bin" live --paper --trader $A \
    --rtds-ws "" --book-ws "" --data-api "" --chain-ws "" --no-db \
    --run-for 2 --no-mlock > /dev/null 2> "$tmp/n2.err"
check "notify: no source, no READY ($(head -c 100 "$tmp/notify2.log"))" \
    sh -c "! grep -q '^READY=1' '$tmp/notify2.log' && grep -q '^STOPPING=1' '$tmp/notify2.log'"

# ---- alerts ------------------------------------------------------------------
hook_rx() { # out-file: prints the port; each POST body one line; answers 200
    python3 - "$1" <<'PY' &
import http.server, sys
out = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        out.write(self.path + " " + self.rfile.read(n).decode() + "\n")
        self.send_response(200); self.send_header("Content-Length", "2")
        self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
    pids="$pids $!"
}
hook_rx "$tmp/hook.log" > "$tmp/hook.port"
for _ in $(seq 1 100); do [ -s "$tmp/hook.port" ] && break; sleep 0.05; done
HP=$(cat "$tmp/hook.port")
alert_session() { # label extra-args...
    lbl=$1
    shift
    "$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
        --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
        --db "$tmp/$lbl.db" --api-port 0 --ready-file "$tmp/$lbl.ready" \
        --no-mlock "$@" > /dev/null 2> "$tmp/$lbl.err" &
    lp=$!
    pids="$pids $lp"
    wait_ready "$tmp/$lbl.ready"
    AP=$(api_port_of "$tmp/$lbl.ready")
    api "$AP" POST /kill '{"reason":"test"}' > /dev/null
    for _ in $(seq 1 100); do grep -q kill_switch "$tmp/hook.log" && break; sleep 0.05; done
    api "$AP" POST /resume > /dev/null
    for _ in $(seq 1 100); do grep -q kill_switch_off "$tmp/hook.log" && break; sleep 0.05; done
    stop_live $lp
}
start_fake feeds3 "$feeds" --scenario "$tmp/n.sc" --max-seconds 60
FP=$port
PMC_ALERT_WEBHOOK=http://127.0.0.1:$HP/bot123:SECRET/generic alert_session al1
check "alerts: the kill is posted (generic JSON)" \
    grep -q '^/bot123:SECRET/generic {.*"event": *"kill_switch".*"level": *"critical".*"text": *"kill switch on: an operator' "$tmp/hook.log"
check "alerts: the resume is posted" \
    grep -q '^/bot123:SECRET/generic {.*"event": *"kill_switch_off"' "$tmp/hook.log"
check "alerts: the webhook's host is logged, never its path" \
    sh -c "grep -q 'event=alerts_on webhook=http://127.0.0.1:$HP ' '$tmp/al1.err' && ! grep -q SECRET '$tmp/al1.err'"
: > "$tmp/hook.log"
alert_session al2 --alert-webhook "http://127.0.0.1:$HP/bot9:TG/sendMessage" \
    --alert-format telegram --alert-chat 4242
check "alerts: Telegram's format ($(head -c 200 "$tmp/hook.log"))" \
    grep -q '^/bot9:TG/sendMessage {"chat_id": *"4242".*"text": *"pmcopy [^"]* \[critical\] kill_switch: kill switch on' "$tmp/hook.log"
"$bin" live --paper --trader $A --no-db --alert-webhook "http://127.0.0.1:$HP/x" \
    --alert-format telegram > /dev/null 2> "$tmp/al3.err"
check "alerts: Telegram without a chat id refuses to start" \
    grep -q "needs a chat id" "$tmp/al3.err"

# ---- unit --------------------------------------------------------------------
unit=$here/contrib/systemd/pmcopy.service
for k in Type=notify WatchdogSec= Restart=on-failure User=pmcopy \
    NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    LoadCredential=private_key: PMC_PRIVATE_KEY_FILE=%d/private_key \
    StateDirectory=pmcopy UMask=0077; do
    grep -q "^[A-Za-z]*=*$k\|^$k" "$unit" || bad "unit: no $k"
done
ok
# the command line, continuation lines joined; every --option documented
cmdline=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | tr -d '\\\n')
opts=$(echo "$cmdline" | grep -o -- ' --[a-z-]*' | sed 's/^ //')
check "unit: ExecStart runs pmcopy live ($cmdline)" \
    sh -c "echo '$cmdline' | grep -q '^ExecStart=/usr/bin/pmcopy live '"
"$bin" live --help > "$tmp/live.help"
for o in $opts; do
    grep -q -- "^ *$o\b\|^  -., $o\b" "$tmp/live.help" ||
        bad "unit: ExecStart uses $o, which pmcopy live --help does not list"
done
ok
if command -v systemd-analyze > /dev/null; then
    sh "$here/tools/install.sh" install "$bin" "$tmp/gen" "$tmp/inst" /usr > /dev/null
    absbin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    sed "s|/usr/bin/pmcopy|$absbin|" "$unit" > "$tmp/pmcopy.service"
    MANPATH=$tmp/inst/usr/share/man systemd-analyze verify \
        "$tmp/pmcopy.service" > "$tmp/verify.out" 2>&1
    check "unit: systemd-analyze verify ($(head -c 300 "$tmp/verify.out"))" \
        test ! -s "$tmp/verify.out"
    # it can fail: an unknown setting is reported
    sed 's/^WatchdogSec=/WatchdogSecs=/' "$tmp/pmcopy.service" > "$tmp/bad.service"
    MANPATH=$tmp/inst/usr/share/man systemd-analyze verify \
        "$tmp/bad.service" > "$tmp/verify.bad" 2>&1
    check "unit: verify reports a misspelt setting" grep -q "WatchdogSecs" "$tmp/verify.bad"
fi

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
