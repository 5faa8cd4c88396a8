#!/usr/bin/env bash
# ci-record.sh - keep a `.ci/run` rehearsal's figures in a results folder (issue 26: README.md's test time and test
# count come from a committed file, docs/results/ci).
#
# usage: scripts/ci-record.sh CLONE OUT [NOTE]
#
# CLONE is the fresh clone `.ci/run` ran in (`d=$(mktemp -d) && git clone -q . $d && (cd $d && CI=true bash
# .ci/run)`); it must have finished (its build/ci/times.csv has the sanitize step). Copies build/ci/times.csv (each
# step's wall seconds), keeps the Criterion "Synthesis" lines of `make test` and `make sanitize` in criterion.txt, and
# writes RUN.txt (scripts/run-record.py: the CPU, the clone's commit and edd's info, the command, the total, NOTE).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 CLONE OUT [NOTE]" >&2
    exit 2
fi
clone=$1 out=$2 note=${3:-}
times="$clone/build/ci/times.csv"
if ! grep -q '^sanitize,[0-9][0-9]*$' "$times" 2> /dev/null; then
    echo "$0: $times: no 'sanitize,SECONDS' row; expected the times of a finished .ci/run" >&2
    exit 2
fi
for log in test sanitize; do
    if [ "$(grep -c '^\[====\] Synthesis: ' "$clone/build/ci/$log.log")" != 1 ]; then
        echo "$0: $clone/build/ci/$log.log: expected one Criterion 'Synthesis' line" >&2
        exit 2
    fi
done
mkdir -p -- "$out"
cp -- "$times" "$out/times.csv"
for log in test sanitize; do
    printf 'make %s: %s\n' "$log" "$(grep '^\[====\] Synthesis: ' "$clone/build/ci/$log.log" | sed 's/ *$//')"
done > "$out/criterion.txt"
total=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$out/times.csv")
args=("$out" --title "$out: a rehearsal of CI, \`.ci/run\` in a fresh clone (README.md's test time)"
      --edd "$clone/edd" --commit "$(git -C "$clone" rev-parse HEAD)"
      --command "d=\$(mktemp -d) && git clone -q . \$d && (cd \$d && CI=true bash .ci/run)"
      --wall "$total")
[ -z "$note" ] || args+=(--note "$note")
/usr/bin/python3 scripts/run-record.py "${args[@]}"
