#!/usr/bin/env bash
# Basin hopping with a learned move against plain basin hopping, at the same budget of energy
# evaluations (demos/learned_hopping/hopping.py). It uses the policy and the held-out targets of
# the ablation (run demos/ablation/run.sh --system S first): the authors' recipe's trained policy
# (or --model WEIGHTS, e.g. a shipped one), and an untrained policy of the same architecture and
# feature set as the control. --targets DIR: other held-out targets (a `strider generate` folder),
# with --model and without the ablation.
#   demos/learned_hopping/run.sh [--system lj-binary|sw-si|csh] [--model WEIGHTS] [--targets DIR] [--seeds K] [--budget EVALS]
#                                [--kicks a,b] [--random-steps a,b] [--adaptive-lrs a,b] [--jobs J] [--strider BIN]
# Results: demos/learned_hopping/results/<system>[-<model name>][-<targets folder name>].{md,json}; scratch
# (resumable): demos/learned_hopping/work/<same name>/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
system=lj-binary; strider="$root/build/strider"; model=""; targets=""; args=()
cmdline="demos/learned_hopping/run.sh$(printf " %q" "$@")"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --system) system="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --model) model="$(realpath "$2")"; shift 2;;
    --targets) targets="$(realpath "$2")"; shift 2;;
    --seeds|--budget|--kicks|--random-steps|--adaptive-lrs|--jobs) args+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -x "$strider" ]] || { echo "run.sh: no strider at $strider (make build, or --strider BIN)" >&2; exit 2; }
ablation="$root/demos/ablation/work/$system"
name="$system"
if [[ -n "$model" ]]; then
  name="$system-$(basename "$model" .weights)"
else
  [[ -z "$targets" ]] || { echo "run.sh: --targets needs --model" >&2; exit 2; }
  model="$ablation/policy-estimator-bptt-variance-1e-12-init-lecun-features-authors.weights"
fi
data="$ablation/data"
if [[ -n "$targets" ]]; then  # the untrained control's weights are made with the targets as its (unused) data
  name="$name-$(basename "$targets")"; data="$targets"
else
  targets="$ablation/targets"
fi
[[ -s "$model" ]] || { echo "run.sh: no trained policy at $model (run demos/ablation/run.sh --system $system)" >&2; exit 2; }
features=$(grep -m1 -o '"features": "[a-z]*"' "$model" | cut -d'"' -f4)
variance=$(grep -m1 -o '"variance": [0-9.e+-]*' "$model" | cut -d' ' -f2)
work="$here/work/$name"
mkdir -p "$work" "$here/results"
untrained="$work/untrained.weights"
if [[ ! -s "$untrained" ]]; then  # same architecture and recipe, no training epoch
  "$strider" train --system "$system" --data "$data" --out "$untrained" --epochs 0 --estimator bptt \
    --init lecun --variance "$variance" --features "$features" >/dev/null
fi
cd "$targets/.."
exec /usr/bin/python3 "$here/hopping.py" --strider "$strider" --model "$model" --untrained "$untrained" \
  --targets "$(basename "$targets")"/[0-9]*.xyz --work "$work" --out "$here/results/$name" --command "$cmdline" "${args[@]}"
