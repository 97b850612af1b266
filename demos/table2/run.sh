#!/usr/bin/env bash
# Reproduce the paper's Table 2 (inductivity) on strider-generated data. See demos/README.md.
#   demos/table2/run.sh [--scale full|small|tiny] [--model WEIGHTS] [--sizes 25,50,...] [--jobs J] [--strider BIN]
#                       [--estimator NAME] [--adapt-options "..."] [--tag NAME] [--results DIR] [--work DIR]
#                       [--targets N] [--adapt-epochs E] [--adapt-seeds K] [--large-targets N] [--large-epochs E] [--large-seeds K]
# The policy (default: shared/policy-lj-binary-100.weights, trained at N = 100) adapts at every size with
# strider adapt --estimator NAME (default pathwise) and the extra options given. full = the paper's protocol
# (10 targets, 1000 epochs x 10 seeds) at every N; --large-* change it at N >= 500 only.
# Stop it at any time and rerun the same command: finished jobs (each (N, target, seed) adaptation, each
# baseline run) are kept in demos/table2/work/<scale>/ and not redone (or in --work DIR).
# Results: demos/table2/results/table2-<scale>[-<tag>].{json,md,svg,png} (or in --results DIR).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale=small; jobs=2; strider="$root/build/strider"; model="$root/shared/policy-lj-binary-100.weights"
results="$here/results"; work=""; extra=()
cmdline="demos/table2/run.sh$(printf " %q" "$@")"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2;;
    --model) model="$2"; shift 2;;
    --jobs) jobs="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --results) results="$2"; shift 2;;
    --work) work="$2"; shift 2;;
    --sizes|--estimator|--adapt-options|--tag|--targets|--adapt-epochs|--adapt-seeds|--large-targets|--large-epochs|--large-seeds)
      extra+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -x "$strider" ]] || { echo "run.sh: $strider not built (make build)" >&2; exit 2; }
exec /usr/bin/python3 "$here/table2.py" --strider "$strider" --model "$model" --scale "$scale" --jobs "$jobs" \
  --work "${work:-$here/work/$scale}" --results "$results" --command "$cmdline" "${extra[@]}"
