#!/bin/sh
# core/ must stay pure: its objects may only reference libc memory/string
# helpers, the compiler's 128-bit arithmetic helpers, each other, and
# pmc_panic; its sources may not call clock, stdio, env, randomness or
# allocation functions.
set -u
allowed='^(memcpy|memmove|memset|memcmp|memchr|strlen|strcmp|strncmp|strchr|pmc_panic|__(u)?(div|mod|divmod)ti[34]|__stack_chk_fail|__ubsan_.*|__asan_.*|__sanitizer_.*|_GLOBAL_OFFSET_TABLE_)$'
defined=$(for o in "$@"; do nm --defined-only "$o" | awk '{print $3}'; done | sort -u)
undef=$(for o in "$@"; do nm -u "$o" | awk '{print $2}'; done | sort -u)
external=$(printf '%s\n' "$undef" | grep -vxF -e "$defined" | grep -v '^$' || true)
bad=$(printf '%s\n' "$external" | grep -Ev "$allowed" | grep -v '^$' || true)
grep_bad=$(grep -nE '\b(time|clock_gettime|gettimeofday|rand|random|srand|getenv|printf|fprintf|sprintf|snprintf|fopen|fread|fwrite|malloc|calloc|realloc|free|exit|abort)\s*\(' core/*.c core/*.h || true)
float_bad=$(grep -nE '^[^*/]*\b(float|double)\b' core/*.c core/*.h | grep -v '^[^:]*:[0-9]*: *\*' || true)
if [ -n "$bad" ] || [ -n "$grep_bad" ] || [ -n "$float_bad" ]; then
    echo "purity: core/ is not pure"
    [ -n "$bad" ] && echo "undefined symbols:" && echo "$bad"
    [ -n "$grep_bad" ] && echo "banned calls:" && echo "$grep_bad"
    [ -n "$float_bad" ] && echo "floating point:" && echo "$float_bad"
    exit 1
fi
echo "purity: core/ ($# objects) references only: $(printf '%s\n' "$external" | tr '\n' ' ')"
echo "purity: 1 passed, 0 failed"
