#!/bin/sh
# pmcopy decide / replay on bad input: every case must exit non-zero with a
# precise message naming the place and the rule, and never crash.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
A=0x1111111111111111111111111111111111111111
H='#pmcopy-tape v1'
F="ev=fill trader=$A token=1 side=BUY"

# expect NAME EXIT_CODE MESSAGE_SUBSTRING [decide args...] < input
expect() {
    name=$1 want=$2 msg=$3
    shift 3
    "$bin" decide "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "decide_errors: $name: exit $rc, want $want ($(head -c 300 "$tmp/err"))"; fail=$((fail + 1)); return
    fi
    if [ "$rc" -ge 128 ]; then
        echo "decide_errors: $name: crashed"; fail=$((fail + 1)); return
    fi
    if ! grep -qF -- "$msg" "$tmp/err"; then
        echo "decide_errors: $name: message lacks '$msg': $(cat "$tmp/err")"; fail=$((fail + 1)); return
    fi
    pass=$((pass + 1))
}

printf '%s\nt=1 %s px=0.5 sz=1 key=a\nt=2 ev=fill trader=%s token=1 side=BUY px=1.5 sz=1 key=b\n' "$H" "$F" "$A" > "$tmp/in"; expect price_above_one 1 "<stdin>:3: bad px=1.5: price must be in (0,1)" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0 sz=1 key=a\n' "$H" "$F" > "$tmp/in"; expect price_zero 1 "<stdin>:2: bad px=0" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.5 sz=-3 key=a\n' "$H" "$F" > "$tmp/in"; expect negative_size 1 "<stdin>:2: bad sz=-3: size must be > 0" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.5 sz=5000000000 key=a\n' "$H" "$F" > "$tmp/in"; expect absurd_size 1 "bad sz=5000000000: size must be > 0 and at most 1e9 shares" --trader $A < "$tmp/in"
printf '%s\nt=1 ev=fill trader=%s token=1 side=HOLD px=0.5 sz=1 key=a\n' "$H" "$A" > "$tmp/in"; expect unknown_side 1 "bad side=HOLD: side is BUY or SELL" --trader $A < "$tmp/in"
printf '%s\nt=5 %s px=0.5 sz=1 key=a\nt=4 %s px=0.5 sz=1 key=b\n' "$H" "$F" "$F" > "$tmp/in"; expect time_backwards 1 "<stdin>:3: t=4 goes back in time" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.5 sz=1\n' "$H" "$F" > "$tmp/in"; expect missing_key 1 "<stdin>:2: missing key" --trader $A < "$tmp/in"
printf '%s\nt=1 ev=bogus\n' "$H" > "$tmp/in"; expect unknown_kind 1 "unknown record kind ev=bogus" --trader $A < "$tmp/in"
printf 't=1 %s px=0.5 sz=1 key=a\n' "$F" > "$tmp/in"; expect no_header 1 "<stdin>:1: not a pmcopy tape" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.5 sz=1 key=a px=0.6\n' "$H" "$F" > "$tmp/in"; expect repeated_key 1 "repeated key px" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.1234567 sz=1 key=a\n' "$H" "$F" > "$tmp/in"; expect seven_decimals 1 "more than 6 decimal places" --trader $A < "$tmp/in"
printf '%s\nt=1 %s px=0.5 sz=1 key=a\nt=2 ev=fill trader=0x12 token=1 side=BUY px=0.5 sz=1 key=b\n' "$H" "$F" > "$tmp/in"; expect bad_address 1 "<stdin>:3: bad trader=0x12" --trader $A < "$tmp/in"
# a 10 MB line: refused without buffering it whole
{ echo "$H"; printf 't=1 ev=fill reason='; head -c 10000000 /dev/zero | tr '\0' 'x'; echo; } > "$tmp/in"; expect huge_line 1 "<stdin>:2: line too long (more than 65536 bytes)" --trader $A < "$tmp/in"
# configuration
printf '%s\n' "$H" > "$tmp/in"; expect bad_config_value 1 "config: max_slippage=1: must be in [0, 1)" --set max_slippage=1 < "$tmp/in"
printf '%s\n' "$H" > "$tmp/in"; expect bad_ratio 1 "config: ratio=0: must be in (0, 1000]" --ratio 0 < "$tmp/in"
printf '%s\n' "$H" > "$tmp/in"; expect bad_mode 1 "config: copy_mode=fast: must be per_fill, aggregate or intent_net (from flag --copy_mode)" --copy-mode fast < "$tmp/in"
echo '{"copy_mode": "per_fill", "slipage": 0.01}' > "$tmp/bad.json"
printf '%s\n' "$H" > "$tmp/in"; expect unknown_config_key 1 "unknown key 'slipage'" --config "$tmp/bad.json" < "$tmp/in"
echo '{"coalesce_ms": "abc"}' > "$tmp/bad2.json"
printf '%s\n' "$H" > "$tmp/in"; expect wrong_type 1 "config: coalesce_ms=abc: not an integer" --config "$tmp/bad2.json" < "$tmp/in"
echo '{"coalesce_ms": 300,' > "$tmp/bad3.json"
printf '%s\n' "$H" > "$tmp/in"; expect truncated_json 1 "invalid JSON" --config "$tmp/bad3.json" < "$tmp/in"
printf '%s\n' "$H" > "$tmp/in"; expect bad_trader 1 "an address is 40 hex digits" --trader 0xnothex < "$tmp/in"
printf '%s\n' "$H" > "$tmp/in"; COALESCE_MS=-5; export COALESCE_MS; expect bad_env 1 "config: coalesce_ms=-5: must be 0..3600000 ms"  < "$tmp/in"; unset COALESCE_MS
printf '%s\n' "$H" > "$tmp/in"; expect unknown_flag 2 "unknown option '--frobnicate'" --frobnicate < "$tmp/in"
# usage
"$bin" replay > /dev/null 2>&1; rc=$?
if [ "$rc" -eq 2 ]; then pass=$((pass + 1)); else echo "decide_errors: replay without FILE: exit $rc, want 2"; fail=$((fail + 1)); fi
"$bin" nosuchcommand > /dev/null 2>&1; rc=$?
if [ "$rc" -eq 2 ]; then pass=$((pass + 1)); else echo "decide_errors: unknown command: exit $rc, want 2"; fail=$((fail + 1)); fi
# env precedence: flags beat env beat file
echo '{"coalesce_ms": 100}' > "$tmp/c.json"
printf '%s\nt=1000 %s px=0.5 sz=100 key=a\nt=9999 ev=trade token=1 px=0.5 sz=1\n' "$H" "$F" > "$tmp/p.tape"
out=$(COALESCE_MS=200 "$bin" decide --config "$tmp/c.json" --trader $A --coalesce-ms 300 < "$tmp/p.tape" | grep -c 't=1300 ev=order')
if [ "$out" = 1 ]; then pass=$((pass + 1)); else echo "decide_errors: flag did not win over env/file"; fail=$((fail + 1)); fi
out=$(COALESCE_MS=200 "$bin" decide --config "$tmp/c.json" --trader $A < "$tmp/p.tape" | grep -c 't=1200 ev=order')
if [ "$out" = 1 ]; then pass=$((pass + 1)); else echo "decide_errors: env did not win over file"; fail=$((fail + 1)); fi
echo "decide_errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
