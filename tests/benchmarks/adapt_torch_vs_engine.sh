#!/usr/bin/env bash
# Adaptation throughput, `strider adapt --backend torch` (every seed in one
# LibTorch batch) against the engine (--backend engine, the seeds one after
# another), binary LJ: N = 100 with K = 10 seeds, N = 1000 with K = 10,
# N = 10 000 with K = 1. Prints adaptation epochs per second (all seeds
# together: K x E / seconds), their ratio (torch / engine; above 1 the torch
# backend is faster) and each run's peak memory (maximum resident set, from
# /usr/bin/time). The trained policy is shared/policy-lj-binary-100.weights
# (inductive: it runs at every N). Not a test.
# Usage: adapt_torch_vs_engine.sh STRIDER [DEVICE] [--quick] [--estimator NAME] [--n N] [--threads LIST] [--memory]
#   DEVICE: cpu (default) or cuda; --quick: fewer epochs (a smoke run);
#   --estimator: pathwise (default), reinforce or bptt, for both backends;
#   --n: only the row of that N (100, 1000 or 10000);
#   --threads: the torch backend's thread counts, comma-separated (e.g. 1,2): one
#   torch run and row per count against the same engine run (default: OMP_NUM_THREADS, else 1);
#   --memory: instead, peak memory against N (one seed, one epoch, N = 1000,
#   3000, 10 000) and its growth per 1000 atoms between rows: constant when
#   memory is linear in N.
set -euo pipefail
strider=$1
device=cpu
quick=0
estimator=pathwise
only=
memory=0
threads=${OMP_NUM_THREADS:-1}
shift
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --estimator) estimator=$2; shift ;;
    --n) only=$2; shift ;;
    --threads) threads=$2; shift ;;
    --memory) memory=1 ;;
    *) device=$1 ;;
  esac
  shift
done
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
policy=$root/shared/policy-lj-binary-100.weights
# The engine is single-threaded; the torch backend runs with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS
# = each count of --threads (as train_torch_vs_engine.sh: one by default).
IFS=, read -r -a thread_counts <<< "$threads"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
echo "torch threads: ${threads} (OMP_NUM_THREADS = OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset})" \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}; device $device; estimator $estimator; load $(cut -d' ' -f1-3 /proc/loadavg)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The torch backend at all? (a build without LibTorch says so)
"$strider" generate --system lj-binary --n 100 --count 1 --seed 1 --equilibration 100 --out "$work/probe" \
  > /dev/null
if ! "$strider" adapt "$policy" "$work/probe"/*.xyz --epochs 1 --seeds 1 --backend torch --device "$device" \
     --json > /dev/null 2> "$work/probe.err"; then
  echo "skipped: $(tail -1 "$work/probe.err")"
  exit 0
fi

# run NAME ARGS...: strider adapt ARGS --json; prints "SECONDS PEAK_KB" (peak resident set in KiB).
run() {
  local name=$1
  shift
  /usr/bin/time -f "%M" -o "$work/$name.time" "$strider" adapt "$@" --json > "$work/$name.json"
  /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"], open(sys.argv[2]).read().split()[-1])' \
    "$work/$name.json" "$work/$name.time"
}

if [ "$memory" = 1 ]; then
  printf "%-6s %-15s %-15s %-28s %s\n" N "engine peak MB" "torch peak MB" "engine MB per 1000 atoms more" \
    "torch MB per 1000 atoms more"
  previous=
  for n in 1000 3000 10000; do
    "$strider" generate --system lj-binary --n "$n" --count 1 --seed 2 --equilibration 300 --interval 100 \
      --out "$work/m$n" > /dev/null
    common=("$policy" "$work/m$n/000.xyz" --epochs 1 --seeds 1 --seed 1 --estimator "$estimator")
    read -r _ engine_kb <<< "$(run engine-m$n "${common[@]}" --backend engine)"
    read -r _ torch_kb <<< "$(OMP_NUM_THREADS=${thread_counts[0]} OPENBLAS_NUM_THREADS=${thread_counts[0]} \
      run torch-m$n "${common[@]}" --backend torch --device "$device")"
    /usr/bin/python3 - <<PY
n, e, t, previous = $n, $engine_kb / 1024, $torch_kb / 1024, "$previous".split()
growth = ["", ""]
if previous:
    pn, pe, pt = int(previous[0]), float(previous[1]), float(previous[2])
    growth = [f"{(e - pe) / (n - pn) * 1000:.1f}", f"{(t - pt) / (n - pn) * 1000:.1f}"]
print(f"{n:<6} {e:<15.0f} {t:<15.0f} {growth[0]:<28} {growth[1]}")
PY
    previous="$n $((engine_kb / 1024)) $((torch_kb / 1024))"
  done
  exit 0
fi

printf "%-6s %-3s %-7s %-8s %-17s %-17s %-15s %-14s %s\n" N K epochs threads "engine epochs/s" "torch epochs/s" \
  "torch / engine" "engine peak MB" "torch peak MB"
for row in "100 10 10" "1000 10 2" "10000 1 2"; do
  read -r n seeds epochs <<< "$row"
  [ -n "$only" ] && [ "$n" != "$only" ] && continue
  [ "$quick" = 1 ] && epochs=1
  "$strider" generate --system lj-binary --n "$n" --count 1 --seed 2 --equilibration 300 --interval 100 \
    --out "$work/n$n" > /dev/null
  target=$(ls "$work/n$n"/*.xyz | head -1)
  common=("$policy" "$target" --epochs "$epochs" --seeds "$seeds" --seed 1 --estimator "$estimator")
  read -r engine engine_kb <<< "$(run engine$n "${common[@]}" --backend engine)"
  for t in "${thread_counts[@]}"; do
    read -r torch torch_kb <<< "$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t \
      run torch$n-$t "${common[@]}" --backend torch --device "$device")"
    /usr/bin/python3 - "$work/engine$n.json" "$work/torch$n-$t.json" <<PY
import json, sys
engine, torch = (json.load(open(p)) for p in sys.argv[1:3])
# The same adaptation: the final energies agree to rounding.
scale = abs(engine["initial_energy"])
if abs(engine["final_energy"] - torch["final_energy"]) > 1e-8 * scale:
    sys.exit(f"FAIL: N = $n: final energies differ: engine {engine['final_energy']}, torch {torch['final_energy']}")
n, seeds, epochs, e, t = $n, $seeds, $epochs, $engine, $torch
print(f"{n:<6} {seeds:<3} {epochs:<7} {$t:<8} {seeds * epochs / e:<17.3g} {seeds * epochs / t:<17.3g} {e / t:<15.2f} "
      f"{$engine_kb / 1024:<14.0f} {$torch_kb / 1024:.0f}")
PY
  done
done
