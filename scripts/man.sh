#!/usr/bin/env bash
# man.sh - write the edd(1) man page, in troff, to stdout, from the text the
# program itself prints: `edd --help`, then `edd CMD --help` for each command
# that `edd --help` lists. No text is copied by hand, so the page cannot drift
# from --help. Usage: scripts/man.sh ./edd > edd.1
set -euo pipefail
edd=${1:?usage: scripts/man.sh PATH/TO/edd}

# troff treats a backslash as an escape and a leading . or ' as a request.
verbatim() {
    echo ".nf"
    sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
    echo ".fi"
}

version=$("$edd" --version | awk '{print $2}')
help=$("$edd" --help)
# The one-line summary: the first line after the usage line that is not blank.
summary=$(printf '%s\n' "$help" | awk 'NR > 1 && NF {sub(/\.$/, ""); print; exit}')
# The command names: the indented lines between "commands:" and the next blank line.
commands=$(printf '%s\n' "$help" | awk '/^commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}')
[ -n "$commands" ] || { echo "man.sh: found no commands in '$edd --help'" >&2; exit 1; }

cat <<EOF
.TH EDD 1 "" "edd $version" "User Commands"
.SH NAME
edd \\- $summary
.SH SYNOPSIS
.B edd
.I COMMAND
.RI [ OPTIONS ]
.SH DESCRIPTION
EOF
printf '%s\n' "$help" | verbatim
echo ".SH COMMANDS"
for cmd in $commands; do
    echo ".SS edd $cmd"
    "$edd" "$cmd" --help | verbatim
done
cat <<EOF
.SH SEE ALSO
The library: include/edd.h and
.BR pkg-config (1)
.BR "--cflags --libs edd" .
EOF
