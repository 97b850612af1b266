#!/usr/bin/env bash
# Basin hopping with a learned move against plain basin hopping, at the same budget of energy
# evaluations (demos/learned_hopping/hopping.py). It uses the policy and the held-out targets of
# the ablation (run demos/ablation/run.sh --system S first): the authors' recipe's trained policy,
# and an untrained policy of the same architecture as the control.
#   demos/learned_hopping/run.sh [--system lj-binary|sw-si] [--seeds K] [--budget EVALS] [--kicks a,b] [--random-steps a,b] [--jobs J] [--strider BIN]
# Results: demos/learned_hopping/results/<system>.{md,json}; scratch (resumable): demos/learned_hopping/work/<system>/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
system=lj-binary; strider="$root/build/strider"; args=()
cmdline="demos/learned_hopping/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --system) system="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --seeds|--budget|--kicks|--random-steps|--jobs) args+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,7p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -x "$strider" ]] || { echo "run.sh: no strider at $strider (make build, or --strider BIN)" >&2; exit 2; }
ablation="$root/demos/ablation/work/$system"
model="$ablation/policy-estimator-bptt-variance-1e-12-init-lecun-features-authors.weights"
[[ -s "$model" ]] || { echo "run.sh: no trained policy at $model (run demos/ablation/run.sh --system $system)" >&2; exit 2; }
work="$here/work/$system"
mkdir -p "$work" "$here/results"
untrained="$work/untrained.weights"
if [[ ! -s "$untrained" ]]; then  # same architecture and recipe, no training epoch
  "$strider" train --system "$system" --data "$ablation/data" --out "$untrained" --epochs 0 --estimator bptt \
    --init lecun --variance 1e-12 --features authors >/dev/null
fi
cd "$ablation"
exec /usr/bin/python3 "$here/hopping.py" --strider "$strider" --model "$model" --untrained "$untrained" \
  --targets targets/[0-9]*.xyz --work "$work" --out "$here/results/$system" --command "$cmdline" "${args[@]}"
