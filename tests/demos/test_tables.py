#!/usr/bin/python3
"""The table reproductions (demos/table1, demos/table2): their helpers against independent readers and
brute force, and a tiny Table 1 run killed in the middle of its adaptation and rerun: it must continue
without redoing a finished seed, leave no strider process behind, and give every equal-budget baseline
the policy's evaluations.
usage: test_tables.py path/to/strider
"""
import glob, json, os, random, signal, subprocess, sys, tempfile, time

import ase.io
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "demos", "table1"))
import methods as M  # noqa: E402
import plots  # noqa: E402

STRIDER = os.path.abspath(sys.argv[1])
REFS = os.path.join(ROOT, "tests", "references")
failures = []


def check(name, ok, detail=""):
    print(("ok      " if ok else "FAILED  ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)


def energy(path):
    p = subprocess.run([STRIDER, "energy", path, "--json"], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["energy"]


def test_perturb(work):
    # ASE reads silicon: the moved file has the same cell and pbc, and every coordinate moved by at most the step
    src, dst = os.path.join(REFS, "sw-si-diamond64.xyz"), os.path.join(work, "si.xyz")
    M.perturb(STRIDER, src, dst, 0.1, random.Random(1))
    a, b = ase.io.read(src), ase.io.read(dst)
    d = b.get_positions() - a.get_positions()
    check("perturb keeps the cell and pbc (ASE reads both files)", np.allclose(a.cell, b.cell) and (a.pbc == b.pbc).all())
    check("perturb moves every coordinate by at most the step", np.abs(d).max() <= 0.1 and np.abs(d).max() > 0.05, np.abs(d).max())
    # lj-binary in strider's old form (species A, B; ASE 3.22 cannot read it): with step 0 strider sees the same structure
    src, dst = os.path.join(REFS, "lj-binary-n100.xyz"), os.path.join(work, "lj.xyz")
    M.perturb(STRIDER, src, dst, 0.0, random.Random(1))
    check("perturb with step 0 keeps the lj-binary energy", abs(energy(src) - energy(dst)) < 1e-9 * abs(energy(src)))
    old_species = [line.split()[0] for line in open(src).read().splitlines()[2:]]
    check("perturb writes a file ASE reads, the model's types in type_name", list(ase.io.read(dst).arrays["type_name"]) == old_species)
    bad = os.path.join(work, "bad.xyz")
    with open(bad, "w") as f:
        f.write('2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3\nA 0 0 0\nA 1 1\n')
    try:
        M.perturb(STRIDER, bad, dst, 0.1, random.Random(1))
        check("perturb refuses a short atom line", False, "no error")
    except ValueError as e:
        check("perturb refuses a short atom line, naming its file and line", f"{bad}:4:" in str(e), e)


def test_fire_restarts(work):
    # a liquid target: restarts from it moved by the restart step reach other minima, and no two atoms land
    # on each other (FIRE diverged on 95-99 % of restarts moved by basin hopping's 0.4 sigma)
    target = os.path.join(REFS, "lj-binary-n100.xyz")
    folder = os.path.join(work, "restarts")
    d = M.fire_restarts(STRIDER, "lj-binary", target, 8008, ["--optimizer", "fire", "--preset", "stable"], 1, folder)
    runs = d["runs"]
    check("fire restarts: eight runs of 1000 steps spend a budget of 8008", d["restarts"] == 8 and d["evaluations"] == 8008,
          (d["restarts"], d["evaluations"]))
    check("fire restarts: at most one of eight diverges", d["diverged_runs"] <= 1, d["diverged_runs"])
    finals = [r["final_energy"] for r in runs if not r["diverged"]]
    check("fire restarts reach more than one minimum", max(finals) - min(finals) > 1.0, finals)
    check("fire restarts keep the lowest run", d["final_energy"] == min(finals))
    check("fire restarts are cached under their restart step, no structure left", os.listdir(folder) == ["lj-binary-n100-restart-step-0.05.json"],
          os.listdir(folder))


def test_curves():
    rng = random.Random(3)
    curves = []
    for _ in range(4):
        xs = sorted(rng.sample(range(1, 5000), 30))
        best, c = 0.0, []
        for x in xs:
            best = min(best, -rng.random() * x / 100)
            c.append([x, best])
        curves.append(c)
    xs, ys = plots.mean_curve(curves, points=50)
    brute = [sum(min((b for e, b in c if e <= x), default=None) for c in curves) / len(curves) for x in xs]
    check("mean anytime curve equals the brute-force mean of best-so-far", np.allclose(ys, brute), (ys[:3], brute[:3]))
    check("mean anytime curve spans where every curve is known",
          abs(xs[0] - max(c[0][0] for c in curves)) < 1e-9 and abs(xs[-1] - min(c[-1][0] for c in curves)) < 1e-6 * xs[-1])
    check("method tag: the default method has none", M.method_tag("pathwise", [], []) == "")
    check("method tag names estimator and options", M.method_tag("bptt", ["--init", "he"], ["--restart", "any"]) == "bptt-train-init-he-adapt-restart-any",
          M.method_tag("bptt", ["--init", "he"], ["--restart", "any"]))
    diverged = {"diverged": True, "error": "gd diverged"}
    per = {m: {"t": {"diverged": False, "initial_energy": -5.0, "final_energy": -7.0}} for m in M.LOCAL}
    per["gd"]["t"] = diverged
    check("a target's energy is known when GD diverged on it", M.initial_energy(per, "t") == -5.0)
    try:
        M.initial_energy({m: {"t": diverged} for m in M.LOCAL}, "t")
        check("a target on which every optimiser diverged is an error", False)
    except SystemExit as e:
        check("a target on which every optimiser diverged is an error", "t: every local optimiser diverged" in str(e), str(e))


def strider_processes(marker):
    """Pids of processes whose command line names marker (our work folder)."""
    out = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    return [p for p in out if int(p) != os.getpid()]


def test_killed_and_resumed(work):
    wdir = os.path.join(work, "w")
    cmd = ["bash", os.path.join(ROOT, "demos", "table1", "run.sh"), "--scale", "tiny", "--strider", STRIDER,
       "--train-epochs", "2", "--validation-every", "1", "--targets", "2", "--adapt-epochs", "3", "--adapt-seeds", "3",
       "--jobs", "2", "--results", os.path.join(work, "results"), "--work", wdir]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seeds = os.path.join(wdir, "method-pathwise", "adapt", "*", "seed-*.json")
    t0 = time.time()
    while not glob.glob(seeds) and p.poll() is None and time.time() - t0 < 600:
        time.sleep(0.2)
    p.send_signal(signal.SIGKILL)  # the python process (run.sh execs it)
    p.wait()
    time.sleep(1.0)
    done = {f: (os.path.getmtime(f), open(f).read()) for f in glob.glob(seeds)}
    check("the killed run had finished some seeds, not all", 0 < len(done) < 6, len(done))
    check("no strider process outlives the killed run", not strider_processes(wdir), strider_processes(wdir))
    r = subprocess.run(cmd, capture_output=True, text=True)
    check("the rerun finishes", r.returncode == 0, r.stderr[-2000:])
    if r.returncode != 0:
        return
    check("the rerun keeps every finished seed as it was", all((os.path.getmtime(f), open(f).read()) == v for f, v in done.items()))
    check("the rerun completes every seed", len(glob.glob(seeds)) == 6, len(glob.glob(seeds)))
    # --train-epochs 2 is not the tiny scale's 4: the training folder names its epoch count
    check("the policy is trained once, in its training folder", sorted(os.listdir(os.path.join(wdir, "training-pathwise-2-epochs")))
          == ["parameters.json", "policy.bin", "policy.bin.checkpoint", "policy.bin.csv", "train.json"], os.listdir(wdir))
    out = json.load(open(os.path.join(work, "results", "lj-binary-tiny.json")))
    for t, raw in out["raw"]["policy"].items():
        seeds_t = out["seeds"][t]
        check(f"{t}: the policy's evaluations are its seeds' sum", raw["evaluations"] == sum(s["evaluations"] for s in seeds_t))
        check(f"{t}: the policy's energy is its best seed's", raw["final_energy"] == min(s["final_energy"] for s in seeds_t))
        for m in ["basin-hopping", "fire-restarts"]:
            d = out["raw"][m][t]
            # basin hopping's first local minimisation (hop 0) is not cut by the budget
            over = m == "basin-hopping" and d["hops"] == 0
            check(f"{t}: {m} spends the policy's budget, no more", raw["evaluations"] - 1 <= d["evaluations"] <= raw["evaluations"] + 1 or over,
                  (d["evaluations"], raw["evaluations"]))
            check(f"{t}: {m}'s curve ends at its result", d["curve"][-1][1] == d["final_energy"] and d["curve"][-1][0] <= d["evaluations"])
    for f in ["lj-binary-tiny.md", "lj-binary-tiny-anytime.svg", "lj-binary-tiny-anytime.png", "lj-binary-tiny-validation.png"]:
        check(f"results hold {f}", os.path.exists(os.path.join(work, "results", f)))


def main():
    with tempfile.TemporaryDirectory() as work:
        test_perturb(work)
        test_fire_restarts(work)
        test_curves()
        test_killed_and_resumed(work)
    print(f"{len(failures)} failed" if failures else "all passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
