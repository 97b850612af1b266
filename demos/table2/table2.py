#!/usr/bin/env python3
"""Reproduce the paper's Table 2 (inductivity): a policy trained on 100-atom binary LJ adapts to
structures of N = 25 ... 1000 atoms, against the classical optimisers at each N.

Called by run.sh; see run.sh --help. Every step is a `strider` call whose result is kept in the work
folder (demos/table1/jobs.py): a stopped run, rerun with the same command, continues where it stopped.
Writes results/table2-<scale>[-<tag>].{json,md} and a plot (SVG and PNG).
"""
import concurrent.futures as cf, datetime, os, platform, shlex, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "table1"))
import command_line as CL  # noqa: E402
import methods as M  # noqa: E402
import plots  # noqa: E402
from jobs import git_head, write_report, main_or_exit, check_parameters, file_sha256, exit_on_signals, log, run, run_all, write_json_atomically  # noqa: E402

SCALES = {
    # full: the paper's adaptation protocol (1000 epochs x 10 seeds) on 10 targets at every size.
    # large_*: targets, epochs and seeds at N >= LARGE_N, where an epoch costs ~N/100 times more.
    "full":  dict(targets=10, adapt_epochs=1000, adapt_seeds=10, large_targets=10, large_epochs=1000, large_seeds=10),
    "small": dict(targets=3, adapt_epochs=100, adapt_seeds=1, large_targets=1, large_epochs=30, large_seeds=1),
    "tiny":  dict(targets=1, adapt_epochs=3, adapt_seeds=2, large_targets=1, large_epochs=2, large_seeds=1),
}
LARGE_N = 500
SIZES = [25, 50, 100, 250, 500, 1000]


def parse_args():
    ap = CL.table_parser(SCALES, HERE, "the learned method: strider adapt --estimator NAME")
    ap.add_argument("--model", default=os.path.join(CL.ROOT, "shared", "policy-lj-binary-100.weights"),
                    help="policy weights trained at N = 100 (lj-binary)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    a = ap.parse_args()
    a.strider = CL.strider_binary(a.strider, a.jobs)
    a.work = a.work or os.path.join(HERE, "work", a.scale)
    return a


def main():
    a = parse_args()
    exit_on_signals()
    S = a.strider
    P = CL.scale_parameters(a, SCALES)
    sizes = [int(n) for n in a.sizes.split(",")]
    adapt_options = shlex.split(a.adapt_options)
    tag = a.tag if a.tag is not None else M.method_tag(a.estimator, [], adapt_options)
    name = f"table2-{a.scale}" + (f"-{tag}" if tag else "")
    method = {"estimator": a.estimator, "adapt_options": adapt_options, "tag": tag, "model": os.path.abspath(a.model), "model_sha256": file_sha256(a.model)}
    check_parameters(a.work, {"targets": P["targets"], "large_targets": P["large_targets"]})
    mdir = os.path.join(a.work, "method-" + (tag or a.estimator))
    check_parameters(mdir, dict(method, **P))
    os.makedirs(a.results, exist_ok=True)
    pool = cf.ThreadPoolExecutor(a.jobs)
    T0 = time.time()
    large = lambda n: n >= LARGE_N
    count = lambda n: P["large_targets"] if large(n) else P["targets"]
    epochs = lambda n: P["large_epochs"] if large(n) else P["adapt_epochs"]
    n_seeds = lambda n: P["large_seeds"] if large(n) else P["adapt_seeds"]

    # 1. targets: strider generate seed 2 at every size (held out: the policy saw only N = 100, seed 1)
    def generate(n):
        out = os.path.join(a.work, f"targets-{n}")
        if not os.path.exists(os.path.join(out, "manifest.json")):  # written last by strider generate
            run([S, "generate", "--system", "lj-binary", "--n", str(n), "--count", str(count(n)), "--seed", "2", "--out", out, "--json"])
        return sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".xyz"))[:count(n)]
    targets = dict(zip(sizes, run_all(pool, generate, sizes, "generate")))
    all_targets = [(n, tg) for n in sizes for tg in targets[n]]
    key = lambda n, tg: f"{n}-{M.stem(tg)}"

    # 2. classical local optimisers (paper presets and steps) and the adaptation, every (N, target, seed) a job
    cdir = os.path.join(a.work, "classical")
    cjobs = [(m, o, n, tg) for m, o in M.CLASSICAL for n, tg in all_targets]
    sjobs = [(n, tg, k) for n, tg in all_targets for k in range(1, n_seeds(n) + 1)]
    def job(j):
        if len(j) == 4:
            m, o, n, tg = j
            return M.classical(S, "lj-binary", tg, m, o, os.path.join(cdir, str(n)))
        n, tg, k = j
        return M.adapt_seed(S, a.model, tg, k, epochs(n), a.estimator, adapt_options, os.path.join(mdir, "adapt", key(n, tg)))
    results = run_all(pool, job, cjobs + sjobs, "classical and adaptation seeds")
    per = {m: {} for m in M.LOCAL}
    for (m, _, n, tg), d in zip(cjobs, results):
        per[m][key(n, tg)] = d
    seeds_of = {key(n, tg): [d for (n2, t2, _), d in zip(sjobs, results[len(cjobs):]) if (n2, t2) == (n, tg)] for n, tg in all_targets}
    per["policy"] = {k: M.best_of_seeds(s) for k, s in seeds_of.items()}

    # 3. equal budget: basin hopping and FIRE with restarts get the policy's evaluations (all seeds)
    budget = budget_of(per)
    ejobs = [(m, n, tg) for n, tg in all_targets for m in M.EQUAL_BUDGET if budget[key(n, tg)] > 1]
    def equal_budget(j):
        m, n, tg = j
        folder, b = os.path.join(mdir, m, str(n)), budget[key(n, tg)]
        if m == "basin-hopping":
            return M.basin_hopping(S, "lj-binary", tg, b, folder)
        return M.fire_restarts(S, "lj-binary", tg, b, M.fire_options(per["fire"][key(n, tg)]), M.restart_seed(targets[n].index(tg), n), folder)
    for (m, n, tg), d in zip(ejobs, run_all(pool, equal_budget, ejobs, "equal-budget baselines")):
        per.setdefault(m, {})[key(n, tg)] = d
    M.mark_unbudgeted(per, [key(n, tg) for n, tg in all_targets])
    wall = time.time() - T0
    log(f"all jobs done ({wall:.0f} s in this call)")
    report(a, S, P, method, name, sizes, targets, key, per, seeds_of, epochs, n_seeds, wall)


def budget_of(per):
    """The equal-budget methods' budget per target: the policy's evaluations (all seeds)."""
    return {k: d["evaluations"] for k, d in per["policy"].items()}


def report(a, S, P, method, name, sizes, targets, key, per, seeds_of, epochs, n_seeds, wall):
    order = M.LOCAL + ["policy"] + M.EQUAL_BUDGET
    labels = M.labels(method)
    label = labels["policy"]
    restarts_diverged, restarts = M.restart_counts(per["fire-restarts"].values())
    table = {}
    for n in sizes:
        ks = [key(n, tg) for tg in targets[n]]
        row = {m: M.summarize([per[m][k] for k in ks], n_atoms=n) for m in order}
        row["initial_mean"] = sum(M.initial_energy(per, k) for k in ks) / len(ks)
        row["targets"], row["adapt_epochs"], row["adapt_seeds"] = len(ks), epochs(n), n_seeds(n)
        row["policy_seconds_per_epoch"] = sum(per["policy"][k]["wall_seconds"] for k in ks) / (len(ks) * epochs(n) * n_seeds(n))
        row["fire_variants"] = {k: per["fire"][k]["variant"] for k in ks}
        table[n] = row
    head = git_head()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    out = {"scale": a.scale, "parameters": P, "method": method, "sizes": sizes, "command": a.command,
           "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.node()} ({os.cpu_count()} cores, shared), {platform.machine()}",
           "strider_version": run([S, "--version"])[0].stdout.strip(), "git_head_at_run": head,
           "wall_seconds_this_call": wall, "table": table,
           "raw": {m: per[m] for m in order}, "seeds": seeds_of}
    write_json_atomically(os.path.join(a.results, name + ".json"), out)

    series = [(labels[m], sizes, [table[n][m]["mean_per_atom"] for n in sizes]) for m in order
              if all(table[n][m]["mean_per_atom"] is not None for n in sizes)]
    plots.lines(os.path.join(a.results, name), series, f"lj-binary: the policy trained at N = 100 adapted at every N; {method['estimator']}" + (f", {method['tag']}" if method["tag"] else ""),
                "N (atoms)", "mean final energy per atom (epsilon)", logx=True, xticks=sizes)

    fmt = lambda v, d=2: "—" if v is None else f"{v:.{d}f}"
    differs = lambda keys: a.scale != "full" or any(P[k] != SCALES["full"][k] for k in keys)
    small_keys, large_keys = ("targets", "adapt_epochs", "adapt_seeds"), ("large_targets", "large_epochs", "large_seeds")
    if differs(small_keys):
        reduced = " (REDUCED — not the paper's protocol)"
    elif differs(large_keys):
        reduced = f" (the paper's protocol at N < {LARGE_N}; reduced at N >= {LARGE_N})"
    else:
        reduced = ""
    md = [f"# Table 2 reproduction (inductivity), scale `{a.scale}`, {label}{reduced}", "",
          f"- Command: `{a.command}`",
          f"- Date: {out['date_utc']}; machine: {out['machine']}; {out['strider_version']}; commit {head}",
          f"- Policy: `{os.path.relpath(method['model'], root)}` (sha256 {method['model_sha256'][:12]}), trained on 75 binary-LJ structures of N = 100, "
          f"never retrained; at every N adapted to each target by `{shlex.join(['strider', 'adapt', '--estimator', method['estimator'], '--seeds', '1', '--seed', 'K', *method['adapt_options']])}` "
          f"(each seed its own process, the best kept): {P['adapt_epochs']} epochs × {P['adapt_seeds']} seeds; "
          f"at N >= {LARGE_N}: {P['large_epochs']} epochs × {P['large_seeds']} seeds.",
          f"- Targets: `strider generate --system lj-binary --n N --seed 2`, the first {P['targets']} per N "
          f"({P['large_targets']} at N >= {LARGE_N}; T = 2.0 liquids at density 1.2).",
          f"- Classical: `strider minimize` with the paper's presets and 1000 steps; FIRE with the paper's preset where it converges, "
          f"with `--preset stable` (dt_max 0.02) where it diverges (the FIRE rows below say on how many targets). Basin hopping "
          "(`strider search`, L-BFGS) and FIRE with restarts get the policy's own number of energy evaluations (all seeds) on each target; FIRE with restarts "
          f"runs FIRE from the target moved uniformly by ±{M.RESTART_STEP['lj-binary']} again and again "
          f"({restarts_diverged} of {restarts} runs diverged).",
          f"- Wall time of this call: {wall:.0f} s with {a.jobs} jobs in parallel.", "",
          "Mean final energy per atom (epsilon; lower is better):", "",
          "| N | targets | epochs × seeds | start | " + " | ".join(labels[m] for m in order) + " |", "| --- " * (len(order) + 4) + "|"]
    for n in sizes:
        r = table[n]
        md.append(f"| {n} | {r['targets']} | {r['adapt_epochs']} × {r['adapt_seeds']} | {r['initial_mean'] / n:.4f} | "
                  + " | ".join(fmt(r[m]["mean_per_atom"], 4) for m in order) + " |")
    md += ["", "Mean / min total energy over the targets, and mean energy evaluations / wall seconds per target:", "",
           "| N | " + " | ".join(labels[m] for m in order) + " |", "| --- " * (len(order) + 1) + "|"]
    for n in sizes:
        r = table[n]
        md.append(f"| {n} | " + " | ".join(f"{fmt(r[m]['mean'])} / {fmt(r[m]['min'])}; {fmt(r[m]['mean_evaluations'], 0)} ev, "
                                          f"{fmt(r[m]['mean_wall_seconds'], 1)} s" for m in order) + " |")
    md += ["", "FIRE's preset diverged (the stable preset used) on: " + "; ".join(
        f"N = {n}: {sum(v != 'paper preset' for v in table[n]['fire_variants'].values())}/{table[n]['targets']}" for n in sizes) + ".",
           "Adaptation wall time per epoch (one seed, T = 15 steps, forward + backward): " + "; ".join(
        f"N = {n}: {1000 * table[n]['policy_seconds_per_epoch']:.0f} ms" for n in sizes) + " (shared machine).", ""]
    over = [f"{k} ({per['basin-hopping'][k]['evaluations']} > {b})" for k, b in budget_of(per).items() if per["basin-hopping"][k]["evaluations"] > b + 1]
    if over:
        md += ["Basin hopping's first local minimisation is not cut by the budget; it spent more on: " + ", ".join(over) + ".", ""]
    failed = [(k, f) for k, d in per["policy"].items() for f in d["failed_seeds"]]
    if failed:
        md += ["Seeds aborted by strider: " + "; ".join(f"{k} seed {f['seed']}: {f['error']}" for k, f in failed) + ".", ""]
    wins = [n for n in sizes if table[n]["policy"]["mean"] is not None and all(
        table[n][m]["mean"] is None or table[n]["policy"]["mean"] < table[n][m]["mean"] for m in order if m != "policy")]
    beats_fire = [n for n in sizes if None not in (table[n]["policy"]["mean"], table[n]["fire"]["mean"])
                  and table[n]["policy"]["mean"] < table[n]["fire"]["mean"]]
    md.append(f"Policy lowest mean of all methods at N = {', '.join(map(str, wins)) or 'none'}; "
              f"below FIRE's mean at N = {', '.join(map(str, beats_fire)) or 'none'}.")
    md += ["", f"Plot: [{name}.svg]({name}.svg) ([PNG]({name}.png)). Raw per-target and per-seed results: [{name}.json]({name}.json).", ""]
    write_report(a.results, name, md)


if __name__ == "__main__":
    main_or_exit(main)
