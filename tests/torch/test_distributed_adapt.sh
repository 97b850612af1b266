#!/usr/bin/env bash
# An adaptation sweep over processes (strider adapt with WORLD_SIZE=2, two
# processes on 127.0.0.1; seed k on rank k % 2) gives exactly what one process
# gives: the same JSON numbers, the same best structure file and curve, byte
# for byte (each seed's noise depends on the seed alone and the gather adds
# zeros), and only rank 0 writes. Seed 8 makes run 1 the best, so the best
# structure and policy cross from rank 1 to rank 0.
# Usage: test_distributed_adapt.sh STRIDER
set -euo pipefail
strider=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

adapt=(adapt "$root/shared/policy-lj-binary-100.weights" "$root/tests/references/lj-binary-n25.xyz"
       --epochs 4 --seeds 3 --seed 8 --json)
"$strider" "${adapt[@]}" --out "$work/single.xyz" --curve "$work/single.csv" --policy-out "$work/single.weights" \
  > "$work/single.json"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for rank in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$rank WORLD_SIZE=2 timeout 300 "$strider" "${adapt[@]}" \
    --out "$work/rank$rank.xyz" --curve "$work/rank$rank.csv" --policy-out "$work/rank$rank.weights" \
    > "$work/rank$rank.json" 2> "$work/rank$rank.err" &
done
status=0
for job in $(jobs -p); do wait "$job" || status=$?; done
if [ "$status" != 0 ]; then
  echo "FAIL: a rank exited with status $status"; cat "$work"/rank*.err; exit 1
fi
for f in rank1.xyz rank1.csv rank1.weights; do
  if [ -e "$work/$f" ]; then echo "FAIL: rank 1 wrote $f (only rank 0 writes)"; exit 1; fi
done
if [ -s "$work/rank1.json" ]; then echo "FAIL: rank 1 printed a result"; exit 1; fi
cmp "$work/single.xyz" "$work/rank0.xyz" || { echo "FAIL: best structures differ"; exit 1; }
cmp "$work/single.csv" "$work/rank0.csv" || { echo "FAIL: curves differ"; exit 1; }

/usr/bin/python3 - "$work/single.json" "$work/rank0.json" "$work/single.weights" "$work/rank0.weights" <<'PY'
import json, sys
single, sweep = (json.load(open(p)) for p in sys.argv[1:3])
def parameters(path):
    lines = open(path).read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("parameters "))
    return lines[start:]
keys = ["initial_energy", "final_energy", "best_seed", "best_epoch", "evaluations", "runs"]
diff = [k for k in keys if single[k] != sweep[k]]
print(f"single: final {single['final_energy']} (seed {single['best_seed']}), evaluations {single['evaluations']}; "
      f"sweep over {sweep['processes']} processes: final {sweep['final_energy']} (seed {sweep['best_seed']})")
if diff or sweep["processes"] != 2 or single["processes"] != 1 or single["best_seed"] != 1:
    print("FAIL: differs in", diff); sys.exit(1)
if parameters(sys.argv[3]) != parameters(sys.argv[4]):
    print("FAIL: adapted policies differ"); sys.exit(1)
PY
echo "PASS"
