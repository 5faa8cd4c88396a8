#!/usr/bin/env python3
"""Regression guard for the benchmarks: run each bench binary, read its last
line (one JSON object) and check ratios measured in the same run against
generous floors. Absolute times on shared machines are noise; ratios are not.
Usage: scripts/bench-check.py BUILD_DIR  (exit 1 if a ratio falls below its floor)."""
import json
import os
import subprocess
import sys

# (bench, description, function of the JSON giving the ratio, floor)
CHECKS = [
    ("simd", "dropout AVX2 / scalar", lambda j: min(r["ratio"] for r in j["dropout"]), 2.0),
    ("simd", "variance AVX2 / scalar", lambda j: min(r["ratio"] for r in j["variance"]), 2.0),
    ("simd", "pair search AVX2 / scalar", lambda j: j["saliency"]["ratio"], 2.0),
    ("train", "training GFLOP/s / sgemm peak", lambda j: j["train_frac_peak"], 0.25),
    ("train", "inference GFLOP/s / sgemm peak", lambda j: j["infer_frac_peak"], 0.30),
    ("mc", "MC passes GFLOP/s / sgemm peak", lambda j: j["best_frac_peak"], 0.25),
    ("jsma", "pair search AVX2 / scalar", lambda j: j["search_us_scalar"] / j["search_us_avx2"], 2.0),
    ("jsma", "Jacobian one K*B pass / K passes", lambda j: j["jacobians_per_s_one_pass"] / j["jacobians_per_s_k_passes"], 0.8),
    ("cw", "CW iteration GFLOP/s / sgemm peak", lambda j: j["frac_peak_b100"], 0.15),
]


def run(build, name):
    env = dict(os.environ, EDD_BENCH_NO_TORCH="1")
    out = subprocess.run([os.path.join(build, "bench", name)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    results, failed = {}, 0
    for name, what, ratio, floor in CHECKS:
        if name not in results:
            results[name] = run(build, name)
        value = ratio(results[name])
        ok = value >= floor
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:6s} {what:36s} {value:8.3f} (floor {floor})")
    print(f"bench-check: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
