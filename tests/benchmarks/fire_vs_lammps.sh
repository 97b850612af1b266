#!/usr/bin/env bash
# strider's FIRE against the paper's 10.2 s per 1000 steps (Table 10) and
# against LAMMPS `minimize` with `min_style fire`, one thread each, plus time
# against N. See README.md here and fire_vs_lammps.py.
#
#   tests/benchmarks/fire_vs_lammps.sh path/to/strider [--steps S] [--runs R] [--no-scaling | --scaling-only] [--keep DIR]
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 path/to/strider [--steps S] [--runs R] [--scaling-steps K] [--sizes N,...] [--no-scaling | --scaling-only] [--keep DIR]" >&2
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
exec "$python" "$here/fire_vs_lammps.py" "$@"
