#!/usr/bin/env bash
# install_test.sh - `make install` into a temporary DESTDIR, then build both
# programs of examples/ against the installed copy exactly as a user would
# (cc ... $(pkg-config --cflags --libs edd)) and run them on a tiny model:
# the library, its headers, edd.pc and the man page must be enough, and the
# study's header and archive are not installed.
# Run from the top of the tree by `make check`; needs the data (make data).
set -euo pipefail
root=$(mktemp -d "${TMPDIR:-/tmp}/edd-install.XXXXXX")
trap 'rm -rf "$root"' EXIT
prefix=/usr/local
dest=$root/dest

make --no-print-directory -s install DESTDIR="$dest" PREFIX="$prefix" >/dev/null
for f in bin/edd lib/libedd.a lib/libedd.so lib/libedd.so.0 lib/pkgconfig/edd.pc include/edd.h \
         share/man/man1/edd.1 share/edd/fetch-data.sh share/edd/edd_model.py; do
    [ -e "$dest$prefix/$f" ] || { echo "install_test: $prefix/$f was not installed" >&2; exit 1; }
done
# The engine's headers only: the study's (src/experiments/) and the private
# ones of include/edd/internal/ stay in the tree, as does the study's archive.
for f in include/edd/experiments.h include/edd/internal lib/libedd-repro.a; do
    [ ! -e "$dest$prefix/$f" ] || { echo "install_test: $prefix/$f was installed, expected only the engine" >&2; exit 1; }
done
grep -q '^\.SS edd attack$' "$dest$prefix/share/man/man1/edd.1" ||
    { echo "install_test: edd.1 has no 'edd attack' section" >&2; exit 1; }
bash tests/man_test.sh "$dest$prefix/share/man/man1/edd.1" "$dest$prefix"

# pkg-config reads edd.pc from the DESTDIR and prefixes its paths with it.
export PKG_CONFIG_PATH=$dest$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
export LD_LIBRARY_PATH=$dest$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
flags=$(pkg-config --cflags --libs edd)
for ex in fgm_attack sigma; do
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$root/$ex" "examples/$ex.c" $flags
    libs=$(ldd "$root/$ex")
    [[ $libs == *"$dest$prefix/lib/libedd.so.0 "* ]] ||
        { echo "install_test: $ex does not load the installed libedd.so.0" >&2; exit 1; }
done

export EDD_DATA_DIR=${EDD_DATA_DIR:-$PWD/data} OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
"$dest$prefix/bin/edd" train --data mnist --out "$root/tiny.edd" --train-limit 256 --epochs 1 --quiet >/dev/null
"$root/fgm_attack" "$root/tiny.edd" "$root/adv.npy" 50 0.3
/usr/bin/python3 - "$root/adv.npy" <<'PY'
import sys
import numpy as np
a = np.load(sys.argv[1])
assert a.shape == (50, 1, 28, 28) and a.dtype == np.float32, (a.shape, a.dtype)
assert 0.0 <= a.min() and a.max() <= 1.0, (a.min(), a.max())
PY
"$root/sigma" "$root/tiny.edd" 64 5

# Issue 27, item 6: the installed edd outside the tree, with no EDD_DATA_DIR:
# fetch-data puts MNIST in $XDG_DATA_HOME/edd (the same script and checks as
# make data), where eval then finds it.
(cd "$root" && env -u EDD_DATA_DIR XDG_DATA_HOME="$root/xdg" "$dest$prefix/bin/edd" fetch-data --data mnist 2>/dev/null &&
    env -u EDD_DATA_DIR XDG_DATA_HOME="$root/xdg" "$dest$prefix/bin/edd" eval --model tiny.edd --test-limit 100 >/dev/null) ||
    { echo "install_test: edd fetch-data, then edd eval outside the tree, failed" >&2; exit 1; }
# python/edd_model.py, installed with the data files, loads an exported model.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    "$dest$prefix/bin/edd" export --model "$root/tiny.edd" --dir "$root/exp" >/dev/null
    PYTHONPATH=$dest$prefix/share/edd /usr/bin/python3 -c 'import edd_model, sys; edd_model.load_exported(sys.argv[1])' \
        "$root/exp"
else
    echo "install_test: SKIPPED the edd_model.py load: no torch for /usr/bin/python3"
fi
echo "install_test: installed, built and ran examples/fgm_attack.c and examples/sigma.c"
