#!/usr/bin/env python3
"""Reproduce the paper's Table 1 (StriderNET vs GD, Adam, FIRE, ...) on strider-generated data.

Called by run.sh; see run.sh --help. Every step is a `strider` call whose result is kept in the work
folder (jobs.py): a stopped run, rerun with the same command, continues where it stopped. Writes
results/<system>-<scale>[-<tag>].{json,md} and plots (SVG and PNG).
"""
import concurrent.futures as cf, csv, datetime, os, platform, shlex, time

import command_line as CL
import methods as M
import plots
from jobs import git_head, write_report, main_or_exit, cached, check_parameters, file_sha256, exit_on_signals, last_json_line, log, run, run_all, write_json_atomically

SCALES = {
    # full: the paper's protocol. The paper does not state the number of training epochs for LJ-100;
    # 1000 is our choice (validation every 20 epochs as in the paper).
    "full":  dict(train_epochs=1000, validation_every=20, targets=10, adapt_epochs=1000, adapt_seeds=10),
    "small": dict(train_epochs=100, validation_every=10, targets=5, adapt_epochs=100, adapt_seeds=2),
    "tiny":  dict(train_epochs=4, validation_every=2, targets=2, adapt_epochs=5, adapt_seeds=2),
}
HERE = os.path.dirname(os.path.abspath(__file__))
N_ATOMS = {"lj-binary": 100, "sw-si": 64, "csh": 152}
UNITS = {"lj-binary": "epsilon", "sw-si": "eV", "csh": "kcal/mol"}
# The paper's Table 1: (min, mean) over its 10 structures.
PAPER = {
    "lj-binary": {"gd": (-799.53, -795.38), "fire": (-813.66, -806.29), "adam": (-808.62, -801.96), "policy": (-815.63, -811.99)},
    "csh": {"gd": (-1583539.3, -1548798.6), "fire": (-1637194.1, -1588792.4), "adam": (-1622905.9, -1596680.4), "policy": (-1671916.8, -1648965.9)},
    "sw-si": {"gd": (-249.22, -247.56), "fire": (-256.98, -256.37), "adam": (-258.86, -256.93), "policy": (-259.94, -257.35)},
}


def parse_args():
    ap = CL.table_parser(SCALES, HERE, "the learned method: strider train/adapt --estimator NAME")
    ap.add_argument("--system", default="lj-binary", choices=N_ATOMS)
    ap.add_argument("--train-options", default="", help="more strider train options, one string")
    a = ap.parse_args()
    a.strider = CL.strider_binary(a.strider, a.jobs)
    a.work = a.work or os.path.join(HERE, "work", f"{a.system}-{a.scale}")
    return a


def main():
    a = parse_args()
    exit_on_signals()
    S, system = a.strider, a.system
    P = CL.scale_parameters(a, SCALES)
    train_options, adapt_options = shlex.split(a.train_options), shlex.split(a.adapt_options)
    tag = a.tag if a.tag is not None else M.method_tag(a.estimator, train_options, adapt_options)
    name = f"{system}-{a.scale}" + (f"-{tag}" if tag else "")
    method = {"estimator": a.estimator, "train_options": train_options, "adapt_options": adapt_options, "tag": tag}
    check_parameters(a.work, {"system": system, "targets": P["targets"]})
    # the policy is trained once per (estimator, training options, epochs when not the scale's):
    # methods that differ in adaptation share it
    epochs_suffix = "" if P["train_epochs"] == SCALES[a.scale]["train_epochs"] else f"-{P['train_epochs']}-epochs"
    train_dir = os.path.join(a.work, "training-" + (M.method_tag(a.estimator, train_options, []) or a.estimator) + epochs_suffix)
    check_parameters(train_dir, {"estimator": a.estimator, "train_options": train_options,
                            "train_epochs": P["train_epochs"], "validation_every": P["validation_every"]})
    mdir = os.path.join(a.work, "method-" + (tag or a.estimator))
    check_parameters(mdir, dict(method, **P))
    os.makedirs(a.results, exist_ok=True)
    pool = cf.ThreadPoolExecutor(a.jobs)
    T0 = time.time()

    # 1. data: 100 training/validation structures (seed 1), held-out targets (seed 2)
    data, target_dir = os.path.join(a.work, "data"), os.path.join(a.work, "targets")
    def generate(job):
        out, count, seed = job
        if not os.path.exists(os.path.join(out, "manifest.json")):  # written last by strider generate
            run([S, "generate", "--system", system, "--n", str(N_ATOMS[system]), "--count", str(count), "--seed", str(seed), "--out", out, "--json"])
    run_all(pool, generate, [(data, 100, 1), (target_dir, P["targets"], 2)], "generate")
    targets = sorted(os.path.join(target_dir, f) for f in os.listdir(target_dir) if f.endswith(".xyz"))[:P["targets"]]

    # 2. training (one process, resumed from its checkpoint) beside the classical local optimisers
    model = os.path.join(train_dir, "policy.bin")
    def train():
        cmd = [S, "train", "--system", system, "--data", data, "--out", model, "--estimator", a.estimator,
               "--epochs", str(P["train_epochs"]), "--validation-every", str(P["validation_every"]),
               "--seed", "1", "--log", model + ".csv", "--json", *train_options]
        resumed = os.path.exists(model) and os.path.exists(model + ".checkpoint")
        if resumed:
            cmd.append("--resume")
            log("training: resuming from its checkpoint")
        p, dt = run(cmd)
        return dict(last_json_line(p), wall_seconds=dt, command=shlex.join(cmd), resumed=resumed)
    training = pool.submit(cached, os.path.join(train_dir, "train.json"), train)
    cdir = os.path.join(a.work, "classical")
    jobs = [(n, o, tg) for n, o in M.CLASSICAL for tg in targets]
    per = {n: {} for n in M.LOCAL}
    for (n, _, tg), d in zip(jobs, run_all(pool, lambda j: M.classical(S, system, j[2], j[0], j[1], cdir), jobs, "classical")):
        per[n][tg] = d
    trained = training.result()
    check_parameters(mdir, {"model_sha256": file_sha256(model)}, "model.json")  # its adaptations are of this policy
    log(f"trained ({trained['epochs']} epochs)")

    # 3. adaptation: every (target, seed) its own process
    seed_jobs = [(tg, k) for tg in targets for k in range(1, P["adapt_seeds"] + 1)]
    adir = lambda tg: os.path.join(mdir, "adapt", M.stem(tg))
    seeds = run_all(pool, lambda j: M.adapt_seed(S, model, j[0], j[1], P["adapt_epochs"], a.estimator, adapt_options, adir(j[0])),
                    seed_jobs, "adaptation seeds")
    seeds_of = {tg: [d for (t, _), d in zip(seed_jobs, seeds) if t == tg] for tg in targets}
    per["policy"] = {tg: M.best_of_seeds(seeds_of[tg]) for tg in targets}

    # 4. equal budget: basin hopping and FIRE with restarts get the policy's evaluations (all seeds)
    budget = {tg: per["policy"][tg]["evaluations"] for tg in targets}
    eq_jobs = [(m, tg) for tg in targets for m in M.EQUAL_BUDGET if budget[tg] > 1]
    def equal_budget(job):
        m, tg = job
        if m == "basin-hopping":
            return M.basin_hopping(S, system, tg, budget[tg], os.path.join(mdir, m))
        return M.fire_restarts(S, system, tg, budget[tg], M.fire_options(per["fire"][tg]), M.restart_seed(targets.index(tg)), os.path.join(mdir, m))
    for (m, tg), d in zip(eq_jobs, run_all(pool, equal_budget, eq_jobs, "equal-budget baselines")):
        per.setdefault(m, {})[tg] = d
    M.mark_unbudgeted(per, targets)
    wall = time.time() - T0
    log(f"all jobs done ({wall:.0f} s in this call)")
    report(a, S, P, method, name, targets, per, seeds_of, trained, model, budget, wall)


def report(a, S, P, method, name, targets, per, seeds_of, trained, model, budget, wall):
    system, u = a.system, UNITS[a.system]
    order = M.LOCAL + ["policy"] + M.EQUAL_BUDGET
    summary = {m: M.summarize([per[m][tg] for tg in targets]) for m in order}
    init = [M.initial_energy(per, tg) for tg in targets]
    fire_variant = {M.stem(tg): per["fire"][tg]["variant"] for tg in targets}
    compute = {"train": trained["wall_seconds"], "classical": sum(per[m][tg]["wall_seconds"] for m in M.LOCAL for tg in targets),
               "adaptation": sum(per["policy"][tg]["wall_seconds"] for tg in targets),
               "equal_budget": sum(per[m][tg]["wall_seconds"] for m in M.EQUAL_BUDGET for tg in targets)}
    labels = M.labels(method)
    label = labels["policy"]
    head = git_head()
    out = {"system": system, "scale": a.scale, "parameters": P, "method": method, "command": a.command,
           "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.node()} ({os.cpu_count()} cores, shared), {platform.machine()}",
           "strider_version": run([S, "--version"])[0].stdout.strip(), "strider_binary": os.path.abspath(S), "git_head_at_run": head,
           "data": {"train_validation": "strider generate seed 1, 100 structures (first 75 train, last 25 validate)",
                    "targets": f"strider generate seed 2, first {len(targets)} structures"},
           "targets": [M.stem(t) for t in targets], "initial_energies": init, "budget_per_target": [budget[tg] for tg in targets],
           "fire_variant_per_target": fire_variant, "compute_seconds": compute, "wall_seconds_this_call": wall,
           "summary": summary, "training": trained,
           "raw": {m: {M.stem(tg): per[m][tg] for tg in targets} for m in order},
           "seeds": {M.stem(tg): seeds_of[tg] for tg in targets}}
    write_json_atomically(os.path.join(a.results, name + ".json"), out)

    # plots
    stemp = os.path.join(a.results, name)
    vx, vy = [], []  # the validation curve
    with open(model + ".csv") as f:
        for r in csv.DictReader(f):
            if r["validation_energy_change"]:
                vx.append(int(r["epoch"])); vy.append(float(r["validation_energy_change"]))
    series = [(label, vx, vy)]
    if trained.get("fire_validation_energy_change") is not None and vx:
        series.append(("FIRE (20 steps)", [vx[0], vx[-1]], [trained["fire_validation_energy_change"]] * 2))
    plots.lines(stemp + "-validation", series, f"{system}: validation <E_20 - E_0> during training", "epoch", "<E_20 - E_0>", ymax=100.0)
    series = []
    for tg in targets:
        d = per["policy"][tg]
        if d["failed"]:
            continue
        rows = M.read_curve(d["curve_file"])
        series.append((f"{M.stem(tg)} (seed {d['best_seed']})", [int(r["epoch"]) for r in rows], [float(r["start_energy"]) for r in rows]))
    plots.lines(stemp + "-adaptation", series, f"{system}: adaptation, start energy per epoch, best seed", "epoch", f"energy ({u})")
    curves = {label: [M.policy_curve(seeds_of[tg]) for tg in targets],
              labels["basin-hopping"]: [per["basin-hopping"][tg].get("curve", []) for tg in targets],
              labels["fire-restarts"]: [per["fire-restarts"][tg].get("curve", []) for tg in targets]}
    points = {labels[m]: (summary[m]["mean_evaluations"], summary[m]["mean"]) for m in M.LOCAL if summary[m]["mean"] is not None}
    plots.anytime(stemp + "-anytime", curves, points, f"{system}: best energy against energy evaluations (mean over {len(targets)} targets)", f"best energy ({u})")

    # markdown
    pp = PAPER.get(system, {})
    fmt = lambda v, d=2: "—" if v is None else f"{v:.{d}f}"
    paper_of = {"gd": "gd", "adam": "adam", "fire": "fire", "policy": "policy"}
    reduced = " (REDUCED — not the paper's protocol)" if a.scale != "full" or any(P[k] != SCALES["full"][k] for k in P) else ""
    over = [f"{M.stem(tg)} ({per['basin-hopping'][tg]['evaluations']} > {budget[tg]})" for tg in targets
            if per["basin-hopping"][tg]["evaluations"] > budget[tg] + 1]
    diverged_fire = [t for t, v in fire_variant.items() if v != "paper preset"]
    restarts_diverged, restarts = M.restart_counts(per["fire-restarts"][tg] for tg in targets)
    md = [f"# Table 1 reproduction: {system}, scale `{a.scale}`, {label}{reduced}", "",
          f"- Command: `{a.command}`",
          f"- Date: {out['date_utc']}; machine: {out['machine']}; {out['strider_version']}; commit {head}",
          f"- Learned method: `{shlex.join(['strider', 'train', '--estimator', method['estimator'], *method['train_options']])}` "
          f"({P['train_epochs']} epochs, validation every {P['validation_every']}, seed 1), then per target "
          f"`{shlex.join(['strider', 'adapt', '--estimator', method['estimator'], '--epochs', str(P['adapt_epochs']), '--seeds', '1', '--seed', 'K', *method['adapt_options']])}` "
          f"for K = 1..{P['adapt_seeds']} (each seed its own process; the best seed kept). Paper: 10 targets, 1000 adaptation epochs × 10 seeds.",
          f"- Data: {out['data']['train_validation']}; targets: {out['data']['targets']} (held out: never seen in training).",
          f"- Mean initial energy of the targets: {sum(init) / len(init):.2f} {u}.",
          "- Compute (sum of the jobs' wall times, over every call that ran them): " + ", ".join(f"{k} {v:.0f} s" for k, v in compute.items())
          + f"; this call: {wall:.0f} s wall with {a.jobs} jobs in parallel.", "",
          f"Energies in {u}, min / mean over the {len(targets)} targets (lower is better); evaluations and wall time: mean per target "
          "(the policy's: all seeds together, training not included).", "",
          "| method | min | mean | evaluations | wall s | diverged/failed | paper min / mean |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for m in order:
        s = summary[m]
        pv = pp.get(paper_of.get(m, ""))
        md.append(f"| {labels[m]} | {fmt(s['min'])} | {fmt(s['mean'])} | {fmt(s['mean_evaluations'], 0)} | {fmt(s['mean_wall_seconds'], 1)} "
                  f"| {s['failed']}/{s['targets']} | {'' if pv is None else f'{pv[0]} / {pv[1]}'} |")
    md += ["", "Per target (final energy; FIRE's variant in brackets; budget = the policy's evaluations, given to the equal-budget methods):", "",
           "| target | initial | " + " | ".join(labels[m] for m in order) + " | budget |", "| --- " * (len(order) + 3) + "|"]
    for tg, e0 in zip(targets, init):
        cells = [fmt(per[m][tg].get("final_energy")) + (f" ({per[m][tg]['variant']})" if m == "fire" else "") for m in order]
        md.append(f"| {M.stem(tg)} | {e0:.2f} | " + " | ".join(cells) + f" | {budget[tg]} |")
    md += ["", "Notes:",
           f"- FIRE: the paper's preset (dt_max 0.4) where it converges; where it diverges (exit status 3: energy non-finite or above 1000× its "
           f"initial size) FIRE with `--preset stable` (dt_max 0.02; for sw-si dt_start 0.05, dt_max 0.2): "
           + (f"the preset diverged on {len(diverged_fire)}/{len(targets)} targets ({', '.join(diverged_fire)})." if diverged_fire else "the preset converged on every target."),
           "- Policy: energy = the lowest start energy reached by the best seed; evaluations count every seed's energy evaluations."
           + "".join(f" Seeds aborted by strider on {M.stem(tg)}: " + "; ".join(f"seed {f['seed']}: {f['error']}" for f in per['policy'][tg]['failed_seeds']) + "."
                     for tg in targets if per["policy"][tg]["failed_seeds"]),
           "- Equal budget: `strider search --method basin-hopping --budget B` (local L-BFGS) and FIRE with restarts (FIRE as in the row above "
           f"from the target, then from the target with every coordinate moved uniformly in ±{M.RESTART_STEP[system]}, the paper's step count per "
           f"run, best kept; a diverged run is charged its full step count; {restarts_diverged} of {restarts} runs diverged) with B = the "
           "policy's evaluations on that target."
           + (" Basin hopping's first local minimisation is not cut by the budget; it spent more on: " + ", ".join(over) + "." if over else ""),
           "- The paper's numbers are on the authors' data, not ours: compare the ordering of methods, not the values digit by digit.", ""]
    s = summary["policy"]
    if s["mean"] is not None:
        others = M.LOCAL + M.EQUAL_BUDGET
        beats = [labels[m] for m in others if summary[m]["mean"] is not None and s["mean"] < summary[m]["mean"]]
        loses = [f"{labels[m]} ({summary[m]['mean']:.2f})" for m in others if summary[m]["mean"] is not None and s["mean"] >= summary[m]["mean"]]
        md.append(f"- {label}: mean {s['mean']:.2f} {u}; lower mean than: {', '.join(beats) or 'none'}; not lower than: {', '.join(loses) or 'none'}.")
    best_local = min((summary[m]["mean"], m) for m in M.LOCAL if summary[m]["mean"] is not None)
    md.append(f"- Best classical local optimiser by mean: {labels[best_local[1]]} ({best_local[0]:.2f} {u}).")
    md += ["", "Training (validation metric ⟨E_20 − E_0⟩ on the 25 validation structures, lower is better):", "",
           f"- {trained['epochs']} epochs; validation ⟨E_20 − E_0⟩ " + ", ".join(f"epoch {x}: {y:.2f}" for x, y in zip(vx, vy))
           + f"; FIRE's (20 steps): {fmt(trained.get('fire_validation_energy_change'))}."]
    plot_names = [f"{name}-{p}" for p in ("anytime", "validation", "adaptation")]
    md += ["", "Plots (SVG, PNG beside): " + ", ".join(f"[{p}]({p}.svg)" for p in plot_names) + f". Raw per-target and per-seed results: [{name}.json]({name}.json).", ""]
    write_report(a.results, name, md)


if __name__ == "__main__":
    main_or_exit(main)
