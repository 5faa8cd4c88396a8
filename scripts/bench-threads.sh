#!/usr/bin/env bash
# bench-threads.sh - one process at 2 threads against 1 (issue 28, item 5): the speed-up behind `edd reproduce
# --dry-run`'s threading model (SPEEDUP2 in src/experiments/costs.c; docs/PERFORMANCE.md, "One process or several").
#
# usage: scripts/bench-threads.sh OUT [EDD]
#
# Times three stage-like commands of EDD (default ./edd) at --threads 1 and --threads 2, the best of 3 runs each:
# `edd train` on 12,800 images (one epoch), `edd attack --attack pgd` on 500 test images of that model, and `edd
# uncertainty` (20 passes over 5,000 training images). Writes OUT/times.csv (command,threads,run,seconds) and
# OUT/commands.txt; scripts/tables_prof.py computes each speed-up, their geometric mean, and checks SPEEDUP2 against it.
# Needs an idle machine; OUT must not exist yet. Reads the data from $EDD_DATA_DIR (default data/).
set -euo pipefail
. "$(dirname "$0")/out-folder.sh"
out_folder "OUT [EDD]" 1 2 "$@"
out=$1 edd=${2:-./edd}
export EDD_DATA_DIR=${EDD_DATA_DIR:-data}
mkdir -p -- "$out"
model="$out/model.edd"
"$edd" train --data mnist --train-limit 12800 --epochs 1 --out "$model" --quiet > /dev/null
declare -A cmd=(
    [train]="train --data mnist --train-limit 12800 --epochs 1 --out $out/t.edd --quiet"
    [pgd]="attack --attack pgd --model $model --data mnist --test-limit 500 --quiet"
    [uncertainty]="uncertainty --teacher $model --data mnist --train-limit 5000 --passes 20 --out $out/s.npy --quiet"
)
echo "command,threads,run,seconds" > "$out/times.csv"
: > "$out/commands.txt"
for name in train pgd uncertainty; do
    for threads in 1 2; do
        read -r -a argv <<< "${cmd[$name]} --threads $threads"
        echo "edd ${argv[*]}" >> "$out/commands.txt"
        for run in 1 2 3; do
            t0=$(date +%s.%N)
            "$edd" "${argv[@]}" > /dev/null
            t1=$(date +%s.%N)
            awk -v a="$t0" -v b="$t1" -v n="$name,$threads,$run" 'BEGIN { printf "%s,%.3f\n", n, b - a }' >> "$out/times.csv"
        done
    done
done
rm -f -- "$model" "$out/t.edd" "$out/s.npy"
sed -i "s|$out/|OUT/|g" "$out/commands.txt"
