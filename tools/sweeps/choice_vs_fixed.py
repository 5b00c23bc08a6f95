#!/usr/bin/env python3
"""Sets a sweep made with a measured choice (`sweep`, --compensation auto) beside sweeps of the same run with fixed
settings (--compensation mean, --compensation none): at every threshold shift all of them measured, how far the
chosen setting's compressed test error lies above or below the lower of the fixed ones.

    choice_vs_fixed.py --run NAME CHOSEN.json FIXED.json FIXED.json [--run ...]

Prints one table row per run (points compared, how many at or below the lower fixed error, how many above and by
at most how much, the mean difference) and the same over every run. The fixed sweeps play an oracle that looked at
the test set; the choice did not. Sweeps of different runs (another compression at the same shift) are refused.
"""
import argparse
import json
import sys

# Errors are printed with two decimals: closer than this is the same figure.
SAME = 0.005


def load(path):
    try:
        with open(path) as f:
            points = json.load(f)
        return {float(p["shift"]): p for p in points}
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"error: {path} is not a sweep.json ({e}); give the files `sweep --out DIR` wrote.")


def compare(name, chosen_path, fixed_paths):
    chosen = load(chosen_path)
    fixed = [load(p) for p in fixed_paths]
    differences, above = [], []
    for shift, point in sorted(chosen.items()):
        if not all(shift in f for f in fixed):
            continue
        for f, path in zip(fixed, fixed_paths):
            if abs(f[shift]["compression_pruning"] - point["compression_pruning"]) > 1e-6 * point["compression_pruning"]:
                sys.exit(f"error: at shift {shift:g} {path} compresses {f[shift]['compression_pruning']:.1f}x and {chosen_path} "
                         f"{point['compression_pruning']:.1f}x: they are sweeps of different runs or thresholds.")
        errors = [f[shift]["compressed_test_error_pct"] for f in fixed]
        differences.append(point["compressed_test_error_pct"] - min(errors))
        if differences[-1] > SAME:
            above.append((point["compression_pruning"], differences[-1], max(errors) - min(errors)))
    if not differences:
        sys.exit(f"error: {name}: no threshold shift is in every sweep given; sweep them with the same --shifts.")
    return differences, above


def row(name, d):
    above = [x for x in d if x > SAME]
    worst = f"{max(above):.2f}" if above else "—"
    return f"| {name} | {len(d)} | {len(d) - len(above)} | {len(above)} | {worst} | {sum(d) / len(d):+.2f} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="+", action="append", required=True, metavar="ARG",
                        help="NAME CHOSEN.json FIXED.json [FIXED.json ...]")
    args = parser.parse_args()
    print("| run | points | at or below the lower fixed setting | above | above by at most (points) | mean difference (points) |")
    print("| --- | --- | --- | --- | --- | --- |")
    everything, above = [], []
    for run in args.run:
        if len(run) < 3:
            sys.exit(f"error: --run {' '.join(run)}: give a name, the chosen sweep and at least one fixed sweep.")
        d, a = compare(run[0], run[1], run[2:])
        everything += d
        above += a
        print(row(run[0], d))
    print(row("**all**", everything))
    if above:
        print()
        print("above the lower fixed setting at (compression: points above, fixed settings apart): " +
              ", ".join(f"{c:.1f}x: {d:.2f}, {s:.2f}" for c, d, s in sorted(above)))


if __name__ == "__main__":
    main()
