#!/usr/bin/env bash
# man_test.sh - the installed edd(1) page (scripts/man.sh): it renders with
# man, has the sections a man page has (NAME, SYNOPSIS, EXIT STATUS with
# 0, 1, 2 and 86, ENVIRONMENT with every variable edd reads, FILES,
# EXAMPLES), every path it names under PREFIX exists in the installed tree,
# and it names no file of the source tree but as "the edd repository's".
# Usage: tests/man_test.sh PAGE ROOT (ROOT: the installed PREFIX, under its
# DESTDIR), from the top of the tree (for src/, whose getenv calls it reads).
set -euo pipefail
page=${1:?usage: tests/man_test.sh PAGE ROOT}
root=${2:?usage: tests/man_test.sh PAGE ROOT}
fail() { echo "man_test: $page: $*" >&2; exit 1; }
[ -d src ] || fail "run it from the top of the source tree (it reads src/ for the variables edd reads)"

text=$(MANWIDTH=80 man -l "$page" 2>&1) || fail "man -l does not render it: $text"
[ "$(printf '%s\n' "$text" | head -1 | awk '{print $1}')" = "EDD(1)" ] || fail "man -l renders no EDD(1) header"

for section in NAME SYNOPSIS DESCRIPTION COMMANDS '"EXIT STATUS"' ENVIRONMENT FILES EXAMPLES '"SEE ALSO"'; do
    grep -qx "\.SH $section" "$page" || fail "no section .SH $section"
done
status=$(sed -n '/^\.SH "EXIT STATUS"/,/^\.SH /p' "$page")
for code in 0 1 2 86; do
    grep -qx "\.B $code" <<<"$status" || fail "EXIT STATUS does not list $code"
done

# Every variable edd reads (the getenv calls of src/, and edd_ctx's
# OpenMP and oneDNN ones), in ENVIRONMENT.
env=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$page")
vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)|"(OMPI|PMI)[A-Z_]*"' src | grep -oE '[A-Z_]{3,}' | sort -u)
for v in $vars EDD_DATA_DIR XDG_DATA_HOME ONEDNN_MAX_CPU_ISA ONEDNN_VERBOSE OMP_NUM_THREADS; do
    [ "$v" = HOME ] && continue # the default of XDG_DATA_HOME, said there
    grep -qw "$v" <<<"$env" || fail "ENVIRONMENT does not name \$$v, which edd reads"
done

examples=$(sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$page" | grep -c '^edd ') || true
[ "$examples" -ge 5 ] || fail "EXAMPLES has $examples commands, expected 5 or more"

# Installed paths read PREFIX/...: each must exist under root.
for p in $(grep -oE 'PREFIX/[A-Za-z0-9_./\\-]*[A-Za-z0-9_]' "$page" | sed 's/\\-/-/g' | sort -u); do
    [ -e "$root/${p#PREFIX/}" ] || fail "names $p, which is not installed ($root/${p#PREFIX/})"
done
# A path of the source tree is said to be the repository's, never as if installed.
bare=$(sed -e 's#PREFIX/[A-Za-z0-9_./\\-]*##g' -e "s#the edd repository's [A-Za-z0-9_./-]*##g" "$page" |
       grep -oE '(^|[^A-Za-z0-9_./$-])(docs|scripts|tests|src|examples|bench|python|include|build)/[A-Za-z0-9_./-]*' |
       head -3 || true)
[ -z "$bare" ] || fail "names a file of the source tree as if installed: $(echo $bare)"
echo "man_test: $page: sections, $(wc -w <<<"$vars") variables, $examples examples and its paths checked"
