#!/usr/bin/env python3
"""Start-up cost of the command line. Not a test.

For `strider --version`, `strider energy` and `strider minimize` (100 FIRE 2.0
steps) on a 100-atom structure, and `strider-torch --version` (the same
commands linked with LibTorch: what every command cost while `strider` linked
it), and /bin/true for the cost of any process, prints the median wall time, the median CPU time (user + system, from
wait4, microseconds) and the largest peak memory (maximum resident set, from
/usr/bin/time -v) of R runs. With a REFERENCE strider (e.g. a build from
before the torch seam) its figures for the same commands follow, with the
ratios reference / this. On a loaded machine read the CPU time: the wall time
then mostly waits for a core.

Usage: startup.py STRIDER [REFERENCE] [--runs R]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRUCTURE = "demos/structures/lj-binary-100.xyz"
CASES = [["--version"], ["energy", STRUCTURE], ["minimize", STRUCTURE, "--optimizer", "fire2", "--steps", "100"]]


def run_once(argv, report):
    """(wall s, CPU s, peak kB) of one run of argv under /usr/bin/time -v."""
    start = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-v", "-o", report, *argv], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}: {stderr.strip().splitlines()[-1:]}")
    peak = next(int(line.split(":")[1]) for line in Path(report).read_text().splitlines()
                if "Maximum resident set size" in line)
    return wall, usage.ru_utime + usage.ru_stime, peak


def measure(argv, runs, report):
    """Median wall ms, median CPU ms, largest peak MB."""
    samples = [run_once(argv, report) for _ in range(runs)]
    return (1e3 * statistics.median(s[0] for s in samples), 1e3 * statistics.median(s[1] for s in samples),
            max(s[2] for s in samples) / 1024)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("strider")
    parser.add_argument("reference", nargs="?")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    strider = str(Path(args.strider).resolve())
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load {load}; {os.cpu_count()} cores; medians of {args.runs} runs; peak memory: the largest")
    row = "{:<62} {:>9} {:>9} {:>9}"
    print(row.format("command", "wall ms", "CPU ms", "peak MB"))
    with tempfile.NamedTemporaryFile() as report:
        baseline = measure(["/bin/true"], args.runs, report.name)
        print(row.format("/bin/true (starting any process, and /usr/bin/time)", *(f"{x:.1f}" for x in baseline)))
        figures = {}
        for case in CASES:
            figures[tuple(case)] = measure([strider, *case], args.runs, report.name)
            print(row.format("strider " + " ".join(case), *(f"{x:.1f}" for x in figures[tuple(case)])))
        torch = Path(strider).parent / "strider-torch"
        if torch.exists():
            wall, cpu, peak = measure([str(torch), "--version"], args.runs, report.name)
            print(row.format("strider-torch --version (links LibTorch)", f"{wall:.1f}", f"{cpu:.1f}", f"{peak:.1f}"))
        if args.reference:
            reference = str(Path(args.reference).resolve())
            wide = "{:<62} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7}"
            print()
            print(wide.format("reference " + args.reference, "wall ms", "CPU ms", "peak MB", "wall x", "CPU x",
                              "peak x"))
            for case in CASES:
                old = measure([reference, *case], args.runs, report.name)
                new = figures[tuple(case)]
                print(wide.format(" ".join(case), *(f"{x:.1f}" for x in old), *(f"{o / n:.1f}" for o, n in zip(old, new))))
            print("(x: the reference's figure over this strider's)")


if __name__ == "__main__":
    main()
