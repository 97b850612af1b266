#!/usr/bin/env bash
# strider vs LAMMPS, one thread each: time of energy + forces + per-atom energies
# on a 4000-atom Kob-Andersen liquid and a 4096-atom 3500 K Stillinger-Weber
# silicon snapshot. See README.md here and energy_vs_lammps.py.
#
#   tests/benchmarks/energy_vs_lammps.sh path/to/strider [--keep DIR] [--runs R]
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 path/to/strider [--keep DIR] [--runs R]" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian's python (with numpy); the first python3 on PATH may be another one.
python=/usr/bin/python3
if ! "$python" -c 'import numpy' 2>/dev/null; then
  echo "$python with numpy is needed (Debian: apt-get install python3-numpy)" >&2
  exit 2
fi
command -v lmp >/dev/null || { echo "lmp is needed (Debian: apt-get install lammps)" >&2; exit 2; }

# One thread, one MPI rank (lmp started directly, not through mpirun).
export OMP_NUM_THREADS=1
exec "$python" "$here/energy_vs_lammps.py" "$@"
