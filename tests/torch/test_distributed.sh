#!/usr/bin/env bash
# c10d data-parallel training (strider train --backend torch with WORLD_SIZE=2,
# two processes on 127.0.0.1) ends with the parameters of the same training in
# one process, to rounding (1e-12 relative: the gradient sums are added in
# another order); and training did move them. The reinforce estimator: with the
# pathwise one the output bias's gradient is the total force, zero but for
# rounding, and Adam (epsilon 1e-8) turns that rounding into ~1e-9 steps that
# differ with the order of the sums (see test_torch_policy.cpp).
# Usage: test_distributed.sh STRIDER
set -euo pipefail
strider=$1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$strider" generate --system lj-binary --n 20 --count 6 --seed 3 --equilibration 200 --interval 50 \
  --out "$work/data" > /dev/null
train=(train --backend torch --estimator reinforce --data "$work/data" --batch-size 3 --accumulation 1 --steps 4
       --validation-every 2 --validation-steps 3 --seed 5)

"$strider" "${train[@]}" --epochs 0 --out "$work/initial.weights" > /dev/null
"$strider" "${train[@]}" --epochs 3 --out "$work/single.weights" > /dev/null

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for rank in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$rank WORLD_SIZE=2 \
    timeout 300 "$strider" "${train[@]}" --epochs 3 --out "$work/rank$rank.weights" > "$work/rank$rank.out" 2>&1 &
done
status=0
for job in $(jobs -p); do wait "$job" || status=$?; done
if [ "$status" != 0 ]; then
  echo "FAIL: a rank exited with status $status"; cat "$work"/rank*.out; exit 1
fi
if [ -e "$work/rank1.weights" ]; then echo "FAIL: rank 1 wrote a weight file (only rank 0 writes)"; exit 1; fi
grep -q "2 processes" "$work/rank0.out" || { echo "FAIL: rank 0 did not report 2 processes"; cat "$work/rank0.out"; exit 1; }

/usr/bin/python3 - "$work/initial.weights" "$work/single.weights" "$work/rank0.weights" <<'PY'
import sys
def parameters(path):
    lines = open(path).read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("parameters "))
    count = int(lines[start].split()[1])
    return [float(x) for x in lines[start + 1:start + 1 + count]]
initial, single, distributed = (parameters(p) for p in sys.argv[1:])
scale = max(abs(x) for x in single)
difference = max(abs(a - b) for a, b in zip(distributed, single)) / scale
moved = max(abs(a - b) for a, b in zip(single, initial)) / scale
print(f"distributed vs single process: max relative difference {difference:.3g}; training moved them by {moved:.3g}")
if not (len(single) == len(distributed) and difference <= 1e-12 and moved > 1e-6):
    print("FAIL"); sys.exit(1)
PY
echo "PASS"
