#!/usr/bin/python3
"""Regenerates the LAMMPS reference energies, per-atom energies and forces.

    /usr/bin/python3 tests/references/generate.py [--check] [--keep DIR]

For every case below this script
  1. builds a structure (numpy, seeded per case; some cases then run a short
     LAMMPS MD whose final snapshot is the structure),
  2. writes it as extended XYZ, tests/references/<system>-<case>.xyz,
  3. writes a LAMMPS data file and input in a temporary directory and runs
     `lmp` once (`run 0`) on exactly those coordinates,
  4. writes tests/references/<system>-<case>.json with LAMMPS's total energy,
     per-atom energies (compute pe/atom) and forces, all at %.17g.

LAMMPS is the source of truth. `--check` additionally recomputes every case
with an independent brute-force numpy implementation (all periodic images
within the cutoff) and stops if it disagrees with LAMMPS: a guard against
LAMMPS inputs that do not express the physics of docs/systems.md.

It also writes demos/structures/lj-binary-100.xyz (the lj-binary n100 structure).
Needs Debian's python3 with numpy and the Debian `lammps` package (`lmp`).
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LMP = shutil.which("lmp") or "/usr/bin/lmp"
SW_FILE = "/usr/share/lammps/potentials/Si.sw"


# --------------------------------------------------------------------------
# The four systems in LAMMPS terms (docs/systems.md)
# --------------------------------------------------------------------------

# Kob-Andersen binary LJ: (type i, type j) -> (epsilon, sigma, cutoff = 2.5 sigma)
KA = {(1, 1): (1.0, 1.0, 2.5), (1, 2): (1.5, 0.8, 2.0), (2, 2): (0.5, 0.88, 2.2)}
CSH_EPS, CSH_SIGMA, CSH_CUT, CSH_MASS = 2660.77425533, 50.0, 150.0, 98551.0
SI_MASS = 28.0855

SYSTEMS = {
    "lj-binary": {"units": "lj", "species": ["A", "B"], "masses": [1.0, 1.0]},
    "sw-si": {"units": "metal", "species": ["Si"], "masses": [SI_MASS]},
    "csh": {"units": "real", "species": ["CSH"], "masses": [CSH_MASS]},
    "lj": {"units": "lj", "species": ["X"], "masses": [1.0]},
}


def pair_commands(system, options):
    """LAMMPS pair_style / pair_coeff / pair_modify lines for a system."""
    shift = "yes" if options["shift"] else "no"
    if system == "lj-binary":
        lines = ["pair_style lj/cut 2.5"]
        for (i, j), (eps, sig, cut) in sorted(KA.items()):
            lines.append(f"pair_coeff {i} {j} {eps!r} {sig!r} {cut!r}")
        lines.append(f"pair_modify shift {shift}")
    elif system == "sw-si":
        lines = ["pair_style sw", f"pair_coeff * * {SW_FILE} Si"]
    elif system == "csh":
        # mie/cut prefactor for 28-14 is (28/14) * (28/14)^(14/14) = 4: V = 4 eps [(s/r)^28 - (s/r)^14]
        lines = [f"pair_style mie/cut {CSH_CUT!r}",
                 f"pair_coeff 1 1 {CSH_EPS!r} {CSH_SIGMA!r} 28.0 14.0",
                 f"pair_modify shift {shift}"]
    elif system == "lj":
        cut = options["lammps_cutoff"]
        lines = [f"pair_style lj/cut {cut!r}", f"pair_coeff 1 1 1.0 1.0 {cut!r}",
                 f"pair_modify shift {shift}"]
    else:
        raise ValueError(system)
    return lines


# --------------------------------------------------------------------------
# Structures
# --------------------------------------------------------------------------

class Structure:
    """positions (N x 3), species names, box lengths (or None for a free cluster)."""

    def __init__(self, positions, species, lengths):
        self.positions = np.array(positions, dtype=float)
        self.species = list(species)
        self.lengths = None if lengths is None else np.array(lengths, dtype=float)
        if self.lengths is not None:
            self.wrap()

    def wrap(self):
        L = self.lengths
        x = self.positions - np.floor(self.positions / L) * L
        x = np.where(x >= L, x - L, x)
        x = np.where(x < 0, 0.0, x)
        self.positions = x

    @property
    def n(self):
        return len(self.species)


def min_image_distances(x, lengths):
    d = x[None, :, :] - x[:, None, :]
    if lengths is not None:
        d -= np.round(d / lengths) * lengths
    r = np.sqrt((d * d).sum(-1))
    np.fill_diagonal(r, np.inf)
    return r


def random_sequential(rng, n, lengths, dmin, max_tries=200000):
    """n points uniformly in the box, no two (minimum image) closer than dmin."""
    lengths = np.asarray(lengths, dtype=float)
    pts = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > max_tries:
            raise RuntimeError(f"random_sequential: could not place {n} points with dmin {dmin}")
        p = rng.random(3) * lengths
        if pts:
            d = np.array(pts) - p
            d -= np.round(d / lengths) * lengths
            if np.min((d * d).sum(-1)) < dmin * dmin:
                continue
        pts.append(p)
    return np.array(pts)


def binary_species(rng, n):
    """Kob-Andersen 80:20 A:B, in random order."""
    na = int(round(0.8 * n))
    sp = np.array(["A"] * na + ["B"] * (n - na))
    return list(sp[rng.permutation(n)])


def lattice(basis, cells, a):
    """The cubic cells (cells[0] x cells[1] x cells[2], edge a) each holding the basis (fractions)."""
    pts = []
    for i in range(cells[0]):
        for j in range(cells[1]):
            for k in range(cells[2]):
                pts.extend((np.array(basis) + [i, j, k]) * a)
    return np.array(pts)


def diamond(cells, a):
    return lattice([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0],
                    [.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]], cells, a)


def fcc(cells, a):
    return lattice([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]], cells, a)


def simple_cubic(m, a):
    g = np.arange(m) * a
    return np.array([[x, y, z] for x in g for y in g for z in g])


def icosahedron13(r):
    """Centre plus the 12 vertices of an icosahedron at distance r."""
    phi = (1 + 5 ** 0.5) / 2
    v = []
    for s1 in (-1, 1):
        for s2 in (-1, 1):
            v += [[0, s1, s2 * phi], [s1, s2 * phi, 0], [s2 * phi, 0, s1]]
    v = np.array(v, dtype=float)
    v *= r / np.linalg.norm(v[0])
    return np.vstack([[0.0, 0.0, 0.0], v])


def truncated_octahedron38(a):
    """The LJ38 global-minimum shape: the 38 fcc sites nearest an octahedral hole
    (shells of 6, 8 and 24 sites); a is the fcc cubic lattice constant."""
    pts = []
    for i in range(-3, 4):
        for j in range(-3, 4):
            for k in range(-3, 4):
                if (i + j + k) % 2 == 0:
                    pts.append([i, j, k])
    pts = np.array(pts, dtype=float) * (a / 2)
    centre = np.array([a / 2, 0.0, 0.0])
    d = np.linalg.norm(pts - centre, axis=1)
    order = np.argsort(d, kind="stable")
    sel = pts[order[:38]] - centre
    assert abs(np.sort(d)[37] - np.sort(d)[38]) > 1e-6  # a complete shell
    return sel


# --------------------------------------------------------------------------
# LAMMPS
# --------------------------------------------------------------------------

def lammps_version():
    out = subprocess.run([LMP, "-h"], capture_output=True, text=True).stdout
    m = re.search(r"Large-scale Atomic/Molecular Massively Parallel Simulator - (.+)", out)
    version = m.group(1).strip() if m else "unknown version"
    deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "lammps"],
                         capture_output=True, text=True)
    if deb.returncode == 0 and deb.stdout.strip():
        version += f" (Debian lammps {deb.stdout.strip()})"
    return version


def box_bounds(st, free_margin):
    if st.lengths is not None:
        return [(0.0, float(L)) for L in st.lengths]
    lo = st.positions.min(axis=0) - free_margin
    hi = st.positions.max(axis=0) + free_margin
    return list(zip(lo.tolist(), hi.tolist()))


def write_data(path, system, st, bounds, title):
    types = SYSTEMS[system]["species"]
    masses = SYSTEMS[system]["masses"]
    with open(path, "w") as f:
        f.write(f"{title}\n\n{st.n} atoms\n{len(types)} atom types\n\n")
        for (lo, hi), ax in zip(bounds, "xyz"):
            f.write(f"{lo!r} {hi!r} {ax}lo {ax}hi\n")
        f.write("\nMasses\n\n")
        for t, m in enumerate(masses, 1):
            f.write(f"{t} {m!r}\n")
        f.write("\nAtoms # atomic\n\n")
        for i, (s, p) in enumerate(zip(st.species, st.positions), 1):
            f.write(f"{i} {types.index(s) + 1} {p[0]!r} {p[1]!r} {p[2]!r}\n")


def run_lammps(workdir, script):
    path = os.path.join(workdir, "in.lmp")
    with open(path, "w") as f:
        f.write(script)
    res = subprocess.run([LMP, "-nocite", "-in", "in.lmp", "-log", "log.lammps", "-screen", "none"],
                         cwd=workdir, capture_output=True, text=True)
    log = ""
    if os.path.exists(os.path.join(workdir, "log.lammps")):
        with open(os.path.join(workdir, "log.lammps")) as f:
            log = f.read()
    if res.returncode != 0 or "ERROR" in log:
        sys.stderr.write(script + "\n---- log ----\n" + log[-4000:] + res.stdout + res.stderr)
        raise RuntimeError("lmp failed in " + workdir)
    for line in log.splitlines():
        if line.startswith("WARNING") and "No fixes defined" not in line:
            print("   lammps:", line)
    return log


def read_dump(path):
    """Last snapshot of a `dump custom` file, as {column: array}, rows sorted by id."""
    with open(path) as f:
        lines = f.read().splitlines()
    starts = [k for k, l in enumerate(lines) if l.startswith("ITEM: TIMESTEP")]
    block = lines[starts[-1]:]
    n = int(block[3])
    cols = block[8].split()[2:]
    rows = [l.split() for l in block[9:9 + n]]
    data = {c: np.array([r[k] for r in rows]) for k, c in enumerate(cols)}
    out = {c: (data[c].astype(int) if c in ("id", "type") else data[c].astype(float)) for c in cols}
    order = np.argsort(out["id"])
    return {c: v[order] for c, v in out.items()}


def header(system, st, bounds, options):
    units = SYSTEMS[system]["units"]
    bnd = "p p p" if st.lengths is not None else "f f f"
    lines = [f"units {units}", "atom_style atomic", f"boundary {bnd}",
             "atom_modify map array sort 0 0.0", "read_data data.lmp"]
    lines += pair_commands(system, options)
    skin = {"lj": 0.3, "metal": 1.0, "real": 10.0}[units]
    lines += [f"neighbor {skin} bin", "neigh_modify every 1 delay 0 check yes"]
    return lines


def lammps_md(system, st, options, md, workdir):
    """Short NVT MD; returns the final snapshot as a Structure (same species, box)."""
    bounds = box_bounds(st, 0.0)
    write_data(os.path.join(workdir, "data.lmp"), system, st, bounds, "md start")
    lines = header(system, st, bounds, options)
    if md.get("minimize"):
        lines.append(f"minimize 0.0 0.0 {md['minimize']} {10 * md['minimize']}")
        lines.append("reset_timestep 0")
    lines += [f"timestep {md['dt']!r}",
              f"velocity all create {md['T']!r} {md['seed']} mom yes rot no dist gaussian",
              f"fix nvt all nvt temp {md['T']!r} {md['T']!r} {100 * md['dt']!r}",
              "thermo 500",
              f"run {md['steps']}",
              "write_dump all custom md.dump id type x y z modify format float %.17g sort id"]
    run_lammps(workdir, "\n".join(lines) + "\n")
    d = read_dump(os.path.join(workdir, "md.dump"))
    types = SYSTEMS[system]["species"]
    species = [types[t - 1] for t in d["type"]]
    assert species == st.species
    pos = np.stack([d["x"], d["y"], d["z"]], axis=1)
    return Structure(pos, species, st.lengths)


def lammps_reference(system, st, options, workdir):
    """LAMMPS run 0 on st: (energy, per-atom energies, forces)."""
    bounds = box_bounds(st, options.get("free_margin", 0.0))
    write_data(os.path.join(workdir, "data.lmp"), system, st, bounds, "strider reference")
    lines = header(system, st, bounds, options)
    lines += ["compute pa all pe/atom",
              "compute esum all reduce sum c_pa",
              "thermo_style custom step pe c_esum",
              "thermo_modify norm no format float %.17g",
              "dump d all custom 1 ref.dump id type x y z fx fy fz c_pa",
              "dump_modify d format float %.17g sort id",
              "run 0",
              'print "ENERGY $(pe:%.17g)" file energy.txt',
              'print "ESUM $(c_esum:%.17g)" append energy.txt']
    run_lammps(workdir, "\n".join(lines) + "\n")
    vals = {}
    with open(os.path.join(workdir, "energy.txt")) as f:
        for line in f:
            k, v = line.split()
            vals[k] = float(v)
    d = read_dump(os.path.join(workdir, "ref.dump"))
    assert list(d["id"]) == list(range(1, st.n + 1))
    pos = np.stack([d["x"], d["y"], d["z"]], axis=1)
    # LAMMPS must have evaluated exactly our coordinates (no remapping)
    if not np.array_equal(pos, st.positions):
        raise RuntimeError(f"LAMMPS moved atoms: max {np.abs(pos - st.positions).max()}")
    forces = np.stack([d["fx"], d["fy"], d["fz"]], axis=1)
    per_atom = d["c_pa"]
    energy = vals["ENERGY"]
    scale = max(abs(energy), 1.0)
    if abs(per_atom.sum() - energy) > 1e-11 * scale or abs(vals["ESUM"] - energy) > 1e-11 * scale:
        raise RuntimeError(f"per-atom energies do not sum to the total: {per_atom.sum()} vs {energy}")
    return energy, per_atom, forces


# --------------------------------------------------------------------------
# Independent check (numpy brute force over all images); --check only
# --------------------------------------------------------------------------

def image_pairs(st, cut):
    """Every ordered (i, j, d = x_j - x_i + image) with 0 < |d| < cut."""
    x = st.positions
    n = st.n
    if st.lengths is None:
        shifts = [np.zeros(3)]
    else:
        m = [int(math.ceil(cut / L)) + 1 for L in st.lengths]
        shifts = [np.array([a, b, c]) * st.lengths
                  for a in range(-m[0], m[0] + 1) for b in range(-m[1], m[1] + 1)
                  for c in range(-m[2], m[2] + 1)]
    I, J, D = [], [], []
    base = x[None, :, :] - x[:, None, :]
    for s in shifts:
        d = base + s
        r2 = (d * d).sum(-1)
        mask = r2 < cut * cut
        if not s.any():
            np.fill_diagonal(mask, False)
        ii, jj = np.nonzero(mask)
        I.append(ii)
        J.append(jj)
        D.append(d[ii, jj])
    return np.concatenate(I), np.concatenate(J), np.concatenate(D)


def check_pair(system, st, options):
    n = st.n
    if system == "lj-binary":
        t = np.array([SYSTEMS[system]["species"].index(s) + 1 for s in st.species])
        params = {}
        for (a, b), v in KA.items():
            params[(a, b)] = params[(b, a)] = v
        maxcut = 2.5
    elif system == "csh":
        maxcut = CSH_CUT
    else:
        maxcut = options["lammps_cutoff"]
    I, J, D = image_pairs(st, maxcut)
    r = np.linalg.norm(D, axis=1)
    if system == "lj-binary":
        eps = np.array([params[(t[i], t[j])][0] for i, j in zip(I, J)])
        sig = np.array([params[(t[i], t[j])][1] for i, j in zip(I, J)])
        cut = np.array([params[(t[i], t[j])][2] for i, j in zip(I, J)])
        p, q = 12, 6
    elif system == "csh":
        eps, sig, cut, p, q = CSH_EPS, CSH_SIGMA, np.full(len(r), CSH_CUT), 28, 14
    else:
        eps, sig, cut, p, q = 1.0, 1.0, np.full(len(r), maxcut), 12, 6
    keep = r < cut
    v = 4 * eps * ((sig / r) ** p - (sig / r) ** q)
    if options["shift"]:
        v -= 4 * eps * ((sig / cut) ** p - (sig / cut) ** q)
    dv = 4 * eps * (-p * (sig / r) ** p + q * (sig / r) ** q) / r
    v, dv = np.where(keep, v, 0.0), np.where(keep, dv, 0.0)
    e_atom = np.zeros(n)
    np.add.at(e_atom, I, 0.5 * v)
    f = np.zeros((n, 3))
    np.add.at(f, I, (dv / r)[:, None] * D)
    return e_atom.sum(), e_atom, f


def read_sw():
    words = []
    with open(SW_FILE) as f:
        for line in f:
            words += line.split("#")[0].split()
    vals = [float(w) for w in words[3:14]]
    keys = ["epsilon", "sigma", "a", "lambda", "gamma", "costheta0", "A", "B", "p", "q", "tol"]
    return dict(zip(keys, vals))


def check_sw(st):
    P = read_sw()
    eps, sig, a, lam, gam, c0 = (P[k] for k in ("epsilon", "sigma", "a", "lambda", "gamma", "costheta0"))
    A, B, p, q = P["A"], P["B"], P["p"], P["q"]
    rc = a * sig
    n = st.n
    I, J, D = image_pairs(st, rc)
    r = np.linalg.norm(D, axis=1)
    e_atom = np.zeros(n)
    f = np.zeros((n, 3))
    # two-body, ordered pairs: half the energy to i; force on i from d = x_j - x_i
    ex = np.exp(sig / (r - rc))
    v = A * eps * (B * (sig / r) ** p - (sig / r) ** q) * ex
    dv = A * eps * (-p * B * (sig / r) ** p / r + q * (sig / r) ** q / r) * ex \
        + v * (-sig / (r - rc) ** 2)
    np.add.at(e_atom, I, 0.5 * v)
    np.add.at(f, I, (dv / r)[:, None] * D)
    # three-body: centre i, neighbours j < k (by list position)
    for i in range(n):
        idx = np.nonzero(I == i)[0]
        for aa in range(len(idx)):
            for bb in range(aa + 1, len(idx)):
                j, k = J[idx[aa]], J[idx[bb]]
                d1, d2 = D[idx[aa]], D[idx[bb]]
                r1, r2 = r[idx[aa]], r[idx[bb]]
                c = d1 @ d2 / (r1 * r2)
                e1 = math.exp(gam * sig / (r1 - rc))
                e2 = math.exp(gam * sig / (r2 - rc))
                E = lam * eps * (c - c0) ** 2 * e1 * e2
                e_atom[i] += E / 3
                e_atom[j] += E / 3
                e_atom[k] += E / 3
                dc1 = d2 / (r1 * r2) - c * d1 / r1 ** 2
                dc2 = d1 / (r1 * r2) - c * d2 / r2 ** 2
                g1 = lam * eps * (2 * (c - c0) * dc1 * e1 * e2
                                  + (c - c0) ** 2 * e1 * e2 * (-gam * sig / (r1 - rc) ** 2) * d1 / r1)
                g2 = lam * eps * (2 * (c - c0) * dc2 * e1 * e2
                                  + (c - c0) ** 2 * e1 * e2 * (-gam * sig / (r2 - rc) ** 2) * d2 / r2)
                f[j] -= g1
                f[k] -= g2
                f[i] += g1 + g2
    return e_atom.sum(), e_atom, f


def independent_check(system, st, options, energy, per_atom, forces):
    if system == "sw-si":
        E, ea, F = check_sw(st)
    else:
        E, ea, F = check_pair(system, st, options)
    errs = (abs(E - energy) / max(abs(energy), 1.0),
            np.abs(ea - per_atom).max() / max(np.abs(per_atom).max(), 1.0),
            np.abs(F - forces).max() / max(np.abs(forces).max(), 1.0))
    print(f"   numpy check: rel err energy {errs[0]:.1e} per-atom {errs[1]:.1e} forces {errs[2]:.1e}")
    if max(errs) > 1e-10:
        raise RuntimeError("independent numpy check disagrees with LAMMPS")


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def fmt(x):
    return repr(float(x))


def write_extxyz(path, system, st, comment_extra=""):
    with open(path, "w") as f:
        f.write(f"{st.n}\n")
        if st.lengths is not None:
            Lx, Ly, Lz = (fmt(v) for v in st.lengths)
            lattice = f'Lattice="{Lx} 0 0 0 {Ly} 0 0 0 {Lz}" '
            pbc = "T T T"
        else:
            lattice = ""
            pbc = "F F F"
        f.write(f'{lattice}Properties=species:S:1:pos:R:3 pbc="{pbc}" system={system}{comment_extra}\n')
        for s, p in zip(st.species, st.positions):
            f.write(f"{s} {fmt(p[0])} {fmt(p[1])} {fmt(p[2])}\n")


def write_json(path, record):
    keys = list(record)
    out = ["{"]
    for n, k in enumerate(keys):
        v = record[k]
        comma = "," if n + 1 < len(keys) else ""
        if k == "per_atom_energy":
            body = "[\n" + ",\n".join("  " + fmt(e) for e in v) + "\n ]"
        elif k == "forces":
            body = "[\n" + ",\n".join("  [" + ", ".join(fmt(c) for c in row) + "]" for row in v) + "\n ]"
        elif k == "energy":
            body = fmt(v)
        else:
            body = json.dumps(v)
        out.append(f" {json.dumps(k)}: {body}{comma}")
    out.append("}")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    # the file must round-trip exactly
    with open(path) as f:
        back = json.load(f)
    assert back["energy"] == record["energy"]
    assert back["forces"] == [list(map(float, r)) for r in record["forces"]]


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

def case_list():
    """(system, case, description, options, build) where build(rng, tmp) -> Structure."""
    cases = []
    no = {"shift": False, "cutoff": 0}

    def add(system, name, description, options, build):
        cases.append((system, name, description, dict(options), build))

    # ---- lj-binary (Kob-Andersen), number density 1.2 ----
    L100 = (100 / 1.2) ** (1 / 3)
    L25 = (25 / 1.2) ** (1 / 3)

    def ka_liquid(rng, tmp, n=100, L=L100):
        sp = binary_species(rng, n)
        x = random_sequential(rng, n, [L] * 3, 0.8)
        st = Structure(x, sp, [L] * 3)
        return lammps_md("lj-binary", st, no,
                         {"dt": 0.003, "T": 2.0, "steps": 2000, "seed": 4928459, "minimize": 50}, tmp)

    add("lj-binary", "n100",
        "100 atoms (80 A : 20 B), number density 1.2 (L = (100/1.2)^(1/3)); snapshot after 2000 steps "
        "of LAMMPS NVT MD at T = 2.0, dt = 0.003, from random non-overlapping positions; unshifted",
        no, ka_liquid)

    def ka_small(rng, tmp):
        sp = binary_species(rng, 25)
        x = random_sequential(rng, 25, [L25] * 3, 0.8)
        st = Structure(x, sp, [L25] * 3)
        return lammps_md("lj-binary", st, no,
                         {"dt": 0.003, "T": 2.0, "steps": 1000, "seed": 771203, "minimize": 50}, tmp)

    add("lj-binary", "n25",
        "25 atoms (20 A : 5 B), number density 1.2 (L = 2.752 < 2 x 2.5): several periodic images of "
        "one pair, and an atom's own images, are within the cutoff; snapshot after 1000 steps of NVT "
        "MD at T = 2.0; unshifted",
        no, ka_small)

    def ka_distorted(rng, tmp):
        lengths = [4.0, 4.6, 5.2]
        sp = binary_species(rng, 100)
        x = random_sequential(rng, 100, lengths, 0.78)
        return Structure(x, sp, lengths)

    add("lj-binary", "distorted",
        "100 atoms (80 A : 20 B) at random in an orthorhombic 4.0 x 4.6 x 5.2 box, no pair closer than "
        "0.78 (strongly non-equilibrium: large forces); unshifted",
        no, ka_distorted)

    def ka_shifted(rng, tmp):
        # the n100 structure (same seed), evaluated with shifted pair energies
        return ka_liquid(np.random.default_rng(case_seed("lj-binary", "n100")), tmp)

    add("lj-binary", "shifted",
        "the n100 structure with pair energies shifted to zero at each pair's cutoff "
        "(pair_modify shift yes)",
        {"shift": True, "cutoff": 0}, ka_shifted)

    # ---- sw-si ----
    a0 = 5.431

    def si_diamond64(rng, tmp):
        x = diamond((2, 2, 2), a0) + rng.uniform(-0.1, 0.1, (64, 3))
        return Structure(x, ["Si"] * 64, [2 * a0] * 3)

    add("sw-si", "diamond64",
        "64-atom diamond (2 x 2 x 2 cells of 5.431 A, box 10.862 A), each coordinate perturbed "
        "uniformly within +-0.1 A", no, si_diamond64)

    def si_hot64(rng, tmp):
        x = diamond((2, 2, 2), a0) + rng.uniform(-0.05, 0.05, (64, 3))
        st = Structure(x, ["Si"] * 64, [2 * a0] * 3)
        return lammps_md("sw-si", st, no,
                         {"dt": 0.001, "T": 3500.0, "steps": 3000, "seed": 2331977}, tmp)

    add("sw-si", "hot64",
        "64 atoms, box 10.862 A: snapshot after 3 ps of LAMMPS NVT MD at 3500 K (dt 1 fs) from the "
        "diamond lattice (a liquid)", no, si_hot64)

    def si_small8(rng, tmp):
        x = diamond((1, 1, 1), a0) + rng.uniform(-0.1, 0.1, (8, 3))
        return Structure(x, ["Si"] * 8, [a0] * 3)

    add("sw-si", "small8",
        "one 8-atom cubic diamond cell, box 5.431 A < 2 x 3.77118 A cutoff (an atom's own periodic "
        "images are within the cutoff), coordinates perturbed within +-0.1 A", no, si_small8)

    def si_distorted(rng, tmp):
        lengths = np.array([10.5, 11.3, 10.9])
        x = diamond((2, 2, 2), 1.0) * (lengths / 2) + rng.uniform(-0.3, 0.3, (64, 3))
        return Structure(x, ["Si"] * 64, lengths)

    add("sw-si", "distorted",
        "64-atom diamond scaled into an orthorhombic 10.5 x 11.3 x 10.9 A box, coordinates perturbed "
        "within +-0.3 A", no, si_distorted)

    # ---- csh ----
    def csh_random(n, lengths, dmin):
        def build(rng, tmp):
            x = random_sequential(rng, n, lengths, dmin)
            return Structure(x, ["CSH"] * n, lengths)
        return build

    def csh_relaxed(rng, tmp):
        st = csh_random(152, [300.0] * 3, 46.0)(rng, tmp)
        return lammps_md("csh", st, no, {"minimize": 100, "dt": 10.0, "T": 1000.0, "steps": 200,
                                         "seed": 8812345}, tmp)

    add("csh", "n152",
        "152 particles in the 300 A cubic box: random with no pair closer than 46 A, then 100 "
        "conjugate-gradient iterations of LAMMPS minimize and 200 steps of NVT MD at 1000 K (dt 10 fs)",
        no, csh_relaxed)
    add("csh", "small",
        "20 particles at random in a 200 A cubic box (< 2 x 150 A cutoff), no pair closer than 46 A",
        no, csh_random(20, [200.0] * 3, 46.0))
    add("csh", "distorted",
        "100 particles at random in an orthorhombic 260 x 300 x 340 A box, no pair closer than 45 A",
        no, csh_random(100, [260.0, 300.0, 340.0], 45.0))

    # ---- lj (single species) ----
    r0 = 2 ** (1 / 6)
    free = {"shift": False, "cutoff": 0}

    def perturbed_cluster(points):
        """A free cluster of species X: the points, each coordinate moved uniformly within +-0.05."""
        return lambda rng, tmp: Structure(points + rng.uniform(-0.05, 0.05, points.shape), ["X"] * len(points), None)

    add("lj", "cluster13",
        "free 13-atom cluster: icosahedron (centre-vertex distance 2^(1/6)) perturbed within +-0.05; "
        "no cutoff (LAMMPS: boundary f f f, cutoff 20 > cluster diameter)",
        dict(free, lammps_cutoff=20.0, free_margin=20.0), perturbed_cluster(icosahedron13(r0)))

    add("lj", "cluster38",
        "free 38-atom fcc truncated octahedron (nearest-neighbour distance 2^(1/6)), perturbed within "
        "+-0.05; no cutoff (LAMMPS: boundary f f f, cutoff 20 > cluster diameter)",
        dict(free, lammps_cutoff=20.0, free_margin=20.0),
        perturbed_cluster(truncated_octahedron38(r0 * math.sqrt(2))))

    def lj_periodic(rng, tmp):
        a = 4 ** (1 / 3)  # fcc at number density 1.0
        x = fcc((3, 3, 3), a) + rng.uniform(-0.1, 0.1, (108, 3))
        return Structure(x, ["X"] * 108, [3 * a] * 3)

    add("lj", "periodic",
        "108 atoms, fcc 3 x 3 x 3 cells at number density 1.0 (box 3 * 4^(1/3) = 4.762) perturbed "
        "within +-0.1; cutoff 2.5, unshifted",
        {"shift": False, "cutoff": 2.5, "lammps_cutoff": 2.5}, lj_periodic)

    def lj_small(rng, tmp):
        x = simple_cubic(2, 1.05) + rng.uniform(-0.1, 0.1, (8, 3))
        return Structure(x, ["X"] * 8, [2.1] * 3)

    add("lj", "small",
        "8 atoms, simple cubic 2 x 2 x 2 in a 2.1 box (< 2 x 2.5 cutoff) perturbed within +-0.1; "
        "cutoff 2.5, unshifted", {"shift": False, "cutoff": 2.5, "lammps_cutoff": 2.5}, lj_small)

    return cases


def case_seed(system, name):
    # a fixed seed per case, independent of the case order
    return int.from_bytes(f"{system}/{name}".encode(), "little") % (2 ** 32)


def case_arguments(ap):
    """The options of every reference generator: --keep DIR and --only TEXT."""
    ap.add_argument("--keep", help="keep the LAMMPS work directories under this directory")
    ap.add_argument("--only", help="only cases whose <system>-<case> contains this string")


def selected(cases, only):
    """(tag, case) for each case (system, name, ...) whose tag <system>-<name> contains `only`
    (every case when it is None), printing the tag."""
    for case in cases:
        tag = f"{case[0]}-{case[1]}"
        if only and only not in tag:
            continue
        print(tag)
        yield tag, case


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="cross-check LAMMPS with a numpy brute force")
    case_arguments(ap)
    args = ap.parse_args()

    version = lammps_version()
    print("LAMMPS", version)
    for tag, (system, name, description, options, build) in selected(case_list(), args.only):
        if args.keep:
            tmp = os.path.join(os.path.abspath(args.keep), tag)
            os.makedirs(tmp, exist_ok=True)
            ctx = None
        else:
            ctx = tempfile.TemporaryDirectory(prefix=f"strider-ref-{tag}-")
            tmp = ctx.name
        try:
            rng = np.random.default_rng(case_seed(system, name))
            mdir = os.path.join(tmp, "build")
            os.makedirs(mdir, exist_ok=True)
            st = build(rng, mdir)
            if st.lengths is None:
                diameter = min_image_distances(st.positions, None)
                np.fill_diagonal(diameter, 0.0)
                assert diameter.max() < options["lammps_cutoff"], "cluster wider than the LAMMPS cutoff"
            dmin = min_image_distances(st.positions, st.lengths).min()
            energy, per_atom, forces = lammps_reference(system, st, options, tmp)
            print(f"   N {st.n}  E {energy:.10g}  E/N {energy / st.n:.6g}  "
                  f"max|F| {np.abs(forces).max():.4g}  min dist {dmin:.4g}")
            if args.check:
                independent_check(system, st, options, energy, per_atom, forces)
        finally:
            if ctx is not None:
                ctx.cleanup()
        write_extxyz(os.path.join(HERE, f"{tag}.xyz"), system, st)
        record = {
            "system": system,
            "case": name,
            "description": description,
            "options": {"shift": bool(options["shift"]), "cutoff": options["cutoff"]},
            "structure": f"{tag}.xyz",
            "energy": energy,
            "per_atom_energy": per_atom.tolist(),
            "forces": forces.tolist(),
            "generator": f"LAMMPS {version} via tests/references/generate.py",
        }
        write_json(os.path.join(HERE, f"{tag}.json"), record)
        if tag == "lj-binary-n100":
            os.makedirs(os.path.join(ROOT, "demos", "structures"), exist_ok=True)
            write_extxyz(os.path.join(ROOT, "demos", "structures", "lj-binary-100.xyz"), system, st)


if __name__ == "__main__":
    main()
