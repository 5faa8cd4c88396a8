#!/usr/bin/env bash
# bench-hot.sh - the hot-path benches behind docs/PERFORMANCE.md's "Measured" table, into one folder (issue 26).
#
# usage: scripts/bench-hot.sh OUT
#
# Runs build/bench/{train,mc,fgm,cw,jsma} in full mode (not quick), each against PyTorch on the same CNN in the same
# run, first at oneDNN's native dispatch into OUT/native/, then capped with ONEDNN_MAX_CPU_ISA=AVX2 into OUT/avx2/:
# one log per bench, whose last line is the bench's JSON object (scripts/tables_perf.py reads it). Needs `make bench`'s
# binaries and build/bench/jsma-model.edd (make build/bench/jsma-model.edd), an idle machine and /usr/bin/python3 with
# torch. OUT must not exist yet. 2 OpenMP threads; reads the data from $EDD_DATA_DIR (default data/).
set -euo pipefail
. "$(dirname "$0")/out-folder.sh"
out_folder "OUT" 1 1 "$@"
out=$1
for b in train mc fgm cw jsma; do
    if [ ! -x "build/bench/$b" ]; then
        echo "$0: build/bench/$b missing: run make bench first" >&2
        exit 2
    fi
done
mkdir -p -- "$out/native" "$out/avx2"
export EDD_DATA_DIR=${EDD_DATA_DIR:-data} EDD_BENCH_MODEL=build/bench/jsma-model.edd OMP_NUM_THREADS=2
for b in train mc fgm cw jsma; do
    "build/bench/$b" > "$out/native/$b.log" 2>&1
done
for b in train mc fgm cw jsma; do
    ONEDNN_MAX_CPU_ISA=AVX2 "build/bench/$b" > "$out/avx2/$b.log" 2>&1
done
