# Sourced by the benchmarks against LAMMPS (energy_vs_lammps.sh, fire_vs_lammps.sh).
# run_against_lammps SCRIPT USAGE ARGS...: runs tests/benchmarks/SCRIPT with Debian's python
# (numpy needed) on ARGS, LAMMPS (`lmp`) on the PATH, one thread each; without ARGS, prints
# "usage: USAGE" and exits 2, as it does when python with numpy or lmp is missing.
run_against_lammps() {
  local script=$1 usage=$2
  shift 2
  if [ $# -lt 1 ]; then
    echo "usage: $usage" >&2
    exit 2
  fi
  # Debian's python (with numpy); the first python3 on PATH may be another one.
  local python=/usr/bin/python3
  if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "$python with numpy is needed (Debian: apt-get install python3-numpy)" >&2
    exit 2
  fi
  command -v lmp >/dev/null || { echo "lmp is needed (Debian: apt-get install lammps)" >&2; exit 2; }
  # One thread, one MPI rank (lmp started directly, not through mpirun).
  export OMP_NUM_THREADS=1
  exec "$python" "$(dirname "${BASH_SOURCE[0]}")/$script" "$@"
}
