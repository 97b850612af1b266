#!/usr/bin/python3
"""strider vs LAMMPS: time of one energy + forces + per-atom energies evaluation.

    /usr/bin/python3 tests/benchmarks/energy_vs_lammps.py STRIDER [--keep DIR] [--runs R]

(Normally called through energy_vs_lammps.sh, which sets OMP_NUM_THREADS=1.)

1. Makes two structures with LAMMPS MD, seeded and deterministic:
   lj-binary  Kob-Andersen 80:20, N = 4000, number density 1.2: fcc start with
              random species, minimised, melted at T = 6, then NVT at T = 2.0
              (dt 0.003);
   sw-si      Stillinger-Weber silicon, N = 4096 (8x8x8 diamond cells,
              a = 5.431 A), NVT at 3500 K (dt 1 fs).
   Each is written as extended XYZ at full precision (%.17g) and, from the same
   numbers, as a LAMMPS data file.
2. Times LAMMPS on exactly those coordinates, one process, one thread:
   timestep 0.0 with fix nve (atoms do not move, no list rebuild), the same
   Verlet skin as strider, compute pe/atom evaluated on every step (thermo 1
   with a reduce sum), `run 200` (lj-binary) / `run 100` (sw-si). Seconds per
   step come from the log: the Pair row's average, and the whole loop.
3. Times `strider bench FILE --repeat K --skin S --json` with K = LAMMPS's steps.
Every timing is repeated R times (default 3), the best one kept. Prints a table
and checks that strider's energy equals LAMMPS's pe to 1e-9 relative (exit
status 1 if not).
"""
import argparse
import contextlib
import json
import resource
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

LMP = shutil.which("lmp") or "/usr/bin/lmp"
SW_FILE = "/usr/share/lammps/potentials/Si.sw"
ENERGY_TOLERANCE = 1e-9  # relative

# Kob-Andersen binary LJ: (type i, type j) -> (epsilon, sigma, cutoff)
KA = {(1, 1): (1.0, 1.0, 2.5), (1, 2): (1.5, 0.8, 2.0), (2, 2): (0.5, 0.88, 2.2)}
SW_CUTOFF = 1.80 * 2.0951  # a sigma of Si.sw, Angstrom

SYSTEMS = {
    "lj-binary": {
        "units": "lj", "species": ["A", "B"], "masses": [1.0, 1.0],
        "pair": ["pair_style lj/cut 2.5"]
                + [f"pair_coeff {i} {j} {e!r} {s!r} {c!r}" for (i, j), (e, s, c) in sorted(KA.items())],
        "skin": 0.1 * 2.5,         # strider's default: 10% of the largest cutoff
        "steps": 200,
    },
    "sw-si": {
        "units": "metal", "species": ["Si"], "masses": [28.0855],
        "pair": ["pair_style sw", f"pair_coeff * * {SW_FILE} Si"],
        "skin": 0.1 * SW_CUTOFF,   # 0.377118 A
        "steps": 100,
    },
}


# --------------------------------------------------------------------------
# Structures
# --------------------------------------------------------------------------

def lattice(basis, cells, a):
    basis = np.asarray(basis, dtype=float)
    pts = [(basis + [i, j, k]) * a for i in range(cells) for j in range(cells) for k in range(cells)]
    return np.concatenate(pts)


FCC = [[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]]
DIAMOND = FCC + [[.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]]


def wrap(x, length):
    x = x - np.floor(x / length) * length
    x = np.where(x >= length, x - length, x)
    return np.where(x < 0.0, 0.0, x)


def write_data(path, system, species, x, length):
    """LAMMPS data file (atom_style atomic), coordinates at full precision."""
    spec = SYSTEMS[system]
    with open(path, "w") as f:
        f.write(f"strider benchmark {system}\n\n{len(x)} atoms\n{len(spec['species'])} atom types\n\n")
        for ax in "xyz":
            f.write(f"0.0 {length!r} {ax}lo {ax}hi\n")
        f.write("\nMasses\n\n")
        for t, m in enumerate(spec["masses"], 1):
            f.write(f"{t} {m!r}\n")
        f.write("\nAtoms # atomic\n\n")
        for i, (s, p) in enumerate(zip(species, x), 1):
            f.write(f"{i} {spec['species'].index(s) + 1} {p[0]!r} {p[1]!r} {p[2]!r}\n")


def write_xyz(path, system, species, x, length):
    L = repr(length)
    with open(path, "w") as f:
        f.write(f"{len(x)}\n")
        f.write(f'Lattice="{L} 0 0 0 {L} 0 0 0 {L}" Properties=species:S:1:pos:R:3 '
                f'pbc="T T T" system={system}\n')
        for s, p in zip(species, x):
            f.write(f"{s} {p[0]!r} {p[1]!r} {p[2]!r}\n")


def read_xyz(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0])
    length = float(re.search(r'Lattice="(\S+)', lines[1]).group(1))
    rows = [l.split() for l in lines[2:2 + n]]
    return [r[0] for r in rows], np.array([[float(v) for v in r[1:4]] for r in rows]), length


def run_lammps(workdir, script, log="log.lammps"):
    with open(os.path.join(workdir, "in.lmp"), "w") as f:
        f.write(script)
    res = subprocess.run([LMP, "-nocite", "-in", "in.lmp", "-log", log, "-screen", "none"],
                         cwd=workdir, capture_output=True, text=True)
    text = ""
    if os.path.exists(os.path.join(workdir, log)):
        with open(os.path.join(workdir, log)) as f:
            text = f.read()
    if res.returncode != 0 or "ERROR" in text:
        sys.stderr.write(script + "\n---- log ----\n" + text[-4000:] + res.stdout + res.stderr)
        raise RuntimeError("lmp failed in " + workdir)
    return text


def header(system, skin):
    spec = SYSTEMS[system]
    return [f"units {spec['units']}", "atom_style atomic", "boundary p p p",
            "atom_modify map array", "read_data data.lmp", *spec["pair"],
            f"neighbor {skin!r} bin", "neigh_modify every 1 delay 0 check yes"]


def make_structure(system, workdir):
    """Seeded LAMMPS MD from a lattice; writes workdir/<system>.xyz, returns its path."""
    rng = np.random.default_rng({"lj-binary": 20261125, "sw-si": 35001125}[system])
    if system == "lj-binary":
        n, density = 4000, 1.2
        length = (n / density) ** (1.0 / 3.0)
        x = lattice(FCC, 10, length / 10)  # 4 x 10^3 sites
        species = np.array(["A"] * 3200 + ["B"] * 800)[rng.permutation(n)].tolist()
        md = ["minimize 0.0 0.0 200 2000", "reset_timestep 0",
              "timestep 0.003",
              # melt well above the pure-LJ fcc melting line, then NVT at T = 2.0
              "velocity all create 6.0 4928459 mom yes rot no dist gaussian",
              "fix nvt all nvt temp 6.0 6.0 0.3", "run 400", "unfix nvt",
              "fix nvt all nvt temp 2.0 2.0 0.3", "run 600"]
    else:
        a = 5.431
        length = 8 * a
        x = lattice(DIAMOND, 8, a)
        species = ["Si"] * len(x)
        md = ["timestep 0.001",
              # twice the target: equipartition halves it within a few fs
              "velocity all create 7000.0 8675309 mom yes rot no dist gaussian",
              "fix nvt all nvt temp 3500.0 3500.0 0.1", "run 1000"]
    x = wrap(x, length)
    write_data(os.path.join(workdir, "data.lmp"), system, species, x, length)
    lines = header(system, SYSTEMS[system]["skin"]) + [
        "compute msd all msd", "thermo_style custom step temp pe c_msd[4]", "thermo 200", *md,
        "write_dump all custom md.dump id type x y z modify format float %.17g sort id"]
    log = run_lammps(workdir, "\n".join(lines) + "\n", "log.md")
    with open(os.path.join(workdir, "md.dump")) as f:
        rows = [l.split() for l in f.read().splitlines()[9:]]
    assert len(rows) == len(x) and [int(r[0]) for r in rows] == list(range(1, len(x) + 1))
    assert [SYSTEMS[system]["species"][int(r[1]) - 1] for r in rows] == species
    x = wrap(np.array([[float(v) for v in r[2:5]] for r in rows]), length)
    last = [l.split() for l in log.splitlines() if re.match(r"\s*\d+\s+\S+\s+\S+\s+\S+\s*$", l)][-1]
    print(f"  {system}: N = {len(x)}, L = {length:.6f}, after MD T = {float(last[1]):.4g}, "
          f"pe/atom = {float(last[2]) / (1 if system == 'lj-binary' else len(x)):.5g}, "
          f"MSD from start = {float(last[3]):.3g} (a liquid has diffused)")
    path = os.path.join(workdir, f"{system}.xyz")
    write_xyz(path, system, species, x, length)
    return path


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

def time_lammps(system, xyz, workdir):
    """One timed LAMMPS run: pair and loop seconds per step, pe, sum of pe/atom,
    neighbours listed, and the share of the loop's wall time it had a CPU."""
    spec = SYSTEMS[system]
    species, x, length = read_xyz(xyz)
    write_data(os.path.join(workdir, "data.lmp"), system, species, x, length)
    steps = spec["steps"]
    lines = header(system, spec["skin"]) + [
        "compute peatom all pe/atom",
        "compute pesum all reduce sum c_peatom",
        "thermo_style custom step pe c_pesum",
        "thermo_modify norm no format float %.17g",
        "thermo 1",          # pe/atom (and its sum) evaluated on every step
        "timestep 0.0",
        "fix nve all nve",   # integrates with dt = 0: nothing moves
        f"run {steps}",
        'print "ENERGY $(pe:%.17g) $(c_pesum:%.17g)" file energy.txt']
    log = run_lammps(workdir, "\n".join(lines) + "\n", "log.time")
    m = re.search(r"Loop time of (\S+) on (\d+) procs for (\d+) steps with (\d+) atoms", log)
    assert m and int(m.group(2)) == 1 and int(m.group(3)) == steps, "unexpected LAMMPS loop line"
    loop = float(m.group(1)) / steps
    pair_row = re.search(r"^Pair\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|", log, re.M)
    pair = float(pair_row.group(2)) / steps  # avg time column
    builds = int(re.search(r"Neighbor list builds = (\d+)", log).group(1))
    if builds != 0:
        raise RuntimeError(f"LAMMPS rebuilt its neighbour list {builds} times: atoms moved")
    neighbors = int(float(re.search(r"Total # of neighbors = (\S+)", log).group(1)))
    cpu_share = float(re.search(r"(\S+)% CPU use with", log).group(1)) / 100
    with open(os.path.join(workdir, "energy.txt")) as f:
        _, pe, pesum = f.read().split()
    return pair, loop, float(pe), float(pesum), neighbors, cpu_share


def time_strider(strider, system, xyz):
    spec = SYSTEMS[system]
    cmd = [strider, "bench", xyz, "--repeat", str(spec["steps"]), "--skin", repr(spec["skin"]), "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # cumulative: differenced below
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(stdout + stderr)
        raise RuntimeError("strider bench failed: " + " ".join(cmd))
    return json.loads(stdout), usage.ru_utime + usage.ru_stime, wall


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def loadavg():
    """The 1, 5 and 15 minute load averages as text (runnable processes, ours included)."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "0 0 0"


def load_1min():
    return float(loadavg().split()[0])


@contextlib.contextmanager
def work_folder(keep, prefix):
    """The folder a benchmark writes its structures and LAMMPS files in: `keep` (made if absent, kept),
    or a new temporary folder named prefix... that is removed at the end."""
    top = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix=prefix)
    os.makedirs(top, exist_ok=True)
    try:
        yield top
    finally:
        if not keep:
            shutil.rmtree(top, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("strider", help="path to the strider binary")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the structures and LAMMPS files")
    ap.add_argument("--runs", type=int, default=3, help="timings per code and system; the best is kept")
    args = ap.parse_args()
    if args.runs < 1:
        sys.exit("--runs must be >= 1")
    strider = os.path.abspath(args.strider)
    if not os.access(strider, os.X_OK):
        sys.exit(f"not an executable: {args.strider}")
    if not os.access(LMP, os.X_OK):
        sys.exit("LAMMPS (`lmp`, Debian package lammps) is needed")

    with work_folder(args.keep, "strider-bench-") as top:
        print(f"LAMMPS: {LMP}, strider: {strider}")
        print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
              f"load average {loadavg()} (both codes run one thread; another busy core adds noise)")
        load_before = load_1min()
        print("structures (LAMMPS MD, fixed seeds):")
        rows, ok = [], True
        for system in SYSTEMS:
            work = os.path.join(top, system)
            os.makedirs(work, exist_ok=True)
            xyz = make_structure(system, work)
            lmp_runs, str_runs = [], []
            for _ in range(args.runs):  # interleaved so slow drifts hit both codes alike
                pair, loop, pe, pesum, neighbors, share = time_lammps(system, xyz, work)
                lmp_runs.append((loop, pair, share))
                cpu_before = children_cpu()
                out, cpu_after, wall = time_strider(strider, system, xyz)
                str_runs.append((out["seconds_per_evaluation"], (cpu_after - cpu_before) / wall))
            best_loop, _, lmp_share = min(lmp_runs)
            best_pair = min(run[1] for run in lmp_runs)  # may come from another run
            best_strider, str_share = min(str_runs)
            rows.append((system, out["n_atoms"], best_strider, best_pair, best_loop,
                         out["pairs"], neighbors, lmp_share, str_share))
            rel = abs(out["energy"] - pe) / abs(pe)
            rel_sum = abs(pesum - pe) / abs(pe)
            good = rel <= ENERGY_TOLERANCE
            ok = ok and good
            print(f"  {system}: energy strider {out['energy']:.15g}, LAMMPS pe {pe:.15g} "
                  f"(sum of pe/atom {pesum:.15g}): relative difference {rel:.2e} "
                  f"{'OK' if good else 'FAIL'} (<= {ENERGY_TOLERANCE:g}); pe/atom sum off by {rel_sum:.1e}")

        print(f"\nbest of {args.runs} runs; one thread each; ms per energy+forces+per-atom-energies evaluation")
        head = (f"{'system':<10} {'N':>5} {'skin':>8} {'strider':>9} {'LMP Pair':>9} {'LMP loop':>9} "
                f"{'str/Pair':>9} {'str/loop':>9} {'str pairs':>10} {'LMP neigh':>10} {'CPU share':>10}")
        print(head)
        print("-" * len(head))
        busy = False
        for system, n, s, p, l, pairs, neighbors, lshare, sshare in rows:
            print(f"{system:<10} {n:>5} {SYSTEMS[system]['skin']:>8.6g} {s * 1e3:>9.3f} {p * 1e3:>9.3f} "
                  f"{l * 1e3:>9.3f} {s / p:>9.3f} {s / l:>9.3f} {pairs:>10} {neighbors:>10} "
                  f"{sshare:>4.0%} {lshare:>4.0%}")
            busy = busy or min(lshare, sshare) < 0.95
        print("str pairs: strider's half list, all pairs within the largest cutoff + skin.\n"
              "LMP neigh: LAMMPS's list; half with per-type-pair cutoff + skin for lj/cut, full for sw.\n"
              "CPU share: CPU time / wall time of the fastest run (strider, LAMMPS); under 100%\n"
              "the process waited for a core, and its wall-clock times above are inflated.")
        load_after = load_1min()
        print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
        if busy or max(load_before, load_after) > 1.5:
            print("NOTE: the machine was busy (CPU share < 95% or load average > 1.5, i.e. other work\n"
                  "      beside the benchmark): the timings are noisy; run again when it is idle.")
        if not ok:
            print("FAIL: strider's energy differs from LAMMPS's")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
