#!/usr/bin/env python3
"""Reproduce the paper's Table 2 (inductivity): a policy trained on 100-atom binary LJ adapts to
structures of N = 25 ... 1000 atoms, against the classical optimisers at each N.

Called by run.sh; see run.sh --help. Writes results/table2-<scale>.{json,md,svg}.
Only the standard library and the `strider` binary are needed.
"""
import argparse, concurrent.futures as cf, datetime, json, os, platform, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "table1"))
from table1 import FIRE_SAFE_DT_MAX, jrun, log, run, svg_plot  # noqa: E402

SCALES = {
    # full: the paper's adaptation protocol (1000 epochs x 10 seeds) on 10 targets per size.
    # large_*: targets and adaptation epochs at N >= LARGE_N, where an epoch costs ~N/100 times more.
    "full":  dict(targets=10, adapt_epochs=1000, adapt_seeds=10, large_targets=10, large_epochs=1000),
    "small": dict(targets=3, adapt_epochs=100, adapt_seeds=1, large_targets=1, large_epochs=30),
    "tiny":  dict(targets=1, adapt_epochs=3, adapt_seeds=1, large_targets=1, large_epochs=3),
}
LARGE_N = 500
SIZES = [25, 50, 100, 250, 500, 1000]
CLASSICAL = [("gd", ["--optimizer", "gd"]), ("adam", ["--optimizer", "adam"]),
             (f"fire-dtmax{FIRE_SAFE_DT_MAX}", ["--optimizer", "fire", "--set", f"dt_max={FIRE_SAFE_DT_MAX}"]),
             ("fire2", ["--optimizer", "fire2"]), ("lbfgs", ["--optimizer", "lbfgs"])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strider", required=True)
    ap.add_argument("--model", required=True, help="policy weights trained at N = 100 (lj-binary)")
    ap.add_argument("--scale", default="small", choices=SCALES)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--command", default="")
    for k in SCALES["full"]:
        ap.add_argument("--" + k.replace("_", "-"), type=int)
    a = ap.parse_args()
    S = a.strider
    P = dict(SCALES[a.scale])
    for k in P:
        if getattr(a, k) is not None:
            P[k] = getattr(a, k)
    sizes = [int(n) for n in a.sizes.split(",")]
    os.makedirs(a.work, exist_ok=True); os.makedirs(a.results, exist_ok=True)
    pool = cf.ThreadPoolExecutor(a.jobs)
    T0 = time.time()

    count = lambda n: P["large_targets"] if n >= LARGE_N else P["targets"]
    epochs = lambda n: P["large_epochs"] if n >= LARGE_N else P["adapt_epochs"]

    # 1. targets: strider generate seed 2 at every size (held out: the policy saw only N = 100, seed 1)
    def generate(n):
        out = os.path.join(a.work, f"targets-{n}")
        if not os.path.exists(os.path.join(out, "manifest.json")):
            jrun([S, "generate", "--system", "lj-binary", "--n", str(n), "--count", str(count(n)),
                  "--seed", "2", "--out", out, "--json"])
        return n, sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".xyz"))[:count(n)]
    targets = dict(pool.map(generate, sizes))
    log("targets ready")

    # 2. classical local optimisers (paper presets, 1000 steps) and the adapted policy, per target
    def minimize(job):
        name, opts, tgt = job
        p, dt = run([S, "minimize", tgt, "--system", "lj-binary", *opts, "--json"], allow_rc=(0, 3))
        if p.returncode == 3:
            return name, tgt, {"diverged": True, "final_energy": None, "evaluations": None}
        return name, tgt, json.loads(p.stdout.strip().splitlines()[-1])

    def adapt(tgt):
        n = int(os.path.basename(os.path.dirname(tgt)).split("-")[1])
        base = os.path.join(a.work, "adapt-" + os.path.basename(os.path.dirname(tgt)) + "-" + os.path.basename(tgt)[:-4])
        if os.path.exists(base + ".json"):
            return "policy", tgt, json.load(open(base + ".json"))
        t = time.time()
        d = jrun([S, "adapt", a.model, tgt, "--epochs", str(epochs(n)), "--seeds", str(P["adapt_seeds"]),
                  "--seed", "1", "--curve", base + ".csv", "--json"])
        d["wall_seconds"] = time.time() - t
        json.dump(d, open(base + ".json", "w"))
        return "policy", tgt, d

    all_targets = [tg for n in sizes for tg in targets[n]]
    per = {}
    jobs = [pool.submit(minimize, (m, o, tg)) for m, o in CLASSICAL for tg in all_targets]
    jobs += [pool.submit(adapt, tg) for tg in all_targets]
    for j in jobs:
        name, tgt, d = j.result()
        per.setdefault(name, {})[tgt] = d
    log("classical and adaptation done")

    # 3. basin hopping with the policy's budget of energy evaluations, per target
    def bh(tg):
        return "basin-hopping", tg, jrun([S, "search", tg, "--system", "lj-binary", "--method", "basin-hopping",
                                          "--budget", str(per["policy"][tg]["evaluations"]), "--seed", "1", "--json"])
    for name, tg, d in pool.map(bh, all_targets):
        per.setdefault(name, {})[tg] = d
    log("basin hopping done")

    methods = [m for m, _ in CLASSICAL] + ["policy", "basin-hopping"]
    table = {}
    for n in sizes:
        row = {}
        for m in methods:
            es = [per[m][tg]["final_energy"] for tg in targets[n] if per[m][tg].get("final_energy") is not None]
            evs = [per[m][tg]["evaluations"] for tg in targets[n] if per[m][tg].get("evaluations") is not None]
            row[m] = {"min": min(es) if es else None, "mean": sum(es) / len(es) if es else None,
                      "mean_per_atom": sum(es) / len(es) / n if es else None, "failed": len(targets[n]) - len(es),
                      "mean_evaluations": sum(evs) / len(evs) if evs else None,
                      "per_target": [per[m][tg].get("final_energy") for tg in targets[n]]}
        row["initial_mean"] = sum(per["gd"][tg]["initial_energy"] for tg in targets[n]) / len(targets[n])
        row["targets"], row["adapt_epochs"] = len(targets[n]), epochs(n)
        row["policy_seconds_per_epoch"] = sum(per["policy"][tg].get("wall_seconds", 0) for tg in targets[n]) / (
            len(targets[n]) * epochs(n) * P["adapt_seeds"])
        table[n] = row
    total = time.time() - T0
    out = {"scale": a.scale, "parameters": P, "sizes": sizes, "command": a.command, "model": a.model,
           "date_utc": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.node()} ({os.cpu_count()} cores, shared), {platform.machine()}",
           "strider_version": run([S, "--version"])[0].stdout.strip(),
           "git_head_at_run": subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                                             capture_output=True, text=True).stdout.strip(),
           "wall_seconds": total, "table": table,
           "raw": {m: {os.path.relpath(tg, a.work): per[m][tg] for tg in all_targets} for m in methods}}
    tag = f"table2-{a.scale}"
    with open(os.path.join(a.results, tag + ".json"), "w") as f:
        json.dump(out, f, indent=1)

    series = [(m, sizes, [table[n][m]["mean_per_atom"] for n in sizes]) for m in methods
              if all(table[n][m]["mean_per_atom"] is not None for n in sizes)]
    svg_plot(os.path.join(a.results, tag + ".svg"), series, "lj-binary: policy trained at N = 100, adapted at every N",
             "N (atoms)", "mean final energy per atom (epsilon)")

    fmt = lambda v, d=2: "—" if v is None else f"{v:.{d}f}"
    md = [f"# Table 2 reproduction (inductivity), scale `{a.scale}`" + (" (REDUCED — not the paper's protocol)" if a.scale != "full" else ""), "",
          f"- Command: `{a.command}`",
          f"- Date: {out['date_utc']}; machine: {out['machine']}; {out['strider_version']}; commit {out['git_head_at_run']}",
          f"- Policy: `{os.path.relpath(a.model, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))}` "
          "(pathwise, trained on 75 binary-LJ structures of N = 100 by demos/table1), never retrained; at every N it is "
          f"adapted to each target for {P['adapt_epochs']} epochs x {P['adapt_seeds']} seed(s) (`strider adapt`); "
          f"at N >= {LARGE_N}: {P['large_epochs']} epochs.",
          f"- Targets: `strider generate --system lj-binary --n N --seed 2`, the first {P['targets']} per N "
          f"({P['large_targets']} at N >= {LARGE_N}; T = 2.0 liquids at density 1.2).",
          "- Classical: `strider minimize` with the paper's presets and 1000 steps (FIRE with dt_max 0.02: the paper's 0.4 diverges); "
          "basin hopping (`strider search`, L-BFGS) gets the policy's own number of energy evaluations.",
          f"- Wall time: {total:.0f} s.", "",
          "Mean final energy per atom (epsilon; lower is better), and mean total energy over the targets:", "",
          "| N | targets | adaptation epochs | start | " + " | ".join(methods) + " |", "| --- " * (len(methods) + 4) + "|"]
    for n in sizes:
        r = table[n]
        md.append(f"| {n} | {r['targets']} | {r['adapt_epochs']} | {r['initial_mean'] / n:.4f} | " + " | ".join(fmt(r[m]["mean_per_atom"], 4) for m in methods) + " |")
    md += ["", "| N | " + " | ".join(f"{m} mean / min" for m in methods) + " |", "| --- " * (len(methods) + 1) + "|"]
    for n in sizes:
        r = table[n]
        md.append(f"| {n} | " + " | ".join(f"{fmt(r[m]['mean'])} / {fmt(r[m]['min'])}" for m in methods) + " |")
    md += ["", "Energy evaluations per target (mean): " + "; ".join(
        f"N = {n}: policy {fmt(table[n]['policy']['mean_evaluations'], 0)}" for n in sizes) + ".",
           "Adaptation wall time per epoch (T = 15 steps, forward + backward): " + "; ".join(
        f"N = {n}: {1000 * table[n]['policy_seconds_per_epoch']:.0f} ms" for n in sizes) + " (shared machine).", ""]
    wins = [n for n in sizes if table[n]["policy"]["mean"] is not None and all(
        table[n][m]["mean"] is None or table[n]["policy"]["mean"] < table[n][m]["mean"] for m in methods if m != "policy")]
    beats_fire = [n for n in sizes if table[n]["policy"]["mean"] is not None and table[n][f"fire-dtmax{FIRE_SAFE_DT_MAX}"]["mean"] is not None
                  and table[n]["policy"]["mean"] < table[n][f"fire-dtmax{FIRE_SAFE_DT_MAX}"]["mean"]]
    md.append(f"Policy lowest mean of all methods at N = {', '.join(map(str, wins)) or 'none'}; "
              f"below FIRE's mean at N = {', '.join(map(str, beats_fire)) or 'none'}.")
    md += ["", f"Plot: [{tag}.svg]({tag}.svg). Raw results: [{tag}.json]({tag}.json).", ""]
    note = os.path.join(a.results, tag + ".note.md")
    if os.path.exists(note):
        md += [open(note).read().rstrip(), ""]
    with open(os.path.join(a.results, tag + ".md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
