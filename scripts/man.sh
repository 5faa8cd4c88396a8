#!/usr/bin/env bash
# man.sh - write the edd(1) man page, in troff, to stdout: DESCRIPTION and
# COMMANDS are the text the program itself prints (`edd --help`, then
# `edd CMD --help` for each command that `edd --help` lists), so they cannot
# drift from --help; NAME, SYNOPSIS, EXIT STATUS, ENVIRONMENT, FILES,
# EXAMPLES and SEE ALSO are written here. The page names no file that
# `make install` does not install: a path of the source tree in the help
# texts (docs/X.md, scripts/X) becomes "the edd repository's docs/X.md",
# and an installed one reads PREFIX/... (tests/man_test.sh checks both).
# Usage: scripts/man.sh ./edd > edd.1
set -euo pipefail
edd=${1:?usage: scripts/man.sh PATH/TO/edd}

# troff treats a backslash as an escape and a leading . or ' as a request.
# python/edd_model.py is installed as PREFIX/share/edd/edd_model.py (the help
# says so); any other path of the source tree is the repository's.
verbatim() {
    echo ".nf"
    sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's|python/edd_model\.py|edd_model.py|g' \
        -e "s#\(^\|[^A-Za-z0-9_./\$-]\)\(\(docs\|scripts\|tests\|src\|examples\|bench\|python\)/[A-Za-z0-9_./-]*[A-Za-z0-9_]\)#\1the edd repository's \2#g"
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
.br
.B edd
.I COMMAND
.B \\-\\-help
.br
.B edd
.RB [ \\-\\-help " | " \\-\\-version ]
.SH DESCRIPTION
EOF
printf '%s\n' "$help" | verbatim
echo ".SH COMMANDS"
for cmd in $commands; do
    echo ".SS edd $cmd"
    "$edd" "$cmd" --help | verbatim
done
cat <<'END'
.SH "EXIT STATUS"
.TP
.B 0
Success.
.TP
.B 1
A runtime failure: a file that cannot be read or written, a corrupt model
file, no data found, out of memory. The message names the file.
.TP
.B 2
A usage error or a bad input: an unknown option (with "did you mean" when one
is close), a missing or out-of-range value, an option that does not apply,
bad .npy contents, data other than the model was trained on. The message
names the option or the file, the value and what was expected.
.TP
.B 86
Stopped at a point that
.B EDD_STOP_AT
names, as a kill there would.
.SH ENVIRONMENT
.TP
.B EDD_DATA_DIR
The folder of the data sets: its NAME/ holds the four IDX files of data set
NAME (mnist, fashion). Where
.B edd fetch\-data
writes them, and the first place every command looks.
.TP
.B XDG_DATA_HOME
Without
.BR EDD_DATA_DIR ,
the data sets are in $XDG_DATA_HOME/edd (default: ~/.local/share/edd, under
.BR HOME ).
.TP
.B EDD_PROGRESS_SECONDS
Seconds between two progress lines when stderr is not a terminal (default 10).
.TP
.B EDD_SIMD
.B scalar
runs the portable C twins of the AVX2 kernels.
.TP
.B EDD_PLAN_CHOICE
.B measure
(the default) times the two forms of each oneDNN plan, blocked and NHWC, once
per CPU, plan kind, batch size and thread count, and keeps the faster, cached
in the plan-choice file (FILES);
.B fixed
keeps the blocked form, the layouts of runs made before the choice existed,
for a run that must match one of them bit for bit.
.TP
.B XDG_CACHE_HOME
Where the plan-choice file goes: $XDG_CACHE_HOME/edd (default: ~/.cache/edd,
under
.BR HOME ).
.TP
.B EDD_STOP_AT
A comma-separated list of POINT:NAME entries: edd ends with exit status 86 at
the first named point it reaches, as a kill there would (the crash tests' hook).
.TP
.B OMP_NUM_THREADS
OpenMP threads, when no
.B \-\-threads
is given.
.TP
.B ONEDNN_MAX_CPU_ISA
The newest instruction set oneDNN may use (e.g. AVX2); edd info reports it.
.TP
.B ONEDNN_VERBOSE
1 or 2: oneDNN prints each primitive it creates and runs, on stdout.
.TP
.BR OMPI_COMM_WORLD_RANK ", " OMPI_COMM_WORLD_SIZE ", " PMI_SIZE ", " PMIX_RANK
Set by mpirun: edd reproduce shares its stages among the ranks.
.SH FILES
.TP
.I $EDD_DATA_DIR/NAME, $XDG_DATA_HOME/edd/NAME, ~/.local/share/edd/NAME
The data sets (NAME: mnist or fashion), looked for in this order, then in
data/NAME under the current folder (a source tree).
.TP
.I $XDG_CACHE_HOME/edd/plan\-choices, ~/.cache/edd/plan\-choices
The plans' forms measured on this machine, one line each; delete it to
measure again.
.TP
.I PREFIX/share/edd/fetch\-data.sh
The script edd fetch\-data runs (PREFIX: where edd is installed, such as
/usr/local).
.TP
.I PREFIX/share/edd/edd_model.py
The paper's CNN in PyTorch; it loads the folder edd export writes.
.TP
.I PREFIX/include/edd.h
The library's header.
.PP
A model file is written atomically through PATH.edd\-tmp.PID, which a later
run of the same command removes once that process is gone. The oneDNN plans
edd reuses are kept in memory only: there is no cache on disk.
.SH EXAMPLES
.nf
edd fetch\-data \-\-data mnist
edd train \-\-data mnist \-\-out base.edd
edd distill \-\-teacher base.edd \-\-data mnist \-\-out distilled.edd
edd attack \-\-attack pgd \-\-loss margin \-\-eps 0.3 \-\-model distilled.edd \e
    \-\-data mnist \-\-test\-limit 1000 \-\-adv\-out adv.npy
edd train \-\-data mnist \-\-adv pgd \-\-adv\-eps 0.3 \-\-out adv.edd
edd reproduce \-\-scale smoke \-\-out results
.fi
.SH "SEE ALSO"
The library: PREFIX/include/edd.h and
.BR pkg\-config (1)
.BR "\-\-cflags \-\-libs edd" .
The design, the attacks and the results: the edd repository's README.md and
the edd repository's docs/.
END
