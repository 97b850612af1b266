#!/usr/bin/env bash
# The learned optimiser's ablation (demos/ablation/ablation.py): paper-literal, the authors'
# code, each change alone and all together, trained and adapted on the same data and targets.
#   demos/ablation/run.sh [--system lj-binary|sw-si|csh] [--jobs J] [--strider BIN] [--train-epochs E]
#                         [--targets N] [--adapt-epochs E] [--seeds K] [--variants a,b,...]
# Results: demos/ablation/results/<system>-ablation.{md,json}; scratch (resumable): demos/ablation/work/<system>/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
system=lj-binary; strider="$root/build/strider"; args=()
cmdline="demos/ablation/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --system) system="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --jobs|--train-epochs|--targets|--adapt-epochs|--seeds|--variants) args+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,6p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -x "$strider" ]] || { echo "run.sh: no strider at $strider (make build, or --strider BIN)" >&2; exit 2; }
exec /usr/bin/python3 "$here/ablation.py" --strider "$strider" --system "$system" --work "$here/work/$system" \
  --results "$here/results" --command "$cmdline" "${args[@]}"
