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
for arg in "$@"; do [[ "$arg" == -h || "$arg" == --help ]] && { sed -n '2,11p' "$0"; exit 0; }; done
# table2.py parses the options (demos/table1/command_line.py); an unknown one stops it (exit status 2).
exec /usr/bin/python3 "$here/table2.py" --command "demos/table2/run.sh$(printf " %q" "$@")" "$@"
