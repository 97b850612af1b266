#!/usr/bin/python3
"""LAMMPS minimum energies that strider's FIRE 2.0 and L-BFGS must reach.

    /usr/bin/python3 tests/references/minimize/generate.py [--keep DIR] [--only TEXT]

For every case below this script
  1. takes a structure under tests/references/ (some it makes first: a LAMMPS
     conjugate-gradient quench of an existing reference structure, then a small
     seeded perturbation, written here as <case>.xyz),
  2. minimises it with LAMMPS twice, `min_style fire` (FIRE 2.0) and
     `min_style cg`, both with `minimize 0 1e-10 100000 1000000` (csh: 1e-6),
  3. stops unless fire reached the force tolerance, and, when cg reached it
     too, unless the two minima agree to 1e-9 relative (else the starting
     point is not clearly inside one basin and makes a poor test). cg may
     stop early ("linesearch alpha is zero") on the unshifted, truncated
     lj-binary potential, whose energy jumps where a pair crosses its cutoff:
     then fire alone is the reference,
  4. writes tests/references/minimize/<case>.json:
       {"system", "case", "description", "options": {"shift", "cutoff"},
        "structure": path relative to tests/references/,
        "lammps_min_style": "fire", "energy": the fire minimum,
        "force_two_norm": fire's final |F|, "iterations": fire's,
        "initial_energy", "energy_cg", "cg_stopping_criterion",
        "lammps_fire_settings": {"timestep", "dmax"} of the fire run,
        "lammps_fire_energies": pe after fire iterations 0, 1, ..., 100,
        "generator"}.
Energies are the system's LAMMPS units (docs/systems.md), written at %.17g.

It reuses the LAMMPS helpers of tests/references/generate.py (imported, not
changed). Needs Debian's python3 with numpy and the `lammps` package (`lmp`).
LAMMPS is the source of truth: never edit the JSON files to match strider.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.dirname(HERE)

def _load_reference_generator():
    spec = importlib.util.spec_from_file_location("references_generate", os.path.join(REFERENCES, "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load_reference_generator()  # tests/references/generate.py

# Force tolerance (2-norm of the whole force vector, energy / length): 1e-10,
# and 1e-6 kcal/mol/A for csh, whose forces are ~1e4 times larger (1e-10 is
# below its rounding noise).
def tolerance(system):
    return f"minimize 0 {1e-6 if system == 'csh' else 1e-10!r} 100000 1000000"

AGREEMENT = 1e-9  # cg and fire minima must agree this well (relative)
TRAJECTORY_STEPS = 100  # fire energies kept for a step-by-step comparison

# LAMMPS's min_style fire time step and dmax per system (its units). The time
# steps are strider's fire2 presets converted (dt_L = dt / sqrt(ftm2v / m)).
FIRE_SETTINGS = {
    "lj-binary": {"timestep": 0.003, "dmax": 0.1},
    "lj": {"timestep": 0.003, "dmax": 0.1},
    "sw-si": {"timestep": 0.05 / (1.0 / 1.0364269e-4 / ref.SI_MASS) ** 0.5, "dmax": 0.1},
    "csh": {"timestep": 0.002 / (1.0 / 48.88821291 ** 2 / ref.CSH_MASS) ** 0.5, "dmax": 2.5},
}


def read_xyz(path, system):
    """A structure file written by tests/references/generate.py (one frame)."""
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0])
    m = re.search(r'Lattice="([^"]+)"', lines[1])
    lengths = None
    if m:
        h = [float(v) for v in m.group(1).split()]
        lengths = [h[0], h[4], h[8]]
    rows = [l.split() for l in lines[2:2 + n]]
    species = [r[0] for r in rows]
    x = np.array([[float(v) for v in r[1:4]] for r in rows])
    st = ref.Structure(x, species, None)
    if lengths is not None:  # keep the coordinates bit for bit (no re-wrapping)
        st.lengths = np.array(lengths, dtype=float)
    return st


def minimize_lammps(system, st, options, style, workdir):
    """LAMMPS minimisation of st: (initial energy, final energy, final |F|, iterations, final positions)."""
    bounds = ref.box_bounds(st, options.get("free_margin", 0.0))
    ref.write_data(os.path.join(workdir, "data.lmp"), system, st, bounds, "strider minimize reference")
    lines = ref.header(system, st, bounds, options)
    lines += ["thermo_style custom step pe fnorm", "thermo_modify norm no format float %.17g",
              f"thermo {1 if style == 'fire' else 1000}", f"min_style {style}"]
    if style == "fire":
        s = FIRE_SETTINGS[system]
        lines += [f"timestep {s['timestep']!r}", f"min_modify dmax {s['dmax']!r}"]
    lines += [tolerance(system),
              'print "FINAL $(pe:%.17g) $(fnorm:%.17g)" file energy.txt',
              "write_dump all custom min.dump id type x y z modify format float %.17g sort id"]
    log = ref.run_lammps(workdir, "\n".join(lines) + "\n")
    vals = {}
    with open(os.path.join(workdir, "energy.txt")) as f:
        for line in f:
            words = line.split()
            vals[words[0]] = [float(w) for w in words[1:]]
    it = int(re.search(r"Iterations, force evaluations = (\d+) (\d+)", log).group(1))
    initial = float(re.search(r"Energy initial, next-to-last, final =\s*\n\s*(\S+)", log).group(1))
    reason = re.search(r"Stopping criterion = (.+)", log).group(1).strip()
    d = ref.read_dump(os.path.join(workdir, "min.dump"))
    pos = np.stack([d["x"], d["y"], d["z"]], axis=1)
    # thermo rows "step pe fnorm" of the run: the energy after every iteration
    rows = re.findall(r"^\s*(\d+)\s+(-?[0-9.]+(?:e[-+]\d+)?)\s+([0-9.]+(?:e[-+]\d+)?)\s*$", log, re.M)
    energies = {int(k): float(e) for k, e, _ in rows}
    return initial, vals["FINAL"][0], vals["FINAL"][1], it, reason, pos, energies


def quench_and_perturb(source, amplitude, seed):
    """Builds a structure: LAMMPS fire quench of tests/references/<source>, then
    every coordinate moved by a uniform random amount within +-amplitude."""
    def build(system, options, workdir):
        st = read_xyz(os.path.join(REFERENCES, source), system)
        pos = minimize_lammps(system, st, options, "fire", workdir)[5]
        rng = np.random.default_rng(seed)
        out = ref.Structure(pos + rng.uniform(-amplitude, amplitude, pos.shape), st.species, st.lengths)
        return out
    return build


def cases():
    """(system, case, description, options, structure path or builder)."""
    no = {"shift": False, "cutoff": 0}
    free = dict(no, lammps_cutoff=20.0, free_margin=20.0)
    return [
        ("sw-si", "diamond64", "sw-si-diamond64.xyz: 64-atom diamond perturbed within +-0.1 A; the minimum is "
         "the perfect crystal (-4.3366 eV/atom)", no, "sw-si-diamond64.xyz"),
        ("lj", "cluster13", "lj-cluster13.xyz: perturbed icosahedron, free, no cutoff; minimum -44.326801", free,
         "lj-cluster13.xyz"),
        ("lj", "cluster38", "lj-cluster38.xyz: perturbed fcc truncated octahedron, free, no cutoff; minimum "
         "-173.928427 (the LJ38 global minimum)", free, "lj-cluster38.xyz"),
        ("lj-binary", "quenched100", "lj-binary-n100.xyz quenched by LAMMPS fire (minimize 0 1e-10), then every "
         "coordinate perturbed within +-0.02: a glass inherent structure, slightly displaced", no,
         quench_and_perturb("lj-binary-n100.xyz", 0.02, 1001)),
        ("csh", "quenched152", "csh-n152.xyz quenched by LAMMPS fire (minimize 0 1e-6), then every coordinate "
         "perturbed within +-0.5 A", no, quench_and_perturb("csh-n152.xyz", 0.5, 1002)),
    ]


def fmt(x):
    return repr(float(x))


def encode(v):
    """JSON with every float at full precision (shortest round-trip repr)."""
    if isinstance(v, float):
        return fmt(v)
    if isinstance(v, list):
        return "[" + ", ".join(encode(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {encode(x)}" for k, x in v.items()) + "}"
    return json.dumps(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ref.case_arguments(ap)
    args = ap.parse_args()
    version = ref.lammps_version()
    print("LAMMPS", version)
    for tag, (system, name, description, options, source) in ref.selected(cases(), args.only):
        top = os.path.join(os.path.abspath(args.keep), tag) if args.keep else tempfile.mkdtemp(prefix=f"strider-min-{tag}-")
        dirs = {k: os.path.join(top, k) for k in ("build", "cg", "fire")}
        for d in dirs.values():
            os.makedirs(d, exist_ok=True)
        if isinstance(source, str):
            structure = source
            st = read_xyz(os.path.join(REFERENCES, source), system)
        else:
            st = source(system, options, dirs["build"])
            structure = f"minimize/{tag}.xyz"
            ref.write_extxyz(os.path.join(REFERENCES, structure), system, st)
            st = read_xyz(os.path.join(REFERENCES, structure), system)  # exactly the file's numbers
        e0, e_cg, f_cg, it_cg, why_cg, _, _ = minimize_lammps(system, st, options, "cg", dirs["cg"])
        _, e_fire, f_fire, it_fire, why_fire, _, path = minimize_lammps(system, st, options, "fire", dirs["fire"])
        steps = min(TRAJECTORY_STEPS, it_fire)
        assert all(k in path for k in range(steps + 1)), "missing thermo rows"
        diff = abs(e_cg - e_fire) / max(abs(e_fire), 1.0)
        print(f"   N {st.n}  E0 {e0:.12g}\n   cg   {e_cg:.15g}  |F| {f_cg:.2e}  {it_cg} iterations ({why_cg})"
              f"\n   fire {e_fire:.15g}  |F| {f_fire:.2e}  {it_fire} iterations ({why_fire})"
              f"\n   relative difference {diff:.1e}")
        if why_fire != "force tolerance":
            raise RuntimeError(f"{tag}: LAMMPS fire stopped on '{why_fire}', not the force tolerance")
        if why_cg == "force tolerance" and diff > AGREEMENT:
            raise RuntimeError(f"{tag}: cg and fire reach different minima: not one clear basin")
        record = {
            "system": system,
            "case": name,
            "description": description,
            "options": {"shift": bool(options["shift"]), "cutoff": options["cutoff"]},
            "structure": structure,
            "lammps_min_style": "fire",
            "energy": e_fire,
            "force_two_norm": f_fire,
            "iterations": it_fire,
            "initial_energy": e0,
            "energy_cg": e_cg,
            "cg_stopping_criterion": why_cg,
            "lammps_fire_settings": FIRE_SETTINGS[system],
            "lammps_fire_energies": [path[k] for k in range(steps + 1)],
            "generator": f"LAMMPS {version} via tests/references/minimize/generate.py ({tolerance(system)})",
        }
        with open(os.path.join(HERE, f"{tag}.json"), "w") as f:
            f.write("{\n" + ",\n".join(
                f" {json.dumps(k)}: {fmt(v) if isinstance(v, float) else encode(v)}"
                for k, v in record.items()) + "\n}\n")
        with open(os.path.join(HERE, f"{tag}.json")) as f:
            assert json.load(f)["energy"] == e_fire  # round trip
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
