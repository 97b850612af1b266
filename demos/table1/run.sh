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
for arg in "$@"; do [[ "$arg" == -h || "$arg" == --help ]] && { sed -n '2,13p' "$0"; exit 0; }; done
# table1.py parses the options (demos/table1/command_line.py); an unknown one stops it (exit status 2).
exec /usr/bin/python3 "$here/table1.py" --command "demos/table1/run.sh$(printf " %q" "$@")" "$@"
