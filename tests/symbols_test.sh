#!/usr/bin/env bash
# symbols_test.sh - what libedd.so exports: every defined dynamic symbol
# must start with edd_ (the engine is compiled with -fvisibility=hidden and
# exports only what include/edd/*.h declares EDD_API), and every name those
# headers declare EDD_API must be exported (a definition that does not see
# its declaration would be hidden). Given the study's archive and the
# engine's, also: every engine function the study calls is one libedd.so
# exports (the study calls the engine through its public API only). Run by
# `make check`:
#   bash tests/symbols_test.sh build/libedd.so build/libedd-repro.a build/libedd.a
set -euo pipefail
so=${1:-build/libedd.so}
study=${2:-}
engine=${3:-}
[ -e "$so" ] || { echo "symbols_test: $so does not exist (make build/libedd.so)" >&2; exit 1; }

exported=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort -u)
[ -n "$exported" ] || { if [ -n "$study" ]; then
    defined() { nm --defined-only "$1" | awk 'NF == 3 && $2 ~ /[TDBRCV]/ {print $3}' | sort -u; }
    private=$(comm -23 <(nm -u "$study" | awk '{print $NF}' | sort -u) <(defined "$study") |
        comm -12 - <(defined "$engine") | comm -23 - <(echo "$exported"))
    if [ -n "$private" ]; then
        echo "symbols_test: $study calls engine functions of $engine that $so does not export, expected none:" >&2
        sed 's/^/  /' <<<"$private" >&2
        exit 1
    fi
fi
echo "symbols_test: $so exports nothing, expected the edd_* API" >&2; exit 1; }
bad=$(grep -v '^edd_' <<<"$exported" || true)
if [ -n "$bad" ]; then
    if [ -n "$study" ]; then
    defined() { nm --defined-only "$1" | awk 'NF == 3 && $2 ~ /[TDBRCV]/ {print $3}' | sort -u; }
    private=$(comm -23 <(nm -u "$study" | awk '{print $NF}' | sort -u) <(defined "$study") |
        comm -12 - <(defined "$engine") | comm -23 - <(echo "$exported"))
    if [ -n "$private" ]; then
        echo "symbols_test: $study calls engine functions of $engine that $so does not export, expected none:" >&2
        sed 's/^/  /' <<<"$private" >&2
        exit 1
    fi
fi
echo "symbols_test: $so exports $(wc -l <<<"$bad") symbol(s) not starting with edd_, expected none:" >&2
    sed 's/^/  /' <<<"$bad" >&2
    exit 1
fi

# The names declared EDD_API: the identifier just before the declaration's
# first '(' (a function) or '[' (an array), on the line that starts EDD_API.
declared=$(grep -h '^EDD_API ' include/edd/*.h | sed -E 's/^([^([]*[^A-Za-z0-9_([])?([A-Za-z_][A-Za-z0-9_]*) *[([].*/\2/' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
    echo "symbols_test: include/edd/*.h declares EDD_API, but $so does not export:" >&2
    sed 's/^/  /' <<<"$missing" >&2
    exit 1
fi
if [ -n "$study" ]; then
    defined() { nm --defined-only "$1" | awk 'NF == 3 && $2 ~ /[TDBRCV]/ {print $3}' | sort -u; }
    private=$(comm -23 <(nm -u "$study" | awk '{print $NF}' | sort -u) <(defined "$study") |
        comm -12 - <(defined "$engine") | comm -23 - <(echo "$exported"))
    if [ -n "$private" ]; then
        echo "symbols_test: $study calls engine functions of $engine that $so does not export, expected none:" >&2
        sed 's/^/  /' <<<"$private" >&2
        exit 1
    fi
fi
echo "symbols_test: $so exports $(wc -l <<<"$exported") symbols, all edd_*, all declared EDD_API in include/edd/*.h"
