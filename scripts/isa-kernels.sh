#!/usr/bin/env bash
# isa-kernels.sh - the kernels oneDNN picks for every plan of edd at each ISA level, into one folder (docs/ARCHITECTURE.md,
# "On every ISA", generates its table from them: scripts/tables_prof.py).
#
# usage: scripts/isa-kernels.sh OUT [EDD]
#
# Runs `EDD info` (default ./edd: every plan kind at batch sizes 1, 7, 32 and 128, K = 10 and 11, each primitive's
# implementation and layouts) with ONEDNN_MAX_CPU_ISA at SSE41, AVX, AVX2 and AVX512_CORE, and at native dispatch,
# into OUT/LEVEL.json (OUT/native.json). A level the CPU lacks dispatches the highest it has: each file's "isa" says
# which ran. OUT must not exist yet. Cheap (seconds); the load does not matter.
set -euo pipefail
. "$(dirname "$0")/out-folder.sh"
out_folder "OUT [EDD]" 1 2 "$@"
out=$1 edd=${2:-./edd}
mkdir -p -- "$out"
for level in SSE41 AVX AVX2 AVX512_CORE; do
    ONEDNN_MAX_CPU_ISA=$level "$edd" info > "$out/$(echo "$level" | tr 'A-Z' 'a-z').json"
done
"$edd" info > "$out/native.json"
