"""Every system's extxyz files through ASE and back (python3-ase, Debian's 3.22).

For each system: `strider generate` writes a structure; ASE reads it (element symbols
in `species`, the model's types in `type_name`) and writes it back; strider reads ASE's
file. ASE writes coordinates to 8 decimals, so the first trip moves atoms by up to
5e-9 (length unit): its energy is compared to a tolerance, and a second trip of the
rounded structure (strider -> ASE -> strider) must give the very same energy.

Usage: test_ase_roundtrip.py STRIDER
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import ase.io

STRIDER = sys.argv[1]
# N small enough for CI; csh's GCMC stops at N.
SYSTEMS = {"lj-binary": 20, "sw-si": 64, "csh": 20, "lj": 13}
# The model's type name for each chemical symbol strider writes.
TYPES = {"lj-binary": {"Ar": "A", "Ne": "B"}, "sw-si": {"Si": "Si"}, "csh": {"Ca": "CSH"}, "lj": {"X": "X"}}


def strider(*args):
    done = subprocess.run([STRIDER, *args], capture_output=True, text=True)
    assert done.returncode == 0, f"strider {' '.join(args)}: {done.stderr}"
    return done.stdout


def energy(path):
    return json.loads(strider("energy", str(path), "--json"))["energy"]


def through_ase(source, target):
    """ASE reads `source` and writes `target`; returns what it read."""
    atoms = ase.io.read(source, format="extxyz")
    ase.io.write(target, atoms, format="extxyz")
    return atoms


def check(system, n, work):
    strider("generate", "--system", system, "--n", str(n), "--count", "1", "--seed", "3",
            "--equilibration", "200", "--out", str(work / "gen"))
    original = work / "gen" / "000.xyz"
    atoms = through_ase(original, work / "ase1.xyz")
    assert atoms.info["system"] == system, atoms.info
    symbols = atoms.get_chemical_symbols()
    assert set(symbols) <= set(TYPES[system]), f"{system}: symbols {set(symbols)}"
    if "type_name" in atoms.arrays:
        assert [TYPES[system][s] for s in symbols] == list(atoms.arrays["type_name"]), system
    else:
        assert all(TYPES[system][s] == s for s in symbols), f"{system}: no type_name column"
    e0, e1 = energy(original), energy(work / "ase1.xyz")
    assert abs(e1 - e0) <= 1e-6 * max(1.0, abs(e0)), f"{system}: {e0} -> {e1} after ASE's 8 decimals"

    strider("convert", str(work / "ase1.xyz"), str(work / "strider2.xyz"))
    again = through_ase(work / "strider2.xyz", work / "ase2.xyz")
    rounded = ase.io.read(work / "ase1.xyz", format="extxyz")
    assert again.get_chemical_symbols() == symbols, system
    assert (again.positions == rounded.positions).all(), f"{system}: positions changed on the second trip"
    assert (again.cell == rounded.cell).all() and (again.pbc == rounded.pbc).all(), f"{system}: box changed"
    assert energy(work / "strider2.xyz") == e1 and energy(work / "ase2.xyz") == e1, f"{system}: energy changed"
    print(f"{system}: N = {len(atoms)}, {sorted(set(symbols))}, E = {e1!r} after strider -> ASE -> strider, twice")


def main():
    for system, n in SYSTEMS.items():
        with tempfile.TemporaryDirectory() as folder:
            check(system, n, Path(folder))


if __name__ == "__main__":
    main()
