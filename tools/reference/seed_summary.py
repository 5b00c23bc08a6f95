#!/usr/bin/env python3
"""Summarises several seeds of BayesGen and of the reference layers side by side (standard library only):

* the unpruned test error at the last epoch and its mean over the last five epochs, per run and averaged
  (BayesGen's training.csv, column test_error_pct; train_reference.py --csv, the same column);
* with sweeps (BayesGen's sweep.json, train_reference.py --sweep), for every threshold shift of the reference's
  sweeps: the reference's mean compression there, its mean pruned and compressed errors, and BayesGen's errors at
  that compression, each BayesGen run interpolated linearly in log compression between its two nearest settings
  (as `bayesgen sweep --against` does) and then averaged. A run whose sweep does not reach a compression is left
  out of that row and counted in the "runs" column.

    /usr/bin/python3 tools/reference/seed_summary.py \\
        --ours runs/a/training.csv runs/b/training.csv --theirs ref-1.csv ref-2.csv \\
        --our-sweeps sweep-a/sweep.json sweep-b/sweep.json --their-sweeps ref-1-sweep.json ref-2-sweep.json
"""
import argparse, csv, json, math, statistics, sys


def errors(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "test_error_pct" not in rows[0]:
        sys.exit(f"{path}: not a training CSV with a test_error_pct column")
    return [float(r["test_error_pct"]) for r in rows]


def sweep(path):
    with open(path) as f:
        points = json.load(f)
    if not isinstance(points, list) or not points:
        sys.exit(f"{path}: not a sweep (a JSON array of points)")
    return sorted(points, key=lambda p: p["compression_pruning"])


def at(points, compression, key):
    """The error `key` at `compression`, linear in log compression; None beyond the curve's ends."""
    for low, high in zip(points, points[1:]):
        a, b = low["compression_pruning"], high["compression_pruning"]
        if a <= compression <= b:
            t = 0.0 if b == a else (math.log(compression) - math.log(a)) / (math.log(b) - math.log(a))
            return low[key] + t * (high[key] - low[key])
    if len(points) == 1 and abs(points[0]["compression_pruning"] - compression) < 1e-9:
        return points[0][key]
    return None


def mean(values):
    return statistics.fmean(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", nargs="+", required=True, help="BayesGen runs' training.csv")
    parser.add_argument("--theirs", nargs="+", required=True, help="the reference runs' --csv files")
    parser.add_argument("--our-sweeps", nargs="*", default=[])
    parser.add_argument("--their-sweeps", nargs="*", default=[])
    args = parser.parse_args()

    ours, theirs = [errors(p) for p in args.ours], [errors(p) for p in args.theirs]
    epochs = {len(e) for e in ours + theirs}
    if len(epochs) != 1:
        sys.exit(f"the runs have different numbers of epochs: {sorted(epochs)}")
    print("| run | last epoch % | mean of the last five % |\n| --- | --- | --- |")
    for name, runs, paths in (("BayesGen", ours, args.ours), ("reference", theirs, args.theirs)):
        for path, e in zip(paths, runs):
            print(f"| {name} {path} | {e[-1]:.2f} | {mean(e[-5:]):.2f} |")
    last_ours, last_theirs = mean([e[-1] for e in ours]), mean([e[-1] for e in theirs])
    five_ours, five_theirs = mean([mean(e[-5:]) for e in ours]), mean([mean(e[-5:]) for e in theirs])
    print(f"| **BayesGen, mean of {len(ours)}** | **{last_ours:.2f}** | **{five_ours:.2f}** |")
    print(f"| **reference, mean of {len(theirs)}** | **{last_theirs:.2f}** | **{five_theirs:.2f}** |")
    print(f"| difference | {last_ours - last_theirs:+.2f} | {five_ours - five_theirs:+.2f} |")

    if not args.our_sweeps or not args.their_sweeps:
        return
    our_sweeps, their_sweeps = [sweep(p) for p in args.our_sweeps], [sweep(p) for p in args.their_sweeps]
    shifts = sorted({p["shift"] for s in their_sweeps for p in s})
    print("\n| shift | reference CR (mean) | reference pruned → compressed % | BayesGen pruned → compressed % there | runs (BayesGen, reference) |")
    print("| --- | --- | --- | --- | --- |")
    for shift in shifts:
        points = [p for s in their_sweeps for p in s if p["shift"] == shift]
        cr = math.exp(mean([math.log(p["compression_pruning"]) for p in points]))
        ref_pruned = mean([p["pruned_test_error_pct"] for p in points])
        ref_compressed = mean([p["compressed_test_error_pct"] for p in points])
        pruned = [v for v in (at(s, cr, "pruned_test_error_pct") for s in our_sweeps) if v is not None]
        compressed = [v for v in (at(s, cr, "compressed_test_error_pct") for s in our_sweeps) if v is not None]
        ours_text = f"{mean(pruned):.2f} → {mean(compressed):.2f}" if pruned else "not reached"
        print(f"| {shift:+g} | {cr:.1f}x | {ref_pruned:.2f} → {ref_compressed:.2f} | {ours_text} | {len(pruned)}, {len(points)} |")


if __name__ == "__main__":
    main()
