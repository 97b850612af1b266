"""The methods the table reproductions compare, each one `strider` call per (target[, seed]) whose result
is cached in the work folder (see jobs.py), and their "anytime" curves: the best energy reached against
the energy evaluations spent, as lists of [evaluations, best energy].
"""
import csv, os, random, re, shlex

import ase
import ase.io

from jobs import cached, last_json_line, run

# The local optimisers of the paper's Table 1 with its presets (`--preset paper`, Table 6 literal) and step
# counts (strider minimize --help). FIRE runs with the paper's preset; where that diverges on a target it runs
# again with strider minimize's stable preset (the paper's values with dt_max 0.02; for sw-si dt_start 0.05 and
# dt_max 0.2, since the paper's dt_start 0.5 alone diverges: each reason is in the system's file).
PAPER = ["--preset", "paper"]
CLASSICAL = [(name, ["--optimizer", name, *PAPER]) for name in ("gd", "adam", "fire", "fire2", "lbfgs")]
LOCAL = [name for name, _ in CLASSICAL]
# The baselines given the policy's budget of energy evaluations on each target.
EQUAL_BUDGET = ["basin-hopping", "fire-restarts"]
FIRE_STABLE_NAME = "stable preset"
FIRE_STABLE = ["--optimizer", "fire", "--preset", "stable"]
# strider minimize's default step count (the paper's): 1000, 2000 for csh.
PAPER_STEPS = {"csh": 2000}
# The random move of a FIRE restart: every coordinate of the target uniformly in [-S, S]. Large enough that
# FIRE descends to another minimum, small enough that no two atoms land on each other: basin hopping's
# steps (0.4 sigma, 10 Angstrom on csh) did that in a liquid, and FIRE then diverged on 95-99 % of restarts.
RESTART_STEP = {"lj-binary": 0.05, "sw-si": 0.4, "csh": 0.1}


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def minimize(strider, system, target, options, out_json):
    """strider minimize TARGET with options, cached at out_json. A divergence (exit status 3) is a result:
    {"diverged": true, "error": ...}."""
    def compute():
        p, dt = run([strider, "minimize", target, "--system", system, *options, "--json"], ok=(0, 3))
        if p.returncode == 3:
            return {"diverged": True, "error": p.stderr.strip(), "wall_seconds": dt, "options": options}
        d = last_json_line(p)
        d.update(diverged=False, wall_seconds=dt, options=options)
        return d
    return cached(out_json, compute)


def classical(strider, system, target, name, options, folder):
    """One classical local optimiser on one target. "fire" is the paper's preset where it converges and
    FIRE with the stable preset where the paper's diverges: its result says which ("variant"), and keeps the
    preset's divergence under "paper_preset"."""
    os.makedirs(folder, exist_ok=True)
    d = minimize(strider, system, target, options, os.path.join(folder, f"{name}-{stem(target)}.json"))
    if name != "fire":
        return d
    if not d["diverged"]:
        return dict(d, variant="paper preset")
    stable = minimize(strider, system, target, FIRE_STABLE, os.path.join(folder, f"fire-stable-{stem(target)}.json"))
    return dict(stable, variant=FIRE_STABLE_NAME, paper_preset=d)


def initial_energy(per, key):
    """The target's own energy: from the first local optimiser that did not diverge on it (a diverged
    run has no result, and every optimiser starts from the same energy)."""
    for m in LOCAL:
        if "initial_energy" in per[m].get(key, {}):
            return per[m][key]["initial_energy"]
    raise SystemExit(f"{key}: every local optimiser diverged, so the target's energy is unknown")


def mark_unbudgeted(per, keys):
    """per[method][key] for every equal-budget method: a target whose every policy seed failed has no
    budget, so those methods did not run there; their result there is marked failed."""
    for m in EQUAL_BUDGET:
        per.setdefault(m, {})
        for k in keys:
            per[m].setdefault(k, {"failed": True, "final_energy": None, "evaluations": 0, "wall_seconds": 0.0})


def fire_options(fire_result):
    """The FIRE options that converge on this target (from classical(..., "fire", ...))."""
    return FIRE_STABLE if "paper_preset" in fire_result else ["--optimizer", "fire", *PAPER]


def adapt_seed(strider, model, target, seed, epochs, estimator, options, folder):
    """One seed of the policy's adaptation to one target (`strider adapt --seeds 1 --seed K`), cached at
    folder/seed-K.json with its curve (seed-K.csv) and lowest structure (seed-K.xyz). A seed that strider
    aborts (exit status 1 with its "internal error" message, e.g. a non-finite coordinate) is a result:
    {"failed": true, "error": ...}; any other exit status 1 (not strider, a crash before it ran) raises and
    caches nothing."""
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, f"seed-{seed}")
    def compute():
        cmd = [strider, "adapt", model, target, "--estimator", estimator, "--epochs", str(epochs),
               "--seeds", "1", "--seed", str(seed), "--curve", base + ".csv", "--out", base + ".xyz", "--json", *options]
        p, dt = run(cmd, ok=(0, 1))
        if p.returncode == 1:
            if "strider adapt: internal error:" not in p.stderr:
                raise RuntimeError(f"{shlex.join(cmd)} -> exit status 1 without strider's error: {p.stderr.strip()}")
            return {"seed": seed, "failed": True, "error": p.stderr.strip(), "wall_seconds": dt, "command": shlex.join(cmd)}
        d = last_json_line(p)
        d.update(seed=seed, failed=False, wall_seconds=dt, curve_file=base + ".csv", out_file=base + ".xyz", command=shlex.join(cmd))
        return d
    return cached(base + ".json", compute)


def best_of_seeds(seeds):
    """The policy's result on one target from its seeds' results (seed order): the best seed's energy,
    every seed's evaluations and wall time summed (an aborted seed's evaluations are unknown: not counted)."""
    ok = [s for s in seeds if not s["failed"]]
    d = {"seeds": len(seeds), "failed_seeds": [{"seed": s["seed"], "error": s["error"]} for s in seeds if s["failed"]],
         "evaluations": sum(s["evaluations"] for s in ok), "wall_seconds": sum(s["wall_seconds"] for s in seeds),
         "seed_energies": [None if s["failed"] else s["final_energy"] for s in seeds]}
    if not ok:
        return dict(d, failed=True, final_energy=None)
    best = min(ok, key=lambda s: s["final_energy"])
    return dict(d, failed=False, final_energy=best["final_energy"], initial_energy=best["initial_energy"],
                best_seed=best["seed"], best_epoch=best["best_epoch"], curve_file=best["curve_file"], out_file=best["out_file"])


def read_curve(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def policy_curve(seeds):
    """Anytime curve of the adaptation, its seeds one after another: [[evaluations, best energy so far]]."""
    ok = [s for s in seeds if not s["failed"]]
    if not ok:
        return []
    curve, offset, best = [[1, ok[0]["initial_energy"]]], 0, ok[0]["initial_energy"]
    for s in ok:
        for r in read_curve(s["curve_file"]):
            best = min(best, float(r["best_energy"]))
            curve.append([offset + int(r["evaluations"]), best])
        offset += s["evaluations"]
    return curve


def basin_hopping(strider, system, target, budget, folder):
    """strider search --method basin-hopping with `budget` energy evaluations, cached in folder; its
    result carries its anytime curve (from search --curve)."""
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, stem(target))
    def compute():
        p, dt = run([strider, "search", target, "--system", system, "--method", "basin-hopping", "--budget", str(budget),
                     "--seed", "1", "--curve", base + ".csv", "--json"])
        d = last_json_line(p)
        curve = [[1, d["initial_energy"]]] + [[int(r["evaluations"]), float(r["best_energy"])] for r in read_curve(base + ".csv")]
        return dict(d, wall_seconds=dt, curve=curve)
    return cached(base + ".json", compute)


def restart_seed(index, n_atoms=0):
    """The seed of FIRE with restarts on a table's index-th target (Table 2: among its targets of n_atoms)."""
    return 12345 + 1000 * n_atoms + index


def restart_counts(results):
    """(diverged runs, runs) of FIRE with restarts over results, any iterable (a target it did not run on
    counts none)."""
    results = list(results)
    return sum(r.get("diverged_runs", 0) for r in results), sum(r.get("restarts", 0) for r in results)


def fire_restarts(strider, system, target, budget, fire, seed, folder):
    """FIRE (options `fire`, the paper's step count per run) from the target, then from the target with
    every coordinate moved uniformly in [-S, S] (RESTART_STEP), until `budget` energy evaluations are
    spent; the best final energy is kept. A diverged run is charged its full step count. Cached in folder
    under a name with the restart step (a result of another step is not reused)."""
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, f"{stem(target)}-restart-step-{RESTART_STEP[system]:g}")
    def compute():
        rng = random.Random(seed)
        left, runs, wall = budget, [], 0.0
        start = base + "-start.xyz"
        while left > 1:
            steps = min(PAPER_STEPS.get(system, 1000), left - 1)
            if runs:
                perturb(strider, target, start, RESTART_STEP[system], rng)
            p, dt = run([strider, "minimize", start if runs else target, "--system", system, *fire, "--steps", str(steps), "--json"], ok=(0, 3))
            wall += dt
            if p.returncode == 3:
                runs.append({"diverged": True, "evaluations": steps + 1, "final_energy": None})
            else:
                d = last_json_line(p)
                runs.append({"diverged": False, "evaluations": d["evaluations"], "final_energy": d["final_energy"],
                             "initial_energy": d["initial_energy"]})
            left -= runs[-1]["evaluations"]
        if os.path.exists(start):
            os.remove(start)
        curve, used, best = [], 0, None
        for r in runs:
            if best is None and r.get("initial_energy") is not None:
                curve.append([1, r["initial_energy"]])
            used += r["evaluations"]
            if r["final_energy"] is not None:
                best = r["final_energy"] if best is None else min(best, r["final_energy"])
            if best is not None:
                curve.append([used, best])
        return {"final_energy": best, "evaluations": used, "budget": budget, "restarts": len(runs),
                "diverged_runs": sum(r["diverged"] for r in runs), "restart_step": RESTART_STEP[system], "fire_options": fire, "wall_seconds": wall,
                "runs": runs, "curve": curve}
    return cached(base + ".json", compute)


def perturb(strider, src, dst, step, rng):
    """Write src (a structure file strider reads) to dst as extended XYZ with every coordinate moved
    uniformly in [-step, step]. `strider convert` first rewrites src in the form ASE reads (a chemical
    symbol in `species`, the model's type in `type_name`): it also reads the files strider wrote before
    that form (A, B, CSH in `species`), which ASE 3.22 refuses, and a broken file fails there with its
    name and line (ValueError). ASE then reads the first frame and writes its atoms moved, with the
    cell, pbc, system and types; energies and forces are dropped (stale)."""
    p, _ = run([strider, "convert", src, dst], ok=(0, 2))
    if p.returncode != 0:
        raise ValueError(p.stderr.strip())
    first = ase.io.read(dst, index=0, format="extxyz")
    moved = ase.Atoms(first.numbers, cell=first.cell, pbc=first.pbc, info={"system": first.info["system"]},
                      positions=first.positions + [[rng.uniform(-step, step) for _ in range(3)] for _ in first])
    if "type_name" in first.arrays:
        moved.new_array("type_name", first.arrays["type_name"])
    ase.io.write(dst, moved, format="extxyz")


def method_tag(estimator, train_options, adapt_options):
    """The name of a learned method in file names: "" for the default (pathwise, no extra options),
    else the estimator and the options, e.g. "bptt-adapt-restart-any"."""
    if estimator == "pathwise" and not train_options and not adapt_options:
        return ""
    slug = lambda opts: "-".join(re.sub(r"[^A-Za-z0-9.]+", "_", o.lstrip("-")) for o in opts)
    parts = [estimator] + (["train-" + slug(train_options)] if train_options else []) + (["adapt-" + slug(adapt_options)] if adapt_options else [])
    return "-".join(parts)


def labels(method):
    """The methods' names in tables and plots; the policy's names its estimator and tag."""
    tag, estimator = method["tag"], method["estimator"]
    policy = f"policy ({tag if tag.startswith(estimator) else f'{estimator}, {tag}' if tag else estimator})"
    return {"gd": "GD", "adam": "Adam", "fire": "FIRE", "fire2": "FIRE 2.0", "lbfgs": "L-BFGS", "policy": policy,
            "basin-hopping": "basin hopping (equal budget)", "fire-restarts": "FIRE with restarts (equal budget)"}


def summarize(results, n_atoms=None):
    """min / mean final energy, mean evaluations and wall seconds over the targets' results."""
    ok = [r for r in results if not r.get("diverged") and not r.get("failed") and r.get("final_energy") is not None]
    es = [r["final_energy"] for r in ok]
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    s = {"min": min(es) if es else None, "mean": mean(es), "failed": len(results) - len(ok), "targets": len(results),
         "mean_evaluations": mean([r["evaluations"] for r in ok]), "mean_wall_seconds": mean([r.get("wall_seconds", 0.0) for r in results]),
         "per_target": [r.get("final_energy") for r in results]}
    if n_atoms:
        s["mean_per_atom"] = None if s["mean"] is None else s["mean"] / n_atoms
    return s

