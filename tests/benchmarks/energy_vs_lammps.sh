#!/usr/bin/env bash
# strider vs LAMMPS, one thread each: time of energy + forces + per-atom energies
# on a 4000-atom Kob-Andersen liquid and a 4096-atom 3500 K Stillinger-Weber
# silicon snapshot. See README.md here and energy_vs_lammps.py.
#
#   tests/benchmarks/energy_vs_lammps.sh path/to/strider [--keep DIR] [--runs R]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/against_lammps.sh"
run_against_lammps energy_vs_lammps.py "$0 path/to/strider [--keep DIR] [--runs R]" "$@"
