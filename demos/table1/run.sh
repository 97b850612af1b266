#!/usr/bin/env bash
# Reproduce the paper's Table 1 on strider-generated data. See demos/README.md.
#   demos/table1/run.sh [--scale full|small|tiny] [--system lj-binary|sw-si|csh] [--jobs J] [--strider BIN]
#                       [--estimator NAME] [--train-options "..."] [--adapt-options "..."] [--tag NAME] [--results DIR] [--work DIR]
#                       [--train-epochs E] [--validation-every K] [--targets N] [--adapt-epochs E] [--adapt-seeds K]
# full = the paper's protocol (10 targets, 1000 adaptation epochs x 10 seeds; 1000 training epochs).
# The learned method: strider train/adapt --estimator NAME (default pathwise) with the extra options given.
# Stop it at any time and rerun the same command: finished jobs (training checkpoints, each (target, seed)
# adaptation, each baseline run) are kept in demos/table1/work/<system>-<scale>/ and not redone (or in --work DIR);
# data and classical runs are shared by all methods there, a training by the methods with its estimator and
# training options.
# Results: demos/table1/results/<system>-<scale>[-<tag>].{json,md} and -{anytime,validation,adaptation}.{svg,png}
# (or in --results DIR); the tag names a method other than the default (e.g. bptt-adapt-restart-any), or --tag NAME.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale=small; system=lj-binary; jobs=2; strider=""; results="$here/results"; work=""; extra=()
cmdline="demos/table1/run.sh$(printf " %q" "$@")"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2;;
    --system) system="$2"; shift 2;;
    --jobs) jobs="$2"; shift 2;;
    --strider) strider="$2"; shift 2;;
    --results) results="$2"; shift 2;;
    --work) work="$2"; shift 2;;
    --estimator|--train-options|--adapt-options|--tag|--train-epochs|--validation-every|--targets|--adapt-epochs|--adapt-seeds)
      extra+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    *) echo "run.sh: unknown option $1" >&2; exit 2;;
  esac
done
if [[ -z "$strider" ]]; then
  for b in "$root/build/strider" "$root/build-demo/strider"; do [[ -x "$b" ]] && strider="$b" && break; done
fi
if [[ -z "$strider" ]]; then
  echo "run.sh: building strider in $root/build-demo" >&2
  cmake -S "$root" -B "$root/build-demo" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build-demo" -j"$jobs" --target strider >/dev/null
  strider="$root/build-demo/strider"
fi
exec /usr/bin/python3 "$here/table1.py" --strider "$strider" --system "$system" --scale "$scale" --jobs "$jobs" \
  --work "${work:-$here/work/$system-$scale}" --results "$results" --command "$cmdline" "${extra[@]}"
