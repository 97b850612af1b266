#!/usr/bin/env bash
# strider's FIRE against the paper's 10.2 s per 1000 steps (Table 10) and
# against LAMMPS `minimize` with `min_style fire`, one thread each, plus time
# against N. See README.md here and fire_vs_lammps.py.
#
#   tests/benchmarks/fire_vs_lammps.sh path/to/strider [--steps S] [--runs R] [--no-scaling | --scaling-only] [--keep DIR]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/against_lammps.sh"
run_against_lammps fire_vs_lammps.py \
  "$0 path/to/strider [--steps S] [--runs R] [--scaling-steps K] [--sizes N,...] [--no-scaling | --scaling-only] [--keep DIR]" "$@"
