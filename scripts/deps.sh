#!/usr/bin/env bash
# Install what edd needs from Debian, only what is missing; idempotent.
set -euo pipefail
# clang and libclang-rt-dev (libFuzzer and the sanitizers' runtimes) build `make fuzz`'s targets.
# libopenmpi-dev and openmpi-bin (mpicc, mpirun) build and run `edd reproduce` over MPI ranks (docs/REPRODUCING.md).
pkgs=(gcc make libdnnl-dev libcriterion-dev zlib1g-dev gnuplot-nox dataset-fashion-mnist python3-torch python3-numpy
      clang libclang-rt-dev libopenmpi-dev openmpi-bin)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from Debian or with a Node.js installed otherwise: only its command matters.
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
