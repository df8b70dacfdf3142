#!/bin/sh
# core/ must stay pure: its objects may only reference libc memory/string
# helpers and pmc_panic; its sources may not call clock, stdio, env,
# randomness or allocation functions.
set -u
allowed='^(memcpy|memmove|memset|memcmp|memchr|strlen|strcmp|strncmp|strchr|pmc_panic|__stack_chk_fail|__ubsan_.*|__asan_.*|__sanitizer_.*|_GLOBAL_OFFSET_TABLE_)$'
bad=$(for o in "$@"; do nm -u "$o" | awk '{print $2}'; done | sort -u | grep -Ev "$allowed" || true)
grep_bad=$(grep -nE '\b(time|clock_gettime|gettimeofday|rand|random|srand|getenv|printf|fprintf|sprintf|snprintf|fopen|fread|fwrite|malloc|calloc|realloc|free|exit|abort)\s*\(' core/*.c core/*.h || true)
if [ -n "$bad" ] || [ -n "$grep_bad" ]; then
    echo "purity: core/ is not pure"
    [ -n "$bad" ] && echo "undefined symbols:" && echo "$bad"
    [ -n "$grep_bad" ] && echo "banned calls:" && echo "$grep_bad"
    exit 1
fi
echo "purity: core/ objects reference only: $(for o in "$@"; do nm -u "$o" | awk '{print $2}'; done | sort -u | tr '\n' ' ')"
