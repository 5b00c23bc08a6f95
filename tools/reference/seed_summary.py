#!/usr/bin/env python3
"""Summarises several seeds of BayesGen and of the reference layers side by side (standard library only):

* the unpruned test error at the last epoch and its mean over the last five epochs, per run and averaged
  (BayesGen's training.csv, column test_error_pct; train_reference.py --csv, the same column);
* with sweeps (BayesGen's sweep.json, train_reference.py --sweep), for every threshold shift of the reference's
  sweeps: the reference's mean compression there, its mean pruned and compressed errors, and BayesGen's errors at
  that compression, each BayesGen run interpolated linearly in log compression between its two nearest settings
  (as `bayesgen sweep --against` does) and then averaged. A run whose sweep does not reach a compression is left
  out of that row and counted in the "runs" column;
* for each difference of means (BayesGen minus reference), a 95 % bootstrap interval: both groups of runs
  resampled with replacement 20,000 times (seeded, so the interval is reproducible), the 2.5th and 97.5th
  percentiles of the resampled differences. An interval that holds 0 means the seeds cannot tell the two apart.

    /usr/bin/python3 tools/reference/seed_summary.py \\
        --ours runs/a/training.csv runs/b/training.csv --theirs ref-1.csv ref-2.csv \\
        --our-sweeps sweep-a/sweep.json sweep-b/sweep.json --their-sweeps ref-1-sweep.json ref-2-sweep.json

With --paired, the two lists of sweeps are of the same networks, in the same order (BayesGen's sweeps of the
reference's own trained networks, brought in with `bayesgen import`): then each shift compares the two
compressions of one network, which must remove the same groups (equal compression, checked), and the interval is
that of the mean paired difference, resampled over the networks. No training noise is left in that comparison,
only what each side's pruning and rounding do. --ours and --theirs are optional then.
"""
import argparse, csv, json, math, random, statistics, sys


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


def interval(ours, theirs, resamples=20000):
    """The 95 % bootstrap percentile interval of mean(ours) - mean(theirs), as text; '' when a group is empty."""
    if not ours or not theirs:
        return ""
    rng = random.Random(0)
    differences = sorted(mean(rng.choices(ours, k=len(ours))) - mean(rng.choices(theirs, k=len(theirs)))
                         for _ in range(resamples))
    low, high = differences[int(0.025 * resamples)], differences[int(0.975 * resamples) - 1]
    return f"[{low:+.2f}, {high:+.2f}]"


def paired(our_sweeps, their_sweeps):
    """Per shift, the two compressions of the same networks side by side, and the mean paired difference."""
    if len(our_sweeps) != len(their_sweeps):
        sys.exit(f"--paired needs one BayesGen sweep per reference sweep: {len(our_sweeps)} against {len(their_sweeps)}")
    print("| shift | CR (mean) | reference pruned → compressed % | BayesGen pruned → compressed % | "
          "compressed, BayesGen − reference (95 % interval) | networks |")
    print("| --- | --- | --- | --- | --- | --- |")
    shifts = sorted({p["shift"] for s in their_sweeps for p in s})
    for shift in shifts:
        pairs = []
        for number, (ours, theirs) in enumerate(zip(our_sweeps, their_sweeps), 1):
            a = next((p for p in theirs if p["shift"] == shift), None)
            b = next((p for p in ours if p["shift"] == shift), None)
            if a is None or b is None:
                continue
            if abs(math.log(a["compression_pruning"] / b["compression_pruning"])) > 1e-6:
                sys.exit(f"network {number}, shift {shift:+g}: compression {b['compression_pruning']:.4f}x against "
                         f"{a['compression_pruning']:.4f}x: not the same groups removed, so not the same network or threshold")
            pairs.append((a, b))
        if not pairs:
            continue
        cr = math.exp(mean([math.log(a["compression_pruning"]) for a, _ in pairs]))
        def avg(side, key):
            return mean([pair[side][key] for pair in pairs])
        differences = [b["compressed_test_error_pct"] - a["compressed_test_error_pct"] for a, b in pairs]
        print(f"| {shift:+g} | {cr:.1f}x | {avg(0, 'pruned_test_error_pct'):.2f} → {avg(0, 'compressed_test_error_pct'):.2f} | "
              f"{avg(1, 'pruned_test_error_pct'):.2f} → {avg(1, 'compressed_test_error_pct'):.2f} | "
              f"{mean(differences):+.2f} {interval(differences, [0.0])} | {len(pairs)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", nargs="+", help="BayesGen runs' training.csv")
    parser.add_argument("--theirs", nargs="+", help="the reference runs' --csv files")
    parser.add_argument("--our-sweeps", nargs="*", default=[])
    parser.add_argument("--their-sweeps", nargs="*", default=[])
    parser.add_argument("--paired", action="store_true", help="the sweeps are of the same networks, in the same order")
    args = parser.parse_args()
    if args.paired:
        if not args.our_sweeps or not args.their_sweeps:
            sys.exit("--paired compares --our-sweeps with --their-sweeps: give both")
        paired([sweep(p) for p in args.our_sweeps], [sweep(p) for p in args.their_sweeps])
        return
    if not args.ours or not args.theirs:
        sys.exit("give --ours and --theirs (training CSVs), or --paired with the sweeps of the same networks")

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
    print(f"| difference, 95 % interval | {interval([e[-1] for e in ours], [e[-1] for e in theirs])} | "
          f"{interval([mean(e[-5:]) for e in ours], [mean(e[-5:]) for e in theirs])} |")

    if not args.our_sweeps or not args.their_sweeps:
        return
    our_sweeps, their_sweeps = [sweep(p) for p in args.our_sweeps], [sweep(p) for p in args.their_sweeps]
    shifts = sorted({p["shift"] for s in their_sweeps for p in s})
    print("\n| shift | reference CR (mean) | reference pruned → compressed % | BayesGen pruned → compressed % there | "
          "compressed, BayesGen − reference (95 % interval) | runs (BayesGen, reference) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for shift in shifts:
        points = [p for s in their_sweeps for p in s if p["shift"] == shift]
        cr = math.exp(mean([math.log(p["compression_pruning"]) for p in points]))
        ref_pruned = mean([p["pruned_test_error_pct"] for p in points])
        ref_compressed = mean([p["compressed_test_error_pct"] for p in points])
        pruned = [v for v in (at(s, cr, "pruned_test_error_pct") for s in our_sweeps) if v is not None]
        compressed = [v for v in (at(s, cr, "compressed_test_error_pct") for s in our_sweeps) if v is not None]
        ours_text = f"{mean(pruned):.2f} → {mean(compressed):.2f}" if pruned else "not reached"
        difference = (f"{mean(compressed) - ref_compressed:+.2f} "
                      f"{interval(compressed, [p['compressed_test_error_pct'] for p in points])}") if compressed else ""
        print(f"| {shift:+g} | {cr:.1f}x | {ref_pruned:.2f} → {ref_compressed:.2f} | {ours_text} | {difference} | {len(pruned)}, {len(points)} |")


if __name__ == "__main__":
    main()
