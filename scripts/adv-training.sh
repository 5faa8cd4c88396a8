#!/usr/bin/env bash
# adv-training.sh - the PGD-10 adversarial-training check of docs/DEFENSE.md, run into one results folder (issue 26).
#
# usage: scripts/adv-training.sh OUT [EDD]
#
# Trains the model adversarially at eps 0.3 on full MNIST (PGD with 10 steps, 10 epochs, seed 1), scores it clean on
# the 10,000 test images, attacks it with PGD 40 steps x 5 restarts at eps 0.3 under the two losses (`real`, the
# cross-entropy over the real classes; `margin`, Carlini-Wagner's), and re-scores the two adversarial arrays in
# PyTorch with scripts/worst-case.py (the worst case per image). OUT receives the model, each command's JSON line
# (train.json, eval.json, pgd-real.json, pgd-margin.json), worst-case.txt and worst-case.csv, and times.csv (each
# step's wall seconds). The adversarial arrays (31 MB each) go to a temporary folder and are deleted. OUT must not
# exist yet. Needs /usr/bin/python3 with torch; reads the data from $EDD_DATA_DIR (default data/).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUT [EDD]" >&2
    exit 2
fi
out=$1
edd=${2:-./edd}
here=$(cd "$(dirname "$0")" && pwd)
if [ -e "$out" ]; then
    echo "$0: $out exists; expected a new folder" >&2
    exit 2
fi
mkdir -p -- "$out"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
echo "step,seconds" > "$out/times.csv"

# run NAME CMD...: run CMD with stdout to OUT/NAME.json and add its wall seconds to times.csv.
run() {
    local name=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    "$@" > "$out/$name.json"
    t1=$(date +%s.%N)
    awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s,%.1f\n", n, b - a }' >> "$out/times.csv"
}

run train "$edd" train --data mnist --adv pgd --adv-eps 0.3 --adv-steps 10 --epochs 10 --seed 1 \
    --out "$out/adv-pgd.edd" --quiet
run eval "$edd" eval --model "$out/adv-pgd.edd" --data mnist
for loss in real margin; do
    run "pgd-$loss" "$edd" attack --attack pgd --model "$out/adv-pgd.edd" --eps 0.3 --steps 40 --restarts 5 \
        --loss "$loss" --test-limit 10000 --adv-out "$tmp/pgd-$loss.npy" --quiet
done
/usr/bin/python3 "$here/worst-case.py" --edd "$edd" --block 2000 --csv "$out/worst-case.csv" \
    "$out/adv-pgd.edd" "$tmp/pgd-real.npy" "$tmp/pgd-margin.npy" > "$out/worst-case.txt"
