#!/usr/bin/env bash
# The GPU check (issue: GPUs and speed). Where a CUDA device exists, trains LeNet-300-100 and LeNet-5 GNJ for a few
# epochs on CUDA and on the CPU with the same seed, compares their test errors and kept groups, runs the deployment
# model on the GPU (bench inference --device cuda), and prints throughput. Figures go to $OUT (default ./gpu-check).
#
#   BAYESGEN="dotnet path/to/bayesgen.dll" build/gpu-check.sh
#
# On the lent GPU machine, follow ../shared/gpu/README.md: publish the samples framework-dependent with
# -p:TorchBackend=none into .gpu/app, carry .gpu, set LD_LIBRARY_PATH to PyTorch's CUDA libraries, then run this
# script with BAYESGEN="dotnet .gpu/app/bayesgen.dll". Without a GPU the script says so and exits 0.
set -euo pipefail
bayesgen=${BAYESGEN:-"dotnet BayesGen.Samples/bin/Release/net10.0/bayesgen.dll"}
out=${OUT:-gpu-check}
epochs=${EPOCHS:-3}
mkdir -p "$out"
if ! $bayesgen info --device cuda > "$out/info.txt" 2>&1; then
  cat "$out/info.txt"
  echo "No CUDA device is usable here: nothing to check (see docs/PERFORMANCE.md, GPU)." | tee "$out/summary.txt"
  exit 0
fi
summary="$out/summary.txt"
: > "$summary"
for model in lenet300 lenet5; do
  for device in cuda cpu; do
    start=$(date +%s.%N)
    $bayesgen train --model "$model" --epochs "$epochs" --seed 1 --device "$device" --out "$out/$model-$device" > "$out/$model-$device.log" 2>&1
    end=$(date +%s.%N)
    echo "$model on $device: $(grep -E '^test error' "$out/$model-$device.log" | head -1); $(echo "$end - $start" | bc) s wall" | tee -a "$summary"
    grep -E '^epoch' "$out/$model-$device.log" | tail -1 | tee -a "$summary"
  done
  $bayesgen bench inference --artifact "$out/$model-cuda/model.bgc" --device cuda --rounds 7 > "$out/$model-inference-cuda.txt" 2>&1
  grep -E "speed-up" "$out/$model-inference-cuda.txt" | tee -a "$summary"
done
$bayesgen bench train --model lenet300 --device cuda --rounds 3 --memory-epochs 0 > "$out/bench-train-lenet300-cuda.txt" 2>&1
$bayesgen bench train --model lenet5 --device cuda --rounds 3 --memory-epochs 0 > "$out/bench-train-lenet5-cuda.txt" 2>&1
grep -E "median|an epoch|optimiser" "$out"/bench-train-*-cuda.txt | tee -a "$summary"
