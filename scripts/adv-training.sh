#!/usr/bin/env bash
# adv-training.sh - docs/DEFENSE.md's adversarial-training checks, run into one results folder (issue 26).
#
# usage: scripts/adv-training.sh [--part main|controls|fgm-rs|fgm-rs-no-ramp|quick-no-ramp] OUT [EDD]
#
# main (OUT itself): trains the model adversarially at eps 0.3 on full MNIST (PGD with 10 steps, 10 epochs, seed 1),
#   scores it clean on the 10,000 test images, attacks it with PGD 40 steps x 5 restarts at eps 0.3 under the two
#   losses (`real`, the cross-entropy over the real classes; `margin`, Carlini-Wagner's), and re-scores the two
#   adversarial arrays in PyTorch with scripts/worst-case.py (the worst case per image, also by blocks of 2,000).
#   OUT receives the model (adv-pgd.edd), each command's JSON line (train.json, eval.json, pgd-real.json,
#   pgd-margin.json), worst-case.txt and worst-case.csv. The adversarial arrays (31 MB each) are deleted.
# controls, the three below: fgm-rs (OUT/fgm-rs/), FGM with a random start (Wong et al. 2020) at eps 0.3 on full
#   MNIST, 10 epochs, seed 1, with the default eps warm-up, scored clean, then on the first 2,000 test images under
#   one FGM step (loss `real`, the one it trains on) and under PGD 40 x 5 with the losses `real` and `margin`;
#   fgm-rs-no-ramp (OUT/fgm-rs-no-ramp/), the same without the warm-up (--eps-ramp 0); quick-no-ramp
#   (OUT/pgd10-quick-no-ramp/), PGD-10 on the quick scale's budget (the first 20,000 training images, 5 epochs,
#   seed 1) without the warm-up, scored clean. Each gets each command's JSON line and train.log (the epoch losses,
#   train's end-of-epoch lines).
# Every folder gets times.csv (each step's wall seconds). Without --part, both. A folder a part writes must not exist
# yet. Needs /usr/bin/python3 with torch (main); reads the data from $EDD_DATA_DIR (default data/).
set -euo pipefail
part=all
if [ "${1:-}" = --part ]; then
    part=${2:-}
    shift 2 || true
fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || ! [[ $part =~ ^(main|controls|fgm-rs|fgm-rs-no-ramp|quick-no-ramp|all)$ ]]; then
    echo "usage: $0 [--part main|controls|fgm-rs|fgm-rs-no-ramp|quick-no-ramp] OUT [EDD]" >&2
    exit 2
fi
out=$1
edd=${2:-./edd}
here=$(cd "$(dirname "$0")" && pwd)

# fresh DIR: make DIR, which must not exist yet.
fresh() {
    if [ -e "$1" ]; then
        echo "$0: $1 exists; expected a new folder" >&2
        exit 2
    fi
    mkdir -p -- "$1"
}

# run DIR NAME CMD...: run CMD with stdout to DIR/NAME.json and add its wall seconds to DIR/times.csv.
run() {
    local dir=$1 name=$2 t0 t1
    shift 2
    [ -e "$dir/times.csv" ] || echo "step,seconds" > "$dir/times.csv"
    t0=$(date +%s.%N)
    "$@" > "$dir/$name.json"
    t1=$(date +%s.%N)
    awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s,%.1f\n", n, b - a }' >> "$dir/times.csv"
}

# train DIR ARGS...: edd train ARGS with its epoch lines (progress on stderr) kept in DIR/train.log.
train() {
    local dir=$1
    shift
    run "$dir" train "$edd" train --data mnist "$@" 2> "$dir/train.err"
    tr '\r' '\n' < "$dir/train.err" | grep -E '^epoch [0-9]+/[0-9]+ loss ' > "$dir/train.log"
    rm -f -- "$dir/train.err"
}

main() {
    fresh "$out"
    local tmp
    tmp=$(mktemp -d)
    trap 'rm -rf -- "$tmp"' EXIT
    train "$out" --adv pgd --adv-eps 0.3 --adv-steps 10 --epochs 10 --seed 1 --out "$out/adv-pgd.edd"
    run "$out" eval "$edd" eval --model "$out/adv-pgd.edd" --data mnist
    for loss in real margin; do
        run "$out" "pgd-$loss" "$edd" attack --attack pgd --model "$out/adv-pgd.edd" --eps 0.3 --steps 40 \
            --restarts 5 --loss "$loss" --test-limit 10000 --adv-out "$tmp/pgd-$loss.npy" --quiet
    done
    /usr/bin/python3 "$here/worst-case.py" --edd "$edd" --block 2000 --csv "$out/worst-case.csv" \
        "$out/adv-pgd.edd" "$tmp/pgd-real.npy" "$tmp/pgd-margin.npy" > "$out/worst-case.txt"
}

# fgm_rs DIR RAMP: FGM-RS at eps 0.3 on full MNIST with --eps-ramp RAMP into DIR, scored clean and attacked.
fgm_rs() {
    local f=$1
    fresh "$f"
    train "$f" --adv fgm-rs --adv-eps 0.3 --eps-ramp "$2" --epochs 10 --seed 1 --out "$f/model.edd"
    run "$f" eval "$edd" eval --model "$f/model.edd" --data mnist
    run "$f" fgm-real "$edd" attack --attack fgm --model "$f/model.edd" --eps 0.3 --loss real --test-limit 2000 --quiet
    for loss in real margin; do
        run "$f" "pgd-$loss" "$edd" attack --attack pgd --model "$f/model.edd" --eps 0.3 --steps 40 --restarts 5 \
            --loss "$loss" --test-limit 2000 --quiet
    done
    rm -f -- "$f/model.edd"
}

quick_no_ramp() {
    local q="$out/pgd10-quick-no-ramp"
    fresh "$q"
    train "$q" --adv pgd --adv-eps 0.3 --adv-steps 10 --eps-ramp 0 --epochs 5 --train-limit 20000 --seed 1 \
        --out "$q/model.edd"
    run "$q" eval "$edd" eval --model "$q/model.edd" --data mnist
    rm -f -- "$q/model.edd"
}

case $part in
    main) main ;;
    fgm-rs) fgm_rs "$out/fgm-rs" 1 ;;
    fgm-rs-no-ramp) fgm_rs "$out/fgm-rs-no-ramp" 0 ;;
    quick-no-ramp) quick_no_ramp ;;
    controls) fgm_rs "$out/fgm-rs" 1 && fgm_rs "$out/fgm-rs-no-ramp" 0 && quick_no_ramp ;;
    all) main && fgm_rs "$out/fgm-rs" 1 && fgm_rs "$out/fgm-rs-no-ramp" 0 && quick_no_ramp ;;
esac
