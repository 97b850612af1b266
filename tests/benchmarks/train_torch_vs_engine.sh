#!/usr/bin/env bash
# Training throughput, `strider train --backend torch` against the engine
# trainer (--backend engine), binary LJ at N = 100 and N = 1000, the paper's
# epoch (4 x 2 episodes of 15 steps): epochs per second and their ratio
# (torch / engine; above 1 the torch backend is faster). Not a test.
# Usage: train_torch_vs_engine.sh STRIDER [DEVICE]   (DEVICE: cpu, default, or cuda)
set -euo pipefail
strider=$1
device=${2:-cpu}
# One thread each by default (the engine is single-threaded); set them to compare otherwise.
# OpenBLAS (libopenblas0-pthread) picks its kernels from the CPU model: a VM that hides
# the model ("Intel(R) Xeon(R) Processor") gets the slow generic ones unless
# OPENBLAS_CORETYPE names the CPU (e.g. SkylakeX, Haswell).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "threads: OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS" \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}; device $device"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {  # seconds of training (validation included, one step each) from the --json summary
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["seconds"])'
}

printf "%-6s %-7s %-16s %-16s %s\n" N epochs "engine epochs/s" "torch epochs/s" "torch / engine"
for n in 100 1000; do
  epochs=$([ "$n" = 100 ] && echo 6 || echo 2)
  "$strider" generate --system lj-binary --n "$n" --count 4 --seed 1 --equilibration 500 --interval 100 \
    --out "$work/data$n" > /dev/null
  common=(train --data "$work/data$n" --epochs "$epochs" --validation-every 1000 --validation-steps 1 --json)
  engine=$("$strider" "${common[@]}" --backend engine --out "$work/engine$n.weights" | seconds)
  torch=$("$strider" "${common[@]}" --backend torch --device "$device" --out "$work/torch$n.weights" | seconds)
  /usr/bin/python3 -c "
n, epochs, engine, torch = $n, $epochs, $engine, $torch
print(f'{n:<6} {epochs:<7} {epochs / engine:<16.3g} {epochs / torch:<16.3g} {engine / torch:.2f}')"
done
