#!/usr/bin/env bash
# bench-profile.sh - the per-primitive profiles behind docs/PERFORMANCE.md's "Per-primitive efficiency" (issue 28,
# item 1), into one folder.
#
# usage: scripts/bench-profile.sh OUT
#
# Runs build/bench/profile in full mode at 2 OpenMP threads three times: at oneDNN's native dispatch (OUT/native.log),
# capped with ONEDNN_MAX_CPU_ISA=AVX512_CORE (OUT/avx512_core.log; on a CPU without AVX-512 oneDNN dispatches what it
# has, and the log's first line says which) and capped at AVX2 (OUT/avx2.log). Each log is the bench's Markdown
# tables, then its JSON object (scripts/tables_prof.py reads both). Needs an idle machine; OUT must not exist yet.
set -euo pipefail
. "$(dirname "$0")/out-folder.sh"
out_folder "OUT" 1 1 "$@"
out=$1
if [ ! -x build/bench/profile ]; then
    echo "$0: build/bench/profile missing: run make build/bench/profile first" >&2
    exit 2
fi
mkdir -p -- "$out"
export OMP_NUM_THREADS=2
build/bench/profile > "$out/native.log"
ONEDNN_MAX_CPU_ISA=AVX512_CORE build/bench/profile > "$out/avx512_core.log"
ONEDNN_MAX_CPU_ISA=AVX2 build/bench/profile > "$out/avx2.log"
