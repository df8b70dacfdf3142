#!/bin/sh
# tests/cli/live_api.sh - the local API of `pmcopy live --paper` against
# the fake servers: who may call it, and that load does not lock the
# operator out.
#
#  token   - without PMC_API_TOKEN the session creates DB-api-token beside
#            the store: mode 0600, 64 hex digits, reused at the next start;
#            the log names the file (event=api_listening token_file=...)
#            and never holds the token; a token file others can read is
#            refused at start, naming the path and the mode.
#  auth    - /health and /ready answer without a token; /status without a
#            token and with a wrong one is 401 (the same answer); with the
#            token it is 200.
#  browser - a foreign Origin is 403 (and a POST /kill from it kills
#            nothing); a Host other than 127.0.0.1:PORT / localhost:PORT
#            (DNS rebinding) is 403.
#  halfclose - a request followed by a half-close is answered.
#  load    - 200 concurrent /status clients and 20 slow clients (half a
#            request, then silence): /ready and /status keep answering
#            (/status may say 503 busy, with the reason, while the loop's
#            queue is full, but gets through), every concurrent client
#            gets an answer, at least half of them 200, the slow ones are closed by
#            the server's timeout.
#  limit   - 300 idle connections (more than the 256 the server takes):
#            the log reports the limit (event=api_limit), and /health is
#            answered once the idle ones time out.
#  nodb    - --no-db: the token file goes beside --ready-file; with
#            neither, PMC_API_TOKEN is required; a short one is refused.
# Usage: sh tests/cli/live_api.sh path/to/pmcopy
name=live_api
. "$(dirname "$0")/live_lib.inc"

echo "0 book token=303 bids=0.48:300 asks=0.52:2500" > "$tmp/api.sc"
start_fake feeds "$feeds" --scenario "$tmp/api.sc" --max-seconds 120
FP=$port
start_live() { # extra env/args: the session on $tmp/api.db, port in $AP
    rm -f "$tmp/api.ready"
    env -u PMC_API_TOKEN "$bin" live --paper --trader $A \
        --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market \
        --data-api "" --chain-ws "" --db "$tmp/api.db" --api-port 0 \
        --ready-file "$tmp/api.ready" --no-mlock --quiet "$@" \
        > /dev/null 2>> "$tmp/api.err" &
    lp=$!
    pids="$pids $lp"
    wait_ready "$tmp/api.ready" || {
        echo "$name: pmcopy live did not start: $(cat "$tmp/api.err")"
        exit 1
    }
    AP=$(api_port_of "$tmp/api.ready")
}

# ---- token ------------------------------------------------------------------
umask 022
start_live
tf="$tmp/api.db-api-token"
check "token: the token file is created beside the store" test -f "$tf"
check "token: its mode is 0600 under umask 022 (got $(stat -c %a "$tf"))" \
    [ "$(stat -c %a "$tf")" = 600 ]
T=$(cat "$tf")
check "token: 64 hex digits" sh -c "echo '$T' | grep -qx '[0-9a-f]\{64\}'"
check "token: the log names the token file" \
    grep -q "event=api_listening port=$AP token_file=$tf" "$tmp/api.err"
export PMC_API_TOKEN="$T" # what api/api_code send

# ---- auth -------------------------------------------------------------------
code() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
check "auth: /health without a token" \
    test "$(code "http://127.0.0.1:$AP/health")" = 200
st=$(code "http://127.0.0.1:$AP/ready")
check "auth: /ready without a token answers 200 or 503 (got $st)" \
    sh -c "[ '$st' = 200 -o '$st' = 503 ] && grep -q '\"ready\":' '$tmp/body'"
check "auth: /status without a token is 401" \
    test "$(code "http://127.0.0.1:$AP/status")" = 401
cp "$tmp/body" "$tmp/body.none"
check "auth: /status with a wrong token is 401" \
    test "$(code -H "Authorization: Bearer 0$T" "http://127.0.0.1:$AP/status")" = 401
check "auth: a missing and a wrong token get the same answer" \
    cmp -s "$tmp/body" "$tmp/body.none"
check "auth: POST /kill without a token is 401" \
    test "$(code -X POST "http://127.0.0.1:$AP/kill")" = 401
check "auth: /status with the token" api_has "$AP" GET /status '"mode":"paper"'

# ---- browser ----------------------------------------------------------------
check "browser: a foreign Origin is 403" \
    test "$(code -H "Authorization: Bearer $T" -H 'Origin: http://evil.example' \
        "http://127.0.0.1:$AP/status")" = 403
check "browser: a POST /kill from a foreign Origin is 403" \
    test "$(code -X POST -H "Authorization: Bearer $T" \
        -H 'Origin: http://evil.example' -H 'Content-Type: text/plain' \
        --data '{}' "http://127.0.0.1:$AP/kill")" = 403
check "browser: our own Origin is fine" \
    test "$(code -H "Authorization: Bearer $T" -H "Origin: http://localhost:$AP" \
        "http://127.0.0.1:$AP/status")" = 200
check "browser: a Host that is not ours (DNS rebinding) is 403" \
    test "$(code -H "Host: evil.example:$AP" "http://127.0.0.1:$AP/health")" = 403
check "browser: the refused kill killed nothing" \
    api_has "$AP" GET /status '"killed":false'

# ---- half-close ----------------------------------------------------------------
st=$(raw_status $AP "GET /status HTTP/1.1\\r\\nHost: 127.0.0.1:$AP\\r\\nAuthorization: Bearer $T\\r\\n\\r\\n" half)
check "halfclose: /status then a half-close is answered (got $st)" [ "$st" = 200 ]
st=$(raw_status $AP "GET /health HTTP/1.1\\r\\nHost: 127.0.0.1:$AP\\r\\n\\r\\n" half)
check "halfclose: /health then a half-close is answered (got $st)" [ "$st" = 200 ]

# ---- load -------------------------------------------------------------------
python3 - "$AP" "$T" > "$tmp/load.out" 2>&1 << 'PY'
import socket, sys, threading, time
port, tok = int(sys.argv[1]), sys.argv[2]
def request(path, auth=True, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    h = "Authorization: Bearer %s\r\n" % tok if auth else ""
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n"
               % (path, port, h)).encode())
    d = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        d += c
    s.close()
    return int(d.split(b" ")[1]) if b" " in d else 0
slow = []
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(("GET /status HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port).encode())
    slow.append(s)
codes = {}
lock = threading.Lock()
go = threading.Event()
def client():
    go.wait()
    try:
        c = request("/status")
    except Exception as e:
        c = type(e).__name__
    with lock:
        codes[c] = codes.get(c, 0) + 1
ts = [threading.Thread(target=client) for _ in range(200)]
for t in ts:
    t.start()
t0 = time.time()
go.set()
# the operator's calls while the load runs
probe = []
for _ in range(10):
    a = time.time()
    r, st = request("/ready", auth=False), request("/status")
    probe.append((r, st, time.time() - a))
for t in ts:
    t.join()
took = time.time() - t0
print("concurrent:", " ".join("%s=%d" % (k, v) for k, v in sorted(codes.items(), key=str)))
print("probe_ready_ok: %d" % sum(1 for r, s, _ in probe if r in (200, 503)))
print("probe_status_ok: %d" % sum(1 for r, s, _ in probe if s in (200, 503)))
print("probe_status_200: %d" % sum(1 for r, s, _ in probe if s == 200))
print("probe_max_s: %.3f" % max(d for _, _, d in probe))
print("load_s: %.3f" % took)
# the slow ones: closed by the server within its idle timeout (5 s) + slack
closed = 0
for s in slow:
    s.settimeout(max(0.1, 12 - (time.time() - t0)))
    try:
        s.recv(4096)  # b"" (closed) or an error answer: the server ended it
        closed += 1
    except socket.timeout:
        pass
    except OSError:
        closed += 1
print("slow_closed: %d" % closed)
PY
cat "$tmp/load.out" >&2
n200=$(sed -n 's/.*concurrent:.* 200=\([0-9]*\).*/\1/p' "$tmp/load.out")
nans=$(sed -n 's/^concurrent: //p' "$tmp/load.out" | tr ' ' '\n' | awk -F= '$1 == 200 || $1 == 503 {n += $2} END {print n + 0}')
check "load: every one of 200 concurrent clients is answered (200, or 503 with the reason when the queue is full) ($(sed -n 's/^concurrent: //p' "$tmp/load.out"))" \
    [ "${nans:-0}" -eq 200 ]
check "load: at least half of the concurrent /status are served (${n200:-0} of 200)" \
    [ "${n200:-0}" -ge 100 ]
check "load: /ready answered all 10 probes under load" \
    grep -q '^probe_ready_ok: 10$' "$tmp/load.out"
check "load: /status answered all 10 probes under load (200, or 503 busy)" \
    grep -q '^probe_status_ok: 10$' "$tmp/load.out"
check "load: the operator's /status got through under load" \
    grep -q '^probe_status_200: [1-9]' "$tmp/load.out"
check "load: the 20 slow clients were closed by the server" \
    grep -q '^slow_closed: 20$' "$tmp/load.out"
check "load: /ready and /status answer after the load" \
    sh -c "curl -sf -m 5 http://127.0.0.1:$AP/ready > /dev/null || test \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$AP/ready)\" = 503"
check "load: /status after the load" api_has "$AP" GET /status '"mode":"paper"'

# ---- limit ------------------------------------------------------------------
python3 - "$AP" > "$tmp/limit.out" 2>&1 << 'PY'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(300)]
time.sleep(1.5)  # the loop reports at most once a second
t0 = time.time()
try:
    c = urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=15).status
except Exception as e:
    c = type(e).__name__
print("health: %s after %.1f s" % (c, time.time() - t0))
for s in idle:
    s.close()
PY
cat "$tmp/limit.out" >&2
check "limit: /health answers once the idle connections time out ($(cat "$tmp/limit.out"))" \
    grep -q '^health: 200 ' "$tmp/limit.out"
check "limit: the log reports the connection limit" \
    grep -q 'event=api_limit conn_limit_hits=[1-9][0-9]* conn_max=256' "$tmp/api.err"
api "$AP" GET /metrics > "$tmp/metrics.txt"
check "limit: /metrics counts the limit and the refusals" \
    sh -c "grep -q '^pmcopy_api_connection_limit_hits_total [1-9]' '$tmp/metrics.txt' && grep -q '^pmcopy_api_unauthorized_total [1-9]' '$tmp/metrics.txt' && grep -q '^pmcopy_api_forbidden_total [1-9]' '$tmp/metrics.txt'"
stop_live $lp
check "token: the session stopped cleanly (exit $rc)" [ "$rc" -eq 0 ]
check "token: the token never reaches the log" sh -c "! grep -qF '$T' '$tmp/api.err'"

# ---- the token file is reused, and refused when others can read it ------------
start_live
check "token: the next start reuses the token file" \
    sh -c "[ \"\$(cat '$tf')\" = '$T' ] && grep -q 'token_file=$tf\$' '$tmp/api.err'"
stop_live $lp
chmod 644 "$tf"
env -u PMC_API_TOKEN "$bin" live --paper --trader $A --rtds-ws "" --book-ws "" \
    --data-api "" --chain-ws "" --db "$tmp/api.db" --api-port 0 --no-mlock \
    --run-for 5 > /dev/null 2> "$tmp/loose.err"
rc=$?
check "token: a token file others can read refuses the start (exit $rc)" [ "$rc" -ne 0 ]
check "token: ... naming the path and the mode" \
    grep -q "api token file $tf has mode 0644" "$tmp/loose.err"
check "token: ... without the token" sh -c "! grep -qF '$T' '$tmp/loose.err'"

# ---- without a store ------------------------------------------------------------
env -u PMC_API_TOKEN "$bin" live --paper --trader $A --rtds-ws "" --book-ws "" \
    --data-api "" --chain-ws "" --no-db --api-port 0 --no-mlock --run-for 1 \
    > /dev/null 2> "$tmp/nodb.err"
rc=$?
check "nodb: no store, no ready file and no PMC_API_TOKEN refuses the start (exit $rc)" \
    sh -c "[ $rc -ne 0 ] && grep -q 'set PMC_API_TOKEN' '$tmp/nodb.err'"
env -u PMC_API_TOKEN "$bin" live --paper --trader $A --rtds-ws "" --book-ws "" \
    --data-api "" --chain-ws "" --no-db --api-port 0 --no-mlock --run-for 1 \
    --ready-file "$tmp/nodb.ready" > /dev/null 2> "$tmp/nodb.err"
rc=$?
check "nodb: ... with a ready file the token goes beside it, 0600 (exit $rc)" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(stat -c %a '$tmp/nodb.ready-api-token')\" = 600 ] && grep -q 'token_file=$tmp/nodb.ready-api-token' '$tmp/nodb.err'"
PMC_API_TOKEN=short "$bin" live --paper --trader $A --rtds-ws "" --book-ws "" \
    --data-api "" --chain-ws "" --no-db --api-port 0 --no-mlock --run-for 1 \
    > /dev/null 2> "$tmp/short.err"
rc=$?
check "nodb: a PMC_API_TOKEN shorter than 16 characters is refused (exit $rc)" \
    sh -c "[ $rc -ne 0 ] && grep -q 'PMC_API_TOKEN: not a token' '$tmp/short.err'"

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
