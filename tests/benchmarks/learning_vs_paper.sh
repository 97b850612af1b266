#!/usr/bin/env bash
# Adaptation epoch and training time of the StriderNET policy against the paper's
# (Table 10: 11.7 s per adaptation epoch; Table 7: 2.11 h per 100 training epochs).
# See learning_vs_paper.py and README.md here.
#
#   tests/benchmarks/learning_vs_paper.sh path/to/strider [--runs R] [--adapt-epochs E] [--train-epochs E]
set -euo pipefail
export OMP_NUM_THREADS=1
exec /usr/bin/python3 "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/learning_vs_paper.py" "$@"
