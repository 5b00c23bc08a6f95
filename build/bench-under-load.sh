#!/usr/bin/env bash
# Training throughput alone and beside a second identical training, with the thread governor (the default) and with
# two fixed threads, in one window of time (docs/PERFORMANCE.md, "Speed under load"). Run on an otherwise idle machine.
set -euo pipefail
bayesgen=${BAYESGEN:-"dotnet BayesGen.Samples/bin/Release/net10.0/bayesgen.dll"}
out=${OUT:-artifacts/under-load}
mkdir -p "$out"
bench="bench train --rounds 3 --steps 300 --memory-epochs 0 --device cpu"
for mode in "governor:" "fixed-2-threads:--threads 2"; do
  name=${mode%%:*}; args=${mode#*:}
  $bayesgen $bench $args > "$out/alone-$name.txt" 2>&1
  $bayesgen $bench $args > "$out/beside-a-$name.txt" 2>&1 & $bayesgen $bench $args > "$out/beside-b-$name.txt" 2>&1; wait
done
for f in "$out"/*.txt; do echo "$(basename "$f" .txt): $(grep median "$f" | tr -s ' │' ' ')"; done
