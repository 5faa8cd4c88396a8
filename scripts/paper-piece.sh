#!/usr/bin/env bash
# paper-piece.sh - one sitting's piece of the paper-scale run (issue 26, item 6).
#
# usage: scripts/paper-piece.sh [--only STAGES] SECONDS [OUT]
#
# The paper-scale run is longer than a sitting on 2 cores (`edd reproduce --scale paper --dry-run` prints its
# estimate). This runs `edd reproduce --scale paper --out OUT --jobs 2 --threads 1` (OUT default
# docs/results/paper) for at most SECONDS, then stops it. A run resumes from its manifests: the stages done stay done,
# the ones in flight are lost, except a standard stage's blocks already on disk (docs/REPRODUCING.md). Each piece
# appends one row to OUT/pieces.csv: its start (UTC), its wall seconds, edd's commit, the CPU, oneDNN's ISA, the exit
# status (124: stopped at SECONDS), the stages done after it and the --only selection (all: none given). A stage in
# flight at SECONDS is lost, so --only (passed to edd as it is) lets a piece leave out a long stage that would not
# finish in it: the standard stages, kept block by block, lose at most their last block. Commit OUT (models
# included) after each piece so that the next sitting, on any machine, resumes from it. Reads the data from
# $EDD_DATA_DIR (default data/).
set -euo pipefail
only=all
if [ $# -ge 2 ] && [ "$1" = --only ]; then
    if ! [[ $2 =~ ^[a-z0-9_,]+$ ]]; then
        echo "$0: --only '$2': expected stage names separated by commas" >&2
        exit 2
    fi
    only=$2
    shift 2
fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 60 ]; then
    echo "usage: $0 [--only STAGES] SECONDS [OUT] (SECONDS a whole number >= 60)" >&2
    exit 2
fi
secs=$1
out=${2:-docs/results/paper}
edd=./edd
export EDD_DATA_DIR=${EDD_DATA_DIR:-data}
# The layouts of the pieces run before plan forms were chosen by measurement (src/nn/plan_choice.c): one engine.
export EDD_PLAN_CHOICE=fixed
commit=$(git rev-parse --short HEAD)
if ! git diff --quiet HEAD -- src include simd Makefile; then
    commit="$commit+changes"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr -d ',')
isa=$("$edd" info | sed -n 's/.*"isa":"\([a-z0-9_]*\)".*/\1/p')
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
rc=0
sel=()
[ "$only" = all ] || sel=(--only "$only")
timeout --signal=TERM --kill-after=60 "$secs" "$edd" reproduce --scale paper --out "$out" --jobs 2 --threads 1 \
    "${sel[@]}" || rc=$?
t1=$(date +%s)
done_n=$(find "$out/stages" -maxdepth 1 -name '*.done' 2> /dev/null | wc -l)
[ -e "$out/pieces.csv" ] || echo "start,seconds,commit,cpu,isa,exit,stages_done,only" > "$out/pieces.csv"
echo "$start,$((t1 - t0)),$commit,$cpu,$isa,$rc,$done_n,${only//,/ }" >> "$out/pieces.csv"
echo "paper-piece: exit $rc after $((t1 - t0)) s; $done_n stages done in $out" >&2
