#!/bin/sh
# tests/cli/order_sign.sh - end-to-end test of `pmcopy order sign`: the
# protocol reference 8.3 vectors A, B and C (body and digest, byte for
# byte), key handling (env, 0600 file, 0644 file refused) and input errors.
# Usage: sh tests/cli/order_sign.sh path/to/pmcopy
set -u
bin=${1:?usage: order_sign.sh path/to/pmcopy}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Public Hardhat/Anvil test key #0 (reference 8.0), never a real key.
KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
KEYHEX=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
OWNER=00000000-0000-0000-0000-000000000000
TOKEN_A=21742633143463906290569050155826241533067272736897614950488156847949938836455
TOKEN_B=48331043336612883890938759509493159234755048973500640148014422747788308965732
Z64=0000000000000000000000000000000000000000000000000000000000000000

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "order_sign: FAIL: $*" >&2; }

# run NAME INPUT [ARGS...]: stdout -> $tmp/out, stderr -> $tmp/err, rc -> $rc
run() {
    printf '%s' "$2" >"$tmp/in"
    shift 2
    env PMC_PRIVATE_KEY="$KEY" PMC_API_KEY="$OWNER" "$bin" order sign "$@" \
        <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

expect_body() { # name, expected output file
    if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$2"; then ok; else
        bad "$1 (rc=$rc)"
        diff "$2" "$tmp/out" >&2
        cat "$tmp/err" >&2
    fi
}

# expect_err NAME RC NEEDLE: exit code and a stderr message containing NEEDLE;
# the key must never appear in any output.
expect_err() {
    if [ "$rc" -ne "$2" ]; then
        bad "$1: exit $rc, want $2"
        cat "$tmp/err" >&2
    elif ! grep -qF -- "$3" "$tmp/err"; then
        bad "$1: stderr lacks '$3'"
        cat "$tmp/err" >&2
    elif [ -s "$tmp/out" ]; then
        bad "$1: printed a body on failure"
    else
        ok
    fi
}

no_secret() {
    if grep -qi "$KEYHEX" "$tmp/out" "$tmp/err"; then
        bad "$1: the private key appears in the output"
    else ok; fi
}

# ---- vector A: CTF Exchange V2, EOA, BUY 10 @ 0.55, GTC (numbers as JSON
# numbers, read exactly)
cat >"$tmp/a.want" <<END
{"deferExec":false,"postOnly":false,"order":{"salt":123456789,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","tokenId":"$TOKEN_A","makerAmount":"5500000","takerAmount":"10000000","side":"BUY","signatureType":0,"timestamp":"1767225600000","expiration":"0","metadata":"0x$Z64","builder":"0x$Z64","signature":"0x3d247e86080c2dc6fb330551a9e0b0bfd5093b9547e021d0c286b598cb2e0554375ac64e8dc4e888d02e6a164979a3d32565c430cfddcff32531ba4b5edf71301c"},"owner":"$OWNER","orderType":"GTC"}
0x2099ae4763976e86de0a51496d5038565daef977e8efc6b79b8c48d65b8e72c4
0xafe9a5ad2aa2f2cc93a7fb955f056f7b399adab65fe3d035d802d8747980a20d
END
A_IN='{"token_id": "'$TOKEN_A'", "side": "BUY", "kind": "limit",
 "price": 0.55, "size": 10, "tick_size": "0.01", "exchange": "v2",
 "order_type": "GTC", "salt": 123456789, "timestamp": 1767225600000}'
run A "$A_IN" --digest
expect_body "vector A" "$tmp/a.want"

# the same with strings, neg_risk=false instead of exchange, token as a
# JSON number, and no --digest: first line only
head -n 1 "$tmp/a.want" >"$tmp/a1.want"
run A2 '{"token_id": '$TOKEN_A', "side": "BUY", "kind": "limit",
 "price": "0.550", "size": "10.00", "tick_size": 0.01, "neg_risk": false,
 "order_type": "GTC", "salt": "123456789", "timestamp": "1767225600000",
 "signature_type": 0, "maker": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}'
expect_body "vector A (strings, neg_risk)" "$tmp/a1.want"

# ---- vector B: NegRisk V2, POLY_GNOSIS_SAFE, SELL 25 @ 0.42, GTD
cat >"$tmp/b.want" <<END
{"deferExec":false,"postOnly":false,"order":{"salt":987654321012,"maker":"0x1111111111111111111111111111111111111111","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","tokenId":"$TOKEN_B","makerAmount":"25000000","takerAmount":"10500000","side":"SELL","signatureType":2,"timestamp":"1767225601234","expiration":"1767229200","metadata":"0x$Z64","builder":"0x$Z64","signature":"0x2975d2c18e2f35e256a13cdcd39b4cb6f7cc41c67c8bca986001b47ffcbc954822e27843f2afd62c6cc454af6eb6107d1b58d746a200a9003069e4a0367863bf1b"},"owner":"$OWNER","orderType":"GTD"}
0xd37a8de7bd3ca01d7d8d98c2e61fff754d3d30e90b29d900e30d11d79bb63402
0x90ffcd87cb998c5d2499da2eb89a69ddce56743b07122fb94590fe9f3a118be2
END
run B '{"token_id": "'$TOKEN_B'", "side": "SELL", "kind": "limit",
 "price": 0.42, "size": 25, "tick_size": "0.01", "neg_risk": true,
 "order_type": "GTD", "expiration": 1767229200, "signature_type": 2,
 "maker": "0x1111111111111111111111111111111111111111",
 "salt": 987654321012, "timestamp": 1767225601234}' --digest
expect_body "vector B" "$tmp/b.want"

# ---- vector C: ExchangeV3, POLY_PROXY, market BUY $1 @ worst 0.30, FOK,
# builder code
cat >"$tmp/c.want" <<END
{"deferExec":false,"postOnly":false,"order":{"salt":42,"maker":"0x2222222222222222222222222222222222222222","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","tokenId":"$TOKEN_A","makerAmount":"1000000","takerAmount":"3333300","side":"BUY","signatureType":1,"timestamp":"1767225602000","expiration":"0","metadata":"0x$Z64","builder":"0x00000000000000000000000000000000000000000000000000000000000000ab","signature":"0x12f793ac3387cce3c3142754b3546887e687dcdc65cfbc777d697773b57fe17e749156166822bd5e75ad786babbfa61d4f875909478e4acc9842ea4abe0535431c"},"owner":"$OWNER","orderType":"FOK"}
0xc19a67176fd1638a3e77877da7b272fafe9926841febc56ae3771eb5d4ffe16d
0x43adb685146a3d7822d8ced602e32f33977fd580da4521acbba3f9d529401574
END
C_IN='{"token_id": "'$TOKEN_A'", "side": "BUY", "kind": "market",
 "price": 0.3, "amount": 1, "tick_size": "0.01", "exchange": "v3",
 "order_type": "FOK", "signature_type": 1,
 "maker": "0x2222222222222222222222222222222222222222", "salt": 42,
 "timestamp": 1767225602000,
 "builder": "0x00000000000000000000000000000000000000000000000000000000000000ab"}'
run C "$C_IN" --digest
expect_body "vector C" "$tmp/c.want"

# ---- key from a 0600 file gives the same bytes; 0644 is refused
printf '%s\n' "$KEY" >"$tmp/key"
chmod 600 "$tmp/key"
printf '%s' "$A_IN" >"$tmp/in"
env -u PMC_PRIVATE_KEY PMC_PRIVATE_KEY_FILE="$tmp/key" PMC_API_KEY="$OWNER" \
    "$bin" order sign --digest <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_body "key file 0600" "$tmp/a.want"

chmod 644 "$tmp/key"
env -u PMC_PRIVATE_KEY PMC_PRIVATE_KEY_FILE="$tmp/key" PMC_API_KEY="$OWNER" \
    "$bin" order sign <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_err "key file 0644" 1 "has mode 0644; it must be 0600 or stricter"
no_secret "key file 0644"

# a malformed key is reported without echoing it
printf '%s' "$A_IN" >"$tmp/in"
env PMC_PRIVATE_KEY="${KEY}00" PMC_API_KEY="$OWNER" "$bin" order sign \
    <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_err "bad key" 1 "PMC_PRIVATE_KEY is not a valid secp256k1 private key"
no_secret "bad key"

env -u PMC_PRIVATE_KEY -u PMC_PRIVATE_KEY_FILE PMC_API_KEY="$OWNER" \
    "$bin" order sign <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_err "no key" 1 "no signing key"

env -u PMC_API_KEY PMC_PRIVATE_KEY="$KEY" "$bin" order sign \
    <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_err "no api key" 1 "PMC_API_KEY is not set"

# ---- input errors: key, value and rule are named
BASE='"token_id": "'$TOKEN_A'", "side": "BUY", "kind": "limit", "size": 10,
 "exchange": "v2", "order_type": "GTC", "salt": 1, "timestamp": 1'
run unknown "{$BASE, \"price\": 0.55, \"tick_size\": \"0.01\", \"colour\": 1}"
expect_err "unknown key" 1 "unknown input key 'colour'"
no_secret "unknown key"
run badtick "{$BASE, \"price\": 0.55, \"tick_size\": \"0.02\"}"
expect_err "bad tick" 1 "tick_size '0.02' must be one of"
run offgrid "{$BASE, \"price\": 0.555, \"tick_size\": \"0.01\"}"
expect_err "price off grid" 1 "price 0.555 is not on the 0.01 tick grid"
run range "{$BASE, \"price\": 1.5, \"tick_size\": \"0.01\"}"
expect_err "price out of range" 1 "price 1.5 is outside (0, 1)"
run toomany "{$BASE, \"price\": 0.5500001, \"tick_size\": \"0.01\"}"
expect_err "7 decimals" 1 "price '0.5500001' must be a plain decimal"
run huge '{"token_id": "1", "side": "BUY", "kind": "limit", "size": "99999999999999999999",
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC"}'
expect_err "a size too large says so" 1 "size '99999999999999999999' is too large"
run hugesalt '{"token_id": "1", "side": "BUY", "kind": "limit", "size": 10, "salt": "99999999999999999999999",
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC"}'
expect_err "an integer too large says so" 1 "salt '99999999999999999999999' is too large (at most"
run small '{"token_id": "1", "side": "BUY", "kind": "limit", "size": 4.5,
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC"}'
expect_err "below minimum size" 1 "below the minimum order size 5 shares"
run mkt '{"token_id": "1", "side": "BUY", "kind": "market", "amount": 0.5,
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "FOK"}'
expect_err "below minimum buy" 1 "below the minimum marketable buy of 1 USD"
run side "{$BASE, \"price\": 0.55, \"tick_size\": \"0.01\", \"side\": \"buy\"}"
expect_err "duplicate key" 1 "stdin"
run side2 '{"token_id": "1", "side": "buy", "kind": "limit", "size": 10,
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC"}'
expect_err "bad side" 1 "side 'buy' must be BUY or SELL"
run conflict "{$BASE, \"price\": 0.55, \"tick_size\": \"0.01\", \"neg_risk\": true}"
expect_err "neg_risk conflict" 1 "neg_risk true contradicts exchange 'v2'"
run v1 '{"token_id": "1", "side": "BUY", "kind": "limit", "size": 10,
 "price": 0.5, "tick_size": "0.01", "exchange": "v1", "order_type": "GTC"}'
expect_err "v1 exchange" 1 "exchange 'v1' must be v2, v2-negrisk or v3"
run salt '{"token_id": "1", "side": "BUY", "kind": "limit", "size": 10,
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC",
 "salt": 9007199254740992}'
expect_err "salt >= 2^53" 1 "salt '9007199254740992' is too large (at most 9007199254740991)"
run json '{"token_id": '
expect_err "malformed JSON" 1 "stdin:"
run notobj '[1, 2]'
expect_err "not an object" 1 "expected one JSON object"
run proxy "{$BASE, \"price\": 0.55, \"tick_size\": \"0.01\", \"signature_type\": 1}"
expect_err "proxy without maker" 1 "maker (the proxy wallet address) is required"

# ---- usage
run usage '{}' --bogus
expect_err "unknown flag" 2 "unknown option '--bogus'"
"$bin" order sign --help >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q "usage: pmcopy order sign" "$tmp/out"; then ok; else bad "--help"; fi
"$bin" order frobnicate >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_err "unknown subcommand" 2 "unknown subcommand"

# ---- defaults: random salt < 2^53 and a current timestamp are filled in
run defaults '{"token_id": "1", "side": "SELL", "kind": "limit", "size": 5,
 "price": 0.5, "tick_size": "0.01", "exchange": "v2", "order_type": "GTC"}'
if [ "$rc" -eq 0 ] && grep -q '"salt":[0-9]*,' "$tmp/out" &&
    grep -q '"timestamp":"1[0-9]\{12\}"' "$tmp/out"; then ok; else
    bad "defaults (rc=$rc)"
    cat "$tmp/err" >&2
fi

echo "order_sign: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
