#!/usr/bin/env bash
# Reproduce the paper's Table 2 (inductivity) on strider-generated data. See demos/README.md.
#   demos/table2/run.sh [--scale full|small|tiny] [--model WEIGHTS] [--sizes 25,50,...] [--jobs J] [--strider BIN]
#                       [--targets N] [--adapt-epochs E] [--adapt-seeds K] [--large-targets N] [--large-epochs E]
# The policy (default: shared/policy-lj-binary-100.weights, trained at N = 100) adapts at every size.
# Results: demos/table2/results/table2-<scale>.{json,md,svg}; scratch: demos/table2/work/<scale>/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale=small; jobs=2; strider="$root/build/strider"; model="$root/shared/policy-lj-binary-100.weights"; extra=()
cmdline="demos/table2/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2;;
    --model) model="$2"; shift 2;;
    --jobs) jobs="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --sizes|--targets|--adapt-epochs|--adapt-seeds|--large-targets|--large-epochs) extra+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,6p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -x "$strider" ]] || { echo "run.sh: $strider not built (make build)" >&2; exit 2; }
exec /usr/bin/python3 "$here/table2.py" --strider "$strider" --model "$model" --scale "$scale" --jobs "$jobs" \
  --work "$here/work/$scale" --results "$here/results" --command "$cmdline" "${extra[@]}"
